//! Injection sets end to end: `garbell run` shards plus instruction JSONL through
//! `garbell balance --inject`, with every output sample's language checked by `garbell lid`.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

/// Runs `garbell balance --inject --mix <mix> -o <out> <inputs>...`.
fn inject(mix: &Path, out: &Path, inputs: &[&Path]) -> std::process::Output {
    let mut args = vec![
        "balance",
        "--inject",
        "--mix",
        mix.to_str().expect("utf-8"),
        "-o",
    ];
    args.push(out.to_str().expect("utf-8"));
    args.extend(inputs.iter().map(|p| p.to_str().expect("utf-8")));
    garbell(&args)
}

/// Instruction samples: correct ones, and two whose text is not in the language they claim.
const CHAT: &[(&str, &str, &str, &str)] = &[
    (
        "ok-es",
        "es",
        "¿Puedes explicarme qué es la fotosíntesis?",
        "La fotosíntesis es el proceso por el cual las plantas transforman la luz del sol, el agua y el dióxido de carbono en azúcares y oxígeno.",
    ),
    (
        "ok-de",
        "de",
        "Kannst du mir erklären, wie ein Regenbogen entsteht?",
        "Ein Regenbogen entsteht, wenn Sonnenlicht in Regentropfen gebrochen und reflektiert wird, sodass sich das Licht in seine Farben aufteilt.",
    ),
    (
        "ok-fr",
        "fr",
        "Pourquoi le ciel est-il bleu pendant la journée ?",
        "Le ciel paraît bleu parce que les molécules de l'air diffusent davantage la lumière bleue du soleil que les autres couleurs.",
    ),
    (
        "wrong-ca",
        "ca",
        "Can you tell me how bread is made at home?",
        "To make bread at home you mix flour, water, salt and yeast, knead the dough, let it rise for a few hours and bake it in a hot oven.",
    ),
    (
        "wrong-it",
        "it",
        "¿Cuál es la capital de Portugal y qué se puede visitar allí?",
        "La capital de Portugal es Lisboa, una ciudad con barrios históricos, tranvías amarillos y miradores sobre el río Tajo.",
    ),
];

#[test]
fn injection_samples_are_in_the_language_garbell_lid_finds() {
    let tmp = tempdir();
    let run_out = tmp.path().join("run");
    assert_success(&garbell(&["run", "-o", run_out.to_str().expect("utf-8")]));
    let shards = run_out.join("dedup/shards");
    assert!(shards.is_dir());

    let chat = tmp.path().join("chat.jsonl");
    let mut f = std::fs::File::create(&chat).expect("create");
    for (id, lang, q, a) in CHAT {
        let rec = serde_json::json!({"id": id, "lang": lang, "messages": [
            {"role": "user", "content": q}, {"role": "assistant", "content": a}]});
        writeln!(f, "{rec}").expect("write");
    }
    drop(f);
    let mix = tmp.path().join("mix.toml");
    std::fs::write(
        &mix,
        r#"name = "inject-test"
seed = 3
[injection]
quota = { method = "proportional" }
[injection.prompts]
ca = "Continua el text."
es = "Continúa el texto."
[[injection.stages]]
name = "finetune"
ratio = 1.0
vision_samples = 1000
"#,
    )
    .expect("mix");
    let out = tmp.path().join("inj");
    let o = inject(&mix, &out, &[&shards, &chat]);
    assert_success(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("left out 1: text in another language"),
        "{stdout}"
    );

    // The mislabelled samples are reported and left out; the others are all there.
    let report = read_json(&out.join("injection.json"));
    assert_eq!(
        report[0]["language_mismatch"],
        serde_json::json!({"ca": 1, "it": 1}),
        "{report}"
    );
    let rows: Vec<serde_json::Value> =
        std::fs::read_to_string(out.join("finetune/injection.jsonl"))
            .expect("jsonl")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
    let ids: Vec<&str> = rows.iter().filter_map(|r| r["id"].as_str()).collect();
    for (id, ..) in CHAT {
        assert_eq!(ids.contains(id), id.starts_with("ok-"), "{id}: {ids:?}");
    }
    assert!(rows.len() >= 50, "only {} samples", rows.len());

    // Every sample's language is the one `garbell lid` finds in its text.
    let lid_in = tmp.path().join("lid.jsonl");
    let mut f = std::fs::File::create(&lid_in).expect("create");
    let mut claimed = BTreeMap::new();
    for r in &rows {
        let text = r["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter_map(|m| m["content"].as_str())
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let id = r["id"].as_str().expect("id");
        claimed.insert(
            id.to_string(),
            r["lang"].as_str().expect("lang").to_string(),
        );
        writeln!(f, "{}", serde_json::json!({"id": id, "text": text})).expect("write");
    }
    drop(f);
    let o = garbell(&["lid", lid_in.to_str().expect("utf-8"), "-j", "1"]);
    assert_success(&o);
    let found: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("lid line"))
        .collect();
    assert_eq!(found.len(), rows.len());
    let langs: std::collections::BTreeSet<&str> = claimed.values().map(String::as_str).collect();
    assert!(langs.len() >= 6, "{langs:?}");
    for p in &found {
        let id = p["id"].as_str().expect("id");
        assert_eq!(p["lang"].as_str(), Some(claimed[id].as_str()), "{id}: {p}");
    }

    // The Parquet and LLaVA outputs carry the same languages.
    let llava = read_json(&out.join("finetune/injection.llava.json"));
    let llava = llava.as_array().expect("array");
    assert_eq!(llava.len(), rows.len());
    for s in llava {
        let id = s["id"].as_str().expect("id");
        assert_eq!(s["lang"].as_str(), Some(claimed[id].as_str()));
    }
}

/// `vision_json` is found next to the mix file whatever the working directory, and a stage
/// whose file is missing stops the job before anything is written (no partial first stage).
#[test]
fn vision_json_is_relative_to_the_mix_and_checked_before_writing() {
    let tmp = tempdir();
    let mixes = tmp.path().join("mixes");
    std::fs::create_dir_all(&mixes).expect("mkdir");
    let chat = tmp.path().join("chat.jsonl");
    let mut f = std::fs::File::create(&chat).expect("create");
    for (id, lang, q, a) in CHAT.iter().filter(|c| c.0.starts_with("ok-")) {
        let rec = serde_json::json!({"id": id, "lang": lang, "messages": [
            {"role": "user", "content": q}, {"role": "assistant", "content": a}]});
        writeln!(f, "{rec}").expect("write");
    }
    drop(f);
    // Three visual samples, next to the mix file only.
    std::fs::write(
        mixes.join("llava.json"),
        r#"[{"id":"a"},{"id":"b"},{"id":"c"}]"#,
    )
    .expect("llava");
    let mix_text = |second: &str| {
        format!(
            r#"name = "inject-paths"
seed = 1
[injection]
quota = {{ method = "uniform" }}
verify_language = false
[[injection.stages]]
name = "first"
ratio = 1.0
vision_json = "llava.json"
[[injection.stages]]
name = "second"
ratio = 1.0
vision_json = "{second}"
"#
        )
    };
    let mix = mixes.join("mix.toml");
    // The working directory is elsewhere (the test runner's): the relative path still works.
    std::fs::write(&mix, mix_text("llava.json")).expect("mix");
    let out = tmp.path().join("ok");
    let o = inject(&mix, &out, &[&chat]);
    assert_success(&o);
    let report = read_json(&out.join("injection.json"));
    assert_eq!(report[0]["vision_samples"], 3, "{report}");
    assert_eq!(report[1]["target"], 3, "{report}");

    // The second stage's file is missing: error naming it, nothing written.
    std::fs::write(&mix, mix_text("missing.json")).expect("mix");
    let out = tmp.path().join("bad");
    let o = inject(&mix, &out, &[&chat]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("second") && err.contains(&mixes.join("missing.json").display().to_string()),
        "{err}"
    );
    assert!(!out.exists(), "partial output: {:?}", list_files(&out));

    // A missing input is refused before writing too.
    std::fs::write(&mix, mix_text("llava.json")).expect("mix");
    let o = inject(&mix, &out, &[&tmp.path().join("nope.jsonl")]);
    assert!(!o.status.success());
    assert!(!out.exists());
}
