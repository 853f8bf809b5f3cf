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
}

/// The name under which the embedded lid.176 model is referred to in chain files.
pub const EMBEDDED_LID176: &str = "embedded:lid.176";

impl Context {
    /// A context over these profiles.
    pub fn new(languages: Languages) -> Self {
        Context {
            languages,
            models: BTreeMap::new(),
        }
    }

    /// Loads (once) the model named in a chain file.
    pub fn model(&mut self, name: &str) -> Result<Arc<Model>, Error> {
        if let Some(m) = self.models.get(name) {
            return Ok(m.clone());
        }
        let m = Arc::new(if name == EMBEDDED_LID176 {
            Model::embedded_lid176()?
        } else {
            Model::load(std::path::Path::new(name))?
        });
        self.models.insert(name.to_string(), m.clone());
        Ok(m)
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
            Box::new(crate::steps::IdentifyLanguage::new(
                model,
                &ctx.languages,
                c.max_bytes,
            ))
        }
        StepConfig::FilterLanguage(c) => Box::new(crate::steps::FilterLanguage::new(
            &ctx.languages,
            &c.languages,
            c.threshold,
        )),
    })
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
