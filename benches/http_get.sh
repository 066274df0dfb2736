#!/usr/bin/env bash
# Requests/s of an authenticated GET (/api/v1/auth/me: token lookup, session and user
# join, JSON) against a release build on loopback, with wrk. Not a timed test.
#   benches/http_get.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
conns=${2:-64}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
cargo build --release --all-features --quiet
tmp=$(mktemp -d)
pid=""
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
export CUSTODIA__DATABASE__URL="sqlite://$tmp/custodia.db" CUSTODIA__SERVER__PORT=18089 CUSTODIA__LOG__LEVEL=warn
bin=./target/release/custodia
$bin migrate >/dev/null
echo "benchmark password 1" | $bin user add bench --role admin --password-stdin >/dev/null
$bin serve 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18089/healthz >/dev/null && break; sleep 0.1; done
start=$(date +%s%N)
token=$(curl -sf -X POST http://127.0.0.1:18089/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"username":"bench","password":"benchmark password 1"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
echo "login (argon2id m=19 MiB t=2, end to end): $(( ($(date +%s%N) - start) / 1000000 )) ms"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $token" http://127.0.0.1:18089/api/v1/auth/me
