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
}

impl Plan {
    fn load(path: &Path) -> Result<Plan> {
        let p = PipelineConfig::load(path)?;
        let out = absolute(Path::new(&p.output))?;
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
        Ok(Plan { p, out, inputs })
    }

    /// Inputs of task `k`.
    fn task_inputs(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.inputs.len()).filter(move |i| i % self.p.run.tasks == k)
    }

    fn task_done(&self, k: usize) -> bool {
        self.task_inputs(k).all(|i| {
            self.out
                .join(format!("completions/part-{i:05}.json"))
                .exists()
        })
    }

    fn merge_done(&self) -> bool {
        self.out.join("manifest.json").exists()
    }

    fn balance_done(&self) -> bool {
        self.out.join("balance/manifest.json").exists()
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
    let todo: Vec<usize> = (0..plan.p.run.tasks)
        .filter(|&k| !plan.task_done(k))
        .collect();
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
    /// Not run because an earlier stage failed.
    blocked: bool,
    failed: Vec<Failure>,
}

#[derive(Serialize)]
struct Failure {
    task: usize,
    job: String,
    log: String,
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
        blocked: false,
        failed: vec![],
    };
    for k in 0..plan.p.run.tasks {
        if plan.task_done(k) {
            run.done += 1;
        } else if let Some((id, log)) = latest.get(&k) {
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
    let single =
        |stage: &'static str, done: bool, id: Option<&String>, log: &str, upstream_failed: bool| {
            let mut s = StageStatus {
                stage,
                tasks: 1,
                done: usize::from(done),
                queued: 0,
                blocked: false,
                failed: vec![],
            };
            if !done {
                if let Some(id) = id {
                    if q.contains_key(id) {
                        s.queued = 1;
                    } else if upstream_failed {
                        s.blocked = true;
                    } else {
                        s.failed.push(Failure {
                            task: 0,
                            job: id.clone(),
                            log: logs.join(format!("{log}-{id}.out")).display().to_string(),
                        });
                    }
                }
            }
            s
        };
    let last = jobs.submissions.iter().rev();
    let merge_id = last.clone().find_map(|s| s.merge.as_ref());
    let run_failed = !run.failed.is_empty();
    let merge = single("merge", plan.merge_done(), merge_id, "merge", run_failed);
    let merge_failed = run_failed || !merge.failed.is_empty() || merge.blocked;
    let mut stages = vec![run, merge];
    if plan.p.balance.is_some() {
        let bal_id = last.clone().find_map(|s| s.balance.as_ref());
        stages.push(single(
            "balance",
            plan.balance_done(),
            bal_id,
            "balance",
            merge_failed,
        ));
    }
    if plan.p.dedup.is_some() {
        // The dedup stages' jobs of the latest submission that has them, still in the queue
        // (array tasks count once per job). Listed last so that earlier rows keep their place.
        let ids: Vec<&String> = last
            .clone()
            .find(|s| !s.dedup.is_empty())
            .map(|s| s.dedup.iter().collect())
            .unwrap_or_default();
        let queued = ids
            .iter()
            .filter(|id| {
                q.keys()
                    .any(|k| k == **id || k.starts_with(&format!("{id}_")))
            })
            .count();
        // Done: counted as a whole, once the merge after it has written the manifest.
        stages.push(StageStatus {
            stage: "dedup",
            tasks: 4,
            done: usize::from(plan.merge_done()) * 4,
            queued,
            blocked: false,
            failed: vec![],
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&stages)?);
    } else {
        println!(
            "{:<8} {:>6} {:>6} {:>8} {:>7}",
            "stage", "tasks", "done", "queued", "failed"
        );
        for s in &stages {
            let note = if s.blocked {
                "  blocked: an earlier stage failed"
            } else {
                ""
            };
            println!(
                "{:<8} {:>6} {:>6} {:>8} {:>7}{note}",
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
