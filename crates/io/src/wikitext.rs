//! MediaWiki wikitext to plain text: a hand-written converter in four linear passes, with no
//! recursion and no backtracking, so that any input (unbalanced braces, thousands of nested
//! templates, a `<ref>` that never closes) is converted in time proportional to its length.
//!
//! # What it does
//!
//! 1. **Tags and comments.** `<!-- ... -->` is removed (an unterminated comment runs to the
//!    end, as in MediaWiki). `<ref>...</ref>`, `<ref .../>` and the other tags whose content
//!    is not prose (`references`, `gallery`, `math`, `chem`, `score`, `timeline`, `imagemap`,
//!    `templatestyles`, `mapframe`, `graph`, `includeonly`, ...) are removed with their content;
//!    an opening tag whose closing tag never comes is removed alone. `<br>` and block tags
//!    (`p`, `div`, `li`, ...) become a line break; every other tag is stripped, its content kept.
//! 2. **Templates and tables.** `{{...}}` (templates, parser functions), `{{{...}}}`
//!    (parameters) and `{| ... |}` tables (opened and closed at the start of a line) are matched
//!    with one explicit stack and removed, nested to any depth. An opener that is never closed,
//!    or a closer that closes nothing, is malformed markup: its braces are dropped and the text
//!    around it is kept, so one stray `{{` never swallows the rest of the article; a template
//!    opened after other text on its line is closed by the next blank line at the latest.
//! 3. **Links.** `[[target|text]]` becomes `text`, `[[target]]` becomes `target` (`[[:x]]`
//!    shows `x`); links whose target is in the file or category namespace (localized names from
//!    the dump's `<siteinfo>`, plus the canonical `File`, `Image`, `Media`, `Category`) are
//!    removed whole, captions and nested links included. External links `[http://x text]`
//!    become `text` (`[http://x]` disappears); unmatched `[[`/`]]` are dropped.
//! 4. **Lines.** `== Heading ==` becomes `Heading` on its own line; list and indent markers
//!    (`*`, `#`, `:`, `;`) are removed; table leftovers (lines starting with `|` or `!`) and
//!    rules (`----`) are dropped; bold/italic quotes (`''`, `'''`) and behaviour switches
//!    (`__TOC__`) are removed; character references (`&nbsp;`, `&#233;`) are decoded; spaces
//!    are collapsed. Blank lines are dropped: the result is one paragraph, heading or list item
//!    per line.
//!
//! # Why hand-written
//!
//! Wikitext has no grammar a parser generator can use, and real dumps hold every kind of broken
//! markup. What matters for a corpus is the prose, in linear time, never hanging and never
//! losing an article to one unbalanced brace.
//!
//! ```
//! use garbell_io::wikitext::{wikitext_to_text, Namespaces};
//!
//! let ns = Namespaces::default().with_file_names(["Fitxer"]).with_category_names(["Categoria"]);
//! let text = "{{Infobox|nom=x}}'''Girona''' és una [[ciutat]] de [[Catalunya|Catalunya]].\
//!             <ref>{{cite web|url=x}}</ref>\n[[Fitxer:G.jpg|thumb|Vista]]\n== Història ==\n\
//!             * Fundada pels [[romans]].\n[[Categoria:Ciutats]]";
//! assert_eq!(
//!     wikitext_to_text(text, &ns),
//!     "Girona és una ciutat de Catalunya.\nHistòria\nFundada pels romans."
//! );
//! ```

use memchr::memmem;

/// Tags removed together with their content.
const REMOVED_WITH_CONTENT: &[&str] = &[
    "ref",
    "references",
    "gallery",
    "math",
    "chem",
    "ce",
    "score",
    "timeline",
    "imagemap",
    "templatestyles",
    "templatedata",
    "mapframe",
    "maplink",
    "graph",
    "hiero",
    "includeonly",
    "inputbox",
    "categorytree",
    "indicator",
    "style",
    "script",
];

/// Tags that end a line.
const BLOCK_TAGS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
    "ul",
    "ol",
    "dl",
    "dd",
    "dt",
    "center",
    "pre",
];

/// Longest tag (from `<` to `>`) recognised; a longer one is text.
const MAX_TAG: usize = 2048;
/// Longest external link (from `[` to `]`) recognised.
const MAX_EXTERNAL_LINK: usize = 2048;
/// URL schemes of external links.
const SCHEMES: &[&[u8]] = &[
    b"http://",
    b"https://",
    b"ftp://",
    b"ftps://",
    b"//",
    b"mailto:",
    b"news:",
    b"irc://",
    b"ircs://",
    b"sftp://",
    b"git://",
];

/// Names of the namespaces whose links are removed: files and categories. Names are compared
/// case-insensitively, with `_` and spaces equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespaces {
    file: Vec<String>,
    category: Vec<String>,
}

impl Default for Namespaces {
    /// The canonical names: `File`, `Image`, `Media` and `Category`.
    fn default() -> Self {
        Namespaces {
            file: vec!["file".into(), "image".into(), "media".into()],
            category: vec!["category".into()],
        }
    }
}

impl Namespaces {
    /// Adds localized names of the file namespace (MediaWiki namespace 6, e.g. `Fitxer`) or of
    /// the media namespace (-2).
    pub fn with_file_names<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        for n in names {
            push_name(&mut self.file, n.as_ref());
        }
        self
    }

    /// Adds localized names of the category namespace (MediaWiki namespace 14, e.g. `Categoria`).
    pub fn with_category_names<S: AsRef<str>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Self {
        for n in names {
            push_name(&mut self.category, n.as_ref());
        }
        self
    }

    /// True when `target` (a link target such as `Fitxer:x.jpg`) is in a removed namespace.
    fn is_removed(&self, target: &str) -> bool {
        let Some((prefix, _)) = target.split_once(':') else {
            return false;
        };
        let prefix = normalize_name(prefix);
        self.file.iter().chain(&self.category).any(|n| *n == prefix)
    }
}

fn push_name(list: &mut Vec<String>, name: &str) {
    let n = normalize_name(name);
    if !n.is_empty() && !list.contains(&n) {
        list.push(n);
    }
}

fn normalize_name(name: &str) -> String {
    name.trim().replace('_', " ").to_lowercase()
}

/// Converts wikitext to plain text (see the module documentation). Linear in the input length.
pub fn wikitext_to_text(wikitext: &str, namespaces: &Namespaces) -> String {
    let s1 = strip_tags(wikitext);
    let s2 = strip_braces(&s1);
    let s3 = convert_links(&s2, namespaces);
    finish_lines(&s3)
}

// ---------------------------------------------------------------------------------------------
// Pass 1: tags and comments
// ---------------------------------------------------------------------------------------------

/// A tag found at some `<`.
struct Tag {
    /// Lowercased name.
    name: String,
    closing: bool,
    self_closing: bool,
    /// Index just after the `>`.
    end: usize,
}

/// Parses a tag starting at `b[p] == b'<'`.
fn parse_tag(b: &[u8], p: usize) -> Option<Tag> {
    let mut j = p + 1;
    let closing = b.get(j) == Some(&b'/');
    if closing {
        j += 1;
    }
    let name_start = j;
    if !b.get(j)?.is_ascii_alphabetic() {
        return None;
    }
    while j < b.len() && b[j].is_ascii_alphanumeric() && j - name_start < 24 {
        j += 1;
    }
    match b.get(j) {
        Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r') => {}
        _ => return None,
    }
    let limit = b.len().min(p + MAX_TAG);
    let rel = memchr::memchr2(b'>', b'<', &b[j..limit])?;
    let gt = j + rel;
    if b[gt] != b'>' {
        return None;
    }
    let name = String::from_utf8_lossy(&b[name_start..j]).to_ascii_lowercase();
    Some(Tag {
        name,
        closing,
        self_closing: gt > 0 && b[gt - 1] == b'/',
        end: gt + 1,
    })
}

/// Finds the end (index after `>`) of the closing tag `</name>` at or after `from`,
/// case-insensitively. Remembers names that have no closing tag left so that a file full of
/// unclosed `<ref>`s is still scanned once.
fn find_closing(b: &[u8], from: usize, name: &str, absent: &mut Vec<String>) -> Option<usize> {
    if absent.iter().any(|a| a == name) {
        return None;
    }
    let finder = memmem::Finder::new(b"</");
    let mut i = from;
    while let Some(k) = finder.find(&b[i..]) {
        let p = i + k;
        let n = p + 2;
        let matches = b.len() >= n + name.len()
            && b[n..n + name.len()].eq_ignore_ascii_case(name.as_bytes())
            && !b
                .get(n + name.len())
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if matches {
            let limit = b.len().min(n + MAX_TAG);
            if let Some(gt) = memchr::memchr(b'>', &b[n..limit]) {
                return Some(n + gt + 1);
            }
        }
        i = p + 2;
    }
    absent.push(name.to_string());
    None
}

fn strip_tags(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut absent = Vec::new();
    let (mut i, mut copied) = (0, 0);
    while let Some(k) = memchr::memchr(b'<', &b[i..]) {
        let p = i + k;
        if b[p..].starts_with(b"<!--") {
            out.push_str(&s[copied..p]);
            i = match memmem::find(&b[p + 4..], b"-->") {
                Some(e) => p + 4 + e + 3,
                None => b.len(),
            };
            copied = i;
            continue;
        }
        let Some(tag) = parse_tag(b, p) else {
            i = p + 1;
            continue;
        };
        out.push_str(&s[copied..p]);
        i = tag.end;
        if !tag.closing && !tag.self_closing && REMOVED_WITH_CONTENT.contains(&tag.name.as_str()) {
            if let Some(end) = find_closing(b, tag.end, &tag.name, &mut absent) {
                i = end;
            }
        } else if BLOCK_TAGS.contains(&tag.name.as_str()) {
            out.push('\n');
        }
        copied = i;
    }
    out.push_str(&s[copied..]);
    out
}

// ---------------------------------------------------------------------------------------------
// Pass 2: templates, parameters and tables
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Template,
    Table,
}

#[derive(Clone, Copy)]
struct Open {
    pos: usize,
    width: usize,
    kind: Kind,
    /// Opened after other text on its line: such a template does not span a blank line.
    inline: bool,
}

/// True when only spaces or tabs stand between the start of the line and `p`.
fn at_line_start(b: &[u8], p: usize) -> bool {
    let mut j = p;
    while j > 0 {
        match b[j - 1] {
            b' ' | b'\t' => j -= 1,
            b'\n' => return true,
            _ => return false,
        }
    }
    true
}

/// The explicit stack of open templates and tables.
struct BraceStack {
    stack: Vec<Open>,
    templates: usize,
    tables: usize,
    /// Byte ranges to delete: matched constructs and stray markers.
    delete: Vec<(usize, usize)>,
}

impl BraceStack {
    fn push(&mut self, open: Open) {
        match open.kind {
            Kind::Template => self.templates += 1,
            Kind::Table => self.tables += 1,
        }
        self.stack.push(open);
    }

    fn pop(&mut self) -> Option<Open> {
        let open = self.stack.pop()?;
        match open.kind {
            Kind::Template => self.templates -= 1,
            Kind::Table => self.tables -= 1,
        }
        Some(open)
    }

    /// Pops constructs until the top is of `kind` (there must be one); the popped ones were
    /// never closed: only their markers are deleted.
    fn unwind_to(&mut self, kind: Kind) {
        while self.stack.last().is_some_and(|o| o.kind != kind) {
            if let Some(o) = self.pop() {
                self.delete.push((o.pos, o.pos + o.width));
            }
        }
    }
}

fn strip_braces(s: &str) -> String {
    let b = s.as_bytes();
    let mut st = BraceStack {
        stack: Vec::new(),
        templates: 0,
        tables: 0,
        delete: Vec::new(),
    };
    // Blank lines end the templates opened inside a line before them: `a {{b` then a blank
    // line is a typo, not a template swallowing the next paragraphs.
    let blank_lines: Vec<usize> = memmem::find_iter(b, b"\n\n").collect();
    let mut next_blank = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr3(b'{', b'}', b'|', &b[i..]) {
        let p = i + k;
        while next_blank < blank_lines.len() && blank_lines[next_blank] < p {
            next_blank += 1;
            while st.stack.last().is_some_and(|o| o.inline) {
                if let Some(o) = st.pop() {
                    st.delete.push((o.pos, o.pos + o.width));
                }
            }
        }
        let run = |c: u8| b[p..].iter().take_while(|&&x| x == c).count();
        match b[p] {
            b'{' => {
                let n = run(b'{');
                if n == 1 {
                    if b.get(p + 1) == Some(&b'|') && at_line_start(b, p) {
                        st.push(Open {
                            pos: p,
                            width: 2,
                            kind: Kind::Table,
                            inline: false,
                        });
                        i = p + 2;
                    } else {
                        i = p + 1;
                    }
                    continue;
                }
                // `{{{{{x}}}}}` is a template around a parameter: outer openers first.
                let mut off = 0;
                let mut left = n;
                let inline = !at_line_start(b, p);
                while left >= 2 {
                    let width = if left == 3 { 3 } else { 2 };
                    st.push(Open {
                        pos: p + off,
                        width,
                        kind: Kind::Template,
                        inline,
                    });
                    off += width;
                    left -= width;
                }
                i = p + n;
            }
            b'}' => {
                let n = run(b'}');
                let mut off = 0;
                let mut left = n;
                while left >= 2 && st.templates > 0 {
                    st.unwind_to(Kind::Template);
                    let Some(open) = st.pop() else { break };
                    let width = if open.width == 3 && left >= 3 { 3 } else { 2 };
                    st.delete.push((open.pos, p + off + width));
                    off += width;
                    left -= width;
                }
                if left >= 2 {
                    // Closes nothing: a stray marker.
                    st.delete.push((p + off, p + n));
                }
                i = p + n;
            }
            _ => {
                // `|`: a table closer `|}` at the start of a line, unless it reads better as
                // the end of a template (`|}}` with a template on top).
                let closes_table = b.get(p + 1) == Some(&b'}')
                    && st.tables > 0
                    && at_line_start(b, p)
                    && !(b.get(p + 2) == Some(&b'}')
                        && st.stack.last().is_some_and(|o| o.kind == Kind::Template));
                if closes_table {
                    st.unwind_to(Kind::Table);
                    if let Some(open) = st.pop() {
                        st.delete.push((open.pos, p + 2));
                    }
                    i = p + 2;
                } else {
                    i = p + 1;
                }
            }
        }
    }
    // Never closed: drop the markers, keep the text.
    while let Some(o) = st.pop() {
        st.delete.push((o.pos, o.pos + o.width));
    }
    apply_deletions(s, st.delete)
}

/// Copies `s` without the byte ranges in `delete` (which may nest or overlap). Every range
/// boundary is at an ASCII marker or the end, so slicing is on character boundaries.
fn apply_deletions(s: &str, mut delete: Vec<(usize, usize)>) -> String {
    if delete.is_empty() {
        return s.to_string();
    }
    delete.sort_unstable();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    for (start, end) in delete {
        if start > copied {
            out.push_str(&s[copied..start]);
        }
        copied = copied.max(end);
    }
    if copied < s.len() {
        out.push_str(&s[copied..]);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Pass 3: links
// ---------------------------------------------------------------------------------------------

fn convert_links(s: &str, ns: &Namespaces) -> String {
    let b = s.as_bytes();
    // Pair `[[` with `]]` using a stack.
    let mut stack = Vec::new();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(k) = memchr::memchr2(b'[', b']', &b[i..]) {
        let p = i + k;
        let c = b[p];
        if b.get(p + 1) == Some(&c) {
            if c == b'[' {
                stack.push(p);
            } else if let Some(open) = stack.pop() {
                pairs.push((open, p));
            }
            i = p + 2;
        } else {
            i = p + 1;
        }
    }
    let mut by_open = pairs;
    by_open.sort_unstable();

    let mut out = String::with_capacity(s.len());
    let (mut i, mut copied) = (0, 0);
    while let Some(k) = memchr::memchr2(b'[', b']', &b[i..]) {
        let p = i + k;
        let double = b.get(p + 1) == Some(&b[p]);
        if b[p] == b']' {
            if double {
                // The end of a link, or a stray closer: dropped either way.
                out.push_str(&s[copied..p]);
                i = p + 2;
                copied = i;
            } else {
                i = p + 1;
            }
            continue;
        }
        if !double {
            match external_link(b, p) {
                Some((text, end)) => {
                    out.push_str(&s[copied..p]);
                    out.push_str(&s[text.0..text.1]);
                    i = end;
                    copied = i;
                }
                None => i = p + 1,
            }
            continue;
        }
        out.push_str(&s[copied..p]);
        let Ok(k) = by_open.binary_search_by(|&(o, _)| o.cmp(&p)) else {
            // An unmatched `[[`.
            i = p + 2;
            copied = i;
            continue;
        };
        let close = by_open[k].1;
        // The target ends at the first `|`, or at a nested `[` (then it is no real target).
        let t_end = p + 2 + memchr::memchr2(b'|', b'[', &b[p + 2..close]).unwrap_or(close - p - 2);
        let target = s[p + 2..t_end].trim();
        let (colon, target) = match target.strip_prefix(':') {
            Some(t) => (true, t),
            None => (false, target),
        };
        if !colon && ns.is_removed(target) {
            i = close + 2;
        } else if t_end == close {
            push_link_text(&mut out, target);
            i = close + 2;
        } else if b[t_end] == b'|' {
            // The label follows and is converted as text; `]]` is dropped when reached.
            i = t_end + 1;
            if s[i..close].trim().is_empty() {
                push_link_text(&mut out, target);
                i = close + 2;
            }
        } else {
            i = p + 2;
        }
        copied = i;
    }
    out.push_str(&s[copied..]);
    out
}

fn push_link_text(out: &mut String, target: &str) {
    for c in target.chars() {
        out.push(if c == '_' { ' ' } else { c });
    }
}

/// An external link `[scheme://... text]` at `b[p] == b'['`: the byte range of its text and the
/// index after its `]`.
fn external_link(b: &[u8], p: usize) -> Option<((usize, usize), usize)> {
    let rest = &b[p + 1..];
    if !SCHEMES
        .iter()
        .any(|sch| rest.len() >= sch.len() && rest[..sch.len()].eq_ignore_ascii_case(sch))
    {
        return None;
    }
    let limit = rest.len().min(MAX_EXTERNAL_LINK);
    let end = p + 1 + memchr::memchr2(b']', b'\n', &rest[..limit])?;
    if b[end] != b']' {
        return None;
    }
    let inner = &b[p + 1..end];
    let text = match memchr::memchr2(b' ', b'\t', inner) {
        Some(sp) => (p + 1 + sp + 1, end),
        None => (end, end),
    };
    Some((text, end + 1))
}

// ---------------------------------------------------------------------------------------------
// Pass 4: lines
// ---------------------------------------------------------------------------------------------

fn finish_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for raw in s.lines() {
        let line = raw.trim();
        if line.is_empty()
            || line.starts_with('|')
            || line.starts_with('!')
            || line.starts_with("{|")
            || line.starts_with("----")
        {
            continue;
        }
        let line = if line.len() >= 2 && line.starts_with('=') && line.ends_with('=') {
            line.trim_matches('=')
        } else {
            line.trim_start_matches(['*', '#', ':', ';'])
        };
        let start = out.len();
        if start > 0 {
            out.push('\n');
        }
        let content_start = out.len();
        push_inline(&mut out, line);
        if out[content_start..].trim().is_empty() {
            out.truncate(start);
        }
    }
    out
}

/// Appends `line` without bold/italic quotes and behaviour switches, with character references
/// decoded and spaces collapsed.
fn push_inline(out: &mut String, line: &str) {
    let b = line.as_bytes();
    let start = out.len();
    let mut pending_space = false;
    let mut i = 0;
    let mut copied = 0;
    // Flushes `line[copied..p]` with spaces collapsed.
    let flush = |out: &mut String, text: &str, pending_space: &mut bool| {
        for (n, word) in text.split([' ', '\t', '\u{a0}']).enumerate() {
            if n > 0 {
                *pending_space = true;
            }
            if !word.is_empty() {
                if *pending_space && out.len() > start {
                    out.push(' ');
                }
                *pending_space = false;
                out.push_str(word);
            }
        }
    };
    while let Some(k) = memchr::memchr3(b'\'', b'_', b'&', &b[i..]) {
        let p = i + k;
        match b[p] {
            b'\'' => {
                let n = b[p..].iter().take_while(|&&c| c == b'\'').count();
                if n >= 2 {
                    flush(out, &line[copied..p], &mut pending_space);
                    copied = p + n;
                }
                i = p + n;
            }
            b'_' => {
                let end = magic_word_end(b, p);
                if end > p {
                    flush(out, &line[copied..p], &mut pending_space);
                    copied = end;
                    i = end;
                } else {
                    i = p + 1;
                }
            }
            _ => {
                let (c, len) = crate::html::char_ref(&b[p..]);
                if let Some(c) = c {
                    flush(out, &line[copied..p], &mut pending_space);
                    let mut buf = [0u8; 4];
                    flush(out, c.encode_utf8(&mut buf), &mut pending_space);
                    copied = p + len;
                }
                i = p + len;
            }
        }
    }
    flush(out, &line[copied..], &mut pending_space);
}

/// The end of a behaviour switch `__NAME__` (upper-case letters) at `p`, or `p` if none.
fn magic_word_end(b: &[u8], p: usize) -> usize {
    if !b[p..].starts_with(b"__") {
        return p;
    }
    let n = b[p + 2..]
        .iter()
        .take(32)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    if n > 0 && b[p + 2 + n..].starts_with(b"__") {
        p + 4 + n
    } else {
        p
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    fn conv(s: &str) -> String {
        let ns = Namespaces::default()
            .with_file_names(["Fitxer"])
            .with_category_names(["Categoria"]);
        wikitext_to_text(s, &ns)
    }

    #[test]
    fn templates_nested_and_parameters() {
        assert_eq!(conv("a {{x|{{y|z}}|w={{{1|}}}}} b"), "a b");
        assert_eq!(conv("{{{{{a}}}}}text"), "text");
        assert_eq!(conv("{{Infobox\n|name = x\n|}}\nBody."), "Body.");
    }

    #[test]
    fn tables_and_templates_mix() {
        assert_eq!(
            conv("Abans.\n{| class=\"wikitable\"\n|-\n| {{flag|x}} || cell\n|}\nDesprés."),
            "Abans.\nDesprés."
        );
        assert_eq!(conv("{{a|\n{|\n|x\n|}\n}}ok"), "ok");
    }

    #[test]
    fn unbalanced_braces_keep_the_rest() {
        assert_eq!(conv("a {{broken b\n\nc {{t}} d"), "a broken b\nc d");
        assert_eq!(conv("x }} y {{ z"), "x y z");
        assert_eq!(conv("{|\n| cell\nText after."), "Text after.");
    }

    #[test]
    fn links() {
        assert_eq!(
            conv("[[a b|c]] [[d_e]]s [[:Categoria:X]]"),
            "c d es Categoria:X"
        );
        assert_eq!(
            conv("[[Fitxer:x.png|thumb|A [[caption]] here]]Text[[categoria:Y|*]]"),
            "Text"
        );
        assert_eq!(conv("[[Image:x.png]]a [[File:y.png|[[z]]]]b"), "a b");
        assert_eq!(
            conv("[http://x.org the site] and [https://y.org]."),
            "the site and ."
        );
        assert_eq!(conv("[[unclosed and [[ok]]"), "unclosed and ok");
        assert_eq!(conv("[not a link]"), "[not a link]");
    }

    #[test]
    fn refs_comments_and_tags() {
        assert_eq!(
            conv("A<ref name=\"n\">{{cite|x}}</ref> b<ref name=n/> c<!-- hidden -->d."),
            "A b cd."
        );
        assert_eq!(conv("x<br/>y<br>z"), "x\ny\nz");
        assert_eq!(conv("<span style=\"c\">v</span> <REF>r</REF>w"), "v w");
        assert_eq!(conv("a<ref>never closed b"), "anever closed b");
        assert_eq!(conv("a<!-- unterminated"), "a");
        assert_eq!(conv("1 < 2 > 0"), "1 < 2 > 0");
    }

    #[test]
    fn lines_quotes_entities() {
        assert_eq!(
            conv("__NOTOC__\n== Títol ==\n'''Bold''' and ''it''\n* one\n# two\n: three\n----\n"),
            "Títol\nBold and it\none\ntwo\nthree"
        );
        assert_eq!(
            conv("a&nbsp;b &amp; &#233; &lt;x&gt; l'home"),
            "a b & é <x> l'home"
        );
    }

    #[test]
    fn pathological_inputs_are_linear() {
        for s in [
            "{{".repeat(200_000),
            "}}".repeat(200_000),
            "[[".repeat(200_000),
            "<ref>".repeat(100_000),
            "{|\n".repeat(100_000),
            format!("{}x{}", "{{".repeat(100_000), "}}".repeat(100_000)),
            format!("{}x{}", "[[a|".repeat(100_000), "]]".repeat(100_000)),
            "[http://".repeat(100_000),
        ] {
            let t = std::time::Instant::now();
            let _ = conv(&s);
            assert!(t.elapsed().as_secs_f64() < 2.0, "slow on {}", &s[..10]);
        }
    }
}
