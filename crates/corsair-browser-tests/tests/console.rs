//! Console messages: for each way Chromium and Firefox block a fetch over loopback, the
//! text the engine prints to its console must be the one the model's profile renders
//! (`Blocked::console_message`), and `corsair explain` must read it back as the same reason.
//! The cases and the few normalisations are in `corsair_browser_tests::console`.

use corsair_browser_tests::{chromium::Chromium, console::judge_console, firefox::Firefox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_console_messages_are_the_models() {
    judge_console::<Chromium>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firefox_console_messages_are_the_models() {
    judge_console::<Firefox>().await;
}
