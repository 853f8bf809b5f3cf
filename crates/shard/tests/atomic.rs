//! Temp-then-rename: nothing at the final name before the commit, nothing left after a failure.

mod common;

use common::documents;
use garbell_shard::{read_documents, Error, ShardConfig, ShardWriter};
use std::path::Path;

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_final_name_appears_only_at_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("part-0.parquet");
    let config = ShardConfig {
        max_rows_per_row_group: 100,
        ..Default::default()
    };
    let mut writer = ShardWriter::create(&path, &config).expect("create");
    let temp = writer.temp_path().to_path_buf();
    let temp_name = temp
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(temp_name.starts_with(".part-0.parquet.tmp-"), "{temp_name}");
    assert_eq!(temp.parent(), path.parent());

    for doc in documents(2_000) {
        writer.write(&doc).expect("write");
        assert!(!path.exists(), "final name visible before commit");
    }
    // Row groups went to the temporary file (past the writer's 8 KiB buffer), not to the final
    // name.
    assert!(std::fs::metadata(&temp).expect("temp exists").len() > 0);
    assert_eq!(dir_entries(dir.path()), vec![temp_name]);

    let info = writer.commit().expect("commit");
    assert_eq!(info.rows, 2_000);
    assert!(!temp.exists());
    assert_eq!(dir_entries(dir.path()), vec!["part-0.parquet".to_string()]);
}

#[test]
fn dropping_without_commit_removes_the_temp_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let mut writer = ShardWriter::create(&path, &ShardConfig::default()).expect("create");
    for doc in documents(20) {
        writer.write(&doc).expect("write");
    }
    assert_eq!(dir_entries(dir.path()).len(), 1);
    drop(writer);
    assert!(dir_entries(dir.path()).is_empty());
}

#[test]
fn abort_removes_the_temp_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let mut writer = ShardWriter::create(&path, &ShardConfig::default()).expect("create");
    for doc in documents(20) {
        writer.write(&doc).expect("write");
    }
    writer.abort().expect("abort");
    assert!(dir_entries(dir.path()).is_empty());
}

#[test]
fn two_writers_for_one_name_use_different_temp_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    let a = ShardWriter::create(&path, &ShardConfig::default()).expect("create a");
    let b = ShardWriter::create(&path, &ShardConfig::default()).expect("create b");
    assert_ne!(a.temp_path(), b.temp_path());
    drop(a);
    assert!(b.temp_path().exists());
}

#[test]
fn commit_replaces_an_existing_shard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.parquet");
    std::fs::write(&path, b"old contents").expect("write old");
    let docs = documents(5);
    let mut writer = ShardWriter::create(&path, &ShardConfig::default()).expect("create");
    for doc in &docs {
        writer.write(doc).expect("write");
    }
    // The old file is untouched until the commit.
    assert_eq!(std::fs::read(&path).expect("read old"), b"old contents");
    writer.commit().expect("commit");
    assert_eq!(read_documents(&path).expect("read"), docs);
    assert_eq!(dir_entries(dir.path()), vec!["s.parquet".to_string()]);
}

#[test]
fn a_directory_that_cannot_hold_files_is_an_io_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-regular-file");
    std::fs::write(&file, b"x").expect("write");
    let path = file.join("s.parquet");
    match ShardWriter::create(&path, &ShardConfig::default()) {
        Err(err @ Error::Io { .. }) => {
            let Error::Io {
                op, path: failed, ..
            } = &err
            else {
                unreachable!()
            };
            assert_eq!(*op, "create");
            assert!(failed.starts_with(&file));
            // The message names the operation and the path.
            let text = err.to_string();
            assert!(
                text.starts_with("create ") && text.contains("a-regular-file"),
                "{text}"
            );
        }
        other => panic!("expected an Io error, got {other:?}"),
    }
    assert!(!path.exists());
    assert_eq!(dir_entries(dir.path()), vec!["a-regular-file".to_string()]);

    let missing = dir.path().join("no-such-dir").join("s.parquet");
    assert!(matches!(
        ShardWriter::create(&missing, &ShardConfig::default()),
        Err(Error::Io { .. })
    ));
}

#[test]
fn a_read_only_directory_is_a_permission_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).expect("mkdir");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // root ignores directory permissions: nothing to check then.
    if std::fs::write(ro.join("probe"), b"").is_ok() {
        eprintln!("SKIPPED permission check: running with privileges that bypass it");
        return;
    }
    match ShardWriter::create(&ro.join("s.parquet"), &ShardConfig::default()) {
        Err(Error::Io { source, .. }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::PermissionDenied)
        }
        other => panic!("expected a permission error, got {other:?}"),
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
}

#[test]
fn a_path_without_a_file_name_is_refused() {
    assert!(matches!(
        ShardWriter::create(Path::new("/"), &ShardConfig::default()),
        Err(Error::Io { .. })
    ));
}

#[test]
fn an_invalid_config_is_refused_before_any_file_is_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = ShardConfig {
        zstd_level: 99,
        ..Default::default()
    };
    assert!(matches!(
        ShardWriter::create(&dir.path().join("s.parquet"), &config),
        Err(Error::InvalidConfig { .. })
    ));
    assert!(dir_entries(dir.path()).is_empty());
}

/// Disk full: needs a small file system, named by `GARBELL_TEST_SMALL_FS` (a directory on, say,
/// `mount -t tmpfs -o size=256k tmpfs DIR`), so it is skipped when that variable is not set.
#[test]
fn a_full_disk_is_a_clear_io_error_and_leaves_nothing() {
    let Some(dir) = std::env::var_os("GARBELL_TEST_SMALL_FS") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED a_full_disk_is_a_clear_io_error_and_leaves_nothing: set GARBELL_TEST_SMALL_FS \
             to a directory on a file system of a few hundred KiB"
        );
        return;
    };
    let dir = tempfile::tempdir_in(dir).expect("tempdir on the small file system");
    let path = dir.path().join("s.parquet");
    // Incompressible-ish text, far more than the file system holds.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let docs = (0..4_000).map(|i| {
        let text: String = (0..1_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b'a' + (state % 26) as u8)
            })
            .collect();
        garbell_core::Document::new(
            format!("{i}"),
            text,
            "s",
            garbell_core::Origin::new("i", i, 0),
        )
    });
    let config = ShardConfig {
        max_rows_per_row_group: 50,
        ..Default::default()
    };
    let mut writer = ShardWriter::create(&path, &config).expect("create");
    let mut failure = None;
    for doc in docs {
        if let Err(e) = writer.write(&doc) {
            failure = Some(e);
            break;
        }
    }
    let err = match failure {
        Some(e) => {
            let doc =
                garbell_core::Document::new("x", "x", "s", garbell_core::Origin::new("i", 0, 0));
            assert!(matches!(
                writer.write(&doc),
                Err(Error::WriterFailed { .. })
            ));
            assert!(matches!(writer.commit(), Err(Error::WriterFailed { .. })));
            e
        }
        None => writer
            .commit()
            .expect_err("commit must fail on a full disk"),
    };
    match &err {
        Error::Io { op, source, .. } => {
            assert_eq!(*op, "write");
            assert_eq!(source.kind(), std::io::ErrorKind::StorageFull, "{err}");
        }
        other => panic!("expected an Io error, got {other:?}"),
    }
    eprintln!("disk full reported as: {err}");
    // The writer is gone (consumed by commit): nothing is left, at the final name or elsewhere.
    assert!(!path.exists());
    assert!(dir_entries(dir.path()).is_empty());
}
