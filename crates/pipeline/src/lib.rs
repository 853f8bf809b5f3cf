//! Chains of steps and the task runner.
//!
//! - [`registry`] turns each `StepConfig` of a chain file into a runtime [`Step`](garbell_core::Step)
//!   — the one table that lists every step;
//! - [`Chain`] runs a document through its steps and counts what each step saw, kept and dropped;
//! - [`runner`] reads inputs in parallel (one input per task, in sorted order), runs the chain
//!   and writes one Parquet shard per input, plus `stats.json`, `errors.jsonl` and
//!   `manifest.json` — byte-identical whatever the number of threads.

mod chain;
pub mod dedup;
mod inner;
pub mod registry;
pub mod runner;
pub mod steps;

pub use chain::Chain;
pub use runner::{run, RunOptions, RunSummary};

/// A job-level error: the run cannot go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Invalid configuration.
    #[error(transparent)]
    Config(#[from] garbell_config::Error),
    /// The second-stage LID data is invalid.
    #[error("language identification data: {0}")]
    Lid(String),
    /// A step's parameters are invalid.
    #[error(transparent)]
    Step(#[from] garbell_quality::Error),
    /// A model could not be loaded.
    #[error(transparent)]
    Model(#[from] garbell_lid::Error),
    /// An input could not be opened.
    #[error(transparent)]
    Input(#[from] garbell_io::Error),
    /// A shard could not be written.
    #[error(transparent)]
    Shard(#[from] garbell_shard::Error),
    /// Another I/O error, with the path concerned.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The output directory holds a run that cannot be resumed by this one.
    #[error("cannot resume: {0}")]
    Resume(String),
    /// The dedup stage failed (a bucket or cluster file is unreadable, a bad parameter).
    #[error("dedup: {0}")]
    Dedup(String),
    /// Building the thread pool failed.
    #[error("thread pool: {0}")]
    Threads(String),
}
