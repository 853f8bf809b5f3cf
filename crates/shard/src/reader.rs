//! [`ShardReader`]: shards back into [`Document`]s, for tests and tools.

use crate::schema::{base_column_type, columns, BASE_COLUMNS};
use crate::Error;
use arrow_array::{Array, Float32Array, Int64Array, RecordBatch, StringArray};
use garbell_core::{Document, Origin, Signals};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads the documents of a shard in order, one [`Document`] per row.
///
/// Only the base columns are read: `signals` come from the JSON column, and `signal.<name>`
/// columns are ignored. A signal that was not finite (NaN, ±infinity) was stored as JSON `null`
/// and comes back as NaN.
///
/// ```
/// # fn main() -> Result<(), garbell_shard::Error> {
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("s.parquet");
/// # garbell_shard::ShardWriter::create(&path, &Default::default())?.commit()?;
/// let mut reader = garbell_shard::ShardReader::open(&path)?;
/// assert_eq!(reader.rows(), 0);
/// assert!(reader.next().is_none());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ShardReader {
    path: PathBuf,
    rows: u64,
    batches: ParquetRecordBatchReader,
    batch: Option<Batch>,
    next_row: usize,
    /// Distinct `input` values seen, so that documents of one input share one string.
    inputs: HashSet<Arc<str>>,
}

impl ShardReader {
    /// Opens a shard and checks that it has the base columns with their types.
    pub fn open(path: &Path) -> Result<ShardReader, Error> {
        let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| Error::from_parquet("read", path, e))?;
        let schema = builder.schema().clone();
        let mut roots = Vec::with_capacity(BASE_COLUMNS.len());
        for name in BASE_COLUMNS {
            let Some((ty, _)) = base_column_type(name) else {
                continue;
            };
            let (index, field) =
                schema
                    .column_with_name(name)
                    .ok_or_else(|| Error::InvalidShard {
                        path: path.to_path_buf(),
                        message: format!("no column {name:?}"),
                    })?;
            if field.data_type() != &ty {
                return Err(Error::InvalidShard {
                    path: path.to_path_buf(),
                    message: format!("column {name:?} is {}, expected {ty}", field.data_type()),
                });
            }
            roots.push(index);
        }
        let rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let batches = builder
            .with_projection(mask)
            .build()
            .map_err(|e| Error::from_parquet("read", path, e))?;
        Ok(ShardReader {
            path: path.to_path_buf(),
            rows,
            batches,
            batch: None,
            next_row: 0,
            inputs: HashSet::new(),
        })
    }

    /// Number of documents in the shard, from its footer.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn invalid(&self, message: String) -> Error {
        Error::InvalidShard {
            path: self.path.clone(),
            message,
        }
    }

    fn document(&mut self, row: usize) -> Result<Document, Error> {
        let Some(b) = self.batch.as_ref() else {
            return Err(self.invalid("internal: no batch".into()));
        };
        let required = |array: &StringArray, name: &str| -> Result<String, String> {
            if array.is_null(row) {
                return Err(format!("null in non-null column {name:?}"));
            }
            Ok(array.value(row).to_string())
        };
        fn optional(array: &StringArray, row: usize) -> Option<&str> {
            array.is_valid(row).then(|| array.value(row))
        }
        let number = |array: &Int64Array, name: &str| -> Result<u64, String> {
            if array.is_null(row) {
                return Err(format!("null in non-null column {name:?}"));
            }
            u64::try_from(array.value(row))
                .map_err(|_| format!("negative {name} {}", array.value(row)))
        };

        let result = (|| -> Result<Document, String> {
            let id = required(&b.id, columns::ID)?;
            let input_str = if b.input.is_null(row) {
                return Err(format!("null in non-null column {:?}", columns::INPUT));
            } else {
                b.input.value(row)
            };
            let input = match self.inputs.get(input_str) {
                Some(known) => known.clone(),
                None => {
                    let new = Arc::<str>::from(input_str);
                    self.inputs.insert(new.clone());
                    new
                }
            };
            let meta = match optional(&b.meta, row) {
                None => BTreeMap::new(),
                Some(s) => serde_json::from_str::<BTreeMap<String, Value>>(s)
                    .map_err(|e| format!("document {id:?}: meta is not a JSON object: {e}"))?,
            };
            let signals: Signals = match optional(&b.signals, row) {
                None => Signals::new(),
                Some(s) => serde_json::from_str::<BTreeMap<String, Option<f64>>>(s)
                    .map_err(|e| format!("document {id:?}: signals are not a JSON object: {e}"))?
                    .into_iter()
                    .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
                    .collect(),
            };
            if b.lang_score.is_null(row) {
                return Err(format!("null in non-null column {:?}", columns::LANG_SCORE));
            }
            Ok(Document {
                text: required(&b.text, columns::TEXT)?,
                lang: required(&b.lang, columns::LANG)?,
                lang_score: b.lang_score.value(row),
                source: required(&b.source, columns::SOURCE)?,
                url: optional(&b.url, row).map(str::to_string),
                meta,
                signals,
                origin: Origin {
                    input,
                    record: number(&b.record, columns::RECORD)?,
                    offset: number(&b.offset, columns::OFFSET)?,
                },
                id,
            })
        })();
        result.map_err(|message| self.invalid(message))
    }
}

impl Iterator for ShardReader {
    type Item = Result<Document, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(batch) = &self.batch {
                if self.next_row < batch.len {
                    let row = self.next_row;
                    self.next_row += 1;
                    return Some(self.document(row));
                }
            }
            match self.batches.next()? {
                Ok(record_batch) => match Batch::new(&record_batch) {
                    Ok(batch) => {
                        self.batch = Some(batch);
                        self.next_row = 0;
                    }
                    Err(message) => return Some(Err(self.invalid(message))),
                },
                Err(e) => {
                    return Some(Err(Error::Parquet {
                        path: self.path.clone(),
                        source: e.into(),
                    }))
                }
            }
        }
    }
}

/// Reads every document of a shard, in order. See [`ShardReader`].
pub fn read_documents(path: &Path) -> Result<Vec<Document>, Error> {
    ShardReader::open(path)?.collect()
}

/// The base columns of one record batch, typed.
#[derive(Debug)]
struct Batch {
    len: usize,
    id: StringArray,
    text: StringArray,
    lang: StringArray,
    lang_score: Float32Array,
    source: StringArray,
    url: StringArray,
    meta: StringArray,
    signals: StringArray,
    input: StringArray,
    record: Int64Array,
    offset: Int64Array,
}

impl Batch {
    fn new(batch: &RecordBatch) -> Result<Batch, String> {
        fn get<T: Array + Clone + 'static>(batch: &RecordBatch, name: &str) -> Result<T, String> {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<T>())
                .cloned()
                .ok_or_else(|| format!("column {name:?} missing or of the wrong type"))
        }
        Ok(Batch {
            len: batch.num_rows(),
            id: get(batch, columns::ID)?,
            text: get(batch, columns::TEXT)?,
            lang: get(batch, columns::LANG)?,
            lang_score: get(batch, columns::LANG_SCORE)?,
            source: get(batch, columns::SOURCE)?,
            url: get(batch, columns::URL)?,
            meta: get(batch, columns::META)?,
            signals: get(batch, columns::SIGNALS)?,
            input: get(batch, columns::INPUT)?,
            record: get(batch, columns::RECORD)?,
            offset: get(batch, columns::OFFSET)?,
        })
    }
}
