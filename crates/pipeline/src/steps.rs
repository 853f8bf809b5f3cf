//! The runtime steps. Each step is documented with the same headings: what it does, why, the
//! signals it reads, and the reasons it emits.

use garbell_config::{InvalidUtf8Policy, Languages};
use garbell_core::{Document, RecordError, Step, Verdict, LANG_OTHER};
use garbell_lid::{Disambiguator, Model, Script};
use garbell_text::{NormalizeOptions, Normalizer};
use std::sync::Arc;

/// `normalize` — **What**: NFC, line breaks and spaces normalized, control characters removed
/// (see `garbell-text`). **Why**: every later step (LID, quality rules, dedup) counts characters,
/// words and lines; it must see one spelling of each. **Signals read**: `invalid_utf8` (set by
/// sources). **Reasons**: `invalid_utf8` (policy `drop`), `empty` (nothing left).
pub struct Normalize {
    normalizer: Normalizer,
    invalid_utf8: InvalidUtf8Policy,
}

impl Normalize {
    /// A normalize step.
    pub fn new(opts: NormalizeOptions, invalid_utf8: InvalidUtf8Policy) -> Self {
        Normalize {
            normalizer: Normalizer::new(opts),
            invalid_utf8,
        }
    }
}

impl Step for Normalize {
    fn name(&self) -> &str {
        "normalize"
    }

    fn apply(&self, doc: &mut Document) -> Result<Verdict, RecordError> {
        let had_invalid = doc.signals.get("invalid_utf8").is_some_and(|&n| n > 0.0);
        if had_invalid {
            match self.invalid_utf8 {
                InvalidUtf8Policy::Drop => return Ok(Verdict::drop("invalid_utf8")),
                InvalidUtf8Policy::Strip => doc.text.retain(|c| c != '\u{FFFD}'),
                InvalidUtf8Policy::Replace => {}
            }
        }
        let mut out = String::with_capacity(doc.text.len());
        self.normalizer.normalize_into(&doc.text, &mut out);
        doc.text = out;
        Ok(if doc.text.is_empty() {
            Verdict::drop("empty")
        } else {
            Verdict::Keep
        })
    }
}

/// lid.176 labels below this probability are not passed to the second stage (it floors
/// probabilities at ε = 0.01).
pub const SECOND_STAGE_MIN_PROB: f32 = 0.01;

/// `identify_language` — **What**: runs a fastText model on the text (newlines read as spaces)
/// and sets `lang` to the configured language its top label means (`other` for any label no
/// profile claims) and `lang_score` to that label's probability. **Why**: every per-language
/// decision downstream needs it. **Signals read**: none. **Reasons**: none (never drops).
pub struct IdentifyLanguage {
    model: Arc<Model>,
    /// The second stage for confusable groups, when enabled.
    stage2: Option<Arc<Disambiguator>>,
    /// Language code for each model label (`other` when no profile claims it).
    lang_of_label: Vec<String>,
    max_bytes: usize,
    /// Per-line mode: (minimum line score, minimum share of a second language), or `None` for
    /// whole-document identification.
    lines: Option<(f32, f32)>,
    /// Prediction restricted to the labels the profiles (or the second stage) claim.
    restrict: bool,
    /// Mixed documents decided by a vote of their running text (second stage only): the
    /// probability a rival language needs in lid.176's top-5 to call the vote, `None` = off.
    mixed_vote: Option<f32>,
    /// The languages on whose answer the vote runs without a rival too (and when identifiers,
    /// quotes or lists make up more than a fifth of the tokens): the profiles' `[lid]
    /// mixed_vote_uncontested` (English).
    uncontested: Vec<String>,
}

/// The running-text vote runs when another configured language has at least this probability
/// in lid.176's top-5 (docs/lid.md).
pub const MIXED_MIN_RIVAL: f32 = 0.05;
/// A piece votes only when identified with at least this score.
pub const MIXED_MIN_SCORE: f32 = 0.3;

impl IdentifyLanguage {
    /// A step over `model`, mapping labels through the profiles' `lid.labels`, refined by the
    /// second stage when given.
    pub fn new(
        model: Arc<Model>,
        langs: &Languages,
        max_bytes: usize,
        stage2: Option<Arc<Disambiguator>>,
    ) -> Self {
        // Labels no profile claims are `other`, except those the second stage knows as a group
        // member (lid.176's `bs`: Bosnian, decided inside the Serbo-Croatian group and reported
        // as the group says, `other` by default).
        let lang_of_label = model
            .labels()
            .iter()
            .map(|l| {
                langs
                    .lang_of_label(l)
                    .or_else(|| stage2.as_ref().and_then(|d| d.member_of_label(l)))
                    .unwrap_or(LANG_OTHER)
                    .to_string()
            })
            .collect();
        IdentifyLanguage {
            model,
            stage2,
            lang_of_label,
            max_bytes,
            lines: None,
            restrict: false,
            mixed_vote: Some(MIXED_MIN_RIVAL),
            uncontested: langs
                .iter()
                .filter(|p| p.lid.mixed_vote_uncontested)
                .map(|p| p.code.clone())
                .collect(),
        }
    }

    /// Restricts prediction to the allowed label set: the model labels that a language profile
    /// (or the second stage, for group members such as Bosnian) claims. The answer is the most
    /// probable allowed label (its own probability as the score), never `other` unless no
    /// allowed label has any probability; a text in a language outside the set gets a low
    /// score, which `filter_language`'s threshold then drops.
    pub fn restricted(mut self, restrict: bool) -> Self {
        self.restrict = restrict;
        self
    }

    /// The top-5 predictions (at least `SECOND_STAGE_MIN_PROB` each, unless restricted) mapped
    /// to language codes, restricted to allowed labels when set.
    fn top5<'a>(&'a self, text: &str, out: &mut [(&'a str, f32); 5]) -> usize {
        let k = if self.restrict {
            self.lang_of_label.len()
        } else {
            5
        };
        // Unrestricted, labels under 1 % are not searched for: the second stage floors every
        // probability at ε = 0.01 anyway (`ln(p + ε)`). Measured on the 27,274 items of
        // benches/lid_eval: the same answer for every one, and 13 % less CPU on segments
        // (docs/lid.md). A text whose every label is under 1 % falls back to the full search.
        let threshold = if self.restrict {
            0.0
        } else {
            SECOND_STAGE_MIN_PROB
        };
        let mut preds = self.model.predict(text, k, threshold);
        if preds.is_empty() && threshold > 0.0 {
            preds = self.model.predict(text, k, 0.0);
        }
        let mut n = 0;
        for p in preds {
            let lang = self.lang_of_label[p.label].as_str();
            if self.restrict && lang == LANG_OTHER {
                continue;
            }
            out[n] = (lang, p.prob);
            n += 1;
            if n == out.len() {
                break;
            }
        }
        n
    }

    /// Switches to per-line identification (OSCAR-style): lines below `min_score` count as
    /// unidentified; a second language with at least `multilingual_share` of the identified
    /// bytes flags the document as multilingual.
    pub fn per_line(mut self, min_score: f32, multilingual_share: f32) -> Self {
        self.lines = Some((min_score, multilingual_share));
        self
    }

    /// Per-line identification of `doc`: sets `lang`, `lang_score` (share of the bytes in that
    /// language) and `meta.lang_bytes`, `meta.lang_spans` (runs of consecutive lines:
    /// `[lang, first line, last line]`, 0-based) and `meta.multilingual`.
    fn identify_lines(&self, doc: &mut Document, min_score: f32, share: f32) {
        let mut bytes: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
        let mut spans: Vec<(String, usize, usize)> = Vec::new();
        let mut total = 0u64;
        for (i, line) in cut(&doc.text, self.max_bytes).split('\n').enumerate() {
            if !line.chars().any(char::is_alphabetic) {
                continue;
            }
            total += line.len() as u64;
            let (lang, score) = self.identify(line);
            let lang = if score >= min_score {
                lang
            } else {
                garbell_core::LANG_UNKNOWN
            };
            *bytes.entry(lang.to_string()).or_default() += line.len() as u64;
            match spans.last_mut() {
                Some(last) if last.0 == lang && last.2 + 1 == i => last.2 = i,
                _ => spans.push((lang.to_string(), i, i)),
            }
        }
        let mut ranked: Vec<(&String, &u64)> = bytes
            .iter()
            .filter(|(l, _)| l.as_str() != garbell_core::LANG_UNKNOWN)
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let identified: u64 = ranked.iter().map(|(_, b)| **b).sum();
        let (lang, score) = match ranked.first() {
            Some((l, b)) if total > 0 => (l.as_str(), **b as f32 / total as f32),
            _ => (LANG_OTHER, 0.0),
        };
        let multilingual = ranked
            .get(1)
            .is_some_and(|(_, b)| identified > 0 && **b as f32 / identified as f32 >= share);
        doc.lang.clear();
        doc.lang.push_str(lang);
        doc.lang_score = score;
        doc.meta
            .insert("lang_bytes".into(), serde_json::json!(bytes));
        doc.meta.insert(
            "lang_spans".into(),
            serde_json::Value::Array(
                spans
                    .iter()
                    .map(|(l, a, b)| serde_json::json!([l, a, b]))
                    .collect(),
            ),
        );
        doc.meta.insert("multilingual".into(), multilingual.into());
    }

    /// The language and score of `text`: `("other", p)` for labels outside the profiles,
    /// `("other", 0.0)` for a text with nothing to go on.
    pub fn identify<'a>(&'a self, text: &str) -> (&'a str, f32) {
        let (lang, score, _) = self.identify_with_script(text);
        (lang, score)
    }

    /// Like [`IdentifyLanguage::identify`], with the text's dominant script when the second
    /// stage ran (it computes it anyway).
    pub fn identify_with_script<'a>(&'a self, text: &str) -> (&'a str, f32, Option<Script>) {
        let text = cut(text, self.max_bytes);
        let Some(stage2) = &self.stage2 else {
            if self.restrict {
                let mut mapped: [(&str, f32); 5] = [("", 0.0); 5];
                return match self.top5(text, &mut mapped) {
                    0 => (LANG_OTHER, 0.0, None),
                    _ => (mapped[0].0, mapped[0].1.min(1.0), None),
                };
            }
            return match self.model.predict_one(text) {
                Some(p) => (&self.lang_of_label[p.label], p.prob.min(1.0), None),
                None => (LANG_OTHER, 0.0, None),
            };
        };
        let (lang, score, script, contested) =
            self.identify_refined(text, stage2, self.mixed_vote.unwrap_or(2.0));
        // Mixed documents (docs/lid.md): when lid.176 saw a second language, the running text's
        // pieces vote, weighted by their running words, so that English names, code and quotes
        // do not outvote the language the document is written in.
        // Without a rival in lid.176's top-5 the vote runs only on the answers the profiles
        // name (`mixed_vote_uncontested`: `en`; the running-word count that decides it is most
        // of the vote's cost): English names, code and quotes pull a document to `en`; measured
        // on the dev half, the uncontested vote changed no other answer (docs/lid.md, "Session
        // 10").
        if self.mixed_vote.is_some() && (contested || self.uncontested.iter().any(|u| u == lang)) {
            // Another language than the document's, outside its confusable group (inside one,
            // the group evidence of the whole text decides better than its pieces), with a
            // majority of the running words; the vote stops as soon as none can have one.
            let vote = garbell_lid::mixed::running_text_majority(
                text,
                MIXED_MIN_SCORE,
                contested,
                |l: &&str| *l != lang && *l != LANG_OTHER && !stage2.same_group(l, lang),
                |piece| {
                    let (l, s, _, _) = self.identify_refined(piece, stage2, 2.0);
                    (l, s)
                },
            );
            if let Some(v) = vote {
                return (v.lang, v.score, Some(script));
            }
        }
        (lang, score, Some(script))
    }

    /// lid.176's top-5 refined by the second stage: the language, its score, the script, and
    /// whether another configured language, outside the answer's confusable group, had at
    /// least `rival` in lid.176's top-5.
    fn identify_refined<'a>(
        &'a self,
        text: &str,
        stage2: &'a Disambiguator,
        rival: f32,
    ) -> (&'a str, f32, Script, bool) {
        let mut mapped: [(&str, f32); 5] = [("", 0.0); 5];
        let n = self.top5(text, &mut mapped);
        let r = stage2.refine(text, &mapped[..n]);
        let contested = mapped[..n].iter().any(|(l, p)| {
            *p >= rival && *l != r.lang && *l != LANG_OTHER && !stage2.same_group(l, r.lang)
        });
        // Restricted: the n-gram profiles can answer `other` or a language without a profile
        // here; the most probable allowed label stands instead.
        if self.restrict
            && n > 0
            && (r.lang == LANG_OTHER || !self.lang_of_label.iter().any(|l| l == r.lang))
        {
            return (mapped[0].0, mapped[0].1.min(1.0), r.script, contested);
        }
        (r.lang, r.score.min(1.0), r.script, contested)
    }

    /// The running-text vote for mixed documents: called when a rival language has at least
    /// this probability in lid.176's top-5 (`MIXED_MIN_RIVAL` by default), `None` = off.
    pub fn with_mixed_vote(mut self, rival: Option<f32>) -> Self {
        self.mixed_vote = rival;
        self
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if max == 0 || text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl Step for IdentifyLanguage {
    fn name(&self) -> &str {
        "identify_language"
    }

    fn apply(&self, doc: &mut Document) -> Result<Verdict, RecordError> {
        if let Some((min_score, share)) = self.lines {
            self.identify_lines(doc, min_score, share);
            return Ok(Verdict::Keep);
        }
        let (lang, score, script) = self.identify_with_script(&doc.text);
        doc.lang.clear();
        doc.lang.push_str(lang);
        doc.lang_score = score;
        if let Some(script) = script {
            doc.meta.insert("lang_script".into(), script.code().into());
        }
        Ok(Verdict::Keep)
    }
}

/// `filter_language`: defined in `garbell-quality` (beside the other filters, so that
/// `garbell-tune` applies the same decision without depending on the pipeline).
pub use garbell_quality::FilterLanguage;

/// One step with per-language variants: documents whose `lang` has a variant (built from the
/// language profile's `[quality.<step>]` parameters) go to it, the others to the default.
/// Counts and reasons are the inner steps'.
pub struct PerLanguage {
    default: Box<dyn Step>,
    by_lang: std::collections::BTreeMap<String, Box<dyn Step>>,
}

impl PerLanguage {
    /// A step routing by language.
    pub fn new(
        default: Box<dyn Step>,
        by_lang: std::collections::BTreeMap<String, Box<dyn Step>>,
    ) -> Self {
        PerLanguage { default, by_lang }
    }
}

impl Step for PerLanguage {
    fn name(&self) -> &str {
        self.default.name()
    }

    fn apply(&self, doc: &mut Document) -> Result<Verdict, RecordError> {
        self.by_lang
            .get(doc.lang.as_str())
            .unwrap_or(&self.default)
            .apply(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garbell_core::Origin;

    fn profiles(langs: &Languages) -> impl Iterator<Item = (&str, f32)> {
        langs.iter().map(|p| (p.code.as_str(), p.lid.threshold))
    }

    fn doc(text: &str) -> Document {
        Document::new("d", text, "test", Origin::new("t", 0, 0))
    }

    #[test]
    fn identify_then_filter_keeps_and_drops_with_reasons() {
        let langs = Languages::embedded().expect("langs");
        let model = Arc::new(Model::embedded_lid176().expect("model"));
        let stage2 = Some(Arc::new(Disambiguator::embedded().expect("embedded data")));
        let lid = IdentifyLanguage::new(model, &langs, 0, stage2);
        let all = FilterLanguage::new(profiles(&langs), &[], None);
        let only_es = FilterLanguage::new(profiles(&langs), &["es".to_string()], None);

        let mut ca =
            doc("La Generalitat de Catalunya ha aprovat avui el pressupost per a l'any vinent.");
        lid.apply(&mut ca).expect("ok");
        assert_eq!(ca.lang, "ca");
        assert!(ca.lang_score > 0.65);
        assert_eq!(all.apply(&mut ca).expect("ok"), Verdict::Keep);
        assert_eq!(
            only_es.apply(&mut ca).expect("ok"),
            Verdict::drop("lang_not_selected")
        );

        let mut ja = doc("東京は日本の首都であり、世界最大級の都市です。");
        lid.apply(&mut ja).expect("ok");
        assert_eq!(ja.lang, "other");
        assert_eq!(all.apply(&mut ja).expect("ok"), Verdict::drop("lang_other"));

        let strict = FilterLanguage::new(profiles(&langs), &[], Some(1.0));
        assert_eq!(
            strict.apply(&mut ca).expect("ok"),
            Verdict::drop("lang_score_below_threshold")
        );
    }

    #[test]
    fn restricted_prediction_stays_in_the_allowed_labels() {
        let langs = Languages::embedded().expect("langs");
        let model = Arc::new(Model::embedded_lid176().expect("model"));
        let ja = "東京は日本の首都であり、世界最大級の都市です。";
        let ca = "La Generalitat de Catalunya ha aprovat avui el pressupost per a l'any vinent.";
        for stage2 in [
            None,
            Some(Arc::new(Disambiguator::embedded().expect("embedded data"))),
        ] {
            let open = IdentifyLanguage::new(model.clone(), &langs, 0, stage2.clone());
            let restricted =
                IdentifyLanguage::new(model.clone(), &langs, 0, stage2).restricted(true);
            assert_eq!(open.identify(ja).0, "other");
            let (lang, score) = restricted.identify(ja);
            assert!(
                langs.get(lang).is_some(),
                "{lang} is not a configured language"
            );
            assert!(score < 0.65, "{lang} {score}");
            // A text already in the set keeps its answer (the second stage's score can differ a
            // little: its candidates are the top-5 allowed labels).
            let (lang, score) = restricted.identify(ca);
            assert_eq!(lang, open.identify(ca).0);
            assert!(score > 0.65);
            // Luxembourgish, short: the n-gram profiles answer `other` (an `other@` profile fits
            // best); restricted, the answer must still be a configured language.
            let lb = "Späichert de Fichier ier Dir de Programm zoumaacht";
            let (lang, _) = restricted.identify(lb);
            assert!(langs.get(lang).is_some(), "{lang} for Luxembourgish");
        }
        let with_profiles = IdentifyLanguage::new(
            model,
            &langs,
            0,
            Some(Arc::new(Disambiguator::embedded().expect("embedded data"))),
        );
        assert_eq!(
            with_profiles
                .identify("Späichert de Fichier ier Dir de Programm zoumaacht")
                .0,
            "other"
        );
    }

    #[test]
    fn the_uncontested_vote_runs_on_the_languages_the_profiles_name() {
        // A Czech line and three lines of English identifiers: lid.176 answers `en` with no
        // rival in its top-5, so only the uncontested vote (on an `en` answer, as
        // `languages/en.toml` sets `mixed_vote_uncontested`) finds the Czech running text.
        let text = concat!(
            "Balíček obsahuje knihovny pro práci s formátem dat.\n",
            "ResourceDescriptionFramework RDFParser RDFSerializer SPARQLQuery TurtleWriter ",
            "NTriplesReader\nGraphStore QueryEngine ResultSet BindingSet ValueFactory ",
            "NamespaceManager\nHTTPRepository SailRepository MemoryStore NativeStore ",
            "InferencerConnection"
        );
        let model = Arc::new(Model::embedded_lid176().expect("model"));
        let stage2 = Some(Arc::new(Disambiguator::embedded().expect("embedded data")));
        let langs = Languages::embedded().expect("langs");
        // The same profiles with English's key removed.
        let dir = tempfile::tempdir().expect("tempdir");
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../languages");
        for entry in std::fs::read_dir(&src).expect("languages/") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("read");
                let text: String = text
                    .lines()
                    .filter(|l| !l.starts_with("mixed_vote_uncontested"))
                    .map(|l| format!("{l}\n"))
                    .collect();
                std::fs::write(dir.path().join(path.file_name().expect("name")), text)
                    .expect("write");
            }
        }
        let without = Languages::load_dir(dir.path()).expect("langs");
        assert!(without.iter().all(|p| !p.lid.mixed_vote_uncontested));
        let step = |langs: &Languages, rival: Option<f32>| {
            IdentifyLanguage::new(model.clone(), langs, 0, stage2.clone()).with_mixed_vote(rival)
        };
        assert_eq!(step(&langs, None).identify(text).0, "en");
        // A rival probability no label reaches: the uncontested vote alone.
        assert_eq!(step(&langs, Some(2.0)).identify(text).0, "cs");
        assert_eq!(step(&without, Some(2.0)).identify(text).0, "en");
        assert_eq!(step(&langs, Some(MIXED_MIN_RIVAL)).identify(text).0, "cs");
    }

    #[test]
    fn normalize_applies_the_invalid_utf8_policy() {
        let mut d = doc("caf\u{FFFD} ok");
        d.signals.insert("invalid_utf8".into(), 1.0);
        let drop = Normalize::new(NormalizeOptions::default(), InvalidUtf8Policy::Drop);
        assert_eq!(
            drop.apply(&mut d.clone()).expect("ok"),
            Verdict::drop("invalid_utf8")
        );
        let strip = Normalize::new(NormalizeOptions::default(), InvalidUtf8Policy::Strip);
        let mut s = d.clone();
        assert_eq!(strip.apply(&mut s).expect("ok"), Verdict::Keep);
        assert_eq!(s.text, "caf ok");
        let mut e = doc(" \n\u{0} ");
        assert_eq!(strip.apply(&mut e).expect("ok"), Verdict::drop("empty"));
    }

    #[test]
    fn per_line_mode_votes_by_bytes_and_flags_mixed_documents() {
        let langs = Languages::embedded().expect("langs");
        let model = Arc::new(Model::embedded_lid176().expect("model"));
        let stage2 = Some(Arc::new(Disambiguator::embedded().expect("embedded data")));
        let lid = IdentifyLanguage::new(model, &langs, 0, stage2).per_line(0.5, 0.2);
        let mut d = doc(concat!(
            "La Generalitat de Catalunya ha aprovat avui el pressupost per a l'any vinent.\n",
            "Els ajuntaments rebran més recursos per a les escoles i els centres de salut.\n",
            "The council also published its annual report on water quality in the region.\n",
            "12345\n",
            "Els veïns de la comarca han celebrat la festa major amb castells, gegants i sardanes."
        ));
        lid.apply(&mut d).expect("ok");
        assert_eq!(d.lang, "ca");
        assert!(
            d.lang_score > 0.6 && d.lang_score < 0.8,
            "{} {:?}",
            d.lang_score,
            d.meta
        );
        assert_eq!(d.meta["multilingual"], serde_json::json!(true));
        assert_eq!(
            d.meta["lang_spans"],
            serde_json::json!([["ca", 0, 1], ["en", 2, 2], ["ca", 4, 4]])
        );
    }

    #[test]
    fn cut_respects_character_boundaries() {
        assert_eq!(cut("àbc", 1), "");
        assert_eq!(cut("àbc", 2), "à");
        assert_eq!(cut("àbc", 0), "àbc");
    }
}
