//! Re-applying the web chain's thresholds to 1M annotated documents.
//! `cargo bench -p garbell-tune`.
//!
//! - `evaluate_web_chain_1M`: the rules alone, over 1M synthetic rows in memory.
//! - `load_and_evaluate_1M`: what `garbell tune` does: load 1M annotated documents from zstd
//!   Parquet shards written by garbell-shard (the 28 signals of the web chain's quality steps
//!   plus the `text_words` / `text_bytes` sizes every annotate-only step stores, texts of
//!   20–600 words), then evaluate. Compared in the same run with
//!   `load_full_rows_1M`: reading every column of every row through `ShardReader` (the loader
//!   before column projection). The shards are generated once under the target directory
//!   (`GARBELL_TUNE_BENCH_DIR` overrides where), so `garbell tune` can be timed on them too.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use garbell_core::{Document, Origin};
use garbell_quality::{TEXT_BYTES, TEXT_WORDS};
use garbell_shard::{ShardConfig, ShardReader, ShardWriter};
use garbell_tune::{Overrides, Rules, SignalTable};
use std::path::{Path, PathBuf};

const WORDS: [&str; 24] = [
    "la",
    "ciutat",
    "de",
    "Barcelona",
    "és",
    "una",
    "capital",
    "mediterrània",
    "amb",
    "molts",
    "barris",
    "històrics",
    "i",
    "el",
    "port",
    "més",
    "gran",
    "del",
    "país",
    "on",
    "cada",
    "any",
    "arriben",
    "visitants.",
];

/// Writes `n` annotated Catalan documents as 8 shards under `dir` (once: a `complete` marker
/// says the set is whole).
fn annotated_shards(dir: &Path, n: usize) -> Vec<PathBuf> {
    let shards = 8;
    let files: Vec<PathBuf> = (0..shards)
        .map(|i| dir.join(format!("part-{i:05}.parquet")))
        .collect();
    if dir.join("complete").exists() {
        return files;
    }
    std::fs::create_dir_all(dir).expect("bench dir");
    let mut rnd = xorshift(0x2545_F491_4F6C_DD1D);
    for (s, path) in files.iter().enumerate() {
        let mut w = ShardWriter::create(path, &ShardConfig::default()).expect("writer");
        for i in (s * n / shards)..((s + 1) * n / shards) {
            let words = 20 + (580.0 * rnd().powi(2)) as usize;
            let mut text = String::with_capacity(words * 8);
            for j in 0..words {
                if j > 0 {
                    text.push(if j % 12 == 0 { '\n' } else { ' ' });
                }
                text.push_str(WORDS[(rnd() * WORDS.len() as f64) as usize % WORDS.len()]);
            }
            let mut d = Document::new(
                format!("doc-{i:08}"),
                text,
                "warc",
                Origin::new("bench.warc.gz", i as u64, (i * 4096) as u64),
            );
            d.lang = "ca".into();
            d.lang_score = 0.5 + 0.5 * rnd() as f32;
            d.url = Some(format!("https://example.cat/{i}"));
            d.meta
                .insert("warc_date".into(), "2024-01-01T00:00:00Z".into());
            for (k, v) in signals(words as f64, &mut rnd) {
                d.signals.insert(k.to_string(), v);
            }
            // What every annotate-only quality step stores: the size of the text.
            let size = [
                (TEXT_WORDS, d.text.split_whitespace().count() as f64),
                (TEXT_BYTES, d.text.len() as f64),
            ];
            for (k, v) in size {
                d.signals.insert(k.to_string(), v);
            }
            w.write(&d).expect("write");
        }
        w.commit().expect("commit");
    }
    std::fs::write(dir.join("complete"), b"").expect("marker");
    files
}

fn xorshift(mut x: u64) -> impl FnMut() -> f64 {
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The web chain's signals for a document of `words` words.
fn signals(words: f64, rnd: &mut impl FnMut() -> f64) -> [(&'static str, f64); 28] {
    [
        ("gopher_words", words),
        ("gopher_avg_word_len", 2.0 + rnd() * 8.0),
        ("gopher_hash_ratio", rnd() * 0.12),
        ("gopher_ellipsis_ratio", rnd() * 0.12),
        ("gopher_bullet_lines", rnd()),
        ("gopher_ellipsis_lines", rnd() * 0.4),
        ("gopher_alpha_words", 0.7 + rnd() * 0.3),
        ("gopher_stop_words", (rnd() * 10.0).floor()),
        ("rep_dup_para_frac", rnd() * 0.35),
        ("rep_dup_para_char_frac", rnd() * 0.25),
        ("rep_dup_line_frac", rnd() * 0.35),
        ("rep_dup_line_char_frac", rnd() * 0.25),
        ("rep_top_2_gram", rnd() * 0.25),
        ("rep_top_3_gram", rnd() * 0.2),
        ("rep_top_4_gram", rnd() * 0.2),
        ("rep_dup_5_gram", rnd() * 0.2),
        ("rep_dup_6_gram", rnd() * 0.2),
        ("rep_dup_7_gram", rnd() * 0.2),
        ("rep_dup_8_gram", rnd() * 0.2),
        ("rep_dup_9_gram", rnd() * 0.2),
        ("rep_dup_10_gram", rnd() * 0.2),
        ("c4_lorem_ipsum", 0.0),
        ("c4_curly_bracket", if rnd() < 0.02 { 1.0 } else { 0.0 }),
        ("c4_sentences", (rnd() * 20.0).floor()),
        ("fineweb_line_punct_ratio", rnd()),
        ("fineweb_short_line_ratio", rnd()),
        ("fineweb_char_dup_ratio", rnd() * 0.02),
        ("fineweb_list_ratio", rnd() * 0.4),
    ]
}

/// `n` rows of the web chain's signals in memory, a third of them Occitan.
fn synthetic(n: usize) -> SignalTable {
    let mut t = SignalTable::new();
    let mut rnd = xorshift(0x9E37_79B9_7F4A_7C15);
    for i in 0..n {
        let words = (rnd() * 400.0).floor();
        let sig = signals(words, &mut rnd);
        let lang = if i % 3 == 0 { "oc" } else { "ca" };
        t.push_row(
            "d",
            lang,
            0.5 + 0.5 * rnd() as f32,
            words as usize,
            100,
            sig,
        );
    }
    t.compact();
    t
}

fn bench(c: &mut Criterion) {
    const N: usize = 1_000_000;
    let table = synthetic(N);
    let chain = garbell_config::ChainConfig::embedded("web")
        .expect("web chain embedded")
        .expect("web chain parses");
    let langs = garbell_config::Languages::embedded().expect("languages");
    let rules = Rules::build(&chain, &langs, &Overrides::default()).expect("rules");
    let mut g = c.benchmark_group("tune");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("evaluate_web_chain_1M", |b| {
        b.iter(|| rules.evaluate(&table).kept_rows().count())
    });
    drop(table);

    let dir = std::env::var_os("GARBELL_TUNE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tune_1M_sized"));
    let files = annotated_shards(&dir, N);
    eprintln!("annotated shards: {}", dir.display());
    g.bench_function("load_and_evaluate_1M", |b| {
        b.iter(|| {
            let t = SignalTable::load(&files, Some("ca")).expect("load");
            assert_eq!(t.len(), N);
            rules.evaluate(&t).kept_rows().count()
        })
    });
    g.bench_function("load_full_rows_1M", |b| {
        b.iter(|| {
            let mut t = SignalTable::new();
            for f in &files {
                for d in ShardReader::open(f).expect("open") {
                    t.push_document(&d.expect("row"));
                }
            }
            t.compact();
            assert_eq!(t.len(), N);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
