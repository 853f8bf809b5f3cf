//! The task runner: inputs in parallel, one shard per input, completion markers, merged
//! statistics and the manifest.
//!
//! Output directory layout:
//!
//! ```text
//! <out>/shards/part-00000.parquet      one shard per input, in sorted input order
//! <out>/completions/part-00000.json    written after its shard: the task's report (resume)
//! <out>/stats.json                     merged ChainStats (deterministic)
//! <out>/errors.jsonl                   every record error: input, offset, kind, message
//! <out>/manifest.json                  config + hash, models, inputs, outputs, stats (deterministic)
//! <out>/run.json                       environment facts: threads, seconds, resumed tasks
//! ```
//!
//! Every file is written under a temporary name and renamed when complete. A task publishes its
//! shard, then its completion marker; rerunning the same command skips tasks whose marker is
//! there (same configuration hash, same input path and size, shard present with the recorded
//! size) and redoes the others. Temporary files left by a killed run are removed at start.

use crate::registry::{build_chain, Context};
use crate::{Chain, Error};
use garbell_config::{config_hash, ChainConfig, LanguageProfile};
use garbell_core::{ChainStats, RecordError};
use garbell_manifest::{FileRecord, Manifest, Output, FORMAT_VERSION};
use garbell_shard::ShardWriter;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Record errors kept per input for `errors.jsonl`; more are counted only.
pub(crate) const MAX_ERRORS_LISTED_PER_INPUT: usize = 10_000;

/// How to run.
pub struct RunOptions {
    /// Worker threads: inputs processed at once, and workers on the records of one input
    /// (read ahead in batches, built and run through the chain in parallel, written in order:
    /// the outputs do not depend on it).
    pub threads: usize,
    /// Output directory.
    pub output: PathBuf,
    /// The git commit of the binary, recorded in the manifest.
    pub tool_commit: String,
    /// `Some((index, count))`: process only the inputs whose position `i` in sorted order has
    /// `i % count == index` (one task of a job array), and write no merged outputs.
    pub slice: Option<(usize, usize)>,
    /// Process nothing: merge the completion markers of every task into `stats.json`,
    /// `errors.jsonl` and `manifest.json` (fails naming the tasks that are not complete).
    pub merge_only: bool,
    /// Called after each input completes with (inputs done, documents read so far).
    pub progress: Option<Box<dyn Fn(u64, u64) + Sync>>,
}

/// A record error as stored in completion markers and `errors.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorLine {
    /// Input file.
    pub input: String,
    /// Byte offset.
    pub offset: u64,
    /// Kind (counter name).
    pub kind: String,
    /// Detail.
    pub message: String,
}

impl From<RecordError> for ErrorLine {
    fn from(e: RecordError) -> Self {
        ErrorLine {
            input: e.input,
            offset: e.offset,
            kind: e.kind.to_string(),
            message: e.message,
        }
    }
}

/// What one task (input) produced: the content of its completion marker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskReport {
    /// Configuration hash of the run that wrote it.
    pub config_hash: String,
    /// Task index (position of the input in sorted order).
    pub index: usize,
    /// The input.
    pub input: FileRecord,
    /// The shard written for it, relative to the output directory.
    pub shard: Output,
    /// Its statistics.
    pub stats: ChainStats,
    /// Its record errors (at most 10,000 listed; `stats.read_errors` counts all).
    pub errors: Vec<ErrorLine>,
}

/// The result of a run.
#[derive(Debug)]
pub struct RunSummary {
    /// Merged statistics.
    pub stats: ChainStats,
    /// Per task, in input order.
    pub tasks: Vec<TaskReport>,
    /// Tasks skipped because a previous run had completed them.
    pub resumed: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Clusters found by the dedup stage, when it ran.
    pub dedup: Option<garbell_dedup::ClusterStats>,
}

impl RunSummary {
    /// All listed record errors, in input order.
    pub fn errors(&self) -> impl Iterator<Item = &ErrorLine> {
        self.tasks.iter().flat_map(|t| t.errors.iter())
    }
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
    let (resolved, hash) = resolved_config(config, &ctx.languages);
    let out = &opts.output;
    let shard_dir = out.join("shards");
    let done_dir = out.join("completions");
    let selected: Vec<usize> = (0..inputs.len())
        .filter(|i| opts.slice.is_none_or(|(k, n)| i % n == k))
        .collect();
    let merging = opts.slice.is_none() || opts.merge_only;
    if out.exists() && !out.is_dir() {
        return Err(Error::Io {
            path: out.display().to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the output must be a directory, and this is an existing file \
                 (--output names the directory the run writes into)",
            ),
        });
    }
    // Directories this run creates: removed again if they are still empty when the job fails
    // (a failed first run leaves no empty output tree behind). Not for one task of an array:
    // its siblings may be about to write into the same directories.
    let created = CreatedDirs(
        [out, &shard_dir, &done_dir]
            .into_iter()
            .filter(|d| opts.slice.is_none() && !d.exists())
            .map(|d| d.to_path_buf())
            .collect(),
    );
    for d in [out, &shard_dir, &done_dir] {
        std::fs::create_dir_all(d).map_err(|e| io_err(d, e))?;
    }
    // Only this task's own temporary files: other array tasks may be writing theirs right now.
    let ours = |name: &str| {
        let Some(rest) = name.strip_prefix(".part-") else {
            return merging && opts.slice.is_none();
        };
        rest.get(..5)
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|i| selected.binary_search(&i).is_ok() && !opts.merge_only)
    };
    remove_stale_temps(&shard_dir, &ours)?;
    remove_stale_temps(&done_dir, &ours)?;
    if merging {
        remove_stale_temps(out, &|n: &str| !n.starts_with(".part-"))?;
        // Shards and markers of inputs a previous run had and this one does not: they are no
        // output of this run (and `manifest verify` would call them unexpected).
        remove_beyond(&shard_dir, "part-", ".parquet", inputs.len())?;
        remove_beyond(&done_dir, "part-", ".json", inputs.len())?;
        // The manifest means "complete": an earlier run's must not outlive a run that fails
        // (or describe inputs this one replaced). Written again, last, when this run succeeds.
        let manifest = out.join(garbell_manifest::MANIFEST_FILE);
        match std::fs::remove_file(&manifest) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_err(&manifest, e)),
            _ => {}
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Threads(e.to_string()))?;
    let done = AtomicU64::new(0);
    let docs = AtomicU64::new(0);
    let resumed = AtomicU64::new(0);
    let results: Vec<Result<TaskReport, Error>> = pool.install(|| {
        selected
            .par_iter()
            .map(|&i| {
                let path = &inputs[i];
                let marker = done_dir.join(format!("part-{i:05}.json"));
                let r = match completed(&marker, &hash, i, path, out, true)? {
                    Some(rep) => {
                        resumed.fetch_add(1, Ordering::Relaxed);
                        Ok(rep)
                    }
                    None if opts.merge_only => Err(Error::Resume(format!(
                        "task {i} ({}) is not complete: run it before merging",
                        path.display()
                    ))),
                    None => {
                        let rep = process_input(config, &chain, &hash, i, path, out, opts.threads)?;
                        write_atomic(&marker, &json_pretty(&rep))?;
                        Ok(rep)
                    }
                };
                if let Ok(rep) = &r {
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
    let mut tasks = Vec::with_capacity(results.len());
    for r in results {
        let rep = r?;
        stats += &rep.stats;
        tasks.push(rep);
    }
    let mut outputs: Vec<Output> = tasks.iter().map(|t| t.shard.clone()).collect();
    let mut files: Vec<String> = tasks
        .iter()
        .map(|t| format!("completions/part-{:05}.json", t.index))
        .collect();
    let mut dedup_clusters = None;
    if merging && config.dedup.enabled() {
        let d = crate::dedup::run_dedup(&config.dedup, &config.output, &tasks, out, &hash, &pool)?;
        stats.written = d.stats.total.kept;
        stats.written_by_lang = crate::dedup::written_by_lang(&d.stats);
        stats.steps.push(d.stats);
        outputs.extend(d.outputs);
        files.extend(d.files);
        dedup_clusters = Some(d.clusters);
    }
    let summary = RunSummary {
        stats,
        tasks,
        resumed: resumed.load(Ordering::Relaxed) as usize,
        seconds: start.elapsed().as_secs_f64(),
        dedup: dedup_clusters,
    };
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        tool: "garbell".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        tool_commit: opts.tool_commit.clone(),
        stage: "run".into(),
        config: resolved,
        config_hash: hash,
        models: ctx.model_records(),
        inputs: summary.tasks.iter().map(|t| t.input.clone()).collect(),
        outputs,
        seeds: BTreeMap::new(),
        stats: summary.stats.clone(),
        files: Vec::new(),
        manifest_blake3: String::new(),
    };
    if merging {
        write_outputs(opts, &summary, manifest, files)?;
    }
    created.keep();
    Ok(summary)
}

/// Output directories a run created: removed again on drop (those still empty) unless the run
/// succeeded ([`CreatedDirs::keep`]), so a failed first run leaves no empty tree behind.
struct CreatedDirs(Vec<PathBuf>);

impl CreatedDirs {
    fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for CreatedDirs {
    fn drop(&mut self) {
        for d in self.0.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// The resolved configuration recorded in the manifest (chain and language profiles) and its
/// hash, which every completion marker of the run carries.
pub fn resolved_config(
    config: &ChainConfig,
    languages: &garbell_config::Languages,
) -> (serde_json::Value, String) {
    let languages: BTreeMap<String, LanguageProfile> = languages
        .iter()
        .map(|p| (p.code.clone(), p.clone()))
        .collect();
    let resolved = serde_json::json!({ "chain": config, "languages": languages });
    let hash = config_hash(&resolved);
    (resolved, hash)
}

/// Removes `<dir>/<prefix>NNNNN<suffix>` for every number `N >= n` (the outputs of inputs an
/// earlier run had beyond this run's last one).
pub(crate) fn remove_beyond(dir: &Path, prefix: &str, suffix: &str, n: usize) -> Result<(), Error> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let p = entry.map_err(|e| io_err(dir, e))?.path();
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let index = name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
            .filter(|d| d.len() >= 5 && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<usize>().ok());
        if index.is_some_and(|i| i >= n) && p.is_file() {
            match std::fs::remove_file(&p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_err(&p, e)),
                _ => {}
            }
        }
    }
    Ok(())
}

/// True when task `index` of the run in `out` is complete and current: its marker was written
/// with configuration `hash` for this `input` at the same path and size, and its shard is there
/// at the recorded size; with `content`, the input's blake3 is compared too (reading it whole).
/// What `garbell slurm` uses, without `content`, to decide what to submit: hashing every input
/// on the submitting node would cost as much reading as the run; the tasks and the merge
/// compare the hashes.
pub fn task_is_current(
    out: &Path,
    hash: &str,
    index: usize,
    input: &Path,
    content: bool,
) -> Result<bool, Error> {
    let marker = out
        .join("completions")
        .join(format!("part-{index:05}.json"));
    Ok(completed(&marker, hash, index, input, out, content)?.is_some())
}

/// The report of a task completed by an earlier run of the same configuration, if any: the
/// marker must name the same input with the same content (size, then blake3: a changed input is
/// processed again, and everything downstream of it follows).
fn completed(
    marker: &Path,
    hash: &str,
    index: usize,
    input: &Path,
    out: &Path,
    content: bool,
) -> Result<Option<TaskReport>, Error> {
    let text = match std::fs::read(marker) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(marker, e)),
    };
    let Ok(rep) = serde_json::from_slice::<TaskReport>(&text) else {
        return Ok(None); // unreadable marker: redo the task
    };
    if rep.config_hash != hash {
        return Err(Error::Resume(format!(
            "{} was written with another configuration (hash {}, now {hash}): use a new --output \
             directory, or remove this one to start over",
            marker.display(),
            rep.config_hash
        )));
    }
    let size = input_size(input).map_err(|e| io_err(input, e))?;
    let shard_ok =
        std::fs::metadata(out.join(&rep.shard.path)).is_ok_and(|m| m.len() == rep.shard.bytes);
    let same_input = rep.index == index
        && rep.input.path == input.display().to_string()
        && rep.input.bytes == size;
    if !(same_input && shard_ok) {
        return Ok(None);
    }
    if !content {
        return Ok(Some(rep));
    }
    let (_, blake3) = hash_input(input).map_err(|e| io_err(input, e))?;
    Ok((blake3 == rep.input.blake3).then_some(rep))
}

fn process_input(
    config: &ChainConfig,
    chain: &Chain,
    hash: &str,
    index: usize,
    path: &Path,
    out: &Path,
    threads: usize,
) -> Result<TaskReport, Error> {
    let rel = format!("shards/part-{index:05}.parquet");
    let records = garbell_io::open_source_pending(path, &config.source, threads)?;
    let writer = ShardWriter::create(&out.join(&rel), &config.output)?;
    let (writer, stats, errors) = crate::inner::process_records(chain, records, writer, threads)?;
    let info = writer.commit()?;
    let (bytes, blake3) = hash_input(path).map_err(|e| io_err(path, e))?;
    Ok(TaskReport {
        config_hash: hash.to_string(),
        index,
        input: FileRecord {
            path: path.display().to_string(),
            bytes,
            blake3,
        },
        shard: Output {
            path: rel,
            rows: info.rows,
            bytes: info.bytes,
            blake3: info.blake3,
        },
        stats,
        errors,
    })
}

/// Writes `stats.json`, `errors.jsonl`, `run.json`, then the manifest, which lists every
/// published file with its hash: the shards (`outputs`), and in `files` the statistics, the error
/// list, the completion markers and the dedup removal lists (`marker_files`, relative paths).
fn write_outputs(
    opts: &RunOptions,
    s: &RunSummary,
    mut manifest: Manifest,
    marker_files: Vec<String>,
) -> Result<(), Error> {
    let out = &opts.output;
    write_atomic(&out.join("stats.json"), &json_pretty(&s.stats))?;
    let mut errs = Vec::new();
    for e in s.errors() {
        errs.extend_from_slice(serde_json::to_string(e).unwrap_or_default().as_bytes());
        errs.push(b'\n');
    }
    write_atomic(&out.join("errors.jsonl"), &errs)?;
    let mut files = vec!["stats.json".to_string(), "errors.jsonl".to_string()];
    files.extend(marker_files);
    for rel in files {
        let p = out.join(&rel);
        let (bytes, blake3) = garbell_manifest::hash_file(&p).map_err(|e| io_err(&p, e))?;
        manifest.files.push(FileRecord {
            path: rel,
            bytes,
            blake3,
        });
    }
    let run = serde_json::json!({
        "threads": opts.threads,
        "seconds": s.seconds,
        "tasks": s.tasks.len(),
        "tasks_resumed": s.resumed,
        "records_read": s.stats.records_read,
        "dedup": s.dedup,
        "host": std::env::var("HOSTNAME").unwrap_or_default(),
    });
    write_atomic(&out.join("run.json"), &json_pretty(&run))?;
    // The manifest last: its presence means the run is complete.
    write_atomic(
        &out.join(garbell_manifest::MANIFEST_FILE),
        &manifest.to_json(),
    )?;
    Ok(())
}

/// Removes temporary files (`.<name>.tmp-...`) a killed run left in `dir`, for the names
/// `mine` accepts.
pub(crate) fn remove_stale_temps(dir: &Path, mine: &dyn Fn(&str) -> bool) -> Result<(), Error> {
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.contains(".tmp-") && mine(&name) && entry.path().is_file()
        {
            std::fs::remove_file(entry.path()).map_err(|e| io_err(&entry.path(), e))?;
        }
    }
    Ok(())
}

pub(crate) fn json_pretty<T: Serialize>(v: &T) -> Vec<u8> {
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

/// Size and blake3 of an input: a file's content, or for a directory (a code tree) the sorted
/// list of its files with each file's relative path, size and hash.
fn hash_input(path: &Path) -> std::io::Result<(u64, String)> {
    if !path.is_dir() {
        return garbell_manifest::hash_file(path);
    }
    let mut files = Vec::new();
    walk_files(path, &mut files)?;
    files.sort();
    let mut h = blake3::Hasher::new();
    let mut total = 0;
    for f in &files {
        let (n, fh) = garbell_manifest::hash_file(f)?;
        let rel = f.strip_prefix(path).unwrap_or(f).to_string_lossy();
        h.update(rel.as_bytes())
            .update(&[0])
            .update(&n.to_le_bytes())
            .update(fh.as_bytes());
        total += n;
    }
    Ok((total, h.finalize().to_hex().to_string()))
}

/// Total size of an input (file, or every file under a directory), to recognise it on resume.
pub(crate) fn input_size(path: &Path) -> std::io::Result<u64> {
    if !path.is_dir() {
        return Ok(std::fs::metadata(path)?.len());
    }
    let mut files = Vec::new();
    walk_files(path, &mut files)?;
    files
        .iter()
        .map(|f| std::fs::symlink_metadata(f).map(|m| m.len()))
        .sum()
}

fn walk_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let t = e.file_type()?;
        if t.is_dir() {
            walk_files(&e.path(), out)?;
        } else if t.is_file() {
            out.push(e.path());
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically ([`garbell_manifest::write_atomic`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    garbell_manifest::write_atomic(path, bytes).map_err(|e| io_err(path, e))
}
