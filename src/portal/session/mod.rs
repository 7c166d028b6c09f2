//! Who is using the portal: a server-side session (a row per sign-in, see
//! [`store`]) named by a random secret in an HttpOnly cookie. The portal's
//! extractors read only that cookie — never an `Authorization` header — and
//! the API's extractors read only `Authorization`, so a session cookie never
//! opens `/api/v1` and a bearer token never opens a portal page.

pub mod store;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;

use crate::app::AppState;
use crate::auth::{Caller, Credential};
use crate::config::Config;
use crate::error::AppError;
use crate::http::request_id::{CallerTag, RequestId};
use crate::orgs::{OrgStatus, UserId};
use store::LiveSession;

/// The cookie holding the session's secret.
pub const SESSION_COOKIE: &str = "dg_session";

/// Whether cookies must only travel over TLS: when the portal is served as https.
pub fn secure(config: &Config) -> bool {
    config.public_url.starts_with("https://")
}

/// A cookie of the portal: HttpOnly, `SameSite=Lax`, the whole site, and
/// `Secure` when the public URL is https. Without `max_age` it lasts until
/// the browser closes; the server ends the session anyway.
pub fn cookie(config: &Config, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value).path("/").http_only(true).same_site(SameSite::Lax).secure(secure(config)).finish()
}

/// The header that removes a cookie of the portal.
pub fn removal(config: &Config, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(config, name, String::new());
    c.make_removal();
    c
}

/// Starts a session for a person who has just proved who they are (the
/// sign-in form calls this after the password and second-factor checks) and
/// returns the cookie to set. The sign-in form must prove it through
/// `crate::auth::signin::sign_in` (throttling, second factor, audit), e.g.
/// with `store::create` as its `issue` step, never by checking a password
/// itself.
pub async fn start(state: &AppState, user: UserId) -> Result<Cookie<'static>, AppError> {
    let now = state.clock.db_now();
    let max = state.config.portal.session_max;
    let secret = state.db.run(move |conn| store::create(conn, user, now, max)).await?;
    Ok(cookie(&state.config, SESSION_COOKIE, secret))
}

/// A signed-in person of the portal.
#[derive(Debug, Clone)]
pub struct Person {
    pub session: LiveSession,
    pub request_id: String,
}

impl Person {
    /// The person as the service functions know callers, for the same rules
    /// the API applies (visibility, ownership). `None` while their
    /// organisation is suspended: they then see what anyone sees.
    pub fn caller(&self) -> Option<Caller> {
        let s = &self.session;
        (s.org.status != OrgStatus::Suspended).then(|| Caller {
            user: s.user.clone(),
            org: s.org.clone(),
            credential: Credential::Session,
            request_id: self.request_id.clone(),
        })
    }

    /// What the header shows: the display name, else the e-mail address.
    pub fn name(&self) -> String {
        let u = &self.session.user;
        u.display_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| u.email.clone())
    }
}

/// Set on a request whose session cookie no longer opens a session, so the
/// response removes it.
#[derive(Debug, Clone, Copy)]
pub struct StaleSession;

/// Reads the session cookie; `None` without one or when it has ended.
async fn person_of(req: &HttpRequest) -> Result<Option<Person>, AppError> {
    if let Some(p) = req.extensions().get::<Option<Person>>() {
        return Ok(p.clone());
    }
    let Some(secret) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let state =
        req.app_data::<web::Data<AppState>>().ok_or_else(|| AppError::internal("application state missing"))?.clone();
    let now = state.clock.db_now();
    let idle = state.config.portal.session_idle;
    let live = state.db.run(move |conn| store::find_live(conn, &secret, now, idle)).await?;
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let person = live.map(|session| Person { session, request_id });
    match &person {
        Some(p) => {
            req.extensions_mut().insert(CallerTag {
                org_id: p.session.org.id.to_string(),
                org_kind: p.session.org.kind.to_string(),
                user_id: p.session.user.id.to_string(),
            });
        }
        None => {
            req.extensions_mut().insert(StaleSession);
        }
    }
    req.extensions_mut().insert(person.clone());
    Ok(person)
}

/// Someone who may or may not be signed in to the portal.
#[derive(Debug, Clone)]
pub struct MaybePerson(pub Option<Person>);

impl MaybePerson {
    pub fn caller(&self) -> Option<Caller> {
        self.0.as_ref().and_then(Person::caller)
    }
}

impl FromRequest for MaybePerson {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { person_of(&req).await.map(MaybePerson) })
    }
}

/// A person signed in to the portal whose organisation is not suspended.
/// Anyone else is sent to sign in, and brought back here afterwards.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Person);

impl std::ops::Deref for SignedIn {
    type Target = Person;
    fn deref(&self) -> &Person {
        &self.0
    }
}

/// The sign-in page with the way back to `req`'s page.
pub fn signin_url(req: &HttpRequest) -> String {
    let here = match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    format!("/signin?next={next}")
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match person_of(&req).await? {
                Some(p) if p.session.org.status == OrgStatus::Suspended => Err(AppError::forbidden_as(
                    "organisation-suspended",
                    "your organisation is suspended; the portal's signed-in pages are closed to it until it is reinstated",
                )
                .into()),
                Some(p) => Ok(SignedIn(p)),
                None => {
                    let to = HttpResponse::SeeOther()
                        .insert_header((header::LOCATION, signin_url(&req)))
                        .insert_header((header::CACHE_CONTROL, "no-store"))
                        .finish();
                    Err(actix_web::error::InternalError::from_response("sign in first", to).into())
                }
            }
        })
    }
}
