#!/usr/bin/env python3
"""Profiles the 3-node write path: a fresh 3-node Arca cluster, 64 clients writing kv-v2
to the active node for PROFILE_SECONDS (default 15), `perf record` on the active node
meanwhile (cpu-clock at 499 Hz, DWARF call graphs: release builds have no frame
pointers), then the top functions by self time (perf report) and a flame graph
(inferno-collapse-perf | inferno-flamegraph, if inferno is installed:
`cargo install inferno`).

Usage: bench_profile.py ARCA_BIN ARCA_BENCH_BIN [--out-dir bench/results]
Writes OUT_DIR/write-path.svg, OUT_DIR/write-path-top.txt and prints the top 25.
Needs Debian's linux-perf (`perf`). Use a release build: a dev build's profile is
dominated by unoptimised code that the release build does not have.
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "cluster-tests"))
import arca_cluster  # noqa: E402

SECONDS = int(os.environ.get("PROFILE_SECONDS", "15"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("arca")
    ap.add_argument("arca_bench")
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "bench", "results"))
    args = ap.parse_args()
    if not shutil.which("perf"):
        sys.exit("bench_profile: perf is missing (apt-get install linux-perf)")
    os.makedirs(args.out_dir, exist_ok=True)
    os.environ["ARCA_BIN"] = os.path.abspath(args.arca)
    data = os.path.join(args.out_dir, "write-path.perf.data")
    with arca_cluster.Cluster(size=3) as cluster:
        leader = cluster.leader()
        env = dict(os.environ, VAULT_TOKEN=cluster.token)
        load = subprocess.Popen(
            [os.path.abspath(args.arca_bench), "--address", leader.addr, "--workload", "write",
             "--concurrency", "64", "--duration", f"{SECONDS + 2}s", "--value-size", "256",
             "--keys", "1000"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        perf = subprocess.run(
            ["perf", "record", "-e", "cpu-clock", "-F", "499", "--call-graph", "dwarf,16384",
             "-o", data, "-p", str(leader.proc.pid), "--", "sleep", str(SECONDS)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        out, _ = load.communicate()
        print(out)
        if perf.returncode != 0:
            sys.exit(f"bench_profile: perf record failed: {perf.stderr[-600:]}")
    top = subprocess.run(
        ["perf", "report", "-i", data, "--no-children", "--sort", "symbol", "--stdio",
         "--percent-limit", "0.5", "-g", "none"],
        capture_output=True, text=True).stdout
    with open(os.path.join(args.out_dir, "write-path-top.txt"), "w") as f:
        f.write(top)
    print("\n".join(line for line in top.splitlines() if line and not line.startswith("#"))[:6000])
    if shutil.which("inferno-collapse-perf") and shutil.which("inferno-flamegraph"):
        script = subprocess.Popen(["perf", "script", "-i", data], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        collapsed = subprocess.run(["inferno-collapse-perf"], stdin=script.stdout, capture_output=True)
        script.wait()
        folded = os.path.join(args.out_dir, "write-path.folded")
        with open(folded, "wb") as f:
            f.write(collapsed.stdout)
        with open(folded, "rb") as f, open(os.path.join(args.out_dir, "write-path.svg"), "wb") as svg:
            subprocess.run(["inferno-flamegraph", "--title", "Arca 3-node kv-v2 writes, active node"],
                           stdin=f, stdout=svg, check=False)
        print(f"flame graph: {os.path.join(args.out_dir, 'write-path.svg')}")
    else:
        print("inferno not installed: no flame graph (cargo install inferno)")


if __name__ == "__main__":
    main()
