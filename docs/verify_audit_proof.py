#!/usr/bin/env python3
"""Check a Custodia audit entry proof without Custodia: standard library only for the
Merkle inclusion proof (RFC 9162 section 2.1.3.2); the checkpoint's Ed25519 signature is
checked too when the `cryptography` package is installed.

    python3 verify_audit_proof.py proof.json [VERIFIER_KEY]

proof.json is the output of `custodia audit prove --entry N` or of
GET /api/v1/audit/entries/N/proof. VERIFIER_KEY is the log's published key
(`custodia audit pubkey`): name+hash+base64.
"""
import base64
import hashlib
import json
import sys


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, path: list, root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def parse_checkpoint(note: str):
    body, _, signatures = note.partition("\n\n")
    origin, size, root = body.split("\n")[:3]
    return body + "\n", origin, int(size), base64.b64decode(root), signatures


def verify_signature(body: str, signatures: str, vkey: str) -> str:
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return "skipped (pip install cryptography)"
    name, key_hash_hex, key_b64 = vkey.split("+", 2)
    key = base64.b64decode(key_b64)
    assert key[0] == 1, "not an Ed25519 key"
    expected_hash = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    assert expected_hash.hex() == key_hash_hex, "key hash does not match the key"
    for line in signatures.splitlines():
        if not line.startswith("\u2014 " + name + " "):
            continue
        blob = base64.b64decode(line.split(" ")[2])
        if blob[:4] != expected_hash:
            continue
        Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[4:], body.encode())
        return "ok"
    return "FAILED: no signature by this key"


def main() -> int:
    proof = json.load(open(sys.argv[1]))
    canonical = proof["canonical"].encode()
    leaf = leaf_hash(canonical)
    assert leaf.hex() == proof["leaf_hash"], "the entry does not hash to its leaf"
    entry = json.loads(canonical)
    assert entry["seq"] == proof["leaf_index"], "the leaf index is not the entry's sequence number"
    body, origin, size, root, signatures = parse_checkpoint(proof["checkpoint"]["note"])
    assert size == proof["tree_size"], "the proof is for another tree size"
    path = [bytes.fromhex(h) for h in proof["inclusion_proof"]]
    ok = verify_inclusion(leaf, proof["leaf_index"], size, path, root)
    print("inclusion:", "ok" if ok else "FAILED")
    if len(sys.argv) > 2:
        print("signature:", verify_signature(body, signatures, sys.argv[2]))
    print(f"entry {entry['seq']}: {entry['action']} at {entry['at']} in log {origin} of {size} entries")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
