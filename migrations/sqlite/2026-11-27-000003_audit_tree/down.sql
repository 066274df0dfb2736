DROP TABLE audit_signer;
DROP TABLE audit_checkpoints;
DROP TABLE audit_nodes;
ALTER TABLE audit_head DROP COLUMN frontier;
ALTER TABLE audit_log DROP COLUMN leaf_hash;
