//! The parquet reader on arbitrary bytes.
//!
//! garbell-io catches panics of the `parquet` crate's decoder (it divides by zero on some
//! corrupt pages) and reports them as `parquet_invalid`. libFuzzer's panic hook aborts on every
//! panic, caught or not, so this target replaces it with one that aborts unless the panic comes
//! from inside the `parquet` crate; a panic that escapes garbell-io still aborts (libfuzzer-sys
//! aborts when the target unwinds).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use std::sync::Once;

fuzz_target!(|data: &[u8]| {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_decoder = info
                .location()
                .is_some_and(|l| l.file().contains("/parquet-"));
            if !in_decoder {
                fuzzer_hook(info);
            }
        }));
    });
    common::parquet(data);
});
