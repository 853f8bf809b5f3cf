//! Parsing of the n-gram profile TSV and the building of its lookup tables, shared by
//! `ngram.rs` and the build script (which parses the embedded profiles and builds their tables
//! once at compile time, so a start-up only copies them: ~20 M instructions instead of ~100 M).
//! Standard library only: the build script includes this file by path.

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
pub(crate) struct Parsed {
    pub(crate) langs: Vec<String>,
    pub(crate) totals: Vec<f32>,
    pub(crate) keyed: Vec<u64>,
}

/// Reads `lang<TAB>ngram<TAB>count` lines (`_` for a space inside an n-gram) and one
/// `lang<TAB>#total<TAB>N` line per language; `#` lines are comments. Errors are
/// (1-based line, message); line 0 for whole-file problems.
pub(crate) fn parse(tsv: &str) -> Result<Parsed, (usize, String)> {
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
        keyed,
    })
}

/// Add-α smoothing constant of the naive-Bayes model.
pub(crate) const ALPHA: f32 = 0.1;
/// Vocabulary size assumed by the smoothing (distinct n-grams of a language, order of magnitude).
pub(crate) const VOCAB: f32 = 20_000.0;
/// n-grams seen by at least this many profiles get a dense row ([`Tables::dense`]). A dense
/// row is 72 floats (288 bytes, 5 cache lines) whatever the count; a sparse run is 8 bytes per
/// profile: below ~36 profiles the run is the smaller, and fewer lines are fewer misses (12, 30
/// and 48 measured with a simulated cache, `docs/lid.md` "Session 11": 30 the fewest). Which
/// form an n-gram takes changes no sum (a dense row adds +0.0 for the other profiles).
pub(crate) const DENSE_MIN_RUN: usize = 30;

/// The lookup tables of the profiles, built from [`Parsed`] by [`tables`] (by the build script
/// for the embedded profiles, so a start-up only copies them).
///
/// A fingerprint's run is `start << 8 | length` into `entries`, or `row << 8 | 0xFF` for a
/// dense row; 0 = empty slot. The n-grams are laid out by falling frequency (summed relative
/// frequency over the profiles, ties by fingerprint): the frequent ones' dense rows and sparse
/// runs lie together, so the few that most texts use stay in the nearer caches, and they are
/// inserted into the index first, so they sit in their home slots.
#[derive(Debug, PartialEq)]
pub(crate) struct Tables {
    /// profile names (`sr`, `sr@latn`)
    pub(crate) langs: Vec<String>,
    /// fingerprint -> run: an open-addressing table of (fingerprint, run) slots, home slot =
    /// the fingerprint's top bits, linear probing, load ≤ 0.7
    pub(crate) index: Vec<(u32, u32)>,
    /// `32 − log2(index.len())`: the shift that turns a fingerprint into its home slot
    pub(crate) shift: u32,
    /// (profile, `ln P(g | L) − ln P(unseen | L)`) for the profiles that saw the n-gram
    pub(crate) entries: Vec<(u8, f32)>,
    /// The same deltas as dense rows of `width` floats (0 for a profile that did not see the
    /// n-gram) for n-grams at least [`DENSE_MIN_RUN`] profiles saw.
    pub(crate) dense: Vec<f32>,
    /// row length of `dense`: the profile count rounded up to a multiple of 8
    pub(crate) width: usize,
    /// `ln P(unseen | L)` per profile
    pub(crate) unseen: Vec<f32>,
}

/// An empty open-addressing table for `n` keys at a load of at most `num / den`: (slots, shift).
fn table(n: usize, num: usize, den: usize) -> (Vec<(u32, u32)>, u32) {
    let bits = (n * den / num + 1)
        .next_power_of_two()
        .trailing_zeros()
        .clamp(4, 31);
    (vec![(0, 0); 1 << bits], 32 - bits)
}

/// Puts (key, run) into its table (linear probing from the home slot).
fn insert(index: &mut [(u32, u32)], shift: u32, key: u32, run: u32) {
    let mut slot = (key >> shift) as usize;
    while index[slot].1 != 0 {
        slot = (slot + 1) & (index.len() - 1);
    }
    index[slot] = (key, run);
}

/// Builds the lookup tables. The deltas of a fingerprint are its first 255 entries (one per
/// profile, < 256 profiles), in profile order.
pub(crate) fn tables(parsed: &Parsed) -> Tables {
    let Parsed {
        langs,
        totals,
        keyed,
    } = parsed;
    let n = langs.len();
    let mut den = Vec::with_capacity(n);
    for t in totals {
        den.push((t + ALPHA * VOCAB).ln());
    }
    let unseen: Vec<f32> = den.iter().map(|d| ALPHA.ln() - d).collect();
    let fp = |k: u64| (k >> 32) as u32;
    // The fingerprints' groups of entries (start, end) with their frequency.
    let mut groups: Vec<(f64, u32, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < keyed.len() {
        let key = fp(keyed[i]);
        let start = i;
        let mut weight = 0f64;
        while i < keyed.len() && fp(keyed[i]) == key {
            let li = ((keyed[i] >> 24) & 0xFF) as usize;
            weight += (keyed[i] & 0xFF_FFFF) as f64 / f64::from(totals[li]);
            i += 1;
        }
        groups.push((weight, key, start, i));
    }
    groups.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let (mut index, shift) = table(groups.len(), 7, 10);
    let width = n.div_ceil(8) * 8;
    let mut dense: Vec<f32> = Vec::new();
    let mut entries: Vec<(u8, f32)> = Vec::with_capacity(keyed.len());
    for &(_, key, from, to) in &groups {
        let start = entries.len();
        for &k in keyed[from..to].iter().take(255) {
            let li = ((k >> 24) & 0xFF) as usize;
            let count = (k & 0xFF_FFFF) as f32;
            entries.push((li as u8, (count + ALPHA).ln() - den[li] - unseen[li]));
        }
        let mut run = ((start as u32) << 8) | (entries.len() - start) as u32;
        if entries.len() - start >= DENSE_MIN_RUN {
            let row = dense.len() / width;
            dense.resize(dense.len() + width, 0.0);
            for &(li, delta) in &entries[start..] {
                dense[row * width + usize::from(li)] += delta;
            }
            entries.truncate(start);
            run = ((row as u32) << 8) | 0xFF;
        }
        insert(&mut index, shift, key, run);
    }
    Tables {
        langs: langs.clone(),
        index,
        shift,
        entries,
        dense,
        width,
        unseen,
    }
}

/// The binary form of [`Tables`] the build script writes: `GNGT1`, the profile count (u32), per
/// profile its name (u8 length, bytes) and `unseen` (f32), the width (u32), the index (shift
/// u32, slot count u32, slots as two u32), the entries (count u32, u8 + f32 each) and
/// the dense floats (count u32, f32 each); all little-endian.
#[allow(dead_code)] // used by the build script and the round-trip test
pub(crate) fn encode(t: &Tables) -> Vec<u8> {
    let mut b = b"GNGT1".to_vec();
    let u32_le = |b: &mut Vec<u8>, v: usize| b.extend_from_slice(&(v as u32).to_le_bytes());
    u32_le(&mut b, t.langs.len());
    for (l, u) in t.langs.iter().zip(&t.unseen) {
        b.push(l.len() as u8);
        b.extend_from_slice(l.as_bytes());
        b.extend_from_slice(&u.to_le_bytes());
    }
    u32_le(&mut b, t.width);
    u32_le(&mut b, t.shift as usize);
    u32_le(&mut b, t.index.len());
    for &(k, r) in &t.index {
        b.extend_from_slice(&k.to_le_bytes());
        b.extend_from_slice(&r.to_le_bytes());
    }
    u32_le(&mut b, t.entries.len());
    for &(li, d) in &t.entries {
        b.push(li);
        b.extend_from_slice(&d.to_le_bytes());
    }
    u32_le(&mut b, t.dense.len());
    for d in &t.dense {
        b.extend_from_slice(&d.to_le_bytes());
    }
    b
}

/// Reads what [`encode`] wrote; `None` if the bytes are not that (or not consistent: a power
/// of two of slots matching the shift, runs inside `entries` and `dense`).
#[allow(dead_code)] // the build script includes this file and only encodes
pub(crate) fn decode(b: &[u8]) -> Option<Tables> {
    let mut pos = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = b.get(pos..pos.checked_add(n)?)?;
        pos += n;
        Some(s)
    };
    if take(5)? != b"GNGT1" {
        return None;
    }
    fn u32_at(s: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([s[i], s[i + 1], s[i + 2], s[i + 3]])
    }
    let mut word = || -> Option<u32> { take(4).map(|s| u32_at(s, 0)) };
    let n = word()? as usize;
    let mut langs = Vec::with_capacity(n.min(256));
    let mut unseen = Vec::with_capacity(n.min(256));
    for _ in 0..n {
        let len = take(1)?[0] as usize;
        langs.push(std::str::from_utf8(take(len)?).ok()?.to_string());
        unseen.push(f32::from_bits(u32_at(take(4)?, 0)));
    }
    let width = u32_at(take(4)?, 0) as usize;
    let shift = u32_at(take(4)?, 0);
    let slots = u32_at(take(4)?, 0) as usize;
    let index: Vec<(u32, u32)> = take(slots.checked_mul(8)?)?
        .chunks_exact(8)
        .map(|c| (u32_at(c, 0), u32_at(c, 4)))
        .collect();
    // A full table would make a lookup of an absent key loop forever.
    if !slots.is_power_of_two()
        || u64::from(shift) + u64::from(slots.trailing_zeros()) != 32
        || index.iter().all(|&(_, r)| r != 0)
    {
        return None;
    }
    let m = u32_at(take(4)?, 0) as usize;
    let entries: Vec<(u8, f32)> = take(m.checked_mul(5)?)?
        .chunks_exact(5)
        .map(|c| (c[0], f32::from_bits(u32_at(c, 1))))
        .collect();
    let d = u32_at(take(4)?, 0) as usize;
    let dense: Vec<f32> = take(d.checked_mul(4)?)?
        .chunks_exact(4)
        .map(|c| f32::from_bits(u32_at(c, 0)))
        .collect();
    let runs_ok = index.iter().all(|&(_, run)| {
        let (start, len) = ((run >> 8) as usize, (run & 0xFF) as usize);
        run == 0
            || if len == 0xFF {
                (start + 1) * width <= dense.len()
            } else {
                entries
                    .get(start..start + len)
                    .is_some_and(|r| r.iter().all(|&(li, _)| usize::from(li) < n))
            }
    });
    if !runs_ok || langs.is_empty() || width != n.div_ceil(8) * 8 || take(1).is_some() {
        return None;
    }
    Some(Tables {
        langs,
        index,
        shift,
        entries,
        dense,
        width,
        unseen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_reject_garbage() {
        let p = parse("a\t#total\t10\na\tab\t3\nb\t#total\t5\nb\t_x\t2\n").expect("parse");
        let t = tables(&p);
        let b = encode(&t);
        let q = decode(&b).expect("decode");
        assert_eq!(q, t);
        assert!(decode(&b[..b.len() - 1]).is_none());
        let mut longer = b.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        assert!(decode(b"GNGT2").is_none());
    }

    #[test]
    fn frequent_ngrams_go_first() {
        // `x` is frequent in both profiles, `ab` rare: `x` gets the first run.
        let p = parse("a\t#total\t10\na\tab\t1\na\tx\t9\nb\t#total\t5\nb\tx\t5\n").expect("parse");
        let t = tables(&p);
        assert_eq!(t.entries.len(), 3);
        assert_eq!(t.entries[0].0, 0);
        assert_eq!(t.entries[1].0, 1);
        assert_eq!(t.index.iter().filter(|s| s.1 != 0).count(), 2);
    }
}
