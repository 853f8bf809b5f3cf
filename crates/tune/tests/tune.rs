//! Tuning reproduces the pipeline's decisions; overrides, sweeps, profile writing, stats.

mod common;

use garbell_config::Languages;
use garbell_core::ChainStats;
use garbell_tune::{profile, Overrides, Rules, RunStats, SignalTable, Summary, Sweep};
use std::collections::BTreeSet;

fn ids_of_run(dir: &std::path::Path) -> BTreeSet<String> {
    let t = SignalTable::load(&[dir.to_path_buf()], None).expect("load");
    (0..t.len()).map(|r| t.id(r).to_string()).collect()
}

#[test]
fn tuning_with_the_chain_thresholds_reproduces_the_normal_run() {
    let (_dir, normal, annotated) = common::two_runs();
    let langs = Languages::embedded().expect("langs");
    let table = SignalTable::load(std::slice::from_ref(&annotated), None).expect("load");
    let rules = Rules::build(&common::chain(), &langs, &Overrides::default()).expect("rules");
    let eval = rules.evaluate(&table);
    let tuned: BTreeSet<String> = eval.kept_rows().map(|r| table.id(r).to_string()).collect();
    let kept = ids_of_run(&normal);
    assert!(!kept.is_empty(), "the normal run kept nothing");
    assert!(
        table.len() > kept.len(),
        "the quality steps dropped nothing"
    );
    assert_eq!(tuned, kept);

    // Per step and reason, the drops equal the normal run's statistics.
    let stats: ChainStats =
        serde_json::from_slice(&std::fs::read(normal.join("stats.json")).expect("stats"))
            .expect("json");
    let summary = Summary::new(&table, &eval);
    for st in &summary.steps {
        if !st.name.starts_with("filter_") || st.name == "filter_language" {
            continue;
        }
        let pipeline = stats
            .steps
            .iter()
            .find(|s| s.name == st.name)
            .expect("step");
        let ours: Vec<(String, u64)> = st
            .dropped
            .iter()
            .map(|(k, c)| (k.clone(), c.docs))
            .collect();
        let theirs: Vec<(String, u64)> = pipeline.total.dropped.clone().into_iter().collect();
        assert_eq!(ours, theirs, "step {}", st.name);
    }

    // The same holds per language.
    for lang in ["ca", "es"] {
        let t = SignalTable::load(std::slice::from_ref(&annotated), Some(lang)).expect("load");
        let kept_lang: BTreeSet<String> = rules
            .evaluate(&t)
            .kept_rows()
            .map(|r| t.id(r).to_string())
            .collect();
        let normal_t = SignalTable::load(std::slice::from_ref(&normal), Some(lang)).expect("load");
        let want: BTreeSet<String> = (0..normal_t.len())
            .map(|r| normal_t.id(r).to_string())
            .collect();
        assert_eq!(kept_lang, want, "{lang}");
    }
}

#[test]
fn overrides_and_sweeps_change_counts_as_expected() {
    let (_dir, _normal, annotated) = common::two_runs();
    let langs = Languages::embedded().expect("langs");
    let chain = common::chain();
    let table = SignalTable::load(&[annotated], Some("ca")).expect("load");
    let base = Rules::build(&chain, &langs, &Overrides::default()).expect("rules");
    let base_sum = Summary::new(&table, &base.evaluate(&table));
    let gq = |s: &Summary| {
        s.steps
            .iter()
            .find(|x| x.name == "filter_gopher_quality")
            .map(|x| x.dropped.get("gopher_short_doc").map_or(0, |c| c.docs))
            .unwrap_or(0)
    };

    // A stricter minimum drops at least as much, and more at some point; a lax one less.
    let strict =
        Overrides::parse(&["filter_gopher_quality.min_doc_words=100000".into()]).expect("parse");
    let s = Summary::new(
        &table,
        &Rules::build(&chain, &langs, &strict)
            .expect("rules")
            .evaluate(&table),
    );
    assert_eq!(s.kept.docs, 0);
    assert!(gq(&s) > gq(&base_sum));
    let lax = Overrides::parse(&["filter_gopher_quality.min_doc_words=0".into()]).expect("parse");
    let l = Summary::new(
        &table,
        &Rules::build(&chain, &langs, &lax)
            .expect("rules")
            .evaluate(&table),
    );
    assert_eq!(gq(&l), 0);
    assert!(l.kept.docs >= base_sum.kept.docs);
    assert_eq!(l.input, base_sum.input);

    // Switching a whole step's rule off through an optional parameter.
    let off = Overrides::parse(&["filter_c4.min_num_sentences=none".into()]).expect("parse");
    let o = Summary::new(
        &table,
        &Rules::build(&chain, &langs, &off)
            .expect("rules")
            .evaluate(&table),
    );
    let c4 = |s: &Summary| {
        s.steps
            .iter()
            .find(|x| x.name == "filter_c4")
            .map(|x| x.dropped.get("c4_too_few_sentences").map_or(0, |c| c.docs))
    };
    assert_eq!(c4(&o), Some(0));

    // The sweep is monotone, and its point at the chain's value equals the plain evaluation.
    let sw = Sweep::parse("filter_gopher_quality.min_doc_words=0..200:25").expect("sweep");
    let evals = base.sweep(&table, &sw).expect("sweep");
    let kept: Vec<u64> = evals
        .iter()
        .map(|e| Summary::new(&table, e).kept.docs)
        .collect();
    assert!(kept.windows(2).all(|w| w[0] >= w[1]), "{kept:?}");
    assert!(kept[0] > kept[kept.len() - 1], "{kept:?}");
    // (Languages with their own min_doc_words in their profile are overridden by the sweep,
    // as by `--set`: the sweep point equals the evaluation with that override.)
    let at50 = Sweep::parse("filter_gopher_quality.min_doc_words=50..50:1").expect("sweep");
    let e = base.sweep(&table, &at50).expect("sweep");
    let set50 = Overrides::parse(&["filter_gopher_quality.min_doc_words=50".into()]).expect("p");
    let plain50 = Rules::build(&chain, &langs, &set50)
        .expect("rules")
        .evaluate(&table);
    assert_eq!(Summary::new(&table, &e[0]), Summary::new(&table, &plain50));

    // The LID threshold is tunable too.
    let lid = Overrides::parse(&["filter_language.threshold=1.0".into()]).expect("parse");
    let z = Summary::new(
        &table,
        &Rules::build(&chain, &langs, &lid)
            .expect("rules")
            .evaluate(&table),
    );
    assert!(z.kept.docs < base_sum.kept.docs || base_sum.kept.docs == 0);
}

#[test]
fn writing_a_profile_keeps_comments_and_replaces_only_its_provenance() {
    let shipped = include_str!("../../../languages/ca.toml");
    // The profile without its derived thresholds block (checked separately below).
    let original = match shipped.find("# BEGIN derived quality thresholds") {
        Some(i) => &shipped[..i],
        None => shipped,
    };
    let o = Overrides::parse(&[
        "filter_gopher_quality.min_doc_words=30".into(),
        "filter_fineweb_quality.line_punct_thr=0.05".into(),
    ])
    .expect("parse");
    let once = profile::set_quality(original, &o, "first run").expect("write");
    for line in original.lines().filter(|l| l.starts_with('#')) {
        assert!(once.contains(line), "lost comment {line:?}");
    }
    assert!(once.starts_with(original.trim_end()), "{once}");
    assert!(
        once.contains(
            "[quality.filter_gopher_quality]\n# garbell tune: first run\nmin_doc_words = 30\n"
        ),
        "{once}"
    );
    assert!(!once.contains("\n[quality]\n"), "{once}");
    // A hand-written comment above a key survives a second write; the old provenance does not.
    let edited = once.replace(
        "# garbell tune: first run\nmin_doc_words",
        "# reviewed by a native speaker\n# garbell tune: first run\nmin_doc_words",
    );
    let o2 = Overrides::parse(&["filter_gopher_quality.min_doc_words=25".into()]).expect("parse");
    let twice = profile::set_quality(&edited, &o2, "second run").expect("write");
    assert!(
        twice.contains(
            "# reviewed by a native speaker\n# garbell tune: second run\nmin_doc_words = 25\n"
        ),
        "{twice}"
    );
    assert!(twice.contains("line_punct_thr = 0.05"));
    assert_eq!(twice.matches("first run").count(), 1, "{twice}");

    // Read back as the current profile.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("ca.toml");
    std::fs::write(&path, original).expect("write");
    profile::write_quality(&path, &o, "x").expect("write file");
    let back = profile::read_quality(&path).expect("read");
    assert_eq!(back.0.len(), 2);
    assert!(back
        .0
        .iter()
        .any(|x| x.to_arg() == "filter_gopher_quality.min_doc_words=30"));
    assert!(profile::set_quality(
        original,
        &Overrides::parse(&["filter_c4.min_num_sentences=none".into()]).expect("p"),
        "x"
    )
    .is_err());

    // On the shipped profile, a tuned value replaces the derived one inside the derived table
    // and the derivation's comment stays above it.
    if shipped.len() > original.len() {
        let t = profile::set_quality(shipped, &o, "tuned").expect("write");
        assert!(
            t.contains("# garbell tune: tuned\nmin_doc_words = 30\n"),
            "{t}"
        );
        assert_eq!(
            t.matches("[quality.filter_gopher_quality]").count(),
            1,
            "{t}"
        );
        assert!(!t.contains("min_doc_words = 61"), "{t}");
        for line in shipped.lines().filter(|l| l.starts_with('#')) {
            assert!(t.contains(line), "lost comment {line:?}");
        }
    }
}

#[test]
fn stats_funnel_adds_up() {
    let (_dir, normal, _annotated) = common::two_runs();
    let s = RunStats::load(&normal).expect("stats");
    let per_lang: u64 = s.languages.values().map(|f| f.written).sum();
    assert_eq!(per_lang, s.total.written);
    for st in &s.total.steps {
        assert_eq!(
            st.seen,
            st.kept + st.dropped.values().sum::<u64>() + st.errors,
            "{}",
            st.name
        );
    }
    let table = s.render_table();
    assert!(table.contains("filter_gopher_quality"), "{table}");
    let json = serde_json::to_value(&s).expect("json");
    assert!(json["languages"]["ca"]["steps"].is_array());
}

#[test]
fn every_quality_step_drops_something_in_the_fixture() {
    let (_dir, normal, _annotated) = common::two_runs();
    let stats: ChainStats =
        serde_json::from_slice(&std::fs::read(normal.join("stats.json")).expect("stats"))
            .expect("json");
    for step in [
        "filter_gopher_repetition",
        "filter_gopher_quality",
        "filter_c4",
        "filter_fineweb_quality",
    ] {
        let st = stats.steps.iter().find(|s| s.name == step).expect("step");
        assert!(
            st.total.dropped_total() > 0,
            "{step} dropped nothing: the equivalence test would not cover it"
        );
    }
}
