//! Bucket stage: `(band_key, doc_index)` records per band, in sorted run files with bounded
//! memory, and their k-way merge.
//!
//! Layout of a bucket directory: `band-<j:04>/<tag>-<seq:06>.run`, one subdirectory per band,
//! each run a [record file](crate::records) of kind `R`. Several tasks may write into the same
//! directory with different tags (e.g. `task-00003`); the cluster stage merges every run of a
//! band, so the result does not depend on how records were split into runs.

use crate::records::{Kind, RecordReader, RecordWriter};
use crate::{Error, ErrorKind, Result};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::AddAssign;
use std::path::{Path, PathBuf};

/// Bytes of one buffered record.
const RECORD_BYTES: usize = 16;

/// Counters of a bucket writer; add with `+=` across tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BucketStats {
    /// Documents pushed with at least one band key.
    pub docs: u64,
    /// Documents skipped because their signature was empty (too few words).
    pub empty: u64,
    /// Records written.
    pub records: u64,
    /// Run files written.
    pub runs: u64,
    /// Times the buffer was spilled before `finish` because it reached the memory limit.
    pub spills: u64,
}

impl AddAssign<&BucketStats> for BucketStats {
    fn add_assign(&mut self, o: &BucketStats) {
        self.docs += o.docs;
        self.empty += o.empty;
        self.records += o.records;
        self.runs += o.runs;
        self.spills += o.spills;
    }
}

/// Buffers `(band_key, doc_index)` records per band and writes them as sorted runs whenever the
/// buffers exceed `memory_limit` bytes (16 bytes a record), and at [`BucketWriter::finish`].
///
/// ```
/// use garbell_dedup::{BucketWriter, MinHashConfig, cluster_bucket_dir};
/// let dir = tempfile::tempdir()?;
/// let hasher = MinHashConfig::default().build()?;
/// let texts = ["a b c d e f g h", "a b c d e f g h", "something else entirely, five words or more"];
/// let mut w = BucketWriter::create(dir.path(), "task-0", hasher.config().bands, 1 << 20)?;
/// for (i, t) in texts.iter().enumerate() {
///     w.push_doc(i as u64, hasher.band_keys(&hasher.sign(t)))?;
/// }
/// w.finish()?;
/// let (clusters, _stats) = cluster_bucket_dir(dir.path(), 3, None, 64)?;
/// assert_eq!(clusters.removed().map(|e| e.doc).collect::<Vec<_>>(), [1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BucketWriter {
    dir: PathBuf,
    tag: String,
    buffers: Vec<Vec<(u64, u64)>>,
    buffered: usize,
    memory_limit: usize,
    next_run: u64,
    stats: BucketStats,
}

/// Directory of band `band` inside a bucket directory.
pub fn band_dir(dir: &Path, band: usize) -> PathBuf {
    dir.join(format!("band-{band:04}"))
}

impl BucketWriter {
    /// A writer for `bands` bands into `dir` (created if missing), naming its runs with `tag`
    /// (ASCII letters, digits, `-`, `_`; unique per task). `memory_limit` bounds the buffered
    /// records in bytes (at least one record is always buffered).
    pub fn create(dir: &Path, tag: &str, bands: usize, memory_limit: usize) -> Result<Self> {
        if tag.is_empty()
            || !tag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::config(format!(
                "bucket tag {tag:?} must be non-empty ASCII letters, digits, '-' or '_'"
            )));
        }
        if bands == 0 {
            return Err(Error::config("bucket writer needs at least one band"));
        }
        for band in 0..bands {
            let d = band_dir(dir, band);
            std::fs::create_dir_all(&d).map_err(|e| Error::at(&d, e))?;
        }
        Ok(BucketWriter {
            dir: dir.to_path_buf(),
            tag: tag.to_string(),
            buffers: vec![Vec::new(); bands],
            buffered: 0,
            memory_limit,
            next_run: 0,
            stats: BucketStats::default(),
        })
    }

    /// Adds one record of band `band`.
    pub fn push(&mut self, band: usize, key: u64, doc: u64) -> Result<()> {
        let bands = self.buffers.len();
        let buf = self.buffers.get_mut(band).ok_or_else(|| {
            Error::config(format!(
                "band {band} out of range (writer has {bands} bands)"
            ))
        })?;
        buf.push((key, doc));
        self.buffered += RECORD_BYTES;
        self.stats.records += 1;
        if self.buffered >= self.memory_limit {
            self.stats.spills += 1;
            self.spill()?;
        }
        Ok(())
    }

    /// Adds the band keys of one document, in band order (as from
    /// [`MinHasher::band_keys`](crate::MinHasher::band_keys)); no key counts it as empty.
    pub fn push_doc(&mut self, doc: u64, keys: impl IntoIterator<Item = u64>) -> Result<()> {
        let mut any = false;
        for (band, key) in keys.into_iter().enumerate() {
            self.push(band, key, doc)?;
            any = true;
        }
        if any {
            self.stats.docs += 1;
        } else {
            self.stats.empty += 1;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<()> {
        for band in 0..self.buffers.len() {
            let buf = &mut self.buffers[band];
            if buf.is_empty() {
                continue;
            }
            buf.sort_unstable();
            let path =
                band_dir(&self.dir, band).join(format!("{}-{:06}.run", self.tag, self.next_run));
            let mut w = RecordWriter::create(&path, Kind::Run)?;
            for &(k, d) in buf.iter() {
                w.push(&[k, d])?;
            }
            w.finish()?;
            buf.clear();
            self.stats.runs += 1;
        }
        self.next_run += 1;
        self.buffered = 0;
        Ok(())
    }

    /// Writes what is buffered and returns the counters.
    pub fn finish(mut self) -> Result<BucketStats> {
        self.spill()?;
        Ok(self.stats)
    }
}

/// The run files of band `band` of a bucket directory, sorted by name.
pub fn band_runs(dir: &Path, band: usize) -> Result<Vec<PathBuf>> {
    let d = band_dir(dir, band);
    let mut runs = Vec::new();
    for entry in std::fs::read_dir(&d).map_err(|e| Error::at(&d, e))? {
        let p = entry.map_err(|e| Error::at(&d, e))?.path();
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !hidden && p.extension().is_some_and(|e| e == "run") {
            runs.push(p);
        }
    }
    runs.sort();
    Ok(runs)
}

/// Number of bands of a bucket directory (its `band-NNNN` subdirectories, which must be
/// numbered from 0 without gaps).
pub fn count_bands(dir: &Path) -> Result<usize> {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| Error::at(dir, e))? {
        let name = entry.map_err(|e| Error::at(dir, e))?.file_name();
        if name.to_string_lossy().starts_with("band-") {
            n += 1;
        }
    }
    for band in 0..n {
        if !band_dir(dir, band).is_dir() {
            return Err(Error::at(
                band_dir(dir, band),
                ErrorKind::Corrupt("missing band directory".into()),
            ));
        }
    }
    Ok(n)
}

/// The sorted union of several runs: a k-way merge yielding `(band_key, doc_index)` in
/// ascending order. Errors name the run they come from and end the stream.
pub struct MergedRuns {
    readers: Vec<RecordReader>,
    heap: BinaryHeap<Reverse<(u64, u64, usize)>>,
    started: bool,
    done: bool,
}

impl MergedRuns {
    /// Opens every run (validating headers and lengths).
    pub fn open(runs: &[PathBuf]) -> Result<Self> {
        let readers = runs
            .iter()
            .map(|p| RecordReader::open(p, Kind::Run))
            .collect::<Result<Vec<_>>>()?;
        Ok(MergedRuns {
            heap: BinaryHeap::with_capacity(readers.len()),
            readers,
            started: false,
            done: false,
        })
    }

    fn refill(&mut self, i: usize) -> Result<()> {
        if let Some(r) = self.readers[i].next_record()? {
            self.heap.push(Reverse((r[0], r[1], i)));
        }
        Ok(())
    }

    fn next_inner(&mut self) -> Result<Option<(u64, u64)>> {
        if !self.started {
            self.started = true;
            for i in 0..self.readers.len() {
                self.refill(i)?;
            }
        }
        match self.heap.pop() {
            None => Ok(None),
            Some(Reverse((k, d, i))) => {
                self.refill(i)?;
                Ok(Some((k, d)))
            }
        }
    }
}

impl Iterator for MergedRuns {
    type Item = Result<(u64, u64)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.next_inner().transpose();
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }
}

/// Merges `runs` into one run at `output` (atomically), for when a band has more runs than
/// can be opened at once. The inputs are left in place; the caller removes them.
pub fn merge_runs(runs: &[PathBuf], output: &Path) -> Result<u64> {
    let mut w = RecordWriter::create(output, Kind::Run)?;
    for rec in MergedRuns::open(runs)? {
        let (k, d) = rec?;
        w.push(&[k, d])?;
    }
    w.finish()
}

/// Merges the runs of band `band` in groups of `max_fan_in` until at most `max_fan_in` remain,
/// deleting merged inputs. Safe to rerun after a crash: a leftover input next to the merged
/// file only repeats records, which clustering ignores.
pub fn compact_band(dir: &Path, band: usize, max_fan_in: usize) -> Result<Vec<PathBuf>> {
    let fan_in = max_fan_in.max(2);
    let mut generation = 0u32;
    loop {
        let runs = band_runs(dir, band)?;
        if runs.len() <= fan_in {
            return Ok(runs);
        }
        for (i, group) in runs.chunks(fan_in).enumerate() {
            if group.len() < 2 {
                continue;
            }
            let out = band_dir(dir, band).join(format!("zmerge{generation:03}-{i:06}.run"));
            merge_runs(group, &out)?;
            for p in group {
                std::fs::remove_file(p).map_err(|e| Error::at(p, e))?;
            }
        }
        generation += 1;
    }
}
