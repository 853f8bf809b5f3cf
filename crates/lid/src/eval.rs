//! Scoring language identification against gold labels: accuracy, per-language precision,
//! recall and F1, macro-F1, and the most frequent confusions.

use std::collections::{BTreeMap, BTreeSet};

/// Scores of one language.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LangScore {
    /// Language code.
    pub lang: String,
    /// Gold documents of this language.
    pub support: u64,
    /// Correct / predicted as this language (0 when never predicted).
    pub precision: f64,
    /// Correct / gold.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvalReport {
    /// Documents scored.
    pub documents: u64,
    /// Share of documents whose prediction equals the gold label.
    pub accuracy: f64,
    /// Mean F1 over the gold languages not excluded.
    pub macro_f1: f64,
    /// The languages the macro-F1 averages over.
    pub macro_languages: Vec<String>,
    /// Per gold language, sorted by code.
    pub per_language: Vec<LangScore>,
    /// (gold, predicted, count) for wrong predictions, most frequent first.
    pub confusions: Vec<(String, String, u64)>,
}

/// Scores `(gold, predicted)` pairs. The macro-F1 averages over the gold languages that are not
/// in `exclude` (e.g. `other`, and `sh` when it is handled apart).
pub fn evaluate<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    exclude: &[&str],
) -> EvalReport {
    let mut gold_n: BTreeMap<&str, u64> = BTreeMap::new();
    let mut pred_n: BTreeMap<&str, u64> = BTreeMap::new();
    let mut correct: BTreeMap<&str, u64> = BTreeMap::new();
    let mut confusion: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut n = 0u64;
    let mut ok = 0u64;
    for (g, p) in pairs {
        n += 1;
        *gold_n.entry(g).or_default() += 1;
        *pred_n.entry(p).or_default() += 1;
        if g == p {
            ok += 1;
            *correct.entry(g).or_default() += 1;
        } else {
            *confusion.entry((g, p)).or_default() += 1;
        }
    }
    let per_language: Vec<LangScore> = gold_n
        .iter()
        .map(|(&lang, &support)| {
            let c = correct.get(lang).copied().unwrap_or(0) as f64;
            let predicted = pred_n.get(lang).copied().unwrap_or(0) as f64;
            let precision = if predicted > 0.0 { c / predicted } else { 0.0 };
            let recall = c / support as f64;
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            LangScore {
                lang: lang.to_string(),
                support,
                precision,
                recall,
                f1,
            }
        })
        .collect();
    let excluded: BTreeSet<&str> = exclude.iter().copied().collect();
    let macro_scores: Vec<&LangScore> = per_language
        .iter()
        .filter(|s| !excluded.contains(s.lang.as_str()))
        .collect();
    let macro_f1 = if macro_scores.is_empty() {
        0.0
    } else {
        macro_scores.iter().map(|s| s.f1).sum::<f64>() / macro_scores.len() as f64
    };
    let mut confusions: Vec<(String, String, u64)> = confusion
        .into_iter()
        .map(|((g, p), c)| (g.to_string(), p.to_string(), c))
        .collect();
    confusions.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1))));
    EvalReport {
        documents: n,
        accuracy: if n > 0 { ok as f64 / n as f64 } else { 0.0 },
        macro_f1,
        macro_languages: macro_scores.iter().map(|s| s.lang.clone()).collect(),
        per_language,
        confusions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_a_small_confusion() {
        let pairs = [
            ("ca", "ca"),
            ("ca", "es"),
            ("es", "es"),
            ("es", "es"),
            ("oc", "ca"),
            ("sh", "hr"),
        ];
        let r = evaluate(pairs.iter().map(|(a, b)| (*a, *b)), &["sh", "other"]);
        assert_eq!(r.documents, 6);
        assert!((r.accuracy - 0.5).abs() < 1e-12);
        let ca = &r.per_language[0];
        assert_eq!((ca.lang.as_str(), ca.support), ("ca", 2));
        assert!((ca.precision - 0.5).abs() < 1e-12 && (ca.recall - 0.5).abs() < 1e-12);
        let es = r.per_language.iter().find(|s| s.lang == "es").expect("es");
        assert!((es.precision - 2.0 / 3.0).abs() < 1e-12 && (es.recall - 1.0).abs() < 1e-12);
        assert_eq!(r.macro_languages, ["ca", "es", "oc"]);
        assert!((r.macro_f1 - (0.5 + 0.8 + 0.0) / 3.0).abs() < 1e-12);
        assert_eq!(r.confusions[0].2, 1);
    }
}
