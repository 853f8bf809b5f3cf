//! `filter_toy_length`: a test-only filter (compiled with the `toy` feature, which the
//! workspace's tests turn on), added the way `docs/howto.md` describes to show that a new
//! quality filter with per-language thresholds is one file plus one line in
//! [`signal_filters!`](crate::signal_filters), and its thresholds in `languages/<iso>.toml`.

use crate::common::{nchars, put, Error};
use crate::filter::{thresholds, FilterParams, Lexicon, SignalFilter, Signals, Threshold};
use garbell_core::{Document, Verdict};
use serde::{Deserialize, Serialize};

/// Parameters of `filter_toy_length`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToyLengthConfig {
    /// Compute and store the signal but never drop.
    pub annotate_only: bool,
    /// Minimum number of characters.
    pub min_chars: usize,
}

impl Default for ToyLengthConfig {
    fn default() -> Self {
        ToyLengthConfig {
            annotate_only: false,
            min_chars: 10,
        }
    }
}

impl FilterParams for ToyLengthConfig {
    type Filter = ToyLength;
}

/// `filter_toy_length` — **What**: counts characters. **Why**: a worked example.
/// **Signals written**: `toy_chars`. **Reasons**: `toy_too_short`.
#[derive(Debug)]
pub struct ToyLength {
    cfg: ToyLengthConfig,
}

impl SignalFilter for ToyLength {
    type Params = ToyLengthConfig;
    const NAME: &'static str = "filter_toy_length";
    const TUNABLE: &'static [&'static str] = &["min_chars"];

    fn new(params: &ToyLengthConfig, _: &Lexicon) -> Result<Self, Error> {
        Ok(ToyLength {
            cfg: params.clone(),
        })
    }

    fn annotate_only(&self) -> bool {
        self.cfg.annotate_only
    }

    fn signals(&self) -> Vec<String> {
        vec!["toy_chars".into()]
    }

    fn annotate(&self, doc: &mut Document) -> Option<String> {
        let n = nchars(&doc.text) as f64;
        put(doc, "toy_chars", n);
        None
    }

    fn decide(&self, s: &dyn Signals) -> Verdict {
        if s.signal("toy_chars").unwrap_or(0.0) < self.cfg.min_chars as f64 {
            Verdict::drop("toy_too_short")
        } else {
            Verdict::Keep
        }
    }

    fn thresholds(&self) -> Vec<Threshold> {
        thresholds([("toy_chars", "min_chars", Some(self.cfg.min_chars as f64))])
    }
}
