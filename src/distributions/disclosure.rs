//! What a bureau discloses of a distribution: whether its profile and sample
//! are public, the k of k-threshold suppression, whether it is
//! aggregate-only ("usable but not visible"), and the columns that private
//! aggregates may use — categorical columns with their public set of values,
//! numeric columns with clamping bounds.

use actix_web::{get, put, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::DistributionId;
use super::api::load_visible;
use crate::app::AppState;
use crate::audit;
use crate::auth::{Caller, Curator, MaybeCaller};
use crate::db::DbConn;
use crate::db::schema::distribution_disclosure as dd;
use crate::db::types::Json;
use crate::error::{AppError, AppResult, Validator};
use crate::listings::OpenCondition;
use crate::listings::service::may_edit;
use crate::openapi::responses as r;

/// The k of k-threshold suppression unless the bureau sets another.
pub const DEFAULT_K: i32 = 10;

/// A column that private aggregates may use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum DeclaredColumn {
    /// A column whose set of values is public (e.g. districts): it may be
    /// grouped by (if the grant allows) and filtered on.
    Categorical {
        name: String,
        /// Every value the column may take; rows with other values are left
        /// out of grouped results.
        values: Vec<String>,
    },
    /// A numeric column: sums, means, histograms and quantiles clamp every
    /// value into [lower, upper], which bounds one row's influence.
    Numeric { name: String, lower: f64, upper: f64 },
}

impl DeclaredColumn {
    pub fn name(&self) -> &str {
        match self {
            DeclaredColumn::Categorical { name, .. } | DeclaredColumn::Numeric { name, .. } => name,
        }
    }
}

/// A distribution's disclosure settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisclosureSettings {
    /// Whether callers other than the owning bureau see the profile of a
    /// conditional or not-open distribution (in its protected form). Default true.
    #[serde(default = "yes")]
    pub profile_public: bool,
    /// Whether the sample rows are public for conditional or not-open data
    /// (e.g. a synthetic or published sample file). Default false.
    #[serde(default)]
    pub sample_public: bool,
    /// Values occurring fewer than k times never appear in a protected
    /// profile. 2–1000, default 10.
    #[serde(default = "default_k")]
    #[schema(example = 10)]
    pub k_threshold: i32,
    /// Only aggregate queries under differential privacy; never downloaded.
    /// Only for distributions of conditional listings.
    #[serde(default)]
    pub aggregate_only: bool,
    /// The columns private aggregates may use.
    #[serde(default)]
    pub columns: Vec<DeclaredColumn>,
}

fn yes() -> bool {
    true
}
fn default_k() -> i32 {
    DEFAULT_K
}

impl Default for DisclosureSettings {
    fn default() -> Self {
        Self {
            profile_public: true,
            sample_public: false,
            k_threshold: DEFAULT_K,
            aggregate_only: false,
            columns: vec![],
        }
    }
}

impl DisclosureSettings {
    pub fn column(&self, name: &str) -> Option<&DeclaredColumn> {
        self.columns.iter().find(|c| c.name() == name)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dd)]
struct DisclosureRow {
    distribution_id: DistributionId,
    profile_public: bool,
    sample_public: bool,
    k_threshold: i32,
    aggregate_only: bool,
    declared_columns: Json<Vec<DeclaredColumn>>,
    updated_at: NaiveDateTime,
    updated_by: String,
}

/// The settings of a distribution (the defaults if the bureau set none).
pub fn settings_of(conn: &mut DbConn, id: DistributionId) -> AppResult<DisclosureSettings> {
    let row: Option<DisclosureRow> = dd::table.find(id).select(DisclosureRow::as_select()).first(conn).optional()?;
    Ok(row
        .map(|r| DisclosureSettings {
            profile_public: r.profile_public,
            sample_public: r.sample_public,
            k_threshold: r.k_threshold,
            aggregate_only: r.aggregate_only,
            columns: r.declared_columns.0,
        })
        .unwrap_or_default())
}

/// Which of `ids` are aggregate-only.
pub fn aggregate_only_among(conn: &mut DbConn, ids: &[DistributionId]) -> AppResult<Vec<DistributionId>> {
    Ok(dd::table
        .filter(dd::distribution_id.eq_any(ids))
        .filter(dd::aggregate_only.eq(true))
        .select(dd::distribution_id)
        .load(conn)?)
}

fn validate(s: &DisclosureSettings, condition: OpenCondition) -> AppResult<()> {
    let mut v = Validator::new();
    v.check((2..=1000).contains(&s.k_threshold), "k_threshold", "must be between 2 and 1000");
    v.check(
        !s.aggregate_only || condition == OpenCondition::Conditional,
        "aggregate_only",
        "only a distribution of a conditional listing can be aggregate-only",
    );
    v.check(s.columns.len() <= 64, "columns", "at most 64 columns");
    let mut seen = std::collections::HashSet::new();
    for (i, c) in s.columns.iter().enumerate() {
        let name = c.name();
        v.check(
            !name.trim().is_empty() && name.chars().count() <= 200,
            format!("columns[{i}].name"),
            "must be 1–200 characters",
        );
        v.check(seen.insert(name.to_string()), format!("columns[{i}].name"), "is declared twice");
        match c {
            DeclaredColumn::Categorical { values, .. } => {
                let distinct: std::collections::HashSet<&String> = values.iter().collect();
                v.check(
                    !values.is_empty() && values.len() <= 1000,
                    format!("columns[{i}].values"),
                    "declare 1–1000 values",
                );
                v.check(distinct.len() == values.len(), format!("columns[{i}].values"), "values must be distinct");
                v.check(
                    values.iter().all(|x| !x.is_empty() && x.chars().count() <= 200),
                    format!("columns[{i}].values"),
                    "each value must be 1–200 characters",
                );
            }
            DeclaredColumn::Numeric { lower, upper, .. } => {
                v.check(
                    lower.is_finite() && upper.is_finite() && lower < upper && lower.abs().max(upper.abs()) <= 1e12,
                    format!("columns[{i}]"),
                    "lower and upper must be finite, |x| ≤ 10^12, and lower < upper",
                );
            }
        }
    }
    v.finish()
}

/// Stores the settings; audited.
pub fn save(
    conn: &mut DbConn,
    caller: &Caller,
    id: DistributionId,
    s: DisclosureSettings,
    now: NaiveDateTime,
) -> AppResult<DisclosureSettings> {
    let (d, l) = load_visible(conn, id, Some(caller))?;
    if !may_edit(caller, &l) {
        return Err(AppError::forbidden(
            "only publishers of the owning bureau and administrators set what a distribution discloses",
        ));
    }
    validate(&s, l.open_condition)?;
    let row = DisclosureRow {
        distribution_id: d.id,
        profile_public: s.profile_public,
        sample_public: s.sample_public,
        k_threshold: s.k_threshold,
        aggregate_only: s.aggregate_only,
        declared_columns: Json(s.columns.clone()),
        updated_at: now,
        updated_by: caller.user_id().to_string(),
    };
    diesel::delete(dd::table.find(d.id)).execute(conn)?;
    diesel::insert_into(dd::table).values(&row).execute(conn)?;
    audit::record(
        conn,
        &caller.actor(),
        now,
        "distribution.disclosure",
        "distribution",
        &d.id.to_string(),
        json!({"profile_public": s.profile_public, "sample_public": s.sample_public, "k_threshold": s.k_threshold,
               "aggregate_only": s.aggregate_only, "columns": s.columns}),
    )?;
    Ok(s)
}

/// What a distribution discloses: profile and sample visibility, k, whether
/// it is aggregate-only, and the columns private aggregates may use.
#[utoipa::path(
    tag = "distributions",
    operation_id = "get_distribution_disclosure",
    params(("id" = DistributionId, Path, description = "The distribution's id")),
    responses(
        (status = 200, description = "The settings (defaults if the bureau set none)", body = DisclosureSettings),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/distributions/{id}/disclosure")]
pub async fn get_distribution_disclosure(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<DistributionId>,
) -> AppResult<web::Json<DisclosureSettings>> {
    let id = id.into_inner();
    let s = state
        .db
        .run(move |conn| {
            load_visible(conn, id, caller.0.as_ref())?;
            settings_of(conn, id)
        })
        .await?;
    Ok(web::Json(s))
}

/// Set what a distribution discloses. Publishers of the owning bureau and
/// administrators.
#[utoipa::path(
    tag = "distributions",
    operation_id = "update_distribution_disclosure",
    params(("id" = DistributionId, Path, description = "The distribution's id")),
    request_body = DisclosureSettings,
    responses(
        (status = 200, description = "The stored settings", body = DisclosureSettings),
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
#[put("/distributions/{id}/disclosure")]
pub async fn update_distribution_disclosure(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<DistributionId>,
    body: crate::http::Json<DisclosureSettings>,
) -> AppResult<web::Json<DisclosureSettings>> {
    let id = id.into_inner();
    let body = body.into_inner();
    let now = state.clock.db_now();
    let s = state.db.write(move |conn| save(conn, &caller, id, body, now)).await?;
    Ok(web::Json(s))
}
