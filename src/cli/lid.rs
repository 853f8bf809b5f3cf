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
    /// Where Serbo-Croatian lands: `standard` (hr and sr when the standard is identifiable,
    /// `sh` for Bosnian, Montenegrin and standard-neutral Latin text), `split` (hr, sr, Bosnian
    /// as `other`), `keep` (lid.176's `sh` stays a candidate) or `group` (all of it `sh`).
    #[arg(long, default_value = "standard", value_parser = ["standard", "split", "keep", "group"])]
    serbo_croatian: String,
    /// Without the running-text vote for mixed documents (docs/lid.md).
    #[arg(long)]
    no_mixed_vote: bool,
    /// The probability a rival language needs in lid.176's top-5 to call the running-text vote.
    #[arg(long, default_value_t = garbell_pipeline::steps::MIXED_MIN_RIVAL)]
    mixed_rival: f32,
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
        let policy = match a.serbo_croatian.as_str() {
            "split" => garbell_lid::ShPolicy::Split,
            "keep" => garbell_lid::ShPolicy::Keep,
            "group" => garbell_lid::ShPolicy::Group,
            _ => garbell_lid::ShPolicy::Standard,
        };
        let d = garbell_lid::Disambiguator::embedded()
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .with_sh_policy(policy);
        Some(Arc::new(if a.no_ngrams { d.without_ngrams() } else { d }))
    };
    let step = IdentifyLanguage::new(model, &langs, 0, stage2)
        .restricted(a.restrict)
        .with_mixed_vote((!a.no_mixed_vote).then_some(a.mixed_rival));
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
        let results: Vec<Result<Vec<u8>, String>> = pool.install(|| {
            batch
                .par_iter()
                .map(|(n, line)| {
                    if line.trim().is_empty() {
                        return Err(String::new());
                    }
                    let mut de = serde_json::Deserializer::from_str(line);
                    let rec =
                        serde::de::DeserializeSeed::deserialize(LineSeed(&a.text_field), &mut de)
                            .and_then(|r| de.end().map(|()| r))
                            .map_err(|e| format!("{name}:{n}: invalid JSON: {e}"))?;
                    let text = rec
                        .text
                        .ok_or_else(|| format!("{name}:{n}: no string field {:?}", a.text_field))?;
                    let (lang, score) = step.identify(&text);
                    // One buffer per line, written in place (no intermediate strings).
                    let mut s = Vec::with_capacity(64);
                    s.extend_from_slice(b"{\"id\":");
                    s.extend_from_slice(rec.id.map_or("null", |id| id.get()).as_bytes());
                    s.extend_from_slice(b",\"lang\":");
                    serde_json::to_writer(&mut s, lang).map_err(|e| e.to_string())?;
                    s.extend_from_slice(b",\"score\":");
                    match serde_json::Number::from_f64((score as f64 * 1e6).round() / 1e6) {
                        Some(v) => write!(s, "{v}").map_err(|e| e.to_string())?,
                        None => s.extend_from_slice(b"null"),
                    }
                    s.extend_from_slice(b"}\n");
                    Ok(s)
                })
                .collect()
        });
        for r in results {
            match r {
                Ok(s) => out.write_all(&s)?,
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
    // The process ends here: freeing the model, the profiles and the word tables one allocation
    // at a time would cost ~25 M instructions (7 ms) the OS does at once.
    std::mem::forget(step);
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

/// One input line as `garbell lid` needs it: the text field (borrowed when it has no escapes)
/// and the raw `id` value, copied to the output as it was written. Every other field is skipped
/// without being built (a `serde_json::Value` per line was a fifth of the work on short texts).
struct Line<'a> {
    text: Option<std::borrow::Cow<'a, str>>,
    id: Option<&'a serde_json::value::RawValue>,
}

struct LineSeed<'f>(&'f str);

impl<'de> serde::de::DeserializeSeed<'de> for LineSeed<'_> {
    type Value = Line<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Line<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for LineSeed<'_> {
    type Value = Line<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut m: M) -> Result<Line<'de>, M::Error> {
        let mut line = Line {
            text: None,
            id: None,
        };
        while let Some(key) = m.next_key_seed(KeySeed(self.0))? {
            match key {
                // A non-string text field is reported as "no string field", as before.
                Key::Text => line.text = m.next_value::<TextValue<'de>>()?.0,
                Key::Id => line.id = Some(m.next_value()?),
                Key::Other => {
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(line)
    }
}

/// Which field a key names.
enum Key {
    Text,
    Id,
    Other,
}

/// Classifies a key without building it (a `String` per key per line otherwise).
struct KeySeed<'f>(&'f str);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed<'_> {
    type Value = Key;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(if v == self.0 {
            Key::Text
        } else if v == "id" {
            Key::Id
        } else {
            Key::Other
        })
    }
}

/// A string, or `None` for any other JSON value.
struct TextValue<'a>(Option<std::borrow::Cow<'a, str>>);

impl<'de> serde::Deserialize<'de> for TextValue<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = TextValue<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TextValue(Some(std::borrow::Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TextValue(Some(std::borrow::Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(TextValue(Some(std::borrow::Cow::Owned(v))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(TextValue(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(TextValue(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(TextValue(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(TextValue(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(TextValue(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(TextValue(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(TextValue(None))
            }
        }
        d.deserialize_any(V)
    }
}
