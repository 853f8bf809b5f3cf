//! Quality heuristics for garbell: Gopher quality and repetition, C4 and FineWeb rules (defaults
//! are datatrove 0.10.1's), OSCAR's quality warnings, URL/domain blocklists (UT1 format) and the
//! code rules of Codex/The Stack/StarCoder, each a [`garbell_core::Step`] built from a serde
//! config.
//!
//! The document-level rules are [`SignalFilter`]s: each writes its measurements into
//! `doc.signals` (so that an annotate-only run can store them and thresholds can be tuned later)
//! and then decides from those signals alone, giving every drop a named reason; one generic
//! [`FilterStep`] runs any of them, and `garbell tune` calls the same `decide`. They are listed
//! once, in [`signal_filters!`]. With `annotate_only = true` a step never drops. Word splitting is
//! garbell's (all 35 languages, elision aware) unless `tokenizer = "datatrove"` asks for
//! datatrove's English spaCy rules, which the fidelity tests use.
//!
//! ```
//! use garbell_core::{Document, Origin, Step, Verdict};
//! use garbell_quality::{FilterParams, GopherQualityConfig};
//!
//! let step = GopherQualityConfig::default().build().expect("valid");
//! let mut doc = Document::new("d", "Massa curt.", "test", Origin::new("t", 0, 0));
//! doc.lang = "ca".into();
//! assert_eq!(step.apply(&mut doc).expect("ok"), Verdict::drop("gopher_short_doc"));
//! assert_eq!(doc.signals["gopher_words"], 2.0);
//! ```
//!
//! See `docs/quality.md` for each rule, its source and its parameters.

mod blocklist;
mod c4;
mod code;
mod common;
pub mod datatrove_chars;
pub mod filter;
mod fineweb;
mod gopher_quality;
mod gopher_repetition;
mod keytable;
mod language;
mod oscar;
mod stoptable;
#[cfg(feature = "toy")]
pub mod toy;

pub use blocklist::{normalize_url, UrlBlocklist, UrlBlocklistConfig, MAX_CATEGORIES};
pub use c4::{C4Config, C4, POLICY_SUBSTRINGS};
pub use code::{CodeQuality, CodeQualityConfig, CODE_QUALITY_TOML, GENERATED_MARKERS};
pub use common::{Error, FastBuild, FastHasher, Tokenizer};
pub use filter::{
    AnyFilter, AnyFilterParams, FilterParams, FilterStep, Lexicon, SignalFilter, Signals,
    Threshold, TEXT_BYTES, TEXT_WORDS,
};
pub use fineweb::{FineWebQuality, FineWebQualityConfig};
pub use gopher_quality::{GopherQuality, GopherQualityConfig, GOPHER_ENGLISH_STOP_WORDS};
pub use gopher_repetition::{GopherRepetition, GopherRepetitionConfig};
pub use language::FilterLanguage;
pub use oscar::{Oscar, OscarConfig, OscarWarning};

/// The table of signal filters: one line per filter, `ChainStepVariant(ParamsType)`, with its
/// documentation. The variant's snake_case name is the step name in chain files (a test checks
/// that it is the filter's [`SignalFilter::NAME`]).
///
/// Everything that lists steps expands this table with a macro of its own (`$callback`):
/// `garbell-config` makes the `StepConfig` variants (chain parsing, `[quality.<step>]` override
/// checks in language profiles), and through them `garbell-pipeline` builds each step with
/// per-language routing and `garbell-tune` finds its tunable parameters and its `decide`.
/// Adding a filter: a module with the parameters and the [`SignalFilter`] implementation, and
/// one line here (see `docs/howto.md`).
#[macro_export]
macro_rules! signal_filters {
    ($callback:ident) => {
        $crate::__test_filters! { $callback;
            /// Gopher quality rules (Rae et al. 2021), as datatrove's GopherQualityFilter.
            FilterGopherQuality($crate::GopherQualityConfig),
            /// Gopher repetition rules (Rae et al. 2021), as datatrove's GopherRepetitionFilter.
            FilterGopherRepetition($crate::GopherRepetitionConfig),
            /// C4 rules (Raffel et al. 2020), as datatrove's C4QualityFilter, with line removal.
            FilterC4($crate::C4Config),
            /// FineWeb quality rules (Penedo et al. 2024), as datatrove's FineWebQualityFilter.
            FilterFinewebQuality($crate::FineWebQualityConfig),
            /// OSCAR's quality warnings (`tiny`, `short_sentences`, `header`, `footer`, `noisy`)
            /// into `meta.quality_warnings`, optionally dropping.
            AnnotateOscar($crate::OscarConfig),
        }
    };
}

/// [`signal_filters!`] plus the test-only filters, which are registered the same way but
/// compiled only with the `toy` feature (a `cfg` in the table itself would be evaluated in the
/// crate that expands it).
#[cfg(feature = "toy")]
#[doc(hidden)]
#[macro_export]
macro_rules! __test_filters {
    ($callback:ident; $($table:tt)*) => {
        $callback! {
            $($table)*
            /// Test-only: drops documents shorter than `min_chars` characters.
            FilterToyLength($crate::toy::ToyLengthConfig),
        }
    };
}

/// [`signal_filters!`] without test-only filters.
#[cfg(not(feature = "toy"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __test_filters {
    ($callback:ident; $($table:tt)*) => {
        $callback! { $($table)* }
    };
}
