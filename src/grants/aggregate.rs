//! Grants in aggregate-only mode ("usable but not visible"): approved with a
//! privacy budget ε and the columns the enterprise may group by; such a grant
//! never yields a data token or a download, only differentially private
//! answers to `POST /grants/{id}/queries`.
//!
//! The budget is kept in millionths of ε (integers: ten queries of 0.1 spend
//! exactly 1.0) and spent by one conditional UPDATE (`spent + cost <=
//! budget`), in the same transaction as the query's audit entry and access
//! log line, so concurrent queries never spend more than the budget, and a
//! result is released only once its cost is committed.

use actix_web::{HttpRequest, get, post, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::grants_api::visible_grant;
use super::model;
use super::{GrantId, GrantRow, GrantState};
use crate::app::AppState;
use crate::audit;
use crate::auth::{Caller, EnterpriseUser};
use crate::db::DbConn;
use crate::db::schema::{access_log, aggregate_grants as ag};
use crate::db::types::Json;
use crate::distributions::disclosure::{DeclaredColumn, aggregate_only_among, settings_of};
use crate::distributions::{DistributionId, DistributionRow, model as dist_model};
use crate::error::{AppError, AppResult, Validator};
use crate::openapi::responses as r;
use crate::privacy::engine::{Engine, EngineError};
use crate::privacy::{GroupResult, MIN_QUERY_EPSILON, QueryInput};
use crate::tabular::{LocalFile, ReadError, TabularFormat, read_rows};

/// Millionths of ε per ε.
const UE: f64 = 1_000_000.0;
/// The largest budget an administrator may grant.
pub const MAX_BUDGET: f64 = 100.0;

/// Approving in aggregate-only mode: the privacy budget and the columns
/// the enterprise may group by.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AggregateApproval {
    /// The total ε the grant may spend over all its queries (at most 100).
    #[schema(example = 1.0)]
    pub epsilon: f64,
    /// Categorical columns (declared by the bureau) that queries may group by.
    #[serde(default)]
    pub group_columns: Vec<String>,
}

/// A grant's privacy budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrivacyBudget {
    pub grant_id: GrantId,
    /// Always `aggregate`: such a grant answers queries and never hands out rows.
    #[schema(example = "aggregate")]
    pub mode: String,
    pub epsilon_budget: f64,
    pub epsilon_spent: f64,
    pub epsilon_remaining: f64,
    /// Queries answered so far.
    pub queries: i32,
    pub group_columns: Vec<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ag)]
struct BudgetRow {
    grant_id: GrantId,
    epsilon_budget_ue: i64,
    epsilon_spent_ue: i64,
    group_columns: Json<Vec<String>>,
    queries: i32,
}

impl From<BudgetRow> for PrivacyBudget {
    fn from(b: BudgetRow) -> Self {
        PrivacyBudget {
            grant_id: b.grant_id,
            mode: "aggregate".into(),
            epsilon_budget: b.epsilon_budget_ue as f64 / UE,
            epsilon_spent: b.epsilon_spent_ue as f64 / UE,
            epsilon_remaining: (b.epsilon_budget_ue - b.epsilon_spent_ue) as f64 / UE,
            queries: b.queries,
            group_columns: b.group_columns.0,
        }
    }
}

fn budget_of(conn: &mut DbConn, id: GrantId) -> AppResult<Option<BudgetRow>> {
    Ok(ag::table.find(id).select(BudgetRow::as_select()).first(conn).optional()?)
}

fn aggregate_only_refusal() -> AppError {
    AppError::forbidden_as(
        "aggregate-only",
        "this grant is aggregate-only (usable but not visible): the data is never handed out; \
         ask differentially private aggregates with POST /api/v1/grants/{id}/queries",
    )
}

/// Called by the approval, in its transaction: sets up the aggregate mode
/// if asked, and refuses an ordinary grant of an aggregate-only distribution.
pub fn on_approve(
    conn: &mut DbConn,
    admin: &Caller,
    grant: &GrantRow,
    input: Option<AggregateApproval>,
    now: NaiveDateTime,
) -> AppResult<Option<PrivacyBudget>> {
    let dists = &grant.distribution_ids.0;
    let Some(a) = input else {
        let restricted = aggregate_only_among(conn, dists)?;
        if !restricted.is_empty() {
            return Err(AppError::validation(vec![crate::error::FieldError::new(
                "aggregate",
                format!(
                    "distribution {} is aggregate-only: approve in aggregate mode with a privacy budget \
                     (aggregate.epsilon) and the columns that may be grouped by",
                    restricted[0]
                ),
            )]));
        }
        return Ok(None);
    };
    let mut v = Validator::new();
    v.check(
        a.epsilon.is_finite() && a.epsilon >= MIN_QUERY_EPSILON && a.epsilon <= MAX_BUDGET,
        "aggregate.epsilon",
        format!("must be between {MIN_QUERY_EPSILON} and {MAX_BUDGET}"),
    );
    let mut categorical = std::collections::HashSet::new();
    for d in dists {
        for c in settings_of(conn, *d)?.columns {
            if let DeclaredColumn::Categorical { name, .. } = c {
                categorical.insert(name);
            }
        }
    }
    for (i, c) in a.group_columns.iter().enumerate() {
        v.check(
            categorical.contains(c),
            format!("aggregate.group_columns[{i}]"),
            "is not a categorical column the bureau declared for the granted distributions",
        );
    }
    v.finish()?;
    let row = BudgetRow {
        grant_id: grant.id,
        epsilon_budget_ue: (a.epsilon * UE).round() as i64,
        epsilon_spent_ue: 0,
        group_columns: Json(a.group_columns.clone()),
        queries: 0,
    };
    diesel::insert_into(ag::table).values(&row).execute(conn)?;
    audit::record(
        conn,
        &admin.actor(),
        now,
        "grant.aggregate_mode",
        "grant",
        &grant.id.to_string(),
        json!({"epsilon_budget": a.epsilon, "group_columns": a.group_columns}),
    )?;
    Ok(Some(row.into()))
}

/// Refuses data tokens for an aggregate-only grant.
pub fn refuse_raw_access(conn: &mut DbConn, g: &GrantRow) -> AppResult<()> {
    if budget_of(conn, g.id)?.is_some() {
        return Err(aggregate_only_refusal().with_context(json!({"grant_id": g.id, "mode": "aggregate"})));
    }
    Ok(())
}

/// Refuses a grant-gated download from an aggregate-only grant, or of a
/// distribution the bureau made aggregate-only after the grant was made.
pub fn refuse_download(conn: &mut DbConn, g: &GrantRow, d: &DistributionRow) -> AppResult<()> {
    refuse_raw_access(conn, g)?;
    if !aggregate_only_among(conn, &[d.id])?.is_empty() {
        return Err(AppError::forbidden_as(
            "aggregate-only",
            "this distribution is aggregate-only (usable but not visible): it is never downloaded, \
             only queried under a grant in aggregate mode",
        )
        .with_context(json!({"distribution_id": d.id})));
    }
    Ok(())
}

/// A query's answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueryResult {
    pub grant_id: GrantId,
    pub distribution_id: DistributionId,
    /// The noisy results, one per group (one without a group).
    pub results: Vec<GroupResult>,
    /// The ε this query spent.
    pub epsilon_spent: f64,
    /// What is left of the grant's budget.
    pub epsilon_remaining: f64,
    /// The OpenDP mechanism that produced the noise.
    pub mechanism: String,
    /// The noise's scale (Laplace b; its standard deviation is b·√2).
    pub noise_scale: f64,
}

fn exhausted(remaining_ue: i64, asked_ue: i64) -> AppError {
    AppError::conflict(format!(
        "the grant's privacy budget does not cover this query: it asks ε = {}, {} is left; nothing was spent",
        asked_ue as f64 / UE,
        remaining_ue as f64 / UE
    ))
    .with_context(json!({"epsilon_remaining": remaining_ue as f64 / UE, "epsilon_asked": asked_ue as f64 / UE}))
}

/// Checks the caller, grant, distribution and query and what is left of the
/// budget, without spending.
fn prepare(
    conn: &mut DbConn,
    caller: &Caller,
    id: GrantId,
    q: &QueryInput,
    cost_ue: i64,
    now: NaiveDateTime,
) -> AppResult<(GrantRow, DistributionRow, crate::privacy::Plan, TabularFormat)> {
    let g = visible_grant(conn, caller, id)?;
    if g.enterprise_id != caller.org_id() {
        return Err(AppError::not_found("grant"));
    }
    let (state, suspension) = model::effective(conn, &g, now)?;
    if state != GrantState::Active {
        let why = suspension.as_ref().map(|s| format!(": {}", s.reason)).unwrap_or_default();
        return Err(AppError::forbidden_as("grant-not-active", format!("the grant is {state}{why}"))
            .with_context(json!({"grant_state": state, "suspension_cause": suspension.map(|s| s.cause)})));
    }
    let Some(budget) = budget_of(conn, id)? else {
        return Err(AppError::conflict(
            "this grant is not in aggregate mode: fetch its data with a data token (POST /grants/{id}/access-tokens)",
        ));
    };
    let not_granted = || AppError::invalid("distribution_id", "is not a distribution of this grant");
    if !g.distribution_ids.0.contains(&q.distribution_id) {
        return Err(not_granted());
    }
    let d = dist_model::find_live(conn, q.distribution_id)?.ok_or_else(not_granted)?;
    let format =
        TabularFormat::detect(&d.format, &d.media_type, d.file_name.as_deref()).filter(|_| d.has_file()).ok_or_else(
            || AppError::invalid("distribution_id", "has no tabular file (CSV, TSV, XLSX, JSON Lines, Parquet)"),
        )?;
    let settings = settings_of(conn, d.id)?;
    let mut plan = crate::privacy::plan(q, &settings, &budget.group_columns.0)?;
    plan.epsilon = cost_ue as f64 / UE;
    let remaining = budget.epsilon_budget_ue - budget.epsilon_spent_ue;
    if cost_ue > remaining {
        return Err(exhausted(remaining, cost_ue));
    }
    Ok((g, d, plan, format))
}

#[derive(Insertable)]
#[diesel(table_name = access_log)]
struct QueryLogRow {
    id: String,
    at: NaiveDateTime,
    event: String,
    grant_id: GrantId,
    listing_id: crate::listings::ListingId,
    enterprise_id: crate::orgs::OrgId,
    distribution_id: Option<String>,
    user_id: Option<String>,
    api_key_id: Option<String>,
    client_addr: Option<String>,
    request_id: Option<String>,
    epsilon: Option<f64>,
}

/// Runs a query under an aggregate-only grant and spends its ε.
pub async fn run_query(
    state: &AppState,
    caller: Caller,
    id: GrantId,
    q: QueryInput,
    client: Option<String>,
) -> AppResult<QueryResult> {
    let cost_ue = (q.epsilon * UE).round().max(0.0) as i64;
    let now = state.clock.db_now();
    let (c2, q2) = (caller.clone(), q.clone());
    let (g, d, plan, format) = state.db.run(move |conn| prepare(conn, &c2, id, &q2, cost_ue, now)).await?;
    let (Some(key), Some(size)) = (d.object_key.clone(), d.byte_size) else {
        return Err(AppError::invalid("distribution_id", "has no file"));
    };
    let spool = state.config.data_dir.join("spool");
    let file = LocalFile::fetch(&state.storage, &key, size as u64, &spool)
        .await
        .map_err(|e| AppError::unavailable(e.to_string()))?;
    let described = json!({"aggregate": plan.kind, "column": q.column, "group_by": q.group_by,
                           "filters": q.filters, "bins": q.bins, "quantile": q.quantile});
    let (results, mechanism, scale) = actix_web::web::block(move || {
        let mut engine = Engine::new(plan)?;
        read_rows(&file.path, format, &mut engine).map_err(EngineError::Read)?;
        let (mechanism, scale) = engine.mechanism();
        Ok::<_, EngineError>((engine.finish()?, mechanism, scale))
    })
    .await
    .map_err(|e| AppError::internal(format!("query task failed: {e}")))?
    .map_err(|e| match e {
        EngineError::MissingColumn(c) => AppError::conflict(format!(
            "the bureau declared column {c:?}, but the file has no such column; ask the bureau to correct its declaration"
        )),
        EngineError::Read(ReadError::Malformed { format, detail }) => {
            AppError::conflict(format!("the file cannot be read as {format}: {detail}"))
        }
        EngineError::Read(other) => AppError::unavailable(other.to_string()),
        EngineError::Mechanism(m) => AppError::internal(format!("OpenDP refused: {m}")),
    })?;
    let request_id = caller.request_id.clone();
    let key_id = match caller.credential {
        crate::auth::extract::Credential::ApiKey(k) => Some(k.to_string()),
        crate::auth::extract::Credential::Session => None,
    };
    let audit_mechanism = mechanism.clone();
    let remaining_ue = state
        .db
        .write(move |conn| {
            if model::effective_state(conn, &g, now)? != GrantState::Active {
                return Err(AppError::forbidden_as("grant-not-active", "the grant stopped while the query ran"));
            }
            let spent =
                diesel::update(ag::table.find(id).filter((ag::epsilon_spent_ue + cost_ue).le(ag::epsilon_budget_ue)))
                    .set((ag::epsilon_spent_ue.eq(ag::epsilon_spent_ue + cost_ue), ag::queries.eq(ag::queries + 1)))
                    .execute(conn)?;
            let b = budget_of(conn, id)?.ok_or_else(|| AppError::not_found("grant"))?;
            if spent == 0 {
                return Err(exhausted(b.epsilon_budget_ue - b.epsilon_spent_ue, cost_ue));
            }
            let epsilon = cost_ue as f64 / UE;
            audit::record(
                conn,
                &caller.actor(),
                now,
                "grant.query",
                "grant",
                &id.to_string(),
                json!({"distribution_id": d.id, "query": described, "epsilon": epsilon,
                       "epsilon_remaining": (b.epsilon_budget_ue - b.epsilon_spent_ue) as f64 / UE,
                       "mechanism": audit_mechanism, "noise_scale": scale}),
            )?;
            diesel::insert_into(access_log::table)
                .values(&QueryLogRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    at: now,
                    event: "query".into(),
                    grant_id: g.id,
                    listing_id: g.listing_id,
                    enterprise_id: g.enterprise_id,
                    distribution_id: Some(d.id.to_string()),
                    user_id: Some(caller.user_id().to_string()),
                    api_key_id: key_id,
                    client_addr: client,
                    request_id: Some(request_id),
                    epsilon: Some(epsilon),
                })
                .execute(conn)?;
            Ok(b.epsilon_budget_ue - b.epsilon_spent_ue)
        })
        .await?;
    Ok(QueryResult {
        grant_id: id,
        distribution_id: q.distribution_id,
        results,
        epsilon_spent: cost_ue as f64 / UE,
        epsilon_remaining: remaining_ue as f64 / UE,
        mechanism,
        noise_scale: scale,
    })
}

/// Run a differentially private aggregate under an aggregate-only grant.
///
/// Count, sum, mean, histogram or quantile over a granted distribution,
/// optionally grouped by a column the grant allows and filtered on declared
/// columns. The answer carries OpenDP noise calibrated to `epsilon`, which is
/// spent from the grant's budget; a query the budget does not cover is
/// refused with 409 before it runs, and nothing is spent. Users and API keys
/// of the grantee enterprise; the grant must be active.
#[utoipa::path(
    tag = "access",
    operation_id = "create_grant_query",
    params(("id" = GrantId, Path, description = "The grant's id")),
    request_body = QueryInput,
    responses(
        (status = 200, description = "The noisy result and the budget left", body = QueryResult),
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
#[post("/grants/{id}/queries")]
pub async fn create_grant_query(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: EnterpriseUser,
    id: web::Path<GrantId>,
    body: crate::http::Json<QueryInput>,
) -> AppResult<web::Json<QueryResult>> {
    let client = super::tokens::client_addr(&req);
    let result = run_query(&state, caller.0, id.into_inner(), body.into_inner(), client).await?;
    Ok(web::Json(result))
}

/// A grant's privacy budget: granted, spent, left, and the columns it may
/// group by. The grantee, the owning bureau and administrators; 404 for a
/// grant that is not in aggregate mode.
#[utoipa::path(
    tag = "access",
    operation_id = "get_grant_privacy_budget",
    params(("id" = GrantId, Path, description = "The grant's id")),
    responses(
        (status = 200, description = "The budget", body = PrivacyBudget),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/grants/{id}/privacy-budget")]
pub async fn get_grant_privacy_budget(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<GrantId>,
) -> AppResult<web::Json<PrivacyBudget>> {
    let id = id.into_inner();
    let b = state
        .db
        .run(move |conn| {
            visible_grant(conn, &caller, id)?;
            budget_of(conn, id)?.map(PrivacyBudget::from).ok_or_else(|| {
                AppError::not_found_detail("this grant is not in aggregate mode; it has no privacy budget")
            })
        })
        .await?;
    Ok(web::Json(b))
}
