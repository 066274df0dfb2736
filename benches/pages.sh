#!/usr/bin/env bash
# Server time of the main pages with a case of TESTIMONIES sealed testimonies (the demo
# generator), release build, SQLite, on loopback. Each page is fetched ROUNDS times by
# each role that uses it; reports p50/p95/max of the time to the first byte (curl's
# time_starttransfer: the server's work plus loopback).
#
#   benches/pages.sh [TESTIMONIES] [ROUNDS]      (defaults: 1000 30)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
rounds="${2:-30}"
# BENCH_BIN runs another build (say, the last release's, for a baseline in the same
# session) instead of this one.
if [ -n "${BENCH_BIN:-}" ]; then
  bin="$BENCH_BIN"
else
  cargo build --release --all-features --quiet
  bin="$PWD/target/release/custodia"
fi
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export CUSTODIA__DATABASE__URL="sqlite://$work/custodia.db"
export CUSTODIA__SERVER__PORT="$port"
export CUSTODIA__KEYS__KEY_FILE="$work/root.key"
export CUSTODIA__STORAGE__BLOB_DIR="$work/blobs"
export CUSTODIA__LOG__LEVEL=warn
# The bench signs in as the lawyer with a password alone (by default lawyers need a
# second factor, which would lead every page of theirs to enrolment).
export CUSTODIA__AUTH__REQUIRE_SECOND_FACTOR=admin
base="http://127.0.0.1:$port"
"$bin" --config-dir config serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done
echo "seeding a case of $n sealed testimonies…"
"$bin" --config-dir config demo --scale "$n" >"$work/demo.txt"
case_id="$(grep -o 'id [0-9a-f-]*' "$work/demo.txt" | head -1 | cut -d' ' -f2)"
password() { grep " $1 " "$work/demo.txt" | awk '{print $NF}'; }

# Signs in through the form; prints the cookie jar's path.
login() {
  local jar="$work/$1.jar"
  curl -s -o /dev/null -c "$jar" -X POST "$base/login" \
    --data-urlencode "username=$1" --data-urlencode "password=$(password "$1")"
  echo "$jar"
}
doc="$(login demo.documenter)"
inv="$(login demo.investigator)"
law="$(login demo.lawyer)"
csrf() { curl -s -b "$1" "$base/account" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//'; }

page="$(curl -s -b "$doc" "$base/cases/$case_id")"
testimony="$({ echo "$page" | grep -o 'href="/testimonies/[0-9a-f-]*"' || true; } | head -1 | sed 's/href="//; s/"//')"
person="$({ echo "$page" | grep -o 'href="/persons/[0-9a-f-]*"' || true; } | head -1 | sed 's/href="//; s/"//')"
unit="$({ echo "$page" | grep -o 'href="/units/[0-9a-f-]*"' || true; } | head -1 | sed 's/href="//; s/"//')"
incident="$({ echo "$page" | grep -o 'href="/incidents/[0-9a-f-]*"' || true; } | head -1 | sed 's/href="//; s/"//')"

# time one request ROUNDS times; print p50 p95 max in ms
measure() {
  local label="$1"; shift
  local times=()
  for _ in $(seq 1 "$rounds"); do
    t=$(curl -s -o /dev/null -w '%{http_code} %{time_starttransfer}' "$@")
    code="${t%% *}"
    if [ "$code" != 200 ]; then echo "$label: HTTP $code" >&2; exit 1; fi
    times+=("${t##* }")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" '
    { v[NR] = $1 * 1000 }
    END { printf "%-34s p50 %6.1f ms   p95 %6.1f ms   max %6.1f ms\n", label, v[int(NR*0.5+0.5)], v[int(NR*0.95+0.5)], v[NR] }'
}

echo "pages with $n testimonies in one case, $rounds rounds each:"
measure "start page (documenter)" -b "$doc" "$base/"
measure "case page (documenter)" -b "$doc" "$base/cases/$case_id"
measure "new testimony form (documenter)" -b "$doc" "$base/cases/$case_id/testimonies/new"
measure "testimony page (documenter)" -b "$doc" "$base$testimony"
measure "search form (investigator)" -b "$inv" "$base/search?case=$case_id"
measure "search: two words (investigator)" -b "$inv" -X POST "$base/search" \
  --data-urlencode "csrf=$(csrf "$inv")" --data-urlencode "q=ОМОН задержание" --data-urlencode "case=$case_id"
measure "perpetrator page (investigator)" -b "$inv" "$base$person"
measure "unit page (investigator)" -b "$inv" "$base$unit"
measure "incident page (investigator)" -b "$inv" "$base$incident"
measure "export page (lawyer)" -b "$law" "$base/cases/$case_id/export"
measure "export preview (lawyer)" -b "$law" -X POST "$base/cases/$case_id/export/preview" \
  --data-urlencode "csrf=$(csrf "$law")" --data-urlencode "recipient=prosecutors" --data-urlencode "scope=all"

# Lists through the API: one page of 200 records of each kind (each one decrypted).
token="$(curl -s -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"demo.investigator\",\"password\":\"$(password demo.investigator)\"}" \
  | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')"
for kind in persons incidents units places testimonies; do
  measure "API: list of 200 $kind (investigator)" -H "Authorization: Bearer $token" \
    "$base/api/v1/cases/$case_id/$kind?limit=200"
done
