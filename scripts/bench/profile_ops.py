#!/usr/bin/env python3
"""Summarises a libtorch profiler Chrome trace (DecodeBench --profile, or torch.profiler's export_chrome_trace) per op.

Prints, per top-level op name, the number of calls and the total and mean wall time, with the trace's span and the
share of it the ops cover (the rest is time outside libtorch ops: JNI, Java or Python, the allocator's bookkeeping).
Nested ops (aten::linear -> aten::addmm) are counted once, at the outermost level.

Usage: python3 scripts/bench/profile_ops.py TRACE.json [--top 25] [--steps N]
"""
import argparse
import collections
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--steps", type=int, default=0, help="decoding steps in the trace: also print calls per step")
    a = ap.parse_args()
    with open(a.trace) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    ops = sorted((e for e in events if e.get("ph") == "X" and "dur" in e and e.get("cat") in (None, "cpu_op", "Operator")),
                 key=lambda e: (str(e.get("tid")), float(e["ts"])))
    top = []  # outermost events only, per thread
    end = {}
    for e in ops:
        t = e.get("tid")
        e["ts"], e["dur"] = float(e["ts"]), float(e["dur"])
        if e["ts"] >= end.get(t, -1):
            top.append(e)
            end[t] = e["ts"] + e["dur"]
    if not top:
        raise SystemExit(a.trace + ": no complete events")
    span = max(e["ts"] + e["dur"] for e in top) - min(e["ts"] for e in top)
    calls = collections.Counter()
    total = collections.Counter()
    for e in top:
        calls[e["name"]] += 1
        total[e["name"]] += e["dur"]
    covered = sum(total.values())
    print(f"{a.trace}: {len(top)} top-level ops over {span / 1e3:.1f} ms, ops cover {100 * covered / span:.0f}%")
    per = f" {'calls/step':>10}" if a.steps else ""
    print(f"{'op':40} {'calls':>7}{per} {'total ms':>9} {'mean us':>8} {'share':>6}")
    for name, d in total.most_common(a.top):
        ps = f" {calls[name] / a.steps:10.1f}" if a.steps else ""
        print(f"{name[:40]:40} {calls[name]:7d}{ps} {d / 1e3:9.1f} {d / calls[name]:8.1f} {100 * d / span:5.1f}%")


if __name__ == "__main__":
    main()
