-- Back to one build: the active one's rows stay (under its key generation, which
-- search_meta keeps), a build in progress and an old build's leftovers go.
DELETE FROM search_fts WHERE rowid IN
    (SELECT n FROM search_records WHERE build <> (SELECT build FROM search_meta WHERE id = 1));
DELETE FROM search_records WHERE build <> (SELECT build FROM search_meta WHERE id = 1);
DELETE FROM search_digests WHERE build <> (SELECT build FROM search_meta WHERE id = 1);
CREATE TABLE search_records_a (
    n            INTEGER PRIMARY KEY,
    record_table TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    UNIQUE (record_table, record_id)
);
INSERT INTO search_records_a (n, record_table, record_id, case_id)
    SELECT n, record_table, record_id, case_id FROM search_records;
CREATE TABLE search_digests_a (
    record_table TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    digests      BLOB NOT NULL,
    PRIMARY KEY (record_table, record_id)
);
INSERT INTO search_digests_a (record_table, record_id, digests)
    SELECT record_table, record_id, digests FROM search_digests;
PRAGMA secure_delete = FAST;
DROP TABLE search_records;
DROP TABLE search_digests;
PRAGMA secure_delete = ON;
ALTER TABLE search_records_a RENAME TO search_records;
ALTER TABLE search_digests_a RENAME TO search_digests;
DROP TABLE search_rebuild;
ALTER TABLE search_meta DROP COLUMN build;
