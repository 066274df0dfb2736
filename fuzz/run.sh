#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600) with libFuzzer and AddressSanitizer.
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the one stable toolchain accept them.
#   cargo install cargo-fuzz && fuzz/run.sh [SECONDS]
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the run; turn it into a
# regression test next to the parser it broke.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
export RUSTC_BOOTSTRAP=1
cargo fuzz build
failed=0
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  echo "== $target: ${seconds}s"
  if ! cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 2>&1 \
      | grep -E '^#[0-9]+ *DONE|^Done|SUMMARY|panicked|ERROR|Test unit written'; then
    :
  fi
  if ls "artifacts/$target"/crash-* "artifacts/$target"/leak-* "artifacts/$target"/oom-* >/dev/null 2>&1; then
    echo "!! $target found a crash: see fuzz/artifacts/$target/"
    failed=1
  fi
done
exit "$failed"
