//! `GET/POST /register`: a new enterprise and its first user, through
//! `orgs::enterprises::register`, the service behind `POST
//! /api/v1/enterprises`. A code whose check character is wrong is pointed
//! out at its field first; the person may confirm it, and the service then
//! accepts it for manual review as the API does.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::AppResult;
use crate::orgs::enterprises::{self, RegisterEnterprise};
use crate::orgs::types::{ContactIn, NewUser};
use crate::orgs::uscc::Uscc;
use crate::portal::csrf::CsrfForm;
use crate::portal::forms::{Errors, again, typed};
use crate::portal::frame::html;
use crate::portal::ui::{Ui, req_id};

/// What the form carries; every value but the password is sent back on an error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    pub name: String,
    pub name_en: String,
    pub uscc: String,
    /// "yes" when the person confirms a code whose check character is wrong.
    pub uscc_confirmed: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub owner_email: String,
    pub owner_display_name: String,
    pub owner_password: String,
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub ui: Ui,
    pub errors: Errors,
    pub v: RegisterForm,
    /// The code's check character is wrong: offer to confirm it.
    pub ask_confirm: bool,
}

#[derive(Template)]
#[template(path = "registered.html")]
pub struct RegisteredPage {
    pub ui: Ui,
}

/// `GET /register`.
pub async fn form(ui: Ui) -> AppResult<HttpResponse> {
    html(&RegisterPage {
        ui: ui.in_section("register"),
        errors: Errors::none(),
        v: RegisterForm::default(),
        ask_confirm: false,
    })
}

/// The form field a service field error belongs to.
fn field_of(service_field: &str) -> Option<String> {
    let f = match service_field {
        "name" | "name_en" | "uscc" => service_field,
        "contact.name" => "contact_name",
        "contact.phone" => "contact_phone",
        "contact.email" => "contact_email",
        "owner.email" => "owner_email",
        "owner.display_name" => "owner_display_name",
        "owner.password" => "owner_password",
        _ => return None,
    };
    Some(f.to_string())
}

/// `POST /register`.
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    ui: Ui,
    form: CsrfForm<RegisterForm>,
) -> AppResult<HttpResponse> {
    let mut v = form.0;
    let ui = ui.in_section("register");
    let confirmed = v.uscc_confirmed.as_deref() == Some("yes");
    let check_wrong = Uscc::parse(&v.uscc).is_ok_and(|u| !u.check_ok());
    let body = RegisterEnterprise {
        name: v.name.clone(),
        name_en: typed(&v.name_en),
        uscc: v.uscc.clone(),
        contact: ContactIn {
            name: v.contact_name.clone(),
            phone: v.contact_phone.clone(),
            email: v.contact_email.clone(),
        },
        owner: NewUser {
            email: v.owner_email.clone(),
            password: v.owner_password.clone(),
            display_name: typed(&v.owner_display_name),
        },
    };
    let outcome = if check_wrong && !confirmed {
        None
    } else {
        let client = state.limits.client_key(&req);
        Some(enterprises::register(&state, &client, req_id(&req), body).await)
    };
    let mut errors = match outcome {
        Some(Ok(_)) => {
            return Ok(HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, "/register/done"))
                .finish());
        }
        Some(Err(e)) if crate::portal::forms::is_refusal(&e) => {
            let status = e.status;
            let errors = Errors::from_refusal(&ui, "register", &e, field_of, |e| match e.status.as_u16() {
                409 => ui.t("register-conflict"),
                429 => ui.t("register-throttled"),
                _ => e.detail.clone().unwrap_or_default(),
            });
            (errors, status)
        }
        Some(Err(e)) => return Err(e),
        None => (Errors::none(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    if check_wrong && !confirmed {
        errors.0.add("uscc", ui.t("field-register-uscc-check"));
    }
    v.owner_password.clear();
    v.uscc_confirmed = None;
    let (errors, status) = errors;
    again(&RegisterPage { ui, errors, v, ask_confirm: check_wrong }, status)
}

/// `GET /register/done`: what happens next.
pub async fn done(ui: Ui) -> AppResult<HttpResponse> {
    html(&RegisteredPage { ui: ui.in_section("register") })
}
