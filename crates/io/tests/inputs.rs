//! Listing inputs and choosing formats.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use garbell_io::input::list_inputs;
use garbell_io::SourceFormat;
use std::path::Path;

#[test]
fn list_inputs_is_sorted_recursive_and_skips_hidden_and_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "b.jsonl",
        "a.warc.gz",
        "sub/c.jsonl.zst",
        "sub/deeper/a.wet.gz",
        "sub/notes.txt",
        ".hidden.jsonl",
        ".git/x.jsonl",
        "z.JSONL.GZ",
        "m.ndjson",
    ] {
        let p = root.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"").unwrap();
    }
    let listed = list_inputs(&[root.to_path_buf()]).unwrap();
    let rel: Vec<String> = listed
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(
        rel,
        [
            "a.warc.gz",
            "b.jsonl",
            "m.ndjson",
            "sub/c.jsonl.zst",
            "sub/deeper/a.wet.gz",
            "z.JSONL.GZ"
        ]
    );

    // Files given explicitly are kept whatever their name; duplicates collapse; order is sorted.
    let explicit = list_inputs(&[
        root.join("sub/notes.txt"),
        root.join("b.jsonl"),
        root.join("a.warc.gz"),
        root.join("b.jsonl"),
    ])
    .unwrap();
    assert_eq!(
        explicit,
        [
            root.join("a.warc.gz"),
            root.join("b.jsonl"),
            root.join("sub/notes.txt")
        ]
    );

    assert!(list_inputs(&[root.join("missing")]).is_err());
}

#[test]
fn formats_by_name() {
    let f = |name: &str| SourceFormat::detect(Path::new(name));
    assert_eq!(f("x.jsonl"), Some(SourceFormat::Jsonl));
    assert_eq!(f("x.json.zst"), Some(SourceFormat::Jsonl));
    assert_eq!(f("CC-MAIN-1.warc.wet.gz"), Some(SourceFormat::Warc));
    assert_eq!(f("x.warc"), Some(SourceFormat::Warc));
    assert_eq!(f("x.txt"), None);
}

#[test]
fn committed_fixtures_are_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let listed = list_inputs(std::slice::from_ref(&dir)).unwrap();
    assert!(listed.contains(&dir.join("web.warc.gz")));
    assert!(listed.contains(&dir.join("docs.jsonl.zst")));
    // `.json` counts as JSON Lines; scripts and notes are not inputs.
    assert!(listed.contains(&dir.join("expected.json")));
    assert!(!listed
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "py" || e == "md")));
    assert!(listed.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn globs_expand_sorted_and_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "dumps/cawiki/a.xml.bz2",
        "dumps/cawiki/b.xml.bz2",
        "dumps/eswiki/deep/c.xml.bz2",
        "dumps/eswiki/notes.txt",
        "dumps/.hidden/d.xml.bz2",
        "crawl/CC-MAIN-1/x.warc.gz",
        "crawl/CC-MAIN-2/y.warc.gz",
        "crawl/CC-MAIN-2/skip.txt",
    ] {
        let p = root.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"").unwrap();
    }
    let rel = |v: Vec<std::path::PathBuf>| -> Vec<String> {
        v.iter()
            .map(|p| {
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    };
    let listed = list_inputs(&[
        root.join("dumps/**/*.xml.bz2"),
        root.join("dumps/cawiki/a.xml.bz2"),
    ])
    .unwrap();
    assert_eq!(
        rel(listed),
        [
            "dumps/cawiki/a.xml.bz2",
            "dumps/cawiki/b.xml.bz2",
            "dumps/eswiki/deep/c.xml.bz2"
        ]
    );
    // A matched directory contributes like a named one: detected files only.
    let listed = list_inputs(&[root.join("crawl/CC-MAIN-*")]).unwrap();
    assert_eq!(
        rel(listed),
        ["crawl/CC-MAIN-1/x.warc.gz", "crawl/CC-MAIN-2/y.warc.gz"]
    );
    // Matched files are taken whatever their name; `?` is one character.
    let listed = list_inputs(&[root.join("dumps/eswiki/note?.txt")]).unwrap();
    assert_eq!(rel(listed), ["dumps/eswiki/notes.txt"]);
    let listed = list_inputs(&[root.join("dumps/.hidden/*")]).unwrap();
    assert_eq!(rel(listed), ["dumps/.hidden/d.xml.bz2"]);
    let listed = list_inputs(&[root.join("**/*.warc.gz")]).unwrap();
    assert_eq!(listed.len(), 2);
    // A glob that matches nothing is an error, like a missing path.
    assert!(list_inputs(&[root.join("dumps/*.parquet")]).is_err());
}

#[test]
fn new_formats_by_name() {
    let f = |name: &str| SourceFormat::detect(Path::new(name));
    assert_eq!(
        f("eswiki-pages-articles.xml.bz2"),
        Some(SourceFormat::Mediawiki)
    );
    assert_eq!(f("x.xml"), Some(SourceFormat::Mediawiki));
    assert_eq!(f("train-0001.parquet"), Some(SourceFormat::Parquet));
    assert_eq!(f("main.rs"), None);
    let toml_format: SourceFormat = serde_json::from_str("\"code_tree\"").unwrap();
    assert_eq!(toml_format, SourceFormat::CodeTree);
    let m: SourceFormat = serde_json::from_str("\"mediawiki\"").unwrap();
    assert_eq!(m, SourceFormat::Mediawiki);
}
