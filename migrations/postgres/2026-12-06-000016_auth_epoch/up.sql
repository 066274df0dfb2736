-- The installation's revocation counter. Every change that ends a session or changes
-- what a session's principal is (logout, a disabled account, a role change, a password
-- reset, a revoked device, a second factor enrolled, a role's second-factor rule) bumps
-- it in its own transaction. Each node keeps verified sessions in memory and reads this
-- one row on every request: when it moved, the node forgets them all, so a session ended
-- by any node or process is refused on every node's next request.
CREATE TABLE auth_epoch (
    id    BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, epoch) VALUES (1, 0);
