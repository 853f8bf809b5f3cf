//! The configuration loaders on arbitrary text. The first byte chooses the loader:
//! even → a chain file (`ChainConfig::parse`, then `validate` against the embedded languages);
//! odd → a language profile `ca.toml` beside the repository's `_defaults.toml`
//! (`Languages::load_dir`).
#![no_main]

use garbell_config::{ChainConfig, Languages};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const DEFAULTS: &str = include_str!("../../../languages/_defaults.toml");

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if which % 2 == 0 {
        static LANGS: OnceLock<Languages> = OnceLock::new();
        let langs = LANGS.get_or_init(|| Languages::embedded().expect("embedded languages"));
        if let Ok(chain) = ChainConfig::parse("fuzz.toml", text) {
            let _ = std::hint::black_box(chain.validate("fuzz.toml", langs));
        }
    } else {
        static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
        let dir = DIR.get_or_init(|| {
            let d = tempfile::tempdir().expect("temp dir");
            std::fs::write(d.path().join("_defaults.toml"), DEFAULTS).expect("write defaults");
            d
        });
        std::fs::write(dir.path().join("ca.toml"), text).expect("write profile");
        let _ = std::hint::black_box(Languages::load_dir(dir.path()));
    }
});
