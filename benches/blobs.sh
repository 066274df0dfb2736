#!/usr/bin/env bash
# A 1 GiB attachment through the folder store and through Garage (S3) in the same run,
# on the same disk: throughput both ways and peak RSS of the process (benches/blob_stores.rs).
#   benches/blobs.sh [SIZE_MIB]
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
work=$(mktemp -d "${TMPDIR:-/tmp}/custodia-blobs-bench.XXXXXX")
trap '.ci/garage.sh stop "$work/garage" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
eval "$(.ci/garage.sh start "$work/garage")"
cargo bench --bench blob_stores --no-run
export BENCH_DIR=$work
cargo bench --bench blob_stores -- folder "$mib"
cargo bench --bench blob_stores -- s3 "$mib"
