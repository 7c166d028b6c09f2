//! The web's own conventions on the API (issue 22), in two middlewares
//! rather than in each handler:
//!
//! - [`outer`] (outside compression): CORS — preflights answered here,
//!   `Access-Control-Allow-Origin: *` on anonymous public reads, the
//!   configured origins (`DATAGATE_CORS_ORIGINS`) for credentialed calls
//!   ([`cors`]); HEAD as the GET without its body; `Cache-Control` and `Vary`
//!   by kind of response; the rate-limit headers (`http::rate_limit`).
//! - [`inner`] (inside compression, so it sees the bytes the handler made):
//!   validators and 304s ([`validators`]) and `Link: rel="next"` on
//!   cursor-paged lists ([`link`]).
//!
//! What a path is comes from the OpenAPI document (`RouteTable`): a *public
//! read* is a GET the contract asks no credential for; a *catalogue read* is
//! one whose answer depends only on the catalogue (its generation says when
//! it changed). The portal's pages are not touched.

pub mod cors;
pub mod link;
pub mod openapi;
pub mod validators;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

use super::fallback::RouteTable;
use crate::app::AppState;

/// `Cache-Control` of an anonymous public read (and its 304).
pub const PUBLIC_CACHE: &str = "public, max-age=60, must-revalidate";
/// `Cache-Control` of anything answered to a credential.
pub const PRIVATE_CACHE: &str = "private, no-store";

/// Paths whose answers depend only on the catalogue (listings, their
/// distributions and revisions, domains, bureaus), so that the catalogue
/// generation validates them.
const CATALOGUE: &[&str] = &[
    "/api/v1/datasets",
    "/api/v1/corpora",
    "/api/v1/catalog",
    "/api/v1/open-list.",
    "/api/v1/domains",
    "/api/v1/bureaus",
    "/api/3/action/",
    "/api/action/",
];

/// Paths the conventions apply to: the API and the operational endpoints.
pub fn applies(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/.well-known/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// What the request is, as the conventions see it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kind {
    /// A GET or HEAD the contract asks no credential for.
    pub public: bool,
    /// A public read validated by the catalogue generation.
    pub catalogue: bool,
    /// A cursor-paged list.
    pub paged: bool,
    /// The request carries a credential (`Authorization`, or a data token in `?token=`).
    pub credentialed: bool,
    /// The client asked HEAD (answered by the GET).
    pub head: bool,
}

impl Kind {
    fn of(req: &ServiceRequest, table: Option<&RouteTable>) -> Kind {
        let path = req.path();
        let read = matches!(*req.method(), Method::GET | Method::HEAD);
        let op = table.and_then(|t| t.get_op(path));
        // The OpenAPI document itself and the unversioned CKAN API are not in it.
        let unlisted = path == "/api/v1/openapi.json" || path.starts_with("/api/action/");
        let public = read
            && path != "/metrics"
            && (unlisted || op.is_some_and(|o| !o.secured))
            && (path.starts_with("/api/") || path.starts_with("/.well-known/"));
        let credentialed = req.headers().contains_key(header::AUTHORIZATION)
            || form_urlencoded::parse(req.query_string().as_bytes()).any(|(k, _)| k == "token");
        Kind {
            public,
            catalogue: public && CATALOGUE.iter().any(|p| path.starts_with(p)),
            paged: read && op.is_some_and(|o| o.paged),
            credentialed,
            head: *req.method() == Method::HEAD,
        }
    }
}

/// Outside compression: preflights, HEAD, CORS, caching and rate-limit headers.
pub async fn outer(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !applies(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let table = req.app_data::<web::Data<RouteTable>>().map(|t| t.clone().into_inner());
    let origins = req.app_data::<web::Data<AppState>>().map(|s| s.config.cors_origins.clone()).unwrap_or_default();
    if let Some(res) = cors::preflight(&req, table.as_deref(), &origins) {
        return Ok(req.into_response(res));
    }
    let kind = Kind::of(&req, table.as_deref());
    if kind.head && !table.as_ref().and_then(|t| t.get_op(req.path())).is_some_and(|o| o.own_head) {
        // The GET answers; actix sends no body for a HEAD request (it knows
        // from the request line), but the headers and Content-Length of the GET.
        req.head_mut().method = Method::GET;
    }
    req.extensions_mut().insert(kind);
    let origin = req.headers().get(header::ORIGIN).cloned();
    let (res, limits) = super::rate_limit::observe(next.call(req)).await;
    let mut res = res?.map_into_boxed_body();
    let headers = res.headers_mut();
    super::rate_limit::write_headers(headers, &limits);
    let status = res.status();
    let cache = if kind.credentialed {
        Some(PRIVATE_CACHE)
    } else if kind.public && matches!(status, StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED) {
        Some(PUBLIC_CACHE)
    } else if !res.headers().contains_key(header::CACHE_CONTROL) {
        Some("no-store")
    } else {
        None
    };
    let headers = res.headers_mut();
    if let Some(c) = cache {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(c));
    }
    let mut vary: Vec<&str> = Vec::new();
    if kind.public {
        // Catalogue reads differ by caller (a curator sees drafts) and by coding.
        vary.extend(["Accept-Encoding", "Authorization"]);
    }
    if !origins.is_empty() {
        vary.push("Origin");
    }
    set_vary(headers, &vary);
    cors::decorate(headers, origin.as_ref(), &kind, &origins);
    Ok(res)
}

/// Merges `add` into the response's `Vary`, one header, each name once.
fn set_vary(headers: &mut header::HeaderMap, add: &[&str]) {
    let mut names: Vec<String> = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    names.extend(add.iter().map(|s| s.to_string()));
    let mut seen: Vec<String> = Vec::new();
    names.retain(|n| {
        let lower = n.to_ascii_lowercase();
        let fresh = !seen.contains(&lower);
        seen.push(lower);
        fresh
    });
    if names.is_empty() {
        return;
    }
    if let Ok(v) = HeaderValue::from_str(&names.join(", ")) {
        headers.insert(header::VARY, v);
    }
}

/// Inside compression: 304s, validators and paging links.
pub async fn inner(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let kind = req.extensions().get::<Kind>().copied();
    let Some(kind) = kind.filter(|k| *req.method() == Method::GET && (k.public || k.paged)) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let tag = match (&state, kind.catalogue && !kind.credentialed) {
        (Some(state), true) => validators::catalogue_tag(state, &req).await,
        _ => None,
    };
    // `*` waits for the handler: it matches only a representation that exists.
    if let Some(tag) = &tag
        && validators::if_none_match_names(req.headers(), tag)
    {
        return Ok(req.into_response(validators::not_modified(tag, None)));
    }
    let res = next.call(req).await?.map_into_boxed_body();
    if res.status() != StatusCode::OK {
        return Ok(res);
    }
    let res = if kind.paged { link::add_next(res).await? } else { res };
    if kind.credentialed || !kind.public {
        return Ok(res);
    }
    validators::finish(res, tag).await
}
