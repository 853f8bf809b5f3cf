//! `garbell run`.

use anyhow::{Context as _, Result};
use clap::Args;
use garbell_pipeline::registry::Context;
use garbell_pipeline::{run as run_chain, RunOptions};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args)]
pub struct RunArgs {
    /// Chain file, or the name of an embedded chain (`quickstart`, ...).
    #[arg(long)]
    chain: Option<String>,
    /// Output directory.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores). Inputs run side by side, and one input's records are
    /// also spread over the workers (read in order, written in order: outputs are byte-identical
    /// at any thread count).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Language profiles directory (default: the profiles embedded at build time).
    #[arg(long)]
    languages: Option<PathBuf>,
    /// Exit with status 3 when any record could not be read.
    #[arg(long)]
    strict: bool,
    /// Run only task INDEX of --task-count tasks (inputs i with i % COUNT == INDEX), writing
    /// shards and completion markers but no merged outputs. Defaults to $SLURM_ARRAY_TASK_ID.
    #[arg(long, requires = "task_count")]
    task_index: Option<usize>,
    /// Number of tasks the inputs are split into. Defaults to $SLURM_ARRAY_TASK_COUNT.
    #[arg(long, requires = "task_index")]
    task_count: Option<usize>,
    /// Process nothing: merge every task's completion marker into stats, errors and manifest.
    #[arg(long, conflicts_with = "task_index")]
    merge: bool,
    /// Near-duplicate method replacing the chain's (see `garbell dedup --help`).
    #[arg(long, value_enum)]
    near_dups: Option<super::dedup::NearDups>,
    /// Inputs: files or directories (read recursively, in sorted order).
    inputs: Vec<PathBuf>,
}

/// The quickstart's sample inputs (tests/data/samples/, provenance in its README.md), embedded
/// in the binary so that an installed `garbell` runs the quickstart from any directory.
const SAMPLES: &[(&str, &[u8])] = &[
    (
        "docs.jsonl.gz",
        include_bytes!("../../tests/data/samples/docs.jsonl.gz"),
    ),
    (
        "docs.parquet",
        include_bytes!("../../tests/data/samples/docs.parquet"),
    ),
    (
        "web.warc.gz",
        include_bytes!("../../tests/data/samples/web.warc.gz"),
    ),
    (
        "wiki.xml.bz2",
        include_bytes!("../../tests/data/samples/wiki.xml.bz2"),
    ),
];

/// Where the embedded samples are written: `$GARBELL_CACHE_DIR`, else `$XDG_CACHE_HOME/garbell`,
/// else `$HOME/.cache/garbell`, else the system temporary directory's `garbell`; then a
/// directory named by a hash of the samples, so that a newer binary never reads older samples
/// and the path (recorded in manifests) is the same on every run.
fn samples_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = env("GARBELL_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|p| p.join("garbell")))
        .or_else(|| env("HOME").map(|p| p.join(".cache/garbell")))
        .unwrap_or_else(|| std::env::temp_dir().join("garbell"));
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for (name, bytes) in SAMPLES {
        h.update(name.as_bytes());
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    base.join(format!("quickstart-samples-{:016x}", h.digest()))
}

/// Writes the embedded samples (each to a temporary name, then renamed, so a concurrent or
/// interrupted run never leaves a partial file) unless they are there with the right content.
fn write_samples() -> Result<PathBuf> {
    let dir = samples_dir();
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating the quickstart sample directory {}", dir.display()))?;
    for (name, bytes) in SAMPLES {
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|b| b == *bytes) {
            continue;
        }
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .with_context(|| format!("writing the quickstart sample {}", path.display()))?;
    }
    Ok(dir)
}

pub fn run(a: RunArgs) -> Result<i32> {
    let quickstart = a.inputs.is_empty();
    let chain_spec = a.chain.clone().unwrap_or_else(|| "quickstart".into());
    let inputs = if quickstart {
        if a.chain.is_some() {
            anyhow::bail!(
                "no inputs given (the quickstart runs only when no chain and no inputs are given)"
            );
        }
        let dir = write_samples()?;
        eprintln!("garbell: quickstart: sample inputs in {}", dir.display());
        vec![dir]
    } else {
        a.inputs.clone()
    };
    let output = a.output.clone().unwrap_or_else(|| {
        PathBuf::from(if quickstart {
            "garbell-out/quickstart"
        } else {
            "garbell-out"
        })
    });
    let langs = super::load_languages(a.languages.as_deref())?;
    let (name, mut chain) = super::load_chain(&chain_spec)?;
    super::dedup::select_near_dups(&mut chain, a.near_dups);
    chain.validate(&name, &langs)?;
    let inputs =
        super::list_run_inputs(&inputs, chain.source.format, &output).context("listing inputs")?;
    anyhow::ensure!(!inputs.is_empty(), "no input files found");
    let slice = task_slice(a.task_index, a.task_count)?;
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));

    let bar = ProgressBar::with_draw_target(
        Some(inputs.len() as u64),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} inputs {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let pb = bar.clone();
    let opts = RunOptions {
        threads,
        output: output.clone(),
        tool_commit: env!("GARBELL_GIT_COMMIT").to_string(),
        slice,
        merge_only: a.merge,
        progress: Some(Box::new(move |done, docs| {
            pb.set_position(done);
            pb.set_message(format!("{docs} documents"));
        })),
    };
    let summary = run_chain(&chain, &inputs, Context::new(langs), &opts)?;
    bar.finish_and_clear();

    if let (Some((k, n)), false) = (slice, a.merge) {
        eprintln!(
            "garbell: task {k} of {n}: {} inputs done ({} already complete); merge with `garbell run --merge` and the same arguments once every task is done",
            summary.tasks.len(),
            summary.resumed
        );
    }
    let s = &summary.stats;
    let errors: u64 = s.read_errors.values().sum();
    if summary.resumed > 0 {
        eprintln!(
            "garbell: resumed: {} of {} inputs were already complete",
            summary.resumed,
            summary.tasks.len()
        );
    }
    eprintln!(
        "garbell: {} inputs, {} records read, {} written, {} skipped, {} record errors in {:.2}s -> {}",
        summary.tasks.len(),
        s.records_read,
        s.written,
        s.skipped.values().sum::<u64>(),
        errors,
        summary.seconds,
        output.display()
    );
    for st in &s.steps {
        let drops: Vec<String> = st
            .total
            .dropped
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        eprintln!(
            "  {:<20} seen {:>8}  kept {:>8}  dropped {}",
            st.name,
            st.total.seen,
            st.total.kept,
            drops.join(" ")
        );
    }
    if let Some(d) = &summary.dedup {
        eprintln!(
            "  dedup: {} clusters, {} duplicates removed -> {}",
            d.clusters,
            d.removed,
            output.join("dedup/shards").display()
        );
    }
    let langs: Vec<String> = s
        .written_by_lang
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    eprintln!("  written by language: {}", langs.join(" "));
    for e in summary.errors().take(5) {
        eprintln!(
            "  record error: {}: offset {}: {}: {}",
            e.input, e.offset, e.kind, e.message
        );
    }
    let listed = summary.errors().count();
    if listed > 5 {
        eprintln!(
            "  ... {} more in {}",
            listed - 5,
            output.join("errors.jsonl").display()
        );
    }
    Ok(if a.strict && errors > 0 { 3 } else { 0 })
}

/// The task slice from flags, or from Slurm's array variables when the flags are absent.
pub(crate) fn task_slice(
    index: Option<usize>,
    count: Option<usize>,
) -> Result<Option<(usize, usize)>> {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<usize>().ok());
    let (index, count) = match (index, count) {
        (Some(i), Some(n)) => (i, n),
        _ => match (env("SLURM_ARRAY_TASK_ID"), env("SLURM_ARRAY_TASK_COUNT")) {
            (Some(i), Some(n)) => {
                // Arrays may start at an offset: count from the array's minimum index.
                let min = env("SLURM_ARRAY_TASK_MIN").unwrap_or(0);
                (i.saturating_sub(min), n)
            }
            _ => return Ok(None),
        },
    };
    anyhow::ensure!(
        count > 0 && index < count,
        "task index {index} is not below the task count {count}"
    );
    // A count of 1 is task mode too (shards and markers, no merged outputs), as documented:
    // a one-task Slurm array must not merge before `--merge` runs.
    Ok(Some((index, count)))
}
