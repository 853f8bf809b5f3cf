//! Cluster runs against a real single-node Slurm started by `tests/slurm/start-slurm.sh`
//! (Debian's slurm-wlm and munge, loopback only) and stopped at the end:
//!
//! 1. a pipeline submitted as a 4-task job array + the dedup stages (signatures, buckets and
//!    filter as 2-task arrays, cluster as one job) + merge + balance gives outputs
//!    byte-identical to the same commands run locally;
//! 2. a failing array task: the dependent stages do not run, `status` names the task and its log,
//!    and resubmitting reruns only that task and completes the pipeline.
//!
//! Needs root (to install and start Slurm). Where Slurm cannot be started the test says so and
//! passes, except under CI (`CI` set), where it fails.

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Slurm;

impl Slurm {
    fn start() -> Option<Slurm> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slurm/start-slurm.sh");
        let o = Command::new("bash")
            .arg(script)
            .output()
            .expect("bash runs");
        if !o.status.success() {
            common::skip_unless_ci(
                "slurm",
                &format!(
                    "cannot start a local Slurm: {}",
                    String::from_utf8_lossy(&o.stderr)
                ),
            );
            return None;
        }
        Some(Slurm)
    }
}

impl Drop for Slurm {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slurm/stop-slurm.sh");
        let _ = Command::new("bash").arg(script).status();
    }
}

fn make_inputs(dir: &Path, n: usize) {
    let texts = [
        "El Consell Comarcal ha presentat el pla de mobilitat per als pròxims deu anys a la comarca.",
        "La nueva biblioteca abrirá sus puertas en septiembre con una colección de cuarenta mil libros.",
        "The regional council approved the new cycling routes that connect the villages of the valley.",
        "Le festival de musique accueillera cette année des orchestres venus de toute l'Europe du Sud.",
    ];
    for f in 0..n {
        let mut out =
            std::fs::File::create(dir.join(format!("part-{f:02}.jsonl"))).expect("create");
        for d in 0..30 {
            let t = texts[(f + d) % texts.len()];
            writeln!(
                out,
                "{}",
                serde_json::json!({"id": format!("{f}-{d}"), "text": format!("{t} {t} ({f}.{d})")})
            )
            .expect("write");
        }
    }
}

fn pipeline(dir: &Path, inputs: &Path, out: &Path) -> PathBuf {
    let p = dir.join("pipeline.toml");
    let mix = Path::new(env!("CARGO_MANIFEST_DIR")).join("filters/mixes/salamandra.toml");
    std::fs::write(
        &p,
        format!(
            "name = \"t\"\noutput = {out:?}\n[run]\nchain = \"quickstart\"\ninputs = [{inputs:?}]\ntasks = 4\nmem = \"512M\"\n[merge]\nmem = \"512M\"\n[dedup]\ntasks = 2\nmem = \"512M\"\n[balance]\nmix = {mix:?}\nmem = \"512M\"\n",
            out = out.display().to_string(),
            inputs = inputs.display().to_string(),
            mix = mix.display().to_string()
        ),
    )
    .expect("pipeline");
    p
}

fn status(p: &Path) -> serde_json::Value {
    let o = garbell(&["slurm", "status", "--json", p.to_str().expect("utf8")]);
    assert_success(&o);
    serde_json::from_slice(&o.stdout).expect("status json")
}

/// Polls `status` until nothing is queued; returns the last status.
fn wait(p: &Path) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let s = status(p);
        let queued: u64 = s
            .as_array()
            .expect("stages")
            .iter()
            .map(|st| st["queued"].as_u64().expect("n"))
            .sum();
        if queued == 0 {
            return s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "jobs still queued after 300 s: {s}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn submit(p: &Path) {
    let o = garbell(&[
        "slurm",
        "submit",
        "--garbell",
        env!("CARGO_BIN_EXE_garbell"),
        p.to_str().expect("utf8"),
    ]);
    assert_success(&o);
}

/// Runs the same stages locally into `out` (the directory the cluster run used, moved aside first,
/// so that every path recorded in outputs is the same) and compares every output byte for byte.
fn compare_with_local(inputs: &Path, out: &Path) {
    let cluster = out.with_extension("cluster");
    std::fs::rename(out, &cluster).expect("move aside");
    let o = out.to_str().expect("utf8");
    assert_success(&garbell(&[
        "run",
        "--chain",
        "quickstart",
        "-o",
        o,
        inputs.to_str().expect("utf8"),
    ]));
    let mix = Path::new(env!("CARGO_MANIFEST_DIR")).join("filters/mixes/salamandra.toml");
    let shards = out.join("dedup/shards");
    assert_success(&garbell(&[
        "balance",
        "--mix",
        mix.to_str().expect("utf8"),
        "-o",
        out.join("balance").to_str().expect("utf8"),
        shards.to_str().expect("utf8"),
    ]));
    let keep = |f: &String| !f.ends_with("run.json") && !f.starts_with("slurm/");
    let local: Vec<String> = list_files(out).into_iter().filter(keep).collect();
    let remote: Vec<String> = list_files(&cluster).into_iter().filter(keep).collect();
    assert_eq!(local, remote, "same files");
    assert!(
        local.iter().any(|f| f.starts_with("balance/shards/")),
        "{local:?}"
    );
    for f in &local {
        assert!(
            std::fs::read(out.join(f)).expect("local")
                == std::fs::read(cluster.join(f)).expect("cluster"),
            "{f} differs between the Slurm run and the local run"
        );
    }
}

#[test]
fn slurm_pipeline_matches_local_run_and_resubmits_only_failed_tasks() {
    let Some(_slurm) = Slurm::start() else { return };
    let root = tempdir();

    // 1. Whole pipeline on Slurm = local run.
    let inputs = root.path().join("inputs");
    std::fs::create_dir(&inputs).expect("mkdir");
    make_inputs(&inputs, 8);
    let out = root.path().join("run1");
    let p = pipeline(root.path(), &inputs, &out);
    submit(&p);
    let s = wait(&p);
    for st in s.as_array().expect("stages") {
        assert_eq!(st["done"], st["tasks"], "{s}");
    }
    // The dedup ran as its own stages: four jobs, the arrays with two tasks each.
    let jobs = read_json(&out.join("slurm/jobs.json"));
    let dedup = jobs["submissions"][0]["dedup"]
        .as_array()
        .expect("dedup jobs");
    assert_eq!(dedup.len(), 4, "{jobs}");
    let logs = list_files(&out.join("slurm/logs"));
    for stage in ["signatures", "buckets", "filter"] {
        for task in 0..2 {
            let suffix = format!("_{task}.out");
            assert!(
                logs.iter()
                    .any(|l| l.starts_with(&format!("dedup-{stage}-")) && l.ends_with(&suffix)),
                "no log of dedup {stage} task {task}: {logs:?}"
            );
        }
    }
    assert!(
        logs.iter().any(|l| l.starts_with("dedup-cluster-")),
        "{logs:?}"
    );
    compare_with_local(&inputs, &out);

    // 2. One task fails: input 2 (task 2 of 4) is a dangling link at first.
    let inputs2 = root.path().join("inputs2");
    std::fs::create_dir(&inputs2).expect("mkdir");
    make_inputs(&inputs2, 8);
    let broken = inputs2.join("part-02.jsonl");
    let target = root.path().join("late-part-02.jsonl");
    std::fs::rename(&broken, &target).expect("move");
    std::os::unix::fs::symlink(root.path().join("missing.jsonl"), &broken).expect("symlink");
    let out2 = root.path().join("run2");
    let p2 = pipeline(root.path(), &inputs2, &out2);
    submit(&p2);
    let s = wait(&p2);
    let run = &s[0];
    assert_eq!(run["done"].as_u64(), Some(3), "{s}");
    let failed = run["failed"].as_array().expect("failed");
    assert_eq!(failed.len(), 1, "{s}");
    assert_eq!(failed[0]["task"].as_u64(), Some(2));
    let log = failed[0]["log"].as_str().expect("log");
    let log_text = std::fs::read_to_string(log).expect("the failed task's log exists");
    assert!(
        log_text.contains("missing.jsonl") || log_text.contains("No such file"),
        "{log_text}"
    );
    assert_eq!(s[1]["done"].as_u64(), Some(0), "merge must not run: {s}");
    assert_eq!(s[2]["done"].as_u64(), Some(0), "balance must not run: {s}");
    assert!(!out2.join("manifest.json").exists());
    let human = garbell(&["slurm", "status", p2.to_str().expect("utf8")]);
    assert!(String::from_utf8_lossy(&human.stdout).contains(&format!(
        "failed: run task 2 (job {}",
        failed[0]["job"].as_str().expect("job")
    )));

    // Fix the input and resubmit: only task 2 runs again.
    std::fs::remove_file(&broken).expect("rm link");
    std::fs::rename(&target, &broken).expect("restore");
    submit(&p2);
    let jobs = read_json(&out2.join("slurm/jobs.json"));
    let last = jobs["submissions"]
        .as_array()
        .expect("subs")
        .last()
        .expect("last")
        .clone();
    assert_eq!(last["run"][0]["tasks"], serde_json::json!([2]), "{last}");
    let s = wait(&p2);
    for st in s.as_array().expect("stages") {
        assert_eq!(st["done"], st["tasks"], "{s}");
    }
    compare_with_local(&inputs2, &out2);
}
