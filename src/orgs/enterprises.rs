//! Enterprise self-registration and the platform's decisions on it.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::confusable;
use super::types::{
    Contact, ContactIn, NewUser, Reason, UserOut, contact_of, parse_email, parse_org_name, parse_phone,
};
use super::uscc::Uscc;
use super::{OrgId, OrgKind, OrgStatus, Organisation, Role, User, UserId, model};
use crate::app::AppState;
use crate::audit::{self, Actor};
use crate::auth::{Admin, Caller, password};
use crate::db::types::utc;
use crate::error::{AppError, AppResult, Validator};
use crate::http::paging::{Page, PageParams};
use crate::http::{Json, Query, RequestId};
use crate::openapi::responses as r;

/// Registration of an AI enterprise.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterEnterprise {
    /// Legal name in Chinese.
    #[schema(example = "上海智算未来科技有限公司")]
    pub name: String,
    #[schema(example = "Shanghai Zhisuan Future Technology Co., Ltd.")]
    pub name_en: Option<String>,
    /// Unified social credit code (GB 32100-2015), 18 characters.
    #[schema(example = "91350100M000100Y43")]
    pub uscc: String,
    pub contact: ContactIn,
    /// The first user, who becomes the enterprise's owner.
    pub owner: NewUser,
}

/// An enterprise account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Enterprise {
    pub id: OrgId,
    pub name: String,
    pub name_en: Option<String>,
    pub uscc: String,
    /// False when the code's check character is wrong: the code is accepted
    /// (some early codes fail the check) but needs manual review.
    pub uscc_check_passed: bool,
    pub needs_manual_review: bool,
    pub contact: Contact,
    pub status: OrgStatus,
    pub status_reason: Option<String>,
    pub status_changed_by: Option<UserId>,
    pub status_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Organisation> for Enterprise {
    fn from(o: &Organisation) -> Self {
        Enterprise {
            id: o.id,
            name: o.name.clone(),
            name_en: o.name_en.clone(),
            uscc: o.code.clone().unwrap_or_default(),
            uscc_check_passed: !o.code_check_failed,
            needs_manual_review: o.code_check_failed && o.status == OrgStatus::Pending,
            contact: contact_of(o),
            status: o.status,
            status_reason: o.status_reason.clone(),
            status_changed_by: o.status_changed_by,
            status_changed_at: o.status_changed_at.map(utc),
            created_at: utc(o.created_at),
            updated_at: utc(o.updated_at),
        }
    }
}

/// A new registration: the enterprise and its owner.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Registration {
    pub enterprise: Enterprise,
    pub owner: UserOut,
}

crate::page_schema!(EnterprisePage, Enterprise);

/// Validates a new user's fields (shared by registration and member creation).
pub fn parse_new_user(v: &mut Validator, prefix: &str, u: &NewUser) -> (String, Option<String>) {
    let email = parse_email(v, &format!("{prefix}email"), &u.email);
    let display_name = v.opt_text(&format!("{prefix}display_name"), u.display_name.as_deref(), 100);
    if let Err(e) = password::check_strength(&format!("{prefix}password"), &u.password, &[&email]) {
        v.add(e.field, e.message);
    }
    (email, display_name)
}

/// Register an AI enterprise (no account needed).
///
/// The enterprise starts `pending`; a platform administrator verifies it. A
/// well-shaped code whose check character is wrong is accepted and flagged for
/// manual review.
///
/// A credit code already registered, an owner email already in use and a
/// name that looks like a registered enterprise's all get one and the same
/// 409, which says nothing about the other organisation; every path does the
/// same password hashing first, so the answers take the same time. At most
/// `DATAGATE_REGISTER_RATE` registrations an hour come from one client
/// address (429 with `Retry-After`).
#[utoipa::path(
    tag = "enterprises",
    operation_id = "create_enterprise",
    request_body = RegisterEnterprise,
    responses(
        (status = 201, description = "Registered, pending verification", body = Registration,
            headers(("Location" = String, description = "The enterprise's URL"))),
        (status = 400, response = r::BadRequest),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 429, response = r::TooManyRequests),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/enterprises")]
pub async fn create_enterprise(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    request_id: RequestId,
    body: Json<RegisterEnterprise>,
) -> AppResult<HttpResponse> {
    let client = state.limits.client_key(&req);
    let (org, owner) = register(&state, &client, request_id.0, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/enterprises/{}", org.id)))
        .json(Registration { enterprise: Enterprise::from(&org), owner: UserOut::from(&owner) }))
}

/// The service behind `POST /enterprises` and the portal's registration
/// form: the client's hourly allowance, every field's checks, the password
/// hashing, the one answer for any clash, and the audit entry.
pub async fn register(
    state: &AppState,
    client: &str,
    request_id: String,
    body: RegisterEnterprise,
) -> AppResult<(Organisation, User)> {
    state.limits.register.check(client)?;
    let mut v = Validator::new();
    let name = parse_org_name(&mut v, "name", &body.name, 200);
    if let Some(en) = body.name_en.as_deref() {
        confusable::refuse_hidden(&mut v, "name_en", en);
    }
    let name_en = v.opt_text("name_en", body.name_en.as_deref(), 200);
    let uscc = v.parse("uscc", Uscc::parse(&body.uscc));
    let contact_name = v.text("contact.name", &body.contact.name, 100);
    let contact_phone = parse_phone(&mut v, "contact.phone", &body.contact.phone);
    let contact_email = parse_email(&mut v, "contact.email", &body.contact.email);
    let (owner_email, owner_name) = parse_new_user(&mut v, "owner.", &body.owner);
    v.finish()?;
    let Some(uscc) = uscc else { return Err(AppError::internal("validated uscc missing")) };

    let password_hash = web::block(move || password::hash(&body.owner.password))
        .await
        .map_err(|e| AppError::internal(e.to_string()))??;
    let now = state.clock.db_now();
    let org = Organisation {
        id: OrgId::new(),
        kind: OrgKind::Enterprise,
        name,
        name_en,
        code: Some(uscc.as_str().to_string()),
        code_check_failed: !uscc.check_ok(),
        contact_name: Some(contact_name),
        contact_phone: Some(contact_phone),
        contact_email: Some(contact_email),
        status: OrgStatus::Pending,
        status_reason: None,
        status_changed_by: None,
        status_changed_at: None,
        created_at: now,
        updated_at: now,
    };
    let owner = User {
        id: UserId::new(),
        organisation_id: org.id,
        email: owner_email,
        display_name: owner_name,
        password_hash,
        role: Role::Owner,
        created_at: now,
        updated_at: now,
        removed_at: None,
    };
    state
        .db
        .write(move |conn| {
            // One answer for every clash, checked in full each time, so that
            // neither the body nor the work done tells which one it was.
            let code_taken =
                model::find_org_by_code(conn, OrgKind::Enterprise, org.code.as_deref().unwrap_or_default())?.is_some();
            let name_taken = model::org_name_lookalike_taken(conn, OrgKind::Enterprise, &org.name, org.name_en.as_deref(), None)?;
            let email_taken = model::email_taken(conn, &owner.email)?;
            if code_taken || name_taken || email_taken {
                return Err(registration_refused());
            }
            model::insert_org(conn, &org)?;
            model::insert_user(conn, &owner)?;
            let actor = Actor {
                user_id: Some(owner.id.to_string()),
                org_id: Some(org.id.to_string()),
                request_id: Some(request_id),
            };
            audit::record(conn, &actor, now, "enterprise.register", "organisation", &org.id.to_string(),
                json!({"name": org.name, "uscc": org.code, "uscc_check_passed": !org.code_check_failed, "owner": owner.email}))?;
            Ok((org, owner))
        })
        .await
}

/// The single answer to a registration that clashes with an existing
/// account, whichever field clashed.
fn registration_refused() -> AppError {
    AppError::conflict(
        "this registration cannot be accepted: its unified social credit code, its name or its owner's email \
         is already registered or looks like one that is; if the enterprise is yours, contact the platform operator",
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListEnterprisesParams {
    /// Only enterprises in this state.
    pub status: Option<OrgStatus>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List enterprises: administrators see all; an enterprise user sees its own.
#[utoipa::path(
    tag = "enterprises",
    operation_id = "list_enterprises",
    params(ListEnterprisesParams),
    responses(
        (status = 200, description = "A page of enterprises, newest first", body = EnterprisePage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/enterprises")]
pub async fn list_enterprises(
    state: web::Data<AppState>,
    caller: Caller,
    params: Query<ListEnterprisesParams>,
) -> AppResult<web::Json<Page<Enterprise>>> {
    let only = if caller.is_admin() {
        None
    } else if caller.is_enterprise() {
        Some(caller.org_id())
    } else {
        return Err(AppError::forbidden("only administrators and enterprise users may list enterprises"));
    };
    let params = params.into_inner();
    let paging = PageParams { limit: params.limit, cursor: params.cursor };
    let limit = paging.limit()?;
    let after: Option<OrgId> = paging.after()?;
    let status = params.status;
    let (rows, total) =
        state.db.run(move |conn| model::list_orgs(conn, OrgKind::Enterprise, status, only, after, limit)).await?;
    Ok(web::Json(Page::from_rows(rows, limit, total, |o| o.id).map(|o| Enterprise::from(&o))))
}

/// Loads an enterprise the caller may see; anything else is "not found", so
/// that ids of other enterprises reveal nothing.
async fn visible_enterprise(state: &AppState, caller: &Caller, id: OrgId) -> AppResult<Organisation> {
    if !caller.is_admin() && caller.org_id() != id {
        return Err(AppError::not_found("enterprise"));
    }
    state
        .db
        .run(move |conn| model::find_org_of_kind(conn, id, OrgKind::Enterprise))
        .await?
        .ok_or_else(|| AppError::not_found("enterprise"))
}

/// Get an enterprise.
#[utoipa::path(
    tag = "enterprises",
    operation_id = "get_enterprise",
    params(("id" = OrgId, Path, description = "The enterprise's id")),
    responses(
        (status = 200, description = "The enterprise", body = Enterprise),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/enterprises/{id}")]
pub async fn get_enterprise(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrgId>,
) -> AppResult<web::Json<Enterprise>> {
    let org = visible_enterprise(&state, &caller, id.into_inner()).await?;
    Ok(web::Json(Enterprise::from(&org)))
}

/// A decision an administrator takes on an enterprise.
#[derive(Debug, Clone, Copy)]
enum Decision {
    Verify,
    Reject,
    Suspend,
    Reinstate,
}

impl Decision {
    fn transition(self) -> (&'static [OrgStatus], OrgStatus, &'static str) {
        match self {
            Decision::Verify => (&[OrgStatus::Pending, OrgStatus::Rejected], OrgStatus::Verified, "enterprise.verify"),
            Decision::Reject => (&[OrgStatus::Pending], OrgStatus::Rejected, "enterprise.reject"),
            Decision::Suspend => (&[OrgStatus::Verified], OrgStatus::Suspended, "enterprise.suspend"),
            Decision::Reinstate => (&[OrgStatus::Suspended], OrgStatus::Verified, "enterprise.reinstate"),
        }
    }
}

async fn decide(state: &AppState, admin: &Admin, id: OrgId, body: Reason, decision: Decision) -> AppResult<Enterprise> {
    let mut v = Validator::new();
    let reason = v.text("reason", &body.reason, 2000);
    v.finish()?;
    let (from, to, action) = decision.transition();
    let now = state.clock.db_now();
    let actor = admin.actor();
    let by = admin.user_id();
    let org = state
        .db
        .write(move |conn| {
            let org = model::find_org_of_kind(conn, id, OrgKind::Enterprise)?
                .ok_or_else(|| AppError::not_found("enterprise"))?;
            if !model::change_status(conn, id, from, to, &reason, by, now)? {
                let allowed: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
                return Err(AppError::conflict(format!(
                    "the enterprise is {}; this decision applies only to an enterprise that is {}",
                    org.status,
                    allowed.join(" or ")
                ))
                .with_context(json!({"status": org.status})));
            }
            audit::record(
                conn,
                &actor,
                now,
                action,
                "organisation",
                &id.to_string(),
                json!({"from": org.status, "to": to, "reason": reason}),
            )?;
            model::find_org(conn, id)?.ok_or_else(|| AppError::not_found("enterprise"))
        })
        .await?;
    Ok(Enterprise::from(&org))
}

#[rustfmt::skip]
macro_rules! decision_endpoint {
    ($fn:ident, $path:literal, $op:literal, $decision:expr, $summary:literal, $ok:literal) => {
        #[doc = $summary]
        #[utoipa::path(
            tag = "enterprises",
            operation_id = $op,
            params(("id" = OrgId, Path, description = "The enterprise's id")),
            request_body = Reason,
            responses(
                (status = 200, description = $ok, body = Enterprise),
                (status = 400, response = r::BadRequest),
                (status = 401, response = r::Unauthorized),
                (status = 403, response = r::Forbidden),
                (status = 404, response = r::NotFound),
                (status = 409, response = r::Conflict),
                (status = 415, response = r::UnsupportedMediaType),
                (status = 422, response = r::Unprocessable),
                (status = 503, response = r::Unavailable),
            ),
            security(("bearer" = []), ("api_key" = []))
        )]
        #[post($path)]
        pub async fn $fn(
            state: web::Data<AppState>,
            admin: Admin,
            id: web::Path<OrgId>,
            body: Json<Reason>,
        ) -> AppResult<web::Json<Enterprise>> {
            decide(&state, &admin, id.into_inner(), body.into_inner(), $decision).await.map(web::Json)
        }
    };
}

decision_endpoint!(
    verify_enterprise,
    "/enterprises/{id}/verify",
    "verify_enterprise",
    Decision::Verify,
    "Verify an enterprise (pending or rejected → verified). Administrators only.",
    "Verified"
);
decision_endpoint!(
    reject_enterprise,
    "/enterprises/{id}/reject",
    "reject_enterprise",
    Decision::Reject,
    "Reject a pending enterprise. Administrators only.",
    "Rejected"
);
decision_endpoint!(
    suspend_enterprise,
    "/enterprises/{id}/suspend",
    "suspend_enterprise",
    Decision::Suspend,
    "Suspend a verified enterprise: its tokens and API keys stop working at once. Administrators only.",
    "Suspended"
);
decision_endpoint!(
    reinstate_enterprise,
    "/enterprises/{id}/reinstate",
    "reinstate_enterprise",
    Decision::Reinstate,
    "Reinstate a suspended enterprise. Administrators only.",
    "Reinstated"
);
