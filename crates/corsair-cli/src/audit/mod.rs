//! `corsair audit`: every CORS flaw of every URL given, each proven by what a real browser
//! would let an attacker-ownable origin read, with its severity, evidence and fix; text,
//! JSON, SARIF or markdown, and exit statuses for CI.

mod baseline;
mod class;
mod confirm;
mod finding;
mod fix;
mod judge;
mod origins;
mod report;
mod scan;
mod schedule;

use std::{io::Read as _, path::PathBuf, process::ExitCode, sync::Arc};

use corsair::{Origin, browser::Url};

use crate::{
    client,
    term::{self, printable},
};
pub(crate) use class::Severity;

/// `--format` of `audit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// One line per finding, then a summary table.
    #[default]
    Text,
    /// One JSON object: findings, scanned URLs, errors.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// A report for people.
    Markdown,
}

/// `corsair audit` options.
#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    /// The URLs to scan (http or https).
    pub(crate) urls: Vec<String>,
    /// Also read URLs from FILE, one per line (`#` starts a comment); `-` reads standard input.
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Prove high and medium findings in real headless Chromium: a page at the exploit
    /// origin (served locally, reached through a PAC file) fetches the URL with credentials.
    #[arg(long)]
    pub(crate) confirm: bool,
    /// Exit 1 when a finding at or above this severity is found.
    #[arg(long, value_enum, default_value_t = Severity::Low, value_name = "SEVERITY")]
    pub(crate) fail_on: Severity,
    /// An origin the API legitimately trusts (repeatable): lookalikes of it are probed too,
    /// and the proposed fix lists it.
    #[arg(long, value_name = "ORIGIN")]
    pub(crate) trusted: Vec<String>,
    /// A request header sent with every probe, 'Name: value' (repeatable), e.g. a token.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// Also send simple POST probes (url-encoded, empty body): only where a POST is harmless.
    #[arg(long)]
    pub(crate) probe_writes: bool,
    /// The registrable domain exploit origins are made under.
    #[arg(long, value_name = "DOMAIN", default_value_t)]
    pub(crate) attacker_domain: origins::AttackerDomain,
    /// At most N requests per second, all URLs together.
    #[arg(long, value_name = "N")]
    pub(crate) rate: Option<f64>,
    /// At most N requests in flight per host.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub(crate) concurrency: usize,
    /// Append every request and its answer to FILE, one JSON object per line.
    #[arg(long, value_name = "FILE")]
    pub(crate) log: Option<PathBuf>,
    /// Fail only on findings that are not in this earlier SARIF report of the audit.
    #[arg(long, value_name = "PREVIOUS.sarif")]
    pub(crate) baseline: Option<PathBuf>,
    /// Findings to leave out, in a TOML file of `[[suppress]]` entries with `url`, `class`
    /// and `reason`.
    #[arg(long, value_name = "FILE")]
    pub(crate) suppressions: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) connect: client::ConnectArgs,
    /// Colour the severities (auto: only on a terminal, and not with NO_COLOR set).
    #[arg(long, value_enum, default_value_t = term::ColorChoice::Auto, value_name = "WHEN")]
    pub(crate) color: term::ColorChoice,
}

/// What the report states about the run besides the findings.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) scanned: Vec<scan::Scanned>,
    pub(crate) insecure: bool,
    /// `--confirm` ran Chromium with `--ignore-certificate-errors`.
    pub(crate) chromium_ignored_certificate_errors: bool,
    pub(crate) budget: u32,
    /// Findings left out by the suppressions file, with the reason.
    pub(crate) suppressed: Vec<(finding::Finding, String)>,
    /// Fingerprints of the baseline's findings, when one was given.
    pub(crate) baseline: Option<Vec<String>>,
}

pub(crate) fn run(args: &AuditArgs) -> ExitCode {
    match prepare(args) {
        Ok((urls, shared, filters)) => execute(args, urls, shared, filters),
        Err(message) => {
            eprintln!("corsair audit: {}", printable(&message));
            ExitCode::from(2)
        }
    }
}

/// What filters findings after the scan.
struct Filters {
    suppressions: baseline::Suppressions,
    baseline: Option<Vec<String>>,
    confirm: Option<confirm::Confirmer>,
}

fn prepare(args: &AuditArgs) -> Result<(Vec<Url>, scan::Shared, Filters), String> {
    let mut texts = args.urls.clone();
    if let Some(path) = &args.input {
        let mut content = String::new();
        if path.as_os_str() == "-" {
            std::io::stdin()
                .take(16 << 20)
                .read_to_string(&mut content)
                .map_err(|e| format!("-i -: {e}"))?;
        } else {
            content =
                std::fs::read_to_string(path).map_err(|e| format!("-i {}: {e}", path.display()))?;
        }
        texts.extend(
            content
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(str::to_owned),
        );
    }
    if texts.is_empty() {
        return Err("give at least one URL to scan (or -i FILE)".to_owned());
    }
    let urls = texts
        .iter()
        .map(|text| Url::parse(text).map_err(|e| format!("{text}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut trusted = Vec::new();
    for origin in &args.trusted {
        let parsed = Origin::parse(origin).map_err(|e| format!("--trusted {origin}: {e}"))?;
        if parsed.is_opaque() {
            return Err("--trusted null: `null` is never a trustworthy origin".to_owned());
        }
        trusted.push(parsed.to_string());
    }
    if let Some(rate) = args.rate
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(format!(
            "--rate must be a positive number of requests per second, not {rate}"
        ));
    }
    if args.concurrency == 0 {
        return Err("--concurrency must be at least 1".to_owned());
    }
    let headers = args
        .headers
        .iter()
        .map(|header| {
            header
                .split_once(':')
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))
                .ok_or_else(|| format!("-H {header:?}: expected 'Name: value'"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let log = args
        .log
        .as_ref()
        .map(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("--log {}: {e}", path.display()))
        })
        .transpose()?;
    let client = args.connect.client(false)?.with_headers(headers);
    let mut budget = scan::DEFAULT_BUDGET + scan::PER_TRUSTED * trusted.len() as u32;
    if args.probe_writes {
        budget += scan::DEFAULT_BUDGET / 2;
    }
    let filters = Filters {
        suppressions: match &args.suppressions {
            Some(path) => baseline::Suppressions::read(path)?,
            None => baseline::Suppressions::default(),
        },
        baseline: args.baseline.as_deref().map(baseline::read).transpose()?,
        confirm: args
            .confirm
            .then(|| {
                confirm::Confirmer::new(
                    &args.connect.resolve,
                    args.connect.insecure || !args.connect.cacert.is_empty(),
                )
            })
            .transpose()?,
    };
    let shared = scan::Shared {
        client,
        schedule: schedule::Schedule::new(args.rate, args.concurrency, log),
        attacker: args.attacker_domain.clone(),
        trusted,
        probe_writes: args.probe_writes,
        budget,
    };
    Ok((urls, shared, filters))
}

fn execute(args: &AuditArgs, urls: Vec<Url>, shared: scan::Shared, filters: Filters) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("corsair audit: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let budget = shared.budget;
    let shared = Arc::new(shared);
    let palette = args.color.palette();
    let live = args.format == Format::Text && args.output.is_none();
    let total = urls.len();
    // Scans hold the browser model across awaits and need not move between threads.
    let local = tokio::task::LocalSet::new();
    let mut scanned = local.block_on(&runtime, async {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, url) in urls.into_iter().enumerate() {
            let shared = shared.clone();
            tasks.spawn_local(async move { (index, scan::scan(shared, url).await) });
        }
        let mut done = Vec::new();
        let mut progress = report::Progress::new(total);
        while let Some(joined) = tasks.join_next().await {
            let Ok((index, scanned)) = joined else {
                continue;
            };
            progress.update(&scanned);
            if live {
                report::print(&report::finding_lines(&scanned.findings, palette));
            }
            done.push((index, scanned));
        }
        progress.finish();
        if let Some(confirmer) = &filters.confirm {
            for (_, scanned) in &mut done {
                for finding in &mut scanned.findings {
                    if finding.severity < Severity::Medium || !finding.confirmable {
                        continue;
                    }
                    match confirmer.confirm(finding).await {
                        Ok(readable) => finding.confirmed = Some(readable),
                        Err(error) => finding.confirm_error = Some(error),
                    }
                }
            }
        }
        done.sort_by_key(|(index, _)| *index);
        done.into_iter()
            .map(|(_, scanned)| scanned)
            .collect::<Vec<_>>()
    });
    let mut suppressed = Vec::new();
    for url in &mut scanned {
        let (kept, left): (Vec<_>, Vec<_>) = std::mem::take(&mut url.findings)
            .into_iter()
            .map(|finding| {
                let reason = filters.suppressions.reason(&finding);
                (finding, reason)
            })
            .partition(|(_, reason)| reason.is_none());
        url.findings = kept.into_iter().map(|(finding, _)| finding).collect();
        suppressed.extend(left.into_iter().map(|(f, r)| (f, r.unwrap_or_default())));
    }
    let run = Run {
        scanned,
        insecure: args.connect.insecure,
        chromium_ignored_certificate_errors: filters
            .confirm
            .as_ref()
            .is_some_and(confirm::Confirmer::ignores_certificate_errors),
        budget,
        suppressed,
        baseline: filters.baseline,
    };
    let text = match args.format {
        Format::Text => report::summary(&run, !live, palette),
        Format::Json => format!("{}\n", report::json(&run)),
        Format::Sarif => format!("{}\n", report::sarif(&run)),
        Format::Markdown => report::markdown(&run),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("corsair audit: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
        None => report::print(&text),
    }
    for url in &run.scanned {
        if let Some(stop) = &url.error {
            eprintln!(
                "corsair audit: {}: {}",
                printable(&url.url),
                printable(&report::stop_text(stop))
            );
        }
    }
    let network_error = run
        .scanned
        .iter()
        .any(|url| matches!(url.error, Some(judge::Stop::Network(_))));
    if network_error {
        return ExitCode::from(2);
    }
    let failing = report::new_findings(&run).any(|finding| finding.severity >= args.fail_on);
    ExitCode::from(u8::from(failing))
}
