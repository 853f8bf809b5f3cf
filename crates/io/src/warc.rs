//! WARC / WET source: WARC/1.0 and WARC/1.1 files, uncompressed or gzip-compressed, including
//! Common Crawl's layout of one record per gzip member. ARC files ([`crate::arc`]) are read by
//! the same machinery.
//!
//! # Reading
//!
//! Compression is detected by the first bytes (`1f 8b` gzip, `28 b5 2f fd` zstd, anything else
//! is read as uncompressed WARC). A gzip file is read **one member at a time** over a reader that
//! counts compressed bytes, so every record knows the compressed offset of the member it starts
//! in ([`Origin::offset`]); for uncompressed files the offset is the record's own file offset,
//! for zstd files its offset in the decompressed stream.
//!
//! Records of a member are handed out only once the member has been checked to its end (gzip
//! CRC and length), so a member corrupted in its deflate data never yields garbled records: it
//! yields one `gzip_member_corrupt` error at its compressed offset instead. The reader then
//! **resyncs**: it scans forward from the byte after that member's start for the next gzip header
//! (`1f 8b 08`) whose data decodes to a WARC record, and goes on from there, silently passing
//! over false candidates inside the corrupt region. (Members holding many records — a whole file
//! gzipped at once — hand out their records in batches without waiting for the end.)
//!
//! Every loop consumes input, so the iterator always ends: on truncated files, trailing garbage
//! and arbitrary bytes alike. Memory is bounded by [`SourceConfig::max_record_bytes`]: a larger
//! record is skipped (`record_too_large`); when it started its gzip member, the rest of the member
//! is not even decompressed (resync on the compressed bytes), which defuses decompression bombs.
//!
//! # Records
//!
//! | WARC-Type | becomes |
//! | --- | --- |
//! | `conversion` (WET) | a document whose text is the block (UTF-8, decoded lossily) |
//! | `response` with an HTTP message | HTML (`text/html`, `application/xhtml+xml`, or no type but HTML-looking) with a 2xx status: a document; other types: skipped `non_html_content`; other statuses: skipped `http_status_not_2xx` |
//! | `resource`, and `response` whose WARC `Content-Type` is not `application/http` | by that content type: `text/html`/`application/xhtml+xml` → document from HTML, `text/plain` → document, others skipped `non_html_content` |
//! | `warcinfo`, `request`, `metadata`, `revisit`, `continuation` | skipped `warc_<type>` |
//! | anything else | skipped `warc_unknown_type` |
//!
//! HTTP bodies are de-chunked (`Transfer-Encoding: chunked`, when the body is indeed chunked)
//! and decompressed (`Content-Encoding: gzip`, `deflate`, `zstd`; capped at `max_record_bytes`),
//! then decoded to UTF-8 ([`decode_html`]): a byte-order mark, else the charset of the HTTP
//! `Content-Type`, else a `<meta charset>` or `<meta http-equiv="Content-Type">` found by the
//! HTML standard's prescan of the first 1024 bytes, else detected from the bytes (valid UTF-8,
//! else Mozilla's `chardetng` with the URL's top-level domain as a hint); `text/plain` bodies
//! the same without the prescan. The text is then extracted by [`crate::html::html_to_text`]
//! (main content; the source option `html = "plain"` keeps all visible text instead).
//!
//! The document's id is the `WARC-Record-ID` as written (e.g. `<urn:uuid:...>`), or
//! `<file name>/<record index>` without one; its url is `WARC-Target-URI`; its `meta` holds
//! `warc_record_id`, `warc_date`, `warc_type`, `content_type` (the HTTP one for responses),
//! `warc_identified_content_language` and `warc_truncated` when present, `http_status` for
//! responses, `charset` (the encoding used) and `charset_source` (`bom`, `header`, `meta`,
//! `detected`) for HTML and plain text. When decoding replaced invalid byte
//! sequences, the signal `invalid_utf8` counts them (for any source charset).
//! [`Origin::record`] counts every WARC record read, documents and skipped ones alike.
//!
//! # Error kinds
//!
//! | kind | meaning | then |
//! | --- | --- | --- |
//! | `gzip_member_corrupt` | a gzip member (or bytes where one should start) cannot be decompressed: bad header, bad deflate data, CRC mismatch | resync on the next member |
//! | `truncated` | the file ends inside a gzip member or a record (or a gzip member ends inside a record); the complete records decompressed before the cut are kept, also in a file gzipped as one stream | the input ends (the next member) |
//! | `warc_invalid` | bytes that are not a WARC record (bad version line, no Content-Length, header too long) | resync on the next `WARC/1.` line |
//! | `record_too_large` | a record (or decoded body) larger than `max_record_bytes` | next record |
//! | `http_invalid` | a `response` whose block is not an HTTP response | next record |
//! | `content_decode_error` | a body that cannot be decompressed | next record |
//! | `content_encoding_unsupported` | a body in an encoding we cannot decode (e.g. brotli) | next record |
//! | `read_error` / `decompress_error` | reading the file (or its zstd stream) failed | the input ends |

use crate::decode::{self, BodyError, Headers};
use crate::reader::{
    io_error, open_input, utf8_lossy_counted, ByteReader, Compression, LineEnd, OpenedInput,
};
use crate::{Error, Pending, PendingRecords, Record, RecordResult, Records, SourceConfig};
use garbell_core::{Document, Origin, RecordError};
use serde_json::Value;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

/// The name of this source, written to [`Document::source`].
pub const SOURCE_NAME: &str = "warc";

/// Longest WARC header line.
const MAX_HEADER_LINE: usize = 64 << 10;
/// Largest WARC header block.
const MAX_HEADER_BYTES: usize = 1 << 20;
/// Records of a multi-record member held back (waiting for the member's CRC) at most.
const MAX_HELD_RECORDS: usize = 64;
/// Bytes of record blocks (as read, before decoding) held back that way at most.
const MAX_HELD_BYTES: usize = 16 << 20;

/// Opens a WARC or WET input (uncompressed, gzip or zstd, detected by magic bytes) and returns
/// its records.
///
/// Fails only when the file cannot be opened or the configuration is invalid; everything wrong
/// inside the file is a per-record [`RecordError`].
pub fn open(path: &Path, config: &SourceConfig) -> Result<Records, Error> {
    Ok(Box::new(
        open_pending(path, config)?.flat_map(Pending::resolve),
    ))
}

/// [`open`], each record's decoding and HTML extraction deferred to [`Pending::resolve`] (see
/// [`crate::open_source_pending`]).
pub fn open_pending(path: &Path, config: &SourceConfig) -> Result<PendingRecords, Error> {
    let OpenedInput {
        file,
        magic,
        input,
        file_name,
    } = open_input(path, config)?;
    let io_err = io_error(path);
    let compression = Compression::of(&magic);
    let container = container_of(path, compression).map_err(&io_err)?;
    let ctx = Arc::new(Ctx {
        container,
        input,
        file_name,
        max: config.max_record_bytes,
        html: config.html,
    });
    Ok(match compression {
        Compression::Gzip => Box::new(GzWarc {
            state: GzState::Between(ByteReader::new(file, 0)),
            ctx,
            index: 0,
            out: VecDeque::new(),
            resyncing: false,
            spare: Vec::new(),
        }),
        Compression::None => Box::new(PlainWarc::new(file, ctx, "read_error")),
        Compression::Zstd => {
            let dec = zstd::stream::read::Decoder::new(file).map_err(io_err)?;
            Box::new(PlainWarc::new(dec, ctx, "decompress_error"))
        }
    })
}

/// The record container of an input.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Container {
    /// WARC/1.0, WARC/1.1 (and WET).
    Warc,
    /// Internet Archive ARC ([`crate::arc`]).
    Arc,
}

/// Whether `path` holds WARC or ARC records: ARC when its first decompressed bytes are an ARC
/// file header (`filedesc://`), WARC when they are a WARC version line, else by name (`.arc`,
/// `.arc.gz`, `.arc.zst`: ARC; anything else WARC).
fn container_of(path: &Path, compression: Compression) -> io::Result<Container> {
    let file = File::open(path)?;
    let mut head = Vec::with_capacity(16);
    // A start that cannot be decompressed is left to the reader to report.
    let _ = match compression {
        Compression::Gzip => flate2::read::GzDecoder::new(file)
            .take(16)
            .read_to_end(&mut head),
        Compression::Zstd => match zstd::stream::read::Decoder::new(file) {
            Ok(dec) => dec.take(16).read_to_end(&mut head),
            Err(e) => Err(e),
        },
        Compression::None => file.take(16).read_to_end(&mut head),
    };
    if head.starts_with(b"filedesc:") {
        return Ok(Container::Arc);
    }
    if head.starts_with(b"WARC/") {
        return Ok(Container::Warc);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    Ok(if base.ends_with(".arc") {
        Container::Arc
    } else {
        Container::Warc
    })
}

/// What every record of one input shares.
struct Ctx {
    container: Container,
    input: Arc<str>,
    file_name: String,
    max: u64,
    html: crate::HtmlMode,
}

impl Ctx {
    /// The error kind of bytes that are not a record.
    fn invalid_kind(&self) -> &'static str {
        match self.container {
            Container::Warc => "warc_invalid",
            Container::Arc => "arc_invalid",
        }
    }

    fn error(&self, offset: u64, kind: &'static str, message: impl Into<String>) -> RecordError {
        RecordError::new(self.input.as_ref(), offset, kind, message)
    }
}

// ---------------------------------------------------------------------------------------------
// Record framing
// ---------------------------------------------------------------------------------------------

/// A WARC record as read: headers and block.
pub(crate) struct RawRecord {
    pub(crate) headers: Headers,
    pub(crate) block: Vec<u8>,
}

/// One step of reading a decompressed WARC stream.
pub(crate) enum Step {
    /// A complete record starting at this stream offset.
    Record(u64, RawRecord),
    /// A record larger than the cap: its header was read, its block skipped (or not, when
    /// `skipped` is false: the caller must abandon the stream or skip it).
    TooLarge {
        offset: u64,
        length: u64,
        warc_type: String,
    },
    /// Bytes that are not a WARC record; the stream has been advanced past them.
    Invalid { offset: u64, message: String },
    /// The stream ended inside a record.
    Truncated { offset: u64, message: String },
    /// The resync scan went past the limit without finding a record.
    ScanLimit { offset: u64 },
    /// The stream is at its end.
    End,
}

/// Result of skipping blank lines.
enum Blank {
    /// More non-blank data follows.
    More,
    /// The stream ended.
    Eof,
    /// Too much blank data.
    Limit,
}

/// Skips blank lines (`\r\n` between records), reading at most `limit` bytes.
fn skip_blank<R: Read>(r: &mut ByteReader<R>, limit: u64) -> io::Result<Blank> {
    let start = r.pos();
    loop {
        if r.pos() - start > limit {
            return Ok(Blank::Limit);
        }
        if r.ensure(1)? == 0 {
            return Ok(Blank::Eof);
        }
        let avail = r.buffered();
        let n = avail
            .iter()
            .take_while(|&&c| c == b'\r' || c == b'\n')
            .count();
        if n < avail.len() {
            r.consume_bytes(n);
            return Ok(Blank::More);
        }
        r.consume_bytes(n);
    }
}

/// Outcome of a scan for the next header line ([`skip_to_warc_line`], ARC's
/// `skip_to_header_line`).
pub(crate) enum Scan {
    /// A header line is next.
    Found,
    /// The stream ended first.
    Eof,
    /// The scan gave up after its byte limit.
    Limit,
}

impl Scan {
    /// The step for the bytes at `offset` that are not a record, once this scan is done: they
    /// are `Invalid` (the reader resumes at the header line or the end), or the scan gave up.
    pub(crate) fn invalid(self, offset: u64, message: String) -> Step {
        match self {
            Scan::Limit => Step::ScanLimit { offset },
            Scan::Found | Scan::Eof => Step::Invalid { offset, message },
        }
    }
}

/// Consumes whole lines until the next line starting with `WARC/1.` (left unconsumed), reading
/// at most about `limit` bytes.
fn skip_to_warc_line<R: Read>(r: &mut ByteReader<R>, limit: u64) -> io::Result<Scan> {
    let start = r.pos();
    loop {
        if r.pos() - start > limit {
            return Ok(Scan::Limit);
        }
        let n = r.ensure(7)?;
        if n == 0 {
            return Ok(Scan::Eof);
        }
        if r.buffered().starts_with(b"WARC/1.") {
            return Ok(Scan::Found);
        }
        if r.skip_line()? == 0 {
            return Ok(Scan::Eof);
        }
    }
}

/// The limits of one record read ([`next_record`]).
#[derive(Clone, Copy)]
pub(crate) struct Framing {
    /// Largest record accepted, in bytes.
    pub(crate) max: u64,
    /// Bytes scanned at most when resyncing after garbage.
    pub(crate) scan_limit: u64,
    /// The block of a too-large record is skipped by reading it (else it is left in the stream
    /// and the caller abandons it).
    pub(crate) skip_large: bool,
}

/// Reads the next record of `container` from a decompressed stream. `scan_limit` bounds the
/// bytes scanned when resyncing after garbage. `skip_large` says whether the block of a
/// too-large record is to be skipped by reading it (else it is left in the stream and the
/// caller abandons it).
fn next_record<R: Read>(
    container: Container,
    r: &mut ByteReader<R>,
    max: u64,
    scan_limit: u64,
    skip_large: bool,
) -> io::Result<Step> {
    match skip_blank(r, scan_limit)? {
        Blank::Eof => return Ok(Step::End),
        Blank::Limit => return Ok(Step::ScanLimit { offset: r.pos() }),
        Blank::More => {}
    }
    let framing = Framing {
        max,
        scan_limit,
        skip_large,
    };
    match container {
        Container::Warc => next_warc_record(r, framing),
        Container::Arc => crate::arc::next_record(r, framing),
    }
}

/// [`next_record`] for WARC, blank lines already skipped.
fn next_warc_record<R: Read>(r: &mut ByteReader<R>, f: Framing) -> io::Result<Step> {
    let offset = r.pos();
    let invalid = |r: &mut ByteReader<R>, message: String| -> io::Result<Step> {
        Ok(skip_to_warc_line(r, f.scan_limit)?.invalid(offset, message))
    };
    // Version line.
    match r.line_end(MAX_HEADER_LINE)? {
        LineEnd::Found(n) | LineEnd::Last(n) if r.buffered().starts_with(b"WARC/") => {
            r.consume_bytes(n)
        }
        LineEnd::Eof => return Ok(Step::End),
        _ => {
            let shown = escape(&r.buffered()[..r.buffered().len().min(40)]);
            r.skip_line()?;
            return invalid(r, format!("expected a WARC version line, found {shown}"));
        }
    }
    // Header lines up to the blank line.
    let mut lines: Vec<u8> = Vec::with_capacity(1024);
    loop {
        match r.line_end(MAX_HEADER_LINE)? {
            LineEnd::Found(n) => {
                let line = &r.buffered()[..n];
                let blank = decode::trim_eol(line).is_empty();
                if !blank {
                    lines.extend_from_slice(line);
                }
                r.consume_bytes(n);
                if blank {
                    break;
                }
                if lines.len() > MAX_HEADER_BYTES {
                    return invalid(r, "WARC header block too long".into());
                }
            }
            LineEnd::Last(_) | LineEnd::Eof => {
                return Ok(Step::Truncated {
                    offset,
                    message: "stream ends inside a WARC header".into(),
                })
            }
            LineEnd::TooLong => {
                r.skip_line()?;
                return invalid(r, "WARC header line too long".into());
            }
        }
    }
    let Some(headers) = Headers::parse_lines(lines.split_inclusive(|&b| b == b'\n')) else {
        return invalid(r, "malformed WARC header line (no colon)".into());
    };
    let Some(length) = headers
        .get("Content-Length")
        .and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return invalid(r, "missing or invalid Content-Length".into());
    };
    if length > f.max {
        let warc_type = headers.get("WARC-Type").unwrap_or("").to_string();
        if f.skip_large && r.skip(length)? < length {
            return Ok(Step::Truncated {
                offset,
                message: "stream ends inside a WARC record".into(),
            });
        }
        return Ok(Step::TooLarge {
            offset,
            length,
            warc_type,
        });
    }
    // Grown as bytes arrive: a lying Content-Length costs no memory.
    let mut block = Vec::with_capacity(usize::try_from(length.min(1 << 20)).unwrap_or(0));
    if r.read_into(length, &mut block)? < length {
        return Ok(Step::Truncated {
            offset,
            message: format!(
                "stream ends inside a WARC record ({} of {length} bytes)",
                block.len()
            ),
        });
    }
    Ok(Step::Record(offset, RawRecord { headers, block }))
}

/// Printable excerpt of bytes for messages.
fn escape(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

// ---------------------------------------------------------------------------------------------
// Uncompressed (and zstd) streams
// ---------------------------------------------------------------------------------------------

/// Records of an uncompressed (or zstd) WARC stream.
struct PlainWarc<R> {
    r: ByteReader<R>,
    ctx: Arc<Ctx>,
    index: u64,
    io_kind: &'static str,
    done: bool,
}

impl<R: Read> PlainWarc<R> {
    fn new(inner: R, ctx: Arc<Ctx>, io_kind: &'static str) -> Self {
        PlainWarc {
            r: ByteReader::new(inner, 0),
            ctx,
            index: 0,
            io_kind,
            done: false,
        }
    }
}

impl<R: Read> Iterator for PlainWarc<R> {
    type Item = Pending;

    fn next(&mut self) -> Option<Pending> {
        if self.done {
            return None;
        }
        self.next_result()
    }
}

impl<R: Read> PlainWarc<R> {
    fn next_result(&mut self) -> Option<Pending> {
        let at = self.r.pos();
        let step = match next_record(
            self.ctx.container,
            &mut self.r,
            self.ctx.max,
            u64::MAX,
            true,
        ) {
            Ok(step) => step,
            Err(e) => {
                self.done = true;
                return Some(Err(self.ctx.error(at, self.io_kind, e.to_string())).into());
            }
        };
        match step {
            Step::End => {
                self.done = true;
                None
            }
            Step::Truncated { offset, message } => {
                self.done = true;
                Some(Err(self.ctx.error(offset, "truncated", message)).into())
            }
            // Unreachable with an unlimited scan; ends the input all the same.
            Step::ScanLimit { offset } => {
                self.done = true;
                Some(
                    Err(self
                        .ctx
                        .error(offset, self.ctx.invalid_kind(), "no WARC record found"))
                    .into(),
                )
            }
            Step::Invalid { offset, message } => {
                Some(Err(self.ctx.error(offset, self.ctx.invalid_kind(), message)).into())
            }
            Step::TooLarge {
                offset,
                length,
                warc_type,
            } => {
                self.index += 1;
                Some(Err(too_large(&self.ctx, offset, length, &warc_type)).into())
            }
            Step::Record(offset, raw) => {
                let index = self.index;
                self.index += 1;
                Some(deferred_build(&self.ctx, raw, index, offset))
            }
        }
    }
}

fn too_large(ctx: &Ctx, offset: u64, length: u64, warc_type: &str) -> RecordError {
    ctx.error(
        offset,
        "record_too_large",
        format!(
            "{warc_type} record of {length} bytes is larger than max_record_bytes ({})",
            ctx.max
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Gzip, member by member
// ---------------------------------------------------------------------------------------------

type Compressed = ByteReader<File>;
type Member = ByteReader<flate2::bufread::GzDecoder<Compressed>>;

enum GzState {
    /// At a member start (or at bytes where one should start).
    Between(Compressed),
    /// Inside the member starting at compressed offset `offset`.
    InMember {
        offset: u64,
        dec: Box<Member>,
        /// Results of this member not handed out yet (until its CRC is checked), and the size
        /// of their text.
        held: Vec<Pending>,
        held_bytes: usize,
        /// The member's first record has been read.
        started: bool,
    },
    Done,
}

/// Records of a gzip-compressed WARC file.
struct GzWarc {
    state: GzState,
    ctx: Arc<Ctx>,
    index: u64,
    /// Results ready to be handed out.
    out: VecDeque<Pending>,
    /// Looking for the next real member after a corrupt or abandoned one: candidates that do
    /// not decode to a WARC record are passed over silently.
    resyncing: bool,
    /// Decompressed-data buffer kept between members.
    spare: Vec<u8>,
}

impl Iterator for GzWarc {
    type Item = Pending;

    fn next(&mut self) -> Option<Pending> {
        loop {
            if let Some(r) = self.out.pop_front() {
                return Some(r);
            }
            if matches!(self.state, GzState::Done) {
                return None;
            }
            // Every step consumes input or moves to a later offset, so this loop ends.
            self.step();
        }
    }
}

impl GzWarc {
    /// Takes the compressed reader back from a member decoder.
    fn release(&mut self, dec: Box<Member>) -> Compressed {
        let (gz, buf) = (*dec).into_parts();
        self.spare = buf;
        gz.into_inner()
    }

    /// Enters resync mode and moves to the next gzip header at or after compressed offset
    /// `from` (`None`: the reader's position).
    fn resync(&mut self, mut comp: Compressed, from: Option<u64>) {
        self.resyncing = true;
        let at = from.unwrap_or(comp.pos());
        let found = match from {
            Some(p) => comp.seek_to(p).and_then(|()| scan_for_member(&mut comp)),
            None => scan_for_member(&mut comp),
        };
        self.state = match found {
            Ok(true) => GzState::Between(comp),
            Ok(false) => GzState::Done,
            Err(e) => {
                self.out
                    .push_back(Err(self.ctx.error(at, "read_error", e.to_string())).into());
                GzState::Done
            }
        };
    }

    /// The member at `offset` failed with `e`: drops its held results, reports it (unless we
    /// are still looking for a real member) and resyncs from the byte after its start.
    ///
    /// A member cut short by the end of the file (`UnexpectedEof`) is not corrupt: every record
    /// decompressed before the cut is whole (deflate data decodes in order; only the CRC of the
    /// unfinished member cannot be checked), so the held records are handed out, followed by
    /// one `truncated` error, and the input ends (there is nothing after the cut to resync on).
    /// `record_at` is the decompressed offset, within the member, of the record being read.
    fn member_failed(
        &mut self,
        offset: u64,
        dec: Box<Member>,
        held: Vec<Pending>,
        e: &io::Error,
        record_at: u64,
    ) {
        if e.kind() == io::ErrorKind::UnexpectedEof && !self.resyncing {
            self.out.extend(held);
            let message = if record_at == 0 {
                format!("file ends inside a gzip member ({e})")
            } else {
                format!(
                    "file ends inside a gzip member ({e}) at decompressed offset {record_at} \
                     of the member; the complete records before it are kept"
                )
            };
            self.out
                .push_back(Err(self.ctx.error(offset, "truncated", message)).into());
            drop(dec);
            self.state = GzState::Done;
            return;
        }
        if !self.resyncing {
            let (kind, message) = match e.kind() {
                io::ErrorKind::UnexpectedEof => {
                    ("truncated", format!("file ends inside a gzip member ({e})"))
                }
                io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
                    ("gzip_member_corrupt", e.to_string())
                }
                _ => ("gzip_member_corrupt", format!("read error: {e}")),
            };
            self.out
                .push_back(Err(self.ctx.error(offset, kind, message)).into());
        }
        let comp = self.release(dec);
        self.resync(comp, Some(offset + 1));
    }

    /// Hands out what the member held and abandons the rest of it: resyncs on the compressed
    /// bytes after what was decoded (candidates inside the member's own data are passed over).
    fn abandon_member(&mut self, dec: Box<Member>, held: Vec<Pending>, error: RecordError) {
        self.out.extend(held);
        self.out.push_back(Err(error).into());
        let comp = self.release(dec);
        self.resync(comp, None);
    }

    /// One step of the state machine; results go to `self.out`.
    fn step(&mut self) {
        match std::mem::replace(&mut self.state, GzState::Done) {
            GzState::Done => {}
            GzState::Between(comp) => self.start_member(comp),
            GzState::InMember {
                offset,
                dec,
                held,
                held_bytes,
                started,
            } => self.member_step(offset, dec, held, held_bytes, started),
        }
    }

    fn start_member(&mut self, mut comp: Compressed) {
        let offset = comp.pos();
        if let Err(e) = comp.ensure(4) {
            self.out
                .push_back(Err(self.ctx.error(offset, "read_error", e.to_string())).into());
            return;
        }
        let head = comp.buffered();
        if head.is_empty() {
            return; // The end of the file.
        }
        if is_gzip_header(head) {
            let buf = std::mem::take(&mut self.spare);
            let dec = ByteReader::with_buffer(flate2::bufread::GzDecoder::new(comp), 0, buf);
            self.state = GzState::InMember {
                offset,
                dec: Box::new(dec),
                held: Vec::new(),
                held_bytes: 0,
                started: false,
            };
            return;
        }
        if !self.resyncing {
            let shown = escape(&head[..head.len().min(4)]);
            self.out.push_back(
                Err(self.ctx.error(
                    offset,
                    "gzip_member_corrupt",
                    format!("expected a gzip member, found {shown}"),
                ))
                .into(),
            );
        }
        self.resync(comp, Some(offset + 1));
    }

    fn member_step(
        &mut self,
        offset: u64,
        mut dec: Box<Member>,
        mut held: Vec<Pending>,
        mut held_bytes: usize,
        started: bool,
    ) {
        if !started && self.resyncing {
            // A candidate found by scanning is a real member only if it decodes to WARC data.
            match dec.ensure(5) {
                Ok(n) if n == 0 || looks_like_start(self.ctx.container, dec.buffered()) => {
                    self.resyncing = false
                }
                Ok(_) => {
                    let comp = self.release(dec);
                    return self.resync(comp, Some(offset + 1));
                }
                Err(e) => return self.member_failed(offset, dec, held, &e, 0),
            }
        }
        // A too-large record at the start of its member is not decompressed: the rest of the
        // member is abandoned (decompression-bomb guard). Later ones are read through.
        let record_at = dec.pos();
        let step = match next_record(
            self.ctx.container,
            &mut dec,
            self.ctx.max,
            self.ctx.max,
            started,
        ) {
            Ok(step) => step,
            Err(e) => return self.member_failed(offset, dec, held, &e, record_at),
        };
        let result: Pending = match step {
            Step::End => {
                // The decoder reached the member's end: its CRC and size are verified.
                self.out.extend(held);
                let comp = self.release(dec);
                self.state = GzState::Between(comp);
                return;
            }
            Step::Record(_, raw) => {
                let index = self.index;
                self.index += 1;
                held_bytes += raw.block.len();
                deferred_build(&self.ctx, raw, index, offset)
            }
            Step::TooLarge {
                length, warc_type, ..
            } => {
                self.index += 1;
                let error = too_large(&self.ctx, offset, length, &warc_type);
                if !started {
                    return self.abandon_member(dec, held, error);
                }
                Err(error).into()
            }
            Step::ScanLimit { .. } => {
                let error = self.ctx.error(
                    offset,
                    self.ctx.invalid_kind(),
                    "no WARC record within max_record_bytes of decompressed data",
                );
                return self.abandon_member(dec, held, error);
            }
            Step::Invalid { message, .. } => {
                Err(self.ctx.error(offset, self.ctx.invalid_kind(), message)).into()
            }
            // The member ended cleanly inside a record.
            Step::Truncated { message, .. } => {
                Err(self.ctx.error(offset, "truncated", message)).into()
            }
        };
        held.push(result);
        // Reading to the member's end, if it is there, checks its CRC.
        match skip_blank(&mut dec, self.ctx.max) {
            Err(e) => {
                let at = dec.pos();
                self.member_failed(offset, dec, held, &e, at)
            }
            Ok(Blank::Eof) => {
                self.out.extend(held);
                let comp = self.release(dec);
                self.state = GzState::Between(comp);
            }
            Ok(Blank::More | Blank::Limit) => {
                if held.len() >= MAX_HELD_RECORDS || held_bytes >= MAX_HELD_BYTES {
                    self.out.extend(held.drain(..));
                    held_bytes = 0;
                }
                self.state = GzState::InMember {
                    offset,
                    dec,
                    held,
                    held_bytes,
                    started: true,
                };
            }
        }
    }
}

/// True for the start of WARC (or ARC) data, possibly after blank lines.
fn looks_like_start(container: Container, b: &[u8]) -> bool {
    match container {
        Container::Warc => {
            b.starts_with(b"WARC/") || b.first().is_some_and(|&c| c == b'\r' || c == b'\n')
        }
        Container::Arc => crate::arc::looks_like_arc(b),
    }
}

/// True when `b` starts with a gzip member header (deflate, no reserved flags).
fn is_gzip_header(b: &[u8]) -> bool {
    b.len() >= 3
        && b[0] == 0x1f
        && b[1] == 0x8b
        && b[2] == 8
        && b.get(3).is_none_or(|f| f & 0xe0 == 0)
}

/// Advances to the next gzip member header; false when there is none.
fn scan_for_member(r: &mut Compressed) -> io::Result<bool> {
    loop {
        if r.ensure(4)? == 0 {
            return Ok(false);
        }
        match memchr::memchr(0x1f, r.buffered()) {
            None => {
                let n = r.buffered().len();
                r.consume_bytes(n);
            }
            Some(i) => {
                r.consume_bytes(i);
                r.ensure(4)?;
                if is_gzip_header(r.buffered()) {
                    return Ok(true);
                }
                r.consume_bytes(1);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Records to documents
// ---------------------------------------------------------------------------------------------

/// [`build`], deferred to [`Pending::resolve`].
fn deferred_build(ctx: &Arc<Ctx>, raw: RawRecord, index: u64, offset: u64) -> Pending {
    let ctx = Arc::clone(ctx);
    let bytes = raw.block.len();
    Pending::deferred(bytes, move || build(&ctx, raw, index, offset))
}

/// Turns a WARC record into a document, a skip or an error.
fn build(ctx: &Ctx, raw: RawRecord, index: u64, offset: u64) -> RecordResult {
    let h = &raw.headers;
    let warc_type = h.get("WARC-Type").unwrap_or("").to_ascii_lowercase();
    match warc_type.as_str() {
        "conversion" | "response" | "resource" => {}
        "warcinfo" => return Ok(Record::Skipped("warc_warcinfo")),
        "request" => return Ok(Record::Skipped("warc_request")),
        "metadata" => return Ok(Record::Skipped("warc_metadata")),
        "revisit" => return Ok(Record::Skipped("warc_revisit")),
        "continuation" => return Ok(Record::Skipped("warc_continuation")),
        crate::arc::FILEDESC_TYPE => return Ok(Record::Skipped("arc_filedesc")),
        _ => return Ok(Record::Skipped("warc_unknown_type")),
    }
    let err = |kind: &'static str, message: String| Err(ctx.error(offset, kind, message));
    let url = h.get("WARC-Target-URI").map(|u| {
        let u = u.trim();
        u.strip_prefix('<')
            .and_then(|v| v.strip_suffix('>'))
            .unwrap_or(u)
            .to_string()
    });
    let warc_ct = h.get("Content-Type").unwrap_or("");
    let mut meta = serde_json::Map::new();
    let text;
    let invalid;
    let content_type;
    if warc_type == "conversion" {
        let (t, bad) = utf8_lossy_counted(&raw.block);
        text = t.into_owned();
        invalid = bad;
        content_type = warc_ct.to_string();
    } else if warc_type == "response" && decode::media_type(warc_ct) == "application/http" {
        let http = match decode::parse_http(&raw.block) {
            Ok(http) => http,
            Err(message) => return err("http_invalid", message),
        };
        if !(200..300).contains(&http.status) {
            return Ok(Record::Skipped("http_status_not_2xx"));
        }
        let ct = http.headers.get("Content-Type").unwrap_or("");
        let media = decode::media_type(ct);
        let html = if media.is_empty() {
            decode::looks_like_html(http.body)
        } else {
            decode::is_html(&media)
        };
        if !html {
            return Ok(Record::Skipped("non_html_content"));
        }
        let mut body = std::borrow::Cow::Borrowed(http.body);
        let chunked = http
            .headers
            .get("Transfer-Encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            match decode::dechunk(&body, ctx.max) {
                Some(Ok(b)) => body = b.into(),
                Some(Err(e)) => return body_error(ctx, offset, e),
                None => {}
            }
        }
        if let Some(encoding) = http.headers.get("Content-Encoding") {
            match decode::decode_content(&body, encoding, ctx.max) {
                Ok(Some(b)) => body = b.into(),
                Ok(None) => {}
                Err(e) => return body_error(ctx, offset, e),
            }
        }
        let (t, bad, charset, source) = html_body(&body, ct, url.as_deref(), ctx.html);
        text = t;
        invalid = bad;
        content_type = ct.to_string();
        meta.insert("http_status".into(), Value::from(http.status));
        meta.insert("charset".into(), Value::from(charset));
        meta.insert("charset_source".into(), Value::from(source));
    } else {
        let media = decode::media_type(warc_ct);
        if decode::is_html(&media) {
            let (t, bad, charset, source) =
                html_body(&raw.block, warc_ct, url.as_deref(), ctx.html);
            text = t;
            invalid = bad;
            meta.insert("charset".into(), Value::from(charset));
            meta.insert("charset_source".into(), Value::from(source));
        } else if media == "text/plain" {
            let declared = decode::charset_param(warc_ct);
            let (enc, source) = decode::text_encoding(&raw.block, declared, url.as_deref());
            (text, invalid) = decode::decode(&raw.block, enc);
            meta.insert("charset".into(), Value::from(enc.name()));
            meta.insert("charset_source".into(), Value::from(source.as_str()));
        } else {
            return Ok(Record::Skipped("non_html_content"));
        }
        content_type = warc_ct.to_string();
    }

    let id = h
        .get("WARC-Record-ID")
        .map_or_else(|| format!("{}/{index}", ctx.file_name), str::to_string);
    let mut doc = Document::new(
        id,
        text,
        match ctx.container {
            Container::Warc => SOURCE_NAME,
            Container::Arc => crate::arc::SOURCE_NAME,
        },
        Origin::new(ctx.input.clone(), index, offset),
    );
    doc.url = url;
    for (key, header) in [
        ("warc_record_id", "WARC-Record-ID"),
        ("warc_date", "WARC-Date"),
        (
            "warc_identified_content_language",
            "WARC-Identified-Content-Language",
        ),
        ("warc_truncated", "WARC-Truncated"),
        ("arc_ip", "ARC-IP-Address"),
    ] {
        if let Some(v) = h.get(header) {
            meta.insert(key.into(), Value::from(v));
        }
    }
    meta.insert("warc_type".into(), Value::from(warc_type));
    meta.insert("content_type".into(), Value::from(content_type));
    doc.meta = meta.into_iter().collect();
    if invalid > 0 {
        doc.signals.insert("invalid_utf8".into(), invalid as f64);
    }
    Ok(Record::Document(doc))
}

/// An HTML page decoded to UTF-8 by [`decode_html`].
#[derive(Debug, Clone)]
pub struct DecodedHtml {
    /// The markup as UTF-8 (malformed sequences replaced by U+FFFD).
    pub html: String,
    /// How many malformed sequences were replaced.
    pub malformed: usize,
    /// The encoding used (`encoding_rs` name: `UTF-8`, `windows-1250`, `KOI8-R`, ...).
    pub charset: &'static str,
    /// Where it came from: `bom`, `header`, `meta` or `detected`.
    pub charset_source: &'static str,
}

/// Decodes an HTML page's bytes the way the WARC and ARC sources do: byte-order mark, else the
/// `charset` of `content_type` (the HTTP header's), else a `<meta>` declaration found by the
/// HTML standard's prescan of the first 1024 bytes, else detection from the bytes (valid UTF-8,
/// else Mozilla's `chardetng` hinted by the top-level domain of `url`).
///
/// ```
/// // Czech in windows-1250, no declaration anywhere.
/// let page = b"<p>P\xf8\xedli\x9a \x9elu\x9dou\xe8k\xfd k\xf9\xf2 \xfap\xecl \xef\xe1belsk\xe9 \xf3dy.</p>";
/// let d = garbell_io::warc::decode_html(page, None, Some("http://www.example.cz/"));
/// assert_eq!(d.html, "<p>Příliš žluťoučký kůň úpěl ďábelské ódy.</p>");
/// assert_eq!((d.charset, d.charset_source), ("windows-1250", "detected"));
/// ```
pub fn decode_html(body: &[u8], content_type: Option<&str>, url: Option<&str>) -> DecodedHtml {
    let declared = content_type.and_then(decode::charset_param);
    let (encoding, source) = decode::html_encoding(body, declared, url);
    let (html, malformed) = decode::decode(body, encoding);
    DecodedHtml {
        html,
        malformed,
        charset: encoding.name(),
        charset_source: source.as_str(),
    }
}

/// Decodes an HTML body ([`decode_html`]) and extracts its text; returns the text, the number
/// of malformed sequences, the encoding's name and where it came from.
fn html_body(
    body: &[u8],
    content_type: &str,
    url: Option<&str>,
    mode: crate::HtmlMode,
) -> (String, usize, &'static str, &'static str) {
    // As `decode_html`, without copying a page that is valid UTF-8 already.
    let declared = decode::charset_param(content_type);
    let (encoding, source) = decode::html_encoding(body, declared, url);
    let (html, malformed) = decode::decode_borrowed(body, encoding);
    (
        mode.to_text(&html),
        malformed,
        encoding.name(),
        source.as_str(),
    )
}

fn body_error(ctx: &Ctx, offset: u64, e: BodyError) -> RecordResult {
    Err(match e {
        BodyError::TooLarge => ctx.error(
            offset,
            "record_too_large",
            format!("decoded body larger than max_record_bytes ({})", ctx.max),
        ),
        BodyError::Unsupported(enc) => ctx.error(
            offset,
            "content_encoding_unsupported",
            format!("content encoding {enc:?}"),
        ),
        BodyError::Corrupt(m) => ctx.error(offset, "content_decode_error", m),
    })
}
