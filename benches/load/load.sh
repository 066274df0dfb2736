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
stop() { for p in ${server:-} ${sampler:-}; do kill "$p" 2>/dev/null || true; done; }
if [ -n "${LOAD_DIR:-}" ]; then
  work="$LOAD_DIR"; mkdir -p "$work"
  trap 'stop' EXIT
else
  work="$(mktemp -d)"
  trap 'stop; rm -rf "$work"' EXIT
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export CUSTODIA__DATABASE__URL="${LOAD_DATABASE_URL:-sqlite://$work/custodia.db}"
export CUSTODIA__SERVER__PORT="$port"
export CUSTODIA__KEYS__KEY_FILE="$work/root.key"
export CUSTODIA__STORAGE__BLOB_DIR="$work/blobs"
export CUSTODIA__LOG__LEVEL=warn
base="http://127.0.0.1:$port"

"$bin" --config-dir config serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done
if [ ! -s "$work/demo.txt" ]; then
  echo "seeding $n sealed testimonies (custodia demo --scale $n)…"
  seed_started=$(date +%s)
  "$bin" --config-dir config demo --scale "$n" >"$work/demo.txt.partial"
  mv "$work/demo.txt.partial" "$work/demo.txt"
  echo "seeded in $(( $(date +%s) - seed_started )) s"
fi
[ "$duration" = seed ] && exit 0
pass() { awk -v u="$1" '$1 == u { print $NF }' "$work/demo.txt"; }
login() {
  curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'
}
doc_pass="$(pass demo.documenter)"
doc="$(login demo.documenter "$doc_pass")"
inv="$(login demo.investigator "$(pass demo.investigator)")"
case_id="$(curl -sf "$base/api/v1/cases" -H "authorization: Bearer $doc" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')"
curl -sf "$base/api/v1/cases/$case_id/testimonies?limit=200" -H "authorization: Bearer $inv" \
  | python3 -c 'import sys,json; [print(t["id"]) for t in json.load(sys.stdin)["items"]]' >"$work/ids.txt"
witness="$(curl -sf "$base/api/v1/cases/$case_id/persons" -H "authorization: Bearer $doc" -H 'content-type: application/json' \
  -d '{"kind":"witness","names":["Load Witness"],"sex":"unknown"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')"

echo "memory (RSS, KiB) every 10 s" >"$work/rss.txt"
( while kill -0 "$server" 2>/dev/null; do echo "$(date +%s) $(ps -o rss= -p "$server")" >>"$work/rss.txt"; sleep 10; done ) &
sampler=$!
echo "running for $duration: reads 28, searches 20, writes 12, sessions (1 in 20 a login) 4 connections"
wrk -t2 -c28 -d"$duration" --latency -s "$here/read.lua" "$base" -- "$inv" "$work/ids.txt" >"$work/read.txt" &
r=$!
wrk -t2 -c20 -d"$duration" --latency -s "$here/search.lua" "$base" -- "$inv" "$n" >"$work/search.txt" &
s=$!
wrk -t1 -c12 -d"$duration" --latency -s "$here/write.lua" "$base" -- "$doc" "$case_id" "$witness" >"$work/write.txt" &
w=$!
wrk -t1 -c4 -d"$duration" --latency -s "$here/login.lua" "$base" -- demo.documenter "$doc_pass" "$doc" >"$work/login.txt" &
l=$!
wait "$r" "$s" "$w" "$l"
for mix in read search write login; do
  echo "== $mix"
  grep -E "Requests/sec|Non-2xx|Socket errors|^ +(50|75|90|99)%|Latency " "$work/$mix.txt" || true
done
echo "== memory"
awk 'NR > 1 { if (!first) first = $2; last = $2; if ($2 > max) max = $2; n++ } END {
  printf "samples %d, first %.1f MiB, max %.1f MiB, last %.1f MiB\n", n, first/1024, max/1024, last/1024 }' "$work/rss.txt"
if grep -q 'ERROR' "$work/server.log"; then echo "server logged errors:"; grep ERROR "$work/server.log" | head; fi
