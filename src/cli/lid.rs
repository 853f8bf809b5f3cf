//! `garbell lid`.

use anyhow::{Context as _, Result};
use clap::Args;
use garbell_pipeline::steps::IdentifyLanguage;
use rayon::prelude::*;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args)]
pub struct LidArgs {
    /// JSONL input (`-` or nothing for standard input).
    input: Option<PathBuf>,
    /// fastText model (`.bin`/`.ftz`); default: the embedded lid.176.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Language profiles directory (default: the profiles embedded at build time).
    #[arg(long)]
    languages: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Use lid.176 alone, without the second stage for confusable groups.
    #[arg(long)]
    first_stage_only: bool,
    /// JSON field holding the text.
    #[arg(long, default_value = "text")]
    text_field: String,
}

const BATCH: usize = 4096;

pub fn lid(a: LidArgs) -> Result<i32> {
    let langs = super::load_languages(a.languages.as_deref())?;
    let model = Arc::new(match &a.model {
        Some(p) => garbell_lid::Model::load(p)?,
        None => garbell_lid::Model::embedded_lid176()?,
    });
    let stage2 = if a.first_stage_only {
        None
    } else {
        Some(Arc::new(
            garbell_lid::Disambiguator::embedded().map_err(|e| anyhow::anyhow!("{e}"))?,
        ))
    };
    let step = IdentifyLanguage::new(model, &langs, 0, stage2);
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let reader: Box<dyn BufRead> = match &a.input {
        Some(p) if p.as_os_str() != "-" => Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?,
        )),
        _ => Box::new(std::io::stdin().lock()),
    };
    let name = a
        .input
        .as_ref()
        .map_or("<stdin>".to_string(), |p| p.display().to_string());
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut lines = reader.lines();
    let mut line_no = 0u64;
    let mut bad = 0u64;
    loop {
        let mut batch = Vec::with_capacity(BATCH);
        for line in lines.by_ref() {
            line_no += 1;
            batch.push((
                line_no,
                line.with_context(|| format!("{name}: reading line {}", line_no))?,
            ));
            if batch.len() == BATCH {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let results: Vec<Result<String, String>> = pool.install(|| {
            batch
                .par_iter()
                .map(|(n, line)| {
                    if line.trim().is_empty() {
                        return Err(String::new());
                    }
                    let v: serde_json::Value =
                        serde_json::from_str(line).map_err(|e| format!("{name}:{n}: invalid JSON: {e}"))?;
                    let text = v
                        .get(&a.text_field)
                        .and_then(|t| t.as_str())
                        .ok_or_else(|| format!("{name}:{n}: no string field {:?}", a.text_field))?;
                    let (lang, score) = step.identify(text);
                    let id = v.get("id").cloned().unwrap_or(serde_json::Value::Null);
                    Ok(serde_json::json!({"id": id, "lang": lang, "score": (score as f64 * 1e6).round() / 1e6})
                        .to_string())
                })
                .collect()
        });
        for r in results {
            match r {
                Ok(s) => writeln!(out, "{s}")?,
                Err(e) if e.is_empty() => {}
                Err(e) => {
                    bad += 1;
                    eprintln!("garbell lid: skipped {e}");
                }
            }
        }
    }
    out.flush()?;
    if bad > 0 {
        eprintln!("garbell lid: {bad} lines skipped");
    }
    Ok(0)
}
