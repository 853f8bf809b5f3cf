//! Exact bucket quotas: the fractional epoch of a bucket is filled with whole documents taken
//! in order of their selection hash until the bucket's token quota is met.
//!
//! A bucket planned at `e` epochs gives every document `⌊e⌋` copies; the remaining
//! `q = selected_tokens − ⌊e⌋ · tokens` tokens are one more copy of the documents with the
//! smallest [`draw_bits`](crate::sample::draw_bits), taken while that brings the bucket closer
//! to `q` (the last document is kept when it overshoots by less than it would undershoot).
//! So each bucket lands within half a document of its plan, and the choice depends only on the
//! ids, tokens and seed.
//!
//! Memory stays bounded without holding one entry per document: the counting pass builds, per
//! bucket, a histogram of tokens over [`BINS`] ranges of the draw. Documents of the bins below
//! the *boundary bin* (where the cumulative tokens cross `q`) are taken outright; documents of
//! the boundary bin (about `docs / BINS` of them) are spilled as *pending* copies and their
//! `(draw, tokens)` kept; once every document has been seen, the boundary is resolved exactly
//! and pending copies beyond it are dropped when the shards are written.

/// log2 of the number of histogram bins per bucket.
pub(crate) const BIN_BITS: u32 = 12;
/// Histogram bins per bucket (memory: 8 bytes each per bucket).
pub(crate) const BINS: usize = 1 << BIN_BITS;

/// The histogram bin of a 53-bit draw.
pub(crate) fn bin_of(draw: u64) -> usize {
    (draw >> (crate::sample::DRAW_BITS - BIN_BITS)) as usize
}

/// Tokens per draw bin of one bucket, filled by the counting pass.
#[derive(Debug, Clone)]
pub(crate) struct DrawHistogram {
    tokens: Vec<u64>,
}

impl Default for DrawHistogram {
    fn default() -> Self {
        DrawHistogram {
            tokens: vec![0; BINS],
        }
    }
}

impl DrawHistogram {
    /// Counts a document.
    pub(crate) fn add(&mut self, draw: u64, tokens: u64) {
        self.tokens[bin_of(draw)] += tokens;
    }
}

/// What the sampler does with the extra copy of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extra {
    /// No extra copy.
    No,
    /// An extra copy, decided now.
    Yes,
    /// An extra copy whose fate is decided once the boundary bin is resolved.
    Pending,
}

/// The fractional-epoch quota of one bucket.
#[derive(Debug, Clone)]
pub(crate) struct FracQuota {
    /// Copies every document gets.
    pub whole: u32,
    /// Tokens the extra copies should add up to.
    target: f64,
    /// Documents in bins below this one get the extra copy; in this one, it is pending.
    boundary: usize,
    /// Tokens of the bins below the boundary.
    before: u64,
    /// `(draw, tokens)` of the boundary bin's documents.
    candidates: Vec<(u64, u64)>,
    /// Once resolved: pending copies with a draw at most this are kept (None: none kept).
    threshold: Option<u64>,
}

impl FracQuota {
    /// The quota of a bucket planned at `selected` tokens out of `available`, with its draw
    /// histogram. None when the bucket is not sampled by quota (nothing available).
    pub(crate) fn new(selected: f64, available: u64, hist: &DrawHistogram) -> Option<FracQuota> {
        if available == 0 || selected.is_nan() || selected <= 0.0 {
            return None;
        }
        let epochs = selected / available as f64;
        let whole = epochs.floor();
        let target = (selected - whole * available as f64).max(0.0);
        let mut before = 0u64;
        let mut boundary = BINS;
        for (b, &t) in hist.tokens.iter().enumerate() {
            if (before + t) as f64 > target {
                boundary = b;
                break;
            }
            before += t;
        }
        Some(FracQuota {
            whole: whole.min(f64::from(u32::MAX - 1)) as u32,
            target,
            boundary,
            before,
            candidates: Vec::new(),
            threshold: None,
        })
    }

    /// The extra copy of a document with this draw.
    pub(crate) fn extra(&self, draw: u64) -> Extra {
        match bin_of(draw).cmp(&self.boundary) {
            std::cmp::Ordering::Less => Extra::Yes,
            std::cmp::Ordering::Equal => Extra::Pending,
            std::cmp::Ordering::Greater => Extra::No,
        }
    }

    /// Records a document of the boundary bin (during the sampling pass).
    pub(crate) fn add_candidate(&mut self, draw: u64, tokens: u64) {
        self.candidates.push((draw, tokens));
    }

    /// Decides the boundary bin: documents in draw order (equal draws together) are taken
    /// while the running total stays at most the target, then the first one past it is taken
    /// when it overshoots by less than leaving it out would undershoot.
    pub(crate) fn resolve(&mut self) {
        let mut c = std::mem::take(&mut self.candidates);
        c.sort_unstable();
        let mut cum = self.before as f64;
        let mut i = 0;
        while i < c.len() {
            let d = c[i].0;
            let mut g = 0u64;
            while i < c.len() && c[i].0 == d {
                g += c[i].1;
                i += 1;
            }
            let with = cum + g as f64;
            if with <= self.target {
                cum = with;
                self.threshold = Some(d);
            } else {
                if with - self.target < self.target - cum {
                    self.threshold = Some(d);
                }
                break;
            }
        }
    }

    /// Is a pending extra copy with this draw kept? (After [`FracQuota::resolve`].)
    pub(crate) fn keeps(&self, draw: u64) -> bool {
        self.threshold.is_some_and(|t| draw <= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws spread over all bins, one document each.
    fn docs(n: u64) -> Vec<(u64, u64)> {
        (0..n)
            .map(|i| {
                let draw = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
                (draw, 10 + i % 90)
            })
            .collect()
    }

    fn select(docs: &[(u64, u64)], selected: f64) -> u64 {
        let mut h = DrawHistogram::default();
        let total: u64 = docs.iter().map(|d| d.1).sum();
        for &(d, t) in docs {
            h.add(d, t);
        }
        let mut q = FracQuota::new(selected, total, &h).expect("quota");
        for &(d, t) in docs {
            if q.extra(d) == Extra::Pending {
                q.add_candidate(d, t);
            }
        }
        q.resolve();
        let extra: u64 = docs
            .iter()
            .filter(|&&(d, _)| match q.extra(d) {
                Extra::Yes => true,
                Extra::Pending => q.keeps(d),
                Extra::No => false,
            })
            .map(|d| d.1)
            .sum();
        u64::from(q.whole) * total + extra
    }

    #[test]
    fn quota_is_met_within_half_a_document() {
        let d = docs(50_000);
        let total: u64 = d.iter().map(|x| x.1).sum();
        for frac in [0.013, 0.4, 0.5, 0.999, 1.0, 1.37, 2.5, 3.999] {
            let want = frac * total as f64;
            let got = select(&d, want) as f64;
            assert!(
                (got - want).abs() <= 50.0,
                "frac {frac}: want {want} got {got}"
            );
        }
    }
}
