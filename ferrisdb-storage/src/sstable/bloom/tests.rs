use super::local::expected_rate;
use super::*;
use crate::sstable::format::BLOOM_MAX_HASHES;

fn filter_of(kind: FilterKind, keys: impl Iterator<Item = String>, bits: usize) -> BloomFilter {
    let mut b = FilterBuilder::default();
    for key in keys {
        b.add_key(key.as_bytes());
    }
    BloomFilter::decode(kind, b.finish(kind, bits)).unwrap()
}

/// The share of `absent` keys that `filter` lets through.
fn measured_rate(filter: &BloomFilter, absent: u32) -> f64 {
    let passed = (0..absent)
        .filter(|i| filter.may_contain(format!("absent{i}").as_bytes()))
        .count();
    passed as f64 / f64::from(absent)
}

#[test]
fn num_hashes_is_rounded_and_clamped() {
    assert_eq!(num_hashes(10), 7);
    assert_eq!(num_hashes(0), 1);
    assert_eq!(num_hashes(1000), 30);
}

#[test]
fn num_probes_is_the_cheapest_near_the_best() {
    // RocksDB's measured choices at 6, 8 and 10 bits per key; at 12 it
    // takes 8, which the model puts within 1% of 7.
    let chosen: Vec<u8> = [6, 8, 10, 12].into_iter().map(num_probes).collect();
    assert_eq!(chosen, [4, 5, 6, 7]);
    assert_eq!(num_probes(0), 1);
    assert_eq!(num_probes(1), 1);
    assert!(num_probes(64) <= BLOOM_MAX_HASHES);
    // At 10 bits per key 7 probes would be as good, by a hair.
    let rate = |k| expected_rate(51.2, k);
    assert!(rate(7) < rate(6) && rate(6) < rate(7) * 1.01);
}

#[test]
fn no_false_negatives_and_few_false_positives_standard() {
    let f = filter_of(
        FilterKind::Standard,
        (0..10_000u32).map(|i| format!("key{i}")),
        10,
    );
    assert!((0..10_000u32).all(|i| f.may_contain(format!("key{i}").as_bytes())));
    let fp = measured_rate(&f, 10_000);
    assert!(fp < 0.02, "{fp}");
    let est = f.estimated_false_positive_rate(10_000);
    assert!((0.005..0.012).contains(&est), "{est}");
}

/// The measured false-positive rate of the cache-local filter at 10 bits
/// per key, over 100,000 absent keys, is within a fifth of the model's
/// 0.957% (RocksDB measures 0.957% for its own); the standard filter's is
/// lower, 0.82%, as the model says. The hashes are fixed, so the counts are
/// too.
#[test]
fn cache_local_false_positives_match_the_model_at_10_bits_per_key() {
    let keys = 20_000u32;
    let absent = 100_000u32;
    let present = || (0..keys).map(|i| format!("key{i}"));
    let local = filter_of(FilterKind::CacheLocal, present(), 10);
    let standard = filter_of(FilterKind::Standard, present(), 10);
    assert_eq!(local.kind(), FilterKind::CacheLocal);
    assert_eq!(local.num_hashes(), 6);
    // 200,000 bits round up to 391 lines.
    assert_eq!(local.bit_count(), 391 * 512);
    for i in 0..keys {
        assert!(local.may_contain(format!("key{i}").as_bytes()), "key{i}");
    }
    let model = local.estimated_false_positive_rate(u64::from(keys));
    assert!((0.0090..0.0100).contains(&model), "model {model}");
    let rate = measured_rate(&local, absent);
    let standard_rate = measured_rate(&standard, absent);
    println!(
        "cache-local: {:.3}% (model {:.3}%), standard: {:.3}% (model {:.3}%)",
        rate * 100.0,
        model * 100.0,
        standard_rate * 100.0,
        standard.estimated_false_positive_rate(u64::from(keys)) * 100.0
    );
    assert!(
        (0.8 * model..1.2 * model).contains(&rate),
        "cache-local rate {rate}, model {model}"
    );
    assert!(
        (0.0065..0.0100).contains(&standard_rate),
        "standard {standard_rate}"
    );
}

#[test]
fn a_key_sets_bits_of_one_line_only() {
    let mut b = FilterBuilder::default();
    b.add_key(b"alone");
    let hash = key_hash(b"alone");
    // Eight lines: 8 * 512 bits for one key at 4096 bits per key.
    let bytes = b.finish(FilterKind::CacheLocal, 4096);
    assert_eq!(bytes.len(), 8 * 64 + 1);
    let touched: Vec<usize> = bytes[..8 * 64]
        .chunks(64)
        .enumerate()
        .filter(|(_, line)| line.iter().any(|&b| b != 0))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(touched, [(((hash & 0xffff_ffff) * 8) >> 32) as usize]);
    let k = bytes[8 * 64];
    let set: u32 = bytes.iter().take(8 * 64).map(|b| b.count_ones()).sum();
    assert!(set >= 1 && set <= u32::from(k), "{set} bits for {k} probes");
}

#[test]
fn decoded_lines_are_cache_aligned() {
    for n in [1u32, 100, 5000] {
        let f = filter_of(FilterKind::CacheLocal, (0..n).map(|i| format!("k{i}")), 10);
        let Filter::CacheLocal(local) = &f.0 else {
            panic!("a cache-local filter decodes as one");
        };
        assert_eq!(local.address() % 64, 0, "{n} keys");
    }
}

#[test]
fn too_many_keys_for_the_bits_still_answer_maybe() {
    // No bits per key: one line, one probe, and every key still passes.
    let f = filter_of(
        FilterKind::CacheLocal,
        (0..1000u32).map(|i| format!("key{i}")),
        0,
    );
    assert_eq!((f.bit_count(), f.num_hashes()), (512, 1));
    assert!((0..1000u32).all(|i| f.may_contain(format!("key{i}").as_bytes())));
    assert!(f.estimated_false_positive_rate(1000) > 0.8);
    assert!(f.estimated_false_positive_rate(1 << 40) > 0.99);
    assert_eq!(f.estimated_false_positive_rate(0), 0.0);
}

#[test]
fn damaged_filters_are_rejected() {
    let standard = |bytes: Vec<u8>| BloomFilter::decode(FilterKind::Standard, bytes);
    assert!(standard(vec![]).is_err());
    assert!(standard(vec![7]).is_err());
    assert!(standard(vec![0xff, 0]).is_err());
    assert!(standard(vec![0xff, 31]).is_err());
    assert!(standard(vec![0xff, 30]).is_ok());

    let local = |bits: usize, k: u8| {
        let mut bytes = vec![0xff; bits];
        bytes.push(k);
        BloomFilter::decode(FilterKind::CacheLocal, bytes).map_err(|e| e.to_string())
    };
    assert!(local(64, 6).is_ok());
    assert!(local(128, 30).is_ok());
    assert!(BloomFilter::decode(FilterKind::CacheLocal, vec![]).is_err());
    for (bits, k) in [
        (0, 6),
        (64, 0),
        (64, 31),
        (64, 0xff),
        (63, 6),
        (65, 6),
        (1, 1),
    ] {
        let err = local(bits, k).unwrap_err();
        assert!(
            err.contains("probes") || err.contains("lines"),
            "{bits} bytes, k {k}: {err}"
        );
    }
    // A standard filter's bytes (8 bytes and k) are no cache-local filter.
    assert!(local(8, 7).is_err());
}

#[test]
fn kinds_map_to_table_format_versions_and_back() {
    for kind in [FilterKind::Standard, FilterKind::CacheLocal] {
        assert_eq!(
            FilterKind::of_format_version(kind.format_version()),
            Some(kind)
        );
    }
    assert_eq!(FilterKind::Standard.format_version(), 1);
    assert_eq!(FilterKind::CacheLocal.format_version(), 2);
    assert_eq!(FilterKind::default(), FilterKind::CacheLocal);
    assert_eq!(FilterKind::of_format_version(0), None);
    assert_eq!(FilterKind::of_format_version(3), None);
}

/// Why the kind is in the table's format version: the bytes of a
/// cache-local filter decode as a standard filter (the last byte is a probe
/// count of 1 to 30 in both), and that filter answers "absent" for keys the
/// table holds.
#[test]
fn a_cache_local_filter_read_as_a_standard_one_loses_keys() {
    let mut b = FilterBuilder::default();
    for i in 0..1000u32 {
        b.add_key(format!("key{i}").as_bytes());
    }
    let bytes = b.finish(FilterKind::CacheLocal, 10);
    let misread = BloomFilter::decode(FilterKind::Standard, bytes).unwrap();
    let lost = (0..1000u32)
        .filter(|i| !misread.may_contain(format!("key{i}").as_bytes()))
        .count();
    assert!(lost > 100, "{lost} of 1000 keys lost");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// No false negatives for either kind: any keys (none, one, duplicates,
    /// empty ones), any bits per key from 0 to far beyond useful.
    #[test]
    fn every_key_added_passes_its_filter(
        keys in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..24), 0..300),
        bits_per_key in proptest::prop_oneof![0usize..=40, 40usize..=5_000],
    ) {
        for kind in [FilterKind::Standard, FilterKind::CacheLocal] {
            let mut builder = FilterBuilder::default();
            for key in &keys {
                builder.add_key(key);
            }
            let block = builder.finish(kind, bits_per_key);
            let filter = BloomFilter::decode(kind, block).unwrap();
            for key in &keys {
                proptest::prop_assert!(filter.may_contain(key), "{kind:?} lost {key:?} at {bits_per_key}");
            }
        }
    }

    /// Whatever a damaged filter block holds, decoding it is an answer or an
    /// error, and a decoded one answers every query without panicking.
    #[test]
    fn any_filter_block_decodes_or_is_refused_without_panic(
        block in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
        probe in proptest::num::u64::ANY,
    ) {
        for kind in [FilterKind::Standard, FilterKind::CacheLocal] {
            if let Ok(filter) = BloomFilter::decode(kind, block.clone()) {
                let _ = filter.may_contain_hash(probe);
                let _ = filter.estimated_false_positive_rate(probe);
            }
        }
    }
}

#[test]
fn probe_counts_of_any_bits_per_key_are_valid() {
    // The model behind `num_probes` at settings far beyond use: a count in
    // 1..=30, no panic.
    for bits in [1, 2, 3, 511, 512, 513, 1 << 20, 1 << 40, usize::MAX] {
        let k = num_probes(bits);
        assert!((1..=BLOOM_MAX_HASHES).contains(&k), "{k} probes at {bits}");
    }
}

#[test]
fn many_keys_all_pass_the_cache_local_filter() {
    for bits in [1, 4, 10, 23] {
        let f = filter_of(
            FilterKind::CacheLocal,
            (0..100_000u32).map(|i| format!("key{i}")),
            bits,
        );
        let lost = (0..100_000u32).find(|i| !f.may_contain(format!("key{i}").as_bytes()));
        assert_eq!(lost, None, "at {bits} bits per key");
    }
}
