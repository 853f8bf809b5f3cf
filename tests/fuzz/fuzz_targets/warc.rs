//! The warc reader on arbitrary bytes (any compression: it is detected from the first bytes).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::warc(data));
