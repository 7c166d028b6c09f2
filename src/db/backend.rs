//! The few statements whose SQL differs between PostgreSQL and SQLite. Every
//! other query is written once through the multi-backend connection.

use diesel::connection::SimpleConnection;

use super::DbConn;
use crate::error::AppResult;

/// Serialises appends to the audit chain until the transaction ends. On
/// PostgreSQL a transaction-scoped advisory lock; on SQLite the write
/// transaction is `BEGIN IMMEDIATE`, which already excludes other writers.
pub fn lock_audit_chain(conn: &mut DbConn) -> AppResult<()> {
    match conn {
        DbConn::Pg(c) => c.batch_execute("SELECT pg_advisory_xact_lock(7243001)")?,
        DbConn::Sqlite(_) => {}
    }
    Ok(())
}
