//! Shared pieces: the word splitter choice, errors and small helpers.

use garbell_text::words::{datatrove_words_into, Words};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Which word splitter a filter uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tokenizer {
    /// garbell's splitter (`garbell_text::words::Words`): letters/digits of any script, elision
    /// apostrophes split by language, punctuation is not a word.
    #[default]
    Garbell,
    /// datatrove 0.10.1's default (spaCy `blank("en")` rules, punctuation tokens count as words),
    /// for fidelity with datatrove's decisions.
    Datatrove,
}

impl Tokenizer {
    /// Splits `text` (in language `lang`) into `out` (cleared first).
    ///
    /// The quality steps of a chain split the same text one after the other (repetition, then
    /// Gopher quality, then FineWeb when C4 left the text as it was): the last split of each
    /// thread is kept as word offsets, keyed by the text's length and xxh3 hash, the language
    /// and the tokenizer, and reused when they match (a false hit needs a 64-bit collision).
    pub fn split_into<'a>(self, text: &'a str, lang: &str, out: &mut Vec<&'a str>) {
        let key = SplitKey {
            hash: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            len: text.len(),
            tokenizer: self,
        };
        if self.cached(key, text, lang, out) {
            return;
        }
        self.split_and_keep(key, text, lang, out);
    }

    /// The words of `text` when this thread's last split is of the same text, language and
    /// tokenizer (see [`Tokenizer::split_into`]); `false` (and `out` unspecified) otherwise.
    /// Splits nothing itself: for a step that can do without the whole text's words.
    pub(crate) fn cached_split_into<'a>(
        self,
        text: &'a str,
        lang: &str,
        out: &mut Vec<&'a str>,
    ) -> bool {
        let key = SplitKey {
            hash: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            len: text.len(),
            tokenizer: self,
        };
        self.cached(key, text, lang, out)
    }

    fn cached<'a>(self, key: SplitKey, text: &'a str, lang: &str, out: &mut Vec<&'a str>) -> bool {
        LAST_SPLIT.with(|c| {
            let c = c.borrow();
            if c.key != Some(key) || c.lang != lang {
                return false;
            }
            out.clear();
            // Offsets were taken from a text with the same bytes: slicing cannot fail, but stay
            // safe rather than trust it.
            out.extend(c.spans.iter().filter_map(|&(s, e)| text.get(s..e)));
            out.len() == c.spans.len()
        })
    }

    fn split_and_keep<'a>(self, key: SplitKey, text: &'a str, lang: &str, out: &mut Vec<&'a str>) {
        match self {
            Tokenizer::Garbell => {
                out.clear();
                out.extend(Words::for_lang(text, lang));
            }
            Tokenizer::Datatrove => datatrove_words_into(text, out),
        }
        LAST_SPLIT.with(|c| {
            let mut c = c.borrow_mut();
            c.key = None;
            c.spans.clear();
            let base = text.as_ptr() as usize;
            for w in out.iter() {
                let start = (w.as_ptr() as usize).wrapping_sub(base);
                if start > text.len() || start + w.len() > text.len() {
                    // A word that is not a slice of `text`: do not cache this split.
                    c.spans.clear();
                    return;
                }
                c.spans.push((start, start + w.len()));
            }
            c.key = Some(key);
            c.lang.clear();
            c.lang.push_str(lang);
        });
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct SplitKey {
    hash: u64,
    len: usize,
    tokenizer: Tokenizer,
}

/// The last word split of this thread (see [`Tokenizer::split_into`]).
#[derive(Default)]
struct LastSplit {
    key: Option<SplitKey>,
    lang: String,
    spans: Vec<(usize, usize)>,
}

thread_local! {
    static LAST_SPLIT: std::cell::RefCell<LastSplit> = std::cell::RefCell::new(LastSplit::default());
}

/// A configuration error: a parameter out of its range.
#[derive(Debug, thiserror::Error)]
#[error("{step}: parameter `{param}`: {message}")]
pub struct Error {
    /// Step name.
    pub step: &'static str,
    /// Parameter name.
    pub param: &'static str,
    /// What is wrong.
    pub message: String,
}

pub(crate) fn check_ratio(
    step: &'static str,
    param: &'static str,
    v: Option<f64>,
) -> Result<(), Error> {
    match v {
        Some(x) if !(0.0..=1.0).contains(&x) => Err(Error {
            step,
            param,
            message: format!("{x} is outside [0, 1]"),
        }),
        _ => Ok(()),
    }
}

/// Python's `str.strip()` (Unicode whitespace as Python defines it).
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(garbell_text::words::is_python_space)
}

/// Number of characters (Python's `len`).
pub(crate) fn nchars(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Inserts a signal (one tree search: a step's signals are new to the document, so the lookup
/// that would spare the key's allocation when present would almost always miss).
pub(crate) fn put(doc: &mut garbell_core::Document, name: &str, v: f64) {
    doc.signals.insert(name.to_string(), v);
}

/// A fast, deterministic hasher for short strings (words, lines): [`garbell_text::words::FxHasher`].
pub use garbell_text::words::FxHasher as FastHasher;

/// [`FastHasher`] as a `BuildHasher`.
pub type FastBuild = std::hash::BuildHasherDefault<FastHasher>;

/// A set of characters for the datatrove character sets: [`garbell_text::words::CharSet`].
pub(crate) use garbell_text::words::CharSet;

/// datatrove's `PUNCTUATION_SET` as a [`CharSet`].
pub(crate) fn punctuation_set() -> &'static CharSet {
    static SET: OnceLock<CharSet> = OnceLock::new();
    SET.get_or_init(|| CharSet::new(crate::datatrove_chars::PUNCTUATION_SET))
}

/// datatrove's `TERMINAL_PUNCTUATION` as a [`CharSet`].
pub(crate) fn terminal_punctuation() -> &'static CharSet {
    static SET: OnceLock<CharSet> = OnceLock::new();
    SET.get_or_init(|| CharSet::new(crate::datatrove_chars::TERMINAL_PUNCTUATION))
}

#[cfg(test)]
mod charset_tests {
    #[test]
    fn same_members_as_the_strings() {
        for (set, s) in [
            (
                super::punctuation_set(),
                crate::datatrove_chars::PUNCTUATION_SET,
            ),
            (
                super::terminal_punctuation(),
                crate::datatrove_chars::TERMINAL_PUNCTUATION,
            ),
        ] {
            for c in s.chars() {
                assert!(set.contains(c), "{c:?}");
            }
            for c in ['a', 'Z', '0', ' ', '\n', 'é', 'ß', 'Ω', '中'] {
                assert_eq!(set.contains(c), s.contains(c), "{c:?}");
            }
        }
    }
}

#[cfg(test)]
mod split_cache_tests {
    use super::Tokenizer;

    #[test]
    fn reuse_only_for_the_same_text_language_and_tokenizer() {
        let a = String::from("L'home va dir: hola, món!");
        let mut w1 = Vec::new();
        Tokenizer::Garbell.split_into(&a, "ca", &mut w1);
        let mut w2 = Vec::new();
        Tokenizer::Garbell.split_into(&a, "ca", &mut w2);
        assert_eq!(w1, w2);
        // Same bytes elsewhere in memory: same words, sliced from the new text.
        let b = a.clone();
        let mut w3 = Vec::new();
        Tokenizer::Garbell.split_into(&b, "ca", &mut w3);
        assert_eq!(w1, w3);
        assert!(w3
            .iter()
            .all(|w| b.as_bytes().as_ptr_range().contains(&w.as_ptr())));
        // Another language splits elisions differently: no reuse.
        let mut w4 = Vec::new();
        Tokenizer::Garbell.split_into(&a, "en", &mut w4);
        let mut fresh = Vec::new();
        fresh.extend(garbell_text::words::Words::for_lang(&a, "en"));
        assert_eq!(w4, fresh);
        // Another tokenizer: its own words (punctuation tokens count).
        let mut w5 = Vec::new();
        Tokenizer::Datatrove.split_into(&a, "ca", &mut w5);
        assert!(w5.len() > w1.len(), "{w5:?} vs {w1:?}");
        // Another text of the same length.
        let c = String::from("L'home va dir: adeu, món!");
        let mut w6 = Vec::new();
        Tokenizer::Garbell.split_into(&c, "ca", &mut w6);
        assert!(w6.contains(&"adeu"));
    }
}
