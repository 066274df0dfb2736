#!/usr/bin/env bash
# Every crate in Cargo.lock against the RustSec advisory database, offline: the snapshot
# these machines carry (a git bundle) is cloned into a temporary folder and `cargo audit`
# reads it there without fetching. Fails on any vulnerability that applies; the few
# advisories that do not apply are ignored in .cargo/audit.toml, each with its reason.
#
#   .ci/advisories.sh                      (RUSTSEC_BUNDLE=path/to/bundle to use another)
#
# Without a snapshot it fetches the live database instead, and fails if it cannot: a
# check that passes because it could not look is no check.
set -euo pipefail
cd "$(dirname "$0")/.."

bundle="${RUSTSEC_BUNDLE:-}"
if [ -z "$bundle" ]; then
  for candidate in ../shared/advisory-db/rustsec-advisory-db.bundle /work/shared/advisory-db/rustsec-advisory-db.bundle; do
    [ -f "$candidate" ] && { bundle="$candidate"; break; }
  done
fi

if [ -z "$bundle" ]; then
  echo "no RustSec snapshot found (set RUSTSEC_BUNDLE): fetching the live database"
  exec cargo audit
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/advisory-db.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
git -c init.defaultBranch=main clone -q "$bundle" "$tmp/advisory-db"
echo "RustSec snapshot: $bundle (commit $(git -C "$tmp/advisory-db" log -1 --format='%h, %cs'))"
# --stale: a snapshot is older than cargo-audit's freshness limit by design.
cargo audit --db "$tmp/advisory-db" --no-fetch --stale
