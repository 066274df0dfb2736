#!/usr/bin/env bash
# Lints the deployment artefacts with whatever of these tools is installed, and says
# which it could not run: systemd-analyze (verify, and the security score), nginx -t,
# haproxy -c, hadolint, shellcheck, docker compose / docker-compose config. Nothing
# here starts a container: this machine has no Docker daemon. Usage: deploy/lint.sh [custodia binary]
set -euo pipefail
here=$(dirname "$0")
# The binary's path is taken as given (relative to where this was started).
bin=$(realpath "${1:-$here/../target/debug/custodia}")
cd "$here"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
skipped=()
have() { command -v "$1" >/dev/null 2>&1 || { skipped+=("$1"); return 1; }; }

if have systemd-analyze; then
  # verify wants ExecStart's binary to exist: point it at the one just built.
  sed "s#/usr/local/bin/custodia#$bin#" systemd/custodia.service > "$tmp/custodia.service"
  systemd-analyze verify "$tmp/custodia.service"
  systemd-analyze security --offline=true --threshold=20 "$tmp/custodia.service" | tail -1
fi

cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
  cat "$tmp/cert.pem" "$tmp/key.pem" > "$tmp/tls.pem"
}
# The proxies resolve their upstreams when they load: stand loopback in for the nodes.
if have nginx && have openssl; then
  cert
  sed -e "s#/run/secrets/tls_cert#$tmp/cert.pem#; s#/run/secrets/tls_key#$tmp/key.pem#" \
      -e "s#custodia-[ab]:8080#127.0.0.1:8080#" nginx/custodia.conf > "$tmp/custodia.conf"
  printf 'pid %s/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n  include %s/custodia.conf;\n}\n' \
    "$tmp" "$tmp" > "$tmp/nginx.conf"
  nginx -q -t -c "$tmp/nginx.conf"
  echo "nginx -t: ok"
fi
if have haproxy && have openssl; then
  [ -e "$tmp/tls.pem" ] || cert
  sed -e "s#/run/secrets/tls_pem#$tmp/tls.pem#" \
      -e "s#\(server custodia-[ab]\) custodia-[ab]:8080#\1 127.0.0.1:8080#" haproxy/haproxy.cfg > "$tmp/haproxy.cfg"
  haproxy -q -c -f "$tmp/haproxy.cfg"
  echo "haproxy -c: ok"
fi
if have hadolint; then
  hadolint Dockerfile garage/init.Dockerfile
  echo "hadolint: ok"
fi
if have shellcheck; then
  shellcheck make-secrets.sh garage/init.sh lint.sh
  echo "shellcheck: ok"
fi
# Compose needs the secret files to exist: empty stand-ins in a copy of this folder.
compose=()
if docker compose version >/dev/null 2>&1; then compose=(docker compose); elif have docker-compose; then compose=(docker-compose); fi
if [ ${#compose[@]} -gt 0 ]; then
  cp -r compose.yaml garage nginx "$tmp/"
  mkdir -p "$tmp/secrets"
  for s in custodia.toml postgres_password garage_rpc_secret s3_access_key_id s3_secret_access_key tls_cert tls_key; do
    : > "$tmp/secrets/$s"
  done
  "${compose[@]}" -f "$tmp/compose.yaml" config -q
  echo "${compose[*]} config: ok"
fi
if [ ${#skipped[@]} -gt 0 ]; then
  echo "not run (not installed): ${skipped[*]}"
fi
