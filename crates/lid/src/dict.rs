//! The fastText dictionary: vocabulary lookup, subword and word n-gram hashing.

/// FNV-1a over bytes, with each byte sign-extended as in the reference (`uint32_t(int8_t(c))`).
#[inline]
pub(crate) fn fnv_push(mut h: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        h ^= b as i8 as i32 as u32;
        h = h.wrapping_mul(16_777_619);
    }
    h
}

/// Writes `<tok>` into `buf`: the form whose character n-grams the reference hashes.
#[inline]
pub(crate) fn bracket(buf: &mut Vec<u8>, tok: &[u8]) {
    buf.clear();
    buf.push(b'<');
    buf.extend_from_slice(tok);
    buf.push(b'>');
}

/// The FNV-1a offset basis.
pub(crate) const FNV_INIT: u32 = 2_166_136_261;

/// Entry types of the dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryType {
    Word,
    Label,
}

/// The end-of-sentence token the reference appends for the trailing newline.
pub(crate) const EOS: &[u8] = b"</s>";
/// The prefix of label tokens.
pub(crate) const LABEL_PREFIX: &[u8] = b"__label__";

/// Vocabulary with an open-addressing table keyed by the FNV hash.
pub(crate) struct Dictionary {
    pub nwords: usize,
    /// Every entry's bytes, one after the other: entry `i` is
    /// `word_bytes[word_start[i]..word_start[i + 1]]`. One 43 KB block for lid.176 (where a boxed
    /// slice per word scattered 7,411 allocations over the heap): a lookup reads the entry's
    /// bytes from the L2 cache and compares them inline.
    word_bytes: Vec<u8>,
    word_start: Vec<u32>,
    pub types: Vec<EntryType>,
    #[allow(dead_code)] // kept for completeness of the format; labels use their own copy
    pub counts: Vec<i64>,
    /// Table of (hash, entry index + 1); 0 means empty.
    table: Vec<(u32, u32)>,
    mask: usize,
    /// Flattened subwords (rows) of each in-vocabulary word: `subwords[sub_start[i]..sub_start[i+1]]`.
    subwords: Vec<u32>,
    sub_start: Vec<u32>,
    pub minn: usize,
    pub maxn: usize,
    pub bucket: u32,
    /// Bit `b`: bucket `b` is kept by the pruning (empty when not pruned). Most character
    /// n-grams of a text fall in buckets that were pruned away; this 256 KB bitmap (lid.176:
    /// 2M buckets) answers them from the L2 cache.
    kept: Vec<u64>,
    /// The row offset of each kept bucket, in bucket order: a kept bucket's offset is
    /// `kept_rows[rank]`, its rank being the number of kept buckets below it (lid.176: 42,765
    /// rows, 171 KB; an open-addressing table of (bucket, row) pairs was 1 MB and its lookups
    /// missed the L2 cache).
    kept_rows: Vec<u32>,
    /// The rank of the first bucket of every `RANK_GROUP` words of `kept` ...
    rank_group: Vec<u32>,
    /// ... and of every word, relative to its group's (at most 1023 × 64 < 2^16): one
    /// population count per lookup (62 KB for lid.176).
    rank_word: Vec<u16>,
    /// 0 when the model was pruned to no n-grams at all.
    pruned_to_zero: bool,
}

/// Words of the `kept` bitmap per entry of `Dictionary::rank_group`.
const RANK_GROUP: usize = 1024;

/// `a == b` for short byte strings, inline (vocabulary words are a few bytes: a `memcmp` call
/// cost more than the comparison).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        if x != y {
            return false;
        }
    }
    ca.remainder()
        .iter()
        .zip(cb.remainder())
        .all(|(x, y)| x == y)
}

impl Dictionary {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        words: Vec<Box<[u8]>>,
        types: Vec<EntryType>,
        counts: Vec<i64>,
        nwords: usize,
        minn: usize,
        maxn: usize,
        bucket: u32,
        prune_pairs: Option<Vec<(i32, i32)>>,
    ) -> Result<Self, String> {
        let cap = (words.len() * 2).next_power_of_two().max(16);
        let total: usize = words.iter().map(|w| w.len()).sum();
        if u32::try_from(total).is_err() {
            return Err(format!("dictionary of {total} bytes is too large"));
        }
        let mut word_bytes = Vec::with_capacity(total);
        let mut word_start = Vec::with_capacity(words.len() + 1);
        word_start.push(0u32);
        for w in &words {
            word_bytes.extend_from_slice(w);
            word_start.push(word_bytes.len() as u32);
        }
        let size = words.len();
        drop(words);
        let mut d = Dictionary {
            nwords,
            word_bytes,
            word_start,
            types,
            counts,
            table: vec![(0, 0); cap],
            mask: cap - 1,
            subwords: Vec::new(),
            sub_start: Vec::new(),
            minn,
            maxn,
            bucket,
            kept: Vec::new(),
            kept_rows: Vec::new(),
            rank_group: Vec::new(),
            rank_word: Vec::new(),
            pruned_to_zero: matches!(&prune_pairs, Some(p) if p.is_empty()),
        };
        if let Some(pairs) = prune_pairs {
            if !pairs.is_empty() {
                d.kept = vec![0u64; (bucket as usize).div_ceil(64)];
                for &(from, to) in &pairs {
                    if from < 0 || from as u32 >= bucket || to < 0 {
                        return Err(format!("prune index entry {from} -> {to} out of range"));
                    }
                    d.kept[from as usize / 64] |= 1 << (from % 64);
                }
                let (mut rank, mut group) = (0u32, 0u32);
                for (w, bits) in d.kept.iter().enumerate() {
                    if w % RANK_GROUP == 0 {
                        d.rank_group.push(rank);
                        group = rank;
                    }
                    // (< 1024 × 64 = 2^16: fits.)
                    d.rank_word.push((rank - group) as u16);
                    rank += bits.count_ones();
                }
                // In file order: a repeated bucket keeps its last row, as the reference's map
                // assignment.
                d.kept_rows = vec![0; rank as usize];
                for (from, to) in pairs {
                    if let Some(r) = d.kept_rank(from as u32) {
                        d.kept_rows[r] = to as u32;
                    }
                }
            }
        }
        for i in 0..size {
            let h = fnv_push(FNV_INIT, d.word(i));
            let mut slot = h as usize & d.mask;
            while d.table[slot].1 != 0 {
                slot = (slot + 1) & d.mask;
            }
            d.table[slot] = (h, i as u32 + 1);
        }
        // Subwords of in-vocabulary words: the word itself, then its character n-grams.
        d.sub_start.push(0);
        let mut buf = Vec::new();
        for i in 0..size {
            d.subwords.push(i as u32);
            if d.word(i) != EOS {
                bracket(&mut buf, d.word(i));
                let mut out = std::mem::take(&mut d.subwords);
                d.char_ngrams(&buf, |row| out.push(row));
                d.subwords = out;
            }
            d.sub_start.push(d.subwords.len() as u32);
        }
        Ok(d)
    }

    /// The bytes of entry `i`.
    #[inline]
    fn word(&self, i: usize) -> &[u8] {
        &self.word_bytes[self.word_start[i] as usize..self.word_start[i + 1] as usize]
    }

    /// Entry index of `word` with FNV hash `h`, if in the vocabulary.
    #[inline]
    pub(crate) fn find(&self, word: &[u8], h: u32) -> Option<usize> {
        let mut slot = h as usize & self.mask;
        loop {
            let (sh, idx) = self.table[slot];
            if idx == 0 {
                return None;
            }
            let i = (idx - 1) as usize;
            if sh == h && same_bytes(self.word(i), word) {
                return Some(i);
            }
            slot = (slot + 1) & self.mask;
        }
    }

    /// Rows of an in-vocabulary word (itself and its subwords).
    #[inline]
    pub(crate) fn word_rows(&self, i: usize) -> &[u32] {
        &self.subwords[self.sub_start[i] as usize..self.sub_start[i + 1] as usize]
    }

    /// Maps a bucket id to an input row, following the reference's `pushHash`.
    #[inline]
    pub(crate) fn bucket_row(&self, id: u32) -> Option<u32> {
        if self.pruned_to_zero {
            return None;
        }
        if self.kept.is_empty() {
            return Some(self.nwords as u32 + id);
        }
        // (`id < bucket`: callers take it modulo the bucket count.)
        let rank = self.kept_rank(id)?;
        self.kept_rows.get(rank).map(|&r| self.nwords as u32 + r)
    }

    /// The rank of bucket `id` among the kept buckets (how many kept buckets are below it), if
    /// it is kept: its group's, its word's within the group, then the bits below it in its
    /// own word.
    #[inline]
    fn kept_rank(&self, id: u32) -> Option<usize> {
        let w = id as usize / 64;
        let bits = *self.kept.get(w)?;
        let bit = id % 64;
        if bits >> bit & 1 == 0 {
            return None;
        }
        Some(
            *self.rank_group.get(w / RANK_GROUP)? as usize
                + usize::from(*self.rank_word.get(w)?)
                + (bits & ((1u64 << bit) - 1)).count_ones() as usize,
        )
    }

    /// Calls `f` with the input row of every character n-gram of `word` (already wrapped in
    /// `<`/`>`), in the reference's order. n-grams of length `minn..=maxn` in characters; a
    /// 1-gram at either end (the bare `<` or `>`) is skipped.
    #[inline]
    pub(crate) fn char_ngrams(&self, word: &[u8], mut f: impl FnMut(u32)) {
        if self.maxn == 0 {
            return;
        }
        let len = word.len();
        for i in 0..len {
            if word[i] & 0xC0 == 0x80 {
                continue;
            }
            let mut h = FNV_INIT;
            let mut j = i;
            let mut n = 1;
            while j < len && n <= self.maxn {
                let start = j;
                j += 1;
                while j < len && word[j] & 0xC0 == 0x80 {
                    j += 1;
                }
                h = fnv_push(h, &word[start..j]);
                if n >= self.minn && !(n == 1 && (i == 0 || j == len)) {
                    if let Some(row) = self.bucket_row(h % self.bucket) {
                        f(row);
                    }
                }
                n += 1;
            }
        }
    }

    /// Calls `f` with the rows of the word n-grams (n = 2..=`n`) over the token hashes, as the
    /// reference's `addWordNgrams`.
    pub(crate) fn word_ngrams(&self, hashes: &[u32], n: usize, mut f: impl FnMut(u32)) {
        for i in 0..hashes.len() {
            let mut h = hashes[i] as i32 as i64 as u64;
            let mut j = i + 1;
            while j < hashes.len() && j < i + n {
                h = h
                    .wrapping_mul(116_049_371)
                    .wrapping_add(hashes[j] as i32 as i64 as u64);
                if let Some(row) = self.bucket_row((h % self.bucket as u64) as u32) {
                    f(row);
                }
                j += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A tiny deterministic generator (no dependency).
    fn lcg(seed: &mut u64) -> u32 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 33) as u32
    }

    #[test]
    fn kept_bucket_rows_match_the_prune_map_for_every_bucket() {
        let bucket = 100_003u32;
        let mut seed = 11u64;
        // Clustered and scattered buckets, some repeated (the last row wins).
        let mut pairs: Vec<(i32, i32)> = Vec::new();
        for i in 0..3_000 {
            let from = if i % 3 == 0 {
                (lcg(&mut seed) % 600) as i32
            } else {
                (lcg(&mut seed) % bucket) as i32
            };
            pairs.push((from, i));
        }
        pairs.push((0, 7));
        pairs.push((bucket as i32 - 1, 9));
        let mut reference: HashMap<u32, u32> = HashMap::new();
        for &(from, to) in &pairs {
            reference.insert(from as u32, to as u32);
        }
        let words: Vec<Box<[u8]>> = vec![Box::from(&b"a"[..]), Box::from(&b"__label__x"[..])];
        let d = Dictionary::new(
            words,
            vec![EntryType::Word, EntryType::Label],
            vec![1, 1],
            1,
            2,
            4,
            bucket,
            Some(pairs),
        )
        .expect("dictionary");
        let mut kept = 0;
        for id in 0..bucket {
            let want = reference.get(&id).map(|&r| 1 + r);
            assert_eq!(d.bucket_row(id), want, "bucket {id}");
            kept += usize::from(want.is_some());
        }
        assert_eq!(kept, reference.len());
    }

    #[test]
    fn words_are_found_by_their_bytes_only() {
        let list: Vec<&[u8]> = vec![
            b"a",
            b"ab",
            b"abcdefgh",
            b"abcdefghi",
            b"abcdefghijklmnopq",
            "\u{e9}t\u{e9}".as_bytes(),
            b"</s>",
        ];
        let words: Vec<Box<[u8]>> = list.iter().map(|w| Box::from(*w)).collect();
        let n = words.len();
        let d = Dictionary::new(
            words,
            vec![EntryType::Word; n],
            vec![1; n],
            n,
            0,
            0,
            0,
            None,
        )
        .expect("dictionary");
        for (i, w) in list.iter().enumerate() {
            assert_eq!(d.find(w, fnv_push(FNV_INIT, w)), Some(i));
            // Same hash, other bytes (a collision): not found.
            let mut other = w.to_vec();
            if let Some(last) = other.last_mut() {
                *last ^= 1;
            }
            assert_eq!(d.find(&other, fnv_push(FNV_INIT, w)), None);
        }
        assert_eq!(d.find(b"abcdefgx", fnv_push(FNV_INIT, b"abcdefgx")), None);
        assert!(same_bytes(b"abcdefghij", b"abcdefghij"));
        assert!(!same_bytes(b"abcdefghij", b"abcdefghik"));
        assert!(!same_bytes(b"abcdefgxij", b"abcdefghij"));
        assert!(!same_bytes(b"abc", b"abcd"));
    }
}
