//! MediaWiki XML dump source: `pages-articles` dumps (`.xml`, `.xml.bz2` including the
//! multistream variant, also gzip or zstd), one document per article.
//!
//! # Reading
//!
//! Compression is detected by the first bytes (`BZh` bzip2, `1f 8b` gzip, `28 b5 2f fd` zstd,
//! anything else is plain XML). A bzip2 file may be a concatenation of streams (the
//! `multistream` dumps): every stream is read. The XML is streamed with `quick-xml`: only the
//! current page is held in memory. `<siteinfo>` (which comes first in a dump) gives the wiki's
//! `dbname`, its `<base>` URL and the localized names of the file and category namespaces,
//! used by [`crate::wikitext::wikitext_to_text`] to remove `[[Fitxer:...]]` and
//! `[[Categoria:...]]` links.
//!
//! Read with several threads ([`open_pending`] with `threads > 1`, what `garbell run -j N`
//! does), a bzip2 file is decompressed ahead stream by stream by helper threads: the file is
//! cut at bzip2 stream headers found by scanning (the dump's `-index.txt.bz2` is not needed),
//! each cut is accepted only when the piece before it decodes as exactly one complete stream,
//! and at the first piece that does not (a single-stream file, damage, a false header) the
//! rest is read by the sequential decoder — the bytes, and so the records and errors, are
//! those of a sequential read.
//!
//! # Records
//!
//! Each `<page>` is one record ([`Origin::record`] counts them all); its offset
//! ([`Origin::offset`], [`RecordError::offset`]) is that of `<page>` **in the decompressed
//! XML**. When a page has several revisions (history dumps), the last one is used.
//!
//! | page | becomes |
//! | --- | --- |
//! | `<ns>` other than 0 | skipped `wiki_namespace` |
//! | article with a `<redirect>` element | skipped `wiki_redirect` |
//! | any other article | a document |
//!
//! | document field | value |
//! | --- | --- |
//! | [`Document::id`] | `<dbname>/<page id>` (e.g. `cawiki/1234`; the file name instead of the dbname when the dump has none, the record index when the page has no id) |
//! | [`Document::text`] | the revision's wikitext converted to plain text |
//! | [`Document::url`] | `<base>` up to its last `/`, plus the title with `_` for spaces (e.g. `https://ca.wikipedia.org/wiki/Gran_Via`) |
//! | `meta.title` | the page title |
//! | `meta.page_id`, `meta.revision_id` | numbers |
//! | `meta.timestamp` | the revision timestamp, as written (`2024-01-02T03:04:05Z`) |
//! | `meta.wiki` | the dbname (`cawiki`) |
//! | `meta.lang` | a language hint from the dbname: `cawiki` → `ca`, `zh_yuewiki` → `zh-yue` (also for `wiktionary`, `wikibooks`, `wikisource`, `wikinews`, `wikiquote`, `wikivoyage`, `wikiversity`) |
//!
//! Text that is not valid UTF-8 is decoded lossily, with the signal `invalid_utf8` counting the
//! replaced sequences.
//!
//! # Error kinds
//!
//! | kind | meaning | then |
//! | --- | --- | --- |
//! | `record_too_large` | a page's text is longer than `max_record_bytes` | next page |
//! | `record_too_large` | an XML text node or tag longer than `max_record_bytes` + 1 MiB, which the XML reader would have to hold whole | the input ends |
//! | `xml_invalid` | the XML is not well formed (or nests deeper than 64 elements) | the input ends |
//! | `truncated` | the input ends inside a page or inside markup | the input ends |
//! | `read_error` / `decompress_error` | reading the file (or its compressed stream) failed | the input ends |
//!
//! Every error ends the input except an oversized page: XML cannot be resynchronised safely.
//! Dumps are split into many files (and multistream indexes), so one bad file loses little.

use crate::reader::{io_error, open_input, open_stream, utf8_lossy_counted, OpenedStream};
use crate::wikitext::{wikitext_to_text, Namespaces};
use crate::{Error, Pending, PendingRecords, Record, Records, SourceConfig};
use garbell_core::{Document, Origin, RecordError};
use quick_xml::errors::SyntaxError;
use quick_xml::events::{BytesStart, Event};
use serde_json::Value;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

/// The name of this source, written to [`Document::source`].
pub const SOURCE_NAME: &str = "mediawiki";

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 64;

/// Project suffixes of database names (`cawiki`, `frwiktionary`, ...).
const DBNAME_SUFFIXES: &[&str] = &[
    "wiktionary",
    "wikibooks",
    "wikisource",
    "wikinews",
    "wikiquote",
    "wikivoyage",
    "wikiversity",
    "wiki",
];

/// The language hint of a wiki database name: `cawiki` → `ca`, `zh_yuewiki` → `zh-yue`.
/// `None` when the name has no known project suffix or looks like no language code.
pub fn lang_from_dbname(dbname: &str) -> Option<String> {
    let base = DBNAME_SUFFIXES
        .iter()
        .find_map(|s| dbname.strip_suffix(s))?;
    let valid = !base.is_empty()
        && base.len() <= 12
        && base.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
        && ![
            "commons",
            "meta",
            "species",
            "wikidata",
            "mediawiki",
            "sources",
            "incubator",
        ]
        .contains(&base);
    valid.then(|| base.replace('_', "-"))
}

/// Opens a MediaWiki XML dump (plain, bzip2 single or multistream, gzip or zstd, detected by
/// magic bytes) and returns its records.
///
/// Fails only when the file cannot be opened or the configuration is invalid; everything wrong
/// inside the file is a per-record [`RecordError`].
pub fn open(path: &Path, config: &SourceConfig) -> Result<Records, Error> {
    Ok(Box::new(
        open_pending(path, config, 1)?.flat_map(Pending::resolve),
    ))
}

/// [`open`], each page's wikitext conversion deferred to [`Pending::resolve`] (see
/// [`crate::open_source_pending`]). With `threads > 1`, a bzip2 file is decompressed ahead
/// by `threads - 1` helper threads, stream by stream (`multistream` dumps; the bytes are those
/// of the sequential decoder, see the `bz2par` module).
pub fn open_pending(
    path: &Path,
    config: &SourceConfig,
    threads: usize,
) -> Result<PendingRecords, Error> {
    let opened = if threads > 1 {
        open_parallel(path, config, threads - 1)?
    } else {
        open_stream(path, config)?
    };
    let read_error_kind = opened.read_error_kind();
    let OpenedStream {
        reader,
        input,
        file_name,
        ..
    } = opened;
    let max = usize::try_from(config.max_record_bytes).unwrap_or(usize::MAX);
    let guard = MarkupGuard {
        inner: reader,
        run: 0,
        limit: max.saturating_add(1 << 20),
    };
    let mut xml =
        quick_xml::Reader::from_reader(BufReader::with_capacity(crate::reader::CHUNK, guard));
    let cfg = xml.config_mut();
    cfg.check_end_names = false;
    cfg.allow_unmatched_ends = true;
    cfg.expand_empty_elements = false;
    Ok(Box::new(WikiRecords {
        xml,
        buf: Vec::new(),
        input,
        file_name,
        max,
        read_error_kind,
        site: Site::default(),
        stack: Vec::new(),
        capture: None,
        captured: Vec::new(),
        namespace_key: None,
        page: None,
        index: 0,
        done: false,
    }))
}

/// [`open_stream`], a bzip2 file decompressed ahead by `helpers` threads.
fn open_parallel(
    path: &Path,
    config: &SourceConfig,
    helpers: usize,
) -> Result<OpenedStream, Error> {
    let opened = open_input(path, config)?;
    if !crate::bz2par::starts_stream(&opened.magic) {
        return open_stream(path, config);
    }
    let reader = crate::bz2par::ParallelBz2::new(opened.file, helpers).map_err(io_error(path))?;
    Ok(OpenedStream {
        reader: Box::new(reader),
        compressed: true,
        magic: opened.magic,
        input: opened.input,
        file_name: opened.file_name,
    })
}

/// Marks the error a [`MarkupGuard`] returns.
#[derive(Debug)]
struct MarkupTooLong(usize);

impl std::fmt::Display for MarkupTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "more than {} bytes without `<` or `>`: an XML text node or tag too large to hold",
            self.0
        )
    }
}

impl std::error::Error for MarkupTooLong {}

/// Fails the stream when more than `limit` bytes pass without a `<` or `>`: the XML reader
/// holds a whole text node (a page's wikitext) or tag in memory, so this bounds its memory.
struct MarkupGuard<R> {
    inner: R,
    run: usize,
    limit: usize,
}

impl<R: Read> Read for MarkupGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        let chunk = &out[..n];
        self.run = match memchr::memrchr2(b'<', b'>', chunk) {
            Some(i) => n - i - 1,
            None => self.run.saturating_add(n),
        };
        if self.run > self.limit {
            return Err(io::Error::other(MarkupTooLong(self.limit)));
        }
        Ok(n)
    }
}

/// What `<siteinfo>` says.
#[derive(Default)]
struct Site {
    dbname: String,
    /// `<base>` up to its last `/`.
    url_prefix: Option<String>,
    lang: Option<String>,
    namespaces: Namespaces,
}

/// Elements whose position matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elem {
    Siteinfo,
    Namespaces,
    Page,
    Revision,
    Other,
}

/// Leaf elements whose text is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Dbname,
    Base,
    Namespace,
    Title,
    Ns,
    PageId,
    RevisionId,
    Timestamp,
    Text,
}

/// The page being read.
#[derive(Default)]
struct Page {
    offset: u64,
    index: u64,
    title: String,
    ns: Option<String>,
    id: Option<String>,
    redirect: bool,
    revision_id: Option<String>,
    timestamp: Option<String>,
    text: Vec<u8>,
    too_large: bool,
}

struct WikiRecords {
    xml: quick_xml::Reader<BufReader<MarkupGuard<Box<dyn Read + Send>>>>,
    buf: Vec<u8>,
    input: Arc<str>,
    file_name: String,
    max: usize,
    read_error_kind: &'static str,
    site: Site,
    stack: Vec<Elem>,
    capture: Option<Field>,
    captured: Vec<u8>,
    namespace_key: Option<i64>,
    page: Option<Page>,
    index: u64,
    done: bool,
}

impl Iterator for WikiRecords {
    type Item = Pending;

    fn next(&mut self) -> Option<Pending> {
        while !self.done {
            if let Some(item) = self.step() {
                return Some(item);
            }
        }
        None
    }
}

impl WikiRecords {
    fn error(&self, offset: u64, kind: &'static str, message: impl Into<String>) -> RecordError {
        RecordError::new(self.input.as_ref(), offset, kind, message)
    }

    /// Ends the input with an error.
    fn fail(&mut self, offset: u64, kind: &'static str, message: String) -> Option<Pending> {
        self.done = true;
        let offset = self.page.as_ref().map_or(offset, |p| p.offset);
        Some(Pending::Ready(Err(self.error(offset, kind, message))))
    }

    /// Reads one XML event; returns a record when one is complete.
    fn step(&mut self) -> Option<Pending> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let result = self.step_with(&mut buf);
        self.buf = buf;
        result
    }

    fn step_with(&mut self, buf: &mut Vec<u8>) -> Option<Pending> {
        let before = self.xml.buffer_position();
        let event = match self.xml.read_event_into(buf) {
            Ok(e) => e,
            Err(quick_xml::Error::Io(e)) => {
                let (kind, msg) = if e.get_ref().is_some_and(|x| x.is::<MarkupTooLong>()) {
                    ("record_too_large", e.to_string())
                } else {
                    (self.read_error_kind, e.to_string())
                };
                return self.fail(before, kind, msg);
            }
            Err(e) => {
                let at = self.xml.error_position();
                // Every syntax error but `<!` junk is markup left open at the end of the input.
                let kind = match e {
                    quick_xml::Error::Syntax(s) if s != SyntaxError::InvalidBangMarkup => {
                        "truncated"
                    }
                    _ => "xml_invalid",
                };
                return self.fail(at, kind, e.to_string());
            }
        };
        match event {
            Event::Start(e) => {
                if self.stack.len() >= MAX_DEPTH {
                    let msg = format!("elements nested deeper than {MAX_DEPTH}");
                    return self.fail(before, "xml_invalid", msg);
                }
                let (elem, field) = self.classify(&e);
                if elem == Elem::Page {
                    self.page = Some(Page {
                        offset: before,
                        index: self.index,
                        ..Page::default()
                    });
                    self.index += 1;
                }
                if field == Some(Field::Namespace) {
                    self.namespace_key = e
                        .try_get_attribute("key")
                        .ok()
                        .flatten()
                        .and_then(|a| std::str::from_utf8(&a.value).ok()?.trim().parse().ok());
                }
                if field == Some(Field::Text) {
                    if let Some(p) = self.page.as_mut() {
                        p.text.clear();
                        p.too_large = false;
                    }
                }
                self.capture = field;
                self.captured.clear();
                self.stack.push(elem);
            }
            Event::Empty(e) => {
                if e.local_name().as_ref() == b"redirect" && self.parent() == Some(Elem::Page) {
                    if let Some(p) = self.page.as_mut() {
                        p.redirect = true;
                    }
                }
            }
            Event::Text(t) => self.append(&t),
            Event::CData(t) => self.append(&t),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => match &r[..] {
                        b"lt" => Some('<'),
                        b"gt" => Some('>'),
                        b"amp" => Some('&'),
                        b"quot" => Some('"'),
                        b"apos" => Some('\''),
                        _ => None,
                    },
                    Err(_) => Some(char::REPLACEMENT_CHARACTER),
                };
                let mut tmp = [0u8; 4];
                match c {
                    Some(c) => self.append(c.encode_utf8(&mut tmp).as_bytes()),
                    None => {
                        // An unknown entity: kept as written.
                        let mut raw = Vec::with_capacity(r.len() + 2);
                        raw.push(b'&');
                        raw.extend_from_slice(&r);
                        raw.push(b';');
                        self.append(&raw);
                    }
                }
            }
            Event::End(_) => {
                let elem = self.stack.pop();
                if let Some(field) = self.capture.take() {
                    self.store(field);
                }
                if elem == Some(Elem::Page) {
                    if let Some(page) = self.page.take() {
                        return Some(self.finish(page));
                    }
                }
            }
            Event::Eof => {
                self.done = true;
                if let Some(page) = self.page.take() {
                    return Some(Pending::Ready(Err(self.error(
                        page.offset,
                        "truncated",
                        "the input ends inside a <page>",
                    ))));
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
        }
        None
    }

    fn parent(&self) -> Option<Elem> {
        self.stack.last().copied()
    }

    /// What an opening element is, given its parent.
    fn classify(&self, e: &BytesStart<'_>) -> (Elem, Option<Field>) {
        let name = e.local_name();
        let name = name.as_ref();
        let parent = self.parent();
        let elem = match (parent, name) {
            (_, b"siteinfo") => Elem::Siteinfo,
            (Some(Elem::Siteinfo), b"namespaces") => Elem::Namespaces,
            (_, b"page") if self.page.is_none() => Elem::Page,
            (Some(Elem::Page), b"revision") => Elem::Revision,
            _ => Elem::Other,
        };
        let field = match (parent, name) {
            (Some(Elem::Siteinfo), b"dbname") => Some(Field::Dbname),
            (Some(Elem::Siteinfo), b"base") => Some(Field::Base),
            (Some(Elem::Namespaces), b"namespace") => Some(Field::Namespace),
            (Some(Elem::Page), b"title") => Some(Field::Title),
            (Some(Elem::Page), b"ns") => Some(Field::Ns),
            (Some(Elem::Page), b"id") => Some(Field::PageId),
            (Some(Elem::Revision), b"id") => Some(Field::RevisionId),
            (Some(Elem::Revision), b"timestamp") => Some(Field::Timestamp),
            (Some(Elem::Revision), b"text") => Some(Field::Text),
            _ => None,
        };
        (elem, field)
    }

    /// Appends character data to the field being captured, within the size cap.
    fn append(&mut self, bytes: &[u8]) {
        match self.capture {
            None => {}
            Some(Field::Text) => {
                if let Some(p) = self.page.as_mut() {
                    if p.too_large || p.text.len() + bytes.len() > self.max {
                        p.too_large = true;
                        p.text = Vec::new();
                    } else {
                        p.text.extend_from_slice(bytes);
                    }
                }
            }
            // Titles, ids, names: short; capped all the same.
            Some(_) if self.captured.len() + bytes.len() <= 64 << 10 => {
                self.captured.extend_from_slice(bytes);
            }
            Some(_) => {}
        }
    }

    /// Stores a captured field when its element ends.
    fn store(&mut self, field: Field) {
        let value = String::from_utf8_lossy(&self.captured).trim().to_string();
        self.captured.clear();
        let site = &mut self.site;
        match field {
            Field::Dbname => {
                site.lang = lang_from_dbname(&value);
                site.dbname = value;
            }
            Field::Base => {
                site.url_prefix = value.rfind('/').map(|i| value[..=i].to_string());
            }
            Field::Namespace => {
                let names = std::iter::once(value.as_str());
                match self.namespace_key.take() {
                    Some(6 | -2) => {
                        site.namespaces =
                            std::mem::take(&mut site.namespaces).with_file_names(names)
                    }
                    Some(14) => {
                        site.namespaces =
                            std::mem::take(&mut site.namespaces).with_category_names(names)
                    }
                    _ => {}
                }
            }
            Field::Text => {}
            Field::Title | Field::Ns | Field::PageId | Field::RevisionId | Field::Timestamp => {
                let Some(p) = self.page.as_mut() else { return };
                match field {
                    Field::Title => p.title = value,
                    Field::Ns => p.ns = Some(value),
                    Field::PageId => p.id = Some(value),
                    Field::RevisionId => p.revision_id = Some(value),
                    _ => p.timestamp = Some(value),
                }
            }
        }
    }

    /// Turns a complete page into a record; its wikitext is converted when the record is
    /// resolved.
    fn finish(&mut self, page: Page) -> Pending {
        if page.ns.as_deref().is_some_and(|ns| ns != "0") {
            return Pending::Ready(Ok(Record::Skipped("wiki_namespace")));
        }
        if page.redirect {
            return Pending::Ready(Ok(Record::Skipped("wiki_redirect")));
        }
        if page.too_large {
            return Pending::Ready(Err(self.error(
                page.offset,
                "record_too_large",
                format!(
                    "page `{}`: text longer than max_record_bytes ({})",
                    page.title, self.max
                ),
            )));
        }
        let site = &self.site;
        let prefix = if site.dbname.is_empty() {
            self.file_name.as_str()
        } else {
            site.dbname.as_str()
        };
        let id = match &page.id {
            Some(id) if !id.is_empty() => format!("{prefix}/{id}"),
            _ => format!("{}/{}", self.file_name, page.index),
        };
        let mut doc = Document::new(
            id,
            String::new(),
            SOURCE_NAME,
            Origin::new(self.input.clone(), page.index, page.offset),
        );
        doc.url = site
            .url_prefix
            .as_ref()
            .filter(|_| !page.title.is_empty())
            .map(|prefix| format!("{prefix}{}", title_to_path(&page.title)));
        let number = |s: &Option<String>| {
            s.as_deref().map(|v| match v.parse::<u64>() {
                Ok(n) => Value::from(n),
                Err(_) => Value::from(v),
            })
        };
        let meta = &mut doc.meta;
        meta.insert("title".into(), Value::from(page.title));
        if let Some(v) = number(&page.id) {
            meta.insert("page_id".into(), v);
        }
        if let Some(v) = number(&page.revision_id) {
            meta.insert("revision_id".into(), v);
        }
        if let Some(t) = page.timestamp {
            meta.insert("timestamp".into(), Value::from(t));
        }
        if !site.dbname.is_empty() {
            meta.insert("wiki".into(), Value::from(site.dbname.as_str()));
        }
        if let Some(lang) = &site.lang {
            meta.insert("lang".into(), Value::from(lang.as_str()));
        }
        let namespaces = site.namespaces.clone();
        let wikitext = page.text;
        Pending::deferred(wikitext.len(), move || {
            let (wikitext, invalid_utf8) = utf8_lossy_counted(&wikitext);
            doc.text = wikitext_to_text(&wikitext, &namespaces);
            if invalid_utf8 > 0 {
                doc.signals
                    .insert("invalid_utf8".into(), invalid_utf8 as f64);
            }
            Ok(Record::Document(doc))
        })
    }
}

/// A title as a URL path segment: `_` for spaces, `%`-escapes for `%`, `?`, `#`, `"` and
/// control characters (other characters are kept, as Wikipedia's own links show them).
fn title_to_path(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars() {
        match c {
            ' ' => out.push('_'),
            '%' | '?' | '#' | '"' => out.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_control() => {
                let mut b = [0u8; 4];
                for byte in c.encode_utf8(&mut b).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    #[test]
    fn dbname_languages() {
        assert_eq!(lang_from_dbname("cawiki").as_deref(), Some("ca"));
        assert_eq!(lang_from_dbname("zh_yuewiki").as_deref(), Some("zh-yue"));
        assert_eq!(lang_from_dbname("frwiktionary").as_deref(), Some("fr"));
        assert_eq!(lang_from_dbname("commonswiki"), None);
        assert_eq!(lang_from_dbname("enwikiX"), None);
    }

    #[test]
    fn titles_as_paths() {
        assert_eq!(
            title_to_path("Gran Via de les Corts"),
            "Gran_Via_de_les_Corts"
        );
        assert_eq!(title_to_path("100% Què?"), "100%25_Què%3F");
    }

    #[test]
    fn guard_bounds_text_runs() {
        let data = vec![b'x'; 5000];
        let mut g = MarkupGuard {
            inner: &data[..],
            run: 0,
            limit: 1000,
        };
        let mut out = Vec::new();
        let e = g.read_to_end(&mut out).unwrap_err();
        assert!(e.get_ref().unwrap().is::<MarkupTooLong>());
    }
}
