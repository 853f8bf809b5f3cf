//! Multilingual injection sets: text-only samples mixed into visual instruction tuning.

use crate::io::{file_record, json_pretty, write_atomic, write_mix_manifest, StageFiles};
use crate::plan::water_fill;
use crate::sample::shuffle_key;
use crate::Error;
use garbell_core::{Document, Origin};
use garbell_manifest::Output;
use garbell_shard::{ShardConfig, ShardReader, ShardWriter};
use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, BinaryHeap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// The `[injection]` table of a mix file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjectionConfig {
    /// How the samples of a stage are split over languages.
    #[serde(default)]
    pub quota: Quota,
    /// Languages to draw from; empty: every language found in the inputs.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Optional user prompt per language for plain-text samples (a plain text becomes a
    /// conversation with this prompt, or an empty one, as the user turn and the text as the
    /// assistant turn). Never an English default for other languages.
    #[serde(default)]
    pub prompts: BTreeMap<String, String>,
    /// The training stages, each with its own ratio.
    pub stages: Vec<InjectionStage>,
    /// Check every candidate's language with garbell's language identifier and leave out the
    /// ones whose text is not in the language they claim (counted per language in the
    /// report). Default true: instruction data is often labelled by its file, not its text.
    /// A library caller that sets it must pass a [`LanguageCheck`] in [`InjectOptions`].
    #[serde(default = "yes")]
    pub verify_language: bool,
}

fn yes() -> bool {
    true
}

/// Checks the language of a candidate's text (the binary implements it with `garbell lid`'s
/// identifier). Shared by threads.
pub trait LanguageCheck: Send + Sync {
    /// `None` when `text` is in language `claimed`; otherwise the language found.
    fn mismatch(&self, text: &str, claimed: &str) -> Option<String>;
}

/// How a stage's samples are split over languages. Quotas are capped at what a language has
/// (no repetition); what a small language cannot fill goes to the others.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Quota {
    /// The same number for every language.
    #[default]
    Uniform,
    /// In proportion to the samples available.
    Proportional,
    /// ∝ available^(1/temperature).
    Temperature {
        /// > 0; 1 is proportional, large values approach uniform.
        temperature: f64,
    },
}

/// One stage of visual instruction tuning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjectionStage {
    /// Name (the output subdirectory).
    pub name: String,
    /// Text-only samples per visual sample (0.25: one text sample for four visual ones).
    pub ratio: f64,
    /// Number of visual samples, when known.
    #[serde(default)]
    pub vision_samples: Option<u64>,
    /// A LLaVA-style JSON file (an array of samples) whose length is the number of visual
    /// samples; counted in streaming, never loaded whole. Used when `vision_samples` is absent.
    /// A relative path is relative to the mix file ([`crate::MixConfig::load`]). Every stage's
    /// file is counted before anything is written.
    #[serde(default)]
    pub vision_json: Option<PathBuf>,
}

impl InjectionConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<(), Error> {
        if self.stages.is_empty() {
            return Err(Error::config("injection.stages must not be empty"));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, s) in self.stages.iter().enumerate() {
            if s.name.is_empty() || s.name.contains(['/', '\\']) || s.name.starts_with('.') {
                return Err(Error::config(format!(
                    "injection.stages[{i}].name must be a plain directory name"
                )));
            }
            if !names.insert(&s.name) {
                return Err(Error::config(format!(
                    "injection stage {} is defined twice",
                    s.name
                )));
            }
            if !(s.ratio.is_finite() && s.ratio >= 0.0) {
                return Err(Error::config(format!(
                    "injection.stages[{i}].ratio must be >= 0"
                )));
            }
            if s.vision_samples.is_none() && s.vision_json.is_none() {
                return Err(Error::config(format!(
                    "injection.stages[{i}]: set vision_samples or vision_json"
                )));
            }
        }
        if let Quota::Temperature { temperature } = self.quota {
            if !(temperature.is_finite() && temperature > 0.0) {
                return Err(Error::config("injection.quota.temperature must be > 0"));
            }
        }
        Ok(())
    }
}

/// Counts the samples of a LLaVA-style JSON array without holding it in memory.
pub fn count_llava_samples(path: &Path) -> Result<u64, Error> {
    struct Count;
    impl<'de> Visitor<'de> for Count {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON array of samples")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
            let mut n = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(n)
        }
    }
    let f = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(f));
    de.deserialize_seq(Count).map_err(|e| Error::BadRecord {
        path: path.display().to_string(),
        line: e.line() as u64,
        message: e.to_string(),
    })
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
}

/// One candidate sample: a curated text or an instruction conversation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sample {
    /// Stable id.
    pub id: String,
    /// Language.
    pub lang: String,
    /// Where it came from (`Document::source` or `jsonl`).
    pub source: String,
    /// The conversation (a plain text becomes prompt + text).
    pub messages: Vec<Message>,
}

#[derive(Deserialize)]
struct JsonlRecord {
    id: Option<String>,
    lang: Option<String>,
    text: Option<String>,
    messages: Option<Vec<Message>>,
}

/// Reads the samples of every input (garbell shards `*.parquet`; JSONL files with `lang` and
/// either `messages` or `text`, and optionally `id`), calling `f` on each. A JSONL record
/// without a language or content is an error naming its line.
pub fn for_each_sample(
    inputs: &[PathBuf],
    prompts: &BTreeMap<String, String>,
    mut f: impl FnMut(Sample),
) -> Result<(), Error> {
    let text_sample = |id: String, lang: String, source: String, text: String| Sample {
        messages: vec![
            Message {
                role: "user".into(),
                content: prompts.get(&lang).cloned().unwrap_or_default(),
            },
            Message {
                role: "assistant".into(),
                content: text,
            },
        ],
        id,
        lang,
        source,
    };
    let mut files = Vec::new();
    for i in inputs {
        let listed = crate::io::list_shards(&[crate::Input {
            source: None,
            path: i.clone(),
        }]);
        match listed {
            Ok(l) if i.is_dir() => files.extend(l.into_iter().map(|(_, p)| p)),
            _ => files.push(i.clone()),
        }
    }
    for path in files {
        if path.extension().is_some_and(|e| e == "parquet") {
            for doc in ShardReader::open(&path)? {
                let d = doc?;
                f(text_sample(d.id, d.lang, d.source, d.text));
            }
            continue;
        }
        let file = std::fs::File::open(&path).map_err(|e| Error::io("open", &path, e))?;
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Error::io("read", &path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            let bad = |message: String| Error::BadRecord {
                path: path.display().to_string(),
                line: i as u64 + 1,
                message,
            };
            let r: JsonlRecord = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
            let lang = r.lang.ok_or_else(|| bad("no `lang` field".into()))?;
            let id =
                r.id.unwrap_or_else(|| format!("{}:{}", path.display(), i + 1));
            match (r.messages, r.text) {
                (Some(m), _) if !m.is_empty() => f(Sample {
                    id,
                    lang,
                    source: "jsonl".into(),
                    messages: m,
                }),
                (_, Some(t)) => f(text_sample(id, lang, "jsonl".into(), t)),
                _ => return Err(bad("neither `messages` nor `text`".into())),
            }
        }
    }
    Ok(())
}

/// Integer quotas per language: `total` split by `quota` over `available`, capped at what each
/// language has, remainders to the largest fractions (ties in language order).
pub fn language_quotas(
    quota: Quota,
    available: &BTreeMap<String, u64>,
    total: u64,
) -> BTreeMap<String, u64> {
    let desired: Vec<f64> = available
        .values()
        .map(|&n| match quota {
            _ if n == 0 => 0.0,
            Quota::Uniform => 1.0,
            Quota::Proportional => n as f64,
            Quota::Temperature { temperature } => (n as f64).powf(1.0 / temperature),
        })
        .collect();
    let caps: Vec<f64> = available.values().map(|&n| n as f64).collect();
    let alloc = water_fill(&desired, &caps, total as f64);
    let mut q: Vec<u64> = alloc.iter().map(|a| a.floor() as u64).collect();
    let mut left = total
        .min(available.values().sum())
        .saturating_sub(q.iter().sum());
    let mut order: Vec<usize> = (0..q.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = alloc[a] - alloc[a].floor();
        let fb = alloc[b] - alloc[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    while left > 0 {
        let mut gave = false;
        for &i in &order {
            if left > 0 && q[i] < caps[i] as u64 {
                q[i] += 1;
                left -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    available.keys().cloned().zip(q).collect()
}

/// Report of one injection stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// Stage name.
    pub name: String,
    /// Visual samples.
    pub vision_samples: u64,
    /// The ratio.
    pub ratio: f64,
    /// `round(ratio × vision_samples)`.
    pub target: u64,
    /// Per language: available, selected.
    pub languages: BTreeMap<String, (u64, u64)>,
    /// Per claimed language: candidates left out because their text is in another language
    /// (`verify_language`); not counted as available.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub language_mismatch: BTreeMap<String, u64>,
}

/// Where the injection stage reads and writes.
#[derive(Debug, Clone)]
pub struct InjectOptions {
    /// Curated text shards and/or JSONL instruction files (files or directories).
    pub inputs: Vec<PathBuf>,
    /// Output directory: `<stage>/injection.{parquet,llava.json,jsonl}`, `injection.json`,
    /// `manifest.json`.
    pub output: PathBuf,
    /// garbell's version, for the manifest.
    pub tool_version: String,
    /// git commit, for the manifest.
    pub tool_commit: String,
    /// The language check used when the config's `verify_language` is true.
    pub language_check: Option<std::sync::Arc<dyn LanguageCheck>>,
}

impl std::fmt::Debug for dyn LanguageCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LanguageCheck")
    }
}

#[derive(Serialize)]
struct LlavaTurn<'a> {
    from: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct LlavaSample<'a> {
    id: &'a str,
    lang: &'a str,
    conversations: Vec<LlavaTurn<'a>>,
}

#[derive(Serialize)]
struct ChatSample<'a> {
    id: &'a str,
    lang: &'a str,
    messages: &'a [Message],
}

/// Builds every injection stage of `cfg`: per stage, the languages' quotas, then the samples of
/// each language with the smallest hash of `(id, seed, stage)` (a bounded heap per language:
/// memory is the output's size), written in shuffled order as Parquet (garbell shard schema;
/// the conversation in `meta.messages`), LLaVA conversation JSON and chat JSONL. Every sample
/// carries its `lang`.
pub fn run_injection(
    cfg: &InjectionConfig,
    seed: u64,
    shard: &ShardConfig,
    opts: &InjectOptions,
) -> Result<Vec<StageReport>, Error> {
    cfg.validate()?;
    let check = match (cfg.verify_language, &opts.language_check) {
        (false, _) => None,
        (true, Some(c)) => Some(c.as_ref()),
        (true, None) => {
            return Err(Error::config(
                "injection.verify_language is on but no language identifier was given",
            ))
        }
    };
    // Everything that can fail on a missing or bad file is checked before anything is written:
    // the visual sample counts of every stage, and the inputs.
    let mut vision_counts = Vec::with_capacity(cfg.stages.len());
    for stage in &cfg.stages {
        vision_counts.push(match (stage.vision_samples, &stage.vision_json) {
            (Some(n), _) => n,
            (None, Some(p)) => count_llava_samples(p).map_err(|e| {
                Error::config(format!("injection stage {}: vision_json: {e}", stage.name))
            })?,
            (None, None) => 0,
        });
    }
    for i in &opts.inputs {
        if !i.exists() {
            return Err(Error::io(
                "open",
                i,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ));
        }
    }
    let keep = |lang: &str| cfg.languages.is_empty() || cfg.languages.iter().any(|l| l == lang);
    let mut available: BTreeMap<String, u64> =
        cfg.languages.iter().map(|l| (l.clone(), 0)).collect();
    // Ids of candidates whose text is not in their language: checked once, skipped by every
    // stage. Memory: the rejected ids only.
    let mut rejected: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut mismatch: BTreeMap<String, u64> = BTreeMap::new();
    let mut batch: Vec<Sample> = Vec::new();
    let mut flush = |batch: &mut Vec<Sample>, available: &mut BTreeMap<String, u64>| {
        let verdicts: Vec<bool> = match check {
            None => vec![true; batch.len()],
            Some(c) => {
                use rayon::prelude::*;
                batch
                    .par_iter()
                    .map(|s| c.mismatch(&sample_text(s), &s.lang).is_none())
                    .collect()
            }
        };
        for (s, ok) in batch.drain(..).zip(verdicts) {
            if ok {
                *available.entry(s.lang).or_default() += 1;
            } else {
                *mismatch.entry(s.lang).or_default() += 1;
                rejected.insert(s.id);
            }
        }
    };
    for_each_sample(&opts.inputs, &cfg.prompts, |s| {
        if keep(&s.lang) {
            batch.push(s);
            if batch.len() >= 4096 {
                flush(&mut batch, &mut available);
            }
        }
    })?;
    flush(&mut batch, &mut available);
    std::fs::create_dir_all(&opts.output).map_err(|e| Error::io("create", &opts.output, e))?;
    let mut reports = Vec::new();
    let mut outputs = Vec::new();
    for (stage, &vision) in cfg.stages.iter().zip(&vision_counts) {
        let target = (stage.ratio * vision as f64).round() as u64;
        let quotas = language_quotas(cfg.quota, &available, target);
        let stage_seed = seed ^ xxhash_rust::xxh3::xxh3_64(stage.name.as_bytes());
        let mut heaps: BTreeMap<&str, BinaryHeap<(u64, Sample)>> = BTreeMap::new();
        for_each_sample(&opts.inputs, &cfg.prompts, |s| {
            let Some(&q) = quotas.get(&s.lang) else {
                return;
            };
            if q == 0 || rejected.contains(&s.id) {
                return;
            }
            let k = shuffle_key(&s.id, 0, stage_seed);
            let lang = quotas
                .get_key_value(&s.lang)
                .map(|(l, _)| l.as_str())
                .unwrap_or_default();
            let h = heaps.entry(lang).or_default();
            if (h.len() as u64) < q {
                h.push((k, s));
            } else if h
                .peek()
                .is_some_and(|(top, ts)| (k, &s.id) < (*top, &ts.id))
            {
                h.pop();
                h.push((k, s));
            }
        })?;
        let mut samples: Vec<(u64, Sample)> = heaps.into_values().flatten().collect();
        samples.sort();
        let languages = available
            .iter()
            .map(|(l, &n)| {
                let sel = samples.iter().filter(|(_, s)| &s.lang == l).count() as u64;
                (l.clone(), (n, sel))
            })
            .collect();
        outputs.extend(write_stage(&opts.output, &stage.name, &samples, shard)?);
        reports.push(StageReport {
            name: stage.name.clone(),
            vision_samples: vision,
            ratio: stage.ratio,
            target,
            languages,
            language_mismatch: mismatch.clone(),
        });
    }
    write_atomic(&opts.output.join("injection.json"), &json_pretty(&reports))?;
    let rec = file_record(&opts.output.join("injection.json"))?;
    outputs.push(Output {
        path: "injection.json".into(),
        rows: 0,
        bytes: rec.bytes,
        blake3: rec.blake3,
    });
    let config = serde_json::to_value(cfg).unwrap_or_default();
    let mut inputs = Vec::new();
    for i in &opts.inputs {
        if i.is_file() {
            inputs.push(file_record(i)?);
        } else {
            for (_, p) in crate::io::list_shards(&[crate::Input {
                source: None,
                path: i.clone(),
            }])? {
                inputs.push(file_record(&p)?);
            }
        }
    }
    write_mix_manifest(
        &opts.output,
        "inject",
        &opts.tool_version,
        &opts.tool_commit,
        config,
        StageFiles {
            models: Vec::new(),
            inputs,
            outputs,
        },
        seed,
    )?;
    Ok(reports)
}

/// The text whose language is checked: every message's content, one per line.
fn sample_text(s: &Sample) -> String {
    let mut t = String::new();
    for m in &s.messages {
        if !m.content.is_empty() {
            if !t.is_empty() {
                t.push('\n');
            }
            t.push_str(&m.content);
        }
    }
    t
}

fn write_stage(
    out: &Path,
    stage: &str,
    samples: &[(u64, Sample)],
    shard: &ShardConfig,
) -> Result<Vec<Output>, Error> {
    let dir = out.join(stage);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
    let mut outputs = Vec::new();
    let rel = format!("{stage}/injection.parquet");
    let mut w = ShardWriter::create(&out.join(&rel), shard)?;
    let mut llava = Vec::with_capacity(samples.len());
    let mut jsonl = Vec::new();
    for (i, (_, s)) in samples.iter().enumerate() {
        let text = s
            .messages
            .iter()
            .map(|m| m.content.as_str())
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        let mut doc = Document::new(
            s.id.clone(),
            text,
            s.source.clone(),
            Origin::new(format!("injection:{stage}"), i as u64, 0),
        );
        doc.lang = s.lang.clone();
        doc.lang_score = 1.0;
        doc.meta.insert(
            "messages".into(),
            serde_json::to_value(&s.messages).unwrap_or_default(),
        );
        w.write(&doc)?;
        llava.push(LlavaSample {
            id: &s.id,
            lang: &s.lang,
            conversations: s
                .messages
                .iter()
                .map(|m| LlavaTurn {
                    from: match m.role.as_str() {
                        "user" => "human",
                        "assistant" => "gpt",
                        other => other,
                    },
                    value: &m.content,
                })
                .collect(),
        });
        let line = serde_json::to_vec(&ChatSample {
            id: &s.id,
            lang: &s.lang,
            messages: &s.messages,
        })
        .unwrap_or_default();
        jsonl.extend_from_slice(&line);
        jsonl.push(b'\n');
    }
    let info = w.commit()?;
    outputs.push(Output {
        path: rel,
        rows: info.rows,
        bytes: info.bytes,
        blake3: info.blake3,
    });
    for (name, bytes) in [
        ("injection.llava.json", json_pretty(&llava)),
        ("injection.jsonl", jsonl),
    ] {
        let rel = format!("{stage}/{name}");
        write_atomic(&out.join(&rel), &bytes)?;
        let r = file_record(&out.join(&rel))?;
        outputs.push(Output {
            path: rel,
            rows: samples.len() as u64,
            bytes: r.bytes,
            blake3: r.blake3,
        });
    }
    Ok(outputs)
}
