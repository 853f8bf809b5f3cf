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

/// True when `v` is stored as `f32` without loss (NaN included: a missing value).
fn exact_f32(v: f64) -> bool {
    v.is_nan() || f64::from(v as f32).to_bits() == v.to_bits()
}

/// Appends the `src_len` bits of `src` to the `dst_len` bits of `dst` (bits past the lengths
/// are zero in both).
fn append_bits(dst: &mut Vec<u64>, dst_len: usize, src: &[u64], src_len: usize) {
    let need = (dst_len + src_len).div_ceil(64);
    let (start, shift) = (dst_len / 64, dst_len % 64);
    dst.resize(need, 0);
    for (i, &w) in src.iter().take(src_len.div_ceil(64)).enumerate() {
        if shift == 0 {
            dst[start + i] |= w;
        } else {
            dst[start + i] |= w << shift;
            if start + i + 1 < need {
                dst[start + i + 1] |= w >> (64 - shift);
            }
        }
    }
}

impl Column {
    fn new() -> Self {
        Column {
            data: ColumnData::F32(Vec::new()),
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
            ColumnData::F32(d) if exact_f32(v) => d.push(v as f32),
            ColumnData::F32(d) => {
                let mut wide: Vec<f64> = d.iter().map(|&x| f64::from(x)).collect();
                wide.push(v);
                self.data = ColumnData::F64(wide);
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

    /// Appends the rows of `other` (widening to `f64` when either side needs it).
    fn append(&mut self, other: Column) {
        append_bits(&mut self.present, self.len, &other.present, other.len);
        let wide = match (&mut self.data, other.data) {
            (ColumnData::F32(a), ColumnData::F32(b)) => {
                a.extend_from_slice(&b);
                None
            }
            (ColumnData::F64(a), ColumnData::F64(b)) => {
                a.extend_from_slice(&b);
                None
            }
            (ColumnData::F64(a), ColumnData::F32(b)) => {
                a.extend(b.iter().map(|&x| f64::from(x)));
                None
            }
            (ColumnData::F32(a), ColumnData::F64(b)) => {
                let mut w: Vec<f64> = a.iter().map(|&x| f64::from(x)).collect();
                w.extend_from_slice(&b);
                Some(w)
            }
        };
        if let Some(w) = wide {
            self.data = ColumnData::F64(w);
        }
        self.len += other.len;
    }

    /// Stores the values as `f32` when that loses nothing.
    fn compact(&mut self) {
        if let ColumnData::F64(d) = &self.data {
            if d.iter().all(|&v| exact_f32(v)) {
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

/// Where a loaded row comes from: no file for rows pushed by hand.
const NO_FILE: u32 = u32::MAX;

/// The signals, language, LID score and size of each stored document, one compact array per
/// field. Built once (from shards or documents), then evaluated many times.
///
/// Tokens are estimated as whitespace-separated words of the text ([`crate::TOKEN_ESTIMATE`]):
/// the `text_words` signal that annotate-only quality steps store
/// ([`garbell_quality::TEXT_WORDS`], with [`garbell_quality::TEXT_BYTES`] for the size), so the
/// text itself is only read for documents that lack them (shards of older or normal runs).
/// These two are the document's size, not signals of a filter: they are not among the table's
/// columns.
#[derive(Debug, Clone, Default)]
pub struct SignalTable {
    /// Every id, one after the other; `id_ends[r]` is where row `r`'s ends.
    id_text: String,
    id_ends: Vec<usize>,
    lang_names: Vec<String>,
    lang: Vec<u16>,
    lang_score: Vec<f32>,
    tokens: Vec<u32>,
    bytes: Vec<u32>,
    columns: BTreeMap<String, Column>,
    /// The shards loaded, and per row (index into `files`, row in that file).
    files: Vec<PathBuf>,
    places: Vec<(u32, u32)>,
    bad_rows: u64,
}

/// The token estimate and size of a document: its stored `text_words` / `text_bytes` signals,
/// else counted on `text`.
fn size_of(words: Option<f64>, bytes: Option<f64>, text: &str) -> (u32, u32) {
    // `as` saturates (and maps NaN to 0): a stored count is never out of range.
    let w = words.map_or_else(
        || u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX),
        |w| w as u32,
    );
    let b = bytes.map_or_else(
        || u32::try_from(text.len()).unwrap_or(u32::MAX),
        |b| b as u32,
    );
    (w, b)
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

    /// Appends one document's id, language, score, size and signals, as loading its shard row
    /// would: tokens and bytes from its `text_words` / `text_bytes` signals when it has them
    /// (else counted on its text), which are not stored as columns.
    pub fn push_document(&mut self, doc: &Document) {
        let get = |k: &str| doc.signals.get(k).copied();
        let (tokens, bytes) = size_of(
            get(garbell_quality::TEXT_WORDS),
            get(garbell_quality::TEXT_BYTES),
            &doc.text,
        );
        self.push_row(
            &doc.id,
            &doc.lang,
            doc.lang_score,
            tokens as usize,
            bytes as usize,
            doc.signals
                .iter()
                .filter(|(k, _)| !is_size_signal(k))
                .map(|(k, v)| (k.as_str(), *v)),
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
        self.id_text.push_str(id);
        self.id_ends.push(self.id_text.len());
        self.lang.push(u16::try_from(li).unwrap_or(u16::MAX));
        self.lang_score.push(lang_score);
        self.tokens.push(u32::try_from(tokens).unwrap_or(u32::MAX));
        self.bytes.push(u32::try_from(bytes).unwrap_or(u32::MAX));
        self.places.push((NO_FILE, 0));
        for (k, v) in signals {
            let col = match self.columns.get_mut(k) {
                Some(c) => c,
                None => {
                    let mut c = Column::new();
                    c.push_missing(row);
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
    /// Reads only the columns the table needs: `id`, `lang`, `lang_score` and the `signals`
    /// JSON (parsed in place, names borrowed, numbers with the standard library's correctly
    /// rounded parser), never `meta`, `url` or the origin columns, and `text` only for a row
    /// group that has rows without the `text_words` / `text_bytes` signals. With `lang`, rows
    /// of other languages are skipped before their signals are looked at. Each file's footer is
    /// read once; row groups are decoded in parallel (rayon) into columnar parts and appended in
    /// file and row-group order, so the table is the same whatever the thread count. A row that
    /// cannot be decoded (a null in a non-null column, signals that are not a JSON object of
    /// numbers) is counted in [`SignalTable::bad_rows`] and skipped; a file that is not a shard
    /// stops the load.
    pub fn load(paths: &[PathBuf], lang: Option<&str>) -> Result<SignalTable, Error> {
        use rayon::prelude::*;
        let files = shard_files(paths)?;
        let mut tasks = Vec::new();
        for (fi, file) in files.iter().enumerate() {
            let meta = loader::metadata(file)?;
            let mut start = 0u64;
            for rg in 0..meta.metadata().num_row_groups() {
                tasks.push((fi, rg, start, meta.clone()));
                let rows = meta.metadata().row_group(rg).num_rows();
                start += u64::try_from(rows).unwrap_or(0);
            }
        }
        let mut t = SignalTable::new();
        // Bounded memory: decode a few row groups per thread ahead, then append them in order.
        let window = rayon::current_num_threads().max(1) * 2;
        for chunk in tasks.chunks(window) {
            let parts = chunk
                .par_iter()
                .map(|(fi, rg, start, meta)| {
                    loader::read_row_group(&files[*fi], meta, *rg, *start, lang)
                })
                .collect::<Result<Vec<_>, Error>>()?;
            for (part, (fi, ..)) in parts.into_iter().zip(chunk) {
                t.append(part, u32::try_from(*fi).unwrap_or(NO_FILE));
            }
        }
        t.files = files;
        t.compact();
        Ok(t)
    }

    /// Appends the rows of one decoded row group of file `file`.
    fn append(&mut self, part: loader::Part, file: u32) {
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
        let off = self.id_text.len();
        self.id_text.push_str(&part.id_text);
        self.id_ends.extend(part.id_ends.iter().map(|e| e + off));
        self.lang
            .extend(part.lang.iter().map(|&l| local[usize::from(l)]));
        self.lang_score.extend(part.lang_score);
        self.tokens.extend(part.tokens);
        self.bytes.extend(part.bytes);
        self.places.extend(part.rows.iter().map(|&r| (file, r)));
        self.bad_rows += part.bad_rows;
        let end = self.len();
        for (name, values) in part.columns {
            match self.columns.get_mut(&name) {
                Some(c) => {
                    let missing = base - c.len;
                    c.push_missing(missing);
                    c.append(values);
                }
                None => {
                    let mut c = Column::new();
                    c.push_missing(base);
                    c.append(values);
                    self.columns.insert(name, c);
                }
            }
        }
        for c in self.columns.values_mut() {
            let missing = end - c.len;
            c.push_missing(missing);
        }
    }

    /// The id of `row`.
    pub fn id(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.id_ends[row - 1] };
        &self.id_text[start..self.id_ends[row]]
    }

    /// The shard and row (0-based, in that file) `row` was loaded from; `None` for rows pushed
    /// by hand.
    pub fn place(&self, row: usize) -> Option<(&Path, u64)> {
        let (f, r) = *self.places.get(row)?;
        let file = self.files.get(usize::try_from(f).ok()?)?;
        Some((file.as_path(), u64::from(r)))
    }

    /// The language code of `row`.
    pub fn lang(&self, row: usize) -> &str {
        &self.lang_names[usize::from(self.lang[row])]
    }

    /// The index of `row`'s language in [`SignalTable::langs`].
    pub(crate) fn lang_index(&self, row: usize) -> usize {
        usize::from(self.lang[row])
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
        self.len() * (2 + 4 + 4 + 4 + 8 + 8)
            + self.id_text.len()
            + self.columns.values().map(Column::heap_bytes).sum::<usize>()
    }
}

/// The document-size signals that are not columns of the table.
fn is_size_signal(name: &str) -> bool {
    name == garbell_quality::TEXT_WORDS || name == garbell_quality::TEXT_BYTES
}

/// `(id, text)` of rows of shards, by `(file, row in file)`.
pub(crate) type Texts = BTreeMap<(PathBuf, u64), (String, String)>;

/// Reads the id and the text of some rows of shards (the sample documents of a report): per
/// file, only the row groups that hold them, only the `id` and `text` columns. `rows` are
/// `(file, row in file)` as [`SignalTable::place`] gives them; the result maps each one found
/// to `(id, text)`.
pub(crate) fn read_texts(rows: &[(PathBuf, u64)]) -> Result<Texts, Error> {
    let mut by_file: BTreeMap<&Path, Vec<u64>> = BTreeMap::new();
    for (f, r) in rows {
        by_file.entry(f.as_path()).or_default().push(*r);
    }
    let mut out = BTreeMap::new();
    for (file, mut want) in by_file {
        want.sort_unstable();
        want.dedup();
        for (r, id, text) in loader::read_rows(file, &want)? {
            out.insert((file.to_path_buf(), r), (id, text));
        }
    }
    Ok(out)
}

/// Column-projected reading of shard row groups.
mod loader {
    use super::{is_size_signal, size_of, Column};
    use crate::Error;
    use arrow_array::{Array, Float32Array, RecordBatch, StringArray};
    use garbell_shard::columns;
    use parquet::arrow::arrow_reader::{
        ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
        RowSelector,
    };
    use parquet::arrow::ProjectionMask;
    use serde::de::{DeserializeSeed, MapAccess, Visitor};
    use serde_json::value::RawValue;
    use std::borrow::Cow;
    use std::collections::HashMap;
    use std::fs::File;
    use std::path::Path;

    /// Rows decoded from one row group, before they join the table.
    #[derive(Debug, Default)]
    pub(super) struct Part {
        pub id_text: String,
        pub id_ends: Vec<usize>,
        pub lang_names: Vec<String>,
        pub lang: Vec<u16>,
        pub lang_score: Vec<f32>,
        pub tokens: Vec<u32>,
        pub bytes: Vec<u32>,
        /// Row of each in its file.
        pub rows: Vec<u32>,
        /// The signals, in order of first appearance, each as long as the part.
        pub columns: Vec<(String, Column)>,
        pub bad_rows: u64,
    }

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

    /// The footer of a shard (read once per file, shared by its row groups' readers).
    pub(super) fn metadata(path: &Path) -> Result<ArrowReaderMetadata, Error> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| parquet_err(path, e))
    }

    fn builder(
        path: &Path,
        meta: &ArrowReaderMetadata,
        names: &[&str],
    ) -> Result<ParquetRecordBatchReaderBuilder<File>, Error> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let b = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone());
        let schema = b.schema().clone();
        let mut roots = Vec::with_capacity(names.len());
        for name in names {
            let (i, _) = schema
                .column_with_name(name)
                .ok_or_else(|| invalid(path, format!("no column {name:?}")))?;
            roots.push(i);
        }
        let mask = ProjectionMask::roots(b.parquet_schema(), roots);
        Ok(b.with_projection(mask).with_batch_size(8192))
    }

    /// Decodes row group `rg` of a shard (whose first row is row `start` of the file): only the
    /// needed columns, only rows of `lang`. The text is read only when a row lacks its size
    /// signals.
    pub(super) fn read_row_group(
        path: &Path,
        meta: &ArrowReaderMetadata,
        rg: usize,
        start: u64,
        lang: Option<&str>,
    ) -> Result<Part, Error> {
        if let Some(part) = decode_row_group(path, meta, rg, start, lang, false)? {
            return Ok(part);
        }
        decode_row_group(path, meta, rg, start, lang, true)?
            .ok_or_else(|| invalid(path, "text column not read".into()))
    }

    /// `None` when a row needs its text and `with_text` is false.
    fn decode_row_group(
        path: &Path,
        meta: &ArrowReaderMetadata,
        rg: usize,
        start: u64,
        lang: Option<&str>,
        with_text: bool,
    ) -> Result<Option<Part>, Error> {
        let mut names = vec![
            columns::ID,
            columns::LANG,
            columns::LANG_SCORE,
            columns::SIGNALS,
        ];
        if with_text {
            names.push(columns::TEXT);
        }
        let reader = builder(path, meta, &names)?
            .with_row_groups(vec![rg])
            .build()
            .map_err(|e| parquet_err(path, e))?;
        let mut d = Decoder {
            part: Part::default(),
            langs: HashMap::new(),
            names: HashMap::new(),
            hint: Vec::new(),
            next_row: start,
        };
        for batch in reader {
            let batch = batch.map_err(|e| parquet_err(path, e.into()))?;
            if !d.decode(path, &batch, lang, with_text)? {
                return Ok(None);
            }
        }
        let n = d.part.lang.len();
        for (_, c) in &mut d.part.columns {
            let missing = n - c.len;
            c.push_missing(missing);
            c.compact();
        }
        Ok(Some(d.part))
    }

    fn column<'a, T: 'static>(path: &Path, b: &'a RecordBatch, name: &str) -> Result<&'a T, Error> {
        b.column_by_name(name)
            .and_then(|c| c.as_any().downcast_ref::<T>())
            .ok_or_else(|| invalid(path, format!("column {name:?} has the wrong type")))
    }

    struct Decoder {
        part: Part,
        /// Language code -> index in `part.lang_names`.
        langs: HashMap<String, u16>,
        /// Signal name -> index in `part.columns`.
        names: HashMap<String, usize>,
        /// The column of the k-th signal of the previous row (rows list them in the same order).
        hint: Vec<usize>,
        /// Row of the file the next batch starts at.
        next_row: u64,
    }

    impl Decoder {
        /// Decodes one batch; false when a row needs the text, which was not read.
        fn decode(
            &mut self,
            path: &Path,
            b: &RecordBatch,
            lang: Option<&str>,
            with_text: bool,
        ) -> Result<bool, Error> {
            let id = column::<StringArray>(path, b, columns::ID)?;
            let langs = column::<StringArray>(path, b, columns::LANG)?;
            let score = column::<Float32Array>(path, b, columns::LANG_SCORE)?;
            let signals = column::<StringArray>(path, b, columns::SIGNALS)?;
            let text = if with_text {
                Some(column::<StringArray>(path, b, columns::TEXT)?)
            } else {
                None
            };
            let first = self.next_row;
            self.next_row += b.num_rows() as u64;
            // Names borrowed from this batch live only while it is decoded.
            let mut row_signals: Vec<(Cow<'_, str>, f64)> = Vec::with_capacity(64);
            for r in 0..b.num_rows() {
                if langs.is_null(r) {
                    self.part.bad_rows += 1;
                    continue;
                }
                let l = langs.value(r);
                if lang.is_some_and(|want| want != l) {
                    continue;
                }
                if id.is_null(r) || score.is_null(r) || text.is_some_and(|t| t.is_null(r)) {
                    self.part.bad_rows += 1;
                    continue;
                }
                row_signals.clear();
                if signals.is_valid(r) && parse_signals(signals.value(r), &mut row_signals).is_err()
                {
                    self.part.bad_rows += 1;
                    continue;
                }
                let mut words = None;
                let mut size = None;
                for (k, v) in &row_signals {
                    if k == garbell_quality::TEXT_WORDS {
                        words = Some(*v);
                    } else if k == garbell_quality::TEXT_BYTES {
                        size = Some(*v);
                    }
                }
                let (tokens, bytes) = match (words, size, text) {
                    (Some(_), Some(_), _) => size_of(words, size, ""),
                    (_, _, Some(t)) => size_of(words, size, t.value(r)),
                    (_, _, None) => return Ok(false),
                };
                let row = self.part.lang.len();
                let li = match self.langs.get(l) {
                    Some(&i) => i,
                    None => {
                        let i = u16::try_from(self.part.lang_names.len()).unwrap_or(u16::MAX);
                        self.part.lang_names.push(l.to_string());
                        self.langs.insert(l.to_string(), i);
                        i
                    }
                };
                self.part.id_text.push_str(id.value(r));
                self.part.id_ends.push(self.part.id_text.len());
                self.part.lang.push(li);
                self.part.lang_score.push(score.value(r));
                self.part.tokens.push(tokens);
                self.part.bytes.push(bytes);
                let at = first + r as u64;
                self.part.rows.push(u32::try_from(at).unwrap_or(u32::MAX));
                for (k, (name, v)) in row_signals
                    .iter()
                    .filter(|(n, _)| !is_size_signal(n))
                    .enumerate()
                {
                    let hinted = self
                        .hint
                        .get(k)
                        .copied()
                        .filter(|&c| self.part.columns[c].0 == name.as_ref());
                    let c = match hinted {
                        Some(c) => c,
                        None => {
                            let c = match self.names.get(name.as_ref()) {
                                Some(&c) => c,
                                None => {
                                    let c = self.part.columns.len();
                                    self.part.columns.push((name.to_string(), Column::new()));
                                    self.names.insert(name.to_string(), c);
                                    c
                                }
                            };
                            if k < self.hint.len() {
                                self.hint[k] = c;
                            } else {
                                self.hint.push(c);
                            }
                            c
                        }
                    };
                    let col = &mut self.part.columns[c].1;
                    if col.len <= row {
                        // A name repeated in one object: the first value counts.
                        let missing = row - col.len;
                        col.push_missing(missing);
                        col.push(Some(*v));
                    }
                }
            }
            Ok(true)
        }
    }

    /// A JSON number (RFC 8259 grammar) as the closest `f64` (the standard library's parser
    /// is correctly rounded, so values written by serde_json's shortest representation come
    /// back bit for bit); `null` is NaN (serde_json writes non-finite values as `null`).
    fn json_number(raw: &str) -> Option<f64> {
        if raw == "null" {
            return Some(f64::NAN);
        }
        let b = raw.as_bytes();
        let mut i = usize::from(b.first() == Some(&b'-'));
        let digits = |i: &mut usize| {
            let s = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > s
        };
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
        }
        if i != b.len() {
            return None;
        }
        raw.parse::<f64>().ok().filter(|v| v.is_finite())
    }

    /// Parses a JSON object of signals (`{"name": number or null, ...}`) into `(name, value)`
    /// pairs. Names without escapes are borrowed and scanned in place; an object with an
    /// escaped name goes through serde_json.
    pub(super) fn parse_signals<'a>(
        s: &'a str,
        out: &mut Vec<(Cow<'a, str>, f64)>,
    ) -> Result<(), ()> {
        match parse_flat(s, out) {
            Some(()) => Ok(()),
            None => {
                out.clear();
                let mut de = serde_json::Deserializer::from_str(s);
                SignalsSeed(out).deserialize(&mut de).map_err(drop)?;
                de.end().map_err(drop)
            }
        }
    }

    fn parse_flat<'a>(s: &'a str, out: &mut Vec<(Cow<'a, str>, f64)>) -> Option<()> {
        let b = s.as_bytes();
        let mut i = 0;
        let ws = |i: &mut usize| {
            while b
                .get(*i)
                .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
            {
                *i += 1;
            }
        };
        ws(&mut i);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i += 1;
        ws(&mut i);
        if b.get(i) == Some(&b'}') {
            i += 1;
        } else {
            loop {
                if b.get(i) != Some(&b'"') {
                    return None;
                }
                let ks = i + 1;
                let mut j = ks;
                loop {
                    match b.get(j)? {
                        b'"' => break,
                        // Escapes and control characters: serde_json decides.
                        b'\\' | 0..=0x1f => return None,
                        _ => j += 1,
                    }
                }
                let key = s.get(ks..j)?;
                i = j + 1;
                ws(&mut i);
                if b.get(i) != Some(&b':') {
                    return None;
                }
                i += 1;
                ws(&mut i);
                let vs = i;
                while b
                    .get(i)
                    .is_some_and(|c| !matches!(c, b',' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
                {
                    i += 1;
                }
                let v = json_number(s.get(vs..i)?)?;
                out.push((Cow::Borrowed(key), v));
                ws(&mut i);
                match b.get(i)? {
                    b',' => {
                        i += 1;
                        ws(&mut i);
                    }
                    b'}' => {
                        i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        ws(&mut i);
        (i == b.len()).then_some(())
    }

    /// Reads a JSON object of signals through serde_json (names with escapes); values are
    /// parsed by [`json_number`], as in the fast path.
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
                let raw: &'de RawValue = m.next_value()?;
                let v = json_number(raw.get().trim())
                    .ok_or_else(|| serde::de::Error::custom("a signal is not a number"))?;
                self.0.push((k, v));
            }
            Ok(())
        }
    }

    /// `(row, id, text)` of the rows `want` (sorted, distinct) of a shard: only the row groups
    /// that hold them, only the `id` and `text` columns, only those rows decoded.
    pub(super) fn read_rows(
        path: &Path,
        want: &[u64],
    ) -> Result<Vec<(u64, String, String)>, Error> {
        let meta = metadata(path)?;
        let mut groups = Vec::new();
        let mut selectors = Vec::new();
        let mut rows = Vec::new();
        let mut start = 0u64;
        let mut w = want.iter().copied().peekable();
        for rg in 0..meta.metadata().num_row_groups() {
            let n = u64::try_from(meta.metadata().row_group(rg).num_rows()).unwrap_or(0);
            let mut at = start;
            let mut any = false;
            let mut sel = Vec::new();
            while let Some(r) = w.next_if(|&r| r < start + n) {
                if r < at {
                    continue;
                }
                sel.push(RowSelector::skip((r - at) as usize));
                sel.push(RowSelector::select(1));
                rows.push(r);
                at = r + 1;
                any = true;
            }
            if any {
                sel.push(RowSelector::skip((start + n - at) as usize));
                groups.push(rg);
                selectors.extend(sel);
            }
            start += n;
        }
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let reader = builder(path, &meta, &[columns::ID, columns::TEXT])?
            .with_row_groups(groups)
            .with_row_selection(RowSelection::from(selectors))
            .build()
            .map_err(|e| parquet_err(path, e))?;
        let mut out = Vec::with_capacity(rows.len());
        let mut next = rows.into_iter();
        for batch in reader {
            let batch = batch.map_err(|e| parquet_err(path, e.into()))?;
            let id = column::<StringArray>(path, &batch, columns::ID)?;
            let text = column::<StringArray>(path, &batch, columns::TEXT)?;
            for r in 0..batch.num_rows() {
                let Some(row) = next.next() else { break };
                if id.is_valid(r) && text.is_valid(r) {
                    out.push((row, id.value(r).to_string(), text.value(r).to_string()));
                }
            }
        }
        Ok(out)
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
