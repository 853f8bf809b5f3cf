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

/// Slot hash for the prune table: bucket ids are already FNV-derived but their low bits are
/// what the mask keeps, so mix them once (a multiplicative hash).
#[inline]
fn prune_slot(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> 7) as usize
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
    pub words: Vec<Box<[u8]>>,
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
    /// Bucket → row offset after pruning, an open-addressing table of (bucket + 1, row offset)
    /// (0 = empty slot); empty when not pruned. A pruned lid.176 keeps 42,765 of its 2M buckets,
    /// so this table is 1 MB where a dense bucket-indexed array was 8 MB
    /// and its lookups stay in cache far more often (one per character n-gram of every word).
    prune: Vec<(u32, u32)>,
    prune_mask: usize,
    /// Bit `b`: bucket `b` is kept by the pruning (empty when not pruned). Most character
    /// n-grams of a text fall in buckets that were pruned away; this 256 KB bitmap (lid.176:
    /// 2M buckets) answers them from the L2 cache, where the 1 MB table above missed it.
    kept: Vec<u64>,
    /// 0 when the model was pruned to no n-grams at all.
    pruned_to_zero: bool,
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
        let mut d = Dictionary {
            nwords,
            words,
            types,
            counts,
            table: vec![(0, 0); cap],
            mask: cap - 1,
            subwords: Vec::new(),
            sub_start: Vec::new(),
            minn,
            maxn,
            bucket,
            prune: Vec::new(),
            prune_mask: 0,
            kept: Vec::new(),
            pruned_to_zero: matches!(&prune_pairs, Some(p) if p.is_empty()),
        };
        if let Some(pairs) = prune_pairs {
            if !pairs.is_empty() {
                let cap = (pairs.len() * 2).next_power_of_two().max(16);
                d.prune = vec![(0, 0); cap];
                d.prune_mask = cap - 1;
                d.kept = vec![0u64; (bucket as usize).div_ceil(64)];
                for (from, to) in pairs {
                    if from < 0 || from as u32 >= bucket || to < 0 {
                        return Err(format!("prune index entry {from} -> {to} out of range"));
                    }
                    let key = from as u32 + 1;
                    let mut slot = prune_slot(key) & d.prune_mask;
                    // A repeated bucket keeps its last row, as the reference's map assignment.
                    while d.prune[slot].0 != 0 && d.prune[slot].0 != key {
                        slot = (slot + 1) & d.prune_mask;
                    }
                    d.prune[slot] = (key, to as u32);
                    d.kept[from as usize / 64] |= 1 << (from as u32 % 64);
                }
            }
        }
        for i in 0..d.words.len() {
            let h = fnv_push(FNV_INIT, &d.words[i]);
            let mut slot = h as usize & d.mask;
            while d.table[slot].1 != 0 {
                slot = (slot + 1) & d.mask;
            }
            d.table[slot] = (h, i as u32 + 1);
        }
        // Subwords of in-vocabulary words: the word itself, then its character n-grams.
        d.sub_start.push(0);
        let mut buf = Vec::new();
        for i in 0..d.words.len() {
            d.subwords.push(i as u32);
            if &*d.words[i] != EOS {
                bracket(&mut buf, &d.words[i]);
                let mut out = std::mem::take(&mut d.subwords);
                d.char_ngrams(&buf, |row| out.push(row));
                d.subwords = out;
            }
            d.sub_start.push(d.subwords.len() as u32);
        }
        Ok(d)
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
            if sh == h && &*self.words[i] == word {
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
        if self.prune.is_empty() {
            return Some(self.nwords as u32 + id);
        }
        // (`id < bucket`: callers take it modulo the bucket count.)
        if self
            .kept
            .get(id as usize / 64)
            .is_none_or(|w| w >> (id % 64) & 1 == 0)
        {
            return None;
        }
        let key = id + 1;
        let mut slot = prune_slot(key) & self.prune_mask;
        loop {
            match self.prune[slot] {
                (0, _) => return None,
                (k, r) if k == key => return Some(self.nwords as u32 + r),
                _ => slot = (slot + 1) & self.prune_mask,
            }
        }
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
