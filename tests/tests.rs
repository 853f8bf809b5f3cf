//! End-to-end tests of the `garbell` binary. Table of contents:
//!
//! - `quickstart_*`: the bundled quickstart writes shards that pyarrow and DuckDB read back;
//! - `threads_*`: 1 and 4 threads give byte-identical outputs;
//! - `corrupt_*`: a WARC with one corrupt gzip member: counted, reported with file and offset,
//!   every other record processed, exit status 0 (3 with `--strict`);
//! - `sources_*`: every source format through the whole chain;
//! - `lid_*`: `garbell lid` output;
//! - `config_*`: configuration errors stop the job before any work, naming file, line and key.

mod common;

use common::*;

#[test]
fn quickstart_writes_shards_readable_by_pyarrow_and_duckdb() {
    let out = tempdir();
    let o = garbell(&["run", "-o", out.path().to_str().expect("utf8")]);
    assert_success(&o);
    let stats = read_json(&out.path().join("stats.json"));
    assert!(stats["written"].as_u64().expect("written") >= 40, "{stats}");
    assert!(
        stats["records_read"].as_u64() > stats["written"].as_u64(),
        "the language filter drops something"
    );
    let written_langs = stats["written_by_lang"].as_object().expect("by lang");
    assert!(
        written_langs.len() >= 6,
        "at least six languages: {written_langs:?}"
    );
    let manifest = read_json(&out.path().join("manifest.json"));
    // One chain shard per sample input (WARC, JSONL, MediaWiki bz2, Parquet), then the
    // deduplicated shards (the final corpus).
    assert_eq!(manifest["outputs"].as_array().expect("outputs").len(), 8);
    // Every source of the samples contributed documents.
    let inputs = manifest["inputs"].as_array().expect("inputs");
    let names: Vec<&str> = inputs.iter().filter_map(|i| i["path"].as_str()).collect();
    for ext in [
        "docs.jsonl.gz",
        "docs.parquet",
        "web.warc.gz",
        "wiki.xml.bz2",
    ] {
        assert!(names.iter().any(|n| n.ends_with(ext)), "{ext}: {names:?}");
    }
    let outputs = manifest["outputs"].as_array().expect("outputs");
    for o in outputs
        .iter()
        .filter(|o| o["path"].as_str().is_some_and(|p| p.starts_with("shards/")))
    {
        assert!(
            o["rows"].as_u64() > Some(0),
            "an input gave no document: {o}"
        );
    }

    let langs = "bg ca cs cy da de el en es et eu fi fr ga gl hr hu it lt lv mt nl nn no oc pl pt ro ru sh sk sl sr sv uk";
    let script = format!(
        r#"
import sys, glob, pyarrow.parquet as pq
langs = set("{langs}".split())
files = sorted(glob.glob(sys.argv[1] + "/dedup/shards/*.parquet"))
assert len(files) == 4, files
rows = 0
for f in files:
    t = pq.read_table(f)
    assert t.schema.field("lang_score").type == "float", t.schema
    for lang, score, text, id_ in zip(t["lang"].to_pylist(), t["lang_score"].to_pylist(), t["text"].to_pylist(), t["id"].to_pylist()):
        assert lang in langs, lang
        assert 0.0 < score <= 1.0, score
        assert text and id_
    rows += t.num_rows
print(rows)
"#
    );
    let Some(rows) = python(&script, &[out.path()], &["pyarrow"]) else {
        return;
    };
    assert_eq!(
        rows.trim().parse::<u64>().expect("rows"),
        stats["written"].as_u64().expect("written")
    );
    let duck = python(
        "import sys, duckdb\nprint(duckdb.sql(f\"select count(*), count(distinct lang), min(lang_score) from read_parquet('{sys.argv[1]}/dedup/shards/*.parquet')\").fetchall()[0])",
        &[out.path()],
        &["duckdb"],
    );
    if let Some(d) = duck {
        assert!(d.starts_with(&format!("({}, ", rows.trim())), "{d}");
    }
}

#[test]
fn threads_one_and_four_give_byte_identical_outputs() {
    let a = tempdir();
    let b = tempdir();
    assert_success(&garbell(&[
        "run",
        "-j",
        "1",
        "-o",
        a.path().to_str().expect("utf8"),
    ]));
    assert_success(&garbell(&[
        "run",
        "-j",
        "4",
        "-o",
        b.path().to_str().expect("utf8"),
    ]));
    let fa = list_files(a.path());
    let fb = list_files(b.path());
    assert_eq!(fa, fb);
    assert!(fa.iter().any(|f| f.ends_with(".parquet")));
    for f in fa.iter().filter(|f| !f.ends_with("run.json")) {
        let x = std::fs::read(a.path().join(f)).expect("read");
        let y = std::fs::read(b.path().join(f)).expect("read");
        assert!(x == y, "{f} differs between 1 and 4 threads");
    }
}

#[test]
fn corrupt_gzip_member_is_counted_reported_and_skipped() {
    let data = io_fixtures();
    let clean = tempdir();
    let bad = tempdir();
    let input_clean = data.join("web.warc.gz");
    let input_bad = data.join("corrupt.warc.gz");
    assert_success(&garbell(&[
        "run",
        "--chain",
        "quickstart",
        "-o",
        clean.path().to_str().expect("utf8"),
        input_clean.to_str().expect("utf8"),
    ]));
    let o = garbell(&[
        "run",
        "--chain",
        "quickstart",
        "-o",
        bad.path().to_str().expect("utf8"),
        input_bad.to_str().expect("utf8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "record errors do not fail the job: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("gzip_member_corrupt"), "{}", stderr(&o));

    let expected = read_json(&data.join("expected.json"));
    let offset = expected["corrupt.warc.gz"]["corrupt_offset"]
        .as_u64()
        .expect("offset");
    let errors = std::fs::read_to_string(bad.path().join("errors.jsonl")).expect("errors.jsonl");
    let lines: Vec<serde_json::Value> = errors
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 1, "{errors}");
    assert_eq!(lines[0]["kind"], "gzip_member_corrupt");
    assert_eq!(lines[0]["offset"].as_u64(), Some(offset));
    assert!(lines[0]["input"]
        .as_str()
        .expect("input")
        .ends_with("corrupt.warc.gz"));

    // Every other record was read: exactly one record fewer than the clean file.
    let sc = read_json(&clean.path().join("stats.json"));
    let sb = read_json(&bad.path().join("stats.json"));
    let total = |s: &serde_json::Value| {
        s["records_read"].as_u64().expect("read")
            + s["skipped"]
                .as_object()
                .expect("skipped")
                .values()
                .map(|v| v.as_u64().expect("n"))
                .sum::<u64>()
    };
    assert_eq!(total(&sb) + 1, total(&sc), "clean {sc}\ncorrupt {sb}");
    assert_eq!(sb["read_errors"]["gzip_member_corrupt"].as_u64(), Some(1));

    let strict = garbell(&[
        "run",
        "--strict",
        "--chain",
        "quickstart",
        "-o",
        bad.path().to_str().expect("utf8"),
        input_bad.to_str().expect("utf8"),
    ]);
    assert_eq!(
        strict.status.code(),
        Some(3),
        "--strict exits 3 on record errors"
    );
}

#[test]
fn sources_every_format_runs_through_the_chain() {
    let data = io_fixtures();
    for f in [
        "docs.jsonl",
        "docs.jsonl.gz",
        "docs.jsonl.zst",
        "plain.warc",
        "text.warc.wet.gz",
        "web.warc.gz",
        "cawiki-pages-articles-multistream.xml.bz2",
        "cawiki-pages-articles.xml",
    ] {
        let out = tempdir();
        let o = garbell(&[
            "run",
            "--chain",
            "quickstart",
            "-o",
            out.path().to_str().expect("utf8"),
            data.join(f).to_str().expect("utf8"),
        ]);
        assert_success(&o);
        let s = read_json(&out.path().join("stats.json"));
        assert!(s["records_read"].as_u64().expect("n") > 0, "{f}: {s}");
        assert!(
            s["written"].as_u64().expect("n") > 0,
            "{f}: nothing written: {s}"
        );
    }
}

#[test]
fn sources_parquet_and_code_trees_run_through_chains() {
    let data = io_fixtures();
    let dir = tempdir();
    // A Hugging Face-style Parquet export, read through a chain that names its columns.
    let chain = dir.path().join("hf.toml");
    std::fs::write(
        &chain,
        "name = \"hf\"\n[source]\nformat = \"parquet\"\n[[steps]]\nstep = \"normalize\"\n[[steps]]\nstep = \"identify_language\"\n",
    )
    .expect("chain");
    let out = dir.path().join("hf");
    let o = garbell(&[
        "run",
        "--chain",
        chain.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        data.join("hf.parquet").to_str().expect("utf8"),
    ]);
    assert_success(&o);
    assert_eq!(
        read_json(&out.join("stats.json"))["written"].as_u64(),
        Some(2)
    );
    // A source tree through the code chain: vendored, binary and minified files are skipped.
    let out = dir.path().join("code");
    let o = garbell(&[
        "run",
        "--chain",
        "code",
        "-o",
        out.to_str().expect("utf8"),
        data.join("code_tree").to_str().expect("utf8"),
    ]);
    assert_success(&o);
    let s = read_json(&out.join("stats.json"));
    assert!(s["written"].as_u64().expect("n") > 0, "{s}");
    let skipped = s["skipped"].as_object().expect("skipped");
    for reason in ["code_vendored_dir", "code_binary", "code_minified"] {
        assert!(skipped.contains_key(reason), "{reason} not counted: {s}");
    }
}

#[test]
fn web_chain_applies_quality_rules_with_named_reasons() {
    let out = tempdir();
    let samples = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/samples");
    let o = garbell(&[
        "run",
        "--chain",
        "web",
        "-o",
        out.path().to_str().expect("utf8"),
        samples.to_str().expect("utf8"),
    ]);
    assert_success(&o);
    let s = read_json(&out.path().join("stats.json"));
    let steps: Vec<&str> = s["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|st| st["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        steps,
        [
            "normalize",
            "identify_language",
            "filter_language",
            "filter_gopher_repetition",
            "filter_gopher_quality",
            "filter_c4",
            "filter_fineweb_quality",
            "dedup"
        ]
    );
    let gq = &s["steps"][4]["total"];
    assert!(
        gq["dropped"]["gopher_short_doc"]
            .as_u64()
            .expect("short docs dropped")
            > 0,
        "{gq}"
    );
    // Every step's counts add up, and what the last step kept is what was written.
    for st in s["steps"].as_array().expect("steps") {
        let t = &st["total"];
        let dropped: u64 = t["dropped"]
            .as_object()
            .expect("dropped")
            .values()
            .map(|v| v.as_u64().expect("n"))
            .sum();
        assert_eq!(
            t["seen"].as_u64(),
            Some(
                t["kept"].as_u64().expect("kept") + dropped + t["errors"].as_u64().expect("errors")
            )
        );
    }
    assert_eq!(s["steps"][7]["total"]["kept"], s["written"]);
    assert_eq!(
        s["steps"][7]["total"]["seen"],
        s["steps"][6]["total"]["kept"]
    );
}

#[test]
fn lid_prints_one_line_per_document_with_ids() {
    let dir = tempdir();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        concat!(
            "{\"id\": \"a\", \"text\": \"Aquest és un text en català sobre la història de Barcelona i els seus barris.\"}\n",
            "{\"id\": 7, \"text\": \"Dies ist ein deutscher Text über das Wetter in Berlin und München.\"}\n",
            "{\"text\": \"これは日本語の文章です。東京の天気について書いています。\"}\n",
            "not json\n",
            // escapes in the text, a nested id kept as written, unknown fields skipped
            "{\"meta\": {\"x\": [1, 2]}, \"id\": {\"k\": [1,\"b\"]}, \"text\": \"Dit is een Nederlandse tekst over het weer in \\u0041msterdam.\\nEn nog een zin.\"}\n",
            "{\"id\": \"n\", \"text\": 42}\n",
            "{\"id\": \"t\", \"text\": \"Ceci est un texte en français.\"} trailing\n",
        ),
    )
    .expect("write");
    let o = garbell(&["lid", input.to_str().expect("utf8")]);
    assert_success(&o);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[3]["id"], serde_json::json!({"k": [1, "b"]}));
    assert_eq!(lines[3]["lang"].as_str(), Some("nl"));
    assert_eq!(
        (lines[0]["id"].as_str(), lines[0]["lang"].as_str()),
        (Some("a"), Some("ca"))
    );
    assert_eq!(
        (lines[1]["id"].as_u64(), lines[1]["lang"].as_str()),
        (Some(7), Some("de"))
    );
    assert_eq!(
        (lines[2]["id"].is_null(), lines[2]["lang"].as_str()),
        (true, Some("other"))
    );
    assert!(lines[0]["score"].as_f64().expect("score") > 0.5);
    let err = stderr(&o);
    assert!(err.contains(":4: invalid JSON"), "{err}");
    assert!(err.contains(":6: no string field \"text\""), "{err}");
    assert!(err.contains(":7: invalid JSON"), "{err}");
    assert!(err.contains("3 lines skipped"), "{err}");
}

#[test]
fn config_errors_stop_before_work_and_name_file_line_and_key() {
    let dir = tempdir();
    let chain = dir.path().join("bad.toml");
    std::fs::write(
        &chain,
        "name = \"bad\"\n\n[[steps]]\nstep = \"normalize\"\nnfd = true\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let o = garbell(&[
        "run",
        "--chain",
        chain.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        io_fixtures().join("docs.jsonl").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    // The line is that of the step's table (serde reads a tagged step as a whole).
    assert!(
        e.contains("bad.toml") && e.contains("line 3") && e.contains("unknown field `nfd`"),
        "{e}"
    );
    assert!(!out.exists(), "no output before the configuration is valid");
}

#[test]
fn language_profiles_override_quality_parameters_for_their_language_only() {
    let dir = tempdir();
    let langs = dir.path().join("languages");
    std::fs::create_dir(&langs).expect("mkdir");
    let src = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("languages");
    for e in std::fs::read_dir(&src).expect("languages") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, langs.join(p.file_name().expect("name"))).expect("copy");
        }
    }
    // Catalan documents need 100,000 words to pass Gopher quality; nothing else changes.
    let ca = langs.join("ca.toml");
    let mut text = std::fs::read_to_string(&ca).expect("ca");
    // Without the derived thresholds, whose table would be defined twice.
    if let Some(i) = text.find("# BEGIN derived quality thresholds") {
        text.truncate(i);
    }
    text.push_str("\n[quality.filter_gopher_quality]\nmin_doc_words = 100000\n");
    std::fs::write(&ca, text).expect("write");
    let samples = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/samples");
    let run = |extra: &[&str], out: &std::path::Path| {
        let mut args = vec!["run", "--chain", "web", "-o", out.to_str().expect("utf8")];
        args.extend_from_slice(extra);
        args.push(samples.to_str().expect("utf8"));
        let o = garbell(&args);
        assert_success(&o);
        read_json(&out.join("stats.json"))
    };
    let base = run(&[], &dir.path().join("base"));
    let tuned = run(
        &["--languages", langs.to_str().expect("utf8")],
        &dir.path().join("tuned"),
    );
    let gq = |s: &serde_json::Value, lang: &str| {
        s["steps"][4]["by_lang"][lang]["kept"].as_u64().unwrap_or(0)
    };
    assert!(gq(&base, "ca") > 0, "{base}");
    assert_eq!(gq(&tuned, "ca"), 0, "Catalan now needs 100,000 words");
    for lang in ["es", "fr", "de", "en"] {
        assert_eq!(gq(&tuned, lang), gq(&base, lang), "{lang} is untouched");
    }
    // A bad parameter name fails before any work, naming the file and the table.
    std::fs::write(&ca, "name = \"Catalan\"\n[lid]\nlabels = [\"__label__ca\"]\n[quality.filter_gopher_quality]\nmin_doc_wordz = 3\n")
        .expect("write");
    let o = garbell(&[
        "run",
        "--chain",
        "web",
        "--languages",
        langs.to_str().expect("utf8"),
        "-o",
        dir.path().join("bad").to_str().expect("utf8"),
        samples.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("ca.toml")
            && e.contains("quality.filter_gopher_quality")
            && e.contains("min_doc_wordz"),
        "{e}"
    );
}

/// The README's "Every source on a bundled sample" commands, run as written (with the output
/// directory moved to a temporary one): each succeeds and writes documents.
#[test]
fn readme_source_commands_run() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let section = readme
        .split("Every source on a bundled sample")
        .nth(1)
        .expect("README section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("command block");
    let tmp = tempdir();
    let mut ran = 0;
    for line in block.lines() {
        let cmd = line.split('#').next().unwrap_or("").trim();
        let mut words = cmd.split_whitespace();
        if words.next() != Some("garbell") {
            continue;
        }
        let args: Vec<String> = words
            .map(|w| {
                if let Some(rest) = w.strip_prefix("out/") {
                    tmp.path().join(rest).display().to_string()
                } else if w.contains("/data/") {
                    root.join(w).display().to_string()
                } else {
                    w.to_string()
                }
            })
            .collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = garbell(&refs);
        assert_success(&o);
        let out = args
            .iter()
            .position(|a| a == "-o")
            .map(|i| std::path::PathBuf::from(&args[i + 1]))
            .expect("-o");
        let s = read_json(&out.join("stats.json"));
        assert!(
            s["written"].as_u64() > Some(0),
            "{cmd}: nothing written: {s}"
        );
        ran += 1;
    }
    assert_eq!(ran, 7, "commands found in the README block");
}
