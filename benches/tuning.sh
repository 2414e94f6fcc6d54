#!/usr/bin/env bash
# The measurements of docs/tuning.md: for each knob, ferrisdb-bench runs
# the knob's settings interleaved (A B C A B C ...), RUNS times each, every
# run in its own process on a fresh database (the cache knob reads one
# database filled once). Each knob's raw output, with the commit, the
# machine and the exact command of every run, goes to
# docs/performance/tuning/KNOB.txt, which ends with a summary: for each
# setting, the median and min-max of every figure, and the ratio of its
# median to the default's (benches/tuning-summary.py). Needs python3.
#   benches/tuning.sh                  # every knob, 3 runs of each setting
#   benches/tuning.sh memtable bloom   # some knobs
#   RUNS=5 benches/tuning.sh sync
# Knobs: memtable block_size bloom cache compression compaction_style
# level0 rate_limit keyspaces memtable_filter sync.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
OUT=docs/performance/tuning
DB=/tmp/ferrisdb-tuning
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/tuning/ferrisdb-bench"
mkdir -p "$OUT" "$TARGET/tuning"
cargo build --release -q -p ferrisdb-tools --bin ferrisdb-bench
# A copy, so a build of another checkout into the same target directory
# cannot swap the binary between runs.
cp "$TARGET/release/ferrisdb-bench" "$BIN"
if ! "$BIN" --help | grep -q -- --sync_mode; then
    echo "tuning.sh: $TARGET/release/ferrisdb-bench lacks --sync_mode: a stale build" >&2
    exit 1
fi

# Each knob sets COMMON (the flags of every run), SETTINGS (one
# "label|flags" per setting, the default first) and, for the cache knob,
# PREPARE (a run that fills the database the others read).
WRITES="--benchmarks=fillrandom,stats,waitforcompaction,stats --num=1000000"
knob() {
    PREPARE=""
    case "$1" in
    memtable)
        COMMON="$WRITES"
        SETTINGS=("64 MiB (default)|--write_buffer_size=67108864"
            "16 MiB|--write_buffer_size=16777216"
            "4 MiB|--write_buffer_size=4194304") ;;
    block_size)
        COMMON="--benchmarks=fillrandom,compact,readrandom,seekrandom,stats --num=1000000 --reads=200000"
        SETTINGS=("4 KiB (default)|--block_size=4096" "1 KiB|--block_size=1024"
            "16 KiB|--block_size=16384") ;;
    bloom)
        COMMON="--benchmarks=fillrandom,waitforcompaction,readrandom,readmissing,stats --num=1000000 --reads=200000"
        SETTINGS=("10 bits (default)|--bloom_bits=10" "0 (no filter)|--bloom_bits=0"
            "20 bits|--bloom_bits=20") ;;
    cache)
        PREPARE="--benchmarks=fillrandom,compact,stats --num=1000000"
        COMMON="--use_existing_db --benchmarks=readrandom,stats --num=1000000 --reads=500000"
        SETTINGS=("64 MiB (default)|--cache_size=67108864" "8 MiB|--cache_size=8388608"
            "256 MiB|--cache_size=268435456") ;;
    compression)
        COMMON="--benchmarks=fillrandom,compact,readrandom,stats --num=1000000 --reads=200000 --compression_ratio=0.5"
        SETTINGS=("lz4 (default)|--compression_type=lz4" "none|--compression_type=none"
            "zstd|--compression_type=zstd") ;;
    compaction_style)
        COMMON="--benchmarks=fillrandom,overwrite,stats,waitforcompaction,readrandom,stats --num=500000 --reads=200000 --write_buffer_size=4194304"
        SETTINGS=("leveled (default)|--compaction_style=level"
            "size-tiered|--compaction_style=universal") ;;
    level0)
        COMMON="$WRITES --write_buffer_size=4194304"
        SETTINGS=("4 / 20 / 36 (default)|--level0_file_num_compaction_trigger=4 --level0_slowdown_writes_trigger=20 --level0_stop_writes_trigger=36"
            "8 / 20 / 36|--level0_file_num_compaction_trigger=8 --level0_slowdown_writes_trigger=20 --level0_stop_writes_trigger=36"
            "4 / 8 / 12|--level0_file_num_compaction_trigger=4 --level0_slowdown_writes_trigger=8 --level0_stop_writes_trigger=12") ;;
    rate_limit)
        COMMON="$WRITES --write_buffer_size=4194304"
        SETTINGS=("unlimited (default)|--rate_limiter_bytes_per_sec=0"
            "8 MiB/s|--rate_limiter_bytes_per_sec=8388608") ;;
    keyspaces)
        COMMON="--benchmarks=fillrandom,readrandom,stats --num=1000000 --reads=200000"
        SETTINGS=("1 (default)|--keyspaces=1" "4|--keyspaces=4") ;;
    memtable_filter)
        COMMON="--benchmarks=fillrandom,readrandom,readmissing,stats --num=1000000 --reads=200000"
        SETTINGS=("on (default)|--memtable_whole_key_filtering=true"
            "off|--memtable_whole_key_filtering=false") ;;
    sync)
        COMMON="--benchmarks=fillrandom"
        # A million writes where no sync is waited for, 20,000 where each
        # waits for one (4 threads of 5,000 share them).
        SETTINGS=("normal (default)|--sync_mode=normal --num=1000000"
            "none|--sync_mode=none --num=1000000" "full|--sync_mode=full --num=20000"
            "full, 4 threads|--sync_mode=full --num=5000 --threads=4") ;;
    *)
        echo "tuning.sh: unknown knob '$1'" >&2
        exit 1 ;;
    esac
}

run() { # FILE HEADING FLAGS...
    local file="$1" heading="$2"
    shift 2
    {
        echo "## $heading"
        echo "\$ ferrisdb-bench $* --db=$DB"
        "$BIN" "$@" --db="$DB" 2>&1
        echo
    } >> "$file"
}

KNOBS=("$@")
[ ${#KNOBS[@]} -gt 0 ] || KNOBS=(memtable block_size bloom cache compression compaction_style
    level0 rate_limit keyspaces memtable_filter sync)
for name in "${KNOBS[@]}"; do knob "$name"; done # refuse an unknown knob before running any
for name in "${KNOBS[@]}"; do
    knob "$name"
    file="$OUT/$name.txt"
    {
        echo "# docs/tuning.md: $name, measured by benches/tuning.sh"
        echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo ' (with uncommitted changes)')"
        echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
        echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; shared with other builds"
        echo "binary: cargo build --release -p ferrisdb-tools --bin ferrisdb-bench, as $BIN"
        echo "every run: ferrisdb-bench $COMMON <setting> --db=$DB"
        echo "settings, interleaved, $RUNS runs each:"
        for s in "${SETTINGS[@]}"; do echo "  ${s%%|*}: ${s#*|}"; done
        echo
    } > "$file"
    if [ -n "$PREPARE" ]; then
        # shellcheck disable=SC2086
        run "$file" "prepare: the database every run reads" $PREPARE
    fi
    for r in $(seq 1 "$RUNS"); do
        for s in "${SETTINGS[@]}"; do
            # shellcheck disable=SC2086
            run "$file" "run $r: ${s%%|*}" $COMMON ${s#*|}
            echo "$name run $r ${s%%|*}: done at $(date +%T)" >&2
        done
    done
    python3 benches/tuning-summary.py "$file" >> "$file"
    echo "$name: $file" >&2
done
rm -rf "$DB"
