//! Plain mode: all visible text, a small, fast, linear-time converter.
//!
//! [`plain_text`] walks the markup once, left to right, with no tree and no recursion, so its
//! time is linear in the input and its stack is constant whatever the nesting (100,000 nested
//! `<div>`s are nothing special). It keeps all text outside the usual boilerplate containers;
//! [`crate::extract_text`] is the main-content extractor.
//!
//! What it does:
//! - drops the contents of `script`, `style`, `noscript`, `template`, `svg`, `math`, `head`,
//!   `title`, `nav`, `header`, `footer`, `aside`, `form`, `iframe`, `select`, `button`,
//!   `textarea`, `object`, `canvas`, `audio`, `video`, plus comments, CDATA sections, doctypes
//!   and processing instructions;
//! - drops elements that are not rendered, with their content: the `hidden` attribute (but
//!   `hidden="until-found"`), an inline `display:none` or `visibility:hidden`;
//! - ends a line at block elements (`p`, `div`, `h1`–`h6`, `li`, `br`, `tr`, `table`, `section`,
//!   `article`, `blockquote`, `pre`, `ul`, `ol`, `dl`, `dt`, `dd`, `hr`, ...) and puts a space
//!   between table cells;
//! - collapses runs of white space (including no-break spaces) within a line into one space,
//!   trims lines and drops empty ones (inside `pre`, source line breaks are kept);
//! - decodes character references: the HTML 4 named entities plus `&apos;` (with `;`), decimal
//!   and hexadecimal references (with or without `;`, code points 0x80–0x9F mapped as
//!   windows-1252 like browsers do, invalid ones as U+FFFD).
//!
//! Malformed markup degrades gracefully: a `<` that does not start a tag is text, an unclosed
//! quote in a tag does not swallow the document, a `<head>` without `</head>` ends at the first
//! body element, and a tag left open at the end of the input is dropped.
//!
//! ```
//! let html = "<html><head><title>T</title></head><body><nav>Menu</nav>\
//!             <p>Caf&eacute;   i  <b>llet</b></p><p>a&lt;b &#8364;5</p></body></html>";
//! assert_eq!(garbell_html::plain_text(html), "Café i llet\na<b €5");
//! ```

use crate::out::Text;
use memchr::{memchr, memchr3, memmem};

/// Elements whose content is raw text (not markup) and dropped.
fn is_raw_dropped(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "textarea"
            | "title"
            | "xmp"
            | "iframe"
            | "noembed"
            | "noframes"
            | "noscript"
    )
}

/// Elements whose content (markup) is dropped.
const DROPPED: &[&str] = &[
    "head", "nav", "header", "footer", "aside", "form", "svg", "math", "template", "select",
    "button", "object", "canvas", "audio", "video",
];

/// Elements that may appear in `<head>`; any other start tag ends an unclosed head.
pub(crate) const HEAD_CONTENT: &[&str] = &[
    "title", "meta", "link", "style", "script", "base", "noscript", "template",
];

/// Elements that start and end a line.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "blockquote",
    "body",
    "br",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

/// Elements separated by a space.
const CELL: &[&str] = &["td", "th"];

/// Longest tag name worth comparing (longer names are unknown elements).
const MAX_NAME: usize = 16;

/// Extracts readable text from an HTML document. See the [module docs](self) for the rules.
pub fn plain_text(html: &str) -> String {
    let mut out = Out(Text::with_capacity(html.len() / 4));
    // (index in DROPPED, depth) of the dropped element we are in.
    let mut skip: Option<(usize, u32)> = None;
    // (name, depth) of the hidden element we are in.
    let mut hidden: Option<(String, u32)> = None;
    let mut pre_depth = 0u32;
    tokenize(html, |token| match token {
        Token::Text(t) => {
            if skip.is_none() && hidden.is_none() {
                out.text(t, pre_depth > 0);
            }
        }
        Token::End(name) => {
            if let Some((hname, depth)) = &mut hidden {
                if hname == name {
                    *depth -= 1;
                    if *depth == 0 {
                        hidden = None;
                    }
                }
                return;
            }
            if let Some((id, depth)) = skip {
                if DROPPED[id] == name {
                    skip = if depth <= 1 {
                        None
                    } else {
                        Some((id, depth - 1))
                    };
                }
                return;
            }
            if name == "pre" {
                pre_depth = pre_depth.saturating_sub(1);
            }
            layout(&mut out, name);
        }
        Token::Start(name, attrs, self_closing) => {
            if let Some((hname, depth)) = &mut hidden {
                if hname == name && !self_closing {
                    *depth += 1;
                }
                return;
            }
            if let Some((id, depth)) = skip {
                let leaves_head = DROPPED[id] == "head" && !HEAD_CONTENT.contains(&name);
                if !leaves_head {
                    if DROPPED[id] == name && !self_closing {
                        skip = Some((id, depth + 1));
                    }
                    return;
                }
                skip = None;
            }
            if let Some(id) = DROPPED.iter().position(|d| *d == name) {
                if !self_closing {
                    skip = Some((id, 1));
                }
                return;
            }
            // Elements not rendered (`hidden`, inline `display:none` or `visibility:hidden`)
            // are dropped with their content and take no room. `aria-hidden` content is
            // shown, so it stays (without a tree, a page wrapper made `aria-hidden` by an
            // open dialog could not be told from decoration).
            if may_hide(attrs) && crate::dom::hidden(attrs) == crate::dom::Hidden::Rendering {
                if !self_closing && !crate::dom::is_void(name) {
                    hidden = Some((name.to_string(), 1));
                }
                return;
            }
            if name == "pre" {
                pre_depth += 1;
            }
            layout(&mut out, name);
        }
    });
    out.finish()
}

/// A fast pre-check for [`crate::dom::hidden`]: attributes that hide hold `hidden` or `none`.
fn may_hide(attrs: &[u8]) -> bool {
    attrs
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"idde") || w.eq_ignore_ascii_case(b"none"))
}

/// What the tokenizer reports, in document order.
pub(crate) enum Token<'a> {
    /// Text between tags, character references not decoded yet (a `<` that does not start a
    /// tag is a text token of its own).
    Text(&'a str),
    /// A start tag: its lowercased name (empty when longer than any name we know), its
    /// attribute bytes, and whether it ends with `/>`.
    Start(&'a str, &'a [u8], bool),
    /// An end tag's lowercased name.
    End(&'a str),
}

/// The lenient tokenizer shared by both modes: one left-to-right pass, no recursion, linear in
/// the input. Comments, CDATA sections, doctypes and processing instructions are skipped, and
/// so are the raw-text elements of [`is_raw_dropped`] with their content (no token for them).
pub(crate) fn tokenize(html: &str, mut sink: impl FnMut(Token<'_>)) {
    let b = html.as_bytes();
    let n = b.len();
    let mut quotes = QuoteCache::default();
    let mut name_buf = [0u8; MAX_NAME];
    let mut i = 0;
    while i < n {
        let lt = memchr(b'<', &b[i..]).map_or(n, |j| i + j);
        if lt > i {
            sink(Token::Text(&html[i..lt]));
        }
        i = lt;
        if i >= n {
            break;
        }
        let rest = &b[i + 1..];
        match rest.first() {
            Some(b'!') => i = skip_markup_declaration(b, i),
            Some(b'?') => i = memchr(b'>', &b[i..]).map_or(n, |j| i + j + 1),
            Some(b'/') if rest.get(1).is_some_and(u8::is_ascii_alphabetic) => {
                let (name, name_end) = tag_name(html, i + 2, &mut name_buf);
                let (end, _) = tag_end(b, name_end, &mut quotes);
                i = end;
                sink(Token::End(name));
            }
            Some(b'/') => i = memchr(b'>', &b[i..]).map_or(n, |j| i + j + 1),
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, name_end) = tag_name(html, i + 1, &mut name_buf);
                let (end, self_closing) = tag_end(b, name_end, &mut quotes);
                let attr_end = if end > name_end && b[end - 1] == b'>' {
                    end - 1
                } else {
                    end
                };
                let attrs = &b[name_end..attr_end.max(name_end)];
                i = end;
                if is_raw_dropped(name) {
                    if !self_closing || name == "script" || name == "style" {
                        i = raw_text_end(b, i, name, &mut quotes);
                    }
                    continue;
                }
                sink(Token::Start(name, attrs, self_closing));
            }
            _ => {
                sink(Token::Text("<"));
                i += 1;
            }
        }
    }
}

/// Line breaks and spaces for an element boundary.
fn layout(out: &mut Out, name: &str) {
    if BLOCK.contains(&name) {
        out.0.newline();
    } else if CELL.contains(&name) {
        out.0.space();
    }
}

/// Skips `<!-- -->`, `<![CDATA[ ]]>` or `<!...>` starting at `i`; returns the index after it.
fn skip_markup_declaration(b: &[u8], i: usize) -> usize {
    let n = b.len();
    let rest = &b[i..];
    if rest.starts_with(b"<!--") {
        // `<!-->` and `<!--->` are complete (empty) comments.
        if rest[4..].starts_with(b">") {
            return i + 5;
        }
        if rest[4..].starts_with(b"->") {
            return i + 6;
        }
        memmem::find(&rest[4..], b"-->").map_or(n, |j| i + 4 + j + 3)
    } else if rest.starts_with(b"<![CDATA[") {
        memmem::find(&rest[9..], b"]]>").map_or(n, |j| i + 9 + j + 3)
    } else {
        memchr(b'>', rest).map_or(n, |j| i + j + 1)
    }
}

/// Reads a tag name at `from`; returns it lowercased (empty when longer than any name we know)
/// and the index after it. A name written in lowercase (most) is borrowed from `html`; another
/// is lowercased into `buf`.
fn tag_name<'a>(html: &'a str, from: usize, buf: &'a mut [u8; MAX_NAME]) -> (&'a str, usize) {
    let b = html.as_bytes();
    let mut end = from;
    let mut upper = false;
    while let Some(&c) = b.get(end) {
        if c.is_ascii_whitespace() || c == b'/' || c == b'>' {
            break;
        }
        upper |= c.is_ascii_uppercase();
        end += 1;
    }
    let len = end - from;
    if len > MAX_NAME {
        return ("", end);
    }
    if !upper {
        // Delimited by ASCII bytes, so on character boundaries (`get` checks).
        if let Some(name) = html.get(from..end) {
            return (name, end);
        }
    }
    buf[..len].copy_from_slice(&b[from..end]);
    buf[..len].make_ascii_lowercase();
    (std::str::from_utf8(&buf[..len]).unwrap_or(""), end)
}

/// Finds the `>` that ends the tag whose attributes start at `from`, honouring quoted attribute
/// values. Returns the index after the `>` (the input's end if there is none) and whether the tag
/// ends with `/>`. A quote that is never closed is ignored (the first `>` ends the tag).
fn tag_end(b: &[u8], from: usize, quotes: &mut QuoteCache) -> (usize, bool) {
    let n = b.len();
    if b.get(from) == Some(&b'>') {
        // No attributes (`<p>`, `</div>`): most tags.
        return (from + 1, false);
    }
    let mut j = from;
    loop {
        let Some(k) = memchr3(b'>', b'"', b'\'', &b[j..]) else {
            return (n, false);
        };
        let p = j + k;
        if b[p] == b'>' {
            return (p + 1, p > from && b[p - 1] == b'/');
        }
        // A quote opens a value only after `=` (`<a b"c>` has no value).
        let opens_value = b[from..p].iter().rev().find(|c| !c.is_ascii_whitespace()) == Some(&b'=');
        if !opens_value {
            j = p + 1;
            continue;
        }
        match quotes.next(b, b[p], p + 1) {
            Some(close) => j = close + 1,
            None => {
                // Unclosed quote: the first `>` after the tag start ends it.
                return match memchr(b'>', &b[from..]) {
                    Some(k) => {
                        let p = from + k;
                        (p + 1, p > from && b[p - 1] == b'/')
                    }
                    None => (n, false),
                };
            }
        }
    }
}

/// Remembers the next occurrence of each quote character so that scanning for closing quotes
/// stays linear overall, even with many unclosed quotes.
#[derive(Default)]
struct QuoteCache {
    /// For `"` and `'`: searched from, and the first occurrence at or after it.
    cached: [Option<(usize, Option<usize>)>; 2],
}

impl QuoteCache {
    fn next(&mut self, b: &[u8], quote: u8, at: usize) -> Option<usize> {
        let slot = usize::from(quote == b'\'');
        if let Some((from, found)) = self.cached[slot] {
            if from <= at && found.is_none_or(|f| f >= at) {
                return found;
            }
        }
        let found = memchr(quote, &b[at.min(b.len())..]).map(|k| at + k);
        self.cached[slot] = Some((at, found));
        found
    }
}

/// Index after the end tag `</name ...>` that closes a raw-text element whose content starts
/// at `from` (the input's end if there is none).
fn raw_text_end(b: &[u8], from: usize, name: &str, quotes: &mut QuoteCache) -> usize {
    let n = b.len();
    let name = name.as_bytes();
    let mut j = from;
    while let Some(k) = memchr(b'<', &b[j..]) {
        let p = j + k;
        let after = p + 2 + name.len();
        if b.get(p + 1) == Some(&b'/')
            && after <= n
            && b[p + 2..after].eq_ignore_ascii_case(name)
            && b.get(after)
                .is_none_or(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'>')
        {
            return tag_end(b, after, quotes).0;
        }
        j = p + 1;
    }
    n
}

/// The text being built: white space collapsed within lines, no empty lines.
struct Out(Text);

impl Out {
    /// Appends a text run, collapsing white space and decoding character references.
    fn text(&mut self, t: &str, pre: bool) {
        let b = t.as_bytes();
        let mut run = 0;
        let mut j = 0;
        while j < b.len() {
            // Fast path: ordinary bytes, and single spaces inside a run, stay in the run.
            if !SPECIAL[usize::from(b[j])] {
                j += 1;
                continue;
            }
            if b[j] == b' ' && j > run && b.get(j + 1).is_some_and(|&c| !SPECIAL[usize::from(c)]) {
                j += 2;
                continue;
            }
            match b[j] {
                b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' => {
                    self.0.push_str(&t[run..j]);
                    if pre && b[j] == b'\n' {
                        self.0.newline();
                    } else {
                        self.0.space();
                    }
                    j += 1;
                    run = j;
                }
                0xc2 if b.get(j + 1) == Some(&0xa0) => {
                    self.0.push_str(&t[run..j]);
                    self.0.space();
                    j += 2;
                    run = j;
                }
                b'&' => {
                    self.0.push_str(&t[run..j]);
                    let (c, len) = char_ref(&b[j..]);
                    match c {
                        Some(c) => self.0.push_char(c),
                        None => self.0.push_str("&"),
                    }
                    j += len;
                    run = j;
                }
                _ => j += 1,
            }
        }
        self.0.push_str(&t[run..]);
    }

    fn finish(mut self) -> String {
        while self.0.s.ends_with('\n') {
            self.0.s.pop();
        }
        self.0.s
    }
}

/// Bytes that end a run of text: white space, `&`, and 0xC2 (which starts a no-break space).
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t[0x0c] = true;
    t[b'&' as usize] = true;
    t[0xc2] = true;
    t
};

/// Decodes the character reference at the start of `b` (which starts with `&`). Returns the
/// character (`None`: not a reference, keep the `&`) and the number of bytes used.
pub fn char_ref(b: &[u8]) -> (Option<char>, usize) {
    if b.get(1) == Some(&b'#') {
        let hex = matches!(b.get(2), Some(b'x' | b'X'));
        let start = if hex { 3 } else { 2 };
        let digits = b[start.min(b.len())..]
            .iter()
            .take_while(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return (None, 1);
        }
        let text = std::str::from_utf8(&b[start..start + digits]).unwrap_or_default();
        let value = u32::from_str_radix(text, if hex { 16 } else { 10 }).unwrap_or(u32::MAX);
        let mut len = start + digits;
        if b.get(len) == Some(&b';') {
            len += 1;
        }
        return (Some(numeric_char(value)), len);
    }
    let name_len = b[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if name_len == 0 || b.get(1 + name_len) != Some(&b';') {
        return (None, 1);
    }
    let name = std::str::from_utf8(&b[1..1 + name_len]).unwrap_or_default();
    match ENTITIES.binary_search_by(|(k, _)| (*k).cmp(name)) {
        Ok(k) => (char::from_u32(ENTITIES[k].1), name_len + 2),
        Err(_) => (None, 1),
    }
}

/// The character for a numeric reference, as browsers decode it.
fn numeric_char(value: u32) -> char {
    const WINDOWS_1252: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let value = match value {
        0 => 0xFFFD,
        0x80..=0x9F => WINDOWS_1252[(value - 0x80) as usize],
        v => v,
    };
    char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The HTML 4 named character references plus `apos`, sorted by name (generated from the
/// HTML 4.01 entity sets).
static ENTITIES: &[(&str, u32)] = &[
    ("AElig", 198),
    ("Aacute", 193),
    ("Acirc", 194),
    ("Agrave", 192),
    ("Alpha", 913),
    ("Aring", 197),
    ("Atilde", 195),
    ("Auml", 196),
    ("Beta", 914),
    ("Ccedil", 199),
    ("Chi", 935),
    ("Dagger", 8225),
    ("Delta", 916),
    ("ETH", 208),
    ("Eacute", 201),
    ("Ecirc", 202),
    ("Egrave", 200),
    ("Epsilon", 917),
    ("Eta", 919),
    ("Euml", 203),
    ("Gamma", 915),
    ("Iacute", 205),
    ("Icirc", 206),
    ("Igrave", 204),
    ("Iota", 921),
    ("Iuml", 207),
    ("Kappa", 922),
    ("Lambda", 923),
    ("Mu", 924),
    ("Ntilde", 209),
    ("Nu", 925),
    ("OElig", 338),
    ("Oacute", 211),
    ("Ocirc", 212),
    ("Ograve", 210),
    ("Omega", 937),
    ("Omicron", 927),
    ("Oslash", 216),
    ("Otilde", 213),
    ("Ouml", 214),
    ("Phi", 934),
    ("Pi", 928),
    ("Prime", 8243),
    ("Psi", 936),
    ("Rho", 929),
    ("Scaron", 352),
    ("Sigma", 931),
    ("THORN", 222),
    ("Tau", 932),
    ("Theta", 920),
    ("Uacute", 218),
    ("Ucirc", 219),
    ("Ugrave", 217),
    ("Upsilon", 933),
    ("Uuml", 220),
    ("Xi", 926),
    ("Yacute", 221),
    ("Yuml", 376),
    ("Zeta", 918),
    ("aacute", 225),
    ("acirc", 226),
    ("acute", 180),
    ("aelig", 230),
    ("agrave", 224),
    ("alefsym", 8501),
    ("alpha", 945),
    ("amp", 38),
    ("and", 8743),
    ("ang", 8736),
    ("apos", 39),
    ("aring", 229),
    ("asymp", 8776),
    ("atilde", 227),
    ("auml", 228),
    ("bdquo", 8222),
    ("beta", 946),
    ("brvbar", 166),
    ("bull", 8226),
    ("cap", 8745),
    ("ccedil", 231),
    ("cedil", 184),
    ("cent", 162),
    ("chi", 967),
    ("circ", 710),
    ("clubs", 9827),
    ("cong", 8773),
    ("copy", 169),
    ("crarr", 8629),
    ("cup", 8746),
    ("curren", 164),
    ("dArr", 8659),
    ("dagger", 8224),
    ("darr", 8595),
    ("deg", 176),
    ("delta", 948),
    ("diams", 9830),
    ("divide", 247),
    ("eacute", 233),
    ("ecirc", 234),
    ("egrave", 232),
    ("empty", 8709),
    ("emsp", 8195),
    ("ensp", 8194),
    ("epsilon", 949),
    ("equiv", 8801),
    ("eta", 951),
    ("eth", 240),
    ("euml", 235),
    ("euro", 8364),
    ("exist", 8707),
    ("fnof", 402),
    ("forall", 8704),
    ("frac12", 189),
    ("frac14", 188),
    ("frac34", 190),
    ("frasl", 8260),
    ("gamma", 947),
    ("ge", 8805),
    ("gt", 62),
    ("hArr", 8660),
    ("harr", 8596),
    ("hearts", 9829),
    ("hellip", 8230),
    ("iacute", 237),
    ("icirc", 238),
    ("iexcl", 161),
    ("igrave", 236),
    ("image", 8465),
    ("infin", 8734),
    ("int", 8747),
    ("iota", 953),
    ("iquest", 191),
    ("isin", 8712),
    ("iuml", 239),
    ("kappa", 954),
    ("lArr", 8656),
    ("lambda", 955),
    ("lang", 9001),
    ("laquo", 171),
    ("larr", 8592),
    ("lceil", 8968),
    ("ldquo", 8220),
    ("le", 8804),
    ("lfloor", 8970),
    ("lowast", 8727),
    ("loz", 9674),
    ("lrm", 8206),
    ("lsaquo", 8249),
    ("lsquo", 8216),
    ("lt", 60),
    ("macr", 175),
    ("mdash", 8212),
    ("micro", 181),
    ("middot", 183),
    ("minus", 8722),
    ("mu", 956),
    ("nabla", 8711),
    ("nbsp", 160),
    ("ndash", 8211),
    ("ne", 8800),
    ("ni", 8715),
    ("not", 172),
    ("notin", 8713),
    ("nsub", 8836),
    ("ntilde", 241),
    ("nu", 957),
    ("oacute", 243),
    ("ocirc", 244),
    ("oelig", 339),
    ("ograve", 242),
    ("oline", 8254),
    ("omega", 969),
    ("omicron", 959),
    ("oplus", 8853),
    ("or", 8744),
    ("ordf", 170),
    ("ordm", 186),
    ("oslash", 248),
    ("otilde", 245),
    ("otimes", 8855),
    ("ouml", 246),
    ("para", 182),
    ("part", 8706),
    ("permil", 8240),
    ("perp", 8869),
    ("phi", 966),
    ("pi", 960),
    ("piv", 982),
    ("plusmn", 177),
    ("pound", 163),
    ("prime", 8242),
    ("prod", 8719),
    ("prop", 8733),
    ("psi", 968),
    ("quot", 34),
    ("rArr", 8658),
    ("radic", 8730),
    ("rang", 9002),
    ("raquo", 187),
    ("rarr", 8594),
    ("rceil", 8969),
    ("rdquo", 8221),
    ("real", 8476),
    ("reg", 174),
    ("rfloor", 8971),
    ("rho", 961),
    ("rlm", 8207),
    ("rsaquo", 8250),
    ("rsquo", 8217),
    ("sbquo", 8218),
    ("scaron", 353),
    ("sdot", 8901),
    ("sect", 167),
    ("shy", 173),
    ("sigma", 963),
    ("sigmaf", 962),
    ("sim", 8764),
    ("spades", 9824),
    ("sub", 8834),
    ("sube", 8838),
    ("sum", 8721),
    ("sup", 8835),
    ("sup1", 185),
    ("sup2", 178),
    ("sup3", 179),
    ("supe", 8839),
    ("szlig", 223),
    ("tau", 964),
    ("there4", 8756),
    ("theta", 952),
    ("thetasym", 977),
    ("thinsp", 8201),
    ("thorn", 254),
    ("tilde", 732),
    ("times", 215),
    ("trade", 8482),
    ("uArr", 8657),
    ("uacute", 250),
    ("uarr", 8593),
    ("ucirc", 251),
    ("ugrave", 249),
    ("uml", 168),
    ("upsih", 978),
    ("upsilon", 965),
    ("uuml", 252),
    ("weierp", 8472),
    ("xi", 958),
    ("yacute", 253),
    ("yen", 165),
    ("yuml", 255),
    ("zeta", 950),
    ("zwj", 8205),
    ("zwnj", 8204),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::plain_text as t;
    use super::ENTITIES;

    #[test]
    fn entity_table_is_sorted() {
        assert!(ENTITIES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn blocks_make_lines_and_spaces_collapse() {
        assert_eq!(t("<p>  one\n  two </p><p>three</p>"), "one two\nthree");
        assert_eq!(t("a<br>b<br/>c"), "a\nb\nc");
        assert_eq!(t("<ul><li>x</li><li>y</li></ul>after"), "x\ny\nafter");
        assert_eq!(t("<h1>T</h1><div><div><p>p</p></div></div>"), "T\np");
        assert_eq!(t("<b>bo</b>ld <i>it</i>"), "bold it");
        assert_eq!(
            t("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table>"),
            "a b\nc"
        );
        assert_eq!(t("x&nbsp;&nbsp;y\u{a0}z"), "x y z");
        assert_eq!(t("<pre>l1\n  l2\n\nl3</pre>"), "l1\nl2\nl3");
        assert_eq!(t(""), "");
        assert_eq!(t("   \n "), "");
    }

    #[test]
    fn boilerplate_and_code_are_dropped() {
        let html = "<!DOCTYPE html><html><head><title>Title</title><style>p{}</style>\
                    <script>var a = '</p>';</script></head><body>\
                    <header><a>Home</a></header><nav><ul><li>Menu</li></ul></nav>\
                    <main><p>Body text.</p><aside>ad</aside></main>\
                    <form><input><button>Go</button></form><svg><text>svg</text></svg>\
                    <noscript>enable js</noscript><template><p>tpl</p></template>\
                    <footer>&copy; 2024</footer><iframe src=x></iframe></body></html>";
        assert_eq!(t(html), "Body text.");
        assert_eq!(t("<nav><nav>a</nav>b</nav>c"), "c");
        assert_eq!(t("<SCRIPT>x</Script >y"), "y");
        assert_eq!(t("<script>if (a</b) {}</script>z"), "z");
        assert_eq!(t("<nav/>kept"), "kept");
    }

    #[test]
    fn comments_cdata_and_declarations() {
        assert_eq!(t("a<!-- <p>hidden</p> -->b"), "ab");
        assert_eq!(t("a<!-->b<!--->c"), "abc");
        assert_eq!(t("a<![CDATA[x<y]]>b"), "ab");
        assert_eq!(t("<?xml version='1.0'?>a<!doctype html>b"), "ab");
        assert_eq!(t("a<!-- unclosed"), "a");
    }

    #[test]
    fn entities() {
        assert_eq!(
            t("&amp;&lt;&gt;&quot;&apos;&eacute;&Ntilde;&euro;&hellip;"),
            "&<>\"'éÑ€…"
        );
        assert_eq!(t("&#65;&#x42;&#X43;&#68"), "ABCD");
        assert_eq!(
            t("&#150;&#0;&#xD800;&#1114112;"),
            "\u{2013}\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(
            t("a & b &unknown; &amp c &#; &#x;"),
            "a & b &unknown; &amp c &#; &#x;"
        );
        assert_eq!(t("AT&T"), "AT&T");
        assert_eq!(t("&#99999999999999999999;"), "\u{fffd}");
    }

    #[test]
    fn malformed_markup() {
        assert_eq!(t("1 < 2 and 3 <= 4"), "1 < 2 and 3 <= 4");
        assert_eq!(t("a</>b</ x>c"), "abc");
        assert_eq!(t("<p>unclosed<p>para"), "unclosed\npara");
        assert_eq!(t("<a href=\"x>y\">link</a>"), "link");
        assert_eq!(t("<a href=\"unclosed>text</a> more"), "text more");
        assert_eq!(t("<a b\"c>d"), "d");
        assert_eq!(t("text<div"), "text");
        assert_eq!(t("<head><title>x</title><p>no body tag</p>"), "no body tag");
        assert_eq!(t("<head><meta charset=utf-8><body>b"), "b");
        assert_eq!(t("<script>never closed <p>x</p>"), "");
        assert_eq!(t("<iframe src=x />after"), "after");
        assert_eq!(t("<p>caf\u{e9} \u{1F600}</p>"), "caf\u{e9} \u{1F600}");
    }

    #[test]
    fn deep_nesting() {
        let depth = 100_000;
        let html = format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth));
        assert_eq!(t(&html), "deep");
        let nav = format!("{}x{}y", "<nav>".repeat(depth), "</nav>".repeat(depth));
        assert_eq!(t(&nav), "y");
    }

    #[test]
    fn pathological_inputs_do_not_panic() {
        for unit in [
            "<a x='>", "<a x=\"", "<", "&#", "&amp", "<!--", "<script>", "<a\"", "</",
        ] {
            let html = unit.repeat(200_000);
            let _ = t(&html);
        }
    }
}
