//! `filter_gopher_repetition`: Gopher's repetition rules (Rae et al. 2021, table A1; datatrove
//! `GopherRepetitionFilter`).

use crate::common::{check_ratio, nchars, put, py_strip, Error, FastBuild, Tokenizer};
use crate::filter::{FilterParams, Lexicon, SignalFilter, Signals, Threshold};
use crate::keytable::KeyTable;
use garbell_core::{Document, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Parameters of `filter_gopher_repetition`. Defaults are datatrove 0.10.1's, which are Gopher's
/// table A1 (arXiv:2112.11446).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GopherRepetitionConfig {
    /// Compute and store the signals but never drop.
    pub annotate_only: bool,
    /// Word splitter for the n-gram rules.
    pub tokenizer: Tokenizer,
    /// Maximum fraction of duplicated lines (datatrove `dup_line_frac` = 0.3).
    pub dup_line_frac: Option<f64>,
    /// Maximum fraction of duplicated paragraphs (`dup_para_frac` = 0.3).
    pub dup_para_frac: Option<f64>,
    /// Maximum fraction of characters in duplicated lines (`dup_line_char_frac` = 0.2).
    pub dup_line_char_frac: Option<f64>,
    /// Maximum fraction of characters in duplicated paragraphs (`dup_para_char_frac` = 0.2).
    pub dup_para_char_frac: Option<f64>,
    /// `[n, max]` pairs: maximum fraction of characters covered by the most frequent n-gram
    /// (`top_n_grams` = (2, 0.2), (3, 0.18), (4, 0.16)).
    pub top_n_grams: Vec<(usize, f64)>,
    /// `[n, max]` pairs: maximum fraction of characters in duplicated n-grams
    /// (`dup_n_grams` = (5, 0.15) … (10, 0.10)).
    pub dup_n_grams: Vec<(usize, f64)>,
}

impl Default for GopherRepetitionConfig {
    fn default() -> Self {
        GopherRepetitionConfig {
            annotate_only: false,
            tokenizer: Tokenizer::Garbell,
            dup_line_frac: Some(0.3),
            dup_para_frac: Some(0.3),
            dup_line_char_frac: Some(0.2),
            dup_para_char_frac: Some(0.2),
            top_n_grams: vec![(2, 0.2), (3, 0.18), (4, 0.16)],
            dup_n_grams: vec![
                (5, 0.15),
                (6, 0.14),
                (7, 0.13),
                (8, 0.12),
                (9, 0.11),
                (10, 0.10),
            ],
        }
    }
}

impl FilterParams for GopherRepetitionConfig {
    type Filter = GopherRepetition;
}

/// `filter_gopher_repetition` — **What**: measures repeated paragraphs (split at 2+ newlines),
/// lines (split at newlines), the most frequent 2-4-grams and the duplicated 5-10-grams of words,
/// as fractions of the document's characters. **Why**: repetitive pages (link farms, templated
/// text, spam) are low quality and harm training (Rae et al. 2021, A.1.1). **Signals written**:
/// `rep_dup_para_frac`, `rep_dup_para_char_frac`, `rep_dup_line_frac`, `rep_dup_line_char_frac`,
/// `rep_top_{n}_gram`, `rep_dup_{n}_gram`. **Reasons**: `empty`, `dup_para_frac`,
/// `dup_para_char_frac`, `dup_line_frac`, `dup_line_char_frac`, `top_{n}_gram`,
/// `duplicated_{n}_n_grams`.
#[derive(Debug)]
pub struct GopherRepetition {
    cfg: GopherRepetitionConfig,
    /// (signal name, reason) for each top n-gram then each duplicated n-gram rule.
    names: Vec<(String, String)>,
}

/// (duplicated elements, characters in them), as datatrove's `find_duplicates`.
pub(crate) fn find_duplicates<'a>(items: impl Iterator<Item = &'a str>) -> (usize, usize) {
    let mut seen: HashSet<&str, FastBuild> = HashSet::default();
    let (mut dup, mut chars) = (0, 0);
    for it in items {
        if !seen.insert(it) {
            dup += 1;
            chars += nchars(it);
        }
    }
    (dup, chars)
}

/// Paragraphs as `re.split(r"\n{2,}", text.strip())`.
fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    let t = py_strip(text);
    let mut rest = Some(t);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memmem::find(r.as_bytes(), b"\n\n") {
            None => {
                rest = None;
                Some(r)
            }
            Some(at) => {
                let end = at + r[at..].bytes().take_while(|&b| b == b'\n').count();
                rest = Some(&r[end..]);
                Some(&r[..at])
            }
        }
    })
}

/// Lines as `re.split("\n+", text)`.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match memchr::memchr(b'\n', r.as_bytes()) {
            None => {
                rest = None;
                Some(r)
            }
            Some(at) => {
                let end = at + r[at..].bytes().take_while(|&b| b == b'\n').count();
                rest = Some(&r[end..]);
                Some(&r[..at])
            }
        }
    })
}

/// Polynomial hashes of each word's bytes, combinable so that the hash of a concatenation is
/// computed from its parts: `H(x ++ y) = H(x) * B^|y| + H(y)` (wrapping arithmetic), kept as
/// prefix sums over the document so that the key of any n-gram costs O(1) whatever `n`:
/// `H(w_i ++ … ++ w_{i+n-1}) = C[i+n] - C[i] * B^(bytes of the n-gram)`, with `B^-1` (the base is
/// odd, so it is invertible modulo 2^64) giving `B^(bytes)` as `P[i+n] * P^-1[i]`. The keys are
/// the same numbers as hashing each n-gram's joined bytes one by one.
#[derive(Default)]
struct WordHashes {
    /// `pre[k]`: the prefix sums over words `0..k` (one entry more than words).
    pre: Vec<Prefix>,
    /// The words concatenated without separator (the string the duplicated n-gram rule
    /// compares slices of; word `k` starts at byte `pre[k].bytes`).
    cat: Vec<u8>,
}

/// The prefix sums of [`WordHashes`] at one word boundary, kept together so that an n-gram key
/// reads two entries.
#[derive(Clone, Copy)]
struct Prefix {
    /// `C[k]`: hash of words `0..k` concatenated.
    cat: u64,
    /// `S[k]`: hash of words `0..k`, each followed by a space.
    sep: u64,
    /// `P[k] = B^(bytes of words 0..k)`.
    pow: u64,
    /// `P^-1[k]`.
    inv: u64,
    /// Bytes of words `0..k`.
    bytes: usize,
    /// Characters of words `0..k`.
    chars: usize,
}

/// The polynomial base (odd, so powers never vanish modulo 2^64).
const POLY_BASE: u64 = 0x0000_0100_0000_01b3;
/// `POLY_BASE^-1` modulo 2^64 (Newton's iteration: each step doubles the correct low bits).
const POLY_BASE_INV: u64 = {
    let mut x = POLY_BASE; // correct to 3 bits for an odd number
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(POLY_BASE.wrapping_mul(x)));
        i += 1;
    }
    x
};
/// The separator of the top n-gram rule (words joined by spaces), as hashed (`byte + 1`).
const SPACE: u64 = b' ' as u64 + 1;

impl WordHashes {
    /// Refills the tables for `words` (reusing their allocations).
    #[inline(never)]
    fn fill(&mut self, words: &[&str]) {
        self.pre.clear();
        self.pre.reserve(words.len() + 1);
        self.cat.clear();
        let mut at = Prefix {
            cat: 0,
            sep: 0,
            pow: 1,
            inv: 1,
            bytes: 0,
            chars: 0,
        };
        self.pre.push(at);
        for word in words {
            let mut h = 0u64;
            for &b in word.as_bytes() {
                h = h.wrapping_mul(POLY_BASE).wrapping_add(u64::from(b) + 1);
            }
            let (p, ip) = powers(word.len());
            at.cat = at.cat.wrapping_mul(p).wrapping_add(h);
            at.sep = at
                .sep
                .wrapping_mul(p)
                .wrapping_add(h)
                .wrapping_mul(POLY_BASE)
                .wrapping_add(SPACE);
            at.pow = at.pow.wrapping_mul(p);
            at.inv = at.inv.wrapping_mul(ip);
            at.bytes += word.len();
            at.chars += nchars(word);
            self.pre.push(at);
            self.cat.extend_from_slice(word.as_bytes());
        }
    }

    /// Number of words.
    fn len(&self) -> usize {
        self.pre.len().saturating_sub(1)
    }

    /// Characters of words `i..i + n` (separators not counted).
    #[inline]
    fn chars(&self, i: usize, n: usize) -> usize {
        self.pre[i + n].chars - self.pre[i].chars
    }

    /// The key of words `i..i + n` concatenated (`sep` false) or joined by spaces (`sep` true):
    /// equal byte strings give equal keys (the hash of the joined bytes, mixed with their
    /// length; [`KeyTable`] spreads them over its slots).
    #[inline]
    fn key(&self, i: usize, n: usize, sep: bool) -> u64 {
        let (a, b) = (self.pre[i], self.pre[i + n]);
        let span = b.bytes - a.bytes;
        let b_span = b.pow.wrapping_mul(a.inv);
        let (h, len) = if sep {
            // Words i..j each followed by a space, then the last space taken off again: the
            // bytes and the B powers of the n - 1 inner spaces are counted.
            let b_all = b_span.wrapping_mul(powers(n).0);
            let with_last = b.sep.wrapping_sub(a.sep.wrapping_mul(b_all));
            (
                with_last.wrapping_sub(SPACE).wrapping_mul(POLY_BASE_INV),
                span + n - 1,
            )
        } else {
            (b.cat.wrapping_sub(a.cat.wrapping_mul(b_span)), span)
        };
        h ^ (len as u64).rotate_left(32)
    }
}

/// `POLY_BASE^k` and `POLY_BASE_INV^k` for `k < POW_TABLE` (word lengths in bytes).
const POW_TABLE: usize = 64;
const POWERS: [[u64; 2]; POW_TABLE] = {
    let mut t = [[1u64, 1u64]; POW_TABLE];
    let mut k = 1;
    while k < POW_TABLE {
        t[k] = [
            t[k - 1][0].wrapping_mul(POLY_BASE),
            t[k - 1][1].wrapping_mul(POLY_BASE_INV),
        ];
        k += 1;
    }
    t
};

/// `(POLY_BASE^len, POLY_BASE_INV^len)`.
#[inline]
fn powers(len: usize) -> (u64, u64) {
    if len < POW_TABLE {
        let [p, ip] = POWERS[len];
        return (p, ip);
    }
    let (mut p, mut ip) = (1u64, 1u64);
    for _ in 0..len {
        p = p.wrapping_mul(POLY_BASE);
        ip = ip.wrapping_mul(POLY_BASE_INV);
    }
    (p, ip)
}

/// Per-thread buffers of the n-gram rules, reused from one document to the next.
#[derive(Default)]
struct Scratch {
    wh: WordHashes,
    /// Each distinct word (by its 1-gram key) → its number in order of first appearance.
    word_ids: KeyTable<u32>,
    /// Occurrences of each distinct word, by number.
    word_counts: Vec<u32>,
    /// The number of each word of the document.
    ids: Vec<u32>,
    /// For each word, whether it occurs more than once.
    repeated: Vec<bool>,
    /// Top n-gram counts: key → (count, first index).
    counts: KeyTable<(u32, u32)>,
    /// Duplicated n-gram scan: keys seen.
    seen: KeyTable<()>,
    /// Duplicated n-gram pre-pass: the first word with each start digest.
    starts: KeyTable<u32>,
    /// Duplicated n-gram pre-pass: whether each word's start digest is unique.
    unique: Vec<bool>,
    /// See [`dup_skip_from`].
    skip_from: Vec<u32>,
    /// The n-gram starts a duplicated n-gram scan looks up.
    candidates: Vec<u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Characters of the most frequent n-gram (words joined by spaces) times its count; ties go to
/// the n-gram seen first (Python's `Counter.most_common`). `None` when there is no n-gram.
///
/// Words never contain a space, so two space-joined n-grams are equal exactly when their words
/// are: an n-gram with a word that occurs once in the document occurs once. Only n-grams made of
/// repeated words are counted in the table; when none occurs twice, the first n-gram (count 1,
/// seen first) is the answer.
#[inline(never)]
fn top_ngram_chars(
    wh: &WordHashes,
    repeated: &[bool],
    n: usize,
    counts: &mut KeyTable<(u32, u32)>,
) -> Option<usize> {
    let words = wh.len();
    if words < n {
        return None;
    }
    counts.reset(words - n + 1);
    let mut best: Option<(u32, u32)> = None; // (count, first index), count >= 2
                                             // Length of the run of repeated words ending at the current position.
    let mut run = repeated[..n - 1].iter().rev().take_while(|&&r| r).count();
    for i in 0..=words - n {
        // The run of repeated words ending at word i + n - 1.
        run = if repeated[i + n - 1] { run + 1 } else { 0 };
        if run < n {
            continue;
        }
        let (e, _) = counts.entry(wh.key(i, n, true), (0, i as u32));
        e.0 += 1;
        let (count, first) = *e;
        if count < 2 {
            continue;
        }
        let better = match best {
            None => true,
            Some((bc, bf)) => count > bc || (count == bc && first < bf),
        };
        if better {
            best = Some((count, first));
        }
    }
    let (count, first) = best.unwrap_or((1, 0));
    Some(count as usize * (wh.chars(first as usize, n) + n - 1))
}

/// Bytes of the concatenated words compared at each word start by [`dup_skip_from`].
const PROBE_BYTES: usize = 16;

/// For each word `i`, the smallest `n` from which the n-grams starting at word `i` are known
/// to occur nowhere else in the document (`u32::MAX`: none known), so that the duplicated
/// n-gram scans need neither look them up nor remember them (see [`dup_ngram_chars`]).
///
/// Two n-grams of the duplicated n-gram rule are equal when their concatenated bytes are: two
/// equal ones of [`PROBE_BYTES`] bytes or more start, at two different words, with the same
/// `PROBE_BYTES` bytes of the concatenation. So when the `PROBE_BYTES` bytes at word `i` occur
/// at no other word start (compared by a 64-bit digest: a digest collision only makes a word
/// start look repeated, which costs a lookup and changes nothing), no n-gram at `i` of that
/// many bytes or more equals any other n-gram. One table probe per word, shared by every `n`.
#[inline(never)]
fn dup_skip_from(
    wh: &WordHashes,
    starts: &mut KeyTable<u32>,
    unique: &mut Vec<bool>,
    skip_from: &mut Vec<u32>,
) {
    let words = wh.len();
    let cat = &wh.cat;
    unique.clear();
    unique.resize(words, true);
    skip_from.clear();
    skip_from.resize(words, u32::MAX);
    // Word starts with PROBE_BYTES bytes after them (the others never qualify).
    let last = (0..words)
        .rev()
        .find(|&i| wh.pre[i].bytes + PROBE_BYTES <= cat.len())
        .map_or(0, |i| i + 1);
    if last == 0 {
        return;
    }
    starts.reset(last);
    for i in 0..last {
        let at = wh.pre[i].bytes;
        let a = u64::from_le_bytes(cat[at..at + 8].try_into().unwrap_or_default());
        let b = u64::from_le_bytes(cat[at + 8..at + 16].try_into().unwrap_or_default());
        let digest = (a.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) ^ b)
            .wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        let (first, inserted) = starts.entry(digest, i as u32);
        if !inserted {
            unique[*first as usize] = false;
            unique[i] = false;
        }
    }
    // The first word end at least PROBE_BYTES bytes after each unique word start (it only moves
    // forward as the start does).
    let mut end = 0usize;
    for i in 0..last {
        if !unique[i] {
            continue;
        }
        end = end.max(i + 1);
        while wh.pre[end].bytes - wh.pre[i].bytes < PROBE_BYTES {
            end += 1;
        }
        skip_from[i] = u32::try_from(end - i).unwrap_or(u32::MAX);
    }
}

/// Characters in duplicated n-grams as datatrove's `find_all_duplicate` counts them (n-grams are
/// the words concatenated without separator; after a duplicate the scan jumps `n` words).
///
/// The scan looks up only the n-gram starts that [`dup_skip_from`] could not rule out
/// (`candidates`, rebuilt here): at the others, datatrove's scan would insert an n-gram that is
/// not yet there and will never be met again, and step one word on, which is what skipping to
/// the next candidate does.
#[inline(never)]
fn dup_ngram_chars(
    wh: &WordHashes,
    n: usize,
    skip_from: &[u32],
    candidates: &mut Vec<u32>,
    seen: &mut KeyTable<()>,
) -> usize {
    let words = wh.len();
    if words < n {
        return 0;
    }
    candidates.clear();
    candidates.extend(
        (0..=words - n)
            .filter(|&i| skip_from[i] as usize > n)
            .map(|i| i as u32),
    );
    seen.reset(candidates.len());
    let (mut repeated, mut idx) = (0usize, 0usize);
    for &i in candidates.iter() {
        let i = i as usize;
        if i < idx {
            continue;
        }
        if seen.insert(wh.key(i, n, false), ()) {
            idx = i + 1;
        } else {
            repeated += wh.chars(i, n);
            idx = i + n;
        }
    }
    repeated
}

/// The line and paragraph signals, in the order they are decided on, with their parameter and
/// reason.
const FRACTIONS: [(&str, &str); 4] = [
    ("rep_dup_para_frac", "dup_para_frac"),
    ("rep_dup_para_char_frac", "dup_para_char_frac"),
    ("rep_dup_line_frac", "dup_line_frac"),
    ("rep_dup_line_char_frac", "dup_line_char_frac"),
];

impl GopherRepetition {
    /// The limit of each of [`FRACTIONS`].
    fn fraction_limits(&self) -> [Option<f64>; 4] {
        let c = &self.cfg;
        [
            c.dup_para_frac,
            c.dup_para_char_frac,
            c.dup_line_frac,
            c.dup_line_char_frac,
        ]
    }

    /// Computes the signals into `doc.signals`.
    fn measure(&self, doc: &mut Document) {
        let text = doc.text.as_str();
        let len = nchars(text).max(1) as f64;
        let (mut n_paras, mut n_lines) = (0usize, 0usize);
        let (pd, pc) = find_duplicates(paragraphs(text).inspect(|_| n_paras += 1));
        let (ld, lc) = find_duplicates(lines(text).inspect(|_| n_lines += 1));
        let mut words = Vec::new();
        self.cfg.tokenizer.split_into(text, &doc.lang, &mut words);
        let out: [(&str, f64); 4] = [
            ("rep_dup_para_frac", pd as f64 / n_paras.max(1) as f64),
            ("rep_dup_para_char_frac", pc as f64 / len),
            ("rep_dup_line_frac", ld as f64 / n_lines.max(1) as f64),
            ("rep_dup_line_char_frac", lc as f64 / len),
        ];
        let ngram_signals = SCRATCH.with(|sc| {
            let mut sc = sc.borrow_mut();
            let sc = &mut *sc;
            sc.wh.fill(&words);
            let n_top = self.cfg.top_n_grams.len();
            let mut v: Vec<Option<f64>> = Vec::with_capacity(n_top + self.cfg.dup_n_grams.len());
            if n_top > 0 {
                // One probe per word: each distinct word gets a number, counted in a vector.
                sc.word_ids.reset(words.len());
                sc.word_counts.clear();
                sc.ids.clear();
                for i in 0..words.len() {
                    let next = sc.word_counts.len() as u32;
                    let (&mut id, inserted) = sc.word_ids.entry(sc.wh.key(i, 1, false), next);
                    if inserted {
                        sc.word_counts.push(0);
                    }
                    sc.word_counts[id as usize] += 1;
                    sc.ids.push(id);
                }
                sc.repeated.clear();
                let counts = &sc.word_counts;
                sc.repeated
                    .extend(sc.ids.iter().map(|&id| counts[id as usize] > 1));
            }
            for &(n, _) in &self.cfg.top_n_grams {
                v.push(
                    top_ngram_chars(&sc.wh, &sc.repeated, n, &mut sc.counts)
                        .map(|c| c as f64 / len),
                );
            }
            if !self.cfg.dup_n_grams.is_empty() {
                dup_skip_from(&sc.wh, &mut sc.starts, &mut sc.unique, &mut sc.skip_from);
            }
            for &(n, _) in &self.cfg.dup_n_grams {
                let chars =
                    dup_ngram_chars(&sc.wh, n, &sc.skip_from, &mut sc.candidates, &mut sc.seen);
                v.push(Some(chars as f64 / len));
            }
            v
        });
        for (k, v) in out {
            put(doc, k, v);
        }
        for (i, v) in ngram_signals.into_iter().enumerate() {
            let name = &self.names[i].0;
            match v {
                Some(v) => put(doc, name, v),
                None => {
                    doc.signals.remove(name.as_str());
                }
            }
        }
    }
}

impl SignalFilter for GopherRepetition {
    type Params = GopherRepetitionConfig;
    const NAME: &'static str = "filter_gopher_repetition";
    const TUNABLE: &'static [&'static str] = &[
        "dup_line_frac",
        "dup_para_frac",
        "dup_line_char_frac",
        "dup_para_char_frac",
        "top_n_grams",
        "dup_n_grams",
    ];

    fn new(c: &GopherRepetitionConfig, _: &Lexicon) -> Result<Self, Error> {
        const S: &str = "filter_gopher_repetition";
        check_ratio(S, "dup_line_frac", c.dup_line_frac)?;
        check_ratio(S, "dup_para_frac", c.dup_para_frac)?;
        check_ratio(S, "dup_line_char_frac", c.dup_line_char_frac)?;
        check_ratio(S, "dup_para_char_frac", c.dup_para_char_frac)?;
        for &(n, f) in c.top_n_grams.iter().chain(&c.dup_n_grams) {
            if n == 0 {
                return Err(Error {
                    step: S,
                    param: "top_n_grams/dup_n_grams",
                    message: "n must be ≥ 1".into(),
                });
            }
            check_ratio(S, "top_n_grams/dup_n_grams", Some(f))?;
        }
        let mut names = Vec::new();
        for &(n, _) in &c.top_n_grams {
            names.push((format!("rep_top_{n}_gram"), format!("top_{n}_gram")));
        }
        for &(n, _) in &c.dup_n_grams {
            names.push((
                format!("rep_dup_{n}_gram"),
                format!("duplicated_{n}_n_grams"),
            ));
        }
        Ok(GopherRepetition {
            cfg: c.clone(),
            names,
        })
    }

    fn annotate_only(&self) -> bool {
        self.cfg.annotate_only
    }

    fn signals(&self) -> Vec<String> {
        FRACTIONS
            .iter()
            .map(|(s, _)| s.to_string())
            .chain(self.names.iter().map(|(s, _)| s.clone()))
            .collect()
    }

    fn annotate(&self, doc: &mut Document) -> Option<String> {
        self.measure(doc);
        None
    }

    fn thresholds(&self) -> Vec<Threshold> {
        let limits = self.fraction_limits();
        let mut v: Vec<Threshold> = FRACTIONS
            .iter()
            .zip(limits)
            .filter_map(|((signal, param), value)| {
                Some(Threshold {
                    signal: signal.to_string(),
                    param,
                    value: value?,
                })
            })
            .collect();
        let c = &self.cfg;
        let params = c
            .top_n_grams
            .iter()
            .map(|&(_, f)| ("top_n_grams", f))
            .chain(c.dup_n_grams.iter().map(|&(_, f)| ("dup_n_grams", f)));
        for ((signal, _), (param, value)) in self.names.iter().zip(params) {
            v.push(Threshold {
                signal: signal.clone(),
                param,
                value,
            });
        }
        v
    }

    /// Datatrove's order: empty text, paragraphs, lines, top n-grams, duplicated n-grams.
    fn decide(&self, s: &dyn Signals) -> Verdict {
        if s.text_is_empty() {
            return Verdict::drop("empty");
        }
        let over = |k: &str, m: Option<f64>| {
            m.filter(|&m| m > 0.0)
                .is_some_and(|m| s.signal(k).is_some_and(|v| v > m))
        };
        for ((k, r), m) in FRACTIONS.iter().zip(self.fraction_limits()) {
            if over(k, m) {
                return Verdict::drop(r);
            }
        }
        let c = &self.cfg;
        let thresholds = c.top_n_grams.iter().chain(&c.dup_n_grams).map(|&(_, f)| f);
        for ((sig, reason), f) in self.names.iter().zip(thresholds) {
            if s.signal(sig).is_some_and(|v| v > f) {
                return Verdict::Drop(reason.clone().into());
            }
        }
        Verdict::Keep
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    fn hashes(words: &[&str]) -> WordHashes {
        let mut w = WordHashes::default();
        w.fill(words);
        w
    }

    /// The key as the hash of the joined bytes, computed byte by byte.
    fn naive(words: &[&str], sep: bool) -> u64 {
        let joined = words.join(if sep { " " } else { "" });
        let mut h = 0u64;
        for &b in joined.as_bytes() {
            h = h.wrapping_mul(POLY_BASE).wrapping_add(u64::from(b) + 1);
        }
        h ^ (joined.len() as u64).rotate_left(32)
    }

    #[test]
    fn inverse_of_the_base() {
        assert_eq!(POLY_BASE.wrapping_mul(POLY_BASE_INV), 1);
    }

    #[test]
    fn keys_are_the_hash_of_the_joined_bytes() {
        let words = [
            "L'",
            "home",
            "",
            "d’",
            "aigua",
            "3,5",
            "ab",
            "c",
            "a",
            "bc",
            "Ωμέγα",
            "x",
        ];
        let w = hashes(&words);
        for n in 1..=words.len() {
            for i in 0..=words.len() - n {
                for sep in [false, true] {
                    assert_eq!(
                        w.key(i, n, sep),
                        naive(&words[i..i + n], sep),
                        "{i} {n} {sep}"
                    );
                }
            }
        }
    }

    #[test]
    fn keys_follow_the_joined_bytes() {
        let a = hashes(&["ab", "c", "x"]);
        let b = hashes(&["a", "bc", "x"]);
        // Concatenated (the duplicated n-gram rule): "abc" either way.
        assert_eq!(a.key(0, 2, false), b.key(0, 2, false));
        // Joined by spaces (the top n-gram rule): "ab c" vs "a bc".
        assert_ne!(a.key(0, 2, true), b.key(0, 2, true));
        assert_ne!(a.key(0, 2, false), a.key(1, 2, false));
        let c = hashes(&["ab", "c", "ab", "c"]);
        assert_eq!(c.key(0, 2, true), c.key(2, 2, true));
    }

    #[test]
    fn top_ngram_with_and_without_repeated_words() {
        let mut counts = KeyTable::default();
        let top = |words: &[&str], n: usize, counts: &mut KeyTable<(u32, u32)>| {
            let w = hashes(words);
            let repeated: Vec<bool> = words
                .iter()
                .map(|x| words.iter().filter(|y| *y == x).count() > 1)
                .collect();
            top_ngram_chars(&w, &repeated, n, counts)
        };
        // No repeated 2-gram: the first one, once ("one two" = 7 characters).
        assert_eq!(
            top(&["one", "two", "three", "two"], 2, &mut counts),
            Some(7)
        );
        // "a b" and "b c" both twice: ties go to the first seen, "a b".
        assert_eq!(
            top(&["a", "b", "c", "a", "b", "c"], 2, &mut counts),
            Some(2 * 3)
        );
        // The most frequent wins over the first seen.
        assert_eq!(
            top(&["x", "y", "z", "zz", "z", "zz", "z", "zz"], 2, &mut counts),
            Some(3 * 4)
        );
        assert_eq!(top(&["x"], 2, &mut counts), None);
    }
}

#[cfg(test)]
mod dup_scan_tests {
    use super::*;

    /// datatrove's `find_all_duplicate` on the joined strings, as written in Python.
    fn naive(words: &[&str], n: usize) -> usize {
        let mut seen = HashSet::new();
        let (mut repeated, mut idx) = (0, 0);
        while idx + n <= words.len() {
            let s = words[idx..idx + n].concat();
            if seen.insert(s.clone()) {
                idx += 1;
            } else {
                repeated += s.chars().count();
                idx += n;
            }
        }
        repeated
    }

    fn fast(words: &[&str], n: usize) -> usize {
        let mut wh = WordHashes::default();
        wh.fill(words);
        let (mut starts, mut unique, mut skip, mut cand, mut seen) = (
            KeyTable::default(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            KeyTable::default(),
        );
        dup_skip_from(&wh, &mut starts, &mut unique, &mut skip);
        dup_ngram_chars(&wh, n, &skip, &mut cand, &mut seen)
    }

    #[test]
    fn same_as_the_joined_strings() {
        // Short and long words from a small vocabulary, words that concatenate alike ("ab" "c"
        // and "a" "bc"), repeated runs, empty and non-ASCII words.
        let vocab = [
            "a",
            "b",
            "c",
            "ab",
            "bc",
            "abc",
            "the",
            "committee",
            "of",
            "Ωμέγα",
            "",
            "x",
            "internationalization",
            "d’",
            "aigua",
            "ca",
            "bca",
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for round in 0..400 {
            let len = (round % 60) + 1;
            let spread = 1 + round % vocab.len();
            let mut words: Vec<&str> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    vocab[(x % spread as u64) as usize]
                })
                .collect();
            if round % 3 == 0 {
                // A repeated block.
                let block: Vec<&str> = words[..len / 2].to_vec();
                words.extend(block);
            }
            for n in 1..=10 {
                assert_eq!(fast(&words, n), naive(&words, n), "{words:?} n={n}");
            }
        }
    }

    #[test]
    fn equal_bytes_with_other_word_boundaries_count() {
        // "abcdefghijklmnopqrstu" twice, cut into 5 words differently: equal concatenations.
        let words = [
            "abcd", "efgh", "ijkl", "mnop", "qrstu", "abcde", "fghi", "jklm", "nopq", "rstu",
        ];
        assert_eq!(fast(&words, 5), naive(&words, 5));
        assert_eq!(naive(&words, 5), 21);
    }
}
