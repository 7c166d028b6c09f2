//! The database: one connection type over PostgreSQL and SQLite, its pool,
//! migrations, and the one helper through which every query leaves the async
//! workers.

pub mod backend;
pub mod schema;
pub mod types;

use std::time::Duration;

use actix_web::web;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a URL selects, with the string the driver wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    Sqlite(String),
}

impl DbUrl {
    /// `postgres://` and `postgresql://` select PostgreSQL; `sqlite://PATH`,
    /// `sqlite:PATH` or a plain path select SQLite.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err("sqlite:// URL names no file".into());
            }
            return Ok(DbUrl::Sqlite(path.to_string()));
        }
        if url.contains("://") {
            return Err(format!(
                "unsupported database URL scheme in {:?}: use postgres://, postgresql:// or sqlite://",
                redact(url)
            ));
        }
        if url.contains('=') && url.contains(' ') {
            return Err("keyword-style connection strings are not supported: use a postgres:// URL".into());
        }
        Ok(DbUrl::Sqlite(url.to_string()))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbUrl::Sqlite(_))
    }

    /// The URL with any password replaced, for logs and messages.
    pub fn display(&self) -> String {
        match self {
            DbUrl::Postgres(u) => redact(u),
            DbUrl::Sqlite(p) => format!("sqlite://{p}"),
        }
    }
}

/// Hides the password of a `scheme://user:password@host` URL.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_string(),
    }
}

/// Opens connections of the backend the URL names and reports the driver's
/// own error (the derived `establish` tries each backend and hides it).
#[derive(Debug, Clone)]
pub struct DbManager {
    url: DbUrl,
}

impl DbManager {
    pub fn new(url: DbUrl) -> Self {
        Self { url }
    }

    pub fn connect(&self) -> Result<DbConn, ConnectionError> {
        match &self.url {
            DbUrl::Postgres(u) => PgConnection::establish(u).map(DbConn::Pg),
            DbUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers proceed while one writer writes; the busy
                // timeout makes a second writer wait instead of failing.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        DbManager::connect(self).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        let status = match conn {
            DbConn::Pg(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
            DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        };
        // A connection goes back to the pool outside any transaction; one
        // still inside (its request panicked mid-transaction) would turn
        // every later request on it into an error, so it is discarded.
        match status {
            diesel::connection::TransactionManagerStatus::InError => true,
            diesel::connection::TransactionManagerStatus::Valid(v) => v.transaction_depth().is_some(),
        }
    }
}

pub type Pool = r2d2::Pool<DbManager>;

/// Pool settings taken from the configuration.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: u32,
    pub connect_timeout: Duration,
}

/// The handle the application holds: a pool, which backend it speaks, and the
/// catalogue's generation (advanced after every committed change to listings;
/// see `listings::cache`).
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: DbUrl,
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

impl Db {
    /// Builds the pool without requiring the database to be up: the service
    /// starts and answers 503 until it is reachable.
    pub fn new(url: DbUrl, settings: &PoolSettings) -> Result<Self, String> {
        if let DbUrl::Sqlite(path) = &url
            && let Some(dir) = std::path::Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create directory {}: {e}", dir.display()))?;
        }
        let pool = r2d2::Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(0))
            .connection_timeout(settings.connect_timeout)
            .test_on_check_out(false)
            .event_handler(Box::new(crate::telemetry::PoolEvents))
            .build_unchecked(DbManager::new(url.clone()));
        Ok(Self { pool, url, generation: Default::default() })
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The catalogue generation counter this handle advances.
    pub fn generation(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.generation.clone()
    }

    /// Connects once directly, so start-up can report the driver's real error.
    pub fn check_connection(&self) -> Result<(), String> {
        DbManager::new(self.url.clone())
            .connect()
            .map(|_| ())
            .map_err(|e| format!("cannot connect to {}: {e}", self.url.display()))
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn migrate(&self) -> Result<Vec<String>, String> {
        let mut conn = self.pool.get().map_err(|e| format!("no database connection: {e}"))?;
        run_migrations(&mut conn)
    }

    /// Runs blocking database work on the blocking thread pool, never on an
    /// async worker.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let generation = self.generation.clone();
        web::block(move || {
            crate::listings::cache::clear_changed();
            crate::telemetry::audit_reset();
            let mut conn = pool.get().map_err(AppError::from_pool)?;
            let result = f(&mut conn);
            crate::telemetry::audit_finish(result.is_ok());
            // A change is visible once committed: the closure has returned.
            // (A rolled-back change only costs a needless invalidation.)
            if crate::listings::cache::take_changed() {
                generation.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            }
            result
        })
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
    }

    /// Like [`Db::run`], inside one write transaction.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_tx(conn, f)).await
    }

    /// Synchronous access for commands (migrate, admin create, demo).
    pub fn get(&self) -> Result<r2d2::PooledConnection<DbManager>, AppError> {
        self.pool.get().map_err(AppError::from_pool)
    }
}

pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| format!("migration failed: {e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// A write transaction. On SQLite it begins `IMMEDIATE`, taking the write lock
/// first, so two writers queue on the busy timeout instead of one failing when
/// it upgrades a read lock; PostgreSQL begins normally.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = <DbConn as Connection>::TransactionManager::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(err)
        }
    }
}
