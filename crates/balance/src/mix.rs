//! Mix files: `filters/mixes/<name>.toml`.

use crate::inject::InjectionConfig;
use crate::tokens::TokensConfig;
use crate::Error;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A mix: how buckets (language × source) are weighted over a token budget, and optionally the
/// multilingual injection sets. See `docs/balance.md` for the format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixConfig {
    /// Name of the mix (recorded in plans and manifests).
    pub name: String,
    /// What the mix is for, with sources for its numbers.
    #[serde(default)]
    pub description: String,
    /// Seed of every hash-based choice (selection, repetition, shuffle). Default 0.
    #[serde(default)]
    pub seed: u64,
    /// Tokens to select in total. None: no budget, every bucket gets `weight` epochs of its
    /// data (multiplier sampling) or the available total is redistributed (temperature, unimax).
    #[serde(default)]
    pub target_tokens: Option<u64>,
    /// The most epochs any bucket may be repeated (a rule may set a lower or higher one).
    /// Tokens a capped bucket cannot take go to the other buckets in proportion to their
    /// share. Default 4.0 (Muennighoff et al. 2023: up to ~4 epochs cost little).
    #[serde(default = "default_max_epochs")]
    pub max_epochs: f64,
    /// How shares are derived from counts and weights.
    #[serde(default)]
    pub sampling: Sampling,
    /// Weight of buckets no rule matches. Default 1.0 (natural proportion).
    #[serde(default = "one")]
    pub default_weight: f64,
    /// Weight rules; for each bucket the most specific matching rule applies (an exact language
    /// and source beat a pattern, a language beats a source).
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    /// Token counting.
    #[serde(default)]
    pub tokens: TokensConfig,
    /// Per-document repetition from a deduplication cluster-size signal.
    #[serde(default)]
    pub rehydration: Option<RehydrationConfig>,
    /// Output shard settings.
    #[serde(default)]
    pub output: OutputConfig,
    /// Multilingual text-only injection sets for visual instruction tuning.
    #[serde(default)]
    pub injection: Option<InjectionConfig>,
}

fn default_max_epochs() -> f64 {
    4.0
}
fn one() -> f64 {
    1.0
}

/// How bucket shares are computed from token counts `t` and rule weights `w`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Sampling {
    /// Share ∝ `w · t`: natural proportion times a multiplier (Salamandra's scheme).
    #[default]
    Multiplier,
    /// Share ∝ `w · (t / Σt)^(1/temperature)`: temperature 1 is natural proportion, larger
    /// values flatten toward uniform (XLM-R / mT5 style).
    Temperature {
        /// The temperature, > 0.
        temperature: f64,
    },
    /// UniMax (Chung et al. 2023): the budget is spread uniformly over *languages*, each capped
    /// at `max_epochs` of its data, leftovers redistributed uniformly; within a language,
    /// buckets share ∝ `w · t`.
    Unimax,
}

/// A weight rule: which buckets it matches and their multiplier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Language pattern: an exact code (`ca`), a prefix pattern (`code-*`) or `*`. Default `*`.
    #[serde(default)]
    pub lang: Option<String>,
    /// Source pattern, same syntax. Default `*`.
    #[serde(default)]
    pub source: Option<String>,
    /// Multiplier, >= 0. 0 excludes the bucket.
    pub weight: f64,
    /// Epoch cap for these buckets, overriding the mix's `max_epochs`.
    #[serde(default)]
    pub max_epochs: Option<f64>,
    /// Why (a citation or a note), recorded in the plan report.
    #[serde(default)]
    pub note: String,
}

/// Upsampling of documents that stood for a cluster of near-duplicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RehydrationConfig {
    /// The signal holding the cluster size (>= 1; a missing or bad value counts as 1).
    pub signal: String,
    /// Factor `min(size^exponent, max_factor)`; buckets keep their planned tokens (factors are
    /// normalized by the bucket's token-weighted mean). Default exponent 0.5.
    #[serde(default = "half")]
    pub exponent: f64,
    /// Largest factor. Default 5.0.
    #[serde(default = "five")]
    pub max_factor: f64,
}

fn half() -> f64 {
    0.5
}
fn five() -> f64 {
    5.0
}

impl RehydrationConfig {
    /// The repetition factor of a document with this cluster size (None: signal missing).
    pub fn factor(&self, size: Option<f64>) -> f64 {
        let s = match size {
            Some(s) if s.is_finite() && s >= 1.0 => s,
            _ => 1.0,
        };
        s.powf(self.exponent).min(self.max_factor).max(1.0)
    }
}

/// Output shard settings of the balance stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Target size of one shard in bytes of text (before compression). Default 512 MiB.
    pub shard_bytes: u64,
    /// Parquet writer settings (garbell-shard `ShardConfig`).
    pub shard: garbell_shard::ShardConfig,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            shard_bytes: 512 << 20,
            shard: garbell_shard::ShardConfig::default(),
        }
    }
}

/// Does `pattern` (None, `*`, `prefix*` or exact) match `value`? Returns the specificity:
/// 2 exact, 1 prefix, 0 wildcard; None when it does not match.
pub(crate) fn pattern_match(pattern: Option<&str>, value: &str) -> Option<u8> {
    match pattern {
        None | Some("*") => Some(0),
        Some(p) => match p.strip_suffix('*') {
            Some(prefix) => value.starts_with(prefix).then_some(1),
            None => (p == value).then_some(2),
        },
    }
}

impl MixConfig {
    /// Parses a mix file and validates it. Relative paths inside it (`tokens.tokenizer`,
    /// `injection.stages[].vision_json`) are resolved against the mix file's directory, so a
    /// mix means the same files whatever the working directory (see
    /// [`MixConfig::resolve_paths`]).
    pub fn load(path: &Path) -> Result<MixConfig, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let mut mix = Self::from_toml(&text).map_err(|e| match e {
            Error::Parse { message, .. } => Error::Parse {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        mix.resolve_paths(base);
        Ok(mix)
    }

    /// Makes every relative path of the mix (`tokens.tokenizer`,
    /// `injection.stages[].vision_json`) relative to `base` (the mix file's directory).
    /// Absolute paths are left as they are.
    pub fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let Some(t) = &mut self.tokens.tokenizer {
            fix(t);
        }
        if let Some(inj) = &mut self.injection {
            for s in &mut inj.stages {
                if let Some(v) = &mut s.vision_json {
                    fix(v);
                }
            }
        }
    }

    /// Parses mix TOML text and validates it.
    pub fn from_toml(text: &str) -> Result<MixConfig, Error> {
        let mix: MixConfig = toml::from_str(text).map_err(|e| Error::Parse {
            path: "<mix>".into(),
            message: e.to_string(),
        })?;
        mix.validate()?;
        Ok(mix)
    }

    /// Checks every value, so that a typo fails before any data is read.
    pub fn validate(&self) -> Result<(), Error> {
        let pos = |v: f64| v.is_finite() && v > 0.0;
        if !pos(self.max_epochs) {
            return Err(Error::config("max_epochs must be > 0"));
        }
        if !(self.default_weight.is_finite() && self.default_weight >= 0.0) {
            return Err(Error::config("default_weight must be >= 0"));
        }
        if let Sampling::Temperature { temperature } = self.sampling {
            if !pos(temperature) {
                return Err(Error::config("sampling.temperature must be > 0"));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            if !(r.weight.is_finite() && r.weight >= 0.0) {
                return Err(Error::config(format!("rules[{i}].weight must be >= 0")));
            }
            if r.max_epochs.is_some_and(|e| !pos(e)) {
                return Err(Error::config(format!("rules[{i}].max_epochs must be > 0")));
            }
            let key = (
                r.lang.clone().unwrap_or_else(|| "*".into()),
                r.source.clone().unwrap_or_else(|| "*".into()),
            );
            if !seen.insert(key.clone()) {
                return Err(Error::config(format!(
                    "rules[{i}]: a rule for lang={} source={} is already defined",
                    key.0, key.1
                )));
            }
        }
        if let Some(r) = &self.rehydration {
            if r.signal.is_empty()
                || !pos(r.exponent)
                || r.max_factor.is_nan()
                || r.max_factor < 1.0
            {
                return Err(Error::config(
                    "rehydration: signal must be set, exponent > 0, max_factor >= 1",
                ));
            }
        }
        if self.output.shard_bytes == 0 {
            return Err(Error::config("output.shard_bytes must be > 0"));
        }
        self.output.shard.validate()?;
        self.tokens.validate()?;
        if let Some(inj) = &self.injection {
            inj.validate()?;
        }
        Ok(())
    }

    /// The rule that applies to a bucket: the most specific match (language specificity first,
    /// then source); None when no rule matches.
    pub fn rule_for(&self, lang: &str, source: &str) -> Option<&RuleConfig> {
        self.rules
            .iter()
            .filter_map(|r| {
                let l = pattern_match(r.lang.as_deref(), lang)?;
                let s = pattern_match(r.source.as_deref(), source)?;
                Some(((l, s), r))
            })
            .max_by_key(|(spec, _)| *spec)
            .map(|(_, r)| r)
    }
}
