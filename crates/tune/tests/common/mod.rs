//! Shared test fixtures: a chain run normally and annotate-only over the same inputs.

#![allow(dead_code)]

use garbell_config::{ChainConfig, Languages};
use garbell_pipeline::registry::Context;
use garbell_pipeline::{run, RunOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[path = "../../../../tests/common/chains.rs"]
mod chains;

/// The quality steps of the test chain (after [`chains::LANGUAGE_STEPS`]). C4 keeps lines
/// (`remove_lines = false`): with line removal the text later steps see differs between a
/// normal and an annotate-only run.
pub const QUALITY_STEPS: &str = r#"[[steps]]
step = "filter_gopher_repetition"
ANNOTATE
[[steps]]
step = "filter_gopher_quality"
ANNOTATE
[[steps]]
step = "filter_c4"
filter_no_terminal_punct = false
remove_lines = false
C4ANNOTATE
[[steps]]
step = "filter_fineweb_quality"
ANNOTATE
"#;

/// The steps of the test chain (`ANNOTATE` and `C4ANNOTATE` mark where `annotate_only` goes).
pub fn steps() -> String {
    format!("{}{QUALITY_STEPS}", chains::LANGUAGE_STEPS)
}

/// The normal chain.
pub fn chain() -> ChainConfig {
    let text = format!(
        "name = \"tune-test\"\n{}",
        steps()
            .replace("C4ANNOTATE\n", "")
            .replace("ANNOTATE\n", "")
    );
    ChainConfig::parse("tune-test.toml", &text).expect("chain")
}

/// The same chain, annotate-only (and C4 counting sentences whatever their number).
pub fn annotate_chain() -> ChainConfig {
    let text = format!(
        "name = \"tune-test-annotate\"\n{}",
        steps()
            .replace(
                "C4ANNOTATE\n",
                "annotate_only = true\nmin_num_sentences = 0\n"
            )
            .replace("ANNOTATE\n", "annotate_only = true\n")
    );
    ChainConfig::parse("tune-test-annotate.toml", &text).expect("chain")
}

/// Documents that trip the rules the samples may not: repetition, lists, lorem ipsum, braces,
/// short texts, in Catalan and Spanish. One of them carries hostile markup.
pub fn extra_jsonl(dir: &Path) -> PathBuf {
    let ca = "La Generalitat de Catalunya ha aprovat avui el pressupost per a l'any vinent, que inclou més diners per a les escoles i els hospitals del país.";
    let es = "El Gobierno ha aprobado hoy los presupuestos para el año que viene, que incluyen más dinero para las escuelas y los hospitales del país.";
    let mut docs: Vec<String> = Vec::new();
    for i in 0..6 {
        let para: Vec<String> = (0..(3 + i)).map(|j| format!("{ca} Paràgraf {j} del document {i}, amb les dades que el govern ha fet públiques aquesta setmana.")).collect();
        docs.push(para.join("\n\n"));
    }
    docs.push([ca; 8].join("\n"));
    docs.push(
        (0..20)
            .map(|i| format!("- element {i} de la llista"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    docs.push(format!(
        "{ca}\nLorem ipsum dolor sit amet, consectetur adipiscing elit. {ca}\n{ca}\n{ca}\n{ca}"
    ));
    docs.push(format!(
        "{ca}\nfunction() {{ return 1; }} és el codi que fa servir la web.\n{ca}\n{ca}"
    ));
    docs.push("Bon dia a tothom.".to_string());
    // Short unique lines: passes Gopher and C4, fails FineWeb's short-line rule.
    let short = [
        "Avui fa sol a la ciutat.",
        "El tren surt a les nou.",
        "La fira obre dissabte.",
        "Els nens van a escola.",
        "El mercat és ple de gent.",
        "La platja està neta.",
        "El museu tanca dilluns.",
        "Hi ha concert al parc.",
        "La biblioteca és nova.",
        "El bosc és molt verd.",
        "Les botigues obren aviat.",
        "El riu baixa amb força.",
        "Tothom parla del partit.",
        "La vaga acaba demà.",
    ];
    docs.push(short.join("\n"));
    docs.push(format!("{ca} <script>alert(1)</script> {ca}\n\n{ca} I ara una altra frase sobre les escoles.\n\n{ca}"));
    for i in 0..4 {
        let para: Vec<String> = (0..(2 + i))
            .map(|j| format!("{es} Párrafo {j} del documento {i}."))
            .collect();
        docs.push(para.join("\n\n"));
    }
    let path = dir.join("extra.jsonl");
    let mut f = std::fs::File::create(&path).expect("create");
    for (i, d) in docs.iter().enumerate() {
        let line = serde_json::json!({"id": format!("extra-{i}"), "text": d});
        writeln!(f, "{line}").expect("write");
    }
    path
}

/// Runs `chain` over the samples and the extra documents into `out`.
pub fn run_chain(chain: &ChainConfig, inputs: &[PathBuf], out: &Path) {
    let langs = Languages::embedded().expect("langs");
    chain.validate("test", &langs).expect("valid chain");
    let inputs = garbell_io::input::list_inputs(inputs).expect("inputs");
    let opts = RunOptions {
        threads: 1,
        output: out.to_path_buf(),
        tool_commit: "test".into(),
        slice: None,
        merge_only: false,
        progress: None,
    };
    run(chain, &inputs, Context::new(langs), &opts).expect("run");
}

/// The sample inputs plus the extra documents (written in `dir`).
pub fn inputs(dir: &Path) -> Vec<PathBuf> {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/samples");
    vec![samples, extra_jsonl(dir)]
}

/// A normal run and an annotate-only run over the same inputs: (tempdir, normal, annotated).
pub fn two_runs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ins = inputs(dir.path());
    let normal = dir.path().join("normal");
    let annotated = dir.path().join("annotated");
    run_chain(&chain(), &ins, &normal);
    run_chain(&annotate_chain(), &ins, &annotated);
    (dir, normal, annotated)
}

/// Where test artefacts go: `target/test-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let d = target.join("test-artifacts");
    std::fs::create_dir_all(&d).expect("artifacts dir");
    d
}
