#!/usr/bin/env python3
"""Samples where the time goes during a load run, once a second, until stopped.

    sample.py OUT_DIR LABEL=PID[,PID…] …     (LOAD_DATABASE_URL set: PostgreSQL too)

cpu.tsv   — each labelled process's CPU (its threads together), PostgreSQL's (split into
            this database's backends and everything else: background processes, other
            databases), the whole machine's and the 1-minute load average, all in % of
            one core (200 = both cores of a 2-core machine busy). "other" is the machine
            less everything named: other jobs sharing the cores.
pg.tsv    — this database's commits, rollbacks and audit entries per second (PostgreSQL publishes its
            counters at most once a second, so single seconds jitter; the run's mean does
            not) and how many of its client backends are in each state.
waits.tsv — this database's client backends by state and wait event (wait_event_type /
            wait_event as in pg_stat_activity; "CPU/-" = running, no wait), and whether
            the statement is on the audit head (`audit_head` in its text: an active one
            waiting on Lock/transactionid or Lock/tuple waits for the head's row lock,
            an "idle in transaction" one holds it and waits for Custodia's next step).
rss.tsv   — each labelled process's resident memory (VmRSS, KiB; its processes together)
            and its threads, every second: benches/rss_plot.py draws it.
holders.tsv — whenever something waits on the audit head: what the backend holding it
            is doing (state, wait event, the start of its statement — "COMMIT" with
            IO/WALSync is the commit's flush, "idle in transaction" is Custodia's turn).

Reads only /proc and pg_stat_activity / pg_stat_database through psql (one short
connection a second: its own commits, about 5 a second, are in the counts). Stops on SIGTERM.
"""
import os
import signal
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")
stop = False


def on_term(*_):
    global stop
    stop = True


def proc_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])
    except (OSError, IndexError, ValueError):
        return None


def proc_memory(pid):
    """(VmRSS in KiB, threads) of a process, None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["Threads"])
    except (OSError, KeyError, ValueError, IndexError):
        return None


def postgres_pids():
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/comm") as f:
                    if f.read().strip() == "postgres":
                        pids.append(int(name))
            except OSError:
                pass
    return pids


def machine():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


QUERY = [
    "select 'db', xact_commit, xact_rollback from pg_stat_database where datname = current_database()",
    # A plain read of the head: it never waits on the appenders' row lock.
    "select 'head', size from audit_head",
    "select 'pid', pid, coalesce(datname = current_database(), false)::int from pg_stat_activity",
    "select 'w', coalesce(state, '-'), coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'),"
    " (state <> 'idle' and query ilike '%audit_head%')::int, count(*) from pg_stat_activity"
    " where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'"
    " group by 2, 3, 4, 5",
    # Whoever holds the row lock the audit head's waiters queue on, and what it is doing:
    # the first in the queue holds the tuple lock and waits for the holder's transaction,
    # the rest wait for it, so the holder is the blocker not itself waiting on a lock.
    "select 'h', coalesce(a.state, '-'), coalesce(a.wait_event_type, 'CPU'), coalesce(a.wait_event, '-'),"
    " regexp_replace(left(a.query, 40), '\\s+', ' ', 'g'), count(*) from pg_stat_activity a"
    " where coalesce(a.wait_event_type, '') <> 'Lock'"
    " and a.pid in (select unnest(pg_blocking_pids(w.pid)) from pg_stat_activity w"
    " where w.datname = current_database() and w.wait_event_type = 'Lock' and w.query ilike '%audit_head%')"
    " group by 2, 3, 4, 5",
]


def pg_sample(url):
    args = ["psql", "-X", "-q", "-A", "-t", "-F", "\t", url]
    for q in QUERY:
        args += ["-c", q]
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    db, ours, waits, holders = None, set(), [], []
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "db":
            db = (int(f[1]), int(f[2]))
        elif f[0] == "head" and db:
            db = db + (int(f[1]),)
        elif f[0] == "pid" and f[2] == "1":
            ours.add(int(f[1]))
        elif f[0] == "w":
            waits.append(f[1:])
        elif f[0] == "h":
            holders.append(f[1:])
    return db, ours, waits, holders


def main():
    out, specs = sys.argv[1], sys.argv[2:]
    labels = [(s.split("=", 1)[0], [int(p) for p in s.split("=", 1)[1].split(",") if p]) for s in specs]
    url = os.environ.get("LOAD_DATABASE_URL", "")
    pg = url.startswith("postgres")
    signal.signal(signal.SIGTERM, on_term)
    cpu = open(os.path.join(out, "cpu.tsv"), "w", buffering=1)
    cols = [l for l, _ in labels] + (["postgres_db", "postgres_other"] if pg else ["postgres"]) + ["machine", "other"]
    cpu.write("\t".join(["time", "load1"] + cols) + "\n")
    mem = open(os.path.join(out, "rss.tsv"), "w", buffering=1)
    mem.write("\t".join(["time"] + [f"{l}_rss_kib" for l, _ in labels] + [f"{l}_threads" for l, _ in labels]) + "\n")
    if pg:
        pgf = open(os.path.join(out, "pg.tsv"), "w", buffering=1)
        pgf.write("time\tcommits_s\trollbacks_s\taudit_appends_s\tactive\tidle_in_tx\tidle\tlock_waits\taudit_head_waits\taudit_head_held\n")
        wf = open(os.path.join(out, "waits.tsv"), "w", buffering=1)
        wf.write("time\tstate\twait_event_type\twait_event\taudit_head\tcount\n")
        hf = open(os.path.join(out, "holders.tsv"), "w", buffering=1)
        hf.write("time\tstate\twait_event_type\twait_event\tquery\tcount\n")
    prev_t, prev_m, prev_p, prev_db, ours = None, None, {}, None, set()
    while not stop:
        t = time.time()
        busy, total = machine()
        ticks = {}
        for _, pids in labels:
            for p in pids:
                ticks[p] = proc_ticks(p)
        for p in postgres_pids():
            ticks[p] = proc_ticks(p)
        sizes = [[proc_memory(p) for p in pids] for _, pids in labels]
        mem.write(
            f"{t:.3f}\t"
            + "\t".join(str(sum(m[0] for m in ms if m)) for ms in sizes)
            + "\t"
            + "\t".join(str(sum(m[1] for m in ms if m)) for ms in sizes)
            + "\n"
        )
        sample = pg_sample(url) if pg else None
        if sample and sample[1]:
            ours = sample[1]
        with open("/proc/loadavg") as f:
            load1 = f.read().split()[0]
        if prev_t is not None:
            dt = t - prev_t

            def pct(pids):
                # A process born in this second: all its time is this second's.
                d = sum(ticks[p] - (prev_p.get(p) or 0) for p in pids if ticks.get(p) is not None)
                return 100.0 * d / TICK / dt

            row = [pct(pids) for _, pids in labels]
            pgp = [p for p in ticks if p not in {q for _, ps in labels for q in ps}]
            if pg:
                row += [pct([p for p in pgp if p in ours]), pct([p for p in pgp if p not in ours])]
            else:
                row += [pct(pgp)]
            m = 100.0 * os.cpu_count() * (busy - prev_m[0]) / max(1, total - prev_m[1])
            row += [m, max(0.0, m - sum(row))]
            cpu.write(f"{t:.3f}\t{load1}\t" + "\t".join(f"{x:.1f}" for x in row) + "\n")
            if pg and sample and sample[0] and prev_db:
                waits = sample[2]
                count = lambda pred: sum(int(w[4]) for w in waits if pred(w))
                pgf.write(
                    f"{t:.3f}\t{(sample[0][0] - prev_db[0]) / dt:.1f}\t{(sample[0][1] - prev_db[1]) / dt:.1f}\t"
                    f"{(sample[0][2] - prev_db[2]) / dt if len(sample[0]) > 2 and len(prev_db) > 2 else 0:.1f}\t"
                    f"{count(lambda w: w[0] == 'active')}\t{count(lambda w: w[0].startswith('idle in'))}\t"
                    f"{count(lambda w: w[0] == 'idle')}\t{count(lambda w: w[1] == 'Lock')}\t"
                    f"{count(lambda w: w[1] == 'Lock' and w[3] == '1')}\t"
                    f"{count(lambda w: w[0].startswith('idle in') and w[3] == '1')}\n"
                )
                for w in waits:
                    wf.write(f"{t:.3f}\t" + "\t".join(w) + "\n")
                for h in sample[3]:
                    hf.write(f"{t:.3f}\t" + "\t".join(h) + "\n")
        prev_t, prev_m, prev_p = t, (busy, total), ticks
        if pg and sample and sample[0]:
            prev_db = sample[0]
        time.sleep(max(0.0, 1.0 - (time.time() - t)))


if __name__ == "__main__":
    main()
