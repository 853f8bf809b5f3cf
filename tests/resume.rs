//! Crash safety and determinism of `garbell run`:
//!
//! - a run really killed (SIGKILL) at several points, then rerun, gives outputs and a manifest
//!   byte-identical to an uninterrupted run, with no temporary file left;
//! - 1, 2 and 8 threads give byte-identical outputs;
//! - `garbell manifest verify` detects a flipped byte, a truncated shard and a missing shard;
//! - resuming into a directory written with another configuration is refused;
//! - a changed input is redone with everything downstream of it (run task, dedup stages,
//!   merge): the stale-dedup case of issue 19 gives the bytes of a fresh run, locally and with
//!   task slices and the `garbell dedup` stages;
//! - `--task-index 0 --task-count 1` is task mode: no merged outputs until `--merge`.

mod common;

use common::*;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Writes `files` JSONL inputs of `docs` documents each, built from the samples' paragraphs.
fn make_inputs(dir: &Path, files: usize, docs: usize) {
    let paras = [
        "La ciutat de Girona conserva un barri vell ple de carrers estrets i escales de pedra.",
        "El río Ebro atraviesa varias comunidades autónomas antes de llegar al mar Mediterráneo.",
        "The committee published its annual report on water quality in the northern districts.",
        "Le conseil municipal a voté hier soir le budget consacré à la rénovation des écoles.",
        "Die neue Bahnstrecke verbindet die beiden Städte in weniger als einer Stunde.",
        "Il museo ha riaperto le sale dedicate alla pittura del Rinascimento dopo i restauri.",
        "A biblioteca municipal oferece cursos gratuitos de leitura para adultos durante o verão.",
    ];
    for f in 0..files {
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(dir.join(format!("in-{f:03}.jsonl"))).expect("create"),
        );
        for d in 0..docs {
            let p = paras[(f * 7 + d) % paras.len()];
            let q = paras[(f + d * 3) % paras.len()];
            let text = format!("{p} {p}\n{p} ({f}-{d})\n{q}");
            let text = if (f + d) % paras.len() == 0 {
                format!("{q} {q} {q}")
            } else {
                text
            };
            writeln!(
                out,
                "{}",
                serde_json::json!({"id": format!("{f}-{d}"), "text": text})
            )
            .expect("write");
        }
    }
}

fn run_cmd(inputs: &Path, out: &Path, threads: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_garbell"));
    c.args(["run", "--chain", "quickstart", "-j", threads, "-o"])
        .arg(out)
        .arg(inputs);
    c.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

fn assert_same_outputs(a: &Path, b: &Path) {
    let fa = list_files(a);
    assert_eq!(fa, list_files(b), "same files");
    for f in fa.iter().filter(|f| !f.ends_with("run.json")) {
        assert!(
            std::fs::read(a.join(f)).expect("read") == std::fs::read(b.join(f)).expect("read"),
            "{f} differs"
        );
    }
}

#[test]
fn killed_runs_resume_to_byte_identical_outputs() {
    let inputs = tempdir();
    make_inputs(inputs.path(), 12, 1500);
    let reference = tempdir();
    let t = Instant::now();
    assert!(run_cmd(inputs.path(), reference.path(), "2")
        .status()
        .expect("runs")
        .success());
    let full = t.elapsed();

    let mut resumed_total = 0;
    for frac in [0.1, 0.35, 0.6, 0.85] {
        let out = tempdir();
        let mut child = run_cmd(inputs.path(), out.path(), "2")
            .spawn()
            .expect("spawn");
        std::thread::sleep(full.mul_f64(frac));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Whatever was published is complete: every shard at its final name is a whole Parquet file.
        if out.path().join("shards").exists() {
            for f in std::fs::read_dir(out.path().join("shards")).expect("dir") {
                let p = f.expect("entry").path();
                let name = p.file_name().expect("name").to_string_lossy().into_owned();
                if name.starts_with("part-") {
                    let b = std::fs::read(&p).expect("read");
                    assert!(
                        b.ends_with(b"PAR1") && b.starts_with(b"PAR1"),
                        "{name} is partial"
                    );
                }
            }
        }
        // Tasks completed before the kill (marker published) must be resumed, not redone: the
        // rerun counts them and leaves their shards untouched.
        let done = completed_shards(out.path());
        assert!(run_cmd(inputs.path(), out.path(), "2")
            .status()
            .expect("runs")
            .success());
        assert_eq!(completed_shards(out.path()).len(), 12);
        let run = read_json(&out.path().join("run.json"));
        assert_eq!(run["tasks_resumed"], done.len(), "killed at {frac}");
        for (shard, mtime) in &done {
            assert_eq!(modified(shard), *mtime, "{} was rewritten", shard.display());
        }
        resumed_total += done.len();
        assert!(
            !list_files(out.path()).iter().any(|f| f.contains(".tmp-")),
            "temporary files remain: {:?}",
            list_files(out.path())
        );
        assert_same_outputs(reference.path(), out.path());
        eprintln!("killed at {frac}: {} of 12 tasks resumed", done.len());
    }
    assert!(
        resumed_total > 0,
        "no kill left a completed task: nothing was resumed"
    );
}

fn modified(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The shards whose completion marker is published, with their modification times.
fn completed_shards(out: &Path) -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
    let Ok(rd) = std::fs::read_dir(out.join("completions")) else {
        return Vec::new();
    };
    let mut v: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let stem = p.file_stem().expect("name").to_string_lossy().into_owned();
            let shard = out.join("shards").join(format!("{stem}.parquet"));
            let m = modified(&shard);
            (shard, m)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn one_two_and_eight_threads_give_identical_bytes() {
    let inputs = tempdir();
    make_inputs(inputs.path(), 5, 200);
    let outs: Vec<_> = ["1", "2", "8"]
        .iter()
        .map(|j| {
            let o = tempdir();
            assert!(run_cmd(inputs.path(), o.path(), j)
                .status()
                .expect("runs")
                .success());
            o
        })
        .collect();
    assert_same_outputs(outs[0].path(), outs[1].path());
    assert_same_outputs(outs[0].path(), outs[2].path());
}

#[test]
fn verify_detects_flipped_truncated_and_missing_shards() {
    let inputs = tempdir();
    make_inputs(inputs.path(), 3, 50);
    let out = tempdir();
    assert!(run_cmd(inputs.path(), out.path(), "2")
        .status()
        .expect("runs")
        .success());
    let verify = || garbell(&["manifest", "verify", out.path().to_str().expect("utf8")]);
    assert_success(&verify());

    let shard = |i: usize| out.path().join(format!("shards/part-{i:05}.parquet"));
    let mut b = std::fs::read(shard(0)).expect("read");
    let mid = b.len() / 2;
    b[mid] ^= 0x01;
    std::fs::write(shard(0), &b).expect("flip");
    let b = std::fs::read(shard(1)).expect("read");
    std::fs::write(shard(1), &b[..b.len() - 10]).expect("truncate");
    std::fs::remove_file(shard(2)).expect("remove");

    let o = verify();
    assert_eq!(o.status.code(), Some(1));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(
        report.contains("content differs") && report.contains("part-00000"),
        "{report}"
    );
    assert!(
        report.contains("size differs") && report.contains("part-00001"),
        "{report}"
    );
    assert!(
        report.contains("missing") && report.contains("part-00002"),
        "{report}"
    );
}

#[test]
fn resuming_with_another_configuration_is_refused() {
    let inputs = tempdir();
    make_inputs(inputs.path(), 2, 20);
    let out = tempdir();
    assert!(run_cmd(inputs.path(), out.path(), "1")
        .status()
        .expect("runs")
        .success());
    let chain = inputs.path().join("other.toml");
    std::fs::write(
        &chain,
        "name = \"other\"\n[[steps]]\nstep = \"normalize\"\n",
    )
    .expect("write");
    let o = garbell(&[
        "run",
        "--chain",
        chain.to_str().expect("utf8"),
        "-o",
        out.path().to_str().expect("utf8"),
        inputs.path().join("in-000.jsonl").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("another configuration"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn manifest_diff_names_what_changed() {
    let inputs = tempdir();
    make_inputs(inputs.path(), 2, 30);
    let (a, b) = (tempdir(), tempdir());
    assert!(run_cmd(inputs.path(), a.path(), "1")
        .status()
        .expect("runs")
        .success());
    let chain = inputs.path().join("strict.toml");
    std::fs::write(
        &chain,
        "name = \"quickstart\"\ndescription = \"Normalize, identify the language, keep the 35 European languages\"\n[[steps]]\nstep = \"normalize\"\n[[steps]]\nstep = \"identify_language\"\nmodel = \"embedded:lid.176\"\n[[steps]]\nstep = \"filter_language\"\nlanguages = [\"ca\"]\n",
    )
    .expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(["run", "-j", "1", "--chain"])
        .arg(&chain)
        .arg("-o")
        .arg(b.path())
        .arg(inputs.path())
        .output()
        .expect("runs");
    assert_success(&o);
    let d = garbell(&[
        "manifest",
        "diff",
        a.path().to_str().expect("utf8"),
        b.path().to_str().expect("utf8"),
    ]);
    let text = String::from_utf8_lossy(&d.stdout);
    assert!(text.contains("config chain.steps[2].languages"), "{text}");
    assert!(text.contains("written [es]"), "{text}");
}

/// Mounts a tmpfs of `size` at `dir` (with `extra` options); `None` where mounting is not allowed
/// (not root, no mount): the test then says so and skips, except under CI where it fails.
fn mount_tmpfs(dir: &Path, size: &str, extra: &str) -> Option<Unmount> {
    let opts = if extra.is_empty() {
        format!("size={size}")
    } else {
        format!("size={size},{extra}")
    };
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &opts, "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        skip_unless_ci(
            "disk-full/read-only",
            "cannot mount a tmpfs here (needs root)",
        );
        return None;
    }
    Some(Unmount(dir.to_path_buf()))
}

struct Unmount(std::path::PathBuf);
impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn disk_full_is_a_clear_error_and_publishes_no_partial_shard() {
    let inputs = tempdir();
    make_inputs(inputs.path(), 4, 3000);
    let mnt = tempdir();
    let Some(_m) = mount_tmpfs(mnt.path(), "24k", "") else {
        return;
    };
    let out = mnt.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(["run", "--chain", "quickstart", "-j", "2", "-o"])
        .arg(&out)
        .arg(inputs.path())
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("No space left on device"),
        "{}",
        stderr(&o)
    );
    assert!(
        !out.join("manifest.json").exists(),
        "no manifest for an incomplete run"
    );
    // A failed first run removes the directories it created while they are empty; what is
    // left (shards published before the disk filled) is whole.
    let left = if out.exists() {
        list_files(&out)
    } else {
        Vec::new()
    };
    for f in left {
        assert!(!f.contains(".tmp-"), "temporary file left: {f}");
        if f.ends_with(".parquet") {
            let b = std::fs::read(out.join(&f)).expect("read");
            assert!(b.ends_with(b"PAR1"), "{f} is partial");
        }
    }
}

#[test]
fn read_only_output_is_a_clear_error() {
    let inputs = tempdir();
    make_inputs(inputs.path(), 1, 10);
    let mnt = tempdir();
    let Some(_m) = mount_tmpfs(mnt.path(), "1m", "ro") else {
        return;
    };
    let o = Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(["run", "--chain", "quickstart", "-o"])
        .arg(mnt.path().join("out"))
        .arg(inputs.path())
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Read-only file system"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn tasks_then_merge_equal_a_single_run() {
    let inputs = tempdir();
    make_inputs(inputs.path(), 7, 40);
    let single = tempdir();
    assert!(run_cmd(inputs.path(), single.path(), "2")
        .status()
        .expect("runs")
        .success());
    let split = tempdir();
    let task = |extra: &[&str]| {
        let mut c = run_cmd(inputs.path(), split.path(), "1");
        c.args(extra).stderr(std::process::Stdio::piped());
        c.output().expect("runs")
    };
    for k in ["2", "0"] {
        assert_success(&task(&["--task-index", k, "--task-count", "3"]));
    }
    assert!(
        !split.path().join("manifest.json").exists(),
        "a task alone writes no manifest"
    );
    let early = task(&["--merge"]);
    assert_eq!(early.status.code(), Some(1));
    assert!(
        stderr(&early).contains("task 1 ") && stderr(&early).contains("not complete"),
        "{}",
        stderr(&early)
    );
    // Slurm's variables select the slice when no flag is given.
    let mut c = run_cmd(inputs.path(), split.path(), "1");
    c.env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3");
    assert!(c.status().expect("runs").success());
    assert_success(&task(&["--merge"]));
    let mut fa = list_files(single.path());
    let mut fb = list_files(split.path());
    fa.retain(|f| !f.ends_with("run.json"));
    fb.retain(|f| !f.ends_with("run.json"));
    assert_eq!(fa, fb);
    for f in &fa {
        assert!(
            std::fs::read(single.path().join(f)).expect("read")
                == std::fs::read(split.path().join(f)).expect("read"),
            "{f} differs between one run and three tasks + merge"
        );
    }
}

/// Writes the inputs of the stale-dedup reproduction into `dir`: `a.jsonl.gz` (complete, or cut
/// short inside its gzip stream) and `b.jsonl`, with documents repeated within and across the
/// two files so that the dedup removes some of them.
fn stale_dedup_inputs(dir: &Path, truncated: bool) {
    let paras = [
        "La ciutat de Girona conserva un barri vell ple de carrers estrets i escales de pedra.",
        "El río Ebro atraviesa varias comunidades autónomas antes de llegar al mar Mediterráneo.",
        "The committee published its annual report on water quality in the northern districts.",
        "Le conseil municipal a voté hier soir le budget consacré à la rénovation des écoles.",
        "Die neue Bahnstrecke verbindet die beiden Städte in weniger als einer Stunde.",
    ];
    let words: Vec<&str> = paras.iter().flat_map(|p| p.split(' ')).collect();
    let doc = |i: usize| {
        // Every fifth document repeats an earlier one (exact duplicates across the inputs); the
        // others are distinct word sequences (a xorshift over the paragraphs' words), so that
        // MinHash keeps them apart.
        let k = if i % 5 == 4 { i / 2 } else { i };
        let mut x = (k as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut text = paras[k % paras.len()].to_string();
        for _ in 0..40 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            text.push(' ');
            text.push_str(words[(x % words.len() as u64) as usize]);
        }
        text
    };
    let mut a = Vec::new();
    for i in 0..400 {
        writeln!(
            a,
            "{}",
            serde_json::json!({"id": format!("a{i}"), "text": doc(i)})
        )
        .expect("w");
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&a).expect("gzip");
    let mut gz = gz.finish().expect("gzip");
    if truncated {
        gz.truncate(gz.len() / 2);
    }
    std::fs::write(dir.join("a.jsonl.gz"), gz).expect("write a");
    let mut b = Vec::new();
    for i in 0..150 {
        writeln!(
            b,
            "{}",
            serde_json::json!({"id": format!("b{i}"), "text": doc(i * 3)})
        )
        .expect("w");
    }
    std::fs::write(dir.join("b.jsonl"), b).expect("write b");
}

fn garbell_in(args: &[&str], inputs: &Path, out: &Path) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_garbell"));
    c.args(args)
        .args(["--chain", "quickstart", "-j", "2", "-o"])
        .arg(out)
        .arg(inputs);
    c.output().expect("garbell runs")
}

/// Every file of `a` and `b` except `run.json`: same names, same bytes.
fn assert_same_files(a: &Path, b: &Path, what: &str) {
    let keep = |f: &String| !f.ends_with("run.json");
    let fa: Vec<String> = list_files(a).into_iter().filter(keep).collect();
    let fb: Vec<String> = list_files(b).into_iter().filter(keep).collect();
    assert_eq!(fa, fb, "{what}: same files");
    for f in &fa {
        assert!(
            std::fs::read(a.join(f)).expect("read") == std::fs::read(b.join(f)).expect("read"),
            "{what}: {f} differs from a fresh run"
        );
    }
}

fn dedup_rows(out: &Path) -> u64 {
    read_json(&out.join("manifest.json"))["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .filter(|o| o["path"].as_str().is_some_and(|p| p.starts_with("dedup/")))
        .map(|o| o["rows"].as_u64().expect("rows"))
        .sum()
}

#[test]
fn changed_input_reruns_dedup_to_the_bytes_of_a_fresh_run() {
    let inputs = tempdir();
    stale_dedup_inputs(inputs.path(), true);
    let out = tempdir();
    let o = garbell_in(&["run"], inputs.path(), out.path());
    assert_success(&o);
    let stats = read_json(&out.path().join("stats.json"));
    assert_eq!(stats["read_errors"]["decompress_error"], 1, "{stats}");
    let before = dedup_rows(out.path());

    // The complete file replaces the truncated one; the same command again.
    stale_dedup_inputs(inputs.path(), false);
    let o = garbell_in(&["run"], inputs.path(), out.path());
    assert_success(&o);
    assert!(
        stderr(&o).contains("resumed: 1 of 2"),
        "only the changed input is redone: {}",
        stderr(&o)
    );
    let fresh = tempdir();
    assert_success(&garbell_in(&["run"], inputs.path(), fresh.path()));
    assert!(
        dedup_rows(fresh.path()) > before,
        "the complete file adds documents"
    );
    assert_same_files(out.path(), fresh.path(), "rerun after a changed input");
    assert_success(&garbell(&[
        "manifest",
        "verify",
        out.path().to_str().expect("utf8"),
    ]));
}

#[test]
fn changed_input_with_task_slices_and_dedup_stages_matches_a_fresh_run() {
    let inputs = tempdir();
    stale_dedup_inputs(inputs.path(), true);
    let out = tempdir();
    let sliced = |out: &Path| {
        for k in ["0", "1"] {
            let o = garbell_in(
                &["run", "--task-index", k, "--task-count", "2"],
                inputs.path(),
                out,
            );
            assert_success(&o);
        }
        for stage in ["signatures", "buckets", "filter"] {
            if stage == "filter" {
                assert_success(&garbell_in(&["dedup", "cluster"], inputs.path(), out));
            }
            for k in ["1", "0"] {
                let o = garbell_in(
                    &["dedup", stage, "--task-index", k, "--task-count", "2"],
                    inputs.path(),
                    out,
                );
                assert_success(&o);
            }
        }
        assert_success(&garbell_in(&["run", "--merge"], inputs.path(), out));
    };
    sliced(out.path());
    stale_dedup_inputs(inputs.path(), false);
    // The stages refuse to use what the changed input made stale.
    let o = garbell_in(&["dedup", "cluster"], inputs.path(), out.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    sliced(out.path());
    let fresh = tempdir();
    assert_success(&garbell_in(&["run"], inputs.path(), fresh.path()));
    assert_same_files(
        out.path(),
        fresh.path(),
        "task slices after a changed input",
    );
}

#[test]
fn removed_input_leaves_no_stale_shard_or_dedup_run() {
    let inputs = tempdir();
    stale_dedup_inputs(inputs.path(), false);
    let out = tempdir();
    assert_success(&garbell_in(&["run"], inputs.path(), out.path()));
    std::fs::remove_file(inputs.path().join("b.jsonl")).expect("rm");
    assert_success(&garbell_in(&["run"], inputs.path(), out.path()));
    let fresh = tempdir();
    assert_success(&garbell_in(&["run"], inputs.path(), fresh.path()));
    assert_same_files(out.path(), fresh.path(), "rerun after removing an input");
    assert_success(&garbell(&[
        "manifest",
        "verify",
        out.path().to_str().expect("utf8"),
    ]));
}

#[test]
fn task_count_one_is_task_mode() {
    let inputs = tempdir();
    make_inputs(inputs.path(), 2, 20);
    let out = tempdir();
    let o = garbell_in(
        &["run", "--task-index", "0", "--task-count", "1"],
        inputs.path(),
        out.path(),
    );
    assert_success(&o);
    for f in ["manifest.json", "stats.json", "errors.jsonl", "dedup"] {
        assert!(
            !out.path().join(f).exists(),
            "task mode wrote {f}: {:?}",
            list_files(out.path())
        );
    }
    assert!(out.path().join("completions/part-00001.json").is_file());
    assert_success(&garbell_in(&["run", "--merge"], inputs.path(), out.path()));
    let fresh = tempdir();
    assert_success(&garbell_in(&["run"], inputs.path(), fresh.path()));
    assert_same_files(out.path(), fresh.path(), "one task + merge");
}
