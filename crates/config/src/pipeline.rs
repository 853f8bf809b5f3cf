//! Pipeline files (`filters/pipelines/<name>.toml`): the stages a cluster run submits — the
//! chain as a job array, then the merge (with the chain's dedup), then an optional balance.
//!
//! ```toml
//! name = "quickstart"
//! output = "garbell-out/cluster"          # run directory, on a filesystem every node sees
//! [run]
//! chain = "quickstart"
//! inputs = ["tests/data/samples"]
//! tasks = 4                               # array tasks (inputs are dealt round-robin)
//! [merge]                                 # merge + dedup: one job after every run task
//! [balance]                               # optional: one job after the merge
//! mix = "filters/mixes/salamandra.toml"
//! ```

use crate::{parse_toml, Error};
use garbell_core::PathError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A pipeline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// Name, used in job names.
    pub name: String,
    /// The run directory (outputs, completion markers, Slurm scripts and logs).
    pub output: String,
    /// The chain stage, as a job array.
    pub run: RunStage,
    /// The merge stage (statistics, manifest, and the chain's `[dedup]`).
    #[serde(default)]
    pub merge: Resources,
    /// The balance stage, when present.
    pub balance: Option<BalanceStage>,
    /// When present (and the chain has a `[dedup]` table), the dedup runs as its own stages
    /// between the run and the merge — signatures (array), buckets (array), cluster (one
    /// job), filter (array) — instead of inside the merge job.
    #[serde(default)]
    pub dedup: Option<DedupStage>,
}

/// The dedup stages of a pipeline (see `garbell dedup`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupStage {
    /// Array size of the per-shard (signatures, filter) and per-band (buckets) stages.
    pub tasks: usize,
    /// Resources of each task (and of the cluster job).
    #[serde(flatten)]
    pub resources: Resources,
}

/// Scheduler resources of one stage's jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Resources {
    /// Wall-clock limit (`--time`), e.g. `"04:00:00"`.
    pub time: String,
    /// Memory per job (`--mem`), e.g. `"4G"`.
    pub mem: String,
    /// CPUs per job (`--cpus-per-task`); garbell uses as many threads.
    pub cpus: u32,
    /// Partition (`--partition`); empty = the cluster's default.
    pub partition: String,
    /// Extra `#SBATCH` options, one per entry (e.g. `"--account=proj"`).
    pub extra: Vec<String>,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            time: "04:00:00".into(),
            mem: "4G".into(),
            cpus: 1,
            partition: String::new(),
            extra: Vec::new(),
        }
    }
}

/// The chain stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunStage {
    /// Chain file or embedded chain name.
    pub chain: String,
    /// Inputs (files or directories).
    pub inputs: Vec<String>,
    /// Number of array tasks.
    pub tasks: usize,
    /// At most this many tasks at once (`%N` of `--array`); 0 = no limit.
    #[serde(default)]
    pub max_concurrent: usize,
    /// Language profiles directory; empty = the embedded profiles.
    #[serde(default)]
    pub languages: String,
    /// Resources of each task.
    #[serde(flatten)]
    pub resources: Resources,
}

/// The balance stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceStage {
    /// Mix file.
    pub mix: String,
    /// Resources of the job.
    #[serde(flatten)]
    pub resources: Resources,
}

impl PipelineConfig {
    /// Reads and checks a pipeline file.
    pub fn load(path: &Path) -> Result<PipelineConfig, Error> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(PathError::at(path))?;
        let p: PipelineConfig = parse_toml(&name, &text)?;
        let invalid = |message: String| {
            Err(Error::Invalid {
                path: name.clone(),
                message,
            })
        };
        if p.run.tasks == 0 {
            return invalid("run.tasks must be at least 1".into());
        }
        if p.run.inputs.is_empty() {
            return invalid("run.inputs is empty".into());
        }
        if p.output.is_empty() {
            return invalid("output is empty".into());
        }
        if p.dedup.as_ref().is_some_and(|d| d.tasks == 0) {
            return invalid("dedup.tasks must be at least 1".into());
        }
        Ok(p)
    }
}
