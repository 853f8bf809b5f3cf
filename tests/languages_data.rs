//! Language knowledge as data, end to end through the binary:
//!
//! - `toy_filter_*`: the test-only `filter_toy_length`, added as `docs/howto.md` says (one
//!   module and one line of `signal_filters!`), runs in a chain, takes per-language thresholds
//!   from `languages/<iso>.toml`, shows in `config resolve` and is tuned by `garbell tune`;
//! - `stopwords_*`: a stopword list replaced through `--languages DIR` changes the decisions;
//! - `config_resolve_*`: effective values and their sources.

mod common;

use common::chains::LANGUAGE_STEPS;
use common::*;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn samples() -> PathBuf {
    repo().join("tests/data/samples")
}

/// A copy of the repository's `languages/` profiles and stopword lists in `dir`.
fn copy_languages(dir: &Path) -> PathBuf {
    let langs = dir.join("languages");
    let sw = langs.join("stopwords");
    std::fs::create_dir_all(&sw).expect("mkdir");
    for (from, to, ext) in [
        (repo().join("languages"), langs.clone(), "toml"),
        (repo().join("languages/stopwords"), sw, "txt"),
    ] {
        for e in std::fs::read_dir(&from).expect("languages") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == ext) {
                std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
            }
        }
    }
    langs
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

/// stats.json's counts of step `name`: (seen, kept) for `lang`, and the drops by reason.
fn step_counts(stats: &serde_json::Value, name: &str, lang: &str) -> (u64, u64, serde_json::Value) {
    let step = stats["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {stats}"));
    let l = &step["by_lang"][lang];
    (
        l["seen"].as_u64().unwrap_or(0),
        l["kept"].as_u64().unwrap_or(0),
        l["dropped"].clone(),
    )
}

/// The toy chain's own step (after [`LANGUAGE_STEPS`]).
const TOY_STEP: &str = r#"[[steps]]
step = "filter_toy_length"
ANNOTATE
min_chars = 10
"#;

/// The toy chain (`ANNOTATE` marks where `annotate_only` goes).
fn toy_chain() -> String {
    format!("name = \"toy\"\n{LANGUAGE_STEPS}{TOY_STEP}")
}

#[test]
fn toy_filter_runs_with_per_language_thresholds_resolves_and_tunes() {
    let dir = tempdir();
    let langs = copy_languages(dir.path());
    // Catalan documents need a million characters; nothing else changes.
    let ca = langs.join("ca.toml");
    let mut text = std::fs::read_to_string(&ca).expect("ca");
    text.push_str("\n[quality.filter_toy_length]\nmin_chars = 1000000\n");
    std::fs::write(&ca, text).expect("write");
    let chain = dir.path().join("toy.toml");
    std::fs::write(&chain, toy_chain().replace("ANNOTATE\n", "")).expect("write");

    let out = dir.path().join("out");
    let o = garbell(&[
        "run",
        "--chain",
        s(&chain),
        "--languages",
        s(&langs),
        "-o",
        s(&out),
        s(&samples()),
    ]);
    assert_success(&o);
    let stats = read_json(&out.join("stats.json"));
    let (seen, kept, dropped) = step_counts(&stats, "filter_toy_length", "ca");
    assert!(seen > 0, "no Catalan documents reached the step: {stats}");
    assert_eq!(kept, 0, "{stats}");
    assert_eq!(dropped["toy_too_short"], seen, "{dropped}");
    for lang in ["es", "en"] {
        let (seen, kept, _) = step_counts(&stats, "filter_toy_length", lang);
        assert!(seen > 0 && kept == seen, "{lang}: {seen} seen, {kept} kept");
    }

    // `config resolve` shows the profile's value for Catalan, the chain's for Spanish.
    let resolve = |lang: &str| {
        let o = garbell(&[
            "config",
            "resolve",
            "--chain",
            s(&chain),
            "--languages",
            s(&langs),
            "--lang",
            lang,
        ]);
        assert_success(&o);
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).expect("config resolve prints JSON");
        v["effective"]["steps"][3]["params"]["min_chars"].clone()
    };
    assert_eq!(
        resolve("ca"),
        serde_json::json!({"value": 1000000, "from": "profile"})
    );
    assert_eq!(
        resolve("es"),
        serde_json::json!({"value": 10, "from": "chain"})
    );

    // An annotate-only run, then `garbell tune` moves the threshold on the stored signal.
    let annot_chain = dir.path().join("toy-annotate.toml");
    std::fs::write(
        &annot_chain,
        toy_chain().replace("ANNOTATE\n", "annotate_only = true\n"),
    )
    .expect("write");
    let annotated = dir.path().join("annotated");
    assert_success(&garbell(&[
        "run",
        "--chain",
        s(&annot_chain),
        "--languages",
        s(&langs),
        "-o",
        s(&annotated),
        s(&samples()),
    ]));
    let tune = |set: &str| {
        let o = garbell(&[
            "tune",
            "--chain",
            s(&chain),
            "--lang",
            "es",
            "--languages",
            s(&langs),
            "--profile-dir",
            s(&langs),
            "--json",
            "--set",
            set,
            s(&annotated),
        ]);
        assert_success(&o);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("tune JSON");
        (
            v["baseline"]["kept"]["docs"].as_u64().expect("docs"),
            v["tuned"]["kept"]["docs"].as_u64().expect("docs"),
        )
    };
    let (base, tuned) = tune("filter_toy_length.min_chars=100000000");
    assert!(base > 0, "Spanish documents kept by the chain's threshold");
    assert_eq!(tuned, 0, "no Spanish document has 10^8 characters");
    let (_, same) = tune("filter_toy_length.min_chars=10");
    assert_eq!(same, base);
}

#[test]
fn stopwords_replaced_through_languages_change_the_decision() {
    let dir = tempdir();
    let langs = copy_languages(dir.path());
    let run = |extra: &[&str], out: &Path| {
        let mut args = vec!["run", "--chain", "web", "-o", s(out)];
        args.extend_from_slice(extra);
        let samples = samples();
        args.push(s(&samples));
        let o = garbell(&args);
        assert_success(&o);
        read_json(&out.join("stats.json"))
    };
    let stop_drops = |stats: &serde_json::Value, lang: &str| {
        step_counts(stats, "filter_gopher_quality", lang).2["gopher_enough_stop_words"]
            .as_u64()
            .unwrap_or(0)
    };
    // The copy with the same lists decides as the embedded data.
    let base = run(&[], &dir.path().join("base"));
    let same = run(&["--languages", s(&langs)], &dir.path().join("same"));
    assert_eq!(base["steps"], same["steps"]);
    let (seen, kept, _) = step_counts(&base, "filter_gopher_quality", "ca");
    assert!(kept > 0 && seen > 0, "{base}");
    assert_eq!(stop_drops(&base, "ca"), 0);

    // A Catalan list of words that never occur: every Catalan document fails the stopword rule.
    std::fs::write(
        langs.join("stopwords/ca.txt"),
        "# test list\nzzzxq\nqqxzz\n",
    )
    .expect("write");
    let replaced = run(&["--languages", s(&langs)], &dir.path().join("replaced"));
    let (_, kept_now, _) = step_counts(&replaced, "filter_gopher_quality", "ca");
    assert_eq!(kept_now, 0, "{replaced}");
    assert!(stop_drops(&replaced, "ca") > 0);
    for lang in ["es", "en"] {
        assert_eq!(
            step_counts(&replaced, "filter_gopher_quality", lang),
            step_counts(&base, "filter_gopher_quality", lang),
            "{lang} is untouched"
        );
    }
    // The configuration hash follows the list.
    let hash = |extra: &[&str]| {
        let mut args = vec!["config", "resolve", "--chain", "web"];
        args.extend_from_slice(extra);
        let o = garbell(&args);
        assert_success(&o);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        v["config_hash"].as_str().expect("hash").to_string()
    };
    assert_ne!(hash(&[]), hash(&["--languages", s(&langs)]));

    // A list for a language without a profile is a configuration error.
    std::fs::write(langs.join("stopwords/xx.txt"), "a\n").expect("write");
    let o = garbell(&[
        "run",
        "--chain",
        "web",
        "--languages",
        s(&langs),
        "-o",
        s(&dir.path().join("bad")),
        s(&samples()),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("xx.txt"), "{}", stderr(&o));
}

#[test]
fn config_resolve_merges_chain_profile_and_set() {
    let o = garbell(&[
        "config",
        "resolve",
        "--chain",
        "multilingual",
        "--lang",
        "ca",
        "--set",
        "filter_gopher_quality.max_doc_words=5000",
    ]);
    assert_success(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["effective"]["lang"], "ca");
    let steps = v["effective"]["steps"].as_array().expect("steps");
    let gq = steps
        .iter()
        .find(|s| s["step"] == "filter_gopher_quality")
        .expect("gopher quality in multilingual");
    // The chain writes 50, Catalan's profile 61: the merged value is Catalan's.
    assert_eq!(
        gq["params"]["min_doc_words"],
        serde_json::json!({"value": 61, "from": "profile"})
    );
    assert_eq!(
        gq["params"]["max_doc_words"],
        serde_json::json!({"value": 5000, "from": "set"})
    );
    // Every parameter is listed, each with a source.
    assert!(gq["params"]
        .as_object()
        .expect("params")
        .values()
        .all(|p| p["from"].is_string()));
    let fl = steps
        .iter()
        .find(|s| s["step"] == "filter_language")
        .expect("filter_language");
    assert_eq!(fl["params"]["threshold"]["from"], "profile");
    // --set needs --lang.
    let o = garbell(&["config", "resolve", "--set", "a.b=1"]);
    assert_eq!(o.status.code(), Some(2));
}
