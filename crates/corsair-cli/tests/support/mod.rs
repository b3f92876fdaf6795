//! What the CLI's tests share: the demo process, and running a command on a pseudo-terminal.
// Each test binary that includes this module uses only part of it.
#![allow(dead_code, unreachable_pub)]

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

/// The demo process, interrupted (as by Ctrl-C) when dropped.
pub struct Demo {
    child: Child,
    /// The playground's URL (`http://localhost:PORT/`).
    pub page: String,
    /// The API's URL (`http://127.0.0.1:PORT/api/`).
    pub api: String,
}

impl Demo {
    pub fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_corsair"))
            .args(["demo", "--api-port", "0", "--page-port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("corsair demo starts");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let (mut page, mut api) = (None, None);
        for line in lines.by_ref().map_while(Result::ok) {
            if let Some(url) = line.trim().strip_prefix("API (through corsair):") {
                api = Some(url.trim().to_owned());
            }
            if let Some(url) = line.trim().strip_prefix("playground:") {
                page = Some(url.trim().to_owned());
                break;
            }
        }
        // Keep reading what the demo prints until it exits.
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            page: page.expect("the demo prints the playground URL"),
            api: api.expect("the demo prints the API's URL"),
        }
    }

    /// Sends SIGINT and waits for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("the demo exits");
        std::mem::forget(self);
        status
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `corsair ARGS` on a pseudo-terminal (util-linux `script`) and returns what it printed.
pub fn on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_corsair"))
        .chain(args.iter().copied())
        .map(|arg| format!("'{}'", arg.replace('\'', "'\\''")))
        .collect();
    let mut command = Command::new("script");
    command
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .env_remove("NO_COLOR");
    for (name, value) in env {
        command.env(name, value);
    }
    String::from_utf8_lossy(&command.output().expect("script(1) runs").stdout).into_owned()
}

/// Fails unless the file at `log` is valid SARIF 2.1.0, checked with Python's jsonschema
/// (Debian's python3-jsonschema; scripts/test installs it) against the schema in the repo.
pub fn assert_valid_sarif(log: &std::path::Path) {
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    );
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema; jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))",
            schema,
            log.to_str().expect("a UTF-8 path"),
        ])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{} is not valid SARIF 2.1.0:\n{}\n{}",
        log.display(),
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// The README's block after `<!-- marker -->`, between its ``` fences.
pub fn readme_block(marker: &str) -> String {
    let readme = include_str!("../../../../README.md");
    let after = &readme[readme.find(marker).expect("the README has the example")..];
    let body = &after[after.find("```").unwrap()..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_owned()
}
