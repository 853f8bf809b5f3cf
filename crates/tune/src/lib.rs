//! Per-language filter tuning for garbell: annotate once, decide in seconds.
//!
//! An annotate-only run (`annotate_only = true` on every quality step) stores every signal in
//! its shards and drops nothing for quality. This crate loads those signals column-wise into
//! compact arrays ([`SignalTable`]), rebuilds the chain's quality decisions from a chain file
//! plus overrides ([`Rules`]) and re-applies them to every row in well under a second per
//! million documents. The decisions are the pipeline's own: every quality step is a
//! `garbell_quality::SignalFilter` and tune calls its `decide` on the stored signals (nothing is
//! re-derived here); the language filter is `garbell_quality::FilterLanguage`, the step the
//! pipeline runs.
//!
//! It also reads a run directory for `garbell stats` ([`RunStats`]) and writes the
//! self-contained HTML report of `garbell report` ([`html::render_report`]), and saves tuned
//! thresholds into a language profile keeping its comments ([`profile::write_quality`]).
//!
//! ```
//! use garbell_core::{Document, Origin};
//! use garbell_tune::{Overrides, Rules, SignalTable};
//!
//! let chain = garbell_config::ChainConfig::parse(
//!     "t.toml",
//!     "name = \"t\"\n[[steps]]\nstep = \"filter_gopher_quality\"\n",
//! ).unwrap();
//! let langs = garbell_config::Languages::embedded().unwrap();
//! let mut table = SignalTable::new();
//! for (i, words) in [10.0, 80.0].into_iter().enumerate() {
//!     let mut d = Document::new(format!("d{i}"), "text", "t", Origin::new("in", 0, 0));
//!     d.lang = "ca".into();
//!     d.signals.insert("gopher_words".into(), words);
//!     table.push_document(&d);
//! }
//! let rules = Rules::build(&chain, &langs, &Overrides::default()).unwrap();
//! let eval = rules.evaluate(&table);
//! assert_eq!(eval.kept_rows().count(), 1);
//! let lax = Overrides::parse(&["filter_gopher_quality.min_doc_words=5".into()]).unwrap();
//! let rules = Rules::build(&chain, &langs, &lax).unwrap();
//! assert_eq!(rules.evaluate(&table).kept_rows().count(), 2);
//! ```

pub mod html;
pub mod profile;
mod rules;
mod run_stats;
mod summary;
mod table;

pub use rules::{
    tunable_params, Evaluation, Override, Overrides, Rules, Sweep, ThresholdMark, KEPT,
};
pub use run_stats::{LangFunnel, RunStats, StepFunnel};
pub use summary::{render_sweep, Count, StepSummary, Summary, SweepPoint, TOKEN_ESTIMATE};
pub use table::{shard_files, Column, SignalTable};

use std::path::PathBuf;

/// An error of the tuning tools. One bad row in a shard is not an error (it is counted and
/// skipped); these stop the command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A shard could not be read.
    #[error(transparent)]
    Shard(#[from] garbell_shard::Error),
    /// A chain or language profile is invalid.
    #[error(transparent)]
    Config(#[from] garbell_config::Error),
    /// A quality step's parameters are out of range.
    #[error(transparent)]
    Step(#[from] garbell_quality::Error),
    /// A `--set` or `--sweep` argument is malformed or names an unknown step or parameter.
    #[error("{arg}: {message}")]
    Override {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file has the wrong content (not JSON, not TOML, not the expected shape).
    #[error("{path}: {message}")]
    Format {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
