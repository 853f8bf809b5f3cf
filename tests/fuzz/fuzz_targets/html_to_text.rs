//! `html_to_text` on arbitrary (lossily decoded) bytes.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::html_to_text(data));
