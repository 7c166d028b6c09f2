//! `GET /distributions/{id}/profile`, and the profile as the exports link it.

use actix_web::{get, web};
use serde_json::json;

use super::model::{self, ProfileRow};
use super::types::{Disclosure, ProfileState, ProfileView, protect};
use crate::app::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::db::DbConn;
use crate::db::types::utc;
use crate::distributions::disclosure::settings_of;
use crate::distributions::{DistributionId, DistributionRow, api::load_visible};
use crate::error::{AppError, AppResult};
use crate::listings::OpenCondition;
use crate::listings::service::may_edit;
use crate::openapi::responses as r;
use crate::tabular::TabularFormat;

/// The profile of a distribution as `caller` may see it.
pub fn profile_for(conn: &mut DbConn, id: DistributionId, caller: Option<&Caller>) -> AppResult<ProfileView> {
    let (d, l) = load_visible(conn, id, caller)?;
    let settings = settings_of(conn, id)?;
    let owner = caller.is_some_and(|c| may_edit(c, &l));
    let open = l.open_condition == OpenCondition::Unconditional;
    if !owner && !open && !settings.profile_public {
        return Err(AppError::forbidden_as(
            "profile-not-public",
            "the owning bureau does not publish a profile of this distribution",
        )
        .with_context(json!({"distribution_id": id})));
    }
    let Some(sha) = d.sha256.clone() else {
        return Err(AppError::not_found_detail(
            "no file has been uploaded for this distribution, so it has no profile",
        ));
    };
    let row = model::find(conn, id)?.filter(|p| p.sha256 == sha);
    let disclosure = if owner || open { Disclosure::Full } else { Disclosure::Protected };
    Ok(view(&d, row, sha, disclosure, settings.k_threshold, settings.sample_public || open || owner))
}

fn view(
    d: &DistributionRow,
    row: Option<ProfileRow>,
    sha: String,
    disclosure: Disclosure,
    k: i32,
    sample_allowed: bool,
) -> ProfileView {
    let format = TabularFormat::detect(&d.format, &d.media_type, d.file_name.as_deref());
    let mut v = ProfileView {
        distribution_id: d.id,
        state: ProfileState::Pending,
        disclosure,
        sha256: sha,
        format,
        rows: None,
        columns: vec![],
        k_threshold: (disclosure == Disclosure::Protected).then_some(k),
        sample: None,
        error: None,
        computed_at: None,
    };
    let Some(row) = row else {
        if format.is_none() {
            v.state = ProfileState::Unsupported;
        }
        return v;
    };
    v.state = ProfileState::parse(&row.state);
    v.error = row.error;
    v.computed_at = row.finished_at.filter(|_| v.state == ProfileState::Ready).map(utc);
    if let Some(p) = row.profile.map(|j| j.0) {
        v.format = Some(p.format);
        v.rows = Some(p.rows);
        v.columns = match disclosure {
            Disclosure::Full => p.columns,
            Disclosure::Protected => protect(p.columns, p.rows, k.max(2) as u64),
        };
        v.sample = sample_allowed.then_some(p.sample);
    }
    v
}

/// The profile of a distribution's file: rows, columns with inferred types,
/// nulls, min / max / mean / quantiles of numbers and dates, distinct counts
/// and frequent values of text.
///
/// Computed in the background after each upload (`state` is `pending` or
/// `running` meanwhile). Unconditional data, and the owning bureau, see it
/// in full. For conditional and not-open data others see the protected form
/// (`disclosure: protected`): values occurring fewer than k times are left
/// out, extremes are ranges rounded outward, and there is no sample unless
/// the bureau made it public; if the bureau does not publish the profile at
/// all, 403 `profile-not-public`.
#[utoipa::path(
    tag = "distributions",
    operation_id = "get_distribution_profile",
    params(("id" = DistributionId, Path, description = "The distribution's id")),
    responses(
        (status = 200, description = "The profile (or its state while it is computed)", body = ProfileView),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/distributions/{id}/profile")]
pub async fn get_distribution_profile(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<DistributionId>,
) -> AppResult<web::Json<ProfileView>> {
    let id = id.into_inner();
    let v = state.db.run(move |conn| profile_for(conn, id, caller.0.as_ref())).await?;
    Ok(web::Json(v))
}
