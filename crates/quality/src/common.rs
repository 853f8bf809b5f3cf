//! Shared pieces: the word splitter choice, stopword lists, errors and small helpers.

use garbell_text::words::{datatrove_words_into, Words};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
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
    pub fn split_into<'a>(self, text: &'a str, lang: &str, out: &mut Vec<&'a str>) {
        match self {
            Tokenizer::Garbell => {
                out.clear();
                out.extend(Words::for_lang(text, lang));
            }
            Tokenizer::Datatrove => datatrove_words_into(text, out),
        }
    }
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

macro_rules! stopword_files {
    ($($l:literal),*) => {
        &[$(($l, include_str!(concat!("../../../languages/stopwords/", $l, ".txt")))),*]
    };
}

/// Embedded `languages/stopwords/<iso>.txt` files (the languages that have a list).
const STOPWORD_FILES: &[(&str, &str)] = stopword_files!(
    "bg", "ca", "cs", "da", "de", "el", "en", "es", "et", "eu", "fi", "fr", "ga", "gl", "hr", "hu",
    "it", "lt", "lv", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "uk"
);

/// The stopword list of `lang` from `languages/stopwords/<lang>.txt` (lowercase), or `None`
/// when the language has none (cy mt nn oc sh sr; see `languages/stopwords/README.md`).
pub fn stopwords(lang: &str) -> Option<&'static HashSet<&'static str>> {
    static SETS: OnceLock<Vec<(&'static str, HashSet<&'static str>)>> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        STOPWORD_FILES
            .iter()
            .map(|(l, text)| {
                let set = text
                    .lines()
                    .map(str::trim)
                    .filter(|w| !w.is_empty() && !w.starts_with('#'))
                    .collect();
                (*l, set)
            })
            .collect()
    });
    sets.iter().find(|(l, _)| *l == lang).map(|(_, s)| s)
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

/// Inserts a signal.
pub(crate) fn put(doc: &mut garbell_core::Document, name: &str, v: f64) {
    if let Some(x) = doc.signals.get_mut(name) {
        *x = v;
    } else {
        doc.signals.insert(name.to_string(), v);
    }
}

/// A hasher for keys that are already hashes.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type IdBuild = std::hash::BuildHasherDefault<IdHasher>;
