//! `html_to_text` on arbitrary (lossily decoded) bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    std::hint::black_box(garbell_io::html::html_to_text(&html));
});
