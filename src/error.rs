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

    /// A required flag that was not given: `--keys is required (…)`. The
    /// commands check this themselves because clap's own message puts the
    /// flag name on a second line.
    pub fn required(flag: &str, what: &str) -> InputError {
        InputError(format!("{flag} is required ({what})"))
    }
}

/// `text` with control characters (a newline typed into a value or a
/// file name) escaped, so that a message is one line whatever the input.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
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

impl From<crate::cache::CacheError> for InputError {
    fn from(e: crate::cache::CacheError) -> InputError {
        InputError(e.to_string())
    }
}

impl From<crate::replication::ReplicationError> for InputError {
    fn from(e: crate::replication::ReplicationError) -> InputError {
        InputError(e.to_string())
    }
}

impl From<crate::sharding::ShardError> for InputError {
    fn from(e: crate::sharding::ShardError) -> InputError {
        InputError(e.to_string())
    }
}
