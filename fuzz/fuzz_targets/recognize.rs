//! `recognize` (what `corsair explain` reads pasted console text with): arbitrary text, never a
//! panic; what it recognises renders its cause, fix and every engine's console message.

#![no_main]

use corsair::browser::{Browser, Finding, recognize_all};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|paste: &str| {
    for recognized in recognize_all(paste) {
        let _ = recognized.finding.kind();
        if let Finding::Blocked(blocked) = &recognized.finding {
            let _ = (blocked.cause(), blocked.fix());
            for browser in Browser::ALL {
                let _ = blocked.console_message(browser);
            }
        }
    }
});
