//! Reads inputs with the default source configuration and prints what they hold and how fast
//! they were read: `cargo run --release -p garbell-io --example read -- FILE_OR_DIR...`

use garbell_io::{input::list_inputs, open_source, Record, SourceConfig};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        return Err("usage: read FILE_OR_DIR...".into());
    }
    let config = SourceConfig::default();
    let (mut docs, mut text_bytes, mut file_bytes) = (0u64, 0u64, 0u64);
    let mut skipped: BTreeMap<&str, u64> = BTreeMap::new();
    let mut errors: BTreeMap<&str, u64> = BTreeMap::new();
    let start = Instant::now();
    for path in list_inputs(&paths)? {
        file_bytes += std::fs::metadata(&path)?.len();
        for record in open_source(&path, &config)? {
            match record {
                Ok(Record::Document(d)) => {
                    docs += 1;
                    text_bytes += d.text.len() as u64;
                }
                Ok(Record::Skipped(reason)) => *skipped.entry(reason).or_default() += 1,
                Err(e) => {
                    eprintln!("{e}");
                    *errors.entry(e.kind).or_default() += 1;
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "documents: {docs} ({:.1} MB of text)",
        text_bytes as f64 / 1e6
    );
    println!("skipped: {skipped:?}");
    println!("errors: {errors:?}");
    println!(
        "{:.1} MB of input in {secs:.2} s: {:.1} MB/s, {:.0} documents/s",
        file_bytes as f64 / 1e6,
        file_bytes as f64 / 1e6 / secs,
        docs as f64 / secs
    );
    Ok(())
}
