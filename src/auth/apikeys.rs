//! API keys for scripts and training pipelines: shown once, stored as a hash,
//! recognisable by their `dgk_` prefix, revocable with immediate effect.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::extract::{Caller, Credential};
use super::{new_secret, secret_hash};
use crate::app::AppState;
use crate::audit;
use crate::db::schema::{api_keys, organisations, users};
use crate::db::types::{db_time, utc};
use crate::db::{DbConn, write_tx};
use crate::error::{AppError, AppResult, Validator};
use crate::http::paging::{Page, PageParams};
use crate::http::{Json, Query};
use crate::openapi::responses as r;
use crate::orgs::{OrgId, Organisation, Role, User, UserId};

pub const API_KEY_PREFIX: &str = "dgk_";
/// Last-used times are written at most this often per key, so that a busy
/// pipeline does not turn every read into a write.
const LAST_USED_GRANULARITY_SECS: i64 = 60;

crate::uuid_id!(
    /// Id of an API key.
    ApiKeyId
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub organisation_id: OrgId,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Finds the live key, its user and organisation; records the use.
pub fn authenticate(
    conn: &mut DbConn,
    secret: &str,
    now: NaiveDateTime,
) -> AppResult<Option<(User, Organisation, ApiKeyId)>> {
    let found: Option<(ApiKeyRow, User, Organisation)> = api_keys::table
        .inner_join(users::table.inner_join(organisations::table))
        .filter(api_keys::secret_hash.eq(secret_hash(secret)))
        .filter(api_keys::revoked_at.is_null())
        .filter(users::removed_at.is_null())
        .select((ApiKeyRow::as_select(), User::as_select(), Organisation::as_select()))
        .first(conn)
        .optional()?;
    let Some((key, user, org)) = found else { return Ok(None) };
    if key.expires_at.is_some_and(|exp| exp <= now) {
        return Ok(None);
    }
    let stale = key.last_used_at.is_none_or(|t| (now - t).num_seconds() >= LAST_USED_GRANULARITY_SECS);
    if stale {
        diesel::update(api_keys::table.find(key.id)).set(api_keys::last_used_at.eq(now)).execute(conn)?;
    }
    Ok(Some((user, org, key.id)))
}

/// Request to create an API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// What the key is for, e.g. `training-pipeline`.
    #[schema(example = "training-pipeline")]
    pub name: String,
    /// When the key stops working (optional; RFC 3339).
    pub expires_at: Option<DateTime<Utc>>,
}

/// An API key as listed (never with its secret).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    /// The first characters of the secret, to recognise it.
    #[schema(example = "dgk_q8Z3xY1w")]
    pub prefix: String,
    pub user_id: UserId,
    pub organisation_id: OrgId,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly created key: the only time its secret is shown.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Use as `Authorization: Bearer <secret>`. Shown once; store it now.
    pub secret: String,
}

crate::page_schema!(ApiKeyPage, ApiKey);

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> Self {
        ApiKey {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            user_id: r.user_id,
            organisation_id: r.organisation_id,
            created_at: utc(r.created_at),
            expires_at: r.expires_at.map(utc),
            last_used_at: r.last_used_at.map(utc),
            revoked_at: r.revoked_at.map(utc),
        }
    }
}

/// Keys manage keys only through a signed-in session, so that a leaked key
/// cannot mint itself successors.
fn ensure_session(caller: &Caller) -> AppResult<()> {
    if matches!(caller.credential, Credential::ApiKey(_)) {
        return Err(AppError::forbidden("API keys cannot manage API keys; sign in with a password"));
    }
    caller.ensure_may_act()
}

/// Create an API key.
#[utoipa::path(
    tag = "api-keys",
    operation_id = "create_api_key",
    request_body = NewApiKey,
    responses(
        (status = 201, description = "The key, with its secret shown this once", body = CreatedApiKey),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []))
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewApiKey>,
) -> AppResult<HttpResponse> {
    let created = create(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The service behind `POST /api-keys` and the portal's key form: sessions
/// only, never for accounts that must use a second factor.
pub async fn create(state: &AppState, caller: &Caller, body: NewApiKey) -> AppResult<CreatedApiKey> {
    ensure_session(caller)?;
    if super::signin::Policy::from_config(&state.config).requires_second_factor(&caller.user, &caller.org) {
        return Err(AppError::forbidden_as(
            "api-key-not-allowed",
            "accounts that must sign in with a second factor (administrators; publishers where it is required) \
             act through sessions only: an API key would bypass the second factor",
        ));
    }
    let now = state.clock.db_now();
    let mut v = Validator::new();
    let name = v.text("name", &body.name, 100);
    let expires_at = body.expires_at.map(db_time);
    v.check(expires_at.is_none_or(|e| e > now), "expires_at", "must be in the future");
    v.finish()?;
    let secret = new_secret(API_KEY_PREFIX);
    let row = ApiKeyRow {
        id: ApiKeyId::new(),
        user_id: caller.user_id(),
        organisation_id: caller.org_id(),
        name,
        prefix: secret.chars().take(12).collect(),
        secret_hash: secret_hash(&secret),
        created_at: now,
        expires_at,
        last_used_at: None,
        revoked_at: None,
    };
    let actor = caller.actor();
    let stored = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                diesel::insert_into(api_keys::table).values(&row).execute(conn)?;
                audit::record(
                    conn,
                    &actor,
                    now,
                    "api_key.create",
                    "api_key",
                    &row.id.to_string(),
                    json!({"name": row.name, "prefix": row.prefix, "expires_at": row.expires_at}),
                )?;
                Ok::<_, AppError>(row)
            })
        })
        .await?;
    Ok(CreatedApiKey { key: stored.into(), secret })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListApiKeysParams {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Include revoked keys (default false).
    pub include_revoked: Option<bool>,
}

/// List API keys: your own; an enterprise owner sees all of the enterprise's.
#[utoipa::path(
    tag = "api-keys",
    operation_id = "list_api_keys",
    params(ListApiKeysParams),
    responses(
        (status = 200, description = "A page of keys, newest first", body = ApiKeyPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []))
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    caller: Caller,
    params: Query<ListApiKeysParams>,
) -> AppResult<web::Json<Page<ApiKey>>> {
    list(&state, &caller, params.into_inner()).await.map(web::Json)
}

/// The service behind `GET /api-keys` and the portal's keys page.
pub async fn list(state: &AppState, caller: &Caller, params: ListApiKeysParams) -> AppResult<Page<ApiKey>> {
    let paging = PageParams { limit: params.limit, cursor: params.cursor };
    let limit = paging.limit()?;
    let after: Option<ApiKeyId> = paging.after()?;
    let whole_org = caller.role() == Role::Owner;
    let (org, user) = (caller.org_id(), caller.user_id());
    let include_revoked = params.include_revoked.unwrap_or(false);
    let (rows, total) = state
        .db
        .run(move |conn| {
            let filtered = || {
                let mut q = api_keys::table.filter(api_keys::organisation_id.eq(org)).into_boxed();
                if !whole_org {
                    q = q.filter(api_keys::user_id.eq(user));
                }
                if !include_revoked {
                    q = q.filter(api_keys::revoked_at.is_null());
                }
                q
            };
            let total: i64 = filtered().count().get_result(conn)?;
            let mut q = filtered();
            if let Some(after) = after {
                q = q.filter(api_keys::id.lt(after));
            }
            let rows = q.order(api_keys::id.desc()).limit(limit + 1).select(ApiKeyRow::as_select()).load(conn)?;
            Ok((rows, total))
        })
        .await?;
    Ok(Page::from_rows(rows, limit, total, |k| k.id).map(ApiKey::from))
}

/// Revoke an API key, effective immediately.
#[utoipa::path(
    tag = "api-keys",
    operation_id = "delete_api_key",
    params(("id" = ApiKeyId, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []))
)]
#[delete("/api-keys/{id}")]
pub async fn delete_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<ApiKeyId>,
) -> AppResult<HttpResponse> {
    revoke(&state, &caller, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The service behind `DELETE /api-keys/{id}` and the portal's revoke button:
/// one's own key, or any of the enterprise's for its owner.
pub async fn revoke(state: &AppState, caller: &Caller, id: ApiKeyId) -> AppResult<()> {
    ensure_session(caller)?;
    let now = state.clock.db_now();
    let caller = caller.clone();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let key: ApiKeyRow = api_keys::table
                    .find(id)
                    .select(ApiKeyRow::as_select())
                    .first(conn)
                    .optional()?
                    .filter(|k| {
                        k.organisation_id == caller.org_id()
                            && (k.user_id == caller.user_id() || caller.role() == Role::Owner)
                    })
                    .ok_or_else(|| AppError::not_found("API key"))?;
                if key.revoked_at.is_none() {
                    diesel::update(api_keys::table.find(id)).set(api_keys::revoked_at.eq(now)).execute(conn)?;
                    audit::record(
                        conn,
                        &caller.actor(),
                        now,
                        "api_key.revoke",
                        "api_key",
                        &id.to_string(),
                        json!({"name": key.name, "prefix": key.prefix}),
                    )?;
                }
                Ok::<_, AppError>(())
            })
        })
        .await?;
    Ok(())
}
