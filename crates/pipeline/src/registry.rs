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
    /// The profiles' word lists, as the quality filters read them (made once).
    lexicon: Option<garbell_quality::Lexicon>,
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
            lexicon: None,
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
    /// The word lists of the language profiles (stopwords), for the quality filters.
    pub fn lexicon(&mut self) -> &garbell_quality::Lexicon {
        let langs = &self.languages;
        self.lexicon.get_or_insert_with(|| lexicon(langs))
    }

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
        StepConfig::FilterUrlBlocklist(c) => Box::new(c.build()?),
        StepConfig::FilterCodeQuality(c) => Box::new(c.build()?),
        StepConfig::LabelCodeLanguage(c) => Box::new(c.build()),
        StepConfig::FilterLanguage(c) => Box::new(crate::steps::FilterLanguage::new(
            ctx.languages
                .iter()
                .map(|p| (p.code.as_str(), p.lid.threshold)),
            &c.languages,
            c.threshold,
        )),
        // The signal filters of `garbell_quality::signal_filters!`, routed by language.
        s => per_language(ctx, s)?,
    })
}

/// The word lists of `langs` as the quality filters read them.
pub fn lexicon(langs: &Languages) -> garbell_quality::Lexicon {
    let mut lex = garbell_quality::Lexicon::new();
    for p in langs.iter() {
        if let Some(text) = &p.stopwords {
            lex.add_stopwords(&p.code, text);
        }
    }
    lex
}

/// Builds a signal filter from the chain's parameters, and one more per language whose profile
/// has a `[quality.<step>]` table (its keys over the chain's values); documents are routed by
/// `lang`.
fn per_language(ctx: &mut Context, step: &StepConfig) -> Result<Box<dyn Step>, Error> {
    let name = step.name();
    let build = |s: &StepConfig, lex: &garbell_quality::Lexicon| match s.filter() {
        Some(f) => Ok(f.build_step(lex)?),
        None => Err(Error::Config(garbell_config::Error::Invalid {
            path: "<chain>".into(),
            message: format!("step `{}` has no builder", s.name()),
        })),
    };
    let lex = ctx.lexicon().clone();
    let default = build(step, &lex)?;
    let mut by_lang = BTreeMap::new();
    for code in routed_languages(step, &ctx.languages) {
        if let Some(p) = ctx.languages.get(&code) {
            let table = p.quality.get(name).cloned().unwrap_or_default();
            let c =
                step.with_overrides(&table)
                    .map_err(|message| garbell_config::Error::Invalid {
                        path: format!("languages/{}.toml", p.code),
                        message: format!("[quality.{name}]: {message}"),
                    })?;
            by_lang.insert(code, build(&c, &lex)?);
        }
    }
    if by_lang.is_empty() {
        return Ok(default);
    }
    Ok(Box::new(crate::steps::PerLanguage::new(default, by_lang)))
}

/// The languages that get their own variant of `step`: those whose profile has a
/// `[quality.<step>]` table, when `step` is a signal filter.
pub fn routed_languages(step: &StepConfig, langs: &Languages) -> Vec<String> {
    if step.filter().is_none() {
        return Vec::new();
    }
    langs
        .iter()
        .filter(|p| p.quality.contains_key(step.name()))
        .map(|p| p.code.clone())
        .collect()
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
