//! Text normalization applied before shingling.
//!
//! # What it does
//! Rewrites a text into a canonical form in one pass, into a reused buffer:
//! 1. lowercase (Unicode simple case mapping, per character);
//! 2. every run of decimal digits (`\p{Nd}+`), with at most one decimal part introduced by one of
//!    `. , ، ٫ ⎖ ⎗ ⎘`, becomes a single `0`;
//! 3. punctuation becomes a space (datatrove's set by default, see [`PunctuationSet`]);
//! 4. whitespace runs become one space, none at either end;
//! 5. accents are stripped: canonical decomposition (NFD), then nonspacing marks (`Mn`) dropped.
//!
//! # Why
//! Near-duplicate web pages differ in dates, counters, casing, punctuation and accents (a page
//! with and without diacritics is common in ca/ro/pl dumps). This is the order and the rules of
//! datatrove 0.10.1 `datatrove/utils/text.py::simplify_text` with its default `TextNormConfig`,
//! as used by FineWeb's MinHash stage. Weekday and month-name normalization are not offered: they
//! are English-only there, and an English default must not be applied to other languages.
//!
//! One deliberate difference: the output never holds two consecutive spaces (datatrove can keep
//! two when a "word" made only of combining marks vanishes after whitespace collapsing). Word
//! n-grams are then contiguous slices of the output, which is what makes shingling
//! allocation-free.

use icu_normalizer::DecomposingNormalizerBorrowed;
use icu_properties::props::{GeneralCategory, GeneralCategoryGroup};
use icu_properties::{CodePointMapData, CodePointMapDataBorrowed};
use serde::{Deserialize, Serialize};

/// Which characters count as punctuation (replaced by a space).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PunctuationSet {
    /// datatrove 0.10.1 `PUNCTUATION`: 76 ASCII/CJK/typographic marks plus the C0/C1 control
    /// characters other than tab and newline. Keeps `¿ ¡ ·` (so Catalan `l·l` stays one word).
    #[default]
    Datatrove,
    /// Every character of Unicode general category `P*`, plus control characters (`Cc`).
    Unicode,
    /// Punctuation is kept as part of words.
    Keep,
}

/// Options of [`Normalizer`]. Defaults reproduce datatrove's `TextNormConfig()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TextNormConfig {
    /// Lowercase every character.
    pub lowercase: bool,
    /// Replace every number (digit run with an optional decimal part) by `0`.
    pub norm_numbers: bool,
    /// Which characters are replaced by a space.
    pub punctuation: PunctuationSet,
    /// Decompose (NFD) and drop nonspacing marks: `càrrec` → `carrec`.
    pub strip_diacritics: bool,
}

impl Default for TextNormConfig {
    fn default() -> Self {
        TextNormConfig {
            lowercase: true,
            norm_numbers: true,
            punctuation: PunctuationSet::Datatrove,
            strip_diacritics: true,
        }
    }
}

/// datatrove 0.10.1 `datatrove/utils/text.py` `PUNCTUATION` (the printable part; the control
/// characters are added in [`Normalizer::new`]).
const DATATROVE_PUNCTUATION: &str =
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»";

/// Decimal separators of datatrove's `NUMBERS_PATTERN`.
const DECIMAL_SEPARATORS: [char; 7] = ['.', ',', '،', '٫', '⎖', '⎗', '⎘'];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Num {
    None,
    Int,
    Frac,
}

/// Runtime normalizer built from a [`TextNormConfig`]. Cheap to share between threads.
///
/// ```
/// use garbell_dedup::{Normalizer, TextNormConfig};
/// let n = Normalizer::new(&TextNormConfig::default());
/// assert_eq!(n.normalize("  Càrrec: 3,5 M€ (2024)!\n"), "carrec 0 m€ 0");
/// ```
#[derive(Debug)]
pub struct Normalizer {
    config: TextNormConfig,
    ascii_punct: [bool; 128],
    other_punct: Vec<char>,
    nfd: DecomposingNormalizerBorrowed<'static>,
    gc: CodePointMapDataBorrowed<'static, GeneralCategory>,
    /// Precomputed classes of U+0080..[`TABLE_END`] (Latin, Greek, Cyrillic, ...): the hot path
    /// for European languages.
    table: Vec<Class>,
}

/// End (exclusive) of the precomputed character table.
const TABLE_END: u32 = 0x3000;

/// What the normalizer does with one character (after lowercasing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Decimal,
    Space,
    /// Emitted as this one character (accents already stripped when configured).
    Emit(char),
    /// Emits nothing (a nonspacing mark when stripping).
    Drop,
    /// Needs the general path (multi-character decomposition).
    Slow,
}

impl Normalizer {
    /// A normalizer with these options.
    pub fn new(config: &TextNormConfig) -> Self {
        let mut ascii_punct = [false; 128];
        let mut other_punct = Vec::new();
        if config.punctuation == PunctuationSet::Datatrove {
            let controls = (0u32..9)
                .chain(11..32)
                .chain(127..160)
                .filter_map(char::from_u32);
            for c in DATATROVE_PUNCTUATION.chars().chain(controls) {
                if c.is_ascii() {
                    ascii_punct[c as usize] = true;
                } else {
                    other_punct.push(c);
                }
            }
            other_punct.sort_unstable();
            other_punct.dedup();
        }
        let gc = CodePointMapData::<GeneralCategory>::new();
        if config.punctuation == PunctuationSet::Unicode {
            for (i, slot) in ascii_punct.iter_mut().enumerate() {
                let c = char::from(i as u8);
                let cat = gc.get(c);
                *slot = GeneralCategoryGroup::Punctuation.contains(cat)
                    || cat == GeneralCategory::Control;
            }
        }
        let mut n = Normalizer {
            config: config.clone(),
            ascii_punct,
            other_punct,
            nfd: DecomposingNormalizerBorrowed::new_nfd(),
            gc,
            table: Vec::new(),
        };
        n.table = (0x80..TABLE_END)
            .map(|u| char::from_u32(u).map_or(Class::Slow, |c| n.classify_slow(c)))
            .collect();
        n
    }

    fn classify_slow(&self, c: char) -> Class {
        if self.is_decimal(c) {
            return Class::Decimal;
        }
        if c.is_whitespace() || self.is_punct(c) {
            return Class::Space;
        }
        if !self.config.strip_diacritics {
            return Class::Emit(c);
        }
        let mut kept = self
            .nfd
            .normalize_iter(std::iter::once(c))
            .filter(|&d| self.gc.get(d) != GeneralCategory::NonspacingMark);
        match (kept.next(), kept.next()) {
            (None, _) => Class::Drop,
            (Some(d), None) => Class::Emit(d),
            _ => Class::Slow,
        }
    }

    #[inline]
    fn classify(&self, c: char) -> Class {
        let u = c as u32;
        if u < 0x80 {
            let b = u as u8;
            if b.is_ascii_digit() {
                Class::Decimal
            } else if c.is_whitespace() || self.ascii_punct[u as usize] {
                Class::Space
            } else {
                Class::Emit(c)
            }
        } else if u < TABLE_END {
            self.table[(u - 0x80) as usize]
        } else {
            self.classify_slow(c)
        }
    }

    /// The options this normalizer was built from.
    pub fn config(&self) -> &TextNormConfig {
        &self.config
    }

    /// Normalizes `text` into a new string. Prefer [`Normalizer::normalize_into`] in loops.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.normalize_into(text, &mut out);
        out
    }

    /// Normalizes `text` into `out` (cleared first). Allocates only when `out` must grow.
    ///
    /// ASCII bytes take a fast path (byte lowercase, table lookups, no `char` decoding); other
    /// characters are decoded, lowercased (possibly into several characters) and classified.
    /// The result is that of the character-by-character definition (checked by a test against
    /// it on mixed-script text).
    pub fn normalize_into(&self, text: &str, out: &mut String) {
        out.clear();
        let bytes = text.as_bytes();
        let mut st = (false, Num::None);
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                i += 1;
                let c = if self.config.lowercase {
                    b.to_ascii_lowercase()
                } else {
                    b
                };
                self.step(char::from(c), || self.decimal_at(text, i), &mut st, out);
                continue;
            }
            let Some(c) = text.get(i..).and_then(|t| t.chars().next()) else {
                break;
            };
            i += c.len_utf8();
            if self.config.lowercase {
                let mut lower = c.to_lowercase().peekable();
                while let Some(l) = lower.next() {
                    match lower.peek() {
                        Some(&n) => self.step(l, || self.is_decimal(n), &mut st, out),
                        None => self.step(l, || self.decimal_at(text, i), &mut st, out),
                    }
                }
            } else {
                self.step(c, || self.decimal_at(text, i), &mut st, out);
            }
        }
    }

    /// True when the character starting at byte `i` of `text` is a decimal digit.
    #[inline]
    fn decimal_at(&self, text: &str, i: usize) -> bool {
        match text.as_bytes().get(i) {
            None => false,
            Some(b) if *b < 0x80 => b.is_ascii_digit(),
            Some(_) => text
                .get(i..)
                .and_then(|t| t.chars().next())
                .is_some_and(|c| self.is_decimal(c)),
        }
    }

    /// One (lowercased) character; `next_is_decimal` tells whether the next one is a digit.
    #[inline]
    fn step(
        &self,
        c: char,
        next_is_decimal: impl FnOnce() -> bool,
        (pending_space, num): &mut (bool, Num),
        out: &mut String,
    ) {
        let class = self.classify(c);
        if self.config.norm_numbers {
            if class == Class::Decimal {
                if *num == Num::None {
                    emit(out, pending_space, '0');
                    *num = Num::Int;
                }
                return;
            }
            if *num == Num::Int && DECIMAL_SEPARATORS.contains(&c) && next_is_decimal() {
                *num = Num::Frac;
                return;
            }
            *num = Num::None;
        }
        match class {
            // Digits kept as they are when numbers are not normalized.
            Class::Decimal => emit(out, pending_space, c),
            Class::Space => *pending_space = true,
            Class::Emit(d) => emit(out, pending_space, d),
            Class::Drop => {}
            Class::Slow => {
                for d in self.nfd.normalize_iter(std::iter::once(c)) {
                    if self.gc.get(d) != GeneralCategory::NonspacingMark {
                        emit(out, pending_space, d);
                    }
                }
            }
        }
    }

    /// The character-by-character definition [`Normalizer::normalize_into`] must agree with.
    #[cfg(test)]
    fn normalize_reference(&self, text: &str) -> String {
        let mut out = String::new();
        if self.config.lowercase {
            self.run(
                text.chars().flat_map(char::to_lowercase).peekable(),
                &mut out,
            );
        } else {
            self.run(text.chars().peekable(), &mut out);
        }
        out
    }

    fn is_decimal(&self, c: char) -> bool {
        if c.is_ascii() {
            c.is_ascii_digit()
        } else {
            self.gc.get(c) == GeneralCategory::DecimalNumber
        }
    }

    fn is_punct(&self, c: char) -> bool {
        if c.is_ascii() {
            return self.ascii_punct[c as usize];
        }
        match self.config.punctuation {
            PunctuationSet::Datatrove => self.other_punct.binary_search(&c).is_ok(),
            PunctuationSet::Unicode => {
                let cat = self.gc.get(c);
                GeneralCategoryGroup::Punctuation.contains(cat) || cat == GeneralCategory::Control
            }
            PunctuationSet::Keep => false,
        }
    }

    #[cfg(test)]
    fn run<I: Iterator<Item = char>>(&self, mut it: std::iter::Peekable<I>, out: &mut String) {
        let mut pending_space = false;
        let mut num = Num::None;
        while let Some(c) = it.next() {
            let class = self.classify(c);
            if self.config.norm_numbers {
                if class == Class::Decimal {
                    if num == Num::None {
                        emit(out, &mut pending_space, '0');
                        num = Num::Int;
                    }
                    continue;
                }
                if num == Num::Int
                    && DECIMAL_SEPARATORS.contains(&c)
                    && it.peek().is_some_and(|&d| self.is_decimal(d))
                {
                    num = Num::Frac;
                    continue;
                }
                num = Num::None;
            }
            match class {
                // Digits kept as they are when numbers are not normalized.
                Class::Decimal => emit(out, &mut pending_space, c),
                Class::Space => pending_space = true,
                Class::Emit(d) => emit(out, &mut pending_space, d),
                Class::Drop => {}
                Class::Slow => {
                    for d in self.nfd.normalize_iter(std::iter::once(c)) {
                        if self.gc.get(d) != GeneralCategory::NonspacingMark {
                            emit(out, &mut pending_space, d);
                        }
                    }
                }
            }
        }
    }
}

#[inline]
fn emit(out: &mut String, pending_space: &mut bool, c: char) {
    if *pending_space && !out.is_empty() {
        out.push(' ');
    }
    *pending_space = false;
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(t: &str) -> String {
        Normalizer::new(&TextNormConfig::default()).normalize(t)
    }

    #[test]
    fn datatrove_examples() {
        assert_eq!(norm("Hello, World!"), "hello world");
        assert_eq!(norm("1.2.3 and 3,14 or 1|2|3"), "0 0 and 0 or 0 0 0");
        assert_eq!(norm("Ça va?  Très   bien…"), "ca va tres bien");
        assert_eq!(norm("\t\n  "), "");
        assert_eq!(norm("l·l ¿qué?"), "l·l ¿que");
        assert_eq!(norm("٣٤ ١٢"), "0 0");
    }

    #[test]
    fn fast_path_agrees_with_the_character_definition() {
        let pieces = [
            "Hello",
            ", ",
            "World",
            "!",
            " 3,14",
            "1.2.3",
            "٣٤",
            "١٫٥",
            "İstanbul",
            "ΣΑΣ",
            "ß",
            "Çà",
            "\u{301}",
            "l·l",
            "¿qué?",
            "—",
            "x\ty",
            "\n\n",
            "ﬁ",
            "Ǆ",
            "ẞ",
            "1,",
            ",5",
            "€",
            "日本語",
            "٫",
            "ǅ9",
            "⎖7",
            "  ",
            "A.B",
            "9\u{0130}",
        ];
        let configs = [
            TextNormConfig::default(),
            TextNormConfig {
                lowercase: false,
                ..Default::default()
            },
            TextNormConfig {
                norm_numbers: false,
                punctuation: PunctuationSet::Unicode,
                ..Default::default()
            },
            TextNormConfig {
                strip_diacritics: false,
                punctuation: PunctuationSet::Keep,
                ..Default::default()
            },
        ];
        let mut x = 12345u64;
        for cfg in &configs {
            let n = Normalizer::new(cfg);
            let mut out = String::new();
            for _ in 0..3000 {
                let mut t = String::new();
                for _ in 0..8 {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    t.push_str(pieces[(x >> 33) as usize % pieces.len()]);
                }
                n.normalize_into(&t, &mut out);
                assert_eq!(out, n.normalize_reference(&t), "{t:?} with {cfg:?}");
            }
        }
    }

    #[test]
    fn options_switch_steps_off() {
        let cfg = TextNormConfig {
            lowercase: false,
            norm_numbers: false,
            punctuation: PunctuationSet::Keep,
            strip_diacritics: false,
        };
        assert_eq!(Normalizer::new(&cfg).normalize(" Àb,  12 "), "Àb, 12");
        let cfg = TextNormConfig {
            punctuation: PunctuationSet::Unicode,
            ..Default::default()
        };
        assert_eq!(Normalizer::new(&cfg).normalize("l·l ¿qué?"), "l l que");
    }

    #[test]
    fn config_rejects_unknown_fields() {
        let r: Result<TextNormConfig, _> = toml::from_str("lowercase = true\nlowercse = false\n");
        assert!(r.is_err());
        let r: TextNormConfig = toml::from_str("punctuation = \"unicode\"").expect("valid");
        assert_eq!(r.punctuation, PunctuationSet::Unicode);
    }
}
