//! The configuration loaders on arbitrary text. The first byte chooses the loader:
//! even → a chain file (`ChainConfig::parse`, then `validate` against the embedded languages);
//! odd → a language profile `ca.toml` beside the repository's `_defaults.toml`
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::config(data));
