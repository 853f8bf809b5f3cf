//! The step registry: the one table from `StepConfig` to runtime step.

use crate::{Chain, Error};
use garbell_config::{ChainConfig, Languages, StepConfig};
use garbell_core::Step;
use garbell_lid::Model;
use garbell_text::NormalizeOptions;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Shared resources steps are built from: language profiles and loaded models (one per path,
/// shared by all steps and threads).
pub struct Context {
    /// Language profiles.
    pub languages: Languages,
    models: BTreeMap<String, Arc<Model>>,
    /// Size and blake3 of each model's bytes, by name.
    model_files: BTreeMap<String, (u64, String)>,
}

/// The name under which the embedded lid.176 model is referred to in chain files.
pub const EMBEDDED_LID176: &str = "embedded:lid.176";

impl Context {
    /// A context over these profiles.
    pub fn new(languages: Languages) -> Self {
        Context {
            languages,
            models: BTreeMap::new(),
            model_files: BTreeMap::new(),
        }
    }

    /// Loads (once) the model named in a chain file.
    pub fn model(&mut self, name: &str) -> Result<Arc<Model>, Error> {
        if let Some(m) = self.models.get(name) {
            return Ok(m.clone());
        }
        let bytes = if name == EMBEDDED_LID176 {
            std::borrow::Cow::Borrowed(garbell_lid::LID176_FTZ)
        } else {
            std::borrow::Cow::Owned(std::fs::read(name).map_err(|e| Error::Io {
                path: name.to_string(),
                source: e,
            })?)
        };
        let m = Arc::new(Model::from_bytes(&bytes).map_err(|e| match e {
            garbell_lid::Error::Format(m) => garbell_lid::Error::Format(format!("{name}: {m}")),
            other => other,
        })?);
        self.model_files.insert(
            name.to_string(),
            (
                bytes.len() as u64,
                blake3::hash(&bytes).to_hex().to_string(),
            ),
        );
        self.models.insert(name.to_string(), m.clone());
        Ok(m)
    }
}

impl Context {
    /// The second-stage LID data (embedded), with a Serbo-Croatian policy, with or without the
    /// character n-gram profiles.
    pub fn disambiguator(
        &mut self,
        policy: garbell_config::SerboCroatian,
        ngram_profiles: bool,
    ) -> Result<Arc<garbell_lid::Disambiguator>, Error> {
        let policy = match policy {
            garbell_config::SerboCroatian::Standard => garbell_lid::ShPolicy::Standard,
            garbell_config::SerboCroatian::Split => garbell_lid::ShPolicy::Split,
            garbell_config::SerboCroatian::Keep => garbell_lid::ShPolicy::Keep,
            garbell_config::SerboCroatian::Group => garbell_lid::ShPolicy::Group,
        };
        let mut d = garbell_lid::Disambiguator::embedded()
            .map_err(|e| Error::Lid(e.to_string()))?
            .with_sh_policy(policy);
        if !ngram_profiles {
            d = d.without_ngrams();
        }
        Ok(Arc::new(d))
    }

    /// The models loaded so far, with their sizes and hashes (for manifests).
    pub fn model_records(&self) -> Vec<garbell_manifest::FileRecord> {
        self.model_files
            .iter()
            .map(|(path, (bytes, blake3))| garbell_manifest::FileRecord {
                path: path.clone(),
                bytes: *bytes,
                blake3: blake3.clone(),
            })
            .collect()
    }
}

/// Builds one step.
pub fn build_step(config: &StepConfig, ctx: &mut Context) -> Result<Box<dyn Step>, Error> {
    Ok(match config {
        StepConfig::Normalize(c) => Box::new(crate::steps::Normalize::new(
            NormalizeOptions {
                nfc: c.nfc,
                collapse_spaces: c.collapse_spaces,
                max_newlines: c.max_newlines,
            },
            c.invalid_utf8,
        )),
        StepConfig::IdentifyLanguage(c) => {
            let model = ctx.model(&c.model)?;
            let stage2 = if c.second_stage {
                Some(ctx.disambiguator(c.serbo_croatian, c.ngram_profiles)?)
            } else {
                None
            };
            let step =
                crate::steps::IdentifyLanguage::new(model, &ctx.languages, c.max_bytes, stage2)
                    .restricted(c.restrict_labels);
            Box::new(match c.mode {
                garbell_config::LidMode::Document => step,
                garbell_config::LidMode::Lines => {
                    step.per_line(c.line_min_score(), c.multilingual_min_share)
                }
            })
        }
        StepConfig::FilterGopherQuality(c) => {
            per_language(ctx, config.name(), c, |c| Ok(Box::new(c.build()?)))?
        }
        StepConfig::FilterGopherRepetition(c) => {
            per_language(ctx, config.name(), c, |c| Ok(Box::new(c.build()?)))?
        }
        StepConfig::FilterC4(c) => {
            per_language(ctx, config.name(), c, |c| Ok(Box::new(c.build()?)))?
        }
        StepConfig::FilterFinewebQuality(c) => {
            per_language(ctx, config.name(), c, |c| Ok(Box::new(c.build()?)))?
        }
        StepConfig::AnnotateOscar(c) => {
            per_language(ctx, config.name(), c, |c| Ok(Box::new(c.build()?)))?
        }
        StepConfig::FilterUrlBlocklist(c) => Box::new(c.build()?),
        StepConfig::FilterCodeQuality(c) => Box::new(c.build()?),
        StepConfig::FilterLanguage(c) => Box::new(crate::steps::FilterLanguage::new(
            &ctx.languages,
            &c.languages,
            c.threshold,
        )),
    })
}

/// Builds a quality step from the chain's parameters, and one more per language whose profile
/// has a `[quality.<step>]` table (its keys over the chain's values); documents are routed by
/// `lang`.
fn per_language<T>(
    ctx: &Context,
    name: &str,
    base: &T,
    build: impl Fn(&T) -> Result<Box<dyn Step>, Error>,
) -> Result<Box<dyn Step>, Error>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let default = build(base)?;
    let mut by_lang = BTreeMap::new();
    for p in ctx.languages.iter() {
        if let Some(table) = p.quality.get(name) {
            let c = garbell_config::apply_overrides(base, table).map_err(|message| {
                garbell_config::Error::Invalid {
                    path: format!("languages/{}.toml", p.code),
                    message: format!("[quality.{name}]: {message}"),
                }
            })?;
            by_lang.insert(p.code.clone(), build(&c)?);
        }
    }
    if by_lang.is_empty() {
        return Ok(default);
    }
    Ok(Box::new(crate::steps::PerLanguage::new(default, by_lang)))
}

/// Builds the whole chain.
pub fn build_chain(config: &ChainConfig, ctx: &mut Context) -> Result<Chain, Error> {
    let steps = config
        .steps
        .iter()
        .map(|s| build_step(s, ctx))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Chain::new(steps))
}
