//! The bodies of the fuzz targets, shared by the cargo-fuzz binaries (`../*.rs`) and by the
//! corpus replay test of the main workspace (`tests/fuzz_replay.rs`, which includes this file
//! with `#[path]`), so that every committed corpus input runs under `cargo test` too.
//!
//! Reader targets write the input to a file in a temp directory of its own (the readers take a
//! path; the directory is removed when the call returns, so replays leave nothing in the temp
//! folder: a `static` directory is never dropped), then pull every record until the source ends. Errors are fine; panics, hangs and huge
//! allocations are what the fuzzer looks for.
#![allow(dead_code)]

use garbell_config::{ChainConfig, Languages};
use garbell_io::wikitext::{wikitext_to_text, Namespaces};
use garbell_io::{open_source, SourceConfig, SourceFormat};
use std::path::PathBuf;
use std::sync::OnceLock;

/// A fuzz target's body.
pub type Body = fn(&[u8]);

/// The fuzz targets, by name: the names of `Cargo.toml`'s `[[bin]]`s and `corpus/` folders.
pub const TARGETS: &[(&str, Body)] = &[
    ("warc", warc),
    ("jsonl", jsonl),
    ("parquet", parquet),
    ("mediawiki", mediawiki),
    ("html_to_text", html_to_text),
    ("wikitext", wikitext),
    ("config", config),
    ("fasttext", fasttext),
];

/// Writes `data` to `<tmp>/<name>` and reads it as `format` with the default configuration
/// (64 MiB record cap), draining the stream.
pub fn read_all(name: &str, format: SourceFormat, data: &[u8]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path: PathBuf = dir.path().join(name);
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

/// The WARC reader on arbitrary bytes (any compression: detected from the first bytes).
pub fn warc(data: &[u8]) {
    read_all("in.warc", SourceFormat::Warc, data);
}

/// The JSONL reader (plain, gzip or zstd, detected).
pub fn jsonl(data: &[u8]) {
    read_all("in.jsonl", SourceFormat::Jsonl, data);
}

/// The Parquet source. Panics inside the `parquet` crate are caught by `garbell-io` and become
/// `parquet_invalid` errors; the fuzz binary lets those through (see `../parquet.rs`).
pub fn parquet(data: &[u8]) {
    read_all("in.parquet", SourceFormat::Parquet, data);
}

/// The MediaWiki XML dump reader.
pub fn mediawiki(data: &[u8]) {
    read_all("in.xml", SourceFormat::Mediawiki, data);
}

/// Both HTML extractors (main content and plain) on lossily decoded bytes.
pub fn html_to_text(data: &[u8]) {
    let html = String::from_utf8_lossy(data);
    std::hint::black_box(garbell_io::html::html_to_text(&html));
    std::hint::black_box(garbell_io::html::plain_text(&html));
}

/// Wikitext to plain text, with Catalan file and category namespace names.
pub fn wikitext(data: &[u8]) {
    static NS: OnceLock<Namespaces> = OnceLock::new();
    let ns = NS.get_or_init(|| {
        Namespaces::default()
            .with_file_names(["Fitxer", "Imatge"])
            .with_category_names(["Categoria"])
    });
    let text = String::from_utf8_lossy(data);
    std::hint::black_box(wikitext_to_text(&text, ns));
}

const DEFAULTS: &str = include_str!("../../../../languages/_defaults.toml");

/// Chain files (first byte even) or a language profile over the shipped defaults (odd).
pub fn config(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if which % 2 == 0 {
        static LANGS: OnceLock<Languages> = OnceLock::new();
        let langs = LANGS.get_or_init(|| Languages::embedded().expect("embedded languages"));
        if let Ok(chain) = ChainConfig::parse("fuzz.toml", text) {
            let _ = std::hint::black_box(chain.validate("fuzz.toml", langs));
        }
    } else {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("_defaults.toml"), DEFAULTS).expect("write defaults");
        std::fs::write(dir.path().join("ca.toml"), text).expect("write profile");
        let _ = std::hint::black_box(Languages::load_dir(dir.path()));
    }
}

/// The fastText model loader (`.bin` and quantized `.ftz`) on arbitrary bytes; a model that
/// loads is asked for a prediction (so rows the header promises are really reachable).
pub fn fasttext(data: &[u8]) {
    if let Ok(model) = garbell_lid::Model::from_bytes(data) {
        std::hint::black_box(model.predict("Bon dia a tothom, com anem? hello world 123", 3, 0.0));
        std::hint::black_box(model.predict("", 1, 0.0));
    }
}
