//! `filter_gopher_quality`: Gopher's quality rules (Rae et al. 2021, table A1; datatrove
//! `GopherQualityFilter`).

use crate::common::{check_ratio, nchars, punctuation_set, put, Error, Tokenizer};
use crate::filter::{thresholds, FilterParams, Lexicon, SignalFilter, Signals, Threshold};
use crate::stoptable::StopTable;
use garbell_core::{Document, Verdict};
use garbell_text::words::python_lines;
use serde::{Deserialize, Serialize};

/// datatrove's default English stopwords for this rule (`STOP_WORDS` in
/// `gopher_quality_filter.py`, from the Gopher paper).
pub const GOPHER_ENGLISH_STOP_WORDS: &[&str] =
    &["the", "be", "to", "of", "and", "that", "have", "with"];

/// Parameters of `filter_gopher_quality`. Defaults are datatrove 0.10.1's
/// (`GopherQualityFilter.__init__`), which are Gopher's (arXiv:2112.11446, section A.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GopherQualityConfig {
    /// Compute and store the signals but never drop.
    pub annotate_only: bool,
    /// Word splitter (garbell's by default; `datatrove` for fidelity checks).
    pub tokenizer: Tokenizer,
    /// Minimum number of non-symbol words (datatrove `min_doc_words` = 50).
    pub min_doc_words: Option<usize>,
    /// Maximum number of non-symbol words (datatrove `max_doc_words` = 100000).
    pub max_doc_words: Option<usize>,
    /// Minimum mean length of non-symbol words, in characters (datatrove `min_avg_word_length` = 3).
    pub min_avg_word_length: Option<f64>,
    /// Maximum mean word length (datatrove `max_avg_word_length` = 10).
    pub max_avg_word_length: Option<f64>,
    /// Maximum ratio of `#`, and of ellipses (`...`, `…`), to words (datatrove
    /// `max_symbol_word_ratio` = 0.1).
    pub max_symbol_word_ratio: Option<f64>,
    /// Maximum fraction of lines starting with `•` or `-` (datatrove `max_bullet_lines_ratio` = 0.9).
    pub max_bullet_lines_ratio: Option<f64>,
    /// Maximum fraction of lines ending with an ellipsis (datatrove `max_ellipsis_lines_ratio` = 0.3).
    pub max_ellipsis_lines_ratio: Option<f64>,
    /// Minimum fraction of words with an alphabetic character (datatrove
    /// `max_non_alpha_words_ratio` = 0.8, a minimum despite its name).
    pub min_alpha_words_ratio: Option<f64>,
    /// Minimum number of distinct stopwords present (datatrove `min_stop_words` = 2).
    pub min_stop_words: Option<usize>,
    /// A fixed stopword list for all languages (datatrove's default is
    /// [`GOPHER_ENGLISH_STOP_WORDS`]). Unset: the document language's list from
    /// `languages/stopwords/<lang>.txt`; languages without a list skip the rule.
    pub stop_words: Option<Vec<String>>,
    /// Lowercase words before looking them up in the stopword list (datatrove does not).
    pub lowercase_stop_words: bool,
}

impl Default for GopherQualityConfig {
    fn default() -> Self {
        GopherQualityConfig {
            annotate_only: false,
            tokenizer: Tokenizer::Garbell,
            min_doc_words: Some(50),
            max_doc_words: Some(100_000),
            min_avg_word_length: Some(3.0),
            max_avg_word_length: Some(10.0),
            max_symbol_word_ratio: Some(0.1),
            max_bullet_lines_ratio: Some(0.9),
            max_ellipsis_lines_ratio: Some(0.3),
            min_alpha_words_ratio: Some(0.8),
            min_stop_words: Some(2),
            stop_words: None,
            lowercase_stop_words: true,
        }
    }
}

impl GopherQualityConfig {
    /// datatrove 0.10.1's exact setup: its tokenizer, its English stopwords, case-sensitive.
    pub fn datatrove() -> Self {
        GopherQualityConfig {
            tokenizer: Tokenizer::Datatrove,
            stop_words: Some(
                GOPHER_ENGLISH_STOP_WORDS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            lowercase_stop_words: false,
            ..Default::default()
        }
    }
}

impl FilterParams for GopherQualityConfig {
    type Filter = GopherQuality;
}

/// `filter_gopher_quality` — **What**: counts words, mean word length, `#` and ellipsis per word,
/// bullet and ellipsis lines, words with a letter, and distinct stopwords; drops documents
/// outside Gopher's bounds. **Why**: removes boilerplate, lists, tables, menus and non-prose text
/// (Rae et al. 2021, A.1.1). **Signals written**: `gopher_words`, `gopher_avg_word_len`,
/// `gopher_hash_ratio`, `gopher_ellipsis_ratio`, `gopher_bullet_lines`, `gopher_ellipsis_lines`,
/// `gopher_alpha_words`, `gopher_stop_words` (the last only when the language has a list).
/// **Reasons** (first failing rule, in datatrove's order): `gopher_short_doc`, `gopher_long_doc`,
/// `gopher_below_avg_threshold`, `gopher_above_avg_threshold`, `gopher_too_many_hashes`,
/// `gopher_too_many_ellipsis`, `gopher_too_many_bullets`, `gopher_too_many_end_ellipsis`,
/// `gopher_below_alpha_threshold`, `gopher_enough_stop_words`.
#[derive(Debug)]
pub struct GopherQuality {
    cfg: GopherQualityConfig,
    /// The stopword list of every language (`stop_words` unset), or the one fixed list.
    stop_words: StopWords,
}

#[derive(Debug)]
enum StopWords {
    Fixed(StopTable),
    ByLanguage(Lexicon),
}

fn is_symbol_word(w: &str) -> bool {
    punctuation_set().contains_all(w)
}

/// True when `w` has an alphabetic character (ASCII words tested by bytes).
fn has_alphabetic(w: &str) -> bool {
    if w.is_ascii() {
        w.bytes().any(|b| b.is_ascii_alphabetic())
    } else {
        w.chars().any(garbell_text::words::is_alphabetic)
    }
}

/// Non-overlapping occurrences of `pat` (Python's `str.count`), with memchr's SIMD searcher.
fn count_non_overlapping(text: &str, pat: &str) -> usize {
    memchr::memmem::find_iter(text.as_bytes(), pat.as_bytes()).count()
}

/// [`WORD_FLAGS`] bits.
const PUNCT: u8 = 1;
const ALPHA: u8 = 2;
const UPPER: u8 = 4;
const NON_ASCII: u8 = 8;

/// Per byte: [`PUNCT`] (an ASCII character of datatrove's `PUNCTUATION_SET`), [`ALPHA`],
/// [`UPPER`] (ASCII letters), [`NON_ASCII`] (bytes of non-ASCII characters). A word's
/// flags ANDed and ORed over its bytes answer, for an ASCII word, what [`is_symbol_word`],
/// [`has_alphabetic`] and the uppercase test answer (a test checks it).
fn word_flags() -> &'static [u8; 256] {
    static FLAGS: std::sync::OnceLock<[u8; 256]> = std::sync::OnceLock::new();
    FLAGS.get_or_init(|| {
        let mut t = [0u8; 256];
        for (b, f) in t.iter_mut().enumerate() {
            let Ok(b) = u8::try_from(b) else { continue };
            if !b.is_ascii() {
                *f = NON_ASCII;
                continue;
            }
            let c = char::from(b);
            if punctuation_set().contains(c) {
                *f |= PUNCT;
            }
            if b.is_ascii_alphabetic() {
                *f |= ALPHA;
            }
            if b.is_ascii_uppercase() {
                *f |= UPPER;
            }
        }
        t
    })
}

/// The longest ASCII stopword key lowercased on the stack (longer ones take the `String` path).
const STACK_KEY: usize = 64;

impl GopherQuality {
    /// The stopword table for `lang`, if any (the fixed list, or the language's).
    fn stop_table<'s>(&'s self, lang: &str) -> Option<&'s StopTable> {
        match &self.stop_words {
            StopWords::Fixed(t) => Some(t),
            StopWords::ByLanguage(lex) => lex.stop_table(lang),
        }
    }

    /// Computes the signals into `doc.signals`.
    fn measure(&self, doc: &mut Document) {
        let mut words = Vec::new();
        self.cfg
            .tokenizer
            .split_into(&doc.text, &doc.lang, &mut words);
        let text = doc.text.as_str();
        let n_words = words.len();
        let (mut n_non_symbol, mut len_sum, mut n_alpha) = (0usize, 0usize, 0usize);
        let table = self.stop_table(&doc.lang);
        let lower = self.cfg.lowercase_stop_words;
        // The distinct stopwords found, by their index in the table.
        let mut seen: Vec<u64> = table.map_or(Vec::new(), |t| vec![0; t.len() / 64 + 1]);
        let mut key = [0u8; STACK_KEY];
        let flags = word_flags();
        for w in &words {
            let b = w.as_bytes();
            let (mut all, mut any) = (u8::MAX, 0u8);
            for &x in b {
                let f = flags[x as usize];
                all &= f;
                any |= f;
            }
            let ascii = any & NON_ASCII == 0;
            let (symbol, alpha) = if ascii {
                (all & PUNCT != 0, any & ALPHA != 0)
            } else {
                (is_symbol_word(w), has_alphabetic(w))
            };
            if !symbol {
                n_non_symbol += 1;
                len_sum += if ascii { b.len() } else { nchars(w) };
            }
            if alpha {
                n_alpha += 1;
            }
            let Some(t) = table else { continue };
            // The word as looked up: lowercased (when asked and it has a capital), as
            // `str::to_lowercase` would (ASCII by bytes; others through it, for the final sigma).
            let found = if !lower || (ascii && any & UPPER == 0) {
                t.find(b)
            } else if ascii {
                if b.len() > t.max_len() || b.len() > STACK_KEY {
                    None
                } else {
                    let k = &mut key[..b.len()];
                    k.copy_from_slice(b);
                    k.make_ascii_lowercase();
                    t.find(k)
                }
            } else if w.chars().any(garbell_text::words::is_uppercase) {
                t.find(w.to_lowercase().as_bytes())
            } else {
                t.find(b)
            };
            if let Some(i) = found {
                seen[i / 64] |= 1 << (i % 64);
            }
        }
        let per_word = |x: usize| {
            if n_words == 0 {
                0.0
            } else {
                x as f64 / n_words as f64
            }
        };
        let hashes = memchr::memchr_iter(b'#', text.as_bytes()).count();
        let ellipses = count_non_overlapping(text, "...") + count_non_overlapping(text, "…");
        let (mut n_lines, mut bullets, mut end_ellipsis) = (0usize, 0usize, 0usize);
        for line in python_lines(text) {
            n_lines += 1;
            let l = line.trim_start_matches(garbell_text::words::is_python_space);
            if l.starts_with('•') || l.starts_with('-') {
                bullets += 1;
            }
            let r = line.trim_end_matches(garbell_text::words::is_python_space);
            if r.ends_with("...") || r.ends_with('…') {
                end_ellipsis += 1;
            }
        }
        let per_line = |x: usize| {
            if n_lines == 0 {
                0.0
            } else {
                x as f64 / n_lines as f64
            }
        };
        // Distinct stopwords: two occurrences are the same stopword exactly when they find the
        // same entry (the table's words are distinct).
        let stop = table.map(|_| seen.iter().map(|x| x.count_ones() as usize).sum::<usize>());
        let signals = [
            ("gopher_words", n_non_symbol as f64),
            ("gopher_hash_ratio", per_word(hashes)),
            ("gopher_ellipsis_ratio", per_word(ellipses)),
            ("gopher_bullet_lines", per_line(bullets)),
            ("gopher_ellipsis_lines", per_line(end_ellipsis)),
            ("gopher_alpha_words", per_word(n_alpha)),
        ];
        for (k, v) in signals {
            put(doc, k, v);
        }
        if n_non_symbol > 0 {
            put(
                doc,
                "gopher_avg_word_len",
                len_sum as f64 / n_non_symbol as f64,
            );
        } else {
            doc.signals.remove("gopher_avg_word_len");
        }
        match stop {
            Some(n) => put(doc, "gopher_stop_words", n as f64),
            None => {
                doc.signals.remove("gopher_stop_words");
            }
        }
    }
}

/// The signals, in the order they are decided on.
const SIGNALS: [&str; 8] = [
    "gopher_words",
    "gopher_avg_word_len",
    "gopher_hash_ratio",
    "gopher_ellipsis_ratio",
    "gopher_bullet_lines",
    "gopher_ellipsis_lines",
    "gopher_alpha_words",
    "gopher_stop_words",
];

impl SignalFilter for GopherQuality {
    type Params = GopherQualityConfig;
    const NAME: &'static str = "filter_gopher_quality";
    const TUNABLE: &'static [&'static str] = &[
        "min_doc_words",
        "max_doc_words",
        "min_avg_word_length",
        "max_avg_word_length",
        "max_symbol_word_ratio",
        "max_bullet_lines_ratio",
        "max_ellipsis_lines_ratio",
        "min_alpha_words_ratio",
        "min_stop_words",
    ];

    fn new(c: &GopherQualityConfig, lexicon: &Lexicon) -> Result<Self, Error> {
        const S: &str = "filter_gopher_quality";
        check_ratio(S, "max_bullet_lines_ratio", c.max_bullet_lines_ratio)?;
        check_ratio(S, "max_ellipsis_lines_ratio", c.max_ellipsis_lines_ratio)?;
        check_ratio(S, "min_alpha_words_ratio", c.min_alpha_words_ratio)?;
        Ok(GopherQuality {
            cfg: c.clone(),
            stop_words: match &c.stop_words {
                Some(v) => StopWords::Fixed(StopTable::new(v.iter().map(String::as_str))),
                None => StopWords::ByLanguage(lexicon.clone()),
            },
        })
    }

    fn annotate_only(&self) -> bool {
        self.cfg.annotate_only
    }

    fn signals(&self) -> Vec<String> {
        SIGNALS.iter().map(|s| s.to_string()).collect()
    }

    fn annotate(&self, doc: &mut Document) -> Option<String> {
        self.measure(doc);
        None
    }

    fn thresholds(&self) -> Vec<Threshold> {
        let c = &self.cfg;
        let u = |x: Option<usize>| x.map(|x| x as f64);
        thresholds([
            ("gopher_words", "min_doc_words", u(c.min_doc_words)),
            ("gopher_words", "max_doc_words", u(c.max_doc_words)),
            (
                "gopher_avg_word_len",
                "min_avg_word_length",
                c.min_avg_word_length,
            ),
            (
                "gopher_avg_word_len",
                "max_avg_word_length",
                c.max_avg_word_length,
            ),
            (
                "gopher_hash_ratio",
                "max_symbol_word_ratio",
                c.max_symbol_word_ratio,
            ),
            (
                "gopher_ellipsis_ratio",
                "max_symbol_word_ratio",
                c.max_symbol_word_ratio,
            ),
            (
                "gopher_bullet_lines",
                "max_bullet_lines_ratio",
                c.max_bullet_lines_ratio,
            ),
            (
                "gopher_ellipsis_lines",
                "max_ellipsis_lines_ratio",
                c.max_ellipsis_lines_ratio,
            ),
            (
                "gopher_alpha_words",
                "min_alpha_words_ratio",
                c.min_alpha_words_ratio,
            ),
            ("gopher_stop_words", "min_stop_words", u(c.min_stop_words)),
        ])
    }

    /// Gopher's rules in datatrove's order; the first that fails names the reason.
    fn decide(&self, sig: &dyn Signals) -> Verdict {
        let c = &self.cfg;
        let s = |k: &str| sig.signal(k);
        let words = s("gopher_words").unwrap_or(0.0);
        if c.min_doc_words.is_some_and(|m| m > 0 && words < m as f64) {
            return Verdict::drop("gopher_short_doc");
        }
        if c.max_doc_words.is_some_and(|m| m > 0 && words > m as f64) {
            return Verdict::drop("gopher_long_doc");
        }
        if let Some(avg) = s("gopher_avg_word_len") {
            if c.min_avg_word_length.is_some_and(|m| m > 0.0 && avg < m) {
                return Verdict::drop("gopher_below_avg_threshold");
            }
            if c.max_avg_word_length.is_some_and(|m| m > 0.0 && avg > m) {
                return Verdict::drop("gopher_above_avg_threshold");
            }
        }
        if let Some(m) = c.max_symbol_word_ratio.filter(|&m| m > 0.0) {
            if s("gopher_hash_ratio").is_some_and(|r| r > m) {
                return Verdict::drop("gopher_too_many_hashes");
            }
            if s("gopher_ellipsis_ratio").is_some_and(|r| r > m) {
                return Verdict::drop("gopher_too_many_ellipsis");
            }
        }
        if let Some(m) = c.max_bullet_lines_ratio.filter(|&m| m > 0.0) {
            if s("gopher_bullet_lines").is_some_and(|r| r > m) {
                return Verdict::drop("gopher_too_many_bullets");
            }
        }
        if let Some(m) = c.max_ellipsis_lines_ratio.filter(|&m| m > 0.0) {
            if s("gopher_ellipsis_lines").is_some_and(|r| r > m) {
                return Verdict::drop("gopher_too_many_end_ellipsis");
            }
        }
        if let Some(m) = c.min_alpha_words_ratio.filter(|&m| m > 0.0) {
            if s("gopher_alpha_words").is_some_and(|r| r < m) {
                return Verdict::drop("gopher_below_alpha_threshold");
            }
        }
        if let (Some(m), Some(n)) = (c.min_stop_words.filter(|&m| m > 0), s("gopher_stop_words")) {
            if n < m as f64 {
                return Verdict::drop("gopher_enough_stop_words");
            }
        }
        Verdict::Keep
    }
}

#[cfg(test)]
mod count_tests {
    #[test]
    fn counts_like_python() {
        // Python: "....".count("...") == 1, "......".count("...") == 2.
        assert_eq!(super::count_non_overlapping("....", "..."), 1);
        assert_eq!(super::count_non_overlapping("......", "..."), 2);
        assert_eq!(super::count_non_overlapping("a…b…", "…"), 2);
        assert_eq!(super::count_non_overlapping("", "..."), 0);
    }
}

#[cfg(test)]
mod flag_tests {
    use super::*;

    #[test]
    fn byte_flags_answer_as_the_character_tests() {
        let flags = word_flags();
        // Every ASCII word of up to two characters, and longer mixes.
        let mut words: Vec<String> = Vec::new();
        for a in 0u8..128 {
            words.push(char::from(a).to_string());
            for b in (0u8..128).step_by(3) {
                words.push([char::from(a), char::from(b)].iter().collect());
            }
        }
        words.extend(["", "...", "#", "Hello", "x-y", "--", "ab12", "A.", "“”"].map(String::from));
        for w in &words {
            let (mut all, mut any) = (u8::MAX, 0u8);
            for &x in w.as_bytes() {
                all &= flags[x as usize];
                any |= flags[x as usize];
            }
            if any & NON_ASCII != 0 {
                continue;
            }
            assert_eq!(all & PUNCT != 0, is_symbol_word(w), "{w:?}");
            assert_eq!(any & ALPHA != 0, has_alphabetic(w), "{w:?}");
            assert_eq!(
                any & UPPER != 0,
                w.chars().any(garbell_text::words::is_uppercase),
                "{w:?}"
            );
        }
    }

    #[test]
    fn stopwords_counted_once_each_with_and_without_lowercasing() {
        let mut lex = Lexicon::new();
        lex.add_stopwords("xx", "the\nof\nσας\nÜber\n");
        let text = "The the THE of Of x σας ΣΑΣ Über über ÜBER y z w";
        for (lower, want) in [(true, 3.0), (false, 4.0)] {
            let step = GopherQualityConfig {
                lowercase_stop_words: lower,
                min_doc_words: None,
                ..Default::default()
            }
            .build_with(&lex)
            .expect("ok");
            let mut doc = Document::new("d", text, "t", garbell_core::Origin::new("t", 0, 0));
            doc.lang = "xx".into();
            step.0.measure(&mut doc);
            // Lowercased: the, of, σας ("Über" lowercases to "über", not in the list).
            // As written: the, of, σας, Über.
            assert_eq!(doc.signals["gopher_stop_words"], want, "lower {lower}");
        }
    }
}
