#!/usr/bin/env python3
"""The summary of a load run: report.py DIR

Each mix's throughput, latency percentiles and errors from the wrk histograms
(`MIX.hist`, or `MIX.N.hist` for each node with LOAD_NODES=N, merged bucket by bucket,
so the percentiles are those of all the mix's requests, as wrk computes its own), then
the CPU, PostgreSQL commits and wait events sampled by sample.py. Written to
DIR/summary.txt as well.
"""
import collections
import glob
import os
import statistics
import sys

MIXES = ["read", "search", "write", "login"]


def mix(dirname, name):
    files = sorted(glob.glob(os.path.join(dirname, f"{name}.hist")) + glob.glob(os.path.join(dirname, f"{name}.[0-9]*.hist")))
    if not files:
        return None
    rps, req, errors, buckets = 0.0, 0, collections.Counter(), collections.Counter()
    for path in files:
        with open(path) as f:
            head = f.readline().split()
            kv = dict(zip(head[0::2], (int(x) for x in head[1::2])))
            for line in f:
                v, c = line.split()
                buckets[int(v)] += int(c)
        req += kv["requests"]
        rps += kv["requests"] / (kv["duration_us"] / 1e6)
        for k in ("connect", "read", "write", "status", "timeout"):
            errors[k] += kv[k]
    total = sum(buckets.values())
    pct = {}
    acc, ordered = 0, sorted(buckets.items())
    wanted = [50, 90, 99]
    for v, c in ordered:
        acc += c
        while wanted and acc >= total * wanted[0] / 100:
            pct[wanted.pop(0)] = v / 1000.0
    return len(files), req, rps, pct, errors


def table(path):
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return head, rows


def main():
    d = sys.argv[1]
    out = []
    p = out.append
    p(f"{'mix':<8} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}  errors (wrk: non-2xx, timeouts, socket)")
    for name in MIXES:
        m = mix(d, name)
        if not m:
            continue
        n, req, rps, pct, e = m
        sock = e["connect"] + e["read"] + e["write"]
        p(f"{name:<8} {rps:8.1f} {pct.get(50, 0):8.1f} {pct.get(90, 0):8.1f} {pct.get(99, 0):8.1f}  "
          f"{e['status']} non-2xx, {e['timeout']} timeouts, {sock} socket  ({req} requests, {n} wrk)")
    cpu = os.path.join(d, "cpu.tsv")
    if os.path.exists(cpu):
        head, rows = table(cpu)
        if rows:
            p(f"CPU, mean over {len(rows)} one-second samples, % of one core:")
            p("  " + ", ".join(f"{h} {statistics.mean(float(r[i]) for r in rows):.0f}" for i, h in enumerate(head) if i >= 2))
            loads = [float(r[1]) for r in rows]
            p(f"  load average (1 min) during the run: min {min(loads):.2f}, mean {statistics.mean(loads):.2f}, max {max(loads):.2f}")
    pg = os.path.join(d, "pg.tsv")
    if os.path.exists(pg):
        head, rows = table(pg)
        if rows:
            mean = {h: statistics.mean(float(r[i]) for r in rows) for i, h in enumerate(head) if i >= 1}
            p(f"PostgreSQL, mean over {len(rows)} samples: {mean['commits_s']:.0f} commits/s (about 5 of them the sampler's own psql), "
              f"{mean['rollbacks_s']:.1f} rollbacks/s"
              + (f", {mean['audit_appends_s']:.0f} audit entries/s" if "audit_appends_s" in mean else "")
              + f"; client backends {mean['active']:.1f} active, "
              f"{mean['idle_in_tx']:.1f} idle in transaction, {mean['idle']:.1f} idle")
            seen = sum(1 for r in rows if int(r[head.index("audit_head_waits")]) > 0)
            p(f"  waiting on a lock {mean['lock_waits']:.2f}, of them on the audit head {mean['audit_head_waits']:.2f} "
              f"(in {seen} of {len(rows)} samples); holding the audit head while Custodia works {mean['audit_head_held']:.2f}")
    waits = os.path.join(d, "waits.tsv")
    if os.path.exists(waits):
        head, rows = table(waits)
        samples = len({r[0] for r in rows}) or 1
        by = collections.Counter()
        for r in rows:
            if r[1] != "idle":
                key = f"{r[1]} {r[2]}/{r[3]}" + (" (audit head)" if r[4] == "1" else "")
                by[key] += int(r[5])
        p("  busy backends by state and wait event (mean count per sample):")
        for key, c in by.most_common(10):
            p(f"    {c / samples:5.2f}  {key}")
    holders = os.path.join(d, "holders.tsv")
    if os.path.exists(holders):
        head, rows = table(holders)
        seen = len({r[0] for r in rows})
        by, kind = collections.Counter(), collections.Counter()
        for r in rows:
            by[f"{r[1]} {r[2]}/{r[3]}: {r[4]}"] += int(r[5])
            if r[2] == "IO" and r[3].startswith("WAL"):
                kind["flushing the WAL at its commit"] += int(r[5])
            elif r[1].startswith("idle in"):
                kind["idle in transaction (Custodia's turn: a round trip, the node's work)"] += int(r[5])
            else:
                kind["anything else (running in PostgreSQL, LWLocks, reads)"] += int(r[5])
        if seen:
            n = sum(kind.values())
            p("  the audit head's holder, while someone waited on it: "
              + "; ".join(f"{100.0 * c / n:.0f} % {k}" for k, c in kind.most_common()))
            p(f"  the audit head's holder, in the {seen} samples with someone waiting on it (share of those samples):")
            for key, c in by.most_common(6):
                p(f"    {100.0 * c / seen:5.1f} %  {key}")
    text = "\n".join(out)
    print(text)
    with open(os.path.join(d, "summary.txt"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
