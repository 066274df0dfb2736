-- The blind index moves into SQLite's own inverted index: one row per record in a
-- contentless FTS5 table (detail=none: no positions, no columns) instead of one row per
-- token. Measured at 100,000 testimonies (docs/performance.md): 213 bytes a record
-- instead of 13 KB, indexing 7× faster, queries as fast. A record's "text" is its 16-bit
-- tokens in hex plus one scope token, the index's letter and the case id in hex, so that
-- MATCH itself keeps a search to the caller's cases. FTS5 keeps nothing but these tokens.
CREATE TABLE search_records (
    n            INTEGER PRIMARY KEY,
    record_table TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    UNIQUE (record_table, record_id)
);
CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='', contentless_delete=1, detail=none);

-- Carry over what the token table held: no reindex is needed after upgrading.
INSERT INTO search_records (record_table, record_id, case_id)
    SELECT record_table, record_id, MIN(case_id) FROM search_tokens GROUP BY record_table, record_id;
INSERT INTO search_fts (rowid, tokens)
    SELECT r.n, group_concat(s.token, ' ') || ' ' || substr(r.record_table, 1, 1) || lower(hex(r.case_id))
    FROM search_records r
    JOIN search_tokens s ON s.record_table = r.record_table AND s.record_id = r.record_id
    GROUP BY r.n;
-- With secure_delete ON, dropping the token table would first overwrite each of its pages
-- through the WAL (at 100,000 testimonies, 6 GB: the upgrade failed with a full disk).
-- FAST frees them without rewriting; their content is these same blinded tokens, now
-- kept in search_fts, and goes with the next VACUUM (docs/operations.md).
PRAGMA secure_delete = FAST;
DROP TABLE search_tokens;
PRAGMA secure_delete = ON;
