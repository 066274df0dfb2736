-- Evidence bundles. The organisation's export key signs every bag's tag manifest in
-- minisign format; its secret key is sealed under the keyring like any record.
CREATE TABLE export_signer (
    id            BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    -- minisign public key, base64 (the second line of the .pub file)
    public_key    TEXT NOT NULL,
    sealed_secret BYTEA NOT NULL,
    created_at    TIMESTAMP NOT NULL
);

-- One export. The archive lives in the blob store under the bundle's own key until it
-- is downloaded; what was selected and the recipient's age key are sealed.
CREATE TABLE bundles (
    id                     TEXT PRIMARY KEY NOT NULL,
    case_id                TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    requested_by           TEXT NOT NULL REFERENCES users (id),
    -- a consent category: un_bodies, international_mechanisms, prosecutors, ngos, media, public
    recipient              TEXT NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('queued', 'building', 'ready', 'failed', 'deleted')),
    progress               INTEGER NOT NULL,
    -- sealed: {"selection", "age_recipient"}
    request                BYTEA NOT NULL,
    encrypted_to_recipient BOOLEAN NOT NULL,
    blob_id                TEXT,
    size                   BIGINT,
    manifest_sha256        TEXT,
    archive_sha256         TEXT,
    error                  TEXT,
    created_at             TIMESTAMP NOT NULL,
    finished_at            TIMESTAMP
);
CREATE INDEX bundles_case ON bundles (case_id);
