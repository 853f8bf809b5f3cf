//! Shared by the reader targets: the fuzz input is written to a file in a per-process temp
//! directory (the readers take a path), then every record is pulled until the source ends.

use garbell_io::{open_source, SourceConfig, SourceFormat};
use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
}

/// Writes `data` to `<tmp>/<name>` and reads it as `format` with the default configuration
/// (64 MiB record cap), draining the stream. Errors are fine; panics, hangs and huge allocations
/// are what the fuzzer looks for.
pub fn read_all(name: &str, format: SourceFormat, data: &[u8]) {
    let path: PathBuf = dir().path().join(name);
    std::fs::write(&path, data).expect("write fuzz input");
    let config = SourceConfig {
        format,
        ..SourceConfig::default()
    };
    if let Ok(records) = open_source(&path, &config) {
        for r in records {
            match r {
                Ok(garbell_io::Record::Document(d)) => {
                    std::hint::black_box(d);
                }
                Ok(garbell_io::Record::Skipped(_)) => {}
                Err(e) => {
                    std::hint::black_box(e);
                }
            }
        }
    }
}
