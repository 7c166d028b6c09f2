//! The domain vocabulary (education 教育, healthcare 医疗卫生, …): seeded by
//! the migration; administrators add entries.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit;
use crate::auth::Admin;
use crate::db::DbConn;
use crate::db::schema::domains;
use crate::db::types::utc;
use crate::error::{AppError, AppResult, Validator};
use crate::http::Json;
use crate::openapi::responses as r;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = domains)]
pub struct DomainRow {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    pub eu_theme: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A field of public data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Domain {
    #[schema(example = "education")]
    pub code: String,
    #[schema(example = "教育")]
    pub label_zh: String,
    #[schema(example = "Education")]
    pub label_en: String,
    /// The EU data theme it maps to (DCAT-AP), e.g. `EDUC`.
    pub eu_theme: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<DomainRow> for Domain {
    fn from(r: DomainRow) -> Self {
        Domain {
            code: r.code,
            label_zh: r.label_zh,
            label_en: r.label_en,
            eu_theme: r.eu_theme,
            created_at: utc(r.created_at),
        }
    }
}

/// The whole vocabulary (it is small, so it is not paged).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DomainList {
    pub items: Vec<Domain>,
    pub total: i64,
}

/// A new domain.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDomain {
    /// Lower-case letters, digits and underscores.
    #[schema(example = "sport")]
    pub code: String,
    #[schema(example = "体育")]
    pub label_zh: String,
    #[schema(example = "Sport")]
    pub label_en: String,
    /// One of the EU data themes: AGRI ECON EDUC ENER ENVI GOVE HEAL INTR JUST REGI SOCI TECH TRAN.
    pub eu_theme: Option<String>,
}

const EU_THEMES: &[&str] = &[
    "AGRI",
    "ECON",
    "EDUC",
    "ENER",
    "ENVI",
    "GOVE",
    "HEAL",
    "INTR",
    "JUST",
    "REGI",
    "SOCI",
    "TECH",
    "TRAN",
    "OP_DATPRO",
];

pub fn exists(conn: &mut DbConn, code: &str) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(domains::table.find(code))).get_result(conn)?)
}

pub fn all(conn: &mut DbConn) -> AppResult<Vec<DomainRow>> {
    Ok(domains::table.order(domains::code).select(DomainRow::as_select()).load(conn)?)
}

/// List the domains.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "list_domains",
    responses(
        (status = 200, description = "Every domain, by code", body = DomainList),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/domains")]
pub async fn list_domains(state: web::Data<AppState>) -> AppResult<web::Json<DomainList>> {
    let rows = state.db.run(all).await?;
    let items: Vec<Domain> = rows.into_iter().map(Domain::from).collect();
    Ok(web::Json(DomainList { total: items.len() as i64, items }))
}

/// Add a domain. Administrators only.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "create_domain",
    request_body = NewDomain,
    responses(
        (status = 201, description = "Created", body = Domain),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/domains")]
pub async fn create_domain(state: web::Data<AppState>, admin: Admin, body: Json<NewDomain>) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let mut v = Validator::new();
    let code = body.code.trim().to_string();
    v.check(
        (2..=40).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "code",
        "must be 2–40 lower-case letters, digits and underscores",
    );
    let label_zh = v.text("label_zh", &body.label_zh, 50);
    let label_en = v.text("label_en", &body.label_en, 100);
    let eu_theme = body.eu_theme.map(|t| t.trim().to_uppercase());
    if let Some(t) = &eu_theme {
        v.check(EU_THEMES.contains(&t.as_str()), "eu_theme", format!("must be one of {}", EU_THEMES.join(", ")));
    }
    v.finish()?;
    let row = DomainRow { code, label_zh, label_en, eu_theme, created_at: state.clock.db_now() };
    let actor = admin.actor();
    let row = state
        .db
        .write(move |conn| {
            if exists(conn, &row.code)? {
                return Err(AppError::conflict("a domain with this code exists").with_context(json!({"field": "code"})));
            }
            diesel::insert_into(domains::table).values(&row).execute(conn)?;
            super::cache::mark_changed(conn)?;
            audit::record(
                conn,
                &actor,
                row.created_at,
                "domain.create",
                "domain",
                &row.code,
                json!({"label_zh": row.label_zh, "label_en": row.label_en}),
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(Domain::from(row)))
}
