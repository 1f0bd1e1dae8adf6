#!/usr/bin/env python3
"""Puts two arca-bench JSON reports (Arca kv-v2 and etcd) side by side.

Usage: bench_compare.py ARCA_JSON ETCD_JSON OUT_JSON [KEY=VALUE ...]

Prints one table (ops/s, p50, p99 of each workload for both, and the Arca/etcd ratio
of ops/s) and writes OUT_JSON: both full reports plus the comparison, and the KEY=VALUE
pairs (machine, build, revision) under "meta".
"""
import json
import sys


def headline(workload):
    lat = workload.get("latency_us") or {}

    def ms(v):
        return None if v is None else round(v / 1000.0, 3)

    return {
        "ops_per_s": workload.get("ops_per_sec"),
        "p50_ms": ms(lat.get("p50")),
        "p99_ms": ms(lat.get("p99")),
        "errors": workload.get("errors"),
    }


def ratio(a, b):
    if not a or not b:
        return None
    return round(a / b, 3)


def fmt(v, width, digits=2):
    if v is None:
        return "-".rjust(width)
    return f"{v:.{digits}f}".rjust(width)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        arca = json.load(f)
    with open(argv[2]) as f:
        etcd = json.load(f)
    meta = dict(kv.split("=", 1) for kv in argv[4:] if "=" in kv)
    by_name = {w["name"]: w for w in etcd.get("workloads", [])}
    rows = {}
    for w in arca.get("workloads", []):
        other = by_name.get(w["name"])
        if other is None:
            continue
        a, e = headline(w), headline(other)
        rows[w["name"]] = {"arca": a, "etcd": e, "ratio_ops": ratio(a["ops_per_s"], e["ops_per_s"])}
    cfg = arca.get("config", {})
    print(
        f"\nArca (kv-v2, 1 node) vs etcd (v3 JSON gateway, 1 node): concurrency {cfg.get('concurrency')}, "
        f"{cfg.get('value_size')} B values, {cfg.get('keys')} keys, {cfg.get('duration_s')} s per workload"
    )
    head = (
        f"{'workload':<9} | {'arca ops/s':>10} {'p50 ms':>8} {'p99 ms':>8} | "
        f"{'etcd ops/s':>10} {'p50 ms':>8} {'p99 ms':>8} | {'arca/etcd':>9}"
    )
    print(head)
    print("-" * len(head))
    for name, r in rows.items():
        a, e = r["arca"], r["etcd"]
        print(
            f"{name:<9} | {fmt(a['ops_per_s'], 10, 1)} {fmt(a['p50_ms'], 8)} {fmt(a['p99_ms'], 8)} | "
            f"{fmt(e['ops_per_s'], 10, 1)} {fmt(e['p50_ms'], 8)} {fmt(e['p99_ms'], 8)} | "
            f"{fmt(r['ratio_ops'], 9, 2)}"
        )
    out = {"meta": meta, "comparison": rows, "arca": arca, "etcd": etcd}
    with open(argv[3], "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
