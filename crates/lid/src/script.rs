//! The dominant writing system of a text.

/// A writing system (ISO 15924 code in [`Script::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Script {
    /// Latin (`Latn`).
    Latin,
    /// Cyrillic (`Cyrl`).
    Cyrillic,
    /// Greek (`Grek`).
    Greek,
    /// Letters of any other script dominate.
    Other,
    /// The text has no letters.
    None,
}

impl Script {
    /// The ISO 15924 code (`Latn`, `Cyrl`, `Grek`), `Zyyy` for other scripts and `Zzzz` for none.
    pub fn code(self) -> &'static str {
        match self {
            Script::Latin => "Latn",
            Script::Cyrillic => "Cyrl",
            Script::Greek => "Grek",
            Script::Other => "Zyyy",
            Script::None => "Zzzz",
        }
    }

    /// The script of an ISO 15924 code (`Latn`, `Cyrl`, `Grek`); `None` for anything else.
    pub fn from_code(code: &str) -> Option<Script> {
        match code {
            "Latn" => Some(Script::Latin),
            "Cyrl" => Some(Script::Cyrillic),
            "Grek" => Some(Script::Greek),
            _ => None,
        }
    }

    #[inline]
    fn of(c: char) -> Option<Script> {
        if !crate::letters::is_letter(c) {
            return None;
        }
        Some(match c as u32 {
            0x41..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
            0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
            _ => Script::Other,
        })
    }
}

/// The script most letters of `text` are written in (ties: Latin, then Cyrillic, then Greek);
/// [`Script::None`] when the text has no letters. Serbian is written in both Cyrillic and Latin,
/// so this is the metadata that tells the two apart.
///
/// ```
/// use garbell_lid::{dominant_script, Script};
/// assert_eq!(dominant_script("Добар дан, како сте?"), Script::Cyrillic);
/// assert_eq!(dominant_script("Dobar dan, kako ste?"), Script::Latin);
/// ```
pub fn dominant_script(text: &str) -> Script {
    dominant_script_with(text, |_| {})
}

/// [`dominant_script`], calling `non_ascii` with every non-ASCII character on the way: one
/// pass over the text for the callers that look for particular letters too.
pub(crate) fn dominant_script_with(text: &str, mut non_ascii: impl FnMut(char)) -> Script {
    let mut counts = [0usize; 4];
    let mut rest = text;
    while !rest.is_empty() {
        // A run of ASCII bytes: its letters are Latin (`Script::of`), counted without decoding
        // (a loop the compiler vectorizes).
        let bytes = rest.as_bytes();
        let run = bytes
            .iter()
            .position(|&b| !b.is_ascii())
            .unwrap_or(bytes.len());
        counts[0] += bytes[..run]
            .iter()
            .map(|&b| usize::from(b.is_ascii_alphabetic()))
            .sum::<usize>();
        rest = &rest[run..];
        // Then one non-ASCII character (a run ends at a character boundary).
        let Some(c) = rest.chars().next() else {
            break;
        };
        rest = &rest[c.len_utf8()..];
        non_ascii(c);
        match Script::of(c) {
            Some(Script::Latin) => counts[0] += 1,
            Some(Script::Cyrillic) => counts[1] += 1,
            Some(Script::Greek) => counts[2] += 1,
            Some(_) => counts[3] += 1,
            None => {}
        }
    }
    let order = [
        Script::Latin,
        Script::Cyrillic,
        Script::Greek,
        Script::Other,
    ];
    let mut best = Script::None;
    let mut best_n = 0;
    for (s, n) in order.into_iter().zip(counts) {
        if n > best_n {
            best = s;
            best_n = n;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The character loop the byte path replaced: counts per script and the non-ASCII calls.
    fn by_chars(text: &str) -> ([usize; 4], Vec<char>) {
        let mut counts = [0usize; 4];
        let mut seen = Vec::new();
        for c in text.chars() {
            if !c.is_ascii() {
                seen.push(c);
            }
            match Script::of(c) {
                Some(Script::Latin) => counts[0] += 1,
                Some(Script::Cyrillic) => counts[1] += 1,
                Some(Script::Greek) => counts[2] += 1,
                Some(_) => counts[3] += 1,
                None => {}
            }
        }
        (counts, seen)
    }

    #[test]
    fn the_byte_path_counts_like_the_character_loop() {
        let alphabet: Vec<char> =
            "aZ 9.,\n\u{e9}\u{17e}\u{434}\u{416}\u{3b1}\u{5d0}\u{4e2d}\u{1f600}\u{2019}"
                .chars()
                .collect();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for len in 0..400 {
            let text: String = (0..len % 97)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            let (counts, seen) = by_chars(&text);
            let mut got = Vec::new();
            let script = dominant_script_with(&text, |c| got.push(c));
            assert_eq!(got, seen, "{text:?}");
            let best = counts.iter().copied().max().unwrap_or(0);
            let want = if best == 0 {
                Script::None
            } else {
                [
                    Script::Latin,
                    Script::Cyrillic,
                    Script::Greek,
                    Script::Other,
                ][counts.iter().position(|&n| n == best).unwrap_or(0)]
            };
            assert_eq!(script, want, "{text:?}");
        }
    }
}
