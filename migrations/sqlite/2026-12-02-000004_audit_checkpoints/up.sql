-- Signed checkpoints of the audit chain and the Merkle tree (RFC 9162)
-- behind them. See docs/reliability.md, "Audit checkpoints".
--
-- audit_tree_nodes caches the hash of every complete, aligned subtree of the
-- tree over audit_log (level 0: leaf hashes, one per entry, idx = seq - 1),
-- so a root or a proof reads O(log n) rows instead of re-hashing every entry.
-- It is derived data: verification never trusts it.
CREATE TABLE audit_tree_nodes (
    level INTEGER NOT NULL,
    idx   BIGINT NOT NULL,
    hash  TEXT NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Every checkpoint datagate signed: the statement exactly as signed, and
-- its Ed25519 signature by the key `key_id` of /.well-known/jwks.json.
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY,
    tree_size BIGINT NOT NULL,
    root_hash TEXT NOT NULL,
    head_hash TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    key_id    TEXT NOT NULL,
    statement TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_size ON audit_checkpoints (tree_size);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
