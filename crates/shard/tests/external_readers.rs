//! Real readers: pyarrow and DuckDB read our shards, and the schema is one that Hugging Face
//! `datasets` loads (plain types, no Map columns).
//!
//! Needs `python3` with `pyarrow` and `duckdb`. Without them the tests print a skip notice,
//! unless the `CI` environment variable is set, where they fail.

mod common;

use common::{documents, python_with, run_python, NON_ASCII};
use garbell_shard::{ShardConfig, ShardWriter};
use std::path::{Path, PathBuf};

/// Writes 300 fixture documents in row groups of 128, optionally with extra signal columns.
fn write_fixture(dir: &Path, extra_signal_columns: bool) -> PathBuf {
    let path = dir.join("fixture.parquet");
    let config = ShardConfig {
        max_rows_per_row_group: 128,
        extra_signal_columns,
        signal_columns: if extra_signal_columns {
            vec!["word_count".into(), "alpha_ratio".into()]
        } else {
            Vec::new()
        },
        ..Default::default()
    };
    let mut writer = ShardWriter::create(&path, &config).expect("create");
    for doc in documents(300) {
        writer.write(&doc).expect("write");
    }
    writer.commit().expect("commit");
    path
}

/// Expected values, passed to the Python scripts as JSON.
fn expected_json() -> String {
    let docs = documents(300);
    serde_json::json!({
        "rows": docs.len(),
        "ids": docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        "langs": docs.iter().map(|d| d.lang.as_str()).collect::<Vec<_>>(),
        "lang_scores": docs.iter().map(|d| d.lang_score).collect::<Vec<_>>(),
        "urls": docs.iter().map(|d| d.url.as_deref()).collect::<Vec<_>>(),
        "records": docs.iter().map(|d| d.origin.record).collect::<Vec<_>>(),
        "offsets": docs.iter().map(|d| d.origin.offset).collect::<Vec<_>>(),
        "meta": docs.iter().map(|d| (!d.meta.is_empty()).then_some(&d.meta)).collect::<Vec<_>>(),
        "signals": docs.iter().map(|d| (!d.signals.is_empty()).then_some(&d.signals)).collect::<Vec<_>>(),
        "text_bytes": docs.iter().map(|d| d.text.len()).sum::<usize>(),
        "non_ascii": NON_ASCII,
    })
    .to_string()
}

const PYARROW_SCRIPT: &str = r#"
import json, sys
import pyarrow as pa, pyarrow.parquet as pq

path, expected = sys.argv[1], json.loads(sys.argv[2])
extra = sys.argv[3] == "extra"
table = pq.read_table(path)
pf = pq.ParquetFile(path)
assert pf.metadata.num_row_groups == 3, pf.metadata.num_row_groups

names = ["id", "text", "lang", "lang_score", "source", "url", "meta", "signals",
         "input", "record", "offset"]
if extra:
    names += ["signal.word_count", "signal.alpha_ratio"]
assert table.column_names == names, table.column_names
types = {f.name: f.type for f in table.schema}
for n in ["id", "text", "lang", "source", "url", "meta", "signals", "input"]:
    assert types[n] == pa.string(), (n, types[n])
assert types["lang_score"] == pa.float32()
assert types["record"] == pa.int64() and types["offset"] == pa.int64()
for f in table.schema:
    # What Hugging Face datasets needs: flat, plain types.
    assert not pa.types.is_map(f.type) and not pa.types.is_nested(f.type), f
    assert (pa.types.is_string(f.type) or pa.types.is_floating(f.type)
            or pa.types.is_integer(f.type)), f
    if f.name.startswith("signal."):
        assert f.type == pa.float64() and f.nullable, f
for n in ["id", "text", "lang", "lang_score", "source", "input", "record", "offset"]:
    assert not table.schema.field(n).nullable, n

assert table.num_rows == expected["rows"]
col = lambda n: table.column(n).to_pylist()
assert col("id") == expected["ids"]
assert col("lang") == expected["langs"]
assert all(abs(a - b) < 1e-6 for a, b in zip(col("lang_score"), expected["lang_scores"]))
assert col("url") == expected["urls"]
assert col("record") == expected["records"]
assert col("offset") == expected["offsets"]
assert col("text")[2] == expected["non_ascii"], col("text")[2]
assert sum(len(t.encode()) for t in col("text")) == expected["text_bytes"]
assert [None if m is None else json.loads(m) for m in col("meta")] == expected["meta"]
assert [None if s is None else json.loads(s) for s in col("signals")] == expected["signals"]
if extra:
    for got, sig in zip(col("signal.word_count"), expected["signals"]):
        assert got == (None if sig is None else sig["word_count"]), (got, sig)
# pandas-free row access, the way datasets iterates
first = table.slice(2, 1).to_pylist()[0]
assert first["text"] == expected["non_ascii"]
print("pyarrow ok", table.num_rows)
"#;

#[test]
fn pyarrow_reads_the_shard() {
    if !python_with(&["pyarrow"], "pyarrow_reads_the_shard") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_fixture(dir.path(), false);
    let out = run_python(
        PYARROW_SCRIPT,
        &[
            path.to_str().expect("utf-8 path"),
            &expected_json(),
            "plain",
        ],
    );
    assert!(out.contains("pyarrow ok 300"), "{out}");
}

#[test]
fn pyarrow_reads_extra_signal_columns() {
    if !python_with(&["pyarrow"], "pyarrow_reads_extra_signal_columns") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_fixture(dir.path(), true);
    let out = run_python(
        PYARROW_SCRIPT,
        &[
            path.to_str().expect("utf-8 path"),
            &expected_json(),
            "extra",
        ],
    );
    assert!(out.contains("pyarrow ok 300"), "{out}");
}

const DUCKDB_SCRIPT: &str = r#"
import json, sys
import duckdb

path, expected = sys.argv[1], json.loads(sys.argv[2])
con = duckdb.connect()
count, langs, min_score, max_score, text_bytes, null_urls, null_meta = con.execute(
    "SELECT count(*), count(DISTINCT lang), min(lang_score), max(lang_score), "
    "sum(octet_length(encode(text))), count(*) - count(url), count(*) - count(meta) "
    "FROM read_parquet(?)", [path]).fetchone()
assert count == expected["rows"], count
assert langs == len(set(expected["langs"])), langs
assert abs(min_score - min(expected["lang_scores"])) < 1e-6
assert abs(max_score - max(expected["lang_scores"])) < 1e-6
assert text_bytes == expected["text_bytes"], (text_bytes, expected["text_bytes"])
assert null_urls == sum(u is None for u in expected["urls"]), null_urls
assert null_meta == sum(m is None for m in expected["meta"]), null_meta

ids = [r[0] for r in con.execute(
    "SELECT id FROM read_parquet(?) ORDER BY record", [path]).fetchall()]
assert ids == expected["ids"]
(text,) = con.execute("SELECT text FROM read_parquet(?) WHERE id = 'doc-00002'", [path]).fetchone()
assert text == expected["non_ascii"], text
by_lang = dict(con.execute(
    "SELECT lang, count(*) FROM read_parquet(?) GROUP BY lang", [path]).fetchall())
assert by_lang == {l: expected["langs"].count(l) for l in set(expected["langs"])}, by_lang
(wc_sum,) = con.execute(
    'SELECT sum("signal.word_count") FROM read_parquet(?)', [path]).fetchone()
assert wc_sum == sum(s["word_count"] for s in expected["signals"] if s), wc_sum
types = {r[0]: r[1] for r in con.execute(
    "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
    [path]).fetchall()}
assert types["lang_score"] == "FLOAT" and types["record"] == "BIGINT", types
assert not any("MAP" in t or "STRUCT" in t or "[]" in t for t in types.values()), types
print("duckdb ok", count)
"#;

#[test]
fn duckdb_reads_the_shard() {
    if !python_with(&["duckdb"], "duckdb_reads_the_shard") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_fixture(dir.path(), true);
    let out = run_python(
        DUCKDB_SCRIPT,
        &[path.to_str().expect("utf-8 path"), &expected_json()],
    );
    assert!(out.contains("duckdb ok 300"), "{out}");
}

/// Loads the shard with Hugging Face `datasets` when it is installed (offline: the `parquet`
/// builder reads local files). The schema checks above already cover what it needs, so this one
/// only runs where `datasets` is present, CI or not.
#[test]
fn hugging_face_datasets_loads_the_shard_when_installed() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import datasets"])
        .output();
    if !matches!(probe, Ok(ref out) if out.status.success()) {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED hugging_face_datasets_loads_the_shard_when_installed: no datasets module"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_fixture(dir.path(), false);
    let script = r#"
import os, sys
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
import datasets
ds = datasets.load_dataset("parquet", data_files=sys.argv[1], split="train",
                           cache_dir=sys.argv[2])
assert ds.num_rows == 300, ds.num_rows
assert ds[2]["text"] == sys.argv[3]
print("datasets ok", ds.num_rows)
"#;
    let cache = dir.path().join("hf-cache");
    let out = run_python(
        script,
        &[
            path.to_str().expect("utf-8 path"),
            cache.to_str().expect("utf-8 path"),
            NON_ASCII,
        ],
    );
    assert!(out.contains("datasets ok 300"), "{out}");
}
