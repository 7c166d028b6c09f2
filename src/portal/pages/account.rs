//! The person's own side of the portal: the language switch (a form that
//! works without script and is remembered in a cookie), the signed-in
//! person's account page, and signing out.

use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::local_path;
use crate::app::AppState;
use crate::db::types::utc;
use crate::error::{AppError, AppResult};
use crate::portal::csrf::CsrfForm;
use crate::portal::frame::html;
use crate::portal::i18n::{LANG_COOKIE, Lang};
use crate::portal::session::{self, SESSION_COOKIE, SignedIn, store};
use crate::portal::ui::Ui;
use crate::portal::view::{When, when};

/// The language switch's form.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    pub lang: String,
    pub next: Option<String>,
}

/// A redirect after a form (never cached).
pub fn see_other(to: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::SeeOther();
    r.insert_header((header::LOCATION, to.to_string())).insert_header((header::CACHE_CONTROL, "no-store"));
    r
}

/// `POST /language`: remember the choice for a year and go back.
pub async fn set_language(state: web::Data<AppState>, form: CsrfForm<LanguageForm>) -> AppResult<HttpResponse> {
    let form = form.0;
    let lang = Lang::from_code(&form.lang).ok_or_else(|| AppError::invalid("lang", "must be zh or en"))?;
    let mut cookie: Cookie<'static> = session::cookie(&state.config, LANG_COOKIE, lang.code().to_string());
    cookie.set_max_age(CookieDuration::days(365));
    Ok(see_other(&local_path(form.next.as_deref())).cookie(cookie).finish())
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub ui: Ui,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub role: String,
    pub signed_in: When,
    pub ends: When,
    /// For an enterprise: its verification status, and the reason when rejected.
    pub org_status: Option<String>,
    pub org_status_code: String,
    pub org_status_reason: Option<String>,
}

/// `GET /account`: who is signed in, and until when.
pub async fn account(state: web::Data<AppState>, ui: Ui, me: SignedIn) -> AppResult<HttpResponse> {
    let s = &me.session;
    let idle_end =
        utc(s.row.last_seen_at) + chrono::Duration::seconds(state.config.portal.session_idle.as_secs() as i64);
    let ends = idle_end.min(utc(s.row.expires_at));
    let org = match ui.lang {
        Lang::En => s.org.name_en.clone().unwrap_or_else(|| s.org.name.clone()),
        Lang::Zh => s.org.name.clone(),
    };
    html(&AccountPage {
        name: me.name(),
        email: s.user.email.clone(),
        organisation: org,
        role: crate::portal::view::label(&ui, "role", s.user.role.as_str()),
        signed_in: when(&ui, &utc(s.row.created_at)),
        ends: when(&ui, &ends),
        org_status: (s.org.kind == crate::orgs::OrgKind::Enterprise)
            .then(|| crate::portal::view::label(&ui, "org-status", s.org.status.as_str())),
        org_status_code: s.org.status.as_str().to_string(),
        org_status_reason: s.org.status_reason.clone().filter(|_| s.org.status == crate::orgs::OrgStatus::Rejected),
        ui: ui.in_section("account"),
    })
}

/// The sign-out form carries nothing but its token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /signout`: end the session here and for every instance.
pub async fn sign_out(state: web::Data<AppState>, req: HttpRequest, _form: CsrfForm<Empty>) -> AppResult<HttpResponse> {
    if let Some(secret) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) {
        let now = state.clock.db_now();
        state.db.run(move |conn| store::end(conn, &secret, now)).await?;
    }
    Ok(see_other("/").cookie(session::removal(&state.config, SESSION_COOKIE)).finish())
}
