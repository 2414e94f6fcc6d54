#!/usr/bin/env bash
# The published comparison (docs/performance.md) at one scale, in one command:
#   benches/run-comparison.sh small    # 1M keys, in RAM, 5 runs per cell
#   benches/run-comparison.sh large    # 5M keys of 516 bytes under a 512 MiB memory limit
# Extra flags go to `ferrisdb-compare run` (see --help): --runs, --engines,
# --profiles, --groups, --memory-limit-mib, --db, --first-run. OUT=dir sets
# the results directory. To add runs 2 to 5 to an earlier run 1, run with
# `--first-run 2 --runs 4` into a second directory, concatenate the two
# records.jsonl files and run `ferrisdb-compare report --out <merged dir>`.
#
# Builds ferrisdb-compare in release mode with the native CPU's instructions
# for every engine (RocksDB then uses SSE4.2 for its CRC32C), with RocksDB
# unless COMPARE_ROCKSDB=0. RocksDB's C++ takes 15-30 minutes to build on 2
# cores; the build lives in CARGO_TARGET_DIR (default target/compare-build),
# so it happens once. Results: target/compare/<scale>/, written afresh by each
# invocation (copy a directory away to keep it).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${1:-small}"
shift || true
export RUSTFLAGS="${RUSTFLAGS:--C target-cpu=native}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/compare-build}"
FEATURES=(--features rocksdb)
if [ "${COMPARE_ROCKSDB:-1}" = 0 ]; then FEATURES=(); fi
cargo build --release -p ferrisdb-benches --bin ferrisdb-compare "${FEATURES[@]}"
OUT="${OUT:-target/compare/$SCALE}"
mkdir -p "$OUT"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "rustc: $(rustc -V)"
    echo "RUSTFLAGS: $RUSTFLAGS"
    echo "features: ${FEATURES[*]:-none}"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) x $(nproc)"
    echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "kernel: $(uname -r)"
    echo "filesystem: $(df -T "$OUT" | awk 'NR==2 {print $2, $1}')"
    echo "command: ferrisdb-compare run --scale $SCALE --out $OUT $*"
} > "$OUT/env.txt"
cat "$OUT/env.txt"
"$CARGO_TARGET_DIR/release/ferrisdb-compare" run --scale "$SCALE" --out "$OUT" "$@"
