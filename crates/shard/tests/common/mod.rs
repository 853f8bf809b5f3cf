//! Shared fixtures of the shard tests.
#![allow(dead_code)] // each test binary uses a different part

#[path = "../../../../tests/common/ci.rs"]
mod ci;

use garbell_core::{Document, Origin};
use serde_json::json;
use std::process::Command;
use std::sync::Arc;

/// A non-ASCII text that must survive every reader unchanged.
pub const NON_ASCII: &str = "L'àvia va dir: «Bon dia!» — Ĳssel, ñandú, 東京, Ελλάδα, 🙂.";

/// `n` varied documents, deterministic: languages, scores, urls, metadata and signals vary;
/// document 2 has the non-ASCII text; every third has no url, every fourth no metadata, every
/// fifth no signals.
pub fn documents(n: usize) -> Vec<Document> {
    let inputs: [Arc<str>; 2] = [Arc::from("in/a.jsonl.gz"), Arc::from("in/b.warc.gz")];
    let langs = ["ca", "es", "oc", "other", "und"];
    (0..n)
        .map(|i| {
            let text = if i == 2 {
                NON_ASCII.to_string()
            } else {
                format!(
                    "Document {i}. {}",
                    "Paraules i més paraules. ".repeat(1 + i % 7)
                )
            };
            let mut doc = Document::new(
                format!("doc-{i:05}"),
                text,
                if i % 2 == 0 { "jsonl" } else { "warc" },
                Origin::new(inputs[i % 2].clone(), i as u64, i as u64 * 1_000 + 7),
            );
            doc.lang = langs[i % langs.len()].to_string();
            doc.lang_score = (i % 100) as f32 / 100.0 + 0.001;
            if i % 3 != 0 {
                doc.url = Some(format!("https://example.cat/{i}?q=ç"));
            }
            if i % 4 != 0 {
                doc.meta
                    .insert("warc_date".into(), json!("2024-05-01T00:00:00Z"));
                doc.meta.insert(
                    "nested".into(),
                    json!({"a": [1, 2.5, null, "x"], "b": true}),
                );
                doc.meta.insert("n".into(), json!(i));
            }
            if i % 5 != 0 {
                doc.signals.insert("word_count".into(), (10 + i) as f64);
                doc.signals
                    .insert("alpha_ratio".into(), 0.5 + (i % 10) as f64 / 30.0);
            }
            doc
        })
        .collect()
}

/// Whether `python3` can import `modules`. When it cannot: with `CI` set, panics with a clear
/// message (CI must have the real readers); otherwise prints a skip notice and returns false.
pub fn python_with(modules: &[&str], test: &str) -> bool {
    let script = format!("import {}", modules.join(", "));
    let result = Command::new("python3").args(["-c", &script]).output();
    let problem = match result {
        Ok(out) if out.status.success() => return true,
        Ok(out) => format!(
            "python3 cannot import {}: {}",
            modules.join(", "),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => format!("python3 cannot be run: {e}"),
    };
    ci::skip_unless_ci(
        test,
        &format!("{problem} (pip install {})", modules.join(" ")),
    );
    false
}

/// Runs a Python script with arguments; panics with its output when it fails.
pub fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs (checked by python_with)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python script failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
