#!/usr/bin/env bash
# Whether LZ4 should be the default: ferrisdb-bench with --compression_type
# none and lz4, on random values (--compression_ratio=1.0, which LZ4 cannot
# shrink) and on db_bench's half-compressible ones (0.5). 1M keys of 16 bytes
# with 400-byte values (about 5.5 times the 64 MiB block cache, so most
# reads decompress a block), 5 pairs, none and lz4 in a shuffled order within
# each pair, each run its own process. Prints lz4/none per benchmark (mean
# micros/op, and table bytes after a full compaction) with a 95% bootstrap
# interval over the pairs. Needs python3. Results in target/compression/.
#   benches/compression-default.sh [PAIRS]
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS="${1:-5}"
OUT=target/compression
DB=/tmp/ferrisdb-compression-default
mkdir -p "$OUT"
cargo build --release -q -p ferrisdb-tools --bin ferrisdb-bench
cp target/release/ferrisdb-bench "$OUT/ferrisdb-bench"
: > "$OUT/results.tsv"
python3 -c "
import random
r = random.Random(17)
for pair in range(1, $PAIRS + 1):
    for ratio in ('1.0', '0.5'):
        cells = ['none', 'lz4']
        r.shuffle(cells)
        for c in cells:
            print(pair, ratio, c)
" > "$OUT/order.txt"
while read -r pair ratio comp; do
    rm -rf "$DB"
    out=$("$OUT/ferrisdb-bench" --num=1000000 --value_size=400 --reads=500000 \
        --compression_ratio="$ratio" --compression_type="$comp" --db="$DB" \
        --benchmarks=fillrandom,overwrite,waitforcompaction,readrandom,seekrandom,compact 2>&1)
    sst=$(find "$DB" -name '*.sst' -printf '%s\n' | awk '{s += $1} END {print s}')
    echo "$out" | awk -v p="$pair" -v r="$ratio" -v c="$comp" -v s="$sst" '
        / micros\/op/ { for (i = 1; i <= NF; i++) if ($i == "micros/op") m = $(i - 1); print p "\t" r "\t" c "\t" $1 "\t" m }
        END { print p "\t" r "\t" c "\ttable_bytes\t" s }' >> "$OUT/results.tsv"
    echo "pair $pair, compression_ratio $ratio, $comp: done at $(date +%T)" >&2
done < "$OUT/order.txt"
rm -rf "$DB"
python3 - "$OUT/results.tsv" <<'PY'
import random, statistics, sys
from collections import defaultdict
data = defaultdict(lambda: defaultdict(dict))
for line in open(sys.argv[1]):
    pair, ratio, comp, bench, value = line.split()
    data[(ratio, bench)][comp][int(pair)] = float(value)
rng = random.Random(1)
def ratio_of_means(d, pairs):
    return statistics.mean(d["lz4"][p] for p in pairs) / statistics.mean(d["none"][p] for p in pairs)
for ratio in ("1.0", "0.5"):
    print(f"compression_ratio={ratio}")
    print(f"{'benchmark':<18} {'none':>14} {'lz4':>14}  lz4/none [95% CI]")
    for bench in ("fillrandom", "overwrite", "waitforcompaction", "readrandom", "seekrandom", "compact", "table_bytes"):
        d = data[(ratio, bench)]
        pairs = sorted(set(d["none"]) & set(d["lz4"]))
        boot = sorted(ratio_of_means(d, [rng.choice(pairs) for _ in pairs]) for _ in range(10000))
        unit = "MiB" if bench == "table_bytes" else "us/op"
        scale = 2**20 if bench == "table_bytes" else 1
        mean = lambda c: statistics.mean(d[c][p] for p in pairs) / scale
        print(f"{bench:<18} {mean('none'):>10.2f} {unit:<3} {mean('lz4'):>10.2f} {unit:<3} "
              f"{ratio_of_means(d, pairs):.3f} [{boot[250]:.3f}, {boot[9750]:.3f}]")
    print()
PY
