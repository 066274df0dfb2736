#!/usr/bin/env bash
# Load test: logins, testimony reads, searches and writes at once, 64 connections in all,
# against a release build on loopback with TESTIMONIES sealed testimonies (the demo
# generator), production argon2 parameters, SQLite (or PostgreSQL). Reports each mix's
# throughput, latency percentiles and errors, and the server's memory over time.
#
#   benches/load/load.sh [TESTIMONIES] [DURATION]      (defaults: 100000 10m)
#
# Seeding 100,000 takes minutes: with LOAD_DIR=/some/dir the installation is kept there
# and reused by the next run; DURATION "seed" stops after seeding. LOAD_DATABASE_URL
# (e.g. postgres://custodia:custodia@localhost/custodia_load, an empty database) runs
# against PostgreSQL instead of a SQLite file in the directory. LOAD_BIN runs another
# build (say, the last release's, for a baseline in the same session) instead of this one.
#
# LOAD_NODES=N (default 1) starts N `custodia` processes on the same database and blob
# folder, each on its own port, and splits each mix's connections between them (each
# mix runs one wrk per node; the summary merges their latency histograms). Unset, the
# run is the one-node run of before. Throughout the run sample.py records, every second,
# each node's, PostgreSQL's and wrk's CPU, PostgreSQL's commits and wait events
# (cpu.tsv, pg.tsv, waits.tsv, holders.tsv); report.py prints the summary (summary.txt). The run's
# files go to LOAD_RESULTS if set (a folder per run), else beside the installation.
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-100000}"
duration="${2:-10m}"
here="benches/load"
if [ -n "${LOAD_BIN:-}" ]; then
  bin="$LOAD_BIN"
else
  cargo build --release --all-features --quiet
  bin="$PWD/target/release/custodia"
fi
# Only what this script started: an unset id must not become `kill 0`, which would end
# every process of the group (a second load.sh seeding beside this one, say).
nodes="${LOAD_NODES:-1}"
case "$nodes" in ''|*[!0-9]*|0) echo "LOAD_NODES must be a number of nodes, 1 or more" >&2; exit 2 ;; esac
[ "$nodes" -le 4 ] || { echo "LOAD_NODES: at most 4 (the sessions mix has 4 connections)" >&2; exit 2; }
stop() { for p in ${servers:-} ${samplers:-}; do kill "$p" 2>/dev/null || true; done; }
if [ -n "${LOAD_DIR:-}" ]; then
  work="$LOAD_DIR"; mkdir -p "$work"
  trap 'stop' EXIT
else
  work="$(mktemp -d)"
  trap 'stop; rm -rf "$work"' EXIT
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="$(free_port)"
export CUSTODIA__DATABASE__URL="${LOAD_DATABASE_URL:-sqlite://$work/custodia.db}"
export CUSTODIA__SERVER__PORT="$port"
export CUSTODIA__KEYS__KEY_FILE="$work/root.key"
export CUSTODIA__STORAGE__BLOB_DIR="$work/blobs"
export CUSTODIA__LOG__LEVEL=warn
base="http://127.0.0.1:$port"

"$bin" --config-dir config serve >"$work/server.log" 2>&1 &
server=$!
servers="$server"
bases=("$base")
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done
if [ ! -s "$work/demo.txt" ]; then
  echo "seeding $n sealed testimonies (custodia demo --scale $n)…"
  seed_started=$(date +%s)
  "$bin" --config-dir config demo --scale "$n" >"$work/demo.txt.partial"
  mv "$work/demo.txt.partial" "$work/demo.txt"
  echo "seeded in $(( $(date +%s) - seed_started )) s"
fi
[ "$duration" = seed ] && exit 0
# The other nodes, once the first has migrated the database: same database, keys and
# blob folder, each its own port and log (server.2.log, …).
for i in $(seq 2 "$nodes"); do
  p="$(free_port)"
  CUSTODIA__SERVER__PORT="$p" "$bin" --config-dir config serve >"$work/server.$i.log" 2>&1 &
  servers="$servers $!"
  bases+=("http://127.0.0.1:$p")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$p/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$p/readyz" >/dev/null || { echo "node $i did not start: see $work/server.$i.log" >&2; exit 1; }
done
pass() { awk -v u="$1" '$1 == u { print $NF }' "$work/demo.txt"; }
login() {
  curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'
}
doc_pass="$(pass demo.documenter)"
doc="$(login demo.documenter "$doc_pass")"
inv="$(login demo.investigator "$(pass demo.investigator)")"
# The seeded case (demo.txt names it); an installation with more cases (say, one that
# `custodia demo --analysis` added) would otherwise give whichever the list shows first.
case_id="$(sed -n '1s/.*(id \([0-9a-f-]*\)).*/\1/p' "$work/demo.txt")"
[ -n "$case_id" ] || case_id="$(curl -sf "$base/api/v1/cases" -H "authorization: Bearer $doc" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')"
curl -sf "$base/api/v1/cases/$case_id/testimonies?limit=200" -H "authorization: Bearer $inv" \
  | python3 -c 'import sys,json; [print(t["id"]) for t in json.load(sys.stdin)["items"]]' >"$work/ids.txt"
witness="$(curl -sf "$base/api/v1/cases/$case_id/persons" -H "authorization: Bearer $doc" -H 'content-type: application/json' \
  -d '{"kind":"witness","names":["Load Witness"],"sex":"unknown"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')"

out="${LOAD_RESULTS:-$work}"; mkdir -p "$out"
rm -f "$out"/*.hist "$out"/cpu.tsv "$out"/pg.tsv "$out"/waits.tsv
samplers=""
i=0
for pid in $servers; do
  i=$((i + 1)); rss="$out/rss.txt"; [ "$i" -gt 1 ] && rss="$out/rss.$i.txt"
  echo "memory (RSS, KiB) every 10 s" >"$rss"
  ( while kill -0 "$pid" 2>/dev/null; do echo "$(date +%s) $(ps -o rss= -p "$pid")" >>"$rss"; sleep 10; done ) &
  samplers="$samplers $!"
done
# One wrk per mix and node, with the mix's connections and threads shared out between
# the nodes (a node's share of N connections: N / nodes, the first nodes taking the rest).
# One node: the same four wrk commands as ever; files MIX.txt. Several: MIX.NODE.txt.
pids=""
run_mix() {
  local name=$1 threads=$2 conns=$3 script=$4; shift 4
  local k c t res hist
  for k in $(seq 1 "$nodes"); do
    c=$(( conns / nodes + (k <= conns % nodes ? 1 : 0) ))
    t=$(( threads / nodes )); [ "$t" -ge 1 ] || t=1
    res="$out/$name.txt"; hist="$out/$name.hist"
    if [ "$nodes" -gt 1 ]; then res="$out/$name.$k.txt"; hist="$out/$name.$k.hist"; fi
    WRK_HISTOGRAM="$hist" wrk -t"$t" -c"$c" -d"$duration" --latency -s "$here/$script" "${bases[$((k - 1))]}" -- "$@" >"$res" &
    pids="$pids $!"
  done
}
echo "running for $duration on $nodes node(s): reads 28, searches 20, writes 12, sessions (1 in 20 a login) 4 connections"
run_mix read 2 28 read.lua "$inv" "$work/ids.txt"
run_mix search 2 20 search.lua "$inv" "$n"
run_mix write 1 12 write.lua "$doc" "$case_id" "$witness"
run_mix login 1 4 login.lua demo.documenter "$doc_pass" "$doc"
labels=""
i=0
for pid in $servers; do i=$((i + 1)); labels="$labels node$i=$pid"; done
LOAD_DATABASE_URL="${LOAD_DATABASE_URL:-}" python3 "$here/sample.py" "$out" $labels "wrk=$(echo $pids | tr ' ' ,)" &
samplers="$samplers $!"
# shellcheck disable=SC2086
wait $pids
for mix in read search write login; do
  for f in "$out/$mix.txt" "$out/$mix".[0-9]*.txt; do
    [ -f "$f" ] || continue
    echo "== $(basename "$f" .txt)"
    grep -E "Requests/sec|Non-2xx|Socket errors|^ +(50|75|90|99)%|Latency " "$f" || true
  done
done
i=0
for pid in $servers; do
  i=$((i + 1)); rss="$out/rss.txt"; log="$work/server.log"
  [ "$i" -gt 1 ] && { rss="$out/rss.$i.txt"; log="$work/server.$i.log"; }
  echo "== memory, node $i"
  awk 'NR > 1 { if (!first) first = $2; last = $2; if ($2 > max) max = $2; n++ } END {
    printf "samples %d, first %.1f MiB, max %.1f MiB, last %.1f MiB\n", n, first/1024, max/1024, last/1024 }' "$rss"
  if grep -q 'ERROR' "$log"; then echo "node $i logged errors:"; grep ERROR "$log" | head; fi
done
kill $samplers 2>/dev/null || true
wait $samplers 2>/dev/null || true
echo "== summary (all nodes together; files in $out)"
python3 "$here/report.py" "$out"
