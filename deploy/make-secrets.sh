#!/bin/sh
# Writes the secrets deploy/compose.yaml reads into deploy/secrets/ (never committed):
# random passwords and keys that agree with each other, and a self-signed certificate
# for localhost to replace with a real one. Existing files are kept, so running it again
# changes nothing. Run it as root so each file can be owned by the one container user
# that reads it (mode 0400); otherwise they are left readable by all (mode 0444) and it
# says so.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
new() { [ -s "secrets/$1" ] || printf '%s' "$2" > "secrets/$1"; }

new postgres_password "$(hex 24)"
new garage_rpc_secret "$(hex 32)"
# Garage's own key format: GK + 24 hex digits, and a 64-digit secret.
new s3_access_key_id "GK$(hex 12)"
new s3_secret_access_key "$(hex 32)"
if [ ! -s secrets/custodia.toml ]; then
  cat > secrets/custodia.toml <<TOML
# Read by both Custodia nodes (CUSTODIA_CONFIG): the secrets among their settings.
[database]
url = "postgres://custodia:$(cat secrets/postgres_password)@postgres:5432/custodia"

[storage.s3]
access_key_id = "$(cat secrets/s3_access_key_id)"
secret_access_key = "$(cat secrets/s3_secret_access_key)"
TOML
fi
if [ ! -s secrets/tls_cert ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -days 30 -subj /CN=localhost \
    -keyout secrets/tls_key -out secrets/tls_cert 2>/dev/null
fi
cat secrets/tls_cert secrets/tls_key > secrets/tls_pem

# Compose (without Swarm) mounts secret files as they are: each must be readable by the
# user of the container that reads it.
if [ "$(id -u)" = 0 ]; then
  chmod 0400 secrets/*
  chown 10001 secrets/custodia.toml   # the custodia user of deploy/Dockerfile
  chown 999 secrets/postgres_password # the postgres user of the postgres image
else
  chmod 0444 secrets/*
  echo "make-secrets: not root, so deploy/secrets/* are readable by every local user;" >&2
  echo "make-secrets: run it as root to give each file to its container user alone" >&2
fi
echo "secrets in $(pwd)/secrets"
