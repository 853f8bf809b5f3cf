//! Token counting: exact with a Hugging Face `tokenizer.json` (feature `hf-tokenizers`), or a
//! fast estimate.

use crate::Error;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Counts the tokens of a text. Shared by worker threads.
pub trait TokenCounter: Send + Sync {
    /// Number of tokens of `text`.
    fn count(&self, text: &str) -> u64;

    /// A short description recorded in plans and manifests (`estimate(chars_per_token=4)`,
    /// `tokenizer.json:<blake3>`).
    fn describe(&self) -> String;
}

/// How tokens are counted: the `[tokens]` table of a mix file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokensConfig {
    /// A Hugging Face `tokenizer.json` for exact counts. Needs the `hf-tokenizers` feature;
    /// without it, a configured tokenizer is refused (never silently replaced by the estimate).
    /// Relative paths are relative to the working directory. Default: none (estimate).
    pub tokenizer: Option<PathBuf>,
    /// For the estimate: characters per token inside a word (see [`Estimate`]). Default 4.0.
    pub chars_per_token: f64,
    /// With a tokenizer: also count the special tokens its post-processor adds to every
    /// document (BOS/EOS...). Default false: the text's own tokens only.
    pub special_tokens: bool,
}

impl Default for TokensConfig {
    fn default() -> Self {
        TokensConfig {
            tokenizer: None,
            chars_per_token: 4.0,
            special_tokens: false,
        }
    }
}

impl TokensConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.chars_per_token.is_finite() && self.chars_per_token >= 1.0) {
            return Err(Error::config(
                "tokens.chars_per_token must be a number >= 1",
            ));
        }
        Ok(())
    }

    /// Builds the counter: the tokenizer when one is configured, the estimate otherwise.
    pub fn build(&self) -> Result<Box<dyn TokenCounter>, Error> {
        self.validate()?;
        match &self.tokenizer {
            None => Ok(Box::new(Estimate::new(self.chars_per_token))),
            Some(path) => hf::load(path, self.special_tokens),
        }
    }
}

/// A fast token estimate, about 100× faster than a real tokenizer.
///
/// A *word* is a maximal run of alphanumeric characters; it counts
/// `ceil(chars / chars_per_token)` tokens. Every other non-whitespace character (punctuation,
/// symbols) counts one token. Measured error against real tokenizers: see `docs/balance.md`.
///
/// ```
/// use garbell_balance::{Estimate, TokenCounter};
/// let e = Estimate::new(4.0);
/// assert_eq!(e.count("Bon dia, món!"), 5); // bon, dia, ",", món, "!"
/// assert_eq!(e.count("internacionalització"), 5); // 20 chars / 4
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    chars_per_token: f64,
}

impl Estimate {
    /// An estimate with this many characters per in-word token (values below 1 are taken as 1).
    pub fn new(chars_per_token: f64) -> Self {
        Estimate {
            chars_per_token: if chars_per_token.is_finite() {
                chars_per_token.max(1.0)
            } else {
                4.0
            },
        }
    }
}

impl TokenCounter for Estimate {
    fn count(&self, text: &str) -> u64 {
        let mut tokens = 0u64;
        let mut word = 0u64;
        for c in text.chars() {
            if c.is_alphanumeric() {
                word += 1;
                continue;
            }
            if word > 0 {
                tokens += (word as f64 / self.chars_per_token).ceil() as u64;
                word = 0;
            }
            if !c.is_whitespace() {
                tokens += 1;
            }
        }
        if word > 0 {
            tokens += (word as f64 / self.chars_per_token).ceil() as u64;
        }
        tokens
    }

    fn describe(&self) -> String {
        format!("estimate(chars_per_token={})", self.chars_per_token)
    }
}

#[cfg(not(feature = "hf-tokenizers"))]
mod hf {
    use super::TokenCounter;
    use crate::Error;
    use std::path::Path;

    pub(super) fn load(path: &Path, _special: bool) -> Result<Box<dyn TokenCounter>, Error> {
        Err(Error::Tokenizer {
            path: path.display().to_string(),
            message: "exact token counts need garbell built with the `hf-tokenizers` feature \
                      (remove `tokens.tokenizer` to use the estimate)"
                .into(),
        })
    }
}

#[cfg(feature = "hf-tokenizers")]
mod hf {
    //! Exact counts with the `tokenizers` crate (Hugging Face), `onig` regex engine like the
    //! Python package, so counts equal `len(Tokenizer.from_file(p).encode(t, add_special_tokens=..).ids)`.
    use super::TokenCounter;
    use crate::Error;
    use std::path::Path;
    use tokenizers::Tokenizer;

    /// A `tokenizer.json`, shared by all worker threads (`Tokenizer` is `Send + Sync`).
    struct HfCounter {
        tokenizer: Tokenizer,
        special: bool,
        describe: String,
    }

    pub(super) fn load(path: &Path, special: bool) -> Result<Box<dyn TokenCounter>, Error> {
        let err = |message: String| Error::Tokenizer {
            path: path.display().to_string(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
        let mut tokenizer =
            Tokenizer::from_bytes(&bytes).map_err(|e| err(format!("not a tokenizer.json: {e}")))?;
        // Documents are counted whole: a truncation or padding setting saved in the file
        // would cap or inflate the counts.
        tokenizer
            .with_truncation(None)
            .map_err(|e| err(format!("cannot disable truncation: {e}")))?;
        tokenizer.with_padding(None);
        let describe = format!(
            "tokenizer.json:{}{}",
            blake3::hash(&bytes).to_hex(),
            if special { "+special" } else { "" }
        );
        Ok(Box::new(HfCounter {
            tokenizer,
            special,
            describe,
        }))
    }

    impl TokenCounter for HfCounter {
        fn count(&self, text: &str) -> u64 {
            match self.tokenizer.encode_fast(text, self.special) {
                Ok(enc) => enc.len() as u64,
                // The tokenizers crate fails only on internal errors (e.g. a pre-tokenizer
                // regex failing on pathological input); fall back to the characters, an upper
                // bound, rather than losing the document.
                Err(_) => text.chars().count() as u64,
            }
        }

        fn describe(&self) -> String {
            self.describe.clone()
        }
    }
}
