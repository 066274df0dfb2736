-- Several nodes on one database: everything a node used to keep in memory that another
-- node must see lives here.

-- Export jobs: the bundle row is the queue (its status), and its claim lives beside it,
-- one row per bundle (`bundles` is at diesel's 16 columns). A node claims a queued
-- build, or one whose lease ran out because its node died, by writing its node id and a
-- lease it renews while it builds; `attempts` counts claims, and a build is given up
-- after three.
CREATE TABLE bundle_claims (
    bundle_id   TEXT PRIMARY KEY NOT NULL REFERENCES bundles (id),
    claimed_by  TEXT,
    lease_until TIMESTAMP,
    attempts    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO bundle_claims (bundle_id, attempts) SELECT id, 0 FROM bundles;
CREATE INDEX bundles_status ON bundles (status);

-- Failed logins, counted across nodes. `subject` is an HMAC of the account name or the
-- client address under a key derived from the keyring: neither is stored. One row per
-- failure; rows older than the throttling window are pruned.
CREATE TABLE login_failures (
    id        TEXT PRIMARY KEY NOT NULL,
    subject   BLOB NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, failed_at);
CREATE INDEX login_failures_at ON login_failures (failed_at);

-- The emergency seal of the whole cluster: every seal bumps `epoch`, and each node's
-- poll seals the node when it sees an epoch it has not acted on. `standing` is true
-- from a seal until the first unseal after it: a node starting meanwhile stays sealed.
CREATE TABLE cluster_seal (
    id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    epoch      BIGINT NOT NULL,
    standing   BOOLEAN NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
INSERT INTO cluster_seal (id, epoch, standing, changed_at) VALUES (1, 0, FALSE, CURRENT_TIMESTAMP);
