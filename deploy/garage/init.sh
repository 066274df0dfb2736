#!/bin/sh
# Makes the one-node Garage of deploy/compose.yaml ready for Custodia: assigns the node
# a role in the layout, creates the bucket, imports the access key Custodia was given
# (deploy/make-secrets.sh made it) and allows that key on the bucket. Safe to run again:
# each step is skipped when already done.
set -eu
: "${BUCKET:=custodia}" "${SECRETS:=/run/secrets}"
key_id=$(cat "$SECRETS/s3_access_key_id")
secret=$(cat "$SECRETS/s3_secret_access_key")

# The node's id is read from its metadata folder (mounted read-only here).
for _ in $(seq 1 60); do
  node=$(garage node id -q 2>/dev/null) && break
  sleep 1
done
[ -n "${node:-}" ] || { echo "garage-init: the Garage node never wrote its id" >&2; exit 1; }
export GARAGE_RPC_HOST="$node"
for _ in $(seq 1 60); do
  garage status >/dev/null 2>&1 && break
  sleep 1
done

if garage status | grep -q "NO ROLE ASSIGNED"; then
  garage layout assign -z dc1 -c "${CAPACITY:-100G}" "${node%@*}"
  garage layout apply --version 1
fi
garage bucket info "$BUCKET" >/dev/null 2>&1 || garage bucket create "$BUCKET"
garage key info "$key_id" >/dev/null 2>&1 || garage key import --yes -n custodia "$key_id" "$secret"
garage bucket allow --read --write --owner "$BUCKET" --key "$key_id"
echo "garage-init: bucket $BUCKET ready for key $key_id"
