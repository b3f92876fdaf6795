//! `corsair man`: manual pages made from the same definitions as `--help`.

use std::process::Command;

fn corsair(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_manual_page_lists_every_command() {
    let output = corsair(&["man"]);
    assert!(output.status.success());
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains(".TH corsair 1"), "{page}");
    for command in [
        "check",
        "audit",
        "explain",
        "lint",
        "demo",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!("corsair\\-{command}(1)")),
            "{command} missing"
        );
    }
}

#[test]
fn out_dir_writes_one_page_per_command_with_its_options() {
    let dir = std::env::temp_dir().join(format!("corsair-man-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = corsair(&["man", "--out-dir", dir.to_str().unwrap()]);
    assert!(output.status.success());
    let check = std::fs::read_to_string(dir.join("corsair-check.1")).unwrap();
    assert!(check.contains("\\-\\-origin"), "{check}");
    assert!(dir.join("corsair.1").exists());
    std::fs::remove_dir_all(&dir).unwrap();

    let missing = corsair(&["man", "--out-dir", "/nonexistent/corsair-man"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot write the pages"));
}
