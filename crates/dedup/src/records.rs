//! Versioned binary record files: bucket runs and removal lists.
//!
//! # Format (version 1)
//! All integers little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 6 | magic `GBDDUP` |
//! | 6 | 1 | kind: `R` bucket run, `L` removal list, `P` candidate pairs |
//! | 7 | 1 | reserved, 0 |
//! | 8 | 4 | format version (`u32`, currently 1) |
//! | 12 | 4 | words per record (`u32`: 2 for runs, 3 for removal lists) |
//! | 16 | `count × words × 8` | records, each `words` × `u64` |
//! | end − 16 | 8 | `count` (`u64`) |
//! | end − 8 | 8 | `xxh3_64` (seed 0) of all record bytes |
//!
//! * **Bucket run** (`R`): records `(band_key, doc_index)`, sorted ascending by that pair.
//! * **Removal list** (`L`): records `(doc_index, survivor_index, cluster_size)` for every
//!   document in a cluster of two or more, sorted by `doc_index`; the survivor has
//!   `doc_index == survivor_index`.
//! * **Candidate pairs** (`P`): records `(doc_a, doc_b)` of documents sharing a band key, in
//!   the order the band's merge found them (not sorted).
//!
//! Files are written under a temporary name (`.<name>.tmp`) in the target directory, flushed,
//! `fsync`ed and renamed, so a reader never sees a half-written file. Readers check magic, kind,
//! version, record width, the exact file length implied by `count`, sort order, and at the end
//! the checksum; every failure is an [`Error`] naming the file.

use crate::{Error, ErrorKind, Result};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::Xxh3;

/// Format version written and read by this build.
pub const FORMAT_VERSION: u32 = 1;
/// The first bytes of every record file (bucket runs, removal lists, pairs, sketches).
pub(crate) const MAGIC: &[u8; 6] = b"GBDDUP";
/// Header bytes: magic, kind tag, one spare byte, format version, words per record.
pub(crate) const HEADER: u64 = 16;
/// Trailer bytes: record count and checksum.
pub(crate) const TRAILER: u64 = 16;
const BLOCK_RECORDS: usize = 4096;

/// The kind of a record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Run,
    RemovalList,
    Pairs,
}

impl Kind {
    fn tag(self) -> u8 {
        match self {
            Kind::Run => b'R',
            Kind::RemovalList => b'L',
            Kind::Pairs => b'P',
        }
    }
    fn words(self) -> usize {
        match self {
            Kind::Run => 2,
            Kind::RemovalList => 3,
            Kind::Pairs => 2,
        }
    }
    /// True when records must come in ascending order.
    fn sorted(self) -> bool {
        !matches!(self, Kind::Pairs)
    }
    fn name(self) -> &'static str {
        match self {
            Kind::Run => "bucket run",
            Kind::RemovalList => "removal list",
            Kind::Pairs => "candidate pairs",
        }
    }
}

/// Creates the temp file `.<name>.tmp` next to `path` and writes a record file header: `tag`
/// (the kind of record) and `words`, the values per record. Returns the temp path and the
/// buffered file, for the writer to rename when it finishes.
pub(crate) fn create_with_header(
    path: &Path,
    tag: u8,
    words: usize,
) -> Result<(PathBuf, BufWriter<File>)> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::at(path, ErrorKind::InvalidConfig("no file name".into())))?;
    let tmp = path.with_file_name(format!(".{}.tmp", name.to_string_lossy()));
    let file = File::create(&tmp).map_err(|e| Error::at(&tmp, e))?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let mut header = [0u8; HEADER as usize];
    header[..6].copy_from_slice(MAGIC);
    header[6] = tag;
    header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    header[12..16].copy_from_slice(&(words as u32).to_le_bytes());
    out.write_all(&header).map_err(|e| Error::at(&tmp, e))?;
    Ok((tmp, out))
}

/// Writes one record file atomically (temp name, fsync, rename on [`RecordWriter::finish`];
/// the temp file is removed if the writer is dropped unfinished).
pub(crate) struct RecordWriter {
    kind: Kind,
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
    hasher: Xxh3,
    count: u64,
    last: [u64; 3],
    block: Vec<u8>,
}

impl RecordWriter {
    pub(crate) fn create(path: &Path, kind: Kind) -> Result<Self> {
        let (tmp, out) = create_with_header(path, kind.tag(), kind.words())?;
        Ok(RecordWriter {
            kind,
            path: path.to_path_buf(),
            tmp,
            out: Some(out),
            hasher: Xxh3::new(),
            count: 0,
            last: [0; 3],
            block: Vec::with_capacity(BLOCK_RECORDS * 24),
        })
    }

    /// Appends one record; records must come in ascending order (checked in debug builds).
    pub(crate) fn push(&mut self, rec: &[u64]) -> Result<()> {
        debug_assert_eq!(rec.len(), self.kind.words());
        debug_assert!(!self.kind.sorted() || self.count == 0 || rec >= &self.last[..rec.len()]);
        self.last[..rec.len()].copy_from_slice(rec);
        for v in rec {
            self.block.extend_from_slice(&v.to_le_bytes());
        }
        self.count += 1;
        if self.block.len() >= BLOCK_RECORDS * 8 * self.kind.words() {
            self.flush_block()?;
        }
        Ok(())
    }

    fn flush_block(&mut self) -> Result<()> {
        self.hasher.update(&self.block);
        if let Some(out) = self.out.as_mut() {
            out.write_all(&self.block)
                .map_err(|e| Error::at(&self.tmp, e))?;
        }
        self.block.clear();
        Ok(())
    }

    /// Writes the trailer, syncs and renames to the final name. Returns the record count.
    pub(crate) fn finish(mut self) -> Result<u64> {
        self.flush_block()?;
        let mut out = self
            .out
            .take()
            .ok_or_else(|| Error::at(&self.tmp, ErrorKind::Corrupt("writer reused".into())))?;
        let tmp = self.tmp.clone();
        let io = |e| Error::at(&tmp, e);
        out.write_all(&self.count.to_le_bytes()).map_err(io)?;
        out.write_all(&self.hasher.digest().to_le_bytes())
            .map_err(io)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, &self.path).map_err(|e| Error::at(&self.path, e))?;
        Ok(self.count)
    }
}

impl Drop for RecordWriter {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Streams the records of one record file, validating as it goes.
pub(crate) struct RecordReader {
    kind: Kind,
    path: PathBuf,
    file: File,
    remaining: u64,
    block: Vec<u8>,
    pos: usize,
    hasher: Xxh3,
    checksum: u64,
    last: Option<[u64; 3]>,
    done: bool,
}

impl RecordReader {
    pub(crate) fn open(path: &Path, kind: Kind) -> Result<Self> {
        let err = |k: ErrorKind| Error::at(path, k);
        let mut file = File::open(path).map_err(|e| err(e.into()))?;
        let len = file.metadata().map_err(|e| err(e.into()))?.len();
        if len < HEADER + TRAILER {
            let mut head = [0u8; 6];
            let n = file.read(&mut head).map_err(|e| err(e.into()))?;
            if n < 6 || &head != MAGIC {
                return Err(err(ErrorKind::BadMagic {
                    expected: kind.name(),
                }));
            }
            return Err(err(ErrorKind::Truncated {
                expected: HEADER + TRAILER,
                actual: len,
            }));
        }
        let mut header = [0u8; HEADER as usize];
        file.read_exact(&mut header).map_err(|e| err(e.into()))?;
        if &header[..6] != MAGIC || header[6] != kind.tag() {
            return Err(err(ErrorKind::BadMagic {
                expected: kind.name(),
            }));
        }
        let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        if version != FORMAT_VERSION {
            return Err(err(ErrorKind::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            }));
        }
        let words = u32::from_le_bytes([header[12], header[13], header[14], header[15]]);
        if words as usize != kind.words() {
            return Err(err(ErrorKind::Corrupt(format!(
                "{words} words per record, expected {}",
                kind.words()
            ))));
        }
        let mut trailer = [0u8; TRAILER as usize];
        file.seek(SeekFrom::Start(len - TRAILER))
            .and_then(|_| file.read_exact(&mut trailer))
            .map_err(|e| err(e.into()))?;
        let (c, h) = trailer.split_at(8);
        let count = u64::from_le_bytes(c.try_into().unwrap_or_default());
        let checksum = u64::from_le_bytes(h.try_into().unwrap_or_default());
        let expected = count
            .checked_mul(8 * kind.words() as u64)
            .and_then(|b| b.checked_add(HEADER + TRAILER));
        if expected != Some(len) {
            return Err(err(ErrorKind::Truncated {
                expected: expected.unwrap_or(u64::MAX),
                actual: len,
            }));
        }
        file.seek(SeekFrom::Start(HEADER))
            .map_err(|e| err(e.into()))?;
        Ok(RecordReader {
            kind,
            path: path.to_path_buf(),
            file,
            remaining: count,
            block: Vec::new(),
            pos: 0,
            hasher: Xxh3::new(),
            checksum,
            last: None,
            done: false,
        })
    }

    /// The file being read.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The next record, `Ok(None)` at the end (after the checksum was verified).
    pub(crate) fn next_record(&mut self) -> Result<Option<[u64; 3]>> {
        if self.done {
            return Ok(None);
        }
        let r = self.next_inner();
        if r.is_err() {
            self.done = true; // an error ends the stream
        }
        r
    }

    fn next_inner(&mut self) -> Result<Option<[u64; 3]>> {
        let w = self.kind.words();
        if self.pos == self.block.len() {
            if self.remaining == 0 {
                if self.hasher.digest() != self.checksum {
                    return Err(Error::at(
                        &self.path,
                        ErrorKind::Corrupt("checksum mismatch".into()),
                    ));
                }
                self.done = true;
                return Ok(None);
            }
            let n = (self.remaining.min(BLOCK_RECORDS as u64)) as usize;
            self.block.resize(n * w * 8, 0);
            self.file
                .read_exact(&mut self.block)
                .map_err(|e| Error::at(&self.path, e))?;
            self.hasher.update(&self.block);
            self.remaining -= n as u64;
            self.pos = 0;
        }
        let mut rec = [0u64; 3];
        for (k, slot) in rec.iter_mut().take(w).enumerate() {
            let s = self.pos + 8 * k;
            let mut b = [0u8; 8];
            b.copy_from_slice(&self.block[s..s + 8]);
            *slot = u64::from_le_bytes(b);
        }
        self.pos += 8 * w;
        if let (Some(last), true) = (self.last, self.kind.sorted()) {
            if rec[..w] < last[..w] {
                return Err(Error::at(
                    &self.path,
                    ErrorKind::Corrupt("records out of order".into()),
                ));
            }
        }
        self.last = Some(rec);
        Ok(Some(rec))
    }
}
