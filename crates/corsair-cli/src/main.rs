//! `corsair`: check a live endpoint exactly as a browser would, audit URLs for CORS flaws,
//! explain a browser's CORS error, lint a policy file.
#![forbid(unsafe_code)]

mod audit;
mod check;
mod client;
mod demo;
mod explain;
mod fix_for;
mod lint;
mod proxy;
mod shell;
mod term;

use std::{error::Error, path::PathBuf, process::ExitCode, str::FromStr, time::Duration};

use clap::{
    CommandFactory, Parser, Subcommand,
    builder::{PossibleValuesParser, TypedValueParser},
};
use corsair::browser::{Browser, Credentials, Initiator, Mode};

/// CORS, checked and explained: what a browser would send, what it would conclude, and what
/// the server must change.
#[derive(Debug, Parser)]
#[command(name = "corsair", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Performs over the network exactly the requests a browser would send for a fetch() from
    /// ORIGIN (the preflight when needed, then the request if the browser would send it), and
    /// says whether the page could read the response, and if not, why and how to fix it.
    ///
    /// Proxies come from HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as curl reads them; credentials
    /// go in the URL, percent-encoded (http://user:password@proxy:3128).
    ///
    /// Exit status: 0 allowed (every origin), 1 blocked (any origin), 2 usage or network error.
    Check(Box<CheckArgs>),
    /// Scans URLs for CORS misconfigurations: every flaw on every URL (reflected origins,
    /// `null`, prefix/suffix/substring matches, unescaped regex dots, special characters,
    /// http origins, any subdomain, shared hosting domains, wildcards, invalid values,
    /// preflights, missing `Vary`, Private Network Access), each proven by what Chromium,
    /// Firefox and WebKit would let an attacker-ownable origin read, with its severity,
    /// evidence and the corsair policy that fixes it. Sends only GET and preflights
    /// (OPTIONS) unless --probe-writes.
    ///
    /// Proxies come from HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as curl reads them.
    ///
    /// Exit status: 0 nothing at or above --fail-on (not in --baseline), 1 something, 2 usage
    /// or network error.
    Audit(Box<audit::AuditArgs>),
    /// Explains a CORS error message pasted from a browser console (Chromium, Firefox or
    /// WebKit): what happened, the likely causes and the fix. Reads standard input when no
    /// MESSAGE is given (or MESSAGE is `-`).
    ///
    /// Several failures in one paste are explained one by one. Reads at most 256 KiB.
    ///
    /// Exit status: 0 recognised (summary-only lines included), 1 not recognised, 2 the
    /// input cannot be read (not UTF-8).
    Explain {
        /// The console message.
        message: Option<String>,
        /// Print one JSON object instead of text: the first failure's keys, and every
        /// failure (the first included) in `messages`.
        #[arg(long)]
        json: bool,
    },
    /// Loads a policy file and prints every error and warning at its line and column, with its
    /// fix, then a summary of what the policy grants when it loads.
    ///
    /// Exit status: 0 valid (warnings allowed), 1 errors (or warnings with --deny-warnings, or
    /// a file that is not UTF-8), 2 the file cannot be read.
    Lint {
        /// The policy file (TOML).
        policy: PathBuf,
        /// Print one JSON object instead of text (the same as --format json).
        #[arg(long)]
        json: bool,
        /// How to print the findings.
        #[arg(long, value_enum, default_value_t = lint::Format::Text)]
        format: lint::Format,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Colour the severities (auto: only on a terminal, and not with NO_COLOR set).
        #[arg(long, value_enum, default_value_t = term::ColorChoice::Auto, value_name = "WHEN")]
        color: term::ColorChoice,
    },
    /// Starts a live CORS playground on loopback: an API served through the corsair middleware
    /// and a page that sends real fetch() requests to it, showing what the browser did next to
    /// what corsair predicted. Runs until Ctrl-C.
    ///
    /// Exit status: 0 stopped by Ctrl-C, 2 could not start (a port in use, a policy file that
    /// cannot be read or is invalid).
    Demo {
        /// The API's policy (TOML); a built-in example policy when omitted.
        #[arg(long, value_name = "POLICY.toml")]
        policy: Option<PathBuf>,
        /// Port of the API origin (http://127.0.0.1:PORT); 0 picks a free one.
        #[arg(long, default_value_t = 8787)]
        api_port: u16,
        /// Port of the page origin (http://localhost:PORT); 0 picks a free one.
        #[arg(long, default_value_t = 8788)]
        page_port: u16,
    },
    /// Runs a CORS gateway in front of an API: preflights answered here, the upstream's CORS
    /// headers replaced by the policy's on every response (errors included), foreign
    /// WebSocket handshakes refused, the policy file reloaded when it changes or on SIGHUP.
    /// Stops on SIGTERM or Ctrl-C after draining in-flight requests.
    ///
    /// Development: `corsair proxy --upstream http://localhost:3000 --allow-origin http://localhost:5173`.
    ///
    /// Exit status: 0 stopped and drained, 2 could not start (invalid flags, configuration or
    /// policy; a port in use).
    Proxy(Box<proxy::ProxyArgs>),
    /// Prints a shell completion script, e.g. `corsair completions bash > /etc/bash_completion.d/corsair`.
    ///
    /// Exit status: 0.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Prints the manual page (roff), e.g. `corsair man > /usr/local/share/man/man1/corsair.1`;
    /// with --out-dir, writes it and one page per command (`corsair-check.1`, ...) there.
    ///
    /// Exit status: 0 written, 2 the pages could not be written.
    Man {
        /// Write every page into this directory instead of printing the main one.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

/// `corsair check` options.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// The URL the page fetches (http or https); taken from --curl when given there.
    #[arg(required_unless_present = "curl")]
    pub(crate) url: Option<String>,
    /// The page's origin, e.g. `https://app.example.com`; repeat it to compare several
    /// origins in one run (a table of verdicts; JSON: one object per origin, in an array).
    #[arg(long, value_name = "ORIGIN")]
    pub(crate) origin: Vec<String>,
    /// The request method, as the page passes it to fetch() [default: GET, or POST with --data].
    #[arg(short = 'X', long)]
    pub(crate) method: Option<String>,
    /// A request header the page sets, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// The request body, sent as given (`@FILE` reads it from a file).
    #[arg(short = 'd', long, value_name = "BODY")]
    pub(crate) data: Option<String>,
    /// A request copied from the browser's devtools ("Copy as cURL"), replayed as the browser
    /// sends it: its URL, method, headers, body, its `Origin` header as --origin and cookies
    /// as credentials include. Other options given beside it win.
    #[arg(long, value_name = "CURL COMMAND")]
    pub(crate) curl: Option<String>,
    /// What in the page makes the request: fetch(), XMLHttpRequest, a web font, an image, a
    /// module script, a stylesheet, an EventSource or an HTML form (a navigation, which CORS
    /// never checks, sent with the engine's `Sec-Fetch-*` headers). Elements, EventSource and
    /// forms refuse what they cannot ask for (-X, -H, --data, `omit`).
    #[arg(
        long,
        default_value_t = Initiator::Fetch,
        value_parser = one_of(&Initiator::ALL, |i| i.as_str()),
    )]
    pub(crate) initiator: Initiator,
    /// The credentials mode [default: same-origin; include for an element without
    /// crossorigin and for a form]. For XMLHttpRequest and EventSource, include is
    /// `withCredentials`; for an element, `crossorigin="use-credentials"` (same-origin is
    /// `crossorigin="anonymous"`).
    #[arg(long, value_parser = one_of(&Credentials::ALL, |c| c.as_str()))]
    pub(crate) credentials: Option<Credentials>,
    /// The request mode [default: cors; no-cors for a form]. An image or a stylesheet
    /// without a `crossorigin` attribute is no-cors.
    #[arg(long, value_parser = one_of(&Mode::ALL, |m| m.as_str()))]
    pub(crate) mode: Option<Mode>,
    /// Whose behaviour to follow.
    #[arg(
        long,
        default_value_t = Browser::Chromium,
        value_parser = one_of(&Browser::ALL, |b| b.name()),
    )]
    pub(crate) browser: Browser,
    /// Print JSON instead of text: one object, or an array of them with several --origin.
    #[arg(long)]
    pub(crate) json: bool,
    /// Colour the verdict (auto: only on a terminal, and not with NO_COLOR set).
    #[arg(long, value_enum, default_value_t = term::ColorChoice::Auto, value_name = "WHEN")]
    pub(crate) color: term::ColorChoice,
    /// Also show the server change for these servers, comma-separated [default: the one
    /// the response's `Server` header names, when it is one of these].
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SERVERS")]
    pub(crate) fix_for: Vec<fix_for::Server>,
    /// Seconds the whole run may take, every redirect hop, preflight and origin included.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub(crate) max_time: f64,
    #[command(flatten)]
    pub(crate) connect: client::ConnectArgs,
}

/// Parses a library enum with its `FromStr`, so `--help` and completions list `values`.
fn one_of<T>(values: &[T], name: fn(&T) -> &'static str) -> impl TypedValueParser<Value = T>
where
    T: FromStr<Err: Error + Send + Sync + 'static> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(values.iter().map(name)).try_map(|value| value.parse::<T>())
}

/// A timeout flag as a duration; usage errors for nonsense.
pub(crate) fn seconds(value: f64, flag: &str) -> Result<Duration, String> {
    if value.is_finite() && value > 0.0 && value <= 86_400.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(format!(
            "{flag} must be a number of seconds between 0 and 86400, not {value}"
        ))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Audit(args) => audit::run(&args),
        Command::Explain { message, json } => explain::run(message, json),
        Command::Lint {
            policy,
            json,
            format,
            deny_warnings,
            color,
        } => lint::run(
            &policy,
            if json { lint::Format::Json } else { format },
            deny_warnings,
            color.palette(),
        ),
        Command::Demo {
            policy,
            api_port,
            page_port,
        } => demo::run(policy.as_deref(), api_port, page_port),
        Command::Proxy(args) => proxy::run(&args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "corsair",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Man { out_dir } => manual(out_dir.as_deref()),
    }
}

/// Writes the manual pages, made from the same definitions as `--help` and the completions.
fn manual(out_dir: Option<&std::path::Path>) -> ExitCode {
    if let Some(dir) = out_dir {
        return match clap_mangen::generate_to(Cli::command(), dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!(
                    "corsair man: cannot write the pages into {}: {e}",
                    dir.display()
                );
                ExitCode::from(2)
            }
        };
    }
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut page) {
        eprintln!("corsair man: {e}");
        return ExitCode::from(2);
    }
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(&page) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`corsair man | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("corsair man: {e}");
            ExitCode::from(2)
        }
    }
}
