//! `POST/GET /api/v1/access-requests`: an enterprise applies for a
//! conditional listing with a purpose, a duration and the terms version it
//! accepts.

use actix_web::{HttpResponse, get, post, web};
use chrono::Duration;
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::model::{self, RequestFilter, Scope};
use super::{AccessRequest, GrantId, PurposeCategory, RequestId, RequestRow, RequestState};
use crate::app::AppState;
use crate::audit;
use crate::auth::{Caller, EnterpriseUser};
use crate::db::DbConn;
use crate::db::types::Json as JsonColumn;
use crate::distributions::{DistributionId, model as dist_model};
use crate::error::{AppError, AppResult, Validator};
use crate::http::paging::{Page, PageParams};
use crate::http::{Json, Query};
use crate::listings::{ListingStatus, OpenCondition, model as listing_model};
use crate::openapi::responses as r;
use crate::orgs::OrgId;

/// An application for a conditional listing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccessRequest {
    /// The listing (dataset or corpus) by id or name.
    #[schema(example = "sh-health-outpatient-records-deidentified")]
    pub listing: String,
    pub purpose_category: PurposeCategory,
    /// What the data will be used for, specifically.
    pub purpose: String,
    /// The usage scenario: where and how the data is processed.
    pub scenario: String,
    /// The distributions needed (default: all of the listing's).
    #[serde(default)]
    pub distribution_ids: Option<Vec<DistributionId>>,
    /// How long the data is needed, in days (at most the listing's maximum).
    pub duration_days: i32,
    /// The data-security measures the enterprise commits to.
    pub security_measures: String,
    /// The terms version accepted; must be the listing's current one.
    pub terms_version: i32,
    /// An earlier (rejected or withdrawn) request this one follows up.
    #[serde(default)]
    pub previous_request_id: Option<RequestId>,
    /// A grant this request renews.
    #[serde(default)]
    pub renews_grant_id: Option<GrantId>,
}

crate::page_schema!(AccessRequestPage, AccessRequest);

fn check_text(v: &mut Validator, field: &str, value: &str, min: usize, max: usize) -> String {
    let t = v.text(field, value, max);
    if !t.is_empty() && t.chars().count() < min {
        v.add(field, format!("must be at least {min} characters: say it specifically"));
    }
    t
}

fn submit(conn: &mut DbConn, state: &AppState, caller: &Caller, body: NewAccessRequest) -> AppResult<RequestRow> {
    let now = state.clock.db_now();
    let mut v = Validator::new();
    let purpose = check_text(&mut v, "purpose", &body.purpose, 10, 4000);
    let scenario = check_text(&mut v, "scenario", &body.scenario, 10, 4000);
    let security_measures = check_text(&mut v, "security_measures", &body.security_measures, 10, 4000);
    let listing = listing_model::find_any(conn, body.listing.trim())?
        .filter(|l| l.status != ListingStatus::Draft)
        .ok_or_else(|| AppError::not_found("listing"))?;
    match (listing.status, listing.open_condition) {
        (ListingStatus::Withdrawn, _) => {
            return Err(AppError::conflict("the listing was withdrawn; it can no longer be requested")
                .with_context(json!({"listing_id": listing.id, "status": "withdrawn"})));
        }
        (_, OpenCondition::Unconditional) => {
            return Err(AppError::conflict(
                "this listing is open to everyone: download its files directly, no request is needed",
            )
            .with_context(json!({"listing_id": listing.id, "open_condition": "unconditional"})));
        }
        (_, OpenCondition::NotOpen) => {
            return Err(AppError::forbidden_as(
                "not-open",
                "this listing is listed for transparency only; it is never handed out and cannot be requested",
            )
            .with_context(json!({"listing_id": listing.id, "open_condition": "not_open"})));
        }
        _ => {}
    }
    let max_days = max_days(&state.config, listing.max_grant_days);
    v.check(
        (1..=max_days).contains(&body.duration_days),
        "duration_days",
        format!("must be between 1 and {max_days} days for this listing"),
    );
    let live = dist_model::of_listing(conn, listing.id)?;
    let wanted: Vec<DistributionId> = match &body.distribution_ids {
        None => live.iter().map(|d| d.id).collect(),
        Some(ids) => {
            v.check(!ids.is_empty(), "distribution_ids", "name at least one distribution, or leave it out for all");
            for (i, id) in ids.iter().enumerate() {
                v.check(
                    live.iter().any(|d| d.id == *id),
                    format!("distribution_ids[{i}]"),
                    "is not a distribution of this listing",
                );
            }
            let mut ids = ids.clone();
            ids.sort();
            ids.dedup();
            ids
        }
    };
    if let Some(prev) = body.previous_request_id {
        let ok = model::find_request(conn, prev)?.is_some_and(|p| {
            p.enterprise_id == caller.org_id() && p.listing_id == listing.id && p.state != RequestState::Submitted
        });
        v.check(ok, "previous_request_id", "is not a decided or withdrawn request of yours for this listing");
    }
    if let Some(grant) = body.renews_grant_id {
        let ok = model::find_grant(conn, grant)?
            .is_some_and(|g| g.enterprise_id == caller.org_id() && g.listing_id == listing.id);
        v.check(ok, "renews_grant_id", "is not a grant of yours for this listing");
    }
    v.finish()?;
    let terms = listing_model::terms(conn, listing.id, listing.terms_version)?
        .ok_or_else(|| AppError::conflict("the listing has no terms of use yet; it cannot be requested"))?;
    if body.terms_version != terms.version {
        return Err(AppError::conflict(format!(
            "you accepted terms version {}, but the listing's terms are now version {}: read them and accept the current version",
            body.terms_version, terms.version
        ))
        .with_context(json!({"field": "terms_version", "current_terms_version": terms.version, "terms_sha256": terms.sha256})));
    }
    if let Some(existing) = model::open_request(conn, caller.org_id(), listing.id)? {
        return Err(open_request_conflict(existing));
    }
    let row = RequestRow {
        id: RequestId::new(),
        listing_id: listing.id,
        enterprise_id: caller.org_id(),
        requested_by: caller.user_id(),
        purpose_category: body.purpose_category,
        purpose,
        scenario,
        distribution_ids: JsonColumn(wanted),
        duration_days: body.duration_days,
        security_measures,
        terms_version: terms.version,
        terms_sha256: terms.sha256,
        previous_request_id: body.previous_request_id,
        renews_grant_id: body.renews_grant_id,
        state: RequestState::Submitted,
        submitted_at: now,
        review_deadline: now + Duration::days(state.config.review_days as i64),
        opinion: None,
        opinion_comment: None,
        opinion_by: None,
        opinion_at: None,
        decided_at: None,
        decided_by: None,
        decision_reason: None,
        override_reason: None,
        updated_at: now,
    };
    // The partial unique index catches a concurrent second request too (in a
    // savepoint, so that the transaction survives the violation).
    if let Err(e) = conn.transaction::<_, AppError, _>(|c| model::insert_request(c, &row)) {
        if e.status == actix_web::http::StatusCode::CONFLICT {
            return Err(open_request_conflict(
                model::open_request(conn, caller.org_id(), listing.id)?.unwrap_or(row.id),
            ));
        }
        return Err(e);
    }
    audit::record(
        conn,
        &caller.actor(),
        now,
        "access_request.submit",
        "access_request",
        &row.id.to_string(),
        json!({"listing_id": row.listing_id, "purpose_category": row.purpose_category, "duration_days": row.duration_days,
               "terms_version": row.terms_version, "terms_sha256": row.terms_sha256}),
    )?;
    Ok(row)
}

/// The longest a grant of a listing may last, in days: its own bound, else the platform's.
pub fn max_days(config: &crate::config::Config, listing_max: Option<i32>) -> i32 {
    listing_max.unwrap_or(config.max_grant_days as i32)
}

fn open_request_conflict(existing: RequestId) -> AppError {
    AppError::conflict("your enterprise already has an undecided request for this listing")
        .with_context(json!({"existing_request_id": existing, "href": format!("/api/v1/access-requests/{existing}")}))
}

/// Apply for a conditional listing. Users of a verified enterprise only.
#[utoipa::path(
    tag = "access",
    operation_id = "create_access_request",
    request_body = NewAccessRequest,
    responses(
        (status = 201, description = "Submitted", body = AccessRequest),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/access-requests")]
pub async fn create_access_request(
    state: web::Data<AppState>,
    caller: EnterpriseUser,
    body: Json<NewAccessRequest>,
) -> AppResult<HttpResponse> {
    let view = create(&state, caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/access-requests/{}", view.id))).json(view))
}

/// The service behind `POST /access-requests` and the portal's request form.
pub async fn create(
    state: &web::Data<AppState>,
    caller: EnterpriseUser,
    body: NewAccessRequest,
) -> AppResult<AccessRequest> {
    let st = state.clone();
    state
        .db
        .write(move |conn| {
            let row = submit(conn, &st, &caller, body)?;
            let now = st.clock.db_now();
            Ok(model::request_views(conn, &[row], now)?.remove(0))
        })
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListRequestsParams {
    pub state: Option<RequestState>,
    /// A listing's id.
    pub listing: Option<crate::listings::ListingId>,
    /// An enterprise's id.
    pub enterprise: Option<OrgId>,
    /// Only undecided requests past their review deadline.
    pub overdue: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List access requests: an enterprise sees its own, a bureau those for its
/// listings, administrators all.
#[utoipa::path(
    tag = "access",
    operation_id = "list_access_requests",
    params(ListRequestsParams),
    responses(
        (status = 200, description = "A page of requests, newest first", body = AccessRequestPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/access-requests")]
pub async fn list_access_requests(
    state: web::Data<AppState>,
    caller: Caller,
    params: Query<ListRequestsParams>,
) -> AppResult<web::Json<Page<AccessRequest>>> {
    list(&state, &caller, params.into_inner()).await.map(web::Json)
}

/// The service behind `GET /access-requests` and the portal's "My requests".
pub async fn list(state: &AppState, caller: &Caller, p: ListRequestsParams) -> AppResult<Page<AccessRequest>> {
    let scope = Scope::of(caller);
    if scope == Scope::Nothing {
        return Err(AppError::forbidden("only enterprises, bureau publishers and administrators see access requests"));
    }
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let after: Option<RequestId> = paging.after()?;
    let now = state.clock.db_now();
    let filter = RequestFilter {
        state: p.state,
        listing: p.listing,
        enterprise: p.enterprise,
        overdue_at: p.overdue.unwrap_or(false).then_some(now),
    };
    state
        .db
        .run(move |conn| {
            let (rows, total) = model::list_requests(conn, scope, &filter, after, limit)?;
            let page = Page::from_rows(rows, limit, total, |r| r.id);
            let items = model::request_views(conn, &page.items, now)?;
            Ok(Page { items, total: page.total, limit: page.limit, next_cursor: page.next_cursor })
        })
        .await
}

/// A request the caller may see; anything else is "not found".
pub fn visible_request(conn: &mut DbConn, caller: &Caller, id: RequestId) -> AppResult<RequestRow> {
    let r = model::find_request(conn, id)?.ok_or_else(|| AppError::not_found("access request"))?;
    let bureau = model::bureau_of_listing(conn, r.listing_id)?;
    if !Scope::of(caller).sees(r.enterprise_id, bureau) {
        return Err(AppError::not_found("access request"));
    }
    Ok(r)
}

/// Get an access request.
#[utoipa::path(
    tag = "access",
    operation_id = "get_access_request",
    params(("id" = RequestId, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The request", body = AccessRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/access-requests/{id}")]
pub async fn get_access_request(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<RequestId>,
) -> AppResult<web::Json<AccessRequest>> {
    get(&state, caller, id.into_inner()).await.map(web::Json)
}

/// The service behind `GET /access-requests/{id}` and the portal's request page.
pub async fn get(state: &AppState, caller: Caller, id: RequestId) -> AppResult<AccessRequest> {
    let now = state.clock.db_now();
    state
        .db
        .run(move |conn| {
            let r = visible_request(conn, &caller, id)?;
            Ok(model::request_views(conn, &[r], now)?.remove(0))
        })
        .await
}
