use std::fmt;
use std::path::{Path, PathBuf};

/// An error that stops a dedup stage: an unreadable or corrupt intermediate file, an invalid
/// configuration, an I/O failure. Carries the file it concerns when there is one.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    /// The file the error concerns, when there is one.
    pub path: Option<PathBuf>,
    /// What went wrong.
    #[source]
    pub kind: ErrorKind,
}

/// What went wrong, see [`Error`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The file is not a garbell dedup file of the expected kind.
    #[error("bad magic: not a garbell dedup {expected} file")]
    BadMagic {
        /// The kind of file that was expected (`bucket run`, `removal list`).
        expected: &'static str,
    },
    /// The file was written by a format version this build cannot read.
    #[error("unsupported format version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// Version found in the header.
        found: u32,
        /// Version this build reads and writes.
        supported: u32,
    },
    /// The file is shorter or longer than its header and trailer say.
    #[error("truncated or extended file: expected {expected} bytes, found {actual}")]
    Truncated {
        /// Length implied by the trailer's record count.
        expected: u64,
        /// Actual length.
        actual: u64,
    },
    /// The content is inconsistent: checksum mismatch, records out of order, bad field.
    #[error("corrupt file: {0}")]
    Corrupt(String),
    /// A record names a document index outside `0..n_docs`.
    #[error("document index {doc} out of range (corpus has {n_docs} documents)")]
    DocOutOfRange {
        /// The offending index.
        doc: u64,
        /// Number of documents of the corpus.
        n_docs: u64,
    },
    /// A configuration value is invalid.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
}

impl Error {
    /// An error about no particular file.
    pub fn new(kind: ErrorKind) -> Self {
        Error { path: None, kind }
    }

    /// An error about the file at `path`.
    pub fn at(path: impl AsRef<Path>, kind: impl Into<ErrorKind>) -> Self {
        Error {
            path: Some(path.as_ref().to_path_buf()),
            kind: kind.into(),
        }
    }

    /// An invalid configuration.
    pub fn config(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidConfig(msg.into()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}: {}", p.display(), self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
