//! `GET /api/v1/catalog` (and `.jsonld`, `.ttl`, `.rdf`): the DCAT-AP
//! catalogue of published listings, paged; `GET /api/v1/{datasets|corpora}/{id}/dcat`:
//! one listing as its reader may see it.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::format::{self, RdfKind};
use super::graph::Builder;
use super::load;
use crate::app::AppState;
use crate::auth::MaybeCaller;
use crate::db::types::db_time;
use crate::error::{AppError, AppResult};
use crate::http::Query;
use crate::http::query_limits as limits;
use crate::listings::search::Visibility;
use crate::listings::service::kind_name;
use crate::listings::{ListingKind, model};
use crate::openapi::responses as r;

/// A JSON-LD document as the export writes it: expanded form, a top-level
/// array of node objects (for documentation only).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct JsonLdGraph(Vec<std::collections::BTreeMap<String, serde_json::Value>>);

/// Paging and filtering of the catalogue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CatalogParams {
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Datasets per page, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Only listings modified at or after this time (RFC 3339), for harvesting changes.
    pub modified_since: Option<DateTime<Utc>>,
}

fn respond(kind: RdfKind, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(kind.media_type())
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

fn accept(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

fn base(state: &AppState) -> String {
    state.config.public_url.trim_end_matches('/').to_string()
}

/// The URL of a page of the catalogue in the same form as the request.
fn page_url(base: &str, suffix: &str, page: i64, limit: i64, since: Option<&DateTime<Utc>>) -> String {
    let mut url = format!("{base}/api/v1/catalog{suffix}?page={page}&limit={limit}");
    if let Some(t) = since {
        let t = t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        url.push_str("&modified_since=");
        url.extend(form_urlencoded::byte_serialize(t.as_bytes()));
    }
    url
}

async fn catalogue(state: &AppState, kind: RdfKind, suffix: &'static str, p: CatalogParams) -> AppResult<HttpResponse> {
    let page = p.page.unwrap_or(1);
    if page < 1 {
        return Err(AppError::invalid("page", "must be at least 1"));
    }
    let limit = p.limit.unwrap_or(100);
    if limit < 1 {
        return Err(AppError::invalid("limit", "must be between 1 and 1000"));
    }
    limits::DCAT_PAGE_SIZE.check(limit)?;
    limits::OFFSET.on("page").check((page - 1).saturating_mul(limit))?;
    let base = base(state);
    let since = p.modified_since;
    let body = state
        .lane
        .read(&state.db, move |conn| {
            let offset = (page - 1).saturating_mul(limit);
            let (items, total) = load::catalogue_page(conn, since.map(db_time), offset, limit)?;
            let modified = load::last_modified(conn)?;
            let mut b = Builder::new(&base);
            let datasets: Vec<_> = items.iter().map(|d| b.dataset(d)).collect();
            b.catalogue(&datasets, modified);
            let last = ((total + limit - 1) / limit).max(1);
            let url = |n: i64| page_url(&base, suffix, n, limit, since.as_ref());
            let prev = (page > 1).then(|| url((page - 1).min(last)));
            let next = (page < last).then(|| url(page + 1));
            b.page_view(&url(page), &url(1), &url(last), prev.as_deref(), next.as_deref(), total);
            format::serialise(&b.into_graph(), kind)
        })
        .await?;
    Ok(respond(kind, body))
}

/// The DCAT-AP 3 catalogue of both catalogues' published listings.
///
/// JSON-LD, Turtle or RDF/XML by `Accept` (JSON-LD by default); paged with a
/// Hydra `PartialCollectionView` (`first`, `last`, `next`, `previous`,
/// `totalItems`); `modified_since` returns only what changed.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "get_catalog",
    params(CatalogParams),
    responses(
        (status = 200, description = "The catalogue page as RDF",
            content((JsonLdGraph = "application/ld+json"), (String = "text/turtle"), (String = "application/rdf+xml"))),
        (status = 406, response = r::NotAcceptable),
        (status = 422, response = r::QueryRefused),
        (status = 503, response = r::QueryUnavailable),
    )
)]
#[get("/catalog")]
pub async fn get_catalog(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: Query<CatalogParams>,
) -> AppResult<HttpResponse> {
    let kind = format::negotiate(accept(&req))?;
    catalogue(&state, kind, "", params.into_inner()).await
}

/// The DCAT-AP 3 catalogue in the serialisation the extension names
/// (`jsonld`, `ttl`, `rdf`), whatever `Accept` says.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "get_catalog_as",
    params(("format" = String, Path, description = "`jsonld`, `ttl` or `rdf`"), CatalogParams),
    responses(
        (status = 200, description = "The catalogue page as RDF",
            content((JsonLdGraph = "application/ld+json"), (String = "text/turtle"), (String = "application/rdf+xml"))),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::QueryRefused),
        (status = 503, response = r::QueryUnavailable),
    )
)]
#[get("/catalog.{format}")]
pub async fn get_catalog_as(
    state: web::Data<AppState>,
    format: web::Path<String>,
    params: Query<CatalogParams>,
) -> AppResult<HttpResponse> {
    let (kind, suffix) = match format.as_str() {
        "jsonld" => (RdfKind::JsonLd, ".jsonld"),
        "ttl" => (RdfKind::Turtle, ".ttl"),
        "rdf" => (RdfKind::RdfXml, ".rdf"),
        _ => return Err(AppError::not_found_detail("the catalogue is offered as .jsonld, .ttl and .rdf")),
    };
    catalogue(&state, kind, suffix, params.into_inner()).await
}

/// One listing's DCAT-AP description, as the caller may read it.
async fn listing(
    state: &AppState,
    req: &HttpRequest,
    caller: MaybeCaller,
    kind: ListingKind,
    key: String,
) -> AppResult<HttpResponse> {
    let rdf = format::negotiate(accept(req))?;
    let visibility = Visibility::of(caller.0.as_ref());
    let base = base(state);
    let body = state
        .db
        .run(move |conn| {
            let l = model::find(conn, kind, &key)?
                .filter(|l| visibility.sees(l.status, l.bureau_id))
                .ok_or_else(|| AppError::not_found(kind_name(kind)))?;
            let data = load::with_related(conn, vec![l])?;
            let mut b = Builder::new(&base);
            for d in &data {
                b.dataset(d);
            }
            format::serialise(&b.into_graph(), rdf)
        })
        .await?;
    Ok(respond(rdf, body))
}

/// The dataset as DCAT-AP 3 (JSON-LD, Turtle or RDF/XML by `Accept`).
#[utoipa::path(
    tag = "datasets",
    operation_id = "get_dataset_dcat",
    params(("id" = String, Path, description = "The dataset's id or name")),
    responses(
        (status = 200, description = "The dataset as RDF",
            content((JsonLdGraph = "application/ld+json"), (String = "text/turtle"), (String = "application/rdf+xml"))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 406, response = r::NotAcceptable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/datasets/{id}/dcat")]
pub async fn get_dataset_dcat(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeCaller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    listing(&state, &req, caller, ListingKind::Dataset, id.into_inner()).await
}

/// The corpus as DCAT-AP 3 (JSON-LD, Turtle or RDF/XML by `Accept`).
#[utoipa::path(
    tag = "corpora",
    operation_id = "get_corpus_dcat",
    params(("id" = String, Path, description = "The corpus's id or name")),
    responses(
        (status = 200, description = "The corpus as RDF",
            content((JsonLdGraph = "application/ld+json"), (String = "text/turtle"), (String = "application/rdf+xml"))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 406, response = r::NotAcceptable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/corpora/{id}/dcat")]
pub async fn get_corpus_dcat(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeCaller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    listing(&state, &req, caller, ListingKind::Corpus, id.into_inner()).await
}
