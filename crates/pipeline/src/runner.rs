//! The task runner: inputs in parallel, one shard per input, merged statistics.
//!
//! Output directory layout:
//!
//! ```text
//! <out>/shards/part-00000.parquet   one shard per input, in sorted input order
//! <out>/stats.json                  merged ChainStats (deterministic)
//! <out>/errors.jsonl                every record error: input, offset, kind, message
//! <out>/manifest.json               config + hash, inputs + hashes, outputs + hashes, stats
//! <out>/run.json                    environment facts (threads, seconds): not reproducible
//! ```
//!
//! Every file is written under a temporary name and renamed when complete.

use crate::registry::{build_chain, Context};
use crate::{Chain, Error};
use garbell_config::{config_hash, ChainConfig, LanguageProfile};
use garbell_core::{ChainStats, RecordError};
use garbell_io::Record;
use garbell_shard::{ShardInfo, ShardWriter};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Record errors kept in memory per input for `errors.jsonl`; more are counted only.
const MAX_ERRORS_LISTED_PER_INPUT: usize = 10_000;

/// How to run.
pub struct RunOptions {
    /// Worker threads (inputs processed at once).
    pub threads: usize,
    /// Output directory.
    pub output: PathBuf,
    /// Called after each input completes with (inputs done, documents read so far).
    pub progress: Option<Box<dyn Fn(u64, u64) + Sync>>,
}

/// What one input produced.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    /// The input as listed.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// blake3 of its content.
    pub blake3: String,
    /// The shard written for it.
    pub shard: ShardInfo,
    /// Its statistics.
    pub stats: ChainStats,
}

/// The result of a run.
#[derive(Debug)]
pub struct RunSummary {
    /// Merged statistics.
    pub stats: ChainStats,
    /// Per input, in input order.
    pub inputs: Vec<InputReport>,
    /// Record errors (at most 10,000 listed per input; `stats.read_errors` counts them all).
    pub errors: Vec<RecordError>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// The reproducible part of `manifest.json`.
#[derive(Serialize)]
struct Manifest<'a> {
    format_version: u32,
    tool: &'static str,
    tool_version: &'static str,
    chain: &'a ChainConfig,
    languages: &'a BTreeMap<String, LanguageProfile>,
    config_hash: String,
    inputs: Vec<ManifestInput<'a>>,
    outputs: Vec<ManifestOutput>,
    stats: &'a ChainStats,
}

#[derive(Serialize)]
struct ManifestInput<'a> {
    path: &'a str,
    bytes: u64,
    blake3: &'a str,
}

#[derive(Serialize)]
struct ManifestOutput {
    path: String,
    rows: u64,
    bytes: u64,
    blake3: String,
}

/// Runs `config` over `inputs` (already listed and sorted) with the profiles in `ctx`.
pub fn run(
    config: &ChainConfig,
    inputs: &[PathBuf],
    mut ctx: Context,
    opts: &RunOptions,
) -> Result<RunSummary, Error> {
    let start = Instant::now();
    let chain = build_chain(config, &mut ctx)?;
    let shard_dir = opts.output.join("shards");
    std::fs::create_dir_all(&shard_dir).map_err(|e| io_err(&shard_dir, e))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Threads(e.to_string()))?;
    let done = AtomicU64::new(0);
    let docs = AtomicU64::new(0);
    let results: Vec<Result<(InputReport, Vec<RecordError>), Error>> = pool.install(|| {
        inputs
            .par_iter()
            .enumerate()
            .map(|(i, path)| {
                let r = process_input(
                    config,
                    &chain,
                    path,
                    &shard_dir.join(format!("part-{i:05}.parquet")),
                );
                if let Ok((rep, _)) = &r {
                    let n = docs.fetch_add(rep.stats.records_read, Ordering::Relaxed)
                        + rep.stats.records_read;
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if let Some(p) = &opts.progress {
                        p(d, n);
                    }
                }
                r
            })
            .collect()
    });
    let mut stats = chain.new_stats();
    let mut reports = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        let (rep, errs) = r?;
        stats += &rep.stats;
        errors.extend(errs);
        reports.push(rep);
    }
    let summary = RunSummary {
        stats,
        inputs: reports,
        errors,
        seconds: start.elapsed().as_secs_f64(),
    };
    write_outputs(config, &ctx, opts, &summary)?;
    Ok(summary)
}

fn process_input(
    config: &ChainConfig,
    chain: &Chain,
    path: &Path,
    shard: &Path,
) -> Result<(InputReport, Vec<RecordError>), Error> {
    let records = garbell_io::open_source(path, &config.source)?;
    let mut writer = ShardWriter::create(shard, &config.output)?;
    let mut stats = chain.new_stats();
    let mut errors = Vec::new();
    for rec in records {
        match rec {
            Ok(Record::Document(doc)) => {
                stats.records_read += 1;
                if let Some(doc) = chain.run(doc, &mut stats) {
                    writer.write(&doc)?;
                    stats.written += 1;
                    *stats.written_by_lang.entry(doc.lang.clone()).or_default() += 1;
                }
            }
            Ok(Record::Skipped(reason)) => {
                *stats.skipped.entry(reason.to_string()).or_default() += 1
            }
            Err(e) => {
                *stats.read_errors.entry(e.kind.to_string()).or_default() += 1;
                if errors.len() < MAX_ERRORS_LISTED_PER_INPUT {
                    errors.push(e);
                }
            }
        }
    }
    let info = writer.commit()?;
    let blake3 = garbell_shard::hash_file(path)?;
    let bytes = std::fs::metadata(path).map_err(|e| io_err(path, e))?.len();
    Ok((
        InputReport {
            path: path.display().to_string(),
            bytes,
            blake3,
            shard: info,
            stats,
        },
        errors,
    ))
}

fn write_outputs(
    config: &ChainConfig,
    ctx: &Context,
    opts: &RunOptions,
    s: &RunSummary,
) -> Result<(), Error> {
    let out = &opts.output;
    write_atomic(&out.join("stats.json"), &json_pretty(&s.stats))?;
    let mut errs = Vec::new();
    for e in &s.errors {
        let line = serde_json::json!({"input": e.input, "offset": e.offset, "kind": e.kind, "message": e.message});
        errs.extend_from_slice(line.to_string().as_bytes());
        errs.push(b'\n');
    }
    write_atomic(&out.join("errors.jsonl"), &errs)?;
    let languages: BTreeMap<String, LanguageProfile> = ctx
        .languages
        .iter()
        .map(|p| (p.code.clone(), p.clone()))
        .collect();
    let manifest = Manifest {
        format_version: 1,
        tool: "garbell",
        tool_version: env!("CARGO_PKG_VERSION"),
        chain: config,
        languages: &languages,
        config_hash: config_hash(&(config, &languages)),
        inputs: s
            .inputs
            .iter()
            .map(|i| ManifestInput {
                path: &i.path,
                bytes: i.bytes,
                blake3: &i.blake3,
            })
            .collect(),
        outputs: s
            .inputs
            .iter()
            .map(|i| ManifestOutput {
                path: i
                    .shard
                    .path
                    .strip_prefix(out)
                    .unwrap_or(&i.shard.path)
                    .display()
                    .to_string(),
                rows: i.shard.rows,
                bytes: i.shard.bytes,
                blake3: i.shard.blake3.clone(),
            })
            .collect(),
        stats: &s.stats,
    };
    write_atomic(&out.join("manifest.json"), &json_pretty(&manifest))?;
    let run = serde_json::json!({
        "threads": opts.threads,
        "seconds": s.seconds,
        "inputs": s.inputs.len(),
        "records_read": s.stats.records_read,
    });
    write_atomic(&out.join("run.json"), &json_pretty(&run))?;
    Ok(())
}

fn json_pretty<T: Serialize>(v: &T) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).unwrap_or_default();
    b.push(b'\n');
    b
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory, fsynced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(path, e));
    }
    Ok(())
}
