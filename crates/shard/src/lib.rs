//! zstd Parquet shards: the files garbell writes its corpora to. Only this crate knows Parquet.
//!
//! A [`ShardWriter`] takes [`Document`](garbell_core::Document)s and writes one Parquet file:
//!
//! - **Atomic.** Data goes to a hidden temporary file next to the shard
//!   (`.<name>.tmp-<pid>-<n>`); [`ShardWriter::commit`] fsyncs it, renames it to the final name
//!   and fsyncs the directory. A reader never sees a partial shard; an error, a drop without
//!   commit or [`ShardWriter::abort`] removes the temporary file and leaves nothing at the final
//!   name.
//! - **Bounded memory.** Rows are buffered in Arrow builders and written as a row group when
//!   [`ShardConfig::max_rows_per_row_group`] rows or [`ShardConfig::max_bytes_per_row_group`]
//!   uncompressed bytes are buffered.
//! - **Deterministic.** The same documents in the same order with the same [`ShardConfig`] give
//!   a byte-identical file: the footer holds no time or host, its `created_by` is the fixed
//!   [`CREATED_BY`], and zstd runs single-threaded.
//! - **Hashed.** The commit returns a [`ShardInfo`] with the row count, the size and the BLAKE3
//!   hash of the file (computed while writing; [`hash_file`] recomputes it from disk).
//! - **Readable everywhere.** Only plain types (no Map, List or Struct columns), so pyarrow,
//!   DuckDB, pandas, Spark and Hugging Face `datasets` read shards as they are.
//!
//! # Schema
//!
//! One schema for every shard, columns in this order ([`BASE_COLUMNS`], [`arrow_schema()`]):
//!
//! | column       | type    | null | content |
//! |--------------|---------|------|---------|
//! | `id`         | utf8    | no   | stable document id |
//! | `text`       | utf8    | no   | the text |
//! | `lang`       | utf8    | no   | language code (`ca`, `other`, `und`, ...) |
//! | `lang_score` | float32 | no   | confidence of the language decision, in `[0, 1]` |
//! | `source`     | utf8    | no   | source adapter (`jsonl`, `warc`, ...) |
//! | `url`        | utf8    | yes  | URL, when the source knows it |
//! | `meta`       | utf8    | yes  | metadata map as a compact JSON object, keys sorted; null when empty |
//! | `signals`    | utf8    | yes  | signals as a JSON object, keys sorted; null when empty; non-finite values as `null` |
//! | `input`      | utf8    | no   | input file the document was read from |
//! | `record`     | int64   | no   | index of the record in its input |
//! | `offset`     | int64   | no   | byte offset of the record in its input |
//! | `signal.<name>` | float64 | yes | only with [`ShardConfig::extra_signal_columns`]: one column per name of [`ShardConfig::signal_columns`], in that order; null when the document lacks the signal |
//!
//! Why JSON strings for `meta` and `signals`: Hugging Face `datasets` cannot load Map columns,
//! and free-form metadata has no fixed struct. Why int64 and not uint64 for `record` and
//! `offset`: several readers (Java-based ones, older pandas) mishandle unsigned 64-bit columns;
//! a document whose values exceed `i64::MAX` is refused with [`Error::InvalidDocument`].
//!
//! Every column is zstd-compressed. `id`, `text`, `url`, `meta` and `signals` have no
//! dictionary (their values are mostly unique); `text`, `meta` and `signals` have no min/max
//! statistics. The footer's key-value metadata maps [`SCHEMA_VERSION_KEY`]
//! (`garbell.shard_schema`) to [`SCHEMA_VERSION`]; the Arrow schema is embedded too.
//!
//! # Example
//!
//! ```
//! use garbell_core::{Document, Origin};
//! use garbell_shard::{read_documents, hash_file, ShardConfig, ShardWriter};
//!
//! # fn main() -> Result<(), garbell_shard::Error> {
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("part-00000.parquet");
//!
//! let mut doc = Document::new("d1", "Bon dia a tothom!", "jsonl", Origin::new("in.jsonl", 0, 0));
//! doc.lang = "ca".into();
//! doc.lang_score = 0.98;
//! doc.signals.insert("word_count".into(), 4.0);
//!
//! let mut writer = ShardWriter::create(&path, &ShardConfig::default())?;
//! writer.write(&doc)?;
//! assert!(!path.exists()); // nothing at the final name before the commit
//! let info = writer.commit()?;
//!
//! assert_eq!(info.rows, 1);
//! assert_eq!(info.blake3, hash_file(&path)?);
//! assert_eq!(read_documents(&path)?, vec![doc]);
//! # Ok(()) }
//! ```

mod config;
mod error;
mod reader;
mod schema;
mod writer;

pub use config::{ShardConfig, MAX_DOCUMENT_BYTES, MAX_ROW_GROUP_BYTES_LIMIT};
pub use error::Error;
pub use reader::{read_documents, ShardReader};
pub use schema::{
    arrow_schema, columns, BASE_COLUMNS, SCHEMA_VERSION, SCHEMA_VERSION_KEY, SIGNAL_COLUMN_PREFIX,
};
pub use writer::{ShardInfo, ShardWriter, CREATED_BY};

use std::fs::File;
use std::path::Path;

/// BLAKE3 hash of a file's content as 64 lowercase hex digits, read in a streaming way (constant
/// memory). For a shard it equals [`ShardInfo::blake3`].
pub fn hash_file(path: &Path) -> Result<String, Error> {
    let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut hasher = blake3::Hasher::new();
    hasher
        .update_reader(file)
        .map_err(|e| Error::io("read", path, e))?;
    Ok(hasher.finalize().to_hex().to_string())
}
