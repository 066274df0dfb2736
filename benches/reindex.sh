#!/usr/bin/env bash
# Online reindex (issue 23): times `custodia search reindex [--new-key]` at N sealed
# testimonies while searches (4 connections) and new testimonies (2 connections) run
# against the server, and prints the rebuild's time and each mix's req/s, non-2xx and
# longest latency during it.
#
#   REINDEX_BIN=path/to/custodia benches/reindex.sh [TESTIMONIES] [--new-key]   (default 10000)
#
# REINDEX_BIN: the build to measure (main's for "before"; default this tree's release).
# REINDEX_DIR: the installation, seeded once by benches/load/load.sh and reused (a copy is
# made for each run, so before and after start from the same index). REINDEX_DATABASE_URL:
# PostgreSQL instead (an empty database; the run changes it: recreate it between runs).
# Prints lines `rebuild_s=…`, `search rps=… non2xx=… max_ms=…`, `write …`.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
flag="${2:-}"
bin="${REINDEX_BIN:-$PWD/target/release/custodia}"
seeded="${REINDEX_DIR:-/tmp/custodia-reindex-$n}"
[ -s "$seeded/demo.txt" ] || LOAD_DIR="$seeded" LOAD_BIN="$bin" LOAD_DATABASE_URL="${REINDEX_DATABASE_URL:-}" \
  benches/load/load.sh "$n" seed
work="$(mktemp -d)"
stop() { for p in ${server:-} ${wrks:-}; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap stop EXIT
cp -r "$seeded"/. "$work"/
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export CUSTODIA__DATABASE__URL="${REINDEX_DATABASE_URL:-sqlite://$work/custodia.db}"
export CUSTODIA__SERVER__PORT="$port" CUSTODIA__KEYS__KEY_FILE="$work/root.key"
export CUSTODIA__STORAGE__BLOB_DIR="$work/blobs" CUSTODIA__LOG__LEVEL=warn
base="http://127.0.0.1:$port"
"$bin" --config-dir config serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done
pass() { awk -v u="$1" '$1 == u { print $NF }' "$work/demo.txt"; }
login() {
  curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'
}
doc="$(login demo.documenter "$(pass demo.documenter)")"
inv="$(login demo.investigator "$(pass demo.investigator)")"
case_id="$(sed -n '1s/.*(id \([0-9a-f-]*\)).*/\1/p' "$work/demo.txt")"
witness="$(curl -sf "$base/api/v1/cases/$case_id/persons" -H "authorization: Bearer $doc" -H 'content-type: application/json' \
  -d '{"kind":"witness","names":["Reindex Witness"],"sex":"unknown"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')"
wrk -t1 -c4 -d1h --latency -s benches/load/search.lua "$base" -- "$inv" "$n" >"$work/search.txt" &
wrks="$!"
wrk -t1 -c2 -d1h --latency -s benches/load/write.lua "$base" -- "$doc" "$case_id" "$witness" >"$work/write.txt" &
wrks="$wrks $!"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
started=$(date +%s.%N)
# shellcheck disable=SC2086
"$bin" --config-dir config search reindex $flag | tail -n 3
echo "rebuild_s=$(echo "$(date +%s.%N) - $started" | bc)"
# wrk prints its summary on SIGINT.
for p in $wrks; do kill -INT "$p"; done
wait $wrks || true
for mix in search write; do
  f="$work/$mix.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$f")
  non=$(awk '/Non-2xx/ {print $NF}' "$f"); non=${non:-0}
  max=$(awk '/^ +Latency/ {print $4}' "$f")
  echo "$mix rps=$rps non2xx=$non max=$max"
done
