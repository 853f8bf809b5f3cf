use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Language code of a document whose language has not been identified yet.
pub const LANG_UNKNOWN: &str = "und";
/// Language code of a document identified as none of the configured languages.
pub const LANG_OTHER: &str = "other";

/// Numeric signals computed by annotators, by name. A `BTreeMap` so that serialization is sorted
/// and therefore deterministic.
pub type Signals = BTreeMap<String, f64>;

/// Where a document came from: the input it was read from and its position there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Path or URI of the input file, as listed (shared by all documents of that input).
    pub input: Arc<str>,
    /// Index of the record in the input (0-based, counting every record, kept or not).
    pub record: u64,
    /// Byte offset of the record in the input file (compressed offset for compressed inputs: the
    /// start of the gzip member or of the line).
    pub offset: u64,
}

impl Origin {
    /// A new origin.
    pub fn new(input: impl Into<Arc<str>>, record: u64, offset: u64) -> Self {
        Origin {
            input: input.into(),
            record,
            offset,
        }
    }
}

/// One document flowing through a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Stable identifier: the source's own id when it has one (WARC-Record-ID, a JSONL `id`
    /// field), otherwise derived from the input name and record index.
    pub id: String,
    /// The text. Steps may rewrite it.
    pub text: String,
    /// Language code (one of the configured languages, [`LANG_OTHER`] or [`LANG_UNKNOWN`]).
    pub lang: String,
    /// Confidence of the language decision in `[0, 1]` (0 when not identified).
    pub lang_score: f32,
    /// Name of the source adapter that produced the document (`jsonl`, `warc`, ...).
    pub source: String,
    /// URL of the document, when the source knows it.
    pub url: Option<String>,
    /// Free-form metadata carried from the source (WARC headers, JSONL fields), sorted by key.
    pub meta: BTreeMap<String, serde_json::Value>,
    /// Numeric signals added by annotators.
    pub signals: Signals,
    /// Where the document was read from.
    pub origin: Origin,
}

impl Document {
    /// A document with no language, url, metadata or signals yet.
    pub fn new(
        id: impl Into<String>,
        text: impl Into<String>,
        source: impl Into<String>,
        origin: Origin,
    ) -> Self {
        Document {
            id: id.into(),
            text: text.into(),
            lang: LANG_UNKNOWN.to_string(),
            lang_score: 0.0,
            source: source.into(),
            url: None,
            meta: BTreeMap::new(),
            signals: Signals::new(),
            origin,
        }
    }

    /// The strings of the list `meta[key]` (`quality_warnings`, `categories`), in order; empty
    /// when the key is absent or not a list, and non-string items passed over.
    pub fn meta_strings(&self, key: &str) -> Vec<String> {
        self.meta
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}
