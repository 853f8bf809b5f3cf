//! The one table of steps (`StepConfig`, with the signal filters of
//! `garbell_quality::signal_filters!`) reaches every consumer: chain names, `[quality.<step>]`
//! override checks, per-language routing and tune's tunable parameters; and `garbell tune`
//! accepts every language profile a run accepts.

use garbell_config::{ChainConfig, Languages, StepConfig};
use garbell_core::{Document, Origin};
use garbell_tune::{profile, tunable_params, Overrides, Rules, SignalTable};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A languages directory with Catalan and English, Catalan carrying `quality` (TOML lines).
fn langs_with(dir: &Path, quality: &str) -> Result<Languages, garbell_config::Error> {
    std::fs::create_dir_all(dir.join("stopwords")).expect("mkdir");
    std::fs::write(dir.join("_defaults.toml"), "[lid]\nthreshold = 0.5\n").expect("write");
    std::fs::write(
        dir.join("en.toml"),
        "name = \"English\"\n[lid]\nlabels = [\"__label__en\"]\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("ca.toml"),
        format!("name = \"Catalan\"\n[lid]\nlabels = [\"__label__ca\"]\n{quality}"),
    )
    .expect("write");
    Languages::load_dir(dir)
}

#[test]
fn every_step_is_reachable_from_each_consumer() {
    let all = StepConfig::all_defaults();
    let names: Vec<&str> = all.iter().map(StepConfig::name).collect();
    for n in [
        "normalize",
        "identify_language",
        "filter_language",
        "filter_gopher_quality",
        "filter_gopher_repetition",
        "filter_c4",
        "filter_fineweb_quality",
        "annotate_oscar",
        "filter_url_blocklist",
        "filter_code_quality",
        "label_code_language",
    ] {
        assert!(names.contains(&n), "{n} is not in the table: {names:?}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut filters = 0;
    for (i, step) in all.iter().enumerate() {
        let name = step.name();
        assert!(!name.is_empty());
        assert_eq!(
            names.iter().filter(|n| **n == name).count(),
            1,
            "{name} twice"
        );
        // 1. Chain files: the serde tag is the name, and `step = "<name>"` parses to this step.
        let json = serde_json::to_value(step).expect("json");
        assert_eq!(json["step"], name);
        let chain = ChainConfig::parse(
            "t.toml",
            &format!("name = \"t\"\n[[steps]]\nstep = \"{name}\"\n"),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&chain.steps[0], step, "{name}");

        let Some(f) = step.filter() else {
            // Other steps take no per-language table and have nothing tunable but the
            // language filter's.
            let e = langs_with(
                &dir.path().join(format!("plain{i}")),
                &format!("[quality.{name}]\nx = 1\n"),
            )
            .expect_err("not a signal filter");
            assert!(e.to_string().contains("no quality step"), "{name}: {e}");
            continue;
        };
        filters += 1;
        assert_eq!(f.name(), name);
        // 2. Override checks: every tunable parameter is a parameter; a profile table setting
        //    it (to its default) loads, an unknown key does not.
        let tunable = f.tunable();
        assert!(!tunable.is_empty(), "{name}: nothing tunable");
        let table: toml::Table = toml::Table::try_from(step).expect("toml");
        let param = tunable
            .iter()
            .find(|p| table.contains_key(**p))
            .unwrap_or_else(|| panic!("{name}: no tunable parameter with a TOML value"));
        for p in tunable {
            assert!(
                json.as_object().expect("object").contains_key(*p),
                "{name}: tunable {p} is not a parameter"
            );
        }
        let mut q = toml::Table::new();
        q.insert((*param).to_string(), table[*param].clone());
        let quality = format!("[quality.{name}]\n{}", toml::to_string(&q).expect("toml"));
        let langs = langs_with(&dir.path().join(format!("ok{i}")), &quality)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let e = langs_with(
            &dir.path().join(format!("bad{i}")),
            &format!("[quality.{name}]\nno_such_parameter = 1\n"),
        )
        .expect_err("unknown key");
        assert!(e.to_string().contains("no_such_parameter"), "{name}: {e}");
        // 3. Per-language routing: the pipeline builds a variant for Catalan.
        let mut ctx = garbell_pipeline::registry::Context::new(langs.clone());
        assert_eq!(
            garbell_pipeline::registry::routed_languages(step, &ctx.languages),
            ["ca"],
            "{name}"
        );
        garbell_pipeline::registry::build_step(step, &mut ctx)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // 4. Tune: the tunables are tune's, a `--set` of each applies, decisions come from the
        //    filter (its thresholds are drawn).
        assert_eq!(tunable_params(name), tunable, "{name}");
        let set =
            Overrides::parse(&[format!("{name}.{param}={}", table[*param])]).expect("override");
        let rules = Rules::build(&chain, &langs, &set).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            !rules.threshold_marks(&[]).is_empty(),
            "{name}: no threshold from its decide"
        );
    }
    assert!(filters >= 5, "{filters} signal filters");
}

#[test]
fn tune_accepts_every_language_profile_a_run_accepts() {
    let langs = Languages::embedded().expect("langs");
    assert_eq!(langs.len(), 35);
    let chains: Vec<ChainConfig> = garbell_config::embedded_chains()
        .iter()
        .map(|(n, t)| ChainConfig::parse(n, t).expect("chain"))
        .collect();
    let mut table = SignalTable::new();
    for p in langs.iter() {
        let mut d = Document::new(p.code.clone(), "text", "t", Origin::new("in", 0, 0));
        d.lang = p.code.clone();
        d.lang_score = 1.0;
        table.push_document(&d);
    }
    let mut tried = 0;
    for p in langs.iter() {
        // What `garbell tune --lang <code>` reads: the profile's tables as the current values.
        let current = profile::read_quality(&repo().join(format!("languages/{}.toml", p.code)))
            .expect("profile");
        for chain in &chains {
            chain
                .validate(&chain.name, &langs)
                .expect("a run accepts it");
            let rules = Rules::build(chain, &langs, &current)
                .unwrap_or_else(|e| panic!("{} with chain {}: {e}", p.code, chain.name));
            assert_eq!(rules.evaluate(&table).outcome.len(), 35);
            tried += 1;
        }
    }
    assert_eq!(tried, 35 * chains.len());
    // A `--set` of a parameter that changes the signals is still refused.
    let multilingual = chains
        .iter()
        .find(|c| c.name == "multilingual")
        .expect("multilingual");
    let e = Rules::build(
        multilingual,
        &langs,
        &Overrides::parse(&["annotate_oscar.short_line_bytes=171".into()]).expect("parse"),
    )
    .expect_err("not tunable");
    assert!(e.to_string().contains("re-annotate"), "{e}");
}
