#!/usr/bin/env python3
"""The summary of a knob's raw runs in docs/performance/tuning/ (written by
benches/tuning.sh): for each setting, the median and min-max of every
figure the runs print, and the ratio of its median to the first (default)
setting's. A figure of the stats benchmark is named after the benchmark
before it ("write amplification after waitforcompaction"). Reads FILE up to
an earlier summary, if any, and prints the summary:
    python3 benches/tuning-summary.py docs/performance/tuning/bloom.txt
"""
import re, statistics, sys
from collections import defaultdict
text = open(sys.argv[1]).read().split("\n## summary")[0] + "\n"
runs = re.findall(r"^## run \d+: ([^\n]*)\n(.*?)(?=^## |\Z)", text, re.M | re.S)
figures = defaultdict(lambda: defaultdict(list))  # setting -> figure -> values
order, names = [], []
for label, out in runs:
    if label not in order:
        order.append(label)
    seen, last = {}, "start"
    def put(name, value):
        figures[label][name].append(value)
        if name not in names:
            names.append(name)
    for line in out.splitlines():
        m = re.match(r"(\w+)\s+:\s+([\d.]+) micros/op (\d+) ops/sec", line)
        if m:
            bench, micros, ops = m.group(1), float(m.group(2)), int(m.group(3))
            if bench in ("compact", "waitforcompaction"):
                put(f"{bench} s", micros / 1e6)
            else:
                put(f"{bench} ops/s", ops)
            last = bench
            continue
        if line.startswith("Level  Tables"):
            seen[last] = {"tables MiB": 0.0, "L0 tables": 0}
        m = re.match(r"L(\d+)\s+(\d+)\s+([\d.]+)$", line)
        if m and last in seen:
            seen[last]["tables MiB"] += float(m.group(3))
            if m.group(1) == "0":
                seen[last]["L0 tables"] = int(m.group(2))
        for pattern, name in ((r"Write amplification: ([\d.]+)", "write amplification"),
                              (r"Stalls: (\d+)", "stalls"),
                              (r"Stalls: \d+ \(([\d.]+) s\)", "stall s"),
                              (r"Memory \(MiB\): .* table indexes and filters ([\d.]+)",
                               "index+filter MiB"),
                              (r"Peak resident memory: ([\d.]+) MiB", "peak RSS MiB")):
            m = re.match(pattern, line)
            if m and last in seen:
                seen[last][name] = float(m.group(1))
        m = re.match(r"Block cache: (\d+) hits, (\d+) misses", line)
        if m and last in seen:
            hits, misses = int(m.group(1)), int(m.group(2))
            seen[last]["cache hit %"] = 100 * hits / max(1, hits + misses)
    for after, stats in seen.items():
        for name, value in stats.items():
            put(f"{name} after {after}", value)
def fmt(v):
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
print("## summary: median [min-max] of each setting's runs; ratio = median / the default's median")
print()
print(f"{'figure':<40} " + " | ".join(f"{label}" for label in order))
for name in names:
    default = figures[order[0]].get(name)
    base = statistics.median(default) if default else None
    cells = []
    for label in order:
        values = figures[label].get(name)
        if not values:
            cells.append("-")
            continue
        med = statistics.median(values)
        ratio = f", ratio {med / base:.2f}" if base and label != order[0] else ""
        cells.append(f"{fmt(med)} [{fmt(min(values))}-{fmt(max(values))}] (n={len(values)}{ratio})")
    print(f"{name:<40} " + " | ".join(cells))
