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
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'documenter', 'investigator', 'lawyer', 'auditor'));
