//! Fidelity against datatrove 0.10.1: the committed goldens (`tests/data/goldens.jsonl.gz`,
//! made by `tests/data/make_goldens.py`) hold datatrove's decision for every filter on real and
//! perturbed documents; garbell's steps in datatrove mode must agree on exactly the counts of
//! `docs/quality.md` (every disagreement is known and listed there).

use flate2::read::GzDecoder;
use garbell_core::{Document, Origin, Step, Verdict};
use garbell_quality::{
    C4Config, FilterParams, FineWebQualityConfig, GopherQualityConfig, GopherRepetitionConfig,
    Tokenizer,
};
use std::io::{BufRead, BufReader};

fn goldens() -> Vec<serde_json::Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/goldens.jsonl.gz");
    let f = std::fs::File::open(path).expect("goldens present");
    BufReader::new(GzDecoder::new(f))
        .lines()
        .map(|l| serde_json::from_str(&l.expect("line")).expect("json"))
        .collect()
}

fn ours(step: &dyn Step, row: &serde_json::Value) -> (bool, Option<String>, String) {
    let text = row["text"].as_str().expect("text");
    let mut doc = Document::new("d", text, "test", Origin::new("t", 0, 0));
    doc.lang = row["lang"].as_str().unwrap_or("und").to_string();
    let v = step.apply(&mut doc).expect("no record error");
    match v {
        Verdict::Keep => (true, None, doc.text),
        Verdict::Drop(r) => (false, Some(r.into_owned()), doc.text),
    }
}

/// datatrove's reason names → ours (C4's are prefixed with `c4_` here).
fn map_reason(filter: &str, r: &str) -> String {
    if filter == "c4" {
        format!("c4_{r}")
    } else {
        r.to_string()
    }
}

#[test]
fn agrees_with_datatrove() {
    let rows = goldens();
    assert!(rows.len() > 1000, "{} goldens", rows.len());
    let steps: Vec<(&str, Box<dyn Step>)> = vec![
        (
            "gopher_quality",
            Box::new(GopherQualityConfig::datatrove().build().expect("ok")),
        ),
        (
            "gopher_repetition",
            Box::new(
                GopherRepetitionConfig {
                    tokenizer: Tokenizer::Datatrove,
                    ..Default::default()
                }
                .build()
                .expect("ok"),
            ),
        ),
        (
            "c4",
            Box::new(
                C4Config {
                    tokenizer: Tokenizer::Datatrove,
                    ..Default::default()
                }
                .build()
                .expect("ok"),
            ),
        ),
        (
            "fineweb",
            Box::new(
                FineWebQualityConfig {
                    tokenizer: Tokenizer::Datatrove,
                    ..Default::default()
                }
                .build()
                .expect("ok"),
            ),
        ),
    ];
    // (filter, rows that agree, the ids that do not): docs/quality.md's table.
    let expected: &[(&str, usize, &[&str])] = &[
        (
            "gopher_quality",
            2014,
            &["warc-018/bullets_dot", "warc-018/braces"],
        ),
        ("gopher_repetition", 2016, &[]),
        ("c4", 2016, &[]),
        ("fineweb", 2016, &[]),
    ];
    assert_eq!(rows.len(), 2016);
    let mut report = String::new();
    let mut differ: Vec<(&str, Vec<String>)> = Vec::new();
    for (name, step) in &steps {
        let (mut same, mut shown) = (0usize, 0usize);
        let mut ids = Vec::new();
        for row in &rows {
            let want = &row[*name];
            let keep = want[0].as_bool().expect("bool");
            let reason = want[1].as_str().map(|r| map_reason(name, r));
            let (k, r, text) = ours(step.as_ref(), row);
            let mut ok = k == keep && r == reason;
            if ok && *name == "c4" && keep {
                ok = row["c4_text"].as_str() == Some(text.as_str());
            }
            if ok {
                same += 1;
                continue;
            }
            ids.push(row["id"].as_str().unwrap_or("?").to_string());
            if shown < 8 {
                shown += 1;
                eprintln!(
                    "{name} {}: datatrove {keep} {reason:?}, garbell {k} {r:?}",
                    row["id"]
                );
            }
        }
        let frac = same as f64 / rows.len() as f64;
        report.push_str(&format!(
            "{name}: {same}/{} = {:.2}%\n",
            rows.len(),
            100.0 * frac
        ));
        differ.push((name, ids));
    }
    eprintln!("{report}");
    for ((name, ids), (want_name, want_same, want_ids)) in differ.iter().zip(expected) {
        assert_eq!(name, want_name);
        assert_eq!(rows.len() - ids.len(), *want_same, "{name}:\n{report}");
        assert_eq!(ids, want_ids, "{name}: the rows that disagree");
    }
}
