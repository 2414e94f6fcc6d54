//! Fuzz target: arbitrary bytes through wal reader (see `src/decoders.rs`).
#![no_main]

#[path = "../src/decoders.rs"]
mod decoders;

libfuzzer_sys::fuzz_target!(|data: &[u8]| decoders::wal_reader(data));
