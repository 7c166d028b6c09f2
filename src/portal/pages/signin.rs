//! `GET/POST /signin`: email and password, and the one-time code when the
//! account has a second factor. The check is `auth::signin::sign_in`, the
//! function `POST /api/v1/auth/token` calls (throttling, second factor,
//! audit); its `issue` step starts the portal session in the same
//! transaction as the audit entry.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::local_path;
use crate::app::AppState;
use crate::auth::signin::{self, Attempt, ENROLMENT_REQUIRED, Policy, SECOND_FACTOR_REQUIRED};
use crate::error::AppResult;
use crate::portal::csrf::{CSRF_COOKIE, CsrfForm, new_cookie_secret};
use crate::portal::forms::{Errors, again};
use crate::portal::session::{self, SESSION_COOKIE, store};
use crate::portal::ui::{Ui, req_id};

#[derive(Template)]
#[template(path = "signin.html")]
pub struct SigninPage {
    pub ui: Ui,
    pub errors: Errors,
    pub email: String,
    pub next: String,
    /// Whether the one-time code field is shown open (the account asked for it).
    pub otp_wanted: bool,
}

#[derive(Debug, Deserialize)]
pub struct NextParam {
    pub next: Option<String>,
}

/// `GET /signin`.
pub async fn form(ui: Ui, q: web::Query<NextParam>) -> AppResult<HttpResponse> {
    let next = local_path(q.next.as_deref());
    crate::portal::frame::html(&SigninPage {
        ui: ui.in_section("signin"),
        errors: Errors::none(),
        email: String::new(),
        next,
        otp_wanted: false,
    })
}

#[derive(Debug, Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub otp: String,
    pub next: Option<String>,
}

/// `POST /signin`: on success a new session (and a new CSRF secret, so that
/// no token from before the sign-in stays valid) and back to `next`.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    ui: Ui,
    form: CsrfForm<SigninForm>,
) -> AppResult<HttpResponse> {
    let f = form.0;
    let next = local_path(f.next.as_deref());
    let email = f.email.trim().to_string();
    let otp = Some(f.otp.trim().to_string()).filter(|c| !c.is_empty());
    let ui = ui.in_section("signin");
    let mut errors = Errors::none();
    if email.is_empty() {
        errors.add("email", ui.t("field-signin-email"));
    }
    if f.password.is_empty() {
        errors.add("password", ui.t("field-signin-password"));
    }
    if errors.any() {
        let page = SigninPage { ui, errors, email, next, otp_wanted: otp.is_some() };
        return again(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let client = state.limits.client_key(&req);
    let outcome = match state.limits.login.check(&client) {
        Err(e) => Err(e),
        Ok(()) => {
            // One field takes both: six digits are the app's code, anything
            // else one of the account's recovery codes.
            let is_app_code = otp.as_deref().is_some_and(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()));
            let (app_code, recovery_code) = if is_app_code { (otp.clone(), None) } else { (None, otp.clone()) };
            let attempt = Attempt {
                email: email.clone(),
                password: f.password,
                otp: app_code,
                recovery_code,
                client,
                request_id: Some(req_id(&req)),
            };
            let policy = Policy::from_config(&state.config);
            let now = state.clock.db_now();
            let max = state.config.portal.session_max;
            let st = state.clone();
            state
                .db
                .run(move |conn| {
                    signin::sign_in(conn, &policy, &st.seal, attempt, now, |conn, user| {
                        store::create(conn, user.id, now, max)
                    })
                })
                .await?
        }
    };
    match outcome {
        Ok((_, _, secret)) => {
            if let Some(old) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()).filter(|v| !v.is_empty()) {
                let now = state.clock.db_now();
                state.db.run(move |conn| store::end(conn, &old, now)).await?;
            }
            let config = &state.config;
            Ok(HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, next))
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .cookie(session::cookie(config, SESSION_COOKIE, secret))
                .cookie(session::cookie(config, CSRF_COOKIE, new_cookie_secret()))
                .finish())
        }
        Err(e) => {
            let mut errors = Errors::none();
            let otp_wanted = otp.is_some() || e.slug == SECOND_FACTOR_REQUIRED;
            match (e.status.as_u16(), e.slug) {
                (429, _) => {
                    let secs = e.retry_after.unwrap_or(60) as i64;
                    let minutes = (secs + 59) / 60;
                    errors.summary = Some(ui.n("signin-throttled", &minutes));
                }
                (_, SECOND_FACTOR_REQUIRED) => errors.add("otp", ui.t("field-signin-otp")),
                (_, ENROLMENT_REQUIRED) => errors.summary = Some(ui.t("signin-enrolment-required")),
                (403, _) => errors.summary = Some(ui.t("error-suspended-body")),
                (401, _) if otp.is_some() => {
                    errors.add("email", ui.t("signin-wrong-with-otp"));
                }
                (401, _) => {
                    errors.add("email", ui.t("signin-wrong"));
                }
                _ => return Err(e),
            }
            let page = SigninPage { ui, errors, email, next, otp_wanted };
            let status = StatusCode::from_u16(e.status.as_u16()).unwrap_or(StatusCode::UNAUTHORIZED);
            again(&page, status)
        }
    }
}
