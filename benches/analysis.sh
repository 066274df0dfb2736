#!/usr/bin/env bash
# Server time of the analysis views on the 100,000-testimony load installation (issue 19,
# "Performance"): the corroboration table of a case with 1,000 incidents and the chain of
# command of a unit with 50 sub-units, as JSON and as pages, with the case's patterns and
# timeline, next to the plain lists of the same records, in the same run. Release build,
# loopback, one connection kept alive, requests one after another; each URL is fetched
# WARMUP times unmeasured, then ROUNDS times or for SECONDS, whichever ends first (a
# view that takes seconds would otherwise hold the run for many minutes); reports the
# rounds made and p50/p99/max of the time to the whole response.
#
#   benches/analysis.sh [ROUNDS] [WARMUP] [SECONDS]      (defaults: 200 10 60)
#
# The installation is the load test's (`custodia demo --scale 100000`, one case of
# 100,000 sealed testimonies) plus `custodia demo --analysis` (a second case: 1,000
# incidents, 1,500 sealed testimonies, a ministry with 50 sub-units). With LOAD_DIR the
# installation is kept there and reused (benches/load/load.sh uses the same layout, so a
# load installation can be given here and only the analysis case is added); without it,
# seeding takes minutes and everything is deleted at the end. LOAD_DATABASE_URL (an empty
# PostgreSQL database, e.g. postgres://custodia:custodia@127.0.0.1:5432/custodia_analysis)
# runs against PostgreSQL; LOAD_BIN runs another build. Page URLs that answer 404 (pages
# not in this build) are skipped and listed.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-200}"
warmup="${2:-10}"
seconds="${3:-60}"
if [ -n "${LOAD_BIN:-}" ]; then
  bin="$LOAD_BIN"
else
  cargo build --release --all-features --quiet
  bin="$PWD/target/release/custodia"
fi
if [ -n "${LOAD_DIR:-}" ]; then
  work="$LOAD_DIR"; mkdir -p "$work"
  trap '[ -z "${server:-}" ] || kill "$server" 2>/dev/null || true' EXIT
else
  work="$(mktemp -d)"
  trap '[ -z "${server:-}" ] || kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
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
backend="${CUSTODIA__DATABASE__URL%%:*}"
if [ ! -s "$work/demo.txt" ]; then
  echo "seeding 100000 sealed testimonies (custodia demo --scale 100000)…"
  started=$(date +%s)
  "$bin" --config-dir config demo --scale 100000 >"$work/demo.txt.partial"
  mv "$work/demo.txt.partial" "$work/demo.txt"
  echo "seeded in $(( $(date +%s) - started )) s" | tee "$work/demo.seconds"
fi
if [ ! -s "$work/analysis.txt" ]; then
  echo "adding the analysis case (custodia demo --analysis)…"
  started=$(date +%s)
  "$bin" --config-dir config demo --analysis >"$work/analysis.txt.partial"
  mv "$work/analysis.txt.partial" "$work/analysis.txt"
  echo "added in $(( $(date +%s) - started )) s" | tee "$work/analysis.seconds"
fi
# The first demo printed the passwords; the second found the accounts existing.
password() { awk -v u="$1" '$1 == u { print $NF }' "$work/demo.txt"; }
case_id="$(grep -o '(id [0-9a-f-]*)' "$work/analysis.txt" | tr -d '()' | cut -d' ' -f2)"
unit_id="$(grep -o 'unit [0-9a-f-]*' "$work/analysis.txt" | cut -d' ' -f2)"
big_case="$(grep -o '(id [0-9a-f-]*)' "$work/demo.txt" | tr -d '()' | cut -d' ' -f2)"
token="$(curl -sf "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"demo.investigator\",\"password\":\"$(password demo.investigator)\"}" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')"
jar="$work/investigator.jar"
curl -s -o /dev/null -c "$jar" -X POST "$base/login" \
  --data-urlencode "username=demo.investigator" --data-urlencode "password=$(password demo.investigator)"

echo "backend $backend; $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2/1048576 }' /proc/meminfo)," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "analysis case $case_id (1,000 incidents), unit $unit_id (50 sub-units), load case $big_case (100,000 testimonies)"
echo "$rounds rounds (or $seconds s) after $warmup unmeasured, one connection, sequential; time of the whole response:"
python3 - "$base" "$token" "$jar" "$rounds" "$warmup" "$seconds" "$case_id" "$unit_id" "$big_case" <<'PY'
import http.client, json, math, sys, time
from urllib.parse import urlsplit

base, token, jar, rounds, warmup, seconds, case, unit, big = sys.argv[1:10]
rounds, warmup, seconds = int(rounds), int(warmup), float(seconds)
cookies = []
for line in open(jar):
    if line.startswith("#HttpOnly_"):
        line = line[len("#HttpOnly_"):]
    elif line.startswith("#") or not line.strip():
        continue
    f = line.rstrip("\n").split("\t")
    if len(f) >= 7:
        cookies.append(f"{f[5]}={f[6]}")
api = {"Authorization": f"Bearer {token}"}
page = {"Cookie": "; ".join(cookies)}
host = urlsplit(base)
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)

def get(path, headers):
    global conn
    try:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
    except (http.client.HTTPException, ConnectionError):
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
    return r.status, len(body)

def pct(v, p):
    # nearest rank
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]

def top_unit(case):
    conn.request("GET", f"/api/v1/cases/{case}/units?limit=200", headers=api)
    items = json.loads(conn.getresponse().read())["items"]
    return next(u["id"] for u in items if not u.get("parent_id"))

big_unit = top_unit(big)
# (label, [paths fetched in one sample], headers)
rows = [
    ("corroboration, API (1,000 incidents)", [f"/api/v1/cases/{case}/corroboration"], api),
    ("corroboration, page", [f"/cases/{case}/corroboration"], page),
    ("  baseline: incidents API, 200", [f"/api/v1/cases/{case}/incidents?limit=200"], api),
    ("  baseline: incidents API, all 1,000", [f"/api/v1/cases/{case}/incidents?limit=200&offset={o}" for o in range(0, 1000, 200)], api),
    ("  baseline: case page", [f"/cases/{case}"], page),
    ("command, API (50 sub-units)", [f"/api/v1/units/{unit}/command"], api),
    ("command, page", [f"/units/{unit}/command"], page),
    ("  baseline: units API, 200", [f"/api/v1/cases/{case}/units?limit=200"], api),
    ("  baseline: unit page", [f"/units/{unit}"], page),
    ("patterns, API", [f"/api/v1/cases/{case}/patterns"], api),
    ("patterns, page", [f"/cases/{case}/patterns"], page),
    ("timeline, API", [f"/api/v1/cases/{case}/timeline"], api),
    ("timeline, page", [f"/cases/{case}/timeline"], page),
    ("load case (100k): corroboration, API", [f"/api/v1/cases/{big}/corroboration"], api),
    ("load case (100k): patterns, API", [f"/api/v1/cases/{big}/patterns"], api),
    ("load case (100k): timeline, API", [f"/api/v1/cases/{big}/timeline"], api),
    ("load case (100k): command, API", [f"/api/v1/units/{big_unit}/command"], api),
    ("  baseline: load case incidents API, 100", [f"/api/v1/cases/{big}/incidents?limit=200"], api),
]
print(f"{'':40} {'rounds':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'KiB':>8}")
skipped = []
for label, paths, headers in rows:
    status, _ = get(paths[0], headers)
    if status == 404:
        skipped.append(f"{label}: {paths[0]}")
        continue
    if status != 200:
        print(f"{label:40} HTTP {status}", flush=True)
        continue
    for _ in range(warmup - 1):
        for p in paths:
            get(p, headers)
    times, size, until = [], 0, time.perf_counter() + seconds
    while len(times) < rounds and time.perf_counter() < until:
        start = time.perf_counter()
        size = 0
        for p in paths:
            status, n = get(p, headers)
            if status != 200:
                sys.exit(f"{label}: HTTP {status} during the run")
            size += n
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"{label:40} {len(times):6} {pct(times, 50):8.1f} {pct(times, 99):8.1f} {times[-1]:8.1f} {size / 1024:8.1f}", flush=True)
for s in skipped:
    print(f"skipped (404, not in this build): {s}")
PY
if grep -q 'ERROR' "$work/server.log"; then echo "server logged errors:"; grep ERROR "$work/server.log" | head; fi
