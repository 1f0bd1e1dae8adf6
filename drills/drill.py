"""Failover drills on a three-container Arca cluster run from the Helm chart's HA config.

    python drills/drill.py [--short] [--image arca:dev] [--out DIR] [--keep]

Starts the cluster (drills/cluster.py), initialises pod 0 (5 shares, threshold 3),
unseals all three (pods 1 and 2 join by the config's retry_join), waits for three voters,
then, while a writer keeps writing (drills/writer.py), runs the drills:

  kill       docker kill the active pod; a standby takes over; the pod is started again,
             unsealed, rejoins and catches up
  pause      docker pause the active pod; a standby takes over; unpause: it steps down
  partition  docker network disconnect the active pod; the majority elects; a write to
             the isolated pod must not be acknowledged; reconnect: it converges
  rolling    delete and recreate every pod in turn (standbys first), as with the chart's
             OnDelete update strategy; each new pod gets a new address, keeps its volume
  replace_removed
             delete a standby pod and its volume, `remove-peer` it, recreate it empty (a
             new PVC): it joins again under the same node_id, is unsealed, becomes a voter
             (autopilot) and catches up
  lost_quorum
             (last, with the writer stopped) back up, write more, kill two pods, then the
             runbook's recovery (docs/operations.md): replace every pod and volume, initialise pod 0, restore the
             backup (snapshot-force), unseal with the backup's keys, let the others join;
             everything written before the backup must be there
  replace    the same as replace_removed without remove-peer: the fresh node must
             join again under the same node_id, be unsealed, become a voter and catch up.
             Not in the default run (--drills replace): it fails today, see
             docs/container.md, "Known problems"

--short runs only `kill` (for `make test`). Every drill checks that the cluster converges
(one active node, every node caught up); at the end every acknowledged write is read back.
Prints a table and writes results.json, results.md and the pods' logs to --out. Exits 1 if
a drill failed or an acknowledged write is missing.
"""

import argparse
import datetime
import json
import pathlib
import subprocess
import sys
import tempfile
import time
import traceback

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from cluster import Cluster, DrillError, docker  # noqa: E402
from writer import Writer, lost_writes  # noqa: E402

SHARES, THRESHOLD = 5, 3
STEP_TIMEOUT_S = 60
ALL_DRILLS = ("kill", "pause", "partition", "rolling", "replace_removed", "lost_quorum", "replace")
# `replace` is left out of the default run while it fails: a fresh node at a member's
# address makes the leader's raft core panic (docs/container.md, "Known problems").
DEFAULT_DRILLS = ("kill", "pause", "partition", "rolling", "replace_removed", "lost_quorum")


def now():
    return time.monotonic()


class Drills:
    def __init__(self, cluster):
        self.c = cluster
        self.keys = None
        self.token = None
        self.writer = None
        self.rows = []

    # --- setting up ---------------------------------------------------------------------

    def bootstrap(self):
        c = self.c
        t0 = now()
        c.start()
        c.wait("every pod to answer", lambda: all(p.health() for p in c.pods), STEP_TIMEOUT_S)
        first = c.pods[0]
        r = first.request("PUT", "sys/init", json={"secret_shares": SHARES, "secret_threshold": THRESHOLD}, timeout=60)
        if r.status_code != 200:
            raise DrillError(f"init answered {r.status_code}: {r.text}")
        body = r.json()
        self.keys, self.token = body["keys"][:THRESHOLD], body["root_token"]
        first.unseal(self.keys)
        c.wait(f"{first.name} to become active", lambda: first.health() == 200, STEP_TIMEOUT_S)
        for p in c.pods[1:]:
            # retry_join: the pod finds the leader through vault-0.vault-internal and
            # reports itself initialised and sealed (503) until it is unsealed.
            c.wait(f"{p.name} to join (sealed)", lambda p=p: p.health() == 503, STEP_TIMEOUT_S)
            p.unseal(self.keys)
        c.wait("three voters", self.all_voters, STEP_TIMEOUT_S)
        r = first.request("POST", "sys/mounts/kv", token=self.token, json={"type": "kv"})
        if r.status_code not in (200, 204):
            raise DrillError(f"mounting kv answered {r.status_code}: {r.text}")
        c.wait("the chart's readiness probe to pass on every pod", lambda: all(p.ready() for p in c.pods), STEP_TIMEOUT_S, 0.5)
        print(f"cluster of {len(c.pods)} up, initialised ({SHARES}/{THRESHOLD}), unsealed, "
              f"three voters, ready by the chart's probe: {now() - t0:.1f}s", flush=True)

    def all_voters(self):
        active = self.c.active()
        if active is None:
            return False
        r = active.request("GET", "sys/storage/raft/configuration", token=self.token)
        if r.status_code != 200:
            return False
        servers = r.json()["data"]["config"]["servers"]
        return len(servers) == len(self.c.pods) and all(s["voter"] for s in servers)

    # --- waiting ------------------------------------------------------------------------

    def active_pod(self):
        """The active pod, waiting for one if the cluster is between leaders."""
        return self.c.wait("an active pod", self.c.active, STEP_TIMEOUT_S, 0.1)

    def wait_active(self, among, since):
        """Waits for an active pod among `among`; returns (pod, seconds since `since`)."""
        pod = self.c.wait("a new active pod", lambda: self.c.active(among), STEP_TIMEOUT_S, 0.05)
        return pod, now() - since

    def wait_first_write(self, since):
        """Seconds from `since` until a write sent after it was acknowledged."""
        def acked():
            _, first, _ = self.writer.window(since, now())
            return first
        return self.c.wait("a write to be acknowledged", acked, STEP_TIMEOUT_S, 0.05)

    def converge(self, pods=None):
        """Waits until exactly one pod is active, the others standby, and every pod has
        applied what the active pod had committed when the wait began; returns seconds."""
        t0 = now()
        pods = pods or self.c.pods

        def one_active():
            codes = [p.health() for p in pods]
            return codes.count(200) == 1 and all(code in (200, 429) for code in codes)

        self.c.wait("one active pod and standbys", one_active, STEP_TIMEOUT_S, 0.1)
        active = self.c.active(pods)
        target = active.leader()["raft_committed_index"]

        def caught_up():
            try:
                return all(p.leader()["raft_applied_index"] >= target for p in pods)
            except Exception:  # noqa: BLE001 - a pod between states answers nothing useful
                return False

        self.c.wait(f"every pod to apply index {target}", caught_up, STEP_TIMEOUT_S, 0.1)
        return now() - t0

    def rejoin(self, pod):
        """Unseals a restarted pod and waits until it is a caught-up standby; seconds."""
        t0 = now()
        self.c.wait(f"{pod.name} to answer sealed", lambda: pod.health() == 503, STEP_TIMEOUT_S, 0.05)
        pod.unseal(self.keys)
        self.converge()
        return now() - t0

    def record(self, drill, t0, active_s, write_s, notes, **extra):
        count, _, gap = self.writer.window(t0, now())
        row = {"drill": drill, "time_to_new_active_s": active_s, "time_to_first_write_s": write_s,
               "max_write_gap_s": gap, "writes_acked_during": count, "notes": notes, **extra}
        self.rows.append(row)
        print(f"  {drill}: new active after {fmt(active_s)}, writes again after {fmt(write_s)}, "
              f"longest write gap {fmt(gap)}, {count} writes acknowledged; {notes}", flush=True)

    # --- the drills ---------------------------------------------------------------------

    def kill(self):
        old = self.active_pod()
        others = [p for p in self.c.pods if p is not old]
        docker("kill", old.container)
        docker("wait", old.container)  # until the process is gone, not just signalled
        t0 = now()
        new, active_s = self.wait_active(others, t0)
        write_s = self.wait_first_write(t0)
        time.sleep(2)  # run on two nodes for a while
        docker("start", old.container)
        rejoin_s = self.rejoin(old)
        self.record("kill active", t0, active_s, write_s,
                    f"{old.name} killed, {new.name} took over; {old.name} restarted, unsealed, "
                    f"caught up in {rejoin_s:.1f}s", rejoin_s=rejoin_s)

    def pause(self):
        old = self.active_pod()
        others = [p for p in self.c.pods if p is not old]
        docker("pause", old.container)
        t0 = now()
        new, active_s = self.wait_active(others, t0)
        write_s = self.wait_first_write(t0)
        time.sleep(2)
        docker("unpause", old.container)
        converge_s = self.converge()
        state = "standby" if old.health() == 429 else f"health {old.health()}"
        self.record("pause active", t0, active_s, write_s,
                    f"{old.name} paused, {new.name} took over; unpaused {old.name} is {state}, "
                    f"converged in {converge_s:.1f}s", converge_s=converge_s)

    def partition(self):
        old = self.active_pod()
        others = [p for p in self.c.pods if p is not old]
        alias = f"{old.name}.{self.c.fullname}-internal"
        docker("network", "disconnect", self.c.network, old.container)
        t0 = now()
        new, active_s = self.wait_active(others, t0)
        write_s = self.wait_first_write(t0)
        # A client still next to the isolated pod: its write must not be acknowledged.
        split = subprocess.run(
            ["docker", "exec", "-e", f"VAULT_TOKEN={self.token}", old.container,
             "timeout", "8", "vault", "write", "kv/drill/isolated", "seq=-1"],
            capture_output=True, text=True, timeout=30)
        isolated_acked = split.returncode == 0
        # What the isolated pod says about itself (what its pod labels would say).
        seen = subprocess.run(
            # (busybox's own `wget -T` crashes; `timeout` bounds it instead)
            ["docker", "exec", old.container, "timeout", "5", "wget", "-q", "-O", "-",
             "http://127.0.0.1:8200/v1/sys/health?standbycode=200&sealedcode=200&uninitcode=200"],
            capture_output=True, text=True, timeout=30)
        try:
            isolated_state = "standby" if json.loads(seen.stdout)["standby"] else "ACTIVE"
        except (ValueError, KeyError):
            isolated_state = "no answer"
        docker("network", "connect", "--ip", old.ip, "--alias", alias, self.c.network, old.container)
        converge_s = self.converge()
        r = new.request("GET", "kv/drill/isolated", token=self.token)
        if isolated_acked and r.status_code != 200:
            raise DrillError("the isolated pod acknowledged a write that the cluster does not have")
        self.record("partition active", t0, active_s, write_s,
                    f"{old.name} cut off, {new.name} elected by the majority; write on the isolated pod "
                    f"{'ACKNOWLEDGED' if isolated_acked else 'refused'}, it reported itself {isolated_state} "
                    f"meanwhile; healed in {converge_s:.1f}s",
                    isolated_write_acked=isolated_acked, isolated_state=isolated_state, converge_s=converge_s)

    def rolling(self):
        t0 = now()
        active = self.active_pod()
        order = [p for p in self.c.pods if p is not active] + [active]
        active_s = write_s = None
        steps = []
        for pod in order:
            s0 = now()
            was_active = pod.health() == 200
            pod.delete()
            if was_active:
                # Timed from SIGTERM (the pod still serves while it drains).
                _, active_s = self.wait_active([p for p in self.c.pods if p is not pod], s0)
                write_s = self.wait_first_write(s0)
            pod.run()  # a new pod: same name and volume, new address
            rejoin_s = self.rejoin(pod)
            steps.append(f"{pod.name}{' (active)' if was_active else ''} {now() - s0:.1f}s")
        self.record("rolling restart", t0, active_s, write_s,
                    "pods deleted and recreated one at a time with new addresses: " + ", ".join(steps),
                    total_s=now() - t0)

    def replace(self, remove_first=False):
        """A pod loses its volume (a new PVC): the fresh node joins under the same node_id.
        With `remove_first`, the operator removes the old member before the new pod starts."""
        active = self.active_pod()
        victim = next(p for p in reversed(self.c.pods) if p is not active)
        t0 = now()
        victim.delete()
        docker("volume", "rm", victim.volume)
        if remove_first:
            r = active.request("POST", "sys/storage/raft/remove-peer", token=self.token,
                               json={"server_id": victim.name})
            if r.status_code not in (200, 204):
                raise DrillError(f"remove-peer answered {r.status_code}: {r.text}")
        victim.run()
        self.c.wait(f"{victim.name} (empty volume) to join", lambda: victim.health() == 503, STEP_TIMEOUT_S, 0.05)
        victim.unseal(self.keys)
        join_s = now() - t0
        self.c.wait("three voters again", self.all_voters, STEP_TIMEOUT_S, 0.2)
        voter_s = now() - t0
        converge_s = self.converge()
        r = active.request("GET", "sys/storage/raft/configuration", token=self.token)
        ids = sorted(s["node_id"] for s in r.json()["data"]["config"]["servers"])
        if ids != sorted(p.name for p in self.c.pods):
            raise DrillError(f"raft members after the replacement: {ids}")
        self.record("replace volume" + (" (remove-peer first)" if remove_first else ""), t0, None, None,
                    f"{victim.name} recreated on an empty volume: joined and unsealed after {join_s:.1f}s, "
                    f"voter after {voter_s:.1f}s, caught up {converge_s:.1f}s later; members {', '.join(ids)}",
                    join_s=join_s, voter_s=voter_s)

    def replace_removed(self):
        """The runbook's way (docs/operations.md) to replace a volume: remove-peer, then
        start the new pod."""
        self.replace(remove_first=True)

    def lost_quorum(self):
        """Two of three pods are gone for good; the runbook's recovery from a backup
        (docs/operations.md, "Lost quorum").
        Runs with the writer stopped: writes acknowledged after the backup are lost by
        design, so they are counted, not treated as a failure."""
        c = self.c
        active = self.active_pod()
        before = self._write_batch("before", 200)
        snap = active.request("GET", "sys/storage/raft/snapshot", token=self.token, timeout=60)
        if snap.status_code != 200:
            raise DrillError(f"snapshot answered {snap.status_code}: {snap.text[:200]}")
        after = self._write_batch("after", 20)
        # The standbys die: the survivor is the leader that just lost its quorum.
        survivor = active
        for p in c.pods:
            if p is not survivor:
                docker("kill", p.container)
        # With one voter of three left nothing commits: a write must not be acknowledged.
        time.sleep(5)  # well past the election timeout
        survivor_health = survivor.health()
        try:
            probe = survivor.request("PUT", "kv/lost/probe", token=self.token, json={"v": 1}, timeout=10)
            no_quorum_write = f"HTTP {probe.status_code}"
            if probe.status_code in (200, 204):
                raise DrillError("the survivor without quorum acknowledged a write")
        except requests.RequestException:
            no_quorum_write = "no answer within 10 s"
        # Recovery: every pod and volume is replaced; pod 0 alone first.
        t0 = now()
        for p in c.pods:
            p.delete(grace_s=2)
            docker("volume", "rm", p.volume)
        first = c.pods[0]
        first.run()
        c.wait(f"{first.name} to answer", lambda: first.health() == 501, STEP_TIMEOUT_S, 0.1)
        init = first.request("PUT", "sys/init", json={"secret_shares": 1, "secret_threshold": 1}, timeout=60).json()
        first.unseal(init["keys"])
        c.wait(f"{first.name} active", lambda: first.health() == 200, STEP_TIMEOUT_S, 0.1)
        r = first.request("POST", "sys/storage/raft/snapshot-force", token=init["root_token"],
                          data=snap.content, timeout=120)
        if r.status_code not in (200, 204):
            raise DrillError(f"snapshot-force answered {r.status_code}: {r.text[:300]}")
        # The restored keyring opens only with the backup's keys: the node seals.
        c.wait(f"{first.name} to seal after the restore", lambda: first.health() == 503, STEP_TIMEOUT_S, 0.1)
        first.unseal(self.keys)
        c.wait(f"{first.name} active with the backup's keys", lambda: first.health() == 200, STEP_TIMEOUT_S, 0.1)
        for p in c.pods[1:]:
            p.run()
            c.wait(f"{p.name} to join (sealed)", lambda p=p: p.health() == 503, STEP_TIMEOUT_S)
            p.unseal(self.keys)
        c.wait("three voters", self.all_voters, STEP_TIMEOUT_S, 0.2)
        self.converge()
        recover_s = now() - t0
        missing = lost_writes(first, self.token, before, prefix="lost")
        gone_after = lost_writes(first, self.token, after, prefix="lost", sample=1)
        if missing:
            raise DrillError(f"{len(missing)} writes acknowledged before the backup are missing: {missing[:5]}")
        self.rows.append({"drill": "lost quorum (restore)", "time_to_new_active_s": None,
                          "time_to_first_write_s": None, "max_write_gap_s": None,
                          "writes_acked_during": len(before) + len(after),
                          "notes": f"2 of 3 pods killed: the survivor ({survivor.name}, health "
                                   f"{survivor_health} 5 s later) answered a write with "
                                   f"{no_quorum_write}; all pods and volumes replaced, backup restored "
                                   f"(snapshot-force), unsealed with the backup's keys, 3 voters in "
                                   f"{recover_s:.1f}s; {len(before)} writes before the backup all present, "
                                   f"{len(gone_after)} of {len(after)} written after it gone (expected)",
                          "recover_s": recover_s})
        print(f"  lost quorum: {self.rows[-1]['notes']}", flush=True)

    def _write_batch(self, tag, n):
        """Writes n keys lost/<tag>-i through the active pod; returns {key: seq}."""
        active = self.active_pod()
        done = {}
        for i in range(n):
            key = f"{tag}-{i:04d}"
            r = active.request("PUT", f"kv/lost/{key}", token=self.token, json={"seq": i}, timeout=10)
            if r.status_code not in (200, 204):
                raise DrillError(f"write {key} answered {r.status_code}")
            done[key] = i
        return done

    # --- running ------------------------------------------------------------------------

    def run(self, names):
        # lost_quorum ends the cluster's history (a restore): it runs after the check.
        final = "lost_quorum" if "lost_quorum" in names else None
        names = [n for n in names if n != "lost_quorum"]
        self.bootstrap()
        self.writer = Writer(self.c, self.token)
        self.writer.start()
        time.sleep(2)
        for name in names:
            getattr(self, name)()
            time.sleep(1)
        self.writer.stop()
        converge_s = self.converge()
        active = self.active_pod()
        lost = lost_writes(active, self.token, self.writer.acked)
        print(f"{len(self.writer.acked)} writes acknowledged, {len(lost)} lost "
              f"({self.writer.failures} attempts failed or timed out and were retried); "
              f"final convergence {converge_s:.1f}s", flush=True)
        if final:
            getattr(self, final)()
        return lost


def fmt(seconds):
    return "-" if seconds is None else f"{seconds:.2f}s"


def table(rows, acked, lost):
    lines = ["| drill | time to new active | time to first acknowledged write | longest write gap | writes acknowledged during drill | notes |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['drill']} | {fmt(r['time_to_new_active_s'])} | {fmt(r['time_to_first_write_s'])} | "
                     f"{fmt(r['max_write_gap_s'])} | {r['writes_acked_during']} | {r['notes']} |")
    lines.append("")
    lines.append(f"Writes acknowledged in total: {acked}; lost: {lost}.")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--image", default="arca:dev")
    ap.add_argument("--short", action="store_true", help="only the kill drill (for make test)")
    ap.add_argument("--out", default=None, help="where results and logs go")
    ap.add_argument("--keep", action="store_true", help="leave the containers running at the end")
    ap.add_argument("--drills", default=None, help="comma-separated subset, e.g. kill,replace")
    args = ap.parse_args()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = pathlib.Path(args.out or pathlib.Path.home() / ".cache/arca/drills" / stamp)
    out.mkdir(parents=True, exist_ok=True)
    names = ["kill"] if args.short else list(DEFAULT_DRILLS)
    if args.drills:
        names = args.drills.split(",")
        unknown = [n for n in names if n not in ALL_DRILLS]
        if unknown:
            ap.error(f"unknown drills {unknown}; choose from {ALL_DRILLS}")

    image_id = docker("image", "inspect", "-f", "{{.Id}}", args.image)
    with tempfile.TemporaryDirectory(prefix="arca-drill-") as work:
        cluster = Cluster(args.image, work)
        drills = Drills(cluster)
        failed = None
        lost = []
        try:
            lost = drills.run(names)
        except Exception as e:  # noqa: BLE001 - reported, logs kept, exit 1
            failed = f"{type(e).__name__}: {e}"
            traceback.print_exc()
        finally:
            if drills.writer is not None:
                drills.writer.stop()
            cluster.save_logs(out / "logs")
            if not args.keep:
                cluster.close()

    acked = len(drills.writer.acked) if drills.writer else 0
    report = table(drills.rows, acked, len(lost))
    results = {"image": args.image, "image_id": image_id, "started": stamp, "drills": drills.rows,
               "writes_acked": acked, "writes_lost": len(lost), "lost_keys": lost[:100], "failed": failed}
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(report + "\n")
    print()
    print(report)
    print(f"\nresults and pod logs: {out}")
    if failed:
        print(f"DRILL FAILED: {failed}", file=sys.stderr)
        return 1
    if lost:
        print(f"DRILL FAILED: {len(lost)} acknowledged writes lost, e.g. {lost[:5]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
