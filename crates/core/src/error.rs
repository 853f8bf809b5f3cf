use std::fmt;

/// One record that could not be read or processed. It is counted, reported with its input and
/// offset, and skipped; the job goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RecordError {
    /// Input file (path or URI).
    pub input: String,
    /// Byte offset of the record in the input (compressed offset for compressed inputs).
    pub offset: u64,
    /// Short stable kind, used as the counter name (`gzip_member_corrupt`, `json_invalid`, ...).
    pub kind: &'static str,
    /// Human-readable detail.
    pub message: String,
}

impl RecordError {
    /// A new record error.
    pub fn new(
        input: impl Into<String>,
        offset: u64,
        kind: &'static str,
        message: impl Into<String>,
    ) -> Self {
        RecordError {
            input: input.into(),
            offset,
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: offset {}: {}: {}",
            self.input, self.offset, self.kind, self.message
        )
    }
}
