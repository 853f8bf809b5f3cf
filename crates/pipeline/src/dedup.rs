//! The corpus-wide deduplication stage that follows the chain when a chain file has a
//! `[dedup]` table.
//!
//! ```text
//! <out>/dedup/buckets/band-NNNN/part-XXXXX-NNNNNN.run   sorted (band key, doc) runs, per shard
//! <out>/dedup/duplicates.bin                            the clusters (garbell-dedup format)
//! <out>/dedup/shards/part-XXXXX.parquet                 the deduplicated shards (final corpus)
//! <out>/dedup/completions/{sign,apply}-part-XXXXX.json  per-shard completion markers
//! ```
//!
//! Documents are numbered in input order (shard by shard, row by row), so clusters, survivors
//! (the first document of each cluster) and outputs do not depend on the thread count. Each
//! sub-stage resumes: shards whose marker exists are skipped.

use crate::runner::{json_pretty, write_atomic, TaskReport};
use crate::Error;
use garbell_config::DedupConfig;
use garbell_core::{Outcome, StepStats};
use garbell_dedup::{cluster_bucket_dir, BucketWriter, Clusters, Decision, Scratch, Signature};
use garbell_manifest::Output;
use garbell_shard::{ShardConfig, ShardReader, ShardWriter};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The name of the dedup step in statistics, and its drop reason.
pub const STEP: &str = "dedup";
const REASON: &str = "duplicate";

/// What the dedup stage produced.
pub struct DedupOutcome {
    /// Per-language counters of the dedup step.
    pub stats: StepStats,
    /// The deduplicated shards, in input order.
    pub outputs: Vec<Output>,
    /// Clusters found, documents removed.
    pub clusters: garbell_dedup::ClusterStats,
}

#[derive(Serialize, Deserialize)]
struct SignMarker {
    config_hash: String,
    docs: u64,
}

#[derive(Serialize, Deserialize)]
struct ApplyMarker {
    config_hash: String,
    stats: StepStats,
    shard: Output,
}

fn dedup_err(e: garbell_dedup::Error) -> Error {
    Error::Dedup(e.to_string())
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

/// Runs signatures → clusters → removal over the chain's shards.
pub fn run_dedup(
    cfg: &DedupConfig,
    shard_config: &ShardConfig,
    tasks: &[TaskReport],
    out: &Path,
    hash: &str,
    pool: &rayon::ThreadPool,
) -> Result<DedupOutcome, Error> {
    let root = out.join("dedup");
    let buckets = root.join("buckets");
    let done = root.join("completions");
    let shards = root.join("shards");
    for d in [&root, &buckets, &done, &shards] {
        std::fs::create_dir_all(d).map_err(|e| Error::Io {
            path: d.display().to_string(),
            source: e,
        })?;
    }
    // The merge runs alone: every temporary file here is a leftover of a killed run.
    for d in [&root, &done, &shards] {
        crate::runner::remove_stale_temps(d, &|_| true)?;
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
    let exact_bands = usize::from(exact.is_some());
    let bands = exact_bands + minhash.as_ref().map_or(0, |m| m.config().bands);
    let mut offsets = Vec::with_capacity(tasks.len());
    let mut n_docs = 0u64;
    for t in tasks {
        offsets.push(n_docs);
        n_docs += t.shard.rows;
    }
    let memory = (cfg.memory_mib << 20) / pool.current_num_threads().max(1);

    // 1. Signatures into sorted band runs, one writer per shard.
    pool.install(|| {
        tasks
            .par_iter()
            .enumerate()
            .try_for_each(|(i, t)| -> Result<(), Error> {
                let marker = done.join(format!("sign-part-{i:05}.json"));
                if read_marker::<SignMarker>(&marker, hash, |m| &m.config_hash).is_some() {
                    return Ok(());
                }
                let tag = format!("part-{i:05}");
                remove_runs(&buckets, &tag)?;
                let mut writer = BucketWriter::create(&buckets, &tag, bands, memory.max(1 << 20))
                    .map_err(dedup_err)?;
                let (mut scratch, mut sig, mut buf) =
                    (Scratch::new(), Signature::default(), String::new());
                let reader = ShardReader::open(&out.join(&t.shard.path))?;
                let mut docs = 0u64;
                for (row, doc) in reader.enumerate() {
                    let doc = doc?;
                    let idx = offsets[i] + row as u64;
                    if let Some(x) = &exact {
                        if let Some(k) = x.key(&doc.text, doc.url.as_deref(), &mut buf) {
                            writer.push(0, k, idx).map_err(dedup_err)?;
                        }
                    }
                    if let Some(m) = &minhash {
                        m.sign_into(&doc.text, &mut scratch, &mut sig);
                        for (b, k) in m.band_keys(&sig).enumerate() {
                            writer.push(exact_bands + b, k, idx).map_err(dedup_err)?;
                        }
                    }
                    docs += 1;
                }
                writer.finish().map_err(dedup_err)?;
                write_atomic(
                    &marker,
                    &json_pretty(&SignMarker {
                        config_hash: hash.to_string(),
                        docs,
                    }),
                )
            })
    })?;

    // 2. Clusters.
    let clusters_path = root.join("duplicates.bin");
    let cluster_marker = done.join("cluster.json");
    let (clusters, cluster_stats) =
        match read_marker::<ClusterMarker>(&cluster_marker, hash, |m| &m.config_hash) {
            Some(m) => (Clusters::read(&clusters_path).map_err(dedup_err)?, m.stats),
            None => {
                let (c, s) = cluster_bucket_dir(&buckets, n_docs, None, 64).map_err(dedup_err)?;
                c.write(&clusters_path).map_err(dedup_err)?;
                write_atomic(
                    &cluster_marker,
                    &json_pretty(&ClusterMarker {
                        config_hash: hash.to_string(),
                        stats: s.clone(),
                    }),
                )?;
                (c, s)
            }
        };

    // 3. Removal: rewrite each shard without the removed documents.
    let results: Vec<Result<ApplyMarker, Error>> = pool.install(|| {
        tasks
            .par_iter()
            .enumerate()
            .map(|(i, t)| {
                let marker = done.join(format!("apply-part-{i:05}.json"));
                let rel = format!("dedup/shards/part-{i:05}.parquet");
                if let Some(m) = read_marker::<ApplyMarker>(&marker, hash, |m| &m.config_hash) {
                    if std::fs::metadata(out.join(&rel)).is_ok_and(|md| md.len() == m.shard.bytes) {
                        return Ok(m);
                    }
                }
                let mut stats = StepStats::new(STEP);
                let mut writer = ShardWriter::create(&out.join(&rel), shard_config)?;
                let reader = ShardReader::open(&out.join(&t.shard.path))?;
                for (row, doc) in reader.enumerate() {
                    let mut doc = doc?;
                    let bytes = doc.text.len() as u64;
                    let size = match clusters.decision(offsets[i] + row as u64) {
                        Decision::Removed { .. } => {
                            stats.record(&doc.lang, bytes, Outcome::Dropped(REASON));
                            continue;
                        }
                        Decision::Survivor { cluster_size } => cluster_size,
                        Decision::Unique => 1,
                    };
                    doc.signals.insert("dedup_cluster_size".into(), size as f64);
                    stats.record(&doc.lang, bytes, Outcome::Kept { bytes_out: bytes });
                    writer.write(&doc)?;
                }
                let info = writer.commit()?;
                let m = ApplyMarker {
                    config_hash: hash.to_string(),
                    stats,
                    shard: Output {
                        path: rel,
                        rows: info.rows,
                        bytes: info.bytes,
                        blake3: info.blake3,
                    },
                };
                write_atomic(&marker, &json_pretty(&m))?;
                Ok(m)
            })
            .collect()
    });
    let mut stats = StepStats::new(STEP);
    let mut outputs = Vec::with_capacity(results.len());
    for r in results {
        let m = r?;
        stats += &m.stats;
        outputs.push(m.shard);
    }
    Ok(DedupOutcome {
        stats,
        outputs,
        clusters: cluster_stats,
    })
}

#[derive(Serialize, Deserialize)]
struct ClusterMarker {
    config_hash: String,
    stats: garbell_dedup::ClusterStats,
}

/// Removes the run files a shard's interrupted signature pass may have left.
fn remove_runs(buckets: &Path, tag: &str) -> Result<(), Error> {
    let io = |p: &Path, e| Error::Io {
        path: p.display().to_string(),
        source: e,
    };
    let Ok(bands) = std::fs::read_dir(buckets) else {
        return Ok(());
    };
    for band in bands {
        let band = band.map_err(|e| io(buckets, e))?.path();
        if !band.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&band).map_err(|e| io(&band, e))? {
            let p = f.map_err(|e| io(&band, e))?.path();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with(&format!("{tag}-")) || name.starts_with(&format!(".{tag}-")) {
                std::fs::remove_file(&p).map_err(|e| io(&p, e))?;
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
