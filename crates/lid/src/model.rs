//! Model loading and prediction.

use crate::aligned::CacheAligned;
use crate::dict::{
    bracket, fnv_push, same_bytes, Dictionary, EntryType, EOS, FNV_INIT, LABEL_PREFIX,
};
use crate::topk;
use crate::Error;
use std::cell::RefCell;
use std::path::Path;

const MAGIC: i32 = 793_712_314;
const KSUB: usize = 256;
/// Widest sub-quantizer accepted (fastText's `quantize` uses 2 by default). Bounds how much a
/// quantized matrix expands at load time: at most `4 * MAX_DSUB` bytes of floats per code byte.
const MAX_DSUB: usize = 64;
/// Label counts of a hierarchical-softmax model must add up to less than this (the tree
/// builder's sentinel count, as in the reference).
const MAX_COUNT_SUM: i64 = 1_000_000_000_000_000;

/// The loss a supervised model was trained with; it decides how labels are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Hierarchical softmax (`lid.176`).
    HierarchicalSoftmax,
    /// Negative sampling: scored with independent sigmoids, like one-vs-all.
    NegativeSampling,
    /// Softmax.
    Softmax,
    /// One-vs-all: independent sigmoids.
    OneVsAll,
}

/// One predicted label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Index into [`Model::labels`].
    pub label: usize,
    /// Probability as the reference reports it (`exp(log(p + 1e-5))`, so it may exceed 1 by 1e-5).
    pub prob: f32,
}

/// Output matrix rows and their per-row scale (1 unless the output was quantized with norms).
struct Output {
    rows: Vec<f32>,
    scale: Vec<f32>,
    quantized: bool,
}

/// A node of the hierarchical-softmax tree.
#[derive(Clone, Copy)]
struct Node {
    left: i32,
    right: i32,
    count: i64,
}

/// A loaded fastText supervised model. `Send + Sync`: share one across threads.
pub struct Model {
    /// Process-unique id: keys this model's entries in the per-thread caches.
    id: u64,
    dim: usize,
    word_ngrams: usize,
    loss: Loss,
    dict: Dictionary,
    /// Dense input rows (quantized models are expanded once at load time; the expansion is
    /// exact because the reference adds `norm * centroid` element by element). Decoding the
    /// 8-byte codes per row on the fly instead (0.4 MB of codes against 3.2 MB of floats for
    /// lid.176) was measured slower on this machine: the expanded rows stay in the cache enough.
    /// Each row starts a cache line when `dim` is a multiple of 16 (lid.176's is).
    input: CacheAligned,
    output: Output,
    labels: Vec<String>,
    tree: Vec<Node>,
    sigmoid: SigmoidTable,
}

/// The reference's sigmoid lookup table, used for one-vs-all and negative-sampling outputs.
struct SigmoidTable(Vec<f32>);

const SIGMOID_TABLE_SIZE: i64 = 512;
const MAX_SIGMOID: i64 = 8;

impl SigmoidTable {
    fn new() -> Self {
        SigmoidTable(
            (0..=SIGMOID_TABLE_SIZE)
                .map(|i| {
                    let x = (i * 2 * MAX_SIGMOID) as f32 / SIGMOID_TABLE_SIZE as f32
                        - MAX_SIGMOID as f32;
                    (1.0f64 / (1.0f64 + (-x).exp() as f64)) as f32
                })
                .collect(),
        )
    }
    fn get(&self, x: f32) -> f32 {
        if x < -(MAX_SIGMOID as f32) {
            0.0
        } else if x > MAX_SIGMOID as f32 {
            1.0
        } else {
            let i = ((x + MAX_SIGMOID as f32) * SIGMOID_TABLE_SIZE as f32
                / MAX_SIGMOID as f32
                / 2.0) as usize;
            self.0[i.min(SIGMOID_TABLE_SIZE as usize)]
        }
    }
}

/// Little-endian reader over the model bytes.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| {
                Error::Format(format!("truncated at byte {} (wanted {n} more)", self.pos))
            })?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn i32(&mut self) -> Result<i32, Error> {
        let s = self.take(4)?;
        Ok(i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn i64(&mut self) -> Result<i64, Error> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(i64::from_le_bytes(a))
    }
    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }
    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, Error> {
        let bytes = n
            .checked_mul(4)
            .ok_or_else(|| Error::Format("matrix too large".into()))?;
        let s = self.take(bytes)?;
        Ok(s.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    /// Bytes not read yet.
    fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }
    /// Fails unless `count` items of at least `each` bytes fit in the bytes left: called
    /// before anything is allocated for a count read from the file.
    fn fits(&self, count: usize, each: usize, what: &str) -> Result<(), Error> {
        match count.checked_mul(each) {
            Some(n) if n <= self.remaining() => Ok(()),
            _ => Err(Error::Format(format!(
                "{what}: {count} entries of at least {each} bytes do not fit in the {} bytes left \
                 at byte {} (the file is {} bytes)",
                self.remaining(),
                self.pos,
                self.b.len()
            ))),
        }
    }
    fn cstr(&mut self) -> Result<&'a [u8], Error> {
        let rest = &self.b[self.pos..];
        let n = rest
            .iter()
            .position(|&c| c == 0)
            .ok_or_else(|| Error::Format("unterminated dictionary word".into()))?;
        self.pos += n + 1;
        Ok(&rest[..n])
    }
}

fn usize_of(v: i64, what: &str) -> Result<usize, Error> {
    usize::try_from(v).map_err(|_| Error::Format(format!("negative {what}: {v}")))
}

/// A product quantizer: `nsubq` sub-quantizers of 256 centroids each.
struct Pq {
    nsubq: usize,
    dsub: usize,
    lastdsub: usize,
    centroids: Vec<f32>,
}

impl Pq {
    fn load(r: &mut Reader<'_>) -> Result<Pq, Error> {
        let dim = usize_of(r.i32()? as i64, "pq dim")?;
        let nsubq = usize_of(r.i32()? as i64, "pq nsubq")?;
        let dsub = usize_of(r.i32()? as i64, "pq dsub")?;
        let lastdsub = usize_of(r.i32()? as i64, "pq lastdsub")?;
        if nsubq == 0
            || dsub == 0
            || lastdsub == 0
            || lastdsub > dsub
            || dsub > MAX_DSUB
            || (nsubq - 1)
                .checked_mul(dsub)
                .and_then(|x| x.checked_add(lastdsub))
                != Some(dim)
        {
            return Err(Error::Format(format!(
                "inconsistent product quantizer (dim {dim}, nsubq {nsubq}, dsub {dsub}, lastdsub {lastdsub})"
            )));
        }
        r.fits(dim, KSUB * 4, "product quantizer centroids")?;
        let centroids = r.f32s(dim * KSUB)?;
        Ok(Pq {
            nsubq,
            dsub,
            lastdsub,
            centroids,
        })
    }
    fn centroid(&self, m: usize, code: u8) -> &[f32] {
        let i = code as usize;
        if m == self.nsubq - 1 {
            let s = m * KSUB * self.dsub + i * self.lastdsub;
            &self.centroids[s..s + self.lastdsub]
        } else {
            let s = (m * KSUB + i) * self.dsub;
            &self.centroids[s..s + self.dsub]
        }
    }
}

/// A matrix as stored: dense, or product-quantized codes with optional norm quantization, of
/// width `dim` (from the header). Returned as (rows, per-row scale, n); for dense, the scale is 1.
/// Every size is checked against the bytes left before anything is allocated.
fn load_matrix(
    r: &mut Reader<'_>,
    quant: bool,
    dim: usize,
) -> Result<(Vec<f32>, Vec<f32>, usize), Error> {
    if !quant {
        let m = usize_of(r.i64()?, "rows")?;
        let n = usize_of(r.i64()?, "cols")?;
        if n != dim {
            return Err(Error::Format(format!(
                "matrix width {n} differs from dim {dim}"
            )));
        }
        r.fits(m, n * 4, "dense matrix rows")?;
        let data = r.f32s(m * n)?;
        return Ok((data, vec![1.0; m], n));
    }
    let qnorm = r.u8()? != 0;
    let m = usize_of(r.i64()?, "rows")?;
    let n = usize_of(r.i64()?, "cols")?;
    if n != dim {
        return Err(Error::Format(format!(
            "matrix width {n} differs from dim {dim}"
        )));
    }
    let codesize = usize_of(r.i32()? as i64, "codesize")?;
    let codes = r.take(codesize)?;
    let pq = Pq::load(r)?;
    if pq.nsubq.checked_mul(m) != Some(codesize) || (pq.nsubq - 1) * pq.dsub + pq.lastdsub != n {
        return Err(Error::Format("code size does not match the matrix".into()));
    }
    // m * n <= codesize * MAX_DSUB (each code byte stands for at most MAX_DSUB values).
    let cells = m
        .checked_mul(n)
        .ok_or_else(|| Error::Format("matrix too large".into()))?;
    if qnorm {
        r.fits(m, 1, "norm codes")?;
    }
    let mut scale = vec![1.0f32; m];
    if qnorm {
        let norm_codes = r.take(m)?;
        let npq = Pq::load(r)?;
        for (s, &c) in scale.iter_mut().zip(norm_codes) {
            *s = npq.centroid(0, c)[0];
        }
    }
    // Unscaled centroid values per row; callers apply the scale as the reference does.
    let mut data = vec![0f32; cells];
    for t in 0..m {
        let code = &codes[pq.nsubq * t..pq.nsubq * (t + 1)];
        for (mi, &c) in code.iter().enumerate() {
            let cent = pq.centroid(mi, c);
            let base = t * n + mi * pq.dsub;
            data[base..base + cent.len()].copy_from_slice(cent);
        }
    }
    Ok((data, scale, n))
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[derive(Default)]
struct Scratch {
    word: Vec<u8>,
    hashes: Vec<u32>,
    hidden: Vec<f32>,
    out: Vec<f32>,
    oov: OovCache,
}

/// Distinguishes models in the per-thread caches (a thread may use several).
static NEXT_MODEL_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Per-thread memo of the character n-gram rows of out-of-vocabulary tokens. An OOV token costs
/// one FNV hash per character n-gram plus a prune-table lookup for each; text repeats its words
/// (Zipf), so most tokens are found here instead. The rows are the ones the dictionary gives and
/// are added in the same order, so predictions are unchanged. Bounded: it is emptied when it
/// holds `OOV_MAX_WORDS` tokens or `OOV_MAX_ROWS` rows.
#[derive(Default)]
struct OovCache {
    /// the model the entries belong to (0: none yet)
    model: u64,
    /// open addressing: entry index + 1, 0 = empty; `2 * OOV_MAX_WORDS` slots
    slots: Vec<u32>,
    /// (token hash, token start, token length, rows start, rows length)
    entries: Vec<(u32, u32, u32, u32, u32)>,
    bytes: Vec<u8>,
    rows: Vec<u32>,
}

const OOV_MAX_WORDS: usize = 1 << 14;
const OOV_MAX_ROWS: usize = 1 << 19;
/// Longer tokens (URLs, base64) are rarely repeated: not memoized.
const OOV_MAX_TOKEN: usize = 64;

impl OovCache {
    fn reset(&mut self, model: u64) {
        self.model = model;
        self.slots.clear();
        self.slots.resize(2 * OOV_MAX_WORDS, 0);
        self.entries.clear();
        self.bytes.clear();
        self.rows.clear();
    }

    /// The rows of `tok` (hash `h`), computing and remembering them on a miss.
    fn rows(
        &mut self,
        model: u64,
        d: &Dictionary,
        tok: &[u8],
        h: u32,
        word: &mut Vec<u8>,
    ) -> (usize, usize) {
        if self.model != model || self.slots.is_empty() {
            self.reset(model);
        }
        let mask = self.slots.len() - 1;
        let mut slot = h as usize & mask;
        loop {
            let e = self.slots[slot];
            if e == 0 {
                break;
            }
            let (eh, ws, wl, rs, rl) = self.entries[(e - 1) as usize];
            if eh == h && same_bytes(&self.bytes[ws as usize..(ws + wl) as usize], tok) {
                return (rs as usize, rl as usize);
            }
            slot = (slot + 1) & mask;
        }
        if self.entries.len() >= OOV_MAX_WORDS || self.rows.len() >= OOV_MAX_ROWS {
            self.reset(model);
            slot = h as usize & mask;
        }
        bracket(word, tok);
        let start = self.rows.len();
        let rows = &mut self.rows;
        d.char_ngrams(word, |r| rows.push(r));
        let len = self.rows.len() - start;
        self.entries.push((
            h,
            self.bytes.len() as u32,
            tok.len() as u32,
            start as u32,
            len as u32,
        ));
        self.bytes.extend_from_slice(tok);
        self.slots[slot] = self.entries.len() as u32;
        (start, len)
    }
}

impl Model {
    /// The embedded `lid.176.ftz` model.
    pub fn embedded_lid176() -> Result<Model, Error> {
        Model::from_bytes(crate::LID176_FTZ)
    }

    /// Loads a model file (`.bin` or `.ftz`). A malformed file is an [`Error::Format`] naming
    /// the file ("invalid fastText model: <path>: ...").
    pub fn load(path: &Path) -> Result<Model, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        Model::from_bytes(&bytes).map_err(|e| match e {
            Error::Format(m) => Error::Format(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Parses a model from its bytes. Every count and size read from the header is checked
    /// against the bytes that follow before anything is allocated for it, so a malformed or
    /// hostile file is an [`Error::Format`], never a huge allocation or a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, Error> {
        let mut r = Reader { b: bytes, pos: 0 };
        if r.i32()? != MAGIC {
            return Err(Error::Format(
                "not a fastText model (bad magic number)".into(),
            ));
        }
        let version = r.i32()?;
        if !(11..=12).contains(&version) {
            return Err(Error::Format(format!(
                "unsupported fastText model version {version}"
            )));
        }
        let dim = usize_of(r.i32()? as i64, "dim")?;
        if dim == 0 {
            return Err(Error::Format("dim is 0".into()));
        }
        let _ws = r.i32()?;
        let _epoch = r.i32()?;
        let _min_count = r.i32()?;
        let _neg = r.i32()?;
        let word_ngrams = usize_of(r.i32()? as i64, "wordNgrams")?;
        let loss = match r.i32()? {
            1 => Loss::HierarchicalSoftmax,
            2 => Loss::NegativeSampling,
            3 => Loss::Softmax,
            4 => Loss::OneVsAll,
            l => return Err(Error::Format(format!("unknown loss {l}"))),
        };
        if r.i32()? != 3 {
            return Err(Error::Format("not a supervised model".into()));
        }
        let bucket = r.i32()?;
        let minn = usize_of(r.i32()? as i64, "minn")?;
        let mut maxn = usize_of(r.i32()? as i64, "maxn")?;
        let _lr_update_rate = r.i32()?;
        let _t = r.i64()?;
        if version == 11 {
            maxn = 0; // old supervised models did not use character n-grams
        }
        if bucket < 0 || (bucket == 0 && (maxn > 0 || word_ngrams > 1)) {
            return Err(Error::Format(format!("invalid bucket count {bucket}")));
        }

        let size = usize_of(r.i32()? as i64, "dictionary size")?;
        let nwords = usize_of(r.i32()? as i64, "nwords")?;
        let nlabels = usize_of(r.i32()? as i64, "nlabels")?;
        let _ntokens = r.i64()?;
        let prune_size = r.i64()?;
        if nwords.checked_add(nlabels) != Some(size) {
            return Err(Error::Format("dictionary counts do not add up".into()));
        }
        if nlabels == 0 {
            return Err(Error::Format("the dictionary has no labels".into()));
        }
        // Each entry: a NUL-terminated word (at least 1 byte), an i64 count, a type byte.
        r.fits(size, 10, "dictionary")?;
        let mut words = Vec::with_capacity(size);
        let mut types = Vec::with_capacity(size);
        let mut counts = Vec::with_capacity(size);
        for _ in 0..size {
            words.push(Box::<[u8]>::from(r.cstr()?));
            counts.push(r.i64()?);
            types.push(match r.u8()? {
                0 => EntryType::Word,
                1 => EntryType::Label,
                t => return Err(Error::Format(format!("unknown entry type {t}"))),
            });
        }
        let prune_pairs = if prune_size >= 0 {
            let n = usize::try_from(prune_size)
                .map_err(|_| Error::Format(format!("invalid prune size {prune_size}")))?;
            r.fits(n, 8, "pruned dictionary")?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..prune_size {
                let (from, to) = (r.i32()?, r.i32()?);
                // A kept bucket maps to one of the `prune_size` rows after the words.
                if to < 0 || to as i64 >= prune_size {
                    return Err(Error::Format(format!(
                        "prune index entry {from} -> {to} outside the {prune_size} kept rows"
                    )));
                }
                v.push((from, to));
            }
            Some(v)
        } else {
            None
        };
        let labels: Vec<String> = (nwords..size)
            .map(|i| String::from_utf8_lossy(&words[i]).into_owned())
            .collect();
        let label_counts: Vec<i64> = counts[nwords..].to_vec();
        if loss == Loss::HierarchicalSoftmax {
            let sum = label_counts.iter().try_fold(0i64, |acc, &c| {
                (c >= 0).then_some(())?;
                acc.checked_add(c).filter(|&t| t < MAX_COUNT_SUM)
            });
            if sum.is_none() {
                return Err(Error::Format(
                    "label counts are negative or too large for the hierarchical softmax tree"
                        .into(),
                ));
            }
        }
        let dict = Dictionary::new(
            words,
            types,
            counts,
            nwords,
            minn,
            maxn,
            bucket as u32,
            prune_pairs,
        )
        .map_err(Error::Format)?;

        let quant_input = r.u8()? != 0;
        if !quant_input && prune_size > 0 {
            return Err(Error::Format(
                "pruned dictionary with a dense input matrix".into(),
            ));
        }
        let (mut input, in_scale, in_n) = load_matrix(&mut r, quant_input, dim)?;
        if in_n != dim {
            return Err(Error::Format("input matrix width differs from dim".into()));
        }
        let input_rows = in_scale.len();
        // Apply the norms: the reference adds `norm * c[n]` per element, so scaling once here is exact.
        for (row, s) in input.chunks_exact_mut(dim).zip(&in_scale) {
            if *s != 1.0 {
                row.iter_mut().for_each(|v| *v *= *s);
            }
        }
        let qout = r.u8()? != 0;
        let (out_rows, out_scale, out_n) = load_matrix(&mut r, quant_input && qout, dim)?;
        if out_n != dim {
            return Err(Error::Format("output matrix width differs from dim".into()));
        }
        let max_row = nwords
            + if prune_size > 0 {
                prune_size as usize
            } else {
                bucket as usize
            };
        if input_rows < max_row.min(input_rows.max(nwords)) || input_rows < nwords {
            return Err(Error::Format(
                "input matrix smaller than the dictionary".into(),
            ));
        }
        let out_rows_n = out_rows.len() / dim.max(1);
        let needed_out = if loss == Loss::HierarchicalSoftmax {
            nlabels.saturating_sub(1)
        } else {
            nlabels
        };
        if out_rows_n < needed_out {
            return Err(Error::Format(
                "output matrix smaller than the label set".into(),
            ));
        }
        let mut model = Model {
            id: NEXT_MODEL_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            dim,
            word_ngrams,
            loss,
            dict,
            input: CacheAligned::new(&input),
            output: Output {
                rows: out_rows,
                scale: out_scale,
                quantized: quant_input && qout,
            },
            labels,
            tree: Vec::new(),
            sigmoid: SigmoidTable::new(),
        };
        // Every row a prediction can reach must exist: check the largest bucket row.
        if model.dict.maxn > 0 || word_ngrams > 1 {
            let reach = if prune_size > 0 {
                nwords + prune_size as usize
            } else {
                nwords + bucket as usize
            };
            if input_rows < reach {
                return Err(Error::Format(format!(
                    "input matrix has {input_rows} rows, the dictionary reaches {reach}"
                )));
            }
        }
        if loss == Loss::HierarchicalSoftmax {
            model.build_tree(&label_counts);
        }
        Ok(model)
    }

    /// Builds the Huffman tree over label counts exactly as the reference does.
    fn build_tree(&mut self, counts: &[i64]) {
        let osz = counts.len();
        if osz == 0 {
            return;
        }
        let mut tree = vec![
            Node {
                left: -1,
                right: -1,
                count: 1_000_000_000_000_000
            };
            2 * osz - 1
        ];
        for (n, &c) in tree.iter_mut().zip(counts) {
            n.count = c;
        }
        let mut leaf = osz as i64 - 1;
        let mut node = osz;
        for i in osz..2 * osz - 1 {
            let mut mini = [0usize; 2];
            for m in &mut mini {
                if leaf >= 0 && tree[leaf as usize].count < tree[node].count {
                    *m = leaf as usize;
                    leaf -= 1;
                } else {
                    *m = node;
                    node += 1;
                }
            }
            tree[i].left = mini[0] as i32;
            tree[i].right = mini[1] as i32;
            tree[i].count = tree[mini[0]].count + tree[mini[1]].count;
        }
        self.tree = tree;
    }

    /// The labels, as written in the model (`__label__en`, ...).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The label at `index`.
    pub fn label(&self, index: usize) -> &str {
        &self.labels[index]
    }

    /// The loss the model predicts with.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// The most probable label of `text`, or `None` when the text has no tokens that the model
    /// knows and no subwords (an empty prediction in the reference too).
    pub fn predict_one(&self, text: &str) -> Option<Prediction> {
        let mut out = [Prediction {
            label: 0,
            prob: 0.0,
        }; 1];
        (self.predict_into(text, 1, 0.0, &mut out) == 1).then_some(out[0])
    }

    /// The `k` most probable labels of `text` with probability ≥ `threshold`, best first.
    ///
    /// The text is treated as one line: every whitespace character, newlines included, separates
    /// tokens, and the end-of-line token is added once at the end — exactly what the reference
    /// Python binding computes for `text.replace("\n", " ")`.
    pub fn predict(&self, text: &str, k: usize, threshold: f32) -> Vec<Prediction> {
        let mut out = vec![
            Prediction {
                label: 0,
                prob: 0.0
            };
            k
        ];
        let n = self.predict_into(text, k, threshold, &mut out);
        out.truncate(n);
        out
    }

    fn predict_into(&self, text: &str, k: usize, threshold: f32, out: &mut [Prediction]) -> usize {
        if k == 0 {
            return 0;
        }
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let s = &mut *s;
            s.hidden.clear();
            s.hidden.resize(self.dim, 0.0);
            let count = self.hidden(
                text.as_bytes(),
                &mut s.word,
                &mut s.hashes,
                &mut s.oov,
                &mut s.hidden,
            );
            if count == 0 {
                return 0;
            }
            let inv = (1.0f64 / count as f64) as f32;
            s.hidden.iter_mut().for_each(|v| *v *= inv);
            let mut heap: Vec<(f32, usize)> = Vec::with_capacity(k + 2);
            match self.loss {
                Loss::HierarchicalSoftmax => {
                    self.tree_top_k(k, threshold, &mut heap, &s.hidden);
                }
                Loss::Softmax | Loss::OneVsAll | Loss::NegativeSampling => {
                    s.out.clear();
                    for i in 0..self.labels.len() {
                        s.out.push(self.dot_out(i, &s.hidden));
                    }
                    if self.loss == Loss::Softmax {
                        let max = s
                            .out
                            .iter()
                            .fold(s.out[0], |m, &v| if v > m { v } else { m });
                        let mut z = 0f32;
                        for v in s.out.iter_mut() {
                            // The reference calls the C `exp(double)` here.
                            *v = ((*v - max) as f64).exp() as f32;
                            z += *v;
                        }
                        s.out.iter_mut().for_each(|v| *v /= z);
                    } else {
                        s.out.iter_mut().for_each(|v| *v = self.sigmoid.get(*v));
                    }
                    for (i, &p) in s.out.iter().enumerate() {
                        if p < threshold {
                            continue;
                        }
                        let sc = std_log(p);
                        if heap.len() == k && sc < heap[0].0 {
                            continue;
                        }
                        topk::push_bounded(&mut heap, (sc, i), k);
                    }
                    topk::sort(&mut heap);
                }
            }
            for (o, (sc, l)) in out.iter_mut().zip(&heap) {
                *o = Prediction {
                    label: *l,
                    prob: sc.exp(),
                };
            }
            heap.len().min(out.len())
        })
    }

    /// Sums the input rows of every token of `text` into `hidden` and returns how many rows.
    fn hidden(
        &self,
        text: &[u8],
        word: &mut Vec<u8>,
        hashes: &mut Vec<u32>,
        oov: &mut OovCache,
        hidden: &mut [f32],
    ) -> usize {
        let d = &self.dict;
        let mut count = 0usize;
        // The aligned rows' slice taken once, not per row.
        let input = self.input.as_slice();
        let dim = self.dim;
        let mut add = |row: u32| {
            add_row(input, dim, row as usize, hidden);
            count += 1;
        };
        hashes.clear();
        let keep_hashes = self.word_ngrams > 1;
        let mut token = |tok: &[u8], add: &mut dyn FnMut(u32), word: &mut Vec<u8>| {
            let h = fnv_push(FNV_INIT, tok);
            match d.find(tok, h) {
                Some(i) => match d.types[i] {
                    EntryType::Word => {
                        if d.maxn == 0 {
                            add(i as u32);
                        } else {
                            d.word_rows(i).iter().for_each(|&r| add(r));
                        }
                    }
                    EntryType::Label => return,
                },
                None => {
                    if tok.starts_with(LABEL_PREFIX) {
                        return;
                    }
                    if tok != EOS {
                        if tok.len() <= OOV_MAX_TOKEN {
                            let (start, len) = oov.rows(self.id, d, tok, h, word);
                            oov.rows[start..start + len].iter().for_each(|&r| add(r));
                        } else {
                            bracket(word, tok);
                            d.char_ngrams(word, &mut *add);
                        }
                    }
                }
            }
            if keep_hashes {
                hashes.push(h);
            }
        };
        let is_space = |c: u8| matches!(c, b' ' | b'\n' | b'\r' | b'\t' | 0x0B | 0x0C | 0);
        let mut i = 0;
        let mut ended = false;
        while i < text.len() {
            while i < text.len() && is_space(text[i]) {
                i += 1;
            }
            let start = i;
            while i < text.len() && !is_space(text[i]) {
                i += 1;
            }
            if i > start {
                let tok = &text[start..i];
                token(tok, &mut add, word);
                if tok == EOS {
                    // The reference ends the line at an end-of-sentence token.
                    ended = true;
                    break;
                }
            }
        }
        if !ended {
            token(EOS, &mut add, word);
        }
        if keep_hashes {
            d.word_ngrams(hashes, self.word_ngrams, &mut add);
        }
        count
    }

    /// Row `i` of the output matrix dotted with `hidden`, summed in the reference's order.
    #[inline]
    fn dot_out(&self, i: usize, hidden: &[f32]) -> f32 {
        let row = &self.output.rows[i * self.dim..(i + 1) * self.dim];
        let mut d = 0f32;
        for (a, b) in row.iter().zip(hidden) {
            d += *b * *a;
        }
        if self.output.quantized {
            d * self.output.scale[i]
        } else {
            d
        }
    }

    /// Top-k search over the Huffman tree, exactly as the reference's `dfs`.
    ///
    /// The reference visits left child before right and prunes a subtree once the heap is full
    /// and the path score falls below its worst entry; its first leaves are usually poor, so it
    /// computes most of the tree. Here a first pass visits the more probable child first and
    /// keeps `k + 1` leaves: the best leaves arrive early and prune nearly everything else, and
    /// since scores only fall along a path the pass finds the true best `k + 1` scores. When they
    /// are all distinct the answer cannot depend on the visiting order and is taken as it is;
    /// when two of them tie (quantized models make equal scores), which of the tied labels the
    /// reference keeps and in which order depends on its heap's history, so the search is
    /// replayed in the reference's order. Leaves `heap` sorted best first.
    fn tree_top_k(&self, k: usize, threshold: f32, heap: &mut Vec<(f32, usize)>, hidden: &[f32]) {
        if self.tree.is_empty() {
            return;
        }
        let root = self.tree.len() - 1;
        let min_score = std_log(threshold);
        self.dfs(k + 1, min_score, root, 0.0, heap, hidden, true);
        topk::sort(heap);
        if heap.windows(2).any(|w| w[0].0 == w[1].0) {
            heap.clear();
            self.dfs(k, min_score, root, 0.0, heap, hidden, false);
            topk::sort(heap);
            return;
        }
        // Distinct scores, best first: the `k` best.
        heap.truncate(k);
    }

    /// `best_first`: visit the more probable child first (else the reference's left, right).
    #[allow(clippy::too_many_arguments)]
    fn dfs(
        &self,
        k: usize,
        min_score: f32,
        node: usize,
        score: f32,
        heap: &mut Vec<(f32, usize)>,
        hidden: &[f32],
        best_first: bool,
    ) {
        if score < min_score {
            return;
        }
        if heap.len() == k && score < heap[0].0 {
            return;
        }
        let n = self.tree[node];
        if n.left == -1 && n.right == -1 {
            topk::push_bounded(heap, (score, node), k);
            return;
        }
        let osz = self.labels.len();
        let f = self.dot_out(node - osz, hidden);
        let f = (1.0f64 / (1.0f32 + (-f).exp()) as f64) as f32;
        let left = (n.left as usize, score + std_log(1.0 - f));
        let right = (n.right as usize, score + std_log(f));
        let (first, second) = if best_first && right.1 > left.1 {
            (right, left)
        } else {
            (left, right)
        };
        self.dfs(k, min_score, first.0, first.1, heap, hidden, best_first);
        self.dfs(k, min_score, second.0, second.1, heap, hidden, best_first);
    }
}

/// Adds row `t` of `input` (rows of `dim` floats) to `hidden`.
#[inline]
fn add_row(input: &[f32], dim: usize, t: usize, hidden: &mut [f32]) {
    let row = &input[t * dim..(t + 1) * dim];
    for (h, v) in hidden.iter_mut().zip(row) {
        *h += *v;
    }
}

/// `log(x + 1e-5)` computed in double and rounded to float, as the reference's `std_log`.
#[inline]
fn std_log(x: f32) -> f32 {
    (x as f64 + 1e-5).ln() as f32
}
