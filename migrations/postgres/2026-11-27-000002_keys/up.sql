-- Key custody. The keyring's keys are stored wrapped under the root key, which is never
-- stored here. Every record's data key (DEK) lives, wrapped, in data_keys: rotation
-- rewraps this one table, and deleting a row crypto-shreds its record.

CREATE TABLE keyring_meta (
    id              INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    root_source     TEXT NOT NULL CHECK (root_source IN ('file', 'env', 'passphrase', 'shares')),
    -- HMAC of a fixed label under the root key: a wrong passphrase or share set is
    -- recognised as such instead of producing a wrong key.
    key_check       BYTEA NOT NULL,
    primary_version BIGINT NOT NULL,
    -- HMAC of the primary version under the root key, so a database writer cannot roll
    -- the primary back to an older key.
    primary_mac     BYTEA NOT NULL,
    -- Passphrase only: argon2id parameters and salt, as JSON.
    kdf_params      TEXT,
    share_threshold INTEGER,
    share_count     INTEGER,
    -- Bumped on every change so running servers reload the keyring.
    generation      BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE keyring_keys (
    kind       TEXT NOT NULL CHECK (kind IN ('kek', 'blind_index_root')),
    version    BIGINT NOT NULL,
    wrapped    BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, version)
);

CREATE TABLE data_keys (
    record_table TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    kek_version  BIGINT NOT NULL,
    wrapped      BYTEA NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (record_table, record_id)
);
CREATE INDEX data_keys_kek_version ON data_keys (kek_version);
