//! Scores labelled document pairs for the near-duplicate quality script.
//!
//! Reads JSONL on stdin, one pair a line: `{"id": ..., "a": "text", "b": "text", ...}`; writes
//! JSONL on stdout: `{"id": ..., "minhash_candidate": bool, "minhash_jaccard": f64,
//! "simhash_distance": u32 | null}` with the default configurations (or a MinHash config given
//! as a TOML file in the first argument).
//!
//! `cargo run --release -p garbell-dedup --example pairs < pairs.jsonl > scored.jsonl`

use garbell_dedup::{MinHashConfig, Scratch, Signature, SimHashConfig};
use std::io::{BufRead, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config: MinHashConfig = match std::env::args().nth(1) {
        Some(path) => toml::from_str(&std::fs::read_to_string(path)?)?,
        None => MinHashConfig::default(),
    };
    let hasher = config.build()?;
    let simhasher = SimHashConfig::default().build()?;
    let (mut scratch, mut sa, mut sb) =
        (Scratch::new(), Signature::default(), Signature::default());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("line {}: invalid JSON: {e}", n + 1);
                continue;
            }
        };
        let (Some(a), Some(b)) = (v["a"].as_str(), v["b"].as_str()) else {
            eprintln!("line {}: missing \"a\" or \"b\" text", n + 1);
            continue;
        };
        hasher.sign_into(a, &mut scratch, &mut sa);
        hasher.sign_into(b, &mut scratch, &mut sb);
        let candidate = hasher
            .band_keys(&sa)
            .zip(hasher.band_keys(&sb))
            .any(|(x, y)| x == y);
        let distance = match (
            simhasher.fingerprint_into(a, &mut scratch),
            simhasher.fingerprint_into(b, &mut scratch),
        ) {
            (Some(x), Some(y)) => Some((x ^ y).count_ones()),
            _ => None,
        };
        let rec = serde_json::json!({
            "id": v["id"],
            "minhash_candidate": candidate,
            "minhash_jaccard": sa.jaccard_estimate(&sb),
            "simhash_distance": distance,
        });
        writeln!(out, "{rec}")?;
    }
    out.flush()?;
    Ok(())
}
