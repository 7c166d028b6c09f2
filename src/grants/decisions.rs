//! Deciding a request: the owning bureau's opinion, an administrator's
//! approval (creating exactly one grant) or rejection, and the applicant's
//! withdrawal. Each decision is a conditional UPDATE on `state = 'submitted'`,
//! so of two concurrent decisions exactly one takes effect.

use actix_web::{post, web};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::model::{self, Scope};
use super::requests::visible_request;
use super::{AccessRequest, Grant, GrantId, GrantRow, Opinion, RequestId, RequestRow, RequestState};
use crate::app::AppState;
use crate::audit;
use crate::auth::{Admin, Caller, Curator};
use crate::db::DbConn;
use crate::db::schema::access_requests;
use crate::db::types::db_time;
use crate::error::{AppError, AppResult, Validator};
use crate::http::Json;
use crate::openapi::responses as r;
use crate::orgs::types::Reason;

/// The owning bureau's opinion.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpinionInput {
    pub opinion: Opinion,
    pub comment: String,
}

/// An approval: the grant's period and conditions.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Start of the grant (default: now).
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    /// End of the grant (default and maximum: the requested duration from `valid_from`).
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
    /// Conditions the enterprise must meet, recorded with the grant.
    #[serde(default)]
    pub conditions: Option<String>,
    /// Days between usage reports (default: the platform's).
    #[serde(default)]
    pub report_interval_days: Option<i32>,
    /// Required when the bureau objected: why the platform approves anyway.
    #[serde(default)]
    pub override_reason: Option<String>,
    /// Recorded with the decision.
    #[serde(default)]
    pub reason: Option<String>,
    /// Approve in aggregate-only mode ("usable but not visible"): required
    /// when a requested distribution is aggregate-only.
    #[serde(default)]
    pub aggregate: Option<super::aggregate::AggregateApproval>,
}

/// The approved request and the grant it created.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApprovalResult {
    pub request: AccessRequest,
    pub grant: Grant,
    /// For a grant in aggregate-only mode: its privacy budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_budget: Option<super::aggregate::PrivacyBudget>,
}

fn not_submitted(r: &RequestRow) -> AppError {
    AppError::conflict(format!("the request is {}; only a submitted request can be decided", r.state))
        .with_context(json!({"state": r.state}))
}

/// Moves a submitted request to `to`; false when it was no longer submitted
/// (someone decided first).
fn decide(
    conn: &mut DbConn,
    id: RequestId,
    to: RequestState,
    caller: &Caller,
    reason: Option<String>,
    now: chrono::NaiveDateTime,
) -> AppResult<bool> {
    let n = diesel::update(access_requests::table.find(id).filter(access_requests::state.eq(RequestState::Submitted)))
        .set((
            access_requests::state.eq(to),
            access_requests::decided_at.eq(now),
            access_requests::decided_by.eq(caller.user_id()),
            access_requests::decision_reason.eq(reason),
            access_requests::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

fn view(conn: &mut DbConn, id: RequestId, now: chrono::NaiveDateTime) -> AppResult<AccessRequest> {
    let r = model::find_request(conn, id)?.ok_or_else(|| AppError::not_found("access request"))?;
    Ok(model::request_views(conn, &[r], now)?.remove(0))
}

/// Give the owning bureau's opinion on a submitted request.
#[utoipa::path(
    tag = "access",
    operation_id = "create_access_request_opinion",
    params(("id" = RequestId, Path, description = "The request's id")),
    request_body = OpinionInput,
    responses(
        (status = 200, description = "The request with the opinion", body = AccessRequest),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/access-requests/{id}/opinion")]
pub async fn create_access_request_opinion(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<RequestId>,
    body: Json<OpinionInput>,
) -> AppResult<web::Json<AccessRequest>> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut v = Validator::new();
    let comment = v.text("comment", &body.comment, 4000);
    v.finish()?;
    let now = state.clock.db_now();
    let view = state
        .db
        .write(move |conn| {
            let r = visible_request(conn, &caller, id)?;
            let bureau = model::bureau_of_listing(conn, r.listing_id)?;
            if caller.is_admin() || caller.org_id() != bureau {
                return Err(AppError::forbidden(
                    "only publishers of the bureau that owns the listing give its opinion",
                ));
            }
            let n = diesel::update(
                access_requests::table.find(id).filter(access_requests::state.eq(RequestState::Submitted)),
            )
            .set((
                access_requests::opinion.eq(body.opinion),
                access_requests::opinion_comment.eq(&comment),
                access_requests::opinion_by.eq(caller.user_id()),
                access_requests::opinion_at.eq(now),
                access_requests::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(not_submitted(&r));
            }
            audit::record(
                conn,
                &caller.actor(),
                now,
                "access_request.opinion",
                "access_request",
                &id.to_string(),
                json!({"opinion": body.opinion, "comment": comment}),
            )?;
            view(conn, id, now)
        })
        .await?;
    Ok(web::Json(view))
}

/// Approve a submitted request, creating its grant. Administrators only.
///
/// Exactly once: of concurrent approvals one creates the grant and the others
/// get 409. Over the bureau's objection only with an `override_reason`.
#[utoipa::path(
    tag = "access",
    operation_id = "approve_access_request",
    params(("id" = RequestId, Path, description = "The request's id")),
    request_body = Approval,
    responses(
        (status = 200, description = "Approved; the grant", body = ApprovalResult),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/access-requests/{id}/approve")]
pub async fn approve_access_request(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<RequestId>,
    body: Json<Approval>,
) -> AppResult<web::Json<ApprovalResult>> {
    let id = id.into_inner();
    let body = body.into_inner();
    let now = state.clock.db_now();
    let default_interval = state.config.report_interval_days as i32;
    let result = state
        .db
        .write(move |conn| {
            let r = visible_request(conn, &admin, id)?;
            if r.state != RequestState::Submitted {
                return Err(not_submitted(&r));
            }
            // A listing reclassified as not open since the request was made
            // is never granted.
            let condition: crate::listings::OpenCondition = crate::db::schema::listings::table
                .find(r.listing_id)
                .select(crate::db::schema::listings::open_condition)
                .first(conn)?;
            if condition == crate::listings::OpenCondition::NotOpen {
                return Err(AppError::conflict(
                    "the listing is now classified not_open and is never handed out; reject the request",
                )
                .with_context(json!({"open_condition": condition})));
            }
            let mut v = Validator::new();
            let asked_from = body.valid_from.map(db_time).unwrap_or(now);
            // A grant starts within a year; anything later is refused (and
            // would overflow the date arithmetic below near year 262 143).
            let latest_start = now + Duration::days(366);
            v.check(asked_from <= latest_start, "valid_from", "must lie within a year from now");
            let valid_from = asked_from.min(latest_start);
            let requested_end = valid_from + Duration::days(r.duration_days as i64);
            let valid_until = body.valid_until.map(db_time).unwrap_or(requested_end);
            v.check(valid_from >= now - Duration::days(1), "valid_from", "must not lie in the past");
            v.check(valid_until > valid_from, "valid_until", "must be after valid_from");
            v.check(
                valid_until <= requested_end,
                "valid_until",
                format!("may shorten but not extend the requested {} days", r.duration_days),
            );
            let conditions = v.opt_text("conditions", body.conditions.as_deref(), 4000);
            let interval = body.report_interval_days.unwrap_or(default_interval);
            v.check((1..=3650).contains(&interval), "report_interval_days", "must be between 1 and 3650");
            let override_reason = v.opt_text("override_reason", body.override_reason.as_deref(), 4000);
            if r.opinion == Some(Opinion::Object) {
                v.check(
                    override_reason.is_some(),
                    "override_reason",
                    "the owning bureau objected; approving anyway needs an explicit override reason",
                );
            }
            let reason = v.opt_text("reason", body.reason.as_deref(), 4000);
            v.finish()?;
            if !decide(conn, id, RequestState::Approved, &admin, reason, now)? {
                let current = model::find_request(conn, id)?.unwrap_or(r);
                return Err(not_submitted(&current));
            }
            if override_reason.is_some() {
                diesel::update(access_requests::table.find(id))
                    .set(access_requests::override_reason.eq(&override_reason))
                    .execute(conn)?;
            }
            let grant = GrantRow {
                id: GrantId::new(),
                request_id: id,
                enterprise_id: r.enterprise_id,
                listing_id: r.listing_id,
                distribution_ids: r.distribution_ids.clone(),
                purpose_category: r.purpose_category,
                purpose: r.purpose.clone(),
                conditions,
                valid_from,
                valid_until,
                terms_version: r.terms_version,
                terms_sha256: r.terms_sha256.clone(),
                report_interval_days: interval,
                next_report_due: valid_from + Duration::days(interval as i64),
                revoked_at: None,
                revoked_by: None,
                revoke_reason: None,
                created_at: now,
                created_by: admin.user_id(),
                suspended_at: None,
                suspended_by: None,
                suspension_reason: None,
            };
            model::insert_grant(conn, &grant)?;
            let privacy_budget = super::aggregate::on_approve(conn, &admin, &grant, body.aggregate, now)?;
            audit::record(
                conn,
                &admin.actor(),
                now,
                "access_request.approve",
                "access_request",
                &id.to_string(),
                json!({"grant_id": grant.id, "override_reason": override_reason}),
            )?;
            audit::record(
                conn,
                &admin.actor(),
                now,
                "grant.create",
                "grant",
                &grant.id.to_string(),
                json!({"request_id": id, "enterprise_id": grant.enterprise_id, "listing_id": grant.listing_id,
                       "valid_from": grant.valid_from, "valid_until": grant.valid_until,
                       "distribution_ids": grant.distribution_ids.0, "terms_version": grant.terms_version}),
            )?;
            let request = view(conn, id, now)?;
            let grant = model::grant_views(conn, &[grant], now)?.remove(0);
            Ok(ApprovalResult { request, grant, privacy_budget })
        })
        .await?;
    metrics::counter!(crate::telemetry::GRANTS_ISSUED).increment(1);
    Ok(web::Json(result))
}

/// Reject a submitted request, with a reason. Administrators only.
#[utoipa::path(
    tag = "access",
    operation_id = "reject_access_request",
    params(("id" = RequestId, Path, description = "The request's id")),
    request_body = Reason,
    responses(
        (status = 200, description = "Rejected", body = AccessRequest),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/access-requests/{id}/reject")]
pub async fn reject_access_request(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<RequestId>,
    body: Json<Reason>,
) -> AppResult<web::Json<AccessRequest>> {
    let id = id.into_inner();
    let mut v = Validator::new();
    let reason = v.text("reason", &body.reason, 4000);
    v.finish()?;
    let now = state.clock.db_now();
    let view = state
        .db
        .write(move |conn| {
            let r = visible_request(conn, &admin, id)?;
            if !decide(conn, id, RequestState::Rejected, &admin, Some(reason.clone()), now)? {
                return Err(not_submitted(&r));
            }
            audit::record(
                conn,
                &admin.actor(),
                now,
                "access_request.reject",
                "access_request",
                &id.to_string(),
                json!({"reason": reason}),
            )?;
            view(conn, id, now)
        })
        .await?;
    Ok(web::Json(view))
}

/// Withdraw your own undecided request.
#[utoipa::path(
    tag = "access",
    operation_id = "withdraw_access_request",
    params(("id" = RequestId, Path, description = "The request's id")),
    responses(
        (status = 200, description = "Withdrawn", body = AccessRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/access-requests/{id}/withdraw")]
pub async fn withdraw_access_request(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<RequestId>,
) -> AppResult<web::Json<AccessRequest>> {
    withdraw(&state, caller, id.into_inner()).await.map(web::Json)
}

/// The service behind `POST /access-requests/{id}/withdraw` and the portal's
/// withdraw button.
pub async fn withdraw(state: &AppState, caller: Caller, id: RequestId) -> AppResult<AccessRequest> {
    let now = state.clock.db_now();
    state
        .db
        .write(move |conn| {
            let r = visible_request(conn, &caller, id)?;
            if Scope::of(&caller) != Scope::Enterprise(r.enterprise_id) {
                return Err(AppError::forbidden("only the applicant enterprise withdraws its request"));
            }
            caller.ensure_may_act()?;
            if !decide(conn, id, RequestState::Withdrawn, &caller, None, now)? {
                return Err(not_submitted(&r));
            }
            audit::record(
                conn,
                &caller.actor(),
                now,
                "access_request.withdraw",
                "access_request",
                &id.to_string(),
                json!({}),
            )?;
            view(conn, id, now)
        })
        .await
}
