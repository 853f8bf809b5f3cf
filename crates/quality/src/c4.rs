//! `filter_c4`: the C4 rules (Raffel et al. 2020, section 2.2; datatrove `C4QualityFilter`).

use crate::common::{put, py_strip, Error, Tokenizer};
use crate::filter::{FilterParams, Lexicon, SignalFilter, Signals, Threshold};
use garbell_core::{Document, Verdict};
use garbell_text::words::{
    datatrove_sentence_count, datatrove_sentence_count_of_tokens, python_lines,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Substrings that mark a policy/cookie line (datatrove `POLICY_SUBSTRINGS`, from TFDS
/// `c4_utils.py`).
pub const POLICY_SUBSTRINGS: &[&str] = &[
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
];

/// Parameters of `filter_c4`. Defaults are datatrove 0.10.1's (`C4QualityFilter.__init__`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct C4Config {
    /// Compute and store the signals but never drop nor rewrite.
    pub annotate_only: bool,
    /// Sentence counting: `datatrove` (spaCy sentencizer rules) or `garbell` (terminal
    /// punctuation followed by a space).
    pub tokenizer: Tokenizer,
    /// Rewrite the text with only the kept lines, as C4 and datatrove do (`false`: keep the text,
    /// decide on the kept lines only).
    pub remove_lines: bool,
    /// Remove Wikipedia-style citations `[1]`, `[edit]`, `[citation needed]` (`remove_citations`).
    pub remove_citations: bool,
    /// Remove lines that do not end in `.`, `?`, `!`, `"` or `'`, or that end in `...`
    /// (`filter_no_terminal_punct`).
    pub filter_no_terminal_punct: bool,
    /// Minimum number of sentences in the kept lines (`min_num_sentences` = 5; `None` disables).
    pub min_num_sentences: Option<usize>,
    /// Remove lines with fewer words (`min_words_per_line` = 3).
    pub min_words_per_line: usize,
    /// Remove lines with a longer word, in characters (`max_word_length` = 1000; `None` disables).
    pub max_word_length: Option<usize>,
    /// Drop documents containing "lorem ipsum" (`filter_lorem_ipsum`).
    pub filter_lorem_ipsum: bool,
    /// Remove lines mentioning "javascript" (`filter_javascript`).
    pub filter_javascript: bool,
    /// Drop documents containing `{` (`filter_curly_bracket`).
    pub filter_curly_bracket: bool,
    /// Remove lines with a [`POLICY_SUBSTRINGS`] phrase (`filter_policy`).
    pub filter_policy: bool,
}

impl Default for C4Config {
    fn default() -> Self {
        C4Config {
            annotate_only: false,
            tokenizer: Tokenizer::Garbell,
            remove_lines: true,
            remove_citations: true,
            filter_no_terminal_punct: true,
            min_num_sentences: Some(5),
            min_words_per_line: 3,
            max_word_length: Some(1000),
            filter_lorem_ipsum: true,
            filter_javascript: true,
            filter_curly_bracket: true,
            filter_policy: true,
        }
    }
}

impl FilterParams for C4Config {
    type Filter = C4;
}

/// `filter_c4` — **What**: looks at each line (stripped): removes lines with a word over
/// `max_word_length` characters, without terminal punctuation, with fewer than
/// `min_words_per_line` words, mentioning javascript or a cookie/terms policy; drops the document
/// if a kept-so-far line contains "lorem ipsum" or `{`, or if the kept lines have fewer than
/// `min_num_sentences` sentences; otherwise (with `remove_lines`) the text becomes the kept
/// lines. **Why**: C4's cleaning of Common Crawl: keep prose lines, drop boilerplate and code.
/// **Signals written**: `c4_lines`, `c4_lines_kept`, `c4_sentences`, `c4_lorem_ipsum`,
/// `c4_curly_bracket` (0/1). **Reasons**: `c4_lorem_ipsum`, `c4_curly_bracket`,
/// `c4_too_few_sentences` (datatrove: `lorem_ipsum`, `curly_bracket`, `too_few_sentences`).
#[derive(Debug)]
pub struct C4 {
    cfg: C4Config,
    /// The phrase searches, built once.
    finders: Finders,
}

/// The searchers of the phrases C4 looks for in each lowercased line.
#[derive(Debug)]
struct Finders {
    lorem: memchr::memmem::Finder<'static>,
    javascript: memchr::memmem::Finder<'static>,
    policy: Vec<memchr::memmem::Finder<'static>>,
}

impl Finders {
    fn new() -> Self {
        Finders {
            lorem: memchr::memmem::Finder::new("lorem ipsum"),
            javascript: memchr::memmem::Finder::new("javascript"),
            policy: POLICY_SUBSTRINGS
                .iter()
                .map(memchr::memmem::Finder::new)
                .collect(),
        }
    }
}

/// Removes `[digits]`, `[edit]` and `[citation needed]` (datatrove `CITATION_REGEX`).
fn remove_citations(line: &str) -> Cow<'_, str> {
    if !line.contains('[') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find('[') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let skip = if after[digits..].starts_with(']') {
            Some(digits + 1)
        } else if after.starts_with("edit]") {
            Some(5)
        } else if after.starts_with("citation needed]") {
            Some(16)
        } else {
            None
        };
        match skip {
            Some(n) => rest = &after[n..],
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// Sentences by garbell's rule: runs of `.`, `!`, `?`, `…` followed by whitespace end one.
fn garbell_sentence_count(line: &str) -> usize {
    let b = line.as_bytes();
    let mut n = 0;
    let mut in_sentence = false;
    for i in 0..b.len() {
        match BYTE_CLASS[b[i] as usize] {
            SPACE | CONT => continue,
            CHECK if lead_is_space(line, i) => continue,
            _ => {}
        }
        // A character that is not a space.
        in_sentence = true;
        // `.`, `!`, `?` or `…` (E2 80 A6), followed by the end or a space.
        let (terminal, len) = match b[i] {
            b'.' | b'!' | b'?' => (true, 1),
            0xE2 => (b[i..].starts_with("…".as_bytes()), 3),
            _ => (false, 0),
        };
        if terminal
            && b.get(i + len)
                .is_none_or(|&x| is_space_byte_at(line, i + len, x))
        {
            n += 1;
            in_sentence = false;
        }
    }
    n + usize::from(in_sentence)
}

/// [`BYTE_CLASS`] values.
const OTHER: u8 = 0;
const SPACE: u8 = 1;
const CONT: u8 = 2;
const CHECK: u8 = 3;

/// Per byte, for [`garbell_text::words::is_python_space`] by bytes: `SPACE` (an ASCII space), `CONT` (a UTF-8
/// continuation byte), `CHECK` (the lead byte of a character that may be a space: C2, E1, E2,
/// E3, for U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000),
/// `OTHER` (any other character's first byte). A test checks it against `is_python_space`.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b {
            0x09..=0x0D | 0x1C..=0x20 => SPACE,
            0x80..=0xBF => CONT,
            0xC2 | 0xE1 | 0xE2 | 0xE3 => CHECK,
            _ => OTHER,
        };
        b += 1;
    }
    t
};

/// Whether the character starting at byte `i` of `s` (a `CHECK` lead byte) is a space
/// (out of line: rare, and it keeps the byte loops small).
#[inline(never)]
fn lead_is_space(s: &str, i: usize) -> bool {
    s.as_bytes()
        .get(i)
        .is_some_and(|&x| garbell_text::words::python_space_len_at(s, i, x).is_some())
}

/// Whether the character starting at byte `i` of `s` (its first byte `x`) is a space.
#[inline]
fn is_space_byte_at(s: &str, i: usize, x: u8) -> bool {
    match BYTE_CLASS[x as usize] {
        SPACE => true,
        CHECK => lead_is_space(s, i),
        _ => false,
    }
}

/// Number of words (runs of non-[`garbell_text::words::is_python_space`] characters) of `line`, and whether one is
/// longer than `max_chars` characters.
fn words_and_too_long(line: &str, max_chars: Option<usize>) -> (usize, bool) {
    let b = line.as_bytes();
    let max = max_chars.unwrap_or(usize::MAX);
    let (mut n_words, mut too_long) = (0usize, false);
    let (mut in_word, mut chars) = (false, 0usize);
    for i in 0..b.len() {
        match BYTE_CLASS[b[i] as usize] {
            CONT => continue,
            SPACE => {
                in_word = false;
                continue;
            }
            CHECK if lead_is_space(line, i) => {
                in_word = false;
                continue;
            }
            _ => {}
        }
        if !in_word {
            n_words += 1;
            in_word = true;
            chars = 0;
        }
        chars += 1;
        too_long |= chars > max;
    }
    (n_words, too_long)
}

enum Outcome<'a> {
    Drop(&'static str),
    Kept(Vec<Cow<'a, str>>, usize),
}

/// What the searches for ASCII phrases (`lorem ipsum`, `javascript`, the policy phrases) see
/// of `line.to_lowercase()`, into a reused buffer: the line with its ASCII letters lowercased.
/// Matches of an ASCII phrase are the same in both: every other character lowercases to
/// non-ASCII characters (UTF-8 bytes ≥ 0x80, which no ASCII phrase contains) except `İ`
/// (U+0130, to `i̇`) and the Kelvin sign (U+212A, to `k`), for which the whole line is
/// lowercased as before (a test checks the exception list against the standard library).
fn lowercase_into(line: &str, out: &mut String) {
    out.clear();
    let b = line.as_bytes();
    if line.is_ascii()
        || (memchr::memmem::find(b, "\u{130}".as_bytes()).is_none()
            && memchr::memmem::find(b, "\u{212A}".as_bytes()).is_none())
    {
        out.push_str(line);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&line.to_lowercase());
    }
}

impl C4 {
    fn run<'a>(&self, doc: &'a Document) -> (Outcome<'a>, usize) {
        let c = &self.cfg;
        let mut kept = Vec::new();
        let mut sentences = 0usize;
        let mut n_lines = 0usize;
        let mut lower = String::new();
        // The datatrove tokens of the whole text, when an earlier step of this thread split
        // this very text (Gopher repetition and quality do): the sentences of a kept line that
        // citation removal left as it was are counted from its tokens instead of tokenizing
        // the line again. `next_tok`: the first token not before the current line.
        let mut toks: Vec<&str> = Vec::new();
        let shared = c.min_num_sentences.is_some()
            && c.tokenizer == Tokenizer::Datatrove
            && c.tokenizer
                .cached_split_into(&doc.text, &doc.lang, &mut toks);
        let mut next_tok = 0usize;
        let base = doc.text.as_ptr() as usize;
        for raw in python_lines(&doc.text) {
            n_lines += 1;
            let line = py_strip(raw);
            let (n_words, too_long) = words_and_too_long(line, c.max_word_length);
            if too_long {
                continue;
            }
            let line = if c.remove_citations {
                remove_citations(line)
            } else {
                line.into()
            };
            if c.filter_no_terminal_punct
                && (!line.ends_with(['.', '?', '!', '"', '\'']) || line.ends_with("..."))
            {
                continue;
            }
            if n_words < c.min_words_per_line {
                continue;
            }
            lowercase_into(&line, &mut lower);
            let has = |f: &memchr::memmem::Finder<'static>| f.find(lower.as_bytes()).is_some();
            if c.filter_lorem_ipsum && has(&self.finders.lorem) {
                return (Outcome::Drop("c4_lorem_ipsum"), n_lines);
            }
            if c.filter_javascript && has(&self.finders.javascript) {
                continue;
            }
            if c.filter_curly_bracket && line.contains('{') {
                return (Outcome::Drop("c4_curly_bracket"), n_lines);
            }
            if c.filter_policy && self.finders.policy.iter().any(has) {
                continue;
            }
            if c.min_num_sentences.is_some() {
                sentences += match (c.tokenizer, &line) {
                    (Tokenizer::Datatrove, Cow::Borrowed(l)) if shared => {
                        let start = (l.as_ptr() as usize).wrapping_sub(base);
                        let end = start + l.len();
                        let offset = |t: &&str| (t.as_ptr() as usize).wrapping_sub(base);
                        while toks.get(next_tok).is_some_and(|t| offset(t) < start) {
                            next_tok += 1;
                        }
                        let mut last = next_tok;
                        while toks.get(last).is_some_and(|t| offset(t) + t.len() <= end) {
                            last += 1;
                        }
                        let n = datatrove_sentence_count_of_tokens(l, &toks[next_tok..last])
                            .unwrap_or_else(|| datatrove_sentence_count(l));
                        next_tok = last;
                        n
                    }
                    (Tokenizer::Datatrove, _) => datatrove_sentence_count(&line),
                    (Tokenizer::Garbell, _) => garbell_sentence_count(&line),
                };
            }
            kept.push(line);
        }
        if c.min_num_sentences.is_some_and(|m| sentences < m) {
            return (Outcome::Drop("c4_too_few_sentences"), n_lines);
        }
        (Outcome::Kept(kept, sentences), n_lines)
    }
}

impl SignalFilter for C4 {
    type Params = C4Config;
    const NAME: &'static str = "filter_c4";
    /// The line rules change the kept lines, and `filter_lorem_ipsum`/`filter_curly_bracket`
    /// where the scan stops (and so the signals): only the sentence minimum can be changed on
    /// stored signals.
    const TUNABLE: &'static [&'static str] = &["min_num_sentences"];

    fn new(c: &C4Config, _: &Lexicon) -> Result<Self, Error> {
        Ok(C4 {
            cfg: c.clone(),
            finders: Finders::new(),
        })
    }

    fn annotate_only(&self) -> bool {
        self.cfg.annotate_only
    }

    fn signals(&self) -> Vec<String> {
        [
            "c4_lines",
            "c4_lines_kept",
            "c4_sentences",
            "c4_lorem_ipsum",
            "c4_curly_bracket",
        ]
        .map(String::from)
        .to_vec()
    }

    /// Scans the lines. The outcome is recorded in the signals: `c4_lorem_ipsum` or
    /// `c4_curly_bracket` is 1 when the scan stopped there, and `c4_sentences` (with
    /// `c4_lines_kept`) is written only when the scan reached the end with at least
    /// `min_num_sentences` sentences (annotate with `min_num_sentences = 0` to tune that
    /// threshold downwards).
    fn annotate(&self, doc: &mut Document) -> Option<String> {
        let (outcome, n_lines) = self.run(doc);
        // The kept lines borrow the text: build the new text before writing the signals.
        let outcome = match outcome {
            Outcome::Drop(reason) => Err(reason),
            Outcome::Kept(lines, sentences) => Ok((
                lines.len(),
                sentences,
                self.cfg
                    .remove_lines
                    .then(|| py_strip(&lines.join("\n")).to_string()),
            )),
        };
        put(doc, "c4_lines", n_lines as f64);
        put(doc, "c4_lorem_ipsum", 0.0);
        put(doc, "c4_curly_bracket", 0.0);
        match outcome {
            Err(reason) => {
                if reason == "c4_lorem_ipsum" || reason == "c4_curly_bracket" {
                    put(doc, reason, 1.0);
                }
                doc.signals.remove("c4_lines_kept");
                doc.signals.remove("c4_sentences");
                None
            }
            Ok((kept, sentences, text)) => {
                put(doc, "c4_lines_kept", kept as f64);
                put(doc, "c4_sentences", sentences as f64);
                text
            }
        }
    }

    fn decide(&self, s: &dyn Signals) -> Verdict {
        let c = &self.cfg;
        let flag = |k: &str| s.signal(k).is_some_and(|v| v > 0.0);
        if c.filter_lorem_ipsum && flag("c4_lorem_ipsum") {
            return Verdict::drop("c4_lorem_ipsum");
        }
        if c.filter_curly_bracket && flag("c4_curly_bracket") {
            return Verdict::drop("c4_curly_bracket");
        }
        match (c.min_num_sentences, s.signal("c4_sentences")) {
            (Some(m), Some(n)) if n < m as f64 => Verdict::drop("c4_too_few_sentences"),
            (Some(_), None) => Verdict::drop("c4_too_few_sentences"),
            _ => Verdict::Keep,
        }
    }

    fn thresholds(&self) -> Vec<Threshold> {
        crate::filter::thresholds([(
            "c4_sentences",
            "min_num_sentences",
            self.cfg.min_num_sentences.map(|x| x as f64),
        )])
    }
}

#[cfg(test)]
mod lowercase_tests {
    #[test]
    fn only_two_non_ascii_characters_lowercase_to_ascii() {
        for c in (0x80u32..0x11_0000).filter_map(char::from_u32) {
            let ascii = c.to_lowercase().any(|l| l.is_ascii());
            assert_eq!(ascii, matches!(c, '\u{130}' | '\u{212A}'), "{c:?}");
        }
        let mut out = String::new();
        super::lowercase_into("Uses \u{212A}ookies? JAVASCRIPT Ω", &mut out);
        assert_eq!(out, "uses kookies? javascript ω");
        super::lowercase_into("Ω JAVASCRIPT", &mut out);
        assert!(out.contains("javascript"));
    }
}

#[cfg(test)]
mod byte_scan_tests {
    use super::*;
    use crate::common::nchars;
    use garbell_text::words::is_python_space;

    /// The character loops the byte scans replaced.
    fn sentences_by_chars(line: &str) -> usize {
        let mut n = 0;
        let mut in_sentence = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if !is_python_space(c) {
                in_sentence = true;
            }
            if matches!(c, '.' | '!' | '?' | '…') {
                let next = chars.peek().copied();
                if in_sentence && next.is_none_or(is_python_space) {
                    n += 1;
                    in_sentence = false;
                }
            }
        }
        n + usize::from(in_sentence)
    }

    fn words_by_chars(line: &str, max: Option<usize>) -> (usize, bool) {
        let mut n = 0;
        let mut too_long = false;
        for w in line.split(is_python_space).filter(|w| !w.is_empty()) {
            n += 1;
            if max.is_some_and(|m| nchars(w) > m) {
                too_long = true;
            }
        }
        (n, too_long)
    }

    #[test]
    fn byte_scans_count_as_the_character_loops() {
        let alphabet: Vec<char> = "a.!?… \t\u{85}\u{a0}\u{1680}\u{2000}\u{200a}\u{200b}\u{2028}\u{202f}\u{205f}\u{3000}\u{1c}\u{1f}é€Ω中\u{2026}\u{2027}x"
            .chars()
            .collect();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..20_000 {
            let len = round % 17;
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(garbell_sentence_count(&s), sentences_by_chars(&s), "{s:?}");
            for max in [None, Some(0), Some(1), Some(3)] {
                assert_eq!(
                    words_and_too_long(&s, max),
                    words_by_chars(&s, max),
                    "{s:?} {max:?}"
                );
            }
        }
        // Every character below U+3100: the space test agrees with `is_python_space`.
        let all: String = (0u32..0x3100).filter_map(char::from_u32).collect();
        let b = all.as_bytes();
        for (i, c) in all.char_indices() {
            assert_eq!(is_space_byte_at(&all, i, b[i]), is_python_space(c), "{c:?}");
            for k in 1..c.len_utf8() {
                assert_eq!(BYTE_CLASS[b[i + k] as usize], CONT);
            }
        }
    }
}
