//! `wikitext_to_text` on arbitrary (lossily decoded) bytes, with default and localized
//! namespace names.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::wikitext(data));
