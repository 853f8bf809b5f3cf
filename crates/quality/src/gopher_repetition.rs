//! `filter_gopher_repetition`: Gopher's repetition rules (Rae et al. 2021, table A1; datatrove
//! `GopherRepetitionFilter`).

use crate::common::{check_ratio, nchars, put, py_strip, Error, FastBuild, IdBuild, Tokenizer};
use crate::filter::{FilterParams, Lexicon, SignalFilter, Signals, Threshold};
use garbell_core::{Document, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

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
/// computed from its parts: `H(x ++ y) = H(x) * B^|y| + H(y)` (wrapping arithmetic). Each word is
/// hashed once per document instead of once per n-gram window and per n.
struct WordHashes {
    /// `H(word)`.
    h: Vec<u64>,
    /// `B^len(word)`.
    p: Vec<u64>,
    /// Byte length of each word.
    len: Vec<usize>,
}

/// The polynomial base (odd, so powers never vanish modulo 2^64).
const POLY_BASE: u64 = 0x0000_0100_0000_01b3;

impl WordHashes {
    fn new(words: &[&str]) -> Self {
        let mut w = WordHashes {
            h: Vec::with_capacity(words.len()),
            p: Vec::with_capacity(words.len()),
            len: Vec::with_capacity(words.len()),
        };
        for word in words {
            let (mut h, mut p) = (0u64, 1u64);
            for &b in word.as_bytes() {
                h = h.wrapping_mul(POLY_BASE).wrapping_add(u64::from(b) + 1);
                p = p.wrapping_mul(POLY_BASE);
            }
            w.h.push(h);
            w.p.push(p);
            w.len.push(word.len());
        }
        w
    }

    /// The key of words `i..i + n` joined by `sep` (`None`: concatenated): equal byte strings
    /// give equal keys (the hash of the joined bytes, mixed with their length).
    #[inline]
    fn key(&self, i: usize, n: usize, sep: Option<u8>) -> u64 {
        let (mut h, mut len) = (self.h[i], self.len[i]);
        for j in i + 1..i + n {
            if let Some(s) = sep {
                h = h.wrapping_mul(POLY_BASE).wrapping_add(u64::from(s) + 1);
                len += 1;
            }
            h = h.wrapping_mul(self.p[j]).wrapping_add(self.h[j]);
            len += self.len[j];
        }
        mix(h ^ (len as u64).rotate_left(32))
    }
}

/// A 64-bit finalizer (SplitMix64's), so that keys spread well in the identity-hashed tables.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Characters of the most frequent n-gram (words joined by spaces) times its count; ties go to
/// the n-gram seen first (Python's `Counter.most_common`). `None` when there is no n-gram.
fn top_ngram_chars(
    wh: &WordHashes,
    lens: &[usize],
    n: usize,
    counts: &mut HashMap<u64, (usize, usize), IdBuild>,
) -> Option<usize> {
    let words = lens.len();
    if words < n {
        return None;
    }
    counts.clear();
    let mut best: Option<(usize, usize, usize)> = None; // (count, first index, chars)
    for i in 0..=words - n {
        let e = counts.entry(wh.key(i, n, Some(b' '))).or_insert((0, i));
        e.0 += 1;
        let (count, first) = *e;
        let better = match best {
            None => true,
            Some((bc, bf, _)) => count > bc || (count == bc && first < bf),
        };
        if better {
            let chars = lens[first..first + n].iter().sum::<usize>() + n - 1;
            best = Some((count, first, chars));
        }
    }
    best.map(|(c, _, chars)| c * chars)
}

/// Characters in duplicated n-grams as datatrove's `find_all_duplicate` counts them (n-grams are
/// the words concatenated without separator; after a duplicate the scan jumps `n` words).
fn dup_ngram_chars(
    wh: &WordHashes,
    lens: &[usize],
    n: usize,
    seen: &mut HashSet<u64, IdBuild>,
) -> usize {
    seen.clear();
    let (mut repeated, mut idx) = (0usize, 0usize);
    while idx + n <= lens.len() {
        let k = wh.key(idx, n, None);
        if seen.contains(&k) {
            repeated += lens[idx..idx + n].iter().sum::<usize>();
            idx += n;
        } else {
            seen.insert(k);
            idx += 1;
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
        let paras: Vec<&str> = paragraphs(text).collect();
        let (pd, pc) = find_duplicates(paras.iter().copied());
        let ls: Vec<&str> = lines(text).collect();
        let (ld, lc) = find_duplicates(ls.iter().copied());
        let mut words = Vec::new();
        self.cfg.tokenizer.split_into(text, &doc.lang, &mut words);
        let lens: Vec<usize> = words.iter().map(|w| nchars(w)).collect();
        let mut out: Vec<(&str, f64)> = vec![
            ("rep_dup_para_frac", pd as f64 / paras.len().max(1) as f64),
            ("rep_dup_para_char_frac", pc as f64 / len),
            ("rep_dup_line_frac", ld as f64 / ls.len().max(1) as f64),
            ("rep_dup_line_char_frac", lc as f64 / len),
        ];
        let mut i = 0;
        let mut ngram_signals = Vec::new();
        let wh = WordHashes::new(&words);
        let mut counts: HashMap<u64, (usize, usize), IdBuild> =
            HashMap::with_capacity_and_hasher(words.len(), IdBuild::default());
        for &(n, _) in &self.cfg.top_n_grams {
            ngram_signals.push((
                i,
                top_ngram_chars(&wh, &lens, n, &mut counts).map(|c| c as f64 / len),
            ));
            i += 1;
        }
        let mut seen: HashSet<u64, IdBuild> =
            HashSet::with_capacity_and_hasher(words.len(), IdBuild::default());
        for &(n, _) in &self.cfg.dup_n_grams {
            ngram_signals.push((
                i,
                Some(dup_ngram_chars(&wh, &lens, n, &mut seen) as f64 / len),
            ));
            i += 1;
        }
        for (k, v) in out.drain(..) {
            put(doc, k, v);
        }
        for (i, v) in ngram_signals {
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

    #[test]
    fn keys_follow_the_joined_bytes() {
        let a = WordHashes::new(&["ab", "c", "x"]);
        let b = WordHashes::new(&["a", "bc", "x"]);
        // Concatenated (the duplicated n-gram rule): "abc" either way.
        assert_eq!(a.key(0, 2, None), b.key(0, 2, None));
        // Joined by spaces (the top n-gram rule): "ab c" vs "a bc".
        assert_ne!(a.key(0, 2, Some(b' ')), b.key(0, 2, Some(b' ')));
        assert_ne!(a.key(0, 2, None), a.key(1, 2, None));
        let c = WordHashes::new(&["ab", "c", "ab", "c"]);
        assert_eq!(c.key(0, 2, Some(b' ')), c.key(2, 2, Some(b' ')));
    }
}
