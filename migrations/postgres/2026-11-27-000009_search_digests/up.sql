-- Each indexed record's full set of token digests (64 bits of the same HMACs whose first
-- 16 bits are its postings), sealed under a key of the index. A search opens these for its
-- candidates and drops those missing a term before decrypting any record: the 16-bit
-- postings keep their coincidences, and most candidates cost a small decryption rather than
-- normalising a whole testimony. Written and deleted with the postings.
CREATE TABLE search_digests (
    record_table TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    digests      BYTEA NOT NULL,
    PRIMARY KEY (record_table, record_id)
);
