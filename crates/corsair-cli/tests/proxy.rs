//! `corsair proxy` as a process: flags validated as a policy file, the policy reloaded when
//! its file is replaced (a broken one reported as `corsair lint` reports it, the last good
//! one kept), SIGTERM drains and exits 0.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

const APP: &str = "https://app.example.com";

/// An upstream that answers every request with its own `Access-Control-Allow-Origin: *`.
fn upstream() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\naccess-control-allow-origin: *\r\nconnection: close\r\n\r\nok",
                );
            });
        }
    });
    port
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The response head to a GET from `origin`, lowercased.
fn get(port: u16, origin: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET /x HTTP/1.1\r\nhost: api\r\norigin: {origin}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.to_ascii_lowercase()
}

#[test]
fn flags_that_state_an_invalid_policy_are_refused_before_listening() {
    let output = Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args([
            "proxy",
            "--upstream",
            "http://127.0.0.1:9",
            "--allow-origin",
            "https://*",
        ])
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the policy the flags state is invalid"),
        "{stderr}"
    );
    assert!(stderr.contains("origin `https://*` is invalid"), "{stderr}");
}

#[test]
fn reloads_reports_broken_policies_as_lint_does_and_drains_on_sigterm() {
    reload_and_drain(Command::new(env!("CARGO_BIN_EXE_corsair")), "many");
}

/// On one CPU the gateway runs on a current-thread runtime: reloading (on the blocking pool)
/// and draining must work there too.
#[test]
fn on_one_cpu_reloads_and_drains_alike() {
    let mut pinned = Command::new("taskset");
    pinned.args(["-c", "0", env!("CARGO_BIN_EXE_corsair")]);
    reload_and_drain(pinned, "one");
}

fn reload_and_drain(mut corsair: Command, name: &str) {
    let directory =
        std::env::temp_dir().join(format!("corsair-cli-proxy-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let policy = directory.join("policy.toml");
    std::fs::write(&policy, format!("allow_origins = [\"{APP}\"]\n")).unwrap();
    let port = free_port();
    let mut child = corsair
        .args([
            "proxy",
            "--upstream",
            &format!("http://127.0.0.1:{}", upstream()),
        ])
        .arg("--policy")
        .arg(&policy)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, stderr) = mpsc::channel();
    let pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let until = |needle: &str| -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(line) = stderr.recv_timeout(Duration::from_secs(10)) {
            let found = line.contains(needle);
            seen.push(line);
            if found {
                return seen;
            }
        }
        panic!("no `{needle}` in:\n{}", seen.join("\n"));
    };
    until("listening on http://127.0.0.1:");
    let answer = get(port, APP);
    assert!(
        answer.contains(&format!("access-control-allow-origin: {APP}\r\n")),
        "{answer}"
    );
    assert!(
        !answer.contains("access-control-allow-origin: *"),
        "{answer}"
    );

    // Replaced by rename with a broken policy: reported with its line, caret and fix.
    let temporary = directory.join("policy.new");
    std::fs::write(&temporary, "allow_orgins = [\"https://x.example\"]\n").unwrap();
    std::fs::rename(&temporary, &policy).unwrap();
    let report = until("has 1 error and").join("\n");
    assert!(report.contains("the last good one stays"), "{report}");
    assert!(
        report.contains(&format!(
            "{}:1:1: error[unknown_key]: unknown key `allow_orgins`; did you mean `allow_origins`?",
            policy.display()
        )),
        "{report}"
    );
    assert!(report.contains("1 | allow_orgins"), "{report}");
    // The misspelt key may hold the origins: no claim that none is allowed.
    assert!(!report.contains("no_origins"), "{report}");
    let answer = get(port, APP);
    assert!(
        answer.contains(&format!("access-control-allow-origin: {APP}\r\n")),
        "{answer}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    until("stopped");
    assert_eq!(child.wait().unwrap().code(), Some(0));
    std::fs::remove_dir_all(&directory).unwrap();
}
