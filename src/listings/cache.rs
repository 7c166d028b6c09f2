//! A cache of public catalogue reads (list pages with facets, and listing
//! details), so that crawlers and harvesters paging all day do not each cost
//! a round of queries.
//!
//! Entries are keyed by the catalogue's *generation*. Every transaction that
//! changes a listing calls [`mark_changed`], which advances the counter in the
//! database (`catalogue_state`) inside the transaction; once the transaction
//! commits, this instance advances its local view at once, so it never serves
//! a page older than its own writes. Other instances' writes are seen when
//! `serve`'s poller (every `DATAGATE_CACHE_REFRESH_MS`) reads the counter.
//! Entries never expire by time otherwise (a size bound keeps memory in check),
//! and concurrent misses for one key are computed once. Only what anonymous
//! callers may see is cached.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use diesel::connection::SimpleConnection;

use crate::db::DbConn;
use crate::error::{AppError, AppResult};

thread_local! {
    static CHANGED: Cell<bool> = const { Cell::new(false) };
}

/// Records, in the current transaction, that the catalogue changes.
pub fn mark_changed(conn: &mut DbConn) -> AppResult<()> {
    conn.batch_execute("UPDATE catalogue_state SET generation = generation + 1 WHERE id = 1")?;
    CHANGED.with(|c| c.set(true));
    Ok(())
}

/// Whether the work just finished on this thread changed the catalogue
/// (and forgets it).
pub fn take_changed() -> bool {
    CHANGED.with(|c| c.replace(false))
}

/// Forgets a mark left by earlier work on this thread.
pub fn clear_changed() {
    CHANGED.with(|c| c.set(false));
}

/// The generation stored in the database.
pub fn stored_generation(conn: &mut DbConn) -> AppResult<u64> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        generation: i64,
    }
    let rows: Vec<Row> = diesel::sql_query("SELECT generation FROM catalogue_state WHERE id = 1").load(conn)?;
    Ok(rows.first().map(|r| r.generation as u64).unwrap_or(0))
}

/// A cached response body and the validators that go with it.
#[derive(Clone)]
pub struct Cached {
    pub body: Bytes,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

type Key = (u64, u64, String);

/// The most the cache holds, in bytes of keys and bodies, so that memory
/// stays bounded however many distinct pages crawlers ask for.
pub const CAPACITY_BYTES: u64 = 32 * 1024 * 1024;

pub struct CatalogueCache {
    /// Advanced by this instance's own committed changes.
    local: Arc<AtomicU64>,
    /// The database's counter as last polled (other instances' changes).
    remote: AtomicU64,
    entries: Option<moka::future::Cache<Key, Cached>>,
    /// Tells this process's views apart from another's (or an earlier run's).
    nonce: u64,
}

impl CatalogueCache {
    pub fn new(local: Arc<AtomicU64>, enabled: bool) -> Self {
        let entries = enabled.then(|| {
            moka::future::Cache::builder()
                .weigher(|k: &Key, v: &Cached| (k.2.len() + v.body.len()).try_into().unwrap_or(u32::MAX))
                .max_capacity(CAPACITY_BYTES)
                .build()
        });
        Self { local, remote: AtomicU64::new(0), entries, nonce: rand::random() }
    }

    fn key(&self, key: String) -> Key {
        (self.local.load(Ordering::Acquire), self.remote.load(Ordering::Acquire), key)
    }

    /// What the catalogue's validators are derived from (`http::conventions`):
    /// this process's view of the generation, exactly what the cache keys its
    /// entries by, so a validator never outlives the body it was given with.
    /// `None` without a cache (then the database's counter is read instead).
    pub fn validator_basis(&self) -> Option<String> {
        self.entries.as_ref()?;
        let (local, remote, _) = self.key(String::new());
        Some(format!("{:x}.{local}.{remote}", self.nonce))
    }

    /// Notes the database's generation, as the poller read it.
    pub fn observe(&self, generation: u64) {
        self.remote.fetch_max(generation, Ordering::AcqRel);
    }

    /// The cached body for `key`, computing it (once, however many ask at the
    /// same moment) when missing. Without a cache, just computes.
    pub async fn get_or_compute<F>(&self, key: String, compute: F) -> AppResult<Cached>
    where
        F: std::future::Future<Output = AppResult<Cached>>,
    {
        match &self.entries {
            None => compute.await,
            Some(entries) => {
                entries.try_get_with(self.key(key), compute).await.map_err(|e: Arc<AppError>| (*e).clone())
            }
        }
    }
}
