#!/usr/bin/env bash
# Hostile input against the documented API: schemathesis (PyPI) generates requests from
# /api/v1/openapi.json — valid, invalid and boundary values, then the workflows its links
# describe — and runs every check it has: no 5xx, documented status codes, media types
# and headers, bodies matching their schemas, schema-invalid data refused, schema-valid
# data accepted (tests/schemathesis.toml lists the rules no schema can state), `Allow`
# on 405, nothing left after a delete, created records readable, no ignored auth.
# It runs once per role and once with no token, each role with its own session, against
# a fresh installation holding the fictional demo case. Any failure fails the run.
#
#   tests/schemathesis.sh [MAX_EXAMPLES]        (default 30 per operation)
#
# On SQLite by default; on PostgreSQL when CUSTODIA_TEST_POSTGRES_URL is set (a fresh
# schema, dropped afterwards). Needs `pip install schemathesis`; builds the debug binary
# if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-30}"
cargo build --quiet --all-features
bin="$PWD/target/debug/custodia"
work="$(mktemp -d)"
pg_url="${CUSTODIA_TEST_POSTGRES_URL:-}"
pg_schema=""
# The server gets SIGTERM and 15 s to stop gracefully; then it is killed, and the run
# says so without failing: once in CI, after a whole run, one of actix-server's two
# workers was gone and the graceful stop waited for it for ever (docs/operations.md).
stop_server() {
  [ -n "${server:-}" ] || return 0
  kill "$server" 2>/dev/null || return 0
  for _ in $(seq 1 150); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$server" 2>/dev/null; then
    echo "the server had not stopped 15 s after SIGTERM: killed; its log ends with:"
    tail -5 "$work/server.log"
    kill -9 "$server" 2>/dev/null || true
  fi
  wait "$server" 2>/dev/null || true
}
cleanup() {
  stop_server
  [ -n "$pg_schema" ] && psql -q "$pg_url" -c "DROP SCHEMA IF EXISTS $pg_schema CASCADE" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
if [ -n "$pg_url" ]; then
  pg_schema="st_$(date +%s)_$$"
  psql -q "$pg_url" -c "CREATE SCHEMA $pg_schema" >/dev/null
  sep='?'; case "$pg_url" in *\?*) sep='&';; esac
  export CUSTODIA__DATABASE__URL="${pg_url}${sep}options=-csearch_path%3D${pg_schema}"
  echo "== on PostgreSQL (schema $pg_schema)"
else
  export CUSTODIA__DATABASE__URL="sqlite://$work/custodia.db"
  echo "== on SQLite"
fi
export CUSTODIA__SERVER__PORT="$port"
export CUSTODIA__KEYS__KEY_FILE="$work/root.key"
export CUSTODIA__STORAGE__BLOB_DIR="$work/blobs"
# The fuzzer sends thousands of wrong logins from one address: high limits, so it cannot
# lock out the accounts under test (throttling has its own integration tests).
export CUSTODIA__AUTH__MAX_FAILURES_PER_ADDRESS=1000000
export CUSTODIA__AUTH__MAX_FAILURES_PER_ACCOUNT=1000000
run() { "$bin" --config-dir config --env test "$@"; }

# Not through `run`: $! must be the server itself, for the trap to stop it.
"$bin" --config-dir config --env test serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
password="correct horse battery staple"
for role in admin documenter investigator lawyer auditor clinician; do
  echo "$password" | run user add "st.$role" --role "$role" --password-stdin >/dev/null
done
run demo --scale 2 >/dev/null
# The staff under test join the demo case, so its records exist for them.
python3 - "$port" "$password" <<'PY'
import json, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}/api/v1"
def call(method, path, token=None, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as res:
        return json.load(res)
admin = call("POST", "/auth/login", body={"username": "st.admin", "password": sys.argv[2]})["token"]
case = call("GET", "/cases", admin)["items"][0]["id"]
for user in call("GET", "/users?limit=200", admin)["items"]:
    if user["username"] in ("st.documenter", "st.investigator", "st.lawyer", "st.clinician"):
        call("POST", f"/cases/{case}/members", admin, {"user_id": user["id"], "role": "member"})
PY

failed=0
roles="lawyer investigator documenter clinician auditor admin"
# Every session is opened before any fuzzing, so nothing a run does can keep the next
# role from signing in.
declare -A tokens
for role in $roles; do
  tokens[$role]="$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"st.$role\",\"password\":\"$password\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')"
done
# SCHEMATHESIS_RUNS picks some of them (e.g. "admin anonymous") when working on one;
# SCHEMATHESIS_VERBOSE=1 shows each whole report.
for role in ${SCHEMATHESIS_RUNS:-$roles anonymous}; do
  auth=()
  [ "$role" != anonymous ] && auth=(-H "Authorization: Bearer ${tokens[$role]}")
  # An admin opens cases for others and never reads or writes their content, so a case
  # an admin has just created is, for that admin, a case whose records answer 404.
  only=()
  [ "$role" = admin ] && only=(--exclude-checks ensure_resource_availability)
  echo "== schemathesis as $role"
  # Excluded: calls that end the session under test or lock every role out (logout,
  # own password, seal, a TOTP rule per role); each has its own integration tests.
  out="$work/st-$role.txt"
  st --config-file tests/schemathesis.toml run "http://127.0.0.1:$port/api/v1/openapi.json" \
      "${auth[@]}" "${only[@]}" \
      --exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/password \
      --exclude-path /api/v1/system/seal --exclude-path-regex '^/api/v1/roles/' \
      --checks all --phases examples,coverage,fuzzing,stateful \
      --max-examples "$examples" --workers 2 --seed 20261127 --warnings off ${SCHEMATHESIS_ARGS:-} >"$out" 2>&1 || true
  # A failure is the API's; an error is schemathesis's own (it has crashed inside
  # Hypothesis now and then): shown, but only failures, or no summary at all, fail the run.
  [ -n "${SCHEMATHESIS_VERBOSE:-}" ] && cat "$out"
  if grep -q 'No issues found' "$out"; then
    grep -E 'generated|No issues found|API Links|Scenarios' "$out"
  elif grep -q '^Failures:' "$out" || ! grep -q '^Test cases:' "$out"; then
    cat "$out"
    failed=1
  elif grep -q 'Invalid OpenAPI\|Schema Error\|Unresolvable\|Server Unavailable\|Network Error\|Timeout' "$out"; then
    # An error in the document, or a server that stopped answering, is ours.
    cat "$out"
    failed=1
  else
    echo "schemathesis reported internal errors (not failures of the API):"
    sed -n '/^=* ERRORS/,$p' "$out"
  fi
done
if ! kill -0 "$server" 2>/dev/null; then
  echo "the server is gone:"; tail -20 "$work/server.log"; failed=1
fi
# Nothing the fuzzer sends is for an operator to act on: any ERROR line fails the run.
if grep -q 'ERROR' "$work/server.log"; then
  echo "server logged errors:"; grep 'ERROR' "$work/server.log" | head -20; failed=1
fi
exit "$failed"
