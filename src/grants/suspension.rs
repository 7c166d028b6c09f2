//! Suspension of grants by a recorded decision, and reinstatement.
//!
//! The rule (issue 20): when a listing is reclassified as `not_open`, every
//! grant on it that could still be used is suspended in the same transaction
//! as the reclassification — status, reason, when and by whom recorded on the
//! grant and audited. While suspended no data token is issued and no
//! download, introspection or aggregate query succeeds under it; the holder
//! sees `state: suspended` with the cause and reason in its grant reads.
//! Reclassifying the listing back does not lift the suspension: only an
//! administrator's decision does (`POST /grants/{id}/reinstate`), refused with
//! 409 while the listing is still `not_open`.

use actix_web::{post, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::model;
use super::{Grant, GrantId, GrantState};
use crate::app::AppState;
use crate::audit;
use crate::auth::{Admin, Caller};
use crate::db::DbConn;
use crate::db::schema::{grants, listings};
use crate::error::{AppError, AppResult, Validator};
use crate::http::Json;
use crate::listings::{Listing, OpenCondition};
use crate::openapi::responses as r;
use crate::orgs::types::Reason;

/// Suspends the grants of a listing classified `not_open` that are not
/// suspended yet. Called with every committed change of a listing, in its
/// transaction, so no path that reclassifies a listing can skip it; a no-op
/// for other listings and for grants already suspended, revoked or expired.
pub fn on_listing_change(conn: &mut DbConn, l: &Listing, caller: &Caller, now: NaiveDateTime) -> AppResult<()> {
    if l.open_condition != OpenCondition::NotOpen {
        return Ok(());
    }
    let affected: Vec<(GrantId, crate::orgs::OrgId)> = grants::table
        .filter(grants::listing_id.eq(l.id))
        .filter(grants::revoked_at.is_null())
        .filter(grants::suspended_at.is_null())
        .filter(grants::valid_until.gt(now))
        .select((grants::id, grants::enterprise_id))
        .load(conn)?;
    if affected.is_empty() {
        return Ok(());
    }
    let reason = match &l.open_condition_reason {
        Some(why) => format!("the listing was reclassified as not open: {why}"),
        None => "the listing was reclassified as not open".to_string(),
    };
    for (id, enterprise) in affected {
        let n = diesel::update(grants::table.find(id).filter(grants::suspended_at.is_null()))
            .set((
                grants::suspended_at.eq(now),
                grants::suspended_by.eq(caller.user_id()),
                grants::suspension_reason.eq(&reason),
            ))
            .execute(conn)?;
        if n == 1 {
            audit::record(
                conn,
                &caller.actor(),
                now,
                "grant.suspend",
                "grant",
                &id.to_string(),
                json!({"cause": "listing_not_open", "reason": reason, "listing_id": l.id, "enterprise_id": enterprise}),
            )?;
        }
    }
    Ok(())
}

/// Reinstate a suspended grant: an administrator's decision that lifts a
/// suspension recorded on it (today: its listing was reclassified as
/// `not_open`).
///
/// Refused with 409 while the listing is still `not_open` (reclassify it
/// first), when the grant is not suspended by such a decision, and when it is
/// revoked or expired. The grant's validity period is not extended.
#[utoipa::path(
    tag = "access",
    operation_id = "reinstate_grant",
    params(("id" = GrantId, Path, description = "The grant's id")),
    request_body = Reason,
    responses(
        (status = 200, description = "Reinstated; the grant with its state now", body = Grant),
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
#[post("/grants/{id}/reinstate")]
pub async fn reinstate_grant(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<GrantId>,
    body: Json<Reason>,
) -> AppResult<web::Json<Grant>> {
    let id = id.into_inner();
    let mut v = Validator::new();
    let reason = v.text("reason", &body.reason, 4000);
    v.finish()?;
    let now = state.clock.db_now();
    let view = state
        .db
        .write(move |conn| {
            let g = model::find_grant(conn, id)?.ok_or_else(|| AppError::not_found("grant"))?;
            let own = g.state_at(now);
            if own != GrantState::Suspended {
                return Err(AppError::conflict(format!(
                    "the grant is {own}; only a grant suspended by a recorded decision can be reinstated \
                     (a suspended enterprise or a withdrawn listing is lifted at its source)"
                ))
                .with_context(json!({"state": own})));
            }
            let condition: OpenCondition =
                listings::table.find(g.listing_id).select(listings::open_condition).first(conn)?;
            if condition == OpenCondition::NotOpen {
                return Err(AppError::conflict(
                    "the listing is still classified not_open; reclassify it before reinstating its grants",
                )
                .with_context(json!({"open_condition": condition})));
            }
            let n = diesel::update(grants::table.find(id).filter(grants::suspended_at.is_not_null()))
                .set((
                    grants::suspended_at.eq(None::<NaiveDateTime>),
                    grants::suspended_by.eq(None::<crate::orgs::UserId>),
                    grants::suspension_reason.eq(None::<String>),
                ))
                .execute(conn)?;
            if n != 1 {
                return Err(AppError::conflict("the grant was reinstated concurrently"));
            }
            audit::record(
                conn,
                &admin.actor(),
                now,
                "grant.reinstate",
                "grant",
                &id.to_string(),
                json!({"reason": reason, "suspended_at": g.suspended_at, "suspended_by": g.suspended_by,
                       "suspension_reason": g.suspension_reason, "listing_id": g.listing_id,
                       "enterprise_id": g.enterprise_id}),
            )?;
            let g = model::find_grant(conn, id)?.ok_or_else(|| AppError::not_found("grant"))?;
            Ok(model::grant_views(conn, &[g], now)?.remove(0))
        })
        .await?;
    Ok(web::Json(view))
}
