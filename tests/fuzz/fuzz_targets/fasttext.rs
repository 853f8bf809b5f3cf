//! The fastText model loader on arbitrary bytes (seeds: the small `.ftz` parity models of
//! crates/lid/tests/data/models); a model that loads is asked for predictions.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::fasttext(data));
