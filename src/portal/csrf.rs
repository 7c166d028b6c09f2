//! Protection of every state-changing form against cross-site requests, for
//! people signed in or not: a signed double-submit token.
//!
//! Each browser holds a random secret in an HttpOnly cookie. A form carries
//! a token: the service's Ed25519 signature over that secret and the
//! session cookie (when there is one). A POST is accepted only when its
//! token is a valid signature over the secret and session the request
//! carries. Another site can neither read the cookie nor sign, so it cannot
//! make a token; a token copied from one browser fails in another; and every
//! instance with the same signing key checks the tokens of every other.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::Algorithm;
use serde::de::DeserializeOwned;

use super::session::SESSION_COOKIE;
use crate::app::AppState;
use crate::auth::jwt::Signer;
use crate::auth::{new_secret, secret_hash};
use crate::error::{AppError, AppResult};

/// The cookie holding the browser's secret.
pub const CSRF_COOKIE: &str = "dg_csrf";
/// The form field holding the token.
pub const CSRF_FIELD: &str = "csrf_token";
/// The largest form the portal reads whole.
const FORM_LIMIT: usize = 256 * 1024;

/// A fresh secret for the cookie.
pub fn new_cookie_secret() -> String {
    new_secret("")
}

/// Whether a cookie value has the shape [`new_cookie_secret`] gives.
fn well_formed(secret: &str) -> bool {
    secret.len() == 43 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn message(secret: &str, session: Option<&str>) -> Vec<u8> {
    let binding = session.map(secret_hash).unwrap_or_default();
    // The NUL separators keep this apart from any JWT signing input.
    format!("datagate-portal-csrf\0{secret}\0{binding}").into_bytes()
}

/// The token a form carries for this browser secret and session cookie.
pub fn token(signer: &Signer, secret: &str, session: Option<&str>) -> AppResult<String> {
    jsonwebtoken::crypto::sign(&message(secret, session), &signer.keys.encoding, Algorithm::EdDSA)
        .map_err(|e| AppError::internal(format!("sign CSRF token: {e}")))
}

/// Whether `presented` is the token of this secret and session cookie.
pub fn verify(signer: &Signer, secret: &str, session: Option<&str>, presented: &str) -> bool {
    well_formed(secret)
        && jsonwebtoken::crypto::verify(presented, &message(secret, session), &signer.keys.decoding, Algorithm::EdDSA)
            .unwrap_or(false)
}

/// Set on a request that had no usable secret cookie: the response sets this one.
#[derive(Debug, Clone)]
pub struct NewSecret(pub String);

/// The browser's secret, made (and remembered for the response) when missing.
pub fn secret_of(req: &HttpRequest) -> String {
    if let Some(s) = req.cookie(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|s| well_formed(s)) {
        return s;
    }
    if let Some(NewSecret(s)) = req.extensions().get::<NewSecret>() {
        return s.clone();
    }
    let s = new_cookie_secret();
    req.extensions_mut().insert(NewSecret(s.clone()));
    s
}

/// The session cookie's value, which tokens are bound to.
pub fn session_cookie(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()).filter(|v| !v.is_empty())
}

/// The token for forms on the page answering `req`.
pub fn token_for(req: &HttpRequest, signer: &Signer) -> AppResult<String> {
    token(signer, &secret_of(req), session_cookie(req).as_deref())
}

fn refused() -> AppError {
    AppError::forbidden_as(
        "csrf",
        "the form was not sent from this site's page, or the page is too old: nothing was changed; \
         reload the page and send the form again",
    )
}

/// A form posted from one of the portal's own pages: checked before the
/// handler runs, so a refused POST changes nothing. `T` is read from the
/// same `application/x-www-form-urlencoded` body (it may ignore the token).
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let is_form = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
            if !is_form {
                return Err(AppError::unsupported_media_type("send the form as application/x-www-form-urlencoded"));
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| AppError::bad_request(format!("reading the form: {e}")))?;
                if body.len() + chunk.len() > FORM_LIMIT {
                    return Err(AppError::payload_too_large("the form is larger than the portal accepts"));
                }
                body.extend_from_slice(&chunk);
            }
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("application state missing"))?
                .clone();
            let presented = form_urlencoded::parse(&body).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
            let secret = req.cookie(CSRF_COOKIE).map(|c| c.value().to_string());
            let ok = match (presented, secret) {
                (Some(p), Some(s)) => verify(&state.signer, &s, session_cookie(&req).as_deref(), &p),
                _ => false,
            };
            if !ok {
                return Err(refused());
            }
            serde_urlencoded::from_bytes::<T>(&body).map(CsrfForm).map_err(|e| AppError::invalid("form", e.to_string()))
        })
    }
}
