-- Back to the token table, empty: run `custodia search reindex` after going down.
DROP TABLE search_fts;
DROP TABLE search_records;
CREATE TABLE search_tokens (
    token        TEXT NOT NULL,
    record_table TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    PRIMARY KEY (token, record_table, case_id, record_id)
);
CREATE INDEX search_tokens_record ON search_tokens (record_table, record_id);
