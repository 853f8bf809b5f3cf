//! Write throughput of [`garbell_shard::ShardWriter`]: 10,000 documents of about 2 KB, default
//! config (zstd 3), reported as MB/s of document text.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use garbell_core::{Document, Origin};
use garbell_shard::{ShardConfig, ShardWriter};
use std::hint::black_box;
use std::sync::Arc;

const DOCS: usize = 10_000;
const TEXT_BYTES: usize = 2_000;

/// Catalan-ish prose from a fixed pseudo-random sequence of words: compresses like real text,
/// the same on every run.
fn documents() -> Vec<Document> {
    const WORDS: &[&str] = &[
        "el",
        "la",
        "de",
        "que",
        "i",
        "a",
        "en",
        "un",
        "una",
        "per",
        "amb",
        "no",
        "és",
        "més",
        "com",
        "però",
        "aquesta",
        "ciutat",
        "història",
        "govern",
        "llengua",
        "català",
        "anys",
        "segons",
        "també",
        "quan",
        "poble",
        "música",
        "escola",
        "família",
        "treball",
        "països",
        "època",
        "força",
        "mercat",
        "barri",
        "riu",
        "muntanya",
        "església",
        "carrer",
    ];
    let input: Arc<str> = Arc::from("bench/input-00000.jsonl.gz");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..DOCS)
        .map(|i| {
            let mut text = String::with_capacity(TEXT_BYTES + 16);
            while text.len() < TEXT_BYTES {
                let w = WORDS[(next() % WORDS.len() as u64) as usize];
                text.push_str(w);
                text.push(if next() % 12 == 0 { '.' } else { ' ' });
            }
            let mut doc = Document::new(
                format!("doc-{i:08}"),
                text,
                "jsonl",
                Origin::new(input.clone(), i as u64, i as u64 * 2_100),
            );
            doc.lang = "ca".into();
            doc.lang_score = 0.9 + (i % 10) as f32 / 100.0;
            doc.url = Some(format!("https://example.cat/article/{i}"));
            doc.meta
                .insert("date".into(), serde_json::json!("2024-05-01"));
            doc.signals
                .insert("word_count".into(), 350.0 + (i % 50) as f64);
            doc.signals.insert("alpha_ratio".into(), 0.81);
            doc
        })
        .collect()
}

fn write(c: &mut Criterion) {
    let docs = documents();
    let text_bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.parquet");
    let mut group = c.benchmark_group("shard");
    group.throughput(Throughput::Bytes(text_bytes as u64));
    group.sample_size(10);
    // The default level, and level 1 for comparison.
    for level in [3, 1] {
        let config = ShardConfig {
            zstd_level: level,
            ..Default::default()
        };
        group.bench_function(format!("write_10k_2kb_docs_zstd{level}"), |b| {
            b.iter(|| {
                let mut writer = ShardWriter::create(&path, &config).expect("create");
                for doc in &docs {
                    writer.write(black_box(doc)).expect("write");
                }
                black_box(writer.commit().expect("commit"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, write);
criterion_main!(benches);
