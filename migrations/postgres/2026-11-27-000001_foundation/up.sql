-- Identity, sessions, per-role policy and the audit log's first shape.
-- UUIDs are TEXT, times are UTC TIMESTAMP (microsecond precision, set by the service).

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'documenter', 'investigator', 'lawyer', 'auditor')),
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret    BYTEA,
    totp_enabled   BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY NOT NULL,
    token_hash    BYTEA NOT NULL UNIQUE,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    second_factor BOOLEAN NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE role_policies (
    role          TEXT PRIMARY KEY NOT NULL,
    totp_required BOOLEAN NOT NULL
);
INSERT INTO role_policies (role, totp_required) VALUES
    ('admin', FALSE), ('documenter', FALSE), ('investigator', FALSE), ('lawyer', FALSE), ('auditor', FALSE);

-- One row holding the log's size; bumping it serialises appenders so sequence numbers
-- are gapless and in commit order (the Merkle tree needs both).
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO audit_head (id, size) VALUES (1, 0);

CREATE TABLE audit_log (
    seq              BIGINT PRIMARY KEY NOT NULL,
    at               TIMESTAMP NOT NULL,
    actor_user_id    TEXT,
    actor_session_id TEXT,
    action           TEXT NOT NULL,
    target_type      TEXT,
    target_id        TEXT,
    outcome          TEXT NOT NULL,
    details          TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, seq);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq);
