//! "My requests": the enterprise's access requests (state, review deadline,
//! the bureau's opinion once given, the decision and its reason), one
//! request's page, withdrawing a submitted one. Every read and change goes
//! through the services behind `/api/v1/access-requests`.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::account::{Empty, see_other};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::grants::requests::{self, ListRequestsParams};
use crate::grants::{AccessRequest, RequestId, RequestState, decisions};
use crate::http::Query;
use crate::portal::csrf::CsrfForm;
use crate::portal::frame::html;
use crate::portal::session::SignedIn;
use crate::portal::ui::Ui;
use crate::portal::view::{When, label, when};

/// A request as the pages show it.
pub struct RequestView {
    pub id: String,
    pub href: String,
    pub listing_title: String,
    pub listing_href: String,
    pub state: String,
    pub state_label: String,
    pub submitted: When,
    pub deadline: When,
    pub overdue: bool,
    pub purpose_category: String,
    pub purpose: String,
    pub scenario: String,
    pub security_measures: String,
    pub duration_days: i32,
    pub terms_version: i32,
    pub terms_sha256: String,
    pub opinion: Option<String>,
    pub opinion_comment: Option<String>,
    pub opinion_at: Option<When>,
    pub decided_at: Option<When>,
    pub decision_reason: Option<String>,
    pub grant_href: Option<String>,
    pub may_withdraw: bool,
    pub may_reapply: bool,
}

pub fn request_view(ui: &Ui, r: &AccessRequest) -> RequestView {
    RequestView {
        id: r.id.to_string(),
        href: format!("/requests/{}", r.id),
        listing_title: r.listing_title.clone(),
        listing_href: format!(
            "/listings/{}",
            form_urlencoded::byte_serialize(r.listing_name.as_bytes()).collect::<String>()
        ),
        state: r.state.as_str().to_string(),
        state_label: label(ui, "request-state", r.state.as_str()),
        submitted: when(ui, &r.submitted_at),
        deadline: when(ui, &r.review_deadline),
        overdue: r.overdue,
        purpose_category: label(ui, "purpose", r.purpose_category.as_str()),
        purpose: r.purpose.clone(),
        scenario: r.scenario.clone(),
        security_measures: r.security_measures.clone(),
        duration_days: r.duration_days,
        terms_version: r.terms_version,
        terms_sha256: r.terms_sha256.clone(),
        opinion: r.opinion.map(|o| label(ui, "opinion", o.as_str())),
        opinion_comment: r.opinion_comment.clone(),
        opinion_at: r.opinion_at.as_ref().map(|t| when(ui, t)),
        decided_at: r.decided_at.as_ref().map(|t| when(ui, t)),
        decision_reason: r.decision_reason.clone(),
        grant_href: r.grant_id.map(|g| format!("/grants/{g}")),
        may_withdraw: r.state == RequestState::Submitted,
        may_reapply: matches!(r.state, RequestState::Rejected | RequestState::Withdrawn),
    }
}

/// The person as services know callers; a suspended organisation never
/// gets here (`SignedIn` refuses it).
pub fn caller_of(me: &SignedIn) -> AppResult<Caller> {
    me.caller().ok_or_else(|| AppError::forbidden_as("organisation-suspended", "your organisation is suspended"))
}

/// The signed-in person as a caller of an enterprise; `why` says what only
/// enterprises do.
pub fn enterprise_caller(me: &SignedIn, why: &'static str) -> AppResult<Caller> {
    let caller = caller_of(me)?;
    if !caller.is_enterprise() {
        return Err(AppError::forbidden(why));
    }
    Ok(caller)
}

#[derive(Template)]
#[template(path = "requests.html")]
pub struct RequestsPage {
    pub ui: Ui,
    pub items: Vec<RequestView>,
    pub total: i64,
    pub next_href: Option<String>,
}

/// A list page's query: the cursor of the page to show.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub cursor: Option<String>,
}

/// `GET /requests`.
pub async fn list(state: web::Data<AppState>, ui: Ui, me: SignedIn, q: Query<ListQuery>) -> AppResult<HttpResponse> {
    let caller = enterprise_caller(&me, "only enterprises apply for data")?;
    let params = ListRequestsParams {
        state: None,
        listing: None,
        enterprise: None,
        overdue: None,
        limit: Some(20),
        cursor: super::given(&q.cursor),
    };
    let page = requests::list(&state, &caller, params).await?;
    let items = page.items.iter().map(|r| request_view(&ui, r)).collect();
    let next_href = page.next_cursor.map(|c| super::url("/requests", &[("cursor", c)]));
    html(&RequestsPage { ui: ui.in_section("requests"), items, total: page.total, next_href })
}

#[derive(Template)]
#[template(path = "request.html")]
pub struct RequestPage {
    pub ui: Ui,
    pub r: RequestView,
    /// Shown right after submitting: what happens next and by when.
    pub confirmation: bool,
}

#[derive(Debug, Deserialize)]
pub struct RequestQuery {
    pub submitted: Option<String>,
}

fn parse_id(id: &str) -> AppResult<RequestId> {
    id.parse().map_err(|_| AppError::not_found("access request"))
}

/// `GET /requests/{id}`.
pub async fn detail(
    state: web::Data<AppState>,
    ui: Ui,
    me: SignedIn,
    id: web::Path<String>,
    q: Query<RequestQuery>,
) -> AppResult<HttpResponse> {
    let caller = caller_of(&me)?;
    let r = requests::get(&state, caller, parse_id(&id)?).await?;
    let confirmation = q.submitted.is_some() && r.state == RequestState::Submitted;
    html(&RequestPage { r: request_view(&ui, &r), confirmation, ui: ui.in_section("requests") })
}

/// `POST /requests/{id}/withdraw`.
pub async fn withdraw(
    state: web::Data<AppState>,
    me: SignedIn,
    id: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    let caller = caller_of(&me)?;
    let id = parse_id(&id)?;
    decisions::withdraw(&state, caller, id).await?;
    Ok(see_other(&format!("/requests/{id}")).finish())
}
