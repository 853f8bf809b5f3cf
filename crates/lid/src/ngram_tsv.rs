//! Parsing of the n-gram profile TSV, shared by `ngram.rs` and the build script (which parses
//! the embedded profiles once at compile time, so a start-up no longer spends ~100 M
//! instructions on it). Standard library only: the build script includes this file by path.

/// Longest n-gram of the profiles.
pub(crate) const MAX_N: usize = 4;

/// Packs up to four characters into one key, 16 bits each (characters beyond the Basic
/// Multilingual Plane share the code 0xFFFF): distinct n-grams of BMP letters never collide, and
/// n-grams of different lengths differ (no character is 0).
#[inline]
pub(crate) fn pack(chars: &[char]) -> u64 {
    chars.iter().fold(0u64, |k, &c| {
        (k << 16) | u64::from(u32::from(c).min(0xFFFF))
    })
}

/// The 32-bit fingerprint of a packed n-gram: the table is half the size of one keyed by the
/// packed 64 bits (the lookups are cache misses: size is speed). Two n-grams sharing a
/// fingerprint would add each other's counts; none of the 209,438 distinct n-grams of the embedded
/// profiles do, and an unseen n-gram hits one of their fingerprints with probability ~5·10⁻⁵.
#[inline]
pub(crate) fn fingerprint(packed: u64) -> u32 {
    (packed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

/// A parsed profile file: profile names, their `#total` counts, and one u64 per (n-gram,
/// profile) entry, `fingerprint << 32 | profile << 24 | count` (count capped at 2^24 − 1),
/// sorted: a plain integer sort (deterministic, and it orders the entries of colliding
/// fingerprints too).
pub(crate) struct Parsed<'a> {
    pub(crate) langs: Vec<String>,
    pub(crate) totals: Vec<f32>,
    pub(crate) keyed: Keys<'a>,
}

/// The sorted entries of [`Parsed`]: owned (parsed from a TSV), or read in place from the
/// embedded blob (little-endian u64s), which saves a copy of the largest table at start-up.
pub(crate) enum Keys<'a> {
    /// Parsed at run time.
    Owned(Vec<u64>),
    /// `len() × 8` bytes of [`encode`]'s output.
    Le(&'a [u8]),
}

impl Keys<'_> {
    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        match self {
            Keys::Owned(v) => v.len(),
            Keys::Le(b) => b.len() / 8,
        }
    }

    /// Entry `i` (< `len()`).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> u64 {
        match self {
            Keys::Owned(v) => v[i],
            Keys::Le(b) => {
                let mut le = [0u8; 8];
                le.copy_from_slice(&b[i * 8..i * 8 + 8]);
                u64::from_le_bytes(le)
            }
        }
    }

    /// The entries in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Reads `lang<TAB>ngram<TAB>count` lines (`_` for a space inside an n-gram) and one
/// `lang<TAB>#total<TAB>N` line per language; `#` lines are comments. Errors are
/// (1-based line, message); line 0 for whole-file problems.
pub(crate) fn parse(tsv: &str) -> Result<Parsed<'static>, (usize, String)> {
    let mut langs: Vec<String> = Vec::new();
    let mut totals: Vec<f32> = Vec::new();
    let mut entries: Vec<(u64, usize, f32)> = Vec::new();
    // A hand-rolled splitter: `lines()`/`split()` cost most of the start-up time here.
    let mut rest = tsv;
    let mut i = 0usize;
    while !rest.is_empty() {
        let (line, next) = match rest.as_bytes().iter().position(|&b| b == b'\n') {
            Some(p) => (&rest[..p], &rest[p + 1..]),
            None => (rest, ""),
        };
        rest = next;
        i += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let err = |message: String| (i, message);
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let tab = |s: &str| s.as_bytes().iter().position(|&b| b == b'\t');
        let t1 = tab(line);
        let t2 = t1.and_then(|t1| tab(&line[t1 + 1..]).map(|t| t1 + 1 + t));
        let (Some(t1), Some(t2)) = (t1, t2) else {
            return Err(err(format!("expected 3 fields: {line:?}")));
        };
        let (lang, gram, count) = (&line[..t1], &line[t1 + 1..t2], &line[t2 + 1..]);
        if tab(count).is_some() {
            return Err(err(format!("expected 3 fields: {line:?}")));
        }
        let count: f32 = count
            .parse::<u32>()
            .map_err(|e| err(format!("count {count:?}: {e}")))? as f32;
        // Lines come grouped by language: check the last one first.
        let li = match langs
            .last()
            .filter(|l| *l == lang)
            .map(|_| langs.len() - 1)
            .or_else(|| langs.iter().position(|l| l == lang))
        {
            Some(li) => li,
            None => {
                if langs.len() >= 255 {
                    return Err(err("more than 255 languages".into()));
                }
                langs.push(lang.to_string());
                totals.push(0.0);
                langs.len() - 1
            }
        };
        if gram == "#total" {
            totals[li] = count;
            continue;
        }
        let mut chars = [' '; MAX_N];
        let mut len = 0;
        for c in gram.chars() {
            if len == MAX_N {
                len += 1;
                break;
            }
            chars[len] = if c == '_' { ' ' } else { c };
            len += 1;
        }
        if len == 0 || len > MAX_N {
            return Err(err(format!(
                "n-gram of 1-{MAX_N} characters expected: {gram:?}"
            )));
        }
        entries.push((pack(&chars[..len]), li, count));
    }
    if langs.is_empty() {
        return Err((0, "no profiles".into()));
    }
    for (l, t) in langs.iter().zip(&totals) {
        if *t <= 0.0 {
            return Err((0, format!("language {l:?} has no #total line")));
        }
    }
    let mut keyed: Vec<u64> = entries
        .into_iter()
        .map(|(key, li, count)| {
            (u64::from(fingerprint(key)) << 32)
                | ((li as u64) << 24)
                | (count as u64).min(0xFF_FFFF)
        })
        .collect();
    keyed.sort_unstable();
    if keyed.len() >= 1 << 24 {
        return Err((0, "more than 2^24 n-gram entries".into()));
    }
    Ok(Parsed {
        langs,
        totals,
        keyed: Keys::Owned(keyed),
    })
}

/// The binary form the build script writes: `GNGP1`, the profile count (u32), per profile its
/// name (u8 length, bytes) and total (f32), the entry count (u32) and the entries (u64); all
/// little-endian.
#[allow(dead_code)] // used by the build script and the round-trip test
pub(crate) fn encode(p: &Parsed) -> Vec<u8> {
    let mut b = b"GNGP1".to_vec();
    b.extend_from_slice(&(p.langs.len() as u32).to_le_bytes());
    for (l, t) in p.langs.iter().zip(&p.totals) {
        b.push(l.len() as u8);
        b.extend_from_slice(l.as_bytes());
        b.extend_from_slice(&t.to_le_bytes());
    }
    b.extend_from_slice(&(p.keyed.len() as u32).to_le_bytes());
    for k in p.keyed.iter() {
        b.extend_from_slice(&k.to_le_bytes());
    }
    b
}

/// Reads what [`encode`] wrote; `None` if the bytes are not that.
#[allow(dead_code)] // the build script includes this file and only encodes
pub(crate) fn decode(b: &[u8]) -> Option<Parsed<'_>> {
    let mut pos = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = b.get(pos..pos.checked_add(n)?)?;
        pos += n;
        Some(s)
    };
    if take(5)? != b"GNGP1" {
        return None;
    }
    let u32_of = |s: &[u8]| s.try_into().ok().map(u32::from_le_bytes);
    let n = u32_of(take(4)?)? as usize;
    let mut langs = Vec::with_capacity(n.min(256));
    let mut totals = Vec::with_capacity(n.min(256));
    for _ in 0..n {
        let len = take(1)?[0] as usize;
        langs.push(std::str::from_utf8(take(len)?).ok()?.to_string());
        totals.push(f32::from_le_bytes(take(4)?.try_into().ok()?));
    }
    let m = u32_of(take(4)?)? as usize;
    let keyed = Keys::Le(take(m.checked_mul(8)?)?);
    if !keyed.iter().is_sorted() || langs.is_empty() || take(1).is_some() {
        return None;
    }
    Some(Parsed {
        langs,
        totals,
        keyed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_reject_garbage() {
        let p = parse("a\t#total\t10\na\tab\t3\nb\t#total\t5\nb\t_x\t2\n").expect("parse");
        let b = encode(&p);
        let q = decode(&b).expect("decode");
        let (pk, qk): (Vec<u64>, Vec<u64>) = (p.keyed.iter().collect(), q.keyed.iter().collect());
        assert!(matches!(q.keyed, Keys::Le(_)));
        assert_eq!((q.langs, q.totals, qk), (p.langs, p.totals, pk));
        assert!(decode(&b[..b.len() - 1]).is_none());
        let mut longer = b.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        assert!(decode(b"GNGP2").is_none());
    }
}
