#!/usr/bin/env bash
# The write path (issue 23): requests/s, p50 and p99 of creating a 5 KB testimony
# (POST /cases/{id}/testimonies: validate, seal under a fresh DEK, index, audit), with its
# blind index and with indexing switched off (CUSTODIA_BENCH_SKIP_INDEX=1, benchmark
# only), in the same run, alternating, on SQLite and — given a PostgreSQL URL whose user
# may create databases — on PostgreSQL too (a fresh database per run, dropped after).
# Release build on loopback, wrk. Not a timed test.
#   benches/write_path.sh [seconds] [connections]
#   BENCH_DATABASE_URL=postgres://custodia:custodia@127.0.0.1:5432/postgres  also PostgreSQL
#   BENCH_BIN=path/to/custodia   runs that build instead of building this one
#   BASE_BIN=path/to/custodia    a baseline build, measured with its index only (it has
#                                no switch) beside this one in each round
#   BENCH_ROUNDS=2  BENCH_PORT=18093
#   BENCH_PERF=dir  also profiles the server (perf record -g) during each run, a report
#                   per run in dir, by thread (the SQLite writer runs on a blocking thread)
# Each run prints one parseable line:
#   RESULT backend=sqlite build=this index=on req_s=… p50_ms=… p99_ms=… load1=…
# and each round the ratio of this build's index=on to its index=off.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
rounds=${BENCH_ROUNDS:-2}
port=${BENCH_PORT:-18093}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
[ -n "${BENCH_BIN:-}" ] || cargo build --release --all-features --quiet
bin=$(realpath "${BENCH_BIN:-./target/release/custodia}")
base_bin=${BASE_BIN:+$(realpath "$BASE_BIN")}
tmp=$(mktemp -d)
pid=""
pg_db=""
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  [ -z "$pg_db" ] || psql -q "$BENCH_DATABASE_URL" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
# wrk's latency ("812.00us", "4.20ms", "1.02s") in milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[^m]s$/) n *= 1000; printf "%.2f", n }'; }

# run BACKEND BUILD BIN INDEX(on|off): a fresh database, a user, a case and a witness,
# then wrk on the create; prints the RESULT line and leaves req/s in $last_rps.
run() {
  local backend=$1 build=$2 b=$3 index=$4 dir url
  dir=$(mktemp -d -p "$tmp")
  if [ "$backend" = postgres ]; then
    pg_db="custodia_bench_writes_$$"
    psql -q "$BENCH_DATABASE_URL" -c "DROP DATABASE IF EXISTS $pg_db" -c "CREATE DATABASE $pg_db" >/dev/null
    url="${BENCH_DATABASE_URL%/*}/$pg_db"
  else
    url="sqlite://$dir/custodia.db"
  fi
  export CUSTODIA__DATABASE__URL="$url" CUSTODIA__SERVER__PORT=$port CUSTODIA__LOG__LEVEL=warn \
    CUSTODIA__KEYS__KEY_FILE="$dir/root.key" CUSTODIA__STORAGE__BLOB_DIR="$dir/blobs"
  "$b" migrate >/dev/null
  "$b" init --source file >/dev/null
  echo "benchmark password 1" | "$b" user add bench --role documenter --password-stdin >/dev/null
  if [ "$index" = off ]; then
    CUSTODIA_BENCH_SKIP_INDEX=1 "$b" serve 2>"$dir/serve.log" &
  else
    "$b" serve 2>"$dir/serve.log" &
  fi
  pid=$!
  local api=http://127.0.0.1:$port/api/v1
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
  local token case_id witness
  token=$(curl -sf -X POST $api/auth/login -H 'content-type: application/json' \
    -d '{"username":"bench","password":"benchmark password 1"}' | json '["token"]')
  case_id=$(curl -sf -X POST $api/cases -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"reference":"BENCH-1","title":"benchmark"}' | json '["id"]')
  witness=$(curl -sf -X POST $api/cases/$case_id/persons -H "Authorization: Bearer $token" \
    -H 'content-type: application/json' -d '{"kind":"witness","names":["Bench Witness"]}' | json '["id"]')
  python3 - "$witness" > "$dir/body.json" <<'PY'
import json, sys
sentence = "Меня задержали у дома и отвезли в изолятор, где сотрудники избивали задержанных дубинками. "
account = (sentence * 100)[:2600]  # ~5 KB of UTF-8
print(json.dumps(ensure_ascii=False, obj={"witness_id": sys.argv[1], "languages": ["ru"], "source_connection": "victim",
  "account": account, "summary": "benchmark",
  "consent": {"share_with": {"prosecutors": True}, "may_be_named": False, "given_on": "2021-01-01",
              "how_given": "written", "text_version": "1"}}))
PY
  cat > "$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.body = io.open("$dir/body.json"):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
  local load out
  load=$(cut -d' ' -f1 /proc/loadavg)
  local perf_pid=""
  if [ -n "${BENCH_PERF:-}" ]; then
    perf record -F 499 -g -p "$pid" -o "$dir/perf.data" -- sleep "$secs" 2>/dev/null &
    perf_pid=$!
  fi
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$dir/post.lua" "$api/cases/$case_id/testimonies")
  if [ -n "$perf_pid" ]; then
    wait "$perf_pid" || true
    mkdir -p "$BENCH_PERF"
    perf report -i "$dir/perf.data" --no-children --sort comm,sym --stdio 2>/dev/null \
      | grep -v '^$' | head -400 > "$BENCH_PERF/$backend-$build-index-$index.txt" || true
  fi
  echo "$out" > "$dir/wrk.txt"
  if echo "$out" | grep -q "Non-2xx"; then
    echo "$out" | grep "Non-2xx" >&2
    echo "non-2xx answers: see $dir/serve.log" >&2
  fi
  last_rps=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
  local p50 p99
  p50=$(ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")
  p99=$(ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")
  echo "RESULT backend=$backend build=$build index=$index req_s=$last_rps p50_ms=$p50 p99_ms=$p99 load1=$load"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
  if [ "$backend" = postgres ]; then
    psql -q "$BENCH_DATABASE_URL" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null
    pg_db=""
  fi
}

backends=sqlite
[ -z "${BENCH_DATABASE_URL:-}" ] || backends="sqlite postgres"
echo "5 KB testimony create, wrk -t2 -c$conns -d${secs}s, $rounds rounds; $(nproc) cores"
for backend in $backends; do
  for round in $(seq "$rounds"); do
    [ -z "$base_bin" ] || run "$backend" base "$base_bin" on
    run "$backend" this "$bin" on
    on=$last_rps
    run "$backend" this "$bin" off
    off=$last_rps
    echo "RATIO backend=$backend round=$round indexed/unindexed=$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.2f", a / b }')"
  done
done
