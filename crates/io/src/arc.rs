//! ARC source: the Internet Archive's ARC format (version 1, and the ten-field header lines of
//! version 2), the container of older crawls (Internet Archive, Alexa, early national-library
//! harvests, Heritrix before WARC), uncompressed or gzip-compressed (`.arc.gz`, one record per
//! gzip member) or zstd.
//!
//! ARC files are read by the WARC source's machinery ([`crate::warc`]): the same gzip member
//! handling (resync after a corrupt member, truncation, decompression-bomb guard), the same
//! HTTP decoding, charset detection and HTML extraction. [`crate::warc::open`] reads an input as
//! ARC when its first decompressed bytes are `filedesc://` (the ARC file header record), or,
//! when they are neither that nor `WARC/`, when its name ends in `.arc` (optionally `.gz` or
//! `.zst`).
//!
//! # Format
//!
//! An ARC file is a sequence of records, each a header line, a newline, `Archive-length` bytes of
//! content and a newline:
//!
//! ```text
//! filedesc://IA-001102.arc 0.0.0.0 19960923142103 text/plain 76
//! 1 0 Alexa Internet
//! URL IP-address Archive-date Content-type Archive-length
//!
//! http://www.example.org:80/ 127.10.100.2 19961104142103 text/html 131
//! HTTP/1.0 200 OK
//! Content-type: text/html
//! ...
//! ```
//!
//! A version-1 header line has five space-separated fields (`URL IP-address Archive-date
//! Content-type Archive-length`); a version-2 line has ten (`URL IP-address Archive-date
//! Content-type Result-code Checksum Location Offset Filename Archive-length`). The length is
//! always the last field; a line with more than five fields that is not a version-2 line is a
//! version-1 line whose URL holds spaces.
//!
//! # Records
//!
//! | record | becomes |
//! | --- | --- |
//! | the `filedesc://` file header | skipped `arc_filedesc` |
//! | content starting with `HTTP/` | like a WARC `response`: HTML with a 2xx status → document, other types skipped `non_html_content`, other statuses `http_status_not_2xx` |
//! | other content (no HTTP headers, e.g. `dns:` records, old FTP/gopher captures) | like a WARC `resource`, by the header line's content type |
//!
//! Documents have [`Document::source`](garbell_core::Document) `arc`, the id
//! `<file name>/<record index>` (ARC records have no identifier), the URL of the header line,
//! and the WARC source's `meta` keys so one schema covers both: `warc_date` (the archive date
//! as ISO 8601, `19961104142103` → `1996-11-04T14:21:03Z`), `warc_type` (`response` or
//! `resource`), `content_type`, `http_status`, `charset`, plus `arc_ip` (the IP-address field).
//!
//! # Error kinds
//!
//! The WARC source's (`gzip_member_corrupt`, `truncated`, `record_too_large`, `http_invalid`,
//! `content_decode_error`, `content_encoding_unsupported`, `read_error`,
//! `decompress_error`), and `arc_invalid`: bytes that are not an ARC header line (resync on the
//! next line that is one).

use crate::decode::{self, Headers};
use crate::reader::{ByteReader, LineEnd};
use crate::warc::{Framing, RawRecord, Scan, Step};
use std::io::{self, Read};

/// The name of this source, written to [`garbell_core::Document::source`].
pub const SOURCE_NAME: &str = "arc";

/// Longest ARC header line.
const MAX_HEADER_LINE: usize = 64 << 10;

/// The WARC type given to the file header record (skipped `arc_filedesc`).
pub(crate) const FILEDESC_TYPE: &str = "arc-filedesc";

/// The fields of one ARC header line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HeaderLine {
    pub(crate) url: String,
    pub(crate) ip: String,
    pub(crate) date: String,
    pub(crate) content_type: String,
    pub(crate) length: u64,
}

/// A plausible archive date: 8 to 17 digits (`YYYYMMDD[hhmmss[mmm]]`).
fn is_date(t: &str) -> bool {
    (8..=17).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_digit())
}

/// Parses an ARC header line (without its line end); `None` when it is not one.
pub(crate) fn parse_header_line(line: &[u8]) -> Option<HeaderLine> {
    let line = std::str::from_utf8(decode::trim_eol(line)).ok()?;
    let tokens: Vec<&str> = line.split(' ').filter(|t| !t.is_empty()).collect();
    let n = tokens.len();
    if n < 5 {
        return None;
    }
    let length = tokens[n - 1].parse::<u64>().ok()?;
    // Version 2: ten fields, the date third.
    let (url, rest) = if n == 10 && is_date(tokens[2]) {
        (tokens[0].to_string(), &tokens[1..4])
    } else {
        (tokens[..n - 4].join(" "), &tokens[n - 4..n - 1])
    };
    let scheme_end = url.find(':')?;
    let scheme = &url[..scheme_end];
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || !is_date(rest[1]) {
        return None;
    }
    Some(HeaderLine {
        url,
        ip: rest[0].to_string(),
        date: rest[1].to_string(),
        content_type: rest[2].to_string(),
        length,
    })
}

/// An archive date as ISO 8601 (`19961104142103` → `1996-11-04T14:21:03Z`); other lengths are
/// completed with zeros from the left-most missing field, as far as the seconds.
fn iso_date(d: &str) -> String {
    let mut digits: String = d.chars().take(14).collect();
    while digits.len() < 14 {
        digits.push('0');
    }
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &digits[0..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..10],
        &digits[10..12],
        &digits[12..14]
    )
}

/// True for the start of ARC data: a URI scheme followed by `:` (possibly after blank lines).
pub(crate) fn looks_like_arc(b: &[u8]) -> bool {
    if b.first().is_some_and(|&c| c == b'\r' || c == b'\n') {
        return true;
    }
    let scheme = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        .count();
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && (b.get(scheme) == Some(&b':') || scheme == b.len())
}

/// Consumes whole lines until the next one that is an ARC header line (left unconsumed),
/// reading at most about `limit` bytes.
fn skip_to_header_line<R: Read>(r: &mut ByteReader<R>, limit: u64) -> io::Result<Scan> {
    let start = r.pos();
    loop {
        if r.pos() - start > limit {
            return Ok(Scan::Limit);
        }
        match r.line_end(MAX_HEADER_LINE)? {
            LineEnd::Eof => return Ok(Scan::Eof),
            LineEnd::Found(n) | LineEnd::Last(n) => {
                if parse_header_line(&r.buffered()[..n]).is_some() {
                    return Ok(Scan::Found);
                }
                r.consume_bytes(n);
            }
            LineEnd::TooLong => {
                r.skip_line()?;
            }
        }
    }
}

/// Reads the next ARC record from a decompressed stream, blank lines already skipped; the
/// counterpart of the WARC reader's framing, with the same contract (see [`Step`]).
pub(crate) fn next_record<R: Read>(r: &mut ByteReader<R>, f: Framing) -> io::Result<Step> {
    let offset = r.pos();
    let invalid = |r: &mut ByteReader<R>, message: String| -> io::Result<Step> {
        Ok(skip_to_header_line(r, f.scan_limit)?.invalid(offset, message))
    };
    let line = match r.line_end(MAX_HEADER_LINE)? {
        LineEnd::Eof => return Ok(Step::End),
        LineEnd::Found(n) => {
            let parsed = parse_header_line(&r.buffered()[..n]);
            match parsed {
                Some(h) => {
                    r.consume_bytes(n);
                    h
                }
                None => {
                    let b = r.buffered();
                    let shown = String::from_utf8_lossy(&b[..b.len().min(n).min(60)]).into_owned();
                    r.consume_bytes(n);
                    return invalid(r, format!("expected an ARC header line, found {shown:?}"));
                }
            }
        }
        LineEnd::Last(_) => {
            return Ok(Step::Truncated {
                offset,
                message: "stream ends inside an ARC header line".into(),
            })
        }
        LineEnd::TooLong => {
            r.skip_line()?;
            return invalid(r, "ARC header line too long".into());
        }
    };
    let filedesc = line.url.starts_with("filedesc:");
    if line.length > f.max {
        if f.skip_large && r.skip(line.length)? < line.length {
            return Ok(Step::Truncated {
                offset,
                message: "stream ends inside an ARC record".into(),
            });
        }
        return Ok(Step::TooLarge {
            offset,
            length: line.length,
            warc_type: "ARC".into(),
        });
    }
    let mut block = Vec::with_capacity(usize::try_from(line.length.min(1 << 20)).unwrap_or(0));
    if r.read_into(line.length, &mut block)? < line.length {
        return Ok(Step::Truncated {
            offset,
            message: format!(
                "stream ends inside an ARC record ({} of {} bytes)",
                block.len(),
                line.length
            ),
        });
    }
    let (warc_type, content_type) = if filedesc {
        (FILEDESC_TYPE, line.content_type.clone())
    } else if block.starts_with(b"HTTP/") {
        ("response", "application/http; msgtype=response".to_string())
    } else {
        ("resource", line.content_type.clone())
    };
    let headers = Headers(vec![
        ("WARC-Type".into(), warc_type.into()),
        ("WARC-Target-URI".into(), line.url),
        ("WARC-Date".into(), iso_date(&line.date)),
        ("Content-Type".into(), content_type),
        ("ARC-IP-Address".into(), line.ip),
    ]);
    Ok(Step::Record(offset, RawRecord { headers, block }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        let h = parse_header_line(
            b"http://www.dryswamp.edu:80/index.html 127.10.100.2 19961104142103 text/html 202\n",
        )
        .unwrap();
        assert_eq!(h.url, "http://www.dryswamp.edu:80/index.html");
        assert_eq!(
            (h.ip.as_str(), h.date.as_str(), h.content_type.as_str()),
            ("127.10.100.2", "19961104142103", "text/html")
        );
        assert_eq!(h.length, 202);
        // Version 2.
        let h = parse_header_line(
            b"http://a.org/ 1.2.3.4 20010101000000 text/html 200 abc123 - 0 x.arc 55\r\n",
        )
        .unwrap();
        assert_eq!((h.url.as_str(), h.length), ("http://a.org/", 55));
        assert_eq!(h.content_type, "text/html");
        // A URL with spaces.
        let h = parse_header_line(b"http://a.org/a b.html 1.2.3.4 19990101 text/html 3").unwrap();
        assert_eq!(h.url, "http://a.org/a b.html");
        for bad in [
            &b"WARC/1.0"[..],
            b"hello world this is text 12",
            b"http://a.org/ 1.2.3.4 notadate text/html 3",
            b"http://a.org/ 1.2.3.4 19990101 text/html x",
            b"",
        ] {
            assert_eq!(parse_header_line(bad), None, "{bad:?}");
        }
        assert_eq!(iso_date("19961104142103"), "1996-11-04T14:21:03Z");
        assert_eq!(iso_date("19961104"), "1996-11-04T00:00:00Z");
        assert!(looks_like_arc(b"filedesc://x"));
        assert!(looks_like_arc(b"http"));
        assert!(!looks_like_arc(b"\x00\x01"));
    }
}
