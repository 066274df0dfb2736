-- Online reindex (issue 23): the blind index holds two builds at once while `custodia
-- search reindex` builds a new one beside the active one, batch by batch, as the service
-- keeps writing (into both) and searching (the active one). `search_meta.build` is the
-- build searches use; `search_rebuild` is the build in progress (at most one), with its
-- key generation and the cursor of the last record done, so a crash resumes it. Writes
-- share-lock search_meta; the rebuild locks it only to start and to switch, never while
-- it indexes (its cursor lives in search_rebuild for that reason).
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
-- A constant default: no rewrite of the tables, only their keys are rebuilt.
ALTER TABLE search_postings ADD COLUMN build BIGINT NOT NULL DEFAULT 1;
ALTER TABLE search_postings DROP CONSTRAINT search_postings_pkey,
    ADD PRIMARY KEY (record_table, record_id, build);
ALTER TABLE search_digests ADD COLUMN build BIGINT NOT NULL DEFAULT 1;
ALTER TABLE search_digests DROP CONSTRAINT search_digests_pkey,
    ADD PRIMARY KEY (record_table, record_id, build);
