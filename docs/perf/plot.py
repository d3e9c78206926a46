#!/usr/bin/env python3
"""Plots end-to-end latency against load from docs/perf/results.jsonl.

Usage: python3 docs/perf/plot.py [results.jsonl] [out.png]
Needs matplotlib (Debian: apt-get install python3-matplotlib; run with /usr/bin/python3).
One panel for relay fan-out (p50/p95/p99 against delivered frames per second, sessions of 3 and
other shapes marked), one for the bridge round trip against delivered messages per second.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "results.jsonl")
target = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "latency-vs-load.png")

QUIET_LOAD = 5.0  # 1-minute load at start below which a run counts as quiet (busy runs: 6.5-23.5)
rows = [json.loads(line) for line in open(source) if line.strip()]
for r in rows:
    # x axis: the load offered (deliveries per second the generator asked for), not what came out:
    # under overload delivery collapses, and plotting against it would fold the curve back.
    if r["scenario"] == "fanout":
        r["offered"] = r["offered_frames_per_second"] * (r["peers"] - 1)
    elif r["scenario"] == "bridge":
        r["offered"] = r["sessions"] * r["peers"] * r["rate_per_socket"] * r["peers"]
fanout = sorted((r for r in rows if r["scenario"] == "fanout"), key=lambda r: r["offered"])
bridge = sorted((r for r in rows if r["scenario"] == "bridge"), key=lambda r: r["offered"])

fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
for ax, data, x_key, lat_key, title, xlabel in (
    (axes[0], fanout, "offered", "latency", "Relay fan-out (100-byte frames)",
     "offered deliveries per second (frames x receivers)"),
    (axes[1], bridge, "offered", "round_trip_latency", "Bridge round trip (via Redis + echo worker)",
     "offered deliveries per second"),
):
    # Runs started at a 1-minute load of 5 or more shared the 2 cores with other work (the superseded
    # busy-machine runs); drawing them on one line with quiet runs would zig-zag between the two.
    for quiet, fmt, alpha, tag in ((True, "-", 1.0, "quiet"), (False, ":", 0.35, "busy, superseded")):
        part = [r for r in data if (float(r["loadavg_start"].split()[0]) < QUIET_LOAD) == quiet]
        if not part:
            continue
        xs = [r[x_key] for r in part]
        for pct, marker, colour in (("p50_ms", "o", "C0"), ("p95_ms", "s", "C1"), ("p99_ms", "^", "C2")):
            ax.plot(xs, [r[lat_key][pct] for r in part], marker + fmt, color=colour, alpha=alpha,
                    label=f'{pct.replace("_ms", "")} ({tag})')
        for r in part:
            shape = f'{r["sessions"]}x{r["peers"]}, loss {r["loss_ratio"] * 100:.0f}%, load {r["loadavg_start"].split()[0]}'
            ax.annotate(shape, (r[x_key], r[lat_key]["p99_ms"]), fontsize=7, alpha=alpha,
                        textcoords="offset points", xytext=(3, 3))
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("latency (ms, log scale)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
fig.suptitle("Lifeguard on a 2-core machine: solid = quiet runs, dotted = superseded busy runs (labels: sessions x peers, loss, 1-min load average at start)")
fig.tight_layout()
fig.savefig(target, dpi=110)
print(f"wrote {target} from {len(fanout)} fan-out and {len(bridge)} bridge runs")
