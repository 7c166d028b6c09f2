//! The open list of public data: `/api/v1/datasets`.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::api::{self, CommonFilters};
use super::input::CommonInput;
use super::search::SortOrder;
use super::search::Visibility;
use super::service::ListingSpec;
use super::types::{DatasetOut, ListingOut, ListingPage, RevisionPage};
use super::{Listing, ListingKind, ListingStatus, OpenCondition, UpdateFrequency};
use crate::app::AppState;
use crate::auth::{Caller, Curator, MaybeCaller};
use crate::corpora::schema_org::{self, Export};
use crate::db::DbConn;
use crate::distributions::{Distribution, api as dist_api};
use crate::error::{AppResult, Validator};
use crate::http::paging::{Page, PageParams};
use crate::http::{Json, Query};
use crate::openapi::responses as r;
use crate::orgs::OrgId;
use crate::orgs::types::Reason;

crate::listing_input!(
    /// A dataset of the open list, as a publisher submits it.
    DatasetInput {}
);

/// The open list's kind of listing.
pub struct Dataset;

impl ListingSpec for Dataset {
    const KIND: ListingKind = ListingKind::Dataset;
    type Input = DatasetInput;
    type Output = DatasetOut;

    fn common(input: &DatasetInput) -> CommonInput {
        input.common()
    }

    fn check(
        _: &mut DbConn,
        _: &Caller,
        _: &DatasetInput,
        _: &super::input::CleanInput,
        _: &mut Validator,
    ) -> AppResult<()> {
        Ok(())
    }

    fn present(conn: &mut DbConn, l: &Listing, base: ListingOut, visibility: Visibility) -> AppResult<DatasetOut> {
        let derived_corpora = crate::corpora::model::derived_from_dataset(conn, l.id, visibility)?;
        Ok(DatasetOut { listing: base, derived_corpora })
    }

    fn save(_: &mut DbConn, _: &Listing, _: &DatasetInput) -> AppResult<()> {
        Ok(())
    }

    fn input_of(_: &mut DbConn, _: &Listing, common: CommonInput) -> AppResult<DatasetInput> {
        Ok(DatasetInput::from_parts(common))
    }
}

/// Create a draft dataset. Bureau publishers (for their bureau) and administrators.
#[utoipa::path(
    tag = "datasets",
    operation_id = "create_dataset",
    request_body = DatasetInput,
    responses(
        (status = 201, description = "The draft, with its ETag", body = DatasetOut,
            headers(("ETag" = String, description = "Send it back as If-Match to change the dataset"),
                    ("Location" = String, description = "The dataset's URL"))),
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
#[post("/datasets")]
pub async fn create_dataset(
    state: web::Data<AppState>,
    caller: Curator,
    body: Json<DatasetInput>,
) -> AppResult<HttpResponse> {
    api::create::<Dataset>(&state, caller, body.into_inner()).await
}

/// Filters, sort and paging of the open list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DatasetListParams {
    /// Full-text query in Chinese and/or English (title, summary, keywords, data items).
    pub q: Option<String>,
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
    /// Only datasets modified at or after this time (RFC 3339).
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

impl From<DatasetListParams> for CommonFilters {
    fn from(p: DatasetListParams) -> Self {
        CommonFilters {
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
        }
    }
}

/// Search and list the open list, with facet counts.
///
/// Anonymous callers see published and withdrawn datasets; a bureau's
/// publishers also see its drafts; administrators see everything.
#[utoipa::path(
    tag = "datasets",
    operation_id = "list_datasets",
    params(DatasetListParams),
    responses(
        (status = 200, description = "A page of datasets with facets (domain, open condition, bureau, format)", body = ListingPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 422, response = r::QueryRefused),
        (status = 503, response = r::QueryUnavailable),
    )
)]
#[get("/datasets")]
pub async fn list_datasets(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeCaller,
    params: Query<DatasetListParams>,
) -> AppResult<HttpResponse> {
    let f: CommonFilters = params.into_inner().into();
    let s = f.search(ListingKind::Dataset, caller.0.as_ref())?;
    let order = f.order(s.tokens.is_some());
    let paging = PageParams { limit: f.limit, cursor: f.cursor.clone() };
    api::list(&state, &req, s, order, paging, api::dataset_facets()).await
}

/// Get a dataset by id or name, with its distributions and terms.
#[utoipa::path(
    tag = "datasets",
    operation_id = "get_dataset",
    params(("id" = String, Path, description = "The dataset's id or name")),
    responses(
        (status = 200, description = "The dataset", body = DatasetOut,
            headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/datasets/{id}")]
pub async fn get_dataset(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeCaller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    api::detail_response::<Dataset>(&state, &req, caller.0, id.into_inner()).await
}

/// Change a dataset with a JSON merge patch (RFC 7396).
///
/// Requires `If-Match` with the current ETag; a stale one is 412. Changing
/// the terms text creates a new terms version. Every change is kept as a
/// revision.
#[utoipa::path(
    tag = "datasets",
    operation_id = "update_dataset",
    params(
        ("id" = String, Path, description = "The dataset's id or name"),
        ("If-Match" = String, Header, description = "The ETag you last read"),
    ),
    request_body(content = Object, description = "A JSON merge patch of the dataset's input form (fields as in DatasetInput)",
        content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed dataset", body = DatasetOut, headers(("ETag" = String))),
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
#[patch("/datasets/{id}")]
pub async fn update_dataset(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Curator,
    id: web::Path<String>,
    body: Json<serde_json::Value>,
) -> AppResult<HttpResponse> {
    api::update::<Dataset>(&state, &req, caller, id.into_inner(), body.into_inner()).await
}

/// Publish a draft dataset, once it is complete.
///
/// Requires a summary, at least one distribution, described data items, a
/// licence, and terms of use for conditional data; a 422 lists what is missing.
#[utoipa::path(
    tag = "datasets",
    operation_id = "publish_dataset",
    params(("id" = String, Path, description = "The dataset's id or name")),
    responses(
        (status = 200, description = "Published", body = DatasetOut),
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
#[post("/datasets/{id}/publish")]
pub async fn publish_dataset(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    api::publish::<Dataset>(&state, caller, id.into_inner()).await
}

/// Withdraw a published dataset, with a reason. It stays readable as withdrawn.
#[utoipa::path(
    tag = "datasets",
    operation_id = "withdraw_dataset",
    params(("id" = String, Path, description = "The dataset's id or name")),
    request_body = Reason,
    responses(
        (status = 200, description = "Withdrawn", body = DatasetOut),
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
#[post("/datasets/{id}/withdraw")]
pub async fn withdraw_dataset(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<String>,
    body: Json<Reason>,
) -> AppResult<HttpResponse> {
    api::withdraw::<Dataset>(&state, caller, id.into_inner(), body.into_inner()).await
}

/// The revisions of a dataset: who changed what, when, old and new values.
#[utoipa::path(
    tag = "datasets",
    operation_id = "list_dataset_revisions",
    params(("id" = String, Path, description = "The dataset's id or name"), PageParams),
    responses(
        (status = 200, description = "Revisions, newest first", body = RevisionPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/datasets/{id}/revisions")]
pub async fn list_dataset_revisions(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<String>,
    paging: Query<PageParams>,
) -> AppResult<web::Json<Page<super::types::Revision>>> {
    Ok(web::Json(api::revisions(&state, caller, ListingKind::Dataset, id.into_inner(), paging.into_inner()).await?))
}

/// Add a distribution to a dataset: a hosted file (upload it next with
/// `PUT /distributions/{id}/file`) or an external access URL.
#[utoipa::path(
    tag = "datasets",
    operation_id = "create_dataset_distribution",
    params(("id" = String, Path, description = "The dataset's id or name")),
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
#[post("/datasets/{id}/distributions")]
pub async fn create_dataset_distribution(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<String>,
    body: Json<dist_api::NewDistribution>,
) -> AppResult<HttpResponse> {
    dist_api::create(&state, caller, ListingKind::Dataset, id.into_inner(), body.into_inner()).await
}

/// The dataset as schema.org `Dataset` JSON-LD, for search engines.
#[utoipa::path(
    tag = "datasets",
    operation_id = "get_dataset_schema_org",
    params(("id" = String, Path, description = "The dataset's id or name")),
    responses(
        (status = 200, description = "schema.org JSON-LD", content_type = "application/ld+json", body = Object),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/datasets/{id}/schema-org")]
pub async fn get_dataset_schema_org(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    schema_org::respond(&state, caller.0, ListingKind::Dataset, id.into_inner(), Export::SchemaOrg).await
}
