//! Signed checkpoints of the audit chain: how many entries it held, the
//! Merkle root over them (RFC 9162) and the chain's head hash, signed with
//! the Ed25519 key of `/.well-known/jwks.json`. Kept elsewhere, a checkpoint
//! shows later whether the chain still extends it: removing or rewriting
//! any of its first `tree_size` entries, even with recomputed chain hashes,
//! changes the root.
//!
//! # The signed statement
//!
//! A checkpoint body in the manner of C2SP `tlog-checkpoint`, lines ending
//! in `\n`:
//!
//! ```text
//! <origin>                      e.g. data.sh.gov.cn/audit
//! <tree size>                   decimal
//! <root hash>                   standard base64 of the 32-byte RFC 9162 root
//! chain-head <hex>              the chain hash of entry <tree size>
//! issued-at <RFC 3339 UTC>
//! ```
//!
//! `signature` is the raw Ed25519 signature (RFC 8032, 64 bytes, base64url
//! without padding) over exactly those bytes, by the JWKS key `key_id`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::chain::{self, Actor, Entry, GENESIS};
use super::merkle::{self, Hash, RootBuilder};
use super::tree;
use crate::auth::keys::{Jwk, TokenKeys};
use crate::db::DbConn;
use crate::db::schema::{audit_checkpoints, audit_log};
use crate::db::types::utc;
use crate::error::AppResult;

/// A checkpoint as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_checkpoints)]
pub struct StoredCheckpoint {
    pub id: i64,
    pub tree_size: i64,
    pub root_hash: String,
    pub head_hash: String,
    pub issued_at: NaiveDateTime,
    pub key_id: String,
    pub statement: String,
    pub signature: String,
}

/// A signed checkpoint of the audit chain. Keep copies outside datagate:
/// `datagate audit verify --checkpoint FILE` and `POST
/// /api/v1/audit/verify` check the chain against one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Checkpoint {
    pub id: i64,
    /// How many entries (from `seq` 1) the checkpoint covers.
    pub tree_size: i64,
    /// The RFC 9162 Merkle root over those entries, hex.
    pub root_hash: String,
    /// The chain hash of entry `tree_size`, hex (64 zeros for an empty chain).
    pub head_hash: String,
    pub issued_at: DateTime<Utc>,
    /// The `kid` of the key in `/.well-known/jwks.json` that signed it.
    pub key_id: String,
    /// Always `Ed25519`.
    #[schema(example = "Ed25519")]
    pub algorithm: String,
    /// The text that was signed, exactly. It states the origin, the tree
    /// size, the root (base64), `chain-head <hex>` and `issued-at <time>`;
    /// the other fields repeat it for convenience.
    pub statement: String,
    /// Ed25519 signature over the bytes of `statement`, base64url without padding.
    pub signature: String,
}

impl From<StoredCheckpoint> for Checkpoint {
    fn from(c: StoredCheckpoint) -> Self {
        Checkpoint {
            id: c.id,
            tree_size: c.tree_size,
            root_hash: c.root_hash,
            head_hash: c.head_hash,
            issued_at: utc(c.issued_at),
            key_id: c.key_id,
            algorithm: "Ed25519".into(),
            statement: c.statement,
            signature: c.signature,
        }
    }
}

/// The origin line: the public URL without its scheme, then `/audit`.
pub fn origin(public_url: &str) -> String {
    let host = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
    format!("{}/audit", host.trim_end_matches('/'))
}

fn statement_text(origin: &str, size: u64, root: &Hash, head_hash: &str, at: DateTime<Utc>) -> String {
    format!(
        "{origin}\n{size}\n{}\nchain-head {head_hash}\nissued-at {}\n",
        STANDARD.encode(root),
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// What a statement says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub origin: String,
    pub tree_size: u64,
    pub root: Hash,
    pub head_hash: String,
    pub issued_at: DateTime<Utc>,
}

pub fn parse_statement(text: &str) -> Result<Statement, String> {
    let body = text.strip_suffix('\n').ok_or("the statement must end with a newline")?;
    let lines: Vec<&str> = body.split('\n').collect();
    let [origin, size, root, head, issued] = lines.as_slice() else {
        return Err(format!("the statement must have 5 lines, not {}", lines.len()));
    };
    let tree_size: u64 = size.parse().map_err(|_| "line 2 (tree size) is not a number")?;
    let root: Hash = STANDARD
        .decode(root)
        .ok()
        .and_then(|r| r.try_into().ok())
        .ok_or("line 3 (root hash) is not 32 bytes of base64")?;
    let head_hash = head
        .strip_prefix("chain-head ")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or("line 4 must be `chain-head <64 hex digits>`")?
        .to_ascii_lowercase();
    let issued_at = issued
        .strip_prefix("issued-at ")
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or("line 5 must be `issued-at <RFC 3339 time>`")?
        .with_timezone(&Utc);
    Ok(Statement { origin: origin.to_string(), tree_size, root, head_hash, issued_at })
}

/// A key a checkpoint may be signed with.
pub struct TrustedKey {
    pub kid: String,
    pub key: VerifyingKey,
}

impl TrustedKey {
    pub fn of(keys: &TokenKeys) -> Self {
        TrustedKey { kid: keys.kid.clone(), key: keys.verifying_key() }
    }

    /// An Ed25519 key of a JWKS.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, String> {
        if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
            return Err(format!("key {} is not an Ed25519 key", jwk.kid));
        }
        let raw: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&jwk.x)
            .ok()
            .and_then(|x| x.try_into().ok())
            .ok_or_else(|| format!("key {}: x is not 32 bytes of base64url", jwk.kid))?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|e| format!("key {}: {e}", jwk.kid))?;
        Ok(TrustedKey { kid: jwk.kid.clone(), key })
    }
}

/// A checkpoint as a verifier receives it. Only `key_id`, `statement` and
/// `signature` count; any other field given must agree with the statement.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CheckpointClaim {
    pub key_id: String,
    pub statement: String,
    pub signature: String,
    #[serde(default)]
    pub tree_size: Option<i64>,
    #[serde(default)]
    pub root_hash: Option<String>,
    #[serde(default)]
    pub head_hash: Option<String>,
}

/// Checks the signature and returns what the statement says.
pub fn check_signature(claim: &CheckpointClaim, keys: &[TrustedKey]) -> Result<Statement, String> {
    let key = keys
        .iter()
        .find(|k| k.kid == claim.key_id)
        .ok_or_else(|| format!("key {:?} is not a key of this datagate", claim.key_id))?;
    let raw: [u8; 64] = URL_SAFE_NO_PAD
        .decode(claim.signature.trim_end_matches('='))
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or("the signature is not 64 bytes of base64url")?;
    key.key.verify_strict(claim.statement.as_bytes(), &Signature::from_bytes(&raw)).map_err(
        |_| "the signature does not match the statement: it was not signed by this datagate, or was altered",
    )?;
    let statement = parse_statement(&claim.statement)?;
    let agrees = claim.tree_size.is_none_or(|n| n >= 0 && n as u64 == statement.tree_size)
        && claim.root_hash.as_deref().is_none_or(|r| r.eq_ignore_ascii_case(&hex::encode(statement.root)))
        && claim.head_hash.as_deref().is_none_or(|h| h.eq_ignore_ascii_case(&statement.head_hash));
    if !agrees {
        return Err("tree_size, root_hash or head_hash differ from the signed statement".into());
    }
    Ok(statement)
}

/// Signs and stores a checkpoint of the chain as it stands. With an actor
/// (an administrator's request) the checkpoint is itself audited, after it.
/// Call inside a write transaction.
pub fn create(
    conn: &mut DbConn,
    keys: &TokenKeys,
    public_url: &str,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
) -> AppResult<StoredCheckpoint> {
    let head = tree::sync(conn)?;
    let last_id: Option<i64> = audit_checkpoints::table.select(diesel::dsl::max(audit_checkpoints::id)).first(conn)?;
    let statement = statement_text(&origin(public_url), head.size, &head.root, &head.head_hash, now);
    let stored = StoredCheckpoint {
        id: last_id.unwrap_or(0) + 1,
        tree_size: head.size as i64,
        root_hash: hex::encode(head.root),
        head_hash: head.head_hash.clone(),
        issued_at: crate::db::types::db_time(now),
        key_id: keys.kid.clone(),
        signature: URL_SAFE_NO_PAD.encode(keys.sign_raw(statement.as_bytes())),
        statement,
    };
    diesel::insert_into(audit_checkpoints::table).values(&stored).execute(conn)?;
    if let Some(actor) = actor {
        chain::record(
            conn,
            actor,
            stored.issued_at,
            "audit.checkpoint",
            "audit_checkpoint",
            &stored.id.to_string(),
            serde_json::json!({"tree_size": stored.tree_size, "root_hash": stored.root_hash}),
        )?;
    }
    Ok(stored)
}

/// A checkpoint unless the newest one already covers every entry.
pub fn create_if_grown(
    conn: &mut DbConn,
    keys: &TokenKeys,
    public_url: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<StoredCheckpoint>> {
    let entries: i64 = audit_log::table.count().get_result(conn)?;
    let newest: Option<i64> =
        audit_checkpoints::table.select(diesel::dsl::max(audit_checkpoints::tree_size)).first(conn)?;
    if newest == Some(entries) {
        return Ok(None);
    }
    create(conn, keys, public_url, now, None).map(Some)
}

pub fn newest(conn: &mut DbConn) -> AppResult<Option<StoredCheckpoint>> {
    Ok(audit_checkpoints::table
        .order(audit_checkpoints::id.desc())
        .select(StoredCheckpoint::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn, before_id: Option<i64>, limit: i64) -> AppResult<(Vec<StoredCheckpoint>, i64)> {
    let total: i64 = audit_checkpoints::table.count().get_result(conn)?;
    let mut q = audit_checkpoints::table.into_boxed();
    if let Some(id) = before_id {
        q = q.filter(audit_checkpoints::id.lt(id));
    }
    let rows =
        q.order(audit_checkpoints::id.desc()).limit(limit + 1).select(StoredCheckpoint::as_select()).load(conn)?;
    Ok((rows, total))
}

/// The verdict on a checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CheckpointVerdict {
    /// `true` when the signature is valid, the chain is intact, holds at
    /// least `tree_size` entries, and its first `tree_size` entries produce
    /// the signed root and head hash.
    pub consistent: bool,
    /// The checkpoint's size.
    pub tree_size: i64,
    /// How many entries the chain holds now.
    pub current_size: i64,
    /// The first entry found missing, edited or out of its chain, if any.
    pub first_broken_seq: Option<i64>,
    /// What is wrong, when not consistent.
    #[schema(example = "the chain holds 7 entries, fewer than the checkpoint's 9: entries were removed")]
    pub problem: Option<String>,
}

/// Recomputes the chain and the root from the entries themselves (never
/// from the stored tree) and compares them with the signed statement.
pub fn verify_against(conn: &mut DbConn, statement: &Statement) -> AppResult<CheckpointVerdict> {
    const BATCH: i64 = 5_000;
    let n = statement.tree_size;
    let mut builder = RootBuilder::new();
    let mut prev_hash = GENESIS.to_string();
    let mut at_n: Option<(Hash, String)> = (n == 0).then(|| (merkle::empty_root(), GENESIS.to_string()));
    let mut broken: Option<(i64, String)> = None;
    'walk: loop {
        let next = builder.size() as i64 + 1;
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::seq.ge(next))
            .order(audit_log::seq.asc())
            .limit(BATCH)
            .select(Entry::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for entry in batch {
            let expected = builder.size() as i64 + 1;
            let problem = if entry.seq != expected {
                Some((expected, format!("entry {expected} is missing (next present is {})", entry.seq)))
            } else if entry.prev_hash != prev_hash {
                Some((expected, format!("entry {expected} does not link to the previous entry's hash")))
            } else if entry.compute_hash() != entry.hash {
                Some((expected, format!("entry {expected}'s content does not match its hash (edited)")))
            } else {
                None
            };
            let leaf = match (problem, tree::entry_leaf_hash(&entry.hash)) {
                (None, Some(leaf)) => leaf,
                (Some(p), _) => {
                    broken = Some(p);
                    break 'walk;
                }
                (None, None) => {
                    broken = Some((expected, format!("entry {expected}'s hash is malformed")));
                    break 'walk;
                }
            };
            builder.push(leaf);
            prev_hash = entry.hash;
            if builder.size() == n {
                at_n = Some((builder.root(), prev_hash.clone()));
            }
        }
    }
    let current_size: i64 = audit_log::table.count().get_result(conn)?;
    let verdict = |problem: Option<String>, first_broken_seq: Option<i64>| CheckpointVerdict {
        consistent: problem.is_none(),
        tree_size: n as i64,
        current_size,
        first_broken_seq,
        problem,
    };
    if let Some((root, head)) = at_n {
        if root != statement.root {
            return Ok(verdict(
                Some(format!(
                    "the first {n} entries no longer produce the checkpoint's root: entries were rewritten \
                     (or removed and replaced) after it{}",
                    if head != statement.head_hash { ", and the head hash differs too" } else { "" }
                )),
                None,
            ));
        }
        if head != statement.head_hash {
            return Ok(verdict(Some(format!("entry {n}'s hash is not the checkpoint's chain head")), Some(n as i64)));
        }
        if let Some((seq, reason)) = broken {
            return Ok(verdict(Some(format!("after the checkpoint, {reason}")), Some(seq)));
        }
        return Ok(verdict(None, None));
    }
    if let Some((seq, reason)) = broken {
        return Ok(verdict(Some(format!("{reason}, within the checkpoint's {n} entries")), Some(seq)));
    }
    Ok(verdict(
        Some(format!("the chain holds {current_size} entries, fewer than the checkpoint's {n}: entries were removed")),
        Some(current_size + 1),
    ))
}

/// Paging of the checkpoint list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CheckpointListParams {
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_round_trips_and_a_signature_covers_every_byte() {
        let keys = TokenKeys::generate().expect("key");
        let at = DateTime::parse_from_rfc3339("2026-12-02T01:00:00Z").unwrap().with_timezone(&Utc);
        let root = merkle::leaf_hash(b"x");
        let text = statement_text(&origin("https://data.sh.gov.cn"), 7, &root, &"ab".repeat(32), at);
        assert!(text.starts_with("data.sh.gov.cn/audit\n7\n"), "{text}");
        let parsed = parse_statement(&text).expect("parses");
        assert_eq!(parsed.tree_size, 7);
        assert_eq!(parsed.root, root);
        assert_eq!(parsed.issued_at, at);
        let claim = |statement: String, signature: String| CheckpointClaim {
            key_id: keys.kid.clone(),
            statement,
            signature,
            tree_size: None,
            root_hash: None,
            head_hash: None,
        };
        let sig = URL_SAFE_NO_PAD.encode(keys.sign_raw(text.as_bytes()));
        let trusted = [TrustedKey::of(&keys)];
        assert_eq!(check_signature(&claim(text.clone(), sig.clone()), &trusted), Ok(parsed));
        // Any other size, or another key, is refused.
        let forged = text.replace("\n7\n", "\n9\n");
        assert!(check_signature(&claim(forged, sig.clone()), &trusted).is_err());
        let other = [TrustedKey::of(&TokenKeys::generate().expect("key"))];
        assert!(check_signature(&claim(text.clone(), sig.clone()), &other).is_err());
        let mut wrong_size = claim(text, sig);
        wrong_size.tree_size = Some(8);
        assert!(check_signature(&wrong_size, &trusted).is_err());
        // The JWK form of the key verifies the same.
        assert_eq!(TrustedKey::from_jwk(&keys.jwk()).expect("jwk").key, keys.verifying_key());
    }
}
