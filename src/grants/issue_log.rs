//! The group commit of data-token issues. Each issue must leave a row in
//! the access log and an entry in the audit chain before its token is
//! answered, and the chain admits one appender at a time; one transaction
//! per token made the chain's lock and the commit's flush the bottleneck
//! (2.6 ms of serialised work a token on PostgreSQL). Here one writer thread
//! per process takes every issue waiting, and one transaction locks the
//! chain, checks again that each grant is still active, appends the access
//! log rows and the audit entries in order, and commits; then each waiter is
//! answered. Nothing is answered before its commit, so a token a client
//! holds survives a crash of the process.
//!
//! Other writers of the chain still serialise with the batch: it takes the
//! chain's lock (`db::backend::lock_audit_chain` on PostgreSQL, the write
//! lock of `BEGIN IMMEDIATE` on SQLite), as every `audit::record` does, so
//! several processes on one database still build one chain.

use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::access_log::{self, LogRow};
use super::model;
use super::{GrantId, GrantRow, GrantState};
use crate::audit::{self, NewEntry};
use crate::db::schema::grants;
use crate::db::{DbConn, DbManager, DbUrl, write_tx};
use crate::error::{AppError, AppResult};

/// Issues committed in one transaction at most.
const MAX_BATCH: usize = 512;
/// The writer closes its connection after this long without work.
const IDLE: Duration = Duration::from_secs(1);

/// One token issue to record: its access-log row and its audit entry.
pub struct Issue {
    pub grant: GrantId,
    /// When it was issued: the grant must still be active then.
    pub at: NaiveDateTime,
    pub log: LogRow,
    pub audit: NewEntry,
}

struct Waiting {
    issue: Issue,
    reply: tokio::sync::oneshot::Sender<AppResult<()>>,
}

/// The handle requests submit issues through; the writer thread starts with
/// the first issue and ends with the handle.
pub struct IssueLog {
    url: DbUrl,
    sender: OnceLock<Sender<Waiting>>,
}

impl IssueLog {
    pub fn new(url: DbUrl) -> Self {
        Self { url, sender: OnceLock::new() }
    }

    /// Records the issue; returns once it is committed (or refused: the
    /// grant stopped being active since it was checked, or the database
    /// failed — then nothing of it was written).
    pub async fn record(&self, issue: Issue) -> AppResult<()> {
        let sender = self.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel();
            let url = self.url.clone();
            let spawned = std::thread::Builder::new().name("issue-log".into()).spawn(move || writer(url, rx));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start the token issue writer");
            }
            tx
        });
        let (reply, answer) = tokio::sync::oneshot::channel();
        sender
            .send(Waiting { issue, reply })
            .map_err(|_| AppError::internal("the token issue writer is not running"))?;
        answer.await.map_err(|_| AppError::internal("the token issue writer stopped"))?
    }
}

/// The writer: waits for an issue, takes every other one already waiting,
/// commits them together and answers each.
fn writer(url: DbUrl, rx: Receiver<Waiting>) {
    let mut conn: Option<DbConn> = None;
    loop {
        let first = match rx.recv_timeout(IDLE) {
            Ok(w) => w,
            Err(RecvTimeoutError::Timeout) => {
                conn = None;
                match rx.recv() {
                    Ok(w) => w,
                    Err(_) => return,
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH
            && let Ok(w) = rx.try_recv()
        {
            batch.push(w);
        }
        // A panic costs its batch (each waiter is told the writer stopped),
        // not the writer.
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write_batch(&url, &mut conn, batch)));
        if run.is_err() {
            tracing::error!("token issue writer: a batch panicked; its issues were not recorded");
            conn = None;
        }
    }
}

/// Commits one batch on the writer's connection (opened if need be) and
/// answers its waiters.
fn write_batch(url: &DbUrl, conn: &mut Option<DbConn>, batch: Vec<Waiting>) {
    let c = match conn.take() {
        Some(c) => Ok(c),
        None => DbManager::new(url.clone()).connect().map_err(|e| {
            tracing::warn!(error = %e, "token issue writer: no database connection");
            AppError::unavailable("the database is not reachable; try again shortly")
        }),
    };
    let outcome = c.and_then(|mut c| {
        crate::telemetry::audit_reset();
        let result = write_tx(&mut c, |c| commit(c, &batch));
        crate::telemetry::audit_finish(result.is_ok());
        // A connection that failed is not trusted with the next batch.
        if result.is_ok() {
            *conn = Some(c);
        }
        result
    });
    match outcome {
        Ok(verdicts) => {
            for (w, verdict) in batch.into_iter().zip(verdicts) {
                let _ = w.reply.send(verdict.map_or(Ok(()), Err));
            }
        }
        Err(e) => {
            tracing::error!(error = ?e, issues = batch.len(), "token issue writer: the batch was not committed");
            for w in batch {
                let _ = w.reply.send(Err(e.clone()));
            }
        }
    }
}

/// Inside the batch's transaction: with the chain locked, checks each grant
/// again (a revocation committed since the issue's own check refuses it),
/// then writes the access-log rows and the audit entries of the rest, in
/// order. Returns, per issue, the refusal or `None`.
fn commit(conn: &mut DbConn, batch: &[Waiting]) -> AppResult<Vec<Option<AppError>>> {
    crate::db::backend::lock_audit_chain(conn)?;
    let mut ids: Vec<GrantId> = batch.iter().map(|w| w.issue.grant).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<GrantRow> = grants::table.filter(grants::id.eq_any(ids)).select(GrantRow::as_select()).load(conn)?;
    let contexts = model::use_contexts(conn, &rows)?;
    let refusal = |issue: &Issue| -> Option<AppError> {
        let Some(g) = rows.iter().find(|g| g.id == issue.grant) else { return Some(AppError::not_found("grant")) };
        let Some(ctx) = contexts.get(&(g.listing_id, g.enterprise_id)) else {
            return Some(AppError::internal("grant without its enterprise or listing"));
        };
        match model::state_in(g, ctx, issue.at) {
            (GrantState::Active, _) => None,
            (state, suspension) => Some(super::tokens::not_active(state, suspension)),
        }
    };
    let verdicts: Vec<Option<AppError>> = batch.iter().map(|w| refusal(&w.issue)).collect();
    let kept = || batch.iter().zip(&verdicts).filter(|(_, v)| v.is_none()).map(|(w, _)| &w.issue);
    let log: Vec<LogRow> = kept().map(|i| i.log.clone()).collect();
    if !log.is_empty() {
        access_log::insert_rows(conn, &log)?;
        let entries: Vec<NewEntry> = kept().map(|i| i.audit.clone()).collect();
        audit::record_many(conn, &entries)?;
    }
    Ok(verdicts)
}
