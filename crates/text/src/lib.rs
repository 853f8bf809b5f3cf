//! Text normalization: Unicode NFC, line breaks, whitespace and control characters.
//!
//! [`Normalizer::normalize`] makes one pass over the text after NFC:
//! - line breaks `\r\n`, `\r`, U+0085, U+2028, U+2029, vertical tab and form feed become `\n`;
//! - Unicode space separators (U+00A0, U+2000–U+200A, U+202F, U+205F, U+3000, U+1680) become a
//!   plain space; with `collapse_spaces`, runs of spaces and tabs inside a line become one space;
//! - trailing spaces on every line and leading/trailing blank lines are removed, and more than
//!   `max_newlines` consecutive line breaks are cut to `max_newlines`;
//! - control characters (C0 except tab and newline, DEL, C1), zero-width space and the byte-order
//!   mark are removed. Zero-width joiners stay: some scripts need them.
//!
//! ```
//! use garbell_text::{Normalizer, NormalizeOptions};
//! let n = Normalizer::new(NormalizeOptions::default());
//! assert_eq!(n.normalize("Cafe\u{301}\r\n\r\n\r\n\u{a0}hola\u{0}  món  "), "Café\n\nhola món");
//! ```

pub mod words;

use icu_normalizer::ComposingNormalizerBorrowed;

/// Options of [`Normalizer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// Compose to Unicode NFC.
    pub nfc: bool,
    /// Collapse runs of spaces and tabs inside a line into one space (off for code).
    pub collapse_spaces: bool,
    /// Keep at most this many consecutive line breaks (0 = no limit).
    pub max_newlines: usize,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            nfc: true,
            collapse_spaces: true,
            max_newlines: 2,
        }
    }
}

/// A text normalizer; cheap to share between threads.
#[derive(Debug)]
pub struct Normalizer {
    opts: NormalizeOptions,
    nfc: ComposingNormalizerBorrowed<'static>,
}

impl Normalizer {
    /// A normalizer with these options.
    pub fn new(opts: NormalizeOptions) -> Self {
        Normalizer {
            opts,
            nfc: ComposingNormalizerBorrowed::new_nfc(),
        }
    }

    /// Returns the normalized text.
    pub fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        self.normalize_into(text, &mut out);
        out
    }

    /// Writes the normalized text into `out` (cleared first).
    pub fn normalize_into(&self, text: &str, out: &mut String) {
        out.clear();
        let composed;
        // ASCII text is its own NFC.
        let text = if self.opts.nfc && !text.is_ascii() {
            composed = self.nfc.normalize(text);
            &*composed
        } else {
            text
        };
        let mut pending_newlines = 0usize; // line breaks seen but not yet written
        let mut pending_space = false; // a space seen but not yet written
        let mut line_has_text = false;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // A run of characters that stand for themselves (not a space, line break, control or
            // removed character): what the last arm below does for each, with nothing pending
            // after the first, in one copy.
            let run = plain_run(&text[i..]);
            if run > 0 {
                flush_newlines(out, &mut pending_newlines, self.opts.max_newlines);
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push_str(&text[i..i + run]);
                line_has_text = true;
                i += run;
                continue;
            }
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            i += c.len_utf8();
            let c = match c {
                '\r' => {
                    if bytes.get(i) == Some(&b'\n') {
                        i += 1;
                    }
                    '\n'
                }
                '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{0B}' | '\u{0C}' => '\n',
                '\u{A0}'
                | '\u{1680}'
                | '\u{2000}'..='\u{200A}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}' => ' ',
                '\u{200B}' | '\u{FEFF}' => continue,
                c if c.is_control() && c != '\n' && c != '\t' => continue,
                c => c,
            };
            match c {
                '\n' => {
                    pending_space = false;
                    if line_has_text || pending_newlines > 0 || !out.is_empty() {
                        pending_newlines += 1;
                    }
                    line_has_text = false;
                }
                ' ' | '\t' => {
                    if !self.opts.collapse_spaces {
                        // Keep the exact run, but only once the line has text after it.
                        flush_newlines(out, &mut pending_newlines, self.opts.max_newlines);
                        out.push(c);
                        line_has_text = true;
                        continue;
                    }
                    if line_has_text {
                        pending_space = true;
                    }
                }
                c => {
                    flush_newlines(out, &mut pending_newlines, self.opts.max_newlines);
                    if pending_space {
                        out.push(' ');
                        pending_space = false;
                    }
                    out.push(c);
                    line_has_text = true;
                }
            }
        }
        if !self.opts.collapse_spaces {
            // Trailing spaces of each line are removed after the fact in this mode.
            let trimmed: String = out
                .split('\n')
                .map(|l| l.trim_end_matches([' ', '\t']))
                .collect::<Vec<_>>()
                .join("\n");
            *out = trimmed.trim_end_matches('\n').to_string();
        }
    }
}

/// True for the characters [`Normalizer::normalize_into`] copies as they are: printable ASCII
/// other than the space, and everything above U+00A0 except the spaces, line breaks and removed
/// characters it rewrites (no control character is above U+009F).
#[cfg(test)]
fn stands_for_itself(c: char) -> bool {
    matches!(c, '\u{21}'..='\u{7E}')
        || (c > '\u{A0}'
            && !matches!(
                c,
                '\u{1680}' | '\u{2000}'
                    ..='\u{200B}'
                        | '\u{2028}'
                        | '\u{2029}'
                        | '\u{202F}'
                        | '\u{205F}'
                        | '\u{3000}'
                        | '\u{FEFF}'
            ))
}

/// Length in bytes of the run at the start of `s` that [`Normalizer::normalize_into`] copies as
/// it is: [`stands_for_itself`] characters, and single spaces between two of them (inside a run
/// the line has text, so such a space is written as the loop would write it: pending, then
/// flushed before the next character).
#[inline]
fn plain_run(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let n = plain_len(b, i);
        if n > 0 {
            i += n;
        } else if i > 0 && b.get(i) == Some(&b' ') && plain_len(b, i + 1) > 0 {
            i += 1;
        } else {
            return i;
        }
    }
}

/// Length in bytes of the [`stands_for_itself`] character at byte `i` of `b` (a character
/// boundary of a `str`), 0 when there is none or it is not one. By its bytes: printable ASCII
/// but the space; of the other characters, every one but U+0080–U+00A0 (lead C2, second byte
/// below A1), U+1680 (E1 9A 80), U+2000–U+200B, U+2028, U+2029, U+202F (E2 80 xx), U+205F
/// (E2 81 9F), U+3000 (E3 80 80) and U+FEFF (EF BB BF). A test checks it against
/// [`stands_for_itself`] on every character below U+10000 and some above.
#[inline(always)]
fn plain_len(b: &[u8], i: usize) -> usize {
    let Some(&x) = b.get(i) else { return 0 };
    if x < 0x80 {
        return usize::from((0x21..0x7F).contains(&x));
    }
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match x {
        0xC2 if at(1) < 0xA1 => 0,
        0xC2..=0xDF => 2,
        0xE0 | 0xE4..=0xEE => 3,
        0xE1 if (at(1), at(2)) == (0x9A, 0x80) => 0,
        0xE2 if matches!(
            (at(1), at(2)),
            (0x80, 0x80..=0x8B | 0xA8 | 0xA9 | 0xAF) | (0x81, 0x9F)
        ) =>
        {
            0
        }
        0xE3 if (at(1), at(2)) == (0x80, 0x80) => 0,
        0xEF if (at(1), at(2)) == (0xBB, 0xBF) => 0,
        0xE1..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

fn flush_newlines(out: &mut String, pending: &mut usize, max: usize) {
    if *pending > 0 {
        if !out.is_empty() {
            let n = if max == 0 {
                *pending
            } else {
                (*pending).min(max)
            };
            for _ in 0..n {
                out.push('\n');
            }
        }
        *pending = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Normalizer::new(NormalizeOptions::default()).normalize(s)
    }

    #[test]
    fn composes_nfc() {
        assert_eq!(norm("e\u{301}"), "é");
        assert_eq!(
            norm("\u{3b1}\u{301}"),
            "\u{3ac}",
            "Greek alpha + acute composes"
        );
        assert_eq!(
            norm("\u{438}\u{306}"),
            "\u{439}",
            "Cyrillic i + breve composes to й"
        );
    }

    #[test]
    fn line_breaks_become_newlines_and_are_capped() {
        assert_eq!(norm("a\r\nb\rc\u{2028}d"), "a\nb\nc\nd");
        assert_eq!(norm("a\n\n\n\n\nb"), "a\n\nb");
        assert_eq!(norm("\n\n  a  \n\n"), "a");
    }

    #[test]
    fn spaces_collapse_and_lines_are_trimmed() {
        assert_eq!(norm("  a \t  b  \n  c  "), "a b\nc");
        assert_eq!(norm("a\u{a0}\u{2009}b"), "a b");
    }

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(
            norm("a\u{0}b\u{7}c\u{7f}d\u{9c}e\u{feff}f\u{200b}g"),
            "abcdefg"
        );
        assert_eq!(
            norm("ka\u{200d}b"),
            "ka\u{200d}b",
            "zero-width joiner stays"
        );
    }

    #[test]
    fn code_mode_keeps_indentation() {
        let n = Normalizer::new(NormalizeOptions {
            collapse_spaces: false,
            ..Default::default()
        });
        assert_eq!(
            n.normalize("fn f() {\r\n    x  \r\n}\n\n\n"),
            "fn f() {\n    x\n}"
        );
    }

    #[test]
    fn byte_classes_answer_as_the_character_test() {
        let chars = (0u32..0x1_0000)
            .chain(0x1_0000..0x1_0400)
            .chain([0x10_FFFF])
            .filter_map(char::from_u32);
        for c in chars {
            let mut buf = [0u8; 4];
            let s = c.encode_utf8(&mut buf);
            let want = if stands_for_itself(c) {
                c.len_utf8()
            } else {
                0
            };
            assert_eq!(plain_len(s.as_bytes(), 0), want, "{c:?}");
        }
        // Single spaces between plain characters join the run; others end it.
        assert_eq!(plain_run("ab cd"), 5);
        assert_eq!(plain_run("ab  cd"), 2);
        assert_eq!(plain_run("ab \u{a0}cd"), 2);
        assert_eq!(plain_run("ab é\u{2028}"), 5);
        assert_eq!(plain_run(" ab"), 0);
        assert_eq!(plain_run("ab "), 2);
    }

    #[test]
    fn same_output_as_one_character_at_a_time() {
        // The loop without runs (each character through the match), for comparison.
        fn by_chars(n: &Normalizer, text: &str) -> String {
            let mut out = String::new();
            let composed = n.nfc.normalize(text);
            let text = &*composed;
            let (mut pending_newlines, mut pending_space, mut line_has_text) = (0, false, false);
            let bytes = text.as_bytes();
            let mut i = 0;
            while let Some(c) = text[i..].chars().next() {
                i += c.len_utf8();
                let c = match c {
                    '\r' => {
                        if bytes.get(i) == Some(&b'\n') {
                            i += 1;
                        }
                        '\n'
                    }
                    '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{0B}' | '\u{0C}' => '\n',
                    '\u{A0}'
                    | '\u{1680}'
                    | '\u{2000}'..='\u{200A}'
                    | '\u{202F}'
                    | '\u{205F}'
                    | '\u{3000}' => ' ',
                    '\u{200B}' | '\u{FEFF}' => continue,
                    c if c.is_control() && c != '\n' && c != '\t' => continue,
                    c => c,
                };
                match c {
                    '\n' => {
                        pending_space = false;
                        if line_has_text || pending_newlines > 0 || !out.is_empty() {
                            pending_newlines += 1;
                        }
                        line_has_text = false;
                    }
                    ' ' | '\t' => {
                        if line_has_text {
                            pending_space = true;
                        }
                    }
                    c => {
                        flush_newlines(&mut out, &mut pending_newlines, 2);
                        if pending_space {
                            out.push(' ');
                            pending_space = false;
                        }
                        out.push(c);
                        line_has_text = true;
                    }
                }
            }
            out
        }
        let n = Normalizer::new(NormalizeOptions::default());
        let alphabet: Vec<char> =
            "a Z.\t\n\r\u{a0}\u{85}\u{9c}\u{200b}\u{200c}\u{2028}\u{3000}\u{feff}é\u{301}Ω中😀\u{0}\u{1680}\u{205f}"
                .chars()
                .collect();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for round in 0..20_000 {
            let s: String = (0..round % 19)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(n.normalize(&s), by_chars(&n, &s), "{s:?}");
        }
    }

    #[test]
    fn empty_and_blank_inputs() {
        assert_eq!(norm(""), "");
        assert_eq!(norm(" \n\t \r\n "), "");
    }
}
