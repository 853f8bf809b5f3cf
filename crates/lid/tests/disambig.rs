//! Second stage: one case per confusable group, sentences written for these tests.

use garbell_lid::{dominant_script, Disambiguator, Script, ShPolicy, MARKERS_TSV, WORDS_TSV};

fn refine(text: &str, preds: &[(&'static str, f32)]) -> String {
    let d = Disambiguator::embedded().expect("embedded data");
    d.refine(text, preds).lang.to_string()
}

#[test]
fn nynorsk_over_bokmal() {
    let t = "Eg veit ikkje kva ho meiner, men det er berre ein liten feil i fila.";
    assert_eq!(refine(t, &[("no", 0.7), ("nn", 0.2), ("da", 0.05)]), "nn");
}

#[test]
fn bokmal_over_danish() {
    let t = "Jeg vet ikke hva hun mener, men det er bare en liten feil etter oppdateringen.";
    assert_eq!(refine(t, &[("da", 0.5), ("no", 0.4)]), "no");
}

#[test]
fn danish_stays_danish() {
    let t = "Jeg ved ikke hvad hun mener, men der er noget galt efter opdateringen af filen.";
    assert_eq!(refine(t, &[("da", 0.6), ("no", 0.35)]), "da");
}

#[test]
fn galician_over_spanish() {
    let t = "Non se pode abrir o ficheiro porque xa está en uso por unha outra aplicación.";
    assert_eq!(refine(t, &[("es", 0.6), ("gl", 0.2), ("pt", 0.1)]), "gl");
}

#[test]
fn portuguese_stays_portuguese() {
    let t = "Não foi possível abrir o arquivo porque a aplicação também está em uso.";
    assert_eq!(refine(t, &[("pt", 0.8), ("gl", 0.1)]), "pt");
}

#[test]
fn occitan_over_catalan_and_french() {
    let t = "Lo fichièr es pas estat enregistrat: podètz tornar ensajar amb una autra version.";
    assert_eq!(refine(t, &[("ca", 0.5), ("oc", 0.3), ("es", 0.1)]), "oc");
    assert_eq!(refine(t, &[("fr", 0.6), ("oc", 0.2), ("ca", 0.1)]), "oc");
}

#[test]
fn catalan_stays_catalan() {
    let t = "Aquest fitxer també és molt gran i no es pot desar amb els paràmetres actuals.";
    assert_eq!(refine(t, &[("ca", 0.9), ("oc", 0.05)]), "ca");
}

#[test]
fn slovak_over_czech() {
    let t = "Súbor sa nepodarilo uložiť, pretože disk je plný. Skúste to znova neskôr.";
    assert_eq!(refine(t, &[("cs", 0.6), ("sk", 0.35)]), "sk");
}

#[test]
fn czech_stays_czech() {
    let t = "Soubor se nepodařilo uložit, protože disk je plný. Zkuste to později znovu.";
    assert_eq!(refine(t, &[("cs", 0.6), ("sk", 0.35)]), "cs");
}

#[test]
fn croatian_vs_serbian_latin() {
    let hr = "Tko je spremio datoteku? Računalo je tjedan dana radilo bez pogreške.";
    assert_eq!(refine(hr, &[("sr", 0.5), ("hr", 0.4)]), "hr");
    let sr = "Ko je sačuvao fajl? Računar je nedelju dana radio bez greške, uvek isto vreme.";
    assert_eq!(refine(sr, &[("hr", 0.5), ("sr", 0.4)]), "sr");
}

#[test]
fn serbian_cyrillic_is_serbian_with_script() {
    let d = Disambiguator::embedded().expect("embedded data");
    let t = "Ђак је донео књигу и њену свеску у школу.";
    let r = d.refine(t, &[("hr", 0.4), ("sr", 0.3), ("sh", 0.2)]);
    assert_eq!((r.lang, r.script), ("sr", Script::Cyrillic));
}

#[test]
fn sh_policies() {
    let t = "Ko je sačuvao fajl? Računar je nedelju dana radio bez greške.";
    let d = Disambiguator::embedded().expect("embedded data");
    assert_eq!(d.refine(t, &[("sh", 0.6), ("sr", 0.3)]).lang, "sr");
    let split = Disambiguator::embedded()
        .expect("data")
        .with_sh_policy(ShPolicy::Split);
    assert_eq!(split.refine(t, &[("sh", 0.6), ("sr", 0.3)]).lang, "sr");
    let group = Disambiguator::embedded()
        .expect("data")
        .with_sh_policy(ShPolicy::Group);
    let r = group.refine(t, &[("hr", 0.6), ("sr", 0.3)]);
    // The whole group is `sh`, so its score is the group's whole mass: more than the winner's
    // share under `split`.
    assert_eq!(r.lang, "sh");
    let s = split.refine(t, &[("hr", 0.6), ("sr", 0.3)]);
    assert!(
        r.score > s.score && r.score > 0.5,
        "{} {}",
        r.score,
        s.score
    );
    let keep = Disambiguator::embedded()
        .expect("data")
        .with_sh_policy(ShPolicy::Keep);
    assert_eq!(keep.refine("Dobar dan.", &[("sh", 0.9)]).lang, "sh");
}

#[test]
fn standard_policy_sends_bosnian_and_neutral_text_to_sh() {
    let d = Disambiguator::embedded().expect("embedded data");
    let split = Disambiguator::embedded()
        .expect("data")
        .with_sh_policy(ShPolicy::Split);
    // Bosnian: ijekavian reflexes with the lexicon Bosnian shares with Serbian, and
    // Bosnian-only words (historija, sedmica).
    let bs = "Historija grada je duga: svake sedmice se ovdje nešto desi, a hiljade ljudi \
              dolaze da vide mjesto gdje je sve počelo.";
    assert_eq!(d.refine(bs, &[("hr", 0.5), ("bs", 0.3)]).lang, "sh");
    assert_eq!(split.refine(bs, &[("hr", 0.5), ("bs", 0.3)]).lang, "other");
    // No marker of any standard: neither hr nor sr is identifiable.
    let neutral = "Dobar dan, kako ste?";
    assert_eq!(d.refine(neutral, &[("hr", 0.6), ("sr", 0.3)]).lang, "sh");
    assert_eq!(
        split.refine(neutral, &[("hr", 0.6), ("sr", 0.3)]).lang,
        "hr"
    );
    // No marker, but lid.176's own split is decisive (the winner holds >= 0.9 of the group's
    // mass): that counts as identification.
    assert_eq!(d.refine(neutral, &[("hr", 0.93), ("sr", 0.03)]).lang, "hr");
    assert_eq!(
        d.refine(neutral, &[("sr", 0.9), ("bs", 0.04), ("sh", 0.02)])
            .lang,
        "sr"
    );
    // lid.176's `sh` and `bs` mass counts against decisiveness.
    assert_eq!(
        d.refine(neutral, &[("hr", 0.7), ("sh", 0.2), ("sr", 0.05)])
            .lang,
        "sh"
    );
    // The standard is identifiable: Croatian and Serbian stay.
    let hr = "Tko je spremio datoteku? Računalo je tjedan dana radilo bez pogreške.";
    assert_eq!(d.refine(hr, &[("sr", 0.5), ("hr", 0.4)]).lang, "hr");
    let sr = "Ko je sačuvao fajl? Računar je nedelju dana radio bez greške.";
    assert_eq!(d.refine(sr, &[("hr", 0.5), ("sr", 0.4)]).lang, "sr");
    // Cyrillic Serbo-Croatian is Serbian even without markers.
    assert_eq!(
        d.refine("Добар дан, како сте?", &[("sr", 0.6), ("ru", 0.3)])
            .lang,
        "sr"
    );
}

#[test]
fn ukrainian_russian_bulgarian() {
    let uk = "Її файл не збережено, бо диск повний. Спробуйте ще раз пізніше.";
    assert_eq!(refine(uk, &[("ru", 0.6), ("uk", 0.3)]), "uk");
    let ru = "Этот файл не был сохранён, потому что диск заполнен. Попробуйте ещё раз.";
    assert_eq!(refine(ru, &[("bg", 0.5), ("ru", 0.4)]), "ru");
}

#[test]
fn outside_groups_unchanged() {
    let d = Disambiguator::embedded().expect("embedded data");
    let r = d.refine("Das ist ein Test.", &[("de", 0.9)]);
    assert_eq!((r.lang, r.group), ("de", None));
    assert_eq!(d.refine("", &[]).lang, "other");
    assert_eq!(dominant_script("Ελληνικά"), Script::Greek);
}

#[test]
fn bad_data_is_an_error() {
    assert!(Disambiguator::from_data("group\tx\ta\tb\nword\tx\tc\tw\t1\n", &[]).is_err());
    assert!(Disambiguator::from_data("group\tx\ta\tb\nword\tx\ta\tw\tone\n", &[]).is_err());
    assert!(Disambiguator::from_data("group\tx\ta\tb\nsplit\tx\tmaybe\n", &[]).is_err());
    assert!(Disambiguator::from_data("group\tx\ta\tb\nsplit\tx\tlid\n", &[]).is_ok());
}

#[test]
fn stems_count_in_inflected_forms() {
    // No jat reflex and no listed word form: only the stems inside inflected words decide —
    // Croatian sustavskim, naredbama against Serbian sistemskim, podešavanjima — whatever
    // lid.176's order.
    // (Without the n-gram profiles, so that only the markers speak.)
    let d = Disambiguator::embedded()
        .expect("embedded data")
        .without_ngrams();
    let hr = "Otvorite ga sustavskim naredbama.";
    assert_eq!(d.refine(hr, &[("sr", 0.6), ("hr", 0.3)]).lang, "hr");
    let sr = "Otvorite ga sistemskim podešavanjima.";
    assert_eq!(d.refine(sr, &[("hr", 0.6), ("sr", 0.3)]).lang, "sr");
}

#[test]
fn bosnian_collects_ijekavian_and_shared_lexicon() {
    // ijekavian (vrijednost, primjer) + the Serbian/Bosnian lexicon (izaberite, sistem,
    // podešavanja): Bosnian, reported as `sh` (as `other` under `split`).
    let bs = "Ova vrijednost određuje sistem štampe. Na primjer, izaberite podešavanja sistema.";
    assert_eq!(refine(bs, &[("hr", 0.5), ("sr", 0.3), ("bs", 0.1)]), "sh");
    let split = Disambiguator::embedded()
        .expect("data")
        .with_sh_policy(ShPolicy::Split);
    assert_eq!(
        split
            .refine(bs, &[("hr", 0.5), ("sr", 0.3), ("bs", 0.1)])
            .lang,
        "other"
    );
    // ijekavian with the Croatian lexicon stays Croatian.
    let hr = "Ova vrijednost određuje sustav ispisa. Na primjer, odaberite postavke sustava.";
    assert_eq!(refine(hr, &[("sr", 0.5), ("hr", 0.3)]), "hr");
    // lid.176's own `bs` label is a member of the group, not an unknown label.
    let d = Disambiguator::embedded().expect("embedded data");
    assert_eq!(d.member_of_label("__label__bs"), Some("bs"));
    assert_eq!(d.member_of_label("__label__xx"), None);
}

#[test]
fn maltese_letters_force_maltese() {
    let d = Disambiguator::embedded().expect("embedded data");
    let mt = "Il-fajl huwa korrott u ma jistax jinfetaħ.";
    let r = d.refine(mt, &[("en", 0.3), ("hu", 0.2)]);
    assert_eq!((r.lang, r.group), ("mt", None));
    assert!(r.score >= 0.8);
    // One Maltese place name in a longer English text does not make it Maltese.
    let en = "The bus from the airport stops in Ħamrun and then goes on to the capital, where \
              most visitors get off near the city gate and walk to the harbour.";
    assert_eq!(d.refine(en, &[("en", 0.9)]).lang, "en");
    // Without the n-gram profiles the letters alone decide, in either case.
    let d = Disambiguator::from_data(MARKERS_TSV, WORDS_TSV).expect("embedded data");
    assert_eq!(d.refine(mt, &[("en", 0.3), ("hu", 0.2)]).lang, "mt");
    let upper = "IL-FAJL HUWA KORROTT U MA JISTAX JINFETAĦ.";
    assert_eq!(d.refine(upper, &[("en", 0.3), ("hu", 0.2)]).lang, "mt");
    let plain = "Il-fajl huwa korrott u ma jistax jinfetah.";
    assert_ne!(d.refine(plain, &[("en", 0.3), ("hu", 0.2)]).lang, "mt");
}

#[test]
fn bad_force_and_infix_lines_are_errors() {
    assert!(Disambiguator::from_data("force\tmt\t\t0.05\n", &[]).is_err());
    assert!(Disambiguator::from_data("force\tmt\tħ\t2\n", &[]).is_err());
    assert!(Disambiguator::from_data("group\tx\ta\tb\ninfix\tx\tc\tab\t1\n", &[]).is_err());
    let d = Disambiguator::from_data("group\tx\ta\tb\ninfix\tx\tb\tzz\t5\n", &[]).expect("data");
    assert_eq!(d.refine("fizzy buzz", &[("a", 0.9), ("b", 0.05)]).lang, "b");
}

#[test]
fn an_infix_counts_once_per_word_and_in_every_word() {
    // `zz` (1 for b) against the word `plain` (1.5 for a), lid.176 even between them.
    let data = "group\tx\ta\tb\ninfix\tx\tb\tzz\t1\nword\tx\ta\tplain\t1.5\n";
    let d = Disambiguator::from_data(data, &[]).expect("data");
    let even = [("a", 0.45), ("b", 0.45)];
    // Three overlapping `zz` in one word: once, so 1 < 1.5.
    assert_eq!(d.refine("fizzzz plain", &even).lang, "a");
    // `zz` in two words: twice, so 2 > 1.5.
    assert_eq!(d.refine("fizz plain buzz", &even).lang, "b");
    // Words are split on non-letters, so `z-z` holds no `zz`.
    assert_eq!(d.refine("z-z plain", &even).lang, "a");
}

#[test]
fn the_embedded_markers_have_no_repeated_line() {
    // A repeated word keeps its largest weight and a repeated infix counts twice: either way a
    // second line is a mistake in the data.
    let mut seen = std::collections::HashSet::new();
    for line in MARKERS_TSV.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() >= 4 && matches!(f[0], "word" | "infix" | "suffix" | "char") {
            assert!(seen.insert(f[..4].to_vec()), "repeated marker: {line:?}");
        }
    }
    assert!(seen.len() > 1000, "{}", seen.len());
}

/// The markers file without its session-9 Nynorsk/Bokmål block (from its `# Session 9` comment
/// to the next blank line).
fn markers_without_session9() -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in MARKERS_TSV.lines() {
        if line.starts_with("# Session 9") {
            skipping = true;
        } else if skipping && line.trim().is_empty() {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(out.len() < MARKERS_TSV.len(), "the session-9 block is gone");
    out
}

#[test]
fn nynorsk_and_bokmal_norm_contrasts() {
    let d = Disambiguator::embedded().expect("embedded data");
    let without = Disambiguator::from_data(&markers_without_session9(), WORDS_TSV)
        .expect("markers without the block");
    // Nynorsk a-verb present / masculine plural -ar, s-passive -ast, treng, meir, kjelde,
    // valde: none of the older markers.
    let nn = "Pakkar som skal installerast treng meir plass i den valde kjelda.";
    let preds = [("no", 0.8), ("nn", 0.15), ("da", 0.03)];
    assert_eq!(d.refine(nn, &preds).lang, "nn");
    assert_eq!(without.refine(nn, &preds).lang, "no");
    // Bokmål hvis, valgt, kilde, tjeneste, the article en, the participle -ende.
    let nb = "Hvis valgt kilde mangler, brukes en gjeldende tjeneste.";
    let preds = [("nn", 0.8), ("no", 0.15), ("da", 0.03)];
    assert_eq!(d.refine(nb, &preds).lang, "no");
    assert_eq!(without.refine(nb, &preds).lang, "nn");
}

#[test]
fn an_after_marker_needs_the_previous_word_and_the_length() {
    // `-a` after `vil` (1 for b) against the word `plain` (0.5 for a), lid.176 even.
    let data = "group\tx\ta\tb\nafter\tx\tb\tvil\ta\t1\nword\tx\ta\tplain\t0.5\n";
    let d = Disambiguator::from_data(data, &[]).expect("data");
    let even = [("a", 0.45), ("b", 0.45)];
    assert_eq!(d.refine("plain vil sletta", &even).lang, "b");
    // Not right after `vil`, or too short (`ta`: 2 letters, the ending needs 3 more), or
    // another ending: no evidence.
    assert_eq!(d.refine("plain vil no sletta", &even).lang, "a");
    assert_eq!(d.refine("plain vil ta", &even).lang, "a");
    assert_eq!(d.refine("plain vil slette", &even).lang, "a");
    // Punctuation between the words does not matter (words are runs of letters).
    assert_eq!(d.refine("plain vil, sletta", &even).lang, "b");
    // A missing field is an error.
    assert!(Disambiguator::from_data("group\tx\ta\tb\nafter\tx\tb\tvil\ta\n", &[]).is_err());
}

#[test]
fn nynorsk_a_infinitive_after_a_modal() {
    let t = "Er du sikker på at du vil sletta oppføringa?";
    let preds = [("no", 0.7), ("nn", 0.25), ("da", 0.03)];
    let without = Disambiguator::from_data(&markers_without_session9(), WORDS_TSV)
        .expect("markers without the block");
    assert_eq!(refine(t, &preds), "nn");
    assert_eq!(without.refine(t, &preds).lang, "no");
}
