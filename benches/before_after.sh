#!/usr/bin/env bash
# The same benchmarks against two builds in one session, so a refactoring is compared
# with its baseline on the same machine and load: the testimony HTTP bench, the pages
# (and API lists) bench, and the load mix in its short form.
#
#   benches/before_after.sh BASE_REV [LOAD_TESTIMONIES] [LOAD_DURATION]   (defaults: 2000 1m)
#
# BASE_REV (a commit, tag or branch) is built in a worktree under target/baseline-src.
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev="$1"
load_n="${2:-2000}"
load_for="${3:-1m}"
root="$PWD"
src="$root/target/baseline-src"
if [ ! -d "$src" ]; then
  git worktree add --detach "$src" "$base_rev" >/dev/null
else
  git -C "$src" checkout --quiet --detach "$base_rev"
fi
echo "building the baseline ($base_rev) and this tree…"
(cd "$src" && CARGO_TARGET_DIR="$root/target/baseline" cargo build --release --all-features --quiet)
cargo build --release --all-features --quiet
before="$root/target/baseline/release/custodia"
after="$root/target/release/custodia"

for round in before after; do
  bin=$([ "$round" = before ] && echo "$before" || echo "$after")
  echo; echo "######## $round"
  BENCH_BIN="$bin" benches/testimony_http.sh 10 32
  BENCH_BIN="$bin" benches/pages.sh 1000 20
  LOAD_BIN="$bin" benches/load/load.sh "$load_n" "$load_for"
done
