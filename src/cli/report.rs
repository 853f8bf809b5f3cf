//! `garbell report`: one self-contained HTML file about a run.

use anyhow::{Context as _, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ReportArgs {
    /// Output file (default: <run-dir>/report.html).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Chain whose thresholds are drawn and re-applied (default: the one in the run's manifest).
    #[arg(long)]
    chain: Option<String>,
    /// Language profiles directory (default: the profiles embedded at build time).
    #[arg(long)]
    languages: Option<PathBuf>,
    /// Sample documents per language and reason.
    #[arg(long, default_value_t = 3)]
    samples: usize,
    /// Run directory.
    dir: PathBuf,
}

pub fn report(a: ReportArgs) -> Result<i32> {
    let langs = super::load_languages(a.languages.as_deref())?;
    let mut opts = garbell_tune::html::ReportOptions::new(langs);
    opts.samples = a.samples;
    if let Some(c) = &a.chain {
        opts.chain = Some(super::load_chain(c)?.1);
    }
    let html = garbell_tune::html::render_report(&a.dir, &opts)
        .with_context(|| format!("reading the run in {}", a.dir.display()))?;
    let out = a.out.unwrap_or_else(|| a.dir.join("report.html"));
    let tmp = out.with_extension("html.tmp");
    std::fs::write(&tmp, html).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &out).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("garbell: report written to {}", out.display());
    Ok(0)
}
