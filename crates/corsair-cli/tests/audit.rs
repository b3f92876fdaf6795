//! `corsair audit` against a lab of HTTPS servers written for it: one flaw per endpoint and
//! the safe controls, each class found at its severity and nothing on the controls.

mod support;

// The lab's `main` serves it alone; here only the server and its tables are used.
#[allow(dead_code)]
#[path = "../examples/audit_lab.rs"]
mod audit_lab;

use std::{path::PathBuf, process::Command, sync::OnceLock};

use audit_lab::{FLAWED, HOST, Lab, SAFE};
use serde_json::Value;

fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| Lab::start(|_, _, _| {}))
}

fn url(path: &str) -> String {
    format!("https://{HOST}:{}{path}", lab().port)
}

/// Runs the audit with the lab's host pinned to loopback: (exit status, stdout). `trust`
/// adds the lab's CA.
fn run(trust: bool, args: &[&str]) -> (i32, String) {
    let lab = lab();
    let pin = format!("{HOST}:{}:127.0.0.1", lab.port);
    let mut command = Command::new(env!("CARGO_BIN_EXE_corsair"));
    command.args(["audit", "--resolve", &pin]);
    if trust {
        command.args(["--cacert", lab.ca.to_str().unwrap()]);
    }
    let output = command
        .args(args)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn audit(args: &[&str]) -> (i32, String) {
    run(true, args)
}

fn audit_json(paths: &[&str], extra: &[&str]) -> (i32, Value) {
    let urls: Vec<String> = paths.iter().map(|p| url(p)).collect();
    let mut args: Vec<&str> = vec!["--format", "json"];
    args.extend(extra);
    args.extend(urls.iter().map(String::as_str));
    let (code, out) = audit(&args);
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")),
    )
}

/// The (class, severity) of each finding at `path`.
fn classes(report: &Value, path: &str) -> Vec<(String, String)> {
    let at = url(path);
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["scanned_url"] == at.as_str())
        .map(|f| {
            (
                f["class"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = expected
        .iter()
        .map(|(c, s)| ((*c).to_owned(), (*s).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn every_class_is_found_at_its_severity_and_nothing_on_the_safe_controls() {
    let mut paths: Vec<&str> = FLAWED.iter().map(|(p, _)| *p).collect();
    paths.extend(SAFE);
    let (code, report) = audit_json(&paths, &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["errors"], Value::Array(vec![]), "{report}");
    for (path, expected) in FLAWED {
        assert_eq!(
            classes(&report, path),
            pairs(expected),
            "{path}: {report:#}"
        );
    }
    for path in SAFE {
        assert_eq!(classes(&report, path), [], "{path} is safe: {report:#}");
    }
    for scanned in report["scanned"].as_array().unwrap() {
        let requests = scanned["requests"].as_u64().unwrap();
        assert!(requests <= 60, "{scanned}");
    }
}

fn finding<'a>(report: &'a Value, path: &str) -> &'a Value {
    let at = url(path);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["scanned_url"] == at.as_str())
        .unwrap_or_else(|| panic!("no finding at {path}: {report:#}"))
}

#[test]
fn a_reflecting_server_is_one_finding_with_what_it_implies_evidence_and_a_valid_fix() {
    let (_, report) = audit_json(&["/reflect"], &[]);
    let reflect = finding(&report, "/reflect");
    let implies: Vec<&str> = reflect["implies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for class in [
        "null-origin",
        "prefix-match",
        "suffix-match",
        "insecure-origin",
        "subdomain-trust",
        "third-party-host",
        "special-char",
        "unescaped-dot",
        "substring-match",
    ] {
        assert!(implies.contains(&class), "{class} missing in {implies:?}");
    }
    assert_eq!(reflect["exploit_origin"], "https://corsair-audit.net");
    assert_eq!(
        reflect["browsers"],
        serde_json::json!(["chromium", "firefox", "webkit"])
    );
    // Its preflights grant no method: GET is all it gives away.
    assert_eq!(reflect["methods"], serde_json::json!(["GET"]));
    let request = &reflect["evidence"]["request"];
    assert!(
        request["headers"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["Origin", "https://corsair-audit.net"]))
            || request["headers"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(["origin", "https://corsair-audit.net"])),
        "{request}"
    );
    let allow = reflect["evidence"]["response"]["headers"]
        .as_array()
        .unwrap();
    assert!(
        allow.contains(&serde_json::json!([
            "access-control-allow-credentials",
            "true"
        ])),
        "{allow:?}"
    );
    let impact = reflect["evidence"]["impact"].to_string();
    assert!(impact.contains("SameSite=None (session)"), "{impact}");
    let policy = reflect["fix"]["policy"].as_str().unwrap();
    assert!(corsair::Policy::from_toml(policy).is_ok(), "{policy}");
    assert!(policy.contains("allow_credentials = true"), "{policy}");
    assert!(!policy.contains("corsair-audit"), "{policy}");
}

#[test]
fn a_granted_preflight_lists_the_unsafe_methods_it_lets_through() {
    let (_, report) = audit_json(&["/preflight"], &[]);
    let preflight = finding(&report, "/preflight");
    assert_eq!(preflight["methods"], serde_json::json!(["PUT", "DELETE"]));
    assert_eq!(preflight["evidence"]["request"]["method"], "OPTIONS");
    let policy = preflight["fix"]["policy"].as_str().unwrap();
    assert!(
        policy.contains(r#"allow_methods = ["PUT", "DELETE"]"#),
        "{policy}"
    );
    assert!(corsair::Policy::from_toml(policy).is_ok(), "{policy}");
}

#[test]
fn a_host_only_webkit_can_be_at_is_medium_webkit_only_and_not_confirmable() {
    let (_, report) = audit_json(&["/special-webkit", "/special"], &[]);
    let webkit = finding(&report, "/special-webkit");
    assert_eq!(webkit["browsers"], serde_json::json!(["webkit"]));
    assert_eq!(
        webkit["exploit_origin"],
        "https://api.lab-target.com*.corsair-audit.net"
    );
    assert_eq!(webkit["confirmable"], false);
    let everywhere = finding(&report, "/special");
    assert_eq!(
        everywhere["exploit_origin"],
        "https://api.lab-target.com_.corsair-audit.net"
    );
    assert_eq!(
        everywhere["browsers"],
        serde_json::json!(["chromium", "firefox", "webkit"])
    );
}

#[test]
fn each_reported_origin_lists_the_unsafe_methods_its_preflight_grants() {
    let (_, report) = audit_json(&["/prefix-writes", "/prefix"], &[]);
    assert_eq!(
        finding(&report, "/prefix-writes")["methods"],
        serde_json::json!(["GET", "PUT"])
    );
    assert_eq!(
        finding(&report, "/prefix")["methods"],
        serde_json::json!(["GET"])
    );
    let policy = finding(&report, "/prefix-writes")["fix"]["policy"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains(r#"allow_methods = ["PUT"]"#), "{policy}");
}

#[test]
fn the_origin_granted_to_the_servers_own_is_a_trusted_base_and_in_the_fix() {
    let (_, report) = audit_json(&["/granted-prefix"], &[]);
    let prefix = finding(&report, "/granted-prefix");
    assert_eq!(
        prefix["exploit_origin"],
        "https://app.lab-target.com.corsair-audit.net"
    );
    let policy = prefix["fix"]["policy"].as_str().unwrap();
    assert!(
        policy.starts_with(r#"allow_origins = ["https://app.lab-target.com"]"#),
        "{policy}"
    );
}

#[test]
fn a_redirect_hop_that_passes_is_reported_at_the_url_that_answered() {
    let (_, report) = audit_json(&["/hop"], &[]);
    let hop = finding(&report, "/hop");
    assert_eq!(hop["url"], url("/reflect"), "{hop:#}");
}

#[test]
fn fail_on_and_exit_statuses() {
    let (code, _) = audit_json(&["/wildcard"], &[]);
    assert_eq!(code, 0, "info is below the default --fail-on low");
    let (code, _) = audit_json(&["/wildcard"], &["--fail-on", "info"]);
    assert_eq!(code, 1);
    let (code, _) = audit_json(&["/insecure"], &["--fail-on", "high"]);
    assert_eq!(code, 0, "medium is below high");
    let (code, _) = audit_json(&["/allow-list"], &["--fail-on", "info"]);
    assert_eq!(code, 0);
    let (code, _) = audit(&["https://127.0.0.1:1/", "--format", "json"]);
    assert_eq!(code, 2, "a network error");
    let (code, _) = audit(&["not a url"]);
    assert_eq!(code, 2, "a usage error");
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("corsair-audit-{}-{name}", std::process::id()))
}

#[test]
fn sarif_is_valid_2_1_0_with_one_rule_per_class_and_one_result_per_finding() {
    let log = temp("report.sarif");
    let (code, _) = audit(&[
        "--format",
        "sarif",
        "-o",
        log.to_str().unwrap(),
        &url("/reflect"),
        &url("/wildcard"),
        &url("/allow-list"),
    ]);
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 16);
    let results = run["results"].as_array().unwrap();
    let rules: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["reflect-any", "wildcard"]);
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[1]["level"], "note");
    assert_eq!(
        results[0]["properties"]["evidence"]["response"]["status"],
        200
    );
    support::assert_valid_sarif(&log);

    // The same findings against this report as a baseline are not new: exit 0.
    let (code, report) = audit_json(
        &["/reflect", "/wildcard"],
        &["--baseline", log.to_str().unwrap(), "--fail-on", "info"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["new"] == false)
    );
    // A finding the baseline does not hold fails the run.
    let (code, report) = audit_json(
        &["/reflect", "/null"],
        &["--baseline", log.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    let new: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["new"] == true)
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["class"], "null-origin");
    let _ = std::fs::remove_file(log);
}

#[test]
fn suppressions_leave_findings_out_with_their_reason_and_must_give_one() {
    let file = temp("suppress.toml");
    std::fs::write(
        &file,
        format!(
            "[[suppress]]\nurl = \"{}\"\nclass = \"wildcard\"\nreason = \"public data\"\n",
            url("/wildcard")
        ),
    )
    .unwrap();
    let (code, report) = audit_json(
        &["/wildcard"],
        &[
            "--suppressions",
            file.to_str().unwrap(),
            "--fail-on",
            "info",
        ],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"], Value::Array(vec![]));
    assert_eq!(report["suppressed"][0]["reason"], "public data");
    std::fs::write(
        &file,
        format!(
            "[[suppress]]\nurl = \"{}\"\nclass = \"wildcard\"\nreason = \"\"\n",
            url("/wildcard")
        ),
    )
    .unwrap();
    let (code, _) = audit(&["--suppressions", file.to_str().unwrap(), &url("/wildcard")]);
    assert_eq!(code, 2, "a suppression without a reason is a usage error");
    std::fs::write(
        &file,
        "[[suppress]]\nurl = \"x\"\nclass = \"reflect\"\nreason = \"r\"\n",
    )
    .unwrap();
    let (code, _) = audit(&["--suppressions", file.to_str().unwrap(), &url("/wildcard")]);
    assert_eq!(code, 2, "an unknown class is a usage error");
    let _ = std::fs::remove_file(file);
}

#[test]
fn input_file_markdown_text_and_the_request_log() {
    let input = temp("urls.txt");
    let log = temp("requests.jsonl");
    std::fs::write(
        &input,
        format!("# lab\n{}\n\n{}\n", url("/null"), url("/none")),
    )
    .unwrap();
    let (code, markdown) = audit(&[
        "-i",
        input.to_str().unwrap(),
        "--format",
        "markdown",
        "--log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(markdown.contains("## HIGH (1)"), "{markdown}");
    assert!(markdown.contains("### null-origin"), "{markdown}");
    assert!(markdown.contains("```toml\nallow_origins"), "{markdown}");
    let lines = std::fs::read_to_string(&log).unwrap();
    let logged: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (_, report) = audit_json(&["/null", "/none"], &[]);
    let sent: u64 = report["scanned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(logged.len() as u64, sent, "one log line per request");
    assert!(logged.iter().all(|l| l["status"].is_u64()));
    assert!(
        logged
            .iter()
            .all(|l| l["method"] == "GET" || l["method"] == "OPTIONS"),
        "safe by default"
    );

    let (code, text) = audit(&[&url("/subdomain"), "--color", "never"]);
    assert_eq!(code, 1);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("MEDIUM subdomain-trust https://api.lab-target.com:"),
        "{text}"
    );
    assert!(text.contains("requests  high  medium  low  info"), "{text}");
    assert!(text.contains("skipped: simple POST probes"), "{text}");
    let _ = std::fs::remove_file(input);
    let _ = std::fs::remove_file(log);
}

#[test]
fn probe_writes_adds_simple_posts_and_trusted_origins_are_probed_and_listed_in_the_fix() {
    let (_, report) = audit_json(&["/null"], &["--probe-writes"]);
    let null = finding(&report, "/null");
    assert_eq!(null["methods"], serde_json::json!(["GET", "POST"]));
    assert_eq!(report["scanned"][0]["skipped"], Value::Array(vec![]));
    let (_, report) = audit_json(
        &["/subdomain"],
        &["--trusted", "https://app.lab-target.com"],
    );
    let subdomain = finding(&report, "/subdomain");
    assert!(
        subdomain["fix"]["policy"]
            .as_str()
            .unwrap()
            .contains("\"https://app.lab-target.com\"")
    );
    assert_eq!(report["request_budget_per_url"], 76);
    let (_, text) = audit(&["--trusted", "https://app.lab-target.com", &url("/none")]);
    assert!(
        text.contains("at most 76 requests per URL (the default 60, raised"),
        "{text}"
    );
}

#[test]
fn an_untrusted_certificate_is_a_network_error_and_insecure_is_reported() {
    let (code, out) = run(false, &["--format", "json", &url("/none")]);
    assert_eq!(code, 2, "an untrusted certificate is a network error");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["errors"][0]["kind"], "tls");
    assert_eq!(report["insecure"], false);
    let (code, out) = run(false, &["-k", "--format", "json", &url("/none")]);
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["insecure"], true);
}

/// `--confirm` in real headless Chromium: fails (never skips) when Chromium is missing.
#[test]
fn confirm_proves_high_and_medium_findings_in_chromium() {
    let (code, report) = audit_json(
        &[
            "/reflect",
            "/insecure",
            "/subdomain",
            "/special",
            "/wildcard",
            "/null",
        ],
        &["--confirm"],
    );
    assert_eq!(code, 1, "{report:#}");
    // `/null` is staged in a sandboxed frame, whose requests carry `Origin: null`.
    for path in ["/reflect", "/insecure", "/subdomain", "/special", "/null"] {
        let finding = finding(&report, path);
        assert_eq!(finding["confirmed"], true, "{path}: {finding:#}");
    }
    // Below medium: not attempted.
    assert_eq!(finding(&report, "/wildcard")["confirmed"], Value::Null);
    assert_eq!(report["chromium_ignored_certificate_errors"], true);
}

#[test]
fn the_readme_shows_a_real_audit_run() {
    let port = lab().port.to_string();
    let (code, out) = audit(&[&url("/reflect"), "--color", "never"]);
    assert_eq!(code, 1);
    let shown = format!(
        "$ corsair audit https://api.lab-target.com:8443/reflect --resolve api.lab-target.com:8443:127.0.0.1 --cacert lab.pem\n{}",
        // The table's column keeps its width with the shorter port.
        out.replace(
            &format!("\n{} ", url("/reflect")),
            &format!("\n{}  ", url("/reflect").replace(&port, "8443"))
        )
        .replace(&port, "8443")
    );
    assert_eq!(
        shown,
        support::readme_block("<!-- readme: audit -->"),
        "update the README with:\n{shown}"
    );
}

#[test]
fn a_server_that_never_answers_is_a_timeout_not_a_hang() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and holds every connection, answering nothing.
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(8).collect();
        std::thread::sleep(std::time::Duration::from_secs(30));
        drop(held);
    });
    let started = std::time::Instant::now();
    let (code, out) = audit(&[
        "--timeout",
        "0.5",
        "--format",
        "json",
        &format!("http://127.0.0.1:{port}/"),
    ]);
    assert_eq!(code, 2);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["errors"][0]["kind"], "timeout", "{report:#}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
