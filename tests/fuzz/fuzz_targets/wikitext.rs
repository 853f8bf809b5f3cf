//! `wikitext_to_text` on arbitrary (lossily decoded) bytes, with default and localized
//! namespace names.
#![no_main]

use garbell_io::wikitext::{wikitext_to_text, Namespaces};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static NS: OnceLock<Namespaces> = OnceLock::new();
    let ns = NS.get_or_init(|| {
        Namespaces::default()
            .with_file_names(["Fitxer", "Imatge"])
            .with_category_names(["Categoria"])
    });
    let text = String::from_utf8_lossy(data);
    std::hint::black_box(wikitext_to_text(&text, ns));
});
