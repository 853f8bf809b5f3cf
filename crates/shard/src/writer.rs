//! [`ShardWriter`]: documents in, one committed Parquet file out.

use crate::config::MAX_DOCUMENT_BYTES;
use crate::schema::{arrow_schema, columns, SCHEMA_VERSION, SCHEMA_VERSION_KEY};
use crate::{Error, ShardConfig};
use arrow_array::builder::{Float32Builder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use garbell_core::Document;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The `created_by` string written in every shard's footer. Fixed (no host, no time) so that
/// the same documents give the same bytes.
pub const CREATED_BY: &str = concat!("garbell ", env!("CARGO_PKG_VERSION"));

/// What [`ShardWriter::commit`] returns: where the shard is and what it holds. Serializable, for
/// manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// The shard's final path.
    pub path: PathBuf,
    /// Documents (rows) in the shard.
    pub rows: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// BLAKE3 hash of the file's content, 64 lowercase hex digits (what [`crate::hash_file`]
    /// returns for the file).
    pub blake3: String,
}

/// Writes documents to one Parquet shard, atomically.
///
/// The data goes to a hidden temporary file in the shard's directory
/// (`.<name>.tmp-<pid>-<n>`); only [`ShardWriter::commit`] gives it the final name, after
/// fsyncing it, so a reader never sees a partial shard and a crash leaves at most a temporary
/// file. Dropping the writer without committing (or calling [`ShardWriter::abort`]) removes the
/// temporary file.
///
/// Documents are buffered in Arrow builders and written as one row group whenever
/// [`ShardConfig::max_rows_per_row_group`] documents or
/// [`ShardConfig::max_bytes_per_row_group`] uncompressed bytes are buffered.
///
/// After an I/O or Parquet error the writer is unusable (further calls return
/// [`Error::WriterFailed`]); an [`Error::InvalidDocument`] only refuses that document.
#[derive(Debug)]
pub struct ShardWriter {
    final_path: PathBuf,
    // Declared before `temp`, so the file is closed before the guard removes it.
    writer: Option<ArrowWriter<HashingFile>>,
    temp: TempFile,
    schema: SchemaRef,
    signal_columns: Vec<String>,
    builders: Builders,
    max_rows: usize,
    max_bytes: usize,
    buffered_rows: usize,
    buffered_bytes: usize,
    rows: u64,
    meta_json: Vec<u8>,
    signals_json: Vec<u8>,
}

/// Distinguishes the temporary files of several writers of one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl ShardWriter {
    /// Starts a shard that [`ShardWriter::commit`] will put at `final_path`. Validates `config`
    /// and creates the temporary file in `final_path`'s directory, which must exist.
    ///
    /// An existing file at `final_path` is left alone until the commit, which replaces it.
    pub fn create(final_path: &Path, config: &ShardConfig) -> Result<ShardWriter, Error> {
        config.validate()?;
        let file_name = final_path.file_name().ok_or_else(|| {
            Error::io(
                "create",
                final_path,
                io::Error::new(io::ErrorKind::InvalidInput, "shard path has no file name"),
            )
        })?;
        let temp_path = final_path.with_file_name(format!(
            ".{}.tmp-{}-{}",
            file_name.to_string_lossy(),
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .map_err(|e| Error::io("create", &temp_path, e))?;
        let temp = TempFile {
            path: temp_path,
            armed: true,
        };

        let signal_columns = config.signal_column_names().to_vec();
        let schema = arrow_schema(&signal_columns);
        let props =
            writer_properties(config).map_err(|e| Error::from_parquet("create", &temp.path, e))?;
        let writer = ArrowWriter::try_new(HashingFile::new(file), schema.clone(), Some(props))
            .map_err(|e| Error::from_parquet("create", &temp.path, e))?;

        Ok(ShardWriter {
            final_path: final_path.to_path_buf(),
            writer: Some(writer),
            temp,
            schema,
            builders: Builders::new(signal_columns.len()),
            signal_columns,
            max_rows: config.max_rows_per_row_group,
            max_bytes: config.max_bytes_per_row_group,
            buffered_rows: 0,
            buffered_bytes: 0,
            rows: 0,
            meta_json: Vec::new(),
            signals_json: Vec::new(),
        })
    }

    /// The path the shard will have once committed.
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// The temporary file being written (removed or renamed by the end of the writer's life).
    pub fn temp_path(&self) -> &Path {
        &self.temp.path
    }

    /// Documents accepted so far (written or buffered).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends one document. Writes a row group when a limit of the [`ShardConfig`] is reached.
    ///
    /// [`Error::InvalidDocument`] refuses only this document (nothing of it is kept); any other
    /// error means the shard is lost.
    pub fn write(&mut self, doc: &Document) -> Result<(), Error> {
        if self.writer.is_none() {
            return Err(Error::WriterFailed {
                path: self.final_path.clone(),
            });
        }
        // Check and serialize everything before touching the builders, so that a refused
        // document leaves no partial row behind.
        let invalid = |message: String| Error::InvalidDocument {
            id: doc.id.clone(),
            message,
        };
        let record = i64::try_from(doc.origin.record)
            .map_err(|_| invalid(format!("record index {} exceeds int64", doc.origin.record)))?;
        let offset = i64::try_from(doc.origin.offset)
            .map_err(|_| invalid(format!("offset {} exceeds int64", doc.origin.offset)))?;
        self.meta_json.clear();
        if !doc.meta.is_empty() {
            serde_json::to_writer(&mut self.meta_json, &doc.meta)
                .map_err(|e| invalid(format!("meta cannot be serialized: {e}")))?;
        }
        self.signals_json.clear();
        if !doc.signals.is_empty() {
            // serde_json writes non-finite numbers (NaN, infinities) as `null`.
            serde_json::to_writer(&mut self.signals_json, &doc.signals)
                .map_err(|e| invalid(format!("signals cannot be serialized: {e}")))?;
        }
        // serde_json writes UTF-8; checked here so that the appends below cannot fail.
        json_str(&self.meta_json).map_err(|m| invalid(format!("meta: {m}")))?;
        json_str(&self.signals_json).map_err(|m| invalid(format!("signals: {m}")))?;

        const NUMBER_BYTES: usize = 4 + 8 + 8; // lang_score, record, offset
        let bytes = doc.id.len()
            + doc.text.len()
            + doc.lang.len()
            + doc.source.len()
            + doc.url.as_ref().map_or(0, String::len)
            + self.meta_json.len()
            + self.signals_json.len()
            + doc.origin.input.len()
            + NUMBER_BYTES
            + 8 * self.signal_columns.len();
        if bytes > MAX_DOCUMENT_BYTES {
            return Err(invalid(format!(
                "{bytes} bytes, more than the limit of {MAX_DOCUMENT_BYTES} for one document"
            )));
        }

        // A document that would cross the byte limit starts the next row group.
        if self.buffered_rows > 0 && self.buffered_bytes + bytes > self.max_bytes {
            self.flush_row_group()?;
        }

        let meta = json_str(&self.meta_json).unwrap_or_default();
        let signals = json_str(&self.signals_json).unwrap_or_default();
        let b = &mut self.builders;
        b.id.append_value(&doc.id);
        b.text.append_value(&doc.text);
        b.lang.append_value(&doc.lang);
        b.lang_score.append_value(doc.lang_score);
        b.source.append_value(&doc.source);
        b.url.append_option(doc.url.as_deref());
        b.meta.append_option((!meta.is_empty()).then_some(meta));
        b.signals
            .append_option((!signals.is_empty()).then_some(signals));
        b.input.append_value(&*doc.origin.input);
        b.record.append_value(record);
        b.offset.append_value(offset);
        for (builder, name) in b.signal_values.iter_mut().zip(&self.signal_columns) {
            builder.append_option(doc.signals.get(name).copied());
        }
        self.buffered_rows += 1;
        self.buffered_bytes += bytes;
        self.rows += 1;

        if self.buffered_rows >= self.max_rows || self.buffered_bytes >= self.max_bytes {
            self.flush_row_group()?;
        }
        Ok(())
    }

    /// Finishes the shard: writes the buffered documents and the footer, fsyncs the file,
    /// renames it to the final path (replacing any file there) and fsyncs the directory.
    ///
    /// On error nothing is left at the final path by this writer, and the temporary file is
    /// removed.
    pub fn commit(mut self) -> Result<ShardInfo, Error> {
        self.flush_row_group()?;
        let Some(mut writer) = self.writer.take() else {
            return Err(Error::WriterFailed {
                path: self.final_path.clone(),
            });
        };
        if let Err(e) = writer.finish() {
            return Err(failure(&mut writer, "write", &self.temp.path, e));
        }
        let sink = writer.inner_mut();
        let bytes = sink.bytes;
        let blake3 = sink.hasher.finalize().to_hex().to_string();
        sink.file
            .sync_all()
            .map_err(|e| Error::io("fsync", &self.temp.path, e))?;
        drop(writer); // closes the file

        fs::rename(&self.temp.path, &self.final_path)
            .map_err(|e| Error::io("rename", &self.temp.path, e))?;
        self.temp.armed = false;
        if let Err(e) = sync_parent_dir(&self.final_path) {
            // The rename may not survive a crash: report the shard as not written.
            let _ = fs::remove_file(&self.final_path);
            return Err(e);
        }
        Ok(ShardInfo {
            path: self.final_path.clone(),
            rows: self.rows,
            bytes,
            blake3,
        })
    }

    /// Abandons the shard and removes its temporary file (what dropping the writer does,
    /// but reporting a failure to remove the file). A missing temporary file is not an error.
    pub fn abort(mut self) -> Result<(), Error> {
        drop(self.writer.take());
        self.temp.armed = false;
        match fs::remove_file(&self.temp.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("remove", &self.temp.path, e)),
        }
    }

    /// Writes the buffered documents as one row group (nothing when none are buffered).
    fn flush_row_group(&mut self) -> Result<(), Error> {
        if self.buffered_rows == 0 {
            return Ok(());
        }
        let Some(writer) = self.writer.as_mut() else {
            return Err(Error::WriterFailed {
                path: self.final_path.clone(),
            });
        };
        let columns = self.builders.finish();
        self.buffered_rows = 0;
        self.buffered_bytes = 0;
        let result = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(ParquetError::from)
            .and_then(|batch| writer.write(&batch))
            .and_then(|()| writer.flush());
        if let Err(e) = result {
            let err = failure(writer, "write", &self.temp.path, e);
            self.writer = None; // its state is unknown now: never write through it again
            return Err(err);
        }
        Ok(())
    }
}

/// The error for a failed Parquet call: the I/O error the sink saw, if any (the Parquet library
/// sometimes turns it into a plain message), otherwise the Parquet error.
fn failure(
    writer: &mut ArrowWriter<HashingFile>,
    op: &'static str,
    path: &Path,
    err: ParquetError,
) -> Error {
    match writer.inner_mut().error.take() {
        Some(source) => Error::io(op, path, source),
        None => Error::from_parquet(op, path, err),
    }
}

fn json_str(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| format!("serialized JSON is not UTF-8: {e}"))
}

fn writer_properties(config: &ShardConfig) -> Result<WriterProperties, ParquetError> {
    let zstd = Compression::ZSTD(ZstdLevel::try_new(config.zstd_level)?);
    let mut builder = WriterProperties::builder()
        .set_created_by(CREATED_BY.to_string())
        .set_key_value_metadata(Some(vec![KeyValue::new(
            SCHEMA_VERSION_KEY.to_string(),
            SCHEMA_VERSION.to_string(),
        )]))
        .set_compression(zstd)
        .set_data_page_size_limit(config.data_page_size)
        // Row groups are cut by this crate (flush_row_group), never by the library.
        .set_max_row_group_row_count(None)
        .set_max_row_group_bytes(None);
    // Mostly-unique columns: a dictionary only costs time before the writer falls back.
    for col in [
        columns::ID,
        columns::TEXT,
        columns::URL,
        columns::META,
        columns::SIGNALS,
    ] {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(col), false);
    }
    // Min/max of long texts and JSON blobs is useless for pruning and costs a full comparison.
    for col in [columns::TEXT, columns::META, columns::SIGNALS] {
        builder =
            builder.set_column_statistics_enabled(ColumnPath::from(col), EnabledStatistics::None);
    }
    Ok(builder.build())
}

/// Fsyncs the directory holding `path`, so that a rename into it is durable. File systems that
/// cannot fsync a directory (they answer `EINVAL`) are accepted as they are.
fn sync_parent_dir(path: &Path) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let result = File::open(dir).and_then(|d| d.sync_all());
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        Err(e) => Err(Error::io("fsync", dir, e)),
    }
}

/// Removes the temporary file on drop unless disarmed (by a commit or an abort).
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The file the Parquet writer writes to. Parquet files are written front to back without
/// seeking, so hashing what goes through gives the file's content hash without reading it
/// again. Keeps the first I/O error, which the Parquet library may only pass on as text.
struct HashingFile {
    file: File,
    hasher: blake3::Hasher,
    bytes: u64,
    error: Option<io::Error>,
}

impl HashingFile {
    fn new(file: File) -> Self {
        HashingFile {
            file,
            hasher: blake3::Hasher::new(),
            bytes: 0,
            error: None,
        }
    }

    fn keep(&mut self, e: io::Error) -> io::Error {
        if e.kind() == io::ErrorKind::Interrupted {
            return e;
        }
        let copy = io::Error::new(e.kind(), e.to_string());
        self.error.get_or_insert(e);
        copy
    }
}

impl std::fmt::Debug for HashingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashingFile")
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.file.write(buf) {
            Ok(n) => {
                let written = buf.get(..n).unwrap_or(buf);
                self.hasher.update(written);
                self.bytes += written.len() as u64;
                Ok(n)
            }
            Err(e) => Err(self.keep(e)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush().map_err(|e| self.keep(e))
    }
}

/// One Arrow builder per column, in schema order.
#[derive(Debug)]
struct Builders {
    id: StringBuilder,
    text: StringBuilder,
    lang: StringBuilder,
    lang_score: Float32Builder,
    source: StringBuilder,
    url: StringBuilder,
    meta: StringBuilder,
    signals: StringBuilder,
    input: StringBuilder,
    record: Int64Builder,
    offset: Int64Builder,
    signal_values: Vec<Float64Builder>,
}

impl Builders {
    fn new(signal_columns: usize) -> Self {
        Builders {
            id: StringBuilder::new(),
            text: StringBuilder::new(),
            lang: StringBuilder::new(),
            lang_score: Float32Builder::new(),
            source: StringBuilder::new(),
            url: StringBuilder::new(),
            meta: StringBuilder::new(),
            signals: StringBuilder::new(),
            input: StringBuilder::new(),
            record: Int64Builder::new(),
            offset: Int64Builder::new(),
            signal_values: (0..signal_columns).map(|_| Float64Builder::new()).collect(),
        }
    }

    /// The buffered columns in schema order; the builders are left empty.
    fn finish(&mut self) -> Vec<ArrayRef> {
        let mut out: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.text.finish()),
            Arc::new(self.lang.finish()),
            Arc::new(self.lang_score.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.url.finish()),
            Arc::new(self.meta.finish()),
            Arc::new(self.signals.finish()),
            Arc::new(self.input.finish()),
            Arc::new(self.record.finish()),
            Arc::new(self.offset.finish()),
        ];
        out.extend(
            self.signal_values
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        out
    }
}
