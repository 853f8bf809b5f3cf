//! Parquet source: The Stack-style and HF-style files written by pyarrow, schema errors.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::{fixture, read_all, read_all_with, temp_copy};
use garbell_io::{open_source, Error, SourceConfig, SourceFormat};
use serde_json::json;

fn stack_config() -> SourceConfig {
    SourceConfig {
        text_field: "content".into(),
        id_field: "hexsha".into(),
        url_field: String::new(),
        ..SourceConfig::default()
    }
}

#[test]
fn the_stack_layout_over_two_row_groups() {
    let path = fixture("stack.parquet");
    let out = read_all_with(&path, &stack_config());
    let ids: Vec<&str> = out.docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["a1", "b2"]);
    assert_eq!(out.error_kinds(), ["parquet_null_text"]);
    assert_eq!(out.errors[0].offset, 2);
    let rs = &out.docs[0];
    assert_eq!(rs.text, "fn main() {\n    println!(\"hi\");\n}\n");
    assert_eq!(rs.source, "parquet");
    assert_eq!(rs.url, None);
    assert_eq!(rs.meta["max_stars_repo_path"], "src/main.rs");
    assert_eq!(rs.meta["max_stars_repo_name"], "ex/rusty");
    assert_eq!(rs.meta["lang"], "Rust");
    assert_eq!(rs.meta["licenses"], json!(["MIT"]));
    assert_eq!(rs.meta["max_stars_count"], 12);
    assert_eq!(rs.meta["size"], 44);
    assert_eq!(rs.meta["avg_line_length"], 14.6);
    assert!(!rs.meta.contains_key("content") && !rs.meta.contains_key("hexsha"));
    let py = &out.docs[1];
    assert!(
        !py.meta.contains_key("max_stars_count"),
        "nulls are left out"
    );
    assert_eq!((py.origin.record, py.origin.offset), (1, 1));
}

#[test]
fn hf_export_with_default_fields() {
    let out = read_all(&fixture("hf.parquet"));
    assert!(out.errors.is_empty());
    let d = &out.docs;
    assert_eq!(
        (d[0].id.as_str(), d[0].text.as_str()),
        ("ca-1", "Bon dia a tothom.")
    );
    assert_eq!(d[0].url.as_deref(), Some("https://ca.example.org/1"));
    assert_eq!(d[1].url, None);
    assert_eq!(d[0].meta["date"], "2024-01-01");
    assert_eq!(d[0].meta["score"], 0.9);
    assert_eq!(d[0].meta["meta"], "{\"source\": \"x\"}");
    assert_eq!(
        SourceFormat::detect(std::path::Path::new("train-00000-of-00002.parquet")),
        Some(SourceFormat::Parquet)
    );
}

#[test]
fn wrong_schema_is_a_job_error() {
    for (name, needle) in [
        ("wrong_type.parquet", "holds Int64, not strings"),
        (
            "missing_text.parquet",
            "no text column `text` (columns: id, body)",
        ),
    ] {
        match open_source(&fixture(name), &SourceConfig::default()) {
            Err(e @ Error::Schema { .. }) => assert!(e.to_string().contains(needle), "{e}"),
            Err(e) => panic!("{name}: unexpected error {e}"),
            Ok(_) => panic!("{name}: opened"),
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = temp_copy(dir.path(), "fake.parquet", b"PAR1 not really parquet PAR1");
    assert!(matches!(
        open_source(&p, &SourceConfig::default()),
        Err(Error::Schema { .. })
    ));
}

#[test]
fn corrupt_and_truncated_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("stack.parquet")).unwrap();
    for cut in (0..bytes.len()).step_by(97) {
        let p = temp_copy(dir.path(), "cut.parquet", &bytes[..cut]);
        assert!(open_source(&p, &stack_config()).is_err(), "cut {cut}");
    }
    // Flipped bytes in the data pages: the footer still parses, the pages do not.
    for at in (8..bytes.len().saturating_sub(600)).step_by(41) {
        let mut b = bytes.clone();
        for x in &mut b[at..at + 4] {
            *x ^= 0xa5;
        }
        let p = temp_copy(dir.path(), "flip.parquet", &b);
        if let Ok(records) = open_source(&p, &stack_config()) {
            let out = common::collect(records);
            assert!(out.docs.len() + out.errors.len() <= 3, "at {at}");
        }
    }
}

#[test]
fn oversized_text_is_skipped() {
    let config = SourceConfig {
        max_record_bytes: 32,
        ..stack_config()
    };
    let out = read_all_with(&fixture("stack.parquet"), &config);
    assert_eq!(out.error_kinds(), ["record_too_large", "parquet_null_text"]);
    assert_eq!(out.docs.len(), 1);
}

#[test]
fn parquet_page_declaring_zero_values_divided_by_zero() {
    // Regression (found by the `parquet` fuzz target): a data page that declares no values but
    // holds bytes made `parquet` 60's byte-array decoder divide by zero and panic, taking the
    // job down. The panic is now caught and the file's rest counted as `parquet_invalid`.
    let p = fixture("zero_values_page.parquet");
    let out = common::collect(open_source(&p, &SourceConfig::default()).unwrap());
    let kinds: Vec<&str> = out.errors.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["parquet_invalid"], "{:?}", out.errors);
    assert!(
        out.errors[0].message.contains("Parquet decoder failed"),
        "{}",
        out.errors[0].message
    );
}

#[test]
fn corrupt_page_header_is_one_parquet_invalid_error() {
    // Regression (found by the `parquet` fuzz target; a mutated `hf.parquet` whose footer is
    // intact and whose page header is garbage): the decoder's Thrift skipping used to read the
    // file one byte per system call past its end, 95 s for this 1 KiB file. Now it ends at
    // once with one `parquet_invalid` and no document.
    let p = fixture("corrupt_page_header.parquet");
    let out = common::collect(open_source(&p, &SourceConfig::default()).unwrap());
    let kinds: Vec<&str> = out.errors.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["parquet_invalid"], "{:?}", out.errors);
    assert!(out.docs.is_empty());
}
