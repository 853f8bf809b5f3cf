//! MediaWiki XML source: multistream bzip2 and plain dumps, skips, wikitext conversion, errors.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::{collect, fixture, read_all, read_all_with, temp_copy};
use garbell_io::{SourceConfig, SourceFormat};

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture("sources_expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn check_dump(name: &str) {
    let path = fixture(name);
    let exp = expected();
    let out = read_all(&path);
    assert!(out.errors.is_empty(), "{name}: {:?}", out.errors);
    assert_eq!(out.skipped, ["wiki_redirect", "wiki_namespace"], "{name}");
    let ids: Vec<&str> = out.docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["cawiki/101", "cawiki/104", "cawiki/105"], "{name}");

    for d in &out.docs {
        let pid = d.id.strip_prefix("cawiki/").unwrap();
        assert_eq!(
            d.text,
            exp["wiki"]["texts"][pid].as_str().unwrap(),
            "{name} {pid}"
        );
        assert_eq!(d.source, "mediawiki");
        assert_eq!(d.meta["lang"], "ca");
        assert_eq!(d.meta["wiki"], "cawiki");
    }
    let v = &out.docs[0];
    assert_eq!(
        v.url.as_deref(),
        Some("https://ca.wikipedia.org/wiki/Vilafranca_del_Penedès")
    );
    assert_eq!(v.meta["title"], "Vilafranca del Penedès");
    assert_eq!(v.meta["page_id"], 101);
    assert_eq!(v.meta["revision_id"], 9001);
    assert_eq!(v.meta["timestamp"], "2024-03-03T10:00:00Z");
    assert_eq!(v.origin.input.as_ref(), path.to_string_lossy());
    // Offsets are those of `<page>` in the decompressed XML; records count every page.
    let offsets = exp["wiki"]["page_offsets"].as_array().unwrap();
    for (d, k) in out.docs.iter().zip([0usize, 3, 4]) {
        assert_eq!(d.origin.record, k as u64);
        assert_eq!(d.origin.offset, offsets[k].as_u64().unwrap());
    }
}

#[test]
fn multistream_bz2_dump() {
    assert!(expected()["wiki"]["streams"].as_u64().unwrap() > 2);
    check_dump("cawiki-pages-articles-multistream.xml.bz2");
}

#[test]
fn plain_xml_dump() {
    check_dump("cawiki-pages-articles.xml");
}

#[test]
fn formats_are_detected() {
    let f = |name: &str| SourceFormat::detect(std::path::Path::new(name));
    assert_eq!(
        f("cawiki-20240301-pages-articles-multistream1.xml-p1p2.bz2"),
        None,
        "the split dump names need an explicit format"
    );
    assert_eq!(
        f("cawiki-pages-articles.xml.bz2"),
        Some(SourceFormat::Mediawiki)
    );
    assert_eq!(f("x.XML"), Some(SourceFormat::Mediawiki));
    assert_eq!(f("x.xml.gz"), Some(SourceFormat::Mediawiki));
    assert_eq!(f("x.jsonl.bz2"), None);
}

#[test]
fn oversized_page_is_skipped_and_reading_goes_on() {
    let config = SourceConfig {
        max_record_bytes: 400,
        ..SourceConfig::default()
    };
    let out = read_all_with(&fixture("cawiki-pages-articles.xml"), &config);
    assert_eq!(out.error_kinds(), ["record_too_large"]);
    assert_eq!(out.errors[0].offset, expected()["wiki"]["page_offsets"][0]);
    assert_eq!(out.docs.len(), 2);
}

#[test]
fn truncated_and_corrupt_inputs_end_with_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let xml = std::fs::read(fixture("cawiki-pages-articles.xml")).unwrap();
    let bz = std::fs::read(fixture("cawiki-pages-articles-multistream.xml.bz2")).unwrap();
    // Every prefix of the dump ends, without panicking, with at most one error.
    for cut in (0..xml.len()).step_by(37) {
        let p = temp_copy(dir.path(), "cut.xml", &xml[..cut]);
        let out = collect(garbell_io::open_source(&p, &SourceConfig::default()).unwrap());
        assert!(out.errors.len() <= 1, "cut {cut}: {:?}", out.errors);
        assert!(out.docs.len() <= 3);
    }
    let p = temp_copy(dir.path(), "cut.xml", &xml[..xml.len() / 2]);
    let out = read_all(&p);
    assert_eq!(out.error_kinds(), ["truncated"]);
    for cut in (0..bz.len()).step_by(53) {
        let p = temp_copy(dir.path(), "cut.xml.bz2", &bz[..cut]);
        let out = read_all(&p);
        assert!(out.errors.len() <= 1, "cut {cut}: {:?}", out.errors);
    }
    let mut flipped = bz.clone();
    let mid = flipped.len() / 2;
    for b in &mut flipped[mid..mid + 8] {
        *b ^= 0x5a;
    }
    let p = temp_copy(dir.path(), "bad.xml.bz2", &flipped);
    let out = read_all(&p);
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    let p = temp_copy(
        dir.path(),
        "junk.xml",
        b"<mediawiki><page><title>x</ti<<>>\x00 &&& </page>",
    );
    let out = read_all(&p);
    assert!(out.errors.len() <= 1);
}

#[test]
fn huge_text_node_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut xml =
        b"<mediawiki><page><title>Big</title><ns>0</ns><id>1</id><revision><text>".to_vec();
    xml.extend(std::iter::repeat_n(b'x', 3 << 20));
    xml.extend_from_slice(b"</text></revision></page></mediawiki>");
    let p = temp_copy(dir.path(), "big.xml", &xml);
    let config = SourceConfig {
        max_record_bytes: 1000,
        ..SourceConfig::default()
    };
    let out = read_all_with(&p, &config);
    assert_eq!(out.error_kinds(), ["record_too_large"]);
    assert!(out.docs.is_empty());
}

#[test]
fn dump_without_siteinfo() {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_copy(
        dir.path(),
        "bare.xml",
        "<mediawiki><page><title>A b</title><ns>0</ns><id>7</id><revision><id>8</id>\
         <text>Hola [[File:x.png|y]]&lt;br&gt;m&#243;n &amp;amp; [[Category:Z]]</text></revision></page></mediawiki>"
            .as_bytes(),
    );
    let out = read_all(&p);
    assert_eq!(out.docs.len(), 1);
    let d = &out.docs[0];
    assert_eq!(d.id, "bare.xml/7");
    assert_eq!(d.text, "Hola\nmón &");
    assert_eq!(d.url, None);
    assert!(!d.meta.contains_key("lang"));
}
