//! Language-balanced pretraining mixes and multilingual injection sets.
//!
//! The balance stage turns garbell shards into a weighted, shuffled training corpus:
//!
//! 1. **Count** documents, tokens and bytes per *bucket* (language × source) with a
//!    [`TokenCounter`]: exact with a Hugging Face `tokenizer.json` (feature `hf-tokenizers`) or
//!    the fast [`Estimate`].
//! 2. **Plan** with the pure function [`plan`]: a [`MixConfig`] (`filters/mixes/*.toml`) gives
//!    each bucket a weight (multiplier, temperature or UniMax sampling), a token budget and an
//!    epoch cap; the result is a [`SamplingPlan`] with, per bucket, the tokens selected, the
//!    effective weight and the epochs.
//! 3. **Sample** deterministically: a bucket planned at `e` epochs repeats every document
//!    `⌊e⌋` times, and fills the rest of its token quota with one more copy of whole documents
//!    taken in order of a hash of `(id, seed)` (so each bucket lands within half a document of
//!    its plan); with rehydration the [`Sampler`] decides per document, in expectation.
//! 4. **Write** ([`run_balance`]) zstd Parquet shards of a target size, each copy placed and
//!    ordered by a hash key, so documents are shuffled across buckets with one shard in memory
//!    at a time; then a shard index (`shards.json`), the plan report and a manifest.
//!
//! [`run_injection`] builds text-only multilingual sets sized as a ratio of a visual
//! instruction dataset, for one or several training stages, with per-language quotas.
//!
//! # Example
//!
//! ```
//! use garbell_balance::{plan, BucketCounts, BucketKey, Counts, MixConfig};
//!
//! let mix = MixConfig::from_toml(r#"
//!     name = "demo"
//!     seed = 7
//!     target_tokens = 1000
//!     max_epochs = 2.0
//!     [[rules]]
//!     lang = "ca"
//!     weight = 2.0
//! "#).unwrap();
//! let mut counts = Counts::new();
//! let mut add = |lang: &str, tokens: u64| {
//!     counts.insert(BucketKey::new(lang, "web"), BucketCounts {
//!         docs: tokens / 10, tokens, bytes: tokens * 4, rehydrated_tokens: tokens as f64,
//!     });
//! };
//! add("ca", 100);
//! add("en", 2000);
//! let p = plan(&mix, &counts);
//! // ca gets 2 × 100 / (2 × 100 + 2000) of the budget: twice its natural share.
//! assert!((p.buckets[0].epochs - 2.0 * 1000.0 / 2200.0).abs() < 1e-9);
//! assert!((p.selected_tokens - 1000.0).abs() < 1e-6);
//! println!("{}", p.to_table());
//! ```

mod error;
pub mod inject;
mod io;
mod mix;
mod plan;
mod quota;
mod sample;
mod stage;
mod tokens;

pub use error::Error;
pub use inject::{
    count_llava_samples, language_quotas, run_injection, InjectOptions, InjectionConfig,
    InjectionStage, LanguageCheck, Quota, StageReport,
};
pub use io::{list_shards, write_atomic, Input};
pub use mix::{MixConfig, OutputConfig, RehydrationConfig, RuleConfig, Sampling};
pub use plan::{
    plan, water_fill, BucketCounts, BucketKey, BucketPlan, Counts, SamplingPlan,
    BUDGET_TOLERANCE_TOKENS,
};
pub use sample::{selection_draw, shuffle_key, Sampler};
pub use stage::{
    count_inputs, index_path, run_balance, Achieved, BalanceOptions, BalanceReport, ShardEntry,
    ShardIndex, MAX_SPILL_FILES,
};
pub use tokens::{Estimate, TokenCounter, TokensConfig};
