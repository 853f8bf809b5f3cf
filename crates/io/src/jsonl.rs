//! JSON Lines source: one JSON object per line, plain, gzip (one or many members), zstd or
//! bzip2.
//!
//! Compression is detected by the file's first bytes (`1f 8b` gzip, `28 b5 2f fd` zstd, `BZh`
//! bzip2), so a misnamed file is still read correctly. Lines end with `\n` or `\r\n`; a UTF-8
//! byte order mark at the start of the file (or of a line, as in files joined with `cat`) is
//! ignored. A file that is xz- or lz4-compressed, UTF-16 or UTF-32 text, or a Parquet file is
//! refused at once with [`Error::Unsupported`](crate::Error::Unsupported) (a job-level error:
//! read as lines, it would give nothing but `json_invalid` errors). The file is streamed: only the current line is held in
//! memory, and a line longer than [`SourceConfig::max_record_bytes`] is discarded chunk by chunk
//! without ever being held whole.
//!
//! Each non-blank line is one record:
//!
//! | field | becomes |
//! | --- | --- |
//! | `text_field` (must be a string) | [`Document::text`] |
//! | `id_field` (string or number) | [`Document::id`], else `<file name>/<record index>` |
//! | `url_field` (string) | [`Document::url`] |
//! | any other top-level field | [`Document::meta`], as is (nested objects and arrays as JSON values) |
//!
//! A field name is first looked up as a top-level key; when there is none and the name has dots,
//! it is a path through nested objects, and the value is taken out of its object (the rest of
//! the object stays in `meta`). So OSCAR 23.01 reads with `text_field = "content"`,
//! `id_field = "warc_headers.warc-record-id"`, `url_field = "warc_headers.warc-target-uri"`,
//! keeping `metadata` (`identification`, `quality_warnings`, `categories`, `harmful_pp`, ...)
//! and the other `warc_headers` in `meta`; HPLT reads with the defaults (`text`, `id`, `url`;
//! HPLT 2.0 releases that name the URL `u` need `url_field = "u"`).
//!
//! [`Origin::record`] counts every non-blank line, read or not. Offsets ([`Origin::offset`],
//! [`RecordError::offset`]) are the byte offset of the line's start in the file for plain inputs
//! and **in the decompressed stream** for gzip and zstd inputs (a compressed offset does not
//! exist for a line inside a deflate or zstd block).
//!
//! A line that is not valid UTF-8 is decoded lossily (each invalid sequence becomes U+FFFD) and
//! the document gets the signal `invalid_utf8` = number of replaced sequences; a later step
//! decides what to do with it.
//!
//! Error kinds ([`RecordError::kind`]):
//!
//! | kind | meaning | then |
//! | --- | --- | --- |
//! | `json_invalid` | the line is not JSON, or not a JSON object | next line |
//! | `json_missing_text` | `text_field` is absent or not a string | next line |
//! | `record_too_large` | the line is longer than `max_record_bytes` | next line |
//! | `decompress_error` | the gzip/zstd stream is corrupt or truncated | the input ends |
//! | `read_error` | reading a plain file failed | the input ends |

use crate::reader::{open_stream, utf8_lossy_counted, ByteReader, LineEnd, OpenedStream};
use crate::{Error, Pending, PendingRecords, Record, RecordResult, Records, SourceConfig};
use garbell_core::{Document, Origin, RecordError};
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// The name of this source, written to [`Document::source`].
pub const SOURCE_NAME: &str = "jsonl";

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Opens a JSONL input (plain, gzip, zstd or bzip2, detected by magic bytes) and returns its
/// records.
///
/// Fails when the file cannot be opened or the configuration is invalid, and with
/// [`Error::Unsupported`] when the file is in a compression or encoding garbell does not read
/// (xz, lz4, UTF-16 or UTF-32 text, a Parquet file named `.jsonl`); everything wrong inside the
/// file is a per-record [`RecordError`].
pub fn open(path: &Path, config: &SourceConfig) -> Result<Records, Error> {
    Ok(Box::new(
        open_pending(path, config)?.flat_map(Pending::resolve),
    ))
}

/// [`open`], each line's JSON parsing deferred to [`Pending::resolve`] (see
/// [`crate::open_source_pending`]).
pub fn open_pending(path: &Path, config: &SourceConfig) -> Result<PendingRecords, Error> {
    let opened = open_stream(path, config)?;
    let unsupported = |reason: &str| Error::Unsupported {
        path: path.display().to_string(),
        reason: reason.to_string(),
    };
    if let Some(reason) = unsupported_magic(&opened.magic).filter(|_| !opened.compressed) {
        return Err(unsupported(reason));
    }
    let read_error_kind = opened.read_error_kind();
    let OpenedStream {
        reader,
        compressed,
        input,
        file_name,
        ..
    } = opened;
    let mut reader = ByteReader::new(reader, 0);
    if compressed {
        // The decompressed text's own first bytes: a compressed UTF-16 file is refused too.
        // A decompression error here is left to the first `next`, which reports it.
        if reader.ensure(4).is_ok() {
            if let Some(reason) = unsupported_magic(reader.buffered()) {
                return Err(unsupported(reason));
            }
        }
    }
    Ok(Box::new(JsonlRecords {
        reader,
        fields: Arc::new(Fields {
            input,
            file_name,
            text: config.text_field.clone(),
            id: config.id_field.clone(),
            url: config.url_field.clone(),
        }),
        max_line: usize::try_from(config.max_record_bytes).unwrap_or(usize::MAX),
        read_error_kind,
        index: 0,
        pending: None,
        done: false,
    }))
}

/// Why a file starting with `magic` cannot be read as JSON Lines, for the formats garbell
/// recognises but does not read.
fn unsupported_magic(magic: &[u8]) -> Option<&'static str> {
    const CASES: &[(&[u8], &str)] = &[
        (
            &[0xfd, b'7', b'z', b'X', b'Z', 0],
            "xz-compressed (not supported: recompress it with zstd or gzip)",
        ),
        (
            &[0x04, 0x22, 0x4d, 0x18],
            "lz4-compressed (not supported: recompress it with zstd or gzip)",
        ),
        (
            b"PAR1",
            "a Parquet file (name it `.parquet` or set `format = \"parquet\"`)",
        ),
        (
            &[0xff, 0xfe, 0, 0],
            "UTF-32 text (convert it to UTF-8, e.g. `iconv -f UTF-32 -t UTF-8`)",
        ),
        (
            &[0, 0, 0xfe, 0xff],
            "UTF-32 text (convert it to UTF-8, e.g. `iconv -f UTF-32 -t UTF-8`)",
        ),
        (
            &[0xff, 0xfe],
            "UTF-16 text (convert it to UTF-8, e.g. `iconv -f UTF-16 -t UTF-8`)",
        ),
        (
            &[0xfe, 0xff],
            "UTF-16 text (convert it to UTF-8, e.g. `iconv -f UTF-16 -t UTF-8`)",
        ),
    ];
    CASES
        .iter()
        .find(|(m, _)| magic.starts_with(m))
        .map(|(_, why)| *why)
}

/// What a line is turned into.
struct Fields {
    input: Arc<str>,
    file_name: String,
    text: String,
    id: String,
    url: String,
}

struct JsonlRecords {
    reader: ByteReader<Box<dyn Read + Send>>,
    fields: Arc<Fields>,
    max_line: usize,
    read_error_kind: &'static str,
    index: u64,
    /// The read error that ends the input, after a last document.
    pending: Option<RecordError>,
    done: bool,
}

impl JsonlRecords {
    /// Ends the input on a read or decompression error. Bytes buffered before it (a last line
    /// without its newline) still make a document when they parse as one; a cut line is
    /// dropped silently (the error already accounts for it).
    fn fail(&mut self, offset: u64, e: &std::io::Error) -> Option<Pending> {
        self.done = true;
        let error = RecordError::new(
            self.fields.input.as_ref(),
            offset,
            self.read_error_kind,
            e.to_string(),
        );
        let partial = self.reader.buffered();
        if !partial.is_empty() && partial.len() <= self.max_line {
            if let Ok(Record::Document(d)) = parse_line(partial, &self.fields, self.index, offset) {
                self.index += 1;
                self.pending = Some(error);
                return Some(Pending::Ready(Ok(Record::Document(d))));
            }
        }
        Some(Pending::Ready(Err(error)))
    }
}

impl Iterator for JsonlRecords {
    type Item = Pending;

    fn next(&mut self) -> Option<Pending> {
        if self.done {
            return self.pending.take().map(|e| Pending::Ready(Err(e)));
        }
        loop {
            let offset = self.reader.pos();
            let len = match self.reader.line_end(self.max_line) {
                Err(e) => return self.fail(offset, &e),
                Ok(LineEnd::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(LineEnd::TooLong) => {
                    self.index += 1;
                    return match self.reader.skip_line() {
                        Err(e) => self.fail(offset, &e),
                        Ok(n) => Some(Pending::Ready(Err(RecordError::new(
                            self.fields.input.as_ref(),
                            offset,
                            "record_too_large",
                            format!(
                                "line of at least {n} bytes is longer than max_record_bytes ({})",
                                self.max_line
                            ),
                        )))),
                    };
                }
                Ok(LineEnd::Found(n) | LineEnd::Last(n)) => n,
            };
            let mut line = &self.reader.buffered()[..len];
            // A UTF-8 byte order mark at the start of the file, or of a line (files joined
            // with `cat`), is not part of the JSON.
            let bom = if line.starts_with(BOM) { BOM.len() } else { 0 };
            line = &line[bom..];
            if line.iter().all(u8::is_ascii_whitespace) {
                self.reader.consume_bytes(len);
                continue;
            }
            let index = self.index;
            self.index += 1;
            let line = line.to_vec();
            let fields = Arc::clone(&self.fields);
            self.reader.consume_bytes(len);
            return Some(Pending::deferred(line.len(), move || {
                parse_line(&line, &fields, index, offset)
            }));
        }
    }
}

/// Turns one non-blank line into a document or a record error.
fn parse_line(line: &[u8], f: &Fields, index: u64, offset: u64) -> RecordResult {
    let err = |kind, msg: String| Err(RecordError::new(f.input.as_ref(), offset, kind, msg));
    let (text, invalid_utf8) = utf8_lossy_counted(line);
    let value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return err("json_invalid", e.to_string()),
    };
    let Value::Object(mut map) = value else {
        return err("json_invalid", "expected a JSON object".into());
    };
    let text = match take_field(&mut map, &f.text) {
        Some(Value::String(s)) => s,
        Some(other) => {
            return err(
                "json_missing_text",
                format!("field `{}` is {}, not a string", f.text, json_type(&other)),
            )
        }
        None => return err("json_missing_text", format!("no field `{}`", f.text)),
    };
    let id = match take_field(&mut map, &f.id) {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        _ => format!("{}/{index}", f.file_name),
    };
    let url = match take_field(&mut map, &f.url) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let mut doc = Document::new(
        id,
        text,
        SOURCE_NAME,
        Origin::new(f.input.clone(), index, offset),
    );
    doc.url = url;
    doc.meta = map.into_iter().collect();
    if invalid_utf8 > 0 {
        doc.signals
            .insert("invalid_utf8".into(), invalid_utf8 as f64);
    }
    Ok(Record::Document(doc))
}

/// Removes and returns field `name`: a top-level key of that name, else, for a dotted name, the
/// path through nested objects (`warc_headers.warc-target-uri`).
fn take_field(map: &mut serde_json::Map<String, Value>, name: &str) -> Option<Value> {
    if let Some(v) = map.remove(name) {
        return Some(v);
    }
    let mut obj = map;
    let mut rest = name;
    loop {
        let (head, tail) = rest.split_once('.')?;
        obj = match obj.get_mut(head)? {
            Value::Object(o) => o,
            _ => return None,
        };
        if let Some(v) = obj.remove(tail) {
            return Some(v);
        }
        rest = tail;
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    fn fields() -> Fields {
        Fields {
            input: Arc::from("x.jsonl"),
            file_name: "x.jsonl".into(),
            text: "text".into(),
            id: "id".into(),
            url: "url".into(),
        }
    }

    fn doc(r: RecordResult) -> Document {
        match r {
            Ok(Record::Document(d)) => d,
            other => panic!("expected a document, got {other:?}"),
        }
    }

    #[test]
    fn fields_are_mapped() {
        let d = doc(parse_line(
            br#"{"id":7,"text":"hola","url":"http://a","lang":"ca"}"#,
            &fields(),
            3,
            9,
        ));
        assert_eq!(d.id, "7");
        assert_eq!(d.text, "hola");
        assert_eq!(d.url.as_deref(), Some("http://a"));
        assert_eq!(d.meta["lang"], "ca");
        assert_eq!(d.meta.len(), 1);
        assert_eq!(d.origin, Origin::new("x.jsonl", 3, 9));
        assert!(d.signals.is_empty());
    }

    #[test]
    fn missing_id_and_non_string_url() {
        let d = doc(parse_line(
            br#"{"text":"a","url":null,"id":[1]}"#,
            &fields(),
            4,
            0,
        ));
        assert_eq!(d.id, "x.jsonl/4");
        assert_eq!(d.url, None);
        assert!(d.meta.is_empty());
    }

    #[test]
    fn errors_have_kinds() {
        let kind = |line: &[u8]| parse_line(line, &fields(), 0, 0).err().map(|e| e.kind);
        assert_eq!(kind(b"{not json"), Some("json_invalid"));
        assert_eq!(kind(b"[1,2]"), Some("json_invalid"));
        assert_eq!(kind(br#"{"txt":"a"}"#), Some("json_missing_text"));
        assert_eq!(kind(br#"{"text":5}"#), Some("json_missing_text"));
    }

    #[test]
    fn invalid_utf8_is_counted() {
        let d = doc(parse_line(b"{\"text\":\"a\xff\xfeb\"}", &fields(), 0, 0));
        assert_eq!(d.text, "a\u{fffd}\u{fffd}b");
        assert_eq!(d.signals["invalid_utf8"], 2.0);
    }
}
