//! The signal-filter pattern every quality rule follows: measure a document into named signals
//! ([`SignalFilter::annotate`]), then decide from those signals and the parameters alone
//! ([`SignalFilter::decide`]). One generic [`FilterStep`] runs any filter in a chain; `garbell
//! tune` calls the same `decide` on signals stored by an annotate-only run, so no rule is
//! written twice.
//!
//! The filters are listed once, in [`signal_filters!`](crate::signal_filters): chain step
//! names, `[quality.<step>]` override checks, per-language routing and tune's tunable
//! parameters all come from that table (see `docs/howto.md`).

use crate::common::Error;
use crate::stoptable::StopTable;
use garbell_core::{Document, RecordError, Step, Verdict};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::sync::Arc;

/// Stored signals, read by name: a document's `signals`, or a row of a signal table.
pub trait Signals {
    /// The value of signal `name`, `None` when it was not written.
    fn signal(&self, name: &str) -> Option<f64>;
    /// True when the document's text was empty when it was measured.
    fn text_is_empty(&self) -> bool;
}

impl Signals for Document {
    fn signal(&self, name: &str) -> Option<f64> {
        self.signals.get(name).copied()
    }
    fn text_is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// A threshold drawn on a signal's histogram (`garbell report`, `garbell tune`).
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The signal it applies to.
    pub signal: String,
    /// The parameter that sets it.
    pub param: &'static str,
    /// Its value.
    pub value: f64,
}

/// Per-language word lists the filters read, loaded from the languages directory
/// (`languages/stopwords/<iso>.txt`; embedded by default, replaced by `--languages DIR`).
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    stopwords: HashMap<String, Arc<StopList>>,
}

/// One language's stopwords: the set, and the same words as a [`StopTable`] for the per-word
/// lookups of `filter_gopher_quality`.
#[derive(Debug)]
struct StopList {
    set: HashSet<String, crate::common::FastBuild>,
    table: StopTable,
}

impl Lexicon {
    /// No lists: rules that need one are skipped for every language.
    pub fn new() -> Self {
        Lexicon::default()
    }

    /// Adds (or replaces) the stopword list of `lang` from the text of a stopword file: one
    /// word per line, lowercase; blank lines and `#` comments ignored.
    pub fn add_stopwords(&mut self, lang: &str, text: &str) {
        let set: HashSet<String, crate::common::FastBuild> = text
            .lines()
            .map(str::trim)
            .filter(|w| !w.is_empty() && !w.starts_with('#'))
            .map(str::to_string)
            .collect();
        let table = StopTable::new(set.iter().map(String::as_str));
        self.stopwords
            .insert(lang.to_string(), Arc::new(StopList { set, table }));
    }

    /// The lists of a languages directory (`<dir>/stopwords/<iso>.txt`), for tools and tests
    /// that do not go through `garbell-config`.
    pub fn from_dir(dir: &std::path::Path) -> std::io::Result<Lexicon> {
        let mut lex = Lexicon::new();
        let sw = dir.join("stopwords");
        for e in std::fs::read_dir(&sw)? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "txt") {
                if let Some(lang) = p.file_stem().and_then(|s| s.to_str()) {
                    lex.add_stopwords(lang, &std::fs::read_to_string(&p)?);
                }
            }
        }
        Ok(lex)
    }

    /// The stopword list of `lang`, if it has one.
    pub fn stopwords(&self, lang: &str) -> Option<&HashSet<String, crate::common::FastBuild>> {
        self.stopwords.get(lang).map(|l| &l.set)
    }

    /// The stopword list of `lang` as a [`StopTable`], if it has one.
    pub(crate) fn stop_table(&self, lang: &str) -> Option<&StopTable> {
        self.stopwords.get(lang).map(|l| &l.table)
    }

    /// Languages with a stopword list, sorted.
    pub fn stopword_languages(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.stopwords.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
}

/// Signal stored by every annotate-only step ([`FilterStep`]): whitespace-separated words of
/// the text the step measured (`str::split_whitespace`), the token estimate of `garbell tune`.
pub const TEXT_WORDS: &str = "text_words";

/// Signal stored by every annotate-only step ([`FilterStep`]): UTF-8 bytes of the text the
/// step measured.
pub const TEXT_BYTES: &str = "text_bytes";

/// A quality rule as a pair of functions over named signals. Implemented by the runtime filter
/// (built from its [`FilterParams`]); run in a chain by [`FilterStep`].
pub trait SignalFilter: Debug + Send + Sync + Sized + 'static {
    /// The parameters, as written in chain files.
    type Params: FilterParams<Filter = Self>;
    /// The step name in chain files (`filter_gopher_quality`).
    const NAME: &'static str;
    /// The parameters [`SignalFilter::decide`] reads: they can be changed on stored signals
    /// (`garbell tune --set`). The others change the signals themselves (re-annotate).
    const TUNABLE: &'static [&'static str];

    /// Validates the parameters and builds the filter (word lists from `lexicon`).
    fn new(params: &Self::Params, lexicon: &Lexicon) -> Result<Self, Error>;

    /// True when the step stores its signals but never drops nor rewrites.
    fn annotate_only(&self) -> bool;

    /// The names of the signals [`SignalFilter::annotate`] writes.
    fn signals(&self) -> Vec<String>;

    /// Measures `doc` into `doc.signals` (and, for OSCAR, `doc.meta`). Returns the text the
    /// document gets when it is kept (C4's line removal), `None` to leave it as it is.
    fn annotate(&self, doc: &mut Document) -> Option<String>;

    /// The decision from the signals and the parameters alone.
    fn decide(&self, signals: &dyn Signals) -> Verdict;

    /// The thresholds that apply to signals, for histograms.
    fn thresholds(&self) -> Vec<Threshold>;
}

/// The parameters of a [`SignalFilter`]: serde data with defaults, the table of a chain step.
pub trait FilterParams:
    Serialize + DeserializeOwned + Default + Clone + Debug + PartialEq + Send + Sync + 'static
{
    /// The filter these parameters build.
    type Filter: SignalFilter<Params = Self>;

    /// Validates the parameters and builds the step (no word lists: see
    /// [`FilterParams::build_with`]).
    fn build(&self) -> Result<FilterStep<Self::Filter>, Error> {
        self.build_with(&Lexicon::new())
    }

    /// Validates the parameters and builds the step with the word lists of `lexicon`.
    fn build_with(&self, lexicon: &Lexicon) -> Result<FilterStep<Self::Filter>, Error> {
        Ok(FilterStep(Self::Filter::new(self, lexicon)?))
    }
}

/// Any [`SignalFilter`] as a chain [`Step`]: annotate, then (unless annotate-only) decide, then
/// rewrite the text when kept. Derefs to the filter.
#[derive(Debug)]
pub struct FilterStep<F>(pub F);

impl<F> std::ops::Deref for FilterStep<F> {
    type Target = F;
    fn deref(&self) -> &F {
        &self.0
    }
}

impl<F: SignalFilter> Step for FilterStep<F> {
    fn name(&self) -> &str {
        F::NAME
    }

    fn apply(&self, doc: &mut Document) -> Result<Verdict, RecordError> {
        let rewrite = self.0.annotate(doc);
        if self.0.annotate_only() {
            // The size of the text as measured, so that `garbell tune` counts tokens from
            // the stored signals without decoding the text column.
            doc.signals.insert(
                TEXT_WORDS.into(),
                doc.text.split_whitespace().count() as f64,
            );
            doc.signals.insert(TEXT_BYTES.into(), doc.text.len() as f64);
            return Ok(Verdict::Keep);
        }
        let v = self.0.decide(doc);
        if v == Verdict::Keep {
            if let Some(text) = rewrite {
                doc.text = text;
            }
        }
        Ok(v)
    }
}

/// A filter's parameters behind a pointer: what configuration, pipeline and tune see of any
/// filter of the table.
pub trait AnyFilterParams: Debug + Send + Sync {
    /// The step name.
    fn name(&self) -> &'static str;
    /// The parameters tunable from stored signals.
    fn tunable(&self) -> &'static [&'static str];
    /// Checks the parameters (ranges, files).
    fn validate(&self) -> Result<(), Error>;
    /// The chain step.
    fn build_step(&self, lexicon: &Lexicon) -> Result<Box<dyn Step>, Error>;
    /// The filter, for decisions on stored signals.
    fn build_filter(&self, lexicon: &Lexicon) -> Result<Box<dyn AnyFilter>, Error>;
}

impl<P: FilterParams> AnyFilterParams for P {
    fn name(&self) -> &'static str {
        P::Filter::NAME
    }
    fn tunable(&self) -> &'static [&'static str] {
        P::Filter::TUNABLE
    }
    fn validate(&self) -> Result<(), Error> {
        P::Filter::new(self, &Lexicon::new()).map(drop)
    }
    fn build_step(&self, lexicon: &Lexicon) -> Result<Box<dyn Step>, Error> {
        Ok(Box::new(self.build_with(lexicon)?))
    }
    fn build_filter(&self, lexicon: &Lexicon) -> Result<Box<dyn AnyFilter>, Error> {
        Ok(Box::new(P::Filter::new(self, lexicon)?))
    }
}

/// A built [`SignalFilter`] behind a pointer.
pub trait AnyFilter: Debug + Send + Sync {
    /// The step name.
    fn name(&self) -> &'static str;
    /// See [`SignalFilter::signals`].
    fn signals(&self) -> Vec<String>;
    /// See [`SignalFilter::decide`].
    fn decide(&self, signals: &dyn Signals) -> Verdict;
    /// See [`SignalFilter::thresholds`].
    fn thresholds(&self) -> Vec<Threshold>;
}

impl<F: SignalFilter> AnyFilter for F {
    fn name(&self) -> &'static str {
        F::NAME
    }
    fn signals(&self) -> Vec<String> {
        SignalFilter::signals(self)
    }
    fn decide(&self, signals: &dyn Signals) -> Verdict {
        SignalFilter::decide(self, signals)
    }
    fn thresholds(&self) -> Vec<Threshold> {
        SignalFilter::thresholds(self)
    }
}

/// Builds a [`Threshold`] list from `(signal, param, value)` triples, skipping unset values.
pub fn thresholds<'a>(
    items: impl IntoIterator<Item = (&'a str, &'static str, Option<f64>)>,
) -> Vec<Threshold> {
    items
        .into_iter()
        .filter_map(|(signal, param, value)| {
            value.map(|value| Threshold {
                signal: signal.to_string(),
                param,
                value,
            })
        })
        .collect()
}
