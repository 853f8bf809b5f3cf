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
///
/// Emptying is proportional to the keys inserted, not to the slots: every occupied slot is
/// listed in `used`, and [`KeyTable::reset`] zeroes only those. The arrays keep the largest size
/// a document needed (up to a bound); a smaller document uses their first `slots` entries, all of
/// which are empty after a reset (every key outside `used` is 0).
#[derive(Debug, Default)]
pub(crate) struct KeyTable<V> {
    keys: Vec<u64>,
    vals: Vec<V>,
    /// The occupied slots, in order of insertion (each once).
    used: Vec<usize>,
    /// The value of key 0, when present.
    zero: Option<V>,
    /// Slots in use (a power of two, at most `keys.len()`).
    slots: usize,
    /// `64 - log2(slots)`.
    shift: u32,
}

/// The smallest table.
const MIN_SLOTS: usize = 16;

/// Arrays larger than this many slots, and more than four times what a document asks for, are
/// released at the next reset (one very large document does not keep its tables for good).
const KEEP_SLOTS: usize = 1 << 16;

impl<V: Copy + Default> KeyTable<V> {
    /// Empties the table and sizes it for about `items` keys (it grows if more come).
    pub(crate) fn reset(&mut self, items: usize) {
        let slots = (items.saturating_mul(2)).next_power_of_two().max(MIN_SLOTS);
        for &i in &self.used {
            if let Some(k) = self.keys.get_mut(i) {
                *k = 0;
            }
        }
        self.used.clear();
        if self.keys.len() > KEEP_SLOTS && self.keys.len() > 4 * slots {
            self.keys = Vec::new();
            self.vals = Vec::new();
        }
        self.size_to(slots);
        self.zero = None;
    }

    /// Uses the first `slots` slots, enlarging the arrays if needed (all slots must be empty).
    fn size_to(&mut self, slots: usize) {
        if self.keys.len() < slots {
            // Values are read only where a key matches, and written when a key is inserted:
            // they need no clearing, only the right length.
            self.keys.resize(slots, 0);
            self.vals.resize(slots, V::default());
        }
        self.slots = slots;
        self.shift = 64 - slots.trailing_zeros();
    }

    /// The value of `key`, inserting `init` first when it is absent; `true` when inserted.
    #[inline]
    pub(crate) fn entry(&mut self, key: u64, init: V) -> (&mut V, bool) {
        if key == 0 {
            let inserted = self.zero.is_none();
            return (self.zero.get_or_insert(init), inserted);
        }
        if 2 * (self.used.len() + 1) > self.slots {
            self.grow();
        }
        let mask = self.slots - 1;
        let mut i = self.slot(key);
        loop {
            let k = self.keys[i];
            if k == key {
                return (&mut self.vals[i], false);
            }
            if k == 0 {
                self.keys[i] = key;
                self.vals[i] = init;
                self.used.push(i);
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
        let entries: Vec<(u64, V)> = self
            .used
            .iter()
            .map(|&i| (self.keys[i], self.vals[i]))
            .collect();
        for &i in &self.used {
            self.keys[i] = 0;
        }
        self.used.clear();
        self.size_to((self.slots * 2).max(MIN_SLOTS));
        let mask = self.slots - 1;
        for (k, v) in entries {
            let mut i = self.slot(k);
            while self.keys[i] != 0 {
                i = (i + 1) & mask;
            }
            self.keys[i] = k;
            self.vals[i] = v;
            self.used.push(i);
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
        for round in 0..40 {
            // Sizes that shrink, grow past the announced count, and exceed KEEP_SLOTS once.
            let items = match round % 5 {
                0 => 500,
                1 => 2,
                2 => 1 << 16,
                3 => (x % 900) as usize,
                _ => 40,
            };
            t.reset(items);
            // Every slot outside the listed ones is empty after a reset.
            assert!(t.used.is_empty() && t.keys.iter().all(|&k| k == 0));
            assert!(t.slots <= t.keys.len());
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
