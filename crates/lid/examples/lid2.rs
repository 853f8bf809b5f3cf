//! lid.176 plus the second stage, over JSONL: `cargo run --release -p garbell-lid --example lid2
//! -- FILE [--no-refine] [--sh split|keep|merge] [--no-ngrams] [--markers PATH] [--ng-beta B]
//! [--ng-gate G] [--ng-temp T] [--ng-chars N] [--ng-max-bytes N] [--ng-profiles TSV]` (the
//! `--ng-*` flags override [`garbell_lid::RerankParams`], `--ng-profiles` replaces the embedded
//! n-gram profiles; `--markers` replaces the markers file: the tuning harness of
//! `docs/lid.md`). Prints one JSON line per input line:
//! `{"id", "lang", "score", "script", "lid"}` (`lid` = lid.176's own answer). Labels map to
//! garbell's codes as `languages/*.toml` map lid.176's (`__label__xx` → `xx` for the 35 codes,
//! anything else → `other`). Used by `benches/lid_eval/evaluate.py --tools garbell2`.

use garbell_lid::{Disambiguator, Model, ShPolicy};
use std::io::{BufRead, BufWriter, Write};

const LANGS: &[&str] = &[
    "bg", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "eu", "fi", "fr", "ga", "gl", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "nn", "no", "oc", "pl", "pt", "ro", "ru", "sh", "sk", "sl",
    "sr", "sv", "uk",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let refine = !args.iter().any(|a| a == "--no-refine");
    // Flags with a value: `--sh`, `--markers` and the `--ng-*` rerank parameters.
    let takes_value = |f: &str| {
        f == "--sh"
            || f == "--markers"
            || f == "--words"
            || f == "--lid-threshold"
            || f.starts_with("--ng-")
    };
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let policy = match value("--sh").map(String::as_str) {
        Some("keep") => ShPolicy::Keep,
        Some("merge" | "group") => ShPolicy::Group,
        Some("split") => ShPolicy::Split,
        _ => ShPolicy::Standard,
    };
    let path = args.iter().enumerate().find_map(|(i, a)| {
        let after_flag = i > 0 && takes_value(&args[i - 1]);
        (!a.starts_with("--") && !after_flag).then_some(a)
    });
    let model = Model::embedded_lid176()?;
    // `--markers PATH`: another markers file (with the embedded word lists), for experiments.
    let markers = match value("--markers") {
        Some(p) => std::fs::read_to_string(p)?,
        None => garbell_lid::MARKERS_TSV.to_string(),
    };
    let flag = |name: &str| -> Option<f32> { value(name).and_then(|v| v.parse().ok()) };
    // `--lid-threshold P`: lid.176's predictions below P are not searched (default 0.01, as
    // garbell_pipeline's SECOND_STAGE_MIN_PROB; a text with none above it gets the full search).
    let lid_threshold = flag("--lid-threshold").unwrap_or(0.01);
    let defaults = garbell_lid::RerankParams::default();
    let params = garbell_lid::RerankParams {
        beta: flag("--ng-beta").unwrap_or(defaults.beta),
        gate: flag("--ng-gate").unwrap_or(defaults.gate),
        long_gate: flag("--ng-long-gate").unwrap_or(defaults.long_gate),
        long_text_bytes: flag("--ng-long-bytes").map_or(defaults.long_text_bytes, |c| c as usize),
        temperature: flag("--ng-temp").unwrap_or(defaults.temperature),
        max_chars: flag("--ng-chars").map_or(defaults.max_chars, |c| c as usize),
        max_text_bytes: flag("--ng-max-bytes").map_or(defaults.max_text_bytes, |c| c as usize),
    };
    // `--words A,B,..`: other word lists (replacing the embedded ones), for experiments.
    let words: Vec<String> = match value("--words") {
        Some(ps) => ps
            .split(',')
            .map(std::fs::read_to_string)
            .collect::<Result<_, _>>()?,
        None => garbell_lid::WORDS_TSV
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    // `--ng-profiles TSV`: other n-gram profiles (parsed at run time), for experiments.
    let profiles = match value("--ng-profiles") {
        Some(p) => garbell_lid::NgramProfiles::from_tsv(&std::fs::read_to_string(p)?)?,
        None => garbell_lid::NgramProfiles::embedded()?,
    };
    let mut stage = Disambiguator::from_data(&markers, &words)?
        .with_sh_policy(policy)
        .with_ngrams(profiles, params);
    if args.iter().any(|a| a == "--no-ngrams") {
        stage = stage.without_ngrams();
    }
    let lang_of: Vec<&str> = model
        .labels()
        .iter()
        .map(|l| {
            let code = l.strip_prefix("__label__").unwrap_or(l);
            LANGS
                .iter()
                .find(|c| **c == code)
                .copied()
                .or_else(|| stage.member_of_label(l))
                .unwrap_or("other")
        })
        .collect();
    let reader: Box<dyn BufRead> = match path {
        Some(p) => Box::new(std::io::BufReader::new(std::fs::File::open(p)?)),
        None => Box::new(std::io::stdin().lock()),
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (n, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("line {}: invalid JSON: {e}", n + 1);
                continue;
            }
        };
        let Some(text) = v.get("text").and_then(|t| t.as_str()) else {
            eprintln!("line {}: no string field \"text\"", n + 1);
            continue;
        };
        let mut raw = model.predict(
            text,
            if refine { 5 } else { 1 },
            if refine { lid_threshold } else { 0.0 },
        );
        if raw.is_empty() {
            raw = model.predict(text, if refine { 5 } else { 1 }, 0.0);
        }
        let preds: Vec<(&str, f32)> = raw.iter().map(|p| (lang_of[p.label], p.prob)).collect();
        let lid = preds.first().map_or("other", |p| p.0);
        let (lang, score, script) = if refine {
            let r = stage.refine(text, &preds);
            (r.lang, r.score, r.script.code())
        } else {
            let s = garbell_lid::dominant_script(text).code();
            (lid, preds.first().map_or(0.0, |p| p.1.min(1.0)), s)
        };
        let id = v.get("id").cloned().unwrap_or(serde_json::Value::Null);
        let o = serde_json::json!({"id": id, "lang": lang, "score": score, "script": script, "lid": lid});
        writeln!(out, "{o}")?;
    }
    out.flush()?;
    Ok(())
}
