//! OSCAR 23.01 and HPLT layouts through the JSONL source: nested fields, dotted field paths.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::{fixture, read_all, read_all_with};
use garbell_io::SourceConfig;
use serde_json::json;

fn oscar_config() -> SourceConfig {
    SourceConfig {
        text_field: "content".into(),
        id_field: "warc_headers.warc-record-id".into(),
        url_field: "warc_headers.warc-target-uri".into(),
        ..SourceConfig::default()
    }
}

#[test]
fn oscar23_nested_metadata_is_kept() {
    let out = read_all_with(&fixture("oscar23.jsonl"), &oscar_config());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.docs.len(), 2);
    let d = &out.docs[0];
    assert_eq!(d.id, "<urn:uuid:3f1c0a52-0000-4000-8000-000000000001>");
    assert_eq!(d.url.as_deref(), Some("https://ca.example.org/cooperativa"));
    assert!(d.text.starts_with("La cooperativa del poble"));
    let m = &d.meta["metadata"];
    assert_eq!(m["identification"], json!({"label": "ca", "prob": 0.9412}));
    assert_eq!(m["quality_warnings"], json!(["short_sentences"]));
    assert_eq!(m["categories"], json!(["news"]));
    assert_eq!(m["harmful_pp"], 1342.7);
    let w = &d.meta["warc_headers"];
    assert_eq!(w["warc-identified-content-language"], "cat,eng");
    assert_eq!(w["warc-date"], "2022-11-26T09:45:47Z");
    // The fields taken out are not duplicated in meta.
    assert!(w.get("warc-target-uri").is_none() && w.get("warc-record-id").is_none());
    assert!(!d.meta.contains_key("content"));
    assert_eq!(
        out.docs[1].meta["metadata"]["quality_warnings"],
        json!(null)
    );
}

#[test]
fn oscar_with_default_fields_is_a_clear_error() {
    let out = read_all(&fixture("oscar23.jsonl"));
    assert_eq!(
        out.error_kinds(),
        ["json_missing_text", "json_missing_text"]
    );
}

#[test]
fn hplt_layout() {
    let out = read_all(&fixture("hplt.jsonl"));
    assert!(out.errors.is_empty());
    let d = &out.docs[0];
    assert_eq!(d.id, "hplt-0001");
    assert_eq!(d.url.as_deref(), Some("https://gl.example.org/praia"));
    assert_eq!(d.meta["lang"], json!(["glg_Latn"]));
    assert_eq!(d.meta["prob"], json!([0.97]));
    assert_eq!(d.meta["doc_scores"], json!([9.1, 0.2]));
    assert_eq!(d.meta["collection"], "wide16");
}

#[test]
fn dotted_paths_prefer_literal_keys_and_tolerate_non_objects() {
    let dir = tempfile::tempdir().unwrap();
    let p = common::temp_copy(
        dir.path(),
        "d.jsonl",
        b"{\"a.b\":\"literal\",\"a\":{\"b\":\"nested\"}}\n{\"a\":\"flat\"}\n{\"x\":{\"y\":{\"z\":\"deep\"}}}\n",
    );
    let config = |f: &str| SourceConfig {
        text_field: f.into(),
        ..SourceConfig::default()
    };
    let out = read_all_with(&p, &config("a.b"));
    assert_eq!(out.docs[0].text, "literal");
    assert_eq!(out.docs[0].meta["a"], json!({"b": "nested"}));
    assert_eq!(
        out.error_kinds(),
        ["json_missing_text", "json_missing_text"]
    );
    let out = read_all_with(&p, &config("x.y.z"));
    assert_eq!(out.docs.len(), 1);
    assert_eq!(out.docs[0].text, "deep");
    assert_eq!(out.docs[0].meta["x"], json!({"y": {}}));
}
