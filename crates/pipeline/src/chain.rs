use garbell_core::{ChainStats, Document, Outcome, Step, StepStats, Verdict};

/// Steps applied in order to each document, with their statistics kept by the caller.
pub struct Chain {
    steps: Vec<Box<dyn Step>>,
}

impl Chain {
    /// A chain of these steps.
    pub fn new(steps: Vec<Box<dyn Step>>) -> Self {
        Chain { steps }
    }

    /// Empty statistics with one entry per step, in order.
    pub fn new_stats(&self) -> ChainStats {
        ChainStats {
            steps: self
                .steps
                .iter()
                .map(|s| StepStats::new(s.name()))
                .collect(),
            ..Default::default()
        }
    }

    /// Runs `doc` through the steps. Returns the document if every step kept it. Errors of a step
    /// on this record are counted in `stats` and the document is dropped from the chain.
    pub fn run(&self, mut doc: Document, stats: &mut ChainStats) -> Option<Document> {
        for (step, st) in self.steps.iter().zip(stats.steps.iter_mut()) {
            let bytes_in = doc.text.len() as u64;
            match step.apply(&mut doc) {
                Ok(Verdict::Keep) => st.record(
                    &doc.lang,
                    bytes_in,
                    Outcome::Kept {
                        bytes_out: doc.text.len() as u64,
                    },
                ),
                Ok(Verdict::Drop(reason)) => {
                    st.record(&doc.lang, bytes_in, Outcome::Dropped(&reason));
                    return None;
                }
                Err(e) => {
                    st.record(&doc.lang, bytes_in, Outcome::Error);
                    *stats
                        .read_errors
                        .entry(format!("{}:{}", step.name(), e.kind))
                        .or_default() += 1;
                    return None;
                }
            }
        }
        Some(doc)
    }
}
