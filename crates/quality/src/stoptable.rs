//! [`StopTable`]: a stopword list as an open-addressing table of byte strings, for the per-word
//! lookups of `filter_gopher_quality`.
//!
//! Why not the `HashSet<String>` of the lexicon: a lookup there hashes through the `Hash` trait
//! (the bytes, then a terminator), probes hashbrown's control groups and compares; with one
//! lookup per word of every document, a linear probe over a table at most half full, keyed by a
//! 64-bit hash stored beside each word, is a fraction of that. Each word also gets a number
//! (its index), so that the distinct stopwords of a document are counted in a bitset.

use std::hash::Hasher;

/// A set of byte strings (stopwords), each with an index in `0..len()`.
#[derive(Debug, Clone, Default)]
pub(crate) struct StopTable {
    /// `0` empty, else index + 1.
    slots: Vec<u32>,
    /// The hash of each word.
    hashes: Vec<u64>,
    /// The words, by index.
    words: Vec<Box<[u8]>>,
    /// `64 - log2(slots.len())`.
    shift: u32,
    /// The longest word, in bytes (a longer key is not looked up).
    max_len: usize,
}

/// The hash of `b` ([`garbell_text::words::FxHasher`] over its bytes).
#[inline]
fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = crate::common::FastHasher::default();
    h.write(b);
    h.finish()
}

impl StopTable {
    /// The table of `words` (duplicates kept once).
    pub(crate) fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut t = StopTable::default();
        let words: Vec<&str> = words.into_iter().collect();
        let slots = (words.len() * 2).next_power_of_two().max(16);
        t.slots = vec![0; slots];
        t.shift = 64 - slots.trailing_zeros();
        for w in words {
            if t.find(w.as_bytes()).is_some() {
                continue;
            }
            let h = hash_bytes(w.as_bytes());
            let mask = t.slots.len() - 1;
            let mut i = t.slot(h);
            while t.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            t.words.push(w.as_bytes().into());
            t.hashes.push(h);
            // At most half full, so the count fits: the table has 2 × len slots.
            t.slots[i] = u32::try_from(t.words.len()).unwrap_or(u32::MAX);
            t.max_len = t.max_len.max(w.len());
        }
        t
    }

    /// Number of distinct words.
    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }

    /// The longest word, in bytes.
    pub(crate) fn max_len(&self) -> usize {
        self.max_len
    }

    #[inline]
    fn slot(&self, h: u64) -> usize {
        (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The index of `key`, if it is in the table.
    #[inline]
    pub(crate) fn find(&self, key: &[u8]) -> Option<usize> {
        if key.len() > self.max_len || self.slots.is_empty() {
            return None;
        }
        let h = hash_bytes(key);
        let mask = self.slots.len() - 1;
        let mut i = self.slot(h);
        loop {
            let s = self.slots[i] as usize;
            if s == 0 {
                return None;
            }
            if self.hashes[s - 1] == h && *self.words[s - 1] == *key {
                return Some(s - 1);
            }
            i = (i + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StopTable;
    use std::collections::HashSet;

    #[test]
    fn finds_exactly_the_words_of_the_list() {
        let list = [
            "the", "of", "", "und", "für", "και", "the", "a", "ab", "abc",
        ];
        let t = StopTable::new(list.iter().copied());
        let set: HashSet<&str> = list.iter().copied().collect();
        assert_eq!(t.len(), set.len());
        let mut indices = HashSet::new();
        for w in &set {
            let i = t.find(w.as_bytes()).expect("present");
            assert!(i < t.len());
            assert!(indices.insert(i), "distinct index for {w:?}");
        }
        for w in ["The", "th", "thee", "fur", "abcd", "και ", "b"] {
            assert_eq!(t.find(w.as_bytes()), None, "{w:?}");
        }
        // Many words (growth of the probe chains, no false hit).
        let many: Vec<String> = (0..3000).map(|i| format!("w{i}")).collect();
        let t = StopTable::new(many.iter().map(String::as_str));
        for (i, w) in many.iter().enumerate() {
            assert_eq!(t.find(w.as_bytes()), Some(i));
            assert_eq!(t.find(format!("x{i}").as_bytes()), None);
        }
        assert_eq!(StopTable::new([]).find(b""), None);
    }
}
