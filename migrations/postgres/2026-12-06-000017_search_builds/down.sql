-- Back to one build: the active one's rows stay (under its key generation, which
-- search_meta keeps), a build in progress and an old build's leftovers go.
DELETE FROM search_postings WHERE build <> (SELECT build FROM search_meta WHERE id = 1);
DELETE FROM search_digests WHERE build <> (SELECT build FROM search_meta WHERE id = 1);
ALTER TABLE search_digests DROP CONSTRAINT search_digests_pkey,
    ADD PRIMARY KEY (record_table, record_id);
ALTER TABLE search_digests DROP COLUMN build;
ALTER TABLE search_postings DROP CONSTRAINT search_postings_pkey,
    ADD PRIMARY KEY (record_table, record_id);
ALTER TABLE search_postings DROP COLUMN build;
DROP TABLE search_rebuild;
ALTER TABLE search_meta DROP COLUMN build;
