//! The dedup stage that follows the chain (`[dedup]` in a chain file): exact and near copies are
//! removed across inputs, survivors carry their cluster size, and the result does not depend on
//! threads or on how the inputs are split into tasks.

mod common;

use common::*;
use std::io::Write;
use std::path::Path;

/// Pseudo-words from a seeded generator: distinct documents share (almost) no 5-gram.
fn words(seed: u64, n: usize) -> Vec<String> {
    let syll = [
        "ka", "lo", "mi", "ne", "tu", "ra", "si", "po", "de", "gu", "fa", "be", "zo", "vi",
    ];
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            let mut w = String::new();
            for _ in 0..3 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                w.push_str(syll[(x >> 33) as usize % syll.len()]);
            }
            w
        })
        .collect()
}

/// Three inputs: 20 originals, then 5 exact copies (other case and punctuation) and 5 near
/// copies (one word in 100 changed) of the first ten.
fn make_inputs(dir: &Path) {
    let docs: Vec<Vec<String>> = (0..20).map(|i| words(i, 100)).collect();
    let mut files: Vec<Vec<(String, String)>> = vec![vec![], vec![], vec![]];
    for (i, d) in docs.iter().enumerate() {
        files[i % 2].push((format!("orig-{i}"), d.join(" ")));
    }
    for (i, d) in docs.iter().enumerate().take(5) {
        files[2].push((
            format!("exact-{i}"),
            format!("{}!!", d.join(" ").to_uppercase()),
        ));
    }
    for (i, d) in docs.iter().enumerate().skip(5).take(5) {
        let mut d = d.clone();
        d[50] = "changed".into();
        files[2].push((format!("near-{i}"), d.join(" ")));
    }
    for (k, f) in files.iter().enumerate() {
        let mut out = std::fs::File::create(dir.join(format!("in-{k}.jsonl"))).expect("create");
        for (id, text) in f {
            writeln!(out, "{}", serde_json::json!({"id": id, "text": text})).expect("write");
        }
    }
    std::fs::write(
        dir.join("chain.toml"),
        "name = \"dedup-test\"\n[[steps]]\nstep = \"normalize\"\n[dedup.exact]\n[dedup.minhash]\n",
    )
    .expect("chain");
}

fn run(dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--chain"];
    let chain = dir.join("chain.toml");
    args.push(chain.to_str().expect("utf8"));
    args.extend_from_slice(&["-o", out.to_str().expect("utf8")]);
    args.extend_from_slice(extra);
    let inputs: Vec<String> = (0..3)
        .map(|k| dir.join(format!("in-{k}.jsonl")).display().to_string())
        .collect();
    args.extend(inputs.iter().map(String::as_str));
    garbell(&args)
}

#[test]
fn exact_and_near_copies_are_removed_and_survivors_know_their_cluster_size() {
    let dir = tempdir();
    make_inputs(dir.path());
    let out = tempdir();
    assert_success(&run(dir.path(), out.path(), &["-j", "2"]));
    let s = read_json(&out.path().join("stats.json"));
    let dedup = s["steps"]
        .as_array()
        .expect("steps")
        .last()
        .expect("dedup step")
        .clone();
    assert_eq!(dedup["name"], "dedup");
    assert_eq!(dedup["total"]["seen"].as_u64(), Some(30));
    assert_eq!(
        dedup["total"]["dropped"]["duplicate"].as_u64(),
        Some(10),
        "{dedup}"
    );
    assert_eq!(s["written"].as_u64(), Some(20));

    let mut kept = std::collections::BTreeMap::new();
    for i in 0..3 {
        let p = out.path().join(format!("dedup/shards/part-{i:05}.parquet"));
        for d in garbell_shard::read_documents(&p).expect("shard") {
            kept.insert(d.id.clone(), d.signals["dedup_cluster_size"]);
        }
    }
    assert_eq!(kept.len(), 20);
    assert!(
        kept.keys().all(|id| id.starts_with("orig-")),
        "the first document of each cluster survives: {kept:?}"
    );
    for i in 0..20 {
        let want = if i < 10 { 2.0 } else { 1.0 };
        assert_eq!(kept[&format!("orig-{i}")], want, "orig-{i}");
    }
    assert_success(&garbell(&[
        "manifest",
        "verify",
        out.path().to_str().expect("utf8"),
    ]));
}

#[test]
fn dedup_output_is_the_same_for_any_threads_and_task_split() {
    let dir = tempdir();
    make_inputs(dir.path());
    let a = tempdir();
    let b = tempdir();
    assert_success(&run(dir.path(), a.path(), &["-j", "1"]));
    for k in ["0", "1", "2"] {
        assert_success(&run(
            dir.path(),
            b.path(),
            &["-j", "2", "--task-index", k, "--task-count", "3"],
        ));
    }
    assert_success(&run(dir.path(), b.path(), &["-j", "2", "--merge"]));
    let fa: Vec<String> = list_files(a.path())
        .into_iter()
        .filter(|f| !f.ends_with("run.json"))
        .collect();
    let fb: Vec<String> = list_files(b.path())
        .into_iter()
        .filter(|f| !f.ends_with("run.json"))
        .collect();
    assert_eq!(fa, fb);
    for f in &fa {
        assert!(
            std::fs::read(a.path().join(f)).expect("a")
                == std::fs::read(b.path().join(f)).expect("b"),
            "{f} differs"
        );
    }
}

/// The arguments shared by `garbell run` and `garbell dedup <stage>` for the test inputs.
fn stage_args(dir: &Path, out: &Path) -> Vec<String> {
    let mut v = vec![
        "--chain".to_string(),
        dir.join("chain.toml").display().to_string(),
        "-o".into(),
        out.display().to_string(),
    ];
    v.extend((0..3).map(|k| dir.join(format!("in-{k}.jsonl")).display().to_string()));
    v
}

fn garbell_with(cmd: &[&str], args: &[String], extra: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = cmd.to_vec();
    all.extend(args.iter().map(String::as_str));
    all.extend_from_slice(extra);
    garbell(&all)
}

/// `garbell dedup <stage>` over all tasks of a `count`-way split (`count == 1`: no slice).
fn stage(name: &str, args: &[String], count: usize, threads: &str) {
    for k in 0..count {
        let (k, n) = (k.to_string(), count.to_string());
        let mut extra = vec!["-j", threads];
        if count > 1 && name != "cluster" {
            extra.extend_from_slice(&["--task-index", &k, "--task-count", &n]);
        }
        assert_success(&garbell_with(&["dedup", name], args, &extra));
    }
}

/// Asserts that two run directories hold the same files with the same bytes (`run.json`, the
/// environment facts, aside).
fn assert_same_outputs(a: &Path, b: &Path) {
    let files = |d: &Path| -> Vec<String> {
        list_files(d)
            .into_iter()
            .filter(|f| !f.ends_with("run.json"))
            .collect()
    };
    let (fa, fb) = (files(a), files(b));
    assert_eq!(fa, fb);
    for f in &fa {
        assert!(
            std::fs::read(a.join(f)).expect("a") == std::fs::read(b.join(f)).expect("b"),
            "{f} differs"
        );
    }
}

/// Runs the chain over the inputs as `count` array tasks, without the merge (so no dedup).
fn run_tasks(args: &[String], count: usize) {
    for k in 0..count {
        let (k, n) = (k.to_string(), count.to_string());
        assert_success(&garbell_with(
            &["run"],
            args,
            &["-j", "1", "--task-index", &k, "--task-count", &n],
        ));
    }
}

#[test]
fn cli_stages_one_by_one_give_the_one_shot_result_for_any_task_count() {
    let dir = tempdir();
    make_inputs(dir.path());
    let one_shot = tempdir();
    assert_success(&run(dir.path(), one_shot.path(), &["-j", "2"]));
    for (count, threads) in [(1, "1"), (2, "2"), (4, "1")] {
        let out = tempdir();
        let args = stage_args(dir.path(), out.path());
        run_tasks(&args, 3);
        assert!(
            !out.path().join("dedup").exists(),
            "array tasks alone do not dedup"
        );
        stage("signatures", &args, count, threads);
        stage("buckets", &args, count, threads);
        stage("cluster", &args, 1, threads);
        stage("filter", &args, count, threads);
        assert_success(&garbell_with(&["run"], &args, &["-j", threads, "--merge"]));
        assert_same_outputs(one_shot.path(), out.path());
    }
}

#[test]
fn a_stage_needs_the_previous_one_and_the_run() {
    let dir = tempdir();
    make_inputs(dir.path());
    let out = tempdir();
    let args = stage_args(dir.path(), out.path());
    let o = garbell_with(&["dedup", "signatures"], &args, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not complete"), "{}", stderr(&o));
    run_tasks(&args, 3);
    stage("signatures", &args, 2, "1");
    let o = garbell_with(&["dedup", "cluster"], &args, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("buckets stage"), "{}", stderr(&o));
    stage("buckets", &args, 1, "1");
    let o = garbell_with(&["dedup", "filter"], &args, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cluster stage"), "{}", stderr(&o));
}

#[test]
fn a_killed_stage_resumes_without_redoing_finished_units() {
    let dir = tempdir();
    make_inputs(dir.path());
    let one_shot = tempdir();
    assert_success(&run(dir.path(), one_shot.path(), &["-j", "1"]));
    let out = tempdir();
    let args = stage_args(dir.path(), out.path());
    run_tasks(&args, 3);
    let d = out.path().join("dedup");

    // Signatures: shards 0 and 2 done (task 0 of 2); shard 1 was killed midway, leaving a
    // half-written run, a run of an earlier attempt and a marker temporary.
    stage("signatures", &args, 1, "1");
    let done0 = d.join("completions/sign-part-00000.json");
    std::fs::remove_file(d.join("completions/sign-part-00001.json")).expect("rm marker");
    std::fs::write(
        d.join("buckets/band-0003/.part-00001-000001.run.tmp"),
        b"half",
    )
    .expect("w");
    std::fs::write(d.join("buckets/band-0003/part-00001-000007.run"), b"stale").expect("w");
    std::fs::write(d.join("completions/.sign-part-00001.json.tmp-99"), b"{").expect("w");
    std::fs::write(d.join("sketches/minhash/.part-00001.sk.tmp"), b"half").expect("w");
    let before = std::fs::metadata(&done0)
        .expect("m")
        .modified()
        .expect("mtime");
    let o = garbell_with(&["dedup", "signatures"], &args, &["-j", "2"]);
    assert_success(&o);
    assert!(
        stderr(&o).contains("3 shards done, 2 of them already complete"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::metadata(&done0)
            .expect("m")
            .modified()
            .expect("mtime"),
        before,
        "a finished shard is not signed again"
    );
    for f in [
        "buckets/band-0003/.part-00001-000001.run.tmp",
        "buckets/band-0003/part-00001-000007.run",
        "completions/.sign-part-00001.json.tmp-99",
        "sketches/minhash/.part-00001.sk.tmp",
    ] {
        assert!(!d.join(f).exists(), "{f} left behind");
    }

    // Buckets: half the bands done, band 1 killed mid-merge.
    stage("buckets", &args, 1, "1");
    let o = garbell_with(
        &["dedup", "buckets"],
        &args,
        &["--task-index", "0", "--task-count", "2"],
    );
    assert_success(&o);
    assert!(stderr(&o).contains("already complete"), "{}", stderr(&o));
    std::fs::remove_file(d.join("completions/band-0001.json")).expect("rm");
    std::fs::remove_file(d.join("pairs/band-0001.pairs")).expect("rm");
    std::fs::write(d.join("buckets/band-0001/.zmerge000-000000.run.tmp"), b"x").expect("w");
    std::fs::write(d.join("pairs/.band-0001.pairs.tmp"), b"x").expect("w");
    let o = garbell_with(&["dedup", "buckets"], &args, &["-j", "2"]);
    assert_success(&o);
    let bands = 21; // one exact band + 20 MinHash bands
    assert!(
        stderr(&o).contains(&format!(
            "{bands} bands done, {} of them already complete",
            bands - 1
        )),
        "{}",
        stderr(&o)
    );
    assert!(!d
        .join("buckets/band-0001/.zmerge000-000000.run.tmp")
        .exists());
    assert!(!d.join("pairs/.band-0001.pairs.tmp").exists());

    // Cluster, then filter with a killed shard 2.
    stage("cluster", &args, 1, "1");
    let o = garbell_with(&["dedup", "cluster"], &args, &[]);
    assert!(stderr(&o).contains("already complete"), "{}", stderr(&o));
    stage("filter", &args, 1, "1");
    std::fs::remove_file(d.join("completions/apply-part-00002.json")).expect("rm");
    std::fs::write(d.join("shards/.part-00002.parquet.tmp-5"), b"PAR1").expect("w");
    let o = garbell_with(&["dedup", "filter"], &args, &[]);
    assert!(
        stderr(&o).contains("3 shards done, 2 of them already complete"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("shards/.part-00002.parquet.tmp-5").exists());
    assert_success(&garbell_with(&["run"], &args, &["--merge"]));
    assert_same_outputs(one_shot.path(), out.path());
}

#[test]
fn survivor_can_be_the_document_with_the_highest_signal() {
    let dir = tempdir();
    let base = words(7, 100);
    let mut longer = base.clone();
    longer.extend(["extra".to_string(), "words".to_string()]);
    let other = words(8, 100);
    let mut f = std::fs::File::create(dir.path().join("in.jsonl")).expect("create");
    for (id, w) in [("short", &base), ("long", &longer), ("other", &other)] {
        writeln!(f, "{}", serde_json::json!({"id": id, "text": w.join(" ")})).expect("w");
    }
    let chain = |survivor: &str| {
        format!(
            "name = \"survivor-test\"\n[[steps]]\nstep = \"filter_gopher_quality\"\nannotate_only = true\n[dedup]\n{survivor}\n[dedup.minhash]\n"
        )
    };
    for (survivor, kept) in [
        ("", ["other", "short"]),
        (
            "survivor = { highest_signal = \"gopher_words\" }",
            ["long", "other"],
        ),
    ] {
        std::fs::write(dir.path().join("chain.toml"), chain(survivor)).expect("chain");
        let out = tempdir();
        assert_success(&garbell(&[
            "run",
            "--chain",
            dir.path().join("chain.toml").to_str().expect("utf8"),
            "-o",
            out.path().to_str().expect("utf8"),
            dir.path().join("in.jsonl").to_str().expect("utf8"),
        ]));
        let docs =
            garbell_shard::read_documents(&out.path().join("dedup/shards/part-00000.parquet"))
                .expect("shard");
        let mut ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, kept, "survivor rule {survivor:?}");
        let long_or_short = docs.iter().find(|d| d.id != "other").expect("survivor");
        assert_eq!(long_or_short.signals["dedup_cluster_size"], 2.0);
    }
}

#[test]
fn line_dedup_keeps_the_first_occurrence_of_each_line_across_the_corpus() {
    let dir = tempdir();
    let docs = [
        (
            "a",
            "Home | About | Contact\nThe first page talks about rivers.\nWe use cookies.",
        ),
        (
            "b",
            "home about contact\nThe second page talks about mountains.\nWE USE COOKIES!\nThe second page talks about mountains.",
        ),
        ("c", "Home About Contact\nWe use cookies"),
    ];
    for (k, chunk) in [&docs[..2], &docs[2..]].iter().enumerate() {
        let mut f = std::fs::File::create(dir.path().join(format!("in-{k}.jsonl"))).expect("c");
        for (id, text) in chunk.iter() {
            writeln!(f, "{}", serde_json::json!({"id": id, "text": text})).expect("w");
        }
    }
    std::fs::write(
        dir.path().join("chain.toml"),
        "name = \"lines\"\n[[steps]]\nstep = \"normalize\"\n[dedup.lines]\n",
    )
    .expect("chain");
    let inputs: Vec<String> = (0..2)
        .map(|k| {
            dir.path()
                .join(format!("in-{k}.jsonl"))
                .display()
                .to_string()
        })
        .collect();
    let args = |out: &Path| -> Vec<String> {
        let mut v = vec![
            "--chain".to_string(),
            dir.path().join("chain.toml").display().to_string(),
            "-o".into(),
            out.display().to_string(),
        ];
        v.extend(inputs.iter().cloned());
        v
    };
    let one = tempdir();
    assert_success(&garbell_with(&["run"], &args(one.path()), &["-j", "2"]));
    let mut kept = std::collections::BTreeMap::new();
    for k in 0..2 {
        let p = one.path().join(format!("dedup/shards/part-{k:05}.parquet"));
        for d in garbell_shard::read_documents(&p).expect("shard") {
            kept.insert(
                d.id.clone(),
                (d.text.clone(), d.signals["dedup_lines_removed"]),
            );
        }
    }
    assert_eq!(kept["a"].1, 0.0);
    assert_eq!(
        kept["b"],
        ("The second page talks about mountains.".to_string(), 3.0)
    );
    assert!(!kept.contains_key("c"), "only repeated lines: dropped");
    let s = read_json(&one.path().join("stats.json"));
    let dedup = s["steps"]
        .as_array()
        .expect("steps")
        .last()
        .expect("dedup")
        .clone();
    assert_eq!(
        dedup["total"]["dropped"]["duplicate_lines"].as_u64(),
        Some(1),
        "{dedup}"
    );
    let marker = read_json(&one.path().join("dedup/completions/cluster.json"));
    assert_eq!(marker["lines"]["repeated"].as_u64(), Some(3), "{marker}");
    assert_eq!(marker["lines"]["to_remove"].as_u64(), Some(5), "{marker}");

    // The same bytes stage by stage, as two array tasks.
    let staged = tempdir();
    let a = args(staged.path());
    for k in ["0", "1"] {
        assert_success(&garbell_with(
            &["run"],
            &a,
            &["--task-index", k, "--task-count", "2"],
        ));
    }
    for st in ["signatures", "buckets", "cluster", "filter"] {
        assert_success(&garbell_with(&["dedup", st], &a, &["-j", "1"]));
    }
    assert_success(&garbell_with(&["run"], &a, &["--merge"]));
    assert_same_outputs(one.path(), staged.path());
}

/// Ids of the documents `garbell run` kept in `out/dedup/shards/`, sorted.
fn kept_ids(out: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    let mut shards: Vec<_> = std::fs::read_dir(out.join("dedup/shards"))
        .expect("dedup shards")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    shards.sort();
    for p in shards {
        ids.extend(
            garbell_shard::read_documents(&p)
                .expect("shard")
                .into_iter()
                .map(|d| d.id),
        );
    }
    ids.sort();
    ids
}

/// The embedded `dedup` chain (`steps = []`) deduplicates a corpus garbell already wrote (its
/// Parquet shards as input), and `--near-dups` picks the near-duplicate method: the default
/// verified MinHash and FineWeb's preset find the exact and the near copies, SimHash at least
/// the exact ones and never an original, `none` only the exact copies.
#[test]
fn dedup_only_chain_over_garbell_shards_with_each_near_dup_method() {
    let dir = tempdir();
    make_inputs(dir.path());
    std::fs::write(
        dir.path().join("plain.toml"),
        "name = \"plain\"\n[[steps]]\nstep = \"normalize\"\n",
    )
    .expect("chain");
    let first = tempdir();
    let mut args = vec![
        "run".to_string(),
        "--chain".into(),
        dir.path().join("plain.toml").display().to_string(),
        "-o".into(),
        first.path().display().to_string(),
    ];
    args.extend((0..3).map(|k| {
        dir.path()
            .join(format!("in-{k}.jsonl"))
            .display()
            .to_string()
    }));
    assert_success(&garbell(
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let shards = first.path().join("shards");
    let originals: Vec<String> = {
        let mut v: Vec<String> = (0..20).map(|i| format!("orig-{i}")).collect();
        v.sort();
        v
    };
    for (method, removed_at_least, removed_at_most) in [
        (None, 10, 10),
        (Some("minhash"), 10, 10),
        (Some("fineweb"), 10, 10),
        (Some("simhash"), 5, 10),
        (Some("none"), 5, 5),
    ] {
        let out = tempdir();
        let mut a = vec![
            "run",
            "--chain",
            "dedup",
            "-o",
            out.path().to_str().expect("utf8"),
        ];
        if let Some(m) = method {
            a.extend(["--near-dups", m]);
        }
        a.push(shards.to_str().expect("utf8"));
        assert_success(&garbell(&a));
        let kept = kept_ids(out.path());
        let removed = 30 - kept.len();
        assert!(
            (removed_at_least..=removed_at_most).contains(&removed),
            "{method:?}: {removed} removed, kept {kept:?}"
        );
        for o in &originals {
            assert!(kept.contains(o), "{method:?} removed original {o}");
        }
        for i in 0..5 {
            assert!(
                !kept.contains(&format!("exact-{i}")),
                "{method:?}: exact-{i}"
            );
        }
        if method == Some("simhash") {
            assert!(out.path().join("dedup/sketches/simhash").is_dir());
        }
        if method == Some("fineweb") {
            assert!(!out.path().join("dedup/sketches").join("minhash").exists());
        }
    }
}

/// `[dedup.simhash]` in a chain file: the stages run it (band tables, Hamming-checked pairs),
/// and the result is the same for any thread count and task split.
#[test]
fn simhash_from_a_chain_file_is_deterministic_across_tasks() {
    let dir = tempdir();
    make_inputs(dir.path());
    std::fs::write(
        dir.path().join("chain.toml"),
        "name = \"simhash-test\"\n[[steps]]\nstep = \"normalize\"\n[dedup.simhash]\nmax_distance = 3\n",
    )
    .expect("chain");
    let one_shot = tempdir();
    assert_success(&run(dir.path(), one_shot.path(), &["-j", "1"]));
    let kept = kept_ids(one_shot.path());
    assert!(kept.len() <= 25, "the exact copies at least: {kept:?}");
    // Staged, as 3 array tasks and 2-way sliced stages with 2 threads.
    let out = tempdir();
    let args = stage_args(dir.path(), out.path());
    run_tasks(&args, 3);
    for name in ["signatures", "buckets", "cluster", "filter"] {
        stage(name, &args, 2, "2");
    }
    assert_success(&garbell_with(&["run"], &args, &["-j", "2", "--merge"]));
    assert_same_outputs(one_shot.path(), out.path());
}
