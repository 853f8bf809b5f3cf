use std::path::Path;

/// Why a balance or injection job cannot go on.
///
/// A bad *record* (a document whose text cannot be read) never produces this: the shard reader
/// reports it and the job stops, because a silently shorter input would change every quota.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The mix or injection configuration has a bad value; the message names the field.
    #[error("invalid mix config: {0}")]
    InvalidConfig(String),
    /// A mix file could not be parsed.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What the parser said.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {op}: {source}")]
    Io {
        /// What was being done (`open`, `write`, `rename`, ...).
        op: &'static str,
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An input or output shard failed.
    #[error(transparent)]
    Shard(#[from] garbell_shard::Error),
    /// An input record (JSON) is malformed.
    #[error("{path}: line {line}: {message}")]
    BadRecord {
        /// The file.
        path: String,
        /// 1-based line number (0 when the whole file is one JSON value).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The tokenizer could not be loaded.
    #[error("tokenizer {path}: {message}")]
    Tokenizer {
        /// The tokenizer.json file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(op: &'static str, path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            op,
            path: path.display().to_string(),
            source,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::InvalidConfig(message.into())
    }
}
