-- Profiles of hosted tabular files, what a bureau discloses of each
-- distribution, and grants in the aggregate-only ("usable but not visible")
-- mode with their privacy budget.

-- One profile per distribution, of the file it points to (sha256). A job is
-- claimed by a conditional UPDATE that sets a lease; a lease that ran out
-- (the process died) makes the job claimable again.
CREATE TABLE distribution_profiles (
    distribution_id TEXT PRIMARY KEY REFERENCES distributions (id),
    sha256          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'running', 'ready', 'failed', 'unsupported')),
    attempts        INTEGER NOT NULL,
    profile         TEXT,
    error           TEXT,
    queued_at       TIMESTAMP NOT NULL,
    started_at      TIMESTAMP,
    lease_until     TIMESTAMP,
    finished_at     TIMESTAMP
);
CREATE INDEX distribution_profiles_work ON distribution_profiles (state, lease_until);

CREATE TABLE distribution_disclosure (
    distribution_id TEXT PRIMARY KEY REFERENCES distributions (id),
    profile_public  BOOLEAN NOT NULL,
    sample_public   BOOLEAN NOT NULL,
    k_threshold     INTEGER NOT NULL CHECK (k_threshold >= 2),
    aggregate_only  BOOLEAN NOT NULL,
    declared_columns TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT NOT NULL
);

-- Budgets in millionths of epsilon: integer arithmetic, so a budget of 1.0
-- holds exactly ten queries of 0.1. The CHECK is the last line of defence
-- behind the conditional UPDATE that spends.
CREATE TABLE aggregate_grants (
    grant_id          TEXT PRIMARY KEY REFERENCES grants (id),
    epsilon_budget_ue BIGINT NOT NULL CHECK (epsilon_budget_ue > 0),
    epsilon_spent_ue  BIGINT NOT NULL CHECK (epsilon_spent_ue >= 0 AND epsilon_spent_ue <= epsilon_budget_ue),
    group_columns     TEXT NOT NULL,
    queries           INTEGER NOT NULL
);

-- Queries join downloads in the access log.
ALTER TABLE access_log DROP CONSTRAINT access_log_event_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_event_check CHECK (event IN ('token_issued', 'download', 'query'));
ALTER TABLE access_log ADD COLUMN epsilon DOUBLE PRECISION;
