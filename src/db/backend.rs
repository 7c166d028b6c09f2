//! The few places where SQL differs between PostgreSQL and SQLite: the
//! full-text index, the audit-chain lock, text ordering, and a small builder
//! for raw SQL with the right placeholders. Every other query is written once
//! through the multi-backend connection.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Text, Timestamp};

use super::{DbConn, MultiBackend};
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

pub fn backend_of(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Pg(_) => Backend::Postgres,
        DbConn::Sqlite(_) => Backend::Sqlite,
    }
}

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

/// A value bound into raw SQL.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Int(i32),
    BigInt(i64),
    Double(f64),
    Timestamp(NaiveDateTime),
}

impl From<String> for Bind {
    fn from(v: String) -> Self {
        Bind::Text(v)
    }
}
impl From<&str> for Bind {
    fn from(v: &str) -> Self {
        Bind::Text(v.to_string())
    }
}
impl From<i64> for Bind {
    fn from(v: i64) -> Self {
        Bind::BigInt(v)
    }
}
impl From<i32> for Bind {
    fn from(v: i32) -> Self {
        Bind::Int(v)
    }
}
impl From<f64> for Bind {
    fn from(v: f64) -> Self {
        Bind::Double(v)
    }
}
impl From<NaiveDateTime> for Bind {
    fn from(v: NaiveDateTime) -> Self {
        Bind::Timestamp(v)
    }
}

/// Raw SQL with placeholders in the backend's own style (`$1` / `?`).
#[derive(Debug, Clone)]
pub struct SqlBuilder {
    pub backend: Backend,
    sql: String,
    binds: Vec<Bind>,
}

impl SqlBuilder {
    pub fn new(backend: Backend) -> Self {
        Self { backend, sql: String::new(), binds: Vec::new() }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Bind>) -> &mut Self {
        self.binds.push(value.into());
        match self.backend {
            Backend::Postgres => {
                let n = self.binds.len();
                self.sql.push_str(&format!("${n}"));
            }
            Backend::Sqlite => self.sql.push('?'),
        }
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    fn query(self) -> diesel::query_builder::BoxedSqlQuery<'static, MultiBackend, diesel::query_builder::SqlQuery> {
        let mut q = diesel::sql_query(self.sql).into_boxed::<MultiBackend>();
        for b in self.binds {
            q = match b {
                Bind::Text(v) => q.bind::<Text, _>(v),
                Bind::Int(v) => q.bind::<Integer, _>(v),
                Bind::BigInt(v) => q.bind::<BigInt, _>(v),
                Bind::Double(v) => q.bind::<Double, _>(v),
                Bind::Timestamp(v) => q.bind::<Timestamp, _>(v),
            };
        }
        q
    }

    pub fn load<T>(self, conn: &mut DbConn) -> QueryResult<Vec<T>>
    where
        T: QueryableByName<MultiBackend> + 'static,
    {
        self.query().load(conn)
    }

    pub fn execute(self, conn: &mut DbConn) -> QueryResult<usize> {
        self.query().execute(conn)
    }
}

// ---- Full-text search over listings -------------------------------------

/// Writes a listing's index entry: a weighted `tsvector` on PostgreSQL, a row
/// of the FTS5 table on SQLite (keyed by the listing's stable `search_rowid`).
pub fn write_search_index(
    conn: &mut DbConn,
    listing_id: &str,
    tsvector: &str,
    title: &str,
    keywords: &str,
    body: &str,
) -> QueryResult<()> {
    let backend = backend_of(conn);
    match backend {
        Backend::Postgres => {
            let mut b = SqlBuilder::new(backend);
            b.push("UPDATE listings SET search_vector = CAST(").bind(tsvector).push(" AS tsvector) WHERE id = ");
            b.bind(listing_id);
            b.execute(conn)?;
        }
        Backend::Sqlite => {
            let mut b = SqlBuilder::new(backend);
            b.push(
                "UPDATE listings SET search_rowid = \
                 (SELECT COALESCE(MAX(search_rowid), 0) + 1 FROM listings) \
                 WHERE id = ",
            )
            .bind(listing_id)
            .push(" AND search_rowid IS NULL");
            b.execute(conn)?;
            let mut b = SqlBuilder::new(backend);
            b.push("DELETE FROM listing_fts WHERE rowid = (SELECT search_rowid FROM listings WHERE id = ")
                .bind(listing_id)
                .push(")");
            b.execute(conn)?;
            let mut b = SqlBuilder::new(backend);
            b.push("INSERT INTO listing_fts (rowid, title, keywords, body) SELECT search_rowid, ")
                .bind(title)
                .push(", ")
                .bind(keywords)
                .push(", ")
                .bind(body)
                .push(" FROM listings WHERE id = ")
                .bind(listing_id);
            b.execute(conn)?;
        }
    }
    Ok(())
}

/// Joins the full-text table where the backend needs one.
pub fn push_fts_join(b: &mut SqlBuilder) {
    if b.backend == Backend::Sqlite {
        b.push(" JOIN listing_fts ON listing_fts.rowid = listings.search_rowid");
    }
}

/// The condition "the listing matches the query": `tsquery` is a
/// [`crate::listings::text::tsquery_literal`], `fts5` the same tokens as an
/// FTS5 query.
pub fn push_fts_match(b: &mut SqlBuilder, tsquery: &str, fts5: &str) {
    match b.backend {
        Backend::Postgres => {
            b.push("listings.search_vector @@ CAST(").bind(tsquery).push(" AS tsquery)");
        }
        Backend::Sqlite => {
            b.push("listing_fts MATCH ").bind(fts5);
        }
    }
}

/// Relevance, higher is better, and a function of the listing's own text
/// only (so that cursors over a ranking stay valid while others publish):
/// cover density with weights A–C on PostgreSQL; on SQLite, whether all
/// tokens occur in the title (10), the keywords (4), the body (1).
pub fn push_fts_rank(b: &mut SqlBuilder, tsquery: &str, fts5: &str) {
    match b.backend {
        Backend::Postgres => {
            b.push("CAST(ts_rank_cd('{0.1, 0.3, 0.6, 1.0}', listings.search_vector, CAST(")
                .bind(tsquery)
                .push(" AS tsquery)) AS DOUBLE PRECISION)");
        }
        Backend::Sqlite => {
            b.push("(");
            for (i, (column, weight)) in
                [("title", "10.0"), ("keywords", "4.0"), ("body", "1.0")].into_iter().enumerate()
            {
                if i > 0 {
                    b.push(" + ");
                }
                b.push(&format!(
                    "{weight} * (listings.search_rowid IN (SELECT rowid FROM listing_fts WHERE listing_fts MATCH "
                ))
                .bind(format!("{column} : ({fts5})"))
                .push("))");
            }
            b.push(")");
        }
    }
}

/// Text ordered by code point on both backends (PostgreSQL would otherwise
/// use the database's locale).
pub fn text_order(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => format!("{column} COLLATE \"C\""),
        Backend::Sqlite => column.to_string(),
    }
}

// ---- Batch writes -------------------------------------------------------
//
// The multi-backend connection cannot insert a `Vec` of rows at once, so
// batch inserts run on the inner connection here.

macro_rules! batch_insert {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConn::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
            DbConn::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}

/// Rows per multi-row INSERT: well under SQLite's limit of bound variables.
const BATCH_ROWS: usize = 500;

pub fn insert_facets(conn: &mut DbConn, rows: &[crate::listings::model::FacetRow]) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH_ROWS * 4) {
        batch_insert!(conn, crate::db::schema::listing_facets::table, chunk)?;
    }
    Ok(())
}

pub fn insert_listings(conn: &mut DbConn, rows: &[crate::listings::Listing]) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH_ROWS) {
        batch_insert!(conn, crate::db::schema::listings::table, chunk)?;
    }
    Ok(())
}

pub fn insert_revisions(conn: &mut DbConn, rows: &[crate::listings::model::RevisionRow]) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH_ROWS * 2) {
        batch_insert!(conn, crate::db::schema::listing_revisions::table, chunk)?;
    }
    Ok(())
}

pub fn insert_terms(conn: &mut DbConn, rows: &[crate::listings::model::TermsRow]) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH_ROWS * 2) {
        batch_insert!(conn, crate::db::schema::listing_terms::table, chunk)?;
    }
    Ok(())
}

pub fn insert_distributions(conn: &mut DbConn, rows: &[crate::distributions::DistributionRow]) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH_ROWS) {
        batch_insert!(conn, crate::db::schema::distributions::table, chunk)?;
    }
    Ok(())
}

/// One listing's entry for [`write_search_index_batch`].
pub struct IndexEntry {
    pub listing_id: String,
    pub tsvector: String,
    pub title: String,
    pub keywords: String,
    pub body: String,
}

/// Writes the index entries of many new listings at once.
pub fn write_search_index_batch(conn: &mut DbConn, entries: &[IndexEntry]) -> QueryResult<()> {
    let backend = backend_of(conn);
    for chunk in entries.chunks(BATCH_ROWS) {
        match backend {
            Backend::Postgres => {
                let mut b = SqlBuilder::new(backend);
                b.push("UPDATE listings SET search_vector = CAST(v.sv AS tsvector) FROM (VALUES ");
                for (i, e) in chunk.iter().enumerate() {
                    if i > 0 {
                        b.push(", ");
                    }
                    b.push("(").bind(e.listing_id.as_str()).push(", ").bind(e.tsvector.as_str()).push(")");
                }
                b.push(") AS v(id, sv) WHERE listings.id = v.id");
                b.execute(conn)?;
            }
            Backend::Sqlite => {
                #[derive(QueryableByName)]
                struct Max {
                    #[diesel(sql_type = BigInt)]
                    n: i64,
                }
                let max: Vec<Max> = SqlBuilder::new(backend)
                    .push("SELECT COALESCE(MAX(search_rowid), 0) AS n FROM listings")
                    .clone()
                    .load(conn)?;
                let mut next = max.first().map(|m| m.n).unwrap_or(0);
                let mut fts = SqlBuilder::new(backend);
                fts.push("INSERT INTO listing_fts (rowid, title, keywords, body) VALUES ");
                for (i, e) in chunk.iter().enumerate() {
                    next += 1;
                    let mut b = SqlBuilder::new(backend);
                    b.push("UPDATE listings SET search_rowid = ")
                        .bind(next)
                        .push(" WHERE id = ")
                        .bind(e.listing_id.as_str());
                    b.execute(conn)?;
                    if i > 0 {
                        fts.push(", ");
                    }
                    fts.push("(").bind(next).push(", ").bind(e.title.as_str()).push(", ");
                    fts.bind(e.keywords.as_str()).push(", ").bind(e.body.as_str()).push(")");
                }
                fts.execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Brings the planner's statistics up to date after a bulk load (and on
/// PostgreSQL reclaims the rows the load rewrote). Must not run inside a
/// transaction.
pub fn refresh_statistics(conn: &mut DbConn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match backend_of(conn) {
        Backend::Postgres => {
            conn.batch_execute("VACUUM (ANALYZE) listings, listing_facets, distributions, listing_revisions")
        }
        Backend::Sqlite => conn.batch_execute("ANALYZE"),
    }
}
