//! Single-core throughput of the four datatrove-equivalent quality steps (Gopher quality,
//! Gopher repetition, C4, FineWeb; annotate-only so every step sees every document) on the
//! documents of `tests/data/goldens.jsonl.gz`. Prints one line: `garbell_docs_per_s <n>`.
//! Run by `crates/quality/benches/quality_vs_datatrove.py`, which times datatrove on the same
//! documents in the same run and prints the ratio.
//!
//! `cargo run --release -p garbell-quality --example quality_speed [-- <seconds> [garbell|datatrove] [docs.jsonl]]`
//! (with a JSONL file: its documents instead of the goldens, and the time of each step too).
//! A fourth argument `chain` runs the steps as `benches/pipeline/web-nodedup.toml` does instead:
//! Gopher repetition, Gopher quality, C4 without the terminal-punctuation rule, FineWeb, each
//! deciding (a dropped document goes no further, C4 rewrites the text), e.g. on the documents
//! that reach these steps on the real set (`text` and `lang` of the `filter_language` output).

use flate2::read::GzDecoder;
use garbell_core::{Document, Origin, Step};
use garbell_quality::{
    C4Config, FilterParams, FineWebQualityConfig, GopherQualityConfig, GopherRepetitionConfig,
    Tokenizer,
};
use std::io::{BufRead, BufReader};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: f64 = args.get(1).map_or(Ok(3.0), |s| s.parse())?;
    let tok = match args.get(2).map(String::as_str) {
        Some("datatrove") => Tokenizer::Datatrove,
        _ => Tokenizer::Garbell,
    };
    // Optional third argument: a plain JSONL file (`text`, optional `lang`) instead of the goldens.
    let path = args.get(3).cloned().unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/goldens.jsonl.gz").to_string()
    });
    let reader: Box<dyn BufRead> = if path.ends_with(".gz") {
        Box::new(BufReader::new(GzDecoder::new(std::fs::File::open(&path)?)))
    } else {
        Box::new(BufReader::new(std::fs::File::open(&path)?))
    };
    let mut docs = Vec::new();
    for line in reader.lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let mut d = Document::new(
            "d",
            v["text"].as_str().unwrap_or(""),
            "bench",
            Origin::new("b", 0, 0),
        );
        d.lang = v["lang"].as_str().unwrap_or("und").to_string();
        docs.push(d);
    }
    let chain = args.get(4).is_some_and(|a| a == "chain");
    let steps: Vec<Box<dyn Step>> = if chain {
        chain_steps(tok)?
    } else {
        annotate_steps(tok)?
    };
    // A digest of every document's signals, final text and verdict, to check that a change
    // keeps the same outputs (compare the line between two builds).
    let mut digest = std::collections::hash_map::DefaultHasher::new();
    for d in &docs {
        let mut d = d.clone();
        let mut verdict = garbell_core::Verdict::Keep;
        for s in &steps {
            verdict = s.apply(&mut d)?;
            if verdict != garbell_core::Verdict::Keep {
                break;
            }
        }
        let mut sig: Vec<_> = d.signals.iter().collect();
        sig.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in sig {
            std::hash::Hash::hash(k, &mut digest);
            std::hash::Hash::hash(&v.to_bits(), &mut digest);
        }
        std::hash::Hash::hash(&d.text, &mut digest);
        std::hash::Hash::hash(&format!("{verdict:?}"), &mut digest);
    }
    println!("digest {:016x}", std::hash::Hasher::finish(&digest));
    let mut best = 0.0f64;
    let mut per_step = vec![f64::MAX; steps.len()];
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < seconds || best == 0.0 {
        let t = Instant::now();
        let mut spent = vec![0.0f64; steps.len()];
        for d in &docs {
            let mut d = d.clone();
            for (i, s) in steps.iter().enumerate() {
                let ts = Instant::now();
                let v = s.apply(&mut d)?;
                spent[i] += ts.elapsed().as_secs_f64();
                if v != garbell_core::Verdict::Keep {
                    break;
                }
            }
        }
        best = best.max(docs.len() as f64 / t.elapsed().as_secs_f64());
        for (b, s) in per_step.iter_mut().zip(spent) {
            *b = b.min(s);
        }
    }
    println!("garbell_docs_per_s {best:.0}");
    for (s, t) in steps.iter().zip(per_step) {
        println!("step {} {:.1} ms", s.name(), t * 1e3);
    }
    println!("docs {}", docs.len());
    Ok(())
}

fn lexicon() -> garbell_quality::Lexicon {
    garbell_quality::Lexicon::from_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../languages"),
    )
    .unwrap_or_default()
}

/// The web chain's quality steps, deciding, in its order.
fn chain_steps(tok: Tokenizer) -> Result<Vec<Box<dyn Step>>, Box<dyn std::error::Error>> {
    Ok(vec![
        Box::new(
            GopherRepetitionConfig {
                tokenizer: tok,
                ..Default::default()
            }
            .build()?,
        ),
        Box::new(
            GopherQualityConfig {
                tokenizer: tok,
                ..Default::default()
            }
            .build_with(&lexicon())?,
        ),
        Box::new(
            C4Config {
                tokenizer: tok,
                filter_no_terminal_punct: false,
                ..Default::default()
            }
            .build()?,
        ),
        Box::new(
            FineWebQualityConfig {
                tokenizer: tok,
                ..Default::default()
            }
            .build()?,
        ),
    ])
}

/// The four steps in annotate-only mode (every step sees every document).
fn annotate_steps(tok: Tokenizer) -> Result<Vec<Box<dyn Step>>, Box<dyn std::error::Error>> {
    let steps: Vec<Box<dyn Step>> = vec![
        Box::new(
            GopherQualityConfig {
                tokenizer: tok,
                annotate_only: true,
                ..Default::default()
            }
            .build_with(&lexicon())?,
        ),
        Box::new(
            GopherRepetitionConfig {
                tokenizer: tok,
                annotate_only: true,
                ..Default::default()
            }
            .build()?,
        ),
        Box::new(
            C4Config {
                tokenizer: tok,
                annotate_only: true,
                ..Default::default()
            }
            .build()?,
        ),
        Box::new(
            FineWebQualityConfig {
                tokenizer: tok,
                annotate_only: true,
                ..Default::default()
            }
            .build()?,
        ),
    ];
    Ok(steps)
}
