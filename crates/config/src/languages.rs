//! Language profiles: `languages/_defaults.toml` and one `languages/<iso>.toml` per language.

use crate::{parse_toml, Error};
use garbell_core::PathError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// One language file as written: every key optional, unknown keys rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageFile {
    code: Option<String>,
    name: Option<String>,
    native_name: Option<String>,
    scripts: Option<Vec<String>>,
    #[serde(default)]
    lid: LidFile,
    /// Per-step parameter overrides for this language: `[quality.<step>] param = value`.
    #[serde(default)]
    quality: BTreeMap<String, toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LidFile {
    labels: Option<Vec<String>>,
    threshold: Option<f32>,
    mixed_vote_uncontested: Option<bool>,
}

/// Language-identification settings of a language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LidProfile {
    /// fastText labels that mean this language.
    pub labels: Vec<String>,
    /// Minimum probability to keep a document as this language.
    pub threshold: f32,
    /// `identify_language`'s running-text vote for mixed documents (docs/lid.md) also runs on
    /// an answer of this language when lid.176 saw no rival language: the language that names,
    /// code and quotes in other languages' documents pull the answer to (English). Absent in
    /// the serialized profile when false, so the other profiles hash as before.
    #[serde(default, skip_serializing_if = "is_false")]
    pub mixed_vote_uncontested: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A resolved language profile (defaults merged in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageProfile {
    /// Language code (the file name).
    pub code: String,
    /// English name.
    pub name: String,
    /// Native name.
    pub native_name: String,
    /// ISO 15924 scripts, most common first.
    pub scripts: Vec<String>,
    /// Language identification.
    pub lid: LidProfile,
    /// Quality-step parameters for this language, by step name (`filter_gopher_quality`, ...):
    /// they replace the chain's values for documents of this language (`garbell tune --write`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub quality: BTreeMap<String, toml::Table>,
    /// The stopword list (`stopwords/<code>.txt`) as written, `None` when the language has
    /// none (the rules that need one are skipped for it).
    #[serde(skip)]
    pub stopwords: Option<Arc<str>>,
    /// blake3 of the stopword file, so that the configuration hash follows the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopwords_blake3: Option<String>,
}

/// All language profiles, by code, and the label → language table.
#[derive(Debug, Clone)]
pub struct Languages {
    profiles: BTreeMap<String, LanguageProfile>,
    by_label: HashMap<String, String>,
}

impl Languages {
    /// The profiles embedded in the binary at build time.
    pub fn embedded() -> Result<Languages, Error> {
        let files: Vec<(String, String)> = crate::embedded::LANGUAGE_FILES
            .iter()
            .map(|(n, t)| (format!("<embedded>/languages/{n}"), t.to_string()))
            .collect();
        Self::from_files(files)?.with_stopwords(Self::embedded_stopwords())
    }

    fn embedded_stopwords() -> Vec<(String, String)> {
        crate::embedded::STOPWORD_FILES
            .iter()
            .map(|(n, t)| (format!("<embedded>/languages/stopwords/{n}"), t.to_string()))
            .collect()
    }

    /// The profiles in `dir` (`_defaults.toml` and `<iso>.toml` files) with the stopword lists
    /// of `dir/stopwords/<iso>.txt`. A directory without `stopwords/` keeps the embedded lists;
    /// with one, its files are the lists (a language without a file there has none).
    pub fn load_dir(dir: &Path) -> Result<Languages, Error> {
        let langs = Self::load_profiles(dir)?;
        let sw = dir.join("stopwords");
        if !sw.is_dir() {
            return langs.with_stopwords(Self::embedded_stopwords());
        }
        let files = read_files(&sw, "txt")?;
        langs.with_stopwords(files)
    }

    /// Attaches stopword files `(path, text)`, named `<iso>.txt`, to their profiles.
    fn with_stopwords(mut self, files: Vec<(String, String)>) -> Result<Languages, Error> {
        for (path, text) in files {
            let code = Path::new(&path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(p) = self.profiles.get_mut(&code) else {
                return Err(Error::Invalid {
                    path,
                    message: format!(
                        "a stopword list for {code:?}, which has no profile ({code}.toml)"
                    ),
                });
            };
            p.stopwords_blake3 = Some(blake3::hash(text.as_bytes()).to_hex().to_string());
            p.stopwords = Some(Arc::from(text));
        }
        Ok(self)
    }

    fn load_profiles(dir: &Path) -> Result<Languages, Error> {
        Self::from_files(read_files(dir, "toml")?)
    }

    fn from_files(files: Vec<(String, String)>) -> Result<Languages, Error> {
        let mut defaults = LanguageFile::default();
        let mut langs = Vec::new();
        for (path, text) in &files {
            let stem = Path::new(path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let file: LanguageFile = parse_toml(path, text)?;
            if stem == "_defaults" {
                defaults = file;
            } else {
                langs.push((path.clone(), stem, file));
            }
        }
        let mut profiles = BTreeMap::new();
        let mut by_label = HashMap::new();
        for (path, stem, f) in langs {
            let invalid = |message: String| Error::Invalid {
                path: path.clone(),
                message,
            };
            let code = f.code.clone().unwrap_or_else(|| stem.clone());
            if code != stem {
                return Err(invalid(format!(
                    "key `code` is {code:?} but the file is named {stem:?}"
                )));
            }
            let req = |v: Option<String>, d: &Option<String>, key: &str| {
                v.or_else(|| d.clone())
                    .ok_or_else(|| invalid(format!("missing key `{key}`")))
            };
            let name = req(f.name, &defaults.name, "name")?;
            let native_name = f
                .native_name
                .or_else(|| defaults.native_name.clone())
                .unwrap_or_else(|| name.clone());
            let scripts = f
                .scripts
                .or_else(|| defaults.scripts.clone())
                .unwrap_or_default();
            let labels = f
                .lid
                .labels
                .or_else(|| defaults.lid.labels.clone())
                .unwrap_or_default();
            if labels.is_empty() {
                return Err(invalid("key `lid.labels` is empty".into()));
            }
            let threshold = f.lid.threshold.or(defaults.lid.threshold).ok_or_else(|| {
                invalid("missing key `lid.threshold` (set it here or in _defaults.toml)".into())
            })?;
            if !(0.0..=1.0).contains(&threshold) {
                return Err(invalid(format!(
                    "key `lid.threshold` = {threshold} is outside [0, 1]"
                )));
            }
            let mixed_vote_uncontested = f
                .lid
                .mixed_vote_uncontested
                .or(defaults.lid.mixed_vote_uncontested)
                .unwrap_or(false);
            for l in &labels {
                if let Some(other) = by_label.insert(l.clone(), code.clone()) {
                    return Err(invalid(format!(
                        "label {l:?} in `lid.labels` already belongs to {other:?}"
                    )));
                }
            }
            // Defaults' tables first, the language's keys over them.
            let mut quality = defaults.quality.clone();
            for (step, table) in f.quality {
                quality.entry(step).or_default().extend(table);
            }
            for (step, table) in &quality {
                crate::chain::check_step_overrides(step, table)
                    .map_err(|m| invalid(format!("[quality.{step}]: {m}")))?;
            }
            profiles.insert(
                code.clone(),
                LanguageProfile {
                    code,
                    name,
                    native_name,
                    scripts,
                    lid: LidProfile {
                        labels,
                        threshold,
                        mixed_vote_uncontested,
                    },
                    quality,
                    stopwords: None,
                    stopwords_blake3: None,
                },
            );
        }
        Ok(Languages { profiles, by_label })
    }

    /// The profile of `code`.
    pub fn get(&self, code: &str) -> Option<&LanguageProfile> {
        self.profiles.get(code)
    }

    /// The language a fastText label means, if any.
    pub fn lang_of_label(&self, label: &str) -> Option<&str> {
        self.by_label.get(label).map(String::as_str)
    }

    /// All profiles, sorted by code.
    pub fn iter(&self) -> impl Iterator<Item = &LanguageProfile> {
        self.profiles.values()
    }

    /// Number of languages.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// True when no language is configured.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Replaces the LID threshold of every language (a command-line override).
    pub fn set_threshold(&mut self, code: &str, threshold: f32) -> bool {
        match self.profiles.get_mut(code) {
            Some(p) => {
                p.lid.threshold = threshold;
                true
            }
            None => false,
        }
    }
}

/// `(path, text)` of the files of `dir` whose extension is `ext`, sorted by path.
fn read_files(dir: &Path, ext: &str) -> Result<Vec<(String, String)>, Error> {
    let io = PathError::at(dir);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(&io)? {
        let path = entry.map_err(&io)?.path();
        if path.extension().is_some_and(|e| e == ext) {
            let text = std::fs::read_to_string(&path).map_err(PathError::at(&path))?;
            files.push((path.display().to_string(), text));
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn embedded_profiles_cover_the_35_languages() {
        let l = Languages::embedded().expect("valid");
        let codes: Vec<&str> = l.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes.join(" "),
            "bg ca cs cy da de el en es et eu fi fr ga gl hr hu it lt lv mt nl nn no oc pl pt ro ru sh sk sl sr sv uk"
        );
        assert_eq!(l.lang_of_label("__label__nn"), Some("nn"));
        assert_eq!(l.lang_of_label("__label__srp_Cyrl"), Some("sr"));
        assert_eq!(l.lang_of_label("__label__ja"), None);
    }

    #[test]
    fn the_uncontested_mixed_vote_is_set_by_the_profiles_and_hashed() {
        let l = Languages::embedded().expect("valid");
        let on: Vec<&str> = l
            .iter()
            .filter(|p| p.lid.mixed_vote_uncontested)
            .map(|p| p.code.as_str())
            .collect();
        assert_eq!(on, ["en"]);
        // Serialized only when set: a profile without it hashes as before the key existed.
        let ca = serde_json::to_value(l.get("ca").expect("ca")).expect("json");
        assert!(ca["lid"].get("mixed_vote_uncontested").is_none(), "{ca}");
        let en = serde_json::to_value(l.get("en").expect("en")).expect("json");
        assert_eq!(en["lid"]["mixed_vote_uncontested"], serde_json::json!(true));
        // The configuration hash follows the key.
        let read = |en_lid: &str| {
            Languages::from_files(files(&[
                ("d/_defaults.toml", "[lid]\nthreshold = 0.5\n"),
                ("d/en.toml", &format!("name = \"English\"\n[lid]\n{en_lid}")),
            ]))
            .expect("valid")
        };
        let hash = |l: &Languages| crate::config_hash(&l.iter().collect::<Vec<_>>());
        let plain = read("labels = [\"__label__en\"]\n");
        let off = read("labels = [\"__label__en\"]\nmixed_vote_uncontested = false\n");
        let on = read("labels = [\"__label__en\"]\nmixed_vote_uncontested = true\n");
        assert!(!plain.get("en").expect("en").lid.mixed_vote_uncontested);
        assert_eq!(hash(&plain), hash(&off));
        assert_ne!(hash(&plain), hash(&on));
        // A default for every language, overridden per language.
        let l = Languages::from_files(files(&[
            (
                "d/_defaults.toml",
                "[lid]\nthreshold = 0.5\nmixed_vote_uncontested = true\n",
            ),
            ("d/ca.toml", "name = \"C\"\n[lid]\nlabels = [\"a\"]\n"),
            (
                "d/es.toml",
                "name = \"S\"\n[lid]\nlabels = [\"b\"]\nmixed_vote_uncontested = false\n",
            ),
        ]))
        .expect("valid");
        assert!(l.get("ca").expect("ca").lid.mixed_vote_uncontested);
        assert!(!l.get("es").expect("es").lid.mixed_vote_uncontested);
        let e = Languages::from_files(files(&[(
            "d/ca.toml",
            "name = \"C\"\n[lid]\nlabels = [\"a\"]\nthreshold = 0.5\nmixed_vote_uncontested = 1\n",
        )]))
        .expect_err("not a boolean");
        assert!(e.to_string().contains("mixed_vote_uncontested"), "{e}");
    }

    #[test]
    fn defaults_are_inherited_and_overridden() {
        let l = Languages::from_files(files(&[
            ("d/_defaults.toml", "[lid]\nthreshold = 0.5\n"),
            (
                "d/ca.toml",
                "name = \"Catalan\"\n[lid]\nlabels = [\"__label__ca\"]\n",
            ),
            (
                "d/oc.toml",
                "name = \"Occitan\"\n[lid]\nlabels = [\"__label__oc\"]\nthreshold = 0.3\n",
            ),
        ]))
        .expect("valid");
        assert_eq!(l.get("ca").map(|p| p.lid.threshold), Some(0.5));
        assert_eq!(l.get("oc").map(|p| p.lid.threshold), Some(0.3));
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let e = Languages::from_files(files(&[(
            "d/ca.toml",
            "name = \"Catalan\"\n[lid]\nlabelz = []\n",
        )]))
        .expect_err("unknown key");
        let msg = e.to_string();
        assert!(
            msg.contains("d/ca.toml") && msg.contains("labelz") && msg.contains("line 3"),
            "{msg}"
        );
        let e = Languages::from_files(files(&[(
            "d/ca.toml",
            "name = \"Catalan\"\n[lid]\nlabels = [\"x\"]\nthreshold = 1.5\n",
        )]))
        .expect_err("bad threshold");
        assert!(e.to_string().contains("lid.threshold"), "{e}");
        let e = Languages::from_files(files(&[
            (
                "d/ca.toml",
                "name = \"C\"\n[lid]\nlabels = [\"x\"]\nthreshold = 0.5\n",
            ),
            (
                "d/es.toml",
                "name = \"S\"\n[lid]\nlabels = [\"x\"]\nthreshold = 0.5\n",
            ),
        ]))
        .expect_err("duplicate label");
        assert!(e.to_string().contains("already belongs to \"ca\""), "{e}");
    }
}
