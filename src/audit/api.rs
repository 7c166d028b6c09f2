//! The audit trail's read side for administrators: the filtered list of
//! entries and the verification of the whole chain.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::chain::{self, Entry, Verification};
use super::model::{self, ActionMatch, AuditFilter};
use crate::app::AppState;
use crate::auth::Admin;
use crate::db::types::{db_time, utc};
use crate::error::{AppResult, Validator};
use crate::http::Query;
use crate::http::paging::{DEFAULT_LIMIT, Page, PageParams};
use crate::openapi::responses as r;
use crate::orgs::{OrgId, UserId};

/// One entry of the audit trail.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the chain: 1, 2, 3, … without gaps.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// The user who acted; absent for the service itself or a command-line operator.
    #[schema(format = Uuid)]
    pub actor_user_id: Option<String>,
    /// The acting user's organisation.
    #[schema(format = Uuid)]
    pub actor_org_id: Option<String>,
    /// What was done, `domain.verb`.
    #[schema(example = "enterprise.verify")]
    pub action: String,
    /// The kind of object acted on.
    #[schema(example = "organisation")]
    pub target_type: String,
    pub target_id: String,
    /// The facts of the change, as recorded. (Should the stored text not be
    /// JSON, which only tampering can cause, it is given as a string.)
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
    /// The previous entry's hash (64 zeros for the first entry).
    pub prev_hash: String,
    /// SHA-256, hex, over this entry's content and `prev_hash`.
    pub hash: String,
}

impl From<Entry> for AuditEntry {
    fn from(e: Entry) -> Self {
        let summary = serde_json::from_str(&e.summary).unwrap_or(serde_json::Value::String(e.summary));
        AuditEntry {
            seq: e.seq,
            at: utc(e.at),
            actor_user_id: e.actor_user_id,
            actor_org_id: e.actor_org_id,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            summary,
            request_id: e.request_id,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

crate::page_schema!(AuditEntryPage, AuditEntry);

/// Filters and paging of the audit list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditListParams {
    /// Only entries by this user.
    pub actor: Option<UserId>,
    /// Only entries by users of this organisation. (For what was done *to*
    /// an organisation use `target_type=organisation&target_id=…`.)
    pub organisation: Option<OrgId>,
    /// An action, matched exactly (`enterprise.verify`); a value ending in a
    /// dot matches every action that starts with it (`dataset.` matches
    /// `dataset.create`, `dataset.publish`, …). Lower-case letters, digits,
    /// `_` and `.`.
    #[param(example = "enterprise.")]
    pub action: Option<String>,
    /// The kind of object acted on, e.g. `organisation`, `user`, `api_key`, `listing`.
    pub target_type: Option<String>,
    /// The id of the object acted on.
    pub target_id: Option<String>,
    /// Only entries at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Only entries before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn parse_action(v: &mut Validator, action: Option<&str>) -> Option<ActionMatch> {
    let action = action?;
    let well_formed = !action.is_empty()
        && action.len() <= 100
        && action.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
    if !well_formed {
        v.add("action", "must be 1–100 lower-case letters, digits, `_` and `.` (end with `.` to match a prefix)");
        return None;
    }
    Some(if action.ends_with('.') {
        ActionMatch::Prefix(action.to_string())
    } else {
        ActionMatch::Exact(action.to_string())
    })
}

/// A text filter, matched exactly as given.
fn text_filter(v: &mut Validator, field: &str, value: Option<&str>, max: usize) -> Option<String> {
    let value = value?;
    if value.is_empty() || value.chars().count() > max {
        v.add(field, format!("must be 1–{max} characters"));
    }
    Some(value.to_string())
}

impl AuditListParams {
    /// Checks the filters, reporting every invalid one at once.
    fn filter(&self, v: &mut Validator) -> AuditFilter {
        let action = parse_action(v, self.action.as_deref());
        let target_type = text_filter(v, "target_type", self.target_type.as_deref(), 100);
        let target_id = text_filter(v, "target_id", self.target_id.as_deref(), 200);
        if let (Some(since), Some(until)) = (self.since, self.until) {
            v.check(since < until, "until", "must be later than `since`");
        }
        AuditFilter {
            actor_user_id: self.actor.map(|u| u.to_string()),
            actor_org_id: self.organisation.map(|o| o.to_string()),
            action,
            target_type,
            target_id,
            since: self.since.map(db_time),
            until: self.until.map(db_time),
        }
    }
}

/// List audit entries, newest first. Administrators only.
///
/// Every state change leaves one entry, written in the same transaction as
/// the change. Filters combine with AND; `total` counts every matching entry.
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit_entries",
    params(AuditListParams),
    responses(
        (status = 200, description = "A page of entries, newest first (by `seq`)", body = AuditEntryPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/audit")]
pub async fn list_audit_entries(
    state: web::Data<AppState>,
    _admin: Admin,
    params: Query<AuditListParams>,
) -> AppResult<web::Json<Page<AuditEntry>>> {
    let params = params.into_inner();
    let mut v = Validator::new();
    let filter = params.filter(&mut v);
    let paging = PageParams { limit: params.limit, cursor: params.cursor };
    let limit = v.collect(paging.limit());
    let before_seq: Option<Option<i64>> = v.collect(paging.after());
    v.finish()?;
    let (limit, before_seq) = (limit.unwrap_or(DEFAULT_LIMIT), before_seq.flatten());
    let (rows, total) = state.db.run(move |conn| model::list_entries(conn, &filter, before_seq, limit)).await?;
    Ok(web::Json(Page::from_rows(rows, limit, total, |e| e.seq).map(AuditEntry::from)))
}

/// The outcome of walking the chain: intact, or where it first breaks.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ChainVerification {
    Intact(ChainIntact),
    Broken(ChainBroken),
}

/// Every entry is present, matches its hash and links to its predecessor.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChainIntact {
    /// Always `true`.
    pub intact: bool,
    /// How many entries the chain holds.
    pub entries: i64,
    /// The newest entry's hash (64 zeros when the chain is empty). Keep it
    /// outside datagate: removing the newest entries leaves a shorter chain
    /// that is still intact, and only a head hash noted earlier shows it.
    pub head_hash: String,
}

/// The chain is broken: an entry is missing, edited, or does not link.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChainBroken {
    /// Always `false`.
    pub intact: bool,
    /// The first entry (by `seq`) that is missing, edited or does not link
    /// to its predecessor.
    pub first_broken_seq: i64,
    /// What is wrong with it.
    #[schema(example = "its content does not match its hash (edited)")]
    pub reason: String,
    /// Entries verified intact before it.
    pub entries_checked: i64,
}

impl From<Verification> for ChainVerification {
    fn from(v: Verification) -> Self {
        match v {
            Verification::Intact { entries, head_hash } => {
                ChainVerification::Intact(ChainIntact { intact: true, entries, head_hash })
            }
            Verification::Broken { seq, reason, entries_checked } => {
                ChainVerification::Broken(ChainBroken { intact: false, first_broken_seq: seq, reason, entries_checked })
            }
        }
    }
}

/// Verify the audit chain. Administrators only.
///
/// Walks every entry in order, recomputing each hash and checking each link.
/// Answers 200 whether the chain is intact (`intact: true`, `entries`,
/// `head_hash`) or broken (`intact: false`, `first_broken_seq`, `reason`,
/// `entries_checked`). The work grows with the chain; `datagate audit
/// verify` does the same from the command line.
#[utoipa::path(
    tag = "audit",
    operation_id = "verify_audit_chain",
    responses(
        (status = 200, description = "The verdict: intact or where the chain first breaks", body = ChainVerification),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/audit/verify")]
pub async fn verify_audit_chain(state: web::Data<AppState>, _admin: Admin) -> AppResult<web::Json<ChainVerification>> {
    let verdict = state.db.run(chain::verify_chain).await?;
    Ok(web::Json(verdict.into()))
}
