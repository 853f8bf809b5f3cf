//! Loads a UT1-style blocklist directory and reports entries, load time and lookups per second:
//! `cargo run --release -p garbell-quality --example blocklist_load -- <dir> [url...]`
//! (run under `/usr/bin/time -v` for the peak memory).

use garbell_quality::UrlBlocklistConfig;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        return Err("usage: blocklist_load <dir> [url...]".into());
    };
    let t = Instant::now();
    let bl = UrlBlocklistConfig {
        dirs: vec![dir.into()],
        ..Default::default()
    }
    .build()?;
    let (domains, urls) = bl.len();
    println!(
        "loaded {domains} domains, {urls} urls in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let probes: Vec<String> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        (0..100_000)
            .map(|i| format!("https://www.sub{i}.site{}.test/page/{i}", i * 7))
            .collect()
    };
    let t = Instant::now();
    let hits: usize = probes.iter().filter(|u| !bl.lookup(u).is_empty()).count();
    let s = t.elapsed().as_secs_f64();
    println!(
        "{} lookups, {hits} matched, {:.0} lookups/s",
        probes.len(),
        probes.len() as f64 / s
    );
    Ok(())
}
