//! Float tables that start at a cache-line boundary.
//!
//! The allocator returns large blocks 16 bytes past a page boundary (glibc's `mmap` chunks), so
//! every 64-byte row of lid.176's input matrix (16 floats) straddled two cache lines: two misses
//! where one would do. A row's floats are the same wherever they sit.

/// A copy of a float slice whose first element sits at a 64-byte boundary.
#[derive(Debug)]
pub(crate) struct CacheAligned {
    buf: Vec<f32>,
    /// floats of padding before the data
    off: usize,
}

/// Bytes of a cache line.
const LINE: usize = 64;

impl CacheAligned {
    /// Copies `data`.
    pub(crate) fn new(data: &[f32]) -> CacheAligned {
        let pad_max = LINE / 4 - 1;
        let mut buf = Vec::with_capacity(data.len() + pad_max);
        // Reading an address is safe; the buffer does not move: it never grows past its capacity.
        let addr = buf.as_ptr() as usize;
        let off = (LINE - addr % LINE) % LINE / 4;
        buf.resize(off, 0.0);
        buf.extend_from_slice(data);
        CacheAligned { buf, off }
    }

    /// The data.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[f32] {
        &self.buf[self.off..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_is_equal_and_starts_a_cache_line() {
        for n in [0usize, 1, 16, 1000, 100_000] {
            let data: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 3.0).collect();
            let a = CacheAligned::new(&data);
            assert_eq!(a.as_slice(), &data[..]);
            assert_eq!(a.as_slice().as_ptr() as usize % LINE, 0);
        }
    }
}
