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
