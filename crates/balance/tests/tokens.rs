//! Exact token counts with a real Hugging Face `tokenizer.json`, checked against the Python
//! `tokenizers` package (the reference implementation) on the same texts.

#[path = "../../../tests/common/ci.rs"]
mod ci;

use garbell_balance::{TokenCounter, TokensConfig};
use std::path::PathBuf;
use std::process::Command;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/bpe-1k.tokenizer.json")
}

/// Texts in several scripts, with whitespace runs, emoji and text the 1k vocabulary never saw.
const TEXTS: &[&str] = &[
    "",
    "Bon dia, món! L'ajuntament de Barcelona obre la convocatòria.",
    "El sistema educativo público garantiza la igualdad de oportunidades.",
    "Ο Αριστοτέλης γεννήθηκε στα Στάγειρα το 384 π.Χ.",
    "Київ — столиця України, розташована на річці Дніпро.",
    "Zażółć gęślą jaźń; Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "  leading and   internal   spaces\n\nand\ttabs  ",
    "emoji 🙂🎉 and CJK 日本語 mixed in",
    "Ħafna nies jgħixu f'Malta; Dia dhuit, conas atá tú?",
];

fn counter(special: bool) -> Box<dyn TokenCounter> {
    TokensConfig {
        tokenizer: Some(fixture()),
        special_tokens: special,
        ..TokensConfig::default()
    }
    .build()
    .expect("tokenizer.json loads")
}

/// Counts from the Python package, or None when it is missing outside CI.
fn python_counts(special: bool) -> Option<Vec<u64>> {
    let script = r#"
import json, sys
from tokenizers import Tokenizer
t = Tokenizer.from_file(sys.argv[1])
texts = json.loads(sys.stdin.read())
print(json.dumps([len(t.encode(x, add_special_tokens=sys.argv[2] == "1").ids) for x in texts]))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(fixture())
        .arg(if special { "1" } else { "0" })
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(serde_json::to_string(TEXTS).expect("json").as_bytes())
            .expect("write");
    }
    let out = child.wait_with_output().expect("python3 finishes");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("ModuleNotFoundError") {
            ci::skip_unless_ci(
                "counts_equal_the_python_tokenizers_package",
                "the Python tokenizers package (pip install -r tests/requirements.txt)",
            );
            return None;
        }
        panic!("python tokenizers failed: {err}");
    }
    Some(serde_json::from_slice(&out.stdout).expect("counts"))
}

#[test]
fn counts_equal_the_python_tokenizers_package() {
    let without = counter(false);
    let plain: Vec<u64> = TEXTS.iter().map(|t| without.count(t)).collect();
    for special in [false, true] {
        let c = counter(special);
        let ours: Vec<u64> = TEXTS.iter().map(|t| c.count(t)).collect();
        // The fixture's post-processor adds one BOS token per document.
        if special {
            assert!(
                ours.iter().zip(&plain).all(|(a, b)| *a == b + 1),
                "{ours:?}"
            );
        }
        // Byte-level BPE: never fewer tokens than words, never more than bytes.
        for (t, n) in TEXTS.iter().zip(&plain) {
            assert!(*n <= t.len() as u64, "{t:?} {n}");
            assert!(*n >= t.split_whitespace().count() as u64, "{t:?} {n}");
        }
        if let Some(reference) = python_counts(special) {
            assert_eq!(ours, reference, "special_tokens = {special}");
        }
    }
}

#[test]
fn describe_names_the_file_hash() {
    let bytes = std::fs::read(fixture()).expect("fixture");
    let d = counter(false).describe();
    assert_eq!(
        d,
        format!("tokenizer.json:{}", blake3::hash(&bytes).to_hex())
    );
    assert!(counter(true).describe().ends_with("+special"));
}

#[test]
fn bad_tokenizer_files_are_clear_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let bad = tmp.path().join("tokenizer.json");
    std::fs::write(&bad, "{\"model\": 3}").expect("write");
    for path in [bad, tmp.path().join("missing.json")] {
        let err = TokensConfig {
            tokenizer: Some(path.clone()),
            ..TokensConfig::default()
        }
        .build()
        .err()
        .expect("refused");
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
    }
}
