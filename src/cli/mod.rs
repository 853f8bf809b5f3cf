//! Command-line front end.

mod balance;
mod dedup;
mod lid;
mod report;
mod run;
mod slurm;
mod stats;
mod tune;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// garbell (Catalan for "sieve"): turns open-access dumps (WARC/WET, JSONL) into clean,
/// language-tagged, zstd Parquet corpora for 35 European languages.
#[derive(Parser)]
#[command(name = "garbell", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a chain over inputs and write Parquet shards, stats and a manifest. With no arguments,
    /// runs the bundled quickstart on the sample data in tests/data/samples.
    Run(run::RunArgs),
    /// Identify the language of JSONL documents (`text` field; `id` passed through) and print one
    /// JSON line per document: {"id", "lang", "score"}.
    Lid(lid::LidArgs),
    /// Plan and write a weighted, shuffled pretraining mix (or, with --inject, the multilingual
    /// injection sets of a mix): prints and writes a per-bucket plan report.
    Balance(balance::BalanceArgs),
    /// Run a pipeline file on a Slurm cluster: job arrays with dependencies, status, resubmission.
    #[command(subcommand)]
    Slurm(slurm::SlurmCommand),
    /// Re-apply a chain's quality thresholds to the signals of an annotate-only run, with
    /// overrides (--set), a retention curve (--sweep) and saving to the language profile (--write).
    Tune(tune::TuneArgs),
    /// Write one self-contained HTML report of a run: funnels, drop reasons, signal histograms
    /// with thresholds, sample documents, LID scores, dedup cluster sizes.
    Report(report::ReportArgs),
    /// Print a run's per-language funnel and drop reasons as a table, or JSON with --json.
    Stats(stats::StatsArgs),
    /// Run the chain's `[dedup]` stages one at a time over a run directory (signatures, buckets,
    /// cluster, filter), each resumable and sliceable into array tasks.
    #[command(subcommand)]
    Dedup(dedup::DedupCommand),
    /// Inspect configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check a run's outputs against its manifest, or compare two runs.
    #[command(subcommand)]
    Manifest(ManifestCommand),
}

#[derive(Subcommand)]
enum ManifestCommand {
    /// Check <DIR>/manifest.json against its own digest, every file it lists (exists, size,
    /// blake3), and the directories holding them for files it does not list. Exit status 1 and
    /// one line per problem (missing, size differs, content differs, unexpected, manifest
    /// altered) when anything does not match.
    Verify {
        /// Run directory.
        dir: PathBuf,
    },
    /// What changed between two runs: configuration keys, models, inputs, counts per step and
    /// language.
    Diff {
        /// First run directory.
        a: PathBuf,
        /// Second run directory.
        b: PathBuf,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the resolved chain and language profile(s) with the configuration hash; with
    /// --lang, also the effective value of every step parameter for that language and where it
    /// comes from (default, chain, profile, set).
    Resolve {
        /// Chain file, or the name of an embedded chain (e.g. `quickstart`).
        #[arg(long, default_value = "quickstart")]
        chain: String,
        /// Only this language's profile (default: all), and its effective parameters.
        #[arg(long)]
        lang: Option<String>,
        /// Override a parameter as `garbell tune --set` does: `<step>.<param>=<value>` (TOML
        /// value). Repeatable; later ones win. Needs --lang.
        #[arg(long = "set", value_name = "STEP.PARAM=VALUE", requires = "lang")]
        set: Vec<String>,
        /// Language profiles directory (default: the profiles embedded at build time).
        #[arg(long)]
        languages: Option<PathBuf>,
    },
}

/// Runs the command line; returns the exit status.
pub fn main() -> Result<i32> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Lid(a) => lid::lid(a),
        Command::Balance(a) => balance::balance(a),
        Command::Tune(a) => tune::tune(a),
        Command::Report(a) => report::report(a),
        Command::Stats(a) => stats::stats(a),
        Command::Slurm(c) => slurm::slurm(c),
        Command::Dedup(c) => dedup::dedup(c),
        Command::Manifest(ManifestCommand::Verify { dir }) => {
            let v = garbell_manifest::verify_report(&dir)?;
            for p in &v.problems {
                println!("{p}");
            }
            let manifest = dir.join("manifest.json");
            if !v.self_checked {
                eprintln!(
                    "garbell: warning: {} has no manifest_blake3 (written by an older garbell): its own content is not checked",
                    manifest.display()
                );
            }
            if v.problems.is_empty() {
                eprintln!(
                    "garbell: {} files match {}{}",
                    v.checked,
                    manifest.display(),
                    if v.self_checked {
                        " (manifest content digest checked, no unexpected files)"
                    } else {
                        ""
                    }
                );
                Ok(0)
            } else {
                eprintln!(
                    "garbell: {} problem(s) against {} ({} files listed)",
                    v.problems.len(),
                    manifest.display(),
                    v.checked
                );
                Ok(1)
            }
        }
        Command::Manifest(ManifestCommand::Diff { a, b }) => {
            let (ma, mb) = (
                garbell_manifest::Manifest::load(&a)?,
                garbell_manifest::Manifest::load(&b)?,
            );
            let lines = garbell_manifest::diff(&ma, &mb);
            for l in &lines {
                println!("{l}");
            }
            if lines.is_empty() {
                eprintln!("garbell: no differences");
            }
            Ok(0)
        }
        Command::Config(ConfigCommand::Resolve {
            chain,
            lang,
            set,
            languages,
        }) => {
            let langs = load_languages(languages.as_deref())?;
            let chain_text = chain_text(&chain)?;
            let (name, chain) = load_chain(&chain)?;
            chain.validate(&name, &langs)?;
            let profiles: std::collections::BTreeMap<_, _> = langs
                .iter()
                .filter(|p| lang.as_deref().is_none_or(|l| l == p.code))
                .map(|p| (p.code.clone(), p.clone()))
                .collect();
            if let Some(l) = &lang {
                anyhow::ensure!(!profiles.is_empty(), "no language profile {l:?}");
            }
            let all: std::collections::BTreeMap<_, _> =
                langs.iter().map(|p| (p.code.clone(), p.clone())).collect();
            let mut out = serde_json::json!({
                "chain": chain,
                "languages": profiles,
                "config_hash": garbell_config::config_hash(&(&chain, &all)),
            });
            if let Some(l) = &lang {
                let set = set
                    .iter()
                    .map(|a| parse_set(a))
                    .collect::<Result<Vec<_>>>()?;
                let steps = garbell_config::resolve(&chain, &chain_text, &langs, l, &set)?;
                out["effective"] = serde_json::json!({ "lang": l, "steps": steps });
            }
            use std::io::Write as _;
            writeln!(
                std::io::stdout().lock(),
                "{}",
                serde_json::to_string_pretty(&out)?
            )?;
            Ok(0)
        }
    }
}

/// Language profiles from a directory, or the embedded ones.
/// Lists the inputs of a run writing to `output` (left out of the listing, with everything
/// under it), reports what was skipped on stderr and returns the files.
pub(crate) fn list_run_inputs(
    inputs: &[std::path::PathBuf],
    format: garbell_io::SourceFormat,
    output: &std::path::Path,
) -> Result<Vec<std::path::PathBuf>> {
    let listing = garbell_io::list_inputs_with(
        inputs,
        &garbell_io::ListOptions {
            format,
            exclude: vec![output.to_path_buf()],
        },
    )?;
    report_skipped_inputs(&listing.skipped);
    Ok(listing.files)
}

/// Prints the inputs a listing left out (special files, link loops, the output directory), at
/// most 20 by name, then how many in all.
pub(crate) fn report_skipped_inputs(skipped: &[garbell_io::SkippedInput]) {
    const SHOWN: usize = 20;
    for s in skipped.iter().take(SHOWN) {
        eprintln!(
            "garbell: input skipped ({}): {}: {}",
            s.reason.name(),
            s.path.display(),
            s.reason.describe()
        );
    }
    if skipped.len() > SHOWN {
        eprintln!(
            "garbell: ... and {} more inputs skipped",
            skipped.len() - SHOWN
        );
    }
}

pub(crate) fn load_languages(dir: Option<&std::path::Path>) -> Result<garbell_config::Languages> {
    Ok(match dir {
        Some(d) => garbell_config::Languages::load_dir(d)?,
        None => garbell_config::Languages::embedded()?,
    })
}

/// `<step>.<param>=<value>` with a TOML value.
fn parse_set(arg: &str) -> Result<(String, String, toml::Value)> {
    let (key, raw) = arg
        .split_once('=')
        .with_context(|| format!("{arg}: expected <step>.<param>=<value>"))?;
    let (step, param) = key
        .trim()
        .split_once('.')
        .with_context(|| format!("{arg}: expected <step>.<param> before `=`"))?;
    let t: toml::Table = toml::from_str(&format!("v = {}", raw.trim()))
        .with_context(|| format!("{arg}: {raw:?} is not a TOML value"))?;
    let v = t
        .get("v")
        .cloned()
        .with_context(|| format!("{arg}: no value"))?;
    Ok((step.to_string(), param.to_string(), v))
}

/// The text of a chain given as for [`load_chain`].
fn chain_text(spec: &str) -> Result<String> {
    let path = std::path::Path::new(spec);
    if path.is_file() || (path.exists() && garbell_config::ChainConfig::embedded(spec).is_none()) {
        return std::fs::read_to_string(path).with_context(|| format!("reading {spec}"));
    }
    let file = format!("{spec}.toml");
    Ok(garbell_config::embedded_chains()
        .iter()
        .find(|(n, _)| *n == file)
        .map(|(_, t)| t.to_string())
        .unwrap_or_default())
}

/// A chain from a file path, or an embedded chain by name. Returns (name for messages, chain).
pub(crate) fn load_chain(spec: &str) -> Result<(String, garbell_config::ChainConfig)> {
    let path = std::path::Path::new(spec);
    // A file of that name wins; a directory does not hide an embedded chain (`--chain web`
    // in a folder that has a `web/` subfolder).
    if path.is_file() || (path.exists() && garbell_config::ChainConfig::embedded(spec).is_none()) {
        return Ok((spec.to_string(), garbell_config::ChainConfig::load(path)?));
    }
    match garbell_config::ChainConfig::embedded(spec) {
        Some(c) => Ok((format!("<embedded>/filters/chains/{spec}.toml"), c?)),
        None => {
            let names: Vec<&str> = garbell_config::embedded_chains()
                .iter()
                .map(|(n, _)| n.trim_end_matches(".toml"))
                .collect();
            Err(anyhow::anyhow!(
                "no chain file {spec:?} (and no embedded chain of that name: {})",
                names.join(", ")
            ))
            .context("loading the chain")
        }
    }
}
