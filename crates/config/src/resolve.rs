//! The effective parameters of a chain for one language, with where each value comes from
//! (`garbell config resolve --lang`).

use crate::{ChainConfig, Error, Languages, StepConfig};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where an effective value comes from, lowest precedence first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The step's default (the chain file does not set it).
    Default,
    /// The chain file.
    Chain,
    /// The language profile (`[quality.<step>]`, or `lid.threshold` for `filter_language`).
    Profile,
    /// A `--set <step>.<param>=<value>` override.
    Set,
}

/// One parameter's effective value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    /// The value (`null`: the rule is off).
    pub value: serde_json::Value,
    /// Where it comes from.
    pub from: Source,
}

/// One step's effective parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedStep {
    /// The step name.
    pub step: &'static str,
    /// Each parameter, by name.
    pub params: BTreeMap<String, Resolved>,
}

/// The keys written in each `[[steps]]` table of a chain file's text.
fn written_keys(chain_text: &str) -> Vec<Vec<String>> {
    let Ok(t) = toml::from_str::<toml::Table>(chain_text) else {
        return Vec::new();
    };
    t.get("steps")
        .and_then(|s| s.as_array())
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    s.as_table()
                        .map(|t| t.keys().filter(|k| *k != "step").cloned().collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The effective parameters of every step of `chain` for documents of language `lang`: the
/// step's defaults, under the chain file's values (`chain_text`), under the language profile's
/// `[quality.<step>]` table (signal filters, which are routed by language), under `set`
/// (`(step, param, value)`, later ones win). `filter_language`'s `threshold` is the profile's
/// `lid.threshold` unless the chain sets one.
pub fn resolve(
    chain: &ChainConfig,
    chain_text: &str,
    langs: &Languages,
    lang: &str,
    set: &[(String, String, toml::Value)],
) -> Result<Vec<ResolvedStep>, Error> {
    let profile = langs.get(lang).ok_or_else(|| Error::Invalid {
        path: "<languages>".into(),
        message: format!("no language profile {lang:?}"),
    })?;
    let written = written_keys(chain_text);
    let invalid = |message: String| Error::Invalid {
        path: format!("languages/{lang}.toml"),
        message,
    };
    let mut out = Vec::new();
    for (i, step) in chain.steps.iter().enumerate() {
        let name = step.name();
        let mut effective = step.clone();
        let from_profile = step
            .filter()
            .and_then(|_| profile.quality.get(name))
            .cloned()
            .unwrap_or_default();
        if !from_profile.is_empty() {
            effective = effective
                .with_overrides(&from_profile)
                .map_err(|m| invalid(format!("[quality.{name}]: {m}")))?;
        }
        let mut from_set = toml::Table::new();
        for (_, p, v) in set.iter().filter(|(s, _, _)| s == name) {
            from_set.insert(p.clone(), v.clone());
        }
        if !from_set.is_empty() {
            effective = effective
                .with_overrides(&from_set)
                .map_err(|m| Error::Invalid {
                    path: "--set".into(),
                    message: format!("{name}: {m}"),
                })?;
        }
        let json = serde_json::to_value(&effective).map_err(|e| Error::Invalid {
            path: "<chain>".into(),
            message: e.to_string(),
        })?;
        let mut params = BTreeMap::new();
        for (k, value) in json.as_object().into_iter().flatten() {
            if k == "step" {
                continue;
            }
            let from = if from_set.contains_key(k) {
                Source::Set
            } else if from_profile.contains_key(k) {
                Source::Profile
            } else if written.get(i).is_some_and(|w| w.contains(k)) {
                Source::Chain
            } else {
                Source::Default
            };
            params.insert(
                k.clone(),
                Resolved {
                    value: value.clone(),
                    from,
                },
            );
        }
        if let StepConfig::FilterLanguage(c) = &effective {
            if c.threshold.is_none() {
                params.insert(
                    "threshold".into(),
                    Resolved {
                        // The f32 as written (0.65, not 0.6499999761581421).
                        value: profile
                            .lid
                            .threshold
                            .to_string()
                            .parse::<f64>()
                            .map_or(serde_json::Value::Null, serde_json::Value::from),
                        from: Source::Profile,
                    },
                );
            }
        }
        out.push(ResolvedStep { step: name, params });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_names_its_source() {
        let text = "name = \"t\"\n[[steps]]\nstep = \"identify_language\"\n[[steps]]\nstep = \"filter_language\"\n[[steps]]\nstep = \"filter_gopher_quality\"\nmin_doc_words = 50\nmax_doc_words = 1000\n";
        let chain = ChainConfig::parse("t.toml", text).expect("chain");
        let langs = Languages::embedded().expect("langs");
        let set = vec![(
            "filter_gopher_quality".to_string(),
            "max_doc_words".to_string(),
            toml::Value::Integer(2000),
        )];
        let r = resolve(&chain, text, &langs, "ca", &set).expect("resolve");
        let gq = &r[2].params;
        // Catalan's profile sets 61 over the chain's 50.
        assert_eq!(gq["min_doc_words"].value, serde_json::json!(61));
        assert_eq!(gq["min_doc_words"].from, Source::Profile);
        assert_eq!(gq["max_doc_words"].value, serde_json::json!(2000));
        assert_eq!(gq["max_doc_words"].from, Source::Set);
        assert_eq!(gq["min_stop_words"].from, Source::Default);
        let en = resolve(&chain, text, &langs, "en", &[]).expect("resolve");
        assert_eq!(en[2].params["min_doc_words"].from, Source::Chain);
        assert_eq!(en[2].params["min_doc_words"].value, serde_json::json!(50));
        let fl = &r[1].params["threshold"];
        assert_eq!(fl.from, Source::Profile);
        assert_eq!(fl.value, serde_json::json!(0.65));
        assert!(resolve(&chain, text, &langs, "xx", &[]).is_err());
    }
}
