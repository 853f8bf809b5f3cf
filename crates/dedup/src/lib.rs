//! Exact and near-duplicate removal at corpus scale.
//!
//! # Overview
//! Deduplication runs as stages, each restartable and deterministic:
//!
//! 1. **Signature stage** (per document, parallel): [`MinHasher::sign_into`] normalizes the
//!    text ([`normalize`]), hashes word n-gram shingles and keeps `bands × rows` minima
//!    ([`minhash`] documents the hash family). [`ExactHasher::key`] gives exact keys,
//!    [`SimHasher::fingerprint_into`] SimHash fingerprints.
//! 2. **Bucket stage** (bounded memory): a [`BucketWriter`] per task receives
//!    `(band_key, doc_index)` records and writes sorted run files, spilling whenever its buffer
//!    exceeds the memory limit ([`buckets`]; file format in [`records`]).
//!    [`band_pairs`] merges one band's runs into a file of candidate pairs (one task per band).
//! 3. **Cluster stage**: [`cluster_pair_files`] joins the pairs of every band in a union-find
//!    ([`Clusterer`]) and returns [`Clusters`]: for each clustered document its survivor
//!    (smallest index, or best score, ties by index; see [`Survivor`]) and its cluster size.
//!    [`cluster_bucket_dir`] does stages 2 and 3 in one pass (merge each band's runs and join
//!    documents with equal band keys) with the same result.
//! 4. **Removal list**: [`Clusters::write`] stores it; [`RemovalListReader`] streams it back in
//!    document order for the pass that writes the deduplicated output.
//!
//! Exact dedup uses the same bucket and cluster stages with one band. Line (paragraph) dedup
//! after CCNet ([`lines`]) writes `(unit hash, doc)` runs the same way and merges them once the
//! clusters are known. In-memory shortcuts
//! ([`cluster_signatures`], [`cluster_keys`], [`SimHasher::cluster`]) give the same results for
//! corpora that fit in memory. [`simhash`] says when to use which method.
//!
//! # Example
//! ```
//! use garbell_dedup::{cluster_bucket_dir, BucketWriter, Clusters, Decision, MinHashConfig, Scratch, Signature};
//!
//! let texts = [
//!     "The river flows through the old town and under seven stone bridges before the sea.",
//!     "the river flows through the old town and under seven stone bridges before the sea!!",
//!     "A completely different text about mountains, snow and the long winter of the north.",
//! ];
//! let hasher = MinHashConfig::default().build()?;
//! let dir = tempfile::tempdir()?;
//! let mut writer = BucketWriter::create(dir.path(), "task-0", hasher.config().bands, 64 << 20)?;
//! let (mut scratch, mut sig) = (Scratch::new(), Signature::default());
//! for (i, text) in texts.iter().enumerate() {
//!     hasher.sign_into(text, &mut scratch, &mut sig);
//!     writer.push_doc(i as u64, hasher.band_keys(&sig))?;
//! }
//! writer.finish()?;
//! let (clusters, stats) = cluster_bucket_dir(dir.path(), texts.len() as u64, None, 64)?;
//! assert_eq!(stats.removed, 1);
//! clusters.write(&dir.path().join("minhash.remove"))?;
//! let back = Clusters::read(&dir.path().join("minhash.remove"))?;
//! assert_eq!(back.decision(0), Decision::Survivor { cluster_size: 2 });
//! assert_eq!(back.decision(1), Decision::Removed { survivor: 0, cluster_size: 2 });
//! assert_eq!(back.decision(2), Decision::Unique);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod buckets;
pub mod cluster;
mod error;
pub mod exact;
pub mod lines;
pub mod minhash;
pub mod normalize;
pub mod pairs;
pub mod records;
mod shingle;
pub mod simhash;
pub mod verify;

pub use buckets::{compact_band, merge_runs, BucketStats, BucketWriter, MergedRuns};
pub use cluster::{
    cluster_bucket_dir, cluster_keys, cluster_signatures, ClusterEntry, ClusterStats, Clusterer,
    Clusters, Decision, RemovalListReader, Survivor,
};
pub use error::{Error, ErrorKind, Result};
pub use exact::{ExactConfig, ExactHasher, ExactKey};
pub use lines::{
    line_duplicates, LineDedupConfig, LineDuplicates, LineHasher, LineStats, LineUnit,
};
pub use minhash::{MinHashConfig, MinHashPreset, MinHasher, Signature};
pub use normalize::{Normalizer, PunctuationSet, TextNormConfig};
pub use pairs::{
    band_pairs, cluster_checked_pair_files, cluster_pair_files, fan_in_for_memory, PairStats,
};
pub use records::FORMAT_VERSION;
pub use shingle::Scratch;
pub use simhash::{SimHashConfig, SimHasher};
pub use verify::{
    false_accept_bound, sketch_jaccard, CheckScratch, PairCheck, SketchStore, SketchWriter,
    VerifyConfig,
};
