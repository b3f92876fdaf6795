//! `corsair demo` in a real headless Chromium: the page loads, each preset runs with the real
//! `fetch()`, the page shows what the browser did, and corsair's prediction agrees. Saves a
//! screenshot: in the temporary directory, or as docs/demo.png (the README's) when
//! `CORSAIR_UPDATE_SCREENSHOT` is set.

mod support;

use std::time::Duration;

use corsair_browser_tests::chromium::Chromium;
use serde_json::{Value, json};
use support::Demo;

/// (preset, expected browser verdict, preflight sent, request reached the API).
const PRESETS: &[(&str, &str, bool, bool)] = &[
    ("simple-get", "allowed", false, true),
    ("json-post", "allowed", true, true),
    ("custom-header", "blocked", true, false),
    ("authorization", "blocked", true, false),
    ("delete", "allowed", true, true),
    ("patch", "blocked", true, false),
    ("exposed-header", "allowed", false, true),
    ("credentials-star", "blocked", false, true),
    ("disallowed-origin", "blocked", false, true),
    // The same refused origin: an image without `crossorigin` loads, a font does not.
    ("image-no-cors", "allowed", false, true),
    ("font-needs-cors", "blocked", false, true),
    ("xhr-credentials-star", "blocked", false, true),
];

/// What the page shows in one column.
const READ_COLUMN: &str = "const column = document.querySelector(arguments[0]); \
    return ['verdict', 'preflight', 'reached', 'status', 'readable'].map(c => column.querySelector('.' + c).textContent);";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_run_in_chromium_and_the_page_shows_what_happened() {
    let demo = Demo::start();
    let chromium = Chromium::launch()
        .await
        .expect("headless Chromium (./scripts/test installs it)");
    chromium.open(&demo.page).await.unwrap();
    let ready = "const done = arguments[0]; \
        const wait = () => document.body.dataset.ready ? done(true) : setTimeout(wait, 50); wait();";
    chromium.execute_async(ready, vec![]).await.unwrap();

    let mut failures = Vec::new();
    for (preset, verdict, preflight, reached) in PRESETS {
        let outcome = chromium
            .execute_async(
                "const [preset, done] = arguments; window.corsairDemo.runPreset(preset).then(done, e => done({error: String(e)}));",
                vec![json!(preset)],
            )
            .await
            .unwrap();
        let shown = chromium
            .execute(READ_COLUMN, vec![json!("#browser")])
            .await
            .unwrap();
        let predicted = chromium
            .execute(READ_COLUMN, vec![json!("#model")])
            .await
            .unwrap();
        let agreement = chromium
            .execute(
                "return document.querySelector('#agreement').textContent;",
                vec![],
            )
            .await
            .unwrap();
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let expected = json!([verdict, yes_no(*preflight), yes_no(*reached)]);
        let first_three =
            |v: &Value| json!(v.as_array().map(|a| a[..3].to_vec()).unwrap_or_default());
        if first_three(&shown) != expected
            || shown != predicted
            || agreement != "corsair predicted exactly what the browser did."
            || outcome["agree"] != true
        {
            failures.push(format!(
                "{preset}: shown {shown}, predicted {predicted}, expected {expected}, {agreement}"
            ));
        }
        if *preset == "exposed-header"
            && !shown[4]
                .as_str()
                .unwrap_or_default()
                .contains("x-request-id")
        {
            failures.push(format!("{preset}: x-request-id not readable: {shown}"));
        }
    }

    // An invalid policy is refused and nothing changes.
    let refused = chromium
        .execute_async(
            "const done = arguments[0]; fetch('/_demo/policy', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({source: 'allow_origins = [\"*\"]\\nallow_credentials = true'})}).then(r => r.json()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    if refused["applied"] != false {
        failures.push(format!("an invalid policy was applied: {refused}"));
    }

    // The screenshot the README shows: a blocked request, explained.
    chromium
        .execute_async(
            "const done = arguments[0]; window.corsairDemo.runPreset('custom-header').then(done);",
            vec![],
        )
        .await
        .unwrap();
    let png = chromium.screenshot().await.unwrap();
    let path = if std::env::var_os("CORSAIR_UPDATE_SCREENSHOT").is_some() {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/demo.png")
    } else {
        std::env::temp_dir().join("corsair-demo.png")
    };
    std::fs::write(&path, &png).unwrap();
    println!("screenshot: {}", path.display());
    assert!(png.len() > 10_000, "a real screenshot");

    let survivors = tokio::time::timeout(Duration::from_secs(30), chromium.shutdown())
        .await
        .unwrap();
    let status = demo.stop();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        survivors.is_empty(),
        "browser processes left running: {survivors:?}"
    );
    assert!(
        status.success(),
        "the demo stops cleanly on Ctrl-C: {status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_start_fresh_the_cache_lasts_and_the_grants_fit() {
    let demo = Demo::start();
    let chromium = Chromium::launch()
        .await
        .expect("headless Chromium (./scripts/test installs it)");
    let ready = "const done = arguments[0]; \
        const wait = () => document.body.dataset.ready ? done(true) : setTimeout(wait, 50); wait();";
    let run = "const [preset, done] = arguments; window.corsairDemo.runPreset(preset).then(done, e => done({error: String(e)}));";
    let mut failures = Vec::new();

    chromium.open(&demo.page).await.unwrap();
    chromium.execute_async(ready, vec![]).await.unwrap();
    chromium
        .execute_async(run, vec![json!("credentials-star")])
        .await
        .unwrap();
    // After a reload the page starts from the demo's policy, as a fresh demo does.
    chromium.open(&demo.page).await.unwrap();
    chromium.execute_async(ready, vec![]).await.unwrap();
    let outcome = chromium
        .execute_async(run, vec![json!("json-post")])
        .await
        .unwrap();
    if outcome["browser"]["result"] != "allowed" || outcome["agree"] != true {
        failures.push(format!("json-post after a reload: {outcome}"));
    }

    // With the browser's default max-age the model keeps the page's preflight cache across
    // requests, so it agrees with the browser on the second request too.
    let cached = "const done = arguments[0]; (async () => { \
        await window.corsairDemo.apply('allow_origins = [\"http://localhost:*\"]\\nallow_methods = [\"PUT\"]\\nmax_age = 0\\n'); \
        document.querySelector('#method').value = 'PUT'; document.querySelector('#path').value = '/api/cached'; \
        document.querySelector('#headers').value = ''; document.querySelector('#body').value = ''; \
        const first = await window.corsairDemo.send(); const second = await window.corsairDemo.send(); \
        return [first, second]; })().then(done, e => done({error: String(e)}));";
    let both = chromium.execute_async(cached, vec![]).await.unwrap();
    for (index, outcome) in both
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if outcome["agree"] != true {
            failures.push(format!(
                "request {index} with the default max-age: {outcome}"
            ));
        }
    }
    let fits = chromium
        .execute_async(
            "const done = arguments[0]; window.corsairDemo.apply('allow_origins = [\"http://localhost:*\", \"https://a-very-long-subdomain-name.of-a-very-long-domain-name.example.com\"]\\n').then(() => { const g = document.querySelector('#grants'); done(g.scrollWidth <= g.clientWidth + 1); });",
            vec![],
        )
        .await
        .unwrap();
    if fits != true {
        failures.push("the grants panel overflows its column".to_owned());
    }
    let _ = tokio::time::timeout(Duration::from_secs(30), chromium.shutdown()).await;
    demo.stop();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
