//! Run manifests: what went in, with which configuration, and what came out, with hashes.
//!
//! A run directory holds `manifest.json` ([`Manifest`]): the reproducible record of the run —
//! byte-identical for the same inputs and configuration whatever the thread count — and
//! `run.json`, the environment facts (threads, timings) kept apart because they vary.
//!
//! - [`verify`] checks every output listed in a manifest against the files on disk;
//! - [`diff`] says what changed between two runs: configuration keys, inputs, counts.
//!
//! Format versioning: [`FORMAT_VERSION`] is bumped when a field changes meaning or is removed;
//! adding a field does not bump it (readers ignore unknown fields). See `docs/manifest.md`.

use garbell_core::ChainStats;
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
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
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
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })?;
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

    /// The manifest as pretty JSON with a trailing newline (the on-disk form).
    pub fn to_json(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec_pretty(self).unwrap_or_default();
        b.push(b'\n');
        b
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
        }
    }
}

/// Checks every output of the manifest in `dir`; returns the problems (empty when all match) and
/// the number of outputs checked.
pub fn verify(dir: &Path) -> Result<(usize, Vec<Problem>), Error> {
    let m = Manifest::load(dir)?;
    let mut problems = Vec::new();
    for o in &m.outputs {
        let path = dir.join(&o.path);
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                problems.push(Problem::Missing(path))
            }
            Err(e) => problems.push(Problem::Unreadable(path, e.to_string())),
            Ok(md) if md.len() != o.bytes => problems.push(Problem::Size {
                path,
                expected: o.bytes,
                found: md.len(),
            }),
            Ok(_) => match hash_file(&path) {
                Ok((_, h)) if h == o.blake3 => {}
                Ok(_) => problems.push(Problem::Hash(path)),
                Err(e) => problems.push(Problem::Unreadable(path, e.to_string())),
            },
        }
    }
    Ok((m.outputs.len(), problems))
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
        assert_eq!(verify(d.path()).expect("ok"), (3, vec![]));
        std::fs::write(d.path().join("a"), b"hello World").expect("flip");
        std::fs::write(d.path().join("b"), b"second").expect("truncate");
        std::fs::remove_file(d.path().join("c")).expect("rm");
        let (_, p) = verify(d.path()).expect("ok");
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
