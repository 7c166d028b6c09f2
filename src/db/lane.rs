//! Public reads under two protections (issue 20, item 1):
//!
//! - **A time limit enforced by the database.** On PostgreSQL the read runs
//!   in a transaction with `SET LOCAL statement_timeout`, so the server
//!   itself cancels a statement past the limit; on SQLite every connection
//!   carries a progress handler (installed through `sqlite3_auto_extension`,
//!   as diesel does not hand out its raw handle) that interrupts the
//!   statement running on this thread once its deadline has passed. Either
//!   way the request answers 503 `/problems/query-timeout` with
//!   `Retry-After`, and the connection goes back to the pool usable.
//! - **The query lane.** At most `DATAGATE_QUERY_SLOTS` public reads hold a
//!   database connection at once; one that cannot get a slot within
//!   `DATAGATE_QUERY_WAIT_MS` answers 503 `/problems/query-lane-full` with
//!   `Retry-After`. The rest of the pool stays free for sign-in, decisions,
//!   token issue and downloads, whatever anonymous callers send.
//!
//! Cached public answers never reach the lane (the catalogue cache answers
//! them first).

use std::cell::Cell;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};

use super::{Db, DbConn};
use crate::error::AppError;

/// SQLite virtual-machine instructions between two checks of the deadline
/// (a check is one thread-local read and a clock read).
const PROGRESS_STEPS: i32 = 4096;

thread_local! {
    /// When the public read running on this thread must stop (SQLite).
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

unsafe extern "C" fn progress(_: *mut std::ffi::c_void) -> std::ffi::c_int {
    let past = DEADLINE.with(|d| d.get()).is_some_and(|d| Instant::now() >= d);
    std::ffi::c_int::from(past)
}

unsafe extern "C" fn install_progress_handler(
    db: *mut libsqlite3_sys::sqlite3,
    _: *mut *mut std::ffi::c_char,
    _: *const libsqlite3_sys::sqlite3_api_routines,
) -> std::ffi::c_int {
    // SAFETY: SQLite calls this with the handle of a connection it is opening;
    // the handler is a plain function that only reads thread-local state.
    unsafe { libsqlite3_sys::sqlite3_progress_handler(db, PROGRESS_STEPS, Some(progress), std::ptr::null_mut()) };
    libsqlite3_sys::SQLITE_OK
}

/// Makes every SQLite connection opened from now on carry the deadline
/// handler. Called before the first SQLite connection is opened.
pub fn install_sqlite_deadline() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: registers a static entry point with the bundled SQLite;
        // the function has the signature sqlite3_auto_extension expects.
        let rc = unsafe { libsqlite3_sys::sqlite3_auto_extension(Some(install_progress_handler)) };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::error!(rc, "could not install the SQLite query deadline");
        }
    });
}

/// Clears the thread's deadline when the read ends, however it ends.
struct DeadlineGuard;

impl DeadlineGuard {
    fn set(until: Instant) -> Self {
        DEADLINE.with(|d| d.set(Some(until)));
        DeadlineGuard
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(None));
    }
}

/// Runs `f` as one read transaction whose statements the database ends at
/// `timeout`. A timeout is [`AppError::query_timeout`] (503).
pub fn bounded_read<T, F>(conn: &mut DbConn, timeout: Duration, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    let ms = timeout.as_millis().clamp(1, i32::MAX as u128);
    match conn {
        DbConn::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            if let Err(e) = c.batch_execute(&format!("SET LOCAL statement_timeout = {ms}")) {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(e.into());
            }
        }
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    let result = {
        let _deadline = DeadlineGuard::set(Instant::now() + timeout);
        f(conn)
    };
    let end = match &result {
        Ok(_) => <DbConn as diesel::Connection>::TransactionManager::commit_transaction(conn),
        Err(_) => <DbConn as diesel::Connection>::TransactionManager::rollback_transaction(conn),
    };
    match (result, end) {
        (Ok(v), Ok(())) => Ok(v),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), end) => {
            if let Err(rollback) = end {
                tracing::error!(error = %rollback, "rollback of a public read failed");
            }
            if e.slug == "query-timeout" {
                metrics::counter!("datagate_query_timeouts_total").increment(1);
            }
            Err(e)
        }
    }
}

/// The lane of public reads: a bounded number of slots, and the time limit
/// every read in it runs under.
#[derive(Clone)]
pub struct QueryLane {
    slots: Arc<tokio::sync::Semaphore>,
    size: usize,
    timeout: Duration,
    wait: Duration,
}

impl QueryLane {
    pub fn new(slots: u32, timeout: Duration, wait: Duration) -> Self {
        let size = slots.max(1) as usize;
        Self { slots: Arc::new(tokio::sync::Semaphore::new(size)), size, timeout, wait }
    }

    /// The time limit of one public read.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Slots of the lane, and how many are free now.
    pub fn slots(&self) -> (usize, usize) {
        (self.size, self.slots.available_permits())
    }

    /// Runs a public read in the lane under the time limit.
    pub async fn read<T, F>(&self, db: &Db, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.read_for(db, self.timeout, f).await
    }

    /// Like [`QueryLane::read`] with another time limit (exports, which read
    /// a whole catalogue, get a multiple of the usual one).
    pub async fn read_for<T, F>(&self, db: &Db, timeout: Duration, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let permit = match actix_web::rt::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) | Err(_) => {
                metrics::counter!("datagate_query_lane_refused_total").increment(1);
                return Err(AppError::query_lane_full(self.timeout.as_secs().clamp(1, 30)));
            }
        };
        let result = db.run(move |conn| bounded_read(conn, timeout, f)).await;
        drop(permit);
        result
    }
}
