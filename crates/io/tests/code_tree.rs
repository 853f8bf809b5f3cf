//! Code-tree source: languages, vendored directories, binary, minified and generated files.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::{fixture, read_all_with};
use garbell_io::{list_inputs_for, SourceConfig, SourceFormat};

fn config() -> SourceConfig {
    SourceConfig {
        format: SourceFormat::CodeTree,
        ..SourceConfig::default()
    }
}

#[test]
fn committed_tree() {
    let root = fixture("code_tree");
    let out = read_all_with(&root, &config());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let docs: Vec<(&str, &str)> = out
        .docs
        .iter()
        .map(|d| (d.id.as_str(), d.meta["language"].as_str().unwrap()))
        .collect();
    assert_eq!(
        docs,
        [
            ("CMakeLists.txt", "CMake"),
            ("Dockerfile", "Dockerfile"),
            ("Makefile", "Makefile"),
            ("README.md", "Markdown"),
            ("src/lib/util.py", "Python"),
            ("src/main.rs", "Rust"),
            ("web/app.js", "JavaScript"),
        ]
    );
    let mut skipped = out.skipped.clone();
    skipped.sort_unstable();
    assert_eq!(
        skipped,
        [
            "code_binary",
            "code_generated",
            "code_generated",
            "code_minified",
            "code_minified",
            "code_unknown_language",
            "code_unknown_language",
            "code_vendored_dir",
            "code_vendored_dir",
            "code_vendored_dir",
        ]
    );
    let rs = out.docs.iter().find(|d| d.id == "src/main.rs").unwrap();
    assert_eq!(rs.text, "fn main() {\n    println!(\"Hola, món!\");\n}\n");
    assert_eq!(rs.source, "code");
    assert_eq!(rs.meta["path"], "src/main.rs");
    assert_eq!(rs.meta["bytes"], rs.text.len());
    assert_eq!(rs.origin.input.as_ref(), root.to_string_lossy());
    // Record indexes follow the walk order and count skips too.
    let idx: Vec<u64> = out.docs.iter().map(|d| d.origin.record).collect();
    assert!(idx.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn binary_and_oversized_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.rs"), b"fn a() {}\n").unwrap();
    std::fs::write(dir.path().join("b.c"), b"int\0main;").unwrap();
    std::fs::write(dir.path().join("c.py"), "x = 1\n".repeat(100)).unwrap();
    let cfg = SourceConfig {
        max_record_bytes: 100,
        ..config()
    };
    let out = read_all_with(dir.path(), &cfg);
    assert_eq!(out.docs.len(), 1);
    assert_eq!(out.skipped, ["code_binary"]);
    assert_eq!(out.error_kinds(), ["record_too_large"]);
    assert!(out.errors[0].input.ends_with("c.py"));
    // One file as input.
    let out = read_all_with(&dir.path().join("a.rs"), &config());
    assert_eq!(out.docs[0].id, "a.rs");
}

#[test]
fn code_tree_inputs_are_directories() {
    let root = fixture("code_tree");
    let listed = list_inputs_for(std::slice::from_ref(&root), SourceFormat::CodeTree).unwrap();
    assert_eq!(listed, std::slice::from_ref(&root));
    let glob = root.join("*");
    let listed = list_inputs_for(&[glob], SourceFormat::CodeTree).unwrap();
    let names: Vec<String> = listed
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "assets",
            "gen",
            "node_modules",
            "src",
            "third_party",
            "vendor",
            "web"
        ]
    );
}
