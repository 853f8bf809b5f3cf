//! WARC / WET source on fixtures written by warcio: charsets, HTTP bodies, skips, corrupt,
//! truncated and garbage-laden files.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::{expected, fixture, offset, offsets, read_all, read_all_with, temp_copy, Outcome};
use garbell_io::SourceConfig;

fn texts(lang: &str) -> String {
    let lines: Vec<String> = expected()["texts"][lang]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    lines.join("\n")
}

/// What the five HTML pages of `web.warc.gz` must give (those present in `out`).
fn check_pages(out: &Outcome, members: &[u64]) {
    let ca = out.doc("ca.example.org/mercat");
    assert_eq!(ca.text, texts("ca"));
    assert_eq!(ca.id, ca.meta["warc_record_id"]);
    assert!(ca.id.starts_with("<urn:uuid:") && ca.id.ends_with('>'));
    assert_eq!(ca.source, "warc");
    assert_eq!(ca.meta["warc_type"], "response");
    assert_eq!(ca.meta["warc_date"], "2024-05-06T07:08:09Z");
    assert_eq!(ca.meta["content_type"], "text/html; charset=UTF-8");
    assert_eq!(ca.meta["http_status"], 200);
    assert_eq!(ca.meta["charset"], "UTF-8");
    assert_eq!((ca.origin.record, ca.origin.offset), (2, members[2]));
    assert!(ca.signals.is_empty());

    let ru = out.doc("ru.example.org");
    assert_eq!(ru.text, texts("ru"), "KOI8-R declared only in a meta tag");
    assert_eq!(ru.meta["charset"], "KOI8-R");
    assert_eq!(ru.origin.offset, members[4]);

    let es = out.doc("es.example.org");
    assert_eq!(es.text, texts("es"), "chunked and gzip-encoded body");
    assert_eq!(es.origin.offset, members[5]);

    let fr = out.doc("fr.example.org");
    assert_eq!(fr.text, texts("fr"), "application/xhtml+xml");
    assert_eq!((fr.origin.record, fr.origin.offset), (9, members[9]));
}

#[test]
fn multi_member_warc_gz() {
    let members = offsets("web.warc.gz", "member_offsets");
    let out = read_all(&fixture("web.warc.gz"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.docs.len(), 5);
    check_pages(&out, &members);

    let cs = out.doc("cs.example.org");
    assert_eq!(
        cs.text,
        texts("cs"),
        "windows-1250 declared in the HTTP header"
    );
    assert_eq!(cs.meta["charset"], "windows-1250");
    assert_eq!(cs.meta["content_type"], "text/html; charset=windows-1250");
    assert_eq!(cs.origin.offset, members[3]);

    let mut skipped = out.skipped.clone();
    skipped.sort_unstable();
    assert_eq!(
        skipped,
        [
            "http_status_not_2xx",
            "non_html_content",
            "warc_metadata",
            "warc_request",
            "warc_warcinfo"
        ]
    );
}

#[test]
fn corrupt_member_is_one_error_and_every_other_record_is_read() {
    let members = offsets("web.warc.gz", "member_offsets");
    let path = fixture("corrupt.warc.gz");
    let out = read_all(&path);
    assert_eq!(
        out.error_kinds(),
        ["gzip_member_corrupt"],
        "{:?}",
        out.errors
    );
    let err = &out.errors[0];
    assert_eq!(err.offset, offset("corrupt.warc.gz", "corrupt_offset"));
    assert_eq!(err.offset, members[3]);
    assert_eq!(err.input, path.to_string_lossy());
    assert_eq!(out.docs.len(), 4);
    assert!(out
        .docs
        .iter()
        .all(|d| !d.url.as_deref().unwrap_or("").contains("cs.example.org")));
    check_pages(&out, &members);
    assert_eq!(out.skipped.len(), 5);
}

#[test]
fn truncated_warc_gz_ends_with_one_error() {
    let members = offsets("web.warc.gz", "member_offsets");
    let out = read_all(&fixture("truncated.warc.gz"));
    assert_eq!(out.error_kinds(), ["truncated"]);
    assert_eq!(
        out.errors[0].offset,
        offset("truncated.warc.gz", "truncated_offset")
    );
    assert_eq!(out.errors[0].offset, members[9]);
    assert_eq!(out.docs.len(), 4);
    assert_eq!(out.skipped.len(), 5);
}

#[test]
fn garbage_between_and_after_members() {
    let garbage = offsets("garbage.warc.gz", "garbage_offsets");
    let out = read_all(&fixture("garbage.warc.gz"));
    assert_eq!(
        out.error_kinds(),
        ["gzip_member_corrupt", "gzip_member_corrupt"]
    );
    assert_eq!(
        out.errors.iter().map(|e| e.offset).collect::<Vec<_>>(),
        garbage
    );
    assert_eq!(out.docs.len(), 5);
    assert_eq!(out.skipped.len(), 5);
}

#[test]
fn uncompressed_warc_with_garbage() {
    let records = offsets("plain.warc", "record_offsets");
    let out = read_all(&fixture("plain.warc"));
    assert_eq!(out.error_kinds(), ["warc_invalid"]);
    assert_eq!(out.errors[0].offset, offset("plain.warc", "garbage_offset"));
    assert_eq!(out.skipped, ["warc_warcinfo", "warc_revisit"]);
    let texts: Vec<&str> = out.docs.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Am Sonntag fahren wir mit dem Fahrrad an den See.",
            "Domani piove, quindi restiamo a casa a leggere.\n",
            "O barco sai do porto às oito.",
        ]
    );
    let offsets: Vec<u64> = out.docs.iter().map(|d| d.origin.offset).collect();
    assert_eq!(offsets, [records[1], records[2], records[4]]);
    let indexes: Vec<u64> = out.docs.iter().map(|d| d.origin.record).collect();
    assert_eq!(indexes, [1, 2, 4]);
    assert_eq!(
        out.docs[1].meta["content_type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(out.docs[1].meta["warc_type"], "resource");
    assert_eq!(out.docs[2].meta["charset"], "UTF-8");
}

#[test]
fn truncated_uncompressed_warc() {
    let records = offsets("plain.warc", "record_offsets");
    let bytes = std::fs::read(fixture("plain.warc")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = temp_copy(dir.path(), "t.warc", &bytes[..bytes.len() - 20]);
    let out = read_all(&path);
    assert_eq!(out.error_kinds(), ["warc_invalid", "truncated"]);
    assert_eq!(out.errors[1].offset, records[4]);
    assert_eq!(out.docs.len(), 2);
    // Cut inside the header block.
    let path = temp_copy(dir.path(), "t2.warc", &bytes[..records[1] as usize + 30]);
    let out = read_all(&path);
    assert_eq!(out.error_kinds(), ["truncated"]);
    assert_eq!(out.skipped, ["warc_warcinfo"]);
}

#[test]
fn wet_conversion_records() {
    let members = offsets("text.warc.wet.gz", "member_offsets");
    let out = read_all(&fixture("text.warc.wet.gz"));
    assert!(out.errors.is_empty());
    assert_eq!(out.skipped, ["warc_warcinfo"]);
    assert_eq!(out.docs.len(), 3);
    let en = out.doc("en.example.org");
    assert_eq!(
        en.text,
        "Community garden\nThe garden behind the school opened this spring.\nNeighbours share tools and water every evening.\n"
    );
    assert_eq!(en.meta["warc_identified_content_language"], "en");
    assert_eq!(en.meta["warc_type"], "conversion");
    assert_eq!(en.meta["content_type"], "text/plain");
    assert_eq!((en.origin.record, en.origin.offset), (1, members[1]));
    let gl = out.doc("gl.example.org");
    assert_eq!(gl.signals["invalid_utf8"], 2.0);
    assert!(gl.text.ends_with("Byte inv\u{fffd}lido aqu\u{fffd}.\n"));
    assert_eq!(gl.meta["warc_identified_content_language"], "glg");
}

#[test]
fn too_large_records_are_skipped() {
    // 550 bytes: the warcinfo, request, 404, png and metadata records fit, so does the
    // gzip-encoded Spanish page (523 bytes) but not once decoded; the other pages do not.
    let config = SourceConfig {
        max_record_bytes: 550,
        ..SourceConfig::default()
    };
    let members = offsets("web.warc.gz", "member_offsets");
    let out = read_all_with(&fixture("web.warc.gz"), &config);
    assert_eq!(
        out.error_kinds(),
        ["record_too_large"; 5],
        "{:?} {:?}",
        out.errors,
        out.docs
    );
    let expected: Vec<u64> = [2, 3, 4, 5, 9].iter().map(|&i| members[i]).collect();
    assert_eq!(
        out.errors.iter().map(|e| e.offset).collect::<Vec<_>>(),
        expected
    );
    assert!(out.docs.is_empty());
    assert_eq!(out.skipped.len(), 5);
    // Uncompressed: the block is skipped, the next record read.
    let records = offsets("plain.warc", "record_offsets");
    let config = SourceConfig {
        max_record_bytes: 100,
        ..SourceConfig::default()
    };
    let out = read_all_with(&fixture("plain.warc"), &config);
    assert_eq!(out.error_kinds(), ["record_too_large", "warc_invalid"]);
    assert_eq!(out.errors[0].offset, records[1]);
    let indexes: Vec<u64> = out.docs.iter().map(|d| d.origin.record).collect();
    assert_eq!(indexes, [2, 4]);
}

#[test]
fn truncations_and_flipped_bytes_terminate() {
    // Robustness: many prefixes and single-byte corruptions of a small file
    // ends, without panicking, and never yields more records than there are.
    let bytes = std::fs::read(fixture("text.warc.wet.gz")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.warc.gz");
    for cut in (0..bytes.len()).step_by(2) {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let out = read_all(&path);
        assert!(
            out.docs.len() <= 3 && out.errors.len() <= 2,
            "cut {cut}: {:?}",
            out.errors
        );
    }
    for i in (0..bytes.len()).step_by(5) {
        let mut b = bytes.clone();
        b[i] ^= 0x55;
        std::fs::write(&path, &b).unwrap();
        let out = read_all(&path);
        assert!(out.docs.len() <= 3, "flip {i}");
        assert!(out.errors.len() <= 3, "flip {i}: {:?}", out.errors);
    }
    let plain = std::fs::read(fixture("plain.warc")).unwrap();
    let path = dir.path().join("x.warc");
    for cut in (0..plain.len()).step_by(7) {
        std::fs::write(&path, &plain[..cut]).unwrap();
        let out = read_all(&path);
        assert!(out.docs.len() <= 3 && out.errors.len() <= 2, "cut {cut}");
    }
}

#[test]
fn arbitrary_bytes_terminate() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = Vec::with_capacity(200_000);
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        noise.push((state >> 24) as u8);
    }
    // Random bytes, random bytes after a gzip magic, and lines that look like WARC headers.
    let mut gz_noise = vec![0x1f, 0x8b, 0x08, 0x00];
    gz_noise.extend_from_slice(&noise);
    let fake = b"WARC/1.0\r\nContent-Length: 99999999999\r\n\r\nWARC/1.1\r\nX\r\n\r\nWARC/1.0\r\n"
        .repeat(1000);
    for (name, bytes) in [
        ("n.warc", &noise),
        ("n.warc.gz", &gz_noise),
        ("f.warc", &fake),
    ] {
        let out = read_all(&temp_copy(dir.path(), name, bytes));
        assert!(out.docs.is_empty(), "{name}");
        assert!(!out.errors.is_empty(), "{name}");
    }
}

#[test]
fn whole_file_in_one_gzip_member() {
    // Some tools gzip a whole WARC file at once: records are read all the same.
    use std::io::{Read, Write};
    let mut plain = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(fixture("web.warc.gz")).unwrap())
        .read_to_end(&mut plain)
        .unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&plain).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = temp_copy(dir.path(), "one.warc.gz", &e.finish().unwrap());
    let out = read_all(&path);
    assert!(out.errors.is_empty());
    assert_eq!(out.docs.len(), 5);
    assert!(out.docs.iter().all(|d| d.origin.offset == 0));
    let records: Vec<u64> = out.docs.iter().map(|d| d.origin.record).collect();
    assert_eq!(records, [2, 3, 4, 5, 9]);
    // And zstd-compressed WARC, offsets in the decompressed stream.
    let path = temp_copy(
        dir.path(),
        "z.warc.zst",
        &zstd::encode_all(&plain[..], 3).unwrap(),
    );
    let out = read_all(&path);
    assert!(out.errors.is_empty());
    assert_eq!(out.docs.len(), 5);
}

fn gz(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const SMALL_RECORD: &[u8] = b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: http://x/\r\n\
Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n";

#[test]
fn decompression_bomb_is_not_decompressed() {
    // A member declaring a 2 GB record over 40 MB of zeros (≈ 40 KB compressed), then a record.
    let mut bomb =
        b"WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 2000000000\r\n\r\n".to_vec();
    bomb.resize(bomb.len() + (40 << 20), 0);
    let mut file = gz(&bomb);
    let next = file.len() as u64;
    file.extend(gz(SMALL_RECORD));
    let dir = tempfile::tempdir().unwrap();
    let path = temp_copy(dir.path(), "bomb.warc.gz", &file);
    let config = SourceConfig {
        max_record_bytes: 1 << 20,
        ..SourceConfig::default()
    };
    let start = std::time::Instant::now();
    let out = read_all_with(&path, &config);
    assert_eq!(out.error_kinds(), ["record_too_large"]);
    assert_eq!(out.errors[0].offset, 0);
    assert_eq!(out.docs.len(), 1);
    assert_eq!(
        (out.docs[0].text.as_str(), out.docs[0].origin.offset),
        ("hello", next)
    );
    assert!(
        start.elapsed().as_millis() < 500,
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn member_without_warc_data_is_abandoned() {
    // A valid gzip member holding 3 MB of text lines that are not WARC, then a record.
    let junk = b"just some text that is not a WARC record at all\n".repeat(3 << 20 >> 6);
    let mut file = gz(&junk);
    let next = file.len() as u64;
    file.extend(gz(SMALL_RECORD));
    let dir = tempfile::tempdir().unwrap();
    let path = temp_copy(dir.path(), "junk.warc.gz", &file);
    let config = SourceConfig {
        max_record_bytes: 1 << 20,
        ..SourceConfig::default()
    };
    let out = read_all_with(&path, &config);
    assert_eq!(out.error_kinds(), ["warc_invalid"]);
    assert_eq!(out.errors[0].offset, 0);
    assert_eq!(out.docs.len(), 1);
    assert_eq!(out.docs[0].origin.offset, next);
    // With a cap above the junk's size, it is scanned through: same outcome.
    let out = read_all(&path);
    assert_eq!(out.error_kinds(), ["warc_invalid"]);
    assert_eq!(out.docs.len(), 1);
}

#[test]
fn two_corrupt_members_in_a_row_are_two_errors() {
    let members = offsets("web.warc.gz", "member_offsets");
    let mut bytes = std::fs::read(fixture("web.warc.gz")).unwrap();
    for m in [3, 4] {
        let mid = ((members[m] + members[m + 1]) / 2) as usize;
        for b in &mut bytes[mid..mid + 3] {
            *b ^= 0xff;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let out = read_all(&temp_copy(dir.path(), "two.warc.gz", &bytes));
    assert_eq!(
        out.error_kinds(),
        ["gzip_member_corrupt", "gzip_member_corrupt"]
    );
    assert_eq!(
        out.errors.iter().map(|e| e.offset).collect::<Vec<_>>(),
        [members[3], members[4]]
    );
    assert_eq!(out.docs.len(), 3);
}

/// A WARC of `n` resource records (plain text, varied sizes), and the end offset of each.
fn many_records(n: usize) -> (Vec<u8>, Vec<usize>) {
    let mut plain = Vec::new();
    let mut ends = Vec::new();
    for i in 0..n {
        let body = format!("record {i} ").repeat(20 + (i * 37) % 300);
        plain.extend_from_slice(
            format!(
                "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:test:{i}>\r\n\
                 WARC-Target-URI: http://example.org/{i}\r\nContent-Type: text/plain\r\n\
                 Content-Length: {}\r\n\r\n{body}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        );
        ends.push(plain.len() - 4);
    }
    (plain, ends)
}

#[test]
fn single_stream_gzip_cut_short_keeps_every_complete_record() {
    // A whole WARC gzipped as one stream (as `gzip file.warc` writes it), cut at 3/4 of its
    // compressed size: every record that decompresses whole before the cut is kept.
    use std::io::Read;
    let (plain, ends) = many_records(155);
    let file = gz(&plain);
    let cut = &file[..file.len() * 3 / 4];
    // What an independent decoder recovers before the cut.
    let mut prefix = Vec::new();
    let mut dec = flate2::read::GzDecoder::new(cut);
    let mut buf = [0u8; 4096];
    loop {
        match dec.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => prefix.extend_from_slice(&buf[..k]),
        }
    }
    let whole = ends.iter().filter(|&&e| e <= prefix.len()).count();
    assert!(whole > 100 && whole < 155, "{whole}");
    let dir = tempfile::tempdir().unwrap();
    let out = read_all(&temp_copy(dir.path(), "cut.warc.gz", cut));
    assert_eq!(out.error_kinds(), ["truncated"], "{:?}", out.errors);
    assert_eq!(
        out.errors[0].offset, 0,
        "the offset of the (only) gzip member"
    );
    assert!(out.errors[0].message.contains("decompressed offset"));
    assert_eq!(out.docs.len(), whole);
    for (i, d) in out.docs.iter().enumerate() {
        assert_eq!(d.id, format!("<urn:test:{i}>"));
        assert_eq!(d.text, format!("record {i} ").repeat(20 + (i * 37) % 300));
    }
    // Cut inside the gzip trailer only: every record is whole and kept.
    let out = read_all(&temp_copy(dir.path(), "t.warc.gz", &file[..file.len() - 4]));
    assert_eq!(out.error_kinds(), ["truncated"]);
    assert_eq!(out.docs.len(), 155);
}
