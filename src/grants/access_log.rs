//! The access log: every data token issued and every grant-gated download,
//! with grant, distribution, user or key, bytes, range, time and client.

use actix_web::{get, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::Scope;
use super::{GrantId, GrantRow};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::DbConn;
use crate::db::schema::{access_log, listings};
use crate::db::types::{db_time, utc};
use crate::error::{AppError, AppResult};
use crate::http::Query;
use crate::http::paging::{Page, PageParams};
use crate::listings::ListingId;
use crate::openapi::responses as r;
use crate::orgs::OrgId;

/// A row of the access log, ready to insert.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = access_log)]
pub struct LogRow {
    id: String,
    at: NaiveDateTime,
    event: String,
    grant_id: GrantId,
    listing_id: ListingId,
    enterprise_id: OrgId,
    distribution_id: Option<String>,
    user_id: Option<String>,
    api_key_id: Option<String>,
    token_id: Option<String>,
    bytes: Option<i64>,
    byte_range: Option<String>,
    client_addr: Option<String>,
    request_id: Option<String>,
    epsilon: Option<f64>,
}

/// What to record.
pub struct LogEntry<'a> {
    pub at: NaiveDateTime,
    /// `token_issued` or `download`.
    pub event: &'static str,
    pub grant: &'a GrantRow,
    pub distribution: Option<String>,
    pub user: Option<String>,
    pub api_key: Option<String>,
    pub token_id: Option<String>,
    pub bytes: Option<i64>,
    pub range: Option<String>,
    pub client: Option<String>,
    pub request_id: Option<String>,
}

pub fn record(conn: &mut DbConn, e: &LogEntry<'_>) -> AppResult<()> {
    diesel::insert_into(access_log::table).values(&LogRow::new(e)).execute(conn)?;
    Ok(())
}

/// Rows per multi-row INSERT: well under SQLite's limit of bound variables
/// (15 columns each).
const INSERT_ROWS: usize = 500;

/// Inserts rows made with [`LogRow::new`] (the group commit of token issues).
pub fn insert_rows(conn: &mut DbConn, rows: &[LogRow]) -> AppResult<()> {
    for chunk in rows.chunks(INSERT_ROWS) {
        // The multi-backend connection cannot insert a slice at once.
        match conn {
            DbConn::Pg(c) => diesel::insert_into(access_log::table).values(chunk).execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(access_log::table).values(chunk).execute(c)?,
        };
    }
    Ok(())
}

impl LogRow {
    pub fn new(e: &LogEntry<'_>) -> Self {
        LogRow {
            id: uuid::Uuid::now_v7().to_string(),
            at: e.at,
            event: e.event.to_string(),
            grant_id: e.grant.id,
            listing_id: e.grant.listing_id,
            enterprise_id: e.grant.enterprise_id,
            distribution_id: e.distribution.clone(),
            user_id: e.user.clone(),
            api_key_id: e.api_key.clone(),
            token_id: e.token_id.clone(),
            bytes: e.bytes,
            byte_range: e.range.clone(),
            client_addr: e.client.clone(),
            request_id: e.request_id.clone(),
            epsilon: None,
        }
    }
}

/// An entry of the access log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccessLogEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    /// `token_issued`, `download`, or `query` (a private aggregate).
    pub event: String,
    pub grant_id: GrantId,
    pub listing_id: ListingId,
    pub enterprise_id: OrgId,
    pub distribution_id: Option<String>,
    pub user_id: Option<String>,
    pub api_key_id: Option<String>,
    /// The data token's `jti`.
    pub token_id: Option<String>,
    /// Bytes in the response body.
    pub bytes: Option<i64>,
    /// The `Range` asked for, if any.
    pub range: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    /// For a query: the ε it spent.
    pub epsilon: Option<f64>,
}

impl From<LogRow> for AccessLogEntry {
    fn from(r: LogRow) -> Self {
        AccessLogEntry {
            id: r.id,
            at: utc(r.at),
            event: r.event,
            grant_id: r.grant_id,
            listing_id: r.listing_id,
            enterprise_id: r.enterprise_id,
            distribution_id: r.distribution_id,
            user_id: r.user_id,
            api_key_id: r.api_key_id,
            token_id: r.token_id,
            bytes: r.bytes,
            range: r.byte_range,
            client_addr: r.client_addr,
            request_id: r.request_id,
            epsilon: r.epsilon,
        }
    }
}

crate::page_schema!(AccessLogPage, AccessLogEntry);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccessLogParams {
    pub grant: Option<GrantId>,
    pub listing: Option<ListingId>,
    /// `token_issued`, `download` or `query`.
    pub event: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Who fetched what, when: an enterprise sees its own entries, a bureau those
/// of its listings, administrators all.
#[utoipa::path(
    tag = "access",
    operation_id = "list_access_log",
    params(AccessLogParams),
    responses(
        (status = 200, description = "Entries, newest first", body = AccessLogPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/access-log")]
pub async fn list_access_log(
    state: web::Data<AppState>,
    caller: Caller,
    params: Query<AccessLogParams>,
) -> AppResult<web::Json<Page<AccessLogEntry>>> {
    list(&state, &caller, params.into_inner()).await.map(web::Json)
}

/// The service behind `GET /access-log` and the portal's grant page.
pub async fn list(state: &AppState, caller: &Caller, p: AccessLogParams) -> AppResult<Page<AccessLogEntry>> {
    let scope = Scope::of(caller);
    if scope == Scope::Nothing {
        return Err(AppError::forbidden("only enterprises, bureau publishers and administrators see the access log"));
    }
    if let Some(e) = &p.event
        && e != "token_issued"
        && e != "download"
        && e != "query"
    {
        return Err(AppError::invalid("event", "must be token_issued, download or query"));
    }
    let paging = PageParams { limit: p.limit, cursor: p.cursor };
    let limit = paging.limit()?;
    let after: Option<String> = paging.after()?;
    state
        .db
        .run(move |conn| {
            let filtered = || {
                let mut q = access_log::table.into_boxed();
                match scope {
                    Scope::All | Scope::Nothing => {}
                    Scope::Enterprise(e) => q = q.filter(access_log::enterprise_id.eq(e)),
                    Scope::Bureau(b) => {
                        q = q.filter(
                            access_log::listing_id
                                .eq_any(listings::table.filter(listings::bureau_id.eq(b)).select(listings::id)),
                        )
                    }
                }
                if let Some(g) = p.grant {
                    q = q.filter(access_log::grant_id.eq(g));
                }
                if let Some(l) = p.listing {
                    q = q.filter(access_log::listing_id.eq(l));
                }
                if let Some(e) = &p.event {
                    q = q.filter(access_log::event.eq(e.clone()));
                }
                if let Some(t) = p.since {
                    q = q.filter(access_log::at.ge(db_time(t)));
                }
                if let Some(t) = p.until {
                    q = q.filter(access_log::at.lt(db_time(t)));
                }
                q
            };
            let total: i64 = filtered().count().get_result(conn)?;
            let mut q = filtered();
            if let Some(after) = after {
                q = q.filter(access_log::id.lt(after));
            }
            let rows: Vec<LogRow> =
                q.order(access_log::id.desc()).limit(limit + 1).select(LogRow::as_select()).load(conn)?;
            Ok(Page::from_rows(rows, limit, total, |r| r.id.clone()).map(AccessLogEntry::from))
        })
        .await
}
