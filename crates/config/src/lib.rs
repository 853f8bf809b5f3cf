//! Configuration of garbell: chain files (`filters/chains/*.toml`) and language profiles
//! (`languages/<iso>.toml` over `languages/_defaults.toml`).
//!
//! Config structs are plain serde data with `deny_unknown_fields`: a typo fails when the file is
//! loaded, with the file, line and key in the message, before any work starts. Runtime objects are
//! built from them elsewhere (`garbell-pipeline`).
//!
//! Both directories are embedded in the binary at build time; a directory given at run time
//! replaces the embedded copy.
//!
//! ```
//! let langs = garbell_config::Languages::embedded().unwrap();
//! assert_eq!(langs.len(), 35);
//! assert_eq!(langs.lang_of_label("__label__ca"), Some("ca"));
//! assert!((langs.get("ca").unwrap().lid.threshold - 0.65).abs() < 1e-6);
//! ```

mod chain;
mod languages;
mod pipeline;
mod resolve;

pub use chain::{
    apply_overrides, ChainConfig, DedupConfig, FilterLanguageConfig, IdentifyLanguageConfig,
    InvalidUtf8Policy, LidMode, NormalizeConfig, SerboCroatian, StepConfig,
};
pub use languages::{LanguageProfile, Languages, LidProfile};
pub use pipeline::{BalanceStage, DedupStage, PipelineConfig, Resources, RunStage};
pub use resolve::{resolve, Resolved, ResolvedStep, Source};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The chain files embedded at build time: (file name, contents).
pub fn embedded_chains() -> &'static [(&'static str, &'static str)] {
    embedded::CHAIN_FILES
}

/// A configuration error. Its message names the file and, for syntax and type errors, the line
/// and key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error(transparent)]
    Io(#[from] garbell_core::PathError),
    /// A file is not valid TOML or does not match the expected shape (unknown key, wrong type).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message, with line, column and key.
        message: String,
    },
    /// Values parse but do not make sense together.
    #[error("{path}: {message}")]
    Invalid {
        /// The file (or `<embedded>/name`).
        path: String,
        /// What is wrong, naming the key.
        message: String,
    },
}

/// Hash of a serializable configuration: blake3 of its canonical JSON (keys in declaration or
/// sorted order, no whitespace), as lowercase hex.
pub fn config_hash<T: serde::Serialize>(value: &T) -> String {
    let json = serde_json::to_vec(value).unwrap_or_default();
    blake3::hash(&json).to_hex().to_string()
}

fn parse_toml<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| Error::Parse {
        path: path.to_string(),
        message: e.to_string(),
    })
}
