//! The quickstart samples in the repository's `tests/data/samples/` read cleanly.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::read_all;
use std::path::{Path, PathBuf};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/samples")
        .join(name)
}

#[test]
fn web_sample() {
    let out = read_all(&sample("web.warc.gz"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.docs.len(), 30);
    let mut skipped = out.skipped.clone();
    skipped.sort_unstable();
    assert_eq!(
        skipped,
        [
            "non_html_content",
            "non_html_content",
            "warc_request",
            "warc_warcinfo"
        ]
    );
    for d in &out.docs {
        let url = d.url.as_deref().unwrap();
        assert!(!d.text.contains('\u{fffd}'), "{url}: {}", d.text);
        assert!(d.text.len() >= 500, "{url}: {}", d.text);
        // Menus, scripts, forms and footers are gone; the article is there.
        assert!(
            !d.text.contains("dataLayer") && !d.text.contains("©"),
            "{url}: {}",
            d.text
        );
        assert!(d.text.lines().count() >= 4, "{url}");
    }
    let de = out
        .docs
        .iter()
        .find(|d| d.url.as_deref().unwrap().contains("wochenmarkt"))
        .unwrap();
    assert_eq!(de.meta["charset"], "windows-1252");
    assert!(de.text.contains("Händler"));
    let es = out
        .docs
        .iter()
        .find(|d| d.url.as_deref().unwrap().contains("mercado"))
        .unwrap();
    assert!(es.text.contains("Doña Carmen"));
}

#[test]
fn docs_sample() {
    let out = read_all(&sample("docs.jsonl.gz"));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.docs.len(), 40);
    for d in &out.docs {
        assert!(d.id.starts_with("sample-"));
        assert!(d.url.is_some());
        assert!(d.meta["date"].is_string());
    }
}
