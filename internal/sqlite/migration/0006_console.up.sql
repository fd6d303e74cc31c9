-- Operator console (docs/ARCHITECTURE.md §10): operator accounts, their role in each
-- brand, sessions, the append-only audit log, and the indexes of the
-- console's order search. Failed sign-ins are throttled in memory by the
-- console, so nothing about them is stored here.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,   -- normalised: trimmed, lower-case
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,          -- argon2id, PHC string format
    disabled_at   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- A user's role in a brand; a user may belong to several brands.
CREATE TABLE memberships (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    brand_id   INTEGER NOT NULL REFERENCES brands(id),
    role       TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'viewer')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, brand_id)
);
CREATE INDEX memberships_brand ON memberships (brand_id);

-- The id is the SHA-256 of the random cookie token: a copy of this table
-- opens no session.
CREATE TABLE sessions (
    id           BLOB PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    brand_id     INTEGER NOT NULL REFERENCES brands(id),
    csrf_secret  BLOB NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Append-only: the code has no UPDATE or DELETE of it, and the triggers
-- refuse them.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    brand_id INTEGER NOT NULL REFERENCES brands(id),
    user_id  INTEGER REFERENCES users(id),
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL,
    reason   TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX audit_log_brand ON audit_log (brand_id, id);
CREATE INDEX audit_log_target ON audit_log (brand_id, target, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Order search: newest first within a brand (keyset paging on
-- created_at, id), names through their keyed hashes (phones have theirs
-- since 0001, tracking numbers since 0003), occasions coming up.
CREATE INDEX orders_created ON orders (brand_id, created_at, id);
CREATE INDEX orders_customer_name ON orders (brand_id, customer_name_hash);
CREATE INDEX orders_recipient_name ON orders (brand_id, recipient_name_hash);
CREATE INDEX orders_occasion ON orders (brand_id, occasion_date) WHERE occasion_date IS NOT NULL;
