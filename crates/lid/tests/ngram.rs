//! Character n-gram profiles: exact likelihoods on a hand-made profile, the rerank's rules, and
//! short texts (written for these tests) that lid.176 alone gets wrong.

use garbell_lid::{Disambiguator, Model, NgramProfiles, RerankParams};

/// Two made-up profiles: `xa` saw "a" 3 times of 10 n-grams, `xb` saw " a" twice of 20.
const TINY: &str = "xa\t#total\t10\nxa\ta\t3\nxb\t#total\t20\nxb\t_a\t2\n";

#[test]
fn likelihood_is_the_smoothed_naive_bayes_sum() {
    let p = NgramProfiles::from_tsv(TINY).expect("tiny profiles");
    assert_eq!(p.languages(), ["xa", "xb"]);
    let mut ll = Vec::new();
    // " a " has the n-grams a, " a", "a ", " a " (a lone space does not count).
    assert_eq!(p.log_likelihoods("a", 500, &mut ll), 4);
    let (alpha, vocab) = (0.1f64, 20_000f64);
    let den = |total: f64| (total + alpha * vocab).ln();
    let xa = ((3.0 + alpha).ln() - den(10.0)) + 3.0 * (alpha.ln() - den(10.0));
    let xb = ((2.0 + alpha).ln() - den(20.0)) + 3.0 * (alpha.ln() - den(20.0));
    assert!((f64::from(ll[0]) - xa).abs() < 1e-4, "{} vs {xa}", ll[0]);
    assert!((f64::from(ll[1]) - xb).abs() < 1e-4, "{} vs {xb}", ll[1]);
}

/// An n-gram many profiles saw is stored as a dense row (12 profiles or more), others as sparse
/// runs: both must give the naive-Bayes sum, and the same floats as each other.
#[test]
fn dense_and_sparse_rows_give_the_same_sums() {
    // 20 profiles: all saw "a" (dense); only the first three saw "b" (sparse).
    let mut tsv = String::new();
    for i in 0..20 {
        tsv.push_str(&format!(
            "p{i:02}\t#total\t{}\np{i:02}\ta\t{}\n",
            100 + i,
            i + 1
        ));
        if i < 3 {
            tsv.push_str(&format!("p{i:02}\tb\t{}\n", 2 * i + 1));
        }
    }
    let p = NgramProfiles::from_tsv(&tsv).expect("profiles");
    let mut ll = Vec::new();
    // "a b": " a " and " b ", 4 n-grams each.
    assert_eq!(p.log_likelihoods("a b", 500, &mut ll), 8);
    let (alpha, vocab) = (0.1f64, 20_000f64);
    assert_eq!(ll.len(), 20);
    for (i, got) in ll.iter().enumerate() {
        let den = (100.0 + i as f64 + alpha * vocab).ln();
        let unseen = alpha.ln() - den;
        let a = (i as f64 + 1.0 + alpha).ln() - den;
        let b = if i < 3 {
            (2.0 * i as f64 + 1.0 + alpha).ln() - den
        } else {
            unseen
        };
        let want = a + b + 6.0 * unseen;
        assert!(
            (f64::from(*got) - want).abs() < 1e-4,
            "p{i}: {got} vs {want}"
        );
    }
}

#[test]
fn ngrams_are_counted_per_padded_word_case_folded() {
    let p = NgramProfiles::from_tsv(TINY).expect("tiny profiles");
    let mut ll = Vec::new();
    // " ab ": a b | " a" ab "b " | " ab" "ab " | " ab " = 8; " c ": 4.
    assert_eq!(p.log_likelihoods("ab, c!", 500, &mut ll), 12);
    let mut upper = Vec::new();
    assert_eq!(p.log_likelihoods("AB -- C", 500, &mut upper), 12);
    assert_eq!(ll, upper);
    assert_eq!(p.log_likelihoods("12 + 34 = 46", 500, &mut ll), 0);
}

#[test]
fn bad_profile_lines_are_errors() {
    for bad in [
        "xa\ta\n",
        "xa\ta\tthree\nxa\t#total\t3\n",
        "xa\tabcde\t2\nxa\t#total\t3\n",
        "xa\ta\t2\n",
        "",
    ] {
        assert!(NgramProfiles::from_tsv(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn confident_answers_and_texts_without_letters_are_not_reranked() {
    let p = NgramProfiles::embedded().expect("embedded profiles");
    let params = RerankParams::default();
    assert!(p
        .rerank("Garda o ficheiro", &[("pt", 0.95), ("gl", 0.03)], params)
        .is_none());
    assert!(p.rerank("1234 !!", &[("pt", 0.4)], params).is_none());
    let r = p
        .rerank("Garda o ficheiro antes de pechar", &[("pt", 0.6)], params)
        .expect("uncertain answer reranked");
    let total: f32 = r.iter().map(|(_, p)| p).sum();
    assert!(total <= 1.0 + 1e-4, "probabilities sum to {total}");
    assert!(r.windows(2).all(|w| w[0].1 >= w[1].1), "best first: {r:?}");
}

#[test]
fn longer_texts_use_the_lower_gate_and_the_window_bounds_the_ngrams() {
    let p = NgramProfiles::embedded().expect("embedded profiles");
    let params = RerankParams::default();
    let short = "Garda o ficheiro antes de pechar";
    let long = short.repeat(8); // 256 bytes: over `long_text_bytes`, under `max_text_bytes`
    assert!(long.len() > params.long_text_bytes && long.len() <= params.max_text_bytes);
    // Between the two gates: the short text is reranked, the longer one is not.
    let between = [("pt", (params.long_gate + params.gate) / 2.0)];
    assert!(p.rerank(short, &between, params).is_some());
    assert!(p.rerank(&long, &between, params).is_none());
    // Under both gates both are.
    let low = [("pt", params.long_gate - 0.1)];
    assert!(p.rerank(&long, &low, params).is_some());
    // The likelihoods read only the first `max_chars` characters.
    let mut a = Vec::new();
    let mut b = Vec::new();
    let n = p.log_likelihoods(&long, params.max_chars, &mut a);
    let m = p.log_likelihoods(
        &long.chars().take(params.max_chars).collect::<String>(),
        usize::MAX,
        &mut b,
    );
    assert_eq!((n, &a), (m, &b));
    assert!(n < p.log_likelihoods(&long, usize::MAX, &mut b));
}

#[test]
fn a_code_without_profile_keeps_its_own_probability() {
    let p = NgramProfiles::from_tsv(TINY).expect("tiny profiles");
    let params = RerankParams::default();
    let r = p
        .rerank("zzz", &[("ja", 0.7), ("xa", 0.1)], params)
        .expect("reranked");
    // Neither profile has seen "zzz": the likelihoods barely differ and lid.176's `ja` stays first.
    assert_eq!(r[0].0, "ja", "{r:?}");
}

/// lid.176's top-5 mapped as `garbell lid` maps them (the 35 codes, anything else `other`).
fn top5(model: &Model, stage: &Disambiguator, text: &str) -> Vec<(&'static str, f32)> {
    const LANGS: &[&str] = &[
        "bg", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "eu", "fi", "fr", "ga", "gl",
        "hr", "hu", "it", "lt", "lv", "mt", "nl", "nn", "no", "oc", "pl", "pt", "ro", "ru", "sh",
        "sk", "sl", "sr", "sv", "uk",
    ];
    model
        .predict(text, 5, 0.0)
        .into_iter()
        .map(|p| {
            let label = model.label(p.label);
            let code = label.strip_prefix("__label__").unwrap_or(label);
            let lang = LANGS
                .iter()
                .find(|c| **c == code)
                .copied()
                .or_else(|| (stage.member_of_label(label) == Some("bs")).then_some("bs"))
                .unwrap_or("other");
            (lang, p.prob)
        })
        .collect()
}

#[test]
fn short_texts_lid176_gets_wrong_are_recovered() {
    let model = Model::embedded_lid176().expect("model");
    let with = Disambiguator::embedded().expect("data");
    let without = Disambiguator::embedded().expect("data").without_ngrams();
    for (text, lid176, want) in [
        // Estonian "save the file before closing": lid.176 says Dutch.
        ("Salvesta fail enne sulgemist", "nl", "et"),
        // Galician "save the file before closing": lid.176 says Portuguese.
        ("Garda o ficheiro antes de pechar", "pt", "gl"),
        // Luxembourgish (not one of ours): lid.176 says French; the profiles say `other`.
        (
            "Späichert de Fichier ier Dir de Programm zoumaacht",
            "fr",
            "other",
        ),
    ] {
        let preds = top5(&model, &with, text);
        assert_eq!(preds[0].0, lid176, "{text}: lid.176 {preds:?}");
        assert_eq!(without.refine(text, &preds).lang, lid176, "{text}");
        assert_eq!(with.refine(text, &preds).lang, want, "{text}");
    }
}

#[test]
fn embedded_preparsed_profiles_equal_the_tsv_parsed_at_run_time() {
    let built = NgramProfiles::embedded().expect("embedded");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(garbell_lid::ngram::PROFILES_TSV_PATH);
    let tsv = std::fs::read_to_string(&path).expect("the profiles' TSV");
    let parsed = NgramProfiles::from_tsv(&tsv).expect("tsv");
    assert_eq!(built.languages(), parsed.languages());
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for text in [
        "Eg veit ikkje kva du meiner.",
        "Добар дан, како сте?",
        "Yr wyf i'n hoffi coffi.",
        "Ħafna nies jitkellmu bil-Malti.",
    ] {
        let n = built.log_likelihoods(text, 300, &mut a);
        assert_eq!(n, parsed.log_likelihoods(text, 300, &mut b));
        assert_eq!(a, b, "{text}");
    }
}
