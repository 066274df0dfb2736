-- Online reindex (issue 23): the blind index holds two builds at once while `custodia
-- search reindex` builds a new one beside the active one, batch by batch, as the service
-- keeps writing (into both) and searching (the active one). `search_meta.build` is the
-- build searches use; `search_rebuild` is the build in progress (at most one), with its
-- key generation and the cursor of the last record done, so a crash resumes it.
ALTER TABLE search_meta ADD COLUMN build BIGINT NOT NULL DEFAULT 1;
CREATE TABLE search_rebuild (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    build       BIGINT NOT NULL,
    generation  BIGINT NOT NULL,
    new_key     BOOLEAN NOT NULL,
    -- 'testimonies', then 'persons', then 'done': the table being walked, in id order.
    phase       TEXT NOT NULL,
    after_id    TEXT NOT NULL,
    testimonies BIGINT NOT NULL,
    persons     BIGINT NOT NULL,
    started_at  TIMESTAMP NOT NULL
);

-- The build joins the key of each index row. SQLite cannot change a table's unique key,
-- so the two tables are copied (their rows keep their numbers: search_fts is untouched,
-- its rows are build 1's). 100,000 testimonies: ~0.2 s (docs/performance.md).
CREATE TABLE search_records_b (
    n            INTEGER PRIMARY KEY,
    record_table TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    build        BIGINT NOT NULL DEFAULT 1,
    UNIQUE (record_table, record_id, build)
);
INSERT INTO search_records_b (n, record_table, record_id, case_id)
    SELECT n, record_table, record_id, case_id FROM search_records;
CREATE TABLE search_digests_b (
    record_table TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    digests      BLOB NOT NULL,
    build        BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (record_table, record_id, build)
);
INSERT INTO search_digests_b (record_table, record_id, digests)
    SELECT record_table, record_id, digests FROM search_digests;
-- What the old tables held is in the new ones; overwriting their pages first (secure_delete)
-- would only double the upgrade's writes (as in 000010).
PRAGMA secure_delete = FAST;
DROP TABLE search_records;
DROP TABLE search_digests;
PRAGMA secure_delete = ON;
ALTER TABLE search_records_b RENAME TO search_records;
ALTER TABLE search_digests_b RENAME TO search_digests;
