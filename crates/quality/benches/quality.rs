//! All quality steps on the sample-derived documents of `tests/data/goldens.jsonl.gz`.
//! `cargo bench -p garbell-quality`.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flate2::read::GzDecoder;
use garbell_core::{Document, Origin, Step};
use garbell_quality::{
    C4Config, FilterParams, FineWebQualityConfig, GopherQualityConfig, GopherRepetitionConfig,
    OscarConfig, Tokenizer,
};
use std::io::{BufRead, BufReader};

fn docs() -> Vec<Document> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/goldens.jsonl.gz");
    let Ok(f) = std::fs::File::open(path) else {
        return Vec::new();
    };
    BufReader::new(GzDecoder::new(f))
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
        .map(|v| {
            let mut d = Document::new(
                "d",
                v["text"].as_str().unwrap_or(""),
                "bench",
                Origin::new("b", 0, 0),
            );
            d.lang = v["lang"].as_str().unwrap_or("und").to_string();
            d
        })
        .collect()
}

fn steps(tok: Tokenizer) -> Vec<Box<dyn Step>> {
    let mut v: Vec<Box<dyn Step>> = Vec::new();
    let annotate = true; // run every step on every document
    if let Ok(s) = (GopherQualityConfig {
        tokenizer: tok,
        annotate_only: annotate,
        ..Default::default()
    })
    .build_with(
        &garbell_quality::Lexicon::from_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../languages"),
        )
        .unwrap_or_default(),
    ) {
        v.push(Box::new(s));
    }
    if let Ok(s) = (GopherRepetitionConfig {
        tokenizer: tok,
        annotate_only: annotate,
        ..Default::default()
    })
    .build()
    {
        v.push(Box::new(s));
    }
    if let Ok(s) = (C4Config {
        tokenizer: tok,
        annotate_only: annotate,
        ..Default::default()
    })
    .build()
    {
        v.push(Box::new(s));
    }
    if let Ok(s) = (FineWebQualityConfig {
        tokenizer: tok,
        annotate_only: annotate,
        ..Default::default()
    })
    .build()
    {
        v.push(Box::new(s));
    }
    v
}

fn bench(c: &mut Criterion) {
    let docs = docs();
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let mut g = c.benchmark_group("quality_all_steps");
    g.throughput(Throughput::Elements(docs.len() as u64));
    for (name, tok) in [
        ("garbell", Tokenizer::Garbell),
        ("datatrove", Tokenizer::Datatrove),
    ] {
        let steps = steps(tok);
        g.bench_function(format!("{name}_{}docs_{bytes}B", docs.len()), |b| {
            b.iter(|| {
                for d in &docs {
                    let mut d = d.clone();
                    for s in &steps {
                        let _ = s.apply(&mut d);
                    }
                }
            })
        });
    }
    // OSCAR's warnings alone (not in datatrove).
    if let Ok(oscar) = OscarConfig::default().build() {
        g.bench_function(format!("annotate_oscar_{}docs_{bytes}B", docs.len()), |b| {
            b.iter(|| {
                for d in &docs {
                    let mut d = d.clone();
                    let _ = oscar.apply(&mut d);
                }
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
