//! Parquet inputs as users have them: the same table written by pyarrow (every codec, a
//! dictionary-typed and a large-string text column), pandas, DuckDB `COPY`, polars, Hugging Face
//! `datasets` — each with its defaults — and arrow-rs (every codec it writes), run through
//! `garbell run` and read back from the shards with pyarrow and DuckDB: every row and every
//! text exactly, list and struct columns as JSON in `meta`. Then a file with a damaged row
//! group loses that row group's rows only, and a file in a codec garbell cannot decode is a
//! job-level error naming the file.

mod common;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use common::{assert_success, garbell, python, read_json, stderr, tempdir};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const WRITERS: &str = include_str!("parquet_writers.py");

/// A chain that reads Parquet and changes no text (language identification only labels).
fn chain(dir: &Path) -> PathBuf {
    let chain = dir.join("parquet.toml");
    std::fs::write(
        &chain,
        "name = \"parquet\"\n[source]\nformat = \"parquet\"\n[[steps]]\nstep = \"identify_language\"\n",
    )
    .expect("chain");
    chain
}

fn run(chain: &Path, out: &Path, input: &Path) -> std::process::Output {
    garbell(&[
        "run",
        "--chain",
        chain.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        input.to_str().expect("utf8"),
    ])
}

/// Rewrites `src` with arrow-rs in `codec`.
fn rewrite(src: &Path, dst: &Path, codec: Compression) {
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(src).expect("open"))
        .expect("parquet")
        .build()
        .expect("reader");
    let props = WriterProperties::builder()
        .set_compression(codec)
        .set_max_row_group_row_count(Some(300))
        .build();
    let mut w = None;
    for batch in reader {
        let batch = batch.expect("batch");
        let w = w.get_or_insert_with(|| {
            ArrowWriter::try_new(
                std::fs::File::create(dst).expect("create"),
                batch.schema(),
                Some(props.clone()),
            )
            .expect("writer")
        });
        w.write(&batch).expect("write");
    }
    w.expect("rows").close().expect("close");
}

#[test]
fn every_writer_and_codec_reads_back_exactly() {
    let dir = tempdir();
    let root = dir.path();
    let modules = ["pyarrow", "duckdb", "pandas", "polars", "datasets"];
    if python(WRITERS, &[Path::new("write"), root], &modules).is_none() {
        return;
    }
    let input = root.join("in");
    let codecs = [
        ("none", Compression::UNCOMPRESSED),
        ("snappy", Compression::SNAPPY),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
        ("lz4", Compression::LZ4),
        ("lz4_raw", Compression::LZ4_RAW),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
    ];
    for (name, codec) in codecs {
        rewrite(
            &input.join("pyarrow-none.parquet"),
            &input.join(format!("arrow-rs-{name}.parquet")),
            codec,
        );
    }
    let mut files: Vec<String> = std::fs::read_dir(&input)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 10 + 4 + codecs.len(), "{files:?}");

    let out = root.join("out");
    let o = run(&chain(root), &out, &input);
    assert_success(&o);
    let stats = read_json(&out.join("stats.json"));
    assert_eq!(stats["read_errors"], serde_json::json!({}), "{stats}");
    assert_eq!(
        stats["records_read"].as_u64(),
        Some(700 * files.len() as u64)
    );
    let counts = python(
        WRITERS,
        &[Path::new("check"), root, &out],
        &["pyarrow", "duckdb"],
    )
    .expect("checked");
    let counts: serde_json::Value = serde_json::from_str(counts.trim()).expect("json");
    for f in &files {
        assert_eq!(counts[f].as_u64(), Some(700), "{f}: {counts}");
    }
}

/// Writes `groups` row groups of `rows` rows (ids `r<row>`) with arrow-rs, zstd.
fn write_groups(path: &Path, groups: usize, rows: usize) {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(rows))
        .build();
    let n = groups * rows;
    let ids: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
    let texts: Vec<String> = (0..n)
        .map(|i| format!("Row {i}: el text de la fila {i} és aquest."))
        .collect();
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(StringArray::from(ids)) as ArrayRef),
        ("text", Arc::new(StringArray::from(texts)) as ArrayRef),
        (
            "n",
            Arc::new(Int64Array::from_iter_values(0..n as i64)) as ArrayRef,
        ),
    ])
    .expect("batch");
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(path).expect("create"),
        batch.schema(),
        Some(props),
    )
    .expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

/// Overwrites the start (the first page header) of column `column`'s chunk in row group `group`.
fn damage(path: &Path, group: usize, column: usize) {
    let meta = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).expect("open"))
        .expect("parquet")
        .metadata()
        .clone();
    let (start, _) = meta.row_group(group).column(column).byte_range();
    let mut bytes = std::fs::read(path).expect("read");
    for b in &mut bytes[start as usize..start as usize + 12] {
        *b = 0xff;
    }
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn a_damaged_row_group_loses_only_its_own_rows() {
    let dir = tempdir();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).expect("mkdir");
    let file = input.join("three-groups.parquet");
    write_groups(&file, 3, 400);
    damage(&file, 1, 1);
    let out = dir.path().join("out");
    let o = run(&chain(dir.path()), &out, &input);
    assert_success(&o);
    let stats = read_json(&out.join("stats.json"));
    assert_eq!(stats["records_read"].as_u64(), Some(800), "{stats}");
    assert_eq!(
        stats["read_errors"],
        serde_json::json!({"parquet_invalid": 1})
    );
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).expect("errors");
    let e: serde_json::Value = serde_json::from_str(errors.trim()).expect("one error line");
    assert_eq!(e["offset"].as_u64(), Some(400), "{e}");
    let message = e["message"].as_str().expect("message");
    assert!(
        message.contains("row group 1, rows 400..800 (400 rows lost)"),
        "{message}"
    );
    let docs =
        garbell_shard::read_documents(&out.join("shards/part-00000.parquet")).expect("shard");
    let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
    let want: Vec<String> = (0..400).chain(800..1200).map(|i| format!("r{i}")).collect();
    assert_eq!(ids, want);
    assert!(docs
        .iter()
        .all(|d| d.text.starts_with(&format!("Row {}:", &d.id[1..]))));
}

#[test]
fn an_unsupported_codec_is_a_job_error_naming_the_file() {
    // LZO: deprecated, written by none of the usual writers, not decoded by arrow-rs. Made by
    // writing an uncompressed file and changing the codec in the footer (Thrift compact
    // encoding of ColumnMetaData: path_in_schema ["text"], then field 4 `codec` = 0, which
    // becomes 3 = LZO, zigzag-encoded 6). The pages stay readable: only the codec says LZO.
    let dir = tempdir();
    let input = dir.path().join("lzo.parquet");
    let props = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .build();
    let batch = RecordBatch::try_from_iter([(
        "text",
        Arc::new(StringArray::from(vec!["Bon dia", "Bona nit"])) as ArrayRef,
    )])
    .expect("batch");
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(&input).expect("create"),
        batch.schema(),
        Some(props),
    )
    .expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
    let mut bytes = std::fs::read(&input).expect("read");
    let needle = [0x19, 0x18, 4, b't', b'e', b'x', b't', 0x15, 0x00];
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the codec field of the text column");
    bytes[at + needle.len() - 1] = 0x06;
    std::fs::write(&input, bytes).expect("write");

    let out = dir.path().join("out");
    let o = run(&chain(dir.path()), &out, &input);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&input.display().to_string())
            && err.contains("cannot be read")
            && err.contains("LZO"),
        "{err}"
    );
    assert!(!out.join("stats.json").exists());
}
