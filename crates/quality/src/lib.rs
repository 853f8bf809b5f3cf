//! Quality heuristics for garbell: Gopher quality and repetition, C4 and FineWeb rules (defaults
//! are datatrove 0.10.1's), OSCAR's quality warnings, URL/domain blocklists (UT1 format) and the
//! code rules of Codex/The Stack/StarCoder, each a [`garbell_core::Step`] built from a serde
//! config.
//!
//! Every step writes its measurements into `doc.signals` (so that an annotate-only run can store
//! them and thresholds can be tuned later) and then decides from those signals, giving every
//! drop a named reason. With `annotate_only = true` a step never drops. Word splitting is
//! garbell's (all 35 languages, elision aware) unless `tokenizer = "datatrove"` asks for
//! datatrove's English spaCy rules, which the fidelity tests use.
//!
//! ```
//! use garbell_core::{Document, Origin, Step, Verdict};
//! use garbell_quality::GopherQualityConfig;
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
mod fineweb;
mod gopher_quality;
mod gopher_repetition;
mod oscar;

pub use blocklist::{normalize_url, UrlBlocklist, UrlBlocklistConfig, MAX_CATEGORIES};
pub use c4::{C4Config, C4, POLICY_SUBSTRINGS};
pub use code::{CodeQuality, CodeQualityConfig, CODE_QUALITY_TOML, GENERATED_MARKERS};
pub use common::{stopwords, Error, FastBuild, FastHasher, Tokenizer};
pub use fineweb::{FineWebQuality, FineWebQualityConfig};
pub use gopher_quality::{GopherQuality, GopherQualityConfig, GOPHER_ENGLISH_STOP_WORDS};
pub use gopher_repetition::{GopherRepetition, GopherRepetitionConfig};
pub use oscar::{Oscar, OscarConfig, OscarWarning};
