//! Usage reports: the grantee reports what it did with the data; the grant
//! says when the next report is due, and overdue reports are listed.

use actix_web::{HttpResponse, get, post, web};
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::grants_api::visible_grant;
use super::{GrantId, UsageReport};
use crate::app::AppState;
use crate::audit;
use crate::auth::{Caller, EnterpriseUser};
use crate::db::schema::{grants, usage_reports};
use crate::error::{AppError, AppResult, Validator};
use crate::http::paging::{Page, PageParams};
use crate::http::{Json, Query};
use crate::openapi::responses as r;

/// A usage report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUsageReport {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// What the data was used for in the period.
    pub usage: String,
    /// Models trained or products built.
    #[serde(default)]
    pub models: Option<String>,
    pub outcome: String,
    /// Any security incident; leave out if there was none.
    #[serde(default)]
    pub incident: Option<String>,
}

crate::page_schema!(UsageReportPage, UsageReport);

/// Report on the use of a grant. Users of the grantee enterprise only.
#[utoipa::path(
    tag = "access",
    operation_id = "create_usage_report",
    params(("id" = GrantId, Path, description = "The grant's id")),
    request_body = NewUsageReport,
    responses(
        (status = 201, description = "Recorded; the grant's next due date moves on", body = UsageReport),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/grants/{id}/usage-reports")]
pub async fn create_usage_report(
    state: web::Data<AppState>,
    caller: EnterpriseUser,
    id: web::Path<GrantId>,
    body: Json<NewUsageReport>,
) -> AppResult<HttpResponse> {
    let report = file(&state, caller, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(report))
}

/// The service behind `POST /grants/{id}/usage-reports` and the portal's
/// usage-report form: checks the report, records it, moves the grant's next
/// due date on and writes the audit entry.
pub async fn file(state: &AppState, caller: EnterpriseUser, id: GrantId, b: NewUsageReport) -> AppResult<UsageReport> {
    let mut v = Validator::new();
    v.check(b.period_end >= b.period_start, "period_end", "must not be before period_start");
    let usage = v.text("usage", &b.usage, 8000);
    let models = v.opt_text("models", b.models.as_deref(), 4000);
    let outcome = v.text("outcome", &b.outcome, 8000);
    let incident = v.opt_text("incident", b.incident.as_deref(), 8000);
    v.finish()?;
    let now = state.clock.db_now();
    state
        .db
        .write(move |conn| {
            let g = visible_grant(conn, &caller, id)?;
            if g.enterprise_id != caller.org_id() {
                return Err(AppError::forbidden("only the grantee enterprise reports on its grant"));
            }
            if now < g.valid_from {
                return Err(AppError::conflict("the grant has not started yet"));
            }
            let report = UsageReport {
                id: uuid::Uuid::now_v7().to_string(),
                grant_id: id,
                submitted_by: caller.user_id(),
                submitted_at: now,
                period_start: b.period_start,
                period_end: b.period_end,
                usage,
                models,
                outcome,
                incident,
            };
            diesel::insert_into(usage_reports::table).values(&report).execute(conn)?;
            let next = g.next_report_due.max(now) + Duration::days(g.report_interval_days as i64);
            diesel::update(grants::table.find(id)).set(grants::next_report_due.eq(next)).execute(conn)?;
            audit::record(
                conn,
                &caller.actor(),
                now,
                "grant.usage_report",
                "grant",
                &id.to_string(),
                json!({"report_id": report.id, "period_start": report.period_start, "period_end": report.period_end,
                       "incident": report.incident.is_some(), "next_report_due": next}),
            )?;
            Ok(report)
        })
        .await
}

/// A grant's usage reports, newest first (same visibility as the grant).
#[utoipa::path(
    tag = "access",
    operation_id = "list_usage_reports",
    params(("id" = GrantId, Path, description = "The grant's id"), PageParams),
    responses(
        (status = 200, description = "Reports", body = UsageReportPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/grants/{id}/usage-reports")]
pub async fn list_usage_reports(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<GrantId>,
    paging: Query<PageParams>,
) -> AppResult<web::Json<Page<UsageReport>>> {
    list(&state, caller, id.into_inner(), paging.into_inner()).await.map(web::Json)
}

/// The service behind `GET /grants/{id}/usage-reports` and the portal's grant page.
pub async fn list(state: &AppState, caller: Caller, id: GrantId, paging: PageParams) -> AppResult<Page<UsageReport>> {
    let limit = paging.limit()?;
    let after: Option<String> = paging.after()?;
    state
        .db
        .run(move |conn| {
            visible_grant(conn, &caller, id)?;
            let total: i64 = usage_reports::table.filter(usage_reports::grant_id.eq(id)).count().get_result(conn)?;
            let mut q = usage_reports::table.filter(usage_reports::grant_id.eq(id)).into_boxed();
            if let Some(after) = after {
                q = q.filter(usage_reports::id.lt(after));
            }
            let rows: Vec<UsageReport> =
                q.order(usage_reports::id.desc()).limit(limit + 1).select(UsageReport::as_select()).load(conn)?;
            Ok(Page::from_rows(rows, limit, total, |r| r.id.clone()))
        })
        .await
}
