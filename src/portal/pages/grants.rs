//! "My grants": each grant's validity, conditions and distributions, a
//! download button per file, the usage reports due and a form to file one,
//! and the grant's access log. A download asks `grants::tokens::issue` for a
//! data token (its rate limit, access log and audit entry) and streams the
//! file through `distributions::download::serve_granted`, the API's own
//! download path, which writes the download to the access log.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::account::see_other;
use super::requests::{ListQuery, enterprise_caller};
use crate::app::AppState;
use crate::auth::{Caller, EnterpriseUser};
use crate::distributions::DistributionId;
use crate::distributions::download::serve_granted;
use crate::error::{AppError, AppResult};
use crate::grants::access_log::{self, AccessLogParams};
use crate::grants::grants_api::{self, ListGrantsParams};
use crate::grants::tokens::{self, DATA_AUDIENCE, DataClaims, client_addr};
use crate::grants::usage::{self, NewUsageReport};
use crate::grants::{Grant, GrantId, GrantState};
use crate::http::Query;
use crate::http::paging::PageParams;
use crate::listings::types::ListingOut;
use crate::portal::csrf::CsrfForm;
use crate::portal::forms::{Errors, again, typed};
use crate::portal::frame::html;
use crate::portal::session::SignedIn;
use crate::portal::ui::Ui;
use crate::portal::view::{When, day, label, when};

pub struct GrantView {
    pub id: String,
    pub href: String,
    pub listing_title: String,
    pub listing_href: String,
    pub state: String,
    pub state_label: String,
    pub valid_from: When,
    pub valid_until: When,
    pub conditions: Option<String>,
    pub purpose: String,
    pub terms_version: i32,
    pub next_report_due: When,
    pub report_overdue: bool,
    pub suspension_reason: Option<String>,
    pub revoke_reason: Option<String>,
    pub active: bool,
}

fn grant_view(ui: &Ui, g: &Grant) -> GrantView {
    let name: String = form_urlencoded::byte_serialize(g.listing_name.as_bytes()).collect();
    GrantView {
        id: g.id.to_string(),
        href: format!("/grants/{}", g.id),
        listing_title: g.listing_title.clone(),
        listing_href: format!("/listings/{name}"),
        state: g.state.as_str().to_string(),
        state_label: label(ui, "grant-state", g.state.as_str()),
        valid_from: when(ui, &g.valid_from),
        valid_until: when(ui, &g.valid_until),
        conditions: g.conditions.clone(),
        purpose: g.purpose.clone(),
        terms_version: g.terms_version,
        next_report_due: day(ui, &g.next_report_due),
        report_overdue: g.report_overdue,
        suspension_reason: g.suspension_reason.clone(),
        revoke_reason: g.revoke_reason.clone(),
        active: g.state == GrantState::Active && g.suspension_reason.is_none(),
    }
}

fn enterprise(me: &SignedIn) -> AppResult<Caller> {
    enterprise_caller(me, "only enterprises hold grants")
}

#[derive(Template)]
#[template(path = "grants.html")]
pub struct GrantsPage {
    pub ui: Ui,
    pub items: Vec<GrantView>,
    pub total: i64,
    pub next_href: Option<String>,
}

/// `GET /grants`.
pub async fn list(state: web::Data<AppState>, ui: Ui, me: SignedIn, q: Query<ListQuery>) -> AppResult<HttpResponse> {
    let caller = enterprise(&me)?;
    let params = ListGrantsParams {
        state: None,
        listing: None,
        enterprise: None,
        report_overdue: None,
        limit: Some(20),
        cursor: super::given(&q.cursor),
    };
    let page = grants_api::list(&state, &caller, params).await?;
    let items = page.items.iter().map(|g| grant_view(&ui, g)).collect();
    let next_href = page.next_cursor.map(|c| super::url("/grants", &[("cursor", c)]));
    html(&GrantsPage { ui: ui.in_section("grants"), items, total: page.total, next_href })
}

pub struct FileRow {
    pub id: String,
    pub name: String,
    pub format: String,
    pub size: Option<String>,
    pub sha256: Option<String>,
    pub hosted: bool,
    pub access_url: Option<String>,
}

pub struct ReportRow {
    pub period: String,
    pub submitted: When,
    pub usage: String,
}

pub struct LogRow {
    pub at: When,
    pub event: String,
    pub file: String,
    pub bytes: String,
}

/// What the usage-report form carries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub period_start: String,
    pub period_end: String,
    pub usage: String,
    pub models: String,
    pub outcome: String,
    pub incident: String,
}

#[derive(Template)]
#[template(path = "grant.html")]
pub struct GrantPage {
    pub ui: Ui,
    pub g: GrantView,
    pub files: Vec<FileRow>,
    pub reports: Vec<ReportRow>,
    pub log: Vec<LogRow>,
    pub log_total: i64,
    pub errors: Errors,
    pub v: ReportForm,
    pub reported: bool,
}

async fn grant_page(
    state: &AppState,
    ui: Ui,
    caller: Caller,
    id: GrantId,
    errors: Errors,
    v: ReportForm,
    reported: bool,
) -> AppResult<GrantPage> {
    let g = grants_api::get(state, caller.clone(), id).await?;
    let kind = super::apply::kind_by_name(state, g.listing_name.clone()).await?;
    let l: ListingOut = super::apply::load_public(state, kind, g.listing_name.clone()).await?;
    let files = l
        .distributions
        .iter()
        .filter(|d| g.distribution_ids.contains(&d.id))
        .map(|d| FileRow {
            id: d.id.to_string(),
            name: d.name.clone(),
            format: d.format.clone(),
            size: d.byte_size.map(|n| ui.tr.bytes(n)),
            sha256: d.sha256.clone(),
            hosted: d.download_url.is_some(),
            access_url: d.access_url.clone(),
        })
        .collect::<Vec<_>>();
    let reports = usage::list(state, caller.clone(), id, PageParams { limit: Some(20), cursor: None })
        .await?
        .items
        .into_iter()
        .map(|r| ReportRow {
            period: format!("{} – {}", ui.tr.day(&r.period_start), ui.tr.day(&r.period_end)),
            submitted: when(&ui, &crate::db::types::utc(r.submitted_at)),
            usage: r.usage,
        })
        .collect();
    let params = AccessLogParams {
        grant: Some(id),
        listing: None,
        event: None,
        since: None,
        until: None,
        limit: Some(20),
        cursor: None,
    };
    let log_page = access_log::list(state, &caller, params).await?;
    let log = log_page
        .items
        .iter()
        .map(|e| LogRow {
            at: when(&ui, &e.at),
            event: label(&ui, "log-event", &e.event),
            file: e
                .distribution_id
                .as_ref()
                .and_then(|d| files.iter().find(|f| &f.id == d).map(|f| f.name.clone()))
                .unwrap_or_default(),
            bytes: e.bytes.map(|n| ui.tr.bytes(n)).unwrap_or_default(),
        })
        .collect();
    Ok(GrantPage {
        g: grant_view(&ui, &g),
        files,
        reports,
        log,
        log_total: log_page.total,
        errors,
        v,
        reported,
        ui: ui.in_section("grants"),
    })
}

fn parse_id(id: &str) -> AppResult<GrantId> {
    id.parse().map_err(|_| AppError::not_found("grant"))
}

#[derive(Debug, Deserialize)]
pub struct GrantQuery {
    pub reported: Option<String>,
}

/// `GET /grants/{id}`.
pub async fn detail(
    state: web::Data<AppState>,
    ui: Ui,
    me: SignedIn,
    id: web::Path<String>,
    q: Query<GrantQuery>,
) -> AppResult<HttpResponse> {
    let caller = enterprise(&me)?;
    let page =
        grant_page(&state, ui, caller, parse_id(&id)?, Errors::none(), ReportForm::default(), q.reported.is_some())
            .await?;
    html(&page)
}

#[derive(Debug, Deserialize)]
pub struct DownloadForm {
    pub distribution: String,
}

/// `POST /grants/{id}/download`: a data token for the grant, then the file.
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: SignedIn,
    id: web::Path<String>,
    form: CsrfForm<DownloadForm>,
) -> AppResult<HttpResponse> {
    let caller = enterprise(&me)?;
    let id = parse_id(&id)?;
    let dist: DistributionId =
        form.0.distribution.parse().map_err(|_| AppError::invalid("distribution", "is not a distribution id"))?;
    let token = tokens::issue(&state, EnterpriseUser(caller), id, client_addr(&req)).await?;
    let claims: DataClaims = state.signer.verify(&token.access_token, DATA_AUDIENCE, state.clock.now())?;
    serve_granted(&state, &req, dist, claims, false).await
}

/// `POST /grants/{id}/usage-reports`.
pub async fn report(
    state: web::Data<AppState>,
    ui: Ui,
    me: SignedIn,
    id: web::Path<String>,
    form: CsrfForm<ReportForm>,
) -> AppResult<HttpResponse> {
    let caller = enterprise(&me)?;
    let id = parse_id(&id)?;
    let v = form.0;
    let mut errors = Errors::none();
    let start = NaiveDate::parse_from_str(v.period_start.trim(), "%Y-%m-%d").ok();
    let end = NaiveDate::parse_from_str(v.period_end.trim(), "%Y-%m-%d").ok();
    if start.is_none() {
        errors.add("period_start", ui.t("field-report-period-start"));
    }
    if end.is_none() {
        errors.add("period_end", ui.t("field-report-period-end"));
    }
    let outcome = match (start, end) {
        (Some(period_start), Some(period_end)) => {
            let body = NewUsageReport {
                period_start,
                period_end,
                usage: v.usage.clone(),
                models: typed(&v.models),
                outcome: v.outcome.clone(),
                incident: typed(&v.incident),
            };
            if !caller.is_verified_enterprise() {
                return Err(AppError::forbidden_as("organisation-not-verified", "your enterprise is not verified"));
            }
            Some(usage::file(&state, EnterpriseUser(caller.clone()), id, body).await)
        }
        _ => None,
    };
    let status = match outcome {
        Some(Ok(_)) => return Ok(see_other(&format!("/grants/{id}?reported=1#reports-heading")).finish()),
        Some(Err(e)) if crate::portal::forms::is_refusal(&e) => {
            errors = Errors::from_refusal(
                &ui,
                "report",
                &e,
                |f| Some(f.to_string()),
                |e| e.detail.clone().unwrap_or_default(),
            );
            e.status
        }
        Some(Err(e)) => return Err(e),
        None => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let page = grant_page(&state, ui, caller, id, errors, v, false).await?;
    again(&page, status)
}
