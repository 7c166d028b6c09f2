-- Organisations, people, credentials and the audit chain.
-- Ids are UUID text; times are UTC `timestamp` with microseconds.

CREATE TABLE organisations (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('platform', 'bureau', 'enterprise')),
    name              TEXT NOT NULL,
    name_en           TEXT,
    code              TEXT,
    code_check_failed BOOLEAN NOT NULL DEFAULT FALSE,
    contact_name      TEXT,
    contact_phone     TEXT,
    contact_email     TEXT,
    status            TEXT NOT NULL CHECK (status IN ('active', 'pending', 'verified', 'rejected', 'suspended')),
    status_reason     TEXT,
    status_changed_by TEXT,
    status_changed_at TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (kind, code)
);
CREATE INDEX organisations_kind_created ON organisations (kind, created_at, id);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    email           TEXT NOT NULL,
    display_name    TEXT,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'publisher', 'owner', 'member')),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    removed_at      TIMESTAMP
);
-- A removed user keeps its row (others refer to it) but frees its email.
CREATE UNIQUE INDEX users_email_live ON users (email) WHERE removed_at IS NULL;
CREATE INDEX users_organisation ON users (organisation_id, created_at, id);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    family_id  TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    secret_hash     TEXT NOT NULL UNIQUE,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP,
    last_used_at    TIMESTAMP,
    revoked_at      TIMESTAMP
);
CREATE INDEX api_keys_organisation ON api_keys (organisation_id, created_at, id);

-- Failed logins per (lower-cased) email, whether or not the account exists.
CREATE TABLE login_throttle (
    email           TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP
);

-- Append-only, hash-chained record of every state change.
CREATE TABLE audit_log (
    seq           BIGINT PRIMARY KEY,
    at            TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor_org_id  TEXT,
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    summary       TEXT NOT NULL,
    request_id    TEXT,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);
CREATE INDEX audit_log_actor_org ON audit_log (actor_org_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
