-- Records courts ask for: Istanbul Protocol evaluations, detention histories, the
-- consent ledger and care of witnesses, and court-ready metadata of exported items.
--
-- A new role reads medical data: clinician. SQLite cannot change a CHECK in place, so
-- `users` is rebuilt (the documented twelve-step way): with foreign keys off, outside
-- diesel's transaction (metadata.toml), inside our own, so that dropping the old table
-- neither cascades to sessions nor leaves a half-done rebuild.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_new (
    id             TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'documenter', 'investigator', 'lawyer', 'auditor', 'clinician')),
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
INSERT INTO role_policies (role, totp_required) VALUES ('clinician', FALSE);

-- Istanbul Protocol evaluations (2022 edition, annex IV). Versioned and sealed like
-- testimonies: a sealed version never changes, a correction is a new version. Clear:
-- ids, the kind, the examination date, the digest. Everything the clinician wrote is in
-- `content` (medical::model::EvaluationContent).
CREATE TABLE evaluations (
    id           TEXT PRIMARY KEY NOT NULL,
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    root_id      TEXT NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'sealed')),
    person_id    TEXT NOT NULL REFERENCES persons (id),
    kind         TEXT NOT NULL CHECK (kind IN ('medical', 'psychological', 'medical_psychological')),
    clinician_id TEXT NOT NULL REFERENCES users (id),
    examined_on  TEXT,
    -- sealed: the structured evaluation
    content      BLOB NOT NULL,
    -- SHA-256 of the canonical content, recorded at sealing
    digest       TEXT,
    sealed_at    TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (root_id, version)
);
CREATE INDEX evaluations_case ON evaluations (case_id);
CREATE INDEX evaluations_person ON evaluations (person_id);

CREATE TABLE evaluation_incidents (
    evaluation_root_id TEXT NOT NULL,
    incident_id        TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    created_by         TEXT NOT NULL REFERENCES users (id),
    created_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (evaluation_root_id, incident_id)
);
CREATE INDEX evaluation_incidents_incident ON evaluation_incidents (incident_id);

-- Photographs and diagnostic tests of an evaluation, through the attachment service.
ALTER TABLE attachments ADD COLUMN evaluation_id TEXT REFERENCES evaluations (id);
CREATE INDEX attachments_evaluation ON attachments (evaluation_id);

-- Detention histories: per person, episodes of deprivation of liberty. Dates are
-- partial (precision as for incidents); facility, unit, court and judge are records of
-- the same case; codes are from the vocabularies below. Free text is sealed.
CREATE TABLE detention_episodes (
    id                TEXT PRIMARY KEY NOT NULL,
    case_id           TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    person_id         TEXT NOT NULL REFERENCES persons (id),
    arrest_date       TEXT,
    arrest_precision  TEXT NOT NULL CHECK (arrest_precision IN ('exact', 'month', 'year', 'estimate', 'unknown')),
    arrest_place_id   TEXT REFERENCES places (id),
    arrest_unit_id    TEXT REFERENCES units (id),
    release_date      TEXT,
    release_precision TEXT NOT NULL CHECK (release_precision IN ('exact', 'month', 'year', 'estimate', 'unknown')),
    status            TEXT NOT NULL CHECK (status IN ('in_custody', 'released', 'unknown')),
    -- sentence_kind vocabulary; its length is sealed (with published verdicts, a length
    -- and dates would single a prisoner out)
    sentence_kind     TEXT,
    -- sealed: {"grounds_given", "release_circumstances", "sentence", "sentence_days", "notes"}
    details           BLOB NOT NULL,
    created_by        TEXT NOT NULL REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX detention_episodes_case ON detention_episodes (case_id);
CREATE INDEX detention_episodes_person ON detention_episodes (person_id);

-- Each stay at one facility; consecutive periods are the transfers.
CREATE TABLE custody_periods (
    id             TEXT PRIMARY KEY NOT NULL,
    episode_id     TEXT NOT NULL REFERENCES detention_episodes (id) ON DELETE CASCADE,
    place_id       TEXT NOT NULL REFERENCES places (id),
    facility_type  TEXT NOT NULL,
    from_date      TEXT,
    from_precision TEXT NOT NULL CHECK (from_precision IN ('exact', 'month', 'year', 'estimate', 'unknown')),
    to_date        TEXT,
    to_precision   TEXT NOT NULL CHECK (to_precision IN ('exact', 'month', 'year', 'estimate', 'unknown')),
    -- sealed: {"conditions", "transfer_reason", "notes"}
    details        BLOB NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX custody_periods_episode ON custody_periods (episode_id);
CREATE INDEX custody_periods_place ON custody_periods (place_id, from_date);

CREATE TABLE charges (
    id          TEXT PRIMARY KEY NOT NULL,
    episode_id  TEXT NOT NULL REFERENCES detention_episodes (id) ON DELETE CASCADE,
    -- law_code vocabulary; the article is sealed (with published verdicts, an article and
    -- dates would single a prisoner out)
    law_code    TEXT NOT NULL,
    filed_on    TEXT,
    -- sealed: {"article", "description"}
    details     BLOB NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX charges_episode ON charges (episode_id);

CREATE TABLE hearings (
    id              TEXT PRIMARY KEY NOT NULL,
    episode_id      TEXT NOT NULL REFERENCES detention_episodes (id) ON DELETE CASCADE,
    court_place_id  TEXT REFERENCES places (id),
    judge_person_id TEXT REFERENCES persons (id),
    held_on         TEXT,
    held_precision  TEXT NOT NULL CHECK (held_precision IN ('exact', 'month', 'year', 'estimate', 'unknown')),
    -- hearing_outcome vocabulary
    outcome         TEXT NOT NULL,
    -- sealed: {"notes"}
    details         BLOB NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX hearings_episode ON hearings (episode_id);

CREATE TABLE detention_incidents (
    episode_id  TEXT NOT NULL REFERENCES detention_episodes (id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (episode_id, incident_id)
);

-- The consent ledger (Murad Code): append-only. The latest entry for a person, purpose
-- and recipient decides; earlier ones are the history of consent, re-consent and
-- withdrawal.
CREATE TABLE consent_entries (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES persons (id),
    -- consent_purpose vocabulary
    purpose     TEXT NOT NULL,
    recipient   TEXT NOT NULL CHECK (recipient IN ('un_bodies', 'international_mechanisms', 'prosecutors', 'ngos', 'media', 'public')),
    decision    TEXT NOT NULL CHECK (decision IN ('granted', 'refused', 'withdrawn')),
    decided_on  TEXT NOT NULL,
    -- ISO 639 code of the language it was explained in
    language    TEXT NOT NULL,
    how_given   TEXT NOT NULL CHECK (how_given IN ('written', 'oral_recorded', 'oral_witnessed', 'other')),
    -- sealed: {"explained", "text_version", "notes"}
    details     BLOB NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX consent_entries_person ON consent_entries (person_id, purpose, recipient, created_at);
CREATE INDEX consent_entries_case ON consent_entries (case_id);

-- How and when a witness wants to be contacted and kept informed.
CREATE TABLE care_preferences (
    person_id    TEXT PRIMARY KEY NOT NULL REFERENCES persons (id),
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    -- when the witness is next owed news of the case (a reminder on the case page)
    feedback_due TEXT,
    -- sealed: {"channels", "safe_times", "language", "may_contact", "feedback", "notes"}
    details      BLOB NOT NULL,
    updated_by   TEXT NOT NULL REFERENCES users (id),
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX care_preferences_case ON care_preferences (case_id, feedback_due);

CREATE TABLE feedback_given (
    id         TEXT PRIMARY KEY NOT NULL,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    person_id  TEXT NOT NULL REFERENCES persons (id),
    given_on   TEXT NOT NULL,
    -- sealed: {"summary"}
    details    BLOB NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX feedback_given_person ON feedback_given (person_id);

CREATE TABLE referrals (
    id           TEXT PRIMARY KEY NOT NULL,
    case_id      TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    person_id    TEXT NOT NULL REFERENCES persons (id),
    -- referral_kind vocabulary
    kind         TEXT NOT NULL,
    made_on      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('made', 'accepted', 'completed', 'declined', 'no_contact')),
    follow_up_on TEXT,
    -- sealed: {"referred_to", "reason", "outcome"}
    details      BLOB NOT NULL,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX referrals_case ON referrals (case_id, follow_up_on);

-- Court-ready metadata. Each exported item keeps one evidence reference range for
-- good (the ICC e-Court practice of a number per page): pages first_page..last_page
-- of the case's sequence, assigned the first time the item is exported.
CREATE TABLE evidence_items (
    case_id         TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    item_kind       TEXT NOT NULL CHECK (item_kind IN ('testimony', 'attachment', 'evaluation', 'detention')),
    item_id         TEXT NOT NULL,
    first_page      BIGINT NOT NULL,
    last_page       BIGINT NOT NULL,
    -- set by the lawyer where the default for the kind does not fit
    confidentiality TEXT CHECK (confidentiality IN ('public', 'confidential', 'strictly_confidential')),
    assigned_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (item_kind, item_id),
    UNIQUE (case_id, first_page),
    CHECK (last_page >= first_page)
);

-- A translation or transcript is its own record pointing at its original, in the same case.
CREATE TABLE item_relations (
    item_kind     TEXT NOT NULL CHECK (item_kind IN ('testimony', 'attachment', 'evaluation')),
    item_id       TEXT NOT NULL,
    case_id       TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    relation      TEXT NOT NULL CHECK (relation IN ('translation', 'transcript')),
    original_kind TEXT NOT NULL CHECK (original_kind IN ('testimony', 'attachment', 'evaluation')),
    original_id   TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (item_kind, item_id)
);
CREATE INDEX item_relations_original ON item_relations (original_kind, original_id);

-- The vocabularies of these records, as data with both languages.
INSERT INTO vocabulary_terms (vocabulary, code, label_en, label_ru, builtin, created_at) VALUES
    ('consistency', 'not_consistent', 'Not consistent with', 'Не соответствует', TRUE, CURRENT_TIMESTAMP),
    ('consistency', 'consistent', 'Consistent with', 'Соответствует', TRUE, CURRENT_TIMESTAMP),
    ('consistency', 'highly_consistent', 'Highly consistent with', 'В значительной степени соответствует', TRUE, CURRENT_TIMESTAMP),
    ('consistency', 'typical_of', 'Typical of', 'Типично для', TRUE, CURRENT_TIMESTAMP),
    ('consistency', 'diagnostic_of', 'Diagnostic of', 'Является диагностическим признаком', TRUE, CURRENT_TIMESTAMP),
    ('body_system', 'skin', 'Skin', 'Кожные покровы', TRUE, CURRENT_TIMESTAMP),
    ('body_system', 'face_head', 'Face and head', 'Лицо и голова', TRUE, CURRENT_TIMESTAMP),
    ('body_system', 'eyes_ears_nose_throat', 'Eyes, ears, nose and throat', 'Глаза, уши, нос и горло', TRUE, CURRENT_TIMESTAMP),
    ('body_system', 'oral_cavity_teeth', 'Oral cavity and teeth', 'Полость рта и зубы', TRUE, CURRENT_TIMESTAMP),
    ('body_system', 'chest_abdomen', 'Chest and abdomen', 'Грудная клетка и живот', TRUE, CURRENT_TIMESTAMP),
    ('body_system', 'genitourinary', 'Genitourinary system', 'Мочеполовая система', TRUE, CURRENT_TIMESTAMP),
    ('body_system', 'musculoskeletal', 'Musculoskeletal system', 'Опорно-двигательный аппарат', TRUE, CURRENT_TIMESTAMP),
    ('body_system', 'nervous_system', 'Central and peripheral nervous system', 'Центральная и периферическая нервная система', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'head', 'Head', 'Голова', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'face', 'Face', 'Лицо', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'neck', 'Neck', 'Шея', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'chest', 'Chest', 'Грудная клетка', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'abdomen', 'Abdomen', 'Живот', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'pelvis_genitals', 'Pelvis and genitals', 'Таз и половые органы', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'upper_back', 'Upper back', 'Верхняя часть спины', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'lower_back', 'Lower back', 'Поясница', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'buttocks', 'Buttocks', 'Ягодицы', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'left_shoulder', 'Left shoulder', 'Левое плечо', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'right_shoulder', 'Right shoulder', 'Правое плечо', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'left_upper_arm', 'Left upper arm', 'Левое плечо (верхняя часть руки)', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'right_upper_arm', 'Right upper arm', 'Правое плечо (верхняя часть руки)', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'left_forearm', 'Left forearm', 'Левое предплечье', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'right_forearm', 'Right forearm', 'Правое предплечье', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'left_wrist_hand', 'Left wrist and hand', 'Левое запястье и кисть', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'right_wrist_hand', 'Right wrist and hand', 'Правое запястье и кисть', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'left_thigh', 'Left thigh', 'Левое бедро', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'right_thigh', 'Right thigh', 'Правое бедро', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'left_knee', 'Left knee', 'Левое колено', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'right_knee', 'Right knee', 'Правое колено', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'left_lower_leg', 'Left lower leg', 'Левая голень', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'right_lower_leg', 'Right lower leg', 'Правая голень', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'left_foot', 'Left foot and sole', 'Левая стопа и подошва', TRUE, CURRENT_TIMESTAMP),
    ('body_region', 'right_foot', 'Right foot and sole', 'Правая стопа и подошва', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'police_station', 'Police station', 'Отделение милиции / полиции', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'temporary_detention_centre', 'Temporary detention centre (IVS)', 'Изолятор временного содержания (ИВС)', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'offender_isolation_centre', 'Offender isolation centre (TsIP)', 'Центр изоляции правонарушителей (ЦИП)', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'pretrial_detention_centre', 'Pre-trial detention centre (SIZO)', 'Следственный изолятор (СИЗО)', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'penal_colony', 'Penal colony', 'Исправительная колония', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'prison', 'Prison', 'Тюрьма', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'open_correctional_facility', 'Open correctional facility', 'Исправительное учреждение открытого типа', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'psychiatric_institution', 'Psychiatric institution', 'Психиатрическое учреждение', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'military_facility', 'Military facility', 'Военный объект', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'unofficial_place', 'Unofficial place of detention', 'Неофициальное место содержания', TRUE, CURRENT_TIMESTAMP),
    ('facility_type', 'other', 'Other', 'Другое', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'adjourned', 'Adjourned', 'Отложено', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'remand_ordered', 'Remand in custody ordered', 'Избрана мера пресечения в виде заключения под стражу', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'remand_extended', 'Remand extended', 'Срок содержания под стражей продлён', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'released_pending_trial', 'Released pending trial', 'Освобождён до суда', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'convicted', 'Convicted', 'Осуждён', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'acquitted', 'Acquitted', 'Оправдан', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'dismissed', 'Case dismissed', 'Дело прекращено', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'appeal_rejected', 'Appeal rejected', 'Жалоба отклонена', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'appeal_granted', 'Appeal granted', 'Жалоба удовлетворена', TRUE, CURRENT_TIMESTAMP),
    ('hearing_outcome', 'other', 'Other', 'Другое', TRUE, CURRENT_TIMESTAMP),
    ('law_code', 'criminal_code', 'Criminal Code', 'Уголовный кодекс', TRUE, CURRENT_TIMESTAMP),
    ('law_code', 'administrative_code', 'Code of Administrative Offences', 'Кодекс об административных правонарушениях', TRUE, CURRENT_TIMESTAMP),
    ('law_code', 'criminal_procedure_code', 'Code of Criminal Procedure', 'Уголовно-процессуальный кодекс', TRUE, CURRENT_TIMESTAMP),
    ('law_code', 'other', 'Other law', 'Другой закон', TRUE, CURRENT_TIMESTAMP),
    ('sentence_kind', 'imprisonment', 'Imprisonment', 'Лишение свободы', TRUE, CURRENT_TIMESTAMP),
    ('sentence_kind', 'restricted_freedom', 'Restriction of freedom', 'Ограничение свободы', TRUE, CURRENT_TIMESTAMP),
    ('sentence_kind', 'administrative_arrest', 'Administrative arrest', 'Административный арест', TRUE, CURRENT_TIMESTAMP),
    ('sentence_kind', 'fine', 'Fine', 'Штраф', TRUE, CURRENT_TIMESTAMP),
    ('sentence_kind', 'suspended', 'Suspended sentence', 'Условное осуждение', TRUE, CURRENT_TIMESTAMP),
    ('sentence_kind', 'compulsory_treatment', 'Compulsory treatment', 'Принудительное лечение', TRUE, CURRENT_TIMESTAMP),
    ('sentence_kind', 'other', 'Other', 'Другое', TRUE, CURRENT_TIMESTAMP),
    ('consent_purpose', 'share_account', 'Share the account', 'Передача показаний', TRUE, CURRENT_TIMESTAMP),
    ('consent_purpose', 'be_named', 'Be named', 'Раскрытие имени', TRUE, CURRENT_TIMESTAMP),
    ('consent_purpose', 'share_medical', 'Share medical evaluations', 'Передача медицинских заключений', TRUE, CURRENT_TIMESTAMP),
    ('consent_purpose', 'share_detention', 'Share the detention history', 'Передача истории задержаний', TRUE, CURRENT_TIMESTAMP),
    ('referral_kind', 'medical', 'Medical', 'Медицинская помощь', TRUE, CURRENT_TIMESTAMP),
    ('referral_kind', 'psychological', 'Psychological', 'Психологическая помощь', TRUE, CURRENT_TIMESTAMP),
    ('referral_kind', 'legal', 'Legal', 'Юридическая помощь', TRUE, CURRENT_TIMESTAMP),
    ('referral_kind', 'social', 'Social and material', 'Социальная и материальная помощь', TRUE, CURRENT_TIMESTAMP),
    ('referral_kind', 'protection', 'Protection and relocation', 'Защита и переезд', TRUE, CURRENT_TIMESTAMP),
    ('referral_kind', 'other', 'Other', 'Другое', TRUE, CURRENT_TIMESTAMP);

COMMIT;
PRAGMA foreign_keys = ON;
