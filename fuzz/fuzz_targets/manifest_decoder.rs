//! Fuzz target: arbitrary bytes through manifest decoder (see `src/decoders.rs`).
#![no_main]

#[path = "../src/decoders.rs"]
mod decoders;

libfuzzer_sys::fuzz_target!(|data: &[u8]| decoders::manifest_decoder(data));
