//! The deterministic sampler: how many copies of each document a plan selects, and the shuffle
//! key of each copy.

use crate::mix::{MixConfig, RehydrationConfig};
use crate::plan::{BucketKey, SamplingPlan};
use garbell_core::Document;
use std::collections::BTreeMap;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Domain separators, so that the selection and shuffle hashes are independent.
const SELECT: u64 = 0x7365_6c65_6374_0001;
const SHUFFLE: u64 = 0x7368_7566_666c_0002;

/// Bits of a selection draw.
pub(crate) const DRAW_BITS: u32 = 53;

/// The selection draw of `(id, seed)` as a 53-bit integer: [`selection_draw`] is this / 2⁵³.
pub(crate) fn draw_bits(id: &str, seed: u64) -> u64 {
    xxh3_64_with_seed(id.as_bytes(), seed ^ SELECT) >> (64 - DRAW_BITS)
}

/// A uniform number in [0, 1) from the hash of `(id, seed)`.
pub fn selection_draw(id: &str, seed: u64) -> f64 {
    draw_bits(id, seed) as f64 / (1u64 << DRAW_BITS) as f64
}

/// The shuffle key of copy `copy` of document `id`: output order is ascending key.
pub fn shuffle_key(id: &str, copy: u32, seed: u64) -> u64 {
    let mut buf = Vec::with_capacity(id.len() + 5);
    buf.extend_from_slice(id.as_bytes());
    buf.push(0xff); // not valid UTF-8: separates id from copy unambiguously
    buf.extend_from_slice(&copy.to_le_bytes());
    xxh3_64_with_seed(&buf, seed ^ SHUFFLE)
}

/// Decides how many copies of each document go to the output, in expectation.
///
/// The balance stage uses it only with rehydration (per-document factors); otherwise it fills
/// each bucket's fractional epoch exactly (whole documents in draw order until the bucket's
/// token quota is met, see `docs/balance.md`). A bucket planned at `e` epochs gives each document `floor(e)` copies plus one more when
/// [`selection_draw`]`(id, seed) < e - floor(e)`: undersampling (`e < 1`) is selection by hash,
/// oversampling repeats whole epochs. With rehydration, `e` is multiplied by the document's
/// factor divided by the bucket's token-weighted mean factor, so bucket totals stay on plan.
/// Decisions depend only on the document's id, bucket and signals, never on reading order.
#[derive(Debug, Clone)]
pub struct Sampler {
    seed: u64,
    epochs: BTreeMap<BucketKey, f64>,
    rehydration: Option<RehydrationConfig>,
}

impl Sampler {
    /// A sampler for a plan made from `mix`.
    pub fn new(plan: &SamplingPlan, mix: &MixConfig) -> Sampler {
        let epochs = plan
            .buckets
            .iter()
            .map(|b| {
                let norm = if b.available.rehydrated_tokens > 0.0 && mix.rehydration.is_some() {
                    b.available.tokens as f64 / b.available.rehydrated_tokens
                } else {
                    1.0
                };
                (BucketKey::new(&b.lang, &b.source), b.epochs * norm)
            })
            .collect();
        Sampler {
            seed: plan.seed,
            epochs,
            rehydration: mix.rehydration.clone(),
        }
    }

    /// The rehydration factor of a document (1.0 without rehydration).
    pub fn factor(&self, doc: &Document) -> f64 {
        self.rehydration
            .as_ref()
            .map_or(1.0, |r| r.factor(doc.signals.get(&r.signal).copied()))
    }

    /// Number of copies of `doc` (in bucket `key`) to write; 0 for a bucket not in the plan.
    pub fn copies(&self, doc: &Document, key: &BucketKey) -> u32 {
        let Some(e) = self.epochs.get(key) else {
            return 0;
        };
        let e = e * self.factor(doc);
        if e.is_nan() || e <= 0.0 {
            return 0;
        }
        let whole = e.floor();
        let extra = selection_draw(&doc.id, self.seed) < e - whole;
        (whole as u32).saturating_add(u32::from(extra))
    }

    /// True when copies depend on a per-document rehydration factor.
    pub fn rehydrating(&self) -> bool {
        self.rehydration.is_some()
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}
