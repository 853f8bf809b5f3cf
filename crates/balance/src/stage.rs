//! The balance stage: count, plan, sample, shuffle into shards, index, manifest.

use crate::io::{
    file_record, json_pretty, list_shards, write_atomic, write_mix_manifest, SpillRecord,
    StageFiles,
};
use crate::mix::MixConfig;
use crate::plan::{plan, BucketCounts, BucketKey, Counts, SamplingPlan};
use crate::quota::{DrawHistogram, Extra, FracQuota};
use crate::sample::{draw_bits, shuffle_key, Sampler};
use crate::tokens::TokenCounter;
use crate::{Error, Input};
use garbell_manifest::Output;
use garbell_shard::{ShardReader, ShardWriter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// At most this many spill files are open at once (one per group of output shards).
pub const MAX_SPILL_FILES: u64 = 256;

/// Where and how the balance stage runs (runtime details, not mix meaning).
#[derive(Debug, Clone)]
pub struct BalanceOptions {
    /// Inputs: garbell shards.
    pub inputs: Vec<Input>,
    /// Output directory (created; must not already hold shards).
    pub output: PathBuf,
    /// garbell's version, for the manifest.
    pub tool_version: String,
    /// git commit, for the manifest.
    pub tool_commit: String,
    /// Only plan: write `plan.json` and `plan.txt`, no shards and no manifest.
    pub dry_run: bool,
}

/// One output shard in `shards.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardEntry {
    /// Path relative to the output directory.
    pub path: String,
    /// Documents (copies included).
    pub rows: u64,
    /// Tokens.
    pub tokens: u64,
    /// File size.
    pub bytes: u64,
    /// blake3 of the file.
    pub blake3: String,
    /// Documents by language.
    pub langs: BTreeMap<String, u64>,
}

/// `shards.json`: the shard index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardIndex {
    /// The mix's name.
    pub mix: String,
    /// The seed.
    pub seed: u64,
    /// garbell-shard schema version (one schema for every shard).
    pub schema_version: String,
    /// How tokens were counted.
    pub token_counter: String,
    /// Shards in order.
    pub shards: Vec<ShardEntry>,
}

/// What was actually written for one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Achieved {
    /// Documents written (copies included).
    pub docs: u64,
    /// Tokens written.
    pub tokens: u64,
}

/// The outcome of [`run_balance`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceReport {
    /// How tokens were counted.
    pub token_counter: String,
    /// The plan.
    pub plan: SamplingPlan,
    /// What was written per bucket (empty for a dry run).
    pub achieved: BTreeMap<String, Achieved>,
    /// The shard index (None for a dry run).
    pub index: Option<ShardIndex>,
}

fn bucket_of(doc: &garbell_core::Document, source: &Option<String>) -> BucketKey {
    BucketKey::new(
        doc.lang.clone(),
        source.clone().unwrap_or_else(|| doc.source.clone()),
    )
}

/// Counts documents, tokens and bytes per bucket over the inputs (one streaming pass).
pub fn count_inputs(
    inputs: &[Input],
    counter: &dyn TokenCounter,
    mix: &MixConfig,
) -> Result<Counts, Error> {
    count_pass(inputs, counter, mix, false).map(|(c, _)| c)
}

/// The counting pass; with `histograms`, also the tokens per selection-draw bin of each bucket
/// (for exact quotas).
fn count_pass(
    inputs: &[Input],
    counter: &dyn TokenCounter,
    mix: &MixConfig,
    histograms: bool,
) -> Result<(Counts, BTreeMap<BucketKey, DrawHistogram>), Error> {
    let rehydration = mix.rehydration.as_ref();
    let mut counts = Counts::new();
    let mut hist: BTreeMap<BucketKey, DrawHistogram> = BTreeMap::new();
    for (source, path) in list_shards(inputs)? {
        for doc in ShardReader::open(&path)? {
            let doc = doc?;
            let t = counter.count(&doc.text);
            let f = rehydration.map_or(1.0, |r| r.factor(doc.signals.get(&r.signal).copied()));
            let key = bucket_of(&doc, &source);
            if histograms {
                match hist.get_mut(&key) {
                    Some(h) => h.add(draw_bits(&doc.id, mix.seed), t),
                    None => hist
                        .entry(key.clone())
                        .or_default()
                        .add(draw_bits(&doc.id, mix.seed), t),
                }
            }
            let c = counts.entry(key).or_default();
            *c += &BucketCounts {
                docs: 1,
                tokens: t,
                bytes: doc.text.len() as u64,
                rehydrated_tokens: t as f64 * f,
            };
        }
    }
    Ok((counts, hist))
}

/// Runs the balance stage. Two passes over the inputs plus one over the spill files:
///
/// 1. count tokens per bucket and [`plan`];
/// 2. for each document, decide its copies: `⌊e⌋` for a bucket planned at `e` epochs, plus one
///    for the documents whose selection draw falls under the bucket's quota (whole documents in
///    draw order until the fractional epoch's tokens are met; documents of the one histogram
///    bin where the quota is crossed are *pending* until the pass ends); with rehydration the
///    [`Sampler`] decides in expectation instead. Each copy gets a [`shuffle_key`] and goes to
///    output shard `⌊key · n / 2⁶⁴⌋` through a spill file (JSON lines, at most
///    [`MAX_SPILL_FILES`] open; a spill file holds a contiguous range of shards);
/// 3. each output shard is loaded alone, pending copies beyond the resolved quota dropped,
///    sorted by key and written with garbell-shard.
///
/// Memory bound: one output shard's documents (about `output.shard_bytes` of text, plus the
/// Parquet writer's row-group buffer), whatever the corpus size. Disk: the selected data once
/// more as spill files, removed at the end.
///
/// Writes `plan.json`, `plan.txt`, `shards/part-NNNNN.parquet`, `shards.json` and, last,
/// `manifest.json`.
pub fn run_balance(
    mix: &MixConfig,
    counter: &dyn TokenCounter,
    opts: &BalanceOptions,
) -> Result<BalanceReport, Error> {
    mix.validate()?;
    let out = &opts.output;
    let shards_dir = out.join("shards");
    if shards_dir.exists()
        && std::fs::read_dir(&shards_dir)
            .map_err(|e| Error::io("read_dir", &shards_dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::config(format!(
            "{} already holds shards: use a new output directory",
            shards_dir.display()
        )));
    }
    std::fs::create_dir_all(&shards_dir).map_err(|e| Error::io("create", &shards_dir, e))?;

    let exact = mix.rehydration.is_none() && !opts.dry_run;
    let (counts, hist) = count_pass(&opts.inputs, counter, mix, exact)?;
    let plan = plan(mix, &counts);
    let mut report = BalanceReport {
        token_counter: counter.describe(),
        plan,
        achieved: BTreeMap::new(),
        index: None,
    };
    write_atomic(&out.join("plan.txt"), report.plan.to_table().as_bytes())?;
    if opts.dry_run {
        write_atomic(&out.join("plan.json"), &json_pretty(&report))?;
        return Ok(report);
    }

    // Pass 2: sample and spill.
    let sampler = Sampler::new(&report.plan, mix);
    let selected_bytes: f64 = report
        .plan
        .buckets
        .iter()
        .map(|b| b.epochs * b.available.bytes as f64)
        .sum();
    let n_shards = ((selected_bytes / mix.output.shard_bytes as f64).ceil() as u64).max(1);
    let n_spill = n_shards.min(MAX_SPILL_FILES);
    let spill_dir = out.join(".spill");
    std::fs::create_dir_all(&spill_dir).map_err(|e| Error::io("create", &spill_dir, e))?;
    let spill_path = |g: u64| spill_dir.join(format!("group-{g:05}.jsonl"));
    let mut spills = Vec::with_capacity(n_spill as usize);
    for g in 0..n_spill {
        let p = spill_path(g);
        let f = std::fs::File::create(&p).map_err(|e| Error::io("create", &p, e))?;
        spills.push(BufWriter::new(f));
    }
    let seed = sampler.seed();
    let bucket_index: BTreeMap<BucketKey, u32> = report
        .plan
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| (BucketKey::new(&b.lang, &b.source), i as u32))
        .collect();
    let empty = DrawHistogram::default();
    let mut quotas: Vec<Option<FracQuota>> = report
        .plan
        .buckets
        .iter()
        .map(|b| {
            let h = hist
                .get(&BucketKey::new(&b.lang, &b.source))
                .unwrap_or(&empty);
            if exact {
                FracQuota::new(b.selected_tokens, b.available.tokens, h)
            } else {
                None
            }
        })
        .collect();
    drop(hist);
    for (source, path) in list_shards(&opts.inputs)? {
        for doc in ShardReader::open(&path)? {
            let doc = doc?;
            let key = bucket_of(&doc, &source);
            let Some(&bi) = bucket_index.get(&key) else {
                continue;
            };
            let (copies, pending) = if sampler.rehydrating() {
                (sampler.copies(&doc, &key), false)
            } else if let Some(q) = &quotas[bi as usize] {
                match q.extra(draw_bits(&doc.id, seed)) {
                    Extra::No => (q.whole, false),
                    Extra::Yes => (q.whole + 1, false),
                    Extra::Pending => (q.whole + 1, true),
                }
            } else {
                (0, false)
            };
            if copies == 0 {
                continue;
            }
            let tokens = counter.count(&doc.text);
            if pending {
                if let Some(q) = &mut quotas[bi as usize] {
                    q.add_candidate(draw_bits(&doc.id, seed), tokens);
                }
            }
            for copy in 0..copies {
                let k = shuffle_key(&doc.id, copy, seed);
                let shard = ((u128::from(k) * u128::from(n_shards)) >> 64) as u64;
                let group = shard * n_spill / n_shards;
                let last = copy + 1 == copies;
                let rec = SpillRecord::new(&doc, k, copy, shard, tokens, bi, pending && last);
                let w = &mut spills[group as usize];
                let gp = spill_path(group);
                serde_json::to_writer(&mut *w, &rec).map_err(|e| Error::BadRecord {
                    path: path.display().to_string(),
                    line: 0,
                    message: format!("document {}: {e}", doc.id),
                })?;
                w.write_all(b"\n").map_err(|e| Error::io("write", &gp, e))?;
            }
        }
    }
    for (g, w) in spills.into_iter().enumerate() {
        let p = spill_path(g as u64);
        w.into_inner()
            .map_err(|e| Error::io("write", &p, e.into_error()))?;
    }

    for q in quotas.iter_mut().flatten() {
        q.resolve();
    }

    // Pass 3: one shard at a time.
    let mut entries = Vec::with_capacity(n_shards as usize);
    let mut outputs = Vec::new();
    for shard in 0..n_shards {
        let group = shard * n_spill / n_shards;
        let gp = spill_path(group);
        let f = std::fs::File::open(&gp).map_err(|e| Error::io("open", &gp, e))?;
        let mut recs = Vec::new();
        for (i, line) in BufReader::new(f).lines().enumerate() {
            let line = line.map_err(|e| Error::io("read", &gp, e))?;
            let rec: SpillRecord = serde_json::from_str(&line).map_err(|e| Error::BadRecord {
                path: gp.display().to_string(),
                line: i as u64 + 1,
                message: e.to_string(),
            })?;
            if rec.shard != shard {
                continue;
            }
            if rec.pending {
                let kept = quotas
                    .get(rec.bucket as usize)
                    .and_then(Option::as_ref)
                    .is_some_and(|q| q.keeps(draw_bits(&rec.id, seed)));
                if !kept {
                    continue;
                }
            }
            recs.push(rec);
        }
        recs.sort_by(|a, b| (a.key, &a.id, a.copy).cmp(&(b.key, &b.id, b.copy)));
        let rel = format!("shards/part-{shard:05}.parquet");
        let mut writer = ShardWriter::create(&out.join(&rel), &mix.output.shard)?;
        let mut langs = BTreeMap::new();
        let mut tokens = 0;
        for rec in recs {
            let (copy, t, bi) = (rec.copy, rec.tokens, rec.bucket as usize);
            let mut doc = rec.into_document();
            if copy > 0 {
                doc.meta.insert("balance_copy".into(), copy.into());
            }
            let name = report.plan.buckets.get(bi).map_or_else(
                || format!("{}/{}", doc.lang, doc.source),
                |b| format!("{}/{}", b.lang, b.source),
            );
            let a = report.achieved.entry(name).or_default();
            a.docs += 1;
            a.tokens += t;
            tokens += t;
            *langs.entry(doc.lang.clone()).or_insert(0u64) += 1;
            writer.write(&doc)?;
        }
        let info = writer.commit()?;
        outputs.push(Output {
            path: rel.clone(),
            rows: info.rows,
            bytes: info.bytes,
            blake3: info.blake3.clone(),
        });
        entries.push(ShardEntry {
            path: rel,
            rows: info.rows,
            tokens,
            bytes: info.bytes,
            blake3: info.blake3,
            langs,
        });
    }
    std::fs::remove_dir_all(&spill_dir).map_err(|e| Error::io("remove", &spill_dir, e))?;

    let index = ShardIndex {
        mix: mix.name.clone(),
        seed,
        schema_version: garbell_shard::SCHEMA_VERSION.to_string(),
        token_counter: counter.describe(),
        shards: entries,
    };
    report.index = Some(index.clone());
    for (name, bytes) in [
        ("shards.json", json_pretty(&index)),
        ("plan.json", json_pretty(&report)),
    ] {
        write_atomic(&out.join(name), &bytes)?;
        let rec = file_record(&out.join(name))?;
        outputs.push(Output {
            path: name.into(),
            rows: 0,
            bytes: rec.bytes,
            blake3: rec.blake3,
        });
    }
    write_manifest(mix, counter, opts, outputs, seed)?;
    Ok(report)
}

fn write_manifest(
    mix: &MixConfig,
    counter: &dyn TokenCounter,
    opts: &BalanceOptions,
    outputs: Vec<Output>,
    seed: u64,
) -> Result<(), Error> {
    let config = serde_json::to_value(mix).unwrap_or_default();
    let mut models = Vec::new();
    if let Some(t) = &mix.tokens.tokenizer {
        models.push(file_record(t)?);
    }
    let _ = counter;
    let inputs = list_shards(&opts.inputs)?
        .iter()
        .map(|(_, p)| file_record(p))
        .collect::<Result<Vec<_>, _>>()?;
    write_mix_manifest(
        &opts.output,
        "balance",
        &opts.tool_version,
        &opts.tool_commit,
        config,
        StageFiles {
            models,
            inputs,
            outputs,
        },
        seed,
    )
}

/// The path of the shard index in an output directory.
pub fn index_path(output: &Path) -> PathBuf {
    output.join("shards.json")
}
