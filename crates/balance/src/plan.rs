//! The pure planner: token counts per bucket + a mix → a sampling plan.

use crate::mix::{MixConfig, Sampling};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::AddAssign;

/// A bucket: one language of one source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BucketKey {
    /// Language code of the documents.
    pub lang: String,
    /// Source of the documents (`Document::source`, or a name given to an input directory).
    pub source: String,
}

impl BucketKey {
    /// A bucket key.
    pub fn new(lang: impl Into<String>, source: impl Into<String>) -> Self {
        BucketKey {
            lang: lang.into(),
            source: source.into(),
        }
    }
}

/// What one bucket holds. Counts add across tasks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BucketCounts {
    /// Documents.
    pub docs: u64,
    /// Tokens.
    pub tokens: u64,
    /// UTF-8 bytes of text.
    pub bytes: u64,
    /// Σ tokens × rehydration factor (equals `tokens` without rehydration).
    pub rehydrated_tokens: f64,
}

impl AddAssign<&BucketCounts> for BucketCounts {
    fn add_assign(&mut self, o: &BucketCounts) {
        self.docs += o.docs;
        self.tokens += o.tokens;
        self.bytes += o.bytes;
        self.rehydrated_tokens += o.rehydrated_tokens;
    }
}

/// Counts of every bucket, sorted.
pub type Counts = BTreeMap<BucketKey, BucketCounts>;

/// The plan of one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketPlan {
    /// Language.
    pub lang: String,
    /// Source.
    pub source: String,
    /// What is available.
    pub available: BucketCounts,
    /// The rule weight applied (the mix's default weight when no rule matched).
    pub weight: f64,
    /// The epoch cap applied.
    pub max_epochs: f64,
    /// Tokens to select (may exceed `available.tokens` when repeated).
    pub selected_tokens: f64,
    /// Expected documents selected (copies included).
    pub selected_docs: f64,
    /// `selected_tokens / available.tokens`: how many times the bucket is seen (0 when empty).
    pub epochs: f64,
    /// Share of this bucket in the plan's selected tokens, in [0, 1].
    pub share: f64,
    /// Share in the selection divided by the natural share (1.0 = natural proportion).
    pub effective_weight: f64,
    /// True when the epoch cap limited the bucket.
    pub capped: bool,
}

/// The result of [`plan`]: per-bucket selections, serializable as the plan report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingPlan {
    /// The mix's name.
    pub mix: String,
    /// The seed.
    pub seed: u64,
    /// The budget asked for (None: no budget).
    pub target_tokens: Option<u64>,
    /// Tokens available in total.
    pub available_tokens: u64,
    /// Tokens the plan selects in total.
    pub selected_tokens: f64,
    /// Budget that could not be met because every bucket reached its cap: 0 when the budget
    /// is met to within [`BUDGET_TOLERANCE_TOKENS`] (float rounding of the water-filling).
    pub shortfall_tokens: f64,
    /// Buckets in key order.
    pub buckets: Vec<BucketPlan>,
}

/// Plans a mix over counted buckets. A pure function: the same counts and mix always give the
/// same plan.
///
/// 1. Each bucket gets a *desired share* from its tokens and rule weight (see [`Sampling`]).
/// 2. The budget (or, without one, see below) is distributed by water-filling: a bucket receives
///    `λ · share`, but at most `max_epochs × tokens`; what a capped bucket cannot take goes to
///    the uncapped ones, in proportion to their shares, until the budget is met or every bucket
///    is capped (then `shortfall_tokens` says how much is missing).
///
/// Without `target_tokens`, multiplier sampling gives every bucket `weight` epochs (capped);
/// temperature and UniMax sampling redistribute the available total.
///
/// ```
/// use garbell_balance::{plan, BucketCounts, BucketKey, Counts, MixConfig};
/// let mix = MixConfig::from_toml(r#"
///     name = "demo"
///     target_tokens = 300
///     [[rules]]
///     lang = "ca"
///     weight = 2.0
/// "#).unwrap();
/// let mut counts = Counts::new();
/// for (lang, tokens) in [("ca", 100), ("en", 100)] {
///     counts.insert(BucketKey::new(lang, "web"),
///         BucketCounts { docs: 10, tokens, bytes: 4 * tokens, rehydrated_tokens: tokens as f64 });
/// }
/// let p = plan(&mix, &counts);
/// assert_eq!(p.buckets[0].selected_tokens, 200.0); // ca: 2 epochs
/// assert_eq!(p.buckets[1].selected_tokens, 100.0); // en: natural
/// ```
pub fn plan(mix: &MixConfig, counts: &Counts) -> SamplingPlan {
    let keys: Vec<&BucketKey> = counts.keys().collect();
    let n = keys.len();
    let mut weight = Vec::with_capacity(n);
    let mut caps = Vec::with_capacity(n);
    let mut tokens = Vec::with_capacity(n);
    let mut epoch_cap = Vec::with_capacity(n);
    for k in &keys {
        let rule = mix.rule_for(&k.lang, &k.source);
        let w = rule.map_or(mix.default_weight, |r| r.weight);
        let e = rule.and_then(|r| r.max_epochs).unwrap_or(mix.max_epochs);
        let t = counts[*k].tokens as f64;
        weight.push(w);
        epoch_cap.push(e);
        tokens.push(t);
        caps.push(if w > 0.0 { e * t } else { 0.0 });
    }
    let available: f64 = tokens.iter().sum();

    // Desired (unnormalized) shares.
    let desired: Vec<f64> = match mix.sampling {
        Sampling::Multiplier => (0..n).map(|i| weight[i] * tokens[i]).collect(),
        Sampling::Temperature { temperature } => (0..n)
            .map(|i| {
                if available > 0.0 && tokens[i] > 0.0 {
                    weight[i] * (tokens[i] / available).powf(1.0 / temperature)
                } else {
                    0.0
                }
            })
            .collect(),
        Sampling::Unimax => {
            let mut per_lang: BTreeMap<&str, f64> = BTreeMap::new();
            for i in 0..n {
                *per_lang.entry(keys[i].lang.as_str()).or_default() += weight[i] * tokens[i];
            }
            let langs = per_lang.values().filter(|v| **v > 0.0).count().max(1) as f64;
            (0..n)
                .map(|i| {
                    let lt = per_lang[keys[i].lang.as_str()];
                    if lt > 0.0 {
                        weight[i] * tokens[i] / lt / langs
                    } else {
                        0.0
                    }
                })
                .collect()
        }
    };

    let selected: Vec<f64> = match (mix.target_tokens, mix.sampling) {
        (None, Sampling::Multiplier) => (0..n)
            .map(|i| (weight[i] * tokens[i]).min(caps[i]))
            .collect(),
        (budget, _) => water_fill(&desired, &caps, budget.map_or(available, |b| b as f64)),
    };
    let total: f64 = selected.iter().sum();
    let shortfall = mix.target_tokens.map_or(0.0, |b| {
        let missing = b as f64 - total;
        if missing < BUDGET_TOLERANCE_TOKENS {
            0.0
        } else {
            missing
        }
    });

    let buckets = (0..n)
        .map(|i| {
            let c = counts[keys[i]];
            let epochs = if tokens[i] > 0.0 {
                selected[i] / tokens[i]
            } else {
                0.0
            };
            let share = if total > 0.0 {
                selected[i] / total
            } else {
                0.0
            };
            let natural = if available > 0.0 {
                tokens[i] / available
            } else {
                0.0
            };
            BucketPlan {
                lang: keys[i].lang.clone(),
                source: keys[i].source.clone(),
                available: c,
                weight: weight[i],
                max_epochs: epoch_cap[i],
                selected_tokens: selected[i],
                selected_docs: epochs * c.docs as f64,
                epochs,
                share,
                effective_weight: if natural > 0.0 { share / natural } else { 0.0 },
                capped: caps[i] > 0.0 && selected[i] >= caps[i] * (1.0 - 1e-12),
            }
        })
        .collect();
    SamplingPlan {
        mix: mix.name.clone(),
        seed: mix.seed,
        target_tokens: mix.target_tokens,
        available_tokens: counts.values().map(|c| c.tokens).sum(),
        selected_tokens: total,
        shortfall_tokens: shortfall,
        buckets,
    }
}

/// A plan whose selection is this close to the budget meets it: the water-filling's float
/// rounding (leftovers like 1e-9 tokens) is not a shortfall. Sampling takes whole documents
/// anyway (each bucket lands within half a document of its planned tokens).
pub const BUDGET_TOLERANCE_TOKENS: f64 = 1.0;

/// Distributes `budget` over items in proportion to `desired`, each at most its cap; the excess
/// of capped items goes to the others. Returns the allocations. Deterministic (no randomness,
/// fixed iteration order).
pub fn water_fill(desired: &[f64], caps: &[f64], budget: f64) -> Vec<f64> {
    let n = desired.len();
    let mut alloc = vec![0.0; n];
    let mut frozen: Vec<bool> = (0..n)
        .map(|i| desired[i] <= 0.0 || caps[i] <= 0.0)
        .collect();
    let mut remaining = budget.max(0.0);
    loop {
        let open: f64 = (0..n).filter(|&i| !frozen[i]).map(|i| desired[i]).sum();
        if open <= 0.0 || remaining <= 0.0 {
            break;
        }
        let lambda = remaining / open;
        let mut newly = false;
        for i in 0..n {
            if !frozen[i] && lambda * desired[i] >= caps[i] {
                alloc[i] = caps[i];
                remaining -= caps[i];
                frozen[i] = true;
                newly = true;
            }
        }
        if !newly {
            for i in 0..n {
                if !frozen[i] {
                    alloc[i] = lambda * desired[i];
                }
            }
            break;
        }
    }
    alloc
}

impl SamplingPlan {
    /// The plan as an aligned text table, one line per bucket plus a total line.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<8} {:<12} {:>10} {:>14} {:>12} {:>14} {:>7} {:>7} {:>7} {:>6}",
            "lang",
            "source",
            "docs",
            "tokens",
            "sel_docs",
            "sel_tokens",
            "share%",
            "weight",
            "eff_w",
            "epochs"
        );
        for b in &self.buckets {
            let _ = writeln!(
                s,
                "{:<8} {:<12} {:>10} {:>14} {:>12.0} {:>14.0} {:>7.2} {:>7.3} {:>7.3} {:>6.3}{}",
                b.lang,
                b.source,
                b.available.docs,
                b.available.tokens,
                b.selected_docs,
                b.selected_tokens,
                100.0 * b.share,
                b.weight,
                b.effective_weight,
                b.epochs,
                if b.capped { " capped" } else { "" }
            );
        }
        let weighted = self
            .buckets
            .iter()
            .filter(|b| b.weight > 0.0 && b.available.tokens > 0)
            .count();
        let capped = self.buckets.iter().filter(|b| b.capped).count();
        let target = match self.target_tokens {
            None => String::new(),
            Some(t) if self.shortfall_tokens > 0.0 => format!(
                " (target {t}: SHORTFALL {:.0} tokens, {:.2}% of the target: all {weighted} \
                 buckets with weight > 0 are at their epoch cap)",
                self.shortfall_tokens,
                100.0 * self.shortfall_tokens / t.max(1) as f64
            ),
            Some(t) => format!(" (target {t}: met to within {BUDGET_TOLERANCE_TOKENS} token)"),
        };
        let _ = writeln!(
            s,
            "total: {} tokens available, {:.0} selected{target}; {capped} of {weighted} \
             buckets with weight > 0 capped at their epoch cap",
            self.available_tokens, self.selected_tokens,
        );
        s
    }
}
