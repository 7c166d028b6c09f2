//! Appending to and verifying the hash chain.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::schema::audit_log;
use crate::db::{DbConn, backend};
use crate::error::AppResult;

/// The hash the first entry chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did something, and in which request.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<String>,
    pub org_id: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// An action of the service itself or of a command-line operator.
    pub fn system() -> Self {
        Self::default()
    }
}

/// A stored audit entry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub summary: String,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The content that is hashed: every column but the hash itself, in a fixed
/// order, times in a fixed format.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    at: String,
    actor_user_id: Option<&'a str>,
    actor_org_id: Option<&'a str>,
    action: &'a str,
    target_type: &'a str,
    target_id: &'a str,
    summary: &'a str,
    request_id: Option<&'a str>,
    prev_hash: &'a str,
}

impl Entry {
    pub fn compute_hash(&self) -> String {
        let canonical = Canonical {
            seq: self.seq,
            at: self.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            actor_user_id: self.actor_user_id.as_deref(),
            actor_org_id: self.actor_org_id.as_deref(),
            action: &self.action,
            target_type: &self.target_type,
            target_id: &self.target_id,
            summary: &self.summary,
            request_id: self.request_id.as_deref(),
            prev_hash: &self.prev_hash,
        };
        let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
        hex::encode(Sha256::digest(bytes))
    }
}

/// Appends an entry. Call it inside the transaction that makes the change
/// (a [`crate::db::write_tx`]): the chain's head is locked until commit, so
/// concurrent writers queue instead of forking the chain.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    at: NaiveDateTime,
    action: &str,
    target_type: &str,
    target_id: &str,
    summary: serde_json::Value,
) -> AppResult<i64> {
    let (seq, prev_hash) = locked_head(conn)?;
    let entry = link(seq, prev_hash, actor, at, action, target_type, target_id, &summary);
    diesel::insert_into(audit_log::table).values(&entry).execute(conn)?;
    crate::telemetry::audit_appended();
    Ok(seq)
}

/// An entry to append with [`record_many`].
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub actor: Actor,
    pub at: NaiveDateTime,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    pub summary: serde_json::Value,
}

/// Rows per multi-row INSERT: well under SQLite's limit of bound variables
/// (11 columns each).
const INSERT_ROWS: usize = 500;

/// Appends several entries in the given order, with one lock, one read of
/// the head and multi-row inserts (the group commit of `grants::issue_log`).
/// Like [`record`], call it inside the transaction that makes the change.
/// Returns the sequence number of the first entry appended.
pub fn record_many(conn: &mut DbConn, entries: &[NewEntry]) -> AppResult<i64> {
    let (first, mut prev_hash) = locked_head(conn)?;
    let mut rows = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let entry =
            link(first + i as i64, prev_hash, &e.actor, e.at, e.action, e.target_type, &e.target_id, &e.summary);
        prev_hash = entry.hash.clone();
        rows.push(entry);
    }
    for chunk in rows.chunks(INSERT_ROWS) {
        // The multi-backend connection cannot insert a slice at once.
        match conn {
            DbConn::Pg(c) => diesel::insert_into(audit_log::table).values(chunk).execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(audit_log::table).values(chunk).execute(c)?,
        };
    }
    for _ in entries {
        crate::telemetry::audit_appended();
    }
    Ok(first)
}

/// Locks the chain until the transaction ends and returns the next sequence
/// number and the hash it links to.
fn locked_head(conn: &mut DbConn) -> AppResult<(i64, String)> {
    backend::lock_audit_chain(conn)?;
    let head: Option<(i64, String)> = audit_log::table
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first(conn)
        .optional()?;
    Ok(match head {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    })
}

/// The entry at `seq` after `prev_hash`, with its hash.
#[allow(clippy::too_many_arguments)]
fn link(
    seq: i64,
    prev_hash: String,
    actor: &Actor,
    at: NaiveDateTime,
    action: &str,
    target_type: &str,
    target_id: &str,
    summary: &serde_json::Value,
) -> Entry {
    let mut entry = Entry {
        seq,
        at,
        actor_user_id: actor.user_id.clone(),
        actor_org_id: actor.org_id.clone(),
        action: action.to_string(),
        target_type: target_type.to_string(),
        target_id: target_id.to_string(),
        summary: serde_json::to_string(summary).unwrap_or_else(|_| "{}".into()),
        request_id: actor.request_id.clone(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    entry
}

/// The result of walking the chain.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub enum Verification {
    Intact { entries: i64, head_hash: String },
    Broken { seq: i64, reason: String, entries_checked: i64 },
}

/// Walks the whole chain in order, in batches, and reports the first entry
/// whose hash, link or position is wrong.
pub fn verify_chain(conn: &mut DbConn) -> AppResult<Verification> {
    const BATCH: i64 = 5_000;
    let mut prev_hash = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut checked = 0i64;
    loop {
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::seq.ge(expected_seq))
            .order(audit_log::seq.asc())
            .limit(BATCH)
            .select(Entry::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for entry in &batch {
            let broken = |reason: String| Verification::Broken { seq: entry.seq, reason, entries_checked: checked };
            if entry.seq != expected_seq {
                return Ok(Verification::Broken {
                    seq: expected_seq,
                    reason: format!("entry {expected_seq} is missing (next present is {})", entry.seq),
                    entries_checked: checked,
                });
            }
            if entry.prev_hash != prev_hash {
                return Ok(broken("does not link to the previous entry's hash".into()));
            }
            if entry.compute_hash() != entry.hash {
                return Ok(broken("its content does not match its hash (edited)".into()));
            }
            prev_hash = entry.hash.clone();
            expected_seq += 1;
            checked += 1;
        }
    }
    Ok(Verification::Intact { entries: checked, head_hash: prev_hash })
}
