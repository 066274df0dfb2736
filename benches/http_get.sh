#!/usr/bin/env bash
# Request overhead: requests/s of GET /healthz (no database, no session: the framework's
# own ceiling) and of an authenticated GET /api/v1/auth/me (token, revocation counter,
# session, JSON) against one release server on loopback, back to back with the same wrk
# settings, each twice, then the ratio. Not a timed test.
#   benches/http_get.sh [seconds] [connections]
# BENCH_BIN runs another build (a baseline) instead of building this one.
# BENCH_DATABASE_URL (postgres://…, an empty database) runs on PostgreSQL instead of a
# SQLite file.
# Output: one line per run, `healthz N req/s`, `me N req/s` (N as wrk's Requests/sec),
# then `ratio me/healthz R` over the best of each.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-6}
conns=${2:-64}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
[ -n "${BENCH_BIN:-}" ] || cargo build --release --all-features --quiet
tmp=$(mktemp -d)
pid=""
port=18089
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
export CUSTODIA__DATABASE__URL="${BENCH_DATABASE_URL:-sqlite://$tmp/custodia.db}" CUSTODIA__SERVER__PORT=$port \
  CUSTODIA__KEYS__KEY_FILE="$tmp/root.key" CUSTODIA__STORAGE__BLOB_DIR="$tmp/blobs" \
  CUSTODIA__LOG__LEVEL=warn
bin=${BENCH_BIN:-./target/release/custodia}
$bin migrate >/dev/null
echo "benchmark password 1" | $bin user add bench --role admin --password-stdin >/dev/null
$bin serve 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
start=$(date +%s%N)
token=$(curl -sf -X POST http://127.0.0.1:$port/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"username":"bench","password":"benchmark password 1"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
echo "login (argon2id m=19 MiB t=2, end to end): $(( ($(date +%s%N) - start) / 1000000 )) ms"
curl -sf -o /dev/null -H "Authorization: Bearer $token" http://127.0.0.1:$port/api/v1/auth/me \
  || { echo "GET /auth/me with the benchmark's token failed"; exit 1; }
echo "backend: ${CUSTODIA__DATABASE__URL%%:*}; binary: $bin; wrk -t2 -c$conns -d${secs}s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
rps=0
run() { # name, then wrk's arguments; leaves Requests/sec in $rps
  local name=$1; shift
  local out
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$@")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  local p99 non2xx
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
  echo "$name $rps req/s p99 $p99${non2xx:+ non-2xx $non2xx}"
}
best_h=0
best_m=0
for round in 1 2; do
  run healthz http://127.0.0.1:$port/healthz
  h=$rps
  run me -H "Authorization: Bearer $token" http://127.0.0.1:$port/api/v1/auth/me
  m=$rps
  best_h=$(awk -v a="$best_h" -v b="$h" 'BEGIN { print (b > a) ? b : a }')
  best_m=$(awk -v a="$best_m" -v b="$m" 'BEGIN { print (b > a) ? b : a }')
done
echo "ratio me/healthz $(awk -v m="$best_m" -v h="$best_h" 'BEGIN { printf "%.3f", m / h }') (best $best_m / $best_h req/s)"
