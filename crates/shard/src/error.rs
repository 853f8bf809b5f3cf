//! The crate's [`Error`].

use parquet::errors::ParquetError;
use std::io;
use std::path::PathBuf;

/// Everything that can go wrong writing or reading a shard.
///
/// A failed [`crate::ShardWriter`] never leaves a file at the shard's final name: its temporary
/// file is removed when the writer is dropped or aborted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The [`crate::ShardConfig`] has a bad value. The job should stop before writing anything.
    #[error("invalid shard config: {message}")]
    InvalidConfig {
        /// What is wrong, naming the field.
        message: String,
    },
    /// A file-system operation failed (disk full, permission denied, missing directory, ...).
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// The operation: `create`, `write`, `fsync`, `rename`, `open`, `read`, ...
        op: &'static str,
        /// The file or directory the operation was on (for writes, the temporary file, whose
        /// name contains the shard's name).
        path: PathBuf,
        /// The operating system's error; its `kind()` tells disk full (`StorageFull`) from
        /// permission denied (`PermissionDenied`).
        #[source]
        source: io::Error,
    },
    /// The Parquet library failed (encoding while writing; a corrupt file while reading).
    #[error("parquet {}: {source}", path.display())]
    Parquet {
        /// The shard (for writes, the temporary file).
        path: PathBuf,
        /// The library's error.
        #[source]
        source: ParquetError,
    },
    /// A document cannot be stored (a number out of the column's range, a gigabyte-sized text).
    /// Nothing of it was buffered: the writer is still usable, and the caller can count the
    /// document as an error and go on.
    #[error("document {id:?} cannot be written: {message}")]
    InvalidDocument {
        /// The document's id.
        id: String,
        /// What is wrong with it.
        message: String,
    },
    /// A file read as a shard does not have the shard schema, or holds an impossible value.
    #[error("{}: not a valid garbell shard: {message}", path.display())]
    InvalidShard {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An earlier write to this shard failed, so the shard can no longer be completed. Drop or
    /// abort the writer (which removes its temporary file) and write the shard again.
    #[error("shard {} cannot be completed: an earlier write to it failed", path.display())]
    WriterFailed {
        /// The shard's final path.
        path: PathBuf,
    },
}

impl Error {
    /// An [`Error::Io`].
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// Turns a Parquet error into [`Error::Io`] when an I/O error caused it (so that "disk full"
    /// reads as such), otherwise into [`Error::Parquet`].
    pub(crate) fn from_parquet(
        op: &'static str,
        path: impl Into<PathBuf>,
        err: ParquetError,
    ) -> Self {
        match err {
            ParquetError::External(inner) => match inner.downcast::<io::Error>() {
                Ok(source) => Error::io(op, path, *source),
                Err(inner) => Error::Parquet {
                    path: path.into(),
                    source: ParquetError::External(inner),
                },
            },
            source => Error::Parquet {
                path: path.into(),
                source,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_inside_parquet_errors_surface_as_io() {
        let err = ParquetError::from(io::Error::from(io::ErrorKind::StorageFull));
        match Error::from_parquet("write", "/x/.s.parquet.tmp-1-0", err) {
            Error::Io { op, path, source } => {
                assert_eq!(op, "write");
                assert_eq!(path, PathBuf::from("/x/.s.parquet.tmp-1-0"));
                assert_eq!(source.kind(), io::ErrorKind::StorageFull);
            }
            other => panic!("expected Io, got {other:?}"),
        }
        let err = ParquetError::General("bad".into());
        assert!(matches!(
            Error::from_parquet("write", "p", err),
            Error::Parquet { .. }
        ));
    }
}
