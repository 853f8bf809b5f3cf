//! Fast, exact letter tests for the hot loops of the second stage.
//!
//! `char::is_alphabetic` and `char::to_lowercase` search Unicode tables for every non-ASCII
//! character; on short texts in Greek, Cyrillic or accented Latin that search was about 15 % of the
//! second stage's instructions (callgrind). The scripts our languages use all lie below
//! U+0600, and web text adds the punctuation of U+2000-U+20CF (dashes, curly quotes, the
//! ellipsis, currency signs) and Latin/Greek Extended (U+1E00-U+1FFF); the answers for those
//! ranges are computed once, *by the same standard-library functions*, into a table; other
//! characters fall through to the library. The results are identical by construction (and the
//! unit test below compares every character).

use std::sync::LazyLock;

/// Characters below this are answered from the table ...
const TABLE_END: u32 = 0x600;
/// ... and those in `EXTRA_START..EXTRA_END`, stored after them.
const EXTRA_START: u32 = 0x1E00;
const EXTRA_END: u32 = 0x20D0;

/// The number of table slots ([`slot`] answers below it).
pub(crate) const SLOTS: usize = (TABLE_END + (EXTRA_END - EXTRA_START)) as usize;

/// The character of table slot `i` (`i < SLOTS`; the inverse of [`slot`]).
pub(crate) fn char_of_slot(i: usize) -> Option<char> {
    let i = u32::try_from(i).ok()?;
    if i < TABLE_END {
        char::from_u32(i)
    } else {
        char::from_u32(i - TABLE_END + EXTRA_START)
    }
}

/// The table index of `u`, if the table answers for it.
#[inline]
pub(crate) fn slot(u: u32) -> Option<usize> {
    if u < TABLE_END {
        Some(u as usize)
    } else if (EXTRA_START..EXTRA_END).contains(&u) {
        Some((u - EXTRA_START + TABLE_END) as usize)
    } else {
        None
    }
}

/// Bit 31: alphabetic; bit 30: uppercase; bits 0-20: the single-character lowercase (or `u32::MAX & 0x1F_FFFF` when
/// the lowercase is several characters, which the library computes).
static TABLE: LazyLock<Vec<u32>> = LazyLock::new(|| {
    (0..TABLE_END)
        .chain(EXTRA_START..EXTRA_END)
        .map(|u| {
            let c = char::from_u32(u).unwrap_or('\0');
            let alpha = if c.is_alphabetic() { 1u32 << 31 } else { 0 };
            let upper = if c.is_uppercase() { 1u32 << 30 } else { 0 };
            let mut lc = c.to_lowercase();
            let low = match (lc.next(), lc.next()) {
                (Some(l), None) => u32::from(l),
                _ => MULTI,
            };
            alpha | upper | low
        })
        .collect()
});

const MULTI: u32 = 0x1F_FFFF;

/// `c.is_alphabetic()`.
#[inline]
pub(crate) fn is_letter(c: char) -> bool {
    let u = u32::from(c);
    if u < 0x80 {
        c.is_ascii_alphabetic()
    } else if let Some(i) = slot(u) {
        TABLE[i] >> 31 != 0
    } else {
        c.is_alphabetic()
    }
}

/// `(c.is_alphabetic(), c.is_uppercase())` with one table lookup.
#[inline]
pub(crate) fn letter_upper(c: char) -> (bool, bool) {
    let u = u32::from(c);
    if u < 0x80 {
        (c.is_ascii_alphabetic(), c.is_ascii_uppercase())
    } else if let Some(i) = slot(u) {
        let t = TABLE[i];
        (t >> 31 != 0, t >> 30 & 1 != 0)
    } else {
        (c.is_alphabetic(), c.is_uppercase())
    }
}

/// Calls `f` with each character of `c.to_lowercase()`.
#[inline]
pub(crate) fn lowercase(c: char, mut f: impl FnMut(char)) {
    let u = u32::from(c);
    if u < 0x80 {
        f(c.to_ascii_lowercase());
        return;
    }
    if let Some(i) = slot(u) {
        let low = TABLE[i] & MULTI;
        if low != MULTI {
            if let Some(l) = char::from_u32(low) {
                f(l);
                return;
            }
        }
    }
    c.to_lowercase().for_each(f);
}

/// The first character of `c.to_lowercase()` (the character itself has a lowercase of at least
/// one character, so there always is one).
#[inline]
pub(crate) fn lowercase_first(c: char) -> char {
    let mut first = None;
    lowercase(c, |l| {
        first.get_or_insert(l);
    });
    first.unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_answers_as_the_standard_library_for_every_character() {
        for u in 0..0x11_0000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            assert_eq!(is_letter(c), c.is_alphabetic(), "{u:#x}");
            assert_eq!(
                letter_upper(c),
                (c.is_alphabetic(), c.is_uppercase()),
                "{u:#x}"
            );
            let mut got = Vec::new();
            lowercase(c, |l| got.push(l));
            assert_eq!(got, c.to_lowercase().collect::<Vec<_>>(), "{u:#x}");
            assert_eq!(Some(lowercase_first(c)), c.to_lowercase().next(), "{u:#x}");
            if let Some(i) = slot(u) {
                assert_eq!(char_of_slot(i), Some(c), "{u:#x}");
            }
        }
        assert_eq!(
            char_of_slot(SLOTS - 1).and_then(|c| slot(u32::from(c))),
            Some(SLOTS - 1)
        );
        assert_eq!(slot(EXTRA_END), None);
    }
}
