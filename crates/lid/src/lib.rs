//! Exact fastText inference for supervised models, in pure Rust, and the embedded `lid.176`
//! language-identification model.
//!
//! [`Model`] loads fastText `.bin` (dense) and `.ftz` (product-quantized, optionally pruned)
//! files and predicts with the loss the model was trained with: softmax, hierarchical softmax,
//! one-vs-all (and negative sampling, which predicts like one-vs-all). Predictions follow the
//! reference C++ implementation step by step — tokenization, subword hashing, the order of
//! floating-point sums, the `log(p + 1e-5)` scores — so labels and probabilities equal the
//! reference's (see `tests/parity.rs`, checked against the Python `fasttext` binding).
//!
//! One model is shared by all threads: prediction takes `&self` and allocates nothing on the
//! hot path for models without word n-grams.
//!
//! ```
//! let model = garbell_lid::Model::embedded_lid176().unwrap();
//! let top = model.predict_one("El català és una llengua romànica parlada a Catalunya.").unwrap();
//! assert_eq!(model.label(top.label), "__label__ca");
//! assert!(top.prob > 0.5);
//! ```
//!
//! [`Disambiguator`] is a second stage for groups of confusable languages (Nynorsk/Bokmål/
//! Danish, Galician/Portuguese/Spanish/Catalan/Occitan, Croatian/Serbian/Bosnian, Czech/Slovak,
//! Bulgarian/Russian/Ukrainian) driven by the word lists and markers in
//! `languages/lid/disambig/`; [`dominant_script`] reports the script (Serbian Cyrillic/Latin).
//!
//! Why our own implementation: the `fasttext` 0.8 crate ignores hierarchical softmax on quantized
//! models and so mispredicts every text with `lid.176.ftz`; the C++ binding costs a C++ build and
//! is slower (see `docs/lid.md`).

mod aligned;
mod dict;
mod disambig;
pub mod eval;
mod letters;
pub mod mixed;
mod model;
pub mod ngram;
mod ngram_tsv;
mod script;
mod topk;

pub use disambig::{DataError, Disambiguator, Refined, ShPolicy, MARKERS_TSV, WORDS_TSV};
pub use model::{Loss, Model, Prediction};
pub use ngram::{NgramError, NgramProfiles, RerankParams};
pub use script::{dominant_script, Script};

/// The `lid.176.ftz` model (fastText, Joulin et al. 2016; CC BY-SA 3.0), embedded in the binary.
/// See `languages/lid/README.md` for its provenance and licence.
pub static LID176_FTZ: &[u8] = include_bytes!("../../../languages/lid/lid.176.ftz");

/// Errors when loading a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The model file could not be read.
    #[error("cannot read fastText model {path}: {source}")]
    Io {
        /// The model path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a fastText model this implementation understands.
    #[error("invalid fastText model: {0}")]
    Format(String),
}
