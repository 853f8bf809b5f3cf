//! `garbell balance`: plan and write a weighted, shuffled pretraining mix, or build the
//! multilingual injection sets of a mix.

use anyhow::{Context as _, Result};
use clap::Args;
use garbell_balance::{
    run_balance, run_injection, BalanceOptions, InjectOptions, Input, LanguageCheck, MixConfig,
};
use garbell_pipeline::steps::IdentifyLanguage;
use std::path::PathBuf;
use std::sync::Arc;

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
        let language_check: Option<Arc<dyn LanguageCheck>> = if cfg.verify_language {
            Some(Arc::new(LidCheck::new()?))
        } else {
            None
        };
        let opts = InjectOptions {
            inputs: a.inputs.iter().map(PathBuf::from).collect(),
            output: a.output.clone(),
            tool_version,
            tool_commit,
            language_check,
        };
        let reports = run_injection(cfg, mix.seed, &mix.output.shard, &opts)
            .context("building injection sets")?;
        for r in &reports {
            println!(
                "stage {}: {} visual samples × {} = {} text samples",
                r.name, r.vision_samples, r.ratio, r.target
            );
            for (lang, (avail, sel)) in &r.languages {
                let wrong = r.language_mismatch.get(lang).copied().unwrap_or(0);
                let wrong = if wrong > 0 {
                    format!("  (left out {wrong}: text in another language)")
                } else {
                    String::new()
                };
                println!("  {lang:<8} available {avail:>10}  selected {sel:>8}{wrong}");
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

/// The injection's language check: the same identifier as `garbell lid` (embedded lid.176 and
/// the second stage). `sh` (Serbo-Croatian) accepts hr, sr, bs and sh texts, and an `sh`
/// answer is accepted for hr, sr and bs; hr and sr otherwise differ.
struct LidCheck {
    lid: IdentifyLanguage,
}

impl LidCheck {
    fn new() -> Result<Self> {
        let langs = super::load_languages(None)?;
        let model = Arc::new(garbell_lid::Model::embedded_lid176()?);
        let stage2 =
            Arc::new(garbell_lid::Disambiguator::embedded().map_err(|e| anyhow::anyhow!("{e}"))?);
        Ok(LidCheck {
            lid: IdentifyLanguage::new(model, &langs, 0, Some(stage2)),
        })
    }
}

impl LanguageCheck for LidCheck {
    fn mismatch(&self, text: &str, claimed: &str) -> Option<String> {
        let (found, _) = self.lid.identify(text);
        let sc = |l: &str| matches!(l, "sh" | "hr" | "sr" | "bs");
        if found == claimed || (sc(found) && sc(claimed) && (found == "sh" || claimed == "sh")) {
            None
        } else {
            Some(found.to_string())
        }
    }
}
