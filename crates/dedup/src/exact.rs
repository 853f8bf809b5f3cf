//! Exact deduplication keys.
//!
//! # What it does
//! Gives each document one 64-bit key: `xxh3_64_with_seed` of its normalized text, of its raw
//! text, or of its URL. Documents with equal keys form a cluster; the same bucket and cluster
//! stages as MinHash (with a single band) pick the survivor.
//!
//! # Why
//! Exact copies (mirrors, re-crawls, the same page in two dumps) are the cheapest duplicates to
//! find and are removed before near-duplicate detection. With 64-bit keys, the chance that any
//! two different texts of `n` documents collide is about `n² / 2^65` (≈ 3 % at 10⁹ documents).

use crate::normalize::{Normalizer, TextNormConfig};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// What an exact key is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ExactKey {
    /// The text after [normalization](crate::normalize) (catches copies differing only in
    /// case, numbers, punctuation, accents and spacing).
    #[default]
    NormalizedText,
    /// The text byte for byte.
    RawText,
    /// The URL with surrounding whitespace trimmed; documents without a URL get no key.
    Url,
}

/// Configuration of exact deduplication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExactConfig {
    /// What the key is computed from.
    pub key: ExactKey,
    /// Normalization for [`ExactKey::NormalizedText`].
    pub normalization: TextNormConfig,
    /// Hash seed.
    pub seed: u64,
}

impl Default for ExactConfig {
    fn default() -> Self {
        ExactConfig {
            key: ExactKey::NormalizedText,
            normalization: TextNormConfig::default(),
            seed: 1,
        }
    }
}

impl ExactConfig {
    /// Builds the runtime [`ExactHasher`].
    pub fn build(&self) -> Result<ExactHasher> {
        if self.key != ExactKey::NormalizedText && self.normalization != TextNormConfig::default() {
            return Err(Error::config(
                "exact.normalization only applies to key = \"normalized_text\"",
            ));
        }
        Ok(ExactHasher {
            config: self.clone(),
            normalizer: Normalizer::new(&self.normalization),
        })
    }
}

/// Computes exact keys. Shared between threads; each keeps a `String` buffer.
///
/// ```
/// use garbell_dedup::ExactConfig;
/// let h = ExactConfig::default().build()?;
/// let mut buf = String::new();
/// assert_eq!(h.key("Hello, world!", None, &mut buf), h.key("hello world", None, &mut buf));
/// # Ok::<(), garbell_dedup::Error>(())
/// ```
#[derive(Debug)]
pub struct ExactHasher {
    config: ExactConfig,
    normalizer: Normalizer,
}

impl ExactHasher {
    /// The key of a document, or `None` when it has nothing to key on (empty normalized text,
    /// missing URL). `buf` is a reusable buffer.
    pub fn key(&self, text: &str, url: Option<&str>, buf: &mut String) -> Option<u64> {
        let bytes = match self.config.key {
            ExactKey::NormalizedText => {
                self.normalizer.normalize_into(text, buf);
                buf.as_bytes()
            }
            ExactKey::RawText => text.as_bytes(),
            ExactKey::Url => url?.trim().as_bytes(),
        };
        (!bytes.is_empty()).then(|| xxh3_64_with_seed(bytes, self.config.seed))
    }
}
