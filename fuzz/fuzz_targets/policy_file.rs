//! The policy file loader and `build()`: arbitrary bytes are linted, loaded and (when they load)
//! evaluated, never a panic; `from_toml` and `lint_toml` agree on whether a file loads.

#![no_main]

use corsair::{Evaluation, Policy, RequestHead};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lint = Policy::lint_toml_bytes(data);
    for finding in &lint.findings {
        let _ = finding.message.len();
    }
    let Ok(source) = std::str::from_utf8(data) else {
        assert!(lint.policy.is_none(), "bytes that are not UTF-8 loaded");
        return;
    };
    let loaded = Policy::from_toml(source);
    assert_eq!(
        loaded.is_ok(),
        lint.policy.is_some(),
        "from_toml and lint_toml disagree: {:?}",
        loaded.as_ref().err().map(ToString::to_string)
    );
    match loaded {
        Ok(policy) => {
            let _ = policy.grants().to_string();
            let request = http::Request::options("/")
                .header("origin", "https://app.example")
                .header("access-control-request-method", "PUT")
                .header("access-control-request-headers", "content-type")
                .body(())
                .unwrap();
            if let Evaluation::Preflight(preflight) = policy.evaluate(&RequestHead::from(&request)) {
                let _ = preflight.response::<()>();
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
