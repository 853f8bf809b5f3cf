//! Helpers for the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod chains;
mod ci;
pub use ci::skip_unless_ci;

/// Runs the garbell binary built for this test run.
pub fn garbell(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(args)
        .output()
        .expect("garbell runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn assert_success(o: &Output) {
    assert!(
        o.status.success(),
        "garbell failed ({:?}):\n{}",
        o.status.code(),
        stderr(o)
    );
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

pub fn read_json(p: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The committed fixtures of the source adapters.
pub fn io_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crates/io/tests/data")
}

/// Files under `dir`, relative, sorted.
pub fn list_files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).expect("prefix").display().to_string());
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

/// Runs a Python script with `args`; returns its stdout. When python3 or one of `modules` is
/// missing, the check is skipped with a notice — except under CI (`CI` set), where it fails.
pub fn python(script: &str, args: &[&Path], modules: &[&str]) -> Option<String> {
    let probe = Command::new("python3")
        .arg("-c")
        .arg(format!("import {}", modules.join(", ")))
        .output();
    let available = probe.as_ref().is_ok_and(|o| o.status.success());
    if !available {
        skip_unless_ci(
            "real-reader check",
            &format!(
                "python3 with {modules:?} is not available (pip install -r tests/requirements.txt)"
            ),
        );
        return None;
    }
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "python check failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}
