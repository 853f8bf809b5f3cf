//! Input configuration, format detection and listing.

use crate::{Error, Records};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// Chosen from the file name (`.jsonl[.gz|.zst]`, `.json[.gz|.zst]`, `.warc[.gz]`, `.wet[.gz]`).
    #[default]
    Auto,
    /// JSON Lines, plain, gzip or zstd (by extension or magic bytes).
    Jsonl,
    /// WARC or WET, plain or gzip (one or many members).
    Warc,
}

/// How sources read their inputs: the `[source]` table of a chain file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
    /// Input format; `auto` picks by file extension.
    pub format: SourceFormat,
    /// JSONL: field holding the text.
    pub text_field: String,
    /// JSONL: field holding a stable id (when absent, the id is `<file name>/<record index>`).
    pub id_field: String,
    /// JSONL: field holding the URL, if any.
    pub url_field: String,
    /// Largest record accepted, in bytes of decompressed data; a larger record is counted as an
    /// error and skipped (protects memory against giant lines and decompression bombs).
    pub max_record_bytes: u64,
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            format: SourceFormat::Auto,
            text_field: "text".into(),
            id_field: "id".into(),
            url_field: "url".into(),
            max_record_bytes: 64 << 20,
        }
    }
}

impl SourceConfig {
    /// Checks the values: fields named, distinct where they must be, a positive size cap.
    pub fn validate(&self) -> Result<(), Error> {
        if self.text_field.is_empty() {
            return Err(Error::Config("text_field must not be empty".into()));
        }
        if self.text_field == self.id_field || self.text_field == self.url_field {
            return Err(Error::Config(format!(
                "text_field `{}` must differ from id_field and url_field",
                self.text_field
            )));
        }
        if self.max_record_bytes == 0 {
            return Err(Error::Config("max_record_bytes must be positive".into()));
        }
        Ok(())
    }
}

impl SourceFormat {
    /// The format of `path` by its name, for `Auto`.
    pub fn detect(path: &Path) -> Option<SourceFormat> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let base = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".zst"))
            .or_else(|| name.strip_suffix(".zstd"))
            .unwrap_or(&name);
        if base.ends_with(".jsonl") || base.ends_with(".json") || base.ends_with(".ndjson") {
            Some(SourceFormat::Jsonl)
        } else if base.ends_with(".warc") || base.ends_with(".wet") || base.ends_with(".arc") {
            Some(SourceFormat::Warc)
        } else {
            None
        }
    }
}

/// Opens one input with the configured format.
pub fn open_source(path: &Path, config: &SourceConfig) -> Result<Records, Error> {
    let format = match config.format {
        SourceFormat::Auto => SourceFormat::detect(path).ok_or_else(|| Error::UnknownFormat {
            path: path.display().to_string(),
        })?,
        f => f,
    };
    match format {
        SourceFormat::Jsonl => crate::jsonl::open(path, config),
        SourceFormat::Warc => crate::warc::open(path, config),
        SourceFormat::Auto => unreachable!("resolved above"),
    }
}

/// Expands the given inputs (files and directories, recursively) into a sorted, de-duplicated
/// list of files. Directories contribute the files whose format [`SourceFormat::detect`]
/// recognises; hidden files and directories are skipped. A path that does not exist is an error.
pub fn list_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::Io {
            path: p.display().to_string(),
            source: e,
        })?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let io = |e| Error::Io {
        path: dir.display().to_string(),
        source: e,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type().map_err(io)?.is_dir() {
            walk(&path, out)?;
        } else if SourceFormat::detect(&path).is_some() {
            out.push(path);
        }
    }
    Ok(())
}
