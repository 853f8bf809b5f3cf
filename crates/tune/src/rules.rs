//! [`Rules`]: a chain's quality decisions rebuilt over stored signals, with overrides and sweeps.

use crate::table::{Column, SignalTable};
use crate::Error;
use garbell_config::{ChainConfig, Languages, StepConfig};
use garbell_core::{Document, Origin, Step, Verdict};
use garbell_pipeline::steps::FilterLanguage;
use garbell_quality::{C4Config, FineWebQuality, GopherQuality, GopherRepetition};
use serde_json::Value;

/// Outcome code of a row that every step kept (see [`Evaluation::outcome`]).
pub const KEPT: u16 = u16::MAX;

/// The parameters of each step that can be changed from stored signals. Other parameters
/// (tokenizers, C4's line rules, stopword lists, `short_line_length`, ...) change the signals
/// themselves: changing them needs a new annotate-only run.
pub fn tunable_params(step: &str) -> &'static [&'static str] {
    match step {
        "filter_language" => &["threshold", "languages"],
        "filter_gopher_quality" => &[
            "min_doc_words",
            "max_doc_words",
            "min_avg_word_length",
            "max_avg_word_length",
            "max_symbol_word_ratio",
            "max_bullet_lines_ratio",
            "max_ellipsis_lines_ratio",
            "min_alpha_words_ratio",
            "min_stop_words",
        ],
        "filter_gopher_repetition" => &[
            "dup_line_frac",
            "dup_para_frac",
            "dup_line_char_frac",
            "dup_para_char_frac",
            "top_n_grams",
            "dup_n_grams",
        ],
        "filter_c4" => &["min_num_sentences"],
        "filter_fineweb_quality" => &[
            "line_punct_thr",
            "line_punct_exclude_zero",
            "short_line_thr",
            "char_duplicates_ratio",
            "new_line_ratio",
        ],
        _ => &[],
    }
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
            if !tunable_params(&o.step).contains(&o.param.as_str()) {
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
            if !found {
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
    GopherQuality(GopherQuality),
    GopherRepetition(GopherRepetition, Vec<String>),
    C4(C4Config),
    FineWeb(FineWebQuality),
    /// A step that makes no decision from stored signals (normalize, identify_language, ...).
    Pass,
}

const GOPHER_SIGNALS: &[&str] = &[
    "gopher_words",
    "gopher_avg_word_len",
    "gopher_hash_ratio",
    "gopher_ellipsis_ratio",
    "gopher_bullet_lines",
    "gopher_ellipsis_lines",
    "gopher_alpha_words",
    "gopher_stop_words",
];
const FINEWEB_SIGNALS: &[&str] = &[
    "fineweb_line_punct_ratio",
    "fineweb_short_line_ratio",
    "fineweb_char_dup_ratio",
    "fineweb_list_ratio",
];

fn build_rule(s: &StepConfig, langs: &Languages) -> Result<Rule, Error> {
    Ok(match s {
        StepConfig::FilterLanguage(c) => {
            Rule::Language(FilterLanguage::new(langs, &c.languages, c.threshold))
        }
        StepConfig::FilterGopherQuality(c) => Rule::GopherQuality(c.build()?),
        StepConfig::FilterGopherRepetition(c) => {
            let mut names: Vec<String> = [
                "rep_dup_para_frac",
                "rep_dup_para_char_frac",
                "rep_dup_line_frac",
                "rep_dup_line_char_frac",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            names.extend(
                c.top_n_grams
                    .iter()
                    .map(|(n, _)| format!("rep_top_{n}_gram")),
            );
            names.extend(
                c.dup_n_grams
                    .iter()
                    .map(|(n, _)| format!("rep_dup_{n}_gram")),
            );
            Rule::GopherRepetition(c.build()?, names)
        }
        StepConfig::FilterC4(c) => {
            c.build()?;
            Rule::C4(c.clone())
        }
        StepConfig::FilterFinewebQuality(c) => Rule::FineWeb(c.build()?),
        _ => Rule::Pass,
    })
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

/// Sets the scratch document's signals to row `row`'s (present ones set, absent ones removed).
fn fill(doc: &mut Document, cols: &[(&str, Option<&Column>)], row: usize) {
    for (k, c) in cols {
        match c.and_then(|c| c.get(row)) {
            Some(v) => match doc.signals.get_mut(*k) {
                Some(x) => *x = v,
                None => {
                    doc.signals.insert((*k).to_string(), v);
                }
            },
            None => {
                doc.signals.remove(*k);
            }
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
                    *step = garbell_config::apply_overrides(&*step, table).map_err(|m| {
                        Error::Format {
                            path: format!("languages/{}.toml", p.code).into(),
                            message: format!("[quality.{}]: {m}", step.name()),
                        }
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
    /// [`KEPT`]).
    fn step_codes(
        &self,
        i: usize,
        table: &SignalTable,
        reasons: &mut Vec<(usize, String)>,
        alive: Option<&[u16]>,
    ) -> Vec<u16> {
        let n = table.len();
        let mut out = vec![KEPT; n];
        let alive_ok = |r: usize| alive.is_none_or(|a| a[r] == KEPT);
        // Rows of languages with their own parameters go through their variant of the step.
        let default_rows = |r: usize| alive_ok(r) && !self.by_lang.contains_key(table.lang(r));
        self.rule_codes(&self.rules[i], i, table, reasons, &default_rows, &mut out);
        for (lang, rules) in &self.by_lang {
            let rows = |r: usize| alive_ok(r) && table.lang(r) == lang;
            self.rule_codes(&rules[i], i, table, reasons, &rows, &mut out);
        }
        out
    }

    /// Codes of `rule` (step `i`) for the rows `live` selects, into `out`.
    fn rule_codes(
        &self,
        rule: &Rule,
        i: usize,
        table: &SignalTable,
        reasons: &mut Vec<(usize, String)>,
        live: &dyn Fn(usize) -> bool,
        out: &mut [u16],
    ) {
        let mut codes = Codes { step: i, reasons };
        let cols = |names: &[&'static str]| -> Vec<(&'static str, Option<&Column>)> {
            names.iter().map(|&k| (k, table.column(k))).collect()
        };
        let mut doc = Document::new("tune", "x", "tune", Origin::new("tune", 0, 0));
        match rule {
            Rule::Pass => {}
            Rule::Language(step) => {
                for (r, o) in out.iter_mut().enumerate().filter(|(r, _)| live(*r)) {
                    doc.lang.clear();
                    doc.lang.push_str(table.lang(r));
                    doc.lang_score = table.lang_score(r);
                    // FilterLanguage never fails.
                    if let Ok(v) = step.apply(&mut doc) {
                        *o = codes.verdict(v);
                    }
                }
            }
            Rule::GopherQuality(step) => {
                let cols = cols(GOPHER_SIGNALS);
                for (r, o) in out.iter_mut().enumerate().filter(|(r, _)| live(*r)) {
                    fill(&mut doc, &cols, r);
                    *o = codes.verdict(step.decide(&doc));
                }
            }
            Rule::GopherRepetition(step, names) => {
                let cols: Vec<(&str, Option<&Column>)> = names
                    .iter()
                    .map(|k| (k.as_str(), table.column(k)))
                    .collect();
                for (r, o) in out.iter_mut().enumerate().filter(|(r, _)| live(*r)) {
                    fill(&mut doc, &cols, r);
                    doc.text.clear();
                    if table.bytes(r) > 0 {
                        doc.text.push('x');
                    }
                    *o = codes.verdict(step.decide(&doc));
                }
            }
            Rule::FineWeb(step) => {
                let cols = cols(FINEWEB_SIGNALS);
                for (r, o) in out.iter_mut().enumerate().filter(|(r, _)| live(*r)) {
                    // The step stores no signal when the text has no non-blank line; it then
                    // drops with `empty`.
                    if cols[0].1.and_then(|c| c.get(r)).is_none() {
                        *o = codes.code("empty");
                        continue;
                    }
                    fill(&mut doc, &cols, r);
                    *o = codes.verdict(step.decide(&doc));
                }
            }
            Rule::C4(c) => {
                let get = |k: &str| table.column(k);
                let (lorem, curly, sentences) = (
                    get("c4_lorem_ipsum"),
                    get("c4_curly_bracket"),
                    get("c4_sentences"),
                );
                for (r, o) in out.iter_mut().enumerate().filter(|(r, _)| live(*r)) {
                    *o = codes.verdict(c4_decide(c, lorem, curly, sentences, r));
                }
            }
        }
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
        for s in &self.chain.steps {
            let p = |name: &str| format!("{}.{name}", s.name());
            match s {
                StepConfig::FilterLanguage(c) => {
                    for l in langs {
                        let t = c
                            .threshold
                            .or_else(|| self.langs.get(l).map(|p| p.lid.threshold));
                        add("lang_score", p("threshold"), t.map(f64::from), Some(l));
                    }
                }
                StepConfig::FilterGopherQuality(c) => {
                    let u = |x: Option<usize>| x.map(|x| x as f64);
                    add("gopher_words", p("min_doc_words"), u(c.min_doc_words), None);
                    add("gopher_words", p("max_doc_words"), u(c.max_doc_words), None);
                    add(
                        "gopher_avg_word_len",
                        p("min_avg_word_length"),
                        c.min_avg_word_length,
                        None,
                    );
                    add(
                        "gopher_avg_word_len",
                        p("max_avg_word_length"),
                        c.max_avg_word_length,
                        None,
                    );
                    add(
                        "gopher_hash_ratio",
                        p("max_symbol_word_ratio"),
                        c.max_symbol_word_ratio,
                        None,
                    );
                    add(
                        "gopher_ellipsis_ratio",
                        p("max_symbol_word_ratio"),
                        c.max_symbol_word_ratio,
                        None,
                    );
                    add(
                        "gopher_bullet_lines",
                        p("max_bullet_lines_ratio"),
                        c.max_bullet_lines_ratio,
                        None,
                    );
                    add(
                        "gopher_ellipsis_lines",
                        p("max_ellipsis_lines_ratio"),
                        c.max_ellipsis_lines_ratio,
                        None,
                    );
                    add(
                        "gopher_alpha_words",
                        p("min_alpha_words_ratio"),
                        c.min_alpha_words_ratio,
                        None,
                    );
                    add(
                        "gopher_stop_words",
                        p("min_stop_words"),
                        u(c.min_stop_words),
                        None,
                    );
                }
                StepConfig::FilterGopherRepetition(c) => {
                    add(
                        "rep_dup_line_frac",
                        p("dup_line_frac"),
                        c.dup_line_frac,
                        None,
                    );
                    add(
                        "rep_dup_para_frac",
                        p("dup_para_frac"),
                        c.dup_para_frac,
                        None,
                    );
                    add(
                        "rep_dup_line_char_frac",
                        p("dup_line_char_frac"),
                        c.dup_line_char_frac,
                        None,
                    );
                    add(
                        "rep_dup_para_char_frac",
                        p("dup_para_char_frac"),
                        c.dup_para_char_frac,
                        None,
                    );
                    for (n, f) in &c.top_n_grams {
                        add(
                            &format!("rep_top_{n}_gram"),
                            p("top_n_grams"),
                            Some(*f),
                            None,
                        );
                    }
                    for (n, f) in &c.dup_n_grams {
                        add(
                            &format!("rep_dup_{n}_gram"),
                            p("dup_n_grams"),
                            Some(*f),
                            None,
                        );
                    }
                }
                StepConfig::FilterC4(c) => {
                    add(
                        "c4_sentences",
                        p("min_num_sentences"),
                        c.min_num_sentences.map(|x| x as f64),
                        None,
                    );
                }
                StepConfig::FilterFinewebQuality(c) => {
                    add(
                        "fineweb_line_punct_ratio",
                        p("line_punct_thr"),
                        Some(c.line_punct_thr),
                        None,
                    );
                    add(
                        "fineweb_short_line_ratio",
                        p("short_line_thr"),
                        Some(c.short_line_thr),
                        None,
                    );
                    add(
                        "fineweb_char_dup_ratio",
                        p("char_duplicates_ratio"),
                        Some(c.char_duplicates_ratio),
                        None,
                    );
                    add(
                        "fineweb_list_ratio",
                        p("new_line_ratio"),
                        Some(c.new_line_ratio),
                        None,
                    );
                }
                _ => {}
            }
        }
        v
    }
}

/// C4's document-level decision from its signals. The pipeline step decides while it scans
/// lines; its signals record the outcome: `c4_lorem_ipsum`/`c4_curly_bracket` are 1 when the
/// scan stopped there, and `c4_sentences` is absent when it stopped or when the sentences were
/// below the annotating run's `min_num_sentences` (annotate with `min_num_sentences = 0` to
/// tune that threshold downwards).
fn c4_decide(
    c: &C4Config,
    lorem: Option<&Column>,
    curly: Option<&Column>,
    sentences: Option<&Column>,
    r: usize,
) -> Verdict {
    let flag = |col: Option<&Column>| col.and_then(|c| c.get(r)).is_some_and(|v| v > 0.0);
    if c.filter_lorem_ipsum && flag(lorem) {
        return Verdict::drop("c4_lorem_ipsum");
    }
    if c.filter_curly_bracket && flag(curly) {
        return Verdict::drop("c4_curly_bracket");
    }
    match (c.min_num_sentences, sentences.and_then(|s| s.get(r))) {
        (Some(m), Some(n)) if n < m as f64 => Verdict::drop("c4_too_few_sentences"),
        (Some(_), None) => Verdict::drop("c4_too_few_sentences"),
        _ => Verdict::Keep,
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
