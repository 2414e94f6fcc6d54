//! Fuzz target: arbitrary bytes through the range-delete block decoder (see `src/decoders.rs`).
#![no_main]

#[path = "../src/decoders.rs"]
mod decoders;

libfuzzer_sys::fuzz_target!(|data: &[u8]| decoders::range_del_block(data));
