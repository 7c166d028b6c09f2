//! The corpus catalogue: `/api/v1/corpora`, thin wrappers over the shared
//! listing handlers, plus the Croissant and schema.org exports.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::Corpus;
use super::CorpusInput;
use super::schema_org::{self, Export};
use super::syntax::{bcp47, primary_language};
use super::types::CorpusOut;
use super::vocab::{AnnotationType, Modality};
use crate::app::AppState;
use crate::auth::{Caller, Curator, MaybeCaller};
use crate::distributions::{Distribution, api as dist_api};
use crate::error::{AppError, AppResult};
use crate::http::paging::{Page, PageParams};
use crate::http::{Json, Query};
use crate::listings::api::{self, CommonFilters};
use crate::listings::search::{COMMON_FACETS, FacetDim, Search, SortOrder};
use crate::listings::types::{ListingPage, Revision, RevisionPage};
use crate::listings::{ListingKind, ListingStatus, OpenCondition, UpdateFrequency};
use crate::openapi::responses as r;
use crate::orgs::OrgId;
use crate::orgs::types::Reason;

/// Create a draft corpus. Bureau publishers (for their bureau) and administrators.
///
/// Field rules are checked at once (422 names each field): split counts add
/// up to `sample_count`, BCP 47 language tags, a unit on every measured
/// quantity, known EPSG codes, a well-formed map review number, sources that
/// exist in the open list.
#[utoipa::path(
    tag = "corpora",
    operation_id = "create_corpus",
    request_body = CorpusInput,
    responses(
        (status = 201, description = "The draft, with its ETag", body = CorpusOut,
            headers(("ETag" = String, description = "Send it back as If-Match to change the corpus"),
                    ("Location" = String, description = "The corpus's URL"))),
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
#[post("/corpora")]
pub async fn create_corpus(
    state: web::Data<AppState>,
    caller: Curator,
    body: Json<CorpusInput>,
) -> AppResult<HttpResponse> {
    api::create::<Corpus>(&state, caller, body.into_inner()).await
}

/// Filters, sort and paging of the corpus catalogue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CorpusListParams {
    /// Full-text query in Chinese and/or English (title, summary, keywords,
    /// labels, data items, datasheet).
    pub q: Option<String>,
    pub modality: Option<Modality>,
    pub annotation_type: Option<AnnotationType>,
    /// A BCP 47 tag; matches corpora with the same primary language (`zh`
    /// and `zh-CN` both match a `zh-Hans-CN` corpus).
    pub language: Option<String>,
    /// Only corpora with at least this many samples.
    #[param(minimum = 0)]
    pub min_sample_count: Option<i64>,
    /// A domain code.
    pub domain: Option<String>,
    pub open_condition: Option<OpenCondition>,
    /// A bureau's id.
    pub bureau: Option<OrgId>,
    /// A distribution format, e.g. `CSV`.
    pub format: Option<String>,
    pub update_frequency: Option<UpdateFrequency>,
    /// An exact keyword.
    pub keyword: Option<String>,
    /// A licence identifier.
    pub licence: Option<String>,
    /// Only corpora modified at or after this time (RFC 3339).
    pub modified_since: Option<DateTime<Utc>>,
    /// Only in this state (drafts only for their bureau's publishers and administrators).
    pub status: Option<ListingStatus>,
    /// `relevance` (default with `q`), `modified` (default otherwise), `title`.
    pub sort: Option<SortOrder>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl CorpusListParams {
    /// The search, order and paging these parameters describe for a caller
    /// (the list endpoint and the portal's corpus search share it).
    pub fn into_search(self, caller: Option<&Caller>) -> AppResult<(Search, SortOrder, PageParams)> {
        let p = self;
        let f = CommonFilters {
            q: p.q,
            domain: p.domain,
            open_condition: p.open_condition,
            bureau: p.bureau,
            format: p.format,
            update_frequency: p.update_frequency,
            keyword: p.keyword,
            licence: p.licence,
            modified_since: p.modified_since,
            status: p.status,
            sort: p.sort,
            limit: p.limit,
            cursor: p.cursor,
        };
        let mut s = f.search(ListingKind::Corpus, caller)?;
        if let Some(m) = p.modality {
            s.facet_filters.push(("modality".into(), m.as_str().into()));
        }
        if let Some(t) = p.annotation_type {
            s.facet_filters.push(("annotation_type".into(), t.as_str().into()));
        }
        if let Some(tag) = &p.language {
            let tag =
                bcp47(tag).ok_or_else(|| AppError::invalid("language", "must be a BCP 47 tag, e.g. zh or zh-CN"))?;
            s.facet_filters.push(("language".into(), primary_language(&tag)));
        }
        if let Some(n) = p.min_sample_count {
            if n < 0 {
                return Err(AppError::invalid("min_sample_count", "must not be negative"));
            }
            s.min_record_count = Some(n);
        }
        let order = f.order(s.tokens.is_some());
        let paging = PageParams { limit: f.limit, cursor: f.cursor.clone() };
        Ok((s, order, paging))
    }
}

/// The facets of the corpus catalogue.
pub fn corpus_facets() -> Vec<FacetDim> {
    let mut dims = COMMON_FACETS.to_vec();
    dims.extend([
        FacetDim::Values { name: "modality" },
        FacetDim::Values { name: "annotation_type" },
        FacetDim::Values { name: "language" },
        FacetDim::Values { name: "licence" },
    ]);
    dims
}

/// Search and list the corpus catalogue, with facet counts.
///
/// Anonymous callers see published and withdrawn corpora; a bureau's
/// publishers also see its drafts; administrators see everything.
#[utoipa::path(
    tag = "corpora",
    operation_id = "list_corpora",
    params(CorpusListParams),
    responses(
        (status = 200, description = "A page of corpora with facets (modality, annotation type, language, \
            open condition, bureau, licence, domain, format)", body = ListingPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::QueryRefused),
        (status = 503, response = r::QueryUnavailable),
    )
)]
#[get("/corpora")]
pub async fn list_corpora(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeCaller,
    params: Query<CorpusListParams>,
) -> AppResult<HttpResponse> {
    let (s, order, paging) = params.into_inner().into_search(caller.0.as_ref())?;
    api::list(&state, &req, s, order, paging, corpus_facets()).await
}

/// Get a corpus by id or name: metadata, splits, labels, datasheet, modality
/// details, lineage, distributions and terms.
#[utoipa::path(
    tag = "corpora",
    operation_id = "get_corpus",
    params(("id" = String, Path, description = "The corpus's id or name")),
    responses(
        (status = 200, description = "The corpus", body = CorpusOut,
            headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/corpora/{id}")]
pub async fn get_corpus(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeCaller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    api::detail_response::<Corpus>(&state, &req, caller.0, id.into_inner()).await
}

/// Change a corpus with a JSON merge patch (RFC 7396) of its input form.
///
/// Requires `If-Match` with the current ETag; a stale one is 412. Every
/// change is kept as a revision. To change the modality, send the new
/// modality's section and `null` for the old one.
#[utoipa::path(
    tag = "corpora",
    operation_id = "update_corpus",
    params(
        ("id" = String, Path, description = "The corpus's id or name"),
        ("If-Match" = String, Header, description = "The ETag you last read"),
    ),
    request_body(content = Object,
        description = "A JSON merge patch of the corpus's input form (fields as in CorpusInput)",
        content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed corpus", body = CorpusOut, headers(("ETag" = String))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/corpora/{id}")]
pub async fn update_corpus(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Curator,
    id: web::Path<String>,
    body: Json<serde_json::Value>,
) -> AppResult<HttpResponse> {
    api::update::<Corpus>(&state, &req, caller, id.into_inner(), body.into_inner()).await
}

/// Publish a draft corpus, once it is complete.
///
/// Besides what every listing needs (summary, a distribution, described data
/// items, a licence, terms for conditional data): `sample_count`, the
/// datasheet's collection method, personal-information and limitations
/// sections, the modality's metadata (a map product's review number 审图号
/// among it), sources that are not drafts, and no source more restricted
/// than the corpus unless `lineage_justification` says why. A 422 lists
/// everything missing.
#[utoipa::path(
    tag = "corpora",
    operation_id = "publish_corpus",
    params(("id" = String, Path, description = "The corpus's id or name")),
    responses(
        (status = 200, description = "Published", body = CorpusOut),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/corpora/{id}/publish")]
pub async fn publish_corpus(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    api::publish::<Corpus>(&state, caller, id.into_inner()).await
}

/// Withdraw a published corpus, with a reason. It stays readable as withdrawn.
#[utoipa::path(
    tag = "corpora",
    operation_id = "withdraw_corpus",
    params(("id" = String, Path, description = "The corpus's id or name")),
    request_body = Reason,
    responses(
        (status = 200, description = "Withdrawn", body = CorpusOut),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/corpora/{id}/withdraw")]
pub async fn withdraw_corpus(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<String>,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    api::withdraw::<Corpus>(&state, caller, id.into_inner(), body.into_inner()).await
}

/// The revisions of a corpus: who changed what, when, old and new values.
#[utoipa::path(
    tag = "corpora",
    operation_id = "list_corpus_revisions",
    params(("id" = String, Path, description = "The corpus's id or name"), PageParams),
    responses(
        (status = 200, description = "Revisions, newest first", body = RevisionPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/corpora/{id}/revisions")]
pub async fn list_corpus_revisions(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<String>,
    paging: Query<PageParams>,
) -> AppResult<web::Json<Page<Revision>>> {
    Ok(web::Json(api::revisions(&state, caller, ListingKind::Corpus, id.into_inner(), paging.into_inner()).await?))
}

/// Add a distribution to a corpus: a hosted file (upload it next with
/// `PUT /distributions/{id}/file`) or an external access URL.
#[utoipa::path(
    tag = "corpora",
    operation_id = "create_corpus_distribution",
    params(("id" = String, Path, description = "The corpus's id or name")),
    request_body = dist_api::NewDistribution,
    responses(
        (status = 201, description = "Created", body = Distribution),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/corpora/{id}/distributions")]
pub async fn create_corpus_distribution(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<String>,
    body: Json<dist_api::NewDistribution>,
) -> AppResult<HttpResponse> {
    dist_api::create(&state, caller, ListingKind::Corpus, id.into_inner(), body.into_inner()).await
}

/// The corpus as MLCommons Croissant 1.1 JSON-LD (`application/ld+json`).
///
/// Loadable by `mlcroissant`. Hosted files appear as `cr:FileObject`s with
/// SHA-256 and size only where anyone may download them; a conditional
/// corpus states its access conditions and how to apply instead. Splits and
/// the label schema are record sets; the datasheet fills the RAI fields.
#[utoipa::path(
    tag = "corpora",
    operation_id = "get_corpus_croissant",
    params(("id" = String, Path, description = "The corpus's id or name")),
    responses(
        (status = 200, description = "Croissant JSON-LD", content_type = "application/ld+json", body = Object),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/corpora/{id}/croissant")]
pub async fn get_corpus_croissant(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    schema_org::respond(&state, caller.0, ListingKind::Corpus, id.into_inner(), Export::Croissant).await
}

/// The corpus as schema.org `Dataset` JSON-LD, for search engines.
#[utoipa::path(
    tag = "corpora",
    operation_id = "get_corpus_schema_org",
    params(("id" = String, Path, description = "The corpus's id or name")),
    responses(
        (status = 200, description = "schema.org JSON-LD", content_type = "application/ld+json", body = Object),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/corpora/{id}/schema-org")]
pub async fn get_corpus_schema_org(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    schema_org::respond(&state, caller.0, ListingKind::Corpus, id.into_inner(), Export::SchemaOrg).await
}
