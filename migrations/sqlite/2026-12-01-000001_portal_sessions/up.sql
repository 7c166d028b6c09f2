-- People signed in to the web portal. The cookie holds a random session id;
-- only its SHA-256 is stored, so a copy of this table opens no session.
-- A session ends when it is idle too long (last_seen_at), at its absolute
-- expiry (expires_at), or when the person signs out (ended_at). Every
-- instance reads the same rows, so a load balancer may send each request
-- anywhere.
CREATE TABLE portal_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP
);
CREATE INDEX portal_sessions_user ON portal_sessions (user_id);
CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);
