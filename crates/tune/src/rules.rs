//! [`Rules`]: a chain's quality decisions rebuilt over stored signals, with overrides and sweeps.

use crate::table::{Column, SignalTable};
use crate::Error;
use garbell_config::{ChainConfig, Languages, StepConfig};
use garbell_core::Verdict;
use garbell_quality::{AnyFilter, FilterLanguage, Lexicon, Signals};
use serde_json::Value;

/// Outcome code of a row that every step kept (see [`Evaluation::outcome`]).
pub const KEPT: u16 = u16::MAX;

/// The parameters of each step that can be changed from stored signals: the language filter's,
/// and those each signal filter declares ([`garbell_quality::SignalFilter::TUNABLE`]). Other
/// parameters (tokenizers, C4's line rules, stopword lists, `short_line_length`, ...) change the
/// signals themselves: changing them needs a new annotate-only run.
pub fn tunable_params(step: &str) -> &'static [&'static str] {
    if step == "filter_language" {
        return &["threshold", "languages"];
    }
    StepConfig::filter_default(step)
        .and_then(|s| s.filter().map(|f| f.tunable()))
        .unwrap_or(&[])
}

/// One `<step>.<param>=<value>` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Step name as in chain files.
    pub step: String,
    /// Parameter name.
    pub param: String,
    /// The value (TOML syntax on the command line; `none` disables an optional rule).
    pub value: Value,
    /// Read from a language profile's `[quality.<step>]`: applied whether or not it is tunable
    /// from stored signals (a run applies it too; the signals were measured with it).
    pub from_profile: bool,
}

impl Override {
    /// Parses `filter_gopher_quality.min_doc_words=30`.
    pub fn parse(arg: &str) -> Result<Override, Error> {
        let bad = |message: &str| Error::Override {
            arg: arg.to_string(),
            message: message.to_string(),
        };
        let (key, raw) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected <step>.<param>=<value>"))?;
        let (step, param) = key
            .trim()
            .split_once('.')
            .ok_or_else(|| bad("expected <step>.<param> before `=`"))?;
        let value = parse_value(raw.trim()).map_err(|m| bad(&m))?;
        Ok(Override {
            step: step.to_string(),
            param: param.to_string(),
            value,
            from_profile: false,
        })
    }

    /// `step.param=value` as given to `--set`.
    pub fn to_arg(&self) -> String {
        format!("{}.{}={}", self.step, self.param, self.value)
    }
}

/// A value in TOML syntax (`30`, `0.2`, `true`, `[[2, 0.2]]`), or `none`/`null` for "rule off".
fn parse_value(raw: &str) -> Result<Value, String> {
    if raw == "none" || raw == "null" {
        return Ok(Value::Null);
    }
    let table: toml::Table = toml::from_str(&format!("v = {raw}"))
        .map_err(|e| format!("value {raw:?} is not a TOML value: {}", e.message()))?;
    let v = table
        .get("v")
        .cloned()
        .unwrap_or(toml::Value::Boolean(false));
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// A number as JSON: an integer when it is one (so that integer parameters accept it).
pub(crate) fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        if v >= 0.0 {
            Value::from(v as u64)
        } else {
            Value::from(v as i64)
        }
    } else {
        Value::from(v)
    }
}

/// Overrides applied in order (a later one wins).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides(pub Vec<Override>);

impl Overrides {
    /// Parses `--set` arguments.
    pub fn parse(args: &[String]) -> Result<Overrides, Error> {
        args.iter()
            .map(|a| Override::parse(a))
            .collect::<Result<_, _>>()
            .map(Overrides)
    }

    /// These overrides followed by `other`'s.
    pub fn then(&self, other: &Overrides) -> Overrides {
        Overrides(self.0.iter().chain(&other.0).cloned().collect())
    }

    /// Applies the overrides to the steps of `chain` (every step of that name).
    pub fn apply(&self, chain: &ChainConfig) -> Result<ChainConfig, Error> {
        let mut chain = chain.clone();
        for o in &self.0 {
            let bad = |message: String| Error::Override {
                arg: o.to_arg(),
                message,
            };
            if !o.from_profile && !tunable_params(&o.step).contains(&o.param.as_str()) {
                let known = tunable_params(&o.step);
                return Err(bad(if known.is_empty() {
                    format!(
                        "step `{}` has no parameter tunable from stored signals",
                        o.step
                    )
                } else {
                    format!(
                        "`{}` is not tunable from stored signals (it changes the signals: \
                         re-annotate); tunable: {}",
                        o.param,
                        known.join(", ")
                    )
                }));
            }
            let mut found = false;
            for s in chain.steps.iter_mut().filter(|s| s.name() == o.step) {
                found = true;
                let mut v = serde_json::to_value(&*s).map_err(|e| bad(e.to_string()))?;
                if let Some(obj) = v.as_object_mut() {
                    obj.insert(o.param.clone(), o.value.clone());
                }
                *s = serde_json::from_value(v).map_err(|e| bad(e.to_string()))?;
            }
            // A profile's table for a step the chain does not have is unused, as in a run.
            if !found && !o.from_profile {
                return Err(bad(format!("the chain has no step `{}`", o.step)));
            }
        }
        Ok(chain)
    }
}

/// `--sweep <step>.<param>=<from>..<to>:<step>`: the values to try, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// Step name.
    pub step: String,
    /// Parameter name.
    pub param: String,
    /// The values, `from`, `from + step`, ... up to `to` inclusive.
    pub values: Vec<f64>,
}

impl Sweep {
    /// Parses `filter_gopher_quality.min_doc_words=10..100:10`.
    pub fn parse(arg: &str) -> Result<Sweep, Error> {
        let bad = |message: &str| Error::Override {
            arg: arg.to_string(),
            message: message.to_string(),
        };
        let (key, range) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected <step>.<param>=<from>..<to>:<step>"))?;
        let (step, param) = key
            .split_once('.')
            .ok_or_else(|| bad("expected <step>.<param> before `=`"))?;
        let (span, inc) = range
            .split_once(':')
            .ok_or_else(|| bad("expected `:<step>` after the range"))?;
        let (from, to) = span
            .split_once("..")
            .ok_or_else(|| bad("expected <from>..<to>"))?;
        let num = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(&format!("{s:?} is not a number")))
        };
        let (from, to, inc) = (num(from)?, num(to)?, num(inc)?);
        if inc <= 0.0 || to < from {
            return Err(bad("need from <= to and a step > 0"));
        }
        let n = ((to - from) / inc + 1e-9).floor() as usize + 1;
        if n > 10_000 {
            return Err(bad("more than 10000 values"));
        }
        // Computed from the index, not accumulated, so 0.1 steps do not drift.
        let values = (0..n)
            .map(|i| {
                let v = from + inc * i as f64;
                (v * 1e9).round() / 1e9
            })
            .collect();
        Ok(Sweep {
            step: step.to_string(),
            param: param.to_string(),
            values,
        })
    }

    /// The override for the `i`-th value.
    pub fn override_at(&self, i: usize) -> Override {
        Override {
            step: self.step.clone(),
            param: self.param.clone(),
            value: self.values.get(i).map_or(Value::Null, |&v| number(v)),
            from_profile: false,
        }
    }
}

/// A threshold to draw on a signal's histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdMark {
    /// The signal (`gopher_words`, ..., or `lang_score`).
    pub signal: String,
    /// `<step>.<param>`.
    pub param: String,
    /// The value.
    pub value: f64,
    /// The language it applies to (`lang_score` thresholds are per language), `None` for all.
    pub lang: Option<String>,
}

enum Rule {
    Language(FilterLanguage),
    /// A signal filter of `garbell_quality::signal_filters!`, with the signals it reads.
    Filter(Box<dyn AnyFilter>, Vec<String>),
    /// A step that makes no decision from stored signals (normalize, identify_language, ...).
    Pass,
}

fn build_rule(s: &StepConfig, langs: &Languages) -> Result<Rule, Error> {
    if let StepConfig::FilterLanguage(c) = s {
        return Ok(Rule::Language(FilterLanguage::new(
            langs.iter().map(|p| (p.code.as_str(), p.lid.threshold)),
            &c.languages,
            c.threshold,
        )));
    }
    Ok(match s.filter() {
        // Word lists change the signals, not the decisions: none needed here.
        Some(f) => {
            let filter = f.build_filter(&Lexicon::new())?;
            let signals = filter.signals();
            Rule::Filter(filter, signals)
        }
        None => Rule::Pass,
    })
}

/// A rule ready for one table: the columns it reads looked up once.
enum Ready<'a> {
    Pass,
    Language(&'a FilterLanguage),
    Filter(&'a dyn AnyFilter, Vec<(&'a str, Option<&'a Column>)>),
}

/// Row `row` of a [`SignalTable`] as [`Signals`] (the columns a filter reads).
struct Row<'a> {
    cols: &'a [(&'a str, Option<&'a Column>)],
    row: usize,
    empty: bool,
}

impl Signals for Row<'_> {
    fn signal(&self, name: &str) -> Option<f64> {
        self.cols
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, c)| c.and_then(|c| c.get(self.row)))
    }
    fn text_is_empty(&self) -> bool {
        self.empty
    }
}

/// The decisions of a chain's steps, rebuilt for stored signals.
pub struct Rules {
    chain: ChainConfig,
    langs: Languages,
    rules: Vec<Rule>,
    /// Per language whose profile has `[quality.<step>]` tables: the chain's rules with those
    /// values (then the overrides), as the pipeline routes documents by `lang`.
    by_lang: std::collections::BTreeMap<String, Vec<Rule>>,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("steps", &self.step_names())
            .finish()
    }
}

/// What every row became: kept, or dropped by a step with a reason.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Step names, in chain order.
    pub steps: Vec<String>,
    /// (step index, reason) of each outcome code.
    pub reasons: Vec<(usize, String)>,
    /// Per row: [`KEPT`] or an index into `reasons`.
    pub outcome: Vec<u16>,
}

impl Evaluation {
    /// Rows every step kept.
    pub fn kept_rows(&self) -> impl Iterator<Item = usize> + '_ {
        self.outcome
            .iter()
            .enumerate()
            .filter(|(_, &c)| c == KEPT)
            .map(|(i, _)| i)
    }

    /// (step name, reason) that dropped `row`, `None` when kept.
    pub fn dropped_by(&self, row: usize) -> Option<(&str, &str)> {
        let c = *self.outcome.get(row)?;
        let (s, r) = self.reasons.get(usize::from(c))?;
        Some((self.steps[*s].as_str(), r.as_str()))
    }
}

/// Reason interning for one step.
struct Codes<'a> {
    step: usize,
    reasons: &'a mut Vec<(usize, String)>,
}

impl Codes<'_> {
    fn code(&mut self, reason: &str) -> u16 {
        let step = self.step;
        if let Some(i) = self
            .reasons
            .iter()
            .position(|(s, r)| *s == step && r == reason)
        {
            return i as u16;
        }
        self.reasons.push((step, reason.to_string()));
        (self.reasons.len() - 1) as u16
    }

    fn verdict(&mut self, v: Verdict) -> u16 {
        match v {
            Verdict::Keep => KEPT,
            Verdict::Drop(r) => self.code(&r),
        }
    }
}

impl Rules {
    /// The chain's steps with `overrides` applied (parameters checked as the pipeline does).
    pub fn build(
        chain: &ChainConfig,
        langs: &Languages,
        overrides: &Overrides,
    ) -> Result<Rules, Error> {
        let original = chain;
        let chain = overrides.apply(original)?;
        let rules = chain
            .steps
            .iter()
            .map(|s| build_rule(s, langs))
            .collect::<Result<_, _>>()?;
        // Precedence as in a run: chain < `[quality.<step>]` of the language < tune overrides.
        let mut by_lang = std::collections::BTreeMap::new();
        for p in langs.iter() {
            let mut lc = original.clone();
            let mut changed = false;
            for step in lc.steps.iter_mut() {
                if let Some(table) = p.quality.get(step.name()) {
                    *step = step.with_overrides(table).map_err(|m| Error::Format {
                        path: format!("languages/{}.toml", p.code).into(),
                        message: format!("[quality.{}]: {m}", step.name()),
                    })?;
                    changed = true;
                }
            }
            if changed {
                let lc = overrides.apply(&lc)?;
                let r = lc
                    .steps
                    .iter()
                    .map(|s| build_rule(s, langs))
                    .collect::<Result<Vec<_>, _>>()?;
                by_lang.insert(p.code.clone(), r);
            }
        }
        Ok(Rules {
            chain,
            langs: langs.clone(),
            rules,
            by_lang,
        })
    }

    /// The chain as tuned (overrides applied).
    pub fn chain(&self) -> &ChainConfig {
        &self.chain
    }

    /// Step names, in chain order.
    pub fn step_names(&self) -> Vec<String> {
        self.chain
            .steps
            .iter()
            .map(|s| s.name().to_string())
            .collect()
    }

    /// Decides every row: the first step that drops it, in chain order, or kept.
    pub fn evaluate(&self, table: &SignalTable) -> Evaluation {
        let mut reasons = Vec::new();
        let mut outcome = vec![KEPT; table.len()];
        for i in 0..self.rules.len() {
            let codes = self.step_codes(i, table, &mut reasons, Some(&outcome));
            for (o, c) in outcome.iter_mut().zip(codes) {
                if *o == KEPT {
                    *o = c;
                }
            }
        }
        Evaluation {
            steps: self.step_names(),
            reasons,
            outcome,
        }
    }

    /// The retention curve of one parameter: for each value of `sweep`, the evaluation with
    /// that value (other steps are evaluated once and reused).
    pub fn sweep(&self, table: &SignalTable, sweep: &Sweep) -> Result<Vec<Evaluation>, Error> {
        let mut reasons = Vec::new();
        let per_step: Vec<Vec<u16>> = (0..self.rules.len())
            .map(|i| self.step_codes(i, table, &mut reasons, None))
            .collect();
        let swept: Vec<usize> = self
            .chain
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.name() == sweep.step)
            .map(|(i, _)| i)
            .collect();
        let mut out = Vec::with_capacity(sweep.values.len());
        for k in 0..sweep.values.len() {
            let o = Overrides(vec![sweep.override_at(k)]);
            let tuned = Rules::build(&self.chain, &self.langs, &o)?;
            let mut reasons = reasons.clone();
            let mut replaced: Vec<(usize, Vec<u16>)> = Vec::new();
            for &i in &swept {
                replaced.push((i, tuned.step_codes(i, table, &mut reasons, None)));
            }
            let mut outcome = vec![KEPT; table.len()];
            for (i, codes) in per_step.iter().enumerate() {
                let codes = replaced
                    .iter()
                    .find(|(j, _)| *j == i)
                    .map_or(codes, |(_, c)| c);
                for (o, &c) in outcome.iter_mut().zip(codes) {
                    if *o == KEPT {
                        *o = c;
                    }
                }
            }
            out.push(Evaluation {
                steps: self.step_names(),
                reasons,
                outcome,
            });
        }
        Ok(out)
    }

    /// Codes of step `i` for every row (rows already dropped, per `alive`, are skipped and get
    /// [`KEPT`]). One pass over the rows: each row goes through the step's variant of its
    /// language (the profile's `[quality.<step>]` values) or the chain's, as the pipeline
    /// routes documents by `lang`.
    fn step_codes(
        &self,
        i: usize,
        table: &SignalTable,
        reasons: &mut Vec<(usize, String)>,
        alive: Option<&[u16]>,
    ) -> Vec<u16> {
        let n = table.len();
        let mut out = vec![KEPT; n];
        // The rule of each of the table's languages, its columns looked up once.
        let ready: Vec<Ready<'_>> = table
            .langs()
            .iter()
            .map(|l| {
                let rule = self
                    .by_lang
                    .get(l.as_str())
                    .map_or(&self.rules[i], |r| &r[i]);
                match rule {
                    Rule::Pass => Ready::Pass,
                    Rule::Language(f) => Ready::Language(f),
                    Rule::Filter(f, names) => Ready::Filter(
                        f.as_ref(),
                        names
                            .iter()
                            .map(|k| (k.as_str(), table.column(k)))
                            .collect(),
                    ),
                }
            })
            .collect();
        if ready.iter().all(|r| matches!(r, Ready::Pass)) {
            return out;
        }
        let mut codes = Codes { step: i, reasons };
        for (r, o) in out.iter_mut().enumerate() {
            if alive.is_some_and(|a| a[r] != KEPT) {
                continue;
            }
            *o = match &ready[table.lang_index(r)] {
                Ready::Pass => KEPT,
                Ready::Language(f) => codes.verdict(f.verdict(table.lang(r), table.lang_score(r))),
                Ready::Filter(f, cols) => codes.verdict(f.decide(&Row {
                    cols,
                    row: r,
                    empty: table.bytes(r) == 0,
                })),
            };
        }
        out
    }

    /// Where these decisions can differ from a normal run of the chain (printed by
    /// `garbell tune`): C4 rewriting the text before later steps.
    pub fn exactness_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let steps = &self.chain.steps;
        for (i, s) in steps.iter().enumerate() {
            if let StepConfig::FilterC4(c) = s {
                let later: Vec<&str> = (i + 1..steps.len())
                    .filter(|&j| !matches!(self.rules[j], Rule::Pass))
                    .map(|j| steps[j].name())
                    .collect();
                if c.remove_lines && !later.is_empty() {
                    notes.push(format!(
                        "filter_c4 has remove_lines = true: a normal run rewrites the text before {}, an \
                         annotate-only run does not, so their signals (and these decisions) can differ \
                         from a normal run's; set remove_lines = false or put filter_c4 last for exact \
                         equivalence",
                        later.join(", ")
                    ));
                }
            }
        }
        notes
    }

    /// Every threshold that applies to a signal, for histograms (`lang_score` thresholds per
    /// language in `langs`).
    pub fn threshold_marks(&self, langs: &[String]) -> Vec<ThresholdMark> {
        let mut v = Vec::new();
        let mut add = |signal: &str, param: String, value: Option<f64>, lang: Option<&str>| {
            if let Some(value) = value {
                v.push(ThresholdMark {
                    signal: signal.to_string(),
                    param,
                    value,
                    lang: lang.map(str::to_string),
                });
            }
        };
        for (s, rule) in self.chain.steps.iter().zip(&self.rules) {
            let p = |name: &str| format!("{}.{name}", s.name());
            match (s, rule) {
                (StepConfig::FilterLanguage(c), _) => {
                    for l in langs {
                        let t = c
                            .threshold
                            .or_else(|| self.langs.get(l).map(|p| p.lid.threshold));
                        add("lang_score", p("threshold"), t.map(f64::from), Some(l));
                    }
                }
                (_, Rule::Filter(f, _)) => {
                    for t in f.thresholds() {
                        add(&t.signal, p(t.param), Some(t.value), None);
                    }
                }
                _ => {}
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_values_do_not_drift() {
        let s = Sweep::parse("filter_fineweb_quality.line_punct_thr=0..0.3:0.1").expect("ok");
        assert_eq!(s.values, vec![0.0, 0.1, 0.2, 0.3]);
        let s = Sweep::parse("filter_gopher_quality.min_doc_words=10..50:20").expect("ok");
        assert_eq!(s.values, vec![10.0, 30.0, 50.0]);
        assert_eq!(s.override_at(1).value, Value::from(30u64));
        assert!(Sweep::parse("x.y=5..1:1").is_err());
    }

    #[test]
    fn overrides_parse_toml_values_and_reject_untunable_parameters() {
        let o = Override::parse("filter_gopher_repetition.top_n_grams=[[2, 0.3]]").expect("ok");
        assert_eq!(o.value, serde_json::json!([[2, 0.3]]));
        assert_eq!(
            Override::parse("filter_c4.min_num_sentences=none")
                .expect("ok")
                .value,
            Value::Null
        );
        let chain = ChainConfig::parse(
            "t",
            "name = \"t\"\n[[steps]]\nstep = \"filter_gopher_quality\"\n",
        )
        .expect("chain");
        let e = Overrides::parse(&["filter_gopher_quality.tokenizer=\"datatrove\"".into()])
            .expect("parse")
            .apply(&chain)
            .expect_err("not tunable");
        assert!(e.to_string().contains("re-annotate"), "{e}");
        let e = Overrides::parse(&["filter_c4.min_num_sentences=3".into()])
            .expect("parse")
            .apply(&chain)
            .expect_err("no step");
        assert!(e.to_string().contains("no step"), "{e}");
        let e = Overrides::parse(&["filter_gopher_quality.min_doc_words=-3".into()])
            .expect("parse")
            .apply(&chain)
            .expect_err("bad type");
        assert!(e.to_string().contains("min_doc_words"), "{e}");
    }
}
