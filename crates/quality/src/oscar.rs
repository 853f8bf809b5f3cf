//! `annotate_oscar`: OSCAR's document quality warnings (Abadji et al. 2022, "Towards a Cleaner
//! Document-Oriented Multilingual Crawled Corpus", LREC 2022, section 4; OSCAR 22.01 and 23.01
//! `quality_warnings`; ungoliant's annotators).

use crate::common::{check_ratio, put, Error};
use crate::filter::{thresholds, FilterParams, Lexicon, SignalFilter, Signals, Threshold};
use garbell_core::{Document, Verdict};
use serde::{Deserialize, Serialize};

/// One OSCAR quality warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OscarWarning {
    /// Fewer than `tiny_min_lines` lines.
    Tiny,
    /// More than `short_sentences_ratio` of the lines are short.
    ShortSentences,
    /// More than `header_short_ratio` of the first `header_fraction` of the lines are short.
    Header,
    /// The same at the end of the document.
    Footer,
    /// More than `noisy_ratio` of the characters are neither letters nor combining marks.
    Noisy,
}

impl OscarWarning {
    /// The name used in `quality_warnings` and in drop reasons (`oscar_<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            OscarWarning::Tiny => "tiny",
            OscarWarning::ShortSentences => "short_sentences",
            OscarWarning::Header => "header",
            OscarWarning::Footer => "footer",
            OscarWarning::Noisy => "noisy",
        }
    }

    fn reason(self) -> &'static str {
        match self {
            OscarWarning::Tiny => "oscar_tiny",
            OscarWarning::ShortSentences => "oscar_short_sentences",
            OscarWarning::Header => "oscar_header",
            OscarWarning::Footer => "oscar_footer",
            OscarWarning::Noisy => "oscar_noisy",
        }
    }
}

/// Parameters of `annotate_oscar`. Defaults are OSCAR 22.01/23.01's (ungoliant's annotator
/// defaults, described in Abadji et al. 2022).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OscarConfig {
    /// A document with fewer lines is `tiny` (OSCAR: 5).
    pub tiny_min_lines: usize,
    /// A line shorter than this many **bytes** of UTF-8 is short (OSCAR: 100; bytes, as OSCAR,
    /// so a Greek or Cyrillic line is short below about 50 characters).
    pub short_line_bytes: usize,
    /// `short_sentences` when more than this fraction of the lines is short (OSCAR: 0.5).
    pub short_sentences_ratio: f64,
    /// Fraction of the lines (rounded down) that forms the header, and the footer (OSCAR: 0.2).
    pub header_fraction: f64,
    /// `header`/`footer` when more than this fraction (of the header's lines, rounded down) is
    /// short (OSCAR: 0.5).
    pub header_short_ratio: f64,
    /// `noisy` when more than this fraction of the characters is neither a letter nor a mark
    /// (OSCAR: 0.5; spaces, digits and punctuation all count as non-letters).
    pub noisy_ratio: f64,
    /// Warnings that drop the document (reason `oscar_<warning>`); empty (the default, as OSCAR):
    /// annotate only.
    pub drop: Vec<OscarWarning>,
}

impl Default for OscarConfig {
    fn default() -> Self {
        OscarConfig {
            tiny_min_lines: 5,
            short_line_bytes: 100,
            short_sentences_ratio: 0.5,
            header_fraction: 0.2,
            header_short_ratio: 0.5,
            noisy_ratio: 0.5,
            drop: Vec::new(),
        }
    }
}

impl FilterParams for OscarConfig {
    type Filter = Oscar;
}

/// `annotate_oscar` — **What**: OSCAR's quality warnings, written to `meta.quality_warnings` (a
/// list of `tiny`, `short_sentences`, `header`, `footer`, `noisy`, in that order; the key is
/// removed when there is none). **Why**: OSCAR 22.01+ keeps every document and lets users
/// choose by these flags; a warning named in `drop` removes the document instead.
/// **Signals written**: `oscar_lines`, `oscar_short_line_ratio`, `oscar_header_lines` (lines
/// in the header window), `oscar_header_short`, `oscar_footer_short` (short lines in each
/// window), `oscar_non_letter_ratio`. **Reasons**: `oscar_tiny`, `oscar_short_sentences`,
/// `oscar_header`, `oscar_footer`, `oscar_noisy` (the first listed warning that is in `drop`).
#[derive(Debug)]
pub struct Oscar {
    cfg: OscarConfig,
}

/// Letters and combining marks (OSCAR counts Unicode general categories L* and M*). Rust's
/// `is_alphabetic` covers L*, Nl and the marks that are `Other_Alphabetic` (vowel signs of
/// Indic scripts, ...); the generic combining blocks are added.
fn is_letter_or_mark(c: char) -> bool {
    c.is_alphabetic()
        || matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// Non-letter and total character counts.
fn letter_counts(text: &str) -> (usize, usize) {
    let (mut other, mut total) = (0usize, 0usize);
    for &b in text.as_bytes() {
        // ASCII fast path: one byte is one character.
        if b < 0x80 {
            total += 1;
            if !b.is_ascii_alphabetic() {
                other += 1;
            }
        }
    }
    if total < text.len() {
        for c in text.chars().filter(|c| !c.is_ascii()) {
            total += 1;
            if !is_letter_or_mark(c) {
                other += 1;
            }
        }
    }
    (other, total)
}

impl Oscar {
    /// Computes the signals into `doc.signals`.
    fn measure(&self, doc: &mut Document) {
        let c = &self.cfg;
        // Rust `str::lines`: split at `\n`, a final `\r` removed, no empty last line (as OSCAR).
        let lens: Vec<usize> = doc.text.lines().map(str::len).collect();
        let n = lens.len();
        let short = |l: &usize| *l < c.short_line_bytes;
        let n_short = lens.iter().filter(|l| short(l)).count();
        let window = (n as f64 * c.header_fraction).floor() as usize;
        let head = lens[..window].iter().filter(|l| short(l)).count();
        let foot = lens[n - window..].iter().filter(|l| short(l)).count();
        let (other, total) = letter_counts(&doc.text);
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        put(doc, "oscar_lines", n as f64);
        put(doc, "oscar_short_line_ratio", ratio(n_short, n));
        put(doc, "oscar_header_lines", window as f64);
        put(doc, "oscar_header_short", head as f64);
        put(doc, "oscar_footer_short", foot as f64);
        put(doc, "oscar_non_letter_ratio", ratio(other, total));
    }

    /// The warnings the signals raise, in OSCAR's order.
    pub fn warnings(&self, sig: &dyn Signals) -> Vec<OscarWarning> {
        let c = &self.cfg;
        let s = |k: &str| sig.signal(k).unwrap_or(0.0);
        let n = s("oscar_lines");
        let mut out = Vec::new();
        if n < c.tiny_min_lines as f64 {
            out.push(OscarWarning::Tiny);
        }
        // OSCAR: more short lines than floor(ratio * lines).
        if (s("oscar_short_line_ratio") * n).round() > (c.short_sentences_ratio * n).floor() {
            out.push(OscarWarning::ShortSentences);
        }
        let limit = (s("oscar_header_lines") * c.header_short_ratio).floor();
        if s("oscar_header_short") > limit {
            out.push(OscarWarning::Header);
        }
        if s("oscar_footer_short") > limit {
            out.push(OscarWarning::Footer);
        }
        // OSCAR: more non-letters than floor(ratio * characters); the ratio form is equivalent
        // up to that rounding.
        if s("oscar_non_letter_ratio") > c.noisy_ratio {
            out.push(OscarWarning::Noisy);
        }
        out
    }
}

impl SignalFilter for Oscar {
    type Params = OscarConfig;
    const NAME: &'static str = "annotate_oscar";
    /// `short_line_bytes` and `header_fraction` change the signals (which lines are short,
    /// how many form the header).
    const TUNABLE: &'static [&'static str] = &[
        "tiny_min_lines",
        "short_sentences_ratio",
        "header_short_ratio",
        "noisy_ratio",
        "drop",
    ];

    fn new(c: &OscarConfig, _: &Lexicon) -> Result<Self, Error> {
        const S: &str = "annotate_oscar";
        check_ratio(S, "short_sentences_ratio", Some(c.short_sentences_ratio))?;
        check_ratio(S, "header_fraction", Some(c.header_fraction))?;
        check_ratio(S, "header_short_ratio", Some(c.header_short_ratio))?;
        check_ratio(S, "noisy_ratio", Some(c.noisy_ratio))?;
        Ok(Oscar { cfg: c.clone() })
    }

    /// Never: the `drop` list decides (empty: annotate only).
    fn annotate_only(&self) -> bool {
        false
    }

    fn signals(&self) -> Vec<String> {
        [
            "oscar_lines",
            "oscar_short_line_ratio",
            "oscar_header_lines",
            "oscar_header_short",
            "oscar_footer_short",
            "oscar_non_letter_ratio",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The signals, and the warnings they raise in `meta.quality_warnings`.
    fn annotate(&self, doc: &mut Document) -> Option<String> {
        self.measure(doc);
        let warnings = self.warnings(doc);
        if warnings.is_empty() {
            doc.meta.remove("quality_warnings");
        } else {
            let list = warnings
                .iter()
                .map(|w| serde_json::Value::from(w.as_str()))
                .collect();
            doc.meta
                .insert("quality_warnings".into(), serde_json::Value::Array(list));
        }
        None
    }

    /// The first warning listed in `drop`, or keep.
    fn decide(&self, s: &dyn Signals) -> Verdict {
        self.warnings(s)
            .into_iter()
            .find(|w| self.cfg.drop.contains(w))
            .map_or(Verdict::Keep, |w| Verdict::drop(w.reason()))
    }

    fn thresholds(&self) -> Vec<Threshold> {
        let c = &self.cfg;
        thresholds([
            (
                "oscar_lines",
                "tiny_min_lines",
                Some(c.tiny_min_lines as f64),
            ),
            (
                "oscar_short_line_ratio",
                "short_sentences_ratio",
                Some(c.short_sentences_ratio),
            ),
            ("oscar_non_letter_ratio", "noisy_ratio", Some(c.noisy_ratio)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garbell_core::{Origin, Step};

    fn run(cfg: &OscarConfig, text: &str) -> (Verdict, Document) {
        let step = cfg.build().expect("valid");
        let mut d = Document::new("d", text, "t", Origin::new("t", 0, 0));
        let v = step.apply(&mut d).expect("ok");
        (v, d)
    }

    fn warnings(d: &Document) -> Vec<String> {
        d.meta_strings("quality_warnings")
    }

    const LONG: &str = "This line is long enough to count as a sentence for OSCAR, since it has more than one hundred bytes in it.";

    #[test]
    fn tiny_and_clean() {
        let (v, d) = run(&OscarConfig::default(), LONG);
        assert_eq!(v, Verdict::Keep);
        assert_eq!(warnings(&d), ["tiny"]);
        let text = [LONG; 10].join("\n");
        let (_, d) = run(&OscarConfig::default(), &text);
        assert!(warnings(&d).is_empty(), "{:?}", d.signals);
        assert!(!d.meta.contains_key("quality_warnings"));
    }

    #[test]
    fn header_footer_short_sentences() {
        // 20 lines: window 4, limit 2; 3 short lines at the top only.
        let mut lines = vec!["Menu"; 3];
        lines.extend([LONG; 17]);
        let (_, d) = run(&OscarConfig::default(), &lines.join("\n"));
        assert_eq!(warnings(&d), ["header"]);
        lines.reverse();
        let (_, d) = run(&OscarConfig::default(), &lines.join("\n"));
        assert_eq!(warnings(&d), ["footer"]);
        // Exactly half short: not more than half, no warning.
        let half: Vec<&str> = (0..10)
            .map(|i| if i % 2 == 0 { "x" } else { LONG })
            .collect();
        let (_, d) = run(&OscarConfig::default(), &half.join("\n"));
        assert!(!warnings(&d).contains(&"short_sentences".to_string()));
        let most: Vec<&str> = (0..10)
            .map(|i| if i % 3 == 0 { LONG } else { "x" })
            .collect();
        let (_, d) = run(&OscarConfig::default(), &most.join("\n"));
        assert!(warnings(&d).contains(&"short_sentences".to_string()));
    }

    #[test]
    fn noisy_and_drop() {
        let text = ["12 34 56 78 90 -- || ## ab"; 6].join("\n");
        let cfg = OscarConfig {
            drop: vec![OscarWarning::Noisy],
            ..Default::default()
        };
        let (v, d) = run(&cfg, &text);
        assert_eq!(v, Verdict::drop("oscar_noisy"));
        assert_eq!(
            warnings(&d),
            ["short_sentences", "header", "footer", "noisy"]
        );
        // Greek letters are letters.
        let greek =
            ["Ο δήμος άνοιξε μια νέα βιβλιοθήκη στην παλιά γειτονιά της πόλης"; 6].join("\n");
        let (v, d) = run(&cfg, &greek);
        assert_eq!(v, Verdict::Keep, "{:?}", d.signals);
        assert!(d.signals["oscar_non_letter_ratio"] < 0.25);
    }

    #[test]
    fn ratios_are_checked() {
        let e = OscarConfig {
            noisy_ratio: 1.5,
            ..Default::default()
        }
        .build()
        .expect_err("out of range");
        assert!(e.to_string().contains("noisy_ratio"), "{e}");
    }
}
