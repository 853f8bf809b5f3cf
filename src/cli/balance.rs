//! `garbell balance`: plan and write a weighted, shuffled pretraining mix, or build the
//! multilingual injection sets of a mix.

use anyhow::{Context as _, Result};
use clap::Args;
use garbell_balance::{
    run_balance, run_injection, BalanceOptions, InjectOptions, Input, MixConfig,
};
use std::path::PathBuf;

#[derive(Args)]
pub struct BalanceArgs {
    /// Mix file (`filters/mixes/<name>.toml`).
    #[arg(long)]
    mix: PathBuf,
    /// Output directory.
    #[arg(long, short)]
    output: PathBuf,
    /// Only count and plan: print the plan and write plan.txt / plan.json, no shards.
    #[arg(long)]
    dry_run: bool,
    /// Build the mix's `[injection]` sets instead of pretraining shards (inputs: curated text
    /// shards and/or JSONL files with `lang` and `messages` or `text`).
    #[arg(long)]
    inject: bool,
    /// Inputs: shard files or directories, optionally `source=PATH` to name the bucket source.
    #[arg(required = true)]
    inputs: Vec<String>,
}

pub fn balance(a: BalanceArgs) -> Result<i32> {
    let mix = MixConfig::load(&a.mix).with_context(|| format!("loading {}", a.mix.display()))?;
    let tool_version = env!("CARGO_PKG_VERSION").to_string();
    let tool_commit = option_env!("GARBELL_GIT_COMMIT")
        .unwrap_or("unknown")
        .to_string();
    if a.inject {
        let cfg = mix
            .injection
            .as_ref()
            .with_context(|| format!("{} has no [injection] table", a.mix.display()))?;
        let opts = InjectOptions {
            inputs: a.inputs.iter().map(PathBuf::from).collect(),
            output: a.output.clone(),
            tool_version,
            tool_commit,
        };
        let reports = run_injection(cfg, mix.seed, &mix.output.shard, &opts)
            .context("building injection sets")?;
        for r in &reports {
            println!(
                "stage {}: {} visual samples × {} = {} text samples",
                r.name, r.vision_samples, r.ratio, r.target
            );
            for (lang, (avail, sel)) in &r.languages {
                println!("  {lang:<8} available {avail:>10}  selected {sel:>8}");
            }
        }
        println!("wrote {}", a.output.display());
        return Ok(0);
    }
    let counter = mix.tokens.build().context("building the token counter")?;
    let opts = BalanceOptions {
        inputs: a.inputs.iter().map(|s| Input::parse(s)).collect(),
        output: a.output.clone(),
        tool_version,
        tool_commit,
        dry_run: a.dry_run,
    };
    let report = run_balance(&mix, counter.as_ref(), &opts).context("balancing")?;
    println!("mix {} (tokens: {})", mix.name, report.token_counter);
    print!("{}", report.plan.to_table());
    if let Some(index) = &report.index {
        println!(
            "wrote {} shards to {}",
            index.shards.len(),
            a.output.display()
        );
    }
    Ok(0)
}
