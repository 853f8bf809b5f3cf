//! Round trips through our own reader, determinism, hashes and row-group sizing.

mod common;

use common::{documents, NON_ASCII};
use garbell_core::{Document, Origin};
use garbell_shard::{
    hash_file, read_documents, Error, ShardConfig, ShardInfo, ShardReader, ShardWriter, CREATED_BY,
    SCHEMA_VERSION, SCHEMA_VERSION_KEY,
};
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::fs::File;
use std::path::Path;

fn write_shard(path: &Path, config: &ShardConfig, docs: &[Document]) -> ShardInfo {
    let mut writer = ShardWriter::create(path, config).expect("create");
    for doc in docs {
        writer.write(doc).expect("write");
    }
    writer.commit().expect("commit")
}

fn parquet_reader(path: &Path) -> SerializedFileReader<File> {
    SerializedFileReader::new(File::open(path).expect("open")).expect("parquet footer")
}

fn row_group_sizes(path: &Path) -> Vec<i64> {
    parquet_reader(path)
        .metadata()
        .row_groups()
        .iter()
        .map(|rg| rg.num_rows())
        .collect()
}

#[test]
fn documents_round_trip_through_our_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let docs = documents(257);
    let info = write_shard(&path, &ShardConfig::default(), &docs);

    assert_eq!(info.path, path);
    assert_eq!(info.rows, 257);
    let back = read_documents(&path).expect("read");
    assert_eq!(back, docs);
    assert_eq!(back[2].text, NON_ASCII);
    // Documents of one input share their `input` string again.
    assert!(std::sync::Arc::ptr_eq(
        &back[3].origin.input,
        &back[5].origin.input
    ));
    assert_eq!(ShardReader::open(&path).expect("open").rows(), 257);
}

#[test]
fn empty_fields_and_extreme_values_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let mut empty = Document::new("", "", "", Origin::new("", 0, 0));
    empty.lang = String::new();
    let mut big = Document::new("big", "x", "jsonl", Origin::new("in", u64::MAX >> 1, 0));
    big.origin.offset = i64::MAX as u64;
    big.lang_score = f32::MIN_POSITIVE;
    big.signals.insert("tiny".into(), 1e-300);
    big.signals.insert("neg".into(), -0.0);
    let docs = vec![empty, big];
    write_shard(&path, &ShardConfig::default(), &docs);
    assert_eq!(read_documents(&path).expect("read"), docs);
}

#[test]
fn non_finite_signals_are_stored_as_json_null_and_read_as_nan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let mut doc = Document::new("d", "t", "jsonl", Origin::new("in", 0, 0));
    doc.signals.insert("inf".into(), f64::INFINITY);
    doc.signals.insert("nan".into(), f64::NAN);
    doc.signals.insert("one".into(), 1.0);
    write_shard(&path, &ShardConfig::default(), &[doc]);
    let back = read_documents(&path).expect("read");
    assert!(back[0].signals["inf"].is_nan());
    assert!(back[0].signals["nan"].is_nan());
    assert_eq!(back[0].signals["one"], 1.0);
}

#[test]
fn an_empty_shard_is_a_valid_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.parquet");
    let info = write_shard(&path, &ShardConfig::default(), &[]);
    assert_eq!(info.rows, 0);
    assert!(read_documents(&path).expect("read").is_empty());
    assert!(row_group_sizes(&path).is_empty());
}

#[test]
fn same_documents_give_byte_identical_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let docs = documents(500);
    let config = ShardConfig {
        max_rows_per_row_group: 64,
        ..Default::default()
    };
    let a = write_shard(&dir.path().join("a.parquet"), &config, &docs);
    // A different directory and name, written later: same bytes.
    let sub = dir.path().join("other");
    std::fs::create_dir(&sub).expect("mkdir");
    let b = write_shard(&sub.join("b.parquet"), &config, &docs);

    let bytes_a = std::fs::read(&a.path).expect("read a");
    let bytes_b = std::fs::read(&b.path).expect("read b");
    assert!(
        bytes_a == bytes_b,
        "two writes of the same documents differ"
    );
    assert_eq!(a.blake3, b.blake3);
    assert_eq!(a.bytes, b.bytes);

    // And a change of one document changes the hash.
    let mut changed = docs.clone();
    changed[10].text.push('!');
    let c = write_shard(&dir.path().join("c.parquet"), &config, &changed);
    assert_ne!(a.blake3, c.blake3);
}

#[test]
fn info_matches_the_file_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let info = write_shard(&path, &ShardConfig::default(), &documents(100));
    assert_eq!(info.bytes, std::fs::metadata(&path).expect("stat").len());
    assert_eq!(info.blake3, hash_file(&path).expect("hash"));
    assert_eq!(info.blake3.len(), 64);
    assert_eq!(
        info.blake3,
        blake3::hash(&std::fs::read(&path).expect("read"))
            .to_hex()
            .as_str()
    );
    let json = serde_json::to_string(&info).expect("serialize");
    assert_eq!(
        serde_json::from_str::<ShardInfo>(&json).expect("deserialize"),
        info
    );
}

#[test]
fn footer_has_fixed_created_by_and_schema_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    write_shard(&path, &ShardConfig::default(), &documents(3));
    let reader = parquet_reader(&path);
    let meta = reader.metadata().file_metadata();
    assert_eq!(meta.created_by(), Some(CREATED_BY));
    let kv = meta.key_value_metadata().expect("key-value metadata");
    let version = kv
        .iter()
        .find(|kv| kv.key == SCHEMA_VERSION_KEY)
        .expect("schema version");
    assert_eq!(version.value.as_deref(), Some(SCHEMA_VERSION));
    // Every column chunk is zstd.
    for rg in reader.metadata().row_groups() {
        for col in rg.columns() {
            assert!(
                matches!(col.compression(), parquet::basic::Compression::ZSTD(_)),
                "{}",
                col.column_path()
            );
        }
    }
}

#[test]
fn row_groups_are_cut_by_row_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let docs = documents(250);
    let config = ShardConfig {
        max_rows_per_row_group: 100,
        ..Default::default()
    };
    write_shard(&path, &config, &docs);
    assert_eq!(row_group_sizes(&path), vec![100, 100, 50]);
    assert_eq!(read_documents(&path).expect("read"), docs);
}

#[test]
fn row_groups_are_cut_by_buffered_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let docs: Vec<Document> = (0..20)
        .map(|i| {
            Document::new(
                format!("{i}"),
                "a".repeat(1000),
                "s",
                Origin::new("i", i, 0),
            )
        })
        .collect();
    // Each document is a bit over 1,000 bytes: at most 4 fit under 4,500.
    let config = ShardConfig {
        max_bytes_per_row_group: 4_500,
        ..Default::default()
    };
    write_shard(&path, &config, &docs);
    assert_eq!(row_group_sizes(&path), vec![4, 4, 4, 4, 4]);
    assert_eq!(read_documents(&path).expect("read"), docs);
}

#[test]
fn a_document_larger_than_the_byte_limit_gets_its_own_row_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let small = |i: u64| Document::new(format!("{i}"), "s", "s", Origin::new("i", i, 0));
    let huge = Document::new("huge", "h".repeat(10_000), "s", Origin::new("i", 2, 0));
    let docs = vec![small(0), small(1), huge, small(3)];
    let config = ShardConfig {
        max_bytes_per_row_group: 1_000,
        ..Default::default()
    };
    write_shard(&path, &config, &docs);
    assert_eq!(row_group_sizes(&path), vec![2, 1, 1]);
    assert_eq!(read_documents(&path).expect("read"), docs);
}

#[test]
fn extra_signal_columns_hold_the_listed_signals() {
    use arrow_array::{Array, Float64Array};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let docs = documents(10);
    let config = ShardConfig {
        extra_signal_columns: true,
        signal_columns: vec!["word_count".into(), "missing".into()],
        ..Default::default()
    };
    write_shard(&path, &config, &docs);

    let builder =
        ParquetRecordBatchReaderBuilder::try_new(File::open(&path).expect("open")).expect("footer");
    let names: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "id",
            "text",
            "lang",
            "lang_score",
            "source",
            "url",
            "meta",
            "signals",
            "input",
            "record",
            "offset",
            "signal.word_count",
            "signal.missing"
        ]
    );
    let batch = builder
        .build()
        .expect("reader")
        .next()
        .expect("a batch")
        .expect("batch");
    let word_count = batch
        .column_by_name("signal.word_count")
        .and_then(|c| c.as_any().downcast_ref::<Float64Array>().cloned())
        .expect("float64 column");
    let missing = batch.column_by_name("signal.missing").expect("column");
    assert_eq!(missing.null_count(), 10);
    for (i, doc) in docs.iter().enumerate() {
        match doc.signals.get("word_count") {
            Some(v) => assert_eq!(word_count.value(i), *v),
            None => assert!(word_count.is_null(i)),
        }
    }
    // Our reader ignores the extra columns and still round-trips.
    assert_eq!(read_documents(&path).expect("read"), docs);
}

#[test]
fn documents_that_cannot_be_stored_are_refused_and_the_writer_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let mut writer = ShardWriter::create(&path, &ShardConfig::default()).expect("create");
    let ok = Document::new("ok", "t", "s", Origin::new("i", 0, 0));
    let bad = Document::new("bad", "t", "s", Origin::new("i", u64::MAX, 0));
    writer.write(&ok).expect("write");
    match writer.write(&bad) {
        Err(Error::InvalidDocument { id, message }) => {
            assert_eq!(id, "bad");
            assert!(message.contains("record"), "{message}");
        }
        other => panic!("expected InvalidDocument, got {other:?}"),
    }
    writer.write(&ok).expect("write after a refused document");
    assert_eq!(writer.rows(), 2);
    writer.commit().expect("commit");
    assert_eq!(read_documents(&path).expect("read"), vec![ok.clone(), ok]);
}

#[test]
fn a_file_without_the_shard_columns_is_refused_by_the_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("other.parquet");
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "id",
        arrow_schema::DataType::Int64,
        false,
    )]));
    let batch = arrow_array::RecordBatch::try_new(
        schema.clone(),
        vec![std::sync::Arc::new(arrow_array::Int64Array::from(vec![
            1_i64,
        ]))],
    )
    .expect("batch");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(File::create(&path).expect("create"), schema, None)
            .expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
    match ShardReader::open(&path) {
        Err(Error::InvalidShard { message, .. }) => assert!(message.contains("id"), "{message}"),
        other => panic!("expected InvalidShard, got {other:?}"),
    }
    let garbage = dir.path().join("garbage.parquet");
    std::fs::write(&garbage, b"not parquet at all").expect("write");
    assert!(matches!(
        ShardReader::open(&garbage),
        Err(Error::Parquet { .. })
    ));
}
