//! Source adapters: each turns one input file into a stream of [`Record`]s. A record that cannot
//! be read is a [`RecordError`] (counted, reported with file and offset, skipped); a file that
//! cannot be opened at all is an [`Error`].
//!
//! Formats are chosen by [`SourceConfig`] (`format = "auto"` picks by file extension).

#![allow(missing_docs)] // TODO(foundation): the helper filling this crate documents every item.

use garbell_core::{Document, RecordError};
use std::path::Path;

pub mod html;
pub mod input;
pub mod jsonl;
pub mod warc;

/// One item read from an input.
#[derive(Debug)]
pub enum Record {
    /// A document to process.
    Document(Document),
    /// A record skipped on purpose (e.g. a non-HTML WARC response, a WARC `request` record),
    /// with a stable reason used as a counter name.
    Skipped(&'static str),
}

/// What a source yields for each record.
pub type RecordResult = Result<Record, RecordError>;

/// A boxed stream of records from one input.
pub type Records = Box<dyn Iterator<Item = RecordResult> + Send>;

/// A job-level error: the input cannot be opened or read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The format could not be determined from the file name.
    #[error("{path}: unknown input format (expected .jsonl, .jsonl.gz, .jsonl.zst, .warc, .warc.gz, .wet, .wet.gz)")]
    UnknownFormat { path: String },
    /// A configuration value is invalid.
    #[error("invalid source configuration: {0}")]
    Config(String),
}

pub use input::{open_source, SourceConfig, SourceFormat};

/// Convenience: opens `path` with `config` and returns its records.
pub fn read(path: &Path, config: &SourceConfig) -> Result<Records, Error> {
    open_source(path, config)
}
