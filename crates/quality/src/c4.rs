//! `filter_c4`: the C4 rules (Raffel et al. 2020, section 2.2; datatrove `C4QualityFilter`).

use crate::common::{nchars, put, py_strip, Error, Tokenizer};
use crate::filter::{FilterParams, Lexicon, SignalFilter, Signals, Threshold};
use garbell_core::{Document, Verdict};
use garbell_text::words::{
    datatrove_sentence_count, datatrove_sentence_count_of_tokens, is_python_space, python_lines,
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
    if line.is_ascii() || !line.contains(['\u{130}', '\u{212A}']) {
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
            let mut n_words = 0usize;
            let mut too_long = false;
            for w in line.split(is_python_space).filter(|w| !w.is_empty()) {
                n_words += 1;
                if c.max_word_length.is_some_and(|m| nchars(w) > m) {
                    too_long = true;
                }
            }
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
            if c.filter_lorem_ipsum && lower.contains("lorem ipsum") {
                return (Outcome::Drop("c4_lorem_ipsum"), n_lines);
            }
            if c.filter_javascript && lower.contains("javascript") {
                continue;
            }
            if c.filter_curly_bracket && line.contains('{') {
                return (Outcome::Drop("c4_curly_bracket"), n_lines);
            }
            if c.filter_policy && POLICY_SUBSTRINGS.iter().any(|p| lower.contains(p)) {
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
        Ok(C4 { cfg: c.clone() })
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
