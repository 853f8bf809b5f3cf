//! JSONL source: plain, gzip (multi-member) and zstd fixtures, error kinds, offsets, limits.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::{collect, fixture, offsets, read_all, read_all_with, temp_copy};
use garbell_io::{SourceConfig, SourceFormat};

/// The same content in the three compressions gives the same documents and errors.
fn check_docs_fixture(name: &str) {
    let path = fixture(name);
    let out = read_all(&path);
    let input = path.to_string_lossy().to_string();
    let line = offsets("docs.jsonl", "line_offsets");

    let ids: Vec<&str> = out.docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        ["a1", "42", &format!("{name}/2"), "u", "last"],
        "{name}"
    );
    assert_eq!(
        out.error_kinds(),
        ["json_invalid", "json_missing_text"],
        "{name}"
    );
    assert!(out.skipped.is_empty());

    let a1 = &out.docs[0];
    assert_eq!(a1.text, "Primer document de prova.");
    assert_eq!(a1.url.as_deref(), Some("https://example.org/a1"));
    assert_eq!(a1.source, "jsonl");
    assert_eq!(a1.meta.keys().collect::<Vec<_>>(), ["date", "lang"]);
    assert_eq!(a1.meta["date"], "2024-01-01");
    assert_eq!(a1.origin.input.as_ref(), input);
    assert_eq!((a1.origin.record, a1.origin.offset), (0, line[0]));

    let n42 = &out.docs[1];
    assert_eq!(n42.text, "Segundo documento, con acentos: ñ á ü.");
    assert_eq!(n42.meta["tags"], serde_json::json!(["x", "y"]));
    assert_eq!(n42.url, None);

    // Record indexes count every non-blank line; offsets are those of the decompressed lines.
    let no_id = &out.docs[2];
    assert_eq!((no_id.origin.record, no_id.origin.offset), (2, line[3]));
    assert_eq!(no_id.url, None);
    assert_eq!(no_id.meta["score"], 0.5);
    assert_eq!(
        (out.errors[0].offset, out.errors[1].offset),
        (line[4], line[5])
    );
    assert_eq!(out.errors[0].input, input);

    let latin1 = &out.docs[3];
    assert_eq!(latin1.text, "caf\u{fffd} with a Latin-1 byte");
    assert_eq!(latin1.signals["invalid_utf8"], 1.0);
    assert!(out.docs[0].signals.is_empty());

    let last = &out.docs[4];
    assert_eq!(last.text, "Final line without a trailing newline.");
    assert_eq!((last.origin.record, last.origin.offset), (6, line[8]));
}

#[test]
fn plain_jsonl() {
    check_docs_fixture("docs.jsonl");
}

#[test]
fn gzip_multi_member_jsonl() {
    check_docs_fixture("docs.jsonl.gz");
}

#[test]
fn zstd_jsonl() {
    check_docs_fixture("docs.jsonl.zst");
}

#[test]
fn compression_is_detected_by_magic_bytes_not_name() {
    let dir = tempfile::tempdir().unwrap();
    for src in ["docs.jsonl.gz", "docs.jsonl.zst"] {
        let bytes = std::fs::read(fixture(src)).unwrap();
        let path = temp_copy(dir.path(), "misnamed.jsonl", &bytes);
        let out = read_all(&path);
        assert_eq!(out.docs.len(), 5, "{src}");
        assert_eq!(out.errors.len(), 2, "{src}");
    }
}

#[test]
fn configured_field_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_copy(
        dir.path(),
        "f.jsonl",
        b"{\"doc_id\":\"x\",\"content\":\"hello\",\"link\":\"http://l\",\"text\":\"other\"}\n",
    );
    let config = SourceConfig {
        text_field: "content".into(),
        id_field: "doc_id".into(),
        url_field: "link".into(),
        ..SourceConfig::default()
    };
    let out = read_all_with(&path, &config);
    let d = &out.docs[0];
    assert_eq!(
        (d.id.as_str(), d.text.as_str(), d.url.as_deref()),
        ("x", "hello", Some("http://l"))
    );
    assert_eq!(d.meta["text"], "other");
}

#[test]
fn long_lines_are_skipped_without_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{{\"text\":\"{}\"}}\n", "x".repeat(300_000));
    let content = format!("{{\"text\":\"a\"}}\n{long}{{\"text\":\"b\"}}\n");
    let path = temp_copy(dir.path(), "long.jsonl", content.as_bytes());
    let config = SourceConfig {
        max_record_bytes: 1000,
        ..SourceConfig::default()
    };
    let out = read_all_with(&path, &config);
    assert_eq!(
        out.docs.iter().map(|d| d.text.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(out.error_kinds(), ["record_too_large"]);
    assert_eq!(out.errors[0].offset, 13);
    assert_eq!(out.docs[1].origin.record, 2);
    // With the default cap the long line is a document.
    assert_eq!(read_all(&path).docs.len(), 3);
}

#[test]
fn truncated_compressed_streams_end_with_one_error() {
    let dir = tempfile::tempdir().unwrap();
    // A larger stream, so that the cut lands inside compressed data.
    let mut content = String::new();
    for i in 0..20_000 {
        content.push_str(&format!(
            "{{\"id\":{i},\"text\":\"document number {i} with some words\"}}\n"
        ));
    }
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(content.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let zst = zstd::encode_all(content.as_bytes(), 3).unwrap();
    for (name, bytes) in [("t.jsonl.gz", gz), ("t.jsonl.zst", zst)] {
        let path = temp_copy(dir.path(), name, &bytes[..bytes.len() / 2]);
        let out = read_all(&path);
        assert_eq!(out.error_kinds(), ["decompress_error"], "{name}");
        assert!(
            !out.docs.is_empty() && out.docs.len() < 20_000,
            "{name}: {}",
            out.docs.len()
        );
        // Every document read is intact.
        for (i, d) in out.docs.iter().enumerate() {
            assert_eq!(d.id, i.to_string());
        }
        let last = out.docs.last().unwrap();
        assert!(out.errors[0].offset > last.origin.offset);
    }
}

#[test]
fn trailing_garbage_after_gzip_ends_with_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(fixture("docs.jsonl.gz")).unwrap();
    bytes.extend_from_slice(b"garbage garbage garbage");
    let path = temp_copy(dir.path(), "g.jsonl.gz", &bytes);
    let out = read_all(&path);
    assert_eq!(out.docs.len(), 5);
    assert_eq!(
        out.error_kinds(),
        ["json_invalid", "json_missing_text", "decompress_error"]
    );
}

#[test]
fn empty_and_blank_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [("e.jsonl", &b""[..]), ("b.jsonl", b"\n\n  \r\n\t\n")] {
        let out = read_all(&temp_copy(dir.path(), name, bytes));
        assert!(out.docs.is_empty() && out.errors.is_empty() && out.skipped.is_empty());
    }
}

#[test]
fn crlf_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_copy(
        dir.path(),
        "crlf.jsonl",
        b"{\"text\":\"a\"}\r\n{\"text\":\"b\"}\r\n",
    );
    let out = read_all(&path);
    assert_eq!(
        out.docs.iter().map(|d| d.text.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(out.docs[1].origin.offset, 14);
}

#[test]
fn explicit_format_and_bad_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_copy(dir.path(), "data.txt", b"{\"text\":\"a\"}\n");
    assert!(matches!(
        garbell_io::open_source(&path, &SourceConfig::default()),
        Err(garbell_io::Error::UnknownFormat { .. })
    ));
    let config = SourceConfig {
        format: SourceFormat::Jsonl,
        ..SourceConfig::default()
    };
    let out = collect(garbell_io::open_source(&path, &config).unwrap());
    assert_eq!(out.docs.len(), 1);
    let bad = SourceConfig {
        max_record_bytes: 0,
        ..SourceConfig::default()
    };
    let named = temp_copy(dir.path(), "data.jsonl", b"");
    assert!(matches!(
        garbell_io::open_source(&named, &bad),
        Err(garbell_io::Error::Config(_))
    ));
    assert!(matches!(
        garbell_io::open_source(&dir.path().join("missing.jsonl"), &SourceConfig::default()),
        Err(garbell_io::Error::Io(_))
    ));
}

#[test]
fn a_leading_bom_and_crlf_line_ends_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // As Windows tools write it: a UTF-8 BOM, CRLF line ends, a blank CRLF line, a BOM again
    // where a second file was appended with `cat`.
    let body = "\u{feff}{\"id\":\"a\",\"text\":\"Bon dia\"}\r\n\r\n{\"id\":\"b\",\"text\":\"Línia\\r\\namb CRLF\"}\r\n\u{feff}{\"id\":\"c\",\"text\":\"tercer\"}\r\n";
    let plain = temp_copy(dir.path(), "bom.jsonl", body.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, body.as_bytes()).unwrap();
    let gz = temp_copy(dir.path(), "bom.jsonl.gz", &gz.finish().unwrap());
    for path in [plain, gz] {
        let out = read_all(&path);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let docs: Vec<(&str, &str)> = out
            .docs
            .iter()
            .map(|d| (d.id.as_str(), d.text.as_str()))
            .collect();
        assert_eq!(
            docs,
            [
                ("a", "Bon dia"),
                ("b", "Línia\r\namb CRLF"),
                ("c", "tercer")
            ]
        );
        // Offsets are those of the lines: the first line starts at 0 (its BOM included).
        let offsets: Vec<u64> = out.docs.iter().map(|d| d.origin.offset).collect();
        assert_eq!(offsets, [0, 34, 74], "{}", path.display());
        assert!(out.docs.iter().all(|d| d.meta.is_empty()));
    }
}

#[test]
fn bzip2_jsonl_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let body = "{\"id\":\"a\",\"text\":\"Bon dia\"}\n{\"id\":\"b\",\"text\":\"Bona nit\"}\n";
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    std::io::Write::write_all(&mut bz, body.as_bytes()).unwrap();
    // A misleading name: the content decides.
    let path = temp_copy(dir.path(), "docs.jsonl", &bz.finish().unwrap());
    let out = read_all(&path);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.docs.len(), 2);
    assert_eq!(out.docs[1].text, "Bona nit");
}

#[test]
fn unreadable_encodings_and_compressions_are_job_errors() {
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            "{\"text\":\"hola\"}\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let mut gz16 = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz16, &utf16).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("utf16.jsonl", utf16.clone(), "UTF-16"),
        ("utf16.jsonl.gz", gz16.finish().unwrap(), "UTF-16"),
        (
            "x.jsonl.xz",
            b"\xfd7zXZ\x00\x00\x04rest of an xz stream".to_vec(),
            "xz-compressed",
        ),
        (
            "p.jsonl",
            b"PAR1\x15\x04 and more".to_vec(),
            "a Parquet file",
        ),
    ];
    for (name, bytes, needle) in cases {
        let path = temp_copy(dir.path(), name, &bytes);
        let config = SourceConfig {
            format: SourceFormat::Jsonl,
            ..SourceConfig::default()
        };
        match garbell_io::open_source(&path, &config) {
            Err(e @ garbell_io::Error::Unsupported { .. }) => {
                let m = e.to_string();
                assert!(m.contains(name) && m.contains(needle), "{m}");
            }
            Err(e) => panic!("{name}: {e}"),
            Ok(_) => panic!("{name}: opened"),
        }
    }
}
