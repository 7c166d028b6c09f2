//! A short-lived cache of public catalogue reads (list pages with facets, and
//! listing details), so that crawlers and harvesters paging all day do not
//! each cost a round of queries.
//!
//! Entries are keyed by the catalogue's *generation*: every transaction that
//! changes a listing marks itself (`mark_changed`, called by
//! `service::commit_change` and the batch writers) and, once it commits,
//! `Db::write`/`Db::run` advance the generation, so this instance never serves
//! a page older than its own last write. Other instances' writes are picked up
//! within the time-to-live (`DATAGATE_CACHE_TTL_MS`, 1 s by default; 0 turns
//! the cache off). Only what anonymous callers may see is cached.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;

thread_local! {
    static CHANGED: Cell<bool> = const { Cell::new(false) };
}

/// Notes that the current transaction changes the catalogue.
pub fn mark_changed() {
    CHANGED.with(|c| c.set(true));
}

/// Whether the work just finished on this thread changed the catalogue
/// (and forgets it).
pub fn take_changed() -> bool {
    CHANGED.with(|c| c.replace(false))
}

/// Forgets a mark left by work that did not commit.
pub fn clear_changed() {
    CHANGED.with(|c| c.set(false));
}

/// A cached response body and the validator that goes with it.
#[derive(Clone)]
pub struct Cached {
    pub body: Bytes,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

pub struct CatalogueCache {
    generation: Arc<AtomicU64>,
    entries: Option<moka::sync::Cache<(u64, String), Cached>>,
}

impl CatalogueCache {
    pub fn new(generation: Arc<AtomicU64>, ttl: Duration) -> Self {
        let entries =
            (!ttl.is_zero()).then(|| moka::sync::Cache::builder().max_capacity(20_000).time_to_live(ttl).build());
        Self { generation, entries }
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn get(&self, key: &str) -> Option<Cached> {
        self.entries.as_ref()?.get(&(self.generation(), key.to_string()))
    }

    /// Stores a body computed at `generation` (the one read before computing,
    /// so that a concurrent write makes the entry unreachable, not stale).
    pub fn put(&self, generation: u64, key: String, value: Cached) {
        if let Some(entries) = &self.entries {
            entries.insert((generation, key), value);
        }
    }
}
