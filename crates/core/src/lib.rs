//! Core types shared by every garbell crate: the [`Document`] that flows through a chain, the
//! [`Step`] trait every chain step implements, the [`Verdict`] a step returns, the
//! [`RecordError`] for one bad record, and the [`StepStats`] every step keeps.
//!
//! This crate has almost no dependencies on purpose: every other crate depends on it.
//!
//! ```
//! use garbell_core::{Document, Origin, Verdict, Step, RecordError};
//!
//! struct DropEmpty;
//! impl Step for DropEmpty {
//!     fn name(&self) -> &str { "drop_empty" }
//!     fn apply(&self, doc: &mut Document) -> Result<Verdict, RecordError> {
//!         Ok(if doc.text.trim().is_empty() { Verdict::drop("empty") } else { Verdict::Keep })
//!     }
//! }
//! let mut doc = Document::new("d1", "  ", "jsonl", Origin::new("in.jsonl", 0, 0));
//! assert_eq!(DropEmpty.apply(&mut doc).unwrap(), Verdict::drop("empty"));
//! ```

mod document;
mod error;
mod stats;

pub use document::{Document, Origin, Signals, LANG_OTHER, LANG_UNKNOWN};
pub use error::{PathError, RecordError};
pub use stats::{ChainStats, Counts, Outcome, StepStats};

use std::borrow::Cow;

/// Why a step dropped a document: a short, stable, snake_case name such as `lang_score_below_threshold`.
pub type Reason = Cow<'static, str>;

/// What a step decided about one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The document goes on to the next step.
    Keep,
    /// The document leaves the chain, with the reason recorded in the step's statistics.
    Drop(Reason),
}

impl Verdict {
    /// A drop with a static reason.
    pub fn drop(reason: &'static str) -> Self {
        Verdict::Drop(Cow::Borrowed(reason))
    }

    /// True for [`Verdict::Keep`].
    pub fn is_keep(&self) -> bool {
        matches!(self, Verdict::Keep)
    }
}

/// One step of a per-document chain: a mapper (rewrites text), an annotator (adds signals, always
/// keeps) or a filter (keeps or drops with a reason). Steps are shared by all worker threads.
pub trait Step: Send + Sync {
    /// The step's name as written in chain files (`normalize`, `identify_language`, ...).
    fn name(&self) -> &str;

    /// Processes one document. `Err` means this record could not be processed (it is counted as
    /// an error and skipped); it never means the job must stop.
    fn apply(&self, doc: &mut Document) -> Result<Verdict, RecordError>;
}
