//! Chain files: `filters/chains/<name>.toml`.
//!
//! ```toml
//! name = "web"
//! description = "..."
//!
//! [source]            # how inputs are read (garbell-io SourceConfig)
//! text_field = "text"
//!
//! [[steps]]
//! step = "normalize"
//!
//! [[steps]]
//! step = "identify_language"
//!
//! [[steps]]
//! step = "filter_language"
//!
//! [output]            # shard writer settings (garbell-shard ShardConfig)
//! zstd_level = 3
//! ```

use crate::{parse_toml, Error, Languages};
use garbell_core::PathError;
use garbell_io::SourceConfig;
use garbell_shard::ShardConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A chain: the source settings, the steps in order, and the output settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// Name of the chain (recorded in stats and manifests).
    pub name: String,
    /// What the chain is for.
    #[serde(default)]
    pub description: String,
    /// How inputs are read.
    #[serde(default)]
    pub source: SourceConfig,
    /// The steps, applied in order to every document.
    pub steps: Vec<StepConfig>,
    /// Shard writer settings.
    #[serde(default)]
    pub output: ShardConfig,
    /// Corpus-wide deduplication after the chain (off unless `[dedup.exact]`,
    /// `[dedup.minhash]`, `[dedup.simhash]` or `[dedup.lines]` is present).
    #[serde(default)]
    pub dedup: DedupConfig,
}

/// The `[dedup]` table: which duplicates to remove once every input has gone through the chain.
/// Exact and MinHash keys feed one clustering, so a document that is an exact copy of one
/// document and a near copy of another lands in one cluster; the survivor of each cluster is the
/// document that comes first in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DedupConfig {
    /// Exact duplicates (of normalized text by default, or raw text, or URL).
    pub exact: Option<garbell_dedup::ExactConfig>,
    /// Near duplicates by MinHash LSH: verified candidates from word 2-grams, 20 bands × 5 rows
    /// by default; `preset = "fineweb"` for FineWeb's 5-grams, 14 × 8, unverified.
    pub minhash: Option<garbell_dedup::MinHashConfig>,
    /// Near duplicates by SimHash (fingerprints within `max_distance` bits, candidates from
    /// Manku et al.'s block tables, every pair checked by its Hamming distance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simhash: Option<garbell_dedup::SimHashConfig>,
    /// Memory for buffered bucket records per worker, in MiB, before they spill to sorted run
    /// files on disk.
    pub memory_mib: usize,
    /// Which document of a cluster is kept: `"first"` (input order, the default) or
    /// `{ highest_signal = "<signal>" }`.
    #[serde(skip_serializing_if = "garbell_dedup::Survivor::is_first")]
    pub survivor: garbell_dedup::Survivor,
    /// Line or paragraph dedup after CCNet: units seen earlier in the corpus are removed from
    /// the kept documents (see `garbell_dedup::lines`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<garbell_dedup::LineDedupConfig>,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            exact: None,
            minhash: None,
            simhash: None,
            memory_mib: 256,
            survivor: garbell_dedup::Survivor::First,
            lines: None,
        }
    }
}

impl DedupConfig {
    /// Replaces the near-duplicate method (`garbell run --near-dups`): `"minhash"` (the
    /// default verified MinHash), `"fineweb"` (FineWeb's MinHash), `"simhash"` (SimHash with its
    /// defaults) or anything else for none. Exact and line dedup are left as they are.
    pub fn select_near_dups(&mut self, method: &str) {
        (self.minhash, self.simhash) = match method {
            "minhash" => (Some(garbell_dedup::MinHashConfig::default()), None),
            "fineweb" => (Some(garbell_dedup::MinHashConfig::fineweb()), None),
            "simhash" => (None, Some(garbell_dedup::SimHashConfig::default())),
            _ => (None, None),
        };
    }

    /// True when any deduplication is configured.
    pub fn enabled(&self) -> bool {
        self.exact.is_some()
            || self.minhash.is_some()
            || self.simhash.is_some()
            || self.lines.is_some()
    }
}

/// Defines [`StepConfig`] from the steps listed here and the signal filters of
/// `garbell_quality::signal_filters!` (the one table of quality filters).
macro_rules! step_config {
    ($( $(#[$doc:meta])* $variant:ident($params:ty), )*) => {
        /// One step of a chain: `step = "<name>"` plus that step's parameters.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "step", rename_all = "snake_case")]
        pub enum StepConfig {
            /// Unicode and whitespace normalization.
            Normalize(NormalizeConfig),
            /// fastText language identification.
            IdentifyLanguage(IdentifyLanguageConfig),
            /// Keeps documents in the selected languages above their thresholds.
            FilterLanguage(FilterLanguageConfig),
            $( $(#[$doc])* $variant($params), )*
            /// URL/domain blocklists (UT1 directories or plain lists); the drop reason names the
            /// category.
            FilterUrlBlocklist(garbell_quality::UrlBlocklistConfig),
            /// Code rules (Codex, The Stack, StarCoder) with per programming language thresholds.
            FilterCodeQuality(garbell_quality::CodeQualityConfig),
            /// Code documents' `lang` = `code-<programming language>` (from `meta` or detected).
            LabelCodeLanguage(garbell_io::code::CodeLanguageConfig),
        }

        impl StepConfig {
            /// The parameters of a signal filter (the quality steps that decide from stored
            /// signals and take per-language `[quality.<step>]` values), `None` for other steps.
            pub fn filter(&self) -> Option<&dyn garbell_quality::AnyFilterParams> {
                match self {
                    $( StepConfig::$variant(p) => Some(p), )*
                    _ => None,
                }
            }

            /// Every step with its default parameters, in table order.
            pub fn all_defaults() -> Vec<StepConfig> {
                vec![
                    StepConfig::Normalize(Default::default()),
                    StepConfig::IdentifyLanguage(Default::default()),
                    StepConfig::FilterLanguage(Default::default()),
                    $( StepConfig::$variant(Default::default()), )*
                    StepConfig::FilterUrlBlocklist(Default::default()),
                    StepConfig::FilterCodeQuality(Default::default()),
                    StepConfig::LabelCodeLanguage(Default::default()),
                ]
            }
        }
    };
}

garbell_quality::signal_filters!(step_config);

impl StepConfig {
    /// The step's name as written in chain files.
    pub fn name(&self) -> &'static str {
        if let Some(f) = self.filter() {
            return f.name();
        }
        match self {
            StepConfig::Normalize(_) => "normalize",
            StepConfig::IdentifyLanguage(_) => "identify_language",
            StepConfig::FilterLanguage(_) => "filter_language",
            StepConfig::FilterUrlBlocklist(_) => "filter_url_blocklist",
            StepConfig::FilterCodeQuality(_) => "filter_code_quality",
            StepConfig::LabelCodeLanguage(_) => "label_code_language",
            // Signal filters answered above.
            _ => "",
        }
    }

    /// The default parameters of the signal filter named `name`.
    pub fn filter_default(name: &str) -> Option<StepConfig> {
        Self::all_defaults()
            .into_iter()
            .find(|s| s.filter().is_some() && s.name() == name)
    }

    /// This step with the keys of `table` over its parameters (a language profile's
    /// `[quality.<step>]` table, or `garbell tune --set`).
    pub fn with_overrides(&self, table: &toml::Table) -> Result<StepConfig, String> {
        if table.contains_key("step") {
            return Err("`step` is not a parameter".into());
        }
        apply_overrides(self, table)
    }
}

/// What `normalize` does with text that had invalid UTF-8 (replaced by U+FFFD when read; the
/// source counts the replaced sequences in the `invalid_utf8` signal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidUtf8Policy {
    /// Keep the document with U+FFFD in place of each invalid sequence.
    #[default]
    Replace,
    /// Keep the document and remove the U+FFFD characters.
    Strip,
    /// Drop the document (reason `invalid_utf8`).
    Drop,
}

/// Parameters of `normalize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NormalizeConfig {
    /// Compose to Unicode NFC.
    pub nfc: bool,
    /// Collapse runs of spaces and tabs within a line (turn off for code).
    pub collapse_spaces: bool,
    /// Keep at most this many consecutive line breaks (0 = unlimited).
    pub max_newlines: usize,
    /// Policy for documents that had invalid UTF-8.
    pub invalid_utf8: InvalidUtf8Policy,
}

impl Default for NormalizeConfig {
    fn default() -> Self {
        NormalizeConfig {
            nfc: true,
            collapse_spaces: true,
            max_newlines: 2,
            invalid_utf8: InvalidUtf8Policy::Replace,
        }
    }
}

/// How language identification looks at a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LidMode {
    /// The whole document at once (newlines read as spaces), as datatrove and CCNet do.
    #[default]
    Document,
    /// Each line on its own, as OSCAR (ungoliant) does: the document's language is the one with
    /// the most bytes among confidently identified lines, its score the share of the document's
    /// bytes in that language; documents with several languages are flagged with their spans.
    Lines,
}

/// Parameters of `identify_language`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentifyLanguageConfig {
    /// `"embedded:lid.176"` for the embedded model, or the path of a fastText `.bin`/`.ftz` model.
    pub model: String,
    /// How the document is looked at.
    pub mode: LidMode,
    /// Only the first this many bytes of the text are read (cut at a character boundary);
    /// 0 = the whole text.
    pub max_bytes: usize,
    /// Decide within confusable groups (hr/sr/bs/sh, no/nn/da, gl/pt/es/ca/oc, cs/sk, bg/ru/uk)
    /// with the second stage of `docs/lid.md` (word lists and markers in `languages/lid/disambig/`).
    pub second_stage: bool,
    /// `mode = "lines"`: a line counts for its language only with at least this score; other
    /// lines count as unidentified bytes. Unset: 0.8 with `second_stage = false` (OSCAR's
    /// threshold on lid.176's raw probabilities), 0.3 with the second stage, whose scores are
    /// softer (chosen on the dev half of `benches/lid_eval/lines_eval.py`; docs/lid.md).
    pub line_min_score: Option<f32>,
    /// `mode = "lines"`: a document is flagged multilingual when a second language holds at least
    /// this share of the identified bytes.
    pub multilingual_min_share: f32,
    /// Where Serbo-Croatian lands (second stage): `standard` (the default: hr and sr when the
    /// standard is identifiable, `sh` for Bosnian, Montenegrin and standard-neutral Latin text),
    /// `split` (hr, sr or bs→other by evidence; `sh` never answered), `keep` (`sh` stays a
    /// candidate), `group` (all of it reported as `sh`; `merge` is an alias).
    pub serbo_croatian: SerboCroatian,
    /// Restrict prediction to the allowed label set (the labels `languages/*.toml` claim): the
    /// answer is the most probable configured language, never `other`; texts in other
    /// languages get low scores instead (docs/lid.md).
    pub restrict_labels: bool,
    /// Second stage: rerank lid.176's uncertain answers (top probability < 0.9) with the
    /// character n-gram profiles of `languages/lid/ngrams/` before the groups decide (docs/lid.md).
    pub ngram_profiles: bool,
}

/// The `serbo_croatian` policy of `identify_language`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SerboCroatian {
    /// hr and sr when the standard is identifiable; Bosnian, Montenegrin and standard-neutral
    /// Latin text `sh`.
    #[default]
    Standard,
    /// hr, sr or Bosnian (other) by evidence.
    Split,
    /// `sh` stays a candidate.
    Keep,
    /// The whole group reported as `sh`.
    #[serde(alias = "merge")]
    Group,
}

impl IdentifyLanguageConfig {
    /// `line_min_score`, or its default for the `second_stage` setting.
    pub fn line_min_score(&self) -> f32 {
        self.line_min_score
            .unwrap_or(if self.second_stage { 0.3 } else { 0.8 })
    }
}

impl Default for IdentifyLanguageConfig {
    fn default() -> Self {
        IdentifyLanguageConfig {
            model: "embedded:lid.176".into(),
            mode: LidMode::Document,
            max_bytes: 0,
            second_stage: true,
            line_min_score: None,
            multilingual_min_share: 0.2,
            serbo_croatian: SerboCroatian::Standard,
            restrict_labels: false,
            ngram_profiles: true,
        }
    }
}

/// Parameters of `filter_language`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FilterLanguageConfig {
    /// Languages to keep (codes of `languages/`); empty = all configured languages.
    pub languages: Vec<String>,
    /// One threshold for all languages instead of each profile's `lid.threshold`.
    pub threshold: Option<f32>,
}

/// Checks that `table` holds valid parameters of the signal filter `step` (as a language
/// profile's `[quality.<step>]`): the step must be a filter of the table and each key one of its
/// parameters with a value of the right type and range.
pub(crate) fn check_step_overrides(step: &str, table: &toml::Table) -> Result<(), String> {
    let Some(base) = StepConfig::filter_default(step) else {
        let names: Vec<&str> = StepConfig::all_defaults()
            .iter()
            .filter(|s| s.filter().is_some())
            .map(StepConfig::name)
            .collect();
        return Err(format!("no quality step {step:?} ({})", names.join(", ")));
    };
    let c = base.with_overrides(table)?;
    c.filter()
        .map_or(Ok(()), |f| f.validate())
        .map_err(|e| e.to_string())
}

/// The key of a step table whose value has the wrong type or range (`steps[1].languages`), and
/// its line (1-based) when written as `key = ...` under the step's `[[steps]]` header.
///
/// Steps are tagged by `step`, so serde reads each step table whole and its type errors name
/// neither the key nor its line (only the table's): each key is tried alone with the step's tag
/// to find the one at fault (the parser's line is that of the first `[[steps]]`, whichever step
/// is wrong). `None` when the text is not TOML or no single key fails.
fn step_key_at_fault(text: &str) -> Option<(String, Option<usize>)> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let steps = table.get("steps")?.as_array()?;
    for (i, step) in steps.iter().enumerate() {
        let Some(step) = step.as_table() else {
            continue;
        };
        let Some(tag) = step.get("step") else {
            continue;
        };
        for (key, value) in step.iter().filter(|(k, _)| *k != "step") {
            let mut alone = toml::Table::new();
            alone.insert("step".into(), tag.clone());
            alone.insert(key.clone(), value.clone());
            if let Err(e) = alone.try_into::<StepConfig>() {
                if !e.message().starts_with("missing field") {
                    return Some((format!("steps[{i}].{key}"), step_key_line(text, i, key)));
                }
            }
        }
    }
    None
}

/// The 1-based line of `key = ...` in the `i`th `[[steps]]` table of `text`.
fn step_key_line(text: &str, i: usize, key: &str) -> Option<usize> {
    let mut seen = 0;
    let mut inside = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.starts_with('[') {
            inside = line.starts_with("[[steps]]") && {
                seen += 1;
                seen == i + 1
            };
        } else if inside {
            let rest = line.strip_prefix(key).map(str::trim_start);
            if rest.is_some_and(|r| r.starts_with('=')) {
                return Some(n + 1);
            }
        }
    }
    None
}

/// `config` with the keys of `table` replaced: the way a language profile's `[quality.<step>]`
/// applies over the chain's step parameters.
pub fn apply_overrides<T>(config: &T, table: &toml::Table) -> Result<T, String>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let mut base = toml::Table::try_from(config).map_err(|e| e.to_string())?;
    for (k, v) in table {
        base.insert(k.clone(), v.clone());
    }
    base.try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())
}

impl ChainConfig {
    /// Reads a chain file.
    pub fn load(path: &Path) -> Result<ChainConfig, Error> {
        let text = std::fs::read_to_string(path).map_err(PathError::at(path))?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// Parses chain TOML; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<ChainConfig, Error> {
        parse_toml(path, text).map_err(|e| match (e, step_key_at_fault(text)) {
            (Error::Parse { path, message }, Some((key, line))) => Error::Parse {
                path,
                message: match line {
                    Some(n) => format!("{}\nin key `{key}` at line {n}", message.trim_end()),
                    None => format!("{}\nin key `{key}`", message.trim_end()),
                },
            },
            (e, _) => e,
        })
    }

    /// A chain embedded in the binary, by name (`web` for `filters/chains/web.toml`).
    pub fn embedded(name: &str) -> Option<Result<ChainConfig, Error>> {
        let file = format!("{name}.toml");
        crate::embedded_chains()
            .iter()
            .find(|(n, _)| *n == file)
            .map(|(n, t)| Self::parse(&format!("<embedded>/filters/chains/{n}"), t))
    }

    /// Checks the chain against the language profiles: step order, language codes, thresholds.
    pub fn validate(&self, path: &str, langs: &Languages) -> Result<(), Error> {
        let invalid = |message: String| Error::Invalid {
            path: path.to_string(),
            message,
        };
        if self.steps.is_empty() && !self.dedup.enabled() {
            return Err(invalid(
                "key `steps` is empty: a chain needs at least one step or a [dedup] table".into(),
            ));
        }
        let mut have_lid = false;
        // Quality steps validate their own parameters when built; do it now, before any work.
        let check = |i: usize, r: Result<(), garbell_quality::Error>| {
            r.map_err(|e| invalid(format!("steps[{i}]: {e}")))
        };
        for (i, s) in self.steps.iter().enumerate() {
            match s {
                StepConfig::IdentifyLanguage(_) => have_lid = true,
                StepConfig::FilterLanguage(f) => {
                    if !have_lid {
                        return Err(invalid(format!(
                            "steps[{i}] `filter_language` needs an `identify_language` step before it"
                        )));
                    }
                    for l in &f.languages {
                        if langs.get(l).is_none() {
                            return Err(invalid(format!(
                                "steps[{i}].languages: no language profile {l:?} (languages/{l}.toml)"
                            )));
                        }
                    }
                    if let Some(t) = f.threshold {
                        if !(0.0..=1.0).contains(&t) {
                            return Err(invalid(format!(
                                "steps[{i}].threshold = {t} is outside [0, 1]"
                            )));
                        }
                    }
                }
                // Paths only: the lists themselves are read once, when the chain is built.
                StepConfig::FilterUrlBlocklist(c) => check(i, c.check())?,
                StepConfig::FilterCodeQuality(c) => check(i, c.build().map(drop))?,
                s => {
                    if let Some(f) = s.filter() {
                        check(i, f.validate())?;
                    }
                }
            }
        }
        if self.source.max_record_bytes == 0 {
            return Err(invalid(
                "source.max_record_bytes must be greater than 0".into(),
            ));
        }
        self.output
            .validate()
            .map_err(|e| invalid(format!("output: {e}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_min_score_defaults_follow_the_second_stage_and_an_explicit_value_wins() {
        let lid = |body: &str| -> IdentifyLanguageConfig {
            let c = ChainConfig::parse(
                "t.toml",
                &format!("name = \"t\"\n[[steps]]\nstep = \"identify_language\"\nmode = \"lines\"\n{body}"),
            )
            .expect("chain");
            match &c.steps[0] {
                StepConfig::IdentifyLanguage(c) => c.clone(),
                _ => panic!("not identify_language"),
            }
        };
        assert_eq!(lid("").line_min_score(), 0.3);
        assert_eq!(lid("second_stage = false\n").line_min_score(), 0.8);
        assert_eq!(lid("line_min_score = 0.65\n").line_min_score(), 0.65);
        assert_eq!(
            lid("second_stage = false\nline_min_score = 0.1\n").line_min_score(),
            0.1
        );
    }

    #[test]
    fn step_type_error_named_neither_key_nor_its_line() {
        // Regression: the error named the step table's line but not the key
        // ("invalid type: string \"ca\", expected a sequence").
        let e = ChainConfig::parse(
            "t.toml",
            "name = \"t\"\n[[steps]]\nstep = \"normalize\"\n[[steps]]\nstep = \"filter_gopher_quality\"\nmin_doc_words = -1\n",
        )
        .expect_err("a negative count")
        .to_string();
        assert!(
            e.contains("t.toml") && e.contains("`steps[1].min_doc_words` at line 6"),
            "{e}"
        );
        let e = ChainConfig::parse(
            "t.toml",
            "name = \"t\"\n[[steps]]\nstep = \"filter_language\"\nlanguages = \"ca\"\n",
        )
        .expect_err("a string for a list")
        .to_string();
        assert!(e.contains("`steps[0].languages`"), "{e}");
    }

    #[test]
    fn parses_steps_with_parameters() {
        let c = ChainConfig::parse(
            "t.toml",
            "name = \"t\"\n[[steps]]\nstep = \"normalize\"\ncollapse_spaces = false\n[[steps]]\nstep = \"identify_language\"\n[[steps]]\nstep = \"filter_language\"\nlanguages = [\"ca\"]\n",
        )
        .expect("parses");
        assert_eq!(c.steps.len(), 3);
        assert!(matches!(&c.steps[0], StepConfig::Normalize(n) if !n.collapse_spaces && n.nfc));
        assert!(matches!(&c.steps[2], StepConfig::FilterLanguage(f) if f.languages == ["ca"]));
        c.validate("t.toml", &Languages::embedded().expect("langs"))
            .expect("valid");
    }

    #[test]
    fn unknown_step_and_unknown_key_fail_with_line() {
        let e = ChainConfig::parse("t.toml", "name = \"t\"\n[[steps]]\nstep = \"normalise\"\n")
            .expect_err("unknown step");
        assert!(
            e.to_string().contains("t.toml") && e.to_string().contains("normalise"),
            "{e}"
        );
        let e = ChainConfig::parse(
            "t.toml",
            "name = \"t\"\n[[steps]]\nstep = \"normalize\"\nnfd = true\n",
        )
        .expect_err("unknown key");
        assert!(e.to_string().contains("nfd"), "{e}");
    }

    #[test]
    fn validation_names_the_key() {
        let langs = Languages::embedded().expect("langs");
        let c = ChainConfig::parse(
            "t.toml",
            "name = \"t\"\n[[steps]]\nstep = \"filter_language\"\n",
        )
        .expect("parses");
        assert!(c
            .validate("t.toml", &langs)
            .expect_err("order")
            .to_string()
            .contains("identify_language"));
        let c = ChainConfig::parse(
            "t.toml",
            "name = \"t\"\n[[steps]]\nstep = \"identify_language\"\n[[steps]]\nstep = \"filter_language\"\nlanguages = [\"xx\"]\n",
        )
        .expect("parses");
        assert!(c
            .validate("t.toml", &langs)
            .expect_err("lang")
            .to_string()
            .contains("\"xx\""));
    }
}
