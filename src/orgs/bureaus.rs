//! Bureaus: the government departments that own data. The list is public;
//! administrators create them.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::types::{Contact, ContactIn, contact_of, parse_email, parse_org_name, parse_phone};
use super::{OrgId, OrgKind, OrgStatus, Organisation, model};
use crate::app::AppState;
use crate::audit;
use crate::auth::Admin;
use crate::db::types::utc;
use crate::error::{AppError, AppResult, Validator};
use crate::http::paging::{Page, PageParams};
use crate::http::{Json, Query};
use crate::openapi::responses as r;

/// A new bureau.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBureau {
    #[schema(example = "上海市教育委员会")]
    pub name: String,
    #[schema(example = "Shanghai Municipal Education Commission")]
    pub name_en: Option<String>,
    /// A short unique code: lower-case letters, digits and dashes.
    #[schema(example = "sh-edu")]
    pub code: String,
    pub contact: Option<ContactIn>,
}

/// A bureau.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Bureau {
    pub id: OrgId,
    pub name: String,
    pub name_en: Option<String>,
    pub code: String,
    pub contact: Contact,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Organisation> for Bureau {
    fn from(o: &Organisation) -> Self {
        Bureau {
            id: o.id,
            name: o.name.clone(),
            name_en: o.name_en.clone(),
            code: o.code.clone().unwrap_or_default(),
            contact: contact_of(o),
            created_at: utc(o.created_at),
            updated_at: utc(o.updated_at),
        }
    }
}

crate::page_schema!(BureauPage, Bureau);

/// A code of 2–40 lower-case letters, digits and inner dashes.
pub fn is_code(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Create a bureau. Administrators only.
#[utoipa::path(
    tag = "bureaus",
    operation_id = "create_bureau",
    request_body = NewBureau,
    responses(
        (status = 201, description = "Created", body = Bureau,
            headers(("Location" = String, description = "The bureau's URL"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/bureaus")]
pub async fn create_bureau(state: web::Data<AppState>, admin: Admin, body: Json<NewBureau>) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let mut v = Validator::new();
    let name = parse_org_name(&mut v, "name", &body.name, 200);
    if let Some(en) = body.name_en.as_deref() {
        super::confusable::refuse_hidden(&mut v, "name_en", en);
    }
    let name_en = v.opt_text("name_en", body.name_en.as_deref(), 200);
    let code = body.code.trim().to_string();
    v.check(is_code(&code), "code", "must be 2–40 lower-case letters, digits and inner dashes");
    let contact = body.contact.map(|c| {
        let name = v.text("contact.name", &c.name, 100);
        let phone = parse_phone(&mut v, "contact.phone", &c.phone);
        let email = parse_email(&mut v, "contact.email", &c.email);
        (name, phone, email)
    });
    v.finish()?;
    let now = state.clock.db_now();
    let (contact_name, contact_phone, contact_email) = match contact {
        Some((n, p, e)) => (Some(n), Some(p), Some(e)),
        None => (None, None, None),
    };
    let org = Organisation {
        id: OrgId::new(),
        kind: OrgKind::Bureau,
        name,
        name_en,
        code: Some(code),
        code_check_failed: false,
        contact_name,
        contact_phone,
        contact_email,
        status: OrgStatus::Active,
        status_reason: None,
        status_changed_by: None,
        status_changed_at: None,
        created_at: now,
        updated_at: now,
    };
    let actor = admin.actor();
    let org = state
        .db
        .write(move |conn| {
            if model::find_org_by_code(conn, OrgKind::Bureau, org.code.as_deref().unwrap_or_default())?.is_some() {
                return Err(
                    AppError::conflict("a bureau with this code already exists").with_context(json!({"field": "code"}))
                );
            }
            if model::org_name_lookalike_taken(conn, OrgKind::Bureau, &org.name, org.name_en.as_deref(), None)? {
                return Err(AppError::conflict("a bureau with this name, or one that looks like it, already exists")
                    .with_context(json!({"field": "name"})));
            }
            model::insert_org(conn, &org)?;
            // Bureaus are the catalogue's publishers (CKAN organisations, DCAT
            // publishers): the catalogue's validators must change with them.
            crate::listings::cache::mark_changed(conn)?;
            audit::record(
                conn,
                &actor,
                now,
                "bureau.create",
                "organisation",
                &org.id.to_string(),
                json!({"name": org.name, "code": org.code}),
            )?;
            Ok(org)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/bureaus/{}", org.id)))
        .json(Bureau::from(&org)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListBureausParams {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List bureaus (public).
#[utoipa::path(
    tag = "bureaus",
    operation_id = "list_bureaus",
    params(ListBureausParams),
    responses(
        (status = 200, description = "A page of bureaus, newest first", body = BureauPage),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/bureaus")]
pub async fn list_bureaus(
    state: web::Data<AppState>,
    params: Query<ListBureausParams>,
) -> AppResult<web::Json<Page<Bureau>>> {
    let params = params.into_inner();
    let paging = PageParams { limit: params.limit, cursor: params.cursor };
    let limit = paging.limit()?;
    let after: Option<OrgId> = paging.after()?;
    let (rows, total) =
        state.db.run(move |conn| model::list_orgs(conn, OrgKind::Bureau, None, None, after, limit)).await?;
    Ok(web::Json(Page::from_rows(rows, limit, total, |o| o.id).map(|o| Bureau::from(&o))))
}

/// Get a bureau (public).
#[utoipa::path(
    tag = "bureaus",
    operation_id = "get_bureau",
    params(("id" = OrgId, Path, description = "The bureau's id")),
    responses(
        (status = 200, description = "The bureau", body = Bureau),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/bureaus/{id}")]
pub async fn get_bureau(state: web::Data<AppState>, id: web::Path<OrgId>) -> AppResult<web::Json<Bureau>> {
    let id = id.into_inner();
    let org = state
        .db
        .run(move |conn| model::find_org_of_kind(conn, id, OrgKind::Bureau))
        .await?
        .ok_or_else(|| AppError::not_found("bureau"))?;
    Ok(web::Json(Bureau::from(&org)))
}
