//! Console messages: for each way WebKit (MiniBrowser) blocks a fetch over loopback, the text
//! WebKit prints to its console must be the one the model's WebKit profile renders
//! (`Blocked::console_message`), and `corsair explain` must read it back as the same reason.
//! WebKit prints nothing for pages under WebDriver, so each case runs in a MiniBrowser of its
//! own that writes its console to standard output (see `corsair_browser_tests::webkit`).

use corsair_browser_tests::{console::judge_console, webkit::WebKit};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webkit_console_messages_are_the_models() {
    judge_console::<WebKit>().await;
}
