//! WARC source: `html = "main"` (default) and `html = "plain"` on a page with boilerplate, the
//! WARC written by this test (a `resource` record holding the HTML).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::{read_all_with, temp_copy};
use garbell_io::{HtmlMode, SourceConfig};

const PAGE: &str = "<html><head><title>t</title></head><body>\
    <div class=\"cookie-notice\">Aquest lloc fa servir galetes.</div>\
    <div class=\"site-menu\"><a href=\"/\">Inici</a> <a href=\"/b\">Blog</a></div>\
    <article><h1>Titular</h1><p>El cos de l'article, amb prou paraules per ser el contingut \
    principal de la pàgina i no pas una part de la plantilla del lloc web.</p></article>\
    <div id=\"comments\"><p>Primer comentari!</p></div></body></html>";

fn warc() -> Vec<u8> {
    let body = PAGE.as_bytes();
    let mut w = format!(
        "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n\
         WARC-Target-URI: https://ca.example.org/article\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n\
         Content-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    w.extend_from_slice(body);
    w.extend_from_slice(b"\r\n\r\n");
    w
}

#[test]
fn main_mode_keeps_the_article_plain_mode_keeps_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_copy(dir.path(), "page.warc", &warc());
    let main = read_all_with(&path, &SourceConfig::default());
    assert!(main.errors.is_empty());
    assert_eq!(main.docs.len(), 1);
    assert_eq!(
        main.docs[0].text,
        "Titular\nEl cos de l'article, amb prou paraules per ser el contingut principal de la \
         pàgina i no pas una part de la plantilla del lloc web."
    );
    let plain = read_all_with(
        &path,
        &SourceConfig {
            html: HtmlMode::Plain,
            ..SourceConfig::default()
        },
    );
    let text = &plain.docs[0].text;
    for part in [
        "galetes",
        "Inici Blog",
        "Titular",
        "El cos",
        "Primer comentari!",
    ] {
        assert!(text.contains(part), "{part:?} missing in {text}");
    }
    // The mode is a `[source]` key of chain files.
    let cfg: SourceConfig = toml::from_str("html = \"plain\"").unwrap();
    assert_eq!(cfg.html, HtmlMode::Plain);
    assert!(toml::from_str::<SourceConfig>("html = \"fancy\"").is_err());
}
