-- Imports of an organisation's existing records. The uploaded file lives in the blob
-- store, encrypted under the import's own key (the source of the imported data: chain of
-- custody starts there); the mapping and the plan (what would be created, updated,
-- skipped, and every problem found) are sealed under the same key.
CREATE TABLE imports (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_by  TEXT NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL CHECK (status IN ('planned', 'refused', 'applying', 'applied', 'failed')),
    blob_id     TEXT NOT NULL,
    file_size   BIGINT NOT NULL,
    file_sha256 TEXT NOT NULL,
    -- sealed: {"filename", "mapping"}
    source      BYTEA NOT NULL,
    -- sealed: the plan as the planner reported it
    plan        BYTEA NOT NULL,
    -- SHA-256 over the file, the mapping and the case's state when planned: apply names it
    digest      TEXT NOT NULL,
    case_state  TEXT NOT NULL,
    -- how far apply got: phase (a record kind) and rows of that phase done
    phase       BIGINT NOT NULL,
    done        BIGINT NOT NULL,
    error       TEXT,
    created_at  TIMESTAMP NOT NULL,
    applied_at  TIMESTAMP
);
CREATE INDEX imports_case ON imports (case_id);

-- Which record each external id of an import became, per case and kind. The external id
-- and the imported values are kept only as keyed digests (HMAC-SHA-256 under a key
-- derived from the blind-index root): enough to find the record again and to tell
-- whether a corrected sheet changed it, nothing to read back.
CREATE TABLE import_keys (
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    key_digest BYTEA NOT NULL,
    record_id  TEXT NOT NULL,
    values_digest BYTEA NOT NULL,
    import_id  TEXT NOT NULL REFERENCES imports (id),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, kind, key_digest)
);
