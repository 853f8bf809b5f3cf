//! `filter_fineweb_quality`: FineWeb's extra rules (Penedo et al. 2024; datatrove
//! `FineWebQualityFilter`).

use crate::common::{check_ratio, nchars, put, py_strip, terminal_punctuation, Error, Tokenizer};
use crate::filter::{thresholds, FilterParams, Lexicon, SignalFilter, Signals, Threshold};
use crate::gopher_repetition::find_duplicates;
use garbell_core::{Document, Verdict};
use serde::{Deserialize, Serialize};

/// Parameters of `filter_fineweb_quality`. Defaults are datatrove 0.10.1's
/// (`FineWebQualityFilter.__init__`), the values used to build FineWeb.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FineWebQualityConfig {
    /// Compute and store the signals but never drop.
    pub annotate_only: bool,
    /// Word splitter for the newline-per-word ratio.
    pub tokenizer: Tokenizer,
    /// Minimum fraction of lines ending in terminal punctuation (`line_punct_thr` = 0.12).
    pub line_punct_thr: f64,
    /// Do not drop documents where no line ends in punctuation (`line_punct_exclude_zero` = false).
    pub line_punct_exclude_zero: bool,
    /// Maximum fraction of lines of at most `short_line_length` characters (`short_line_thr` = 0.67).
    pub short_line_thr: f64,
    /// Length in characters up to which a line is short (`short_line_length` = 30).
    pub short_line_length: usize,
    /// Maximum fraction of characters in duplicated lines (`char_duplicates_ratio` = 0.01).
    pub char_duplicates_ratio: f64,
    /// Maximum newlines per word (`new_line_ratio` = 0.3).
    pub new_line_ratio: f64,
}

impl Default for FineWebQualityConfig {
    fn default() -> Self {
        FineWebQualityConfig {
            annotate_only: false,
            tokenizer: Tokenizer::Garbell,
            line_punct_thr: 0.12,
            line_punct_exclude_zero: false,
            short_line_thr: 0.67,
            short_line_length: 30,
            char_duplicates_ratio: 0.01,
            new_line_ratio: 0.3,
        }
    }
}

impl FilterParams for FineWebQualityConfig {
    type Filter = FineWebQuality;
}

/// `filter_fineweb_quality` — **What**: over the non-blank lines: the fraction ending in terminal
/// punctuation, the fraction of short lines, the fraction of characters in duplicated lines, and
/// newlines per word. **Why**: FineWeb's ablations found these remove list-like and boilerplate
/// pages that Gopher and C4 keep. **Signals written**: `fineweb_line_punct_ratio`,
/// `fineweb_short_line_ratio`, `fineweb_char_dup_ratio`, `fineweb_list_ratio`. **Reasons**:
/// `empty`, `line_punct_ratio`, `short_line_ratio`, `char_dup_ratio`, `list_ratio`.
#[derive(Debug)]
pub struct FineWebQuality {
    cfg: FineWebQualityConfig,
}

impl FineWebQuality {
    /// Computes the signals; none (and `false`) when the document has no non-blank line.
    fn measure(&self, doc: &mut Document) -> bool {
        let text = doc.text.as_str();
        let lines: Vec<&str> = text
            .split('\n')
            .filter(|l| !py_strip(l).is_empty())
            .collect();
        if lines.is_empty() {
            for k in SIGNALS {
                doc.signals.remove(k);
            }
            return false;
        }
        let n = lines.len() as f64;
        let punct = lines
            .iter()
            .filter(|l| {
                l.chars()
                    .next_back()
                    .is_some_and(|c| terminal_punctuation().contains(c))
            })
            .count();
        let short = lines
            .iter()
            .filter(|l| nchars(l) <= self.cfg.short_line_length)
            .count();
        let (_, dup_chars) = find_duplicates(lines.iter().copied());
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let non_nl = (nchars(text) - newlines).max(1);
        let mut words = Vec::new();
        self.cfg.tokenizer.split_into(text, &doc.lang, &mut words);
        let list = if words.is_empty() {
            if newlines > 0 {
                f64::INFINITY
            } else {
                0.0
            }
        } else {
            newlines as f64 / words.len() as f64
        };
        put(doc, "fineweb_line_punct_ratio", punct as f64 / n);
        put(doc, "fineweb_short_line_ratio", short as f64 / n);
        put(
            doc,
            "fineweb_char_dup_ratio",
            dup_chars as f64 / non_nl as f64,
        );
        put(doc, "fineweb_list_ratio", list.min(f64::MAX));
        true
    }
}

const SIGNALS: [&str; 4] = [
    "fineweb_line_punct_ratio",
    "fineweb_short_line_ratio",
    "fineweb_char_dup_ratio",
    "fineweb_list_ratio",
];

impl SignalFilter for FineWebQuality {
    type Params = FineWebQualityConfig;
    const NAME: &'static str = "filter_fineweb_quality";
    const TUNABLE: &'static [&'static str] = &[
        "line_punct_thr",
        "line_punct_exclude_zero",
        "short_line_thr",
        "char_duplicates_ratio",
        "new_line_ratio",
    ];

    fn new(c: &FineWebQualityConfig, _: &Lexicon) -> Result<Self, Error> {
        const S: &str = "filter_fineweb_quality";
        check_ratio(S, "line_punct_thr", Some(c.line_punct_thr))?;
        check_ratio(S, "short_line_thr", Some(c.short_line_thr))?;
        check_ratio(S, "char_duplicates_ratio", Some(c.char_duplicates_ratio))?;
        Ok(FineWebQuality { cfg: c.clone() })
    }

    fn annotate_only(&self) -> bool {
        self.cfg.annotate_only
    }

    fn signals(&self) -> Vec<String> {
        SIGNALS.map(String::from).to_vec()
    }

    fn annotate(&self, doc: &mut Document) -> Option<String> {
        self.measure(doc);
        None
    }

    /// Datatrove's order; a document without signals (no non-blank line) is `empty`.
    fn decide(&self, sig: &dyn Signals) -> Verdict {
        let c = &self.cfg;
        let Some(punct) = sig.signal("fineweb_line_punct_ratio") else {
            return Verdict::drop("empty");
        };
        let s = |k: &str| sig.signal(k).unwrap_or(0.0);
        if punct < c.line_punct_thr && !(punct == 0.0 && c.line_punct_exclude_zero) {
            return Verdict::drop("line_punct_ratio");
        }
        if s("fineweb_short_line_ratio") > c.short_line_thr {
            return Verdict::drop("short_line_ratio");
        }
        if s("fineweb_char_dup_ratio") > c.char_duplicates_ratio {
            return Verdict::drop("char_dup_ratio");
        }
        if s("fineweb_list_ratio") > c.new_line_ratio {
            return Verdict::drop("list_ratio");
        }
        Verdict::Keep
    }

    fn thresholds(&self) -> Vec<Threshold> {
        let c = &self.cfg;
        thresholds([
            (
                "fineweb_line_punct_ratio",
                "line_punct_thr",
                Some(c.line_punct_thr),
            ),
            (
                "fineweb_short_line_ratio",
                "short_line_thr",
                Some(c.short_line_thr),
            ),
            (
                "fineweb_char_dup_ratio",
                "char_duplicates_ratio",
                Some(c.char_duplicates_ratio),
            ),
            (
                "fineweb_list_ratio",
                "new_line_ratio",
                Some(c.new_line_ratio),
            ),
        ])
    }
}
