#!/usr/bin/env bash
# A single Garage node on loopback, for the tests that run the blob store against a real
# S3-compatible server.
#   .ci/garage.sh start <dir>   starts it (data, metadata and config under <dir>), makes a
#                               bucket and a key, and prints `export CUSTODIA_TEST_S3_...`
#                               lines to `eval`
#   .ci/garage.sh stop <dir>    ends it
# Garage: $GARAGE if set, else `garage` on PATH, else ~/.cargo/bin/garage.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop <dir>" >&2; exit 2; }

garage_bin() {
  if [ -n "${GARAGE:-}" ]; then echo "$GARAGE"
  elif command -v garage >/dev/null; then command -v garage
  elif [ -x "$HOME/.cargo/bin/garage" ]; then echo "$HOME/.cargo/bin/garage"
  else echo "garage not found: cargo install garage --locked" >&2; return 1
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
  bin=$(garage_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  mkdir -p "$dir/meta" "$dir/data"
  rpc=$(free_port); s3=$(free_port); admin=$(free_port)
  # `compression_level = "none"`: the canary test scans the data folder for plaintext
  # and must see the bytes as sent (they are ciphertext anyway).
  cat >"$dir/garage.toml" <<EOF
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "sqlite"
replication_factor = 1
compression_level = "none"
rpc_bind_addr = "127.0.0.1:$rpc"
rpc_public_addr = "127.0.0.1:$rpc"
rpc_secret = "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$s3"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$admin"
EOF
  chmod 600 "$dir/garage.toml"
  g() { "$bin" -c "$dir/garage.toml" "$@"; }
  setsid "$bin" -c "$dir/garage.toml" server >"$dir/garage.log" 2>&1 < /dev/null &
  echo $! >"$dir/garage.pid"
  node=""
  for _ in $(seq 1 100); do
    node=$(g node id -q 2>/dev/null | cut -d@ -f1) && [ -n "$node" ] && break
    kill -0 "$(cat "$dir/garage.pid")" 2>/dev/null || { cat "$dir/garage.log" >&2; exit 1; }
    sleep 0.2
  done
  [ -n "$node" ] || { echo "garage did not start" >&2; cat "$dir/garage.log" >&2; exit 1; }
  g layout assign -z dc1 -c 1G "$node" >/dev/null
  g layout apply --version 1 >/dev/null
  g bucket create custodia-test >/dev/null
  key=$(g key create custodia-test)
  key_id=$(printf '%s\n' "$key" | awk -F': *' '/^Key ID/ {print $2}' | tr -d ' ')
  secret=$(printf '%s\n' "$key" | awk -F': *' '/^Secret key/ {print $2}' | tr -d ' ')
  [ -n "$key_id" ] && [ -n "$secret" ] || { echo "could not read the key: $key" >&2; exit 1; }
  g bucket allow --read --write --owner custodia-test --key custodia-test >/dev/null
  # The S3 endpoint answers once the layout is live.
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$s3/" && break
    sleep 0.2
  done
  echo "export CUSTODIA_TEST_S3_ENDPOINT=http://127.0.0.1:$s3"
  echo "export CUSTODIA_TEST_S3_BUCKET=custodia-test"
  echo "export CUSTODIA_TEST_S3_REGION=garage"
  echo "export CUSTODIA_TEST_S3_ACCESS_KEY_ID=$key_id"
  echo "export CUSTODIA_TEST_S3_SECRET_ACCESS_KEY=$secret"
  echo "export CUSTODIA_TEST_S3_DATA_DIR=$dir"
  ;;
stop)
  if [ -f "$dir/garage.pid" ]; then
    pid=$(cat "$dir/garage.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/garage.pid"
  fi
  ;;
*)
  echo "usage: $0 start|stop <dir>" >&2; exit 2 ;;
esac
