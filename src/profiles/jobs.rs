//! Running profile jobs in the background: one at a time per process (the
//! machine's cores belong to requests first), on the blocking pool, with a
//! lease renewed while a long file is read.

use std::path::PathBuf;
use std::sync::LazyLock;

use chrono::Duration;

use super::compute::Profiler;
use super::model;
use crate::clock::SharedClock;
use crate::db::Db;
use crate::distributions::storage::Storage;
use crate::distributions::{DistributionId, model as dist_model};
use crate::error::AppError;
use crate::tabular::{Cell, LocalFile, ReadError, RowSink, TabularFormat, read_rows};

/// How long a claimed job is held before another worker may take it over.
pub const LEASE_SECS: i64 = 120;
/// Rows between two checks of the lease.
const RENEW_EVERY: u64 = 1 << 16;

static ONE_AT_A_TIME: LazyLock<futures_util::lock::Mutex<()>> = LazyLock::new(|| futures_util::lock::Mutex::new(()));

/// What profile jobs need of the application.
#[derive(Clone)]
pub struct Runner {
    pub db: Db,
    pub storage: Storage,
    pub clock: SharedClock,
    /// Where files from a remote store are copied to be read.
    pub spool: PathBuf,
}

impl Runner {
    pub fn new(db: &Db, storage: &Storage, clock: &SharedClock, data_dir: &std::path::Path) -> Self {
        Runner { db: db.clone(), storage: storage.clone(), clock: clock.clone(), spool: data_dir.join("spool") }
    }

    /// Starts the distribution's queued profile in the background; the
    /// caller does not wait.
    pub fn kick(&self, id: DistributionId) {
        let me = self.clone();
        actix_web::rt::spawn(async move {
            if let Err(e) = me.run(id).await {
                tracing::warn!(distribution = %id, error = %e, "profile job failed");
            }
        });
    }

    /// Runs every claimable job (and queues files that never had a profile):
    /// what a crash or restart left behind is picked up here.
    pub async fn sweep(&self) -> Result<usize, AppError> {
        let now = self.clock.db_now();
        let fresh = self
            .db
            .write(move |conn| {
                model::give_up(conn, now)?;
                let rows = model::unprofiled(conn, 1000)?;
                for d in &rows {
                    model::enqueue(conn, d, now)?;
                }
                Ok(rows.len())
            })
            .await?;
        if fresh > 0 {
            tracing::info!(count = fresh, "queued profiles of files uploaded before profiles existed");
        }
        let jobs = self.db.run(move |conn| model::claimable(conn, now, 1000)).await?;
        let mut done = 0;
        for (id, _) in jobs {
            if self.run(id).await? {
                done += 1;
            }
        }
        Ok(done)
    }

    /// Claims and computes one profile; false if there was nothing to do.
    pub async fn run(&self, id: DistributionId) -> Result<bool, AppError> {
        let _slot = ONE_AT_A_TIME.lock().await;
        let now = self.clock.db_now();
        let lease = Duration::seconds(LEASE_SECS);
        let job = self
            .db
            .write(move |conn| {
                let Some(p) = model::find(conn, id)? else { return Ok(None) };
                let Some(d) = dist_model::find_live(conn, id)? else { return Ok(None) };
                if d.sha256.as_deref() != Some(p.sha256.as_str()) || !model::claim(conn, id, &p.sha256, now, lease)? {
                    return Ok(None);
                }
                Ok(Some(d))
            })
            .await?;
        let Some(d) = job else { return Ok(false) };
        let (Some(key), Some(size), Some(sha)) = (d.object_key.clone(), d.byte_size, d.sha256.clone()) else {
            return Ok(false);
        };
        let Some(format) = TabularFormat::detect(&d.format, &d.media_type, d.file_name.as_deref()) else {
            return Ok(false);
        };
        let outcome = match LocalFile::fetch(&self.storage, &key, size as u64, &self.spool).await {
            Err(e) => Err((e.to_string(), true)),
            Ok(file) => {
                let (db, clock, sha2) = (self.db.clone(), self.clock.clone(), sha.clone());
                actix_web::web::block(move || {
                    let mut sink = Leased { inner: Profiler::new(), db, clock, id, sha: sha2, rows: 0 };
                    let read = read_rows(&file.path, format, &mut sink);
                    drop(file);
                    match read {
                        Ok(()) => Ok(sink.inner.finish(format)),
                        Err(e @ ReadError::Malformed { .. }) => Err((e.to_string(), false)),
                        Err(e) => Err((e.to_string(), true)),
                    }
                })
                .await
                .map_err(|e| AppError::internal(format!("profile task failed: {e}")))?
            }
        };
        if let Err((why, _)) = &outcome {
            tracing::info!(distribution = %id, error = %why, "profile not computed");
        }
        let now = self.clock.db_now();
        self.db.write(move |conn| model::finish(conn, id, &sha, outcome, now)).await?;
        Ok(true)
    }
}

/// Passes rows to the profiler and keeps the lease alive; stops if the job
/// was taken away (the file was replaced meanwhile).
struct Leased {
    inner: Profiler,
    db: Db,
    clock: SharedClock,
    id: DistributionId,
    sha: String,
    rows: u64,
}

impl RowSink for Leased {
    fn columns(&mut self, names: &[String]) {
        self.inner.columns(names)
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), ReadError> {
        self.rows += 1;
        if self.rows.is_multiple_of(RENEW_EVERY) {
            let until = self.clock.db_now() + Duration::seconds(LEASE_SECS);
            let mut conn = self.db.get().map_err(|e| ReadError::Store(e.to_string()))?;
            if !model::renew(&mut conn, self.id, &self.sha, until).map_err(|e| ReadError::Store(e.to_string()))? {
                return Err(ReadError::Stopped("the file was replaced while it was profiled".into()));
            }
        }
        self.inner.row(cells)
    }
}
