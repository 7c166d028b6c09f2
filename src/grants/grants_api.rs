//! `GET /api/v1/grants`, one grant, and revocation.

use actix_web::{get, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::model::{self, GrantFilter, Scope};
use super::{Grant, GrantId, GrantRow, GrantState};
use crate::app::AppState;
use crate::audit;
use crate::auth::{Caller, Curator};
use crate::db::DbConn;
use crate::db::schema::grants;
use crate::error::{AppError, AppResult, Validator};
use crate::http::paging::{Page, PageParams};
use crate::http::{Json, Query};
use crate::openapi::responses as r;
use crate::orgs::OrgId;
use crate::orgs::types::Reason;

crate::page_schema!(GrantPage, Grant);

/// A grant the caller may see; anything else is "not found", so that grant
/// ids of other enterprises reveal nothing.
pub fn visible_grant(conn: &mut DbConn, caller: &Caller, id: GrantId) -> AppResult<GrantRow> {
    let g = model::find_grant(conn, id)?.ok_or_else(|| AppError::not_found("grant"))?;
    let bureau = model::bureau_of_listing(conn, g.listing_id)?;
    if !Scope::of(caller).sees(g.enterprise_id, bureau) {
        return Err(AppError::not_found("grant"));
    }
    Ok(g)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListGrantsParams {
    /// `active` (includes grants whose use is suspended), `expired`, `revoked`, `pending`.
    pub state: Option<GrantState>,
    pub listing: Option<crate::listings::ListingId>,
    pub enterprise: Option<OrgId>,
    /// Only grants whose usage report is overdue.
    pub report_overdue: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List grants: an enterprise sees its own, a bureau those on its listings,
/// administrators all.
#[utoipa::path(
    tag = "access",
    operation_id = "list_grants",
    params(ListGrantsParams),
    responses(
        (status = 200, description = "A page of grants, newest first, each with its state now", body = GrantPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/grants")]
pub async fn list_grants(
    state: web::Data<AppState>,
    caller: Caller,
    params: Query<ListGrantsParams>,
) -> AppResult<web::Json<Page<Grant>>> {
    list(&state, &caller, params.into_inner()).await.map(web::Json)
}

/// The service behind `GET /grants` and the portal's "My grants".
pub async fn list(state: &AppState, caller: &Caller, p: ListGrantsParams) -> AppResult<Page<Grant>> {
    let scope = Scope::of(caller);
    if scope == Scope::Nothing {
        return Err(AppError::forbidden("only enterprises, bureau publishers and administrators see grants"));
    }
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let after: Option<GrantId> = paging.after()?;
    let now = state.clock.db_now();
    let filter = GrantFilter {
        state: p.state,
        listing: p.listing,
        enterprise: p.enterprise,
        report_overdue: p.report_overdue.unwrap_or(false),
    };
    state
        .db
        .run(move |conn| {
            let (rows, total) = model::list_grants(conn, scope, &filter, now, after, limit)?;
            let page = Page::from_rows(rows, limit, total, |g| g.id);
            let items = model::grant_views(conn, &page.items, now)?;
            Ok(Page { items, total: page.total, limit: page.limit, next_cursor: page.next_cursor })
        })
        .await
}

/// Get a grant, with its state now.
#[utoipa::path(
    tag = "access",
    operation_id = "get_grant",
    params(("id" = GrantId, Path, description = "The grant's id")),
    responses(
        (status = 200, description = "The grant", body = Grant),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/grants/{id}")]
pub async fn get_grant(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<GrantId>,
) -> AppResult<web::Json<Grant>> {
    get(&state, caller, id.into_inner()).await.map(web::Json)
}

/// The service behind `GET /grants/{id}` and the portal's grant page.
pub async fn get(state: &AppState, caller: Caller, id: GrantId) -> AppResult<Grant> {
    let now = state.clock.db_now();
    state
        .db
        .run(move |conn| {
            let g = visible_grant(conn, &caller, id)?;
            Ok(model::grant_views(conn, &[g], now)?.remove(0))
        })
        .await
}

/// Revoke a grant, effective immediately: tokens already issued stop working
/// at once. Administrators, or publishers of the bureau that owns the listing.
#[utoipa::path(
    tag = "access",
    operation_id = "revoke_grant",
    params(("id" = GrantId, Path, description = "The grant's id")),
    request_body = Reason,
    responses(
        (status = 200, description = "Revoked", body = Grant),
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
#[post("/grants/{id}/revoke")]
pub async fn revoke_grant(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<GrantId>,
    body: Json<Reason>,
) -> AppResult<web::Json<Grant>> {
    use diesel::prelude::*;
    let id = id.into_inner();
    let mut v = Validator::new();
    let reason = v.text("reason", &body.reason, 4000);
    v.finish()?;
    let now = state.clock.db_now();
    let view = state
        .db
        .write(move |conn| {
            let g = visible_grant(conn, &caller, id)?;
            let n = diesel::update(grants::table.find(id).filter(grants::revoked_at.is_null()))
                .set((
                    grants::revoked_at.eq(now),
                    grants::revoked_by.eq(caller.user_id()),
                    grants::revoke_reason.eq(&reason),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(AppError::conflict("the grant is already revoked"));
            }
            audit::record(
                conn,
                &caller.actor(),
                now,
                "grant.revoke",
                "grant",
                &id.to_string(),
                json!({"reason": reason, "enterprise_id": g.enterprise_id, "listing_id": g.listing_id}),
            )?;
            let g = model::find_grant(conn, id)?.ok_or_else(|| AppError::not_found("grant"))?;
            Ok(model::grant_views(conn, &[g], now)?.remove(0))
        })
        .await?;
    metrics::counter!(crate::telemetry::GRANTS_REVOKED).increment(1);
    Ok(web::Json(view))
}
