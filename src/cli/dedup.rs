//! `garbell dedup <stage>`: the chain's `[dedup]` stages one at a time over a run directory,
//! each sliceable into array tasks (`--task-index/--task-count` or Slurm's array variables).
//!
//! ```text
//! garbell run     --chain C -o OUT --task-index K --task-count N INPUTS   # every K: shards
//! garbell dedup signatures --chain C -o OUT --task-index K --task-count N INPUTS   # per shard
//! garbell dedup buckets    --chain C -o OUT --task-index K --task-count N INPUTS   # per band
//! garbell dedup cluster    --chain C -o OUT INPUTS                                 # one task
//! garbell dedup filter     --chain C -o OUT --task-index K --task-count N INPUTS   # per shard
//! garbell run --merge      --chain C -o OUT INPUTS    # stats.json, manifest.json
//! ```
//!
//! The result is byte for byte what `garbell run` writes in one go: that command runs the same
//! stages (`garbell_pipeline::dedup`) and skips whatever is already complete.

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use garbell_pipeline::dedup::{completed_tasks, DedupJob, StageReport};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DedupCommand {
    /// Stage 1, per shard: MinHash signatures and exact keys into sorted band runs on disk.
    Signatures(SlicedArgs),
    /// Stage 2, per band: k-way merge of the band's runs into its candidate pairs.
    Buckets(SlicedArgs),
    /// Stage 3, one task: union-find over every band's pairs; survivors by the chain's rule.
    Cluster(CommonArgs),
    /// Stage 4, per shard: rewrite the shard into dedup/shards/ without removed documents.
    Filter(SlicedArgs),
}

#[derive(Args)]
pub struct CommonArgs {
    /// Chain file (with a `[dedup]` table), or the name of an embedded chain.
    #[arg(long)]
    chain: String,
    /// Run directory (the `--output` of `garbell run`).
    #[arg(long, short)]
    output: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Language profiles directory (default: the profiles embedded at build time).
    #[arg(long)]
    languages: Option<PathBuf>,
    /// Memory for buffered records (signatures) or open runs (buckets), in MiB, shared by the
    /// threads; beyond it data spills to disk. Default: the chain's `dedup.memory_mib`. Does not
    /// change the result.
    #[arg(long)]
    memory_mib: Option<usize>,
    /// Near-duplicate method replacing the chain's `[dedup.minhash]`/`[dedup.simhash]` (give
    /// the same value to `garbell run` and every stage: it is part of the configuration hash).
    #[arg(long, value_enum)]
    near_dups: Option<NearDups>,
    /// The inputs given to `garbell run` (files or directories).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
}

/// `--near-dups`: which near-duplicate method the dedup stages use, whatever the chain says.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum NearDups {
    /// MinHash with verified candidates (the `web` chain's setting, `preset = "garbell"`).
    Minhash,
    /// FineWeb's MinHash: 5-grams, 14 bands x 8 rows, unverified (`preset = "fineweb"`).
    Fineweb,
    /// SimHash: fingerprints within 3 bits (Manku et al.'s tables, each pair checked).
    Simhash,
    /// No near-duplicate removal (exact and line dedup stay as the chain says).
    None,
}

/// Replaces the chain's near-duplicate method with `method` (no change for `None`).
pub fn select_near_dups(chain: &mut garbell_config::ChainConfig, method: Option<NearDups>) {
    chain.dedup.select_near_dups(match method {
        None => return,
        Some(NearDups::Minhash) => "minhash",
        Some(NearDups::Fineweb) => "fineweb",
        Some(NearDups::Simhash) => "simhash",
        Some(NearDups::None) => "none",
    });
}

#[derive(Args)]
pub struct SlicedArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Do only task INDEX of --task-count tasks (units u with u % COUNT == INDEX; units are
    /// shards, or bands for `buckets`). Defaults to $SLURM_ARRAY_TASK_ID.
    #[arg(long, requires = "task_count")]
    task_index: Option<usize>,
    /// Number of tasks the units are split into. Defaults to $SLURM_ARRAY_TASK_COUNT.
    #[arg(long, requires = "task_index")]
    task_count: Option<usize>,
}

pub fn dedup(c: DedupCommand) -> Result<i32> {
    let (stage, common, slice) = match &c {
        DedupCommand::Signatures(a) => ("signatures", &a.common, Some(a)),
        DedupCommand::Buckets(a) => ("buckets", &a.common, Some(a)),
        DedupCommand::Cluster(a) => ("cluster", a, None),
        DedupCommand::Filter(a) => ("filter", &a.common, Some(a)),
    };
    let slice = match slice {
        Some(a) => super::run::task_slice(a.task_index, a.task_count)?,
        None => None,
    };
    let langs = super::load_languages(common.languages.as_deref())?;
    let (name, mut chain) = super::load_chain(&common.chain)?;
    select_near_dups(&mut chain, common.near_dups);
    chain.validate(&name, &langs)?;
    anyhow::ensure!(
        chain.dedup.enabled(),
        "{name} has no [dedup.exact], [dedup.minhash], [dedup.simhash] or [dedup.lines] table: nothing to deduplicate"
    );
    let inputs = super::list_run_inputs(&common.inputs, chain.source.format, &common.output)
        .context("listing inputs")?;
    anyhow::ensure!(!inputs.is_empty(), "no input files found");
    let (_, hash) = garbell_pipeline::runner::resolved_config(&chain, &langs);
    let out = &common.output;
    let tasks = completed_tasks(out, &inputs, &hash)?;
    let job = DedupJob::new(&chain.dedup, &chain.output, &tasks, out, &hash)?;
    let threads = common
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    let memory = common.memory_mib.unwrap_or(chain.dedup.memory_mib) << 20;
    let report = |what: &str, r: StageReport| {
        let of = slice.map_or(String::new(), |(k, n)| format!(" (task {k} of {n})"));
        eprintln!(
            "garbell: dedup {stage}{of}: {} {what} done, {} of them already complete",
            r.units, r.resumed
        );
    };
    match c {
        DedupCommand::Signatures(_) => report("shards", job.sign(&pool, slice, memory)?),
        DedupCommand::Buckets(_) => report("bands", job.buckets(&pool, slice, memory)?),
        DedupCommand::Filter(_) => {
            report("shards", job.filter(&pool, slice)?);
            eprintln!(
                "garbell: once every filter task is done, `garbell run --merge` with the run's arguments writes stats.json and manifest.json"
            );
        }
        DedupCommand::Cluster(_) => {
            let r = job.cluster(memory)?;
            let s = &r.stats;
            eprintln!(
                "garbell: dedup cluster{}: {} documents, {} candidate pairs, {} clusters, {} duplicates to remove -> {}",
                if r.resumed { " (already complete)" } else { "" },
                s.docs,
                s.candidate_pairs,
                s.clusters,
                s.removed,
                out.join("dedup/duplicates.bin").display()
            );
            if let Some(l) = &r.lines {
                eprintln!(
                    "garbell: dedup cluster: {} units hashed, {} repeated, {} occurrences to remove -> {}",
                    l.units,
                    l.repeated,
                    l.to_remove,
                    out.join("dedup/lines.dups").display()
                );
            }
        }
    }
    Ok(0)
}
