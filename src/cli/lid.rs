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
    /// Second stage without the character n-gram profiles (groups and markers only).
    #[arg(long, conflicts_with = "first_stage_only")]
    no_ngrams: bool,
    /// Restrict prediction to the allowed label set (the labels the language profiles claim):
    /// never `other`, low scores for texts in other languages.
    #[arg(long)]
    restrict: bool,
    /// JSON field holding the text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// Score against gold labels instead of printing predictions: the input's lines need `text`
    /// and `lang` (one of the 35 codes, or anything else for "other"). Prints accuracy,
    /// macro-F1 (over the gold languages, without `sh` and `other`), per-language precision,
    /// recall and F1, and the top confusions.
    #[arg(long)]
    eval: bool,
    /// With --eval: print the report as JSON.
    #[arg(long, requires = "eval")]
    json: bool,
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
        let d = garbell_lid::Disambiguator::embedded().map_err(|e| anyhow::anyhow!("{e}"))?;
        Some(Arc::new(if a.no_ngrams { d.without_ngrams() } else { d }))
    };
    let step = IdentifyLanguage::new(model, &langs, 0, stage2).restricted(a.restrict);
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
    if a.eval {
        return eval(reader, &step, &pool, &a, &langs);
    }
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

fn eval(
    reader: Box<dyn BufRead>,
    step: &IdentifyLanguage,
    pool: &rayon::ThreadPool,
    a: &LidArgs,
    langs: &garbell_config::Languages,
) -> Result<i32> {
    let mut items = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading line {}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).with_context(|| format!("line {}: invalid JSON", n + 1))?;
        let text = v
            .get(&a.text_field)
            .and_then(|t| t.as_str())
            .with_context(|| format!("line {}: no string field {:?}", n + 1, a.text_field))?;
        let gold = v
            .get("lang")
            .and_then(|t| t.as_str())
            .with_context(|| format!("line {}: no string field \"lang\"", n + 1))?;
        let gold = if langs.get(gold).is_some() {
            gold.to_string()
        } else {
            garbell_core::LANG_OTHER.to_string()
        };
        items.push((gold, text.to_string()));
    }
    let start = std::time::Instant::now();
    let preds: Vec<String> = pool.install(|| {
        items
            .par_iter()
            .map(|(_, t)| step.identify(t).0.to_string())
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let r = garbell_lid::eval::evaluate(
        items
            .iter()
            .map(|(g, _)| g.as_str())
            .zip(preds.iter().map(String::as_str)),
        &["sh", garbell_core::LANG_OTHER],
    );
    let mut out = std::io::stdout().lock();
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?;
        return Ok(0);
    }
    writeln!(
        out,
        "documents {}  accuracy {:.4}  macro-F1 {:.4} over {} languages  ({:.0} docs/s)",
        r.documents,
        r.accuracy,
        r.macro_f1,
        r.macro_languages.len(),
        r.documents as f64 / secs.max(1e-9)
    )?;
    if let Some(min) = r
        .per_language
        .iter()
        .filter(|s| r.macro_languages.contains(&s.lang))
        .min_by(|a, b| a.f1.total_cmp(&b.f1))
    {
        writeln!(out, "lowest F1: {} {:.4}", min.lang, min.f1)?;
    }
    writeln!(
        out,
        "{:<6} {:>7} {:>9} {:>7} {:>7}",
        "lang", "support", "precision", "recall", "F1"
    )?;
    for s in &r.per_language {
        writeln!(
            out,
            "{:<6} {:>7} {:>9.4} {:>7.4} {:>7.4}",
            s.lang, s.support, s.precision, s.recall, s.f1
        )?;
    }
    writeln!(out, "top confusions (gold -> predicted):")?;
    for (g, p, c) in r.confusions.iter().take(10) {
        writeln!(out, "  {g} -> {p}: {c}")?;
    }
    Ok(0)
}
