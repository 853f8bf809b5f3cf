//! The quickstart from an installed binary: `cargo install --path . --root <tmp>` (reusing this
//! build's target directory and profile), then `garbell run` in an empty directory. The samples
//! come from the binary itself, not from the checkout.
//!
//! Cost: `cargo install` resolves features without dev-dependencies, so on a fresh target
//! directory it compiles the crates whose features differ from the test build once (3.5 min of
//! CPU here, e.g. `parquet`); later runs reuse them and the test takes about 6 s.
mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target directory and profile of the binary under test (`<target>/<profile dir>/garbell`).
fn target_and_profile() -> (PathBuf, String) {
    let exe = Path::new(env!("CARGO_BIN_EXE_garbell"));
    let profile_dir = exe.parent().expect("profile dir");
    let target = profile_dir.parent().expect("target dir").to_path_buf();
    let name = profile_dir
        .file_name()
        .expect("profile name")
        .to_string_lossy()
        .into_owned();
    // Cargo writes the `dev` profile to `debug/`; other profiles to their own name.
    let profile = if name == "debug" { "dev".into() } else { name };
    (target, profile)
}

#[test]
fn quickstart_runs_from_an_installed_binary_in_an_empty_directory() {
    let root = tempdir();
    let (target, profile) = target_and_profile();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = Command::new(cargo)
        .args(["install", "--locked", "--offline", "--quiet", "--profile"])
        .arg(&profile)
        .arg("--path")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("--root")
        .arg(root.path())
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo install runs");
    assert_success(&o);
    let bin = root.path().join("bin/garbell");
    assert!(bin.is_file(), "{} installed", bin.display());

    let work = tempdir();
    let cache = tempdir();
    let run = |cache: &Path| {
        Command::new(&bin)
            .arg("run")
            .current_dir(work.path())
            .env("GARBELL_CACHE_DIR", cache)
            .env_remove("XDG_CACHE_HOME")
            .output()
            .expect("garbell runs")
    };
    let o = run(cache.path());
    assert_success(&o);
    let out = work.path().join("garbell-out/quickstart");
    let stats = read_json(&out.join("stats.json"));
    assert!(stats["written"].as_u64().expect("written") >= 40, "{stats}");
    // Every input came from the extracted samples, none from the source tree.
    let manifest = read_json(&out.join("manifest.json"));
    let inputs: Vec<&str> = manifest["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|i| i["path"].as_str())
        .collect();
    assert_eq!(inputs.len(), 4, "{inputs:?}");
    let cache_dir = std::fs::canonicalize(cache.path()).expect("cache");
    for p in &inputs {
        let p = std::fs::canonicalize(p).expect("input exists");
        assert!(
            p.starts_with(&cache_dir),
            "{} is not an extracted sample",
            p.display()
        );
    }
    // The extracted samples are byte for byte the committed ones.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/samples");
    for p in &inputs {
        let name = Path::new(p).file_name().expect("name");
        let committed = std::fs::read(samples.join(name)).expect("committed sample");
        assert_eq!(std::fs::read(p).expect("extracted"), committed, "{p}");
    }
    // A second run in the same place reuses the samples and resumes: same corpus.
    let o = run(cache.path());
    assert_success(&o);
    assert_eq!(
        read_json(&out.join("stats.json"))["written"],
        stats["written"]
    );
}
