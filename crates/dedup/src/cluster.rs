//! Cluster stage: union-find over candidate pairs, deterministic survivors, removal lists.
//!
//! The survivor of a cluster is the document with the highest score when scores are given
//! (ties and NaN scores: the smallest index wins; NaN counts as the lowest score), otherwise the
//! smallest document index. Clusters are the connected components of the candidate pairs, so
//! the result does not depend on the order in which pairs arrive, on run boundaries or on the
//! number of threads.

use crate::buckets::{compact_band, count_bands, MergedRuns};
use crate::records::{Kind, RecordReader, RecordWriter};
use crate::{Error, ErrorKind, Result};
use std::ops::AddAssign;
use std::path::{Path, PathBuf};

/// Counters of a cluster stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClusterStats {
    /// Documents of the corpus.
    pub docs: u64,
    /// Bands (or tables) read.
    pub bands: u64,
    /// `(key, doc)` records read.
    pub records: u64,
    /// Candidate pairs (one per record sharing its key with the previous one).
    pub candidate_pairs: u64,
    /// Candidate pairs that joined two clusters.
    pub unions: u64,
    /// Candidate pairs checked by verification (pairs already in one cluster are not checked).
    #[serde(default)]
    pub verified: u64,
    /// Of those, pairs that failed verification and did not join.
    #[serde(default)]
    pub rejected: u64,
    /// Clusters of two or more documents.
    pub clusters: u64,
    /// Documents to remove (clustered documents other than survivors).
    pub removed: u64,
}

impl AddAssign<&ClusterStats> for ClusterStats {
    fn add_assign(&mut self, o: &ClusterStats) {
        self.docs += o.docs;
        self.bands += o.bands;
        self.records += o.records;
        self.candidate_pairs += o.candidate_pairs;
        self.unions += o.unions;
        self.verified += o.verified;
        self.rejected += o.rejected;
        self.clusters += o.clusters;
        self.removed += o.removed;
    }
}

/// Which document of a cluster survives.
///
/// In chain files: `survivor = "first"` (the default) or
/// `survivor = { highest_signal = "<signal name>" }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Survivor {
    /// The document that comes first (smallest index, i.e. input order).
    #[default]
    First,
    /// The document with the highest value of this signal (e.g. a quality score recorded by an
    /// earlier step); documents without it count as lowest; ties go to the first document.
    HighestSignal(String),
}

impl Survivor {
    /// True for [`Survivor::First`].
    pub fn is_first(&self) -> bool {
        matches!(self, Survivor::First)
    }
}

/// One document of a cluster of two or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClusterEntry {
    /// The document.
    pub doc: u64,
    /// The cluster's survivor (equal to `doc` for the survivor itself).
    pub survivor: u64,
    /// Number of documents in the cluster.
    pub cluster_size: u64,
}

impl ClusterEntry {
    /// True when this document is to be removed.
    pub fn is_removed(&self) -> bool {
        self.doc != self.survivor
    }
}

/// What to do with one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// In no cluster: keep.
    Unique,
    /// Survivor of a cluster of `cluster_size` documents: keep.
    Survivor {
        /// Documents in the cluster, the survivor included.
        cluster_size: u64,
    },
    /// Duplicate of `survivor`: remove.
    Removed {
        /// The document kept in its place.
        survivor: u64,
        /// Documents in the cluster.
        cluster_size: u64,
    },
}

/// The result of clustering: every document of a cluster of two or more, sorted by index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clusters {
    entries: Vec<ClusterEntry>,
}

impl Clusters {
    /// From entries (sorted here by document index).
    pub fn from_entries(mut entries: Vec<ClusterEntry>) -> Self {
        entries.sort_unstable();
        Clusters { entries }
    }

    /// All clustered documents, sorted by index.
    pub fn entries(&self) -> &[ClusterEntry] {
        &self.entries
    }

    /// The documents to remove, sorted by index.
    pub fn removed(&self) -> impl Iterator<Item = &ClusterEntry> + '_ {
        self.entries.iter().filter(|e| e.is_removed())
    }

    /// The decision for `doc` (binary search).
    pub fn decision(&self, doc: u64) -> Decision {
        match self.entries.binary_search_by_key(&doc, |e| e.doc) {
            Err(_) => Decision::Unique,
            Ok(i) => {
                let e = self.entries[i];
                if e.is_removed() {
                    Decision::Removed {
                        survivor: e.survivor,
                        cluster_size: e.cluster_size,
                    }
                } else {
                    Decision::Survivor {
                        cluster_size: e.cluster_size,
                    }
                }
            }
        }
    }

    /// Writes the removal list file (format in [`crate::records`]) atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut w = RecordWriter::create(path, Kind::RemovalList)?;
        for e in &self.entries {
            w.push(&[e.doc, e.survivor, e.cluster_size])?;
        }
        w.finish().map(|_| ())
    }

    /// Reads a whole removal list file.
    pub fn read(path: &Path) -> Result<Self> {
        let entries = RemovalListReader::open(path)?.collect::<Result<Vec<_>>>()?;
        Ok(Clusters { entries })
    }
}

/// Streams a removal list file in document order without loading it, for the pass that writes
/// the deduplicated output.
pub struct RemovalListReader {
    inner: RecordReader,
    done: bool,
}

impl RemovalListReader {
    /// Opens and validates the header and length of a removal list.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(RemovalListReader {
            inner: RecordReader::open(path, Kind::RemovalList)?,
            done: false,
        })
    }
}

impl Iterator for RemovalListReader {
    type Item = Result<ClusterEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.inner.next_record() {
            Ok(Some([doc, survivor, cluster_size])) => {
                if cluster_size < 2 {
                    self.done = true;
                    return Some(Err(Error::at(
                        self.inner.path(),
                        ErrorKind::Corrupt(format!(
                            "cluster size {cluster_size} < 2 for doc {doc}"
                        )),
                    )));
                }
                Some(Ok(ClusterEntry {
                    doc,
                    survivor,
                    cluster_size,
                }))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Union-find over `0..n_docs` whose roots are always the best survivor of their set
/// (path halving; 8 bytes per document, plus 4 for scores when given).
pub struct Clusterer {
    parent: Vec<u64>,
    scores: Option<Vec<f32>>,
    stats: ClusterStats,
}

impl Clusterer {
    /// A clusterer for `n_docs` documents with optional per-document quality scores (higher is
    /// better; must have `n_docs` entries).
    pub fn new(n_docs: u64, scores: Option<Vec<f32>>) -> Result<Self> {
        if let Some(s) = &scores {
            if s.len() as u64 != n_docs {
                return Err(Error::config(format!(
                    "{} scores for {n_docs} documents",
                    s.len()
                )));
            }
        }
        let n = usize::try_from(n_docs)
            .map_err(|_| Error::config(format!("{n_docs} documents do not fit in memory")))?;
        Ok(Clusterer {
            parent: (0..n as u64).collect(),
            scores,
            stats: ClusterStats {
                docs: n_docs,
                ..Default::default()
            },
        })
    }

    fn check(&self, doc: u64) -> Result<()> {
        if doc >= self.parent.len() as u64 {
            return Err(Error::new(ErrorKind::DocOutOfRange {
                doc,
                n_docs: self.parent.len() as u64,
            }));
        }
        Ok(())
    }

    fn find(&mut self, mut x: u64) -> u64 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            let gp = self.parent[p as usize];
            self.parent[x as usize] = gp;
            x = gp;
        }
        x
    }

    /// True when `a` is a better survivor than `b`.
    fn better(&self, a: u64, b: u64) -> bool {
        if let Some(s) = &self.scores {
            let key = |d: u64| {
                let v = s[d as usize];
                if v.is_nan() {
                    f32::NEG_INFINITY
                } else {
                    v
                }
            };
            match key(a).total_cmp(&key(b)) {
                std::cmp::Ordering::Greater => return true,
                std::cmp::Ordering::Less => return false,
                std::cmp::Ordering::Equal => {}
            }
        }
        a < b
    }

    /// Counts one band (or table) of `records` records read elsewhere.
    pub fn note_band(&mut self, records: u64) {
        self.stats.bands += 1;
        self.stats.records += records;
    }

    /// Declares `a` and `b` duplicates.
    pub fn add_pair(&mut self, a: u64, b: u64) -> Result<()> {
        self.check(a)?;
        self.check(b)?;
        self.stats.candidate_pairs += 1;
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.stats.unions += 1;
            if self.better(ra, rb) {
                self.parent[rb as usize] = ra;
            } else {
                self.parent[ra as usize] = rb;
            }
        }
        Ok(())
    }

    /// Declares `a` and `b` duplicates if `check(a, b)` accepts them. The check is skipped
    /// (and not counted) when they already share a cluster, so the clusters are the connected
    /// components of the accepted pairs whatever the order the pairs arrive in.
    pub fn add_pair_checked(
        &mut self,
        a: u64,
        b: u64,
        check: impl FnOnce(u64, u64) -> Result<bool>,
    ) -> Result<()> {
        self.check(a)?;
        self.check(b)?;
        self.stats.candidate_pairs += 1;
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(());
        }
        self.stats.verified += 1;
        if !check(a, b)? {
            self.stats.rejected += 1;
            return Ok(());
        }
        self.stats.unions += 1;
        if self.better(ra, rb) {
            self.parent[rb as usize] = ra;
        } else {
            self.parent[ra as usize] = rb;
        }
        Ok(())
    }

    /// Reads one band's `(key, doc)` records in ascending order and joins documents with equal
    /// keys. Errors if the stream is out of order.
    pub fn add_sorted_band<I>(&mut self, records: I) -> Result<()>
    where
        I: IntoIterator<Item = Result<(u64, u64)>>,
    {
        self.stats.bands += 1;
        let mut prev: Option<(u64, u64)> = None;
        let mut first = 0;
        for rec in records {
            let (key, doc) = rec?;
            self.stats.records += 1;
            match prev {
                Some(p) if (key, doc) < p => {
                    return Err(Error::new(ErrorKind::Corrupt(
                        "band records out of order".into(),
                    )))
                }
                Some((pk, pd)) if pk == key => {
                    if pd != doc {
                        self.add_pair(first, doc)?;
                    }
                }
                _ => {
                    self.check(doc)?;
                    first = doc;
                }
            }
            prev = Some((key, doc));
        }
        Ok(())
    }

    /// The clusters and the counters.
    pub fn finish(mut self) -> (Clusters, ClusterStats) {
        let n = self.parent.len();
        let mut size = vec![0u32; n];
        for x in 0..n as u64 {
            let r = self.find(x);
            size[r as usize] = size[r as usize].saturating_add(1);
        }
        let mut entries = Vec::new();
        for x in 0..n as u64 {
            let r = self.parent[x as usize];
            let s = size[r as usize];
            if s >= 2 {
                entries.push(ClusterEntry {
                    doc: x,
                    survivor: r,
                    cluster_size: u64::from(s),
                });
                if r == x {
                    self.stats.clusters += 1;
                } else {
                    self.stats.removed += 1;
                }
            }
        }
        (Clusters { entries }, self.stats)
    }
}

/// Cluster stage over a bucket directory written by [`BucketWriter`](crate::BucketWriter)s:
/// for each band, k-way merges its runs (compacting first to at most `max_fan_in` open files)
/// and joins documents with equal band keys.
pub fn cluster_bucket_dir(
    dir: &Path,
    n_docs: u64,
    scores: Option<Vec<f32>>,
    max_fan_in: usize,
) -> Result<(Clusters, ClusterStats)> {
    let bands = count_bands(dir)?;
    let mut c = Clusterer::new(n_docs, scores)?;
    for band in 0..bands {
        let runs: Vec<PathBuf> = compact_band(dir, band, max_fan_in)?;
        let merged = MergedRuns::open(&runs)?;
        c.add_sorted_band(merged)?;
    }
    Ok(c.finish())
}

/// In-memory clustering of per-document keys: `keys[doc]` holds the document's keys, one per
/// band/table, `None` meaning "no key for this band". Sorting runs in parallel; the result is
/// the same as writing the keys to runs and calling [`cluster_bucket_dir`].
pub fn cluster_keys<K>(
    n_bands: usize,
    n_docs: u64,
    keys: K,
    scores: Option<Vec<f32>>,
) -> Result<(Clusters, ClusterStats)>
where
    K: Fn(usize, u64) -> Option<u64> + Sync,
{
    use rayon::prelude::*;
    let mut c = Clusterer::new(n_docs, scores)?;
    let bands: Vec<Vec<(u64, u64)>> = (0..n_bands)
        .into_par_iter()
        .map(|band| {
            let mut v: Vec<(u64, u64)> = (0..n_docs)
                .filter_map(|d| keys(band, d).map(|k| (k, d)))
                .collect();
            v.par_sort_unstable();
            v
        })
        .collect();
    for band in bands {
        c.add_sorted_band(band.into_iter().map(Ok))?;
    }
    Ok(c.finish())
}

/// In-memory MinHash LSH clustering of a slice of signatures (document index = position).
/// Empty signatures take no part.
pub fn cluster_signatures(
    hasher: &crate::MinHasher,
    sigs: &[crate::Signature],
    scores: Option<Vec<f32>>,
) -> Result<(Clusters, ClusterStats)> {
    let bands = hasher.config().bands;
    cluster_keys(
        bands,
        sigs.len() as u64,
        |band, d| {
            let s = &sigs[d as usize];
            (s.values().len() == hasher.config().num_hashes()).then(|| hasher.band_key(s, band))
        },
        scores,
    )
}
