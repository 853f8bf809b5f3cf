//! The language scheme of code documents and the `label_code_language` chain step.
//!
//! A code document's `lang` is `code-<slug>`, the slug being its programming language's GitHub
//! Linguist name folded by [`lang_code`]: `code-python`, `code-cpp`, `code-shell`,
//! `code-csharp`, `code-objective-c`, `code-jupyter-notebook`. Mixes address all code with
//! `lang = "code*"` and one programming language with `lang = "code-python"`; the balancer makes
//! one bucket per value (docs/balance.md, "Code").

use super::Detector;
use garbell_core::{Document, RecordError, Step, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The prefix of every code document's `lang`.
pub const CODE_LANG_PREFIX: &str = "code-";

/// The `lang` of a document in programming language `language` (a Linguist name):
/// `code-` + the name in lower case with `+` written `p` and `#` written `sharp`, every other
/// run of characters outside `a-z0-9` written `-`, no `-` at either end (`C++` -> `code-cpp`,
/// `C#` -> `code-csharp`, `Emacs Lisp` -> `code-emacs-lisp`); a name with no letter or digit
/// gives `code-unknown`.
pub fn lang_code(language: &str) -> String {
    let mut slug = String::with_capacity(language.len() + 4);
    let mut dash = false;
    for c in language.chars().flat_map(char::to_lowercase) {
        let part = match c {
            'a'..='z' | '0'..='9' => None,
            '+' => Some("p"),
            '#' => Some("sharp"),
            _ => {
                dash = !slug.is_empty();
                continue;
            }
        };
        if dash {
            slug.push('-');
            dash = false;
        }
        match part {
            Some(p) => slug.push_str(p),
            None => slug.push(c),
        }
    }
    if slug.is_empty() {
        slug.push_str("unknown");
    }
    format!("{CODE_LANG_PREFIX}{slug}")
}

/// Parameters of `label_code_language`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodeLanguageConfig {
    /// `meta` keys holding the programming language (a Linguist name), tried in order: the
    /// code-tree source writes `language`, The Stack v1 has a `lang` column, The Stack v2
    /// `language`.
    pub fields: Vec<String>,
    /// When no field holds a language: detect it from the file name (the last part of
    /// `meta.path`, `meta.max_stars_repo_path` or the id) and the text, as the code-tree source
    /// does (modeline, `#!` line, extension, content rules).
    pub detect: bool,
}

impl Default for CodeLanguageConfig {
    fn default() -> Self {
        CodeLanguageConfig {
            fields: vec!["language".into(), "lang".into()],
            detect: true,
        }
    }
}

impl CodeLanguageConfig {
    /// Builds the step.
    pub fn build(&self) -> CodeLanguage {
        CodeLanguage {
            config: self.clone(),
            detector: Detector::builtin(),
        }
    }
}

/// `label_code_language` — **What**: sets `lang` to `code-<slug>` ([`lang_code`]) of the
/// document's programming language, read from `meta` (`fields`) or detected from its file name
/// and text, and `lang_score` to 1; writes `meta.language` (the Linguist name) when it was
/// absent. **Why**: mixes weight code per programming language (`lang = "code*"`, one bucket per
/// language), whatever source the code came from. **Reasons**: `code_language_unknown` (no
/// field and nothing detected).
#[derive(Debug)]
pub struct CodeLanguage {
    config: CodeLanguageConfig,
    detector: &'static Detector,
}

/// Path-like `meta` keys a file name is taken from, in order (The Stack: `max_stars_repo_path`).
const PATH_FIELDS: &[&str] = &["path", "max_stars_repo_path", "max_forks_repo_path"];

impl CodeLanguage {
    fn language(&self, doc: &Document) -> Option<String> {
        for f in &self.config.fields {
            if let Some(Value::String(s)) = doc.meta.get(f) {
                if !s.trim().is_empty() {
                    return Some(s.trim().to_string());
                }
            }
        }
        if !self.config.detect {
            return None;
        }
        let path = PATH_FIELDS
            .iter()
            .find_map(|k| doc.meta.get(*k).and_then(Value::as_str))
            .unwrap_or(&doc.id);
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        self.detector
            .detect(name, doc.text.as_bytes())
            .map(str::to_string)
    }
}

impl Step for CodeLanguage {
    fn name(&self) -> &str {
        "label_code_language"
    }

    fn apply(&self, doc: &mut Document) -> Result<Verdict, RecordError> {
        let Some(language) = self.language(doc) else {
            return Ok(Verdict::drop("code_language_unknown"));
        };
        doc.lang = lang_code(&language);
        doc.lang_score = 1.0;
        doc.meta
            .entry("language".to_string())
            .or_insert_with(|| Value::from(language));
        Ok(Verdict::Keep)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;
    use garbell_core::Origin;

    #[test]
    fn slugs() {
        for (name, want) in [
            ("Python", "code-python"),
            ("C++", "code-cpp"),
            ("C", "code-c"),
            ("C#", "code-csharp"),
            ("F#", "code-fsharp"),
            ("Objective-C++", "code-objective-cpp"),
            ("Shell", "code-shell"),
            ("Emacs Lisp", "code-emacs-lisp"),
            ("Jupyter Notebook", "code-jupyter-notebook"),
            ("Ren'Py", "code-ren-py"),
            (" Go ", "code-go"),
            ("", "code-unknown"),
            ("++", "code-pp"),
        ] {
            assert_eq!(lang_code(name), want, "{name}");
        }
    }

    fn doc(id: &str, text: &str, meta: &[(&str, &str)]) -> Document {
        let mut d = Document::new(id, text, "parquet", Origin::new("x", 0, 0));
        for (k, v) in meta {
            d.meta.insert((*k).into(), Value::from(*v));
        }
        d
    }

    #[test]
    fn step_reads_fields_then_detects() {
        let step = CodeLanguageConfig::default().build();
        // The Stack v1: `lang`; meta.language written for filter_code_quality.
        let mut d = doc("a", "int main(){}", &[("lang", "C++")]);
        assert_eq!(step.apply(&mut d).unwrap(), Verdict::Keep);
        assert_eq!((d.lang.as_str(), d.lang_score), ("code-cpp", 1.0));
        assert_eq!(d.meta["language"], "C++");
        // `language` wins over `lang`.
        let mut d = doc("a", "", &[("lang", "C"), ("language", "Rust")]);
        step.apply(&mut d).unwrap();
        assert_eq!(d.lang, "code-rust");
        // No field: the repository path's file name and the text.
        let mut d = doc(
            "a",
            "#!/usr/bin/env python3\n",
            &[("max_stars_repo_path", "bin/tool")],
        );
        step.apply(&mut d).unwrap();
        assert_eq!(d.lang, "code-python");
        let mut d = doc("src/x.h", "namespace a { class B; }\n", &[]);
        step.apply(&mut d).unwrap();
        assert_eq!(d.lang, "code-cpp");
        let mut d = doc("notes", "just words\n", &[]);
        assert_eq!(
            step.apply(&mut d).unwrap(),
            Verdict::drop("code_language_unknown")
        );
        let off = CodeLanguageConfig {
            detect: false,
            ..CodeLanguageConfig::default()
        }
        .build();
        let mut d = doc("x.py", "print(1)\n", &[]);
        assert_eq!(
            off.apply(&mut d).unwrap(),
            Verdict::drop("code_language_unknown")
        );
    }
}
