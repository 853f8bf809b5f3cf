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

/// id, language, score bits, tokens, bytes, signal bits.
type RowSnapshot = (String, String, u32, u64, u64, Vec<Option<u64>>);

/// The table of a load, as comparable values: per row id, language, score bits, tokens, bytes
/// and every signal's bits.
fn snapshot(t: &SignalTable) -> Vec<RowSnapshot> {
    let names: Vec<&str> = t.signal_names().collect();
    (0..t.len())
        .map(|r| {
            (
                t.id(r).to_string(),
                t.lang(r).to_string(),
                t.lang_score(r).to_bits(),
                t.tokens(r),
                t.bytes(r),
                names
                    .iter()
                    .map(|n| t.column(n).and_then(|c| c.get(r)).map(f64::to_bits))
                    .collect(),
            )
        })
        .collect()
}

/// The `signals` column of a shard, parsed with the standard library's correctly rounded
/// number parser (`null`: NaN).
fn raw_signals(path: &std::path::Path) -> Vec<std::collections::BTreeMap<String, f64>> {
    use arrow_array::{Array, StringArray};
    let file = std::fs::File::open(path).expect("open");
    let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet");
    let mask = parquet::arrow::ProjectionMask::columns(b.parquet_schema(), ["signals"]);
    let mut out = Vec::new();
    for batch in b.with_projection(mask).build().expect("reader") {
        let batch = batch.expect("batch");
        let col = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("strings");
        for r in 0..col.len() {
            let m: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>> =
                if col.is_valid(r) {
                    serde_json::from_str(col.value(r)).expect("json")
                } else {
                    Default::default()
                };
            out.push(
                m.into_iter()
                    .map(|(k, v)| (k, v.get().parse::<f64>().unwrap_or(f64::NAN)))
                    .collect(),
            );
        }
    }
    out
}

/// The two tables hold the same rows, signals and values (bit for bit).
fn assert_same(a: &SignalTable, b: &SignalTable, what: &std::path::Path) {
    let names: Vec<&str> = a.signal_names().collect();
    assert_eq!(
        names,
        b.signal_names().collect::<Vec<_>>(),
        "{}",
        what.display()
    );
    let (sa, sb) = (snapshot(a), snapshot(b));
    assert_eq!(sa.len(), sb.len(), "{}", what.display());
    for (x, y) in sa.iter().zip(&sb) {
        let cols: Vec<(&str, Option<f64>, Option<f64>)> = names
            .iter()
            .zip(x.5.iter().zip(&y.5))
            .filter(|(_, (p, q))| p != q)
            .map(|(n, (p, q))| (*n, p.map(f64::from_bits), q.map(f64::from_bits)))
            .collect();
        assert!(
            x.0 == y.0 && x.1 == y.1 && x.2 == y.2 && x.3 == y.3 && x.4 == y.4 && cols.is_empty(),
            "{}: row {} / {}: {:?} vs {:?}, signals differ: {cols:?}",
            what.display(),
            x.0,
            y.0,
            (&x.1, x.2, x.3, x.4),
            (&y.1, y.2, y.3, y.4)
        );
    }
}

#[test]
fn loading_reads_sizes_from_signals_and_equals_the_full_rows() {
    let (_dir, normal, annotated) = common::two_runs();
    for dir in [&annotated, &normal] {
        let t = SignalTable::load(std::slice::from_ref(dir), None).expect("load");
        assert!(!t.is_empty());
        // Every row as the shard reader gives it (every column, the text counted).
        let mut full = SignalTable::new();
        let mut sized = 0;
        for f in garbell_tune::shard_files(std::slice::from_ref(dir)).expect("files") {
            let mut raw = raw_signals(&f).into_iter();
            for d in garbell_shard::ShardReader::open(&f).expect("open") {
                let mut d = d.expect("row");
                // The values as written (ShardReader parses numbers with serde_json's fast,
                // not always correctly rounded, parser: one ULP off at times).
                d.signals = raw.next().expect("as many rows");
                if d.signals.contains_key(garbell_quality::TEXT_WORDS) {
                    sized += 1;
                    // The stored size is the stored text's.
                    assert_eq!(
                        d.signals[garbell_quality::TEXT_WORDS],
                        d.text.split_whitespace().count() as f64,
                        "{}",
                        d.id
                    );
                    assert_eq!(d.signals[garbell_quality::TEXT_BYTES], d.text.len() as f64);
                    d.signals.remove(garbell_quality::TEXT_WORDS);
                    d.signals.remove(garbell_quality::TEXT_BYTES);
                }
                full.push_document(&d);
            }
        }
        full.compact();
        assert_same(&t, &full, dir);
        // The annotate-only run stores the sizes on every row; the normal run on none (its
        // text is read).
        if dir == &annotated {
            assert_eq!(sized, t.len());
        } else {
            assert_eq!(sized, 0);
        }
        assert!(t.signal_names().all(|n| !n.starts_with("text_")));
        // Whatever the thread count, the same table.
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool")
            .install(|| SignalTable::load(std::slice::from_ref(dir), None))
            .expect("load");
        assert_same(&one, &t, dir);
        // Each row knows where it came from.
        let (f, i) = t.place(t.len() - 1).expect("place");
        assert!(f.exists() && i < t.len() as u64);
    }
}

#[test]
fn malformed_signals_are_bad_rows_and_escaped_names_are_read() {
    use arrow_array::{ArrayRef, Float32Array, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    // A shard whose `signals` column holds what other writers might put there.
    let signals: Vec<Option<&str>> = vec![
        Some(r#"{"a":1.5,"q\"x":2,"text_words":7,"text_bytes":9}"#),
        Some(r#"{"a":"x"}"#),
        Some(r#"{"a":1.}"#),
        Some(" { \"a\" : 1e2 , \"b\" : null } "),
        Some("[1]"),
        None,
        Some(r#"{"a":0.30000000000000004,"b":-0}"#),
        Some(r#"{"a":1e400}"#),
    ];
    let n = signals.len();
    let texts: Vec<String> = (0..n).map(|i| "mot ".repeat(i + 1)).collect();
    let col = |v: Vec<String>| Arc::new(StringArray::from(v)) as ArrayRef;
    let columns: Vec<ArrayRef> = vec![
        col((0..n).map(|i| format!("d{i}")).collect()),
        col(texts.clone()),
        col(vec!["ca".to_string(); n]),
        Arc::new(Float32Array::from(vec![0.9f32; n])),
        col(vec!["t".to_string(); n]),
        Arc::new(StringArray::from(vec![None::<&str>; n])),
        Arc::new(StringArray::from(vec![None::<&str>; n])),
        Arc::new(StringArray::from(signals)),
        col(vec!["in".to_string(); n]),
        Arc::new(Int64Array::from(vec![0i64; n])),
        Arc::new(Int64Array::from(vec![0i64; n])),
    ];
    let schema = garbell_shard::arrow_schema(&[]);
    let batch = RecordBatch::try_new(schema.clone(), columns).expect("batch");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("part-00000.parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).expect("create"),
        schema,
        None,
    )
    .expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");

    let t = SignalTable::load(&[path], None).expect("load");
    let ids: Vec<&str> = (0..t.len()).map(|r| t.id(r)).collect();
    assert_eq!(ids, ["d0", "d3", "d5", "d6"]);
    assert_eq!(t.bad_rows(), 4);
    let a = t.column("a").expect("a");
    let b = t.column("b").expect("b");
    assert_eq!(t.column("q\"x").and_then(|c| c.get(0)), Some(2.0));
    assert_eq!(a.get(0), Some(1.5));
    assert_eq!(
        (a.get(1), a.get(2), a.get(3)),
        (Some(100.0), None, Some(0.1 + 0.2))
    );
    assert!(b.get(1).is_some_and(f64::is_nan));
    assert_eq!(b.get(3).map(f64::to_bits), Some((-0.0f64).to_bits()));
    // Sizes from the stored signals where present (not columns), else counted on the text.
    assert!(t.column("text_words").is_none());
    assert_eq!((t.tokens(0), t.bytes(0)), (7, 9));
    assert_eq!((t.tokens(1), t.bytes(1)), (4, 16));
    assert_eq!((t.tokens(2), t.bytes(2)), (6, 24));
}
