//! Error of the token estimate against a real `tokenizer.json`, per language.
//!
//! ```sh
//! cargo run --release -p garbell-balance --example estimate_error -- \
//!     TOKENIZER.json DOCS.jsonl [CHARS_PER_TOKEN ...]
//! ```
//! `DOCS.jsonl` has one object per line with `text` and `lang`. For each chars-per-token value
//! it prints, per language and overall, the ratio estimate / exact of the summed counts, the
//! mean and the 5th/95th percentiles of the per-document relative error, and how much faster
//! the estimate is. Used for the table in `docs/balance.md`.

use garbell_balance::{Estimate, TokenCounter, TokensConfig};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err("usage: estimate_error TOKENIZER.json DOCS.jsonl [CHARS_PER_TOKEN ...]".into());
    }
    let exact = TokensConfig {
        tokenizer: Some(args[0].clone().into()),
        ..TokensConfig::default()
    }
    .build()?;
    let mut docs: Vec<(String, String)> = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(&args[1])?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        if let (Some(t), Some(l)) = (v["text"].as_str(), v["lang"].as_str()) {
            docs.push((l.to_string(), t.to_string()));
        }
    }
    let t0 = Instant::now();
    let truth: Vec<u64> = docs.iter().map(|(_, t)| exact.count(t)).collect();
    let exact_s = t0.elapsed().as_secs_f64();
    let cpts: Vec<f64> = if args.len() > 2 {
        args[2..]
            .iter()
            .map(|a| a.parse())
            .collect::<Result<_, _>>()?
    } else {
        vec![3.0, 3.5, 4.0]
    };
    println!(
        "{} docs, {} exact tokens ({}), exact {:.0} docs/s",
        docs.len(),
        truth.iter().sum::<u64>(),
        exact.describe(),
        docs.len() as f64 / exact_s
    );
    for cpt in cpts {
        let est = Estimate::new(cpt);
        let t0 = Instant::now();
        let guess: Vec<u64> = docs.iter().map(|(_, t)| est.count(t)).collect();
        let est_s = t0.elapsed().as_secs_f64();
        // lang -> (sum of estimates, sum of exact counts, per-document relative errors)
        let mut by: BTreeMap<&str, (u64, u64, Vec<f64>)> = BTreeMap::new();
        for (((lang, _), g), t) in docs.iter().zip(&guess).zip(&truth) {
            if *t == 0 {
                continue;
            }
            for key in [lang.as_str(), "ALL"] {
                let e = by.entry(key).or_default();
                e.0 += g;
                e.1 += t;
                e.2.push(*g as f64 / *t as f64 - 1.0);
            }
        }
        println!(
            "\nchars_per_token = {cpt}: estimate {:.0}x faster",
            exact_s / est_s.max(1e-9)
        );
        println!("lang   docs  sum-ratio  mean-err   p5-err  p95-err");
        for (lang, (g, t, mut errs)) in by {
            errs.sort_by(f64::total_cmp);
            let p = |q: f64| errs[((errs.len() - 1) as f64 * q) as usize];
            println!(
                "{lang:5} {:5}  {:8.3}  {:+7.1}%  {:+6.1}%  {:+6.1}%",
                errs.len(),
                g as f64 / t as f64,
                100.0 * errs.iter().sum::<f64>() / errs.len() as f64,
                100.0 * p(0.05),
                100.0 * p(0.95)
            );
        }
    }
    Ok(())
}
