//! Line (or paragraph) deduplication across a corpus, after CCNet.
//!
//! # What it does
//! Every line (or paragraph: blocks separated by a blank line) of every document is
//! [normalized](crate::normalize) and hashed (`xxh3_64_with_seed`). A unit whose hash already
//! occurred earlier in the corpus — in an earlier document, or earlier in the same document — is
//! removed; the first occurrence stays. Units that normalize to fewer than `min_chars`
//! characters (blank lines, lone punctuation) are never hashed and always kept.
//!
//! # Why
//! Wenzek et al. (2020, "CCNet: Extracting High Quality Monolingual Datasets from Web Crawl
//! Data", §3.1) remove paragraphs that occur more than once in a shard after normalizing them
//! (lowercase, digits replaced, punctuation and accents removed): navigation menus, cookie
//! notices and footers repeat across pages of a crawl, and removing them took out about 70 % of
//! the text in their shards. Documents stay, so it complements document-level exact and
//! MinHash dedup rather than replacing it.
//!
//! # How, at scale
//! Stage 1 writes `(unit hash, doc)` records into sorted runs with the same [`BucketWriter`]
//! as the band keys (one band). After clustering, [`line_duplicates`] k-way merges them and
//! keeps, for every hash seen in two or more *kept* documents or twice in one, the first kept
//! document holding it: a sorted file of `(hash, first doc)` records. The filter stage loads
//! it ([`LineDuplicates`], 16 bytes per repeated unit) and drops every occurrence but the first.
//!
//! [`BucketWriter`]: crate::BucketWriter

use crate::buckets::{compact_band, MergedRuns};
use crate::normalize::{Normalizer, TextNormConfig};
use crate::records::{Kind, RecordReader, RecordWriter};
use crate::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// What a unit is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineUnit {
    /// One line (split on `\n`).
    #[default]
    Line,
    /// One paragraph (split on `\n\n`), CCNet's unit.
    Paragraph,
}

/// Configuration of line deduplication (`[dedup.lines]` in chain files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LineDedupConfig {
    /// Lines or paragraphs.
    pub unit: LineUnit,
    /// Units whose normalized form has fewer characters are kept without being hashed.
    pub min_chars: usize,
    /// Normalization before hashing (CCNet's: lowercase, digits to 0, no punctuation, no
    /// accents — the datatrove set used here is the same idea).
    pub normalization: TextNormConfig,
    /// Hash seed.
    pub seed: u64,
}

impl Default for LineDedupConfig {
    fn default() -> Self {
        LineDedupConfig {
            unit: LineUnit::Line,
            min_chars: 1,
            normalization: TextNormConfig::default(),
            seed: 1,
        }
    }
}

impl LineDedupConfig {
    /// Builds the runtime [`LineHasher`].
    pub fn build(&self) -> Result<LineHasher> {
        Ok(LineHasher {
            config: self.clone(),
            normalizer: Normalizer::new(&self.normalization),
        })
    }
}

/// Hashes the units of documents. Shared between threads; each keeps a `String` buffer.
///
/// ```
/// use garbell_dedup::{LineDedupConfig, LineDuplicates};
/// let h = LineDedupConfig::default().build()?;
/// let mut buf = String::new();
/// let mut hashes = Vec::new();
/// h.for_each_unit("Home | About\nReal text here.\n", &mut buf, |_, k| hashes.extend(k));
/// assert_eq!(hashes.len(), 2); // the empty last line is not hashed
/// // "Home | About" seen first in document 0: document 1 loses it.
/// let dups = LineDuplicates::from_pairs(vec![(hashes[0], 0)]);
/// let (text, removed) = dups.apply(&h, 1, "home about\nOther text.", &mut buf);
/// assert_eq!((text.as_str(), removed), ("Other text.", 1));
/// # Ok::<(), garbell_dedup::Error>(())
/// ```
#[derive(Debug)]
pub struct LineHasher {
    config: LineDedupConfig,
    normalizer: Normalizer,
}

impl LineHasher {
    fn separator(&self) -> &'static str {
        match self.config.unit {
            LineUnit::Line => "\n",
            LineUnit::Paragraph => "\n\n",
        }
    }

    /// Calls `f(unit, hash)` for every unit of `text` in order; `hash` is `None` for units too
    /// short to count.
    pub fn for_each_unit<'t>(
        &self,
        text: &'t str,
        buf: &mut String,
        mut f: impl FnMut(&'t str, Option<u64>),
    ) {
        for unit in text.split(self.separator()) {
            self.normalizer.normalize_into(unit, buf);
            let norm = buf.trim();
            let h = (norm.chars().count() >= self.config.min_chars.max(1))
                .then(|| xxh3_64_with_seed(norm.as_bytes(), self.config.seed));
            f(unit, h);
        }
    }
}

/// Counters of the line merge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineStats {
    /// `(hash, doc)` records read (hashed units of every document).
    pub units: u64,
    /// Records of documents removed by document-level dedup (not considered).
    pub units_of_removed_docs: u64,
    /// Distinct hashes that occur more than once among kept documents.
    pub repeated: u64,
    /// Unit occurrences to remove (all but the first of each repeated hash).
    pub to_remove: u64,
}

/// Merges the sorted `(hash, doc)` runs of band 0 of `dir` (at most `max_fan_in` open at once)
/// and writes, for every hash occurring more than once among documents for which `kept` is
/// true, `(hash, first such doc)` to `output` (sorted by hash; atomically).
pub fn line_duplicates(
    dir: &Path,
    max_fan_in: usize,
    kept: impl Fn(u64) -> bool,
    output: &Path,
) -> Result<LineStats> {
    let runs = compact_band(dir, 0, max_fan_in)?;
    let mut w = RecordWriter::create(output, Kind::Run)?;
    let mut stats = LineStats::default();
    // (hash, first kept doc, occurrences among kept docs) of the current hash.
    let mut cur: Option<(u64, u64, u64)> = None;
    let flush =
        |c: Option<(u64, u64, u64)>, w: &mut RecordWriter, stats: &mut LineStats| -> Result<()> {
            if let Some((h, first, n)) = c {
                if n >= 2 {
                    w.push(&[h, first])?;
                    stats.repeated += 1;
                    stats.to_remove += n - 1;
                }
            }
            Ok(())
        };
    for rec in MergedRuns::open(&runs)? {
        let (h, doc) = rec?;
        stats.units += 1;
        if !kept(doc) {
            stats.units_of_removed_docs += 1;
            continue;
        }
        match &mut cur {
            Some((ch, _, n)) if *ch == h => *n += 1,
            _ => {
                flush(cur, &mut w, &mut stats)?;
                cur = Some((h, doc, 1));
            }
        }
    }
    flush(cur, &mut w, &mut stats)?;
    w.finish()?;
    Ok(stats)
}

/// The repeated units of a corpus: hash → first document holding it, loaded from the file
/// [`line_duplicates`] writes.
#[derive(Debug, Clone, Default)]
pub struct LineDuplicates {
    first: HashMap<u64, u64>,
}

impl LineDuplicates {
    /// From `(hash, first doc)` pairs.
    pub fn from_pairs(pairs: Vec<(u64, u64)>) -> Self {
        LineDuplicates {
            first: pairs.into_iter().collect(),
        }
    }

    /// Reads a file written by [`line_duplicates`].
    pub fn read(path: &Path) -> Result<Self> {
        let mut r = RecordReader::open(path, Kind::Run)?;
        let mut first = HashMap::new();
        while let Some([h, d, _]) = r.next_record()? {
            if first.insert(h, d).is_some() {
                return Err(Error::at(
                    path,
                    ErrorKind::Corrupt(format!("hash {h:#x} listed twice")),
                ));
            }
        }
        Ok(LineDuplicates { first })
    }

    /// Number of repeated hashes.
    pub fn len(&self) -> usize {
        self.first.len()
    }

    /// True when nothing repeats.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// The text of document `doc` without the units that occurred before (in an earlier document
    /// or earlier in this one), and the number of units removed.
    pub fn apply(
        &self,
        hasher: &LineHasher,
        doc: u64,
        text: &str,
        buf: &mut String,
    ) -> (String, u64) {
        let sep = hasher.separator();
        let mut out = String::with_capacity(text.len());
        let mut seen_here: HashSet<u64> = HashSet::new();
        let mut removed = 0u64;
        let mut first_unit = true;
        hasher.for_each_unit(text, buf, |unit, h| {
            let keep = match h {
                Some(h) => match self.first.get(&h) {
                    Some(&owner) => owner == doc && seen_here.insert(h),
                    None => true,
                },
                None => true,
            };
            if keep {
                if !first_unit {
                    out.push_str(sep);
                }
                out.push_str(unit);
                first_unit = false;
            } else {
                removed += 1;
            }
        });
        (out, removed)
    }
}
