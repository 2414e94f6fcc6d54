#!/usr/bin/env bash
# The published comparison (docs/performance.md), in one run:
#   1. cargo bench --bench compare: FerrisDB then fjall (and RocksDB through
#      the rust crate with COMPARE_FEATURES=rocksdb), same process, same order;
#   2. RocksDB's own db_bench, if installed (Debian: apt-get install rocksdb-tools),
#      and ferrisdb-bench, with the same db_bench command line.
# Usage: benches/run-comparison.sh [NUM]   (default 1000000). Output: target/compare/.
# CARGO_TARGET_DIR is honoured, so a separate target directory can keep the
# slow RocksDB build of COMPARE_FEATURES=rocksdb between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
NUM="${1:-1000000}"
OUT="$PWD/target/compare"
mkdir -p "$OUT"
DBROOT="${DBROOT:-$OUT/db}"

FEATURES=()
if [ -n "${COMPARE_FEATURES:-}" ]; then FEATURES=(--features "$COMPARE_FEATURES"); fi
cargo bench -p ferrisdb-benches --bench compare "${FEATURES[@]}" -- --num "$NUM" --dir "$DBROOT" --out "$OUT" | tee "$OUT/compare.log"

cargo build --release -q -p ferrisdb-tools --bin ferrisdb-bench
BENCH="${CARGO_TARGET_DIR:-$PWD/target}/release/ferrisdb-bench"
COMMON=(--num="$NUM" --key_size=16 --value_size=100 --compression_type=none --bloom_bits=10
        --cache_size=67108864 --write_buffer_size=67108864 --max_write_buffer_number=3
        --sync=0 --histogram=1)
run_both() {
    local label="$1"; shift
    if command -v db_bench >/dev/null 2>&1; then
        echo "== db_bench (RocksDB) $label: db_bench ${COMMON[*]} $*"
        db_bench "${COMMON[@]}" --db="$DBROOT/db_bench" "$@" 2>&1 | tee -a "$OUT/db_bench.log"
    else
        echo "== db_bench not installed: RocksDB's own figures skipped"
    fi
    echo "== ferrisdb-bench $label: ferrisdb-bench ${COMMON[*]} $*"
    "$BENCH" "${COMMON[@]}" --db="$DBROOT/ferrisdb-bench" "$@" 2>&1 | tee -a "$OUT/ferrisdb-bench.log"
}
: > "$OUT/db_bench.log"; : > "$OUT/ferrisdb-bench.log"
run_both "reads and writes" --benchmarks=fillseq,fillrandom,overwrite,readrandom,readseq,stats --threads=1
# fillsync: 1,000 random writes per thread, each synced (fdatasync). Spelled as
# fillrandom with --sync=1 --num=1000 because RocksDB 7.8's db_bench runs its
# fillsync with the full --num; ferrisdb-bench's fillsync is num / 1000.
run_both "fillsync 1 thread" --benchmarks=fillrandom --sync=1 --num=1000 --threads=1
run_both "fillsync 8 threads" --benchmarks=fillrandom --sync=1 --num=1000 --threads=8
rm -rf "$DBROOT"
