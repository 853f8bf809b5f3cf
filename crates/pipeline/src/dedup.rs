//! The corpus-wide deduplication stage that follows the chain when a chain file has a
//! `[dedup]` table, as four sub-stages that `garbell run` chains (one shot, after the merge) and
//! `garbell dedup <stage>` runs one at a time, each sliceable into array tasks:
//!
//! | stage | unit of work (task slice `i % count == index`) | output |
//! |---|---|---|
//! | [`DedupJob::sign`] | shard | sorted `(band key, doc)` runs of every band, per shard |
//! | [`DedupJob::buckets`] | band | the band's candidate pairs (k-way merge of its runs) |
//! | [`DedupJob::cluster`] | — (one task) | the clusters: survivor and size of each clustered doc |
//! | [`DedupJob::filter`] | shard | the shard rewritten without non-survivors |
//!
//! ```text
//! <out>/dedup/buckets/band-NNNN/part-XXXXX-NNNNNN.run   sorted (band key, doc) runs, per shard
//! <out>/dedup/scores/part-XXXXX.f32                     survivor scores (survivor = highest_signal)
//! <out>/dedup/sketches/{minhash,simhash}/part-XXXXX.sk  per-document verification records
//! <out>/dedup/pairs/band-NNNN.pairs                     candidate pairs of one band
//! <out>/dedup/duplicates.bin                            the clusters (garbell-dedup format)
//! <out>/dedup/shards/part-XXXXX.parquet                 the deduplicated shards (final corpus)
//! <out>/dedup/completions/sign-part-XXXXX.json          per-shard, per-band and cluster markers
//! <out>/dedup/completions/band-NNNN.json
//! <out>/dedup/completions/cluster.json
//! <out>/dedup/completions/apply-part-XXXXX.json
//! ```
//!
//! Documents are numbered in input order (shard by shard, row by row), so clusters, survivors
//! and outputs depend neither on the thread count nor on the task split. Each stage resumes: units
//! whose marker exists (same configuration hash) and records the same consumed inputs are
//! skipped, temporaries a killed task left for its own units are removed first, and every file
//! is published under a temporary name and renamed. A stage refuses to start while a unit of the
//! previous stage is incomplete or stale.
//!
//! What each marker records as consumed (so that a rerun after a changed input redoes exactly
//! the units whose inputs changed, and everything downstream of them):
//!
//! | marker | `inputs` / consumed |
//! |---|---|
//! | `sign-part-X` | `shard_blake3`: the chain shard it signed; `first_doc`: the corpus number of its first document (the runs hold corpus numbers) |
//! | `band-B` | digest of every shard's path, rows and blake3 (a band reads runs of every shard); `pairs_blake3`: its output |
//! | `cluster` | digest of the shards' digest and every band's `pairs_blake3`; `duplicates_blake3`, `lines_blake3`: its outputs |
//! | `apply-part-X` | digest of the shard's blake3 and the cluster outputs' hashes |

use crate::runner::{json_pretty, write_atomic, TaskReport};
use crate::Error;
use garbell_config::DedupConfig;
use garbell_core::{Outcome, StepStats};
use garbell_dedup::{
    band_pairs, cluster_checked_pair_files, fan_in_for_memory, line_duplicates, BucketWriter,
    ClusterStats, Clusters, Decision, ExactHasher, LineDuplicates, LineHasher, LineStats,
    MinHasher, PairCheck, PairStats, Scratch, Signature, SimHasher, SketchStore, SketchWriter,
    Survivor,
};
use garbell_manifest::Output;
use garbell_shard::{ShardConfig, ShardReader, ShardWriter};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The name of the dedup step in statistics, and its drop reason.
pub const STEP: &str = "dedup";
const REASON: &str = "duplicate";
/// Drop reason of a document left empty by line dedup.
const REASON_LINES: &str = "duplicate_lines";

/// What the dedup stage produced.
pub struct DedupOutcome {
    /// Per-language counters of the dedup step.
    pub stats: StepStats,
    /// The deduplicated shards, in input order.
    pub outputs: Vec<Output>,
    /// Clusters found, documents removed.
    pub clusters: ClusterStats,
    /// The other files the stage publishes, relative to the run directory: its completion
    /// markers and removal lists (listed with their hashes in the manifest).
    pub files: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct SignMarker {
    config_hash: String,
    docs: u64,
    /// blake3 of the shard signed.
    #[serde(default)]
    shard_blake3: String,
    /// Corpus number of the shard's first document (documents of the shards before it): the
    /// runs hold corpus numbers, so they are stale when an earlier shard changed size.
    #[serde(default)]
    first_doc: u64,
}

#[derive(Serialize, Deserialize)]
struct BandMarker {
    config_hash: String,
    /// Counters; `runs` is recorded as 0 (it depends on memory and threads, and markers are
    /// listed with their hashes in the manifest, which must not).
    stats: PairStats,
    /// Digest of the shards whose runs were merged ([`DedupJob::shards_digest`]).
    #[serde(default)]
    inputs: String,
    /// blake3 of the pair file written.
    #[serde(default)]
    pairs_blake3: String,
}

#[derive(Serialize, Deserialize, Clone)]
struct ClusterMarker {
    config_hash: String,
    stats: ClusterStats,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lines: Option<LineStats>,
    /// Digest of the shards' digest and every band's pair file hash.
    #[serde(default)]
    inputs: String,
    /// blake3 of `duplicates.bin`.
    #[serde(default)]
    duplicates_blake3: String,
    /// blake3 of `lines.dups` (empty without line dedup).
    #[serde(default)]
    lines_blake3: String,
}

/// What the cluster stage found.
#[derive(Debug, Clone)]
pub struct ClusterReport {
    /// Document clusters.
    pub stats: ClusterStats,
    /// Repeated lines (when `[dedup.lines]` is configured).
    pub lines: Option<LineStats>,
    /// True when a previous run had done it.
    pub resumed: bool,
}

#[derive(Serialize, Deserialize)]
struct ApplyMarker {
    config_hash: String,
    stats: StepStats,
    shard: Output,
    /// Digest of the chain shard's blake3 and the cluster outputs' hashes.
    #[serde(default)]
    inputs: String,
}

/// blake3 over `parts`, each followed by a NUL byte: the digest of what a unit consumed.
fn digest<'s>(parts: impl IntoIterator<Item = &'s str>) -> String {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(p.as_bytes()).update(&[0]);
    }
    h.finalize().to_hex().to_string()
}

fn hash_of(path: &Path) -> Result<String, Error> {
    garbell_manifest::hash_file(path)
        .map(|(_, h)| h)
        .map_err(|e| io_err(path, e))
}

/// What a sliced stage did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageReport {
    /// Units (shards or bands) of this slice.
    pub units: usize,
    /// Of those, units a previous run had completed (skipped).
    pub resumed: usize,
}

fn dedup_err(e: garbell_dedup::Error) -> Error {
    Error::Dedup(e.to_string())
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source: e,
    }
}

fn read_marker<T: for<'de> Deserialize<'de>>(
    path: &Path,
    hash: &str,
    get_hash: impl Fn(&T) -> &str,
) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    let m: T = serde_json::from_slice(&bytes).ok()?;
    (get_hash(&m) == hash).then_some(m)
}

/// Removes the hidden temporaries (`.<prefix>…tmp…`) a killed task left in `dir`.
fn remove_temps(dir: &Path, prefix: &str) -> Result<(), Error> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let start = format!(".{prefix}");
    for entry in entries {
        let p = entry.map_err(|e| io_err(dir, e))?.path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with(&start) && name.contains(".tmp") && p.is_file() {
            std::fs::remove_file(&p).map_err(|e| io_err(&p, e))?;
        }
    }
    Ok(())
}

/// `Some((index, count))` selects the units `u` with `u % count == index`.
fn selected(n: usize, slice: Option<(usize, usize)>) -> Vec<usize> {
    (0..n)
        .filter(|u| slice.is_none_or(|(k, c)| u % c == k))
        .collect()
}

/// The dedup of one run directory: its configuration, its shards and where everything goes.
pub struct DedupJob<'a> {
    cfg: &'a DedupConfig,
    shard_config: &'a ShardConfig,
    tasks: &'a [TaskReport],
    out: &'a Path,
    hash: &'a str,
    root: PathBuf,
    buckets: PathBuf,
    pairs: PathBuf,
    scores: PathBuf,
    done: PathBuf,
    shards: PathBuf,
    offsets: Vec<u64>,
    n_docs: u64,
    exact: Option<ExactHasher>,
    minhash: Option<MinHasher>,
    simhash: Option<SimHasher>,
    sketches: PathBuf,
    lines: Option<LineHasher>,
    lines_dir: PathBuf,
    bands: usize,
    /// Digest of every shard's path, rows and blake3: what the buckets stage consumes.
    shards_digest: String,
}

impl<'a> DedupJob<'a> {
    /// A job over the shards of `tasks` (every task of the run, in input order) in run directory
    /// `out`, whose configuration hash is `hash`. Creates the directories.
    pub fn new(
        cfg: &'a DedupConfig,
        shard_config: &'a ShardConfig,
        tasks: &'a [TaskReport],
        out: &'a Path,
        hash: &'a str,
    ) -> Result<Self, Error> {
        let root = out.join("dedup");
        let (buckets, pairs, scores, done, shards) = (
            root.join("buckets"),
            root.join("pairs"),
            root.join("scores"),
            root.join("completions"),
            root.join("shards"),
        );
        for d in [&root, &buckets, &pairs, &done, &shards] {
            std::fs::create_dir_all(d).map_err(|e| io_err(d, e))?;
        }
        if !cfg.survivor.is_first() {
            std::fs::create_dir_all(&scores).map_err(|e| io_err(&scores, e))?;
        }
        let exact = cfg
            .exact
            .as_ref()
            .map(|c| c.build())
            .transpose()
            .map_err(dedup_err)?;
        let minhash = cfg
            .minhash
            .as_ref()
            .map(|c| c.build())
            .transpose()
            .map_err(dedup_err)?;
        let simhash = cfg
            .simhash
            .as_ref()
            .map(|c| c.build())
            .transpose()
            .map_err(dedup_err)?;
        let sketches = root.join("sketches");
        if minhash
            .as_ref()
            .is_some_and(|m| m.config().verify.is_some())
        {
            let d = sketches.join("minhash");
            std::fs::create_dir_all(&d).map_err(|e| io_err(&d, e))?;
        }
        if simhash.is_some() {
            let d = sketches.join("simhash");
            std::fs::create_dir_all(&d).map_err(|e| io_err(&d, e))?;
        }
        let lines = cfg
            .lines
            .as_ref()
            .map(|c| c.build())
            .transpose()
            .map_err(dedup_err)?;
        let lines_dir = root.join("lines");
        if lines.is_some() {
            std::fs::create_dir_all(&lines_dir).map_err(|e| io_err(&lines_dir, e))?;
        }
        let bands = usize::from(exact.is_some())
            + minhash.as_ref().map_or(0, |m| m.config().bands)
            + simhash.as_ref().map_or(0, |s| s.tables());
        let mut offsets = Vec::with_capacity(tasks.len());
        let mut n_docs = 0u64;
        for t in tasks {
            offsets.push(n_docs);
            n_docs += t.shard.rows;
        }
        let rows: Vec<String> = tasks.iter().map(|t| t.shard.rows.to_string()).collect();
        let shards_digest = digest(
            tasks
                .iter()
                .zip(&rows)
                .flat_map(|(t, r)| [t.shard.path.as_str(), r.as_str(), t.shard.blake3.as_str()]),
        );
        // Units of shards a previous run had beyond this run's inputs: no longer part of it
        // (their runs would otherwise join the bands).
        let n = tasks.len();
        crate::runner::remove_beyond(&shards, "part-", ".parquet", n)?;
        crate::runner::remove_beyond(&done, "sign-part-", ".json", n)?;
        crate::runner::remove_beyond(&done, "apply-part-", ".json", n)?;
        crate::runner::remove_beyond(&scores, "part-", ".f32", n)?;
        for kind in ["minhash", "simhash"] {
            crate::runner::remove_beyond(&sketches.join(kind), "part-", ".sk", n)?;
        }
        for dir in [&buckets, &lines_dir] {
            remove_runs_beyond(dir, n)?;
        }
        Ok(DedupJob {
            cfg,
            shard_config,
            tasks,
            out,
            hash,
            root,
            buckets,
            pairs,
            scores,
            done,
            shards,
            offsets,
            n_docs,
            exact,
            minhash,
            simhash,
            sketches,
            lines,
            lines_dir,
            bands,
            shards_digest,
        })
    }

    /// The files the dedup of this run publishes besides its shards (completion markers and
    /// removal lists), relative to the run directory, in a fixed order.
    pub fn published_files(&self) -> Vec<String> {
        let n = self.tasks.len();
        let mut v: Vec<String> = (0..n)
            .map(|i| format!("dedup/completions/sign-part-{i:05}.json"))
            .collect();
        v.extend((0..self.bands).map(|b| format!("dedup/completions/band-{b:04}.json")));
        v.push("dedup/completions/cluster.json".into());
        v.extend((0..n).map(|i| format!("dedup/completions/apply-part-{i:05}.json")));
        v.push("dedup/duplicates.bin".into());
        if self.lines.is_some() {
            v.push("dedup/lines.dups".into());
        }
        v
    }

    /// True when shard `i`'s signatures are complete for its current content.
    fn signed(&self, i: usize) -> bool {
        read_marker::<SignMarker>(&self.sign_marker(i), self.hash, |m| &m.config_hash).is_some_and(
            |m| {
                m.docs == self.tasks[i].shard.rows
                    && m.shard_blake3 == self.tasks[i].shard.blake3
                    && m.first_doc == self.offsets[i]
            },
        )
    }

    /// Band `b`'s marker when its pairs are complete for the current shards.
    fn banded(&self, b: usize) -> Option<BandMarker> {
        read_marker::<BandMarker>(&self.band_marker(b), self.hash, |m| &m.config_hash)
            .filter(|m| m.inputs == self.shards_digest && self.pair_file(b).is_file())
    }

    /// What the cluster stage consumes, when every band is complete: the digest of the shards
    /// and of every band's pair file.
    fn cluster_inputs(&self) -> Option<String> {
        let bands: Option<Vec<String>> = (0..self.bands)
            .map(|b| self.banded(b).map(|m| m.pairs_blake3))
            .collect();
        let bands = bands?;
        Some(digest(
            std::iter::once(self.shards_digest.as_str()).chain(bands.iter().map(String::as_str)),
        ))
    }

    /// The cluster marker when the clusters are complete for the current bands.
    fn clustered(&self) -> Option<ClusterMarker> {
        let inputs = self.cluster_inputs()?;
        let m = read_marker::<ClusterMarker>(&self.done.join("cluster.json"), self.hash, |m| {
            &m.config_hash
        })?;
        let files_ok = self.root.join("duplicates.bin").is_file()
            && (self.lines.is_none() || self.root.join("lines.dups").is_file());
        (m.inputs == inputs && files_ok).then_some(m)
    }

    /// What filtering shard `i` consumes: its blake3 and the cluster outputs' hashes.
    fn apply_inputs(&self, i: usize, cluster: &ClusterMarker) -> String {
        digest([
            self.tasks[i].shard.blake3.as_str(),
            cluster.duplicates_blake3.as_str(),
            cluster.lines_blake3.as_str(),
        ])
    }

    /// Number of shards (units of the `sign` and `filter` stages).
    pub fn shard_count(&self) -> usize {
        self.tasks.len()
    }

    /// Number of bands (units of the `buckets` stage): one for exact keys, plus MinHash's, plus
    /// SimHash's tables.
    pub fn band_count(&self) -> usize {
        self.bands
    }

    fn sign_marker(&self, i: usize) -> PathBuf {
        self.done.join(format!("sign-part-{i:05}.json"))
    }

    fn band_marker(&self, b: usize) -> PathBuf {
        self.done.join(format!("band-{b:04}.json"))
    }

    fn pair_file(&self, b: usize) -> PathBuf {
        self.pairs.join(format!("band-{b:04}.pairs"))
    }

    fn score_file(&self, i: usize) -> PathBuf {
        self.scores.join(format!("part-{i:05}.f32"))
    }

    fn require(&self, what: &str, missing: Vec<String>) -> Result<(), Error> {
        if missing.is_empty() {
            return Ok(());
        }
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        Err(Error::Resume(format!(
            "dedup: {} unit(s) of the {what} stage are not complete ({}{}): run `garbell dedup {what}` for every task first",
            missing.len(),
            shown.join(", "),
            if missing.len() > shown.len() { ", ..." } else { "" }
        )))
    }

    /// Stage 1: signatures of the selected shards into sorted band runs (`memory` bytes of
    /// buffered records in all, shared by the pool's threads; beyond it runs spill to disk).
    pub fn sign(
        &self,
        pool: &rayon::ThreadPool,
        slice: Option<(usize, usize)>,
        memory: usize,
    ) -> Result<StageReport, Error> {
        let units = selected(self.tasks.len(), slice);
        let per_thread = (memory / pool.current_num_threads().max(1)).max(1 << 20);
        let resumed: Vec<bool> = pool.install(|| {
            units
                .par_iter()
                .map(|&i| self.sign_one(i, per_thread))
                .collect::<Result<_, Error>>()
        })?;
        Ok(StageReport {
            units: units.len(),
            resumed: resumed.iter().filter(|r| **r).count(),
        })
    }

    /// Signs shard `i`; true when it was already done.
    fn sign_one(&self, i: usize, memory: usize) -> Result<bool, Error> {
        let marker = self.sign_marker(i);
        let tag = format!("part-{i:05}");
        if self.signed(i) {
            return Ok(true);
        }
        remove_temps(&self.done, &format!("sign-{tag}"))?;
        remove_temps(&self.scores, &tag)?;
        remove_runs(&self.buckets, &tag)?;
        remove_runs(&self.lines_dir, &tag)?;
        let mut sketches = self.sketch_writers(i)?;
        let mut writer = BucketWriter::create(&self.buckets, &tag, self.bands.max(1), memory)
            .map_err(dedup_err)?;
        let mut line_writer = match &self.lines {
            Some(_) => {
                Some(BucketWriter::create(&self.lines_dir, &tag, 1, memory).map_err(dedup_err)?)
            }
            None => None,
        };
        let mut hashes = Vec::new();
        let signal = match &self.cfg.survivor {
            Survivor::First => None,
            Survivor::HighestSignal(s) => Some(s.as_str()),
        };
        let mut scores = Vec::new();
        let exact_bands = usize::from(self.exact.is_some());
        let simhash_bands = exact_bands + self.minhash.as_ref().map_or(0, |m| m.config().bands);
        let (mut scratch, mut sig, mut buf) = (Scratch::new(), Signature::default(), String::new());
        let mut sketch = Vec::new();
        let reader = ShardReader::open(&self.out.join(&self.tasks[i].shard.path))?;
        let mut docs = 0u64;
        for (row, doc) in reader.enumerate() {
            let doc = doc?;
            let idx = self.offsets[i] + row as u64;
            if let Some(x) = &self.exact {
                if let Some(k) = x.key(&doc.text, doc.url.as_deref(), &mut buf) {
                    writer.push(0, k, idx).map_err(dedup_err)?;
                }
            }
            if let Some(m) = &self.minhash {
                m.sign_with_sketch(&doc.text, &mut scratch, &mut sig, &mut sketch);
                for (b, k) in m.band_keys(&sig).enumerate() {
                    writer.push(exact_bands + b, k, idx).map_err(dedup_err)?;
                }
                if let Some(w) = sketches.minhash.as_mut() {
                    w.push(&sketch).map_err(dedup_err)?;
                }
            }
            if let Some(s) = &self.simhash {
                let fp = s.fingerprint_into(&doc.text, &mut scratch);
                if let Some(fp) = fp {
                    for (b, k) in s.band_keys(fp).enumerate() {
                        writer.push(simhash_bands + b, k, idx).map_err(dedup_err)?;
                    }
                }
                if let Some(w) = sketches.simhash.as_mut() {
                    w.push(fp.as_slice()).map_err(dedup_err)?;
                }
            }
            if let (Some(l), Some(w)) = (&self.lines, line_writer.as_mut()) {
                hashes.clear();
                l.for_each_unit(&doc.text, &mut buf, |_, h| hashes.extend(h));
                for &h in &hashes {
                    w.push(0, h, idx).map_err(dedup_err)?;
                }
            }
            if let Some(s) = signal {
                let v = doc.signals.get(s).map_or(f32::NAN, |v| *v as f32);
                scores.extend_from_slice(&v.to_le_bytes());
            }
            docs += 1;
        }
        writer.finish().map_err(dedup_err)?;
        sketches.finish()?;
        if let Some(w) = line_writer {
            w.finish().map_err(dedup_err)?;
        }
        if signal.is_some() {
            write_atomic(&self.score_file(i), &scores)?;
        }
        write_atomic(
            &marker,
            &json_pretty(&SignMarker {
                config_hash: self.hash.to_string(),
                docs,
                shard_blake3: self.tasks[i].shard.blake3.clone(),
                first_doc: self.offsets[i],
            }),
        )?;
        Ok(false)
    }

    /// Stage 2: the candidate pairs of the selected bands, each a k-way merge of the band's runs
    /// with at most as many open runs as `memory` bytes (shared by the pool's threads) allow;
    /// more runs are first merged in groups on disk. Needs every shard signed.
    pub fn buckets(
        &self,
        pool: &rayon::ThreadPool,
        slice: Option<(usize, usize)>,
        memory: usize,
    ) -> Result<StageReport, Error> {
        let missing = (0..self.tasks.len())
            .filter(|&i| !self.signed(i))
            .map(|i| format!("shard {i}"))
            .collect();
        self.require("signatures", missing)?;
        let units = selected(self.bands, slice);
        let fan_in = fan_in_for_memory(memory / pool.current_num_threads().max(1));
        let resumed: Vec<bool> = pool.install(|| {
            units
                .par_iter()
                .map(|&b| -> Result<bool, Error> {
                    let marker = self.band_marker(b);
                    let pairs = self.pair_file(b);
                    if self.banded(b).is_some() {
                        return Ok(true);
                    }
                    let name = format!("band-{b:04}");
                    remove_temps(&self.done, &name)?;
                    remove_temps(&self.pairs, &name)?;
                    let mut stats =
                        band_pairs(&self.buckets, b, fan_in, &pairs).map_err(dedup_err)?;
                    stats.runs = 0;
                    write_atomic(
                        &marker,
                        &json_pretty(&BandMarker {
                            config_hash: self.hash.to_string(),
                            stats,
                            inputs: self.shards_digest.clone(),
                            pairs_blake3: hash_of(&pairs)?,
                        }),
                    )?;
                    Ok(false)
                })
                .collect::<Result<_, Error>>()
        })?;
        Ok(StageReport {
            units: units.len(),
            resumed: resumed.iter().filter(|r| **r).count(),
        })
    }

    /// Stage 3: the clusters (union-find over every band's pairs, survivors by the configured
    /// rule), written to `dedup/duplicates.bin`. Needs every band merged. Returns the counters and
    /// whether a previous run had done it.
    pub fn cluster(&self, memory: usize) -> Result<ClusterReport, Error> {
        let marker = self.done.join("cluster.json");
        let path = self.root.join("duplicates.bin");
        let lines_path = self.root.join("lines.dups");
        if let Some(m) = self.clustered() {
            return Ok(ClusterReport {
                stats: m.stats,
                lines: m.lines,
                resumed: true,
            });
        }
        let mut files = Vec::with_capacity(self.bands);
        let mut missing = Vec::new();
        for b in 0..self.bands {
            match self.banded(b) {
                Some(m) => files.push((self.pair_file(b), m.stats)),
                None => missing.push(format!("band {b}")),
            }
        }
        self.require("buckets", missing)?;
        let inputs = self.cluster_inputs().unwrap_or_default();
        remove_temps(&self.done, "cluster")?;
        remove_temps(&self.root, "duplicates")?;
        remove_temps(&self.root, "lines")?;
        let scores = match self.cfg.survivor {
            Survivor::First => None,
            Survivor::HighestSignal(_) => Some(self.read_scores()?),
        };
        let (files, mut checkers) = self.checked_pair_files(files)?;
        let (clusters, stats) =
            cluster_checked_pair_files(&files, &mut checkers, self.n_docs, scores)
                .map_err(dedup_err)?;
        let lines = match &self.lines {
            None => None,
            Some(_) => {
                let kept = |d: u64| !matches!(clusters.decision(d), Decision::Removed { .. });
                Some(
                    line_duplicates(
                        &self.lines_dir,
                        fan_in_for_memory(memory),
                        kept,
                        &lines_path,
                    )
                    .map_err(dedup_err)?,
                )
            }
        };
        clusters.write(&path).map_err(dedup_err)?;
        write_atomic(
            &marker,
            &json_pretty(&ClusterMarker {
                config_hash: self.hash.to_string(),
                stats: stats.clone(),
                lines: lines.clone(),
                inputs,
                duplicates_blake3: hash_of(&path)?,
                lines_blake3: if self.lines.is_some() {
                    hash_of(&lines_path)?
                } else {
                    String::new()
                },
            }),
        )?;
        Ok(ClusterReport {
            stats,
            lines,
            resumed: false,
        })
    }

    fn read_scores(&self) -> Result<Vec<f32>, Error> {
        let mut scores = Vec::with_capacity(usize::try_from(self.n_docs).unwrap_or(0));
        for (i, t) in self.tasks.iter().enumerate() {
            let p = self.score_file(i);
            let bytes = std::fs::read(&p).map_err(|e| io_err(&p, e))?;
            if bytes.len() as u64 != t.shard.rows * 4 {
                return Err(Error::Dedup(format!(
                    "{}: {} bytes for {} documents",
                    p.display(),
                    bytes.len(),
                    t.shard.rows
                )));
            }
            scores.extend(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
        Ok(scores)
    }

    /// Stage 4: the selected shards rewritten into `dedup/shards/` without the removed documents;
    /// survivors carry the signal `dedup_cluster_size`. Needs the clusters.
    pub fn filter(
        &self,
        pool: &rayon::ThreadPool,
        slice: Option<(usize, usize)>,
    ) -> Result<StageReport, Error> {
        let Some(cluster) = self.clustered() else {
            return self
                .require("cluster", vec!["clusters".into()])
                .map(|_| StageReport::default());
        };
        let units = selected(self.tasks.len(), slice);
        let pending: Vec<usize> = units
            .iter()
            .copied()
            .filter(|&i| self.applied(i, &cluster).is_none())
            .collect();
        if !pending.is_empty() {
            let clusters = Clusters::read(&self.root.join("duplicates.bin")).map_err(dedup_err)?;
            let lines = match &self.lines {
                Some(_) => {
                    Some(LineDuplicates::read(&self.root.join("lines.dups")).map_err(dedup_err)?)
                }
                None => None,
            };
            pool.install(|| {
                pending.par_iter().try_for_each(|&i| {
                    self.filter_one(
                        i,
                        &clusters,
                        lines.as_ref(),
                        &self.apply_inputs(i, &cluster),
                    )
                })
            })?;
        }
        Ok(StageReport {
            units: units.len(),
            resumed: units.len() - pending.len(),
        })
    }

    fn apply_marker(&self, i: usize) -> PathBuf {
        self.done.join(format!("apply-part-{i:05}.json"))
    }

    /// The marker of shard `i` when its filtered shard is complete for the current shard and
    /// clusters.
    fn applied(&self, i: usize, cluster: &ClusterMarker) -> Option<ApplyMarker> {
        let m = read_marker::<ApplyMarker>(&self.apply_marker(i), self.hash, |m| &m.config_hash)?;
        (m.inputs == self.apply_inputs(i, cluster)
            && std::fs::metadata(self.out.join(&m.shard.path))
                .is_ok_and(|md| md.len() == m.shard.bytes))
        .then_some(m)
    }

    fn filter_one(
        &self,
        i: usize,
        clusters: &Clusters,
        lines: Option<&LineDuplicates>,
        inputs: &str,
    ) -> Result<(), Error> {
        let tag = format!("part-{i:05}");
        remove_temps(&self.shards, &tag)?;
        remove_temps(&self.done, &format!("apply-{tag}"))?;
        let rel = format!("dedup/shards/{tag}.parquet");
        let mut stats = StepStats::new(STEP);
        let mut writer = ShardWriter::create(&self.out.join(&rel), self.shard_config)?;
        let reader = ShardReader::open(&self.out.join(&self.tasks[i].shard.path))?;
        let mut buf = String::new();
        for (row, doc) in reader.enumerate() {
            let mut doc = doc?;
            let bytes = doc.text.len() as u64;
            let idx = self.offsets[i] + row as u64;
            let size = match clusters.decision(idx) {
                Decision::Removed { .. } => {
                    stats.record(&doc.lang, bytes, Outcome::Dropped(REASON));
                    continue;
                }
                Decision::Survivor { cluster_size } => cluster_size,
                Decision::Unique => 1,
            };
            doc.signals.insert("dedup_cluster_size".into(), size as f64);
            if let (Some(dups), Some(hasher)) = (lines, &self.lines) {
                let (text, removed) = dups.apply(hasher, idx, &doc.text, &mut buf);
                doc.signals
                    .insert("dedup_lines_removed".into(), removed as f64);
                if removed > 0 {
                    if text.trim().is_empty() {
                        stats.record(&doc.lang, bytes, Outcome::Dropped(REASON_LINES));
                        continue;
                    }
                    doc.text = text;
                }
            }
            let bytes_out = doc.text.len() as u64;
            stats.record(&doc.lang, bytes, Outcome::Kept { bytes_out });
            writer.write(&doc)?;
        }
        let info = writer.commit()?;
        let m = ApplyMarker {
            config_hash: self.hash.to_string(),
            stats,
            shard: Output {
                path: rel,
                rows: info.rows,
                bytes: info.bytes,
                blake3: info.blake3,
            },
            inputs: inputs.to_string(),
        };
        write_atomic(&self.apply_marker(i), &json_pretty(&m))
    }

    /// The merged result once every stage is complete.
    pub fn outcome(&self) -> Result<DedupOutcome, Error> {
        let Some(cluster) = self.clustered() else {
            return Err(Error::Resume(
                "dedup: the cluster stage is not complete: run `garbell dedup cluster` first"
                    .into(),
            ));
        };
        let mut stats = StepStats::new(STEP);
        let mut outputs = Vec::with_capacity(self.tasks.len());
        let mut missing = Vec::new();
        for i in 0..self.tasks.len() {
            match self.applied(i, &cluster) {
                Some(m) => {
                    stats += &m.stats;
                    outputs.push(m.shard);
                }
                None => missing.push(format!("shard {i}")),
            }
        }
        self.require("filter", missing)?;
        Ok(DedupOutcome {
            stats,
            outputs,
            clusters: cluster.stats,
            files: self.published_files(),
        })
    }
}

// Verification records (the clustering/verification part of the dedup stages): stage 1 writes
// one record per document of each shard for every method that verifies its candidate pairs
// (MinHash with `verify`: bottom-k sketch; SimHash: fingerprint); stage 3 reads them back by
// positioned reads to check each pair before it joins a cluster (`garbell_dedup::verify`).

/// The verification writers of one shard.
struct ShardSketches {
    minhash: Option<SketchWriter>,
    simhash: Option<SketchWriter>,
}

impl ShardSketches {
    fn finish(self) -> Result<(), Error> {
        for w in [self.minhash, self.simhash].into_iter().flatten() {
            w.finish().map_err(dedup_err)?;
        }
        Ok(())
    }
}

impl DedupJob<'_> {
    fn sketch_file(&self, method: &str, i: usize) -> PathBuf {
        self.sketches.join(method).join(format!("part-{i:05}.sk"))
    }

    /// The sketch width of MinHash verification, when configured.
    fn minhash_sketch(&self) -> Option<(usize, f64)> {
        let v = self.minhash.as_ref()?.config().verify.as_ref()?;
        Some((v.sketch_size, v.threshold))
    }

    fn sketch_writers(&self, i: usize) -> Result<ShardSketches, Error> {
        let tag = format!("part-{i:05}");
        let open = |method: &str, width: usize| -> Result<SketchWriter, Error> {
            let dir = self.sketches.join(method);
            remove_temps(&dir, &tag)?;
            SketchWriter::create(&self.sketch_file(method, i), width).map_err(dedup_err)
        };
        Ok(ShardSketches {
            minhash: self
                .minhash_sketch()
                .map(|(k, _)| open("minhash", k))
                .transpose()?,
            simhash: self
                .simhash
                .as_ref()
                .map(|_| open("simhash", 1))
                .transpose()?,
        })
    }

    fn sketch_store(&self, method: &str, width: usize) -> Result<SketchStore, Error> {
        let paths: Vec<PathBuf> = (0..self.tasks.len())
            .map(|i| self.sketch_file(method, i))
            .collect();
        let docs: Vec<u64> = self.tasks.iter().map(|t| t.shard.rows).collect();
        SketchStore::open(&paths, &docs, width).map_err(dedup_err)
    }

    /// Each band's pair file with the index of its check: 0 none (exact keys, unverified
    /// MinHash), 1 MinHash sketches, 2 SimHash fingerprints.
    #[allow(clippy::type_complexity)]
    fn checked_pair_files(
        &self,
        files: Vec<(PathBuf, PairStats)>,
    ) -> Result<(Vec<(PathBuf, PairStats, usize)>, Vec<PairCheck>), Error> {
        let mut checkers = vec![PairCheck::None];
        let exact_bands = usize::from(self.exact.is_some());
        let minhash_bands = self.minhash.as_ref().map_or(0, |m| m.config().bands);
        let minhash_check = match self.minhash_sketch() {
            Some((k, threshold)) => {
                checkers.push(PairCheck::Jaccard {
                    store: self.sketch_store("minhash", k)?,
                    k,
                    threshold,
                });
                checkers.len() - 1
            }
            None => 0,
        };
        let simhash_check = match &self.simhash {
            Some(s) => {
                checkers.push(PairCheck::Hamming {
                    store: self.sketch_store("simhash", 1)?,
                    max_distance: s.config().max_distance,
                });
                checkers.len() - 1
            }
            None => 0,
        };
        let files = files
            .into_iter()
            .enumerate()
            .map(|(b, (p, st))| {
                let check = if b < exact_bands {
                    0
                } else if b < exact_bands + minhash_bands {
                    minhash_check
                } else {
                    simhash_check
                };
                (p, st, check)
            })
            .collect();
        Ok((files, checkers))
    }
}

/// Runs signatures → buckets → clusters → removal over the chain's shards (the whole dedup of
/// `garbell run`), skipping whatever a previous run completed.
pub fn run_dedup(
    cfg: &DedupConfig,
    shard_config: &ShardConfig,
    tasks: &[TaskReport],
    out: &Path,
    hash: &str,
    pool: &rayon::ThreadPool,
) -> Result<DedupOutcome, Error> {
    let job = DedupJob::new(cfg, shard_config, tasks, out, hash)?;
    let memory = cfg.memory_mib << 20;
    job.sign(pool, None, memory)?;
    job.buckets(pool, None, memory)?;
    job.cluster(memory)?;
    job.filter(pool, None)?;
    job.outcome()
}

/// The completion markers of every task of a run over `inputs` whose configuration hash is
/// `hash`: what the dedup stages of `garbell dedup` work on. Fails naming the tasks that are
/// missing, were written for another input path or size (an input changed since: run its task
/// again first), or with another configuration. (Input contents are hashed by the run tasks
/// themselves; here only sizes, so that every array task of a dedup stage does not read every
/// input.)
pub fn completed_tasks(
    out: &Path,
    inputs: &[PathBuf],
    hash: &str,
) -> Result<Vec<TaskReport>, Error> {
    let mut tasks = Vec::with_capacity(inputs.len());
    let mut missing = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let p = out.join("completions").join(format!("part-{i:05}.json"));
        let rep = std::fs::read(&p)
            .ok()
            .and_then(|b| serde_json::from_slice::<TaskReport>(&b).ok());
        let same_input = |r: &TaskReport| {
            r.input.path == input.display().to_string()
                && crate::runner::input_size(input).is_ok_and(|n| n == r.input.bytes)
        };
        match rep {
            Some(r) if r.config_hash == hash && r.index == i && same_input(&r) => tasks.push(r),
            Some(r) if r.config_hash != hash => {
                return Err(Error::Resume(format!(
                    "{} was written with another configuration (hash {}, now {hash})",
                    p.display(),
                    r.config_hash
                )))
            }
            _ => missing.push(i),
        }
    }
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(10).map(|i| i.to_string()).collect();
        return Err(Error::Resume(format!(
            "{} task(s) of the run in {} are not complete or not current (inputs {}{}): run `garbell run` with the same arguments first",
            missing.len(),
            out.display(),
            shown.join(", "),
            if missing.len() > shown.len() { ", ..." } else { "" }
        )));
    }
    Ok(tasks)
}

/// Removes the run files a shard's interrupted signature pass may have left.
fn remove_runs(buckets: &Path, tag: &str) -> Result<(), Error> {
    let (done, temp) = (format!("{tag}-"), format!(".{tag}-"));
    remove_band_files(buckets, &|name| {
        name.starts_with(&done) || name.starts_with(&temp)
    })
}

/// Removes the runs of shards numbered `n` and above from every band directory of `dir`.
fn remove_runs_beyond(dir: &Path, n: usize) -> Result<(), Error> {
    remove_band_files(dir, &|name| {
        name.trim_start_matches('.')
            .strip_prefix("part-")
            .and_then(|r| r.get(..5))
            .and_then(|d| d.parse::<usize>().ok())
            .is_some_and(|i| i >= n)
    })
}

/// Removes the files of every band directory of `dir` whose name `remove` accepts (a file
/// already gone is no error).
fn remove_band_files(dir: &Path, remove: &dyn Fn(&str) -> bool) -> Result<(), Error> {
    let Ok(bands) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for band in bands {
        let band = band.map_err(|e| io_err(dir, e))?.path();
        if !band.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&band).map_err(|e| io_err(&band, e))? {
            let p = f.map_err(|e| io_err(&band, e))?.path();
            let matched = p.file_name().is_some_and(|n| remove(&n.to_string_lossy()));
            if matched {
                match std::fs::remove_file(&p) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(io_err(&p, e))
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Written-by-language counts after dedup.
pub fn written_by_lang(stats: &StepStats) -> BTreeMap<String, u64> {
    stats
        .by_lang
        .iter()
        .filter(|(_, c)| c.kept > 0)
        .map(|(l, c)| (l.clone(), c.kept))
        .collect()
}
