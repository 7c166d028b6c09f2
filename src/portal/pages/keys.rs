//! API keys for scripts and pipelines: create one (its secret is shown once,
//! on the answer to the form, with a copy button), list, revoke. Every step
//! is `auth::apikeys`' service, the one behind `/api/v1/api-keys`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

use super::account::{Empty, see_other};
use super::requests::caller_of;
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::apikeys::{self, ApiKey, ApiKeyId, ListApiKeysParams, NewApiKey};
use crate::error::{AppError, AppResult};
use crate::http::Query;
use crate::portal::csrf::CsrfForm;
use crate::portal::forms::{Errors, again};
use crate::portal::session::SignedIn;
use crate::portal::ui::Ui;
use crate::portal::view::{When, day, when};

pub struct KeyView {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created: When,
    pub expires: Option<When>,
    pub last_used: Option<When>,
}

fn key_view(ui: &Ui, k: &ApiKey) -> KeyView {
    KeyView {
        id: k.id.to_string(),
        name: k.name.clone(),
        prefix: k.prefix.clone(),
        created: when(ui, &k.created_at),
        expires: k.expires_at.as_ref().map(|t| day(ui, t)),
        last_used: k.last_used_at.as_ref().map(|t| when(ui, t)),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct KeyForm {
    pub name: String,
    pub expires_on: String,
}

#[derive(Template)]
#[template(path = "keys.html")]
pub struct KeysPage {
    pub ui: Ui,
    pub keys: Vec<KeyView>,
    pub errors: Errors,
    pub v: KeyForm,
    /// The secret of the key just created: shown this once.
    pub created: Option<(String, String)>,
    pub revoked: bool,
}

async fn keys_page(
    state: &AppState,
    ui: Ui,
    caller: &Caller,
    errors: Errors,
    v: KeyForm,
    created: Option<(String, String)>,
    revoked: bool,
) -> AppResult<KeysPage> {
    let params = ListApiKeysParams { limit: Some(100), cursor: None, include_revoked: Some(false) };
    let page = apikeys::list(state, caller, params).await?;
    let keys = page.items.iter().map(|k| key_view(&ui, k)).collect();
    Ok(KeysPage { keys, errors, v, created, revoked, ui: ui.in_section("keys") })
}

#[derive(Debug, Deserialize)]
pub struct KeysQuery {
    pub revoked: Option<String>,
}

/// `GET /keys`.
pub async fn list(state: web::Data<AppState>, ui: Ui, me: SignedIn, q: Query<KeysQuery>) -> AppResult<HttpResponse> {
    let caller = caller_of(&me)?;
    let page = keys_page(&state, ui, &caller, Errors::none(), KeyForm::default(), None, q.revoked.is_some()).await?;
    again(&page, StatusCode::OK)
}

/// `POST /keys`: the answer shows the secret once and is never cached.
pub async fn create(
    state: web::Data<AppState>,
    ui: Ui,
    me: SignedIn,
    form: CsrfForm<KeyForm>,
) -> AppResult<HttpResponse> {
    let caller = caller_of(&me)?;
    let v = form.0;
    let mut errors = Errors::none();
    let expires_at = match v.expires_on.trim() {
        "" => None,
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            // The end of that day in Asia/Shanghai.
            Ok(d) => Some(d.and_time(NaiveTime::MIN).and_utc() + chrono::Duration::hours(24 - 8)),
            Err(_) => {
                errors.add("expires_on", ui.t("field-key-expires-on"));
                None
            }
        },
    };
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        match apikeys::create(&state, &caller, NewApiKey { name: v.name.clone(), expires_at }).await {
            Ok(k) => {
                let page = keys_page(
                    &state,
                    ui,
                    &caller,
                    Errors::none(),
                    KeyForm::default(),
                    Some((k.key.name, k.secret)),
                    false,
                )
                .await?;
                return again(&page, StatusCode::CREATED);
            }
            Err(e) if crate::portal::forms::is_refusal(&e) => {
                let rename = |f: &str| match f {
                    "name" => Some("name".to_string()),
                    "expires_at" => Some("expires_on".to_string()),
                    _ => None,
                };
                errors = Errors::from_refusal(&ui, "key", &e, rename, |e| match e.slug {
                    "api-key-not-allowed" => ui.t("keys-not-allowed"),
                    "organisation-not-verified" => ui.t("apply-closed-not-verified"),
                    _ => e.detail.clone().unwrap_or_default(),
                });
                e.status
            }
            Err(e) => return Err(e),
        }
    };
    let page = keys_page(&state, ui, &caller, errors, v, None, false).await?;
    again(&page, status)
}

/// `POST /keys/{id}/revoke`.
pub async fn revoke(
    state: web::Data<AppState>,
    me: SignedIn,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    let caller = caller_of(&me)?;
    let id: ApiKeyId = id.parse().map_err(|_| AppError::not_found("API key"))?;
    apikeys::revoke(&state, &caller, id).await?;
    Ok(see_other("/keys?revoked=1").finish())
}
