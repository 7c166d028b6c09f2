//! Signing in: access tokens, rotating refresh tokens with reuse detection,
//! logout, `GET /me` and the JWKS.

use actix_web::{HttpResponse, get, post, web};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Caller, Credential};
use super::jwt::{API_AUDIENCE, AccessClaims};
use super::keys::JwkSet;
use super::signin::{self, Attempt, Policy};
use super::{new_secret, secret_hash};
use crate::app::AppState;
use crate::db::schema::refresh_tokens;
use crate::db::{DbConn, write_tx};
use crate::error::{AppError, AppResult};
use crate::http::{Json, RequestId};
use crate::openapi::responses as r;
use crate::orgs::types::{OrgSummary, UserOut};
use crate::orgs::{OrgStatus, Organisation, User, UserId, model};

const REFRESH_PREFIX: &str = "dgr_";

/// Email and password, and a second factor where the account has one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(example = "owner@example.cn")]
    pub email: String,
    pub password: String,
    /// The current 6-digit code of the account's authenticator app
    /// (RFC 6238); required when the account has a second factor.
    #[schema(example = "492039")]
    pub otp: Option<String>,
    /// One of the account's single-use recovery codes, instead of `otp`.
    #[schema(example = "k7m2p-xq9rt-4hwza")]
    pub recovery_code: Option<String>,
}

/// A refresh token presented for rotation or logout.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Tokens for a signed-in user.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// An EdDSA-signed JWT for `Authorization: Bearer`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Single-use: exchange it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
}

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshRow {
    id: String,
    user_id: UserId,
    family_id: String,
    token_hash: String,
    issued_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

fn issue_refresh(
    conn: &mut DbConn,
    user: UserId,
    family: Option<String>,
    now: NaiveDateTime,
    ttl: std::time::Duration,
) -> AppResult<String> {
    let secret = new_secret(REFRESH_PREFIX);
    let row = RefreshRow {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user,
        family_id: family.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        token_hash: secret_hash(&secret),
        issued_at: now,
        expires_at: now + Duration::seconds(ttl.as_secs() as i64),
        used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(refresh_tokens::table).values(&row).execute(conn)?;
    Ok(secret)
}

/// Revokes every token of a family: rotation keeps the family id, so this
/// reaches every descendant of the token presented.
fn revoke_family(conn: &mut DbConn, family: &str, now: NaiveDateTime) -> AppResult<()> {
    // Concurrent revocations of one family (a refresh race has many losers)
    // would lock its rows in whatever order each scan meets them, and
    // PostgreSQL would report deadlocks. Locking the family's oldest row first
    // (a no-op update) makes them queue one after another instead.
    let root: Option<String> = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family))
        .order(refresh_tokens::id.asc())
        .select(refresh_tokens::id)
        .first(conn)
        .optional()?;
    if let Some(root) = root {
        diesel::update(refresh_tokens::table.filter(refresh_tokens::id.eq(root)))
            .set(refresh_tokens::family_id.eq(refresh_tokens::family_id))
            .execute(conn)?;
    }
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::family_id.eq(family)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

fn access_token(state: &AppState, user: &User, org: &Organisation) -> AppResult<String> {
    let now = state.clock.now().timestamp();
    let claims = AccessClaims {
        iss: state.signer.issuer.clone(),
        aud: API_AUDIENCE.into(),
        sub: user.id.to_string(),
        org: org.id.to_string(),
        iat: now,
        nbf: now,
        exp: now + state.config.access_token_ttl.as_secs() as i64,
        jti: uuid::Uuid::new_v4().to_string(),
    };
    state.signer.sign(&claims)
}

fn token_response(state: &AppState, user: &User, org: &Organisation, refresh: String) -> AppResult<TokenResponse> {
    Ok(TokenResponse {
        access_token: access_token(state, user, org)?,
        token_type: "Bearer".into(),
        expires_in: state.config.access_token_ttl.as_secs(),
        refresh_token: refresh,
        refresh_expires_in: state.config.refresh_token_ttl.as_secs(),
    })
}

fn suspended() -> AppError {
    AppError::forbidden_as(
        "organisation-suspended",
        "your organisation is suspended; signing in is refused until it is reinstated",
    )
}

/// Sign in with email and password (and a second factor).
///
/// Wrong email and wrong password get the same answer. Failures are counted
/// per (account, client address) and per client address, each throttled
/// after a few with a growing wait (429); an account-wide lock is only the
/// last resort after many failures from many addresses, and its owner can
/// lift it (`DELETE /me/sign-in-lock`). More than `DATAGATE_LOGIN_RATE`
/// attempts a minute from one address are refused too.
///
/// An account with a second factor must send `otp` or `recovery_code`;
/// without one the answer is 401 with problem type
/// `/problems/second-factor-required`. Administrators (and publishers when
/// `DATAGATE_PUBLISHER_TOTP=required`) who have not enrolled get 401
/// `/problems/second-factor-enrolment-required`.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_token",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 429, response = r::TooManyRequests),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    request_id: RequestId,
    body: Json<TokenRequest>,
) -> AppResult<web::Json<TokenResponse>> {
    let client = state.limits.client_key(&req);
    state.limits.login.check(&client)?;
    let TokenRequest { email, password, otp, recovery_code } = body.into_inner();
    let attempt = Attempt { email, password, otp, recovery_code, client, request_id: Some(request_id.0) };
    let policy = Policy::from_config(&state.config);
    let ttl = state.config.refresh_token_ttl;
    let now = state.clock.db_now();
    let st = state.clone();
    let outcome = state
        .db
        .run(move |conn| {
            signin::sign_in(conn, &policy, &st.seal, attempt, now, |conn, user| {
                issue_refresh(conn, user.id, None, now, ttl)
            })
        })
        .await??;
    let (user, org, refresh) = outcome;
    Ok(web::Json(token_response(&state, &user, &org, refresh)?))
}

/// Exchange a refresh token for a new access and refresh token.
///
/// Each refresh token works once. Presenting one that was already used
/// revokes its whole chain: whoever holds the newer tokens must sign in again.
#[utoipa::path(
    tag = "auth",
    operation_id = "refresh_token",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_token(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> AppResult<web::Json<TokenResponse>> {
    let presented = secret_hash(body.refresh_token.trim());
    let ttl = state.config.refresh_token_ttl;
    let now = state.clock.db_now();
    let outcome = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let refused = || Ok(Err(AppError::unauthorized("the refresh token is invalid, expired or revoked")));
                let Some(row) = refresh_tokens::table
                    .filter(refresh_tokens::token_hash.eq(&presented))
                    .select(RefreshRow::as_select())
                    .first(conn)
                    .optional()?
                else {
                    return refused();
                };
                if row.expires_at <= now {
                    return refused();
                }
                if row.used_at.is_some() || row.revoked_at.is_some() {
                    tracing::warn!(family = %row.family_id, "refresh token reused; revoking its chain");
                    revoke_family(conn, &row.family_id, now)?;
                    return refused();
                }
                // Checked before the token is spent, so that a suspended
                // organisation's users can refresh once it is reinstated.
                let Some((user, org)) = model::find_live_user(conn, row.user_id)? else {
                    return refused();
                };
                if org.status == OrgStatus::Suspended {
                    return Ok(Err(suspended()));
                }
                // Single use under concurrency: only the request whose
                // conditional update marks the token used may rotate it. On
                // PostgreSQL a concurrent update waits for the winner's
                // commit and then finds `used_at` set; on SQLite writers
                // queue on `BEGIN IMMEDIATE`. Everyone else is a reuse.
                let marked = diesel::update(
                    refresh_tokens::table
                        .filter(refresh_tokens::id.eq(&row.id))
                        .filter(refresh_tokens::used_at.is_null())
                        .filter(refresh_tokens::revoked_at.is_null()),
                )
                .set(refresh_tokens::used_at.eq(now))
                .execute(conn)?;
                if marked != 1 {
                    // Used or revoked: whoever holds the newer tokens of this
                    // family (descendants share the family id) must sign in
                    // again. This statement sees the winner's new token: the
                    // winner committed before our update could read the row.
                    tracing::warn!(family = %row.family_id, "refresh token reused; revoking its chain");
                    revoke_family(conn, &row.family_id, now)?;
                    return refused();
                }
                let refresh = issue_refresh(conn, user.id, Some(row.family_id), now, ttl)?;
                Ok(Ok((user, org, refresh)))
            })
        })
        .await??;
    let (user, org, refresh) = outcome;
    Ok(web::Json(token_response(&state, &user, &org, refresh)?))
}

/// Sign out: revoke the refresh token and every token rotated from it.
#[utoipa::path(
    tag = "auth",
    operation_id = "delete_session",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out (also when the token was unknown or already revoked)"),
        (status = 400, response = r::BadRequest),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, body: Json<RefreshRequest>) -> AppResult<HttpResponse> {
    let presented = secret_hash(body.refresh_token.trim());
    let now = state.clock.db_now();
    state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let family: Option<String> = refresh_tokens::table
                    .filter(refresh_tokens::token_hash.eq(&presented))
                    .select(refresh_tokens::family_id)
                    .first(conn)
                    .optional()?;
                if let Some(family) = family {
                    revoke_family(conn, &family, now)?;
                }
                Ok::<_, AppError>(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller: user, organisation and how they signed in.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user: UserOut,
    pub organisation: OrgSummary,
    /// `session` (access token) or `api_key`.
    #[schema(example = "session")]
    pub credential: String,
}

/// Who am I?
#[utoipa::path(
    tag = "auth",
    operation_id = "get_me",
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/me")]
pub async fn get_me(caller: Caller) -> web::Json<Me> {
    web::Json(Me {
        user: UserOut::from(&caller.user),
        organisation: OrgSummary::from(&caller.org),
        credential: match caller.credential {
            Credential::Session => "session".into(),
            Credential::ApiKey(_) => "api_key".into(),
        },
    })
}

/// The public keys that verify datagate's tokens (RFC 7517).
#[utoipa::path(
    tag = "auth",
    operation_id = "get_jwks",
    responses((status = 200, description = "The key set", body = JwkSet, content_type = "application/jwk-set+json"))
)]
#[get("/.well-known/jwks.json")]
pub async fn get_jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(JwkSet { keys: vec![state.signer.keys.jwk()] })
}
