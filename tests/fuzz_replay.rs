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

/// A small deterministic xorshift generator (no dependency, same sequence everywhere).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One to four libFuzzer-style mutations of `seed`: bit flips, interesting bytes, truncation,
/// duplicated or deleted ranges, a splice from `other`.
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = d.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                d[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                d[i] = [0u8, 0xff, 0x7f, 0x80, b'<', b'"', b'\n', b'{'][rng.below(8)];
            }
            2 => d.truncate(rng.below(len + 1)),
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                let chunk = d[a..b].to_vec();
                let at = rng.below(len + 1);
                d.splice(at..at, chunk);
            }
            4 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                d.drain(a..b);
            }
            5 if !other.is_empty() => {
                let a = rng.below(other.len());
                let b = (a + 1 + rng.below(256)).min(other.len());
                let at = rng.below(len + 1);
                d.splice(at..at, other[a..b].iter().copied());
            }
            _ => {
                let at = rng.below(len + 1);
                let n = rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                d.splice(at..at, bytes);
            }
        }
    }
    d
}

/// A fuzz smoke run CI can afford without cargo-fuzz: a fixed number of deterministic mutations
/// of every seed through every target (the same seed of the generator each time, so a failure
/// reproduces; the failing input is written next to the message). libFuzzer runs
/// (`tests/fuzz/smoke.sh`, `RUNS.md`) go much further.
#[test]
fn mutated_seeds_run_without_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut total = 0;
    for (name, body) in fuzz::TARGETS {
        let seeds: Vec<Vec<u8>> = inputs(&root.join("corpus").join(name))
            .iter()
            .map(|f| std::fs::read(f).expect("read seed"))
            .collect();
        // Readers of whole files are slower per input than the string converters.
        let per_target = match *name {
            "html_to_text" | "wikitext" | "config" => 3000,
            _ => 600,
        };
        for i in 0..per_target {
            let seed = &seeds[i % seeds.len()];
            let other = &seeds[rng.below(seeds.len())];
            let data = mutate(&mut rng, seed, other);
            if std::panic::catch_unwind(|| body(&data)).is_err() {
                let keep = std::env::temp_dir().join(format!("garbell-fuzz-smoke-{name}-{i}"));
                let _ = std::fs::write(&keep, &data);
                panic!(
                    "fuzz target {name} panicked on mutation {i}; input saved to {}",
                    keep.display()
                );
            }
            total += 1;
        }
    }
    println!("{total} mutated inputs");
}
