//! `garbell slurm submit|status`: a pipeline file as Slurm job arrays with dependencies.
//!
//! Stages: `run` (one job array; task k runs `garbell run --task-index k --task-count N`), then
//! `merge` (one job, `afterok` on every run task: statistics, manifest and the chain's dedup),
//! then `balance` (one job, `afterok` on the merge) when the pipeline has one. With a `[dedup]`
//! table (and a chain with `[dedup]`), the dedup runs as its own stages between run and merge:
//! `dedup signatures` (array), `dedup buckets` (array), `dedup cluster` (one job), `dedup
//! filter` (array), each `afterok` on the previous one; the merge then only writes statistics
//! and the manifest. Completion is read
//! from the run directory (completion markers, manifests), never from the scheduler, so
//! `submit` on an existing run directory submits only what is not complete.

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;
use garbell_config::{PipelineConfig, Resources};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Subcommand)]
pub enum SlurmCommand {
    /// Write the sbatch scripts of a pipeline and submit what is not complete yet.
    Submit {
        /// Pipeline file (`filters/pipelines/<name>.toml`).
        pipeline: PathBuf,
        /// Print the scripts and the sbatch commands without submitting.
        #[arg(long)]
        dry_run: bool,
        /// The garbell binary the jobs run (default: this one).
        #[arg(long)]
        garbell: Option<PathBuf>,
    },
    /// Per stage: tasks done, queued or running, and failed (with the log of each failure).
    Status {
        /// Pipeline file.
        pipeline: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// What was submitted, appended to `<out>/slurm/jobs.json` at each submission.
#[derive(Default, Serialize, Deserialize)]
struct Jobs {
    submissions: Vec<Submission>,
}

#[derive(Default, Serialize, Deserialize)]
struct Submission {
    /// Array jobs of the run stage: (job id, offset of array index 0, task indices).
    run: Vec<ArrayJob>,
    merge: Option<String>,
    balance: Option<String>,
    /// The dedup stages' jobs, in order (signatures, buckets, cluster, filter).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dedup: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct ArrayJob {
    job: String,
    offset: usize,
    tasks: Vec<usize>,
}

struct Plan {
    p: PipelineConfig,
    out: PathBuf,
    inputs: Vec<PathBuf>,
    /// The chain's configuration hash (what run-task markers must carry to count as done).
    hash: String,
    /// Units of the dedup `buckets` stage (bands), 0 without dedup.
    bands: usize,
}

/// Characters allowed in values written on `#SBATCH` lines (job names, resources, log paths,
/// `extra` options). sbatch reads those lines itself (no shell), splitting at white space and
/// interpreting quotes; a newline would start a new script line that the shell runs.
const SBATCH_CHARS: &str = "-_=.,:/@%+&|[]*!~^()";

/// Checks every value of the pipeline file that goes into a batch script; errors name the file
/// and the key. Values on `#SBATCH` lines must be plain tokens (letters, digits and
/// [`SBATCH_CHARS`]) of the form sbatch expects; values on the command lines (chain, inputs,
/// languages, mix) are shell-quoted and only refused when they hold control characters.
fn validate(file: &Path, p: &PipelineConfig) -> Result<()> {
    let bad = |key: &str, value: &str, why: &str| -> anyhow::Error {
        anyhow::anyhow!(
            "{}: {key} = {value:?}: {why} (refused: the value goes into a Slurm batch script)",
            file.display()
        )
    };
    let no_control = |key: &str, v: &str| -> Result<()> {
        if v.chars().any(char::is_control) {
            return Err(bad(
                key,
                v,
                "control characters (newline, tab, ...) are not allowed",
            ));
        }
        Ok(())
    };
    let token = |key: &str, v: &str, extra: &str| -> Result<()> {
        no_control(key, v)?;
        if let Some(c) = v
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || extra.contains(*c)))
        {
            return Err(bad(
                key,
                v,
                &format!("character {c:?} is not allowed (only letters, digits and {extra})"),
            ));
        }
        Ok(())
    };
    token("name", &p.name, "-_.")?;
    if p.name.is_empty() {
        return Err(bad("name", &p.name, "empty"));
    }
    no_control("output", &p.output)?;
    if let Some(c) = p
        .output
        .chars()
        .find(|c| c.is_whitespace() || "'\"\\%".contains(*c))
    {
        return Err(bad(
            "output",
            &p.output,
            &format!("character {c:?} cannot appear in the #SBATCH --output log path"),
        ));
    }
    no_control("run.chain", &p.run.chain)?;
    no_control("run.languages", &p.run.languages)?;
    for (i, v) in p.run.inputs.iter().enumerate() {
        no_control(&format!("run.inputs[{i}]"), v)?;
    }
    let mut stages = vec![("run", &p.run.resources), ("merge", &p.merge)];
    if let Some(d) = &p.dedup {
        stages.push(("dedup", &d.resources));
    }
    if let Some(b) = &p.balance {
        no_control("balance.mix", &b.mix)?;
        stages.push(("balance", &b.resources));
    }
    for (stage, r) in stages {
        let key = |k: &str| format!("{stage}.{k}");
        token(&key("time"), &r.time, ":-")?;
        if !valid_time(&r.time) {
            return Err(bad(
                &key("time"),
                &r.time,
                "not a Slurm time (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, UNLIMITED)",
            ));
        }
        token(&key("mem"), &r.mem, "")?;
        if !valid_mem(&r.mem) {
            return Err(bad(
                &key("mem"),
                &r.mem,
                "not a Slurm memory size (a number with an optional K, M, G or T)",
            ));
        }
        token(&key("partition"), &r.partition, "-_.,")?;
        if r.cpus == 0 {
            return Err(bad(&key("cpus"), "0", "must be at least 1"));
        }
        for (i, e) in r.extra.iter().enumerate() {
            token(&format!("{stage}.extra[{i}]"), e, SBATCH_CHARS)?;
            if !e.starts_with('-') {
                return Err(bad(
                    &format!("{stage}.extra[{i}]"),
                    e,
                    "an sbatch option must start with '-' (e.g. \"--account=proj\")",
                ));
            }
        }
    }
    Ok(())
}

/// A Slurm `--time` value: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`, or unlimited.
fn valid_time(t: &str) -> bool {
    if matches!(t, "UNLIMITED" | "INFINITE" | "unlimited" | "infinite") {
        return true;
    }
    let num = |x: &str| !x.is_empty() && x.len() <= 9 && x.bytes().all(|b| b.is_ascii_digit());
    let (days, rest) = match t.split_once('-') {
        Some((d, r)) => (Some(d), r),
        None => (None, t),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    days.is_none_or(num) && parts.iter().all(|p| num(p)) && (1..=3).contains(&parts.len())
}

/// A Slurm `--mem` value: digits with an optional unit K, M, G or T.
fn valid_mem(m: &str) -> bool {
    let digits = m.trim_end_matches(['K', 'M', 'G', 'T', 'k', 'm', 'g', 't']);
    m.len() - digits.len() <= 1
        && !digits.is_empty()
        && digits.len() <= 12
        && digits.bytes().all(|b| b.is_ascii_digit())
}

impl Plan {
    fn load(path: &Path) -> Result<Plan> {
        let p = PipelineConfig::load(path)?;
        validate(path, &p)?;
        let out = absolute(Path::new(&p.output))?;
        // A relative `output` is taken from the working directory, which goes into the
        // #SBATCH --output log path too.
        let shown = out.display().to_string();
        if let Some(c) = shown
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || "'\"\\%".contains(*c))
        {
            bail!(
                "{}: output = {:?} is {shown:?}: character {c:?} cannot appear in the #SBATCH --output log path (refused: the value goes into a Slurm batch script)",
                path.display(),
                p.output
            );
        }
        let langs = super::load_languages(
            (!p.run.languages.is_empty()).then(|| Path::new(&p.run.languages)),
        )?;
        let (name, chain) = super::load_chain(&p.run.chain)?;
        chain.validate(&name, &langs)?;
        let inputs: Vec<PathBuf> = p.run.inputs.iter().map(PathBuf::from).collect();
        let inputs = super::list_run_inputs(&inputs, chain.source.format, &out)
            .context("listing the pipeline's inputs")?;
        anyhow::ensure!(
            !inputs.is_empty(),
            "the pipeline's inputs hold no input file"
        );
        let (_, hash) = garbell_pipeline::runner::resolved_config(&chain, &langs);
        let bands = if chain.dedup.enabled() {
            usize::from(chain.dedup.exact.is_some())
                + chain.dedup.minhash.as_ref().map_or(0, |m| m.bands)
        } else {
            0
        };
        Ok(Plan {
            p,
            out,
            inputs,
            hash,
            bands,
        })
    }

    /// Inputs of task `k`.
    fn task_inputs(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.inputs.len()).filter(move |i| i % self.p.run.tasks == k)
    }

    /// Every input of task `k` has a current marker (same configuration, same input path and
    /// size; the contents are compared by the tasks and the merge, not here).
    fn task_done(&self, k: usize) -> Result<bool> {
        for i in self.task_inputs(k) {
            if !garbell_pipeline::runner::task_is_current(
                &self.out,
                &self.hash,
                i,
                &self.inputs[i],
                false,
            )? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The merge wrote a manifest for the current configuration and inputs (sizes and hashes as
    /// recorded by the run tasks' markers).
    fn merge_done(&self) -> bool {
        let Ok(m) = garbell_manifest::Manifest::load(&self.out) else {
            return false;
        };
        m.config_hash == self.hash
            && m.inputs.len() == self.inputs.len()
            && m.inputs.iter().enumerate().all(|(i, rec)| {
                std::fs::read(self.out.join(format!("completions/part-{i:05}.json")))
                    .ok()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .is_some_and(|v| v["input"]["blake3"] == rec.blake3.as_str())
            })
    }

    /// Units done of a dedup stage's array task `t` of `tasks` (units: shards, or bands for
    /// `buckets`), read from the markers in `dedup/completions/`.
    fn dedup_task_done(&self, stage: &str, t: usize, tasks: usize) -> bool {
        let done = self.out.join("dedup/completions");
        let (units, name): (usize, fn(usize) -> String) = match stage {
            "dedup-signatures" => (self.inputs.len(), |u| format!("sign-part-{u:05}.json")),
            "dedup-buckets" => (self.bands, |u| format!("band-{u:04}.json")),
            "dedup-filter" => (self.inputs.len(), |u| format!("apply-part-{u:05}.json")),
            _ => return done.join("cluster.json").is_file(),
        };
        (0..units)
            .filter(|u| u % tasks == t)
            .all(|u| done.join(name(u)).is_file())
    }

    /// The balance wrote its manifest for the shards the merge published (same blake3s).
    fn balance_done(&self) -> bool {
        let (Ok(b), Ok(m)) = (
            garbell_manifest::Manifest::load(&self.out.join("balance")),
            garbell_manifest::Manifest::load(&self.out),
        ) else {
            return false;
        };
        let dir = if self.bands > 0 {
            "dedup/shards/"
        } else {
            "shards/"
        };
        let mut want: Vec<&str> = m
            .outputs
            .iter()
            .filter(|o| o.path.starts_with(dir))
            .map(|o| o.blake3.as_str())
            .collect();
        let mut have: Vec<&str> = b.inputs.iter().map(|i| i.blake3.as_str()).collect();
        want.sort_unstable();
        have.sort_unstable();
        want == have
    }
}

fn absolute(p: &Path) -> Result<PathBuf> {
    Ok(if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    })
}

fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-=:+,@".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn header(name: &str, log: &str, r: &Resources) -> String {
    let mut h = String::from("#!/bin/bash\n");
    let _ = writeln!(h, "#SBATCH --job-name={name}");
    let _ = writeln!(h, "#SBATCH --output={log}");
    let _ = writeln!(h, "#SBATCH --time={}", r.time);
    let _ = writeln!(h, "#SBATCH --mem={}", r.mem);
    let _ = writeln!(h, "#SBATCH --cpus-per-task={}", r.cpus);
    if !r.partition.is_empty() {
        let _ = writeln!(h, "#SBATCH --partition={}", r.partition);
    }
    for e in &r.extra {
        let _ = writeln!(h, "#SBATCH {e}");
    }
    h.push_str("set -euo pipefail\n");
    h
}

fn scripts(plan: &Plan, garbell: &Path) -> BTreeMap<&'static str, String> {
    let p = &plan.p;
    let out = plan.out.display().to_string();
    let logs = format!("{out}/slurm/logs");
    let mut common = format!(
        "{} run --chain {} -o {}",
        quote(&garbell.display().to_string()),
        quote(&p.run.chain),
        quote(&out)
    );
    if !p.run.languages.is_empty() {
        let _ = write!(common, " --languages {}", quote(&p.run.languages));
    }
    let inputs: Vec<String> = p.run.inputs.iter().map(|i| quote(i)).collect();
    let mut m = BTreeMap::new();
    let mut run = header(
        &format!("garbell-{}-run", p.name),
        &format!("{logs}/run-%A_%a.out"),
        &p.run.resources,
    );
    let _ = writeln!(
        run,
        "TASK=$(( SLURM_ARRAY_TASK_ID + ${{GARBELL_TASK_OFFSET:-0}} ))"
    );
    let _ = writeln!(
        run,
        "exec {common} -j \"${{SLURM_CPUS_PER_TASK:-1}}\" --task-index \"$TASK\" --task-count {} {}",
        p.run.tasks,
        inputs.join(" ")
    );
    m.insert("run", run);
    let mut merge = header(
        &format!("garbell-{}-merge", p.name),
        &format!("{logs}/merge-%j.out"),
        &p.merge,
    );
    let _ = writeln!(
        merge,
        "exec {common} -j \"${{SLURM_CPUS_PER_TASK:-1}}\" --merge {}",
        inputs.join(" ")
    );
    m.insert("merge", merge);
    if let Some(d) = p.dedup.as_ref().filter(|_| chain_has_dedup(p)) {
        let mut dd = format!(
            "{} dedup STAGE --chain {} -o {} -j \"${{SLURM_CPUS_PER_TASK:-1}}\"",
            quote(&garbell.display().to_string()),
            quote(&p.run.chain),
            quote(&out)
        );
        if !p.run.languages.is_empty() {
            let _ = write!(dd, " --languages {}", quote(&p.run.languages));
        }
        for (key, stage, array) in [
            ("dedup-signatures", "signatures", true),
            ("dedup-buckets", "buckets", true),
            ("dedup-cluster", "cluster", false),
            ("dedup-filter", "filter", true),
        ] {
            let log = if array {
                format!("{logs}/{key}-%A_%a.out")
            } else {
                format!("{logs}/{key}-%j.out")
            };
            let mut sc = header(&format!("garbell-{}-{key}", p.name), &log, &d.resources);
            let slice = if array {
                format!(
                    " --task-index \"$SLURM_ARRAY_TASK_ID\" --task-count {}",
                    d.tasks
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                sc,
                "exec {}{slice} {}",
                dd.replace("STAGE", stage),
                inputs.join(" ")
            );
            m.insert(key, sc);
        }
    }
    if let Some(b) = &p.balance {
        let mut bal = header(
            &format!("garbell-{}-balance", p.name),
            &format!("{logs}/balance-%j.out"),
            &b.resources,
        );
        let shards = if chain_has_dedup(p) {
            "dedup/shards"
        } else {
            "shards"
        };
        // The balance stage is submitted only when it is not done for the current shards: an
        // earlier (stale or partial) result is removed first; `balance` refuses to write into a
        // directory that holds shards.
        let _ = writeln!(bal, "rm -rf -- {}", quote(&format!("{out}/balance")));
        let _ = writeln!(
            bal,
            "exec {} balance --mix {} -o {} {}",
            quote(&garbell.display().to_string()),
            quote(&b.mix),
            quote(&format!("{out}/balance")),
            quote(&format!("{out}/{shards}"))
        );
        m.insert("balance", bal);
    }
    m
}

fn chain_has_dedup(p: &PipelineConfig) -> bool {
    super::load_chain(&p.run.chain)
        .map(|(_, c)| c.dedup.enabled())
        .unwrap_or(false)
}

fn max_array_size() -> usize {
    Command::new("scontrol")
        .args(["show", "config"])
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout).lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == "MaxArraySize")
                    .then(|| v.trim().parse::<usize>().ok())
                    .flatten()
            })
        })
        .unwrap_or(1001)
}

fn sbatch(args: &[String], dry_run: bool) -> Result<String> {
    if dry_run {
        println!("sbatch {}", args.join(" "));
        return Ok("DRYRUN".into());
    }
    let o = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .context("running sbatch (is Slurm installed?)")?;
    if !o.status.success() {
        bail!(
            "sbatch {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    let id = String::from_utf8_lossy(&o.stdout)
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    anyhow::ensure!(!id.is_empty(), "sbatch printed no job id");
    Ok(id)
}

fn load_jobs(out: &Path) -> Jobs {
    std::fs::read(out.join("slurm/jobs.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Queued or running jobs: squeue id (`123`, `123_4`) → state.
fn queued() -> BTreeMap<String, String> {
    let Ok(o) = Command::new("squeue")
        .args(["-h", "-r", "-o", "%i %T"])
        .output()
    else {
        return BTreeMap::new();
    };
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect()
}

pub fn slurm(cmd: SlurmCommand) -> Result<i32> {
    match cmd {
        SlurmCommand::Submit {
            pipeline,
            dry_run,
            garbell,
        } => submit(&pipeline, dry_run, garbell),
        SlurmCommand::Status { pipeline, json } => status(&pipeline, json),
    }
}

fn submit(pipeline: &Path, dry_run: bool, garbell: Option<PathBuf>) -> Result<i32> {
    let plan = Plan::load(pipeline)?;
    let garbell = match garbell {
        Some(g) => absolute(&g)?,
        None => std::env::current_exe().context("locating the garbell binary")?,
    };
    let slurm_dir = plan.out.join("slurm");
    let scripts = scripts(&plan, &garbell);
    if dry_run {
        for (name, s) in &scripts {
            println!("# ---- {}/{name}.sbatch\n{s}", slurm_dir.display());
        }
    } else {
        std::fs::create_dir_all(slurm_dir.join("logs"))
            .with_context(|| format!("creating {}", slurm_dir.display()))?;
        for (name, s) in &scripts {
            std::fs::write(slurm_dir.join(format!("{name}.sbatch")), s)?;
        }
    }
    let mut jobs = load_jobs(&plan.out);
    // Dependents of an earlier submission wait forever on a failed task: cancel them.
    if !dry_run {
        let q = queued();
        for s in &jobs.submissions {
            for id in s.dedup.iter().chain(s.merge.iter()).chain(s.balance.iter()) {
                if q.get(id).is_some_and(|st| st == "PENDING") {
                    let _ = Command::new("scancel").arg(id).status();
                }
            }
        }
    }
    let cwd = std::env::current_dir()?.display().to_string();
    let mut todo = Vec::new();
    for k in 0..plan.p.run.tasks {
        if !plan.task_done(k)? {
            todo.push(k);
        }
    }
    let mut sub = Submission::default();
    let chunk = max_array_size().max(2) - 1;
    let mut start = 0;
    while start < plan.p.run.tasks {
        let end = (start + chunk).min(plan.p.run.tasks);
        let tasks: Vec<usize> = todo
            .iter()
            .copied()
            .filter(|&k| k >= start && k < end)
            .collect();
        if !tasks.is_empty() {
            let mut array = tasks
                .iter()
                .map(|k| (k - start).to_string())
                .collect::<Vec<_>>()
                .join(",");
            if plan.p.run.max_concurrent > 0 {
                let _ = write!(array, "%{}", plan.p.run.max_concurrent);
            }
            let id = sbatch(
                &[
                    format!("--array={array}"),
                    format!("--chdir={cwd}"),
                    format!("--export=ALL,GARBELL_TASK_OFFSET={start}"),
                    slurm_dir.join("run.sbatch").display().to_string(),
                ],
                dry_run,
            )?;
            sub.run.push(ArrayJob {
                job: id,
                offset: start,
                tasks,
            });
        }
        start = end;
    }
    let deps = |ids: &[String]| -> Vec<String> {
        if ids.is_empty() {
            vec![]
        } else {
            vec![
                format!("--dependency=afterok:{}", ids.join(":")),
                "--kill-on-invalid-dep=yes".into(),
            ]
        }
    };
    let mut run_ids: Vec<String> = sub.run.iter().map(|j| j.job.clone()).collect();
    let mut merge_ids = vec![];
    if scripts.contains_key("dedup-signatures") && (!plan.merge_done() || !run_ids.is_empty()) {
        let tasks = plan.p.dedup.as_ref().map_or(1, |d| d.tasks);
        anyhow::ensure!(
            tasks <= chunk,
            "dedup.tasks = {tasks} is larger than the cluster's MaxArraySize - 1 ({chunk})"
        );
        // Each stage skips the units an earlier submission completed, so the chain is always
        // submitted whole after the run stage.
        for key in [
            "dedup-signatures",
            "dedup-buckets",
            "dedup-cluster",
            "dedup-filter",
        ] {
            let mut a = deps(&run_ids);
            if key != "dedup-cluster" {
                a.push(format!("--array=0-{}", tasks - 1));
            }
            a.extend([
                format!("--chdir={cwd}"),
                slurm_dir
                    .join(format!("{key}.sbatch"))
                    .display()
                    .to_string(),
            ]);
            let id = sbatch(&a, dry_run)?;
            sub.dedup.push(id.clone());
            run_ids = vec![id];
        }
    }
    if !plan.merge_done() || !run_ids.is_empty() {
        let mut a = deps(&run_ids);
        a.extend([
            format!("--chdir={cwd}"),
            slurm_dir.join("merge.sbatch").display().to_string(),
        ]);
        let id = sbatch(&a, dry_run)?;
        merge_ids.push(id.clone());
        sub.merge = Some(id);
    }
    if plan.p.balance.is_some() && (!plan.balance_done() || !merge_ids.is_empty()) {
        let mut a = deps(&merge_ids);
        a.extend([
            format!("--chdir={cwd}"),
            slurm_dir.join("balance.sbatch").display().to_string(),
        ]);
        sub.balance = Some(sbatch(&a, dry_run)?);
    }
    let nothing =
        sub.run.is_empty() && sub.dedup.is_empty() && sub.merge.is_none() && sub.balance.is_none();
    eprintln!(
        "garbell: {} of {} run tasks submitted{}{}{}",
        todo.len(),
        plan.p.run.tasks,
        sub.merge
            .as_ref()
            .map_or(String::new(), |j| format!(", merge {j}")),
        sub.balance
            .as_ref()
            .map_or(String::new(), |j| format!(", balance {j}")),
        if nothing {
            " — everything is complete"
        } else {
            ""
        }
    );
    if !dry_run && !nothing {
        jobs.submissions.push(sub);
        let mut b = serde_json::to_vec_pretty(&jobs)?;
        b.push(b'\n');
        garbell_pipeline::runner::write_atomic(&slurm_dir.join("jobs.json"), &b)?;
    }
    Ok(0)
}

#[derive(Serialize)]
struct StageStatus {
    stage: &'static str,
    tasks: usize,
    done: usize,
    queued: usize,
    /// `done`, `queued` (or running), `failed`, `blocked` (queued behind a failed stage: it
    /// cannot start), `cancelled` (not done and no longer queued because an earlier stage
    /// failed: Slurm cancelled it, `--kill-on-invalid-dep`), `incomplete` (not done, not queued,
    /// no failure upstream: submit again), `not submitted`.
    state: &'static str,
    /// Not run because an earlier stage failed (`blocked` or `cancelled`).
    blocked: bool,
    failed: Vec<Failure>,
}

#[derive(Serialize)]
struct Failure {
    task: usize,
    job: String,
    log: String,
}

/// Is job `id` (or one of its array tasks) in the queue?
fn in_queue(q: &BTreeMap<String, String>, id: &str) -> bool {
    q.keys()
        .any(|k| k == id || k.strip_prefix(id).is_some_and(|r| r.starts_with('_')))
}

fn status(pipeline: &Path, json: bool) -> Result<i32> {
    let plan = Plan::load(pipeline)?;
    let jobs = load_jobs(&plan.out);
    let q = queued();
    let logs = plan.out.join("slurm/logs");
    // The latest submission of each run task.
    let mut latest: BTreeMap<usize, (String, String)> = BTreeMap::new();
    for s in &jobs.submissions {
        for a in &s.run {
            for &k in &a.tasks {
                let idx = k - a.offset;
                latest.insert(
                    k,
                    (
                        format!("{}_{idx}", a.job),
                        logs.join(format!("run-{}_{idx}.out", a.job))
                            .display()
                            .to_string(),
                    ),
                );
            }
        }
    }
    let mut run = StageStatus {
        stage: "run",
        tasks: plan.p.run.tasks,
        done: 0,
        queued: 0,
        state: "",
        blocked: false,
        failed: vec![],
    };
    let mut submitted = false;
    for k in 0..plan.p.run.tasks {
        if plan.task_done(k)? {
            run.done += 1;
        } else if let Some((id, log)) = latest.get(&k) {
            submitted = true;
            let master = id.split('_').next().unwrap_or_default();
            let pending_array = q.keys().any(|j| j.starts_with(&format!("{master}_[")));
            if q.contains_key(id) || pending_array {
                run.queued += 1;
            } else {
                run.failed.push(Failure {
                    task: k,
                    job: id.clone(),
                    log: log.clone(),
                });
            }
        }
    }
    run.state = if run.done == run.tasks {
        "done"
    } else if !run.failed.is_empty() {
        "failed"
    } else if run.queued > 0 {
        "queued"
    } else if submitted {
        "incomplete"
    } else {
        "not submitted"
    };
    let mut stages = vec![run];
    // The later stages in dependency order: each has one job per submission (an array for the
    // dedup stages). `upstream` is true once an earlier stage failed or will never run.
    let mut upstream = stages[0].state == "failed";
    let last = jobs.submissions.iter().rev();
    let dedup_tasks = plan
        .p
        .dedup
        .as_ref()
        .filter(|_| plan.bands > 0)
        .map(|d| d.tasks);
    let mut later: Vec<(&'static str, usize, Option<String>, bool)> = Vec::new();
    if let Some(tasks) = dedup_tasks {
        let ids: Vec<String> = last
            .clone()
            .find(|s| !s.dedup.is_empty())
            .map(|s| s.dedup.clone())
            .unwrap_or_default();
        for (n, stage) in [
            "dedup-signatures",
            "dedup-buckets",
            "dedup-cluster",
            "dedup-filter",
        ]
        .into_iter()
        .enumerate()
        {
            let t = if stage == "dedup-cluster" { 1 } else { tasks };
            let done = (0..t).all(|k| plan.dedup_task_done(stage, k, t));
            later.push((stage, t, ids.get(n).cloned(), done));
        }
    }
    later.push((
        "merge",
        1,
        last.clone().find_map(|s| s.merge.clone()),
        plan.merge_done(),
    ));
    if plan.p.balance.is_some() {
        later.push((
            "balance",
            1,
            last.clone().find_map(|s| s.balance.clone()),
            plan.balance_done(),
        ));
    }
    for (stage, tasks, id, done) in later {
        let mut s = StageStatus {
            stage,
            tasks,
            done: if done { tasks } else { 0 },
            queued: 0,
            state: "done",
            blocked: false,
            failed: vec![],
        };
        if !done {
            let queued = id.as_deref().is_some_and(|id| in_queue(&q, id));
            s.queued = if queued { tasks } else { 0 };
            s.state = match (&id, queued, upstream) {
                (None, _, _) => "not submitted",
                (Some(_), true, false) => "queued",
                (Some(_), true, true) => "blocked",
                (Some(_), false, true) => "cancelled",
                (Some(id), false, false) => {
                    let log = if tasks > 1 {
                        format!("{stage}-{id}_*.out")
                    } else {
                        format!("{stage}-{id}.out")
                    };
                    s.failed.push(Failure {
                        task: 0,
                        job: id.clone(),
                        log: logs.join(log).display().to_string(),
                    });
                    "failed"
                }
            };
            s.blocked = matches!(s.state, "blocked" | "cancelled");
            upstream |= matches!(s.state, "failed" | "blocked" | "cancelled");
        }
        stages.push(s);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&stages)?);
    } else {
        println!(
            "{:<17} {:>6} {:>6} {:>8} {:>7}  state",
            "stage", "tasks", "done", "queued", "failed"
        );
        for s in &stages {
            let note = match s.state {
                "blocked" => "blocked: an earlier stage failed; it cannot start",
                "cancelled" => "cancelled: an earlier stage failed",
                other => other,
            };
            println!(
                "{:<17} {:>6} {:>6} {:>8} {:>7}  {note}",
                s.stage,
                s.tasks,
                s.done,
                s.queued,
                s.failed.len()
            );
        }
        for s in &stages {
            for f in &s.failed {
                println!(
                    "failed: {} task {} (job {}): log {}",
                    s.stage, f.task, f.job, f.log
                );
            }
        }
    }
    Ok(0)
}
