//! Fuzz target: arbitrary bytes through block decoder (see `src/decoders.rs`).
#![no_main]

#[path = "../src/decoders.rs"]
mod decoders;

libfuzzer_sys::fuzz_target!(|data: &[u8]| decoders::block_decoder(data));
