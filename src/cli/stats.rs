//! `garbell stats`: a run's per-language funnel and drop reasons, as a table or JSON.

use anyhow::{Context as _, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct StatsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Run directory (holding stats.json).
    dir: PathBuf,
}

pub fn stats(a: StatsArgs) -> Result<i32> {
    let s = garbell_tune::RunStats::load(&a.dir)
        .with_context(|| format!("reading the statistics of {}", a.dir.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", s.render_table());
    }
    Ok(0)
}
