//! Stage 2 as its own step: one band's runs merged into a file of candidate pairs, and the
//! union-find of stage 3 over those files.
//!
//! Splitting "merge a band" from "join the clusters" lets the bands be merged in parallel (one
//! task per band, as datatrove's `MinhashDedupBuckets`) while clustering stays one cheap pass
//! over the pairs. The memory of a band merge is bounded by its fan-in: each open run holds one
//! block of 4,096 records (64 KiB); when a band has more runs than the fan-in allows they are
//! first merged in groups into larger runs on disk ([`compact_band`]).
//!
//! ```
//! use garbell_dedup::{band_pairs, cluster_pair_files, BucketWriter, Decision};
//! let dir = tempfile::tempdir()?;
//! let mut w = BucketWriter::create(dir.path(), "task-0", 2, 1 << 20)?;
//! w.push_doc(0, [10, 20])?;
//! w.push_doc(1, [11, 20])?; // shares band 1 with doc 0
//! w.push_doc(2, [12, 22])?;
//! w.finish()?;
//! let mut files = Vec::new();
//! for band in 0..2 {
//!     let out = dir.path().join(format!("band-{band}.pairs"));
//!     let stats = band_pairs(dir.path(), band, 64, &out)?;
//!     files.push((out, stats));
//! }
//! let (clusters, stats) = cluster_pair_files(&files, 3, None)?;
//! assert_eq!(stats.removed, 1);
//! assert_eq!(clusters.decision(1), Decision::Removed { survivor: 0, cluster_size: 2 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::buckets::{band_dir, compact_band, MergedRuns};
use crate::cluster::{ClusterStats, Clusterer, Clusters};
use crate::records::{Kind, RecordReader, RecordWriter};
use crate::verify::{CheckScratch, PairCheck};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bytes of memory one open run costs during a merge (its read block, rounded up).
pub const MERGE_BYTES_PER_RUN: usize = 128 << 10;

/// What merging one band found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairStats {
    /// `(key, doc)` records read.
    pub records: u64,
    /// Candidate pairs written (one per record sharing its key with the previous records).
    pub pairs: u64,
    /// Run files the band had before merging.
    pub runs: u64,
}

/// The merge fan-in that fits in `memory_bytes` (between 2 and 1,024 open runs).
pub fn fan_in_for_memory(memory_bytes: usize) -> usize {
    (memory_bytes / MERGE_BYTES_PER_RUN).clamp(2, 1024)
}

/// Merges every run of band `band` of bucket directory `dir` (compacting to at most
/// `max_fan_in` open runs first) and writes its candidate pairs `(first doc of the key, doc)` to
/// `output` atomically. Removes temporaries a killed merge of this band left behind. The file
/// does not depend on how the records were split into runs.
pub fn band_pairs(dir: &Path, band: usize, max_fan_in: usize, output: &Path) -> Result<PairStats> {
    let bdir = band_dir(dir, band);
    for entry in std::fs::read_dir(&bdir).map_err(|e| Error::at(&bdir, e))? {
        let p = entry.map_err(|e| Error::at(&bdir, e))?.path();
        let stale = p.file_name().is_some_and(|n| {
            let n = n.to_string_lossy();
            n.starts_with(".zmerge") && n.ends_with(".tmp")
        });
        if stale {
            std::fs::remove_file(&p).map_err(|e| Error::at(&p, e))?;
        }
    }
    let runs_before = crate::buckets::band_runs(dir, band)?.len() as u64;
    let runs: Vec<PathBuf> = compact_band(dir, band, max_fan_in)?;
    let mut w = RecordWriter::create(output, Kind::Pairs)?;
    let mut stats = PairStats {
        runs: runs_before,
        ..Default::default()
    };
    let mut prev: Option<(u64, u64)> = None;
    let mut first = 0u64;
    for rec in MergedRuns::open(&runs)? {
        let (key, doc) = rec?;
        stats.records += 1;
        match prev {
            Some((pk, pd)) if pk == key => {
                if pd != doc {
                    w.push(&[first, doc])?;
                    stats.pairs += 1;
                }
            }
            _ => first = doc,
        }
        prev = Some((key, doc));
    }
    w.finish()?;
    Ok(stats)
}

impl Clusterer {
    /// Joins the candidate pairs of one file written by [`band_pairs`]; `stats` are that band's
    /// counters (added to the clusterer's).
    pub fn add_pair_file(&mut self, path: &Path, stats: &PairStats) -> Result<()> {
        self.note_band(stats.records);
        let mut r = RecordReader::open(path, Kind::Pairs)?;
        while let Some([a, b, _]) = r.next_record()? {
            self.add_pair(a, b).map_err(|e| Error::at(path, e.kind))?;
        }
        Ok(())
    }
}

/// Stage 3 over the pair files of every band: connected components with the survivor rule of
/// [`Clusterer`] (best score, else smallest index). The result does not depend on the order
/// of the files.
pub fn cluster_pair_files(
    files: &[(PathBuf, PairStats)],
    n_docs: u64,
    scores: Option<Vec<f32>>,
) -> Result<(Clusters, ClusterStats)> {
    let mut c = Clusterer::new(n_docs, scores)?;
    for (path, stats) in files {
        c.add_pair_file(path, stats)?;
    }
    Ok(c.finish())
}

/// Stage 3 with verification: the pairs of file `i` join only when `checks[i]` (an index into
/// `checkers`) accepts them ([`PairCheck`]). Clusters are the connected components of the
/// accepted pairs, so the result does not depend on the order of the files either.
pub fn cluster_checked_pair_files(
    files: &[(PathBuf, PairStats, usize)],
    checkers: &mut [PairCheck],
    n_docs: u64,
    scores: Option<Vec<f32>>,
) -> Result<(Clusters, ClusterStats)> {
    let mut c = Clusterer::new(n_docs, scores)?;
    let mut scratch = CheckScratch::default();
    for (path, stats, check) in files {
        let checker = checkers.get_mut(*check).ok_or_else(|| {
            Error::config(format!("pair file {}: no checker {check}", path.display()))
        })?;
        c.note_band(stats.records);
        let mut r = RecordReader::open(path, Kind::Pairs)?;
        while let Some([a, b, _]) = r.next_record()? {
            c.add_pair_checked(a, b, |a, b| checker.accepts(a, b, &mut scratch))
                .map_err(|e| match e.path {
                    Some(_) => e,
                    None => Error::at(path, e.kind),
                })?;
        }
    }
    Ok(c.finish())
}
