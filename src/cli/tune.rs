//! `garbell tune`: re-apply a chain's quality thresholds to the signals stored by an
//! annotate-only run, with overrides, sweeps and saving of the chosen values.

use anyhow::{Context as _, Result};
use clap::Args;
use garbell_tune::{
    profile, render_sweep, Overrides, Rules, SignalTable, Summary, Sweep, SweepPoint,
};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct TuneArgs {
    /// Chain file, or the name of an embedded chain, whose thresholds are re-applied.
    #[arg(long)]
    chain: String,
    /// Language to tune: only its documents are evaluated, and `--write` saves to its profile.
    #[arg(long)]
    lang: String,
    /// Override a parameter: `<step>.<param>=<value>` (TOML value; `none` switches an optional
    /// rule off). Repeatable; later ones win.
    #[arg(long = "set", value_name = "STEP.PARAM=VALUE")]
    set: Vec<String>,
    /// Print the retention curve of one parameter: `<step>.<param>=<from>..<to>:<step>`.
    #[arg(long, value_name = "STEP.PARAM=FROM..TO:STEP")]
    sweep: Option<String>,
    /// Save the `--set` values into `[quality.<step>]` of `<profile-dir>/<lang>.toml`, keeping
    /// its comments, with a provenance comment per key.
    #[arg(long)]
    write: bool,
    /// With `--write`: write even if the configuration loader rejects the result.
    #[arg(long, requires = "write")]
    force: bool,
    /// Directory of the language files whose `[quality.*]` tables are the current profile (read)
    /// and where `--write` saves.
    #[arg(long, default_value = "languages")]
    profile_dir: PathBuf,
    /// Language profiles for LID thresholds (default: the profiles embedded at build time).
    #[arg(long)]
    languages: Option<PathBuf>,
    /// Print the summaries as JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Annotated shards: Parquet files, directories of them, or run directories.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
}

pub fn tune(a: TuneArgs) -> Result<i32> {
    let langs = super::load_languages(a.languages.as_deref())?;
    anyhow::ensure!(
        langs.get(&a.lang).is_some(),
        "no language profile {:?}",
        a.lang
    );
    let (name, chain) = super::load_chain(&a.chain)?;
    chain.validate(&name, &langs)?;
    let profile_file = a.profile_dir.join(format!("{}.toml", a.lang));
    let current = profile::read_quality(&profile_file).context("reading the current profile")?;
    let set = Overrides::parse(&a.set)?;

    let t0 = Instant::now();
    let table = SignalTable::load(&a.inputs, Some(&a.lang)).context("loading signals")?;
    let load_s = t0.elapsed().as_secs_f64();
    anyhow::ensure!(
        !table.is_empty(),
        "no documents of language {:?} in the inputs",
        a.lang
    );
    let t1 = Instant::now();
    let base_rules = Rules::build(&chain, &langs, &current)?;
    let tuned_rules = Rules::build(&chain, &langs, &current.then(&set))?;
    let baseline = Summary::new(&table, &base_rules.evaluate(&table));
    let tuned = Summary::new(&table, &tuned_rules.evaluate(&table));
    let eval_s = t1.elapsed().as_secs_f64();

    let sweep = match &a.sweep {
        Some(s) => {
            let sw = Sweep::parse(s)?;
            let evals = tuned_rules.sweep(&table, &sw)?;
            let points: Vec<SweepPoint> = sw
                .values
                .iter()
                .zip(&evals)
                .map(|(v, e)| SweepPoint::new(*v, &sw.step, &Summary::new(&table, e)))
                .collect();
            Some((sw, points))
        }
        None => None,
    };

    if a.json {
        let out = serde_json::json!({
            "lang": a.lang,
            "chain": chain.name,
            "documents": table.len(),
            "bad_rows": table.bad_rows(),
            "current_profile": current.0.iter().map(|o| o.to_arg()).collect::<Vec<_>>(),
            "notes": tuned_rules.exactness_notes(),
            "set": set.0.iter().map(|o| o.to_arg()).collect::<Vec<_>>(),
            "baseline": baseline,
            "tuned": tuned,
            "sweep": sweep.as_ref().map(|(s, p)| serde_json::json!({
                "step": s.step, "param": s.param, "points": p,
            })),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "garbell tune: {} {} documents ({} bad rows skipped), chain {}; loaded in {load_s:.2}s, evaluated in {eval_s:.3}s",
            table.len(),
            a.lang,
            table.bad_rows(),
            chain.name
        );
        for n in tuned_rules.exactness_notes() {
            println!("note: {n}");
        }
        if !current.0.is_empty() {
            let c: Vec<String> = current.0.iter().map(|o| o.to_arg()).collect();
            println!(
                "current profile ({}): {}",
                profile_file.display(),
                c.join(" ")
            );
        }
        print!("{}", tuned.render_against(&baseline));
        if let Some((sw, points)) = &sweep {
            println!();
            print!(
                "{}",
                render_sweep(&format!("{}.{}", sw.step, sw.param), tuned.input, points)
            );
        }
    }

    if a.write {
        anyhow::ensure!(
            !set.0.is_empty(),
            "--write saves the --set values: give at least one"
        );
        let original = std::fs::read_to_string(&profile_file)
            .with_context(|| format!("reading {}", profile_file.display()))?;
        let inputs: Vec<String> = a.inputs.iter().map(|p| p.display().to_string()).collect();
        let provenance = format!(
            "chain {}, {} {} docs of {}; kept docs {} -> {}, tokens {} -> {} ({})",
            chain.name,
            table.len(),
            a.lang,
            inputs.join(" "),
            baseline.kept.docs,
            tuned.kept.docs,
            baseline.kept.tokens,
            tuned.kept.tokens,
            garbell_tune::TOKEN_ESTIMATE
        );
        profile::write_quality(&profile_file, &set, &provenance)?;
        if let Err(e) = garbell_config::Languages::load_dir(&a.profile_dir) {
            if a.force {
                eprintln!("garbell: warning: the configuration loader rejects the result: {e}");
            } else {
                std::fs::write(&profile_file, original)
                    .with_context(|| format!("restoring {}", profile_file.display()))?;
                anyhow::bail!(
                    "the configuration loader rejects the result ({e}); \
                     {} left unchanged (use --force to write anyway)",
                    profile_file.display()
                );
            }
        }
        eprintln!(
            "garbell: wrote {} to {}",
            a.set.join(" "),
            profile_file.display()
        );
    }
    Ok(0)
}
