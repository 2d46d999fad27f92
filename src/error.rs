//! The error a command returns: every one is about the user's input (a
//! flag, a file, a row) and maps to exit code 2.

use std::fmt;

/// A one-line message naming the field (and file and line where there is
/// one) and what would have been accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError(pub String);

impl InputError {
    pub fn new(message: impl Into<String>) -> InputError {
        InputError(message.into())
    }

    /// Prefixes a flag name: `--users: "-5" is not a count …`.
    pub fn flag(flag: &str, message: impl fmt::Display) -> InputError {
        InputError(format!("{flag}: {message}"))
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

impl From<crate::queueing::QueueError> for InputError {
    fn from(e: crate::queueing::QueueError) -> InputError {
        InputError(e.to_string())
    }
}
