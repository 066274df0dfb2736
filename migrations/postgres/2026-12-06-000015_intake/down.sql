DROP TABLE intake_chunks;
DROP TABLE intake_files;
DROP TABLE intake_submissions;
DROP TABLE intake_keys;
DROP TABLE intake_forms;
DROP TABLE intake_devices;
DELETE FROM role_policies WHERE role = 'intake';
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'documenter', 'investigator', 'lawyer', 'auditor', 'clinician'));
