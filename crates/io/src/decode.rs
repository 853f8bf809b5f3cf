//! Payload decoding for web records: HTTP message parsing, de-chunking, content-encoding
//! decompression (capped) and charset detection and decoding.
//!
//! The encoding of an HTML body is, in this order of precedence (the HTML standard's, with
//! detection as the last step, as browsers do): a byte-order mark; the `charset` of the HTTP
//! `Content-Type`; a `<meta>` declaration found by the standard's prescan of the first 1024
//! bytes; detection from the bytes (valid UTF-8, else `chardetng`). Plain text skips the
//! prescan.

use encoding_rs::{DecoderResult, Encoding, UTF_8};
use std::io::Read;

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

/// Where the encoding used to decode a document came from, in order of precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharsetSource {
    /// A byte-order mark (UTF-8, UTF-16LE, UTF-16BE).
    Bom,
    /// The `charset` parameter of the HTTP (or WARC record) `Content-Type`.
    Header,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` found by the HTML prescan.
    Meta,
    /// Detected from the bytes: valid UTF-8 (including pure ASCII), else `chardetng`'s guess.
    Detected,
}

impl CharsetSource {
    /// The name written to a document's `meta.charset_source`.
    pub fn as_str(self) -> &'static str {
        match self {
            CharsetSource::Bom => "bom",
            CharsetSource::Header => "header",
            CharsetSource::Meta => "meta",
            CharsetSource::Detected => "detected",
        }
    }
}

/// Bytes of a body given to the detector at most.
const DETECT_BYTES: usize = 256 << 10;

/// The encoding of an HTML body: byte-order mark, else the declared one (`charset` of the
/// `Content-Type`), else the HTML prescan of the first 1024 bytes ([`meta_charset`]), else
/// detection from the bytes ([`detect`], with the URL's top-level domain as a hint).
pub(crate) fn html_encoding(
    body: &[u8],
    declared: Option<&'static Encoding>,
    url: Option<&str>,
) -> (&'static Encoding, CharsetSource) {
    body_encoding(body, declared, url, true)
}

/// The encoding of a plain-text body: byte-order mark, else the declared one, else detection.
pub(crate) fn text_encoding(
    body: &[u8],
    declared: Option<&'static Encoding>,
    url: Option<&str>,
) -> (&'static Encoding, CharsetSource) {
    body_encoding(body, declared, url, false)
}

fn body_encoding(
    body: &[u8],
    declared: Option<&'static Encoding>,
    url: Option<&str>,
    prescan: bool,
) -> (&'static Encoding, CharsetSource) {
    if let Some((enc, _)) = Encoding::for_bom(body) {
        (enc, CharsetSource::Bom)
    } else if let Some(enc) = declared {
        (enc, CharsetSource::Header)
    } else if let Some(enc) = meta_charset(body).filter(|_| prescan) {
        (enc, CharsetSource::Meta)
    } else {
        (detect(body, url), CharsetSource::Detected)
    }
}

/// Detects the encoding of undeclared bytes: UTF-8 when they are UTF-8 (see [`is_utf8`]),
/// else the guess of `chardetng` (Mozilla's detector for legacy web content, as used by
/// Firefox) over the first 256 KiB, hinted by the URL's top-level domain.
pub(crate) fn detect(body: &[u8], url: Option<&str>) -> &'static Encoding {
    if is_utf8(body) {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let cut = body.len().min(DETECT_BYTES);
    let input = detector_input(&body[..cut]);
    detector.feed(&input, cut == body.len());
    let tld = url.and_then(tld);
    detector.guess(
        tld.as_deref().map(str::as_bytes),
        chardetng::Utf8Detection::Deny,
    )
}

/// True for the bytes of the "plain ASCII" runs [`detector_input`] shortens: printable ASCII,
/// tab, line feed and carriage return (not the other controls, not ESC, which starts
/// ISO-2022 sequences).
fn plain_ascii(b: u8) -> bool {
    matches!(b, 0x20..=0x7e | b'\t' | b'\n' | b'\r')
}

/// True for the white-space bytes at which [`detector_input`] cuts a run.
fn ascii_space(b: &u8) -> bool {
    matches!(*b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The bytes given to `chardetng`: `bytes` without the middle of its long plain-ASCII runs
/// (markup, mostly, on an HTML page), which cost the detector as much per byte as text but
/// cannot change its guess.
///
/// In a run of plain ASCII (see [`plain_ascii`]) whose first white-space byte at or after its
/// third byte is `f` and whose last white-space byte is `l > f`, the bytes after `f` up to and
/// including `l` are left out. Why the guess is the same (chardetng 1.0's candidates, read
/// one by one): every candidate scores a byte only with a non-ASCII neighbour (pairs of
/// ASCII bytes score nothing: the single-byte candidates skip "ASCII pairs", the CJK ones
/// score ASCII only next to a CJK character), and the state each keeps after two ASCII bytes
/// and a white-space byte is the same whatever came before them: previous class "space",
/// case state "space", current word length 0, no pending score, ordinal state "space", the
/// multi-byte decoders in their ground state (two ASCII bytes end any pending sequence). The
/// byte after `f` and the byte after `l` are thus fed to the same state, and the left-out
/// bytes added nothing. Counters that only grow on non-ASCII bytes (longest word, plausible
/// punctuation, non-ASCII seen) do not move in between. Checked on the charset_eval set
/// (same encoding chosen for all 681 pages, with and without the TLD hint) and by the tests.
pub(crate) fn detector_input(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut out: Vec<u8> = Vec::new();
    let mut copied = 0; // bytes[..copied] are accounted for in `out`.
    let mut i = 0;
    while i < bytes.len() {
        if !plain_ascii(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && plain_ascii(bytes[i]) {
            i += 1;
        }
        let run = &bytes[start..i];
        let Some(first) = run.iter().skip(2).position(ascii_space).map(|p| p + 2) else {
            continue;
        };
        let Some(last) = run.iter().rposition(ascii_space) else {
            continue;
        };
        if last <= first + MIN_LEFT_OUT {
            continue;
        }
        if out.is_empty() {
            out.reserve(bytes.len() / 2);
        }
        out.extend_from_slice(&bytes[copied..start + first + 1]);
        copied = start + last + 1;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(bytes);
    }
    out.extend_from_slice(&bytes[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Runs shorter than this are kept whole by [`detector_input`] (copying costs more than it
/// saves).
const MIN_LEFT_OUT: usize = 8;

/// True when `body` is UTF-8: valid, or with an incomplete character at its very end (a
/// payload cut by the crawler), or with stray invalid sequences among many valid multi-byte
/// characters (at least 16 for each invalid one: text in a legacy single-byte encoding almost
/// never forms valid multi-byte sequences, so one of its accented letters in 16 would have to).
pub(crate) fn is_utf8(body: &[u8]) -> bool {
    let head = &body[..body.len().min(DETECT_BYTES)];
    let Err(e) = std::str::from_utf8(head) else {
        return true;
    };
    if e.error_len().is_none() {
        return true; // Only an incomplete sequence at the end.
    }
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut chunks = head.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        valid += chunk.valid().bytes().filter(|&b| b >= 0xc0).count();
        let bad = chunk.invalid();
        let at_end = chunks.peek().is_none() && head.ends_with(bad);
        let cut_char = at_end && bad.len() < 4 && bad.first().is_some_and(|&b| b >= 0xc2);
        if !bad.is_empty() && !cut_char {
            invalid += 1;
        }
    }
    invalid == 0 || valid >= 16 * invalid
}

/// The top-level domain of a URL's host, lowercased (`http://www.example.cz:80/` → `cz`).
fn tld(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next()?.trim_end_matches('.');
    let label = host.rsplit('.').next()?;
    (!label.is_empty() && !label.bytes().all(|b| b.is_ascii_digit()))
        .then(|| label.to_ascii_lowercase())
}

/// How far into the body the HTML prescan looks (the HTML standard's 1024 bytes).
const PRESCAN_BYTES: usize = 1024;

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// The encoding declared by a `<meta charset=...>` or `<meta http-equiv="Content-Type"
/// content="...; charset=...">` in the first 1024 bytes of `body`, found by the HTML standard's
/// "prescan a byte stream to determine its encoding" algorithm (comments and other tags'
/// attributes are skipped, so a `charset=` inside them is not taken). UTF-16 declarations are
/// read as UTF-8 and `x-user-defined` as windows-1252, as the standard says.
pub(crate) fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let b = &body[..body.len().min(PRESCAN_BYTES)];
    let n = b.len();
    let mut pos = 0;
    while pos < n {
        let rest = &b[pos..];
        if rest.starts_with(b"<!--") {
            pos = memchr::memmem::find(&b[pos + 2..], b"-->").map(|k| pos + 2 + k + 3)?;
            continue;
        }
        if rest.len() >= 6
            && rest[..5].eq_ignore_ascii_case(b"<meta")
            && (is_space(rest[5]) || rest[5] == b'/')
        {
            pos += 6;
            if let Some(enc) = prescan_meta(b, &mut pos)? {
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
            continue;
        }
        let tag_start = rest.len() >= 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)));
        if tag_start {
            pos += 1;
            while pos < n && !is_space(b[pos]) && b[pos] != b'>' {
                pos += 1;
            }
            while get_attribute(b, &mut pos)?.is_some() {}
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            pos = memchr::memchr(b'>', &b[pos..]).map(|k| pos + k + 1)?;
            continue;
        }
        pos += 1;
    }
    None
}

/// The attributes of a `<meta` tag (the prescan's steps for it): `Some(Some(enc))` when it
/// declares an encoding, `Some(None)` when it does not, `None` when the input ends first.
fn prescan_meta(b: &[u8], pos: &mut usize) -> Option<Option<&'static Encoding>> {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    let mut charset: Option<&'static Encoding> = None;
    while let Some((name, value)) = get_attribute(b, pos)? {
        if seen.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" if value == b"content-type" => got_pragma = true,
            b"content" if charset.is_none() => {
                if let Some(enc) = charset_from_content(&value) {
                    charset = Some(enc);
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Encoding::for_label(&value);
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.push(name);
    }
    Some(match need_pragma {
        None => None,
        Some(true) if !got_pragma => None,
        _ => charset,
    })
}

/// The standard's "get an attribute": the next attribute's lowercased name and value at
/// `pos`; `Some(None)` at the end of the tag; `None` when the input ends first.
fn get_attribute(b: &[u8], pos: &mut usize) -> Option<Option<(Vec<u8>, Vec<u8>)>> {
    let n = b.len();
    while *pos < n && (is_space(b[*pos]) || b[*pos] == b'/') {
        *pos += 1;
    }
    if *pos >= n {
        return None;
    }
    if b[*pos] == b'>' {
        return Some(None);
    }
    let mut name = Vec::new();
    let mut value = Vec::new();
    loop {
        let c = *b.get(*pos)?;
        if c == b'=' && !name.is_empty() {
            *pos += 1;
            break;
        }
        if is_space(c) {
            while *pos < n && is_space(b[*pos]) {
                *pos += 1;
            }
            if *b.get(*pos)? != b'=' {
                return Some(Some((name, value)));
            }
            *pos += 1;
            break;
        }
        if c == b'/' || c == b'>' {
            return Some(Some((name, value)));
        }
        name.push(c.to_ascii_lowercase());
        *pos += 1;
    }
    while *pos < n && is_space(b[*pos]) {
        *pos += 1;
    }
    let c = *b.get(*pos)?;
    if c == b'"' || c == b'\'' {
        *pos += 1;
        loop {
            let d = *b.get(*pos)?;
            *pos += 1;
            if d == c {
                return Some(Some((name, value)));
            }
            value.push(d.to_ascii_lowercase());
        }
    }
    if c == b'>' {
        return Some(Some((name, value)));
    }
    loop {
        let d = *b.get(*pos)?;
        if is_space(d) || d == b'>' {
            return Some(Some((name, value)));
        }
        value.push(d.to_ascii_lowercase());
        *pos += 1;
    }
}

/// The standard's "extract a character encoding from a meta element" (a `content` value).
fn charset_from_content(v: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    loop {
        pos += memchr::memmem::find(&v[pos..], b"charset")? + 7;
        while pos < v.len() && is_space(v[pos]) {
            pos += 1;
        }
        if v.get(pos) == Some(&b'=') {
            pos += 1;
            break;
        }
    }
    while pos < v.len() && is_space(v[pos]) {
        pos += 1;
    }
    let rest = &v[pos..];
    match rest.first() {
        Some(&q @ (b'"' | b'\'')) => {
            let end = memchr::memchr(q, &rest[1..])?;
            Encoding::for_label(&rest[1..=end])
        }
        Some(_) => {
            let end = rest
                .iter()
                .position(|&c| is_space(c) || c == b';')
                .unwrap_or(rest.len());
            Encoding::for_label(&rest[..end])
        }
        None => None,
    }
}

/// Decodes `bytes` from `encoding` into UTF-8 (a byte-order mark overrides the encoding). Every
/// malformed sequence becomes U+FFFD; returns the text and how many there were.
pub(crate) fn decode(bytes: &[u8], encoding: &'static Encoding) -> (String, usize) {
    let (text, bad) = decode_borrowed(bytes, encoding);
    (text.into_owned(), bad)
}

/// [`decode`], borrowing `bytes` when they are valid UTF-8 already (no copy of the page).
pub(crate) fn decode_borrowed<'a>(
    bytes: &'a [u8],
    encoding: &'static Encoding,
) -> (std::borrow::Cow<'a, str>, usize) {
    if encoding == UTF_8 {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        if Encoding::for_bom(bytes).is_none() {
            return crate::reader::utf8_lossy_counted(bytes);
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
    (out.into(), bad)
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
        let mut late = vec![b' '; 1020];
        late.extend_from_slice(b"<meta charset=koi8-r>");
        assert_eq!(meta_charset(&late), None, "past the first 1024 bytes");
        // The prescan skips comments and other tags' attributes.
        assert_eq!(
            meta_charset(b"<!-- <meta charset=koi8-r> --><meta charset=iso-8859-2>"),
            Some(encoding_rs::ISO_8859_2)
        );
        assert_eq!(
            meta_charset(b"<div title='<meta charset=koi8-r>'><meta charset=\"windows-1251\">"),
            Some(encoding_rs::WINDOWS_1251)
        );
        // `content` without `http-equiv=content-type` declares nothing.
        assert_eq!(
            meta_charset(b"<meta name=x content=\"text/html; charset=koi8-r\">"),
            None
        );
        assert_eq!(
            meta_charset(
                b"<meta content='text/html;charset = \"windows-1253\"' http-equiv=Content-Type>"
            ),
            Some(encoding_rs::WINDOWS_1253)
        );
        assert_eq!(
            meta_charset(b"<meta charset=x-user-defined>"),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(
            meta_charset(b"<meta charset=\"koi8-r"),
            None,
            "cut inside the tag"
        );
        assert_eq!(meta_charset(b"<metadata charset=koi8-r>"), None);
    }

    #[test]
    fn precedence_and_detection() {
        let cp1250 = b"<p>P\xf8\xedli\x9a \x9elu\x9dou\xe8k\xfd k\xf9\xf2 \xfap\xecl \xef\xe1belsk\xe9 \xf3dy. \
            \xc8e\x9atina se p\xed\x9ae latinkou s h\xe1\xe8ky a \xe8\xe1rkami.</p>";
        assert_eq!(
            html_encoding(cp1250, None, None),
            (encoding_rs::WINDOWS_1250, CharsetSource::Detected)
        );
        let mut with_meta = b"<meta charset=iso-8859-2>".to_vec();
        with_meta.extend_from_slice(cp1250);
        assert_eq!(
            html_encoding(&with_meta, None, None),
            (encoding_rs::ISO_8859_2, CharsetSource::Meta)
        );
        assert_eq!(
            html_encoding(&with_meta, Some(encoding_rs::WINDOWS_1250), None),
            (encoding_rs::WINDOWS_1250, CharsetSource::Header)
        );
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice(&with_meta);
        assert_eq!(
            html_encoding(&bom, Some(encoding_rs::WINDOWS_1250), None),
            (UTF_8, CharsetSource::Bom)
        );
        assert_eq!(
            text_encoding(b"plain ascii", None, None),
            (UTF_8, CharsetSource::Detected)
        );
        // UTF-8 cut inside a character, or with one stray byte among many letters.
        let mut cut = "žluťoučký kůň ".repeat(3).into_bytes();
        cut.pop();
        assert!(is_utf8(&cut));
        let mut stray = "žluťoučký kůň ".repeat(10).into_bytes();
        stray.push(0xff);
        stray.extend_from_slice(" úpěl".as_bytes());
        assert!(is_utf8(&stray));
        assert!(!is_utf8(cp1250));
        // Russian in KOI8-R with a .ru hint (the guess may be KOI8-U, which decodes Russian
        // the same).
        let ru = "Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая \
                  электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.";
        let (koi, _, _) = encoding_rs::KOI8_R.encode(ru);
        let (text, bad) = decode(&koi, detect(&koi, Some("http://example.ru/x")));
        assert_eq!((text.as_str(), bad), (ru, 0));
        assert_eq!(
            tld("https://user@www.Example.CZ.:8080/a?b").as_deref(),
            Some("cz")
        );
        assert_eq!(tld("http://192.168.0.1/"), None);
    }

    /// chardetng's guess over every byte, as `detect` fed it before [`detector_input`].
    fn full_guess(bytes: &[u8], tld: Option<&[u8]>) -> &'static Encoding {
        let mut d = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        d.feed(bytes, true);
        d.guess(tld, chardetng::Utf8Detection::Deny)
    }

    fn short_guess(bytes: &[u8], tld: Option<&[u8]>) -> &'static Encoding {
        let mut d = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        d.feed(&detector_input(bytes), true);
        d.guess(tld, chardetng::Utf8Detection::Deny)
    }

    const TLDS: [Option<&[u8]>; 9] = [
        None,
        Some(b"cz"),
        Some(b"hu"),
        Some(b"lt"),
        Some(b"ru"),
        Some(b"gr"),
        Some(b"jp"),
        Some(b"cn"),
        Some(b"kr"),
    ];

    #[test]
    fn detector_input_leaves_out_only_the_middle_of_long_ascii_runs() {
        let page = b"<p class=\"a b c\">\xe8as  <a href=\"x y z\">ok</a> \xe1\xe9</p>";
        let short = detector_input(page);
        assert!(short.len() < page.len());
        // Every non-ASCII byte stays, in order, with its ASCII neighbours.
        let high = |b: &[u8]| {
            b.iter()
                .filter(|&&b| b >= 0x80)
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(high(&short), high(page));
        assert!(short.starts_with(b"<p "));
        // `\xe8as  <a href="x y z">ok</a> \xe1`: kept up to the first space after two
        // bytes, then from after the last space.
        assert!(short.ends_with(b"\xe8as \xe1\xe9</p>"));
        // Short runs and runs without two spaces are kept whole (borrowed).
        let plain = b"\xe8abc def\xe9 xyzxyzxyzxyzxyz";
        assert!(matches!(
            detector_input(plain),
            std::borrow::Cow::Borrowed(_)
        ));
        // ESC and other controls end a run.
        let esc = b"\xe8 aaaa bbbb cccc dddd \x1b eeee ffff gggg hhhh iiii \xe9";
        let short = detector_input(esc);
        assert!(short.contains(&0x1b));
    }

    #[test]
    fn detector_input_gives_the_same_guess_on_real_languages() {
        let texts: [(&str, &[&'static Encoding]); 9] = [
            (
                "Příliš žluťoučký kůň úpěl ďábelské ódy. Zvláštní čtvrť, šťastný řidič.",
                &[encoding_rs::WINDOWS_1250, encoding_rs::ISO_8859_2],
            ),
            (
                "Árvíztűrő tükörfúrógép. Öt szép szűz lány őrült írót nyúz.",
                &[encoding_rs::WINDOWS_1250, encoding_rs::ISO_8859_2],
            ),
            (
                "Įlinkdama fechtuotojo špaga sublykčiojusi pragręžė apvalų arbūzą.",
                &[encoding_rs::WINDOWS_1257, encoding_rs::ISO_8859_13],
            ),
            (
                "Съешь же ещё этих мягких французских булок, да выпей чаю.",
                &[
                    encoding_rs::WINDOWS_1251,
                    encoding_rs::KOI8_R,
                    encoding_rs::IBM866,
                    encoding_rs::ISO_8859_5,
                ],
            ),
            (
                "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Γαζέες καὶ μυρτιὲς.",
                &[encoding_rs::WINDOWS_1253, encoding_rs::ISO_8859_7],
            ),
            (
                "Falsches Üben von Xylophonmusik quält jeden größeren Zwerg. Façade, naïve, señor.",
                &[encoding_rs::WINDOWS_1252],
            ),
            (
                "いろはにほへと ちりぬるを わかよたれそ つねならむ 日本語の文章です。",
                &[encoding_rs::SHIFT_JIS, encoding_rs::EUC_JP],
            ),
            (
                "我能吞下玻璃而不伤身体。中文网页的编码。",
                &[encoding_rs::GBK, encoding_rs::BIG5],
            ),
            (
                "다람쥐 헌 쳇바퀴에 타고파. 한국어 웹 페이지입니다.",
                &[encoding_rs::EUC_KR],
            ),
        ];
        let mut checked = 0;
        for (text, encodings) in texts {
            for &enc in encodings {
                let (bytes, _, _) = enc.encode(text);
                // The text cut into pieces and wrapped in markup of varying lengths.
                for variant in 0..6usize {
                    let mut page =
                        b"<!DOCTYPE html>\n<html><head><title>t</title></head><body>\n".to_vec();
                    for (i, piece) in bytes.chunks(7 + variant * 5).enumerate() {
                        match (i + variant) % 4 {
                            0 => page.extend_from_slice(b" <div class=\"content main\" id=\"x\"> "),
                            1 => page
                                .extend_from_slice(b"</p>\n  <p>some ASCII words IV 3 N. Mr x, "),
                            2 => page.extend_from_slice(b"<a href=\"http://example.com/a b\">"),
                            _ => {}
                        }
                        page.extend_from_slice(piece);
                    }
                    page.extend_from_slice(b"\n</body></html>\n");
                    for tld in TLDS {
                        assert_eq!(
                            short_guess(&page, tld).name(),
                            full_guess(&page, tld).name(),
                            "{} {text:?} variant {variant} tld {tld:?}",
                            enc.name()
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 500);
    }

    #[test]
    fn detector_input_gives_the_same_guess_on_random_bytes() {
        // Byte soups mixing ASCII words, spaces, markup and bytes of every legacy range: a
        // deterministic generator, many shapes of runs around non-ASCII bytes.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pieces: [&[u8]; 10] = [
            b" ", b"  ", b"\n", b"ab", b"XY", b"IV", b"N.", b"3", b"<p>", b", ",
        ];
        for case in 0..400 {
            let mut page = Vec::new();
            let len = 20 + (next() % 400) as usize;
            while page.len() < len {
                let r = next();
                match r % 5 {
                    0 | 1 => page.extend_from_slice(pieces[(r >> 8) as usize % pieces.len()]),
                    2 => page.push(0x80 | (r >> 8) as u8),
                    3 => {
                        for _ in 0..(r >> 8) % 30 {
                            page.push(b"abc deXY,.<>=\" \n"[(next() % 16) as usize]);
                        }
                    }
                    _ => page.push((r >> 8) as u8),
                }
            }
            for tld in TLDS {
                assert_eq!(
                    short_guess(&page, tld).name(),
                    full_guess(&page, tld).name(),
                    "case {case} tld {tld:?}: {page:?}"
                );
            }
        }
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
