//! Unit tests of the command line: db_bench's flags and their checks.

use super::check::digits;
use super::*;
use ferrisdb_storage::{LeveledOptions, SizeTieredOptions};

fn parse(flags: &[&str]) -> Result<BenchArgs, (i32, String)> {
    BenchArgs::try_parse_args(std::iter::once("ferrisdb-bench").chain(flags.iter().copied()))
}

#[test]
fn defaults_match_db_bench() {
    let args = parse(&[]).unwrap();
    assert_eq!(args.num, 1_000_000);
    assert_eq!(args.key_size, 16);
    assert_eq!(args.value_size, 100);
    assert_eq!(args.threads, 1);
    assert_eq!(args.keyspaces, 1);
    assert_eq!(args.reads(), 1_000_000);
    assert!(!args.sync && !args.use_existing_db && !args.histogram);
    assert_eq!(args.compression_type, StorageConfig::default().compression);
    assert_eq!(args.compression_ratio, 1.0);
    assert!(!args.compressible_values());
}

#[test]
fn the_engine_s_flags_default_to_the_engine_s_settings() {
    let args = parse(&[]).unwrap();
    let (config, warnings) = args.storage_config(SyncMode::Normal);
    let engine = StorageConfig::default();
    assert_eq!(config.memtable_size, engine.memtable_size);
    assert_eq!(
        config.max_immutable_memtables,
        engine.max_immutable_memtables
    );
    assert_eq!(
        config.bloom_filter_bits_per_key,
        engine.bloom_filter_bits_per_key
    );
    assert_eq!(config.block_cache_size, engine.block_cache_size);
    assert_eq!(config.compaction_style, engine.compaction_style);
    assert_eq!(config.target_file_size, engine.target_file_size);
    assert_eq!(config.block_size, engine.block_size);
    assert_eq!(config.memtable_filter, engine.memtable_filter);
    assert_eq!(
        config.level0_slowdown_writes_trigger,
        engine.level0_slowdown_writes_trigger
    );
    assert_eq!(
        config.level0_stop_writes_trigger,
        engine.level0_stop_writes_trigger
    );
    assert_eq!(config.compaction_rate_limit, engine.compaction_rate_limit);
    assert_eq!(args.sync_mode(), engine.wal_sync_mode);
    assert!(warnings.is_empty(), "{warnings:?}");
    // Size-tiered keeps its own defaults too.
    let args = parse(&["--compaction_style=universal"]).unwrap();
    let (config, _) = args.storage_config(SyncMode::Normal);
    assert_eq!(config.compaction_style, CompactionStyle::size_tiered());
}

#[test]
fn the_tuning_flags_set_their_engine_settings() {
    let args = parse(&[
        "--block_size=16384",
        "--memtable_whole_key_filtering=false",
        "--level0_slowdown_writes_trigger=8",
        "--level0_stop_writes_trigger=12",
        "--rate_limiter_bytes_per_sec=1048576",
    ])
    .unwrap();
    let (config, _) = args.storage_config(args.sync_mode());
    assert_eq!(config.block_size, 16384);
    assert!(!config.memtable_filter);
    assert_eq!(config.level0_slowdown_writes_trigger, 8);
    assert_eq!(config.level0_stop_writes_trigger, 12);
    assert_eq!(config.compaction_rate_limit, Some(1 << 20));
    config.validate().unwrap();
    let args = parse(&[
        "--memtable_whole_key_filtering",
        "--rate_limiter_bytes_per_sec=0",
    ])
    .unwrap();
    let (config, _) = args.storage_config(args.sync_mode());
    assert!(config.memtable_filter);
    assert_eq!(config.compaction_rate_limit, None, "0 is unlimited");
}

#[test]
fn the_level0_compaction_trigger_is_each_style_s_own() {
    let args = parse(&["--level0_file_num_compaction_trigger=8"]).unwrap();
    let (config, _) = args.storage_config(SyncMode::Normal);
    assert_eq!(
        config.compaction_style,
        CompactionStyle::Leveled(LeveledOptions {
            level0_file_num_compaction_trigger: 8,
            ..LeveledOptions::default()
        })
    );
    let args = parse(&[
        "--compaction_style=universal",
        "--level0_file_num_compaction_trigger=6",
    ])
    .unwrap();
    let (config, _) = args.storage_config(SyncMode::Normal);
    assert_eq!(
        config.compaction_style,
        CompactionStyle::SizeTiered(SizeTieredOptions {
            min_merge_width: 6,
            ..SizeTieredOptions::default()
        })
    );
}

#[test]
fn sync_mode_takes_each_mode_and_agrees_with_sync() {
    for (flag, mode) in [
        ("--sync_mode=none", SyncMode::None),
        ("--sync_mode=normal", SyncMode::Normal),
        ("--sync_mode=FULL", SyncMode::Full),
    ] {
        let args = parse(&[flag]).unwrap();
        assert_eq!(args.sync_mode(), mode, "{flag}");
        assert_eq!(args.storage_config(args.sync_mode()).0.wal_sync_mode, mode);
    }
    assert_eq!(parse(&["--sync"]).unwrap().sync_mode(), SyncMode::Full);
    let both = parse(&["--sync", "--sync_mode=full"]).unwrap();
    assert_eq!(both.sync_mode(), SyncMode::Full);
    let (code, message) = parse(&["--sync", "--sync_mode=none"]).unwrap_err();
    assert_eq!(code, 1);
    assert!(
        message.contains("--sync means --sync_mode=full, not none"),
        "{message}"
    );
}

#[test]
fn settings_the_engine_refuses_are_refused_before_running() {
    for (flags, named) in [
        (&["--block_size=100"][..], "block_size"),
        (&["--block_size=8388608"], "block_size"),
        (
            &["--level0_slowdown_writes_trigger=40"],
            "level0_stop_writes_trigger",
        ),
        (
            &["--level0_stop_writes_trigger=10"],
            "level0_slowdown_writes_trigger",
        ),
        (
            &["--level0_slowdown_writes_trigger=0"],
            "level0_slowdown_writes_trigger",
        ),
        (
            &["--level0_file_num_compaction_trigger=0"],
            "level0_file_num_compaction_trigger",
        ),
        (
            &["--level0_file_num_compaction_trigger=21"],
            "level0_file_num_compaction_trigger",
        ),
        (
            &[
                "--compaction_style=universal",
                "--level0_file_num_compaction_trigger=1",
            ],
            "min_merge_width",
        ),
        (
            &["--rate_limiter_bytes_per_sec=-1"],
            "rate_limiter_bytes_per_sec",
        ),
        (&["--sync_mode=always"], "sync mode 'always'"),
        (&["--memtable_whole_key_filtering=2"], "not a boolean"),
        (&["--bloom_bits=65"], "bloom_filter_bits_per_key"),
        (&["--write_buffer_size=100"], "memtable_size"),
    ] {
        let (code, message) = parse(flags).unwrap_err();
        assert_eq!(code, 1, "{flags:?}");
        assert!(
            message.starts_with("ferrisdb-bench: "),
            "{flags:?}: {message}"
        );
        assert!(message.contains(named), "{flags:?}: {message}");
        assert!(!message.contains('\n'), "{flags:?}: {message}");
    }
}

#[test]
fn keys_longer_than_the_engine_takes_are_refused() {
    let longest = StorageConfig::default().max_key_size;
    assert!(parse(&[&format!("--key_size={longest}")]).is_ok());
    let (code, message) = parse(&[&format!("--key_size={}", longest + 1)]).unwrap_err();
    assert_eq!(code, 1);
    assert!(message.contains("max_key_size"), "{message}");
}

#[test]
fn compression_ratio_is_a_fraction() {
    let args = parse(&["--compression_ratio=0.5"]).unwrap();
    assert_eq!(args.compression_ratio, 0.5);
    assert!(args.compressible_values());
    assert!(parse(&["--compression_ratio=0"])
        .unwrap()
        .compressible_values());
    for bad in ["1.5", "-0.1", "NaN", "half"] {
        let (code, message) = parse(&[&format!("--compression_ratio={bad}")]).unwrap_err();
        assert_eq!(code, 1, "{bad}");
        assert!(message.contains("compression_ratio"), "{bad}: {message}");
        assert!(!message.contains('\n'), "{bad}: {message}");
    }
}

#[test]
fn db_bench_spellings_are_accepted() {
    let args = parse(&[
        "--benchmarks=fillseq,readrandom",
        "--num=1000",
        "--reads=50",
        "--key_size=20",
        "--value_size=400",
        "--threads=8",
        "--db=/tmp/x",
        "--use_existing_db=1",
        "--sync=true",
        "--histogram",
        "--compression_type=lz4",
        "--write_buffer_size=1048576",
        "--bloom_bits=0",
        "--cache_size=4096",
        "--compaction_style=1",
        "--keyspaces=4",
        "--target_file_size_base=2097152",
    ])
    .unwrap();
    assert_eq!(
        args.benchmark_list().unwrap(),
        vec![Benchmark::FillSeq, Benchmark::ReadRandom]
    );
    assert_eq!((args.num, args.reads(), args.threads), (1000, 50, 8));
    assert_eq!(args.keyspaces, 4);
    assert_eq!((args.key_size, args.value_size), (20, 400));
    assert!(args.use_existing_db && args.sync && args.histogram);
    assert_eq!(args.compaction_style, Some(CompactionStyle::size_tiered()));
    let (config, warnings) = args.storage_config(args.sync_mode());
    assert_eq!(config.wal_sync_mode, SyncMode::Full);
    assert_eq!(config.memtable_size, 1 << 20);
    assert_eq!(config.bloom_filter_bits_per_key, 0);
    assert_eq!(config.block_cache_size, 4096);
    assert_eq!(config.compression, CompressionType::Lz4);
    assert_eq!(config.compaction_style, CompactionStyle::size_tiered());
    assert_eq!(config.target_file_size, 2 << 20);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn a_repeated_flag_takes_its_last_value() {
    let args = parse(&["--num=1000000", "--sync=0", "--num=1000", "--sync=1"]).unwrap();
    assert_eq!(args.num, 1000);
    assert!(args.sync);
}

#[test]
fn negative_defaults_mean_the_engine_default() {
    let args = parse(&["--bloom_bits=-1", "--cache_size=-1", "--reads=-1"]).unwrap();
    let (config, warnings) = args.storage_config(SyncMode::Normal);
    assert_eq!(config.bloom_filter_bits_per_key, 10);
    assert_eq!(config.block_cache_size, 64 << 20);
    assert_eq!(args.reads(), args.num);
    assert!(warnings.is_empty());
}

#[test]
fn unknown_flags_and_benchmarks_are_one_line_errors() {
    let (code, message) = parse(&["--bogus=3"]).unwrap_err();
    assert_eq!(code, 1);
    assert_eq!(
        message,
        "ferrisdb-bench: unknown flag '--bogus' (see --help)"
    );

    let (code, message) = parse(&["--benchmarks=fillseq,nosuch"]).unwrap_err();
    assert_eq!(code, 1);
    assert_eq!(message, "ferrisdb-bench: unknown benchmark 'nosuch'");

    for bad in [
        "--num=many",
        "--compression_type=snappy",
        "--sync=maybe",
        "--threads=0",
        "--keyspaces=0",
        "--keyspaces=-1",
        "--compaction_style=fifo",
    ] {
        let (code, message) = parse(&[bad]).unwrap_err();
        assert_eq!(code, 1, "{bad}");
        assert!(!message.contains('\n'), "{bad}: {message}");
        assert!(message.starts_with("ferrisdb-bench: "), "{bad}: {message}");
    }
}

#[test]
fn help_is_not_an_error() {
    let (code, text) = parse(&["--help"]).unwrap_err();
    assert_eq!(code, 0);
    assert!(text.contains("--benchmarks"), "{text}");
}

#[test]
fn keys_must_fit_the_entry_count() {
    assert!(parse(&["--num=1000", "--key_size=3"]).is_ok());
    let (code, message) = parse(&["--num=1001", "--key_size=3"]).unwrap_err();
    assert_eq!(code, 1);
    assert!(message.contains("key_size"), "{message}");
    assert_eq!(digits(0), 1);
    assert_eq!(digits(999_999), 6);
}

#[test]
fn zero_keyspaces_are_refused_by_name() {
    let (code, message) = parse(&["--keyspaces=0"]).unwrap_err();
    assert_eq!(code, 1);
    assert!(
        message.contains("--keyspaces must be at least 1"),
        "{message}"
    );
}

#[test]
fn deleterange_and_range_tombstone_flags() {
    let args = parse(&["--num=1000"]).unwrap();
    assert_eq!(args.deleterange_keys(), 500, "half of --num by default");
    assert_eq!(args.deleterange_mode, DeleteRangeMode::Range);
    assert_eq!(args.range_tombstones, 0);
    let args = parse(&[
        "--num=1000",
        "--deleterange_keys=100",
        "--deleterange_mode=points",
        "--range_tombstones=10",
    ])
    .unwrap();
    assert_eq!(args.deleterange_keys(), 100);
    assert_eq!(args.deleterange_mode, DeleteRangeMode::Points);
    assert_eq!(args.range_tombstones, 10);
    let args = parse(&["--num=1000", "--deleterange_keys=5000"]).unwrap();
    assert_eq!(args.deleterange_keys(), 1000, "at most --num");
    assert!(parse(&["--num=1000", "--range_tombstones=1000"]).is_ok());
    for bad in [
        &["--deleterange_mode=some"][..],
        &["--num=1000", "--range_tombstones=1001"],
        &["--range_tombstones=-1"],
    ] {
        let (code, message) = parse(bad).unwrap_err();
        assert_eq!(code, 1, "{bad:?}");
        assert!(!message.contains('\n'), "{bad:?}: {message}");
        assert!(
            message.contains("deleterange_mode") || message.contains("range_tombstones"),
            "{bad:?}: {message}"
        );
    }
}
