//! Payload decoding for web records: HTTP message parsing, de-chunking, content-encoding
//! decompression (capped) and charset detection and decoding.

use encoding_rs::{DecoderResult, Encoding, UTF_8};
use std::io::Read;

/// How far into the body a `<meta charset>` is looked for.
const META_SNIFF_BYTES: usize = 2048;
/// Largest HTTP header block accepted.
const MAX_HTTP_HEADER: usize = 256 << 10;

/// Header fields as written, looked up without regard to case.
#[derive(Debug, Default, Clone)]
pub(crate) struct Headers(pub(crate) Vec<(String, String)>);

impl Headers {
    /// The first value of `name`, trimmed.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Parses `Name: value` lines (continuation lines starting with a space or tab are appended).
    /// Returns `None` on a line without a colon.
    pub(crate) fn parse_lines<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Option<Headers> {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in lines {
            let line = trim_eol(line);
            if line.is_empty() {
                continue;
            }
            if line[0] == b' ' || line[0] == b'\t' {
                if let Some(last) = out.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(String::from_utf8_lossy(line).trim());
                }
                continue;
            }
            let colon = memchr::memchr(b':', line)?;
            let name = String::from_utf8_lossy(&line[..colon]).trim().to_string();
            let value = String::from_utf8_lossy(&line[colon + 1..])
                .trim()
                .to_string();
            out.push((name, value));
        }
        Some(Headers(out))
    }
}

/// Removes a trailing `\n` or `\r\n`.
pub(crate) fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A parsed HTTP response: status, headers and the body as stored.
#[derive(Debug)]
pub(crate) struct HttpResponse<'a> {
    /// Status code (0 when the status line has none).
    pub(crate) status: u16,
    /// Header fields.
    pub(crate) headers: Headers,
    /// The body bytes, still transfer- and content-encoded.
    pub(crate) body: &'a [u8],
}

/// Parses an HTTP response message (status line, headers, blank line, body).
pub(crate) fn parse_http(block: &[u8]) -> Result<HttpResponse<'_>, String> {
    if !block.starts_with(b"HTTP/") {
        let shown = String::from_utf8_lossy(&block[..block.len().min(24)]).into_owned();
        return Err(format!("not an HTTP response: {shown:?}"));
    }
    let window = &block[..block.len().min(MAX_HTTP_HEADER)];
    let crlf = memchr::memmem::find(window, b"\r\n\r\n").map(|i| (i, 4));
    let lf = memchr::memmem::find(window, b"\n\n").map(|i| (i, 2));
    let (head_end, body_start) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            let (i, n) = if a.0 <= b.0 { a } else { b };
            (i, i + n)
        }
        (Some((i, n)), None) | (None, Some((i, n))) => (i, i + n),
        (None, None) if block.len() <= MAX_HTTP_HEADER => (block.len(), block.len()),
        (None, None) => return Err("HTTP header block too long or unterminated".into()),
    };
    let head = &block[..head_end];
    let mut lines = head.split(|&b| b == b'\n');
    let status_line = lines.next().unwrap_or_default();
    let status = String::from_utf8_lossy(status_line)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(0);
    let headers = Headers::parse_lines(lines).ok_or("malformed HTTP header line")?;
    Ok(HttpResponse {
        status,
        headers,
        body: &block[body_start..],
    })
}

/// The media type of a `Content-Type` value, lowercased, without parameters.
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// True for the HTML media types.
pub(crate) fn is_html(media_type: &str) -> bool {
    media_type == "text/html" || media_type == "application/xhtml+xml"
}

/// True when the start of `body` looks like an HTML document (for responses with no
/// `Content-Type`).
pub(crate) fn looks_like_html(body: &[u8]) -> bool {
    let head = &body[..body.len().min(1024)];
    let lower = head.to_ascii_lowercase();
    memchr::memmem::find(&lower, b"<html").is_some()
        || memchr::memmem::find(&lower, b"<!doctype html").is_some()
}

/// The `charset` parameter of a `Content-Type` value.
pub(crate) fn charset_param(content_type: &str) -> Option<&'static Encoding> {
    for param in content_type.split(';').skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        if k.trim().eq_ignore_ascii_case("charset") {
            let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim();
            return Encoding::for_label(v.as_bytes());
        }
    }
    None
}

/// The encoding declared by a `<meta charset=...>` or `<meta http-equiv="Content-Type"
/// content="...; charset=...">` in the first 2 KB of `body`. UTF-16 declarations are read as
/// UTF-8, as browsers do (a document that can be scanned as ASCII is not UTF-16).
pub(crate) fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = body[..body.len().min(META_SNIFF_BYTES)].to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&head[from..], b"<meta") {
        let tag_start = from + i + 5;
        let tag_end =
            memchr::memchr(b'>', &head[tag_start..]).map_or(head.len(), |j| tag_start + j);
        let tag = &head[tag_start..tag_end];
        if let Some(j) = memchr::memmem::find(tag, b"charset") {
            let mut rest = &tag[j + 7..];
            rest = trim_start_ascii(rest);
            if let Some(r) = rest.strip_prefix(b"=") {
                let r = trim_start_ascii(r);
                let r = r
                    .strip_prefix(b"\"")
                    .or_else(|| r.strip_prefix(b"'"))
                    .unwrap_or(r);
                let end = r
                    .iter()
                    .position(|&b| {
                        matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') || b.is_ascii_whitespace()
                    })
                    .unwrap_or(r.len());
                if let Some(enc) = Encoding::for_label(&r[..end]) {
                    return Some(
                        if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                            UTF_8
                        } else if enc == encoding_rs::X_USER_DEFINED {
                            encoding_rs::WINDOWS_1252
                        } else {
                            enc
                        },
                    );
                }
            }
        }
        from = tag_end.min(head.len());
        if from >= head.len() {
            break;
        }
    }
    None
}

fn trim_start_ascii(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

/// Decodes `bytes` from `encoding` into UTF-8 (a byte-order mark overrides the encoding). Every
/// malformed sequence becomes U+FFFD; returns the text and how many there were.
pub(crate) fn decode(bytes: &[u8], encoding: &'static Encoding) -> (String, usize) {
    if encoding == UTF_8 {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        if Encoding::for_bom(bytes).is_none() {
            let (text, bad) = crate::reader::utf8_lossy_counted(bytes);
            return (text.into_owned(), bad);
        }
    }
    let mut decoder = encoding.new_decoder();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(cap);
    let mut src = bytes;
    let mut bad = 0;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(src, &mut out, true);
        src = &src[read..];
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => {
                let more = decoder
                    .max_utf8_buffer_length_without_replacement(src.len())
                    .unwrap_or(src.len())
                    .max(16);
                out.reserve(more);
            }
            DecoderResult::Malformed(_, _) => {
                bad += 1;
                out.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    (out, bad)
}

/// Why a body could not be decoded.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Decoded data exceeds the cap.
    TooLarge,
    /// A content encoding we cannot decode (brotli, ...).
    Unsupported(String),
    /// The data is corrupt.
    Corrupt(String),
}

/// Removes HTTP/1.1 chunked transfer coding. `None` when `body` is not validly chunked (many
/// archives store bodies already de-chunked while keeping the header).
pub(crate) fn dechunk(body: &[u8], max: u64) -> Option<Result<Vec<u8>, BodyError>> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let nl = memchr::memchr(b'\n', &rest[..rest.len().min(1024)])?;
        let line = trim_eol(&rest[..=nl]);
        let hex = line.split(|&b| b == b';').next().unwrap_or_default();
        let hex = std::str::from_utf8(hex).ok()?.trim();
        let size = usize::from_str_radix(hex, 16).ok()?;
        rest = &rest[nl + 1..];
        if size == 0 {
            return Some(Ok(out));
        }
        if rest.len() < size {
            // Truncated body (archives cut long payloads): keep what is there.
            out.extend_from_slice(rest);
            return Some(Ok(out));
        }
        if (out.len() + size) as u64 > max {
            return Some(Err(BodyError::TooLarge));
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size..];
        rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
            .unwrap_or(rest);
        if rest.is_empty() {
            return Some(Ok(out));
        }
    }
}

/// Undoes a `Content-Encoding`. Bodies that do not start like the declared encoding are
/// returned as they are (archives often store decoded bodies under the original header).
/// A truncated compressed body yields what could be decoded.
pub(crate) fn decode_content(
    body: &[u8],
    encoding: &str,
    max: u64,
) -> Result<Option<Vec<u8>>, BodyError> {
    let encoding = encoding.trim().to_ascii_lowercase();
    match encoding.as_str() {
        "" | "identity" | "none" => Ok(None),
        "gzip" | "x-gzip" => {
            if !body.starts_with(&[0x1f, 0x8b]) {
                return Ok(None);
            }
            read_capped(flate2::bufread::MultiGzDecoder::new(body), max).map(Some)
        }
        "deflate" => {
            // Servers send zlib-wrapped or raw deflate under this name.
            let zlib = body.len() >= 2
                && body[0] & 0x0f == 8
                && (u16::from(body[0]) << 8 | u16::from(body[1])) % 31 == 0;
            if zlib {
                read_capped(flate2::bufread::ZlibDecoder::new(body), max).map(Some)
            } else {
                read_capped(flate2::bufread::DeflateDecoder::new(body), max).map(Some)
            }
        }
        "zstd" => {
            if !body.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                return Ok(None);
            }
            let dec = zstd::stream::read::Decoder::with_buffer(body)
                .map_err(|e| BodyError::Corrupt(e.to_string()))?;
            read_capped(dec, max).map(Some)
        }
        other => Err(BodyError::Unsupported(other.to_string())),
    }
}

fn read_capped<R: Read>(mut r: R, max: u64) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => {
                if (out.len() + n) as u64 > max {
                    return Err(BodyError::TooLarge);
                }
                out.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return if out.is_empty() {
                    Err(BodyError::Corrupt(e.to_string()))
                } else {
                    Ok(out)
                };
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn http_response_is_split() {
        let msg = b"HTTP/1.1 200 OK\r\nContent-Type: text/html;\r\n charset=utf-8\r\nX: y\r\n\r\n<p>hi</p>";
        let r = parse_http(msg).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(
            r.headers.get("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(r.body, b"<p>hi</p>");
        let r = parse_http(b"HTTP/1.0 404 Not Found\n\nbody").unwrap();
        assert_eq!((r.status, r.body), (404, &b"body"[..]));
        assert!(parse_http(b"GET / HTTP/1.1\r\n\r\n").is_err());
        assert_eq!(
            parse_http(b"HTTP/1.1 204 No Content\r\n").unwrap().body,
            b""
        );
    }

    #[test]
    fn charsets_from_header_and_meta() {
        assert_eq!(
            charset_param("text/html; Charset=\"ISO-8859-2\""),
            Some(encoding_rs::ISO_8859_2)
        );
        assert_eq!(charset_param("text/html"), None);
        assert_eq!(charset_param("text/html; charset=bogus"), None);
        assert_eq!(
            meta_charset(b"<html><head><META CHARSET='koi8-r'>"),
            Some(encoding_rs::KOI8_R)
        );
        assert_eq!(
            meta_charset(b"<meta name=x><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1250\">"),
            Some(encoding_rs::WINDOWS_1250)
        );
        assert_eq!(meta_charset(b"<meta charset=\"utf-16\">"), Some(UTF_8));
        assert_eq!(meta_charset(b"<p>charset=koi8-r</p>"), None);
        let mut late = vec![b' '; 3000];
        late.extend_from_slice(b"<meta charset=koi8-r>");
        assert_eq!(meta_charset(&late), None);
    }

    #[test]
    fn decoding_counts_malformed_sequences() {
        let (text, bad) = decode(b"\xe8esk\xfd", encoding_rs::WINDOWS_1250);
        assert_eq!((text.as_str(), bad), ("český", 0));
        let (text, bad) = decode(b"\xef\xbb\xbfa\xffb", UTF_8);
        assert_eq!((text.as_str(), bad), ("a\u{fffd}b", 1));
        // A UTF-16 BOM overrides the declared encoding.
        let (text, _) = decode(b"\xff\xfeh\0i\0", encoding_rs::WINDOWS_1252);
        assert_eq!(text, "hi");
        // Shift_JIS with a broken sequence.
        let (_, bad) = decode(b"\x82\xa0\x82", encoding_rs::SHIFT_JIS);
        assert_eq!(bad, 1);
    }

    #[test]
    fn chunked_bodies() {
        let body = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n";
        assert_eq!(dechunk(body, 100).unwrap().unwrap(), b"Wikipedia");
        assert!(dechunk(b"<html>", 100).is_none());
        assert!(matches!(dechunk(body, 5), Some(Err(BodyError::TooLarge))));
        assert_eq!(dechunk(b"a\r\n0123", 100).unwrap().unwrap(), b"0123");
    }

    #[test]
    fn content_encodings() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"<p>hola</p>").unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(
            decode_content(&gz, "gzip", 100).unwrap().unwrap(),
            b"<p>hola</p>"
        );
        assert!(matches!(
            decode_content(&gz, "gzip", 4),
            Err(BodyError::TooLarge)
        ));
        // Truncated: what could be decoded.
        let big: Vec<u8> = (0..20000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut gz2 = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz2.write_all(&big).unwrap();
        let gz2 = gz2.finish().unwrap();
        let part = decode_content(&gz2[..gz2.len() / 2], "gzip", 1 << 20)
            .unwrap()
            .unwrap();
        assert!(!part.is_empty() && big.starts_with(&part));
        // Already decoded although declared.
        assert!(decode_content(b"<p>x</p>", "gzip", 100).unwrap().is_none());
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"abc").unwrap();
        assert_eq!(
            decode_content(&z.finish().unwrap(), "deflate", 100)
                .unwrap()
                .unwrap(),
            b"abc"
        );
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(b"abc").unwrap();
        assert_eq!(
            decode_content(&d.finish().unwrap(), "deflate", 100)
                .unwrap()
                .unwrap(),
            b"abc"
        );
        assert!(matches!(
            decode_content(b"xx", "br", 100),
            Err(BodyError::Unsupported(_))
        ));
        assert!(decode_content(b"x", "identity", 100).unwrap().is_none());
    }
}
