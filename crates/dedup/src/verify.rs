//! Verification of candidate pairs: bottom-k sketches, their Jaccard estimate, and the sketch
//! files that let stage 3 check a pair without holding any document in memory.
//!
//! # Why
//! LSH banding only proposes pairs: a permissive band setting (short shingles, few rows per
//! band) finds documents that differ by 10-20 % of their words, but also proposes unrelated
//! documents that happen to share a band. Without a check every proposed pair joins a cluster
//! (datatrove, FineWeb), so precision depends on the band setting. Here a pair joins only when
//! the Jaccard similarity of the two documents' shingle sets, estimated from sketches stored
//! at signing time, reaches `threshold`.
//!
//! # The sketch
//! A document's sketch is the `k` (`sketch_size`) smallest **distinct** shingle hashes
//! (64-bit xxh3 of the word n-gram, the same hash MinHash permutes), ascending: a bottom-k
//! sketch (Broder 1997; Cohen & Kaplan 2007). For two documents with shingle sets `A`, `B`:
//!
//! * the `k` smallest values of `sketch(A) ∪ sketch(B)` are the `k` smallest of `A ∪ B`
//!   (every one of those is among the `k` smallest of its own set), a uniform sample
//!   **without replacement** of `m = min(k, |A ∪ B|)` shingles of the union;
//! * each sampled value lies in `A` iff it is in `sketch(A)` (fewer than `k` values of `A` are
//!   below it), so the count `c` of sampled values in both sketches counts sampled shingles of
//!   `A ∩ B`; the estimate is `Ĵ = c / m`.
//! * When `|A ∪ B| ≤ k` the sample is the whole union and `Ĵ` **is** the Jaccard similarity
//!   (documents of up to about `k` words are verified exactly).
//!
//! # Error bound
//! `c` is hypergeometric (`m` draws from `|A ∪ B|` items of which `|A ∩ B|` are marked), and
//! Hoeffding (1963, §6) shows its tails are no heavier than the binomial's. With
//! `D(x‖J) = x ln(x/J) + (1−x) ln((1−x)/(1−J))`, for a threshold `t`:
//!
//! * a pair with true similarity `J < t` is accepted with probability at most
//!   `exp(−k · D(t‖J)) ≤ exp(−2k (t − J)²)`;
//! * a pair with `J > t` is rejected with probability at most `exp(−k · D(t‖J))`.
//!
//! With the defaults (`k = 128`, `t = 0.5`) a pair with `J ≤ 0.25` is accepted with
//! probability below `exp(−128 · 0.1438) = 1.0·10⁻⁸`, one with `J ≤ 0.1` below `4·10⁻²⁹`;
//! a pair with `J ≥ 0.75` is rejected with probability below `1.0·10⁻⁸`.
//! [`false_accept_bound`] computes the bound.
//!
//! # Files
//! `S` record files (layout of [`crate::records`], kind `S`): one record of `1 + width`
//! `u64` per document of a shard, in document order: the number of values `n ≤ width`, then the
//! values, zero-padded. MinHash sketches have `width = sketch_size`; SimHash fingerprints
//! `width = 1` (`n = 0` for a document without one). [`SketchStore`] reads single records with
//! positioned reads (no memory map, no cache: the operating system's page cache does the
//! caching), after checking each file's header and length when it opens.

use crate::records::{create_with_header, HEADER, MAGIC, TRAILER};
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::Xxh3;

/// Largest sketch size accepted.
pub const MAX_SKETCH_SIZE: usize = 4096;

/// How candidate pairs are verified: estimated Jaccard similarity of the shingle sets from
/// bottom-k sketches must reach `threshold` (see the module docs for the error bound).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifyConfig {
    /// Values kept per document (`k`); 8 bytes each on disk.
    pub sketch_size: usize,
    /// Smallest estimated Jaccard similarity for a candidate pair to join a cluster.
    pub threshold: f64,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        VerifyConfig {
            sketch_size: 128,
            threshold: 0.5,
        }
    }
}

impl VerifyConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<()> {
        if self.sketch_size == 0 || self.sketch_size > MAX_SKETCH_SIZE {
            return Err(Error::config(format!(
                "minhash.verify.sketch_size must be in 1..={MAX_SKETCH_SIZE}"
            )));
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(Error::config("minhash.verify.threshold must be in (0, 1]"));
        }
        Ok(())
    }
}

/// Upper bound on the probability that a pair of true Jaccard similarity `j` is accepted at
/// threshold `t` with sketches of `k` values (`exp(−k · D(t‖j))`, 1 when `j ≥ t`).
pub fn false_accept_bound(k: usize, t: f64, j: f64) -> f64 {
    if j >= t {
        return 1.0;
    }
    if j <= 0.0 {
        return 0.0;
    }
    let d = if t >= 1.0 {
        -(j.ln())
    } else {
        t * (t / j).ln() + (1.0 - t) * ((1.0 - t) / (1.0 - j)).ln()
    };
    (-(k as f64) * d).exp()
}

/// Replaces `out` with the `k` smallest distinct values of `hashes` (which it reorders),
/// ascending.
pub(crate) fn bottom_k(hashes: &mut [u64], k: usize, out: &mut Vec<u64>) {
    out.clear();
    if hashes.is_empty() || k == 0 {
        return;
    }
    // Selecting 2k first avoids sorting long documents; repeated shingles may leave fewer than
    // k distinct values in the selection, then the whole list is sorted.
    let m = 2 * k;
    if hashes.len() > m {
        hashes.select_nth_unstable(m);
        let head = &mut hashes[..m];
        head.sort_unstable();
        out.extend_from_slice(head);
        out.dedup();
        if out.len() >= k {
            out.truncate(k);
            return;
        }
        out.clear();
    }
    hashes.sort_unstable();
    out.extend_from_slice(hashes);
    out.dedup();
    out.truncate(k);
}

/// The estimated Jaccard similarity of two bottom-k sketches (ascending, distinct) of at most
/// `k` values each: the share of the `k` smallest values of their union found in both. Exact
/// when the union has at most `k` values. 0 when either is empty.
pub fn sketch_jaccard(a: &[u64], b: &[u64], k: usize) -> f64 {
    if a.is_empty() || b.is_empty() || k == 0 {
        return 0.0;
    }
    let (mut i, mut j, mut taken, mut both) = (0, 0, 0usize, 0usize);
    while taken < k && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), Some(_)) => j += 1,
            (Some(_), None) => i += 1,
            (None, _) => j += 1,
        }
        taken += 1;
    }
    // A full sketch (k values) only leaves out values above its k-th, and the walk stops after
    // k union values, all at most that k-th value: the walk never needs a value left out.
    both as f64 / taken as f64
}

/// Writes one shard's sketch file (`S` records, one per document in order) atomically.
pub struct SketchWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
    hasher: Xxh3,
    width: usize,
    count: u64,
    buf: Vec<u8>,
}

impl SketchWriter {
    /// A writer of records of `width` values into `path` (written as `.<name>.tmp`, renamed by
    /// [`SketchWriter::finish`]).
    pub fn create(path: &Path, width: usize) -> Result<Self> {
        if width == 0 || width > MAX_SKETCH_SIZE {
            return Err(Error::config(format!("sketch width {width} out of range")));
        }
        let (tmp, out) = create_with_header(path, b'S', width + 1)?;
        Ok(SketchWriter {
            path: path.to_path_buf(),
            tmp,
            out: Some(out),
            hasher: Xxh3::new(),
            width,
            count: 0,
            buf: Vec::with_capacity((width + 1) * 8),
        })
    }

    /// Appends the next document's values (at most `width`; an empty slice for a document
    /// without a sketch).
    pub fn push(&mut self, values: &[u64]) -> Result<()> {
        if values.len() > self.width {
            return Err(Error::config(format!(
                "{} sketch values for width {}",
                values.len(),
                self.width
            )));
        }
        self.buf.clear();
        self.buf
            .extend_from_slice(&(values.len() as u64).to_le_bytes());
        for v in values {
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
        self.buf.resize((self.width + 1) * 8, 0);
        self.hasher.update(&self.buf);
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| Error::config("writer closed"))?;
        out.write_all(&self.buf)
            .map_err(|e| Error::at(&self.tmp, e))?;
        self.count += 1;
        Ok(())
    }

    /// Writes the trailer, syncs and renames the file into place; returns the record count.
    pub fn finish(mut self) -> Result<u64> {
        let mut out = self
            .out
            .take()
            .ok_or_else(|| Error::config("writer closed"))?;
        out.write_all(&self.count.to_le_bytes())
            .and_then(|_| out.write_all(&self.hasher.digest().to_le_bytes()))
            .map_err(|e| Error::at(&self.tmp, e))?;
        let file = out
            .into_inner()
            .map_err(|e| Error::at(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::at(&self.tmp, e))?;
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::at(&self.path, e))?;
        Ok(self.count)
    }
}

impl Drop for SketchWriter {
    fn drop(&mut self) {
        if self.out.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

struct SketchFile {
    path: PathBuf,
    file: File,
    first_doc: u64,
    count: u64,
}

/// Random access to the sketches of a corpus split into per-shard files (document `d` of the
/// corpus is record `d − first_doc` of its shard's file).
pub struct SketchStore {
    files: Vec<SketchFile>,
    width: usize,
    buf: Vec<u8>,
}

impl SketchStore {
    /// Opens the files of consecutive shards, the first starting at document 0, checking each
    /// header (magic, kind, version, width) and that the file length matches the record count
    /// in its trailer and `docs[i]`, the document count of shard `i`.
    pub fn open(paths: &[PathBuf], docs: &[u64], width: usize) -> Result<Self> {
        let mut files = Vec::with_capacity(paths.len());
        let mut first_doc = 0u64;
        for (path, &n) in paths.iter().zip(docs) {
            let mut file = File::open(path).map_err(|e| Error::at(path, e))?;
            let mut header = [0u8; HEADER as usize];
            file.read_exact(&mut header)
                .map_err(|e| Error::at(path, e))?;
            if &header[..6] != MAGIC || header[6] != b'S' {
                return Err(Error::at(path, ErrorKind::BadMagic { expected: "sketch" }));
            }
            let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
            if version != crate::FORMAT_VERSION {
                return Err(Error::at(
                    path,
                    ErrorKind::UnsupportedVersion {
                        found: version,
                        supported: crate::FORMAT_VERSION,
                    },
                ));
            }
            let w = u32::from_le_bytes([header[12], header[13], header[14], header[15]]) as usize;
            if w != width + 1 {
                return Err(Error::at(
                    path,
                    ErrorKind::Corrupt(format!("records of {w} words, expected {}", width + 1)),
                ));
            }
            let len = file.metadata().map_err(|e| Error::at(path, e))?.len();
            let mut trailer = [0u8; 8];
            if len >= HEADER + TRAILER {
                file.read_exact_at(&mut trailer, len - TRAILER)
                    .map_err(|e| Error::at(path, e))?;
            }
            let count = u64::from_le_bytes(trailer);
            let expected = HEADER + TRAILER + count.saturating_mul(8 * w as u64);
            if len != expected {
                return Err(Error::at(
                    path,
                    ErrorKind::Truncated {
                        expected,
                        actual: len,
                    },
                ));
            }
            if count != n {
                return Err(Error::at(
                    path,
                    ErrorKind::Corrupt(format!("{count} sketches for a shard of {n} documents")),
                ));
            }
            files.push(SketchFile {
                path: path.clone(),
                file,
                first_doc,
                count,
            });
            first_doc += n;
        }
        Ok(SketchStore {
            files,
            width,
            buf: vec![0; (width + 1) * 8],
        })
    }

    /// Reads document `doc`'s values into `out` (cleared first).
    pub fn read(&mut self, doc: u64, out: &mut Vec<u64>) -> Result<()> {
        let i = self.files.partition_point(|f| f.first_doc <= doc);
        let f = i
            .checked_sub(1)
            .map(|i| &self.files[i])
            .filter(|f| doc - f.first_doc < f.count)
            .ok_or_else(|| {
                Error::new(ErrorKind::DocOutOfRange {
                    doc,
                    n_docs: self.files.last().map_or(0, |f| f.first_doc + f.count),
                })
            })?;
        let rec = (self.width as u64 + 1) * 8;
        f.file
            .read_exact_at(&mut self.buf, HEADER + (doc - f.first_doc) * rec)
            .map_err(|e| Error::at(&f.path, e))?;
        let word = |k: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&self.buf[8 * k..8 * k + 8]);
            u64::from_le_bytes(b)
        };
        let n = word(0);
        if n > self.width as u64 {
            return Err(Error::at(
                &f.path,
                ErrorKind::Corrupt(format!(
                    "document {doc}: {n} values in a record of {}",
                    self.width
                )),
            ));
        }
        out.clear();
        out.extend((1..=n as usize).map(word));
        Ok(())
    }
}

/// How the pairs of one band are checked before they join a cluster.
pub enum PairCheck {
    /// Every pair joins (exact keys, or MinHash without verification).
    None,
    /// Estimated Jaccard similarity of bottom-k sketches at least `threshold`.
    Jaccard {
        /// The sketches.
        store: SketchStore,
        /// Sketch size `k`.
        k: usize,
        /// Smallest accepted estimate.
        threshold: f64,
    },
    /// SimHash fingerprints within `max_distance` bits.
    Hamming {
        /// The fingerprints (width 1).
        store: SketchStore,
        /// Largest accepted Hamming distance.
        max_distance: u32,
    },
}

/// Buffers reused by [`PairCheck::accepts`].
#[derive(Default)]
pub struct CheckScratch {
    a: Vec<u64>,
    b: Vec<u64>,
}

impl PairCheck {
    /// True when `a` and `b` pass the check.
    pub fn accepts(&mut self, a: u64, b: u64, s: &mut CheckScratch) -> Result<bool> {
        match self {
            PairCheck::None => Ok(true),
            PairCheck::Jaccard {
                store,
                k,
                threshold,
            } => {
                store.read(a, &mut s.a)?;
                store.read(b, &mut s.b)?;
                Ok(sketch_jaccard(&s.a, &s.b, *k) >= *threshold)
            }
            PairCheck::Hamming {
                store,
                max_distance,
            } => {
                store.read(a, &mut s.a)?;
                store.read(b, &mut s.b)?;
                Ok(match (s.a.first(), s.b.first()) {
                    (Some(x), Some(y)) => (x ^ y).count_ones() <= *max_distance,
                    _ => false,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn set(range: std::ops::Range<u64>) -> BTreeSet<u64> {
        range
            .map(|x| x.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect()
    }

    fn sketch(s: &BTreeSet<u64>, k: usize) -> Vec<u64> {
        let mut v: Vec<u64> = s.iter().copied().collect();
        let mut out = Vec::new();
        bottom_k(&mut v, k, &mut out);
        out
    }

    #[test]
    fn small_sets_are_exact() {
        let (a, b) = (set(0..60), set(30..100));
        let j = sketch_jaccard(&sketch(&a, 128), &sketch(&b, 128), 128);
        assert!((j - 30.0 / 100.0).abs() < 1e-12, "{j}");
    }

    #[test]
    fn large_sets_are_estimated_within_the_bound() {
        // J = 5000 / 15000 = 1/3; with k = 128 the estimate is within 0.2 except with
        // probability 2 exp(-2 * 128 * 0.04) < 6e-5.
        let (a, b) = (set(0..10_000), set(5_000..15_000));
        let j = sketch_jaccard(&sketch(&a, 128), &sketch(&b, 128), 128);
        assert!((j - 1.0 / 3.0).abs() < 0.2, "{j}");
        assert_eq!(sketch_jaccard(&sketch(&a, 128), &[], 128), 0.0);
    }

    #[test]
    fn bottom_k_handles_repeats() {
        let mut v = vec![5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 1, 9, 9, 9, 9, 9, 3];
        let mut out = Vec::new();
        bottom_k(&mut v, 3, &mut out);
        assert_eq!(out, [1, 3, 5]);
    }

    #[test]
    fn bound_matches_the_documented_figures() {
        assert!(false_accept_bound(128, 0.5, 0.25) < 1.1e-8);
        assert!(false_accept_bound(128, 0.5, 0.1) < 1e-28);
        assert!(false_accept_bound(128, 0.5, 0.25) > 0.9e-8);
        assert_eq!(false_accept_bound(128, 0.5, 0.6), 1.0);
    }

    #[test]
    fn sketch_files_round_trip_and_reject_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut paths = Vec::new();
        for shard in 0..2u64 {
            let p = dir.path().join(format!("s{shard}.sk"));
            let mut w = SketchWriter::create(&p, 4).expect("create");
            w.push(&[shard, 7]).expect("push");
            w.push(&[]).expect("push");
            w.push(&[1, 2, 3, 4]).expect("push");
            assert!(w.push(&[1, 2, 3, 4, 5]).is_err());
            assert_eq!(w.finish().expect("finish"), 3);
            paths.push(p);
        }
        let mut s = SketchStore::open(&paths, &[3, 3], 4).expect("open");
        let mut v = Vec::new();
        s.read(3, &mut v).expect("read");
        assert_eq!(v, [1, 7]);
        s.read(4, &mut v).expect("read");
        assert!(v.is_empty());
        s.read(5, &mut v).expect("read");
        assert_eq!(v, [1, 2, 3, 4]);
        assert!(s.read(6, &mut v).is_err());
        assert!(SketchStore::open(&paths, &[3, 4], 4).is_err());
        assert!(SketchStore::open(&paths, &[3, 3], 5).is_err());
        let bytes = std::fs::read(&paths[0]).expect("read");
        std::fs::write(&paths[0], &bytes[..bytes.len() - 3]).expect("write");
        assert!(SketchStore::open(&paths, &[3, 3], 4).is_err());
    }
}
