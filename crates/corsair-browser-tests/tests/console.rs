//! Console messages: for each way each engine blocks a fetch over loopback, the text the engine
//! prints to its console must be the one the model's profile renders
//! (`Blocked::console_message`), and `corsair explain` must read it back as the same reason.
//! WebKit prints nothing for pages under WebDriver, so each of its cases runs in a MiniBrowser
//! of its own that writes its console to standard output (see `corsair_browser_tests::webkit`).
//! The cases and the few normalisations are in `corsair_browser_tests::console`.

use corsair_browser_tests::{
    console::judge_console, engine_tests, localised_console::judge_localised_firefox,
};

engine_tests!(console_messages_are_the_models => judge_console);

/// Firefox in German and in French (Debian's firefox-esr-l10n-de and -fr): its localised
/// console texts are read back as the model's reasons.
#[tokio::test]
async fn localised_console_messages_are_recognised_firefox() {
    for locale in ["de", "fr"] {
        judge_localised_firefox(locale).await;
    }
}
