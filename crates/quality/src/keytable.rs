//! [`KeyTable`]: a small open-addressing hash table for keys that are already 64-bit hashes (the
//! n-gram keys of `filter_gopher_repetition`), reused from one document to the next.
//!
//! Why not `std::collections::HashMap`: the n-gram rules probe a table once per word and per
//! n (up to ten times a word); with keys that need no hashing, hashbrown's SIMD groups, control
//! bytes and out-of-line insert cost several times the work of one linear probe in a table kept
//! at most half full. Equality is exact on the 64-bit key (what the rules compared before).

/// An open-addressing table from `u64` keys to `V`, linear probing, at most half full.
///
/// The slot is the high bits of the key times a large odd constant (Fibonacci hashing: every
/// key bit reaches them), so keys need no further mixing. Key 0 marks an empty slot, so the
/// value of key 0 is kept apart.
#[derive(Debug, Default)]
pub(crate) struct KeyTable<V> {
    keys: Vec<u64>,
    vals: Vec<V>,
    /// The value of key 0, when present.
    zero: Option<V>,
    /// `64 - log2(slots)`.
    shift: u32,
    /// Occupied slots (key 0 not counted).
    len: usize,
}

/// The smallest table.
const MIN_SLOTS: usize = 16;

impl<V: Copy + Default> KeyTable<V> {
    /// Empties the table and sizes it for about `items` keys (it grows if more come). A table
    /// that an earlier, much larger document grew is released rather than cleared at full size.
    pub(crate) fn reset(&mut self, items: usize) {
        let slots = (items.saturating_mul(2)).next_power_of_two().max(MIN_SLOTS);
        if self.keys.capacity() > 4 * slots.max(4096) {
            self.keys = Vec::new();
            self.vals = Vec::new();
        }
        self.keys.clear();
        self.keys.resize(slots, 0);
        if self.vals.len() != slots {
            // Values are read only where a key matches, and written when a key is inserted:
            // they need no clearing, only the right length.
            self.vals.clear();
            self.vals.resize(slots, V::default());
        }
        self.shift = 64 - slots.trailing_zeros();
        self.zero = None;
        self.len = 0;
    }

    /// The value of `key`, inserting `init` first when it is absent; `true` when inserted.
    #[inline]
    pub(crate) fn entry(&mut self, key: u64, init: V) -> (&mut V, bool) {
        if key == 0 {
            let inserted = self.zero.is_none();
            return (self.zero.get_or_insert(init), inserted);
        }
        if 2 * (self.len + 1) > self.keys.len() {
            self.grow();
        }
        let mask = self.keys.len() - 1;
        let mut i = self.slot(key);
        loop {
            let k = self.keys[i];
            if k == key {
                return (&mut self.vals[i], false);
            }
            if k == 0 {
                self.keys[i] = key;
                self.vals[i] = init;
                self.len += 1;
                return (&mut self.vals[i], true);
            }
            i = (i + 1) & mask;
        }
    }

    /// The first slot probed for `key`.
    #[inline]
    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Inserts `key` with `init` unless present; `true` when it was absent (a set's `insert`).
    #[inline]
    pub(crate) fn insert(&mut self, key: u64, init: V) -> bool {
        self.entry(key, init).1
    }

    /// Doubles the slots (only when [`KeyTable::reset`] was given too few items).
    #[cold]
    fn grow(&mut self) {
        let old_keys = std::mem::take(&mut self.keys);
        let old_vals = std::mem::take(&mut self.vals);
        let slots = (old_keys.len() * 2).max(MIN_SLOTS);
        self.keys = vec![0; slots];
        self.vals = vec![V::default(); slots];
        self.shift = 64 - slots.trailing_zeros();
        let mask = slots - 1;
        for (k, v) in old_keys.into_iter().zip(old_vals) {
            if k == 0 {
                continue;
            }
            let mut i = self.slot(k);
            while self.keys[i] != 0 {
                i = (i + 1) & mask;
            }
            self.keys[i] = k;
            self.vals[i] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeyTable;
    use std::collections::HashMap;

    #[test]
    fn behaves_as_a_map_whatever_the_keys() {
        let mut t: KeyTable<u32> = KeyTable::default();
        let mut m: HashMap<u64, u32> = HashMap::new();
        // Mixed keys, colliding high bits, key 0, and more keys than announced (growth).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..3 {
            t.reset(if round == 1 { 2 } else { 500 });
            m.clear();
            for i in 0..2000u64 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let key = match i % 7 {
                    0 => 0,
                    1 => (i % 13) << 60,
                    _ => x % 3000,
                };
                let (v, inserted) = t.entry(key, i as u32);
                let expect_inserted = !m.contains_key(&key);
                let e = m.entry(key).or_insert(i as u32);
                assert_eq!(inserted, expect_inserted, "{key}");
                *v += 1;
                *e += 1;
                assert_eq!(*v, *e);
            }
        }
    }
}
