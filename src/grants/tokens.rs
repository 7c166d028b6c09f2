//! Using a grant: short-lived data tokens (EdDSA JWTs, audience
//! `datagate-data`, published in the JWKS), the credential a download
//! presents, and RFC 7662-style introspection for bureaus' own services.

use actix_web::http::header;
use actix_web::{HttpRequest, post, web};
use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::access_log::{LogEntry, LogRow};
use super::issue_log::Issue;
use super::model::{self, Scope};
use super::{GrantId, GrantRow, GrantState};
use crate::app::AppState;
use crate::audit::NewEntry;
use crate::auth::extract::{Caller, Credential, authenticate_token, bearer};
use crate::auth::{Curator, EnterpriseUser};
use crate::db::DbConn;
use crate::db::types::utc;
use crate::distributions::{DistributionId, DistributionRow, model as dist_model};
use crate::error::{AppError, AppResult};
use crate::http::extract::parse_json;
use crate::listings::ListingId;
use crate::openapi::responses as r;
use crate::orgs::OrgId;

/// Audience of data tokens.
pub const DATA_AUDIENCE: &str = "datagate-data";
/// The longest a data token lives.
pub const MAX_TOKEN_SECS: i64 = 15 * 60;

/// Claims of a data token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataClaims {
    pub iss: String,
    pub aud: String,
    /// The user who asked for the token.
    pub sub: String,
    /// The grantee enterprise.
    pub org: String,
    pub grant: String,
    pub listing: String,
    /// The distributions the token opens.
    pub dist: Vec<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    /// The API key that asked, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// One granted distribution and how to fetch it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GrantedDistribution {
    pub id: DistributionId,
    pub name: String,
    pub format: String,
    /// For hosted files: GET it with `Authorization: Bearer <access_token>`,
    /// or append `?token=<access_token>` for tools that only take URLs.
    pub download_url: Option<String>,
    /// For external distributions: the bureau's own service, which verifies
    /// the token via the JWKS or `POST /api/v1/tokens/introspect`.
    pub access_url: Option<String>,
}

/// A data token for a grant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DataToken {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until it expires (at most 900, never past the grant's end).
    pub expires_in: i64,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub grant_id: GrantId,
    pub distributions: Vec<GrantedDistribution>,
}

pub(super) fn not_active(state: GrantState, suspension: Option<model::Suspension>) -> AppError {
    if let Some(s) = suspension {
        return AppError::forbidden_as("grant-not-active", format!("the grant is suspended: {}", s.reason))
            .with_context(json!({"grant_state": state, "suspension_cause": s.cause, "suspension_reason": s.reason}));
    }
    let why = match state {
        GrantState::Revoked => "the grant was revoked",
        GrantState::Expired => "the grant has expired; renew it with a new access request that refers to it",
        GrantState::Pending => "the grant has not started yet",
        GrantState::Suspended => "the grant is suspended",
        GrantState::Active => "the grant is active",
    };
    AppError::forbidden_as("grant-not-active", why.to_string()).with_context(json!({"grant_state": state}))
}

/// Issue a short-lived data token for a grant.
///
/// Users and API keys of the grantee enterprise only; the grant must be active.
/// Each credential may ask `DATAGATE_TOKEN_RATE` times per second (429 beyond).
#[utoipa::path(
    tag = "access",
    operation_id = "create_grant_access_token",
    params(("id" = GrantId, Path, description = "The grant's id")),
    responses(
        (status = 201, description = "A data token and the URLs it opens", body = DataToken),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 429, response = r::TooManyRequests),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/grants/{id}/access-tokens")]
pub async fn create_grant_access_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: EnterpriseUser,
    id: web::Path<GrantId>,
) -> AppResult<actix_web::HttpResponse> {
    let token = issue(&state, caller, id.into_inner(), client_addr(&req)).await?;
    Ok(actix_web::HttpResponse::Created().insert_header((header::CACHE_CONTROL, "no-store")).json(token))
}

/// The service behind the handler (and the portal's download button): check
/// the credential's rate, that the grant is the caller's and active, sign a
/// data token for its distributions, and record the issue in the access log
/// and the audit chain before answering. The checks and the signature run
/// in parallel with other requests; the records are committed by the group
/// commit of `issue_log`, which checks the grant again under the chain's
/// lock. A token is returned only once its records are committed.
pub async fn issue(
    state: &web::Data<AppState>,
    caller: EnterpriseUser,
    id: GrantId,
    client: Option<String>,
) -> AppResult<DataToken> {
    let limit_key = match caller.credential {
        Credential::ApiKey(k) => format!("key:{k}"),
        Credential::Session => format!("user:{}", caller.user_id()),
    };
    state.limits.token_issue.check(&limit_key)?;
    let now = state.clock.db_now();
    let st = state.clone();
    let (token, issue) = state
        .db
        .run(move |conn| {
            // An enterprise user sees exactly its enterprise's grants.
            let g = model::find_grant(conn, id)?
                .filter(|g| g.enterprise_id == caller.org_id())
                .ok_or_else(|| AppError::not_found("grant"))?;
            let (current, suspension) = model::effective(conn, &g, now)?;
            if current != GrantState::Active {
                return Err(not_active(current, suspension));
            }
            super::aggregate::refuse_raw_access(conn, &g)?;
            let dists: Vec<DistributionRow> = dist_model::of_listing(conn, g.listing_id)?
                .into_iter()
                .filter(|d| g.distribution_ids.0.contains(&d.id))
                .collect();
            sign(&st, &caller, &g, &dists, now, client)
        })
        .await?;
    state.issue_log.record(issue).await?;
    metrics::counter!(crate::telemetry::ACCESS_TOKENS).increment(1);
    Ok(token)
}

/// The data token for `dists` of an active grant, and what to record of it.
fn sign(
    st: &AppState,
    caller: &EnterpriseUser,
    g: &GrantRow,
    dists: &[DistributionRow],
    now: NaiveDateTime,
    client: Option<String>,
) -> AppResult<(DataToken, Issue)> {
    let expires = (now + Duration::seconds(MAX_TOKEN_SECS)).min(g.valid_until);
    let key = match caller.credential {
        Credential::ApiKey(k) => Some(k.to_string()),
        Credential::Session => None,
    };
    let claims = DataClaims {
        iss: st.signer.issuer.clone(),
        aud: DATA_AUDIENCE.into(),
        sub: caller.user_id().to_string(),
        org: g.enterprise_id.to_string(),
        grant: g.id.to_string(),
        listing: g.listing_id.to_string(),
        dist: dists.iter().map(|d| d.id.to_string()).collect(),
        iat: utc(now).timestamp(),
        nbf: utc(now).timestamp(),
        exp: utc(expires).timestamp(),
        jti: uuid::Uuid::new_v4().to_string(),
        key: key.clone(),
    };
    let jwt = st.signer.sign(&claims)?;
    let log = LogRow::new(&LogEntry {
        at: now,
        event: "token_issued",
        grant: g,
        distribution: None,
        user: Some(caller.user_id().to_string()),
        api_key: key,
        token_id: Some(claims.jti.clone()),
        bytes: None,
        range: None,
        client,
        request_id: Some(caller.request_id.clone()),
    });
    let audit = NewEntry {
        actor: caller.actor(),
        at: now,
        action: "grant.token_issue",
        target_type: "grant",
        target_id: g.id.to_string(),
        summary: json!({"jti": claims.jti, "expires_at": utc(expires), "distributions": claims.dist}),
    };
    let token = DataToken {
        access_token: jwt,
        token_type: "Bearer".into(),
        expires_in: (expires - now).num_seconds(),
        expires_at: utc(expires),
        grant_id: g.id,
        distributions: dists
            .iter()
            .map(|d| GrantedDistribution {
                id: d.id,
                name: d.name.clone(),
                format: d.format.clone(),
                download_url: d.has_file().then(|| format!("/api/v1/distributions/{}/file", d.id)),
                access_url: d.access_url.clone(),
            })
            .collect(),
    };
    Ok((token, Issue { grant: g.id, at: now, log, audit }))
}

/// The client's address for the access log (`http::client_ip`: forwarding
/// headers count only from a trusted proxy).
pub fn client_addr(req: &HttpRequest) -> Option<String> {
    crate::http::client_ip::client_ip(req).map(|ip| ip.to_string())
}

/// Who presents a download: nobody, an API caller, or a data token.
pub enum DownloadAuth {
    Anonymous,
    Caller(Caller),
    Grant(DataClaims),
}

/// Reads the credential of a download: `Authorization: Bearer …` or
/// `?token=…`. A data token is tried first, then an API credential; a
/// credential that is neither is refused (401), never treated as anonymous.
pub async fn download_auth(state: &AppState, req: &HttpRequest) -> AppResult<DownloadAuth> {
    let from_query = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    let token = match bearer(req)? {
        Some(t) => Some(t),
        None => from_query,
    };
    let Some(token) = token else { return Ok(DownloadAuth::Anonymous) };
    if let Ok(claims) = state.signer.verify::<DataClaims>(&token, DATA_AUDIENCE, state.clock.now()) {
        return Ok(DownloadAuth::Grant(claims));
    }
    authenticate_token(req, token).await.map(DownloadAuth::Caller)
}

/// Checks a data token against the distribution and the grant as it is now:
/// a revoked grant stops downloads at once, even with an unexpired token.
pub fn check_grant_download(
    conn: &mut DbConn,
    claims: &DataClaims,
    d: &DistributionRow,
    now: NaiveDateTime,
) -> AppResult<GrantRow> {
    if claims.listing != d.listing_id.to_string() || !claims.dist.iter().any(|x| *x == d.id.to_string()) {
        return Err(AppError::forbidden("this token does not open this distribution"));
    }
    let grant_id: GrantId = claims.grant.parse().map_err(|_| AppError::unauthorized("the token is invalid"))?;
    let g = model::find_grant(conn, grant_id)?.ok_or_else(|| AppError::unauthorized("the token is invalid"))?;
    if g.enterprise_id.to_string() != claims.org || g.listing_id != d.listing_id {
        return Err(AppError::unauthorized("the token is invalid"));
    }
    let (current, suspension) = model::effective(conn, &g, now)?;
    if current != GrantState::Active {
        return Err(not_active(current, suspension));
    }
    check_minting_credential(conn, claims, &g, now)?;
    Ok(g)
}

/// Checks that the credential that minted a data token still stands, as the
/// grant is checked: the user (`sub`) is not removed and still belongs to the
/// grant's enterprise, and the API key (`key`), if one asked, is neither
/// revoked (deleted) nor expired and still that user's key in that
/// enterprise. A token never outlives the credential behind it.
pub fn check_minting_credential(
    conn: &mut DbConn,
    claims: &DataClaims,
    g: &GrantRow,
    now: NaiveDateTime,
) -> AppResult<()> {
    match fallen_credential(conn, claims, g, now)? {
        None => Ok(()),
        Some(what) => Err(AppError::unauthorized(format!(
            "the {} that issued this data token is no longer valid; ask for a new token with a current credential",
            what.replace('_', " ")
        ))
        .with_context(json!({"credential": what}))),
    }
}

/// Which minting credential of a data token no longer stands (`user` or
/// `api_key`), if any.
fn fallen_credential(
    conn: &mut DbConn,
    claims: &DataClaims,
    g: &GrantRow,
    now: NaiveDateTime,
) -> AppResult<Option<&'static str>> {
    use diesel::prelude::*;

    use crate::auth::apikeys::ApiKeyId;
    use crate::db::schema::api_keys;
    use crate::orgs::{OrgStatus, UserId};

    let Ok(user_id) = claims.sub.parse::<UserId>() else { return Ok(Some("user")) };
    let member = crate::orgs::model::find_live_user(conn, user_id)?
        .is_some_and(|(user, org)| user.organisation_id == g.enterprise_id && org.status == OrgStatus::Verified);
    if !member {
        return Ok(Some("user"));
    }
    let Some(key) = &claims.key else { return Ok(None) };
    let Ok(key_id) = key.parse::<ApiKeyId>() else { return Ok(Some("api_key")) };
    let row: Option<(UserId, OrgId, Option<NaiveDateTime>, Option<NaiveDateTime>)> = api_keys::table
        .find(key_id)
        .select((api_keys::user_id, api_keys::organisation_id, api_keys::revoked_at, api_keys::expires_at))
        .first(conn)
        .optional()?;
    let live = row.is_some_and(|(owner, org, revoked, expires)| {
        owner == user_id && org == g.enterprise_id && revoked.is_none() && expires.is_none_or(|e| e > now)
    });
    Ok((!live).then_some("api_key"))
}

/// The token to introspect.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectionRequest {
    pub token: String,
    /// Accepted and ignored (RFC 7662).
    #[serde(default)]
    pub token_type_hint: Option<String>,
}

/// What a data token grants, if it is active (RFC 7662 style).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Introspection {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<GrantId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<OrgId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing_id: Option<ListingId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution_ids: Option<Vec<DistributionId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// Is this data token active, and what does it grant?
///
/// For the services of bureaus that serve external distributions and prefer
/// asking to verifying the JWT themselves. Callers: bureau publishers (their
/// listings' tokens only; others are reported inactive) and administrators.
/// The body is `application/x-www-form-urlencoded` (`token=…`, as RFC 7662)
/// or JSON.
#[utoipa::path(
    tag = "access",
    operation_id = "create_token_introspection",
    request_body(content = IntrospectionRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "`active` and, if active, the grant", body = Introspection),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tokens/introspect")]
pub async fn create_token_introspection(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Curator,
    body: web::Bytes,
) -> AppResult<web::Json<Introspection>> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let input: IntrospectionRequest = if content_type.starts_with("application/x-www-form-urlencoded") {
        crate::http::extract::parse_query(
            std::str::from_utf8(&body).map_err(|_| AppError::bad_request("the form is not UTF-8"))?,
        )?
    } else if content_type.starts_with("application/json") {
        parse_json(&body)?
    } else {
        return Err(AppError::unsupported_media_type("send application/x-www-form-urlencoded (token=…) or JSON"));
    };
    let Ok(claims) = state.signer.verify::<DataClaims>(input.token.trim(), DATA_AUDIENCE, state.clock.now()) else {
        return Ok(web::Json(Introspection::default()));
    };
    let now = state.clock.db_now();
    let scope = Scope::of(&caller);
    let result = state
        .db
        .run(move |conn| {
            let Ok(grant_id) = claims.grant.parse::<GrantId>() else { return Ok(Introspection::default()) };
            let Some(g) = model::find_grant(conn, grant_id)? else { return Ok(Introspection::default()) };
            let bureau = model::bureau_of_listing(conn, g.listing_id)?;
            if !scope.sees(g.enterprise_id, bureau) || model::effective_state(conn, &g, now)? != GrantState::Active {
                return Ok(Introspection::default());
            }
            // Inactive once the user or key that minted it no longer stands.
            if fallen_credential(conn, &claims, &g, now)?.is_some() {
                return Ok(Introspection::default());
            }
            Ok(Introspection {
                active: true,
                iss: Some(claims.iss),
                aud: Some(claims.aud),
                sub: Some(claims.sub),
                exp: Some(claims.exp),
                iat: Some(claims.iat),
                jti: Some(claims.jti),
                token_type: Some("Bearer".into()),
                grant_id: Some(g.id),
                enterprise_id: Some(g.enterprise_id),
                listing_id: Some(g.listing_id),
                distribution_ids: Some(claims.dist.iter().filter_map(|d| d.parse().ok()).collect()),
                valid_until: Some(utc(g.valid_until)),
            })
        })
        .await?;
    Ok(web::Json(result))
}
