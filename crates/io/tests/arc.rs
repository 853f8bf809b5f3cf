//! ARC (Internet Archive, version 1) source, on the fixtures written by `tests/data/make_arc.py`
//! after the ARC v1 format description: plain and one gzip member per record.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::{fixture, read_all, temp_copy, Outcome};

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture("arc_expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn offsets(key: &str) -> Vec<u64> {
    expected()[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

/// Checks documents and skips against `arc_expected.json`; `offsets` are the record offsets.
fn check(out: &Outcome, offsets: &[u64]) {
    let exp = expected();
    let records = exp["records"].as_array().unwrap();
    let mut docs = out.docs.iter();
    let mut skipped = Vec::new();
    for (i, r) in records.iter().enumerate() {
        match r["outcome"].as_str().unwrap() {
            "doc" => {
                let d = docs.next().unwrap();
                assert_eq!(d.url.as_deref(), r["url"].as_str());
                assert_eq!(d.source, "arc");
                assert_eq!((d.origin.record, d.origin.offset), (i as u64, offsets[i]));
                assert_eq!(
                    d.id,
                    format!("{}/{i}", d.origin.input.rsplit('/').next().unwrap())
                );
                let date = r["date"].as_str().unwrap();
                let iso = format!(
                    "{}-{}-{}T{}:{}:{}Z",
                    &date[0..4],
                    &date[4..6],
                    &date[6..8],
                    &date[8..10],
                    &date[10..12],
                    &date[12..14]
                );
                assert_eq!(d.meta["warc_date"], iso.as_str());
                assert_eq!(d.meta["warc_type"], "response");
                assert_eq!(d.meta["http_status"], 200);
                assert!(d.meta["arc_ip"].as_str().unwrap().starts_with("192.0.2."));
            }
            skip => skipped.push(skip.strip_prefix("skip:").unwrap()),
        }
    }
    assert!(docs.next().is_none());
    assert_eq!(out.skipped, skipped);
    let text = |host: &str| out.doc(host).text.clone();
    for (host, lang) in [
        ("example.cz", "cs"),
        ("example.cat", "ca"),
        ("example.pl", "pl"),
    ] {
        assert_eq!(text(host), exp["texts"][lang].as_str().unwrap(), "{host}");
    }
    assert_eq!(out.doc("example.cz").meta["charset"], "windows-1250");
    assert_eq!(out.doc("example.pl").meta["charset"], "ISO-8859-2");
    assert_eq!(out.doc("example.cat").meta["charset"], "UTF-8");
}

#[test]
fn plain_arc() {
    let out = read_all(&fixture("old.arc"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    check(&out, &offsets("offsets"));
}

#[test]
fn gzip_arc_one_member_per_record() {
    let out = read_all(&fixture("old.arc.gz"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    check(&out, &offsets("gz_offsets"));
}

#[test]
fn arc_is_recognised_by_content_whatever_its_name() {
    // Named like a WARC file: the `filedesc://` header decides.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("old.arc.gz")).unwrap();
    let out = read_all(&temp_copy(dir.path(), "crawl.warc.gz", &bytes));
    assert!(out.errors.is_empty());
    assert_eq!(out.docs.len(), 3);
    // An ARC file without its file header is still read by its name.
    let plain = std::fs::read(fixture("old.arc")).unwrap();
    let first = offsets("offsets")[1] as usize;
    let out = read_all(&temp_copy(dir.path(), "nohead.arc", &plain[first..]));
    assert!(out.errors.is_empty());
    assert_eq!(out.docs.len(), 3);
}

#[test]
fn damaged_arc_files() {
    let dir = tempfile::tempdir().unwrap();
    let offs = offsets("offsets");
    let plain = std::fs::read(fixture("old.arc")).unwrap();
    // Garbage lines before the third record: one arc_invalid error at their offset, the rest
    // read.
    let at = offs[3] as usize;
    let mut bytes = plain[..at].to_vec();
    bytes.extend_from_slice(b"this is not an ARC header line\nnor this\n");
    bytes.extend_from_slice(&plain[at..]);
    let out = read_all(&temp_copy(dir.path(), "g.arc", &bytes));
    assert_eq!(out.error_kinds(), ["arc_invalid"]);
    assert_eq!(out.errors[0].offset, offs[3]);
    assert_eq!(out.docs.len(), 3);
    // Cut inside the last record: the others are read, one `truncated` error at its offset.
    let last = *offs.last().unwrap();
    let out = read_all(&temp_copy(
        dir.path(),
        "t.arc",
        &plain[..last as usize + 100],
    ));
    assert_eq!(out.error_kinds(), ["truncated"]);
    assert_eq!(out.errors[0].offset, last);
    assert_eq!(out.docs.len(), 2);
    // Gzip: a corrupt member is one error at its offset, every other record read.
    let gz_offs = offsets("gz_offsets");
    let mut gz = std::fs::read(fixture("old.arc.gz")).unwrap();
    let mid = ((gz_offs[1] + gz_offs[2]) / 2) as usize;
    for b in &mut gz[mid..mid + 3] {
        *b ^= 0xff;
    }
    let out = read_all(&temp_copy(dir.path(), "c.arc.gz", &gz));
    assert_eq!(out.error_kinds(), ["gzip_member_corrupt"]);
    assert_eq!(out.errors[0].offset, gz_offs[1]);
    assert_eq!(out.docs.len(), 2);
    // Every prefix ends, never yields more than there is.
    let gz = std::fs::read(fixture("old.arc.gz")).unwrap();
    for cut in 0..gz.len() {
        let out = read_all(&temp_copy(dir.path(), "p.arc.gz", &gz[..cut]));
        assert!(out.docs.len() <= 3 && out.errors.len() <= 1, "cut {cut}");
    }
}
