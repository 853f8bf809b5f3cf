//! Helpers shared by the integration tests.
#![allow(dead_code)]

use garbell_core::{Document, RecordError};
use garbell_io::{Record, RecordResult, SourceConfig};
use std::path::{Path, PathBuf};

/// Path of a committed fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// `tests/data/expected.json`, written by `make_fixtures.py`.
pub fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("valid expected.json")
}

/// Offsets listed in `expected.json` under `file` / `key`.
pub fn offsets(file: &str, key: &str) -> Vec<u64> {
    expected()[file][key]
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_u64().expect("offset"))
        .collect()
}

/// One offset listed in `expected.json` under `file` / `key`.
pub fn offset(file: &str, key: &str) -> u64 {
    expected()[file][key].as_u64().expect("offset")
}

/// Everything a source yields, sorted by kind.
#[derive(Debug, Default)]
pub struct Outcome {
    pub docs: Vec<Document>,
    pub skipped: Vec<&'static str>,
    pub errors: Vec<RecordError>,
}

impl Outcome {
    pub fn error_kinds(&self) -> Vec<&'static str> {
        self.errors.iter().map(|e| e.kind).collect()
    }

    pub fn doc(&self, url_part: &str) -> &Document {
        self.docs
            .iter()
            .find(|d| d.url.as_deref().is_some_and(|u| u.contains(url_part)))
            .unwrap_or_else(|| panic!("no document with url containing {url_part}"))
    }
}

/// Reads all records of `path`, failing the test if the iterator yields more than `limit`
/// items (an endless iterator is a bug).
pub fn read_all_with(path: &Path, config: &SourceConfig) -> Outcome {
    let records = garbell_io::open_source(path, config).expect("open");
    collect(records)
}

pub fn read_all(path: &Path) -> Outcome {
    read_all_with(path, &SourceConfig::default())
}

pub fn collect(records: impl Iterator<Item = RecordResult>) -> Outcome {
    let mut out = Outcome::default();
    for (n, r) in records.enumerate() {
        assert!(n < 100_000, "the iterator does not end");
        match r {
            Ok(Record::Document(d)) => out.docs.push(d),
            Ok(Record::Skipped(reason)) => out.skipped.push(reason),
            Err(e) => out.errors.push(e),
        }
    }
    out
}

/// A copy of fixture bytes in a temporary directory under `name`.
pub fn temp_copy(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write temp file");
    path
}
