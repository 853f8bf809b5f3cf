//! Hostile input through the real binary (`garbell run --chain quickstart`). Table of contents:
//!
//! - `corrupt_*`: committed corrupt files (`tests/data/corrupt/`, written by `make_corrupt.py`,
//!   facts in its `expected.json`): truncated gzip, a garbage gzip member, invalid UTF-8, NUL
//!   bytes, 100,000 nested `<div>`s, empty files of every format. Each asserts: no panic, exit 0,
//!   the good records read (counted), the bad ones in `stats.json` `read_errors` by kind and in
//!   `errors.jsonl` with file and offset;
//! - `huge_*`: a 100 MB line, a 1 GiB gzip bomb and a 200 MiB `Content-Encoding: gzip` body in a
//!   WARC, built at test time in a temp dir: the same,
//!   plus peak RSS (VmHWM, polled from `/proc`) under 1 GiB;
//! - `parquet_*`: a Parquet file with the wrong schema or no Parquet at all: a job error, exit 1,
//!   naming the file, no stats or shards written;
//! - `config_*`: unknown keys, wrong types, impossible thresholds, a step that does not exist, a
//!   missing language profile: exit 1 with file, line (where the TOML parser has one) and key,
//!   before the output directory is created;
//! - `verify_*`: a run directory tampered with (an edited `stats.json`, an edited count inside
//!   `manifest.json`, a deleted `errors.jsonl` or completion marker, an extra shard under
//!   `shards/` or `dedup/shards/`): `manifest verify` exits 1 naming the file;
//! - `model_*`: malformed fastText models: exit 1 with "invalid fastText model", no abort;
//! - `cli_*`: a closed standard output ends every printing command quietly; one OS error message
//!   per failure; `-o` naming a file; what a job-level error leaves behind.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn corrupt_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/corrupt")
}

fn expected() -> Value {
    read_json(&corrupt_dir().join("expected.json"))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// `garbell run --chain quickstart -o <out> <input>`, with its peak resident set in KiB: the
/// largest `VmHWM` seen while polling `/proc/<pid>/status` (0 where `/proc` is absent).
fn run_measured(out: &Path, input: &Path) -> (Output, u64) {
    let logs = tempdir();
    let (so, se) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(["run", "--chain", "quickstart", "-o", s(out), s(input)])
        .stdout(Stdio::from(
            std::fs::File::create(&so).expect("stdout file"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(&se).expect("stderr file"),
        ))
        .spawn()
        .expect("garbell starts");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = Output {
        status,
        stdout: std::fs::read(&so).expect("stdout"),
        stderr: std::fs::read(&se).expect("stderr"),
    };
    (output, peak_kib)
}

fn run(out: &Path, input: &Path) -> Output {
    run_measured(out, input).0
}

/// What a completed run reports about its input.
struct Report {
    stats: Value,
    errors: Vec<Value>,
}

impl Report {
    fn read(out: &Path) -> Report {
        let stats = read_json(&out.join("stats.json"));
        let errors = std::fs::read_to_string(out.join("errors.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("errors.jsonl line is JSON"))
            .collect();
        Report { stats, errors }
    }
    fn records_read(&self) -> u64 {
        self.stats["records_read"].as_u64().expect("records_read")
    }
    /// `read_errors` as (kind, count), sorted.
    fn read_errors(&self) -> Vec<(String, u64)> {
        self.stats["read_errors"]
            .as_object()
            .expect("read_errors")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().expect("count")))
            .collect()
    }
    /// `errors.jsonl` as (kind, offset), after checking every line names `input`.
    fn error_lines(&self, input: &Path) -> Vec<(String, u64)> {
        self.errors
            .iter()
            .map(|e| {
                assert_eq!(e["input"].as_str(), Some(s(input)), "{e}");
                (
                    e["kind"].as_str().expect("kind").to_string(),
                    e["offset"].as_u64().expect("offset"),
                )
            })
            .collect()
    }
}

/// Runs the committed fixture `name`; asserts exit 0 and no panic; returns the report.
fn completed(name: &str) -> (Report, PathBuf) {
    let input = corrupt_dir().join(name);
    let out = tempdir();
    let o = run(out.path(), &input);
    let e = stderr(&o);
    assert!(!e.contains("panicked"), "{name}: {e}");
    assert_eq!(o.status.code(), Some(0), "{name}: {e}");
    (Report::read(out.path()), input)
}

fn kinds(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn corrupt_truncated_gzip_reads_what_precedes_the_cut() {
    let facts = &expected()["truncated.jsonl.gz"];
    let (r, input) = completed("truncated.jsonl.gz");
    let readable = facts["readable_documents"].as_u64().expect("readable");
    assert!(readable > 0 && readable < facts["documents"].as_u64().expect("docs"));
    assert_eq!(r.records_read(), readable, "{}", r.stats);
    assert_eq!(r.read_errors(), kinds(&[("decompress_error", 1)]));
    // The offset is in the decompressed stream: where the first incomplete line starts.
    let offset = facts["error_offset"].as_u64().expect("offset");
    assert_eq!(
        r.error_lines(&input),
        vec![("decompress_error".to_string(), offset)]
    );
}

#[test]
fn corrupt_garbage_gzip_member_mid_warc_is_skipped_and_reading_resumes() {
    let facts = &expected()["garbage_member.warc.gz"];
    let (r, input) = completed("garbage_member.warc.gz");
    assert_eq!(
        r.records_read(),
        facts["documents"].as_u64().expect("docs"),
        "all six pages, three of them after the garbage: {}",
        r.stats
    );
    assert_eq!(r.read_errors(), kinds(&[("gzip_member_corrupt", 1)]));
    let offset = facts["garbage_offset"].as_u64().expect("offset");
    assert_eq!(
        r.error_lines(&input),
        vec![("gzip_member_corrupt".to_string(), offset)]
    );
}

#[test]
fn corrupt_invalid_utf8_in_jsonl_is_read_lossily_and_a_non_json_line_counted() {
    let (r, input) = completed("invalid_utf8.jsonl");
    // Five lines: three clean, one with invalid UTF-8 inside its text (read, with U+FFFD), one
    // that is not JSON at all.
    assert_eq!(r.records_read(), 4, "{}", r.stats);
    assert_eq!(r.read_errors(), kinds(&[("json_invalid", 1)]));
    let text = std::fs::read(&input).expect("fixture");
    let bad_line = text
        .windows(3)
        .position(|w| w == b"\xff\xfe\xfd")
        .expect("bad line") as u64;
    assert_eq!(
        r.error_lines(&input),
        vec![("json_invalid".to_string(), bad_line)]
    );
}

#[test]
fn corrupt_nul_bytes_in_jsonl_are_counted_per_line() {
    let (r, input) = completed("nul_bytes.jsonl");
    // A raw NUL inside a string and a line of NULs are not JSON; an escaped \u0000 is.
    assert_eq!(r.records_read(), 3, "{}", r.stats);
    assert_eq!(r.read_errors(), kinds(&[("json_invalid", 2)]));
    let text = std::fs::read(&input).expect("fixture");
    let line_starts: Vec<u64> = std::iter::once(0)
        .chain(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i as u64 + 1),
        )
        .collect();
    assert_eq!(
        r.error_lines(&input),
        vec![
            ("json_invalid".to_string(), line_starts[1]),
            ("json_invalid".to_string(), line_starts[2]),
        ]
    );
}

#[test]
fn corrupt_deeply_nested_html_in_warc_is_converted_without_overflow() {
    let (r, _) = completed("deep_nesting.warc.gz");
    assert_eq!(r.records_read(), 3, "{}", r.stats);
    assert!(r.read_errors().is_empty(), "{}", r.stats);
    assert!(r.errors.is_empty());
}

#[test]
fn corrupt_empty_files_of_every_streaming_format_complete_with_nothing_read() {
    for name in [
        "empty.jsonl",
        "empty.jsonl.gz",
        "empty_stream.jsonl.gz",
        "empty.warc",
        "empty.warc.gz",
        "empty.xml",
    ] {
        let (r, _) = completed(name);
        assert_eq!(r.records_read(), 0, "{name}: {}", r.stats);
        assert!(r.read_errors().is_empty(), "{name}: {}", r.stats);
        assert!(r.errors.is_empty(), "{name}");
    }
}

/// A job-level error: exit 1, the file named, no panic, nothing written but empty folders.
fn assert_job_error(name: &str, message: &str) {
    let input = corrupt_dir().join(name);
    let out = tempdir();
    let o = run(out.path(), &input);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{name}: {e}");
    assert!(!e.contains("panicked"), "{e}");
    assert!(e.contains(name) && e.contains(message), "{name}: {e}");
    assert!(!out.path().join("stats.json").exists(), "{name}");
    let files = list_files(out.path());
    assert!(files.is_empty(), "{name}: no output files, got {files:?}");
    // Nor the empty shards/ and completions/ directories the run created before failing.
    let left: Vec<_> = std::fs::read_dir(out.path())
        .expect("read output dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "{name}: left behind {left:?}");
}

#[test]
fn parquet_wrong_schema_is_a_job_error_naming_file_and_columns() {
    assert_job_error(
        "wrong_schema.parquet",
        "no text column `text` (columns: id, body)",
    );
}

#[test]
fn parquet_empty_file_is_a_job_error_naming_the_file() {
    assert_job_error("empty.parquet", "not a readable Parquet file");
}

/// 1 GiB: the ceiling for the huge inputs (the record cap is 64 MiB).
const MAX_PEAK_KIB: u64 = 1 << 20;

#[test]
fn huge_100_mb_single_line_is_skipped_with_bounded_memory() {
    let dir = tempdir();
    let input = dir.path().join("huge_line.jsonl");
    let first = br#"{"id":"before","text":"Bon dia a tothom. Avui fa un dia molt bonic i anirem a passejar per la platja."}"#;
    let last = br#"{"id":"after","text":"Good morning everyone. Today is a very nice day and we will go for a walk."}"#;
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&input).expect("create"));
        f.write_all(first).expect("write");
        f.write_all(b"\n{\"id\":\"huge\",\"text\":\"")
            .expect("write");
        let block = vec![b'a'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&block).expect("write");
        }
        f.write_all(b"\"}\n").expect("write");
        f.write_all(last).expect("write");
        f.write_all(b"\n").expect("write");
    }
    let out = tempdir();
    let (o, peak_kib) = run_measured(out.path(), &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = Report::read(out.path());
    assert_eq!(r.records_read(), 2, "{}", r.stats);
    assert_eq!(r.read_errors(), kinds(&[("record_too_large", 1)]));
    assert_eq!(
        r.error_lines(&input),
        vec![("record_too_large".to_string(), first.len() as u64 + 1)]
    );
    eprintln!("100 MB line: peak RSS {peak_kib} KiB");
    assert!(peak_kib < MAX_PEAK_KIB, "peak RSS {peak_kib} KiB");
}

#[test]
fn huge_gzip_bomb_of_1_gib_zeros_is_skipped_with_bounded_memory() {
    // good.jsonl.gz (3 documents), 1024 members of 1 MiB of zeros (about 1 MB on disk), then
    // good.jsonl.gz again. The zeros have no newline: they and the first line of the second
    // copy make one 1 GiB line, skipped as too large; the other five documents are read.
    let dir = tempdir();
    let input = dir.path().join("bomb.jsonl.gz");
    let good = std::fs::read(corrupt_dir().join("good.jsonl.gz")).expect("good");
    let zeros = std::fs::read(corrupt_dir().join("zeros-1MiB.gz")).expect("zeros");
    let mut bytes = good.clone();
    for _ in 0..1024 {
        bytes.extend_from_slice(&zeros);
    }
    bytes.extend_from_slice(&good);
    assert!(bytes.len() < 2 << 20, "{} bytes on disk", bytes.len());
    std::fs::write(&input, &bytes).expect("write");
    let out = tempdir();
    let (o, peak_kib) = run_measured(out.path(), &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = Report::read(out.path());
    assert_eq!(r.records_read(), 5, "{}", r.stats);
    assert_eq!(r.read_errors(), kinds(&[("record_too_large", 1)]));
    let errors = r.error_lines(&input);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "record_too_large");
    eprintln!("1 GiB gzip bomb: peak RSS {peak_kib} KiB");
    assert!(peak_kib < MAX_PEAK_KIB, "peak RSS {peak_kib} KiB");
}

// ---- configuration ----

/// Runs `garbell run` with the chain `text` (and extra args); asserts exit 1, no output
/// directory, and that stderr holds each of `needles`.
fn assert_config_error(text: &str, extra: &[&str], needles: &[&str]) {
    let dir = tempdir();
    let chain = dir.path().join("bad_chain.toml");
    std::fs::write(&chain, text).expect("write chain");
    let out = dir.path().join("out");
    let mut args = vec!["run", "--chain", s(&chain), "-o", s(&out)];
    args.extend_from_slice(extra);
    let input = io_fixtures().join("docs.jsonl");
    args.push(s(&input));
    let o = garbell(&args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{text}\n{e}");
    assert!(!e.contains("panicked"), "{e}");
    for n in needles {
        assert!(e.contains(n), "missing {n:?} in:\n{e}");
    }
    assert!(
        !out.exists(),
        "no output directory before the configuration is valid"
    );
}

const LID: &str = "[[steps]]\nstep = \"identify_language\"\nmodel = \"embedded:lid.176\"\n";

#[test]
fn config_unknown_top_level_key_names_file_line_and_key() {
    assert_config_error(
        "name = \"c\"\nnmae = \"x\"\n[[steps]]\nstep = \"normalize\"\n",
        &[],
        &["bad_chain.toml", "line 2", "unknown field `nmae`"],
    );
}

#[test]
fn config_wrong_type_names_file_line_and_key() {
    assert_config_error(
        "name = \"c\"\n[source]\nmax_record_bytes = \"big\"\n[[steps]]\nstep = \"normalize\"\n",
        &[],
        &[
            "bad_chain.toml",
            "line 3",
            "max_record_bytes",
            "expected u64",
        ],
    );
}

#[test]
fn config_wrong_type_inside_a_step_names_the_key() {
    let text =
        format!("name = \"c\"\n{LID}[[steps]]\nstep = \"filter_language\"\nlanguages = \"ca\"\n");
    assert_config_error(
        &text,
        &[],
        &[
            "bad_chain.toml",
            "expected a sequence",
            "`steps[1].languages` at line 7",
        ],
    );
}

#[test]
fn config_negative_min_doc_words_names_the_key() {
    assert_config_error(
        "name = \"c\"\n[[steps]]\nstep = \"filter_gopher_quality\"\nmin_doc_words = -1\n",
        &[],
        &[
            "bad_chain.toml",
            "integer `-1`",
            "`steps[0].min_doc_words` at line 4",
        ],
    );
}

#[test]
fn config_step_threshold_above_one_names_the_step_and_key() {
    let text =
        format!("name = \"c\"\n{LID}[[steps]]\nstep = \"filter_language\"\nthreshold = 1.5\n");
    assert_config_error(
        &text,
        &[],
        &[
            "bad_chain.toml",
            "steps[1].threshold = 1.5 is outside [0, 1]",
        ],
    );
}

#[test]
fn config_step_that_does_not_exist_names_file_line_and_value() {
    assert_config_error(
        "name = \"c\"\n[[steps]]\nstep = \"filter_magic\"\n",
        &[],
        &["bad_chain.toml", "line 3", "unknown variant `filter_magic`"],
    );
}

#[test]
fn config_missing_language_profile_names_the_language() {
    let text = format!(
        "name = \"c\"\n{LID}[[steps]]\nstep = \"filter_language\"\nlanguages = [\"ca\", \"xx\"]\n"
    );
    assert_config_error(
        &text,
        &[],
        &[
            "bad_chain.toml",
            "steps[1].languages",
            "no language profile \"xx\"",
        ],
    );
}

#[test]
fn config_language_profile_lid_threshold_above_one_names_file_and_key() {
    let dir = tempdir();
    let langs = dir.path().join("languages");
    std::fs::create_dir(&langs).expect("mkdir");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("languages");
    for f in ["_defaults.toml", "en.toml"] {
        std::fs::copy(src.join(f), langs.join(f)).expect("copy");
    }
    std::fs::write(
        langs.join("ca.toml"),
        "name = \"Catalan\"\n[lid]\nlabels = [\"__label__ca\"]\nthreshold = 1.5\n",
    )
    .expect("write");
    assert_config_error(
        &format!("name = \"c\"\n{LID}"),
        &["--languages", s(&langs)],
        &["ca.toml", "lid.threshold", "1.5", "outside [0, 1]"],
    );
}

#[test]
fn config_language_profile_unknown_key_names_file_line_and_key() {
    let dir = tempdir();
    let langs = dir.path().join("languages");
    std::fs::create_dir(&langs).expect("mkdir");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("languages");
    for f in ["_defaults.toml", "en.toml"] {
        std::fs::copy(src.join(f), langs.join(f)).expect("copy");
    }
    std::fs::write(
        langs.join("ca.toml"),
        "name = \"Catalan\"\nnative_nmae = \"català\"\n[lid]\nlabels = [\"__label__ca\"]\n",
    )
    .expect("write");
    assert_config_error(
        &format!("name = \"c\"\n{LID}"),
        &["--languages", s(&langs)],
        &["ca.toml", "line 2", "unknown field `native_nmae`"],
    );
}

/// One WARC `response` record around the HTTP message `http`.
fn warc_response(n: u32, http: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{n:012}>\r\n\
         WARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Target-URI: http://example.org/{n}\r\n\
         Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        http.len()
    )
    .into_bytes();
    r.extend_from_slice(http);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

#[test]
fn huge_http_gzip_bomb_in_warc_is_capped_with_bounded_memory() {
    // A page whose `Content-Encoding: gzip` body decodes to 200 MiB of zeros (200 gzip members,
    // about 210 kB), between two ordinary pages: the body is cut at max_record_bytes (64 MiB)
    // and the record counted as too large; both pages are read.
    let page = b"<html><body><p>Bon dia a tothom. Avui fa un dia molt bonic i anirem a passejar per la platja amb els amics.</p></body></html>";
    let mut ok = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
        page.len()
    )
    .into_bytes();
    ok.extend_from_slice(page);
    let zeros = std::fs::read(corrupt_dir().join("zeros-1MiB.gz")).expect("zeros");
    let body: Vec<u8> = zeros
        .iter()
        .copied()
        .cycle()
        .take(zeros.len() * 200)
        .collect();
    let mut bomb = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bomb.extend_from_slice(&body);
    let first = warc_response(1, &ok);
    let mut warc = first.clone();
    warc.extend(warc_response(2, &bomb));
    warc.extend(warc_response(3, &ok));
    let dir = tempdir();
    let input = dir.path().join("bomb.warc");
    std::fs::write(&input, &warc).expect("write");
    let out = tempdir();
    let (o, peak_kib) = run_measured(out.path(), &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = Report::read(out.path());
    assert_eq!(r.records_read(), 2, "{}", r.stats);
    assert_eq!(r.read_errors(), kinds(&[("record_too_large", 1)]));
    assert_eq!(
        r.error_lines(&input),
        vec![("record_too_large".to_string(), first.len() as u64)]
    );
    eprintln!("200 MiB HTTP gzip bomb: peak RSS {peak_kib} KiB");
    assert!(peak_kib < MAX_PEAK_KIB, "peak RSS {peak_kib} KiB");
}

/// A quickstart run (with `[dedup]`) over a truncated gzip and a file with bad lines, so that
/// every kind of published file exists and `errors.jsonl` is not empty.
fn tamper_run() -> tempfile::TempDir {
    let out = tempdir();
    let o = Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(["run", "--chain", "quickstart", "-o", s(out.path())])
        .arg(corrupt_dir().join("truncated.jsonl.gz"))
        .arg(corrupt_dir().join("invalid_utf8.jsonl"))
        .output()
        .expect("runs");
    assert_success(&o);
    out
}

/// Applies `tamper` to the run in `dir`, checks that `manifest verify` exits 1 with a line
/// holding `kind` and `file`, then puts the saved files back and checks that it passes again.
fn assert_verify_reports(
    dir: &Path,
    restore: &[&str],
    tamper: impl FnOnce(&Path),
    kind: &str,
    file: &str,
) {
    let saved: Vec<(PathBuf, Option<Vec<u8>>)> = restore
        .iter()
        .map(|f| (dir.join(f), std::fs::read(dir.join(f)).ok()))
        .collect();
    tamper(dir);
    let o = garbell(&["manifest", "verify", s(dir)]);
    let report = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{kind} {file}: {report}{}",
        stderr(&o)
    );
    assert!(
        report
            .lines()
            .any(|l| l.starts_with(kind) && l.contains(&dir.join(file).display().to_string())),
        "expected `{kind}` naming {file}:\n{report}"
    );
    for (p, bytes) in saved {
        match bytes {
            Some(b) => std::fs::write(&p, b).expect("restore"),
            None => {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
    let o = garbell(&["manifest", "verify", s(dir)]);
    assert_success(&o);
}

#[test]
fn verify_reports_every_tampering_case_naming_the_file() {
    let run = tamper_run();
    let d = run.path();
    assert_success(&garbell(&["manifest", "verify", s(d)]));
    let m = read_json(&d.join("manifest.json"));
    let listed: Vec<&str> = m["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    for f in [
        "stats.json",
        "errors.jsonl",
        "completions/part-00000.json",
        "dedup/completions/cluster.json",
        "dedup/completions/apply-part-00001.json",
        "dedup/duplicates.bin",
    ] {
        assert!(
            listed.contains(&f),
            "{f} not in the manifest's files: {listed:?}"
        );
    }
    assert!(
        std::fs::metadata(d.join("errors.jsonl"))
            .expect("errors")
            .len()
            > 0
    );

    // An edited stats.json: one count changed, same length.
    assert_verify_reports(
        d,
        &["stats.json"],
        |d| {
            let t = std::fs::read_to_string(d.join("stats.json")).expect("read");
            let i = t.find(|c: char| c.is_ascii_digit()).expect("a digit");
            let mut b = t.into_bytes();
            b[i] = if b[i] == b'9' { b'8' } else { b[i] + 1 };
            std::fs::write(d.join("stats.json"), b).expect("write");
        },
        "content differs",
        "stats.json",
    );
    // An edited count inside manifest.json (the JSON still parses).
    assert_verify_reports(
        d,
        &["manifest.json"],
        |d| {
            let mut v = read_json(&d.join("manifest.json"));
            let w = v["stats"]["written"].as_u64().expect("written");
            v["stats"]["written"] = (w + 1).into();
            std::fs::write(
                d.join("manifest.json"),
                serde_json::to_vec_pretty(&v).expect("json"),
            )
            .expect("write");
        },
        "manifest altered",
        "manifest.json",
    );
    // A deleted errors.jsonl.
    assert_verify_reports(
        d,
        &["errors.jsonl"],
        |d| std::fs::remove_file(d.join("errors.jsonl")).expect("rm"),
        "missing",
        "errors.jsonl",
    );
    // A deleted completion marker, of the run and of the dedup.
    for marker in [
        "completions/part-00001.json",
        "dedup/completions/cluster.json",
    ] {
        assert_verify_reports(
            d,
            &[marker],
            |d| std::fs::remove_file(d.join(marker)).expect("rm"),
            "missing",
            marker,
        );
    }
    // An extra shard under shards/ and under dedup/shards/.
    for (from, extra) in [
        ("shards/part-00000.parquet", "shards/part-00002.parquet"),
        (
            "dedup/shards/part-00000.parquet",
            "dedup/shards/part-00007.parquet",
        ),
    ] {
        assert_verify_reports(
            d,
            &[extra],
            |d| {
                std::fs::copy(d.join(from), d.join(extra)).expect("copy");
            },
            "unexpected",
            extra,
        );
    }
}

/// The 92-byte model of issue 19: a valid header whose dictionary claims 2^31 - 1 entries (it
/// used to abort with "memory allocation of 34359738352 bytes failed", exit 134).
fn huge_dictionary_model() -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz/regressions/fasttext/huge-dictionary-92-bytes.bin"),
    )
    .expect("regression input")
}

#[test]
fn model_malformed_files_exit_1_with_a_clear_message() {
    let dir = tempdir();
    let docs = dir.path().join("docs.jsonl");
    std::fs::write(&docs, "{\"text\": \"Bon dia a tothom\"}\n").expect("write");
    let huge = huge_dictionary_model();
    assert_eq!(huge.len(), 92);
    let mut garbage = vec![0u8; 4096];
    for (i, b) in garbage.iter_mut().enumerate() {
        *b = (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3];
    }
    let lid =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("languages/lid/lid.176.ftz"))
            .expect("lid.176");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("huge-dictionary.bin", huge),
        ("garbage.bin", garbage),
        ("empty.bin", Vec::new()),
        ("truncated-lid.ftz", lid[..lid.len() / 3].to_vec()),
    ];
    for (name, bytes) in cases {
        let model = dir.path().join(name);
        std::fs::write(&model, bytes).expect("write model");
        let o = garbell(&["lid", "--model", s(&model), s(&docs)]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {e}");
        assert!(
            e.contains("invalid fastText model") && e.contains(name),
            "{name}: {e}"
        );
        assert!(
            !e.contains("panicked") && !e.contains("memory allocation"),
            "{e}"
        );
    }
}

/// Runs `args` with standard output closed by the reader before anything is read (like
/// `| head -0`); returns the exit status and standard error.
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    (o.status.code(), stderr(&o))
}

#[test]
fn cli_closed_stdout_ends_every_printing_command_quietly() {
    let run = tamper_run();
    let d = s(run.path());
    let mix = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("filters/mixes/salamandra.toml");
    let plan = tempdir();
    let docs = run.path().join("docs.jsonl");
    let mut lines = String::new();
    for i in 0..20_000 {
        lines.push_str(&format!(
            "{{\"id\": {i}, \"text\": \"Bon dia a tothom, com anem avui?\"}}\n"
        ));
    }
    std::fs::write(&docs, lines).expect("write");
    let pipeline = run.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        format!(
            "name = \"t\"\noutput = {:?}\n[run]\nchain = \"quickstart\"\ninputs = [{:?}]\ntasks = 2\n",
            plan.path().join("cluster").display().to_string(),
            docs.display().to_string()
        ),
    )
    .expect("write");
    let dedup_shards = run.path().join("dedup/shards");
    // No `[quality.*]` overrides for `tune` (the quickstart chain has no quality step).
    let profiles = tempdir();
    // A second "run" for `manifest diff`: the same manifest with other counts.
    let other = tempdir();
    let mut m = read_json(&run.path().join("manifest.json"));
    m["stats"]["written"] = 12345.into();
    m["stats"]["records_read"] = 54321.into();
    std::fs::write(
        other.path().join("manifest.json"),
        serde_json::to_vec(&m).expect("json"),
    )
    .expect("write");
    let commands: Vec<Vec<&str>> = vec![
        vec!["lid", s(&docs)],
        vec!["stats", d],
        vec!["stats", "--json", d],
        vec![
            "tune",
            "--chain",
            "quickstart",
            "--lang",
            "en",
            "--profile-dir",
            s(profiles.path()),
            "--json",
            d,
        ],
        vec![
            "tune",
            "--chain",
            "quickstart",
            "--lang",
            "en",
            "--profile-dir",
            s(profiles.path()),
            d,
        ],
        vec!["config", "resolve", "--chain", "web"],
        vec!["manifest", "diff", d, s(other.path())],
        vec![
            "balance",
            "--dry-run",
            "--mix",
            s(&mix),
            "-o",
            s(plan.path()),
            s(&dedup_shards),
        ],
        vec!["slurm", "submit", "--dry-run", s(&pipeline)],
        vec!["--help"],
    ];
    for args in commands {
        let (code, e) = with_closed_stdout(&args);
        assert!(!e.contains("panicked"), "{args:?}: {e}");
        assert!(!e.contains("Broken pipe"), "{args:?}: {e}");
        assert!(
            matches!(code, Some(0) | None),
            "{args:?}: exit {code:?}: {e}"
        );
    }
}

#[test]
fn cli_os_errors_are_said_once_and_output_files_are_named() {
    let dir = tempdir();
    let missing = dir.path().join("nowhere.jsonl");
    let o = garbell(&["run", "-o", s(&dir.path().join("out")), s(&missing)]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert_eq!(e.matches("os error 2").count(), 1, "{e}");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let input = corrupt_dir().join("invalid_utf8.jsonl");
    let o = garbell(&["run", "-o", s(&file), s(&input)]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("a-file") && e.contains("must be a directory"),
        "{e}"
    );
    assert!(!e.contains("File exists"), "{e}");
    assert_eq!(
        std::fs::read(&file).expect("read"),
        b"x",
        "the file is untouched"
    );
}

/// README's exit-status section: a job-level error after some inputs completed leaves their
/// shards and markers (a resume point) and no stats, errors or manifest; the same command after
/// the cause is fixed completes without redoing them.
#[test]
fn cli_job_error_leaves_completed_inputs_as_a_resume_point() {
    let inputs = tempdir();
    std::fs::copy(
        corrupt_dir().join("invalid_utf8.jsonl"),
        inputs.path().join("a.jsonl"),
    )
    .expect("copy");
    let good = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/samples/docs.parquet");
    let bytes = std::fs::read(&good).expect("parquet");
    std::fs::write(inputs.path().join("b.parquet"), &bytes[..bytes.len() / 2]).expect("write");
    let out = tempdir();
    let o = Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(["run", "-j", "1", "-o", s(out.path()), s(inputs.path())])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("b.parquet"), "{}", stderr(&o));
    assert_eq!(
        list_files(out.path()),
        vec!["completions/part-00000.json", "shards/part-00000.parquet"],
    );
    std::fs::write(inputs.path().join("b.parquet"), &bytes).expect("fix");
    let o = Command::new(env!("CARGO_BIN_EXE_garbell"))
        .args(["run", "-j", "1", "-o", s(out.path()), s(inputs.path())])
        .output()
        .expect("runs");
    assert_success(&o);
    assert!(stderr(&o).contains("resumed: 1 of 2"), "{}", stderr(&o));
    assert_success(&garbell(&["manifest", "verify", s(out.path())]));
}
