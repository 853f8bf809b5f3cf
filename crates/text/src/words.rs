//! Word, line and sentence splitting for the 35 languages, without models.
//!
//! Two splitters:
//!
//! - [`Words`] / [`words`]: garbell's own word splitter. A word is a maximal run of letters,
//!   combining marks and digits (any script: Latin, Cyrillic, Greek, ...), which may contain
//!   - a hyphen between two alphanumerics (`ben-estar`, `t-uisce`, `COVID-19`),
//!   - an apostrophe (`'` or `’`) between two letters (`don't`, `o'clock`) — except in languages
//!     with elision ([`elides`]: ca fr it oc ga), where the word is cut after the apostrophe so
//!     that `l'home` gives `l'` and `home`, and `d'aigua` gives `d'` and `aigua`,
//!   - a `.`, `,` or `:` between two digits (`3.5`, `1,000`, `12:30`).
//!
//!   Punctuation and symbols are never words. Words are `&str` slices of the input: no allocation.
//!
//! - [`datatrove_words`]: reproduces the word tokenization datatrove 0.10.1's filters use by
//!   default (`split_into_words(text, "eng")`, i.e. spaCy 3 `spacy.blank("en")`'s tokenizer, then
//!   whitespace-only tokens dropped): whitespace split, prefix/suffix/infix punctuation rules and
//!   the English special cases (`don't` → `do` `n't`). Punctuation tokens *are* words there. It
//!   exists so that garbell's filters can be checked against datatrove's decisions; see
//!   `docs/quality.md` for the known differences. [`datatrove_sentence_count`] counts sentences
//!   the way spaCy's `sentencizer` does (used by datatrove's C4 filter).
//!
//! [`python_lines`] splits lines exactly as Python's `str.splitlines()`.
//!
//! ```
//! use garbell_text::words::{words, Words, datatrove_words};
//! assert_eq!(words("Hello, world! 3.5 well-known").collect::<Vec<_>>(),
//!            ["Hello", "world", "3.5", "well-known"]);
//! assert_eq!(Words::for_lang("l'home beu d'aigua", "ca").collect::<Vec<_>>(),
//!            ["l'", "home", "beu", "d'", "aigua"]);
//! assert_eq!(datatrove_words("I don't know (really)."),
//!            ["I", "do", "n't", "know", "(", "really", ")", "."]);
//! ```

use std::collections::HashMap;
use std::sync::OnceLock;

/// Languages whose apostrophe marks elision (`l'home`, `j'ai`, `dell'acqua`, `d'ól`): the word
/// is cut after the apostrophe.
pub const ELISION_LANGS: &[&str] = &["ca", "fr", "it", "oc", "ga"];

/// True when `lang` uses elision apostrophes ([`ELISION_LANGS`]).
pub fn elides(lang: &str) -> bool {
    ELISION_LANGS.contains(&lang)
}

#[inline]
fn is_word_char(c: char) -> bool {
    class(c) & WORD != 0
}

/// [`char::is_alphabetic`], from a table below U+0800 (Latin, Greek, Cyrillic, Armenian, ...):
/// the same answers as the standard library, without its Unicode range search for the letters
/// of those scripts.
#[inline]
pub fn is_alphabetic(c: char) -> bool {
    class(c) & ALPHA != 0
}

/// [`char::is_alphanumeric`], from the same table as [`is_alphabetic`].
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    class(c) & ALNUM != 0
}

/// [`char::is_numeric`], from the same table as [`is_alphabetic`].
#[inline]
pub fn is_numeric(c: char) -> bool {
    class(c) & NUMERIC != 0
}

/// [`char::is_uppercase`], from the same table as [`is_alphabetic`].
#[inline]
pub fn is_uppercase(c: char) -> bool {
    class(c) & UPPER != 0
}

const ALPHA: u8 = 1;
const ALNUM: u8 = 2;
const NUMERIC: u8 = 4;
/// [`is_word_char`]: alphanumeric or one of our combining marks.
const WORD: u8 = 8;
const UPPER: u8 = 16;
/// Characters below this have their classes in [`CLASS_TABLE`].
const TABLE_END: u32 = 0x800;

/// The classes of `c`, computed from the standard library's predicates.
fn class_of(c: char) -> u8 {
    let mut k = 0;
    if c.is_alphabetic() {
        k |= ALPHA;
    }
    if c.is_alphanumeric() {
        k |= ALNUM;
    }
    if c.is_numeric() {
        k |= NUMERIC;
    }
    if c.is_alphanumeric() || is_mark(c) {
        k |= WORD;
    }
    if c.is_uppercase() {
        k |= UPPER;
    }
    k
}

/// [`class_of`] for ASCII (a test checks it against [`class_of`]).
static ASCII_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut u = 0;
    while u < 128 {
        let b = u as u8;
        if b.is_ascii_alphabetic() {
            t[u] = ALPHA | ALNUM | WORD;
            if b.is_ascii_uppercase() {
                t[u] |= UPPER;
            }
        } else if b.is_ascii_digit() {
            t[u] = ALNUM | NUMERIC | WORD;
        }
        u += 1;
    }
    t
};

/// [`class_of`] for every character below [`TABLE_END`], built once from it.
static CLASS_TABLE: OnceLock<[u8; TABLE_END as usize]> = OnceLock::new();

/// [`CLASS_TABLE`], built on first use.
#[inline]
fn class_table() -> &'static [u8; TABLE_END as usize] {
    CLASS_TABLE.get_or_init(|| {
        let mut t = [0u8; TABLE_END as usize];
        for (u, k) in t.iter_mut().enumerate() {
            if let Some(c) = char::from_u32(u as u32) {
                *k = class_of(c);
            }
        }
        t
    })
}

#[inline]
fn class(c: char) -> u8 {
    let u = c as u32;
    if u < 0x80 {
        ASCII_CLASS[u as usize]
    } else if u < TABLE_END {
        class_table()[u as usize]
    } else {
        class_of(c)
    }
}

/// Combining marks of the scripts we handle (so NFD text still splits into whole words).
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

fn is_hyphen(c: char) -> bool {
    c == '-' || c == '\u{2010}' || c == '\u{2011}'
}

/// garbell's word splitter: an iterator of `&str` words (see the module docs).
#[derive(Debug, Clone)]
pub struct Words<'a> {
    text: &'a str,
    pos: usize,
    elision: bool,
}

/// The words of `text`, without elision splitting (use [`Words::for_lang`] when the language is
/// known).
pub fn words(text: &str) -> Words<'_> {
    Words {
        text,
        pos: 0,
        elision: false,
    }
}

impl<'a> Words<'a> {
    /// The words of `text` in language `lang` (elision apostrophes split for [`ELISION_LANGS`]).
    pub fn for_lang(text: &'a str, lang: &str) -> Self {
        Words {
            text,
            pos: 0,
            elision: elides(lang),
        }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.text;
        let bytes = text.as_bytes();
        // The first word character at or after `pos` (ASCII by bytes).
        let mut i = self.pos;
        loop {
            let b = *bytes.get(i)?;
            if b < 0x80 {
                if ASCII_CLASS[b as usize] & WORD != 0 {
                    break;
                }
                i += 1;
            } else {
                let c = char_at(text, i)?;
                if is_word_char(c) {
                    break;
                }
                i += c.len_utf8();
            }
        }
        let start = i;
        let end = loop {
            // A run of word characters (ASCII letters and digits by bytes).
            while let Some(&b) = bytes.get(i) {
                if b < 0x80 {
                    if ASCII_CLASS[b as usize] & WORD == 0 {
                        break;
                    }
                    i += 1;
                } else {
                    match char_at(text, i) {
                        Some(c) if is_word_char(c) => i += c.len_utf8(),
                        _ => break,
                    }
                }
            }
            // `i` is after a word character, at a character that is not one (or at the end):
            // the word goes on only across a joiner between two word characters.
            let Some(&b) = bytes.get(i) else {
                break i;
            };
            if b < 0x80 && !matches!(b, b'-' | b'\'' | b'.' | b',' | b':') {
                break i;
            }
            let Some(c) = char_at(text, i) else {
                break i;
            };
            let after = i + c.len_utf8();
            let Some(n) = char_at(text, after) else {
                break i;
            };
            let Some(p) = text[..i].chars().next_back() else {
                break i;
            };
            let joins = if is_hyphen(c) {
                is_word_char(p) && is_word_char(n)
            } else if is_apostrophe(c) {
                if is_alphabetic(p) && is_alphabetic(n) && self.elision {
                    // Elision: the word ends with the apostrophe.
                    break after;
                }
                is_alphabetic(p) && is_alphabetic(n)
            } else if matches!(c, '.' | ',' | ':') {
                is_numeric(p) && is_numeric(n)
            } else {
                false
            };
            if !joins {
                break i;
            }
            i = after;
        };
        self.pos = end;
        Some(&text[start..end])
    }
}

/// The previous word splitter (one character at a time), kept to check [`Words`] against.
#[cfg(test)]
fn words_by_chars(text: &str, elision: bool) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    'words: loop {
        let mut i = pos;
        loop {
            let Some(c) = char_at(text, i) else {
                break 'words;
            };
            if is_word_char(c) {
                break;
            }
            i += c.len_utf8();
        }
        let start = i;
        let mut end = start;
        let mut prev: Option<char> = None;
        while let Some(c) = char_at(text, i) {
            let after = i + c.len_utf8();
            if is_word_char(c) {
                end = after;
                prev = Some(c);
                i = after;
                continue;
            }
            let next = if after < bytes.len() {
                char_at(text, after)
            } else {
                None
            };
            let (Some(p), Some(n)) = (prev, next) else {
                break;
            };
            let joins = if is_hyphen(c) {
                is_word_char(p) && is_word_char(n)
            } else if is_apostrophe(c) {
                if is_alphabetic(p) && is_alphabetic(n) && elision {
                    end = after;
                    break;
                }
                is_alphabetic(p) && is_alphabetic(n)
            } else if matches!(c, '.' | ',' | ':') {
                is_numeric(p) && is_numeric(n)
            } else {
                false
            };
            if !joins {
                break;
            }
            prev = Some(c);
            i = after;
        }
        pos = end;
        out.push(&text[start..end]);
    }
    out
}

/// The character starting at byte `i` of `s` (`None` at the end; `i` is a character boundary).
#[inline(always)]
fn char_at(s: &str, i: usize) -> Option<char> {
    let b = *s.as_bytes().get(i)?;
    if b < 0x80 {
        Some(char::from(b))
    } else {
        s.get(i..)?.chars().next()
    }
}

/// Lines of `text` exactly as Python's `str.splitlines()` gives them: split at `\n`, `\r\n`,
/// `\r`, `\v`, `\f`, `\x1c`-`\x1e`, U+0085, U+2028 and U+2029; no empty last line for a trailing
/// break; nothing for an empty text.
pub fn python_lines(text: &str) -> PythonLines<'_> {
    PythonLines { rest: text }
}

/// Iterator of [`python_lines`].
#[derive(Debug, Clone)]
pub struct PythonLines<'a> {
    rest: &'a str,
}

impl<'a> Iterator for PythonLines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = self.rest;
        match find_python_line_break(rest) {
            None => {
                self.rest = "";
                Some(rest)
            }
            Some((i, len)) => {
                let mut after = i + len;
                if rest.as_bytes()[i] == b'\r' && rest[after..].starts_with('\n') {
                    after += 1;
                }
                self.rest = &rest[after..];
                Some(&rest[..i])
            }
        }
    }
}

/// The first byte of each line break of [`is_python_line_break`] in UTF-8: the ASCII ones,
/// 0xC2 (U+0085) and 0xE2 (U+2028, U+2029).
static LINE_BREAK_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    let lead = [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0xC2, 0xE2];
    let mut i = 0;
    while i < lead.len() {
        t[lead[i]] = true;
        i += 1;
    }
    t
};

/// Byte offset and length of the first [`is_python_line_break`] character of `s`, by a byte
/// scan (a lead byte is never a continuation byte, so every match is at a character start).
#[inline]
fn find_python_line_break(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if LINE_BREAK_LEAD[b[i] as usize] {
            match b[i] {
                0xC2 => {
                    if b.get(i + 1) == Some(&0x85) {
                        return Some((i, 2));
                    }
                }
                0xE2 => {
                    if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9)) {
                        return Some((i, 3));
                    }
                }
                _ => return Some((i, 1)),
            }
        }
        i += 1;
    }
    None
}

/// The characters Python's `str.splitlines()` breaks at ([`find_python_line_break`] finds them
/// by their bytes; a test checks both agree).
#[cfg(test)]
fn is_python_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0B}'
            | '\u{0C}'
            | '\u{1C}'
            | '\u{1D}'
            | '\u{1E}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Python's `str.isspace()` for one character.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1C}'..='\u{1F}')
}

// ---------------------------------------------------------------------------------------------
// datatrove-compatible tokenizer (spaCy `blank("en")` rules, reimplemented).

/// A fast, deterministic hasher for short, non-adversarial keys (words, lines, the tokenizer's
/// special-case table): 8 bytes per multiply-rotate step, the "Fx" construction of rustc. Not
/// randomized: inputs are bounded by the record size limit, so a crafted collision costs one
/// document's time only. Shared with `garbell-quality` (its `FastHasher`).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

type Specials = HashMap<&'static str, Vec<&'static str>, std::hash::BuildHasherDefault<FxHasher>>;

/// A set of characters with O(1) ASCII membership and binary search above ASCII
/// (`str::contains(char)` scans the whole set string for every test). Shared with
/// `garbell-quality` for the datatrove punctuation sets.
pub struct CharSet {
    ascii: [bool; 128],
    other: Vec<char>,
}

impl CharSet {
    /// The characters of `chars`.
    pub fn new(chars: &str) -> Self {
        let mut ascii = [false; 128];
        let mut other: Vec<char> = Vec::new();
        for c in chars.chars() {
            if c.is_ascii() {
                ascii[c as usize] = true;
            } else {
                other.push(c);
            }
        }
        other.sort_unstable();
        other.dedup();
        CharSet { ascii, other }
    }

    /// True when every character of `s` is in the set (true for an empty `s`).
    #[inline]
    pub fn contains_all(&self, s: &str) -> bool {
        if s.is_ascii() {
            s.bytes().all(|b| self.ascii[b as usize])
        } else {
            s.chars().all(|c| self.contains(c))
        }
    }

    /// True when `c` is in the set.
    #[inline]
    pub fn contains(&self, c: char) -> bool {
        if c.is_ascii() {
            self.ascii[c as usize]
        } else {
            self.other.binary_search(&c).is_ok()
        }
    }
}

/// The character classes of the datatrove tokenizer as [`CharSet`]s.
struct Classes {
    prefix: CharSet,
    suffix: CharSet,
    quotes: CharSet,
    before_final_dot: CharSet,
    sent_punct: CharSet,
}

fn classes() -> &'static Classes {
    static CLASSES: OnceLock<Classes> = OnceLock::new();
    CLASSES.get_or_init(|| Classes {
        prefix: CharSet::new(PREFIX_CHARS),
        suffix: CharSet::new(SUFFIX_CHARS),
        quotes: CharSet::new(QUOTES),
        before_final_dot: CharSet::new(BEFORE_FINAL_DOT),
        sent_punct: CharSet::new(SENT_PUNCT),
    })
}

/// spaCy's English special cases, with a filter on (first byte, length) in front of the hash
/// table: most chunks of a text (any word of a non-English language) share neither with a
/// special case and are answered without hashing.
struct SpecialTable {
    map: Specials,
    /// Bit `min(len, 31)` of entry `b` is set when a special case of that length starts with
    /// byte `b`.
    shapes: [u32; 256],
}

impl SpecialTable {
    #[inline]
    fn may_contain(&self, s: &str) -> bool {
        s.as_bytes()
            .first()
            .is_some_and(|&b| self.shapes[b as usize] & (1 << s.len().min(31)) != 0)
    }

    #[inline]
    fn get(&self, s: &str) -> Option<&Vec<&'static str>> {
        if self.may_contain(s) {
            self.map.get(s)
        } else {
            None
        }
    }

    #[inline]
    fn contains_key(&self, s: &str) -> bool {
        self.may_contain(s) && self.map.contains_key(s)
    }
}

fn specials() -> &'static SpecialTable {
    static SPECIALS: OnceLock<SpecialTable> = OnceLock::new();
    SPECIALS.get_or_init(|| {
        let map: Specials = include_str!("data/spacy_en_specials.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| {
                let mut it = l.split('\t');
                let key = it.next()?;
                Some((key, it.collect()))
            })
            .collect();
        let mut shapes = [0u32; 256];
        for k in map.keys() {
            if let Some(&b) = k.as_bytes().first() {
                shapes[b as usize] |= 1 << k.len().min(31);
            }
        }
        SpecialTable { map, shapes }
    })
}

/// Characters that are a prefix on their own (spaCy's `TOKENIZER_PREFIXES`, one-character ones).
const PREFIX_CHARS: &str = "§%=—–…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉⟦⟧$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿";
/// Characters that are a suffix on their own (spaCy's `TOKENIZER_SUFFIXES`, one-character ones).
const SUFFIX_CHARS: &str =
    "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉⟦⟧—–";
/// Quotes and brackets (spaCy's `CONCAT_QUOTES`).
const QUOTES: &str = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉⟦⟧";
/// Characters after which a final `.` is split off (spaCy's suffix look-behind class).
const BEFORE_FINAL_DOT: &str =
    "%²-+…|,:;\\!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉⟦⟧";
const CURRENCIES: &[&str] = &[
    "$", "£", "€", "¥", "฿", "US$", "C$", "A$", "₽", "﷼", "₴", "₠", "₡", "₢", "₣", "₤", "₥", "₦",
    "₧", "₨", "₩", "₪", "₫", "₭", "₮", "₯", "₰", "₱", "₲", "₳", "₵", "₶", "₷", "₸", "₹", "₺", "₻",
    "₼", "₾", "₿",
];
const UNITS: &[&str] = &[
    "km", "km²", "km³", "m", "m²", "m³", "dm", "dm²", "dm³", "cm", "cm²", "cm³", "mm", "mm²",
    "mm³", "ha", "µm", "nm", "yd", "in", "ft", "kg", "g", "mg", "µg", "t", "lb", "oz", "m/s",
    "km/h", "kmh", "mph", "hPa", "Pa", "mbar", "mb", "MB", "kb", "KB", "gb", "GB", "tb", "TB", "T",
    "G", "M", "K", "%", "км", "км²", "км³", "м", "м²", "м³", "дм", "дм²", "дм³", "см", "см²",
    "см³", "мм", "мм²", "мм³", "нм", "кг", "г", "мг", "м/с", "км/ч", "кПа", "Па", "мбар", "Кб",
    "КБ", "кб", "Мб", "МБ", "мб", "Гб", "ГБ", "гб", "Тб", "ТБ",
];

/// spaCy's `LIST_ICONS` (symbols, other), approximated by the blocks it draws from.
fn is_icon(c: char) -> bool {
    matches!(c, '\u{A6}' | '\u{A9}' | '\u{AE}' | '\u{B0}' | '\u{2100}'..='\u{214F}'
        | '\u{2190}'..='\u{21FF}' | '\u{2300}'..='\u{23FF}' | '\u{2400}'..='\u{244A}'
        | '\u{249C}'..='\u{24E9}' | '\u{2500}'..='\u{25B6}' | '\u{25B8}'..='\u{25C0}'
        | '\u{25C2}'..='\u{25F7}' | '\u{2600}'..='\u{266E}' | '\u{2670}'..='\u{2767}'
        | '\u{2794}'..='\u{27BF}' | '\u{2800}'..='\u{28FF}' | '\u{2B00}'..='\u{2BFF}'
        | '\u{1F000}'..='\u{1FAFF}')
}

fn last_char(s: &str) -> Option<char> {
    s.chars().next_back()
}

/// Length of the prefix spaCy's English tokenizer strips from `s` (0 = none).
fn prefix_len(s: &str) -> usize {
    let Some(c) = s.chars().next() else { return 0 };
    if c == '.' {
        let n = s.bytes().take_while(|&b| b == b'.').count();
        return if n >= 2 { n } else { 0 };
    }
    if c == '+' {
        let next = s[1..].chars().next();
        return if next.is_some_and(|n| n.is_ascii_digit()) {
            0
        } else {
            1
        };
    }
    if classes().prefix.contains(c) || is_icon(c) {
        return c.len_utf8();
    }
    for p in ["US$", "C$", "A$"] {
        if s.starts_with(p) {
            return p.len();
        }
    }
    0
}

/// Does a spaCy English suffix match exactly `s[i..]` (with `s[..i]` as look-behind)?
fn suffix_at(s: &str, i: usize) -> bool {
    let (before, rest) = s.split_at(i);
    let mut rc = rest.chars();
    let first = rc.next();
    let single = first.is_some() && rc.next().is_none();
    let prev = last_char(before);
    if single {
        let c = first.unwrap_or(' ');
        if classes().suffix.contains(c) || is_icon(c) {
            return true;
        }
        if c == '+' && prev.is_some_and(|p| p.is_ascii_digit()) {
            return true;
        }
        if c == '.' {
            if let Some(p) = prev {
                if p.is_ascii_digit() || p.is_lowercase() || classes().before_final_dot.contains(p)
                {
                    return true;
                }
                let mut b = before.chars().rev();
                let (p1, p2) = (b.next(), b.next());
                if let (Some(p1), Some(p2)) = (p1, p2) {
                    if p1.is_uppercase() && p2.is_uppercase() {
                        return true;
                    }
                    if p2 == '°' && "FfCcKk".contains(p1) {
                        return true;
                    }
                }
            }
            return false;
        }
    }
    if rest == "……" || matches!(rest, "'s" | "'S" | "’s" | "’S") {
        return true;
    }
    if rest.len() >= 2 && rest.bytes().all(|b| b == b'.') {
        return true;
    }
    if prev.is_some_and(|p| p.is_ascii_digit())
        && (CURRENCIES.contains(&rest) || UNITS.contains(&rest))
    {
        return true;
    }
    false
}

/// Length of the suffix spaCy's English tokenizer strips from `s` (the leftmost match wins).
fn suffix_len(s: &str) -> usize {
    for (i, c) in s.char_indices() {
        // A suffix of more than one character is "……", a `'s` form, a run of dots, or a
        // currency/unit after a digit: skip the full test where it cannot start.
        if i + c.len_utf8() < s.len()
            && !matches!(c, '…' | '\'' | '’' | '.')
            && !s.as_bytes()[..i].last().is_some_and(u8::is_ascii_digit)
        {
            continue;
        }
        if suffix_at(s, i) {
            return s.len() - i;
        }
    }
    0
}

/// Infix matches of `s` as byte ranges, leftmost first, not overlapping.
fn infixes(s: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let (at, c) = chars[k];
        let prev = if k > 0 { Some(chars[k - 1].1) } else { None };
        let next = chars.get(k + 1).map(|&(_, n)| n);
        let end_of = |j: usize| chars.get(j).map_or(s.len(), |&(b, _)| b);
        let mut m: Option<usize> = None; // number of chars matched
        if c == '.' && next == Some('.') {
            let n = chars[k..].iter().take_while(|&&(_, x)| x == '.').count();
            m = Some(n);
        } else if c == '…'
            || is_icon(c)
            || (matches!(c, '+' | '-' | '*' | '^')
                && prev.is_some_and(|p| p.is_ascii_digit())
                && next.is_some_and(|n| n.is_ascii_digit() || n == '-'))
            || (c == '.'
                && prev.is_some_and(|p| p.is_lowercase() || classes().quotes.contains(p))
                && next.is_some_and(|n| n.is_uppercase() || classes().quotes.contains(n)))
            || (c == ','
                && prev.is_some_and(|p| p.is_alphabetic())
                && next.is_some_and(|n| n.is_alphabetic()))
        {
            m = Some(1);
        } else if prev.is_some_and(|p| p.is_alphabetic() || p.is_ascii_digit()) {
            if matches!(c, ':' | '<' | '>' | '=' | '/') && next.is_some_and(|n| n.is_alphabetic()) {
                m = Some(1);
            } else if matches!(c, '-' | '–' | '—' | '~') {
                // -|–|—|--|---|——|~ followed by a letter, tried in that order.
                let alts: &[&str] = &["-", "–", "—", "--", "---", "——", "~"];
                for a in alts {
                    if s[at..].starts_with(a) {
                        let n = a.chars().count();
                        if chars.get(k + n).is_some_and(|&(_, x)| x.is_alphabetic()) {
                            m = Some(n);
                            break;
                        }
                    }
                }
            }
        }
        match m {
            Some(n) => {
                out.push((at, end_of(k + n)));
                k += n;
            }
            None => k += 1,
        }
    }
    out
}

/// spaCy's URL matcher, approximated: `[scheme://][user@]host.tld[:port][/path]`.
fn looks_like_url(s: &str) -> bool {
    let mut rest = s;
    if let Some(i) = rest.find("://") {
        let scheme = &rest[..i];
        if scheme.chars().count() < 2
            || !scheme
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '+' || c == '-' || c == '.')
        {
            return false;
        }
        rest = &rest[i + 3..];
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (mut host, path) = rest.split_at(host_end);
    if let Some(i) = host.rfind('@') {
        host = &host[i + 1..];
    }
    if let Some(i) = host.rfind(':') {
        let port = &host[i + 1..];
        if !(2..=5).contains(&port.len()) || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        host = &host[..i];
    }
    if path.chars().any(char::is_whitespace) {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let Some((tld, others)) = labels.split_last() else {
        return false;
    };
    let tld_ok = (2..=63).contains(&tld.chars().count()) && tld.chars().all(char::is_lowercase);
    let ip_ok = labels.len() == 4
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()));
    ip_ok
        || tld_ok
            && others.iter().all(|l| {
                let ok_char = |c: char| c.is_ascii_alphanumeric() || c as u32 >= 0xA1;
                !l.is_empty()
                    && l.chars().next().is_some_and(ok_char)
                    && l.chars().last().is_some_and(ok_char)
                    && l.chars().all(|c| ok_char(c) || c == '_' || c == '-')
            })
}

fn tokenize_chunk<'a>(chunk: &'a str, out: &mut Vec<&'a str>) {
    let sp = specials();
    if let Some(pieces) = sp.get(chunk) {
        push_pieces(chunk, pieces, out);
        return;
    }
    if is_plain(chunk, true) {
        // No prefix, suffix, infix or URL can match (see `is_plain`): one token.
        out.push(chunk);
        return;
    }
    if let Some((word, last)) = plain_then_punct(chunk) {
        // A plain word and one closing punctuation mark (`word,` `word.`): the mark is the only
        // suffix (no earlier position of a plain word can start one), then the word is either a
        // special case or one token, as the general loop below would find.
        match sp.get(word) {
            Some(pieces) => push_pieces(word, pieces, out),
            None => out.push(word),
        }
        out.push(last);
        return;
    }
    general_memo(chunk, out);
}

/// The chunks that reach the general prefix/suffix/infix rules (brackets, quotes, numbers with
/// signs, abbreviations, URLs, ...) recur from document to document: their tokens are kept per
/// thread as offsets in the chunk, keyed by the chunk's bytes. [`tokenize_general`] depends on
/// the chunk alone, so a remembered answer is the answer. At most [`MEMO_CHUNKS`] chunks are
/// kept (the memo is emptied when full).
#[derive(Default)]
struct ChunkMemo {
    /// Chunk → `(first, end)` range of its pieces in `pieces`.
    map: HashMap<Box<str>, (u32, u32), std::hash::BuildHasherDefault<FxHasher>>,
    /// `(start, end)` byte offsets in the chunk of each token.
    pieces: Vec<(u32, u32)>,
}

/// The most chunks [`ChunkMemo`] keeps (a few MB per thread).
const MEMO_CHUNKS: usize = 1 << 15;

thread_local! {
    static MEMO: std::cell::RefCell<ChunkMemo> = std::cell::RefCell::new(ChunkMemo::default());
}

/// [`tokenize_general`] through this thread's [`ChunkMemo`].
fn general_memo<'a>(chunk: &'a str, out: &mut Vec<&'a str>) {
    let first = out.len();
    let hit = MEMO.with(|m| {
        let m = m.borrow();
        let &(a, b) = m.map.get(chunk)?;
        for &(s, e) in &m.pieces[a as usize..b as usize] {
            out.push(chunk.get(s as usize..e as usize)?);
        }
        Some(())
    });
    if hit.is_some() {
        return;
    }
    // (A miss, or offsets that did not fit the chunk: cannot happen, but start over.)
    out.truncate(first);
    tokenize_general(chunk, out);
    let Ok(len) = u32::try_from(chunk.len()) else {
        return;
    };
    let base = chunk.as_ptr() as usize;
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.map.len() >= MEMO_CHUNKS {
            m.map.clear();
            m.pieces.clear();
        }
        let a = m.pieces.len();
        for t in &out[first..] {
            let s = (t.as_ptr() as usize).wrapping_sub(base);
            let e = s + t.len();
            if e > len as usize {
                // Not a slice of the chunk: do not remember it.
                m.pieces.truncate(a);
                return;
            }
            m.pieces.push((s as u32, e as u32));
        }
        let b = m.pieces.len();
        if let (Ok(a), Ok(b)) = (u32::try_from(a), u32::try_from(b)) {
            m.map.insert(chunk.into(), (a, b));
        }
    });
}

/// spaCy's general tokenizer loop over one chunk (special cases, prefixes, suffixes, infixes,
/// URLs), for the chunks the fast paths of [`tokenize_chunk`] do not answer.
fn tokenize_general<'a>(chunk: &'a str, out: &mut Vec<&'a str>) {
    let sp = specials();
    let mut prefixes: Vec<&'a str> = Vec::new();
    let mut suffixes: Vec<&'a str> = Vec::new();
    let mut s = chunk;
    let mut last_len = usize::MAX;
    while !s.is_empty() && s.len() != last_len {
        if sp.contains_key(s) {
            break;
        }
        last_len = s.len();
        let pre = prefix_len(s);
        if pre > 0 {
            let minus_pre = &s[pre..];
            if !minus_pre.is_empty() && sp.contains_key(minus_pre) {
                prefixes.push(&s[..pre]);
                s = minus_pre;
                break;
            }
        }
        let suf = suffix_len(&s[pre..]);
        if suf > 0 {
            let minus_suf = &s[..s.len() - suf];
            if sp.contains_key(minus_suf) {
                suffixes.push(&s[s.len() - suf..]);
                s = minus_suf;
                break;
            }
        }
        if pre > 0 && suf > 0 && pre + suf <= s.len() {
            prefixes.push(&s[..pre]);
            suffixes.push(&s[s.len() - suf..]);
            s = &s[pre..s.len() - suf];
        } else if pre > 0 {
            prefixes.push(&s[..pre]);
            s = &s[pre..];
        } else if suf > 0 {
            suffixes.push(&s[s.len() - suf..]);
            s = &s[..s.len() - suf];
        }
        if !s.is_empty() && sp.contains_key(s) {
            break;
        }
    }
    out.extend(prefixes);
    if !s.is_empty() {
        if let Some(pieces) = sp.get(s) {
            push_pieces(s, pieces, out);
        } else if is_plain(s, false) || looks_like_url(s) {
            out.push(s);
        } else {
            let mut start = 0;
            for (a, b) in infixes(s) {
                if a == 0 {
                    continue;
                }
                if a != start {
                    out.push(&s[start..a]);
                }
                out.push(&s[a..b]);
                start = b;
            }
            if start < s.len() {
                out.push(&s[start..]);
            }
        }
    }
    out.extend(suffixes.into_iter().rev());
}

/// True when no infix rule and no URL can match `s`, and (with `affixes`) no prefix or suffix
/// rule either: every character is alphanumeric and below U+2100 (so not one of spaCy's icons,
/// punctuation, quotes, currency symbols or `.`/`+`/`-`). With `affixes`, the characters are
/// moreover all letters or all ASCII digits: a unit or currency suffix needs an ASCII digit
/// before letters (`10km`), and no single letter or digit is a suffix.
fn is_plain(s: &str, affixes: bool) -> bool {
    if s.is_empty() {
        return false;
    }
    // By bytes: ASCII is below U+2100, and alphanumeric exactly when an ASCII letter or digit;
    // a two-byte character (U+0080–U+07FF, below U+2100) is decoded by hand and looked up in
    // the class table; longer ones go through `char`.
    let b = s.as_bytes();
    let (mut digits, mut others) = (false, false);
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        if x < 0x80 {
            // A run of ASCII bytes: their classes ANDed (all alphanumeric?) and ORed.
            let (mut all, mut any) = (ALNUM, 0u8);
            while let Some(&y) = b.get(i).filter(|y| y.is_ascii()) {
                let k = ASCII_CLASS[y as usize];
                all &= k;
                any |= k;
                i += 1;
            }
            if all & ALNUM == 0 {
                return false;
            }
            digits |= any & NUMERIC != 0;
            others |= any & ALPHA != 0;
        } else if x < 0xE0 {
            let Some(&y) = b.get(i + 1) else {
                return false;
            };
            let u = (u32::from(x & 0x1F) << 6) | u32::from(y & 0x3F);
            if class_table()[u as usize] & ALNUM == 0 {
                return false;
            }
            others = true;
            i += 2;
        } else {
            let Some(c) = s.get(i..).and_then(|r| r.chars().next()) else {
                return false;
            };
            // General Punctuation (U+2000–U+206F) has no letter or digit (a test checks it).
            if (0x2000..0x2070).contains(&(c as u32)) || (c as u32) >= 0x2100 || !is_alphanumeric(c)
            {
                return false;
            }
            others = true;
            i += c.len_utf8();
        }
    }
    !(affixes && digits && others)
}

/// The character-loop [`is_plain`], to check the byte version against.
#[cfg(test)]
fn is_plain_by_chars(s: &str, affixes: bool) -> bool {
    if s.is_empty() {
        return false;
    }
    let (mut digits, mut others) = (false, false);
    for c in s.chars() {
        if (c as u32) >= 0x2100 || !c.is_alphanumeric() {
            return false;
        }
        if c.is_ascii_digit() {
            digits = true;
        } else {
            others = true;
        }
    }
    !(affixes && digits && others)
}

/// `chunk` as a plain word ([`is_plain`] with affixes) followed by one of `, ; : ! ? ) "` (always
/// a suffix) or by a `.` after a lowercase letter or a digit (a suffix there too).
fn plain_then_punct(chunk: &str) -> Option<(&str, &str)> {
    let (&last, _) = chunk.as_bytes().split_last()?;
    if !last.is_ascii() {
        return None;
    }
    // An ASCII last byte is a whole character: the slices below are on char boundaries.
    let word = &chunk[..chunk.len() - 1];
    (closing_mark_after(word, last) && is_plain(word, true))
        .then(|| (word, &chunk[chunk.len() - 1..]))
}

/// Whether the ASCII byte `last` after the plain word `word` is a suffix of its own: one of
/// `, ; : ! ? ) "` always, a `.` after a lowercase letter or a digit ([`plain_then_punct`],
/// and the scanned path of [`datatrove_words_into`]).
#[inline]
fn closing_mark_after(word: &str, last: u8) -> bool {
    match last {
        b',' | b';' | b':' | b'!' | b'?' | b')' | b'"' => true,
        b'.' => last_char(word).is_some_and(|p| p.is_lowercase() || p.is_ascii_digit()),
        _ => false,
    }
}

/// Pushes the special-case pieces as slices of `s` (they concatenate to it).
fn push_pieces<'a>(s: &'a str, pieces: &[&str], out: &mut Vec<&'a str>) {
    let mut at = 0;
    for p in pieces {
        let end = (at + p.len()).min(s.len());
        out.push(&s[at..end]);
        at = end;
    }
}

/// The words datatrove 0.10.1 gets from `split_into_words(text)` with its default language
/// (English: spaCy's `blank("en")` tokenizer, whitespace tokens removed). See the module docs.
pub fn datatrove_words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    datatrove_words_into(text, &mut out);
    out
}

/// [`datatrove_words`] into a reused vector (cleared first).
///
/// One pass over the bytes finds each chunk (as [`next_chunk`]) and, on the way, what
/// [`is_plain`] with affixes would answer for the chunk and for the chunk without its last
/// character ([`ChunkScan`]); [`tokenize_scanned`] then takes [`tokenize_chunk`]'s decisions
/// from those answers instead of reading the chunk twice more. A test compares the tokens with
/// [`next_chunk`] + [`tokenize_chunk`] on random strings.
pub fn datatrove_words_into<'a>(text: &'a str, out: &mut Vec<&'a str>) {
    out.clear();
    let sp = specials();
    let mut at = 0;
    while let Some(scan) = scan_chunk(text, at) {
        if let Some(chunk) = text.get(scan.start..scan.end) {
            tokenize_scanned(sp, chunk, scan, out);
        }
        at = scan.end;
    }
    // strip_strings: tokens are stripped and empty ones dropped (none are empty here).
}

/// [`ChunkScan`] flags: a character that is not alphanumeric or not below U+2100 (see
/// [`is_plain`]), an ASCII digit, any other alphanumeric character.
const SCAN_BAD: u8 = 1;
const SCAN_DIGIT: u8 = 2;
const SCAN_OTHER: u8 = 4;
/// [`SCAN_FLAGS`] only: an ASCII Python space (ends the chunk).
const SCAN_SPACE: u8 = 8;
/// [`SCAN_FLAGS`] only: the first byte of a character of two bytes or more.
const SCAN_MULTI: u8 = 16;

/// Per byte, for [`scan_chunk`]: ASCII characters' [`ChunkScan`] flag or [`SCAN_SPACE`];
/// [`SCAN_MULTI`] for every byte from 0x80 (continuation bytes never start a character).
static SCAN_FLAGS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut u = 0;
    while u < 256 {
        let b = u as u8;
        t[u] = if b >= 0x80 {
            SCAN_MULTI
        } else if matches!(b, 0x09..=0x0D | 0x1C..=0x20) {
            SCAN_SPACE
        } else if b.is_ascii_digit() {
            SCAN_DIGIT
        } else if b.is_ascii_alphabetic() {
            SCAN_OTHER
        } else {
            SCAN_BAD
        };
        u += 1;
    }
    t
};

/// One chunk of the text and what [`is_plain`] (with affixes) answers for it.
#[derive(Clone, Copy)]
struct ChunkScan {
    /// Byte range of the chunk in the text.
    start: usize,
    end: usize,
    /// The flags of all its characters, ORed.
    all: u8,
    /// The flags of all its characters but the last, ORed.
    head: u8,
}

impl ChunkScan {
    /// [`is_plain`]`(s, true)` for a non-empty string whose characters' flags OR to `flags`.
    #[inline]
    fn plain(flags: u8) -> bool {
        flags & SCAN_BAD == 0 && flags & (SCAN_DIGIT | SCAN_OTHER) != (SCAN_DIGIT | SCAN_OTHER)
    }
}

/// The next chunk of `text` from byte `at` (the first run of non-[`is_python_space`]
/// characters, as [`next_chunk`]), with its [`ChunkScan`] flags; `None` when only spaces are
/// left. Characters are classified as in [`is_plain`]: ASCII by [`SCAN_FLAGS`], two-byte ones
/// by the class table, longer ones by `char` (General Punctuation and U+2100 onwards are not
/// plain).
#[inline]
fn scan_chunk(text: &str, at: usize) -> Option<ChunkScan> {
    let b = text.as_bytes();
    let mut i = at;
    // Leading spaces.
    loop {
        let x = *b.get(i)?;
        let f = SCAN_FLAGS[x as usize];
        if f & SCAN_SPACE != 0 {
            i += 1;
        } else if f & SCAN_MULTI != 0 {
            match python_space_len_at(text, i, x) {
                Some(len) => i += len,
                None => break,
            }
        } else {
            break;
        }
    }
    let start = i;
    let (mut all, mut head) = (0u8, 0u8);
    while let Some(&x) = b.get(i) {
        let f = SCAN_FLAGS[x as usize];
        if f & (SCAN_SPACE | SCAN_MULTI) == 0 {
            head = all;
            all |= f;
            i += 1;
            continue;
        }
        if f & SCAN_SPACE != 0 {
            break;
        }
        let (flag, len) = if (0xC3..0xE0).contains(&x) {
            // Two bytes, never a space (only C2 85 and C2 A0 are).
            let Some(&y) = b.get(i + 1) else { break };
            let u = (u32::from(x & 0x1F) << 6) | u32::from(y & 0x3F);
            let plain = class_table()[u as usize] & ALNUM != 0;
            (if plain { SCAN_OTHER } else { SCAN_BAD }, 2)
        } else {
            let Some(c) = text.get(i..).and_then(|r| r.chars().next()) else {
                break;
            };
            if is_python_space(c) {
                break;
            }
            let u = c as u32;
            let plain = !(0x2000..0x2070).contains(&u) && u < 0x2100 && is_alphanumeric(c);
            (if plain { SCAN_OTHER } else { SCAN_BAD }, c.len_utf8())
        };
        head = all;
        all |= flag;
        i += len;
    }
    Some(ChunkScan {
        start,
        end: i,
        all,
        head,
    })
}

/// [`tokenize_chunk`] for a chunk found by [`scan_chunk`], its plain-word tests read from the
/// scan's flags.
#[inline]
fn tokenize_scanned<'a>(
    sp: &SpecialTable,
    chunk: &'a str,
    scan: ChunkScan,
    out: &mut Vec<&'a str>,
) {
    if let Some(pieces) = sp.get(chunk) {
        push_pieces(chunk, pieces, out);
        return;
    }
    if ChunkScan::plain(scan.all) {
        out.push(chunk);
        return;
    }
    // `plain_then_punct`: a plain word (not empty) and one ASCII closing mark.
    if let Some((&last, _)) = chunk.as_bytes().split_last() {
        if last.is_ascii() && chunk.len() > 1 && ChunkScan::plain(scan.head) {
            let word = &chunk[..chunk.len() - 1];
            if closing_mark_after(word, last) {
                match sp.get(word) {
                    Some(pieces) => push_pieces(word, pieces, out),
                    None => out.push(word),
                }
                out.push(&chunk[chunk.len() - 1..]);
                return;
            }
        }
    }
    general_memo(chunk, out);
}

/// The first run of non-[`is_python_space`] characters of `s` and the text after it (as
/// `s.split(is_python_space)` without its empty pieces), by bytes: ASCII by a table, and of
/// the other characters only those whose first byte is C2, E1, E2 or E3 can be spaces
/// (U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), so only
/// they are decoded (continuation bytes are never one of those four).
#[cfg(test)]
fn next_chunk(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let x = *b.get(i)?;
        if x < 0x80 {
            if !ASCII_PYTHON_SPACE[x as usize] {
                break;
            }
            i += 1;
        } else {
            match python_space_len_at(s, i, x) {
                Some(len) => i += len,
                None => break,
            }
        }
    }
    let start = i;
    while let Some(&x) = b.get(i) {
        if x < 0x80 {
            if ASCII_PYTHON_SPACE[x as usize] {
                break;
            }
        } else if python_space_len_at(s, i, x).is_some() {
            break;
        }
        i += 1;
    }
    Some((&s[start..i], &s[i..]))
}

/// The length of the [`is_python_space`] character at byte `i` of `s` (first byte `x`, not
/// ASCII), `None` when it is not one (or `i` is inside a character: continuation bytes are
/// never C2, E1, E2 or E3). The byte scans of other crates (C4's line counts) use it too.
#[inline]
pub fn python_space_len_at(s: &str, i: usize, x: u8) -> Option<usize> {
    if !matches!(x, 0xC2 | 0xE1 | 0xE2 | 0xE3) {
        return None;
    }
    let c = s.get(i..)?.chars().next()?;
    is_python_space(c).then(|| c.len_utf8())
}

/// [`is_python_space`] for ASCII: tab to carriage return, the separators 0x1C-0x1F, space
/// (the scans use [`SCAN_FLAGS`]; kept to check [`next_chunk`] and the flags against).
#[cfg(test)]
static ASCII_PYTHON_SPACE: [bool; 128] = {
    let mut t = [false; 128];
    let mut u = 0;
    while u < 128 {
        t[u] = matches!(u, 0x09..=0x0D | 0x1C..=0x20);
        u += 1;
    }
    t
};

/// Sentence-final characters of spaCy's `sentencizer` (its default `punct_chars`, the Latin,
/// Cyrillic, Greek and common CJK/Arabic ones).
const SENT_PUNCT: &str = "!.?։؟۔܀܁܂߹।॥၊။።፧፨᙮᜵᜶᠃᠉᥄᥅‼‽⁇⁈⁉⸮⸼꓿꘎꘏꛳꛷﹒﹖﹗！．？｡。";

fn is_all_punct(tok: &str) -> bool {
    tok.chars().all(is_unicode_punct)
}

/// Unicode general category P* (approximated for the scripts we handle).
fn is_unicode_punct(c: char) -> bool {
    c.is_ascii_punctuation() && !"$+<=>^`|~".contains(c)
        || matches!(c, '\u{A1}' | '\u{A7}' | '\u{AB}' | '\u{B6}' | '\u{B7}' | '\u{BB}' | '\u{BF}'
            | '\u{37E}' | '\u{387}' | '\u{55A}'..='\u{55F}' | '\u{589}' | '\u{58A}'
            | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{2043}' | '\u{2045}'..='\u{2051}'
            | '\u{2053}'..='\u{205E}' | '\u{2E00}'..='\u{2E4F}' | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301F}' | '\u{FF01}'..='\u{FF03}'
            | '\u{FF05}'..='\u{FF0A}' | '\u{FF0C}'..='\u{FF0F}' | '\u{FF1A}' | '\u{FF1B}'
            | '\u{FF1F}' | '\u{FF20}' | '\u{FF3B}'..='\u{FF3D}' | '\u{FF3F}' | '\u{FF5B}'
            | '\u{FF5D}' | '\u{FF5F}'..='\u{FF65}' | '\u{60C}' | '\u{61B}' | '\u{61F}' | '\u{6D4}'
            | '\u{964}' | '\u{965}')
}

/// Number of sentences spaCy's `sentencizer` finds in `text` after the datatrove tokenization
/// (as datatrove's `split_into_sentences`, used by its C4 filter, counts them).
pub fn datatrove_sentence_count(text: &str) -> usize {
    let mut toks = Vec::new();
    let mut count = SentenceCount::default();
    for piece in split_keep_ws(text) {
        toks.clear();
        if piece.chars().all(is_python_space) {
            // spaCy keeps whitespace tokens (except single spaces) when sentencizing; they are
            // neither punctuation nor sentence-final, so they start new sentences like words do.
            if piece == " " {
                continue;
            }
            toks.push(piece);
        } else {
            tokenize_chunk(piece, &mut toks);
        }
        for t in &toks {
            count.token(t);
        }
    }
    count.n
}

/// [`datatrove_sentence_count`] of `line` from its datatrove tokens, already known (the
/// [`datatrove_words`] of a text, restricted to the line): `tokens` are slices of `line`, in
/// order. `line` must have no leading or trailing whitespace. The whitespace between two tokens
/// is the run between two chunks, which [`datatrove_sentence_count`] turns into a token as
/// spaCy does (a single space after a word dropped, the rest kept unless it is one space).
/// `None` when a token is not a slice of `line`.
pub fn datatrove_sentence_count_of_tokens(line: &str, tokens: &[&str]) -> Option<usize> {
    let base = line.as_ptr() as usize;
    let mut count = SentenceCount::default();
    let mut at = 0usize;
    for t in tokens {
        let start = (t.as_ptr() as usize).wrapping_sub(base);
        let end = start.checked_add(t.len())?;
        if start < at || end > line.len() {
            return None;
        }
        if start > at {
            // A whitespace run after a word (the line does not start with whitespace).
            let gap = line.get(at..start)?;
            if !gap.chars().all(is_python_space) {
                return None;
            }
            let piece = gap.strip_prefix(' ').unwrap_or(gap);
            if !piece.is_empty() && piece != " " {
                count.token(piece);
            }
        }
        count.token(t);
        at = end;
    }
    (at == line.len()).then_some(count.n)
}

/// The sentencizer's state over a stream of tokens.
#[derive(Default)]
struct SentenceCount {
    n: usize,
    seen_period: bool,
    started: bool,
}

impl SentenceCount {
    #[inline]
    fn token(&mut self, t: &str) {
        let mut cs = t.chars();
        let in_punct = match (cs.next(), cs.next()) {
            (Some(c), None) => classes().sent_punct.contains(c),
            _ => false,
        };
        if !self.started {
            self.started = true;
            self.n = 1;
            if in_punct {
                self.seen_period = true;
            }
            return;
        }
        if self.seen_period && !is_all_punct(t) && !in_punct {
            self.n += 1;
            self.seen_period = false;
        } else if in_punct {
            self.seen_period = true;
        }
    }
}

/// Splits `text` into runs of non-space and of space characters, as spaCy does: a single space
/// after a word is dropped; other whitespace runs become tokens.
fn split_keep_ws(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    let mut after_word = false;
    std::iter::from_fn(move || loop {
        let first = rest.chars().next()?;
        let ws = is_python_space(first);
        let end = rest
            .char_indices()
            .find(|&(_, c)| is_python_space(c) != ws)
            .map_or(rest.len(), |(i, _)| i);
        let mut piece = &rest[..end];
        rest = &rest[end..];
        if ws && after_word && first == ' ' {
            piece = &piece[1..];
        }
        after_word = !ws;
        if !piece.is_empty() {
            return Some(piece);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, lang: &str) -> Vec<String> {
        Words::for_lang(text, lang).map(str::to_string).collect()
    }

    #[test]
    fn splits_scripts_numbers_and_hyphens() {
        assert_eq!(
            w("Η Αθήνα είναι η πρωτεύουσα. София е столица!", "el"),
            [
                "Η",
                "Αθήνα",
                "είναι",
                "η",
                "πρωτεύουσα",
                "София",
                "е",
                "столица"
            ]
        );
        assert_eq!(
            w("COVID-19 cost 3,5 € at 12:30 -- ok", "es"),
            ["COVID-19", "cost", "3,5", "at", "12:30", "ok"]
        );
        assert_eq!(
            w("ar an t-uisce i n-Éirinn", "ga"),
            ["ar", "an", "t-uisce", "i", "n-Éirinn"]
        );
        assert_eq!(w("Il-kelb tal-Ġirien", "mt"), ["Il-kelb", "tal-Ġirien"]);
    }

    #[test]
    fn elision_splits_only_where_the_language_elides() {
        assert_eq!(w("L'home d’aigua", "ca"), ["L'", "home", "d’", "aigua"]);
        assert_eq!(
            w("j'ai vu l'homme", "fr"),
            ["j'", "ai", "vu", "l'", "homme"]
        );
        assert_eq!(w("dell'acqua", "it"), ["dell'", "acqua"]);
        assert_eq!(w("I don't know", "en"), ["I", "don't", "know"]);
        assert_eq!(w("'quoted' word'", "ca"), ["quoted", "word"]);
    }

    #[test]
    fn byte_scan_splits_as_the_character_loop() {
        // Random strings over the characters the rules look at (letters of several scripts,
        // digits, marks, every joiner, spaces, punctuation), both elision settings.
        let alphabet: Vec<char> = "aZ9é Ω0ж-'’.,:\u{2010}\u{2011}\u{301}\u{85}\n\t!?(«ß²½ Ⅻ_#l'"
            .chars()
            .collect();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for round in 0..20_000 {
            let len = (round % 23) + 1;
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            for elision in [false, true] {
                let fast: Vec<&str> = Words {
                    text: &s,
                    pos: 0,
                    elision,
                }
                .collect();
                assert_eq!(fast, words_by_chars(&s, elision), "{s:?} {elision}");
            }
        }
        let text = "L'home d’aigua COVID-19 3,5 12:30 don't -x x- a--b 1.2.3. Αθήνα-Ω café\u{301}s";
        for elision in [false, true] {
            let fast: Vec<&str> = Words {
                text,
                pos: 0,
                elision,
            }
            .collect();
            assert_eq!(fast, words_by_chars(text, elision));
        }
    }

    #[test]
    fn python_lines_match_splitlines() {
        let v: Vec<&str> = python_lines("a\r\nb\rc\n\nd\u{2028}e\n").collect();
        assert_eq!(v, ["a", "b", "c", "", "d", "e"]);
        assert_eq!(python_lines("").count(), 0);
        assert_eq!(python_lines("\n").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn datatrove_tokens_follow_spacy_rules() {
        assert_eq!(
            datatrove_words("well-known U.S. e.g. 3.5km 10%"),
            ["well", "-", "known", "U.S.", "e.g.", "3.5", "km", "10", "%"]
        );
        assert_eq!(
            datatrove_words("Hello...world end..."),
            ["Hello", "...", "world", "end", "..."]
        );
        assert_eq!(
            datatrove_words("see https://example.com/a-b."),
            ["see", "https://example.com/a-b", "."]
        );
        assert_eq!(datatrove_words("l'home John's"), ["l'home", "John", "'s"]);
        assert_eq!(
            datatrove_words("«Hola», dijo."),
            ["«", "Hola", "»", ",", "dijo", "."]
        );
    }

    #[test]
    fn plain_chunks_take_the_fast_path_only_when_no_rule_applies() {
        assert!(is_plain("Hola", true) && is_plain("2024", true) && is_plain("Αθήνα", true));
        // A unit after digits is a suffix; `ℂ` (U+2102) is a letter among spaCy's icons.
        assert!(!is_plain("10km", true) && is_plain("10km", false));
        assert!(!is_plain("ℂ", false) && !is_plain("it's", false) && !is_plain("", true));
        assert_eq!(
            datatrove_words("10km 5kg 2024 ℂx gonna"),
            ["10", "km", "5", "kg", "2024", "ℂ", "x", "gon", "na"]
        );
    }

    #[test]
    fn byte_scans_of_the_datatrove_tokenizer_agree_with_the_character_versions() {
        let alphabet: Vec<char> =
            "aZ9é Ω0ж-'.,\u{85}\u{a0}\u{1680}\u{2000}\u{2009}\u{200b}\u{2028}\u{202f}\u{205f}\u{3000}\u{1c}\n\tß²½Ⅻ中ℂ\u{2100}\u{20ff}\u{7ff}\u{800}😀"
                .chars()
                .collect();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..30_000 {
            let s: String = (0..round % 13)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            for affixes in [false, true] {
                assert_eq!(
                    is_plain(&s, affixes),
                    is_plain_by_chars(&s, affixes),
                    "{s:?}"
                );
            }
            let mut chunks = Vec::new();
            let mut rest = s.as_str();
            while let Some((c, after)) = next_chunk(rest) {
                chunks.push(c);
                rest = after;
            }
            let want: Vec<&str> = s.split(is_python_space).filter(|c| !c.is_empty()).collect();
            assert_eq!(chunks, want, "{s:?}");
        }
        for u in 0x80u32..0x2200 {
            let Some(c) = char::from_u32(u) else { continue };
            let s = c.to_string();
            assert_eq!(is_plain(&s, false), is_plain_by_chars(&s, false), "{c:?}");
        }
    }

    #[test]
    fn datatrove_sentences() {
        assert_eq!(datatrove_sentence_count("One. Two! Three? Four"), 4);
        assert_eq!(datatrove_sentence_count("Dr. Smith went home."), 1);
        assert_eq!(datatrove_sentence_count("A sentence.\"Quoted.\""), 2);
    }

    #[test]
    fn class_table_answers_as_the_standard_library() {
        let chars = (0u32..0x3000)
            .chain(0x1_0000..0x1_0200)
            .filter_map(char::from_u32);
        for c in chars {
            assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
            assert_eq!(is_numeric(c), c.is_numeric(), "{c:?}");
            assert_eq!(is_uppercase(c), c.is_uppercase(), "{c:?}");
            assert_eq!(is_word_char(c), c.is_alphanumeric() || is_mark(c), "{c:?}");
        }
    }

    #[test]
    fn line_break_scan_finds_what_the_character_test_finds() {
        let all: String = (0u32..0x2100).filter_map(char::from_u32).collect();
        for start in all.char_indices().map(|(i, _)| i).step_by(7) {
            let s = &all[start..];
            let want = s
                .char_indices()
                .find(|&(_, c)| is_python_line_break(c))
                .map(|(i, c)| (i, c.len_utf8()));
            assert_eq!(find_python_line_break(s), want, "from {start}");
        }
        assert_eq!(find_python_line_break("a\u{2029}b"), Some((1, 3)));
        assert_eq!(find_python_line_break("\u{2027}\u{2030}\u{a0}x"), None);
    }

    #[test]
    fn sentences_from_known_tokens_match_the_line_count() {
        for line in [
            "Hello world. This is it! Really?",
            "One.Two  three.\tFour \u{a0} five...   six",
            "Mr. Smith went to Washington. He said: \"no.\"",
            "a",
            "...",
            "x  .  y",
            "Don't stop. (Never.) OK",
        ] {
            let toks = datatrove_words(line);
            assert_eq!(
                datatrove_sentence_count_of_tokens(line, &toks),
                Some(datatrove_sentence_count(line)),
                "{line:?}"
            );
        }
        // Tokens that are not the line's own: no answer.
        assert_eq!(datatrove_sentence_count_of_tokens("ab cd", &["zz"]), None);
        let line = "ab cd";
        assert_eq!(
            datatrove_sentence_count_of_tokens(line, &[&line[..2]]),
            None
        );
    }

    #[test]
    fn chunks_and_special_filter_agree_with_the_plain_versions() {
        for u in 0u32..128 {
            let c = char::from_u32(u).unwrap_or(' ');
            assert_eq!(ASCII_PYTHON_SPACE[u as usize], is_python_space(c), "{u}");
        }
        let text = "  a\u{a0}b\u{2028}c\u{1c}d \t\n don't  ¿Qué?  \u{3000}x ";
        let mut chunks = Vec::new();
        let mut rest = text;
        while let Some((c, after)) = next_chunk(rest) {
            chunks.push(c);
            rest = after;
        }
        let want: Vec<&str> = text
            .split(is_python_space)
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(chunks, want);
        let sp = specials();
        for k in sp.map.keys() {
            assert!(sp.contains_key(k) && sp.get(k).is_some(), "{k}");
        }
        assert!(!sp.contains_key("zzzzzz") && !sp.contains_key(""));
    }
}

#[cfg(test)]
mod scan_tests {
    use super::*;

    /// The tokens by [`next_chunk`] and [`tokenize_chunk`] (the plain version of
    /// [`datatrove_words_into`]).
    fn by_chunks(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some((chunk, after)) = next_chunk(rest) {
            tokenize_chunk(chunk, &mut out);
            rest = after;
        }
        out
    }

    #[test]
    fn one_pass_scan_gives_the_tokens_of_chunk_then_tokenize() {
        // Letters of several scripts, digits, every closing mark of the fast path, specials'
        // pieces (`don't`, `U.S.`), two-byte non-letters, General Punctuation, U+2100+, Python
        // spaces of one to three bytes, and a four-byte character.
        let alphabet: Vec<&str> = vec![
            "a",
            "Z",
            "e",
            "n",
            "9",
            "0",
            "é",
            "Ω",
            "ж",
            "ß",
            "²",
            "½",
            "Ⅻ",
            "中",
            "ℂ",
            "😀",
            "-",
            "'",
            ".",
            ",",
            ";",
            ":",
            "!",
            "?",
            ")",
            "(",
            "\"",
            "[",
            "$",
            "%",
            "…",
            "“",
            "’",
            "\u{a0}",
            "\u{85}",
            "\u{1680}",
            "\u{2009}",
            "\u{200b}",
            "\u{2028}",
            "\u{3000}",
            "\u{1c}",
            " ",
            "  ",
            "\n",
            "\t",
            "don't",
            "U.S.",
            "km",
            "gonna",
            "e.g.",
            "\u{7ff}",
            "\u{800}",
            "\u{2070}",
            "\u{20ff}",
            "\u{2100}",
            "©",
            "×",
            "Dr.",
            "http://a.b/c",
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for round in 0..40_000 {
            let s: String = (0..round % 17)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(datatrove_words(&s), by_chunks(&s), "{s:?}");
        }
        // Every character below U+2200 alone, after a letter, and before a closing mark.
        for u in 0u32..0x2200 {
            let Some(c) = char::from_u32(u) else { continue };
            for s in [
                format!("{c}"),
                format!("a{c}"),
                format!("{c}."),
                format!("x{c},"),
            ] {
                assert_eq!(datatrove_words(&s), by_chunks(&s), "{s:?}");
            }
        }
    }
}

#[cfg(test)]
mod chunk_memo_tests {
    use super::*;

    #[test]
    fn remembered_chunks_give_the_same_tokens() {
        let text = "(really) “quoted” U.S.A. 3.5% e-mail http://example.com/a?b=c don't \
                    $10,000.00 [1] word's ...and… 10km (really) “quoted” U.S.A. e-mail";
        let first = datatrove_words(text);
        // The second time every general-path chunk comes from this thread's memo.
        let second = datatrove_words(text);
        assert_eq!(first, second);
        // A fresh thread (empty memo) agrees too, and the tokens are slices of the text.
        let owned = text.to_string();
        let fresh = std::thread::spawn(move || {
            datatrove_words(&owned)
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .join()
        .expect("thread");
        assert_eq!(first, fresh);
        assert!(first.contains(&"(") && first.contains(&"really") && first.contains(&"n't"));
        let range = text.as_bytes().as_ptr_range();
        assert!(first.iter().all(|t| range.contains(&t.as_ptr())));
    }
}
