//! [`RunStats`]: a run directory's `stats.json` as per-language funnels.

use crate::Error;
use garbell_core::{ChainStats, Counts};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// One step of a funnel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StepFunnel {
    /// Step name.
    pub name: String,
    /// Documents the step received.
    pub seen: u64,
    /// Documents it passed on.
    pub kept: u64,
    /// Documents it dropped, by reason.
    pub dropped: BTreeMap<String, u64>,
    /// Records it failed on.
    pub errors: u64,
    /// Text bytes passed on.
    pub bytes_out: u64,
}

impl StepFunnel {
    fn new(name: &str, c: &Counts) -> Self {
        StepFunnel {
            name: name.to_string(),
            seen: c.seen,
            kept: c.kept,
            dropped: c.dropped.clone(),
            errors: c.errors,
            bytes_out: c.bytes_out,
        }
    }
}

/// The funnel of one language: the steps that saw documents of it (a step counts a document
/// under its language *after* the step, so before `identify_language` everything is `und`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LangFunnel {
    /// Steps, in chain order.
    pub steps: Vec<StepFunnel>,
    /// Documents written.
    pub written: u64,
}

/// A run's statistics, per language and in total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// Records read from the inputs.
    pub records_read: u64,
    /// Records that could not be read, by kind.
    pub read_errors: BTreeMap<String, u64>,
    /// Records the sources skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// All languages together.
    pub total: LangFunnel,
    /// By language code.
    pub languages: BTreeMap<String, LangFunnel>,
}

impl RunStats {
    /// From merged chain statistics.
    pub fn from_chain_stats(s: &ChainStats) -> RunStats {
        let mut languages: BTreeMap<String, LangFunnel> = BTreeMap::new();
        for st in &s.steps {
            for (lang, c) in &st.by_lang {
                languages
                    .entry(lang.clone())
                    .or_default()
                    .steps
                    .push(StepFunnel::new(&st.name, c));
            }
        }
        for (lang, n) in &s.written_by_lang {
            languages.entry(lang.clone()).or_default().written = *n;
        }
        RunStats {
            records_read: s.records_read,
            read_errors: s.read_errors.clone(),
            skipped: s.skipped.clone(),
            total: LangFunnel {
                steps: s
                    .steps
                    .iter()
                    .map(|st| StepFunnel::new(&st.name, &st.total))
                    .collect(),
                written: s.written,
            },
            languages,
        }
    }

    /// Reads `<dir>/stats.json`.
    pub fn load(dir: &Path) -> Result<RunStats, Error> {
        let path = dir.join("stats.json");
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let s: ChainStats = serde_json::from_slice(&bytes).map_err(|e| Error::Format {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(Self::from_chain_stats(&s))
    }

    /// The funnels as a plain-text table.
    pub fn render_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "records read {}  read errors {}  skipped {}  written {}",
            self.records_read,
            self.read_errors.values().sum::<u64>(),
            self.skipped.values().sum::<u64>(),
            self.total.written
        );
        let _ = writeln!(
            s,
            "{:<8} {:<26} {:>10} {:>10} {:>8}  dropped by reason",
            "lang", "step", "seen", "kept", "kept%"
        );
        let mut section = |lang: &str, f: &LangFunnel| {
            for st in &f.steps {
                let pct = if st.seen == 0 {
                    0.0
                } else {
                    100.0 * st.kept as f64 / st.seen as f64
                };
                let drops: Vec<String> =
                    st.dropped.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = writeln!(
                    s,
                    "{:<8} {:<26} {:>10} {:>10} {:>7.1}%  {}",
                    lang,
                    st.name,
                    st.seen,
                    st.kept,
                    pct,
                    drops.join(" ")
                );
            }
            let _ = writeln!(s, "{:<8} {:<26} {:>10}", lang, "(written)", f.written);
        };
        section("all", &self.total);
        for (lang, f) in &self.languages {
            section(lang, f);
        }
        s
    }
}
