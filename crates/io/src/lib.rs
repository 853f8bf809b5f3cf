//! Source adapters: each turns one input file into a stream of [`Record`]s. A record that cannot
//! be read is a [`RecordError`] (counted, reported with file and offset, skipped); a file that
//! cannot be opened at all, or cannot be read at all for a reason that is not damage (an
//! unsupported codec, compression or encoding: [`Error::Unsupported`]), is an [`Error`].
//!
//! Formats are chosen by [`SourceConfig`] (`format = "auto"` picks by file extension);
//! compression is detected from the file's first bytes.
//!
//! - [`jsonl`]: JSON Lines, plain, gzip, zstd or bzip2;
//! - [`warc`]: WARC and WET, plain, gzip (one record per member or not) or zstd, with HTTP
//!   bodies decoded and HTML turned into text by [`html::html_to_text`]; Internet Archive ARC
//!   files ([`arc`]) through the same reader;
//! - [`mediawiki`]: MediaWiki XML dumps (plain, bzip2 single or multistream), wikitext turned
//!   into text by [`wikitext::wikitext_to_text`];
//! - [`parquet`]: Parquet files of any codec (Hugging Face exports, The Stack), columns mapped to
//!   fields;
//! - [`code`]: a directory of source code, one document per file with its language;
//! - [`input::list_inputs_with`]: expands files, directories and globs into a sorted list of
//!   inputs, leaving out (and reporting) special files, link loops and the output directory.
//!
//! Sources never panic on input data and always end, whatever the bytes: corrupt gzip members,
//! truncated files, garbage and oversized records become [`RecordError`]s with a stable `kind`
//! (listed in each module's documentation), and reading goes on where it can.
//!
//! ```
//! use garbell_io::{open_source, Record, SourceConfig};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("in.jsonl");
//! std::fs::write(&path, "{\"id\":\"d1\",\"text\":\"Bon dia\",\"lang\":\"ca\"}\nnot json\n")?;
//! let (mut docs, mut errors) = (0, 0);
//! for record in open_source(&path, &SourceConfig::default())? {
//!     match record {
//!         Ok(Record::Document(doc)) => {
//!             assert_eq!((doc.id.as_str(), doc.text.as_str()), ("d1", "Bon dia"));
//!             assert_eq!(doc.meta["lang"], "ca");
//!             docs += 1;
//!         }
//!         Ok(Record::Skipped(_reason)) => {}
//!         Err(e) => {
//!             assert_eq!((e.kind, e.offset), ("json_invalid", 41));
//!             errors += 1;
//!         }
//!     }
//! }
//! assert_eq!((docs, errors), (1, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use garbell_core::{Document, RecordError};
use std::path::Path;

pub mod arc;
mod bz2par;
pub mod code;
mod decode;
pub mod html;
pub mod input;
pub mod jsonl;
pub mod mediawiki;
pub mod parquet;
mod reader;
pub mod warc;
pub mod wikitext;

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

/// A record read from an input whose costly part (HTML extraction, wikitext conversion, JSON
/// parsing) may be done later, on any thread, or a run of records decoded together later (a
/// Parquet row group): what [`open_source_pending`] yields, so that a runner can read one
/// input sequentially and build its records in parallel.
///
/// Building is a pure function of what was read: the records are the same whenever and
/// wherever [`Pending::resolve`] runs, and the same as [`open_source`] yields.
pub enum Pending {
    /// Already built.
    Ready(RecordResult),
    /// Built by calling `build`.
    Deferred {
        /// The size of what was read for it (bytes held until it is built), to bound batches.
        bytes: usize,
        /// Builds the record.
        build: Box<dyn FnOnce() -> RecordResult + Send>,
    },
    /// `records` records (some may be errors), decoded by the stream `build` returns: a
    /// Parquet row group, or a part of a large one.
    Many {
        /// How many records the stream yields (a stream that fails early yields one error
        /// for the rest instead), to bound batches.
        records: usize,
        /// About how many bytes they hold once decoded, to bound batches.
        bytes: usize,
        /// Starts decoding.
        build: Box<dyn FnOnce() -> Records + Send>,
    },
}

impl Pending {
    /// A record built later by `build` from `bytes` bytes read.
    pub fn deferred(bytes: usize, build: impl FnOnce() -> RecordResult + Send + 'static) -> Self {
        Pending::Deferred {
            bytes,
            build: Box::new(build),
        }
    }

    /// `records` records of about `bytes` bytes, decoded later by the stream `build` returns.
    pub fn many(
        records: usize,
        bytes: usize,
        build: impl FnOnce() -> Records + Send + 'static,
    ) -> Self {
        Pending::Many {
            records,
            bytes,
            build: Box::new(build),
        }
    }

    /// Builds the record (or starts decoding the records) it stands for.
    pub fn resolve(self) -> Resolved {
        match self {
            Pending::Ready(r) => Resolved::One(Some(r)),
            Pending::Deferred { build, .. } => Resolved::One(Some(build())),
            Pending::Many { build, .. } => Resolved::Many(build()),
        }
    }

    /// About how many bytes the record holds until it is built (a built document: its text).
    pub fn bytes(&self) -> usize {
        match self {
            Pending::Ready(Ok(Record::Document(d))) => d.text.len(),
            Pending::Ready(_) => 0,
            Pending::Deferred { bytes, .. } | Pending::Many { bytes, .. } => *bytes,
        }
    }

    /// How many records it stands for (1 unless [`Pending::Many`]).
    pub fn records(&self) -> usize {
        match self {
            Pending::Many { records, .. } => *records,
            _ => 1,
        }
    }
}

/// The records of one [`Pending`], in order: [`Pending::resolve`].
pub enum Resolved {
    /// One record (`None` once taken).
    One(Option<RecordResult>),
    /// A stream of them.
    Many(Records),
}

impl Iterator for Resolved {
    type Item = RecordResult;

    fn next(&mut self) -> Option<RecordResult> {
        match self {
            Resolved::One(r) => r.take(),
            Resolved::Many(records) => records.next(),
        }
    }
}

impl From<RecordResult> for Pending {
    fn from(r: RecordResult) -> Self {
        Pending::Ready(r)
    }
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pending::Ready(r) => f.debug_tuple("Ready").field(r).finish(),
            Pending::Deferred { bytes, .. } => write!(f, "Deferred({bytes} bytes)"),
            Pending::Many { records, bytes, .. } => {
                write!(f, "Many({records} records, {bytes} bytes)")
            }
        }
    }
}

/// A boxed stream of records from one input, not built yet ([`Pending`]).
pub type PendingRecords = Box<dyn Iterator<Item = Pending> + Send>;

/// A boxed stream of records from one input.
pub type Records = Box<dyn Iterator<Item = RecordResult> + Send>;

/// A job-level error: the input cannot be opened or read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error(transparent)]
    Io(#[from] garbell_core::PathError),
    /// The format could not be determined from the file name.
    #[error("{path}: unknown input format (expected .jsonl, .jsonl.gz, .jsonl.zst, .warc, .warc.gz, .wet, .wet.gz, .xml, .xml.bz2, .parquet)")]
    UnknownFormat {
        /// The input path.
        path: String,
    },
    /// A configuration value is invalid.
    #[error("invalid source configuration: {0}")]
    Config(String),
    /// The input cannot be read at all for a reason that is not damage: a compression codec,
    /// a format or a feature of the format that garbell does not read (a Parquet file
    /// compressed with LZO, an xz-compressed JSONL file, UTF-16 text). Never counted as record
    /// errors: a run that would read nothing from the input must not end as if it had worked.
    #[error("{path}: cannot be read: {reason}")]
    Unsupported {
        /// The input path.
        path: String,
        /// What is not supported, and what to do about it when there is something.
        reason: String,
    },
    /// The input's schema does not fit the configuration (a Parquet file without the configured
    /// text column, or with a text column that holds no strings), or the file is not in the
    /// format it claims.
    #[error("{path}: {message}")]
    Schema {
        /// The input path.
        path: String,
        /// What does not fit.
        message: String,
    },
}

impl Error {
    /// The job-level error a record error stands for, when it is of kind [`UNSUPPORTED`]: a
    /// source that finds out only while reading that its input cannot be read at all for a
    /// reason that is not damage (see [`Error::Unsupported`]) yields such a record error, and
    /// the runner stops the job with this error instead of counting it.
    pub fn from_record(e: &RecordError) -> Option<Error> {
        (e.kind == UNSUPPORTED).then(|| Error::Unsupported {
            path: e.input.clone(),
            reason: e.message.clone(),
        })
    }
}

/// [`RecordError::kind`] of an input that cannot be read at all for a reason that is not
/// damage, found while reading (an unimplemented feature of the format): not a record error to
/// count but a job-level [`Error::Unsupported`] ([`Error::from_record`]).
pub const UNSUPPORTED: &str = "unsupported_input";

pub use input::{
    list_inputs_for, list_inputs_with, open_source, open_source_pending, HtmlMode, InputListing,
    ListOptions, SkipReason, SkippedInput, SourceConfig, SourceFormat,
};

/// Convenience: opens `path` with `config` and returns its records.
pub fn read(path: &Path, config: &SourceConfig) -> Result<Records, Error> {
    open_source(path, config)
}
