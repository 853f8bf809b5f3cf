//! Parquet source: one document per row of any Parquet file (Hugging Face `datasets` exports,
//! FineWeb, CulturaX, The Stack / StarCoder code data, garbell's own shards), with columns
//! mapped by [`SourceConfig`].
//!
//! # Reading
//!
//! The file is read in *parts*: a row group, or, for a row group of more than [`PART_BYTES`]
//! (8 MiB) uncompressed by its metadata, runs of rows of about that size (the group's rows
//! split evenly by its average row size). Each part has its own decoder, built when the part
//! is read: the rows before the part are skipped page by page from the page headers (a page of
//! a flat column is not decompressed to be skipped; a page of a list column is), and at most
//! one page per column is decompressed by two neighbouring parts. A part is streamed one record
//! batch (at most 256 rows) at a time: memory is one page per column plus that batch.
//! [`crate::open_source_pending`] yields one [`crate::Pending::Many`] per part, so that a
//! multi-threaded run decodes the parts on its workers: the parts are computed from the footer
//! alone, the same whatever the thread count, and so are the records and errors. Every codec the common writers use is read: uncompressed, snappy (the
//! default of pyarrow, pandas, DuckDB and `datasets`), gzip, brotli, LZ4 (the Hadoop-framed
//! and the raw kind), zstd (the default of polars and arrow-rs writers tuned for size). LZO,
//! deprecated and written by none of them, is refused before reading:
//! [`Error::Unsupported`].
//!
//! # Columns
//!
//! | column | becomes |
//! | --- | --- |
//! | `text_field` (string, large string, string view, dictionary-encoded string; binary decoded as UTF-8) | [`Document::text`] |
//! | `id_field` (string or integer) | [`Document::id`], else `<file name>/<row>` |
//! | `url_field` (string) | [`Document::url`] |
//! | every other column holding booleans, integers, floats, decimals (as strings), strings, dates and timestamps (ISO 8601 strings), or lists, structs and maps of these | [`Document::meta`] under the column name, as JSON (a list is an array, a struct an object, a map an object when its keys are strings and else a list of `[key, value]` pairs); top-level nulls are left out, nulls inside a value kept as `null` |
//!
//! Binary columns other than the text are not copied. For The Stack, use
//! `text_field = "content"` and `id_field = "hexsha"`: `max_stars_repo_path`,
//! `max_stars_repo_name`, `lang`, `licenses` and the rest land in `meta`. A dotted field name is a
//! plain column name here (nested columns are not searched).
//!
//! [`Origin::record`] and [`Origin::offset`] are both the row number in the file (a row has no
//! byte offset of its own); the same for [`RecordError::offset`].
//!
//! # Errors
//!
//! A file whose **schema** does not fit the configuration — no `text_field` column, or one that
//! holds no strings — is a job-level [`Error::Schema`]: every file of a data set shares its
//! schema, so this is a configuration mistake to fix before hours of work, not a bad record.
//! A file that is not Parquet at all (or whose footer is damaged) is [`Error::Schema`] too, and
//! a file that uses a codec garbell cannot decode is [`Error::Unsupported`].
//!
//! | kind | meaning | then |
//! | --- | --- | --- |
//! | `parquet_null_text` | the row's text is null | next row |
//! | `record_too_large` | the text is longer than `max_record_bytes` | next row |
//! | `parquet_invalid` | a part cannot be decoded from some row on (corrupt page); the message names the row group and the rows lost (to the end of the part: the whole row group unless it is larger than [`PART_BYTES`]), the offset is the first row lost | next part |
//! | [`crate::UNSUPPORTED`] | the decoder meets a feature it does not implement | the job stops ([`Error::from_record`](crate::Error::from_record)) |
//!
//! Invalid UTF-8 in a binary text column is replaced (U+FFFD) and counted in the signal
//! `invalid_utf8`.

use crate::reader::{io_error, open_input, utf8_lossy_counted, OpenedInput};
use crate::{Error, Pending, PendingRecords, Record, RecordResult, Records, SourceConfig};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Decimal256Type, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{AnyDictionaryArray, Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use garbell_core::{Document, Origin, RecordError};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder, RowSelection, RowSelectionPolicy, RowSelector,
};
use parquet::basic::Compression;
use serde_json::Value;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// The Parquet decoder's view of the file: like the `parquet` crate's own `File` reader, but
/// (1) a range that ends past the end of the file is refused before any allocation or read, and
/// (2) a reader that has reached the end of the file answers further reads with 0 without a
/// system call. A corrupt page header (found by the `parquet` fuzz target:
/// `tests/fuzz/known/parquet-slow-23de8b4a.parquet`) made the decoder's Thrift skipping read
/// one byte at a time at the end of the file, one `read(2)` each: 95 s on a 1 KiB file.
/// Cheap to clone (one reader is built per row group).
#[derive(Clone)]
struct BoundedFile {
    file: Arc<File>,
    len: u64,
}

impl BoundedFile {
    fn new(file: File) -> std::io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(BoundedFile {
            file: Arc::new(file),
            len,
        })
    }
}

impl parquet::file::reader::Length for BoundedFile {
    fn len(&self) -> u64 {
        self.len
    }
}

/// Reads at `offset` without moving a shared file position: the parts of one file are decoded
/// concurrently through clones of one handle, and a clone (`dup`) shares the position.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, offset)
    }
}

/// The file from a position to an end, read by position ([`read_at`]).
struct At {
    file: Arc<File>,
    pos: u64,
    end: u64,
}

impl std::io::Read for At {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.end.saturating_sub(self.pos)).unwrap_or(usize::MAX);
        let n = buf.len().min(left);
        if n == 0 {
            return Ok(0);
        }
        let k = read_at(&self.file, &mut buf[..n], self.pos)?;
        self.pos += k as u64;
        Ok(k)
    }
}

/// A buffered reader of the file from an offset to its end, latched at end of file.
struct BoundedRead {
    inner: std::io::BufReader<At>,
    done: bool,
}

impl std::io::Read for BoundedRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.done = true;
        }
        Ok(n)
    }
}

impl parquet::file::reader::ChunkReader for BoundedFile {
    type T = BoundedRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<BoundedRead> {
        Ok(BoundedRead {
            // Page headers are read through this reader (page bodies through `get_bytes`):
            // a small buffer, as a part of a large row group skips the pages before it by
            // reading their headers alone.
            inner: std::io::BufReader::with_capacity(
                8 << 10,
                At {
                    file: self.file.clone(),
                    pos: start.min(self.len),
                    end: self.len,
                },
            ),
            done: start >= self.len,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        if start
            .checked_add(length as u64)
            .is_none_or(|end| end > self.len)
        {
            return Err(parquet::errors::ParquetError::EOF(format!(
                "a range of {length} bytes at offset {start} ends past the end of the file ({} bytes)",
                self.len
            )));
        }
        let mut buf = vec![0u8; length];
        let mut done = 0;
        while done < length {
            match read_at(&self.file, &mut buf[done..], start + done as u64) {
                Ok(0) => {
                    return Err(parquet::errors::ParquetError::EOF(format!(
                        "the file ended at offset {} while reading {length} bytes at {start}",
                        start + done as u64
                    )))
                }
                Ok(k) => done += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(buf.into())
    }
}

/// The name of this source, written to [`Document::source`].
pub const SOURCE_NAME: &str = "parquet";

/// Rows per record batch.
const BATCH_ROWS: usize = 256;

/// Why a column chunk compressed with `codec` cannot be decoded, if it cannot.
fn unsupported_codec(codec: Compression) -> Option<&'static str> {
    match codec {
        Compression::LZO => Some(
            "LZO (deprecated in the Parquet format and written by none of pyarrow, pandas, \
             DuckDB, polars, Spark's defaults or arrow-rs; rewrite the file with zstd or snappy)",
        ),
        Compression::UNCOMPRESSED
        | Compression::SNAPPY
        | Compression::GZIP(_)
        | Compression::BROTLI(_)
        | Compression::LZ4
        | Compression::ZSTD(_)
        | Compression::LZ4_RAW => None,
    }
}

/// Whether a column of this type holds text (possibly dictionary-encoded).
fn is_text_type(t: &DataType) -> bool {
    match t {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => true,
        DataType::Dictionary(_, values) => is_text_type(values),
        _ => false,
    }
}

/// Opens a Parquet file and returns its rows as records.
///
/// Fails when the file cannot be opened, is not Parquet, or has no usable text column
/// ([`Error::Schema`]), or uses a codec garbell cannot decode ([`Error::Unsupported`]);
/// everything wrong inside the file is a per-record [`RecordError`].
pub fn open(path: &Path, config: &SourceConfig) -> Result<Records, Error> {
    Ok(Box::new(
        open_parts(path, config)?.flat_map(PartRecords::new),
    ))
}

/// [`open`], with each part (a row group, or a run of rows of a large one: see "Parts" in the
/// module documentation) not decoded yet: one [`Pending::Many`] per part, decoded by whoever
/// resolves it. Resolved in order, the records are those of [`open`].
pub(crate) fn open_pending(path: &Path, config: &SourceConfig) -> Result<PendingRecords, Error> {
    Ok(Box::new(open_parts(path, config)?.map(|part| {
        let (records, bytes) = (part.len(), part.bytes);
        Pending::many(records, bytes, move || {
            Box::new(PartRecords::new(part)) as Records
        })
    })))
}

/// Opens the file, checks its schema and codecs and returns its parts.
fn open_parts(path: &Path, config: &SourceConfig) -> Result<Parts, Error> {
    let OpenedInput {
        file,
        input,
        file_name,
        ..
    } = open_input(path, config)?;
    let shown = path.display().to_string();
    let schema_err = |message: String| Error::Schema {
        path: shown.clone(),
        message,
    };
    let file = BoundedFile::new(file).map_err(io_error(path))?;
    let metadata =
        catch_decoder_panic(|| ArrowReaderMetadata::load(&file, ArrowReaderOptions::default()))
            .map_err(|m| schema_err(format!("not a readable Parquet file: {m}")))?
            .map_err(|e| schema_err(format!("not a readable Parquet file: {e}")))?;
    let mut groups = Vec::with_capacity(metadata.metadata().num_row_groups());
    let mut first_row = 0u64;
    for (g, rg) in metadata.metadata().row_groups().iter().enumerate() {
        for c in rg.columns() {
            if let Some(why) = unsupported_codec(c.compression()) {
                return Err(Error::Unsupported {
                    path: shown.clone(),
                    reason: format!(
                        "column `{}` (row group {g}) is compressed with {why}",
                        c.column_path()
                    ),
                });
            }
        }
        let rows = u64::try_from(rg.num_rows()).unwrap_or(0);
        let bytes = u64::try_from(rg.total_byte_size()).unwrap_or(0);
        let compressed = u64::try_from(rg.compressed_size()).unwrap_or(0);
        groups.push(GroupPlan {
            rows: first_row..first_row.saturating_add(rows),
            part_rows: part_rows(rows, bytes, compressed.min(file.len)),
            bytes,
        });
        first_row = first_row.saturating_add(rows);
    }
    let schema = metadata.schema().clone();
    let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let text = columns
        .iter()
        .position(|c| *c == config.text_field)
        .ok_or_else(|| {
            schema_err(format!(
                "no text column `{}` (columns: {})",
                config.text_field,
                columns.join(", ")
            ))
        })?;
    let text_type = schema.field(text).data_type();
    if !is_text_type(text_type) {
        return Err(schema_err(format!(
            "text column `{}` holds {text_type}, not strings",
            config.text_field
        )));
    }
    let find = |name: &str| {
        (!name.is_empty())
            .then(|| columns.iter().position(|c| c == name))
            .flatten()
    };
    Ok(Parts {
        file: Arc::new(ParquetFile {
            id: find(&config.id_field),
            url: find(&config.url_field),
            text,
            columns,
            file,
            metadata,
            input,
            file_name,
            max: usize::try_from(config.max_record_bytes).unwrap_or(usize::MAX),
        }),
        groups,
        group: 0,
        next_row: 0,
    })
}

/// Uncompressed bytes (all columns, as the row group's metadata counts them) of a part at most,
/// about: a larger row group is cut into parts of this size, decoded independently.
pub const PART_BYTES: u64 = 8 << 20;

/// Compressed bytes of a row group per part at least: bounds the number of parts when the
/// metadata claims an implausible uncompressed size (a corrupt or crafted footer).
const MIN_PART_COMPRESSED: u64 = 4 << 10;

/// Rows per part of a row group of `rows` rows, `bytes` uncompressed and `compressed` bytes
/// (clamped to the file's size): all of them when the group is at most [`PART_BYTES`], else
/// as many as fit in [`PART_BYTES`] by the group's average row size.
fn part_rows(rows: u64, bytes: u64, compressed: u64) -> u64 {
    if rows == 0 || bytes <= PART_BYTES {
        return rows.max(1);
    }
    let parts = bytes
        .div_ceil(PART_BYTES)
        .min(compressed / MIN_PART_COMPRESSED)
        .clamp(1, rows);
    rows.div_ceil(parts)
}

/// What every part of one file shares.
struct ParquetFile {
    file: BoundedFile,
    metadata: ArrowReaderMetadata,
    columns: Vec<String>,
    text: usize,
    id: Option<usize>,
    url: Option<usize>,
    input: Arc<str>,
    file_name: String,
    max: usize,
}

/// How one row group is cut into parts.
struct GroupPlan {
    /// Its rows, numbered in the file.
    rows: std::ops::Range<u64>,
    /// Rows per part (the last part may have fewer).
    part_rows: u64,
    /// Uncompressed bytes, from the metadata.
    bytes: u64,
}

/// The parts of a file, in order: computed from the metadata alone (no page is read), so the
/// same for every reader of the file whatever the thread count.
struct Parts {
    file: Arc<ParquetFile>,
    groups: Vec<GroupPlan>,
    /// The row group of the next part.
    group: usize,
    /// The first row (in the file) of the next part.
    next_row: u64,
}

impl Iterator for Parts {
    type Item = Part;

    fn next(&mut self) -> Option<Part> {
        loop {
            let plan = self.groups.get(self.group)?;
            let start = self.next_row.max(plan.rows.start);
            if start >= plan.rows.end {
                self.group += 1;
                continue;
            }
            let end = start.saturating_add(plan.part_rows).min(plan.rows.end);
            self.next_row = end;
            let group_rows = (plan.rows.end - plan.rows.start).max(1);
            // The part's share of the group's uncompressed bytes, by rows.
            let bytes = u128::from(plan.bytes) * u128::from(end - start) / u128::from(group_rows);
            return Some(Part {
                file: self.file.clone(),
                group: self.group,
                group_start: plan.rows.start,
                rows: start..end,
                bytes: usize::try_from(bytes).unwrap_or(usize::MAX),
            });
        }
    }
}

/// A run of rows of one row group (all of them, unless the group is larger than
/// [`PART_BYTES`]), decoded on its own.
struct Part {
    file: Arc<ParquetFile>,
    group: usize,
    /// The row group's first row in the file.
    group_start: u64,
    /// The part's rows, numbered in the file.
    rows: std::ops::Range<u64>,
    /// Uncompressed bytes, about.
    bytes: usize,
}

impl Part {
    fn len(&self) -> usize {
        usize::try_from(self.rows.end - self.rows.start).unwrap_or(usize::MAX)
    }
}

/// Streams the rows of one part, one record batch (at most [`BATCH_ROWS`] rows) at a time: a
/// part that cannot be decoded from some row on ends there, reported with its row group and
/// the rows lost.
struct PartRecords {
    part: Part,
    /// Whether the decoder was built (or failed to be).
    started: bool,
    reader: Option<ParquetRecordBatchReader>,
    batch: Option<RecordBatch>,
    row_in_batch: usize,
    /// Row number in the file of the next row.
    row: u64,
}

impl PartRecords {
    fn new(part: Part) -> Self {
        PartRecords {
            row: part.rows.start,
            part,
            started: false,
            reader: None,
            batch: None,
            row_in_batch: 0,
        }
    }

    /// The decoder of the part's rows: its row group, the rows before the part skipped (whole
    /// pages are skipped by their headers, not decompressed).
    fn build(&self) -> parquet::errors::Result<ParquetRecordBatchReader> {
        let part = &self.part;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(
            part.file.file.clone(),
            part.file.metadata.clone(),
        )
        .with_row_groups(vec![part.group])
        .with_batch_size(BATCH_ROWS);
        let group_rows = self
            .part
            .file
            .metadata
            .metadata()
            .row_group(part.group)
            .num_rows();
        let before = part.rows.start - part.group_start;
        let whole = before == 0 && i64::try_from(part.len()).is_ok_and(|n| n == group_rows);
        if whole {
            return builder.build();
        }
        let mut selectors = Vec::with_capacity(2);
        if before > 0 {
            selectors.push(RowSelector::skip(
                usize::try_from(before).unwrap_or(usize::MAX),
            ));
        }
        selectors.push(RowSelector::select(part.len()));
        builder
            .with_row_selection(RowSelection::from(selectors))
            .with_row_selection_policy(RowSelectionPolicy::Selectors)
            .build()
    }
}

impl Iterator for PartRecords {
    type Item = RecordResult;

    fn next(&mut self) -> Option<RecordResult> {
        loop {
            if let Some(batch) = self.batch.take() {
                if self.row_in_batch < batch.num_rows() && self.row < self.part.rows.end {
                    let r = self.row_in_batch;
                    self.row_in_batch += 1;
                    let row = self.row;
                    self.row += 1;
                    let result = self.part.file.convert(&batch, r, row);
                    self.batch = Some(batch);
                    return Some(result);
                }
            }
            if !self.started {
                self.started = true;
                match catch_decoder_panic(|| self.build()) {
                    Ok(Ok(reader)) => self.reader = Some(reader),
                    Ok(Err(e)) => return Some(Err(self.lost(e.to_string()))),
                    Err(m) => return Some(Err(self.lost(m))),
                }
                continue;
            }
            let reader = self.reader.as_mut()?;
            let next = catch_decoder_panic(|| reader.next())
                .unwrap_or_else(|m| Some(Err(arrow_schema::ArrowError::ExternalError(m.into()))));
            match next {
                None => {
                    self.reader = None;
                    if self.row < self.part.rows.end {
                        let m = "the row group ended early".to_string();
                        return Some(Err(self.lost(m)));
                    }
                }
                Some(Err(e)) => return Some(Err(self.lost(e.to_string()))),
                Some(Ok(batch)) => {
                    self.batch = Some(batch);
                    self.row_in_batch = 0;
                }
            }
        }
    }
}

impl PartRecords {
    /// The error for the rest of the part, from the current row to its end, which is skipped:
    /// reading goes on with the next part. An unimplemented feature of the format is
    /// [`crate::UNSUPPORTED`] (a job-level error), anything else `parquet_invalid`.
    fn lost(&mut self, message: String) -> RecordError {
        let (g, rows) = (self.part.group, self.part.rows.clone());
        let start = self.row.clamp(rows.start, rows.end);
        self.row = rows.end;
        self.batch = None;
        self.reader = None;
        let input = self.part.file.input.as_ref();
        // How arrow-rs words a feature it does not implement (`nyi_err!`, an encoding its
        // readers lack, a codec feature left out at build time).
        let unimplemented = [
            "NYI: ",
            "unsupported encoding",
            "is not supported",
            "Disabled feature at compile time",
        ];
        if unimplemented.iter().any(|m| message.contains(m)) {
            return RecordError::new(
                input,
                start,
                crate::UNSUPPORTED,
                format!("row group {g}: a feature garbell's Parquet decoder does not implement: {message}"),
            );
        }
        RecordError::new(
            input,
            start,
            "parquet_invalid",
            format!(
                "row group {g}, rows {start}..{} ({} rows lost): {message}",
                rows.end,
                rows.end - start
            ),
        )
    }
}

impl ParquetFile {
    fn convert(&self, batch: &RecordBatch, r: usize, row: u64) -> RecordResult {
        let err =
            |kind, message: String| Err(RecordError::new(self.input.as_ref(), row, kind, message));
        let col = batch.column(self.text);
        let (text, invalid_utf8) = match text_at(col.as_ref(), r) {
            None => return err("parquet_null_text", "the text is null".into()),
            Some(TextRef::Str(s)) if s.len() > self.max => {
                return err("record_too_large", too_large(s.len(), self.max))
            }
            Some(TextRef::Bytes(b)) if b.len() > self.max => {
                return err("record_too_large", too_large(b.len(), self.max))
            }
            Some(TextRef::Str(s)) => (s.to_string(), 0),
            Some(TextRef::Bytes(b)) => {
                let (s, bad) = utf8_lossy_counted(b);
                (s.into_owned(), bad)
            }
        };
        let id = match self.id.and_then(|i| value_at(batch.column(i).as_ref(), r)) {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            _ => format!("{}/{row}", self.file_name),
        };
        let mut doc = Document::new(
            id,
            text,
            SOURCE_NAME,
            Origin::new(self.input.clone(), row, row),
        );
        doc.url = match self.url.and_then(|i| value_at(batch.column(i).as_ref(), r)) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        for (i, name) in self.columns.iter().enumerate() {
            if i == self.text || Some(i) == self.id || Some(i) == self.url {
                continue;
            }
            if let Some(v) = value_at(batch.column(i).as_ref(), r) {
                doc.meta.insert(name.clone(), v);
            }
        }
        if invalid_utf8 > 0 {
            doc.signals
                .insert("invalid_utf8".into(), invalid_utf8 as f64);
        }
        Ok(Record::Document(doc))
    }
}

/// Runs a call into the `parquet` crate, turning a panic into an error message. The decoder
/// panics on some corrupt files (found by fuzzing: a data page that declares zero values but
/// holds bytes divides by zero in `parquet` 60's byte-array decoder); sources must not.
fn catch_decoder_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        format!("the Parquet decoder failed ({what})")
    })
}

fn too_large(len: usize, max: usize) -> String {
    format!("text of {len} bytes is longer than max_record_bytes ({max})")
}

enum TextRef<'a> {
    Str(&'a str),
    Bytes(&'a [u8]),
}

/// The text at row `r` of a string or binary column, `None` when null.
fn text_at(a: &dyn Array, r: usize) -> Option<TextRef<'_>> {
    if a.is_null(r) {
        return None;
    }
    if let Some(d) = a.as_any_dictionary_opt() {
        return text_at(d.values().as_ref(), dictionary_key(d, r)?);
    }
    if let Some(s) = a.as_string_opt::<i32>() {
        Some(TextRef::Str(s.value(r)))
    } else if let Some(s) = a.as_string_opt::<i64>() {
        Some(TextRef::Str(s.value(r)))
    } else if let Some(s) = a.as_string_view_opt() {
        Some(TextRef::Str(s.value(r)))
    } else if let Some(b) = a.as_binary_opt::<i32>() {
        Some(TextRef::Bytes(b.value(r)))
    } else if let Some(b) = a.as_binary_opt::<i64>() {
        Some(TextRef::Bytes(b.value(r)))
    } else {
        a.as_binary_view_opt().map(|b| TextRef::Bytes(b.value(r)))
    }
}

/// The JSON value of row `r` of a scalar or list-of-scalars column; `None` for nulls and
/// unsupported types.
fn value_at(a: &dyn Array, r: usize) -> Option<Value> {
    if a.is_null(r) {
        return None;
    }
    macro_rules! prim {
        ($t:ty) => {
            a.as_primitive_opt::<$t>().map(|p| Value::from(p.value(r)))
        };
    }
    match a.data_type() {
        DataType::Boolean => a.as_boolean_opt().map(|b| Value::Bool(b.value(r))),
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float32 => a
            .as_primitive_opt::<Float32Type>()
            .and_then(|p| serde_json::Number::from_f64(f64::from(p.value(r))))
            .map(Value::Number),
        DataType::Float64 => a
            .as_primitive_opt::<Float64Type>()
            .and_then(|p| serde_json::Number::from_f64(p.value(r)))
            .map(Value::Number),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => match text_at(a, r)? {
            TextRef::Str(s) => Some(Value::from(s)),
            TextRef::Bytes(_) => None,
        },
        DataType::Date32 => a
            .as_primitive_opt::<Date32Type>()
            .and_then(|p| p.value_as_date(r))
            .map(|d| Value::from(d.to_string())),
        DataType::Date64 => a
            .as_primitive_opt::<Date64Type>()
            .and_then(|p| p.value_as_datetime(r))
            .map(|d| Value::from(format!("{d:?}"))),
        DataType::Timestamp(unit, _) => {
            let t = match unit {
                TimeUnit::Second => a
                    .as_primitive_opt::<TimestampSecondType>()
                    .and_then(|p| p.value_as_datetime(r)),
                TimeUnit::Millisecond => a
                    .as_primitive_opt::<TimestampMillisecondType>()
                    .and_then(|p| p.value_as_datetime(r)),
                TimeUnit::Microsecond => a
                    .as_primitive_opt::<TimestampMicrosecondType>()
                    .and_then(|p| p.value_as_datetime(r)),
                TimeUnit::Nanosecond => a
                    .as_primitive_opt::<TimestampNanosecondType>()
                    .and_then(|p| p.value_as_datetime(r)),
            };
            // ISO 8601 without a zone, as stored (`2024-01-02T03:04:05`).
            t.map(|d| Value::from(format!("{d:?}")))
        }
        DataType::List(_) => {
            let l = a.as_list_opt::<i32>()?;
            Some(list_value(l.value(r).as_ref()))
        }
        DataType::LargeList(_) => {
            let l = a.as_list_opt::<i64>()?;
            Some(list_value(l.value(r).as_ref()))
        }
        DataType::FixedSizeList(..) => {
            let l = a.as_fixed_size_list_opt()?;
            Some(list_value(l.value(r).as_ref()))
        }
        DataType::ListView(_) => {
            let l = a.as_list_view_opt::<i32>()?;
            Some(list_value(l.value(r).as_ref()))
        }
        DataType::LargeListView(_) => {
            let l = a.as_list_view_opt::<i64>()?;
            Some(list_value(l.value(r).as_ref()))
        }
        DataType::Struct(fields) => {
            let s = a.as_struct_opt()?;
            let mut object = serde_json::Map::with_capacity(fields.len());
            for (f, column) in fields.iter().zip(s.columns()) {
                let v = value_at(column.as_ref(), r).unwrap_or(Value::Null);
                object.insert(f.name().clone(), v);
            }
            Some(Value::Object(object))
        }
        DataType::Map(..) => {
            // A JSON object when every key is a string (the usual case), else a list of
            // `[key, value]` pairs.
            let m = a.as_map_opt()?;
            let entries = m.value(r);
            let (keys, values) = (entries.column(0), entries.column(1));
            let pairs: Vec<(Value, Value)> = (0..entries.len())
                .map(|i| {
                    (
                        value_at(keys.as_ref(), i).unwrap_or(Value::Null),
                        value_at(values.as_ref(), i).unwrap_or(Value::Null),
                    )
                })
                .collect();
            if pairs.iter().all(|(k, _)| k.is_string()) {
                Some(Value::Object(
                    pairs
                        .into_iter()
                        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v)))
                        .collect(),
                ))
            } else {
                Some(Value::Array(
                    pairs
                        .into_iter()
                        .map(|(k, v)| Value::Array(vec![k, v]))
                        .collect(),
                ))
            }
        }
        DataType::Dictionary(..) => {
            let d = a.as_any_dictionary_opt()?;
            value_at(d.values().as_ref(), dictionary_key(d, r)?)
        }
        DataType::Decimal128(..) => a
            .as_primitive_opt::<Decimal128Type>()
            .map(|p| Value::from(p.value_as_string(r))),
        DataType::Decimal256(..) => a
            .as_primitive_opt::<Decimal256Type>()
            .map(|p| Value::from(p.value_as_string(r))),
        _ => None,
    }
}

/// The index into a dictionary's values of row `r` (any integer key type); `None` for a null
/// or out-of-range key.
fn dictionary_key(d: &dyn AnyDictionaryArray, r: usize) -> Option<usize> {
    let (keys, n) = (d.keys(), d.values().len());
    macro_rules! key {
        ($($t:ty),*) => {
            $(if let Some(k) = keys.as_primitive_opt::<$t>() {
                return usize::try_from(k.value(r)).ok().filter(|&k| k < n);
            })*
        };
    }
    if keys.is_null(r) {
        return None;
    }
    key!(Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type);
    None
}

fn list_value(items: &dyn Array) -> Value {
    Value::Array(
        (0..items.len())
            .map(|i| value_at(items, i).unwrap_or(Value::Null))
            .collect(),
    )
}
