//! `garbell`: turns open-access dumps into clean, language-tagged training corpora.
//!
//! Exit status: 0 when the job completed (record errors, if any, are counted in `stats.json` and
//! listed in `errors.jsonl`); 1 on a job-level error (bad configuration, unreadable input
//! directory, unwritable output); 2 on a usage error; 3 with `--strict` when the job completed
//! but some records could not be read.

mod cli;

fn main() {
    std::process::exit(match cli::main() {
        Ok(code) => code,
        // A closed pipe (`garbell lid ... | head`) is a normal way for a reader to stop.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            0
        }
        Err(e) => {
            eprintln!("garbell: error: {e:#}");
            1
        }
    });
}
