-- Field intake: phones (ODK Collect, Kobo, Tella) submit straight into a case, and the
-- case lead accepts each submission as a draft or rejects it (docs/field-intake.md).

-- A new role may only submit: intake. SQLite cannot change a CHECK in place, so `users`
-- is rebuilt as in 000013 (foreign keys off, outside diesel's transaction, inside ours).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_new (
    id             TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'documenter', 'investigator', 'lawyer', 'auditor', 'clinician', 'intake')),
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret    BLOB,
    totp_enabled   BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
INSERT INTO users_new SELECT id, username, password_hash, role, disabled, totp_secret, totp_enabled,
    totp_last_step, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
INSERT INTO role_policies (role, totp_required) VALUES ('intake', FALSE);

-- A device account is a `users` row with role 'intake' (it may only submit) bound to
-- one case. Who carries the phone is sealed.
CREATE TABLE intake_devices (
    user_id      TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    case_id      TEXT NOT NULL REFERENCES cases (id),
    label        BLOB NOT NULL,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    last_seen_at TIMESTAMP
);
CREATE INDEX intake_devices_case ON intake_devices (case_id);

-- The XForms a case's devices fill in. The XML (its labels and choices) is sealed; the
-- form id and version are what every submission names, so they stay plain to be matched.
CREATE TABLE intake_forms (
    id         TEXT PRIMARY KEY NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    form_id    TEXT NOT NULL,
    version    TEXT NOT NULL,
    encrypted  BOOLEAN NOT NULL,
    xform      BLOB NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);
CREATE UNIQUE INDEX intake_forms_version ON intake_forms (case_id, form_id, version);

-- A case's key pair for encrypted forms: the public half goes into its forms
-- (base64RsaPublicKey), the private half is sealed under the keyring.
CREATE TABLE intake_keys (
    case_id     TEXT PRIMARY KEY NOT NULL REFERENCES cases (id),
    public_key  TEXT NOT NULL,
    private_key BLOB NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- A submission as it arrives. Its id becomes the draft testimony's id when the case lead
-- accepts it, so the intake entry heads that testimony's chain of custody.
-- `instance_key` is an HMAC of the client's instance id (duplicates are found by it,
-- the id itself is not stored). Status: receiving, pending, accepted, rejected.
CREATE TABLE intake_submissions (
    id           TEXT PRIMARY KEY NOT NULL,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    device_id    TEXT NOT NULL REFERENCES users (id),
    channel      TEXT NOT NULL,
    instance_key BLOB NOT NULL,
    form_id      TEXT REFERENCES intake_forms (id),
    status       TEXT NOT NULL,
    content      BLOB,
    received_at  TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    decided_by   TEXT REFERENCES users (id),
    decided_at   TIMESTAMP,
    decision     BLOB,
    testimony_id TEXT
);
CREATE UNIQUE INDEX intake_submissions_instance ON intake_submissions (case_id, channel, instance_key);
CREATE INDEX intake_submissions_inbox ON intake_submissions (case_id, status, received_at);

-- A file of a submission. Its id becomes the attachment's id on acceptance, and its
-- content is the attachment pipeline's STREAM ciphertext bound to ('attachments', id),
-- so accepting moves no bytes. `name_key` is an HMAC of its name within the
-- submission (for merging parts and refusing repeats); name, hashes and the client's
-- metadata are sealed in `meta`. Status: receiving, complete.
CREATE TABLE intake_files (
    id            TEXT PRIMARY KEY NOT NULL,
    submission_id TEXT NOT NULL REFERENCES intake_submissions (id),
    name_key      BLOB NOT NULL,
    media_type    TEXT NOT NULL,
    status        TEXT NOT NULL,
    declared_size BIGINT,
    received_size BIGINT NOT NULL,
    size          BIGINT,
    blob_id       TEXT,
    meta          BLOB NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    completed_at  TIMESTAMP
);
CREATE UNIQUE INDEX intake_files_name ON intake_files (submission_id, name_key);

-- Pieces of a file arriving over several requests (Tella's resumable PUT): each piece is
-- its own encrypted blob until the last arrives and they are joined into the file.
CREATE TABLE intake_chunks (
    file_id    TEXT NOT NULL REFERENCES intake_files (id),
    start_at   BIGINT NOT NULL,
    length     BIGINT NOT NULL,
    blob_id    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (file_id, start_at)
);

COMMIT;
PRAGMA foreign_keys = ON;
