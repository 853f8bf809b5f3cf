//! Replays every committed fuzz input through the fuzz targets' own code, so that `cargo test`
//! (and CI) re-checks them without cargo-fuzz: the seed corpora (`tests/fuzz/corpus/<target>/`)
//! and the inputs that once crashed or hung a target (`tests/fuzz/regressions/<target>/`, kept
//! after their fix). A panic fails the test and names the file.

#[path = "fuzz/fuzz_targets/common/mod.rs"]
mod fuzz;

use std::path::Path;

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.expect("dir entry").path()).collect(),
        Err(_) => Vec::new(),
    };
    v.retain(|p| p.is_file());
    v.sort();
    v
}

#[test]
fn committed_fuzz_inputs_run_without_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut total = 0;
    for (name, body) in fuzz::TARGETS {
        let mut files = inputs(&root.join("corpus").join(name));
        assert!(!files.is_empty(), "no seed corpus for target {name}");
        files.extend(inputs(&root.join("regressions").join(name)));
        for f in files {
            let data = std::fs::read(&f).expect("read input");
            let r = std::panic::catch_unwind(|| body(&data));
            assert!(r.is_ok(), "fuzz target {name} panicked on {}", f.display());
            total += 1;
        }
    }
    println!("replayed {total} inputs");
}

#[test]
fn every_target_binary_uses_the_shared_body() {
    // The replay is only worth something if the fuzz binaries run the same code.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/fuzz_targets");
    for (name, _) in fuzz::TARGETS {
        let src = std::fs::read_to_string(root.join(format!("{name}.rs"))).expect("target");
        assert!(
            src.contains(&format!("common::{name}(data)")),
            "{name}.rs does not call common::{name}"
        );
    }
}
