-- The last automatic pseudonym number of each kind in each case (W-0001, W-0002, …).
-- Finding the next one by reading every pseudonym of the case made recording a person
-- slower as a case grew (a 100,000-witness demo spent most of its time there), and on
-- PostgreSQL two documenters at once could pick the same number. A case's counters are
-- created with it; those of existing cases start from the numbers already given.
CREATE TABLE pseudonym_counters (
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    prefix  TEXT NOT NULL,
    last    BIGINT NOT NULL,
    PRIMARY KEY (case_id, prefix)
);

INSERT INTO pseudonym_counters (case_id, prefix, last)
SELECT c.id, k.prefix,
       COALESCE((SELECT MAX(CAST(substr(p.pseudonym, 3) AS INTEGER)) FROM persons p
                 WHERE p.case_id = c.id AND substr(p.pseudonym, 1, 2) = k.prefix || '-'
                   AND substr(p.pseudonym, 3) <> '' AND substr(p.pseudonym, 3) NOT GLOB '*[^0-9]*'
                   AND length(p.pseudonym) <= 20), 0)
FROM cases c, (SELECT 'V' AS prefix UNION ALL SELECT 'W' UNION ALL SELECT 'P' UNION ALL SELECT 'X') k;
