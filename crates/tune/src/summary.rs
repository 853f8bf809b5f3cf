//! [`Summary`]: documents and tokens kept and dropped per step and reason, and its rendering.

use crate::rules::{Evaluation, KEPT};
use crate::table::SignalTable;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::AddAssign;

/// How tokens are counted: an estimate, not a model tokenizer's count.
pub const TOKEN_ESTIMATE: &str = "whitespace-separated words of the stored text";

/// Documents and (estimated) tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Documents.
    pub docs: u64,
    /// Tokens ([`TOKEN_ESTIMATE`]).
    pub tokens: u64,
}

impl AddAssign for Count {
    fn add_assign(&mut self, o: Count) {
        self.docs += o.docs;
        self.tokens += o.tokens;
    }
}

/// One step's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StepSummary {
    /// Step name.
    pub name: String,
    /// What reached the step.
    pub seen: Count,
    /// What it passed on.
    pub kept: Count,
    /// What it dropped, by reason.
    pub dropped: BTreeMap<String, Count>,
}

/// The outcome of one evaluation, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// How tokens are counted.
    pub token_estimate: &'static str,
    /// Rows evaluated.
    pub input: Count,
    /// Per step, in chain order.
    pub steps: Vec<StepSummary>,
    /// Kept by every step.
    pub kept: Count,
}

impl Summary {
    /// Counts an evaluation of `table`.
    pub fn new(table: &SignalTable, eval: &Evaluation) -> Summary {
        let mut dropped_at: Vec<BTreeMap<String, Count>> = vec![BTreeMap::new(); eval.steps.len()];
        let mut input = Count::default();
        let mut kept = Count::default();
        // Count per code first (cheap), then name them.
        let mut per_code = vec![Count::default(); eval.reasons.len()];
        for (r, &code) in eval.outcome.iter().enumerate() {
            let c = Count {
                docs: 1,
                tokens: table.tokens(r),
            };
            input += c;
            if code == KEPT {
                kept += c;
            } else if let Some(p) = per_code.get_mut(usize::from(code)) {
                *p += c;
            }
        }
        for ((step, reason), c) in eval.reasons.iter().zip(per_code) {
            if c.docs > 0 {
                *dropped_at[*step].entry(reason.clone()).or_default() += c;
            }
        }
        let mut seen = input;
        let steps = eval
            .steps
            .iter()
            .zip(dropped_at)
            .map(|(name, dropped)| {
                let mut gone = Count::default();
                for c in dropped.values() {
                    gone += *c;
                }
                let s = StepSummary {
                    name: name.clone(),
                    seen,
                    kept: Count {
                        docs: seen.docs - gone.docs,
                        tokens: seen.tokens - gone.tokens,
                    },
                    dropped,
                };
                seen = s.kept;
                s
            })
            .collect();
        Summary {
            token_estimate: TOKEN_ESTIMATE,
            input,
            steps,
            kept,
        }
    }

    /// A table of this summary against `baseline` (the current profile): per step and reason,
    /// documents and tokens, and the change.
    pub fn render_against(&self, baseline: &Summary) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<26} {:<30} {:>10} {:>8} {:>14} {:>8} {:>10} {:>12}",
            "step", "reason", "docs", "docs%", "tokens", "tok%", "Δdocs", "Δtokens"
        );
        let pct = |a: u64, b: u64| {
            if b == 0 {
                0.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        let mut line = |step: &str, reason: &str, c: Count, b: Count| {
            let _ = writeln!(
                s,
                "{:<26} {:<30} {:>10} {:>7.2}% {:>14} {:>7.2}% {:>+10} {:>+12}",
                step,
                reason,
                c.docs,
                pct(c.docs, self.input.docs),
                c.tokens,
                pct(c.tokens, self.input.tokens),
                c.docs as i64 - b.docs as i64,
                c.tokens as i64 - b.tokens as i64
            );
        };
        line("(input)", "", self.input, baseline.input);
        for st in &self.steps {
            let base = baseline.steps.iter().find(|b| b.name == st.name);
            let mut reasons: Vec<&String> = st.dropped.keys().collect();
            if let Some(b) = base {
                reasons.extend(b.dropped.keys().filter(|k| !st.dropped.contains_key(*k)));
            }
            reasons.sort();
            for r in reasons {
                let c = st.dropped.get(r).copied().unwrap_or_default();
                let b = base
                    .and_then(|b| b.dropped.get(r).copied())
                    .unwrap_or_default();
                line(&st.name, &format!("dropped: {r}"), c, b);
            }
            line(
                &st.name,
                "kept",
                st.kept,
                base.map(|b| b.kept).unwrap_or_default(),
            );
        }
        line("(all steps)", "kept", self.kept, baseline.kept);
        let _ = writeln!(
            s,
            "tokens: {TOKEN_ESTIMATE}; Δ: against the current profile"
        );
        s
    }
}

/// One point of a retention curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// The parameter value.
    pub value: f64,
    /// Kept by every step.
    pub kept: Count,
    /// Dropped by the swept step.
    pub dropped_by_step: Count,
}

impl SweepPoint {
    /// The point of `summary` for `step` at `value`.
    pub fn new(value: f64, step: &str, summary: &Summary) -> SweepPoint {
        let mut d = Count::default();
        for st in summary.steps.iter().filter(|s| s.name == step) {
            for c in st.dropped.values() {
                d += *c;
            }
        }
        SweepPoint {
            value,
            kept: summary.kept,
            dropped_by_step: d,
        }
    }
}

/// The retention curve as a table with a text bar per point.
pub fn render_sweep(param: &str, input: Count, points: &[SweepPoint]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>12} {:>10} {:>8} {:>14} {:>8} {:>12}  retention (docs)",
        param, "kept", "docs%", "kept tokens", "tok%", "step drops"
    );
    for p in points {
        let dp = if input.docs == 0 {
            0.0
        } else {
            p.kept.docs as f64 / input.docs as f64
        };
        let tp = if input.tokens == 0 {
            0.0
        } else {
            p.kept.tokens as f64 / input.tokens as f64
        };
        let bar = "#".repeat((dp * 40.0).round() as usize);
        let _ = writeln!(
            s,
            "{:>12} {:>10} {:>7.2}% {:>14} {:>7.2}% {:>12}  {bar}",
            p.value,
            p.kept.docs,
            dp * 100.0,
            p.kept.tokens,
            tp * 100.0,
            p.dropped_by_step.docs
        );
    }
    let _ = writeln!(s, "tokens: {TOKEN_ESTIMATE}");
    s
}
