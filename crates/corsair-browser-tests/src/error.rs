//! One error type for the harness: a message that says what failed and what to do.

use std::fmt;

/// Something the harness could not do (start a process, reach the browser, serve a page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

/// The harness's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// Prefixes the message with what was being done.
    pub fn context(self, what: impl fmt::Display) -> Self {
        Self(format!("{what}: {}", self.0))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Self(error.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Self(format!("JSON: {error}"))
    }
}

impl From<fantoccini::error::CmdError> for Error {
    fn from(error: fantoccini::error::CmdError) -> Self {
        Self(format!("WebDriver: {error}"))
    }
}

impl From<fantoccini::error::NewSessionError> for Error {
    fn from(error: fantoccini::error::NewSessionError) -> Self {
        Self(format!("WebDriver session: {error}"))
    }
}
