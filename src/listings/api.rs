//! The HTTP side shared by both catalogues: reading a listing with ETag and
//! Last-Modified (and 304), list parameters, and the bodies of the handlers
//! that datasets and corpora expose under their own paths.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::cache::Cached;
use super::search::{self, COMMON_FACETS, Cursor, FacetDim, Search, SortOrder, Visibility};
use super::service::{self, ListingSpec, kind_name};
use super::types::{ListingOut, ListingPage, ListingSummary, Revision};
use super::{Listing, ListingKind, ListingStatus, model};
use crate::app::AppState;
use crate::auth::{Caller, Curator, MaybeCaller};
use crate::db::DbConn;
use crate::db::types::db_time;
use crate::distributions::{Distribution, model as dist_model};
use crate::error::{AppError, AppResult};
use crate::http::paging::{Page, PageParams, decode_cursor, encode_cursor};
use crate::http::query_limits as limits;
use crate::listings::text::query_tokens;
use crate::orgs::types::Reason;

/// Assembles the full view of a listing.
pub fn detail(conn: &mut DbConn, l: &Listing) -> AppResult<ListingOut> {
    let bureau = model::bureau_ref(conn, l.bureau_id)?;
    let terms = model::terms(conn, l.id, l.terms_version)?;
    let distributions = dist_model::of_listing(conn, l.id)?.iter().map(Distribution::from).collect();
    Ok(ListingOut::new(l, bureau, terms, distributions))
}

fn http_date(t: chrono::NaiveDateTime) -> String {
    t.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// A response carrying a listing's ETag and Last-Modified.
pub fn with_validators(mut res: HttpResponse, l: &Listing) -> HttpResponse {
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&l.etag()) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(l.modified_at)) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

fn if_none_match_hits(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The If-Match value a change must carry.
pub fn required_if_match(req: &HttpRequest) -> AppResult<String> {
    req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string).ok_or_else(|| {
        AppError::precondition_required(
            "send If-Match with the ETag you last read, so that concurrent edits are not lost",
        )
    })
}

/// Runs a change by `caller` and answers with the changed listing, as the
/// caller sees it, and its validators.
pub async fn respond_changed<S: ListingSpec, F>(
    state: &AppState,
    status: actix_web::http::StatusCode,
    caller: &Caller,
    f: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut DbConn) -> AppResult<Listing> + Send + 'static,
{
    let visibility = Visibility::of(Some(caller));
    let (l, out) = state
        .db
        .write(move |conn| {
            let l = f(conn)?;
            let base = detail(conn, &l)?;
            let out = S::present(conn, &l, base, visibility)?;
            Ok((l, out))
        })
        .await?;
    let mut res = HttpResponse::build(status);
    if status == actix_web::http::StatusCode::CREATED {
        let path = match l.kind {
            ListingKind::Dataset => "datasets",
            ListingKind::Corpus => "corpora",
        };
        res.insert_header((header::LOCATION, format!("/api/v1/{path}/{}", l.id)));
    }
    Ok(with_validators(res.json(out), &l))
}

pub async fn create<S: ListingSpec>(state: &AppState, caller: Curator, input: S::Input) -> AppResult<HttpResponse> {
    let now = state.clock.db_now();
    let who = caller.clone();
    respond_changed::<S, _>(state, actix_web::http::StatusCode::CREATED, &who, move |conn| {
        service::create::<S>(conn, &caller, input, now)
    })
    .await
}

pub async fn update<S: ListingSpec>(
    state: &AppState,
    req: &HttpRequest,
    caller: Curator,
    key: String,
    patch: serde_json::Value,
) -> AppResult<HttpResponse> {
    let if_match = required_if_match(req)?;
    let now = state.clock.db_now();
    let who = caller.clone();
    respond_changed::<S, _>(state, actix_web::http::StatusCode::OK, &who, move |conn| {
        service::update::<S>(conn, &caller, &key, &if_match, patch, now)
    })
    .await
}

pub async fn publish<S: ListingSpec>(state: &AppState, caller: Curator, key: String) -> AppResult<HttpResponse> {
    let now = state.clock.db_now();
    let who = caller.clone();
    respond_changed::<S, _>(state, actix_web::http::StatusCode::OK, &who, move |conn| {
        service::publish(conn, S::KIND, &caller, &key, now)
    })
    .await
}

pub async fn withdraw<S: ListingSpec>(
    state: &AppState,
    caller: Curator,
    key: String,
    body: Reason,
) -> AppResult<HttpResponse> {
    let now = state.clock.db_now();
    let who = caller.clone();
    respond_changed::<S, _>(state, actix_web::http::StatusCode::OK, &who, move |conn| {
        service::withdraw(conn, S::KIND, &caller, &key, &body.reason, now)
    })
    .await
}

pub async fn revisions(
    state: &AppState,
    caller: MaybeCaller,
    kind: ListingKind,
    key: String,
    paging: PageParams,
) -> AppResult<Page<Revision>> {
    let limit = paging.limit()?;
    let after: Option<String> = paging.after()?;
    let visibility = Visibility::of(caller.0.as_ref());
    let (rows, total) = state
        .db
        .run(move |conn| {
            let l = model::find(conn, kind, &key)?
                .filter(|l| visibility.sees(l.status, l.bureau_id))
                .ok_or_else(|| AppError::not_found(kind_name(kind)))?;
            model::revisions(conn, l.id, after, limit)
        })
        .await?;
    Ok(Page::from_rows(rows, limit, total, |r| r.id.clone()))
}

/// The full-text terms of a public query, within the bounds on its length
/// and its number of terms (`http::query_limits`).
pub fn bounded_query_tokens(q: &str) -> AppResult<Vec<String>> {
    limits::Q_CHARS.check_chars(q)?;
    let tokens = query_tokens(q);
    limits::Q_TERMS.check(tokens.len() as i64)?;
    Ok(tokens)
}

/// Filters every catalogue list accepts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CommonFilters {
    pub q: Option<String>,
    pub domain: Option<String>,
    pub open_condition: Option<super::OpenCondition>,
    pub bureau: Option<crate::orgs::OrgId>,
    pub format: Option<String>,
    pub update_frequency: Option<super::UpdateFrequency>,
    pub keyword: Option<String>,
    pub licence: Option<String>,
    pub modified_since: Option<DateTime<Utc>>,
    pub status: Option<ListingStatus>,
    pub sort: Option<SortOrder>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl CommonFilters {
    /// The search these filters describe, for a caller.
    pub fn search(&self, kind: ListingKind, caller: Option<&Caller>) -> AppResult<Search> {
        let mut s = Search::new(kind, Visibility::of(caller));
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            s.tokens = Some(bounded_query_tokens(q)?);
        }
        for (param, value) in [
            ("domain", &self.domain),
            ("format", &self.format),
            ("keyword", &self.keyword),
            ("licence", &self.licence),
            ("cursor", &self.cursor),
        ] {
            if let Some(v) = value {
                let limit = if param == "cursor" { limits::CURSOR_CHARS } else { limits::VALUE_CHARS.on(param) };
                limit.check_chars(v)?;
            }
        }
        s.domain = self.domain.clone();
        s.open_condition = self.open_condition;
        s.bureau = self.bureau;
        s.update_frequency = self.update_frequency;
        s.status = self.status;
        s.modified_since = self.modified_since.map(db_time);
        if let Some(f) = &self.format {
            s.facet_filters.push(("format".into(), f.trim().to_uppercase()));
        }
        if let Some(k) = &self.keyword {
            s.facet_filters.push(("keyword".into(), k.trim().to_lowercase()));
        }
        if let Some(l) = &self.licence {
            s.facet_filters.push(("licence".into(), l.trim().to_string()));
        }
        Ok(s)
    }

    pub fn order(&self, searching: bool) -> SortOrder {
        self.sort.unwrap_or(if searching { SortOrder::Relevance } else { SortOrder::Modified })
    }
}

/// The total and the facet counts of a search: the same for every page of
/// it, so cached apart from the pages (a crawler paging deep pays for them
/// once per catalogue generation, not once per page).
#[derive(serde::Serialize, serde::Deserialize)]
struct Summary {
    total: i64,
    facets: std::collections::BTreeMap<String, Vec<super::types::FacetValue>>,
}

async fn summary(state: &AppState, s: &Search, facet_dims: &[FacetDim]) -> AppResult<Summary> {
    let compute = {
        let (s, dims) = (s.clone(), facet_dims.to_vec());
        move || async move {
            state
                .lane
                .read(&state.db, move |conn| {
                    Ok(Summary { total: search::count(conn, &s)?, facets: search::facets(conn, &s, &dims)? })
                })
                .await
        }
    };
    if s.visibility != Visibility::Public {
        return compute().await;
    }
    let key = format!("summary:{s:?}:{facet_dims:?}");
    let cached = state
        .cache
        .get_or_compute(key, async {
            Ok(Cached { body: to_body(&compute().await?)?, etag: None, last_modified: None })
        })
        .await?;
    serde_json::from_slice(&cached.body).map_err(|e| AppError::internal(e.to_string()))
}

/// A page of a catalogue with its total and facets.
pub async fn list_page(
    state: &AppState,
    s: Search,
    order: SortOrder,
    paging: PageParams,
    facet_dims: Vec<FacetDim>,
) -> AppResult<ListingPage> {
    let limit = paging.limit()?;
    let after: Option<Cursor> = paging.cursor.as_deref().map(decode_cursor).transpose()?;
    let Summary { total, facets } = summary(state, &s, &facet_dims).await?;
    let (hits, next) =
        state.lane.read(&state.db, move |conn| search::page(conn, &s, order, after.as_ref(), limit)).await?;
    Ok(ListingPage {
        items: hits.into_iter().map(|h| ListingSummary::new(&h.listing, h.bureau, h.score)).collect(),
        total,
        limit,
        next_cursor: next.map(|c| encode_cursor(&c)),
        facets,
    })
}

/// The list response, from the cache when the search is public.
pub async fn list(
    state: &AppState,
    req: &HttpRequest,
    s: Search,
    order: SortOrder,
    paging: PageParams,
    facet_dims: Vec<FacetDim>,
) -> AppResult<HttpResponse> {
    let body = list_body(state, s, order, paging, facet_dims).await?;
    Ok(respond(req, body))
}

/// The list body: from the catalogue cache when the search is public.
async fn list_body(
    state: &AppState,
    s: Search,
    order: SortOrder,
    paging: PageParams,
    facet_dims: Vec<FacetDim>,
) -> AppResult<Cached> {
    let public = s.visibility == Visibility::Public;
    let key = format!("list:{s:?}:{order:?}:{:?}:{:?}:{facet_dims:?}", paging.limit, paging.cursor);
    let compute = || async move {
        let page = list_page(state, s, order, paging, facet_dims).await?;
        Ok(Cached { body: to_body(&page)?, etag: None, last_modified: None })
    };
    if public { state.cache.get_or_compute(key, compute()).await } else { compute().await }
}

/// A page of a catalogue exactly as the list endpoint answers it, from the
/// same cache entry (the portal's pages read through this).
pub async fn list_page_cached(
    state: &AppState,
    s: Search,
    order: SortOrder,
    paging: PageParams,
    facet_dims: Vec<FacetDim>,
) -> AppResult<ListingPage> {
    let body = list_body(state, s, order, paging, facet_dims).await?;
    serde_json::from_slice(&body.body).map_err(|e| AppError::internal(e.to_string()))
}

pub fn to_body<T: serde::Serialize>(v: &T) -> AppResult<bytes::Bytes> {
    serde_json::to_vec(v).map(bytes::Bytes::from).map_err(|e| AppError::internal(e.to_string()))
}

/// Answers from the catalogue cache when `public`, computing and storing the
/// body otherwise; honours If-None-Match against a cached ETag without any
/// database work.
pub async fn cached_json<F, Fut>(
    state: &AppState,
    req: &HttpRequest,
    public: bool,
    key: String,
    compute: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = AppResult<Cached>>,
{
    let body = if public { state.cache.get_or_compute(key, compute()).await? } else { compute().await? };
    Ok(respond(req, body))
}

fn respond(req: &HttpRequest, c: Cached) -> HttpResponse {
    if let Some(etag) = &c.etag
        && if_none_match_hits(req, etag)
    {
        let mut res = HttpResponse::NotModified().finish();
        if let Ok(v) = HeaderValue::from_str(etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return res;
    }
    let mut res = HttpResponse::Ok().content_type("application/json").body(c.body);
    let headers = res.headers_mut();
    if let Some(v) = c.etag.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(header::ETAG, v);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    if let Some(v) = c.last_modified.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    res
}

/// The detail response of a listing (or a 304), cached for public callers.
pub async fn detail_response<S: ListingSpec>(
    state: &AppState,
    req: &HttpRequest,
    caller: Option<Caller>,
    key: String,
) -> AppResult<HttpResponse> {
    let body = detail_body::<S>(state, caller, key).await?;
    Ok(respond(req, body))
}

/// A listing's detail exactly as its endpoint answers it, from the same
/// cache entry (the portal's pages read through this).
pub async fn detail_cached<S: ListingSpec>(
    state: &AppState,
    caller: Option<Caller>,
    key: String,
) -> AppResult<S::Output>
where
    S::Output: serde::de::DeserializeOwned,
{
    let body = detail_body::<S>(state, caller, key).await?;
    serde_json::from_slice(&body.body).map_err(|e| AppError::internal(e.to_string()))
}

/// The detail body of a listing the caller may see, cached for public callers.
async fn detail_body<S: ListingSpec>(state: &AppState, caller: Option<Caller>, key: String) -> AppResult<Cached> {
    let kind = S::KIND;
    let visibility = Visibility::of(caller.as_ref());
    let public = visibility == Visibility::Public;
    let cache_key = format!("detail:{kind}:{key}");
    let compute = || async move {
        let (l, body) = state
            .db
            .run(move |conn| {
                let Some(l) = model::find(conn, kind, &key)? else { return Ok(None) };
                if !visibility.sees(l.status, l.bureau_id) {
                    return Ok(None);
                }
                let base = detail(conn, &l)?;
                let out = S::present(conn, &l, base, visibility)?;
                Ok(Some((l, to_body(&out)?)))
            })
            .await?
            .ok_or_else(|| AppError::not_found(kind_name(kind)))?;
        Ok(Cached { body, etag: Some(l.etag()), last_modified: Some(http_date(l.modified_at)) })
    };
    if public { state.cache.get_or_compute(cache_key, compute()).await } else { compute().await }
}

/// The facets of the open list.
pub fn dataset_facets() -> Vec<FacetDim> {
    COMMON_FACETS.to_vec()
}
