-- The audit log as an RFC 6962 Merkle tree. Each entry keeps its leaf hash; the head
-- keeps the tree's frontier (one hash per perfect subtree on the right edge) so appends
-- are O(log n); completed perfect subtrees are stored so proofs are O(log n) lookups.

ALTER TABLE audit_log ADD COLUMN leaf_hash BYTEA;
ALTER TABLE audit_head ADD COLUMN frontier BYTEA;

CREATE TABLE audit_nodes (
    level BIGINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Signed tree heads (C2SP tlog-checkpoint notes). Never two inconsistent ones.
CREATE TABLE audit_checkpoints (
    size       BIGINT PRIMARY KEY NOT NULL,
    root       BYTEA NOT NULL,
    note       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The log's Ed25519 signing key: its seed sealed under the keyring like any record.
CREATE TABLE audit_signer (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    origin      TEXT NOT NULL,
    verifier_key TEXT NOT NULL,
    sealed_seed BYTEA NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
