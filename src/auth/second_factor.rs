//! The caller's own second factor (enrol, confirm, disable) and the lifting
//! of their account's sign-in lock.

use actix_web::{HttpResponse, delete, post, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::signin::Policy;
use super::{Caller, throttle, totp};
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::http::Json;
use crate::openapi::responses as r;

/// A second factor being enrolled: add it to an authenticator app, then
/// confirm it with a code.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TotpEnrolment {
    /// The shared secret, base32 (RFC 4648), for typing into an app.
    #[schema(example = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")]
    pub secret: String,
    /// The same as an `otpauth://totp/…` URI, for a QR code.
    pub otpauth_uri: String,
    /// Always 6 digits, 30-second steps, HMAC-SHA-1 (RFC 6238's defaults).
    #[schema(example = 30)]
    pub period: u32,
    #[schema(example = 6)]
    pub digits: u32,
}

/// A code from the authenticator app (or, to disable, a recovery code).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    #[schema(example = "492039")]
    pub code: String,
}

/// Recovery codes: each works once instead of a code from the app. Shown
/// only now; datagate keeps only their hashes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodes {
    #[schema(example = json!(["k7m2p-xq9rt-4hwza"]))]
    pub recovery_codes: Vec<String>,
}

/// Start enrolling a second factor (TOTP).
///
/// Returns a new secret; it takes effect once confirmed with a code
/// (`POST /me/totp/confirm`). Starting again before confirming replaces the
/// secret. An account that already has a confirmed second factor gets 409:
/// disable it first (or, for administrators, have it reset).
#[utoipa::path(
    tag = "auth",
    operation_id = "start_totp",
    responses(
        (status = 200, description = "The secret to add to an authenticator app", body = TotpEnrolment),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/me/totp")]
pub async fn start_totp(state: web::Data<AppState>, caller: Caller) -> AppResult<web::Json<TotpEnrolment>> {
    let secret = totp::new_secret();
    let uri = totp::otpauth_uri(secret.clone(), &caller.user.email)?;
    let b32 = totp::secret_base32(&secret);
    let now = state.clock.db_now();
    let actor = caller.actor();
    let user = caller.user_id();
    let st = state.clone();
    state
        .db
        .write(move |conn| {
            if totp::is_enrolled(conn, user)? {
                return Err(AppError::conflict(
                    "this account already has a second factor; disable it first to enrol a new one",
                ));
            }
            totp::store_secret(conn, &st.seal, user, &secret, false, now)?;
            audit::record(conn, &actor, now, "totp.enrol_start", "user", &user.to_string(), json!({}))
        })
        .await?;
    Ok(web::Json(TotpEnrolment { secret: b32, otpauth_uri: uri, period: 30, digits: 6 }))
}

/// Confirm a second factor with a code from the app.
///
/// From now on, signing in needs a code (or a recovery code). Returns ten
/// single-use recovery codes, shown this once.
#[utoipa::path(
    tag = "auth",
    operation_id = "confirm_totp",
    request_body = TotpCode,
    responses(
        (status = 200, description = "Enrolled; keep the recovery codes somewhere safe", body = RecoveryCodes),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/me/totp/confirm")]
pub async fn confirm_totp(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<TotpCode>,
) -> AppResult<web::Json<RecoveryCodes>> {
    let code = body.into_inner().code;
    let now = state.clock.db_now();
    let actor = caller.actor();
    let user = caller.user_id();
    let st = state.clone();
    let codes = state
        .db
        .write(move |conn| {
            match totp::find(conn, user)? {
                None => return Err(AppError::conflict("no enrolment to confirm: start one with POST /me/totp")),
                Some(e) if e.confirmed_at.is_some() => {
                    return Err(AppError::conflict("this account's second factor is already confirmed"));
                }
                Some(_) => {}
            }
            if !totp::check_code(conn, &st.seal, user, &code, now)? {
                return Err(AppError::invalid("code", "is not the current code of the authenticator app"));
            }
            totp::confirm(conn, user, now)?;
            let codes = totp::new_recovery_codes(conn, user, now)?;
            audit::record(
                conn,
                &actor,
                now,
                "totp.enrol",
                "user",
                &user.to_string(),
                json!({"recovery_codes": codes.len()}),
            )?;
            Ok(codes)
        })
        .await?;
    Ok(web::Json(RecoveryCodes { recovery_codes: codes }))
}

/// Disable the caller's second factor, proving it with a code.
///
/// Refused (409) for a role that must keep one: administrators, and
/// publishers when `DATAGATE_PUBLISHER_TOTP=required`.
#[utoipa::path(
    tag = "auth",
    operation_id = "disable_totp",
    request_body = TotpCode,
    responses(
        (status = 204, description = "Disabled; signing in needs the password only"),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/me/totp/disable")]
pub async fn disable_totp(state: web::Data<AppState>, caller: Caller, body: Json<TotpCode>) -> AppResult<HttpResponse> {
    let code = body.into_inner().code;
    if Policy::from_config(&state.config).requires_second_factor(&caller.user, &caller.org) {
        return Err(AppError::conflict("your role must keep a second factor; it cannot be disabled"));
    }
    let now = state.clock.db_now();
    let actor = caller.actor();
    let user = caller.user_id();
    let st = state.clone();
    state
        .db
        .write(move |conn| {
            if !totp::is_enrolled(conn, user)? {
                return Err(AppError::conflict("this account has no second factor"));
            }
            let by = if totp::check_code(conn, &st.seal, user, &code, now)? {
                "totp"
            } else if totp::use_recovery_code(conn, user, &code, now)? {
                "recovery_code"
            } else {
                return Err(AppError::invalid("code", "is neither the current code nor an unused recovery code"));
            };
            totp::remove(conn, user)?;
            audit::record(conn, &actor, now, "totp.disable", "user", &user.to_string(), json!({"proved_by": by}))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lift the account-wide sign-in lock of the caller's own account.
///
/// When guessing from many addresses has locked the account, its owner can
/// still call this with another credential (an API key, or a session from
/// before the lock) and sign in again at once. Also clears the per-address
/// locks on the account. Answers 204 whether or not it was locked.
#[utoipa::path(
    tag = "auth",
    operation_id = "delete_sign_in_lock",
    responses(
        (status = 204, description = "The account is not locked (any more)"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/me/sign-in-lock")]
pub async fn delete_sign_in_lock(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let now = state.clock.db_now();
    let actor = caller.actor();
    let user = caller.user_id();
    let email = caller.user.email.clone();
    state
        .db
        .write(move |conn| {
            if throttle::unlock_account(conn, &email, now)? {
                audit::record(
                    conn,
                    &actor,
                    now,
                    "auth.sign_in_unlock",
                    "user",
                    &user.to_string(),
                    json!({"by": "owner"}),
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
