//! FIFOs, sockets and devices inside a code tree: skipped with a reason, never opened (a FIFO
//! opened for reading blocks until a writer comes: the walk would hang).

#![cfg(unix)]
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::read_all_with;
use garbell_io::{SourceConfig, SourceFormat};

#[test]
fn a_fifo_in_a_code_tree_is_skipped_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
    // Named like source files, so only their type keeps them from being read.
    let st = std::process::Command::new("mkfifo")
        .arg(root.join("src/pipe.py"))
        .status()
        .unwrap();
    assert!(st.success());
    let _socket = std::os::unix::net::UnixListener::bind(root.join("src/sock.rs")).unwrap();
    let config = SourceConfig {
        format: SourceFormat::CodeTree,
        ..SourceConfig::default()
    };
    let out = read_all_with(root, &config);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let ids: Vec<&str> = out.docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["src/main.rs"]);
    assert_eq!(out.skipped, ["code_special_file", "code_special_file"]);
}
