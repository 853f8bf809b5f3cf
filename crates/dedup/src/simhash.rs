//! SimHash fingerprints and Hamming-distance search with permuted tables.
//!
//! # What it does
//! A 64-bit SimHash (Charikar 2002) of weighted word n-gram features: each distinct shingle hash
//! `x` (see [`crate::minhash`] for the shingle hash) with term frequency `tf` gets weight
//! `1 + ln(tf)` (or `tf`), bit `i` of the fingerprint is 1 when the weighted sum of
//! `±w` (`+` where bit `i` of `x` is 1) is positive.
//!
//! Near-duplicates are fingerprints within Hamming distance `k`, found with the scheme of Manku,
//! Jain & Das Sarma (2007), "Detecting near-duplicates for web crawling": cut the 64 bits into
//! `b > k` blocks; two fingerprints within distance `k` agree on at least `b − k` whole blocks.
//! One table per choice of `b − k` blocks (`C(b, k)` tables) keys each fingerprint by those
//! blocks; Manku et al. permute the bits so the chosen blocks lead and sort, here each table
//! sorts by `(f & mask, f)`, which groups exactly the same fingerprints. Within each group the
//! candidate pairs are verified by popcount.
//!
//! # When to use which
//! * **Exact** ([`crate::exact`]): always first; cheapest, removes copies.
//! * **MinHash + LSH**: the corpus-scale near-duplicate stage (FineWeb's). Tunable S-curve over
//!   Jaccard similarity of shingle sets, catches pages sharing most of their text (≈ 50 % at
//!   Jaccard 0.72 with 14 × 8), bounded memory through sorted runs.
//! * **SimHash**: one 8-byte fingerprint per document, in memory here; good for *very* close
//!   copies (a few words or a boilerplate line changed, `k ≤ 3`), weak for moderate edits where
//!   the fingerprint drifts by more than `k` bits. Use it for cheap first-pass or incremental
//!   checks against a stored fingerprint set, not as a replacement for MinHash.

use crate::cluster::{ClusterStats, Clusterer, Clusters};
use crate::normalize::{Normalizer, TextNormConfig};
use crate::shingle::{for_each_shingle, Scratch};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Configuration of SimHash fingerprints and of the near-duplicate search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimHashConfig {
    /// Words per shingle feature.
    pub ngram: usize,
    /// Feature weight `1 + ln(tf)` when true, `tf` when false.
    pub sublinear_tf: bool,
    /// Seed of the shingle hash.
    pub seed: u64,
    /// Largest Hamming distance counted as a near-duplicate (`k`).
    pub max_distance: u32,
    /// Number of blocks the fingerprint is cut into (`b > k`); `C(b, k)` tables are sorted.
    pub blocks: u32,
    /// Text normalization before shingling.
    pub normalization: TextNormConfig,
}

impl Default for SimHashConfig {
    fn default() -> Self {
        SimHashConfig {
            ngram: 3,
            sublinear_tf: true,
            seed: 1,
            max_distance: 3,
            blocks: 6,
            normalization: TextNormConfig::default(),
        }
    }
}

impl SimHashConfig {
    /// Validates and builds the runtime [`SimHasher`].
    pub fn build(&self) -> Result<SimHasher> {
        if self.ngram == 0 {
            return Err(Error::config("simhash.ngram must be at least 1"));
        }
        if self.blocks == 0 || self.blocks > 64 || self.blocks <= self.max_distance {
            return Err(Error::config(
                "simhash.blocks must be in 1..=64 and greater than simhash.max_distance",
            ));
        }
        let tables = binomial(self.blocks as u64, self.max_distance as u64);
        if tables > 10_000 {
            return Err(Error::config(format!(
                "simhash: {tables} tables (C(blocks, max_distance)) is too many"
            )));
        }
        let mut s = self.seed;
        Ok(SimHasher {
            config: self.clone(),
            normalizer: Normalizer::new(&self.normalization),
            shingle_seed: crate::minhash::splitmix64(&mut s),
            masks: table_masks(self.blocks, self.max_distance),
        })
    }
}

fn binomial(n: u64, k: u64) -> u64 {
    (0..k).fold(1u64, |acc, i| acc.saturating_mul(n - i) / (i + 1))
}

/// The key masks of all tables: every choice of `blocks − k` blocks among `blocks`.
fn table_masks(blocks: u32, k: u32) -> Vec<u64> {
    let block_mask = |j: u32| {
        let lo = j * 64 / blocks;
        let hi = (j + 1) * 64 / blocks;
        let width = hi - lo;
        let m = if width == 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        m << lo
    };
    let keep = (blocks - k) as usize;
    let mut masks = Vec::new();
    // Lexicographic walk over the combinations of `keep` block indices.
    let mut idx: Vec<u32> = (0..keep as u32).collect();
    loop {
        masks.push(idx.iter().map(|&j| block_mask(j)).fold(0, |a, m| a | m));
        let mut i = keep;
        while i > 0 && idx[i - 1] == blocks - (keep - i + 1) as u32 {
            i -= 1;
        }
        if i == 0 {
            break;
        }
        idx[i - 1] += 1;
        for t in i..keep {
            idx[t] = idx[t - 1] + 1;
        }
    }
    masks
}

/// Runtime SimHash fingerprinter and searcher built by [`SimHashConfig::build`].
///
/// ```
/// use garbell_dedup::SimHashConfig;
/// let h = SimHashConfig::default().build()?;
/// let a = h.fingerprint("one two three four five six seven eight nine ten eleven twelve").unwrap();
/// let b = h.fingerprint("one two three four five six seven eight nine ten eleven twelve!").unwrap();
/// assert_eq!((a ^ b).count_ones(), 0);
/// # Ok::<(), garbell_dedup::Error>(())
/// ```
#[derive(Debug)]
pub struct SimHasher {
    config: SimHashConfig,
    normalizer: Normalizer,
    shingle_seed: u64,
    masks: Vec<u64>,
}

impl SimHasher {
    /// The configuration.
    pub fn config(&self) -> &SimHashConfig {
        &self.config
    }

    /// The fingerprint of `text`, reusing `scratch`; `None` when it has fewer words than
    /// `ngram`.
    pub fn fingerprint_into(&self, text: &str, scratch: &mut Scratch) -> Option<u64> {
        self.normalizer.normalize_into(text, &mut scratch.text);
        let hashes = &mut scratch.hashes;
        hashes.clear();
        let n = for_each_shingle(
            &scratch.text,
            self.config.ngram,
            self.shingle_seed,
            &mut scratch.words,
            |x| hashes.push(x),
        );
        if n == 0 {
            return None;
        }
        hashes.sort_unstable();
        let mut acc = [0f64; 64];
        let mut i = 0;
        while i < hashes.len() {
            let x = hashes[i];
            let mut j = i + 1;
            while j < hashes.len() && hashes[j] == x {
                j += 1;
            }
            let tf = (j - i) as f64;
            let w = if self.config.sublinear_tf {
                1.0 + tf.ln()
            } else {
                tf
            };
            for (bit, a) in acc.iter_mut().enumerate() {
                if x >> bit & 1 == 1 {
                    *a += w;
                } else {
                    *a -= w;
                }
            }
            i = j;
        }
        Some(
            acc.iter()
                .enumerate()
                .filter(|(_, &a)| a > 0.0)
                .fold(0u64, |f, (bit, _)| f | 1 << bit),
        )
    }

    /// The fingerprint of `text` (allocating a scratch buffer).
    pub fn fingerprint(&self, text: &str) -> Option<u64> {
        self.fingerprint_into(text, &mut Scratch::new())
    }

    /// The LSH keys of a fingerprint, one per table (band): the fingerprint's bits of that
    /// table's blocks, hashed with the table index. Two fingerprints within `max_distance` bits
    /// share at least one key; the corpus-scale stages use these as band keys and verify each
    /// candidate pair by its Hamming distance.
    pub fn band_keys(&self, fp: u64) -> impl Iterator<Item = u64> + '_ {
        self.masks.iter().enumerate().map(move |(t, &mask)| {
            xxhash_rust::xxh3::xxh3_64_with_seed(
                &(fp & mask).to_le_bytes(),
                self.config.seed ^ t as u64,
            )
        })
    }

    /// Number of permuted tables (`C(blocks, max_distance)`).
    pub fn tables(&self) -> usize {
        self.masks.len()
    }

    /// Every pair `(i, j)`, `i < j`, of fingerprints within `max_distance` bits, sorted and
    /// without repeats. `fps[d]` is document `d`'s fingerprint (`None`: takes no part).
    pub fn near_pairs(&self, fps: &[Option<u64>]) -> Vec<(u64, u64)> {
        use rayon::prelude::*;
        let k = self.config.max_distance;
        let mut pairs: Vec<(u64, u64)> = self
            .masks
            .par_iter()
            .flat_map_iter(|&mask| {
                let mut t: Vec<(u64, u64, u64)> = fps
                    .iter()
                    .enumerate()
                    .filter_map(|(d, f)| f.map(|f| (f & mask, f, d as u64)))
                    .collect();
                t.sort_unstable();
                let mut out = Vec::new();
                let mut s = 0;
                while s < t.len() {
                    let mut e = s + 1;
                    while e < t.len() && t[e].0 == t[s].0 {
                        e += 1;
                    }
                    for a in s..e {
                        for b in a + 1..e {
                            if (t[a].1 ^ t[b].1).count_ones() <= k {
                                let (x, y) = (t[a].2, t[b].2);
                                out.push((x.min(y), x.max(y)));
                            }
                        }
                    }
                    s = e;
                }
                out
            })
            .collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        pairs
    }

    /// Clusters documents whose fingerprints are within `max_distance` bits (transitively),
    /// with the same survivor rule as the other stages.
    pub fn cluster(
        &self,
        fps: &[Option<u64>],
        scores: Option<Vec<f32>>,
    ) -> Result<(Clusters, ClusterStats)> {
        let mut c = Clusterer::new(fps.len() as u64, scores)?;
        for (a, b) in self.near_pairs(fps) {
            c.add_pair(a, b)?;
        }
        Ok(c.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_cover_all_block_choices() {
        assert_eq!(table_masks(6, 3).len(), 20);
        assert_eq!(table_masks(4, 1).len(), 4);
        assert_eq!(table_masks(24, 2).len(), 276);
        for m in table_masks(6, 3) {
            // three blocks of 10 or 11 bits
            assert!((30..=33).contains(&m.count_ones()));
        }
    }

    #[test]
    fn finds_all_pairs_within_distance() {
        let h = SimHashConfig::default().build().expect("valid");
        let base = 0x0123_4567_89ab_cdefu64;
        let fps = vec![
            Some(base),
            Some(base ^ 0b1011),              // distance 3
            Some(base ^ (1 << 63 | 1 << 40)), // distance 2
            Some(!base),                      // far
            None,
            Some(base ^ 0b1111), // distance 4 from base, 1 from doc 1
        ];
        let pairs = h.near_pairs(&fps);
        let mut expected = Vec::new();
        for i in 0..fps.len() {
            for j in i + 1..fps.len() {
                if let (Some(a), Some(b)) = (fps[i], fps[j]) {
                    if (a ^ b).count_ones() <= 3 {
                        expected.push((i as u64, j as u64));
                    }
                }
            }
        }
        assert_eq!(pairs, expected);
    }
}
