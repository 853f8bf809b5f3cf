//! The warc reader on arbitrary bytes (any compression: it is detected from the first bytes).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::read_all("in.warc", garbell_io::SourceFormat::Warc, data);
});
