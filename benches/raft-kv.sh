#!/usr/bin/env bash
# raft-kv's throughput against one FerrisDB: a 3-node cluster and a 1-node
# cluster on loopback, and one database in process (`raft-kv bench --local`),
# each run interleaved with the others, writes then reads:
#   benches/raft-kv.sh                 # 5 runs of 4 s, 16 clients
#   RUNS=10 SECONDS_PER_RUN=4 CLIENTS=16 benches/raft-kv.sh
#   BEFORE=/path/to/older/raft-kv benches/raft-kv.sh   # adds its 3-node cluster
# Writes target/raft-kv-bench/runs.txt (one line a run and target) and prints
# each target's median and the geometric mean of the paired ratios with its
# 95% confidence interval (Student's t on the logs of the ratios).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
SECS="${SECONDS_PER_RUN:-4}"
CLIENTS="${CLIENTS:-16}"
BEFORE="${BEFORE:-}"
OUT="$PWD/target/raft-kv-bench"
cargo build --release -q -p ferrisdb-raft --bin raft-kv
B="$PWD/target/release/raft-kv"
rm -rf "$OUT" && mkdir -p "$OUT"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
serve() { # BINARY ID ADDR DIR
    "$1" serve --id "$2" --listen "$3" --dir "$4" 2>>"$OUT/nodes.err" &
    pids+=($!)
}
for i in 1 2 3; do serve "$B" "$i" "127.0.0.1:2100$i" "$OUT/three/$i"; done
serve "$B" 1 127.0.0.1:22001 "$OUT/one/1"
if [ -n "$BEFORE" ]; then
    for i in 1 2 3; do serve "$BEFORE" "$i" "127.0.0.1:2300$i" "$OUT/before/$i"; done
fi
sleep 1
"$B" init --node 127.0.0.1:21001 --member 1=127.0.0.1:21001 \
    --member 2=127.0.0.1:21002 --member 3=127.0.0.1:21003
"$B" init --node 127.0.0.1:22001 --member 1=127.0.0.1:22001
if [ -n "$BEFORE" ]; then
    "$BEFORE" init --node 127.0.0.1:23001 --member 1=127.0.0.1:23001 \
        --member 2=127.0.0.1:23002 --member 3=127.0.0.1:23003
fi
sleep 3
bench() { # RUN WORKLOAD TARGET BINARY ARGS...
    local run="$1" workload="$2" target="$3" binary="$4" rate
    shift 4
    local read=()
    [ "$workload" = read ] && read=(--read)
    rate="$("$binary" bench "$@" --clients "$CLIENTS" --seconds "$SECS" "${read[@]}")"
    echo "$run $workload $target ${rate#*: }" | tee -a "$OUT/runs.txt"
}
for run in $(seq 1 "$RUNS"); do
    for workload in write read; do
        bench "$run" "$workload" three "$B" --node 127.0.0.1:21001
        bench "$run" "$workload" one "$B" --node 127.0.0.1:22001
        bench "$run" "$workload" local "$B" --local "$OUT/local"
        if [ -n "$BEFORE" ]; then
            bench "$run" "$workload" before "$BEFORE" --node 127.0.0.1:23001
        fi
    done
done
# Medians, and each ratio's geometric mean and 95% interval over the runs.
awk -v pairs="three/local one/local three/one three/before" '
    BEGIN { split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086", t, " ") }
    { rate[$2, $3, $1] = $4; runs[$1]; targets[$2, $3] = targets[$2, $3] " " $4 }
    END {
        for (w = 1; w <= 2; w++) {
            workload = (w == 1) ? "write" : "read"
            n = split("three one local before", names, " ")
            for (i = 1; i <= n; i++) {
                if (!((workload, names[i]) in targets)) continue
                m = split(targets[workload, names[i]], xs, " ")
                for (a = 2; a <= m; a++) for (b = a; b > 1 && xs[b - 1] + 0 > xs[b] + 0; b--) {
                    tmp = xs[b]; xs[b] = xs[b - 1]; xs[b - 1] = tmp
                }
                printf "%-5s %-6s median %.0f/s over %d runs\n", workload, names[i], xs[int((m + 1) / 2)], m
            }
            np = split(pairs, ps, " ")
            for (p = 1; p <= np; p++) {
                split(ps[p], ab, "/")
                k = 0; sum = 0
                for (r in runs) if ((workload, ab[1], r) in rate && (workload, ab[2], r) in rate) {
                    l[++k] = log(rate[workload, ab[1], r] / rate[workload, ab[2], r]); sum += l[k]
                }
                if (k < 2) continue
                mean = sum / k; ss = 0
                for (j = 1; j <= k; j++) ss += (l[j] - mean) ^ 2
                h = (k - 1 <= 20 ? t[k - 1] : 2.0) * sqrt(ss / (k - 1)) / sqrt(k)
                printf "  %s %s: %.4f, 95%% CI [%.4f, %.4f] (%d paired runs)\n", workload, ps[p], exp(mean), exp(mean - h), exp(mean + h), k
            }
        }
    }' "$OUT/runs.txt" | tee "$OUT/summary.txt"
