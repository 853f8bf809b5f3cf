//! Parity with the reference fastText implementation (Python `fasttext-wheel` 0.9.2): labels must
//! be identical and probabilities equal within 1e-5, for lid.176.ftz and for small models covering
//! every loss and storage variant. Fixtures are made by `tests/data/make_parity.py`.

use garbell_lid::Model;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

fn data(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

#[test]
fn predictions_equal_the_reference_for_every_model_variant() {
    let f = std::fs::File::open(data("parity.jsonl.gz")).expect("fixture");
    let reader = BufReader::new(flate2::read::GzDecoder::new(f));
    let mut models: BTreeMap<String, Model> = BTreeMap::new();
    let mut checked: BTreeMap<String, (usize, usize, f32)> = BTreeMap::new();
    let mut failures = Vec::new();
    for line in reader.lines() {
        let line = line.expect("line");
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        let name = v["model"].as_str().expect("model").to_string();
        let model = models.entry(name.clone()).or_insert_with(|| {
            if name == "lid.176.ftz" {
                Model::embedded_lid176().expect("embedded model")
            } else {
                Model::load(&data(&format!("models/{name}"))).expect("model loads")
            }
        });
        let text = v["text"].as_str().expect("text");
        let want_labels: Vec<&str> = v["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .map(|l| l.as_str().expect("label"))
            .collect();
        let want_probs: Vec<f64> = v["probs"]
            .as_array()
            .expect("probs")
            .iter()
            .map(|p| p.as_f64().expect("prob"))
            .collect();
        let got = model.predict(text, 5, 0.0);
        let got_labels: Vec<&str> = got.iter().map(|p| model.label(p.label)).collect();
        let entry = checked.entry(name.clone()).or_default();
        entry.0 += 1;
        let max_diff = got
            .iter()
            .zip(&want_probs)
            .map(|(g, w)| (g.prob as f64 - w).abs() as f32)
            .fold(0f32, f32::max);
        entry.2 = entry.2.max(max_diff);
        // Labels whose probabilities tie within 1e-6 may come in either order.
        let same = got_labels.len() == want_labels.len()
            && got_labels
                .iter()
                .zip(&want_labels)
                .zip(&want_probs)
                .all(|((g, w), wp)| {
                    g == w
                        || want_labels
                            .iter()
                            .zip(&want_probs)
                            .any(|(l, p)| l == g && (p - wp).abs() < 1e-6)
                });
        if same && max_diff <= 1e-5 {
            entry.1 += 1;
        } else if failures.len() < 10 {
            failures.push(format!(
                "{name}: {text:?}\n  want {want_labels:?} {want_probs:?}\n  got  {got_labels:?} {:?}",
                got.iter().map(|p| p.prob).collect::<Vec<_>>()
            ));
        }
    }
    for (name, (n, ok, diff)) in &checked {
        eprintln!("{name}: {ok}/{n} identical, max prob diff {diff:e}");
    }
    assert!(
        checked.len() >= 9,
        "every model variant is covered: {checked:?}"
    );
    assert!(
        failures.is_empty(),
        "{} mismatches, first:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn embedded_model_is_lid176() {
    let m = Model::embedded_lid176().expect("loads");
    assert_eq!(m.labels().len(), 176);
    assert_eq!(m.loss(), garbell_lid::Loss::HierarchicalSoftmax);
    let p = m
        .predict_one("Dette er en norsk setning om været i dag.")
        .expect("prediction");
    assert!(m.label(p.label) == "__label__no" || m.label(p.label) == "__label__da");
}

#[test]
fn corrupt_models_are_errors_not_panics() {
    let bytes = garbell_lid::LID176_FTZ;
    for cut in [0, 3, 8, 60, 200, 5000, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            Model::from_bytes(&bytes[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    let mut bad = bytes.to_vec();
    bad[0] ^= 0xff;
    assert!(Model::from_bytes(&bad).is_err());
}

/// The per-thread memo of out-of-vocabulary n-gram rows must not change predictions: not when
/// two models alternate on one thread (their rows differ), and not when it fills up and is
/// emptied (more than 16,384 distinct tokens).
#[test]
fn oov_row_memo_does_not_change_predictions() {
    let lid = Model::embedded_lid176().expect("lid.176");
    let other = Model::load(&data("models/softmax_ngrams.bin")).expect("fixture model");
    let texts = [
        "Tämä on suomenkielinen lause kielentunnistusta varten.",
        "Ovo je rečenica na hrvatskom jeziku za prepoznavanje.",
        "Aquest és un text en català sobre la història.",
    ];
    let fresh = |m: &Model, t: &str| {
        // A new thread starts with an empty memo: the reference answer.
        std::thread::scope(|s| s.spawn(|| m.predict(t, 3, 0.0)).join().expect("thread"))
    };
    let want: Vec<_> = texts
        .iter()
        .map(|t| (fresh(&lid, t), fresh(&other, t)))
        .collect();
    for round in 0..3 {
        for (t, (a, b)) in texts.iter().zip(&want) {
            assert_eq!(&lid.predict(t, 3, 0.0), a, "round {round}: {t}");
            assert_eq!(&other.predict(t, 3, 0.0), b, "round {round}: {t}");
        }
        // Overflow the memo with distinct made-up tokens.
        let junk: String = (0..40_000).map(|i| format!("zq{i:x}x ")).collect();
        lid.predict(&junk, 1, 0.0);
    }
}
