//! Files: input listing, atomic writes, spill records, manifests.

use crate::Error;
use garbell_core::{Document, Origin};
use garbell_manifest::FileRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One input of the balance stage: a shard file or a directory of shards (`*.parquet`, read
/// recursively in sorted order), optionally naming the source of its documents.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Input {
    /// Source name for the bucket key; None: each document's own `source` field.
    pub source: Option<String>,
    /// File or directory.
    pub path: PathBuf,
}

impl Input {
    /// Parses `name=path` (named source) or `path`.
    pub fn parse(spec: &str) -> Input {
        match spec.split_once('=') {
            Some((name, path)) if !name.is_empty() && !name.contains('/') => Input {
                source: Some(name.to_string()),
                path: PathBuf::from(path),
            },
            _ => Input {
                source: None,
                path: PathBuf::from(spec),
            },
        }
    }
}

/// The shard files of the inputs, sorted within each input, with the input's source name.
pub fn list_shards(inputs: &[Input]) -> Result<Vec<(Option<String>, PathBuf)>, Error> {
    let mut out = Vec::new();
    for input in inputs {
        let mut files = Vec::new();
        collect(&input.path, &mut files)?;
        files.sort();
        out.extend(files.into_iter().map(|f| (input.source.clone(), f)));
    }
    Ok(out)
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("stat", path, e))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let rd = std::fs::read_dir(path).map_err(|e| Error::io("read_dir", path, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io("read_dir", path, e))?;
        let p = entry.path();
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "parquet") {
            out.push(p);
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically ([`garbell_manifest::write_atomic`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    garbell_manifest::write_atomic(path, bytes).map_err(|e| Error::io("write", path, e))
}

/// Pretty JSON with a trailing newline.
pub(crate) fn json_pretty<T: Serialize>(v: &T) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).unwrap_or_default();
    b.push(b'\n');
    b
}

/// A file record (size, blake3) for a manifest.
pub(crate) fn file_record(path: &Path) -> Result<FileRecord, Error> {
    let (bytes, blake3) =
        garbell_manifest::hash_file(path).map_err(|e| Error::io("read", path, e))?;
    Ok(FileRecord {
        path: path.display().to_string(),
        bytes,
        blake3,
    })
}

/// blake3 of the canonical (sorted-key, compact) JSON of a value.
pub(crate) fn config_hash(v: &serde_json::Value) -> String {
    // serde_json's Map is a BTreeMap (no preserve_order feature): keys serialize sorted.
    let bytes = serde_json::to_vec(v).unwrap_or_default();
    blake3::hash(&bytes).to_hex().to_string()
}

/// The files a mix stage read and wrote, for its manifest.
pub(crate) struct StageFiles {
    /// Models (the tokenizer) it used.
    pub(crate) models: Vec<garbell_manifest::FileRecord>,
    /// Its inputs, in order.
    pub(crate) inputs: Vec<garbell_manifest::FileRecord>,
    /// Its outputs.
    pub(crate) outputs: Vec<garbell_manifest::Output>,
}

/// Writes the `manifest.json` of a stage that draws a mix (`balance`, `inject`) into `output`:
/// its configuration and that configuration's hash, its files, the mix seed; no chain
/// statistics.
pub(crate) fn write_mix_manifest(
    output: &Path,
    stage: &str,
    tool_version: &str,
    tool_commit: &str,
    config: serde_json::Value,
    files: StageFiles,
    seed: u64,
) -> Result<(), Error> {
    let manifest = garbell_manifest::Manifest {
        format_version: garbell_manifest::FORMAT_VERSION,
        tool: "garbell".into(),
        tool_version: tool_version.into(),
        tool_commit: tool_commit.into(),
        stage: stage.into(),
        config_hash: config_hash(&config),
        config,
        models: files.models,
        inputs: files.inputs,
        outputs: files.outputs,
        seeds: BTreeMap::from([("mix".to_string(), seed)]),
        stats: garbell_core::ChainStats::default(),
        files: Vec::new(),
        manifest_blake3: String::new(),
    };
    write_atomic(
        &output.join(garbell_manifest::MANIFEST_FILE),
        &manifest.to_json(),
    )
}

/// A document as one spill line: the shuffle key, the copy index and every field.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SpillRecord {
    pub key: u64,
    pub copy: u32,
    pub shard: u64,
    pub tokens: u64,
    /// Index of the document's bucket in the plan.
    pub bucket: u32,
    /// A copy kept only if the bucket's quota, resolved after the pass, still takes it.
    #[serde(default)]
    pub pending: bool,
    pub id: String,
    pub text: String,
    pub lang: String,
    pub lang_score: f32,
    pub source: String,
    pub url: Option<String>,
    pub meta: BTreeMap<String, serde_json::Value>,
    /// NaN and infinities as null (JSON has no such numbers); read back as NaN.
    pub signals: BTreeMap<String, Option<f64>>,
    pub origin: Origin,
}

impl SpillRecord {
    pub(crate) fn new(
        doc: &Document,
        key: u64,
        copy: u32,
        shard: u64,
        tokens: u64,
        bucket: u32,
        pending: bool,
    ) -> Self {
        SpillRecord {
            key,
            copy,
            shard,
            tokens,
            bucket,
            pending,
            id: doc.id.clone(),
            text: doc.text.clone(),
            lang: doc.lang.clone(),
            lang_score: doc.lang_score,
            source: doc.source.clone(),
            url: doc.url.clone(),
            meta: doc.meta.clone(),
            signals: doc
                .signals
                .iter()
                .map(|(k, v)| (k.clone(), v.is_finite().then_some(*v)))
                .collect(),
            origin: doc.origin.clone(),
        }
    }

    pub(crate) fn into_document(self) -> Document {
        Document {
            id: self.id,
            text: self.text,
            lang: self.lang,
            lang_score: self.lang_score,
            source: self.source,
            url: self.url,
            meta: self.meta,
            signals: self
                .signals
                .into_iter()
                .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
                .collect(),
            origin: self.origin,
        }
    }
}
