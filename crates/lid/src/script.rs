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
    for c in text.chars() {
        if c.is_ascii() {
            // The ASCII letters are Latin (`Script::of`), without the table lookup.
            counts[0] += usize::from(c.is_ascii_alphabetic());
            continue;
        }
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
