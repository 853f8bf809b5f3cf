//! Listing inputs and choosing formats.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use garbell_io::input::list_inputs;
use garbell_io::SourceFormat;
use std::path::{Path, PathBuf};

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

/// Makes a FIFO at `path` with `mkfifo` (coreutils).
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success());
}

#[cfg(unix)]
#[test]
fn special_files_are_skipped_with_a_reason_and_never_opened() {
    use garbell_io::{list_inputs_with, ListOptions, SkipReason};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("a.jsonl"), b"").unwrap();
    mkfifo(&root.join("pipe.jsonl"));
    mkfifo(&root.join("pipe-without-a-known-name"));
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock.jsonl")).unwrap();
    std::os::unix::fs::symlink(root.join("pipe.jsonl"), root.join("link-to-pipe.jsonl")).unwrap();
    // A FIFO opened for reading blocks until a writer comes: the listing would hang here if it
    // opened one. Named explicitly, it is skipped too.
    let listing = list_inputs_with(
        &[root.to_path_buf(), root.join("pipe.jsonl")],
        &ListOptions::default(),
    )
    .unwrap();
    assert_eq!(listing.files, [root.join("a.jsonl")]);
    let skipped: Vec<(String, SkipReason)> = listing
        .skipped
        .iter()
        .map(|s| {
            let rel = s.path.strip_prefix(root).unwrap();
            (rel.to_string_lossy().into_owned(), s.reason)
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("link-to-pipe.jsonl".to_string(), SkipReason::Fifo),
            ("pipe.jsonl".to_string(), SkipReason::Fifo),
            ("sock.jsonl".to_string(), SkipReason::Socket),
        ]
    );
    // Devices, named explicitly.
    let listing = list_inputs_with(&[PathBuf::from("/dev/null")], &ListOptions::default()).unwrap();
    assert!(listing.files.is_empty());
    assert_eq!(listing.skipped[0].reason, SkipReason::Device);
    assert_eq!(
        list_inputs(&[root.to_path_buf()]).unwrap(),
        [root.join("a.jsonl")]
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_followed() {
    use garbell_io::{list_inputs_with, ListOptions, SkipReason};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::write(root.join("sub/deeper/x.jsonl"), b"").unwrap();
    std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
    std::fs::write(dir.path().join("elsewhere/y.jsonl"), b"").unwrap();
    // A link back up the tree, a link to itself, a link to nothing, two links to one directory.
    std::os::unix::fs::symlink(&root, root.join("sub/deeper/up")).unwrap();
    std::os::unix::fs::symlink(root.join("self.jsonl"), root.join("self.jsonl")).unwrap();
    std::os::unix::fs::symlink(root.join("gone"), root.join("gone.jsonl")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), root.join("more")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), root.join("more-again")).unwrap();
    let listing = list_inputs_with(std::slice::from_ref(&root), &ListOptions::default()).unwrap();
    assert_eq!(
        listing.files,
        [
            root.join("gone.jsonl"),
            root.join("more/y.jsonl"),
            root.join("sub/deeper/x.jsonl")
        ]
    );
    let skipped: Vec<(PathBuf, SkipReason)> = listing
        .skipped
        .iter()
        .map(|s| (s.path.clone(), s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            (root.join("more-again"), SkipReason::AlreadyListed),
            (root.join("self.jsonl"), SkipReason::SymlinkLoop),
            (root.join("sub/deeper/up"), SkipReason::SymlinkLoop),
        ]
    );
}

#[test]
fn the_output_directory_is_left_out() {
    use garbell_io::{list_inputs_with, ListOptions, SkipReason};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for f in [
        "a.jsonl",
        "out/shards/part-00000.parquet",
        "out/stats.json",
        "out2/b.jsonl",
    ] {
        let p = root.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"").unwrap();
    }
    let options = ListOptions {
        exclude: vec![root.join("out"), root.join("not-created-yet")],
        ..ListOptions::default()
    };
    let listing = list_inputs_with(&[root.to_path_buf()], &options).unwrap();
    assert_eq!(
        listing.files,
        [root.join("a.jsonl"), root.join("out2/b.jsonl")]
    );
    assert_eq!(listing.skipped.len(), 1);
    assert_eq!(
        (&listing.skipped[0].path, listing.skipped[0].reason),
        (&root.join("out"), SkipReason::OutputDirectory)
    );
    // Named through another spelling of the path, or as a file under it: left out too.
    let other = root.join("out2/../out/stats.json");
    let listing = list_inputs_with(std::slice::from_ref(&other), &options).unwrap();
    assert!(listing.files.is_empty());
    assert_eq!(listing.skipped[0].reason, SkipReason::OutputDirectory);
}
