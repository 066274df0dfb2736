-- Blind index: each token is a truncated HMAC of a normalised word (or of a whole name)
-- under a per-index key derived from the keyring; the plaintext word is never stored.
CREATE TABLE search_tokens (
    token        TEXT NOT NULL,
    record_table TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    -- case_id before record_id: a search reads only the postings of the caller's cases.
    PRIMARY KEY (token, record_table, case_id, record_id)
);
CREATE INDEX search_tokens_record ON search_tokens (record_table, record_id);

-- Searches are audited with their terms sealed here, not in the log.
CREATE TABLE search_queries (
    id         TEXT PRIMARY KEY NOT NULL,
    terms      BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Which generation of index keys is in use: a new key (after a suspected leak, or a
-- normaliser change) bumps it and every record is reindexed.
CREATE TABLE search_meta (
    id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO search_meta (id, generation) VALUES (1, 1);
