//! A light tree: one linear pass of a lenient tokenizer builds an arena of element nodes and a
//! flat event list (open, close, text, break) in document order. A node's subtree is the event
//! range between its open and close events, so later passes walk or skip subtrees by index,
//! never by recursion.

use crate::plain::{char_ref, tokenize, Token, HEAD_CONTENT};
use memchr::memchr;

/// Deepest nesting kept as nodes; deeper elements add their text to the deepest node.
pub(crate) const MAX_DEPTH: usize = 256;
/// Most element nodes per document; later elements are treated like deep ones.
pub(crate) const MAX_NODES: usize = 1 << 20;
/// How far up the open-element stack an end tag looks for its start tag.
const END_TAG_SEARCH: usize = 64;

/// What an element means for extraction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// Inline markup (`b`, `span`, unknown elements): no break.
    Inline,
    /// A link: counted for link density.
    Link,
    /// A block: text on its own lines.
    Block,
    /// `h1`–`h6`.
    Heading,
    /// `ul`, `ol`, `menu`, `dl`.
    List,
    /// `li`, `dt`, `dd`.
    Item,
    /// `table`.
    Table,
    /// `tr`.
    Row,
    /// `td`, `th`.
    Cell,
    /// `pre`: line breaks kept.
    Pre,
    /// Content never kept (`head`, `svg`, `select`, `button`, ...).
    Drop,
    /// Boilerplate by tag (`nav`, `footer`, `aside`, `header`, `form`).
    Boiler,
    /// The `html` and `body` elements.
    Root,
}

/// Node flags.
pub(crate) mod flag {
    /// Boilerplate by class, id or role.
    pub const BOILER: u16 = 1;
    /// Not rendered: the `hidden` attribute or an inline `display:none` / `visibility:hidden`
    /// (see [`super::Hidden`]).
    pub const HIDDEN: u16 = 2;
    /// A likely main-content container by tag (`main`, `article`), role or itemprop.
    pub const CONTENT_STRONG: u16 = 4;
    /// A likely main-content container by class or id.
    pub const CONTENT: u16 = 8;
    /// A comments section.
    pub const COMMENTS: u16 = 16;
    /// `aria-hidden="true"`.
    pub const ARIA_HIDDEN: u16 = 32;
}

/// One element.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    pub flags: u16,
    /// Parent node (the root node 0 is its own parent).
    pub parent: u32,
    /// Index of the open event.
    pub open: u32,
    /// Index of the close event.
    pub close: u32,
    /// `th` cells (a header row in tables).
    pub header_cell: bool,
    /// Name for implied-end rules (`p`, `li`, `dt`, `dd`, `tr`, `td`, `th`, `option`...), or "".
    pub name: &'static str,
    /// The tag name packed into 8 bytes (end tags match it).
    pub tag: u64,
    /// `name` as a bit of [`implied`] (0 for names no implied-end rule looks for).
    pub implied: u16,
}

/// The names of [`Node::name`] that implied-end rules look for, one bit each (compared as bit
/// masks instead of strings).
pub(crate) mod implied {
    pub const NONE: u16 = 1;
    pub const P: u16 = 1 << 1;
    pub const LIST: u16 = 1 << 2;
    pub const TABLE: u16 = 1 << 3;
    pub const LI: u16 = 1 << 4;
    pub const TD: u16 = 1 << 5;
    pub const TH: u16 = 1 << 6;
    pub const DD: u16 = 1 << 7;
    pub const DT: u16 = 1 << 8;
    pub const DL: u16 = 1 << 9;
    pub const TR: u16 = 1 << 10;
    pub const TBODY: u16 = 1 << 11;
    pub const OPTION: u16 = 1 << 12;

    /// The bit of a node name ("" is a name too: elements without implied-end rules).
    pub fn of(name: &str) -> u16 {
        match name {
            "" => NONE,
            "p" => P,
            "list" => LIST,
            "table" => TABLE,
            "li" => LI,
            "td" => TD,
            "th" => TH,
            "dd" => DD,
            "dt" => DT,
            "dl" => DL,
            "tr" => TR,
            "tbody" => TBODY,
            "option" => OPTION,
            _ => 0,
        }
    }
}

/// A document event.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev {
    Open(u32),
    Close(u32),
    /// Decoded text: a range of [`Dom::text`].
    Text(u32, u32),
    /// A line break (`br`, `hr`, or a block element too deep to be a node).
    Break,
}

/// The tree of one document.
pub(crate) struct Dom {
    pub nodes: Vec<Node>,
    pub events: Vec<Ev>,
    /// All decoded text, in document order.
    pub text: String,
}

/// Tag names that matter, their kind and the static name used for implied-end rules.
fn classify(name: &str) -> (Kind, &'static str) {
    match name {
        "a" => (Kind::Link, "a"),
        "p" => (Kind::Block, "p"),
        "blockquote" => (Kind::Block, "blockquote"),
        "code" => (Kind::Inline, "code"),
        "div" | "section" | "figure" | "figcaption" | "address" | "center" | "details"
        | "summary" | "fieldset" | "legend" | "hgroup" | "caption" | "main" | "article"
        | "dialog" => (Kind::Block, ""),
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => (Kind::Heading, "h"),
        "ul" | "ol" | "menu" | "dir" => (Kind::List, "list"),
        "dl" => (Kind::List, "dl"),
        "li" => (Kind::Item, "li"),
        "dt" => (Kind::Item, "dt"),
        "dd" => (Kind::Item, "dd"),
        "table" => (Kind::Table, "table"),
        "tbody" | "thead" | "tfoot" => (Kind::Inline, "tbody"),
        "tr" => (Kind::Row, "tr"),
        "td" => (Kind::Cell, "td"),
        "th" => (Kind::Cell, "th"),
        "pre" | "listing" | "plaintext" => (Kind::Pre, ""),
        "head" | "svg" | "math" | "template" | "select" | "button" | "object" | "canvas"
        | "audio" | "video" | "datalist" | "map" | "picture" | "applet" | "embed" | "frameset"
        | "label" | "output" | "progress" | "meter" => (Kind::Drop, ""),
        "option" | "optgroup" => (Kind::Drop, "option"),
        "nav" | "footer" | "aside" | "header" | "form" => (Kind::Boiler, ""),
        "html" | "body" => (Kind::Root, ""),
        _ => (Kind::Inline, ""),
    }
}

/// Elements without content.
pub(crate) fn is_void(name: &str) -> bool {
    matches!(
        name,
        "br" | "hr"
            | "img"
            | "input"
            | "meta"
            | "link"
            | "area"
            | "base"
            | "col"
            | "embed"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "keygen"
            | "basefont"
            | "frame"
    )
}

/// Start tags that close an open `p`.
fn closes_p(kind: Kind, name: &str) -> bool {
    matches!(
        kind,
        Kind::Block
            | Kind::Heading
            | Kind::List
            | Kind::Table
            | Kind::Pre
            | Kind::Boiler
            | Kind::Item
    ) || name == "hr"
}

/// Boilerplate words: a class or id part (split at spaces, `-` and `_`) starting with one of
/// these marks boilerplate. Our own list, after the usual vocabulary of web templates (see
/// docs/sources.md).
const BOILER_WORDS: &[&str] = &[
    "nav",
    "menu",
    "breadcrumb",
    "footer",
    "sidebar",
    "share",
    "sharing",
    "social",
    "cookie",
    "consent",
    "gdpr",
    "banner",
    "advert",
    "sponsor",
    "related",
    "newsletter",
    "subscribe",
    "popup",
    "modal",
    "pagination",
    "pager",
    "skip",
    "toolbar",
    "login",
    "signup",
    "search",
    "widget",
    "masthead",
    "copyright",
    "toplang",
    "bottomlang",
    "langselect",
    "header",
    "topbar",
    "dropdown",
    "tags",
];

/// Parts that mark boilerplate only when they are the whole part.
const BOILER_PARTS: &[&str] = &["ad", "ads", "top", "up", "side", "aside", "print"];

/// Parts (prefixes) of comments sections.
const COMMENT_WORDS: &[&str] = &["comment", "disqus", "respond", "reply"];

/// Class/id parts that mark main content (whole parts).
const CONTENT_WORDS: &[&str] = &[
    "content",
    "maincontent",
    "article",
    "articlebody",
    "post",
    "entry",
    "story",
    "main",
    "document",
    "chapter",
    "body",
    "bodywrapper",
];

/// The attributes of a start tag (`name`, `value` as written; a value-less attribute has an
/// empty value), at most 64.
pub(crate) fn attributes(b: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let n = b.len();
    let mut i = 0;
    let mut count = 0;
    std::iter::from_fn(move || {
        while i < n && count < 64 {
            while i < n && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            let ns = i;
            while i < n
                && !b[i].is_ascii_whitespace()
                && b[i] != b'='
                && b[i] != b'/'
                && b[i] != b'>'
            {
                i += 1;
            }
            let name = &b[ns..i];
            while i < n && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value: &[u8] = &[];
            if i < n && b[i] == b'=' {
                i += 1;
                while i < n && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < n && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let vs = i + 1;
                    let ve = memchr(q, &b[vs..]).map_or(n, |k| vs + k);
                    value = &b[vs..ve];
                    i = (ve + 1).min(n);
                } else {
                    let vs = i;
                    while i < n && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = &b[vs..i];
                }
            }
            if name.is_empty() {
                i += 1;
                continue;
            }
            count += 1;
            return Some((name, value));
        }
        None
    })
}

/// How an element is hidden by its attributes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Hidden {
    /// Not hidden.
    No,
    /// Not rendered: the `hidden` attribute (but `hidden="until-found"`, whose content the
    /// browser's find-in-page reveals), or an inline `display:none` / `visibility:hidden`.
    Rendering,
    /// `aria-hidden="true"`: shown but hidden from assistive technology (decoration, icons,
    /// duplicated text).
    Aria,
}

/// Whether an attribute hides its element.
fn hides(name: &[u8], value: &[u8]) -> Hidden {
    if name.eq_ignore_ascii_case(b"hidden") {
        if value.eq_ignore_ascii_case(b"until-found") {
            return Hidden::No;
        }
        return Hidden::Rendering;
    }
    if name.eq_ignore_ascii_case(b"aria-hidden") {
        return if value.trim_ascii().eq_ignore_ascii_case(b"true") {
            Hidden::Aria
        } else {
            Hidden::No
        };
    }
    if name.eq_ignore_ascii_case(b"style") && style_hides(value) {
        return Hidden::Rendering;
    }
    Hidden::No
}

/// Whether an inline style holds `display:none` or `visibility:hidden` once its white space is
/// removed and its ASCII letters lowercased. Both have their only `:` at a fixed place, so each
/// `:` of the value is checked for them, in a copy on the stack (no allocation up to 512 bytes).
fn style_hides(value: &[u8]) -> bool {
    let mut stack = [0u8; 512];
    let mut heap = Vec::new();
    let buf: &mut [u8] = if value.len() <= stack.len() {
        &mut stack
    } else {
        heap.resize(value.len(), 0);
        &mut heap
    };
    let mut n = 0;
    for &c in value {
        if !c.is_ascii_whitespace() {
            buf[n] = c.to_ascii_lowercase();
            n += 1;
        }
    }
    let v = &buf[..n];
    memchr::memchr_iter(b':', v).any(|i| {
        let (before, after) = (&v[..i], &v[i + 1..]);
        (before.ends_with(b"display") && after.starts_with(b"none"))
            || (before.ends_with(b"visibility") && after.starts_with(b"hidden"))
    })
}

/// How the attributes `attrs` hide their element (rendering wins over ARIA).
pub(crate) fn hidden(attrs: &[u8]) -> Hidden {
    let mut out = Hidden::No;
    for (name, value) in attributes(attrs) {
        match hides(name, value) {
            Hidden::Rendering => return Hidden::Rendering,
            Hidden::Aria => out = Hidden::Aria,
            Hidden::No => {}
        }
    }
    out
}

/// The words of [`BOILER_WORDS`], [`BOILER_PARTS`], [`COMMENT_WORDS`] or [`CONTENT_WORDS`] by
/// first letter: bit `i` of entry `c - b'a'` is set when word `i` of the list starts with `c`.
/// Every word starts with a lowercase ASCII letter and a list has at most 64 words (checked at
/// compile time).
const fn by_first_letter(words: &[&str]) -> [u64; 26] {
    assert!(words.len() <= 64);
    let mut masks = [0u64; 26];
    let mut i = 0;
    while i < words.len() {
        let c = words[i].as_bytes()[0];
        assert!(c.is_ascii_lowercase());
        masks[(c - b'a') as usize] |= 1 << i;
        i += 1;
    }
    masks
}

const BOILER_WORDS_BY_FIRST: [u64; 26] = by_first_letter(BOILER_WORDS);
const BOILER_PARTS_BY_FIRST: [u64; 26] = by_first_letter(BOILER_PARTS);
const COMMENT_WORDS_BY_FIRST: [u64; 26] = by_first_letter(COMMENT_WORDS);
const CONTENT_WORDS_BY_FIRST: [u64; 26] = by_first_letter(CONTENT_WORDS);

/// Whether `part` (ASCII case ignored) equals (`whole`) or starts with one of the `words`
/// whose bits are set in `mask`.
fn matches_any(words: &[&str], mut mask: u64, part: &[u8], whole: bool) -> bool {
    while mask != 0 {
        let w = words[mask.trailing_zeros() as usize].as_bytes();
        mask &= mask - 1;
        let fits = if whole {
            part.len() == w.len()
        } else {
            part.len() >= w.len()
        };
        if fits && part[..w.len()].eq_ignore_ascii_case(w) {
            return true;
        }
    }
    false
}

/// Class/id hints of one part (bits of [`hint`]).
fn part_hints(part: &[u8]) -> u8 {
    let Some(first) = part.first().map(u8::to_ascii_lowercase) else {
        return 0;
    };
    if !first.is_ascii_lowercase() {
        return 0;
    }
    let k = (first - b'a') as usize;
    let mut bits = 0;
    if matches_any(COMMENT_WORDS, COMMENT_WORDS_BY_FIRST[k], part, false) {
        bits |= hint::COMMENT;
    }
    if matches_any(BOILER_WORDS, BOILER_WORDS_BY_FIRST[k], part, false)
        || matches_any(BOILER_PARTS, BOILER_PARTS_BY_FIRST[k], part, true)
    {
        bits |= hint::BOILER;
    }
    if matches_any(CONTENT_WORDS, CONTENT_WORDS_BY_FIRST[k], part, true) {
        bits |= hint::CONTENT;
    }
    bits
}

/// What the class and id words of a start tag say.
mod hint {
    /// A part starts with a word of `COMMENT_WORDS`.
    pub const COMMENT: u8 = 1;
    /// A part starts with a word of `BOILER_WORDS` or is one of `BOILER_PARTS`.
    pub const BOILER: u8 = 2;
    /// A part is one of `CONTENT_WORDS`.
    pub const CONTENT: u8 = 4;
    /// A space-separated part is a heading anchor class (`permalink`, `headerlink`,
    /// `anchorjs-link`).
    pub const ANCHOR: u8 = 8;
}

/// The class/id hints of one `class` or `id` value for an element of `kind`: containers split
/// the value into parts at spaces, `-` and `_` (see [`part_hints`]); links look for the
/// heading-anchor classes among its space-separated parts; other elements are not judged.
fn value_hints(kind: Kind, value: &[u8]) -> u8 {
    match kind {
        Kind::Root | Kind::Inline => 0,
        Kind::Link => {
            let anchor = value.split(|&c| c == b' ').any(|p| {
                p.eq_ignore_ascii_case(b"permalink")
                    || p.eq_ignore_ascii_case(b"headerlink")
                    || p.eq_ignore_ascii_case(b"anchorjs-link")
            });
            if anchor {
                hint::ANCHOR
            } else {
                0
            }
        }
        _ => value
            .split(|&c| c == b' ' || c == b'-' || c == b'_')
            .fold(0, |bits, p| bits | part_hints(p)),
    }
}

/// Flags from the attributes `attrs` of a start tag `name` of `kind`, in one pass over them
/// and without copies (tags `html` and `body` are not judged by their classes; class and id
/// words judge containers, not inline markup such as `<span class="menuitem">`, except the
/// "¶" anchors that documentation generators put after headings).
fn attr_flags(kind: Kind, name: &str, attrs: &[u8]) -> u16 {
    let mut hidden = Hidden::No;
    let mut role: &[u8] = &[];
    let mut main_prop = false;
    let mut hints = 0u8;
    for (aname, value) in attributes(attrs) {
        match aname.len() {
            2 | 5 if aname.eq_ignore_ascii_case(b"id") || aname.eq_ignore_ascii_case(b"class") => {
                if value.len() <= 512 {
                    hints |= value_hints(kind, value);
                }
                continue;
            }
            4 if aname.eq_ignore_ascii_case(b"role") => {
                role = value;
                continue;
            }
            8 if aname.eq_ignore_ascii_case(b"itemprop") => {
                main_prop = value.eq_ignore_ascii_case(b"articlebody")
                    || value.eq_ignore_ascii_case(b"text");
                continue;
            }
            5 | 6 | 11 => match hides(aname, value) {
                Hidden::Rendering => hidden = Hidden::Rendering,
                Hidden::Aria if hidden == Hidden::No => hidden = Hidden::Aria,
                _ => {}
            },
            _ => {}
        }
    }
    let mut f = 0;
    match hidden {
        Hidden::Rendering => f |= flag::HIDDEN,
        Hidden::Aria => f |= flag::ARIA_HIDDEN,
        Hidden::No => {}
    }
    if kind == Kind::Root {
        return f;
    }
    const BOILER_ROLES: &[&str] = &[
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "menu",
        "menubar",
        "toolbar",
        "dialog",
        "alertdialog",
        "tablist",
    ];
    if !role.is_empty() {
        if BOILER_ROLES
            .iter()
            .any(|r| role.eq_ignore_ascii_case(r.as_bytes()))
        {
            f |= flag::BOILER;
        } else if role.eq_ignore_ascii_case(b"main") || role.eq_ignore_ascii_case(b"article") {
            f |= flag::CONTENT_STRONG;
        }
    }
    if name == "main" || name == "article" || main_prop {
        f |= flag::CONTENT_STRONG;
    }
    if hints & hint::ANCHOR != 0 {
        f |= flag::BOILER;
    } else if hints & hint::COMMENT != 0 {
        f |= flag::COMMENTS;
    } else if hints & hint::BOILER != 0 {
        f |= flag::BOILER;
    } else if hints & hint::CONTENT != 0 {
        f |= flag::CONTENT;
    }
    f
}

/// Builds the tree. Linear in the input: every tag is read once, end tags search at most
/// [`END_TAG_SEARCH`] open elements, and nothing recurses.
pub(crate) fn parse(html: &str) -> Dom {
    let n = html.len();
    let mut dom = Dom {
        nodes: Vec::with_capacity(n / 64 + 4),
        events: Vec::with_capacity(n / 16 + 4),
        text: String::with_capacity(n / 3),
    };
    dom.nodes.push(Node {
        kind: Kind::Root,
        flags: 0,
        parent: 0,
        open: 0,
        close: 0,
        header_cell: false,
        name: "",
        tag: 0,
        implied: implied::NONE,
    });
    dom.events.push(Ev::Open(0));
    let mut stack: Vec<u32> = vec![0];
    tokenize(html, |token| match token {
        Token::Text(t) => push_text(&mut dom, t),
        Token::End(name) => end_tag(&mut dom, &mut stack, name),
        Token::Start(name, attrs, self_closing) => {
            start_tag(&mut dom, &mut stack, name, attrs, self_closing)
        }
    });
    while stack.len() > 1 {
        pop(&mut dom, &mut stack);
    }
    let close = dom.events.len() as u32;
    dom.events.push(Ev::Close(0));
    dom.nodes[0].close = close;
    dom
}

fn push_text(dom: &mut Dom, t: &str) {
    let start = dom.text.len();
    let b = t.as_bytes();
    let mut run = 0;
    let mut j = 0;
    while let Some(k) = memchr(b'&', &b[j..]) {
        let p = j + k;
        dom.text.push_str(&t[run..p]);
        let (c, len) = char_ref(&b[p..]);
        match c {
            Some(c) => dom.text.push(c),
            None => dom.text.push('&'),
        }
        j = p + len;
        run = j;
    }
    dom.text.push_str(&t[run..]);
    let end = dom.text.len();
    if end > start {
        // Adjacent text runs (split by a comment or a dropped raw element) merge.
        if let Some(Ev::Text(_, e)) = dom.events.last_mut() {
            if *e as usize == start {
                *e = end as u32;
                return;
            }
        }
        dom.events.push(Ev::Text(start as u32, end as u32));
    }
}

fn pop(dom: &mut Dom, stack: &mut Vec<u32>) {
    if let Some(id) = stack.pop() {
        let close = dom.events.len() as u32;
        dom.events.push(Ev::Close(id));
        dom.nodes[id as usize].close = close;
    }
}

fn top_name(dom: &Dom, stack: &[u32]) -> &'static str {
    stack.last().map_or("", |&id| dom.nodes[id as usize].name)
}

/// Closes the innermost open element whose name is one of `names` if it is found before any of
/// `stop`, within a few levels (both are masks of [`implied`] bits).
fn close_open(dom: &mut Dom, stack: &mut Vec<u32>, names: u16, stop: u16) {
    let found = stack
        .iter()
        .rev()
        .take(END_TAG_SEARCH)
        .take_while(|&&id| dom.nodes[id as usize].implied & stop == 0)
        .position(|&id| dom.nodes[id as usize].implied & names != 0);
    if let Some(k) = found {
        for _ in 0..=k {
            pop(dom, stack);
        }
    }
}

fn start_tag(dom: &mut Dom, stack: &mut Vec<u32>, name: &str, attrs: &[u8], self_closing: bool) {
    let (kind, sname) = classify(name);
    // An unclosed head ends at the first element that cannot be in it.
    if top_name(dom, stack) == "head" && !HEAD_CONTENT.contains(&name) {
        pop(dom, stack);
    }
    if closes_p(kind, name) {
        use implied::*;
        close_open(dom, stack, P, NONE | LIST | TABLE | LI | TD | TH | DD);
    }
    {
        use implied::*;
        // (No node is named "select": `option` stops at a list only.)
        match sname {
            "li" => close_open(dom, stack, LI, LIST | TABLE),
            "dt" | "dd" => close_open(dom, stack, DT | DD, DL | TABLE),
            "tr" => close_open(dom, stack, TR | TD | TH, TABLE),
            "td" | "th" => close_open(dom, stack, TD | TH, TR | TABLE),
            "tbody" => close_open(dom, stack, TBODY | TR | TD | TH, TABLE),
            "option" => close_open(dom, stack, OPTION, LIST),
            _ => {}
        }
    }
    if is_void(name) {
        if name == "br" || name == "hr" {
            dom.events.push(Ev::Break);
        }
        return;
    }
    if name == "head" && dom.nodes.len() > 2 {
        // A second head (or one after body content) is ignored.
        return;
    }
    let too_deep = stack.len() >= MAX_DEPTH || dom.nodes.len() >= MAX_NODES;
    if too_deep {
        if kind != Kind::Inline && kind != Kind::Link {
            dom.events.push(Ev::Break);
        }
        return;
    }
    if self_closing && kind != Kind::Inline {
        // `<div/>`: an empty element in XHTML; browsers open it, but nothing of value is lost
        // by treating it as empty.
        dom.events.push(Ev::Break);
        return;
    }
    let flags = attr_flags(kind, name, attrs);
    let id = dom.nodes.len() as u32;
    let parent = stack.last().copied().unwrap_or(0);
    let node_name = if name == "head" { "head" } else { sname };
    dom.nodes.push(Node {
        kind,
        flags,
        parent,
        open: dom.events.len() as u32,
        close: 0,
        header_cell: name == "th",
        name: node_name,
        tag: pack(name),
        implied: implied::of(node_name),
    });
    dom.events.push(Ev::Open(id));
    stack.push(id);
}

fn end_tag(dom: &mut Dom, stack: &mut Vec<u32>, name: &str) {
    if name == "br" {
        dom.events.push(Ev::Break);
        return;
    }
    if name == "html" || name == "body" {
        // (The `Kind::Root` elements.) Content after `</body>` still belongs to the body.
        return;
    }
    let tag = pack(name);
    // Find the innermost open element with this tag.
    let found = stack
        .iter()
        .rev()
        .take(END_TAG_SEARCH)
        .position(|&id| id != 0 && dom.nodes[id as usize].tag == tag);
    match found {
        Some(k) => {
            for _ in 0..=k {
                pop(dom, stack);
            }
        }
        // A stray `</p>` is an empty paragraph in browsers; other stray end tags are ignored.
        None if name == "p" => dom.events.push(Ev::Break),
        None => {}
    }
}

/// Packs a tag name into a `u64` (names longer than 8 bytes share a key with their prefix plus
/// length, good enough to pair end tags with start tags).
fn pack(name: &str) -> u64 {
    let b = name.as_bytes();
    let mut k = [0u8; 8];
    let n = b.len().min(7);
    k[..n].copy_from_slice(&b[..n]);
    k[7] = b.len().min(255) as u8;
    u64::from_le_bytes(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The former attribute reading (lowercased `class`/`id` copied into a `String`, then split
    /// up to three times), kept as the reference for [`attr_flags`].
    fn reference_flags(kind: Kind, name: &str, b: &[u8]) -> u16 {
        let mut class_id = String::new();
        let mut role = String::new();
        let mut hidden = Hidden::No;
        let mut main_prop = false;
        for (name, value) in attributes(b) {
            let append_lower = |to: &mut String, v: &[u8]| {
                let from = to.len();
                to.push_str(&String::from_utf8_lossy(v));
                to[from..].make_ascii_lowercase();
            };
            match hides(name, value) {
                Hidden::Rendering => hidden = Hidden::Rendering,
                Hidden::Aria if hidden == Hidden::No => hidden = Hidden::Aria,
                _ => {}
            }
            if name.eq_ignore_ascii_case(b"class") || name.eq_ignore_ascii_case(b"id") {
                if value.len() <= 512 {
                    append_lower(&mut class_id, value);
                    class_id.push(' ');
                }
            } else if name.eq_ignore_ascii_case(b"role") {
                role.clear();
                append_lower(&mut role, value);
            } else if name.eq_ignore_ascii_case(b"itemprop") {
                main_prop = value.eq_ignore_ascii_case(b"articlebody")
                    || value.eq_ignore_ascii_case(b"text");
            }
        }
        let mut f = 0;
        match hidden {
            Hidden::Rendering => f |= flag::HIDDEN,
            Hidden::Aria => f |= flag::ARIA_HIDDEN,
            Hidden::No => {}
        }
        if kind == Kind::Root {
            return f;
        }
        match role.as_str() {
            "navigation" | "banner" | "contentinfo" | "complementary" | "search" | "menu"
            | "menubar" | "toolbar" | "dialog" | "alertdialog" | "tablist" => f |= flag::BOILER,
            "main" | "article" => f |= flag::CONTENT_STRONG,
            _ => {}
        }
        if name == "main" || name == "article" || main_prop {
            f |= flag::CONTENT_STRONG;
        }
        if matches!(kind, Kind::Inline | Kind::Link) {
            if kind == Kind::Link
                && class_id
                    .split(' ')
                    .any(|p| matches!(p, "permalink" | "headerlink" | "anchorjs-link"))
            {
                f |= flag::BOILER;
            }
            return f;
        }
        let parts = || class_id.split([' ', '-', '_']).filter(|p| !p.is_empty());
        if parts().any(|p| COMMENT_WORDS.iter().any(|w| p.starts_with(w))) {
            f |= flag::COMMENTS;
        } else if parts()
            .any(|p| BOILER_WORDS.iter().any(|w| p.starts_with(w)) || BOILER_PARTS.contains(&p))
        {
            f |= flag::BOILER;
        } else if parts().any(|p| CONTENT_WORDS.contains(&p)) {
            f |= flag::CONTENT;
        }
        f
    }

    /// A small deterministic generator (xorshift), no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.next() as usize % from.len()]
        }
    }

    /// The former style check: a lowercased copy without white space, searched for both.
    fn reference_style_hides(value: &[u8]) -> bool {
        let v: Vec<u8> = value
            .iter()
            .filter(|c| !c.is_ascii_whitespace())
            .map(u8::to_ascii_lowercase)
            .collect();
        memchr::memmem::find(&v, b"display:none").is_some()
            || memchr::memmem::find(&v, b"visibility:hidden").is_some()
    }

    #[test]
    fn style_hides_matches_the_former_search() {
        let pieces = [
            "display",
            "DISPLAY",
            "Display",
            ":",
            " : ",
            "none",
            "NONE",
            "n one",
            "visibility",
            "visi bility",
            "hidden",
            "HIDDEN",
            ";",
            " ",
            "\t",
            "\n",
            "block",
            "color:red",
            "x",
            "::",
            "display:",
            ":none",
            "dis\rplay",
            "é",
            "hid",
            "den",
        ];
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let mut hiding = 0;
        for round in 0..20_000 {
            let mut v = String::new();
            for _ in 0..rng.next() % 8 {
                v.push_str(rng.pick(&pieces));
            }
            if round % 100 == 0 {
                v = format!("{}{v}", "a: b;".repeat(120)); // longer than the stack copy
            }
            let new = style_hides(v.as_bytes());
            assert_eq!(new, reference_style_hides(v.as_bytes()), "{v:?}");
            hiding += usize::from(new);
        }
        assert!(hiding > 100, "{hiding} hiding styles generated");
    }

    #[test]
    fn attr_flags_match_the_former_string_matching() {
        let mut words: Vec<&str> = Vec::new();
        for list in [BOILER_WORDS, BOILER_PARTS, COMMENT_WORDS, CONTENT_WORDS] {
            words.extend_from_slice(list);
        }
        words.extend_from_slice(&[
            "permalink",
            "headerlink",
            "anchorjs-link",
            "NAV",
            "Main",
            "ContentWrapper",
            "ad",
            "adx",
            "a",
            "",
            "x",
            "navbar",
            "comments",
            "menuitem",
            "tops",
            "é",
            "contentè",
            "ñav",
            "9nav",
            "display:none",
            "until-found",
            "true",
            " TRUE ",
            "articleBody",
            "text",
            "main",
            "navigation",
            "Banner",
            "dialog ",
        ]);
        let seps = [" ", "-", "_", "  ", "\t", "\n", "", "--", " _"];
        let names = [
            "class",
            "CLASS",
            "id",
            "Id",
            "role",
            "ROLE",
            "itemprop",
            "hidden",
            "aria-hidden",
            "style",
            "href",
            "data-x",
            "classy",
        ];
        let quotes = ["\"", "'", ""];
        let kinds = [
            (Kind::Block, "div"),
            (Kind::Block, "main"),
            (Kind::Block, "article"),
            (Kind::Link, "a"),
            (Kind::Inline, "span"),
            (Kind::Root, "body"),
            (Kind::Boiler, "nav"),
            (Kind::List, "ul"),
            (Kind::Item, "li"),
            (Kind::Drop, "select"),
            (Kind::Heading, "h2"),
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut differing = 0;
        for _ in 0..30_000 {
            let mut attrs = String::new();
            for _ in 0..rng.next() % 5 {
                attrs.push(' ');
                attrs.push_str(rng.pick(&names));
                if rng.next().is_multiple_of(8) {
                    continue; // no value
                }
                let q = rng.pick(&quotes);
                attrs.push('=');
                attrs.push_str(q);
                for k in 0..rng.next() % 4 {
                    if k > 0 || rng.next().is_multiple_of(4) {
                        attrs.push_str(rng.pick(&seps));
                    }
                    attrs.push_str(rng.pick(&words));
                }
                if rng.next().is_multiple_of(50) {
                    attrs.push_str(&"x".repeat(520));
                }
                attrs.push_str(q);
            }
            for &(kind, name) in &kinds {
                let new = attr_flags(kind, name, attrs.as_bytes());
                let old = reference_flags(kind, name, attrs.as_bytes());
                if new != old {
                    differing += 1;
                    eprintln!("{kind:?} <{name}{attrs}>: {new} != {old}");
                }
            }
        }
        assert_eq!(differing, 0);
    }
}
