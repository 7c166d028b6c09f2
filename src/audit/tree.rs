//! The Merkle tree over the audit chain, kept in `audit_tree_nodes`.
//!
//! Leaf `i` (0-based) is entry `seq = i + 1`; its leaf input is the 32 raw
//! bytes of the entry's chain hash (`audit_log.hash`, which commits to the
//! entry's content and, through `prev_hash`, to every entry before it), so
//! its leaf hash is `SHA-256(0x00 || hash)`. Every complete, aligned
//! subtree is stored once it is complete, which makes a root or a proof
//! O(log n) reads however long the chain is.
//!
//! The stored tree is derived data. It grows by [`sync`], which appends only
//! entries that chain correctly onto the last one it holds, and refuses to
//! go on if that last entry no longer reads as it did (the tail was removed
//! or rewritten). Verification against a checkpoint never reads it.

use diesel::prelude::*;

use super::chain::{Entry, GENESIS};
use super::merkle::{self, Hash, Subtrees};
use crate::db::schema::{audit_log, audit_tree_nodes};
use crate::db::{DbConn, backend};
use crate::error::{AppError, AppResult};

/// The leaf hash of an entry whose chain hash is `chain_hash` (hex).
pub fn entry_leaf_hash(chain_hash: &str) -> Option<Hash> {
    let raw = hex::decode(chain_hash).ok()?;
    (raw.len() == 32).then(|| merkle::leaf_hash(&raw))
}

pub fn decode_hash(hex_hash: &str) -> Option<Hash> {
    hex::decode(hex_hash).ok()?.try_into().ok()
}

/// The stored tree's size: how many entries it covers.
pub fn stored_size(conn: &mut DbConn) -> AppResult<u64> {
    let max: Option<i64> = audit_tree_nodes::table
        .filter(audit_tree_nodes::level.eq(0))
        .select(diesel::dsl::max(audit_tree_nodes::idx))
        .first(conn)?;
    Ok(max.map_or(0, |m| m as u64 + 1))
}

/// Reads complete subtrees from `audit_tree_nodes`.
pub struct StoredTree<'a> {
    pub conn: &'a mut DbConn,
}

impl Subtrees for StoredTree<'_> {
    type Error = AppError;
    fn complete(&mut self, level: u32, index: u64) -> AppResult<Hash> {
        let hex_hash: Option<String> = audit_tree_nodes::table
            .filter(audit_tree_nodes::level.eq(level as i32))
            .filter(audit_tree_nodes::idx.eq(index as i64))
            .select(audit_tree_nodes::hash)
            .first(self.conn)
            .optional()?;
        hex_hash
            .as_deref()
            .and_then(decode_hash)
            .ok_or_else(|| AppError::internal(format!("audit tree node ({level}, {index}) is missing or malformed")))
    }
}

/// The tree as far as it is stored.
#[derive(Debug, Clone)]
pub struct TreeHead {
    pub size: u64,
    pub root: Hash,
    /// The chain hash of entry `size` (64 zeros for the empty tree).
    pub head_hash: String,
}

/// The refusal when the chain no longer extends the stored tree.
fn diverged(detail: String) -> AppError {
    tracing::error!(%detail, "the audit chain no longer extends the stored Merkle tree");
    AppError::conflict(format!(
        "{detail}: the audit trail was changed after the Merkle tree recorded it — \
         verify it against a checkpoint kept outside datagate (`datagate audit verify --checkpoint`)"
    ))
}

/// Brings the stored tree up to the newest entry, checking that every new
/// entry matches its hash and links to the one before, and that the last
/// entry the tree already holds still reads as it did. Call it inside a
/// write transaction: it takes the audit chain's lock.
pub fn sync(conn: &mut DbConn) -> AppResult<TreeHead> {
    const BATCH: i64 = 5_000;
    backend::lock_audit_chain(conn)?;
    let mut size = stored_size(conn)?;
    let mut prev_hash = GENESIS.to_string();
    if size > 0 {
        let last: Option<String> =
            audit_log::table.filter(audit_log::seq.eq(size as i64)).select(audit_log::hash).first(conn).optional()?;
        let Some(last) = last else {
            return Err(diverged(format!("entry {size}, which the tree holds, is gone")));
        };
        let stored = StoredTree { conn }.complete(0, size - 1)?;
        if entry_leaf_hash(&last) != Some(stored) {
            return Err(diverged(format!("entry {size}, which the tree holds, has a different hash now")));
        }
        prev_hash = last;
    }
    // The pending left siblings on the right edge: at each level whose bit
    // is set in `size`, the last complete node waits for its right sibling.
    let mut frontier: Vec<Option<Hash>> = vec![None; 65];
    for level in 0..64u32 {
        if (size >> level) & 1 == 1 {
            frontier[level as usize] = Some(StoredTree { conn }.complete(level, (size >> level) - 1)?);
        }
    }
    loop {
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::seq.gt(size as i64))
            .order(audit_log::seq.asc())
            .limit(BATCH)
            .select(Entry::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        let mut rows: Vec<(i32, i64, String)> = Vec::with_capacity(batch.len() * 2);
        for entry in &batch {
            let expected = size as i64 + 1;
            if entry.seq != expected {
                return Err(diverged(format!("entry {expected} is missing")));
            }
            if entry.prev_hash != prev_hash || entry.compute_hash() != entry.hash {
                return Err(diverged(format!("entry {expected} does not match its hash or its predecessor")));
            }
            let Some(mut node) = entry_leaf_hash(&entry.hash) else {
                return Err(diverged(format!("entry {expected}'s hash is malformed")));
            };
            let (mut level, mut index) = (0u32, size);
            loop {
                rows.push((level as i32, index as i64, hex::encode(node)));
                if index & 1 == 1 {
                    let left = frontier[level as usize]
                        .take()
                        .ok_or_else(|| AppError::internal("audit tree frontier out of step"))?;
                    node = merkle::node_hash(&left, &node);
                    index >>= 1;
                    level += 1;
                } else {
                    frontier[level as usize] = Some(node);
                    break;
                }
            }
            prev_hash = entry.hash.clone();
            size += 1;
        }
        for chunk in rows.chunks(1_000) {
            let values: Vec<_> = chunk
                .iter()
                .map(|(level, idx, hash)| {
                    (
                        audit_tree_nodes::level.eq(*level),
                        audit_tree_nodes::idx.eq(*idx),
                        audit_tree_nodes::hash.eq(hash),
                    )
                })
                .collect();
            // The multi-backend connection cannot insert a Vec at once.
            match conn {
                DbConn::Pg(c) => diesel::insert_into(audit_tree_nodes::table).values(values).execute(c)?,
                DbConn::Sqlite(c) => diesel::insert_into(audit_tree_nodes::table).values(values).execute(c)?,
            };
        }
    }
    let root = merkle::root(&mut StoredTree { conn }, size)?;
    Ok(TreeHead { size, root, head_hash: prev_hash })
}

/// The root of the first `size` entries (`size <=` the stored size).
pub fn root_at(conn: &mut DbConn, size: u64) -> AppResult<Hash> {
    merkle::root(&mut StoredTree { conn }, size)
}

pub fn inclusion_proof(conn: &mut DbConn, index: u64, size: u64) -> AppResult<Vec<Hash>> {
    merkle::inclusion_proof(&mut StoredTree { conn }, index, size)
}

pub fn consistency_proof(conn: &mut DbConn, first: u64, second: u64) -> AppResult<Vec<Hash>> {
    merkle::consistency_proof(&mut StoredTree { conn }, first, second)
}
