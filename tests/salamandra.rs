//! The Salamandra mix end to end: the multilingual quickstart chain over the samples and the
//! code chain over a tree of real source files (files of this repository: Rust, Python, an
//! extensionless bash script, shell, JavaScript, TOML), balanced together with
//! `filters/mixes/salamandra.toml`. The plan must give es/ca/gl/eu 2×, en 0.5×, every
//! `code-<language>` bucket 0.5× (one bucket per programming language) and all else 1× their
//! natural tokens; the written shards, read back by pyarrow, must hold exactly that: every
//! document of a 2x bucket twice, and in each 0.5x bucket exactly the documents the quota rule
//! selects at 0.5 (recomputed in Python from the ids, the seed and the token estimate, and
//! checked to differ from the selection at 0.6). A The
//! Stack-style Parquet file (`lang` column) goes through the same code chain into the same mix.
mod common;
use common::*;
use std::path::{Path, PathBuf};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Real files of this repository, copied to a tree: (source, destination in the tree).
const CODE_FILES: &[(&str, &str)] = &[
    ("crates/io/src/code/label.rs", "src/label.rs"),
    ("crates/io/src/code/detect.rs", "src/detect.rs"),
    ("build.rs", "build.rs"),
    ("benches/code_lang/build_set.py", "tools/build_set.py"),
    (
        "tests/data/samples/make_samples.py",
        "tools/make_samples.py",
    ),
    (".ci/run", "ci/run"),
    ("benches/pipeline/run.sh", "ci/bench.sh"),
    ("crates/io/tests/data/code_tree/web/app.js", "web/app.js"),
    ("filters/chains/code.toml", "conf/code.toml"),
];

const CHECK: &str = r#"
import json, sys, glob, collections
import pyarrow.parquet as pq
import regex
import xxhash

plan_path, multi, code, stack, out = sys.argv[1:6]
report = json.load(open(plan_path))
plan = report["plan"]
seed = plan["seed"]

# garbell_balance::Estimate with chars_per_token = 4 (the preset's [tokens]): a run of
# alphanumeric characters (Rust's char::is_alphanumeric: Alphabetic or Numeric) counts
# ceil(len / 4), any other character that is not White_Space one.
WORD = regex.compile(r"[\p{Alphabetic}\p{N}]+")
OTHER = regex.compile(r"[^\p{Alphabetic}\p{N}\p{White_Space}]")
def tokens(text):
    return sum(-(-len(w) // 4) for w in WORD.findall(text)) + len(OTHER.findall(text))

# The selection draw of a document: xxh3(id, seed ^ SELECT) >> 11 (crates/balance/src/sample.rs).
SELECT = 0x73656C6563740001
def draw(i):
    return xxhash.xxh3_64_intdigest(i.encode(), seed=seed ^ SELECT) >> 11

def rows(d):
    for f in sorted(glob.glob(d + "/**/*.parquet", recursive=True)):
        t = pq.read_table(f, columns=["id", "text", "lang", "source"])
        yield from zip(*(t.column(c).to_pylist() for c in ["id", "text", "lang", "source"]))

inputs = collections.defaultdict(dict)
for d in (multi, code, stack):
    for i, text, lang, source in rows(d):
        assert i not in inputs[(lang, source)], f"duplicate input id {i}"
        inputs[(lang, source)][i] = (len(text), tokens(text), draw(i))
copies = collections.defaultdict(collections.Counter)
for i, text, lang, source in rows(out):
    assert i in inputs[(lang, source)], f"{i} in the output of {lang}/{source} is no input's"
    copies[(lang, source)][i] += 1

def expected_weight(lang):
    if lang in ("es", "ca", "gl", "eu"):
        return 2.0
    if lang == "en" or lang.startswith("code-"):
        return 0.5
    return 1.0

def quota_selection(docs, w):
    """The documents an undersampled bucket must hold: in ascending draw, taken while the
    running total stays within w x its tokens, then the first one past it when it overshoots
    by less than leaving it out would undershoot (docs/balance.md, "Sample")."""
    target = w * sum(t for _, t, _ in docs.values())
    cum, chosen = 0, set()
    for i, (_, t, _) in sorted(docs.items(), key=lambda kv: kv[1][2]):
        if cum + t <= target:
            cum += t
            chosen.add(i)
            continue
        if cum + t - target < target - cum:
            chosen.add(i)
        break
    return chosen

summary = {}
assert {(b["lang"], b["source"]) for b in plan["buckets"]} == set(inputs), "one bucket per input bucket"
discriminates = False
for b in plan["buckets"]:
    key = (b["lang"], b["source"])
    name = "/".join(key)
    w = expected_weight(b["lang"])
    docs = inputs[key]
    tok_in = sum(t for _, t, _ in docs.values())
    assert len({d for _, _, d in docs.values()}) == len(docs), f"{key}: equal draws"
    # The plan: the preset's weight, that many epochs, that many tokens of the bucket's own.
    assert b["weight"] == w, f"{key}: weight {b['weight']} != {w}"
    assert abs(b["epochs"] - w) < 1e-9, f"{key}: epochs {b['epochs']}"
    assert b["available"]["docs"] == len(docs), key
    assert b["available"]["tokens"] == tok_in, f"{key}: {b['available']['tokens']} tokens != {tok_in} counted here"
    assert abs(b["selected_tokens"] - w * tok_in) < 1e-6 * max(1, tok_in), key
    got = copies[key]
    tok_out = sum(docs[i][1] * c for i, c in got.items())
    if w >= 1.0:
        # Whole epochs: every document exactly `w` times, so exactly w x the tokens.
        want = {i: int(w) for i in docs}
        assert dict(got) == want, f"{key}: copies {dict(got)} != {want}"
        assert tok_out == w * tok_in, key
    else:
        # Undersampled: exactly the documents of the quota rule at w (computed here from the
        # preset's weight, not the plan's), each once.
        want = quota_selection(docs, w)
        assert dict(got) == {i: 1 for i in want}, f"{key}: {sorted(got)} != {sorted(want)}"
        # Within half of the bucket's largest document of w x its tokens.
        assert abs(tok_out - w * tok_in) <= max(t for _, t, _ in docs.values()) / 2, key
        # A weight of 0.6 would select other documents in some bucket: the check can fail.
        discriminates |= quota_selection(docs, 0.6) != want
    achieved = report["achieved"].get(name, {}).get("tokens", 0)
    assert achieved == tok_out, f"{key}: plan.json achieved {achieved} != {tok_out}"
    chars_in = sum(c for c, _, _ in docs.values())
    chars_out = sum(docs[i][0] * c for i, c in got.items())
    summary[name] = {"weight": w, "docs_in": len(docs), "docs_out": sum(got.values()),
                     "tokens_in": tok_in, "tokens_out": tok_out,
                     "max_doc_tokens": max(t for _, t, _ in docs.values()),
                     "chars_in": chars_in, "chars_out": chars_out}
assert discriminates, "no undersampled bucket would change at 0.6x"
print(json.dumps(summary, sort_keys=True))
"#;

#[test]
fn salamandra_mix_of_multilingual_and_code_runs() {
    let tmp = tempdir();
    let multi = tmp.path().join("multi");
    let code_out = tmp.path().join("code-out");
    let tree = tmp.path().join("tree");
    for (from, to) in CODE_FILES {
        let dest = tree.join(to);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(repo(from), &dest).unwrap_or_else(|e| panic!("{from}: {e}"));
    }
    let s = |p: &Path| p.to_str().expect("utf8").to_string();
    let samples = repo("tests/data/samples");
    let o = garbell(&[
        "run",
        "--chain",
        "quickstart",
        "-o",
        &s(&multi),
        &s(&samples),
    ]);
    assert_success(&o);
    let o = garbell(&["run", "--chain", "code", "-o", &s(&code_out), &s(&tree)]);
    assert_success(&o);
    // The code run labels every document `code-<language>`, one value per language.
    let stats = read_json(&code_out.join("stats.json"));
    let code_langs: Vec<String> = stats["written_by_lang"]
        .as_object()
        .expect("by lang")
        .keys()
        .cloned()
        .collect();
    for l in ["code-rust", "code-python", "code-shell"] {
        assert!(code_langs.iter().any(|c| c == l), "{l}: {code_langs:?}");
    }
    assert!(
        code_langs.iter().all(|l| l.starts_with("code-")),
        "{code_langs:?}"
    );

    // The Stack-style Parquet through the same chain: `lang` column -> code-<language>.
    let chain = std::fs::read_to_string(repo("filters/chains/code.toml")).expect("code chain");
    let chain = chain.replace(
        "[source]\nformat = \"code_tree\"",
        "[source]\nformat = \"parquet\"\ntext_field = \"content\"\nid_field = \"hexsha\"\nurl_field = \"\"",
    );
    assert!(
        chain.contains("\"parquet\""),
        "the code chain's [source] was replaced"
    );
    let stack_chain = tmp.path().join("stack.toml");
    std::fs::write(&stack_chain, chain).expect("write chain");
    let stack_out = tmp.path().join("stack-out");
    let stack = repo("crates/io/tests/data/stack.parquet");
    let o = garbell(&[
        "run",
        "--chain",
        &s(&stack_chain),
        "-o",
        &s(&stack_out),
        &s(&stack),
    ]);
    assert_success(&o);
    let stack_stats = read_json(&stack_out.join("stats.json"));
    let stack_langs: Vec<String> = stack_stats["written_by_lang"]
        .as_object()
        .expect("by lang")
        .keys()
        .cloned()
        .collect();
    assert!(
        stack_langs.iter().any(|l| l == "code-rust")
            && stack_langs.iter().any(|l| l == "code-python"),
        "{stack_langs:?}"
    );

    let bal = tmp.path().join("balanced");
    let mix = repo("filters/mixes/salamandra.toml");
    let (multi_shards, code_shards, stack_shards) = (
        multi.join("dedup/shards"),
        code_out.join("dedup/shards"),
        stack_out.join("dedup/shards"),
    );
    let o = garbell(&[
        "balance",
        "--mix",
        &s(&mix),
        "-o",
        &s(&bal),
        &s(&multi_shards),
        &s(&code_shards),
        &s(&stack_shards),
    ]);
    assert_success(&o);
    let table = String::from_utf8_lossy(&o.stdout);
    for l in [
        "es",
        "ca",
        "gl",
        "eu",
        "en",
        "code-rust",
        "code-python",
        "code-shell",
    ] {
        assert!(table.contains(l), "the plan table shows {l}:\n{table}");
    }
    let plan = read_json(&bal.join("plan.json"));
    let buckets = plan["plan"]["buckets"].as_array().expect("buckets");
    let mut code_buckets: Vec<(String, String)> = buckets
        .iter()
        .filter(|b| b["lang"].as_str().is_some_and(|l| l.starts_with("code-")))
        .map(|b| (b["lang"].to_string(), b["source"].to_string()))
        .collect();
    code_buckets.sort();
    // One bucket per programming language and source: exactly the languages the runs wrote.
    let mut want: Vec<(String, String)> = code_langs
        .iter()
        .map(|l| (format!("{l:?}"), "\"code\"".to_string()))
        .chain(
            stack_langs
                .iter()
                .map(|l| (format!("{l:?}"), "\"parquet\"".to_string())),
        )
        .collect();
    want.sort();
    assert_eq!(code_buckets, want);
    for l in ["es", "ca", "gl", "eu", "en", "fr", "de"] {
        assert!(
            buckets.iter().any(|b| b["lang"] == l),
            "{l} has a bucket: {table}"
        );
    }
    let Some(summary) = python(
        CHECK,
        &[
            &bal.join("plan.json"),
            &multi_shards,
            &code_shards,
            &stack_shards,
            &bal.join("shards"),
        ],
        &["pyarrow", "regex", "xxhash"],
    ) else {
        return;
    };
    let summary: serde_json::Value = serde_json::from_str(summary.trim()).expect("summary");
    eprintln!("{summary:#}");
    // Together, the 0.5x buckets hold half their tokens, within half of each one's largest
    // document; the 2x buckets exactly twice theirs.
    let buckets = summary.as_object().expect("object");
    let total = |w: f64, k: &str| -> u64 {
        buckets
            .values()
            .filter(|b| b["weight"] == w)
            .map(|b| b[k].as_u64().expect("n"))
            .sum()
    };
    let (hin, hout) = (total(0.5, "tokens_in"), total(0.5, "tokens_out"));
    let slack = total(0.5, "max_doc_tokens") as f64 / 2.0;
    assert!(
        hout > 0 && (hout as f64 - 0.5 * hin as f64).abs() <= slack,
        "0.5x buckets: {hout} of {hin} tokens (slack {slack})"
    );
    assert_eq!(total(2.0, "tokens_out"), 2 * total(2.0, "tokens_in"));
}
