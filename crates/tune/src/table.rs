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

    /// Appends `n` rows without the signal.
    fn push_missing(&mut self, n: usize) {
        let end = self.len + n;
        self.present.resize(end.div_ceil(64), 0);
        match &mut self.data {
            ColumnData::F64(d) => d.resize(end, f64::NAN),
            ColumnData::F32(d) => d.resize(end, f32::NAN),
        }
        self.len = end;
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
    ///
    /// Reads only the columns the table needs (`id`, `text` for the token and byte counts,
    /// `lang`, `lang_score`, `signals`), never `meta`, `url` or the origin columns; row groups
    /// are decoded in parallel (rayon) and appended in file and row-group order, so the table is
    /// the same whatever the thread count. A row that cannot be decoded (a null in a non-null
    /// column, signals that are not a JSON object of numbers) is counted in
    /// [`SignalTable::bad_rows`] and skipped; a file that is not a shard stops the load.
    pub fn load(paths: &[PathBuf], lang: Option<&str>) -> Result<SignalTable, Error> {
        use rayon::prelude::*;
        let files = shard_files(paths)?;
        let mut tasks = Vec::new();
        for file in &files {
            let n = loader::row_groups(file)?;
            tasks.extend((0..n).map(|rg| (file.as_path(), rg)));
        }
        let mut t = SignalTable::new();
        // Bounded memory: decode a few row groups per thread ahead, then append them in order.
        let window = rayon::current_num_threads().max(1) * 2;
        for chunk in tasks.chunks(window) {
            let parts = chunk
                .par_iter()
                .map(|(file, rg)| loader::read_row_group(file, *rg, lang))
                .collect::<Result<Vec<_>, Error>>()?;
            for part in parts {
                t.append(part);
            }
        }
        t.compact();
        Ok(t)
    }

    /// Appends the rows of one decoded row group.
    fn append(&mut self, part: loader::Part) {
        let base = self.len();
        let local: Vec<u16> = part
            .lang_names
            .iter()
            .map(|l| {
                let li = match self.lang_names.iter().position(|x| x == l) {
                    Some(i) => i,
                    None => {
                        self.lang_names.push(l.clone());
                        self.lang_names.len() - 1
                    }
                };
                u16::try_from(li).unwrap_or(u16::MAX)
            })
            .collect();
        self.ids.extend(part.ids);
        self.lang
            .extend(part.lang.iter().map(|&l| local[usize::from(l)]));
        self.lang_score.extend(part.lang_score);
        self.tokens.extend(part.tokens);
        self.bytes.extend(part.bytes);
        self.bad_rows += part.bad_rows;
        let end = self.len();
        for (name, values) in part.columns {
            let col = match self.columns.get_mut(&name) {
                Some(c) => c,
                None => {
                    let mut c = Column::new();
                    c.push_missing(base);
                    self.columns.entry(name).or_insert(c)
                }
            };
            for v in values {
                col.push(v);
            }
        }
        for c in self.columns.values_mut() {
            let missing = end - c.len;
            c.push_missing(missing);
        }
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

/// Column-projected reading of shard row groups.
mod loader {
    use crate::Error;
    use arrow_array::{Array, Float32Array, RecordBatch, StringArray};
    use garbell_shard::columns;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ProjectionMask;
    use serde::de::{DeserializeSeed, MapAccess, Visitor};
    use std::borrow::Cow;
    use std::collections::BTreeMap;
    use std::fs::File;
    use std::path::Path;

    /// Rows decoded from one row group, before they join the table.
    #[derive(Debug, Default)]
    pub(super) struct Part {
        pub ids: Vec<Box<str>>,
        pub lang_names: Vec<String>,
        pub lang: Vec<u16>,
        pub lang_score: Vec<f32>,
        pub tokens: Vec<u32>,
        pub bytes: Vec<u32>,
        /// One value per row of the part (None: the row lacks the signal).
        pub columns: BTreeMap<String, Vec<Option<f64>>>,
        pub bad_rows: u64,
    }

    /// The columns read, in this order.
    const NEEDED: [&str; 5] = [
        columns::ID,
        columns::TEXT,
        columns::LANG,
        columns::LANG_SCORE,
        columns::SIGNALS,
    ];

    fn invalid(path: &Path, message: String) -> Error {
        garbell_shard::Error::InvalidShard {
            path: path.to_path_buf(),
            message,
        }
        .into()
    }

    fn parquet_err(path: &Path, e: parquet::errors::ParquetError) -> Error {
        garbell_shard::Error::Parquet {
            path: path.to_path_buf(),
            source: e,
        }
        .into()
    }

    fn builder(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, Error> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_err(path, e))
    }

    /// Number of row groups of a shard.
    pub(super) fn row_groups(path: &Path) -> Result<usize, Error> {
        Ok(builder(path)?.metadata().num_row_groups())
    }

    /// Decodes row group `rg` of a shard: only the needed columns, only rows of `lang`.
    pub(super) fn read_row_group(
        path: &Path,
        rg: usize,
        lang: Option<&str>,
    ) -> Result<Part, Error> {
        let b = builder(path)?;
        let schema = b.schema().clone();
        let mut roots = Vec::with_capacity(NEEDED.len());
        for name in NEEDED {
            let (i, _) = schema
                .column_with_name(name)
                .ok_or_else(|| invalid(path, format!("no column {name:?}")))?;
            roots.push(i);
        }
        let mask = ProjectionMask::roots(b.parquet_schema(), roots);
        let reader = b
            .with_projection(mask)
            .with_row_groups(vec![rg])
            .with_batch_size(8192)
            .build()
            .map_err(|e| parquet_err(path, e))?;
        let mut part = Part::default();
        let mut local: BTreeMap<String, u16> = BTreeMap::new();
        for batch in reader {
            let batch = batch.map_err(|e| parquet_err(path, e.into()))?;
            decode(path, &batch, lang, &mut part, &mut local)?;
        }
        Ok(part)
    }

    fn column<'a, T: 'static>(path: &Path, b: &'a RecordBatch, name: &str) -> Result<&'a T, Error> {
        b.column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<T>())
            .ok_or_else(|| invalid(path, format!("column {name:?} has the wrong type")))
    }

    fn decode(
        path: &Path,
        b: &RecordBatch,
        lang: Option<&str>,
        part: &mut Part,
        local: &mut BTreeMap<String, u16>,
    ) -> Result<(), Error> {
        let id = column::<StringArray>(path, b, columns::ID)?;
        let text = column::<StringArray>(path, b, columns::TEXT)?;
        let langs = column::<StringArray>(path, b, columns::LANG)?;
        let score = column::<Float32Array>(path, b, columns::LANG_SCORE)?;
        let signals = column::<StringArray>(path, b, columns::SIGNALS)?;
        let mut row_signals: Vec<(Cow<'_, str>, f64)> = Vec::new();
        for r in 0..b.num_rows() {
            if langs.is_null(r) {
                part.bad_rows += 1;
                continue;
            }
            let l = langs.value(r);
            if lang.is_some_and(|want| want != l) {
                continue;
            }
            if id.is_null(r) || text.is_null(r) || score.is_null(r) {
                part.bad_rows += 1;
                continue;
            }
            row_signals.clear();
            if signals.is_valid(r) {
                let mut de = serde_json::Deserializer::from_str(signals.value(r));
                if SignalsSeed(&mut row_signals).deserialize(&mut de).is_err() || de.end().is_err()
                {
                    part.bad_rows += 1;
                    continue;
                }
            }
            let row = part.ids.len();
            let li = match local.get(l) {
                Some(&i) => i,
                None => {
                    let i = u16::try_from(part.lang_names.len()).unwrap_or(u16::MAX);
                    part.lang_names.push(l.to_string());
                    local.insert(l.to_string(), i);
                    i
                }
            };
            let t = text.value(r);
            part.ids.push(id.value(r).into());
            part.lang.push(li);
            part.lang_score.push(score.value(r));
            part.tokens
                .push(u32::try_from(t.split_whitespace().count()).unwrap_or(u32::MAX));
            part.bytes.push(u32::try_from(t.len()).unwrap_or(u32::MAX));
            for (k, v) in row_signals.drain(..) {
                let col = match part.columns.get_mut(k.as_ref()) {
                    Some(c) => c,
                    None => part.columns.entry(k.into_owned()).or_default(),
                };
                col.resize(row, None);
                col.push(Some(v));
            }
        }
        let n = part.ids.len();
        for c in part.columns.values_mut() {
            c.resize(n, None);
        }
        Ok(())
    }

    /// Reads a JSON object of signals (`null` for a value that was not finite: NaN) into
    /// `(name, value)` pairs, borrowing names when they have no escapes.
    struct SignalsSeed<'v, 'de>(&'v mut Vec<(Cow<'de, str>, f64)>);

    struct Key<'de>(Cow<'de, str>);

    impl<'de> serde::Deserialize<'de> for Key<'de> {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a signal name")
                }
                fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Borrowed(v)))
                }
                fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(v.to_string())))
                }
            }
            d.deserialize_str(V)
        }
    }

    impl<'de> DeserializeSeed<'de> for SignalsSeed<'_, 'de> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for SignalsSeed<'_, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object of signals")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
            while let Some(Key(k)) = m.next_key::<Key<'de>>()? {
                let v: Option<f64> = m.next_value()?;
                self.0.push((k, v.unwrap_or(f64::NAN)));
            }
            Ok(())
        }
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
