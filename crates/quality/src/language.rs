//! [`FilterLanguage`]: the `filter_language` step.

use garbell_core::{Document, RecordError, Step, Verdict, LANG_OTHER, LANG_UNKNOWN};

/// `filter_language` — **What**: keeps a document when its `lang` is one of the selected
/// languages and `lang_score` reaches that language's threshold (`lid.threshold` of its profile,
/// or the step's `threshold`). **Why**: the corpus is built per language; documents in other
/// languages or with uncertain identification go. **Signals read**: `lang`, `lang_score`.
/// **Reasons**: `lang_other` (no configured language), `lang_not_selected` (a configured
/// language not in this chain's list), `lang_score_below_threshold`.
///
/// It lives here, beside the other filters, so that `garbell-tune` re-applies the very same
/// decision to stored languages and scores without depending on the pipeline.
///
/// ```
/// use garbell_core::Verdict;
/// use garbell_quality::FilterLanguage;
///
/// let f = FilterLanguage::new([("ca", 0.5), ("es", 0.6)], &[], None);
/// assert_eq!(f.verdict("ca", 0.7), Verdict::Keep);
/// assert_eq!(f.verdict("es", 0.55), Verdict::drop("lang_score_below_threshold"));
/// assert_eq!(f.verdict("fr", 0.9), Verdict::drop("lang_not_selected"));
/// assert_eq!(f.verdict("other", 0.9), Verdict::drop("lang_other"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FilterLanguage {
    /// (code, threshold) of the selected languages, sorted by code.
    selected: Vec<(String, f32)>,
}

impl FilterLanguage {
    /// Keeps `languages` (every profile when empty) out of `profiles` — `(code, LID threshold)`
    /// of each configured language — each with its profile threshold unless `threshold`
    /// overrides it.
    pub fn new<'a>(
        profiles: impl IntoIterator<Item = (&'a str, f32)>,
        languages: &[String],
        threshold: Option<f32>,
    ) -> Self {
        let mut selected: Vec<(String, f32)> = profiles
            .into_iter()
            .filter(|(code, _)| languages.is_empty() || languages.iter().any(|l| l == code))
            .map(|(code, t)| (code.to_string(), threshold.unwrap_or(t)))
            .collect();
        selected.sort_by(|a, b| a.0.cmp(&b.0));
        FilterLanguage { selected }
    }

    /// The decision for a document of language `lang` identified with `score`.
    pub fn verdict(&self, lang: &str, score: f32) -> Verdict {
        if lang == LANG_OTHER || lang == LANG_UNKNOWN {
            return Verdict::drop("lang_other");
        }
        match self
            .selected
            .binary_search_by(|(c, _)| c.as_str().cmp(lang))
        {
            Err(_) => Verdict::drop("lang_not_selected"),
            Ok(i) if score < self.selected[i].1 => Verdict::drop("lang_score_below_threshold"),
            Ok(_) => Verdict::Keep,
        }
    }
}

impl Step for FilterLanguage {
    fn name(&self) -> &str {
        "filter_language"
    }

    fn apply(&self, doc: &mut Document) -> Result<Verdict, RecordError> {
        Ok(self.verdict(&doc.lang, doc.lang_score))
    }
}
