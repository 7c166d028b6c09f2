-- Access requests, grants, the access log and usage reports.

ALTER TABLE listings ADD COLUMN max_grant_days INTEGER;

CREATE TABLE access_requests (
    id                  TEXT PRIMARY KEY,
    listing_id          TEXT NOT NULL REFERENCES listings (id),
    enterprise_id       TEXT NOT NULL REFERENCES organisations (id),
    requested_by        TEXT NOT NULL REFERENCES users (id),
    purpose_category    TEXT NOT NULL CHECK (purpose_category IN ('model_training', 'model_evaluation', 'research', 'product')),
    purpose             TEXT NOT NULL,
    scenario            TEXT NOT NULL,
    distribution_ids    TEXT NOT NULL,
    duration_days       INTEGER NOT NULL,
    security_measures   TEXT NOT NULL,
    terms_version       INTEGER NOT NULL,
    terms_sha256        TEXT NOT NULL,
    previous_request_id TEXT REFERENCES access_requests (id),
    renews_grant_id     TEXT,
    state               TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'rejected', 'withdrawn')),
    submitted_at        TIMESTAMP NOT NULL,
    review_deadline     TIMESTAMP NOT NULL,
    opinion             TEXT CHECK (opinion IN ('consent', 'object')),
    opinion_comment     TEXT,
    opinion_by          TEXT,
    opinion_at          TIMESTAMP,
    decided_at          TIMESTAMP,
    decided_by          TEXT,
    decision_reason     TEXT,
    override_reason     TEXT,
    updated_at          TIMESTAMP NOT NULL
);
-- At most one undecided request per enterprise and listing.
CREATE UNIQUE INDEX access_requests_one_open ON access_requests (enterprise_id, listing_id) WHERE state = 'submitted';
CREATE INDEX access_requests_listing ON access_requests (listing_id, id);
CREATE INDEX access_requests_enterprise ON access_requests (enterprise_id, id);
CREATE INDEX access_requests_state ON access_requests (state, review_deadline);

CREATE TABLE grants (
    id                   TEXT PRIMARY KEY,
    -- One grant per request, enforced here and not only in Rust.
    request_id           TEXT NOT NULL UNIQUE REFERENCES access_requests (id),
    enterprise_id        TEXT NOT NULL REFERENCES organisations (id),
    listing_id           TEXT NOT NULL REFERENCES listings (id),
    distribution_ids     TEXT NOT NULL,
    purpose_category     TEXT NOT NULL,
    purpose              TEXT NOT NULL,
    conditions           TEXT,
    valid_from           TIMESTAMP NOT NULL,
    valid_until          TIMESTAMP NOT NULL,
    terms_version        INTEGER NOT NULL,
    terms_sha256         TEXT NOT NULL,
    report_interval_days INTEGER NOT NULL,
    next_report_due      TIMESTAMP NOT NULL,
    revoked_at           TIMESTAMP,
    revoked_by           TEXT,
    revoke_reason        TEXT,
    created_at           TIMESTAMP NOT NULL,
    created_by           TEXT NOT NULL
);
CREATE INDEX grants_enterprise ON grants (enterprise_id, id);
CREATE INDEX grants_listing ON grants (listing_id, id);

CREATE TABLE access_log (
    id              TEXT PRIMARY KEY,
    at              TIMESTAMP NOT NULL,
    event           TEXT NOT NULL CHECK (event IN ('token_issued', 'download')),
    grant_id        TEXT NOT NULL REFERENCES grants (id),
    listing_id      TEXT NOT NULL,
    enterprise_id   TEXT NOT NULL,
    distribution_id TEXT,
    user_id         TEXT,
    api_key_id      TEXT,
    token_id        TEXT,
    bytes           BIGINT,
    byte_range      TEXT,
    client_addr     TEXT,
    request_id      TEXT
);
CREATE INDEX access_log_grant ON access_log (grant_id, id);
CREATE INDEX access_log_listing ON access_log (listing_id, id);
CREATE INDEX access_log_enterprise ON access_log (enterprise_id, id);

CREATE TABLE usage_reports (
    id           TEXT PRIMARY KEY,
    grant_id     TEXT NOT NULL REFERENCES grants (id),
    submitted_by TEXT NOT NULL REFERENCES users (id),
    submitted_at TIMESTAMP NOT NULL,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    usage        TEXT NOT NULL,
    models       TEXT,
    outcome      TEXT NOT NULL,
    incident     TEXT
);
CREATE INDEX usage_reports_grant ON usage_reports (grant_id, id);
