//! The per-language quality thresholds of `languages/<iso>.toml` (derived by
//! `languages/quality/derive_thresholds.py`) reach the steps through the registry: the same
//! text is judged by its language's thresholds. Texts written for these tests (CC0).

use garbell_config::{ChainConfig, Languages};
use garbell_core::{Document, Origin};
use garbell_pipeline::registry::{build_chain, Context};

fn chain(steps: &str) -> garbell_pipeline::Chain {
    let c = ChainConfig::parse("t.toml", &format!("name = \"t\"\n{steps}")).expect("chain");
    let mut ctx = Context::new(Languages::embedded().expect("languages"));
    build_chain(&c, &mut ctx).expect("builds")
}

/// The drop reason of `text` as `lang`, or `None` when kept; and the kept document.
fn judge(
    chain: &garbell_pipeline::Chain,
    lang: &str,
    text: &str,
) -> (Option<String>, Option<Document>) {
    let mut doc = Document::new("d", text, "t", Origin::new("t", 0, 0));
    doc.lang = lang.into();
    let mut stats = chain.new_stats();
    let out = chain.run(doc, &mut stats);
    let reason = stats
        .steps
        .iter()
        .flat_map(|s| s.total.dropped.keys().cloned())
        .next();
    (reason, out)
}

/// 44 Finnish words: a council meeting about the library's renovation.
const FI: &str = "Kaupunginvaltuusto käsitteli eilen pääkirjaston peruskorjaussuunnitelmaa ja hyväksyi sen yksimielisesti. \
Rakennustyöt alkavat ensi keväänä, ja kirjasto toimii väliaikaisesti koulun liikuntasalissa. \
Kirjastonjohtajan mukaan asiakkaat voivat edelleen lainata kirjoja, tilata aineistoa verkkopalvelusta \
ja osallistua lukupiireihin. Korjauksen jälkeen rakennuksessa on esteettömät sisäänkäynnit \
ja laajempi lastenosasto, jota perheet ovat toivoneet.";

#[test]
fn finnish_needs_fewer_words_than_english_defaults() {
    let c = chain("[[steps]]\nstep = \"filter_gopher_quality\"\n");
    let words = FI.split_whitespace().count();
    assert!((38..50).contains(&words), "{words}");
    // fi: min_doc_words 38, word length 4.6..15.2 (its table in languages/fi.toml).
    let (reason, _) = judge(&c, "fi", FI);
    assert_eq!(reason, None);
    // mt keeps the English defaults (no reference text): 50 words needed.
    let (reason, _) = judge(&c, "mt", FI);
    assert_eq!(reason.as_deref(), Some("gopher_short_doc"));
}

#[test]
fn oscar_short_lines_mean_the_same_length_in_greek() {
    let c = chain("[[steps]]\nstep = \"annotate_oscar\"\n");
    // 60-character lines: about 110 UTF-8 bytes in Greek, 60 in English.
    let el_line = "Η δημοτική βιβλιοθήκη θα μείνει κλειστή για επισκευές ως τον Μάιο.";
    let en_line = "The town library will stay closed for repairs until next May.";
    let warnings = |lang: &str, line: &str| {
        let text = [line; 8].join("\n");
        let (reason, doc) = judge(&c, lang, &text);
        assert_eq!(reason, None, "annotate only");
        doc.expect("kept")
            .meta
            .get("quality_warnings")
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    // el: short_line_bytes 173, so the Greek line is short like the English one is in English.
    assert!(warnings("el", el_line).contains("short_sentences"));
    assert!(warnings("en", en_line).contains("short_sentences"));
    // With the English 100-byte limit the Greek line would count as long.
    assert!(!warnings("mt", el_line).contains("short_sentences"));
}

#[test]
fn thin_stopword_lists_relax_the_stopword_rule() {
    let c = chain("[[steps]]\nstep = \"filter_gopher_quality\"\n");
    // Estonian and Lithuanian: min_stop_words = 0 (their lists cover too few running words);
    // a stopword-free text of content words passes there and fails in Finnish (which keeps 2).
    let text = ["Raamatukogu remont algab kevadel pärast valla eelarve kinnitamist."; 6].join(" ");
    let text = text.as_str();
    assert_eq!(judge(&c, "et", text).0, None);
    assert_eq!(
        judge(&c, "fi", text).0.as_deref(),
        Some("gopher_enough_stop_words")
    );
}
