//! Decodes HTML files the way the WARC and ARC sources do, for `benches/charset_eval`.
//!
//! ```text
//! cargo run --release -p garbell-io --example charset_files -- LIST OUT.jsonl
//! ```
//!
//! LIST holds one file per line, optionally followed by a tab and the URL it came from (whose
//! top-level domain hints the detector). OUT.jsonl gets one `{"path", "charset",
//! "charset_source", "html"}` line per file, in list order, from
//! [`garbell_io::warc::decode_html`] with no HTTP `Content-Type`.

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [list, out] = args.as_slice() else {
        return Err("usage: charset_files LIST OUT.jsonl".into());
    };
    let list = std::fs::read_to_string(list)?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    for line in list.lines().filter(|l| !l.is_empty()) {
        let (path, url) = match line.split_once('\t') {
            Some((p, u)) => (p, Some(u)),
            None => (line, None),
        };
        let bytes = std::fs::read(path)?;
        let d = garbell_io::warc::decode_html(&bytes, None, url);
        let row = serde_json::json!({
            "path": path,
            "charset": d.charset,
            "charset_source": d.charset_source,
            "html": d.html,
        });
        writeln!(w, "{row}")?;
    }
    w.flush()?;
    Ok(())
}
