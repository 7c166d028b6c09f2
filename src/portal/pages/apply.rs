//! The access-request form of a conditional dataset or corpus: the
//! distributions to request, purpose, scenario, security measures, the
//! duration within the listing's bound, and the terms in full with their
//! version. Submitting calls `grants::requests::create`, the service behind
//! `POST /api/v1/access-requests`, which records acceptance of exactly the
//! version shown. Re-applying from a rejected or withdrawn request opens
//! the same form filled in with it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::account::see_other;
use super::requests::caller_of;
use crate::app::AppState;
use crate::auth::{Caller, EnterpriseUser};
use crate::corpora::Corpus;
use crate::corpora::types::CorpusOut;
use crate::distributions::DistributionId;
use crate::error::{AppError, AppResult};
use crate::grants::requests::{self, NewAccessRequest};
use crate::grants::{PurposeCategory, RequestId, RequestState};
use crate::listings::api;
use crate::listings::datasets::Dataset;
use crate::listings::types::{DatasetOut, ListingOut};
use crate::listings::{ListingKind, ListingStatus, OpenCondition};
use crate::portal::csrf::CsrfForm;
use crate::portal::forms::{Errors, again};
use crate::portal::session::SignedIn;
use crate::portal::ui::Ui;
use crate::portal::view::{Text, label, listing_href, pick};

/// What the person typed, kept across an error.
#[derive(Debug, Clone, Default)]
pub struct ApplyValues {
    pub distribution_ids: Vec<String>,
    pub purpose_category: String,
    pub purpose: String,
    pub scenario: String,
    pub security_measures: String,
    pub duration_days: String,
    pub accept_terms: bool,
    pub previous_request_id: String,
}

pub struct DistChoice {
    pub id: String,
    pub name: String,
    pub format: String,
    pub checked: bool,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "apply.html")]
pub struct ApplyPage {
    pub ui: Ui,
    pub errors: Errors,
    pub action: String,
    pub title: Text,
    pub listing_href: String,
    pub terms_version: i32,
    pub terms_body: String,
    pub terms_sha256: String,
    pub max_days: i32,
    pub dists: Vec<DistChoice>,
    pub purposes: Vec<Choice>,
    pub v: ApplyValues,
    /// Why the form is not offered (not verified, not conditional, no terms).
    pub closed: Option<String>,
}

async fn load(state: &AppState, caller: &Caller, kind: ListingKind, name: String) -> AppResult<ListingOut> {
    Ok(match kind {
        ListingKind::Dataset => {
            let d: DatasetOut = api::detail_cached::<Dataset>(state, Some(caller.clone()), name).await?;
            d.listing
        }
        ListingKind::Corpus => {
            let c: CorpusOut = api::detail_cached::<Corpus>(state, Some(caller.clone()), name).await?;
            c.listing
        }
    })
}

/// A listing as anyone sees it (a grant's files are named on its page).
pub async fn load_public(state: &AppState, kind: ListingKind, name: String) -> AppResult<ListingOut> {
    Ok(match kind {
        ListingKind::Dataset => {
            let d: DatasetOut = api::detail_cached::<Dataset>(state, None, name).await?;
            d.listing
        }
        ListingKind::Corpus => {
            let c: CorpusOut = api::detail_cached::<Corpus>(state, None, name).await?;
            c.listing
        }
    })
}

fn page(ui: Ui, state: &AppState, caller: &Caller, l: &ListingOut, v: ApplyValues, errors: Errors) -> ApplyPage {
    let closed = if !caller.is_enterprise() {
        Some(ui.t("apply-closed-not-enterprise"))
    } else if !caller.is_verified_enterprise() {
        Some(ui.t("apply-closed-not-verified"))
    } else if l.status != ListingStatus::Published || l.open_condition != OpenCondition::Conditional {
        Some(ui.t("apply-closed-not-conditional"))
    } else if l.terms.is_none() {
        Some(ui.t("apply-closed-no-terms"))
    } else {
        None
    };
    let all = v.distribution_ids.is_empty() && !errors.any();
    let dists = l
        .distributions
        .iter()
        .map(|d| DistChoice {
            id: d.id.to_string(),
            name: d.name.clone(),
            format: d.format.clone(),
            checked: all || v.distribution_ids.contains(&d.id.to_string()),
        })
        .collect();
    let purposes = PurposeCategory::ALL
        .iter()
        .map(|p| Choice {
            value: p.as_str().to_string(),
            label: label(&ui, "purpose", p.as_str()),
            checked: v.purpose_category == p.as_str(),
        })
        .collect();
    let terms = l.terms.as_ref();
    ApplyPage {
        errors,
        action: format!("{}/apply", listing_href(l.kind, &l.name)),
        title: pick(ui.lang, &l.title, l.title_en.as_deref()),
        listing_href: listing_href(l.kind, &l.name),
        terms_version: terms.map(|t| t.version).unwrap_or_default(),
        terms_body: terms.map(|t| t.body.clone()).unwrap_or_default(),
        terms_sha256: terms.map(|t| t.sha256.clone()).unwrap_or_default(),
        max_days: requests::max_days(&state.config, l.max_grant_days),
        dists,
        purposes,
        v,
        closed,
        ui: ui.in_section("requests"),
    }
}

fn kind_of(path: &str) -> ListingKind {
    if path.starts_with("/corpora/") { ListingKind::Corpus } else { ListingKind::Dataset }
}

/// `GET /datasets/{name}/apply`, `GET /corpora/{name}/apply`.
pub async fn form(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    ui: Ui,
    me: SignedIn,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    let caller = caller_of(&me)?;
    let l = load(&state, &caller, kind_of(req.path()), name.into_inner()).await?;
    crate::portal::frame::html(&page(ui, &state, &caller, &l, ApplyValues::default(), Errors::none()))
}

/// `GET /requests/{id}/reapply`: the form filled in from a decided request.
pub async fn reapply(
    state: web::Data<AppState>,
    ui: Ui,
    me: SignedIn,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let caller = caller_of(&me)?;
    let id: RequestId = id.parse().map_err(|_| AppError::not_found("access request"))?;
    let prev = requests::get(&state, caller.clone(), id).await?;
    if !matches!(prev.state, RequestState::Rejected | RequestState::Withdrawn) || prev.enterprise_id != caller.org_id()
    {
        return Ok(see_other(&format!("/requests/{id}")).finish());
    }
    let l = load(&state, &caller, kind_by_name(&state, prev.listing_name.clone()).await?, prev.listing_name.clone())
        .await?;
    let v = ApplyValues {
        distribution_ids: prev.distribution_ids.iter().map(|d| d.to_string()).collect(),
        purpose_category: prev.purpose_category.as_str().to_string(),
        purpose: prev.purpose.clone(),
        scenario: prev.scenario.clone(),
        security_measures: prev.security_measures.clone(),
        duration_days: prev.duration_days.to_string(),
        accept_terms: false,
        previous_request_id: prev.id.to_string(),
    };
    crate::portal::frame::html(&page(ui, &state, &caller, &l, v, Errors::none()))
}

/// Whether a listing (by name) is a dataset or a corpus.
pub async fn kind_by_name(state: &AppState, name: String) -> AppResult<ListingKind> {
    state
        .db
        .run(move |conn| crate::listings::model::find_any(conn, &name))
        .await?
        .filter(|l| l.status != ListingStatus::Draft)
        .map(|l| l.kind)
        .ok_or_else(|| AppError::not_found("listing"))
}

/// `GET /listings/{name}`: the dataset's or corpus's page (requests and
/// grants know a listing by name, not by kind).
pub async fn listing(state: web::Data<AppState>, name: web::Path<String>) -> AppResult<HttpResponse> {
    let name = name.into_inner();
    let kind = kind_by_name(&state, name.clone()).await?;
    Ok(see_other(&listing_href(kind, &name)).finish())
}

fn field_of(service_field: &str) -> Option<String> {
    let f = service_field.split('[').next().unwrap_or_default();
    match f {
        "purpose" | "scenario" | "security_measures" | "duration_days" | "distribution_ids" | "purpose_category" => {
            Some(f.to_string())
        }
        _ => None,
    }
}

/// `POST /datasets/{name}/apply`, `POST /corpora/{name}/apply`.
pub async fn submit(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    ui: Ui,
    me: SignedIn,
    name: web::Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let caller = caller_of(&me)?;
    let name = name.into_inner();
    let mut v = ApplyValues::default();
    let mut terms_version = String::new();
    for (k, val) in form.0 {
        match k.as_str() {
            "distribution_ids" => v.distribution_ids.push(val),
            "purpose_category" => v.purpose_category = val,
            "purpose" => v.purpose = val,
            "scenario" => v.scenario = val,
            "security_measures" => v.security_measures = val,
            "duration_days" => v.duration_days = val,
            "accept_terms" => v.accept_terms = val == "yes",
            "previous_request_id" => v.previous_request_id = val,
            "terms_version" => terms_version = val,
            _ => {}
        }
    }
    let l = load(&state, &caller, kind_of(req.path()), name.clone()).await?;
    let mut errors = Errors::none();
    let category = v.purpose_category.parse::<PurposeCategory>().ok();
    if category.is_none() {
        errors.add("purpose_category", ui.t("field-apply-purpose-category"));
    }
    let days = v.duration_days.trim().parse::<i32>().ok();
    if days.is_none() {
        errors.add("duration_days", ui.t("field-apply-duration-days"));
    }
    if v.distribution_ids.is_empty() {
        errors.add("distribution_ids", ui.t("field-apply-distribution-ids"));
    }
    if !v.accept_terms {
        errors.add("accept_terms", ui.t("field-apply-accept-terms"));
    }
    let ids: Vec<DistributionId> = v.distribution_ids.iter().filter_map(|d| d.parse().ok()).collect();
    let previous = Some(v.previous_request_id.trim()).filter(|p| !p.is_empty()).and_then(|p| p.parse().ok());
    let (Some(category), Some(days), false, true) = (category, days, v.distribution_ids.is_empty(), v.accept_terms)
    else {
        return again(&page(ui, &state, &caller, &l, v, errors), StatusCode::UNPROCESSABLE_ENTITY);
    };
    if !caller.is_verified_enterprise() {
        return again(&page(ui, &state, &caller, &l, v, errors), StatusCode::FORBIDDEN);
    }
    let body = NewAccessRequest {
        listing: l.id.to_string(),
        purpose_category: category,
        purpose: v.purpose.clone(),
        scenario: v.scenario.clone(),
        distribution_ids: Some(ids),
        duration_days: days,
        security_measures: v.security_measures.clone(),
        terms_version: terms_version.trim().parse().unwrap_or(-1),
        previous_request_id: previous,
        renews_grant_id: None,
    };
    match requests::create(&state, EnterpriseUser(caller.clone()), body).await {
        Ok(r) => Ok(see_other(&format!("/requests/{}?submitted=1", r.id)).finish()),
        Err(e) if crate::portal::forms::is_refusal(&e) => {
            let status = e.status;
            let existing = e
                .context
                .as_ref()
                .and_then(|c| c.get("existing_request_id"))
                .and_then(|x| x.as_str())
                .map(str::to_string);
            let errors = Errors::from_refusal(&ui, "apply", &e, field_of, |e| {
                if existing.is_some() {
                    ui.t("apply-already-open")
                } else if e.context.as_ref().is_some_and(|c| c.get("current_terms_version").is_some()) {
                    ui.t("apply-terms-changed")
                } else {
                    e.detail.clone().unwrap_or_default()
                }
            });
            v.accept_terms = false;
            again(&page(ui, &state, &caller, &l, v, errors), status)
        }
        Err(e) => Err(e),
    }
}
