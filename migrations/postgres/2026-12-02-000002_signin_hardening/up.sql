-- Sign-in hardening (issue 20): look-alike detection, second factors, and
-- throttling per (account, client) and per client.

-- TR39 confusable skeletons of NFKC, case-folded emails and organisation
-- names, so that "is there a look-alike?" is an index lookup. Existing rows
-- are backfilled at start-up (the skeleton needs Unicode tables SQL lacks).
ALTER TABLE users ADD COLUMN email_skeleton TEXT;
CREATE INDEX users_email_skeleton ON users (email_skeleton);
ALTER TABLE organisations ADD COLUMN name_skeleton TEXT;
CREATE INDEX organisations_name_skeleton ON organisations (kind, name_skeleton);
ALTER TABLE organisations ADD COLUMN name_en_skeleton TEXT;
CREATE INDEX organisations_name_en_skeleton ON organisations (kind, name_en_skeleton);

-- A user's TOTP (RFC 6238) secret, sealed (ChaCha20-Poly1305) with the
-- instance's seal key; unconfirmed until the first code is checked.
-- last_step is the last time step accepted: a code works once.
CREATE TABLE user_totp (
    user_id       TEXT PRIMARY KEY REFERENCES users (id),
    secret_sealed TEXT NOT NULL,
    confirmed_at  TIMESTAMP,
    last_step     BIGINT,
    created_at    TIMESTAMP NOT NULL
);

-- Single-use recovery codes, SHA-256 of the code (they are random).
CREATE TABLE recovery_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id, code_hash);

-- login_throttle is now keyed by scope ("pair:EMAIL CLIENT", "client:CLIENT",
-- "account:EMAIL") in its email column; the old per-email rows go.
DELETE FROM login_throttle;
