//! [`SignalTable`]: the stored signals of many documents, column-wise.

use crate::Error;
use garbell_core::Document;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One signal over all rows: `f32` when every value is exactly an `f32` (counts, 0/1 flags),
/// `f64` otherwise (ratios, compared with thresholds exactly as the pipeline does), plus a
/// presence bit per row (a document may lack a signal, which is not the same as NaN or 0).
#[derive(Debug, Clone)]
pub struct Column {
    data: ColumnData,
    present: Vec<u64>,
    len: usize,
}

#[derive(Debug, Clone)]
enum ColumnData {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Column {
    fn new() -> Self {
        Column {
            data: ColumnData::F64(Vec::new()),
            present: Vec::new(),
            len: 0,
        }
    }

    fn push(&mut self, v: Option<f64>) {
        let i = self.len;
        if i.is_multiple_of(64) {
            self.present.push(0);
        }
        if v.is_some() {
            self.present[i / 64] |= 1 << (i % 64);
        }
        let v = v.unwrap_or(f64::NAN);
        match &mut self.data {
            ColumnData::F64(d) => d.push(v),
            ColumnData::F32(d) => {
                if f64::from(v as f32).to_bits() == v.to_bits() || v.is_nan() {
                    d.push(v as f32)
                } else {
                    let mut wide: Vec<f64> = d.iter().map(|&x| f64::from(x)).collect();
                    wide.push(v);
                    self.data = ColumnData::F64(wide);
                }
            }
        }
        self.len += 1;
    }

    /// Stores the values as `f32` when that loses nothing.
    fn compact(&mut self) {
        if let ColumnData::F64(d) = &self.data {
            let exact = d
                .iter()
                .all(|&v| v.is_nan() || f64::from(v as f32).to_bits() == v.to_bits());
            if exact {
                self.data = ColumnData::F32(d.iter().map(|&v| v as f32).collect());
            }
        }
    }

    /// The value at `row`, `None` when the document lacks the signal.
    #[inline]
    pub fn get(&self, row: usize) -> Option<f64> {
        if row >= self.len || self.present[row / 64] & (1 << (row % 64)) == 0 {
            return None;
        }
        Some(match &self.data {
            ColumnData::F32(d) => f64::from(d[row]),
            ColumnData::F64(d) => d[row],
        })
    }

    /// True when values are stored as `f32`.
    pub fn is_compact(&self) -> bool {
        matches!(self.data, ColumnData::F32(_))
    }

    /// Bytes used by the values and presence bits.
    pub fn heap_bytes(&self) -> usize {
        let values = match &self.data {
            ColumnData::F32(d) => d.len() * 4,
            ColumnData::F64(d) => d.len() * 8,
        };
        values + self.present.len() * 8
    }
}

/// The signals, language, LID score and size of each stored document, one compact array per
/// field. Built once (from shards or documents), then evaluated many times.
///
/// Tokens are estimated as whitespace-separated words of the stored text
/// ([`crate::TOKEN_ESTIMATE`]).
#[derive(Debug, Clone, Default)]
pub struct SignalTable {
    ids: Vec<Box<str>>,
    lang_names: Vec<String>,
    lang: Vec<u16>,
    lang_score: Vec<f32>,
    tokens: Vec<u32>,
    bytes: Vec<u32>,
    columns: BTreeMap<String, Column>,
    bad_rows: u64,
}

impl SignalTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.lang.len()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.lang.is_empty()
    }

    /// Rows of the shards that could not be decoded (counted and skipped).
    pub fn bad_rows(&self) -> u64 {
        self.bad_rows
    }

    /// Appends one document's id, language, score, token estimate and signals.
    pub fn push_document(&mut self, doc: &Document) {
        let tokens = doc.text.split_whitespace().count();
        self.push_row(
            &doc.id,
            &doc.lang,
            doc.lang_score,
            tokens,
            doc.text.len(),
            doc.signals.iter().map(|(k, v)| (k.as_str(), *v)),
        );
    }

    /// Appends one row from its parts (for synthetic data and benchmarks).
    pub fn push_row<'a>(
        &mut self,
        id: &str,
        lang: &str,
        lang_score: f32,
        tokens: usize,
        bytes: usize,
        signals: impl IntoIterator<Item = (&'a str, f64)>,
    ) {
        let row = self.len();
        let li = match self.lang_names.iter().position(|l| l == lang) {
            Some(i) => i,
            None => {
                self.lang_names.push(lang.to_string());
                self.lang_names.len() - 1
            }
        };
        self.ids.push(id.into());
        self.lang.push(u16::try_from(li).unwrap_or(u16::MAX));
        self.lang_score.push(lang_score);
        self.tokens.push(u32::try_from(tokens).unwrap_or(u32::MAX));
        self.bytes.push(u32::try_from(bytes).unwrap_or(u32::MAX));
        for (k, v) in signals {
            let col = match self.columns.get_mut(k) {
                Some(c) => c,
                None => {
                    let mut c = Column::new();
                    for _ in 0..row {
                        c.push(None);
                    }
                    self.columns.entry(k.to_string()).or_insert(c)
                }
            };
            if col.len == row {
                col.push(Some(v));
            }
        }
        for c in self.columns.values_mut() {
            if c.len == row {
                c.push(None);
            }
        }
    }

    /// Stores each column as `f32` when that is exact. Call once all rows are in.
    pub fn compact(&mut self) {
        for c in self.columns.values_mut() {
            c.compact();
        }
    }

    /// Loads the shards named by `paths` (Parquet files, directories of them, or run directories,
    /// whose `shards/` are read), keeping only documents of `lang` when given.
    pub fn load(paths: &[PathBuf], lang: Option<&str>) -> Result<SignalTable, Error> {
        let mut t = SignalTable::new();
        for file in shard_files(paths)? {
            let reader = garbell_shard::ShardReader::open(&file)?;
            for doc in reader {
                match doc {
                    Ok(d) if lang.is_none_or(|l| l == d.lang) => t.push_document(&d),
                    Ok(_) => {}
                    Err(garbell_shard::Error::InvalidShard { .. }) => t.bad_rows += 1,
                    Err(e) => return Err(e.into()),
                }
            }
        }
        t.compact();
        Ok(t)
    }

    /// The id of `row`.
    pub fn id(&self, row: usize) -> &str {
        &self.ids[row]
    }

    /// The language code of `row`.
    pub fn lang(&self, row: usize) -> &str {
        &self.lang_names[usize::from(self.lang[row])]
    }

    /// Distinct language codes, in order of first appearance.
    pub fn langs(&self) -> &[String] {
        &self.lang_names
    }

    /// The LID score of `row`.
    pub fn lang_score(&self, row: usize) -> f32 {
        self.lang_score[row]
    }

    /// The token estimate of `row`.
    pub fn tokens(&self, row: usize) -> u64 {
        u64::from(self.tokens[row])
    }

    /// The text size of `row` in bytes.
    pub fn bytes(&self, row: usize) -> u64 {
        u64::from(self.bytes[row])
    }

    /// A signal's column.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.get(name)
    }

    /// Signal names, sorted.
    pub fn signal_names(&self) -> impl Iterator<Item = &str> {
        self.columns.keys().map(String::as_str)
    }

    /// Approximate memory held by the arrays, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.len() * (2 + 4 + 4 + 4)
            + self.ids.iter().map(|s| s.len() + 16).sum::<usize>()
            + self.columns.values().map(Column::heap_bytes).sum::<usize>()
    }
}

/// The Parquet files named by `paths`, in order: files as given; for a directory, the
/// `*.parquet` files of its `shards/` subdirectory when it has one (a run directory), else its
/// own, sorted.
pub fn shard_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let dir = if p.join("shards").is_dir() {
                p.join("shards")
            } else {
                p.clone()
            };
            out.extend(parquet_in(&dir)?);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(Error::io(
                p,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ));
        }
    }
    Ok(out)
}

pub(crate) fn parquet_in(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = e.map_err(|e| Error::io(dir, e))?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !hidden && path.extension().is_some_and(|x| x == "parquet") {
            v.push(path);
        }
    }
    v.sort();
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_keep_missing_apart_from_values_and_compact_exactly() {
        let mut t = SignalTable::new();
        t.push_row("a", "ca", 0.9, 3, 10, [("n", 3.0)]);
        t.push_row("b", "ca", 0.9, 3, 10, [("r", 0.1)]);
        t.push_row("c", "es", 0.9, 3, 10, [("n", 5.0), ("r", 0.3)]);
        t.compact();
        let n = t.column("n").expect("n");
        let r = t.column("r").expect("r");
        assert_eq!((n.get(0), n.get(1), n.get(2)), (Some(3.0), None, Some(5.0)));
        assert_eq!((r.get(0), r.get(1), r.get(2)), (None, Some(0.1), Some(0.3)));
        assert!(n.is_compact() && !r.is_compact());
        assert_eq!(t.lang(2), "es");
    }
}
