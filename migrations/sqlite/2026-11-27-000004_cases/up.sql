-- The case model. Every record belongs to one case, so membership of that case is the
-- one question access asks. Columns holding content are sealed blobs (AES-256-GCM under
-- the record's own DEK in data_keys); what stays clear is ids, codes from controlled
-- vocabularies, pseudonyms, dates of records and sizes.

CREATE TABLE vocabulary_terms (
    vocabulary TEXT NOT NULL,
    code       TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    label_ru   TEXT NOT NULL,
    builtin    BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (vocabulary, code)
);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY NOT NULL,
    reference   TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed', 'archived')),
    -- sealed: {"title", "description"}
    content     BLOB NOT NULL,
    created_by  TEXT REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE case_members (
    case_id  TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id),
    role     TEXT NOT NULL CHECK (role IN ('lead', 'member')),
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_members_user ON case_members (user_id);

CREATE TABLE persons (
    id         TEXT PRIMARY KEY NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('victim', 'witness', 'perpetrator', 'other')),
    -- shown wherever identity is withheld, e.g. W-0031
    pseudonym  TEXT NOT NULL,
    sex        TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    unit_id    TEXT,
    -- sealed: {"names": [...], "aliases": [...], "birth_date"}
    identity   BLOB NOT NULL,
    -- sealed: free-form contact details (lead and author only)
    contact    BLOB,
    -- sealed: {"rank", "position", "notes"}
    details    BLOB NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (case_id, pseudonym)
);

CREATE TABLE units (
    id         TEXT PRIMARY KEY NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    parent_id  TEXT REFERENCES units (id),
    -- sealed: {"name", "description"}
    details    BLOB NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE unit_commanders (
    id         TEXT PRIMARY KEY NOT NULL,
    unit_id    TEXT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    person_id  TEXT NOT NULL REFERENCES persons (id),
    from_date  TEXT,
    to_date    TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX unit_commanders_unit ON unit_commanders (unit_id);

CREATE TABLE places (
    id         TEXT PRIMARY KEY NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    place_type TEXT NOT NULL,
    -- sealed: {"name", "address", "latitude", "longitude"}
    details    BLOB NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE incidents (
    id              TEXT PRIMARY KEY NOT NULL,
    case_id         TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    act_type        TEXT NOT NULL,
    -- JSON array of torture_method codes
    methods         TEXT NOT NULL,
    start_date      TEXT,
    start_precision TEXT NOT NULL CHECK (start_precision IN ('exact', 'month', 'year', 'estimate', 'unknown')),
    end_date        TEXT,
    end_precision   TEXT NOT NULL CHECK (end_precision IN ('exact', 'month', 'year', 'estimate', 'unknown')),
    place_id        TEXT REFERENCES places (id),
    -- sealed: {"description"}
    details         BLOB NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX incidents_case ON incidents (case_id);

CREATE TABLE incident_victims (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES persons (id),
    PRIMARY KEY (incident_id, person_id)
);

CREATE TABLE testimonies (
    id                TEXT PRIMARY KEY NOT NULL,
    case_id           TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    -- the first version's id; every version of one account shares it
    root_id           TEXT NOT NULL,
    version           INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'sealed')),
    witness_id        TEXT NOT NULL REFERENCES persons (id),
    author_id         TEXT NOT NULL REFERENCES users (id),
    interview_date    TEXT,
    -- JSON array of ISO 639 codes
    languages         TEXT NOT NULL,
    source_connection TEXT NOT NULL,
    reliability       TEXT NOT NULL CHECK (reliability IN ('high', 'medium', 'low', 'unknown')),
    -- sealed: {"account", "summary", "interviewer", "interpreter", "persons_present",
    --          "interview_place", "correction_reason"}
    content           BLOB NOT NULL,
    -- sealed: the consent record
    consent           BLOB NOT NULL,
    -- SHA-256 of the canonical content, recorded at sealing
    digest            TEXT,
    sealed_at         TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    UNIQUE (root_id, version)
);
CREATE INDEX testimonies_case ON testimonies (case_id);

CREATE TABLE testimony_incidents (
    testimony_root_id TEXT NOT NULL,
    incident_id       TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    created_by        TEXT NOT NULL REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (testimony_root_id, incident_id)
);

CREATE TABLE involvements (
    id          TEXT PRIMARY KEY NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    person_id   TEXT REFERENCES persons (id),
    unit_id     TEXT REFERENCES units (id),
    role        TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    CHECK ((person_id IS NULL) <> (unit_id IS NULL))
);
CREATE INDEX involvements_incident ON involvements (incident_id);
CREATE INDEX involvements_person ON involvements (person_id);

CREATE TABLE involvement_evidence (
    involvement_id    TEXT NOT NULL REFERENCES involvements (id) ON DELETE CASCADE,
    testimony_root_id TEXT NOT NULL,
    PRIMARY KEY (involvement_id, testimony_root_id)
);

CREATE TABLE attachments (
    id           TEXT PRIMARY KEY NOT NULL,
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    testimony_id TEXT REFERENCES testimonies (id),
    incident_id  TEXT REFERENCES incidents (id),
    blob_id      TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         BIGINT NOT NULL,
    -- sealed: {"filename", "sha256"}
    meta         BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX attachments_testimony ON attachments (testimony_id);
