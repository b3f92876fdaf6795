//! `corsair`: check a live endpoint exactly as a browser would, explain a browser's CORS error,
//! lint a policy file.
#![forbid(unsafe_code)]

mod check;
mod client;
mod demo;
mod explain;
mod lint;
mod shell;

use std::{error::Error, path::PathBuf, process::ExitCode, str::FromStr, time::Duration};

use clap::{
    CommandFactory, Parser, Subcommand,
    builder::{PossibleValuesParser, TypedValueParser},
};
use corsair::browser::{Browser, Credentials, Mode};

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
    /// Exit status: 0 allowed, 1 blocked, 2 usage or network error.
    Check(CheckArgs),
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
    /// Loads a policy file and prints every problem with its fix (exit 1), or a summary of what
    /// the policy grants (exit 0).
    Lint {
        /// The policy file (TOML).
        policy: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Starts a live CORS playground on loopback: an API served through the corsair middleware
    /// and a page that sends real fetch() requests to it, showing what the browser did next to
    /// what corsair predicted. Runs until Ctrl-C.
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
    /// Prints a shell completion script, e.g. `corsair completions bash > /etc/bash_completion.d/corsair`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `corsair check` options.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// The URL the page fetches (http or https).
    pub(crate) url: String,
    /// The page's origin, e.g. `https://app.example.com`.
    #[arg(long)]
    pub(crate) origin: String,
    /// The request method, as the page passes it to fetch().
    #[arg(short = 'X', long, default_value = "GET")]
    pub(crate) method: String,
    /// A request header the page sets, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// The fetch() credentials mode.
    #[arg(
        long,
        default_value_t = Credentials::SameOrigin,
        value_parser = one_of(&Credentials::ALL, |c| c.as_str()),
    )]
    pub(crate) credentials: Credentials,
    /// The fetch() request mode.
    #[arg(long, default_value_t = Mode::Cors, value_parser = one_of(&Mode::ALL, |m| m.as_str()))]
    pub(crate) mode: Mode,
    /// Whose behaviour to follow.
    #[arg(
        long,
        default_value_t = Browser::Chromium,
        value_parser = one_of(&Browser::ALL, |b| b.name()),
    )]
    pub(crate) browser: Browser,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    /// Seconds to wait for a connection (TCP and TLS).
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub(crate) connect_timeout: f64,
    /// Seconds to wait for each response's headers.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub(crate) timeout: f64,
    /// Also trust the certificate authorities in this PEM file (e.g. a development CA).
    #[arg(long, value_name = "PEM")]
    pub(crate) cacert: Option<PathBuf>,
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
        Command::Explain { message, json } => explain::run(message, json),
        Command::Lint { policy, json } => lint::run(&policy, json),
        Command::Demo {
            policy,
            api_port,
            page_port,
        } => demo::run(policy.as_deref(), api_port, page_port),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "corsair",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
    }
}
