PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE item_relations;
DROP TABLE evidence_items;
DROP TABLE referrals;
DROP TABLE feedback_given;
DROP TABLE care_preferences;
DROP TABLE consent_entries;
DROP TABLE detention_incidents;
DROP TABLE hearings;
DROP TABLE charges;
DROP TABLE custody_periods;
DROP TABLE detention_episodes;
DROP INDEX attachments_evaluation;
ALTER TABLE attachments DROP COLUMN evaluation_id;
DROP TABLE evaluation_incidents;
DROP TABLE evaluations;
DELETE FROM vocabulary_terms WHERE vocabulary IN (
    'consistency', 'body_system', 'body_region', 'facility_type', 'hearing_outcome',
    'law_code', 'sentence_kind', 'consent_purpose', 'referral_kind');
DELETE FROM role_policies WHERE role = 'clinician';
-- Clinicians cannot stay: the old CHECK refuses them (the copy fails and nothing changes).
CREATE TABLE users_old (
    id             TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'documenter', 'investigator', 'lawyer', 'auditor')),
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret    BLOB,
    totp_enabled   BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
INSERT INTO users_old SELECT id, username, password_hash, role, disabled, totp_secret, totp_enabled,
    totp_last_step, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
COMMIT;
PRAGMA foreign_keys = ON;
