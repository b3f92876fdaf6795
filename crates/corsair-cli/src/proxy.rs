//! `corsair proxy`: the CORS gateway (crate `corsair-proxy`) from the command line: flags to
//! a [`Gateway`], the upstream trust `check` uses, policy errors printed as `corsair lint`
//! prints them.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, sync::Arc};

use corsair_proxy::{
    Gateway, Limits, Mode, PathPrefix, PolicySource, Problem, Proxy, Rejected, ReportRejected,
    Route, TlsFiles, Upstream,
};

use crate::term::{ColorChoice, printable};

/// `corsair proxy` options.
#[derive(Debug, clap::Args)]
pub(crate) struct ProxyArgs {
    /// The API to proxy to (http or https), e.g. `http://localhost:3000`.
    #[arg(long, value_name = "URL", required_unless_present = "config")]
    upstream: Option<String>,
    /// The policy file (TOML, as `corsair lint` reads it); watched and reloaded, and on SIGHUP.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["allow_origin", "config"])]
    policy: Option<PathBuf>,
    /// Several routes, each with its prefix, upstream, policy and mode (see docs/PROXY.md).
    #[arg(long, value_name = "GATEWAY.toml", conflicts_with_all = ["upstream", "upstream_host", "mode"])]
    config: Option<PathBuf>,
    /// Allow this origin (repeatable): the development one-liner, without a policy file.
    #[arg(long, value_name = "ORIGIN", required_unless_present_any = ["policy", "config"])]
    allow_origin: Vec<String>,
    /// With --allow-origin: let credentialed requests read responses.
    #[arg(long, requires = "allow_origin")]
    allow_credentials: bool,
    /// With --allow-origin: a request header preflights may ask for (repeatable).
    #[arg(long, value_name = "NAME", requires = "allow_origin")]
    allow_header: Vec<String>,
    /// With --allow-origin: a method preflights may ask for (repeatable).
    #[arg(long, value_name = "METHOD", requires = "allow_origin")]
    allow_method: Vec<String>,
    /// With --allow-origin: a response header pages may read (repeatable).
    #[arg(long, value_name = "NAME", requires = "allow_origin")]
    expose_header: Vec<String>,
    /// Where to listen [default: 127.0.0.1:8080, or the config's `listen`].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Where to serve /healthz, /readyz and /metrics [default: nowhere, or the config's].
    #[arg(long, value_name = "ADDR")]
    admin: Option<SocketAddr>,
    /// enforce: the policy decides (its `report_only` honoured); shadow: the upstream's
    /// answers pass untouched and would-be refusals are counted.
    #[arg(long, default_value = "enforce", value_parser = ["enforce", "shadow"])]
    mode: String,
    /// Serve HTTPS (HTTP/2 by ALPN) with this certificate chain (PEM); reloaded with the policy.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Send this `Host` to the upstream instead of the client's.
    #[arg(long, value_name = "HOST")]
    upstream_host: Option<String>,
    /// Keep incoming X-Forwarded-* headers (only behind a proxy that sets them).
    #[arg(long)]
    trust_forwarded: bool,
    /// Refuse request bodies larger than this many bytes (413).
    #[arg(long, value_name = "BYTES")]
    max_body: Option<u64>,
    /// Seconds to wait for an upstream connection (then 502/504).
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    connect_timeout: f64,
    /// Seconds an upstream has to start its response (then 504).
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    timeout: f64,
    /// Seconds a client has to send a request's headers.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    header_read_timeout: f64,
    /// Seconds in-flight requests get to finish on SIGTERM or Ctrl-C.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    drain_timeout: f64,
    /// Also trust the certificate authorities in this PEM file for https upstreams
    /// (repeatable); the bundled public roots and the system's are trusted too.
    #[arg(long, value_name = "PEM")]
    cacert: Vec<PathBuf>,
    /// Accept any upstream TLS certificate. For development upstreams only.
    #[arg(short = 'k', long)]
    insecure: bool,
}

/// Prints rejected policies as `corsair lint` does, on standard error.
struct PrintRejected;

impl ReportRejected for PrintRejected {
    fn rejected(&self, rejected: &Rejected) {
        eprint!(
            "corsair proxy: the policy was not reloaded; the last good one stays:\n{}",
            as_lint(rejected)
        );
    }
}

/// A rejected policy in `corsair lint`'s words.
fn as_lint(rejected: &Rejected) -> String {
    match &rejected.problem {
        Problem::Invalid {
            source,
            findings,
            omitted,
        } => crate::lint::text(
            &rejected.path,
            source,
            findings,
            *omitted,
            None,
            ColorChoice::Never.palette(),
        ),
        _ => rejected.to_string(),
    }
}

pub(crate) fn run(args: &ProxyArgs) -> ExitCode {
    let gateway = match gateway(args) {
        Ok(gateway) => gateway,
        Err(message) => {
            eprintln!("corsair proxy: {}", printable(&message));
            return ExitCode::from(2);
        }
    };
    let tls = match crate::client::upstream_tls(&args.cacert, args.insecure) {
        Ok(tls) => tls,
        Err(message) => {
            eprintln!("corsair proxy: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime =
        match runtime_for_cpus(std::thread::available_parallelism().map_or(1, usize::from))
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("corsair proxy: cannot start the runtime: {e}");
                return ExitCode::from(2);
            }
        };
    runtime.block_on(async {
        let summary = summary(&gateway);
        let proxy = match Proxy::new(gateway, tls, Arc::new(PrintRejected)) {
            Ok(proxy) => proxy,
            Err(corsair_proxy::StartError::Policy(rejected)) => {
                eprint!(
                    "corsair proxy: the policy does not load:\n{}",
                    as_lint(&rejected)
                );
                return ExitCode::from(2);
            }
            Err(error) => {
                eprintln!("corsair proxy: {error}");
                return ExitCode::from(2);
            }
        };
        let bound = match proxy.bind().await {
            Ok(bound) => bound,
            Err(error) => {
                eprintln!("corsair proxy: {error}");
                return ExitCode::from(2);
            }
        };
        let scheme = if args.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        if let Ok(addr) = bound.local_addr() {
            eprintln!("corsair proxy: listening on {scheme}://{addr}");
        }
        if let Some(addr) = bound.admin_addr() {
            eprintln!("corsair proxy: admin on http://{addr} (/healthz, /readyz, /metrics)");
        }
        eprint!("{summary}");
        bound.serve(corsair_proxy::shutdown_signal()).await;
        eprintln!("corsair proxy: stopped");
        ExitCode::SUCCESS
    })
}

/// The runtime for `cpus` usable CPUs (`available_parallelism`, which counts a pinned
/// process's CPU set and a container's quota). On one, a current-thread runtime serves every
/// connection on the thread that polls the sockets: a multi-thread one would add a worker
/// beside the main thread, and wake-ups between the two, for no parallelism.
fn runtime_for_cpus(cpus: usize) -> tokio::runtime::Builder {
    if cpus == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    }
}

fn summary(gateway: &Gateway) -> String {
    gateway
        .routes()
        .iter()
        .map(|route| format!("  {route}\n"))
        .collect()
}

fn gateway(args: &ProxyArgs) -> Result<Gateway, String> {
    let mode: Mode = args.mode.parse()?;
    let mut gateway = match (&args.config, &args.upstream) {
        (Some(path), _) => Gateway::from_file(path)
            .map_err(|errors| format!("{} is invalid:\n{errors}", path.display()))?,
        (None, Some(upstream)) => {
            let upstream = Upstream::parse(upstream).map_err(|e| e.to_string())?;
            let policy = match &args.policy {
                Some(path) => PolicySource::File(path.clone()),
                None => PolicySource::Fixed(one_liner(args)?),
            };
            let mut route = Route::new(
                PathPrefix::new("/").map_err(|e| e.to_string())?,
                upstream,
                policy,
            )
            .mode(mode);
            if let Some(host) = &args.upstream_host {
                route = route.upstream_host(host).map_err(|e| e.to_string())?;
            }
            let mut limits = Limits::default();
            limits.max_body_bytes = args.max_body;
            limits.connect_timeout = crate::seconds(args.connect_timeout, "--connect-timeout")?;
            limits.response_timeout = crate::seconds(args.timeout, "--timeout")?;
            limits.header_read_timeout =
                crate::seconds(args.header_read_timeout, "--header-read-timeout")?;
            limits.drain_timeout = crate::seconds(args.drain_timeout, "--drain-timeout")?;
            Gateway::new(vec![route])
                .map_err(|e| e.to_string())?
                .limits(limits)
                .trust_forwarded(args.trust_forwarded)
        }
        (None, None) => return Err("--upstream or --config is required".to_owned()),
    };
    if let Some(listen) = args.listen {
        gateway = gateway.listen(listen);
    }
    if let Some(admin) = args.admin {
        gateway = gateway.admin(admin);
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        gateway = gateway.tls(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        });
    }
    Ok(gateway)
}

/// The policy the `--allow-*` flags state, validated as a policy file is.
fn one_liner(args: &ProxyArgs) -> Result<corsair::Config, String> {
    let mut config = corsair::Config::new()
        .allow_origins(args.allow_origin.iter().cloned())
        .allow_credentials(args.allow_credentials);
    if !args.allow_header.is_empty() {
        config = config.allow_headers(args.allow_header.iter().cloned());
    }
    if !args.allow_method.is_empty() {
        config = config.allow_methods(args.allow_method.iter().cloned());
    }
    if !args.expose_header.is_empty() {
        config = config.expose_headers(args.expose_header.iter().cloned());
    }
    match config.clone().build() {
        Ok(_) => Ok(config),
        Err(errors) => Err(format!("the policy the flags state is invalid:\n{errors}")),
    }
}

#[cfg(test)]
mod tests {
    use tokio::runtime::RuntimeFlavor;

    fn flavour(cpus: usize) -> RuntimeFlavor {
        let runtime = super::runtime_for_cpus(cpus).enable_all().build().unwrap();
        runtime.handle().runtime_flavor()
    }

    #[test]
    fn one_cpu_gets_a_current_thread_runtime_and_more_get_workers() {
        assert_eq!(flavour(1), RuntimeFlavor::CurrentThread);
        assert_eq!(flavour(2), RuntimeFlavor::MultiThread);
        assert_eq!(flavour(16), RuntimeFlavor::MultiThread);
    }
}
