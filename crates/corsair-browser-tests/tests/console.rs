//! Console messages: for each way each engine blocks a fetch over loopback, the text the engine
//! prints to its console must be the one the model's profile renders
//! (`Blocked::console_message`), and `corsair explain` must read it back as the same reason.
//! WebKit prints nothing for pages under WebDriver, so each of its cases runs in a MiniBrowser
//! of its own that writes its console to standard output (see `corsair_browser_tests::webkit`).
//! The cases and the few normalisations are in `corsair_browser_tests::console`.

use corsair_browser_tests::{console::judge_console, engine_tests};

engine_tests!(console_messages_are_the_models => judge_console);
