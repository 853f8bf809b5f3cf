//! Prints the programming language garbell's code-tree source gives each file named on stdin
//! (one path a line): `path<TAB>language`, the language empty when the file would be skipped as
//! `code_unknown_language`. Used by benches/code_lang/build_set.py.
use garbell_io::code::Detector;
use std::io::{BufRead, Write};

fn main() -> std::io::Result<()> {
    let detector = Detector::builtin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let path = line?;
        let name = std::path::Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let language = match std::fs::read(&path) {
            Ok(bytes) => detector
                .detect(&name, &bytes)
                .unwrap_or_default()
                .to_string(),
            Err(e) => format!("read error: {e}"),
        };
        writeln!(out, "{path}\t{language}")?;
    }
    out.flush()
}
