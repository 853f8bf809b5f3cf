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

/// An I/O failure on a named file or directory, shown as `<path>: <cause>`: the job-level
/// "cannot read or write this file" error every library crate wraps in its own error type
/// (`#[error(transparent)] Io(#[from] PathError)`).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct PathError {
    /// The file or directory, as given.
    pub path: String,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

impl PathError {
    /// `source` on `path`.
    pub fn new(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        PathError {
            path: path.as_ref().display().to_string(),
            source,
        }
    }

    /// A `map_err` adapter: `std::fs::read(p).map_err(PathError::at(p))?`.
    pub fn at<P: AsRef<std::path::Path>>(path: P) -> impl Fn(std::io::Error) -> PathError {
        move |source| PathError::new(&path, source)
    }
}
