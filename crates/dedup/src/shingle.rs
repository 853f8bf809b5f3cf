//! Word n-gram shingles over normalized text, hashed without allocating.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Reusable per-thread buffers for shingling: the normalized text and word boundaries. One per
/// worker thread; reusing it makes signing allocation-free once the buffers have grown to the
/// largest document seen.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    pub(crate) text: String,
    pub(crate) words: Vec<(usize, usize)>,
    pub(crate) hashes: Vec<u64>,
}

impl Scratch {
    /// Empty buffers.
    pub fn new() -> Self {
        Scratch::default()
    }
}

/// Calls `f` with the 64-bit hash of every word `n`-gram of `text`, which must be normalized
/// (words separated by exactly one space). The n-gram is the contiguous slice from the first
/// word's start to the last word's end, i.e. the words joined by one space, hashed with
/// `xxh3_64_with_seed(bytes, seed)`. Returns the number of shingles (0 when `text` has fewer
/// than `n` words, as datatrove does).
pub(crate) fn for_each_shingle(
    text: &str,
    n: usize,
    seed: u64,
    words: &mut Vec<(usize, usize)>,
    mut f: impl FnMut(u64),
) -> usize {
    words.clear();
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b' ' {
            if i > start {
                words.push((start, i));
            }
            start = i + 1;
        }
    }
    if bytes.len() > start {
        words.push((start, bytes.len()));
    }
    if n == 0 || words.len() < n {
        return 0;
    }
    let count = words.len() + 1 - n;
    for i in 0..count {
        let (s, _) = words[i];
        let (_, e) = words[i + n - 1];
        f(xxh3_64_with_seed(&bytes[s..e], seed));
    }
    count
}
