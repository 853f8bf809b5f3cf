//! Main-content extraction over the light tree of [`crate::dom`].

use crate::dom::{self, flag, Dom, Ev, Kind};
use crate::out::Text;

/// Knobs of the main-content extractor. The defaults are the ones measured in
/// `docs/sources.md` (HTML main text).
#[derive(Clone, Debug)]
pub struct Options {
    /// Keep comments sections (class/id `comment`, `disqus`, ...). Default: false.
    pub comments: bool,
    /// Keep tables (as `| a | b |` rows). Default: true.
    pub tables: bool,
    /// A list, table, item or block whose link text is at least this share of its text is
    /// navigation and dropped. Default: 0.6.
    pub max_link_density: f32,
    /// A main-content container (by tag, role, class or id) is used only when it holds at
    /// least this share of the page's clean text; otherwise the whole body is used.
    /// Default: 0.3.
    pub min_container_share: f32,
    /// Without a main container, keep only paragraph-like elements (`p`, `pre`, `code`,
    /// `blockquote`, tables): loose text in `div`s, headings and lists of such pages are more
    /// often template than content. Falls back to all elements when that leaves less than
    /// `min_text`. (trafilatura documents the same fallback as "wild text" recovery.)
    /// Default: true.
    pub paragraphs_without_container: bool,
    /// When the text without link-heavy parts has fewer non-white-space bytes than this, the
    /// link-heavy parts are kept (the page is a table of contents or a site map). Default: 250.
    pub min_text: usize,
    /// Inputs longer than this many bytes are cut (at a character boundary) before parsing.
    /// Default: 16 MiB.
    pub max_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            comments: false,
            tables: true,
            max_link_density: 0.6,
            min_container_share: 0.3,
            min_text: 250,
            paragraphs_without_container: true,
            max_bytes: 16 << 20,
        }
    }
}

/// Per-node text measures, in bytes of non-white-space text.
struct Measures {
    /// The node or an ancestor is excluded (boilerplate, hidden, dropped).
    excluded: Vec<bool>,
    /// Text in the subtree, excluded parts left out.
    clean: Vec<u32>,
    /// Of which inside links.
    link: Vec<u32>,
}

fn excluded_by_itself(node: &dom::Node, opts: &Options) -> bool {
    matches!(node.kind, Kind::Drop | Kind::Boiler)
        || node.flags & flag::BOILER != 0
        || (!opts.comments && node.flags & flag::COMMENTS != 0)
        || (!opts.tables && node.kind == Kind::Table)
}

/// Hidden elements (not rendered, or `aria-hidden`).
fn is_hidden(node: &dom::Node) -> bool {
    node.flags & (flag::HIDDEN | flag::ARIA_HIDDEN) != 0
}

/// Alternatives revealed by a script: an element whose child elements are two or more inline
/// elements, all not rendered (`hidden`, `display:none`), and that has no text of its own, is
/// a switch among variants (LibreOffice help's per-OS key names and menu paths: `<span
/// class="switchinline"><span hidden class="MAC">Befehl</span><span hidden>Strg</span></span>`)
/// of which a script shows one. Its last child, the default by the convention of such
/// switches, is kept; the others stay dropped. Returns the kept children.
fn shown_alternatives(dom: &Dom) -> Vec<bool> {
    let n = dom.nodes.len();
    let mut shown = vec![false; n];
    if !dom.nodes.iter().any(|d| d.flags & flag::HIDDEN != 0) {
        return shown;
    }
    let mut children = vec![0u32; n];
    let mut hidden_inline = vec![0u32; n];
    let mut last = vec![0u32; n];
    for (id, node) in dom.nodes.iter().enumerate().skip(1) {
        let p = node.parent as usize;
        children[p] += 1;
        if node.flags & flag::HIDDEN != 0 && matches!(node.kind, Kind::Inline | Kind::Link) {
            hidden_inline[p] += 1;
        }
        last[p] = id as u32;
    }
    let mut own_text = vec![false; n];
    for_each_text(dom, |cur, t| {
        own_text[cur] |= t.iter().any(|b| !b.is_ascii_whitespace());
    });
    for p in 0..n {
        if children[p] >= 2 && hidden_inline[p] == children[p] && !own_text[p] {
            shown[last[p] as usize] = true;
        }
    }
    shown
}

/// `aria-hidden` elements holding more than half of the page's text: a page wrapper made inert
/// while a dialog is open (as some pages are captured), not decoration. They are kept.
fn inert_wrappers(dom: &Dom) -> Vec<bool> {
    let n = dom.nodes.len();
    if !dom.nodes.iter().any(|d| d.flags & flag::ARIA_HIDDEN != 0) {
        return vec![false; n];
    }
    let mut size = vec![0u64; n];
    for_each_text(dom, |cur, t| {
        size[cur] += non_white(t) as u64;
    });
    for id in (1..n).rev() {
        let p = dom.nodes[id].parent as usize;
        size[p] += size[id];
    }
    (0..n)
        .map(|id| dom.nodes[id].flags & flag::ARIA_HIDDEN != 0 && size[id] * 2 > size[0])
        .collect()
}

/// The number of bytes of `t` that are not ASCII white space (`u8::is_ascii_whitespace`: tab,
/// line feed, form feed, carriage return, space). Counted in byte-wide lanes, 255 bytes at a
/// time, which the compiler turns into vector code; the byte-by-byte filter it replaces was
/// ≈ 10 % of the extractor's instructions.
fn non_white(t: &[u8]) -> usize {
    let mut total = 0;
    for chunk in t.chunks(255) {
        let mut c = 0u8;
        for &b in chunk {
            let white = (b == b' ') | ((b.wrapping_sub(b'\t') < 5) & (b != 0x0b));
            c += u8::from(!white);
        }
        total += usize::from(c);
    }
    total
}

/// Calls `f(node, text)` for every text event, with the innermost open node.
fn for_each_text(dom: &Dom, mut f: impl FnMut(usize, &[u8])) {
    let mut cur = 0usize;
    for ev in &dom.events {
        match *ev {
            Ev::Open(id) => cur = id as usize,
            Ev::Close(id) => cur = dom.nodes[id as usize].parent as usize,
            Ev::Text(s, e) => f(cur, &dom.text.as_bytes()[s as usize..e as usize]),
            Ev::Break => {}
        }
    }
}

fn measure(dom: &Dom, opts: &Options) -> Measures {
    let n = dom.nodes.len();
    let mut excluded = vec![false; n];
    let mut in_link = vec![false; n];
    let shown = shown_alternatives(dom);
    let inert = inert_wrappers(dom);
    for id in 1..n {
        let node = &dom.nodes[id];
        let p = node.parent as usize;
        // Strong content containers are never boilerplate by class alone; hidden ones go.
        let strong = node.flags & flag::CONTENT_STRONG != 0 && node.kind != Kind::Boiler;
        excluded[id] = excluded[p]
            || (excluded_by_itself(node, opts) && !strong)
            || (is_hidden(node) && !shown[id] && !inert[id]);
        in_link[id] = in_link[p] || node.kind == Kind::Link;
    }
    let mut clean = vec![0u32; n];
    let mut link = vec![0u32; n];
    for_each_text(dom, |cur, t| {
        if !excluded[cur] {
            let c = non_white(t) as u32;
            clean[cur] += c;
            if in_link[cur] {
                link[cur] += c;
            }
        }
    });
    // Children have larger ids than their parents: one backward pass sums subtrees.
    for id in (1..n).rev() {
        let p = dom.nodes[id].parent as usize;
        if !excluded[id] {
            clean[p] += clean[id];
            link[p] += link[id];
        }
    }
    Measures {
        excluded,
        clean,
        link,
    }
}

/// The node whose subtree is the main content.
fn main_root(dom: &Dom, m: &Measures, opts: &Options) -> usize {
    let total = m.clean[0] as f32;
    let mut best: [(u32, usize); 2] = [(0, 0); 2];
    for (id, node) in dom.nodes.iter().enumerate().skip(1) {
        if m.excluded[id] {
            continue;
        }
        let level = if node.flags & flag::CONTENT_STRONG != 0 {
            0
        } else if node.flags & flag::CONTENT != 0 {
            1
        } else {
            continue;
        };
        if m.clean[id] > best[level].0 {
            best[level] = (m.clean[id], id);
        }
    }
    for (clean, id) in best {
        if id != 0 && clean as f32 >= opts.min_container_share * total {
            return id;
        }
    }
    0
}

/// Whether a list, table, item or block is mostly links (navigation).
fn link_heavy(node: &dom::Node, clean: u32, link: u32, opts: &Options) -> bool {
    if clean == 0 || link == 0 {
        return false;
    }
    let density = link as f32 / clean as f32;
    match node.kind {
        Kind::List | Kind::Table => density >= opts.max_link_density,
        Kind::Block => density >= opts.max_link_density.max(0.8) && clean < 300,
        _ => false,
    }
}

/// Extracts the main text of a document with the given options.
pub fn extract_with(html: &str, opts: &Options) -> String {
    let html = if html.len() > opts.max_bytes {
        let mut cut = opts.max_bytes;
        while !html.is_char_boundary(cut) {
            cut -= 1;
        }
        &html[..cut]
    } else {
        html
    };
    let dom = dom::parse(html);
    let m = measure(&dom, opts);
    let root = main_root(&dom, &m, opts);
    let size = |t: &str| non_white(t.as_bytes());
    let mut text = String::new();
    let mut text_size = 0;
    // What the renders so far skipped. A render that skipped no text for being outside a
    // paragraph would be the same without `paragraphs_only`, and one that skipped no
    // link-heavy element the same without `drop_links` (the walk is otherwise the same): such
    // renders are not made again, as they could not give a longer text.
    let mut skipped: Option<Skipped> = None;
    if root == 0 && opts.paragraphs_without_container {
        let (t, s) = render(&dom, &m, root, opts, true, true);
        text = t;
        text_size = size(&text);
        skipped = Some(s);
    }
    if text_size < opts.min_text && skipped.is_none_or(|s| s.text) {
        let (all, s) = render(&dom, &m, root, opts, true, false);
        let all_size = size(&all);
        if all_size > text_size {
            text = all;
            text_size = all_size;
        }
        skipped = Some(s);
    }
    // A page that is little more than its link lists (a table of contents, a site map) keeps
    // them: they are its content.
    if text_size < opts.min_text && skipped.is_none_or(|s| s.links) {
        let (all, _) = render(&dom, &m, root, opts, false, false);
        if size(&all) > text_size {
            text = all;
        }
    }
    text
}

/// What a render left out besides excluded elements.
#[derive(Clone, Copy)]
struct Skipped {
    /// Text outside paragraph-like elements (`paragraphs_only`).
    text: bool,
    /// Link-heavy elements (`drop_links`).
    links: bool,
}

/// Paragraph-like elements: what is kept of a page without a main container.
fn paragraph_like(node: &dom::Node) -> bool {
    matches!(node.name, "p" | "blockquote" | "code" | "table") || node.kind == Kind::Pre
}

fn render(
    dom: &Dom,
    m: &Measures,
    root: usize,
    opts: &Options,
    drop_links: bool,
    paragraphs_only: bool,
) -> (String, Skipped) {
    let mut skipped = Skipped {
        text: false,
        links: false,
    };
    // Open paragraph-like elements around the current event (text outside them is skipped
    // when `paragraphs_only`).
    let mut paragraphs = 0u32;
    let mut out = Out::default();
    let node = &dom.nodes[root];
    let (start, end) = (node.open as usize + 1, node.close as usize);
    let mut pre = 0u32;
    // Cells in the current row, whether one is a `th`, and whether this is the table's first
    // row (a first row with a header cell is followed by a `|---|---|` line).
    let mut row_cells = 0usize;
    let mut row_th = false;
    let mut first_row = true;
    // Open table cells around the current event.
    let mut cells = 0u32;
    let mut i = start;
    while i < end {
        match dom.events[i] {
            Ev::Open(id) => {
                let id = id as usize;
                let node = &dom.nodes[id];
                let links = !m.excluded[id]
                    && drop_links
                    && link_heavy(node, m.clean[id], m.link[id], opts);
                skipped.links |= links;
                if m.excluded[id] || links {
                    i = node.close as usize + 1;
                    // A skipped element still separates what surrounds it, except hidden
                    // inline content, which takes no room in the page either (`Wör<span
                    // hidden>x</span>ter` is one word).
                    if node.kind != Kind::Inline && node.kind != Kind::Link {
                        out.newline();
                    } else if !is_hidden(node) {
                        out.space_if_needed();
                    }
                    continue;
                }
                if paragraph_like(node) {
                    paragraphs += 1;
                }
                match node.kind {
                    // Inside a table cell, blocks only separate words: a row stays one line.
                    Kind::Block | Kind::Heading | Kind::List | Kind::Pre if cells > 0 => {
                        out.space_if_needed()
                    }
                    Kind::Block | Kind::Heading | Kind::List | Kind::Root => out.newline(),
                    Kind::Table => {
                        out.newline();
                        first_row = true;
                    }
                    Kind::Pre => {
                        out.newline();
                        pre += 1;
                    }
                    Kind::Item if cells > 0 => out.space_if_needed(),
                    Kind::Item => {
                        out.newline();
                        if node.name == "li" {
                            out.push_str("- ");
                        }
                    }
                    Kind::Row => {
                        out.newline();
                        out.push_str("|");
                        row_cells = 0;
                        row_th = false;
                    }
                    Kind::Cell => {
                        cells += 1;
                        out.space_if_needed();
                        row_cells += 1;
                        row_th |= node.header_cell;
                    }
                    Kind::Inline | Kind::Link | Kind::Drop | Kind::Boiler => {}
                }
            }
            Ev::Close(id) => {
                let node = &dom.nodes[id as usize];
                if paragraph_like(node) {
                    paragraphs = paragraphs.saturating_sub(1);
                }
                match node.kind {
                    Kind::Block | Kind::Heading | Kind::List | Kind::Item | Kind::Pre
                        if cells > 0 =>
                    {
                        out.space_if_needed()
                    }
                    Kind::Block
                    | Kind::Heading
                    | Kind::List
                    | Kind::Item
                    | Kind::Table
                    | Kind::Root => out.newline(),
                    Kind::Pre => {
                        out.newline();
                        pre = pre.saturating_sub(1);
                    }
                    Kind::Cell => {
                        cells = cells.saturating_sub(1);
                        out.space_if_needed();
                        out.push_str("|");
                    }
                    Kind::Row => {
                        if first_row && row_th && row_cells > 0 {
                            out.newline();
                            out.push_str("|");
                            for _ in 0..row_cells {
                                out.push_str("---|");
                            }
                        }
                        first_row = false;
                        out.newline();
                    }
                    Kind::Inline | Kind::Link | Kind::Drop | Kind::Boiler => {}
                }
            }
            Ev::Text(..) if paragraphs_only && paragraphs == 0 => skipped.text = true,
            Ev::Text(s, e) => out.text(&dom.text[s as usize..e as usize], pre > 0 && cells == 0),
            Ev::Break if cells > 0 => out.space_if_needed(),
            Ev::Break => out.newline(),
        }
        i += 1;
    }
    (out.finish(), skipped)
}

/// The text being built: white space collapsed within lines, no empty lines, lines trimmed.
#[derive(Default)]
struct Out(Text);

/// Whether a character starting with byte `c` can be white space (Unicode `White_Space`):
/// ASCII white space, or the first byte of U+0085, U+00A0 (`C2`), U+1680 (`E1`),
/// U+2000-U+205F (`E2`) or U+3000 (`E3`).
fn may_start_white(c: u8) -> bool {
    c.is_ascii_whitespace() || c == 0x0b || matches!(c, 0xc2 | 0xe1 | 0xe2 | 0xe3)
}

/// Whether byte `c`, at a character boundary, starts a character that is not white space.
fn never_white(c: u8) -> bool {
    (0x21..0x7f).contains(&c) || (c >= 0x80 && !may_start_white(c))
}

/// The length of the UTF-8 sequence whose first byte is `c` (`c >= 0xc0` in valid UTF-8).
fn utf8_len(c: u8) -> usize {
    match c {
        0..=0x7f => 1,
        0x80..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

impl Out {
    fn newline(&mut self) {
        // A line holding only a list marker or a bare table bar is dropped.
        if self.0.s.ends_with("\n- ") || self.0.s == "- " {
            let n = self.0.s.len() - 2;
            self.0.s.truncate(n);
        }
        while self.0.s.ends_with(' ') {
            self.0.s.pop();
        }
        self.0.newline();
    }

    fn space_if_needed(&mut self) {
        self.0.space();
    }

    fn push_str(&mut self, t: &str) {
        self.0.push_str(t);
    }

    /// Appends decoded text, collapsing white space (kept as line breaks inside `pre`): the
    /// words between white-space characters (Unicode `White_Space`, which includes U+00A0)
    /// are written in order, a line break (`\n`, `\r`) between two of them ends the line
    /// inside `pre` and makes a space due elsewhere, any other white space makes a space due.
    ///
    /// Two shortcuts leave the output as it was: a single space between two words stays in
    /// the run written at once (writing the first word, making a space due and writing the
    /// second gives the same bytes), and a non-ASCII character whose first byte cannot start
    /// a white-space character is skipped without decoding it.
    fn text(&mut self, t: &str, pre: bool) {
        let b = t.as_bytes();
        let mut word = 0; // Start of the current word (or run of words).
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let (len, line) = if c < 0x80 {
                match c {
                    b' ' if i > word && b.get(i + 1).is_some_and(|&n| never_white(n)) => {
                        i += 1;
                        continue;
                    }
                    b'\n' | b'\r' => (1, true),
                    b'\t' | 0x0b | 0x0c | b' ' => (1, false),
                    _ => {
                        i += 1;
                        continue;
                    }
                }
            } else if !may_start_white(c) {
                i += utf8_len(c);
                continue;
            } else {
                // `i` is a character boundary: every byte before it was consumed whole.
                let ch = t[i..].chars().next().unwrap_or_default();
                if !ch.is_whitespace() {
                    i += ch.len_utf8();
                    continue;
                }
                (ch.len_utf8(), false)
            };
            self.push_str(&t[word..i]);
            if line && pre {
                self.newline();
            } else {
                self.space_if_needed();
            }
            i += len;
            word = i;
        }
        self.push_str(&t[word..]);
    }

    fn finish(mut self) -> String {
        self.newline();
        while self.0.s.ends_with('\n') {
            self.0.s.pop();
        }
        // Lines that are only table bars ("|" or "| |") carry nothing.
        if self
            .0
            .s
            .lines()
            .any(|l| l.trim_matches(['|', ' ']).is_empty())
        {
            let kept: Vec<&str> = self
                .0
                .s
                .lines()
                .filter(|l| !l.trim_matches(['|', ' ']).is_empty() || l.contains("---"))
                .collect();
            return kept.join("\n");
        }
        self.0.s
    }
}

#[cfg(test)]
mod tests {
    use super::{non_white, Out};

    #[test]
    fn non_white_counts_as_the_filter() {
        let all: Vec<u8> = (0..=255u8).collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut bytes = Vec::new();
        for _ in 0..5000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Mostly white space and letters, some of every byte.
            bytes.push(match state % 4 {
                0 => b" \t\n\r\x0b\x0c"[(state >> 8) as usize % 6],
                1 => b'a',
                _ => (state >> 16) as u8,
            });
        }
        for t in [
            &all[..],
            &bytes[..],
            &bytes[..254],
            &bytes[..256],
            &bytes[..511],
            &[],
        ] {
            let want = t.iter().filter(|b| !b.is_ascii_whitespace()).count();
            assert_eq!(non_white(t), want);
        }
        for b in 0..=255u8 {
            assert_eq!(
                non_white(&[b]),
                usize::from(!b.is_ascii_whitespace()),
                "{b}"
            );
        }
    }

    /// `Out::text` as it was written first (split at line breaks, then at white space): the
    /// reference the byte-level loop must match.
    fn text_by_split(out: &mut Out, t: &str, pre: bool) {
        for (k, piece) in t.split(['\n', '\r']).enumerate() {
            if k > 0 {
                if pre {
                    out.newline();
                } else {
                    out.space_if_needed();
                }
            }
            for (w, word) in piece
                .split(|c: char| c.is_whitespace() || c == '\u{a0}')
                .enumerate()
            {
                if w > 0 {
                    out.space_if_needed();
                }
                out.push_str(word);
            }
        }
    }

    #[test]
    fn text_collapses_white_space_as_the_split_did() {
        // Every white-space character and some that are not (0x1c-0x1f, ZWSP U+200B).
        let spaces: Vec<char> = (0u32..0x3001)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .chain(['\u{1c}', '\u{1f}', '\u{200b}', '\u{feff}'])
            .collect();
        assert!(spaces.contains(&'\u{a0}') && spaces.contains(&'\u{b}'));
        // Also non-ASCII characters whose first byte starts white-space characters too
        // (U+00AA, U+2013, U+20AC, U+3001: C2, E2, E2, E3) and one that does not (U+1E9E).
        let words = [
            "a", "Wörter", "ж", "日本", "", "x\u{301}", "- ", "ª", "–x", "€", "、", "ẞ", "\u{1c}y",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for case in 0..6000 {
            let mut pieces = Vec::new();
            for _ in 0..next(8) {
                pieces.push(String::from(words[next(words.len())]));
                for _ in 0..next(3) {
                    // Half of them a plain space (single spaces between words are the
                    // common case and have a shortcut).
                    let c = if next(2) == 0 {
                        ' '
                    } else {
                        spaces[next(spaces.len())]
                    };
                    pieces.push(c.to_string());
                }
            }
            let t: String = pieces.concat();
            // Two texts in a row, with what came before them (a line, a due space) varied.
            for pre in [false, true] {
                let (mut a, mut b) = (Out::default(), Out::default());
                for out in [&mut a, &mut b] {
                    if case % 3 > 0 {
                        out.push_str("x");
                    }
                    if case % 3 == 2 {
                        out.space_if_needed();
                    }
                }
                text_by_split(&mut a, &t, pre);
                text_by_split(&mut a, &t, !pre);
                b.text(&t, pre);
                b.text(&t, !pre);
                assert_eq!(a.0.s, b.0.s, "{t:?} pre {pre}");
                assert_eq!(a.0.space, b.0.space, "{t:?} pre {pre}");
                assert_eq!(a.finish(), b.finish());
            }
        }
    }
}
