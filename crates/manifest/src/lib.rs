//! Run manifests: what went in, with which configuration, and what came out, with hashes.
//!
//! A run directory holds `manifest.json` ([`Manifest`]): the reproducible record of the run —
//! byte-identical for the same inputs and configuration whatever the thread count — and
//! `run.json`, the environment facts (threads, timings) kept apart because they vary.
//!
//! - [`verify`] / [`verify_report`] check a manifest against its own digest, every file it
//!   lists against the disk, and the directories of those files for unlisted files;
//! - [`diff`] says what changed between two runs: configuration keys, inputs, counts.
//!
//! Format versioning: [`FORMAT_VERSION`] is bumped when a field changes meaning or is removed;
//! adding a field does not bump it (readers ignore unknown fields). See `docs/manifest.md`.

use garbell_core::{ChainStats, PathError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The manifest format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The manifest's file name in a run directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The reproducible record of one run (or stage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] at the time of writing.
    pub format_version: u32,
    /// Always `garbell`.
    pub tool: String,
    /// garbell's version.
    pub tool_version: String,
    /// The git commit garbell was built from (`unknown` outside a checkout).
    pub tool_commit: String,
    /// The stage (`run`, later `dedup`, `balance`).
    pub stage: String,
    /// The resolved configuration: chain and language profiles, as JSON.
    pub config: serde_json::Value,
    /// blake3 of the canonical JSON of `config`.
    pub config_hash: String,
    /// Models used, with their hashes.
    pub models: Vec<FileRecord>,
    /// Every input, in processing order.
    pub inputs: Vec<FileRecord>,
    /// Every output, relative to the run directory.
    pub outputs: Vec<Output>,
    /// Seeds used (name → value); empty when the stage draws nothing at random.
    pub seeds: BTreeMap<String, u64>,
    /// Per-step, per-language statistics.
    pub stats: ChainStats,
    /// Every other file the stage publishes, with its hash: for `run`, `stats.json`,
    /// `errors.jsonl`, the completion markers (`completions/`, `dedup/completions/`) and the
    /// dedup removal lists (`dedup/duplicates.bin`, `dedup/lines.dups`). Absent in manifests
    /// written before it existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRecord>,
    /// blake3 of the manifest's own content: see [`Manifest::content_digest`]. Set by
    /// [`Manifest::to_json`]; checked by [`verify`]. Absent in manifests written before it
    /// existed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest_blake3: String,
}

/// A file that went in: path as given, size and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Path as given (or `embedded:<name>` for data inside the binary).
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// blake3 of the content, lowercase hex.
    pub blake3: String,
}

/// A file that came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// Path relative to the run directory.
    pub path: String,
    /// Rows (documents) in it.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// blake3 of the content, lowercase hex.
    pub blake3: String,
}

/// Errors reading manifests.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error(transparent)]
    Io(#[from] garbell_core::PathError),
    /// The manifest is not valid JSON of the expected shape.
    #[error("{path}: not a garbell manifest: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The manifest was written by a newer format.
    #[error("{path}: manifest format version {found} is newer than this garbell understands ({FORMAT_VERSION})")]
    Version {
        /// The file.
        path: String,
        /// The version found.
        found: u32,
    },
}

impl Manifest {
    /// Reads `<dir>/manifest.json`.
    pub fn load(dir: &Path) -> Result<Manifest, Error> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(PathError::at(&path))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let found = v
            .get("format_version")
            .and_then(|f| f.as_u64())
            .unwrap_or(0) as u32;
        if found > FORMAT_VERSION {
            return Err(Error::Version {
                path: path.display().to_string(),
                found,
            });
        }
        serde_json::from_value(v).map_err(|e| Error::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }

    /// The manifest as pretty JSON with a trailing newline (the on-disk form), its
    /// `manifest_blake3` set to the digest of the rest of its content.
    pub fn to_json(&self) -> Vec<u8> {
        let mut m = self.clone();
        m.manifest_blake3.clear();
        // The digest is taken over the JSON as it will be read back (written, then parsed),
        // not over `to_value`: an `f32` field becomes a different `f64` through `to_value`
        // (0.65 -> 0.6499999761581421) than through its written form, and `verify` sees only
        // the written form.
        let value = serde_json::to_vec(&m)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .unwrap_or_default();
        m.manifest_blake3 = content_digest(&value);
        let mut b = serde_json::to_vec_pretty(&m).unwrap_or_default();
        b.push(b'\n');
        b
    }

    /// The digest recorded in `manifest_blake3`: blake3 (lowercase hex) of the compact JSON of
    /// the manifest without that field, objects with sorted keys. Computed on the JSON value,
    /// so it covers fields this version does not know (written by a newer garbell) too.
    pub fn content_digest(value: &serde_json::Value) -> String {
        content_digest(value)
    }
}

/// See [`Manifest::content_digest`].
fn content_digest(value: &serde_json::Value) -> String {
    let mut v = value.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("manifest_blake3");
    }
    let canonical = canonical_json(&v);
    blake3::hash(canonical.as_bytes()).to_hex().to_string()
}

/// Compact JSON with object keys sorted at every level (whatever serde_json's map order).
fn canonical_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let body: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::Value::String(k.clone()),
                        canonical_json(&m[k])
                    )
                })
                .collect();
            format!("{{{}}}", body.join(","))
        }
        serde_json::Value::Array(a) => {
            let body: Vec<String> = a.iter().map(canonical_json).collect();
            format!("[{}]", body.join(","))
        }
        other => other.to_string(),
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// (`.<name>.tmp-<pid>`), fsynced, then renamed: a reader sees the old file or the new one, never
/// a partial one. On error the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// blake3 of a file, streaming, as lowercase hex; with its size.
pub fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        n += k as u64;
        h.update(&buf[..k]);
    }
    Ok((n, h.finalize().to_hex().to_string()))
}

/// One problem found by [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The output file is not there.
    Missing(PathBuf),
    /// The size differs from the manifest's (truncated or grown).
    Size {
        /// The file.
        path: PathBuf,
        /// In the manifest.
        expected: u64,
        /// On disk.
        found: u64,
    },
    /// Same size, different content.
    Hash(PathBuf),
    /// The file could not be read.
    Unreadable(PathBuf, String),
    /// A file in a directory the stage publishes into that the manifest does not list (an
    /// extra shard, a marker of another run).
    Unexpected(PathBuf),
    /// The manifest's own content does not match its `manifest_blake3` (an edited count,
    /// input, hash or configuration).
    ManifestAltered(PathBuf),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Missing(p) => write!(f, "missing: {}", p.display()),
            Problem::Size {
                path,
                expected,
                found,
            } => {
                write!(
                    f,
                    "size differs: {} ({found} bytes, manifest says {expected})",
                    path.display()
                )
            }
            Problem::Hash(p) => write!(f, "content differs: {} (blake3 mismatch)", p.display()),
            Problem::Unreadable(p, e) => write!(f, "unreadable: {}: {e}", p.display()),
            Problem::Unexpected(p) => write!(
                f,
                "unexpected: {} (not listed in the manifest)",
                p.display()
            ),
            Problem::ManifestAltered(p) => write!(
                f,
                "manifest altered: {} (its content does not match its manifest_blake3)",
                p.display()
            ),
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verification {
    /// Files checked (outputs and other files listed).
    pub checked: usize,
    /// The problems, in order: the manifest itself, then listed files in manifest order, then
    /// unexpected files in sorted order. Empty when everything matches.
    pub problems: Vec<Problem>,
    /// False for a manifest written before `manifest_blake3` existed: its own content could
    /// not be checked.
    pub self_checked: bool,
}

/// [`verify_report`] as (files checked, problems): the problems include the manifest's own
/// digest and unexpected files.
pub fn verify(dir: &Path) -> Result<(usize, Vec<Problem>), Error> {
    verify_report(dir).map(|v| (v.checked, v.problems))
}

/// Checks the manifest in `dir` against itself (`manifest_blake3`), every file it lists
/// (`outputs` and `files`: present, same size, same blake3), and the directories those files
/// are in (below `dir`, not `dir` itself) for files it does not list.
pub fn verify_report(dir: &Path) -> Result<Verification, Error> {
    let path = dir.join(MANIFEST_FILE);
    let m = Manifest::load(dir)?;
    let mut v = Verification::default();
    let text = std::fs::read(&path).map_err(PathError::at(&path))?;
    let value: serde_json::Value = serde_json::from_slice(&text).map_err(|e| Error::Invalid {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    if !m.manifest_blake3.is_empty() {
        v.self_checked = true;
        if content_digest(&value) != m.manifest_blake3 {
            v.problems.push(Problem::ManifestAltered(path.clone()));
        }
    }
    let listed: Vec<(&str, u64, &str)> = m
        .outputs
        .iter()
        .map(|o| (o.path.as_str(), o.bytes, o.blake3.as_str()))
        .chain(
            m.files
                .iter()
                .map(|f| (f.path.as_str(), f.bytes, f.blake3.as_str())),
        )
        .collect();
    let mut dirs = std::collections::BTreeSet::new();
    let mut names = std::collections::BTreeSet::new();
    for &(rel, bytes, blake3) in &listed {
        let path = dir.join(rel);
        if let Some(parent) = Path::new(rel)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            dirs.insert(dir.join(parent));
        }
        names.insert(path.clone());
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                v.problems.push(Problem::Missing(path))
            }
            Err(e) => v.problems.push(Problem::Unreadable(path, e.to_string())),
            Ok(md) if md.len() != bytes => v.problems.push(Problem::Size {
                path,
                expected: bytes,
                found: md.len(),
            }),
            Ok(_) => match hash_file(&path) {
                Ok((_, h)) if h == blake3 => {}
                Ok(_) => v.problems.push(Problem::Hash(path)),
                Err(e) => v.problems.push(Problem::Unreadable(path, e.to_string())),
            },
        }
    }
    v.checked = listed.len();
    let mut extra = Vec::new();
    for d in &dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue; // its files are reported missing above
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file() && !names.contains(&p) {
                extra.push(p);
            }
        }
    }
    extra.sort();
    v.problems
        .extend(extra.into_iter().map(Problem::Unexpected));
    Ok(v)
}

/// What changed between two manifests, as human-readable lines (empty when nothing did).
pub fn diff(a: &Manifest, b: &Manifest) -> Vec<String> {
    let mut out = Vec::new();
    if a.tool_version != b.tool_version || a.tool_commit != b.tool_commit {
        out.push(format!(
            "tool: {} ({}) -> {} ({})",
            a.tool_version, a.tool_commit, b.tool_version, b.tool_commit
        ));
    }
    // Configuration, key by key.
    let (mut fa, mut fb) = (BTreeMap::new(), BTreeMap::new());
    flatten("", &a.config, &mut fa);
    flatten("", &b.config, &mut fb);
    for k in fa
        .keys()
        .chain(fb.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        match (fa.get(k), fb.get(k)) {
            (Some(x), Some(y)) if x != y => out.push(format!("config {k}: {x} -> {y}")),
            (Some(x), None) => out.push(format!("config {k}: {x} -> (absent)")),
            (None, Some(y)) => out.push(format!("config {k}: (absent) -> {y}")),
            _ => {}
        }
    }
    diff_files("model", &a.models, &b.models, &mut out);
    diff_files("input", &a.inputs, &b.inputs, &mut out);
    // Counts.
    let count = |name: &str, x: u64, y: u64, out: &mut Vec<String>| {
        if x != y {
            out.push(format!("{name}: {x} -> {y} ({:+})", y as i64 - x as i64));
        }
    };
    count(
        "records read",
        a.stats.records_read,
        b.stats.records_read,
        &mut out,
    );
    count("written", a.stats.written, b.stats.written, &mut out);
    diff_counts(
        "written",
        &a.stats.written_by_lang,
        &b.stats.written_by_lang,
        &mut out,
    );
    diff_counts(
        "read errors",
        &a.stats.read_errors,
        &b.stats.read_errors,
        &mut out,
    );
    for sb in &b.stats.steps {
        let empty = Default::default();
        let sa = a.stats.steps.iter().find(|s| s.name == sb.name);
        let ta = sa.map(|s| &s.total).unwrap_or(&empty);
        count(
            &format!("step {} kept", sb.name),
            ta.kept,
            sb.total.kept,
            &mut out,
        );
        diff_counts(
            &format!("step {} dropped", sb.name),
            &ta.dropped,
            &sb.total.dropped,
            &mut out,
        );
        for (lang, cb) in &sb.by_lang {
            let ka = sa.and_then(|s| s.by_lang.get(lang)).map_or(0, |c| c.kept);
            count(
                &format!("step {} kept [{lang}]", sb.name),
                ka,
                cb.kept,
                &mut out,
            );
        }
    }
    out
}

fn diff_files(what: &str, a: &[FileRecord], b: &[FileRecord], out: &mut Vec<String>) {
    let ma: BTreeMap<_, _> = a.iter().map(|f| (&f.path, f)).collect();
    let mb: BTreeMap<_, _> = b.iter().map(|f| (&f.path, f)).collect();
    for (p, f) in &ma {
        match mb.get(p) {
            None => out.push(format!("{what} removed: {p}")),
            Some(g) if g.blake3 != f.blake3 => out.push(format!("{what} changed: {p}")),
            _ => {}
        }
    }
    for p in mb.keys().filter(|p| !ma.contains_key(*p)) {
        out.push(format!("{what} added: {p}"));
    }
}

fn diff_counts(
    what: &str,
    a: &BTreeMap<String, u64>,
    b: &BTreeMap<String, u64>,
    out: &mut Vec<String>,
) {
    for k in a
        .keys()
        .chain(b.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (x, y) = (
            a.get(k).copied().unwrap_or(0),
            b.get(k).copied().unwrap_or(0),
        );
        if x != y {
            out.push(format!(
                "{what} [{k}]: {x} -> {y} ({:+})",
                y as i64 - x as i64
            ));
        }
    }
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        serde_json::Value::Array(a) if a.iter().any(|x| x.is_object()) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(dir: &Path, files: &[(&str, &[u8])]) -> Manifest {
        let mut outputs = Vec::new();
        for (name, content) in files {
            std::fs::write(dir.join(name), content).expect("write");
            let (bytes, blake3) = hash_file(&dir.join(name)).expect("hash");
            outputs.push(Output {
                path: name.to_string(),
                rows: 1,
                bytes,
                blake3,
            });
        }
        let m = Manifest {
            format_version: FORMAT_VERSION,
            tool: "garbell".into(),
            tool_version: "0".into(),
            tool_commit: "x".into(),
            stage: "run".into(),
            config: serde_json::json!({"chain": {"steps": [{"step": "normalize", "nfc": true}]}}),
            config_hash: "h".into(),
            models: vec![],
            inputs: vec![],
            outputs,
            seeds: BTreeMap::new(),
            stats: ChainStats::default(),
            files: vec![],
            manifest_blake3: String::new(),
        };
        std::fs::write(dir.join(MANIFEST_FILE), m.to_json()).expect("write");
        m
    }

    #[test]
    fn verify_finds_flipped_truncated_and_missing_outputs() {
        let d = tempfile::tempdir().expect("tmp");
        manifest(
            d.path(),
            &[
                ("a", b"hello world"),
                ("b", b"second file"),
                ("c", b"third"),
            ],
        );
        let v = verify_report(d.path()).expect("ok");
        assert_eq!((v.checked, v.problems.len(), v.self_checked), (3, 0, true));
        std::fs::write(d.path().join("a"), b"hello World").expect("flip");
        std::fs::write(d.path().join("b"), b"second").expect("truncate");
        std::fs::remove_file(d.path().join("c")).expect("rm");
        let p = verify_report(d.path()).expect("ok").problems;
        assert!(
            matches!(&p[0], Problem::Hash(x) if x.ends_with("a")),
            "{p:?}"
        );
        assert!(
            matches!(
                &p[1],
                Problem::Size {
                    expected: 11,
                    found: 6,
                    ..
                }
            ),
            "{p:?}"
        );
        assert!(
            matches!(&p[2], Problem::Missing(x) if x.ends_with("c")),
            "{p:?}"
        );
    }

    #[test]
    fn verify_finds_unexpected_files_and_an_edited_manifest() {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::create_dir(d.path().join("shards")).expect("mkdir");
        manifest(d.path(), &[("shards/a", b"one"), ("top", b"two")]);
        // Files beside the run directory's top-level files are not the manifest's business.
        std::fs::write(d.path().join("run.json"), b"{}").expect("write");
        assert!(verify_report(d.path()).expect("ok").problems.is_empty());
        std::fs::write(d.path().join("shards/b"), b"extra").expect("write");
        let p = verify_report(d.path()).expect("ok").problems;
        assert_eq!(p, vec![Problem::Unexpected(d.path().join("shards/b"))]);
        std::fs::remove_file(d.path().join("shards/b")).expect("rm");
        // One count edited by hand: the JSON still parses, the digest no longer matches.
        let path = d.path().join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).expect("read");
        let edited = text.replacen("\"written\": 0", "\"written\": 7", 1);
        assert_ne!(text, edited);
        std::fs::write(&path, edited).expect("write");
        let p = verify_report(d.path()).expect("ok").problems;
        assert_eq!(p, vec![Problem::ManifestAltered(path.clone())]);
        // Reformatting (key order, spacing) is not an alteration.
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        std::fs::write(&path, serde_json::to_string(&v).expect("json")).expect("write");
        assert!(verify_report(d.path()).expect("ok").problems.is_empty());
    }

    #[test]
    fn manifests_without_a_digest_still_verify_their_files() {
        let d = tempfile::tempdir().expect("tmp");
        manifest(d.path(), &[("a", b"x")]);
        let path = d.path().join(MANIFEST_FILE);
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        v.as_object_mut().expect("object").remove("manifest_blake3");
        std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
        let r = verify_report(d.path()).expect("ok");
        assert!(!r.self_checked && r.problems.is_empty(), "{r:?}");
        std::fs::write(d.path().join("a"), b"y").expect("write");
        assert_eq!(verify_report(d.path()).expect("ok").problems.len(), 1);
    }

    #[test]
    fn diff_names_changed_config_keys() {
        let d = tempfile::tempdir().expect("tmp");
        let a = manifest(d.path(), &[]);
        let mut b = a.clone();
        b.config = serde_json::json!({"chain": {"steps": [{"step": "normalize", "nfc": false}]}});
        b.stats.written = 5;
        let lines = diff(&a, &b);
        assert!(
            lines.contains(&"config chain.steps[0].nfc: true -> false".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"written: 0 -> 5 (+5)".to_string()),
            "{lines:?}"
        );
        assert!(diff(&a, &a).is_empty());
    }

    #[test]
    fn newer_format_versions_are_refused() {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::write(d.path().join(MANIFEST_FILE), "{\"format_version\": 99}").expect("write");
        assert!(matches!(
            Manifest::load(d.path()),
            Err(Error::Version { found: 99, .. })
        ));
    }
}
