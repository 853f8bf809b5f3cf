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
        let text = if self.opts.nfc {
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
#[inline]
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

/// Length in bytes of the run of [`stands_for_itself`] characters at the start of `s`.
#[inline]
fn plain_run(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if (0x21..0x7F).contains(&x) {
            i += 1;
            continue;
        }
        if x < 0x80 {
            break;
        }
        // A non-ASCII character: `i` is at its first byte.
        match s[i..].chars().next() {
            Some(c) if stands_for_itself(c) => i += c.len_utf8(),
            _ => break,
        }
    }
    i
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
    fn empty_and_blank_inputs() {
        assert_eq!(norm(""), "");
        assert_eq!(norm(" \n\t \r\n "), "");
    }
}
