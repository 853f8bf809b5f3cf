//! The main-content extractor on small documents: boilerplate, layout, malformed markup,
//! hostile nesting. Fixtures in tests/data are described in tests/data/README.md.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use garbell_html::{extract_text, extract_with, plain_text, Options};

fn data(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn boilerplate_is_removed_and_content_kept() {
    let html = data("blog.html");
    let text = extract_text(&html);
    for kept in [
        "Com fer pa de pagès",
        "La farina, l'aigua i la sal",
        "- 500 g de farina",
        "| Pas | Temps |",
        "| Pastar | 10 min |",
        "Deixeu reposar la massa",
    ] {
        assert!(text.contains(kept), "missing {kept:?} in:\n{text}");
    }
    for dropped in [
        "Inici",
        "Receptes",
        "Acceptar galetes",
        "Comparteix",
        "Comentaris",
        "Molt bona recepta",
        "Drets reservats",
        "Entrades relacionades",
        "Subscriu-te",
        "amagat",
        "var tracker",
    ] {
        assert!(!text.contains(dropped), "kept {dropped:?} in:\n{text}");
    }
    // The plain mode keeps what is outside nav/header/footer/aside/form, e.g. the cookie banner.
    assert!(plain_text(&html).contains("Fem servir galetes"));
    // Comments are kept on request.
    let html = "<body><p>Una recepta llarga que explica com es fa el pa a casa, pas a pas, amb \
                prou text perquè la pàgina tingui contingut propi i no sigui només enllaços.</p>\
                <div id=\"comments\"><p>Molt bona recepta!</p></div></body>";
    assert!(!extract_text(html).contains("Molt bona"));
    let with = extract_with(
        html,
        &Options {
            comments: true,
            ..Options::default()
        },
    );
    assert!(with.contains("Molt bona recepta"), "{with}");
}

#[test]
fn layout_of_blocks_lists_tables_and_pre() {
    let html = "<body><main><h2>Títol</h2><p>Un  paràgraf\n amb <b>negreta</b>.<br>Línia dos</p>\
                <ul><li>u</li><li>dos <i>i</i> tres</li></ul>\
                <table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>\
                <pre>fn main() {\n    x\n}</pre><p>fi</p></main></body>";
    assert_eq!(
        extract_text(html),
        "Títol\nUn paràgraf amb negreta.\nLínia dos\n- u\n- dos i tres\n| A | B |\n|---|---|\n| 1 | 2 |\nfn main() {\nx\n}\nfi"
    );
}

#[test]
fn main_container_wins_over_unmarked_sidebars() {
    let side: String = (0..5)
        .map(|i| format!("<p>Side note {i} about other things.</p>"))
        .collect();
    let body: String = (0..20)
        .map(|i| format!("<p>Main paragraph number {i} with a reasonable amount of words.</p>"))
        .collect();
    let html = format!("<body><div class=col>{side}</div><div id=content>{body}</div></body>");
    let text = extract_text(&html);
    assert!(text.starts_with("Main paragraph number 0"), "{text}");
    assert!(!text.contains("Side note"));
    // A tiny "content" container does not swallow the page.
    let html = format!("<body><div class=content>x</div>{body}</body>");
    assert!(extract_text(&html).contains("number 19"));
}

#[test]
fn link_lists_are_navigation() {
    let links: String = (0..8)
        .map(|i| format!("<li><a href=/{i}>Section {i}</a></li>"))
        .collect();
    let html = format!(
        "<body><ul>{links}</ul><p>Body text that <a href=x>links</a> somewhere, and goes on for a while. {}</p></body>",
        "More words. ".repeat(30)
    );
    let text = extract_text(&html);
    assert!(text.starts_with("Body text that links somewhere"), "{text}");
    assert!(!text.contains("Section"));
    // A page that is only links (a table of contents) keeps them.
    let toc = format!("<body><h1>Contents</h1><ul>{links}</ul></body>");
    assert!(extract_text(&toc).contains("- Section 7"));
}

#[test]
fn malformed_markup() {
    let html = data("malformed.html");
    let text = extract_text(&html);
    assert!(text.contains("Primer paràgraf sense tancar"), "{text}");
    assert!(text.contains("Segon paràgraf"), "{text}");
    assert!(text.contains("element dins d'una cel·la"), "{text}");
    assert!(text.contains("després del body"), "{text}");
    assert!(text.contains("1 < 2"), "{text}");
    assert!(!text.contains("menú"), "{text}");
    assert!(!text.contains("script"), "{text}");
    // Unclosed elements, stray end tags, broken attributes, truncated input.
    assert_eq!(extract_text("<p>a<p>b</div></span>c"), "a\nbc");
    assert_eq!(extract_text("<div class=\"x>y</div>z"), "y\nz");
    assert_eq!(extract_text("<ul><li>a<li>b</ul>"), "- a\n- b");
    assert_eq!(
        extract_text("<table><tr><td>a<td>b<tr><td>c</table>"),
        "| a | b |\n| c |"
    );
    assert_eq!(extract_text("text<nav"), "text");
    assert_eq!(extract_text("<svg><p>x</p>"), "");
    assert_eq!(extract_text(""), "");
}

#[test]
fn deep_nesting_has_bounded_stack() {
    // Run on a small thread stack: nothing may recurse on input depth.
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let depth = 100_000;
            let html = format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth));
            let a = extract_text(&html);
            let html = format!("{}x{}", "<li><ul>".repeat(depth), "<b><i>".repeat(depth));
            let b = extract_text(&html);
            let html = format!("<p>{}kept", "<nav>".repeat(depth));
            let c = extract_text(&html);
            (a, b, c)
        })
        .unwrap();
    let (a, b, c) = worker.join().unwrap();
    assert_eq!(a, "deep");
    assert!(b.contains('x'));
    assert_eq!(c, "");
}

#[test]
fn arbitrary_bytes_do_not_panic() {
    // A fixed pseudo-random byte soup with markup pieces mixed in.
    let pieces = [
        "<",
        ">",
        "</",
        "<div",
        " class=\"nav",
        "'",
        "\"",
        "&",
        "&#x",
        ";",
        "<!--",
        "-->",
        "<li>",
        "<td>",
        "<table",
        "<pre>",
        "\n",
        "é",
        "<script>",
        "</a>",
        "<a href=",
        "<p",
        "/>",
        "x",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..300 {
        let mut s = String::new();
        for _ in 0..200 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            s.push_str(pieces[(state % pieces.len() as u64) as usize]);
        }
        let _ = extract_text(&s);
        let _ = plain_text(&s);
    }
}

#[test]
fn without_a_container_only_paragraphs_count() {
    let para =
        "Un paràgraf de contingut real, prou llarg per comptar com a text principal. ".repeat(5);
    let html = format!(
        "<body><div class=col>Text solt de plantilla</div><h2>Capítol</h2><p>{para}</p>\
         <ul><li>element</li></ul><pre>codi</pre></body>"
    );
    let text = extract_text(&html);
    assert!(text.starts_with("Un paràgraf"), "{text}");
    assert!(text.ends_with("codi"), "{text}");
    assert!(!text.contains("Text solt") && !text.contains("Capítol") && !text.contains("element"));
    let all = extract_with(
        &html,
        &Options {
            paragraphs_without_container: false,
            ..Options::default()
        },
    );
    assert!(
        all.contains("Text solt de plantilla\nCapítol\nUn paràgraf"),
        "{all}"
    );
    assert!(all.contains("- element"), "{all}");
    // A short page without paragraphs keeps its other text.
    assert_eq!(
        extract_text("<body><div>Només un div</div></body>"),
        "Només un div"
    );
}

#[test]
fn hidden_content_is_dropped_and_never_glued() {
    // LibreOffice help's per-OS variants: every variant hidden, a script shows one. The last
    // (the default) is kept, in both spots of the sentence, and nothing is glued.
    let html = "<main><p>Choose <span class=\"switchinline\"><span hidden=\"true\" class=\"MAC\">\
        <span class=\"emph\">LibreOffice - Preferences</span></span><span hidden=\"true\">\
        <span class=\"emph\">Tools - Options</span></span></span><span class=\"emph\"> - \
        LibreOffice - Paths</span>.</p><p>Press <span class=\"switchinline\"><span hidden \
        class=\"MAC\">Command</span><span hidden>Ctrl</span></span>+F3 to leave the group, then \
        save the document and close the window before you continue.</p></main>";
    let text = extract_text(html);
    assert_eq!(
        text,
        "Choose Tools - Options - LibreOffice - Paths.\nPress Ctrl+F3 to leave the group, then \
         save the document and close the window before you continue."
    );
    assert!(!text.contains("PreferencesTools") && !text.contains("CommandCtrl"));
    // The plain mode has no tree: every hidden variant goes.
    assert_eq!(
        plain_text(html),
        "Choose - LibreOffice - Paths.\nPress +F3 to leave the group, then save the document and \
         close the window before you continue."
    );

    // Other hidden content goes, and takes no room; `until-found` content stays.
    let html = "<article><p>Visible text of a long enough paragraph for the page, with \
        Wör<span style=\"display: none\">xyz</span>ter and an icon<span aria-hidden=\"true\">★</span> \
        and <span hidden=\"until-found\">found text</span>.</p>\
        <div hidden><p>Secret dialog text</p></div>\
        <p style=\"visibility:hidden\">Invisible paragraph</p>\
        <p aria-hidden=\"TRUE\">Duplicated for screen readers</p></article>";
    let text = extract_text(html);
    assert_eq!(
        text,
        "Visible text of a long enough paragraph for the page, with Wörter and an icon and found \
         text."
    );
    // The plain mode keeps `aria-hidden` content (shown on the page).
    assert_eq!(
        plain_text(html),
        "Visible text of a long enough paragraph for the page, with Wörter and an icon★ and \
         found text.\nDuplicated for screen readers"
    );
    // A page wrapper made `aria-hidden` by an open dialog is not decoration: kept.
    let html = "<body><div id=\"page\" aria-hidden=\"true\"><main><p>The article text of the \
        page, long enough to be most of it.</p></main></div><div role=\"dialog\"><p>Accept \
        cookies?</p></div></body>";
    assert_eq!(
        extract_text(html),
        "The article text of the page, long enough to be most of it."
    );
    // A hidden main container goes too; a single hidden child is not a switch.
    let html = "<body><main hidden><p>Hidden main</p></main><p>Shown text here.</p>\
        <p><span><span hidden>alone</span></span>after</p></body>";
    let text = extract_text(html);
    assert!(
        !text.contains("Hidden main") && !text.contains("alone"),
        "{text}"
    );
    assert!(
        text.contains("Shown text here.") && text.contains("after"),
        "{text}"
    );
}
