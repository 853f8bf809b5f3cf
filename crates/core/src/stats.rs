use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::AddAssign;

/// Counters of one step, for all documents or for one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Documents the step received.
    pub seen: u64,
    /// Documents the step passed on.
    pub kept: u64,
    /// Documents dropped, by reason.
    pub dropped: BTreeMap<String, u64>,
    /// Records the step failed on (counted and skipped).
    pub errors: u64,
    /// UTF-8 bytes of text received.
    pub bytes_in: u64,
    /// UTF-8 bytes of text passed on.
    pub bytes_out: u64,
}

impl Counts {
    /// Total dropped, all reasons together.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }
}

impl AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, o: &Counts) {
        self.seen += o.seen;
        self.kept += o.kept;
        self.errors += o.errors;
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
        for (k, v) in &o.dropped {
            *self.dropped.entry(k.clone()).or_default() += v;
        }
    }
}

/// Statistics of one step: totals and a breakdown by the document's language after the step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepStats {
    /// The step's name.
    pub name: String,
    /// All documents.
    pub total: Counts,
    /// By language code.
    pub by_lang: BTreeMap<String, Counts>,
}

impl StepStats {
    /// Empty statistics for a step.
    pub fn new(name: impl Into<String>) -> Self {
        StepStats {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Records one document: `bytes_in` before the step, the verdict's outcome and the text size
    /// after it (`None` when dropped, `Err` when the step failed).
    pub fn record(&mut self, lang: &str, bytes_in: u64, outcome: Outcome<'_>) {
        Self::bump(&mut self.total, bytes_in, &outcome);
        if let Some(c) = self.by_lang.get_mut(lang) {
            Self::bump(c, bytes_in, &outcome);
        } else {
            let mut c = Counts::default();
            Self::bump(&mut c, bytes_in, &outcome);
            self.by_lang.insert(lang.to_string(), c);
        }
    }

    fn bump(c: &mut Counts, bytes_in: u64, outcome: &Outcome<'_>) {
        c.seen += 1;
        c.bytes_in += bytes_in;
        match outcome {
            Outcome::Kept { bytes_out } => {
                c.kept += 1;
                c.bytes_out += bytes_out;
            }
            Outcome::Dropped(reason) => {
                if let Some(n) = c.dropped.get_mut(*reason) {
                    *n += 1;
                } else {
                    c.dropped.insert(reason.to_string(), 1);
                }
            }
            Outcome::Error => c.errors += 1,
        }
    }
}

/// What happened to one document at one step, for [`StepStats::record`].
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// Passed on, with the text size after the step.
    Kept {
        /// UTF-8 bytes after the step.
        bytes_out: u64,
    },
    /// Dropped with this reason.
    Dropped(&'a str),
    /// The step failed on the record.
    Error,
}

impl AddAssign<&StepStats> for StepStats {
    fn add_assign(&mut self, o: &StepStats) {
        self.total += &o.total;
        for (k, v) in &o.by_lang {
            *self.by_lang.entry(k.clone()).or_default() += v;
        }
    }
}

/// Statistics of a whole chain run: what the sources read and each step's counters, in chain
/// order. Adds with `+=` so that tasks and inputs merge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStats {
    /// Records read from the inputs (documents produced by the sources).
    pub records_read: u64,
    /// Records the sources could not read, by error kind.
    pub read_errors: BTreeMap<String, u64>,
    /// Records the sources skipped on purpose (non-text content, non-article pages), by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Per step, in chain order.
    pub steps: Vec<StepStats>,
    /// Documents written, by language.
    pub written_by_lang: BTreeMap<String, u64>,
    /// Documents written.
    pub written: u64,
}

impl AddAssign<&ChainStats> for ChainStats {
    fn add_assign(&mut self, o: &ChainStats) {
        self.records_read += o.records_read;
        self.written += o.written;
        for (k, v) in &o.read_errors {
            *self.read_errors.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.skipped {
            *self.skipped.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.written_by_lang {
            *self.written_by_lang.entry(k.clone()).or_default() += v;
        }
        if self.steps.is_empty() {
            self.steps = o.steps.clone();
        } else {
            for (a, b) in self.steps.iter_mut().zip(&o.steps) {
                *a += b;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_stats_add_and_break_down_by_language() {
        let mut a = StepStats::new("f");
        a.record("ca", 10, Outcome::Kept { bytes_out: 8 });
        a.record("ca", 5, Outcome::Dropped("too_short"));
        let mut b = StepStats::new("f");
        b.record("es", 7, Outcome::Dropped("too_short"));
        b.record("es", 1, Outcome::Error);
        a += &b;
        assert_eq!(a.total.seen, 4);
        assert_eq!(a.total.kept, 1);
        assert_eq!(a.total.dropped["too_short"], 2);
        assert_eq!(a.total.errors, 1);
        assert_eq!(a.total.bytes_in, 23);
        assert_eq!(a.total.bytes_out, 8);
        assert_eq!(a.by_lang["ca"].seen, 2);
        assert_eq!(a.by_lang["es"].dropped_total(), 1);
    }
}
