//! Runs the extractor over a list of HTML files (UTF-8), for benches/html_eval/evaluate.py.
//!
//! ```text
//! cargo run --release -p garbell-html --example extract_files -- LIST OUT.jsonl [--mode main|plain] [--repeat N] [--set KEY=VALUE]...
//! ```
//!
//! `--set` changes one [`garbell_html::Options`] field: `comments`, `tables`,
//! `paragraphs_without_container` (true/false), `max_link_density`, `min_container_share`
//! (numbers), `min_text`, `max_bytes` (integers).
//!
//! LIST holds one path per line. Every file is read into memory first; then the extraction of
//! all pages is run `--repeat` times (default 3) on this one thread and timed in CPU seconds
//! (user + system, from /proc/self/stat) and wall seconds. OUT.jsonl gets one
//! `{"path": ..., "text": ...}` line per page, in list order; the timing is printed on stdout as
//! one JSON object.

use std::io::Write;
use std::time::Instant;

fn cpu_seconds() -> f64 {
    // Fields 14 and 15 of /proc/self/stat: utime and stime in clock ticks (100 per second on
    // Linux). Returns 0 where unavailable (the wall time is still printed).
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some(after) = stat.rfind(')').map(|k| &stat[k + 2..]) else {
        return 0.0;
    };
    let f: Vec<&str> = after.split(' ').collect();
    let ticks = |k: usize| f.get(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err("usage: extract_files LIST OUT.jsonl [--mode main|plain] [--repeat N]".into());
    }
    let mut mode = "main".to_string();
    let mut repeat = 3usize;
    let mut opts = garbell_html::Options::default();
    let mut k = 2;
    while k + 1 < args.len() {
        match args[k].as_str() {
            "--mode" => mode = args[k + 1].clone(),
            "--repeat" => repeat = args[k + 1].parse()?,
            "--set" => {
                let (key, value) = args[k + 1].split_once('=').ok_or("--set KEY=VALUE")?;
                match key {
                    "comments" => opts.comments = value.parse()?,
                    "tables" => opts.tables = value.parse()?,
                    "paragraphs_without_container" => {
                        opts.paragraphs_without_container = value.parse()?
                    }
                    "max_link_density" => opts.max_link_density = value.parse()?,
                    "min_container_share" => opts.min_container_share = value.parse()?,
                    "min_text" => opts.min_text = value.parse()?,
                    "max_bytes" => opts.max_bytes = value.parse()?,
                    other => return Err(format!("unknown option field {other}").into()),
                }
            }
            other => return Err(format!("unknown option {other}").into()),
        }
        k += 2;
    }
    let list = std::fs::read_to_string(&args[0])?;
    let paths: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
    let mut pages = Vec::with_capacity(paths.len());
    for p in &paths {
        let bytes = std::fs::read(p)?;
        pages.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    let extract = |html: &str| -> String {
        if mode == "plain" {
            garbell_html::plain_text(html)
        } else {
            garbell_html::extract_with(html, &opts)
        }
    };
    let mut texts = Vec::new();
    let cpu0 = cpu_seconds();
    let wall0 = Instant::now();
    for r in 0..repeat.max(1) {
        let out: Vec<String> = pages.iter().map(|h| extract(h)).collect();
        if r == 0 {
            texts = out;
        }
    }
    let wall = wall0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let mut w = std::io::BufWriter::new(std::fs::File::create(&args[1])?);
    for (p, t) in paths.iter().zip(&texts) {
        serde_json::to_writer(&mut w, &serde_json::json!({"path": p, "text": t}))?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    let bytes: usize = pages.iter().map(String::len).sum();
    println!(
        "{}",
        serde_json::json!({
            "pages": pages.len(), "bytes": bytes, "repeat": repeat.max(1), "mode": mode,
            "cpu_seconds": cpu, "wall_seconds": wall,
        })
    );
    Ok(())
}
