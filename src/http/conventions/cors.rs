//! Cross-origin reads (issue 22). A small middleware of our own rather than
//! `actix-cors`: the policy depends on the kind of request (a public read
//! without a credential gets `*`, anything with a credential only the
//! configured origins), which `actix-cors` — one policy per scope, keyed by
//! origin alone — cannot say, and the answer to a refused preflight should
//! be the service's problem+json.
//!
//! - Anonymous public reads (GET/HEAD that the contract asks no credential
//!   for): `Access-Control-Allow-Origin: *`, whatever the `Origin`.
//! - Origins listed in `DATAGATE_CORS_ORIGINS` (empty by default): their own
//!   origin back, with `Access-Control-Allow-Credentials: true`, on every
//!   API response. An unlisted origin is never reflected.
//! - Preflights (`OPTIONS` with `Origin` and `Access-Control-Request-Method`):
//!   204 with the methods and headers allowed, cached for
//!   [`MAX_AGE`] seconds; a preflight for anything else — a credential, a
//!   change, from an unlisted origin — is 403 `/problems/cors-refused`
//!   without any CORS header, so the browser refuses the call.

use actix_web::HttpResponse;
use actix_web::ResponseError;
use actix_web::dev::ServiceRequest;
use actix_web::http::header::{self, HeaderMap, HeaderValue};

use super::Kind;
use crate::error::AppError;
use crate::http::fallback::RouteTable;

/// Seconds a browser may cache a preflight's answer.
pub const MAX_AGE: u32 = 600;

/// Request headers an anonymous cross-origin read may send.
const READ_HEADERS: &[&str] =
    &["accept", "accept-language", "if-none-match", "if-modified-since", "range", "if-range", "x-request-id"];
/// And those a listed origin may send besides.
const CREDENTIALED_HEADERS: &[&str] = &["authorization", "content-type", "if-match"];

/// Response headers a cross-origin script may read.
pub const EXPOSED: &str = "ETag, Link, Location, Retry-After, RateLimit, RateLimit-Policy, Content-Range, \
                           Content-Disposition, Accept-Ranges, Repr-Digest, X-Request-Id";

fn allowed_origin<'a>(origin: Option<&'a HeaderValue>, origins: &[String]) -> Option<&'a HeaderValue> {
    origin.filter(|o| o.to_str().is_ok_and(|o| origins.iter().any(|a| a.eq_ignore_ascii_case(o))))
}

/// The answer to a preflight, or `None` when the request is not one.
pub fn preflight(req: &ServiceRequest, table: Option<&RouteTable>, origins: &[String]) -> Option<HttpResponse> {
    if req.method() != actix_web::http::Method::OPTIONS {
        return None;
    }
    let headers = req.headers();
    let origin = headers.get(header::ORIGIN)?;
    let method = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD)?.to_str().unwrap_or_default().to_string();
    let asked: Vec<String> = headers
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    let path = req.path();
    let mut methods = table.and_then(|t| t.allowed(path)).unwrap_or_default();
    if path == "/api/v1/openapi.json" || path.starts_with("/api/action/") {
        methods = vec!["GET".into(), "HEAD".into()];
    }
    if methods.iter().any(|m| m == "GET") && !methods.iter().any(|m| m == "HEAD") {
        methods.push("HEAD".into());
    }
    let public_read = matches!(method.as_str(), "GET" | "HEAD")
        && (path == "/api/v1/openapi.json"
            || path.starts_with("/api/action/")
            || table.and_then(|t| t.get_op(path)).is_some_and(|o| !o.secured));
    let only_read_headers = asked.iter().all(|h| READ_HEADERS.contains(&h.as_str()));
    let mut res = if let Some(listed) = allowed_origin(Some(origin), origins) {
        let known =
            asked.iter().all(|h| READ_HEADERS.contains(&h.as_str()) || CREDENTIALED_HEADERS.contains(&h.as_str()));
        if !methods.contains(&method) || !known {
            return Some(refused(&method, path));
        }
        let mut res = HttpResponse::NoContent().finish();
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, listed.clone());
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value(&methods.join(", ")));
        let all: Vec<&str> = READ_HEADERS.iter().chain(CREDENTIALED_HEADERS).copied().collect();
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value(&all.join(", ")));
        res
    } else if public_read && only_read_headers {
        let mut res = HttpResponse::NoContent().finish();
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value(&READ_HEADERS.join(", ")));
        res
    } else {
        return Some(refused(&method, path));
    };
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_MAX_AGE, value(&MAX_AGE.to_string()));
    h.insert(
        header::VARY,
        HeaderValue::from_static("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Some(res)
}

fn value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""))
}

fn refused(method: &str, path: &str) -> HttpResponse {
    AppError::forbidden_as(
        "cors-refused",
        format!(
            "a page of another origin may not {method} {path} here: cross-origin calls are open to anonymous \
             public reads, and with a credential only to the origins in DATAGATE_CORS_ORIGINS"
        ),
    )
    .error_response()
}

/// The CORS headers of an actual (non-preflight) response.
pub fn decorate(headers: &mut HeaderMap, origin: Option<&HeaderValue>, kind: &Kind, origins: &[String]) {
    let allow = match allowed_origin(origin, origins) {
        Some(listed) => {
            headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
            listed.clone()
        }
        None if kind.public && !kind.credentialed => HeaderValue::from_static("*"),
        None => return,
    };
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED));
}
