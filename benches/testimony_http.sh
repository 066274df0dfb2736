#!/usr/bin/env bash
# Requests/s for recording a 5 KB testimony (POST: validate, seal content and consent
# under a fresh DEK, insert, audit) and for reading one (GET: membership check, unwrap,
# decrypt, redact, audit — every read is a write transaction), against a release build
# on SQLite over loopback. Not a timed test.
#   benches/testimony_http.sh [seconds] [connections] [postgres://… URL of an empty database]
# BENCH_BIN runs another build (a baseline) instead of building this one.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
conns=${2:-32}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
[ -n "${BENCH_BIN:-}" ] || cargo build --release --all-features --quiet
tmp=$(mktemp -d)
pid=""
port=18090
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
export CUSTODIA__DATABASE__URL="${3:-sqlite://$tmp/custodia.db}" CUSTODIA__SERVER__PORT=$port CUSTODIA__LOG__LEVEL=warn \
  CUSTODIA__KEYS__KEY_FILE="$tmp/root.key" CUSTODIA__STORAGE__BLOB_DIR="$tmp/blobs"
bin=${BENCH_BIN:-./target/release/custodia}
$bin migrate >/dev/null
$bin init --source file >/dev/null
echo "benchmark password 1" | $bin user add bench --role documenter --password-stdin >/dev/null
$bin serve 2>"$tmp/serve.log" &
pid=$!
base=http://127.0.0.1:$port/api/v1
for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
token=$(curl -sf -X POST $base/auth/login -H 'content-type: application/json' \
  -d '{"username":"bench","password":"benchmark password 1"}' | json '["token"]')
auth="Authorization: Bearer $token"
case_id=$(curl -sf -X POST $base/cases -H "$auth" -H 'content-type: application/json' \
  -d '{"reference":"BENCH-1","title":"benchmark"}' | json '["id"]')
witness=$(curl -sf -X POST $base/cases/$case_id/persons -H "$auth" -H 'content-type: application/json' \
  -d '{"kind":"witness","names":["Bench Witness"]}' | json '["id"]')
python3 - "$witness" > "$tmp/body.json" <<'PY'
import json, sys
sentence = "Меня задержали у дома и отвезли в изолятор, где сотрудники избивали задержанных дубинками. "
account = (sentence * 100)[:2600]  # ~5 KB of UTF-8
print(json.dumps(ensure_ascii=False, obj={"witness_id": sys.argv[1], "languages": ["ru"], "source_connection": "victim",
  "account": account, "summary": "benchmark",
  "consent": {"share_with": {"prosecutors": True}, "may_be_named": False, "given_on": "2021-01-01",
              "how_given": "written", "text_version": "1"}}))
PY
echo "request body: $(wc -c < "$tmp/body.json") bytes"
cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = io.open("$tmp/body.json"):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
echo "== POST /cases/{id}/testimonies (create a 5 KB testimony)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$tmp/post.lua" "$base/cases/$case_id/testimonies"
tid=$(curl -sf -X POST $base/cases/$case_id/testimonies -H "$auth" -H 'content-type: application/json' \
  --data-binary @"$tmp/body.json" | json '["id"]')
echo "== GET /testimonies/{id} (read one, audited)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -H "$auth" "$base/testimonies/$tid"
