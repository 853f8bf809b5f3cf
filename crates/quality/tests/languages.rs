//! Per-language cases: every filter keeps a short natural text and drops a damaged copy of it,
//! in ten languages (including mt, ga, el, bg and eu).

use garbell_core::{Document, Origin, Step, Verdict};
use garbell_quality::{
    C4Config, FilterParams, FineWebQualityConfig, GopherQualityConfig, GopherRepetitionConfig,
    OscarConfig, OscarWarning,
};

/// Two sentences per language, on two lines: a town opens a library. Written for these tests by
/// the garbell authors (CC0), checked against each language's spelling rules.
const TEXTS: &[(&str, &str)] = &[
    ("ca", "La ciutat ha obert una nova biblioteca al barri antic de la vila.\nEls veïns hi poden anar cada dia amb els seus fills i amb els avis."),
    ("es", "El ayuntamiento ha abierto una nueva biblioteca en el barrio viejo.\nLos vecinos pueden ir cada día con sus hijos y con los abuelos."),
    ("en", "The town has opened a new library in the old quarter of the city.\nNeighbours can go there every day with their children and with the elderly."),
    ("fr", "La mairie a ouvert une nouvelle bibliothèque dans le vieux quartier.\nLes habitants peuvent y aller chaque jour avec leurs enfants et leurs parents."),
    ("de", "Die Stadt hat im alten Viertel eine neue Bibliothek eröffnet.\nDie Nachbarn können jeden Tag mit ihren Kindern und mit den Großeltern dorthin gehen."),
    ("el", "Ο δήμος άνοιξε μια νέα βιβλιοθήκη στην παλιά γειτονιά της πόλης.\nΟι κάτοικοι μπορούν να πηγαίνουν εκεί κάθε μέρα με τα παιδιά τους."),
    ("bg", "Общината откри нова библиотека в стария квартал на града.\nЖителите могат да ходят там всеки ден с децата си и с възрастните."),
    ("ga", "D'oscail an chomhairle leabharlann nua sa sean-cheantar den bhaile.\nIs féidir leis na daoine dul ann gach lá lena bpáistí agus lena dtuismitheoirí."),
    ("mt", "Il-kunsill fetaħ librerija ġdida fil-belt il-qadima tar-raħal.\nIn-nies jistgħu jmorru hemm kuljum mat-tfal tagħhom u man-nanniet."),
    ("eu", "Udalak liburutegi berri bat ireki du herriko auzo zaharrean.\nBizilagunak egunero joan daitezke hara beren seme-alabekin eta aiton-amonekin."),
];

/// The stopword lists of the repository's `languages/` directory.
fn repo_lexicon() -> garbell_quality::Lexicon {
    garbell_quality::Lexicon::from_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../languages"),
    )
    .expect("languages/stopwords")
}

fn run(step: &dyn Step, lang: &str, text: &str) -> (Verdict, Document) {
    let mut doc = Document::new("d", text, "test", Origin::new("t", 0, 0));
    doc.lang = lang.to_string();
    let v = step.apply(&mut doc).expect("no record error");
    (v, doc)
}

#[test]
fn gopher_quality_per_language() {
    let lexicon = repo_lexicon();
    let step = GopherQualityConfig {
        min_doc_words: Some(10),
        ..Default::default()
    }
    .build_with(&lexicon)
    .expect("ok");
    for (lang, text) in TEXTS {
        let (v, doc) = run(&step, lang, text);
        assert_eq!(v, Verdict::Keep, "{lang}: {:?}", doc.signals);
        if *lang == "mt" {
            assert!(
                !doc.signals.contains_key("gopher_stop_words"),
                "mt has no stopword list"
            );
        } else {
            assert!(
                doc.signals["gopher_stop_words"] >= 2.0,
                "{lang}: {:?}",
                doc.signals
            );
        }
        let bullets: String = text.lines().map(|l| format!("- {l}\n")).collect();
        assert_eq!(
            run(&step, lang, &bullets).0,
            Verdict::drop("gopher_too_many_bullets"),
            "{lang}"
        );
        let short = text
            .split_whitespace()
            .take(5)
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            run(&step, lang, &short).0,
            Verdict::drop("gopher_short_doc"),
            "{lang}"
        );
        if let Some(list) = lexicon.stopwords(lang) {
            let content: String = text
                .split_whitespace()
                .filter(|w| {
                    !list.contains(
                        w.to_lowercase()
                            .trim_matches(|c: char| !c.is_alphanumeric()),
                    )
                })
                .flat_map(|w| [w, " ", w, " "])
                .collect();
            let (v, d) = run(&step, lang, &content);
            assert_eq!(
                v,
                Verdict::drop("gopher_enough_stop_words"),
                "{lang}: {:?} {content}",
                d.signals
            );
        }
    }
}

#[test]
fn gopher_repetition_per_language() {
    let step = GopherRepetitionConfig::default().build().expect("ok");
    for (lang, text) in TEXTS {
        // Gopher's top n-gram rule counts a once-seen n-gram too: a two-line text fails it, so the
        // kept case adds the words in reverse order (new n-grams, same vocabulary).
        let reversed: Vec<&str> = text.split_whitespace().rev().collect();
        let longer = format!("{text}\n{}", reversed.join(" "));
        assert_eq!(run(&step, lang, &longer).0, Verdict::Keep, "{lang}");
        let repeated = format!("{text}\n{text}\n{text}");
        assert_eq!(
            run(&step, lang, &repeated).0,
            Verdict::drop("dup_line_frac"),
            "{lang}"
        );
        let paras = format!("{text}\n\n{text}\n\n{text}");
        assert_eq!(
            run(&step, lang, &paras).0,
            Verdict::drop("dup_para_frac"),
            "{lang}"
        );
    }
}

#[test]
fn c4_per_language() {
    let step = C4Config {
        min_num_sentences: Some(2),
        ..Default::default()
    }
    .build()
    .expect("ok");
    for (lang, text) in TEXTS {
        let (v, doc) = run(&step, lang, &format!("Menu\n{text}\nCookies"));
        assert_eq!(v, Verdict::Keep, "{lang}");
        assert_eq!(doc.text, *text, "{lang}: lines without punctuation removed");
        assert_eq!(doc.signals["c4_sentences"], 2.0, "{lang}");
        let lorem = format!("{text}\nLorem ipsum dolor sit amet.");
        assert_eq!(
            run(&step, lang, &lorem).0,
            Verdict::drop("c4_lorem_ipsum"),
            "{lang}"
        );
        let code = format!("{text}\nif (x) {{ y(); }} else z.");
        assert_eq!(
            run(&step, lang, &code).0,
            Verdict::drop("c4_curly_bracket"),
            "{lang}"
        );
        let unpunct: String = text
            .lines()
            .map(|l| format!("{}\n", l.trim_end_matches('.')))
            .collect();
        assert_eq!(
            run(&step, lang, &unpunct).0,
            Verdict::drop("c4_too_few_sentences"),
            "{lang}"
        );
    }
}

#[test]
fn fineweb_per_language() {
    let step = FineWebQualityConfig::default().build().expect("ok");
    for (lang, text) in TEXTS {
        assert_eq!(run(&step, lang, text).0, Verdict::Keep, "{lang}");
        let words: Vec<&str> = text.split_whitespace().collect();
        let short: String = words
            .chunks(2)
            .map(|c| format!("{}.\n", c.join(" ")))
            .collect();
        assert_eq!(
            run(&step, lang, &short).0,
            Verdict::drop("short_line_ratio"),
            "{lang}"
        );
        let unpunct: String = text
            .lines()
            .map(|l| format!("{}\n", l.trim_end_matches('.')))
            .collect();
        assert_eq!(
            run(&step, lang, &unpunct).0,
            Verdict::drop("line_punct_ratio"),
            "{lang}"
        );
        let dup = format!("{text}\n{}", text.lines().next().unwrap_or(""));
        assert_eq!(
            run(&step, lang, &dup).0,
            Verdict::drop("char_dup_ratio"),
            "{lang}"
        );
    }
}

#[test]
fn annotate_only_never_drops_and_bad_config_fails() {
    let step = GopherQualityConfig {
        annotate_only: true,
        ..Default::default()
    }
    .build()
    .expect("ok");
    let (v, doc) = run(&step, "ca", "Massa curt.");
    assert_eq!(v, Verdict::Keep);
    assert_eq!(doc.signals["gopher_words"], 2.0);
    let e = FineWebQualityConfig {
        short_line_thr: 1.5,
        ..Default::default()
    }
    .build()
    .expect_err("range");
    assert!(e.to_string().contains("short_line_thr"), "{e}");
}

fn warnings(doc: &Document) -> Vec<String> {
    doc.meta_strings("quality_warnings")
}

#[test]
fn oscar_per_language() {
    let step = OscarConfig::default().build().expect("ok");
    let strict = OscarConfig {
        drop: vec![OscarWarning::Noisy, OscarWarning::Tiny],
        ..Default::default()
    }
    .build()
    .expect("ok");
    for (lang, text) in TEXTS {
        // Each line joined with the next: lines of 100+ bytes, 10 of them.
        let long_lines: Vec<String> = (0..10)
            .map(|i| {
                let l: Vec<&str> = text.lines().collect();
                format!("{} {}", l[i % 2], l[(i + 1) % 2])
            })
            .collect();
        let body = long_lines.join("\n");
        let (v, doc) = run(&step, lang, &body);
        assert_eq!(v, Verdict::Keep, "{lang}");
        assert!(warnings(&doc).is_empty(), "{lang}: {:?}", doc.signals);
        assert!(
            doc.signals["oscar_non_letter_ratio"] < 0.3,
            "{lang}: letters of every script count: {:?}",
            doc.signals
        );
        // The two-line text alone is tiny (and its lines short).
        let (v, doc) = run(&strict, lang, text);
        assert_eq!(v, Verdict::drop("oscar_tiny"), "{lang}");
        assert_eq!(warnings(&doc)[0], "tiny", "{lang}");
        // Menus above and below: header and footer.
        let framed = format!(
            "Inici\nMenu\n{lang}\n{body}\n{}\n© 2024\nRSS\nTop",
            long_lines[0]
        );
        let (_, doc) = run(&step, lang, &framed);
        assert_eq!(warnings(&doc), ["header", "footer"], "{lang}");
        // Numbers and symbols between the words: noisy.
        let noisy: String = text
            .split_whitespace()
            .map(|w| format!("{w} | 0{}% -- ", w.len()))
            .collect();
        let noisy = [noisy.as_str(); 6].join("\n");
        let (v, doc) = run(&strict, lang, &noisy);
        assert_eq!(v, Verdict::drop("oscar_noisy"), "{lang}: {:?}", doc.signals);
    }
}
