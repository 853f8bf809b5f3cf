//! `garbell`: turns open-access dumps into clean, language-tagged training corpora.
//!
//! Exit status: 0 when the job completed (record errors, if any, are counted in `stats.json` and
//! listed in `errors.jsonl`); 1 on a job-level error (bad configuration, unreadable input
//! directory, unwritable output); 2 on a usage error; 3 with `--strict` when the job completed
//! but some records could not be read. A closed standard output (`garbell ... | head`) ends the
//! command quietly with status 0.

/// `print!` for every command: writes to standard output and, when the reader has gone away
/// (`garbell tune --json | head`), ends the process quietly with status 0 instead of panicking
/// like the standard macro. Defined before `mod cli` so that it shadows `std::print!` there.
macro_rules! print {
    ($($t:tt)*) => {
        $crate::write_stdout(format_args!($($t)*))
    };
}

/// `println!` with the same broken-pipe handling as [`print!`].
macro_rules! println {
    () => {
        $crate::write_stdout(format_args!("\n"))
    };
    ($($t:tt)*) => {
        $crate::write_stdout(format_args!("{}\n", format_args!($($t)*)))
    };
}

mod cli;

/// glibc's `malloc` raises its mmap threshold to the size of each large block freed (up to
/// 32 MiB): once the shard writer has freed a row group's buffers (Arrow columns and
/// compressed pages of tens of MiB), the next ones came from the heap, were not returned, and
/// the peak RSS of a run grew with the number of row groups written (docs/performance.md,
/// "Peak RSS against input size"). A fixed threshold (256 KiB, what `MALLOC_MMAP_THRESHOLD_`
/// sets; left alone when that variable is set) keeps every large block mmapped and returned
/// when freed: the peak stays flat in input size.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn fix_mmap_threshold() {
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        // SAFETY: `mallopt` only sets a parameter of glibc's allocator; it is called before
        // any other thread exists, and allocations made before keep working with either
        // threshold.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 10);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fix_mmap_threshold() {}

/// Writes to standard output; a closed pipe exits 0, any other write error exits 1 with one
/// message (no panic).
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("garbell: error: writing to standard output: {e}");
        std::process::exit(1);
    }
}

/// Is a broken pipe somewhere in the error's chain?
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes on one line, each said once: library errors often show their
/// source in their own message (`{path}: {source}`) and also return it as `source()`, which
/// `{:#}` would print a second time ("No such file or directory (os error 2): No such file or
/// directory (os error 2)").
fn message(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for c in e.chain() {
        let s = c.to_string();
        if s.is_empty() || msg.contains(&s) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&s);
    }
    msg
}

fn main() {
    fix_mmap_threshold();
    std::process::exit(match cli::main() {
        Ok(code) => code,
        // A closed pipe (`garbell lid ... | head`) is a normal way for a reader to stop.
        Err(e) if broken_pipe(&e) => 0,
        Err(e) => {
            eprintln!("garbell: error: {}", message(&e));
            1
        }
    });
}
