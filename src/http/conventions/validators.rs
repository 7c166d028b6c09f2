//! Validators of public reads and the 304s they allow.
//!
//! - A *catalogue read* gets a weak ETag derived from the catalogue
//!   generation as this instance sees it, the request's path and query and
//!   its `Accept`: a matching `If-None-Match` is answered 304 before the
//!   handler runs, so no body is computed. Weak, because the generation
//!   promises the same content, not the same bytes (an XLSX records when it
//!   was written; ties in an ordering may fall either way when recomputed).
//!   The tag is read *before* the body is made, so a tag never claims a newer
//!   catalogue than its body shows. Handlers that have their own validator (a
//!   listing's version, a file's SHA-256) keep it.
//! - Any other public read gets a strong ETag, the hash of its bytes and of
//!   the `Accept-Encoding` they will be compressed for (so each coding has
//!   its own tag); its 304 is decided after the body is made.
//! - `If-Modified-Since` is honoured where a response has `Last-Modified`
//!   and the request no `If-None-Match` (RFC 9110 §13.2.2).

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{Error, HttpResponse};
use sha2::{Digest, Sha256};

use crate::app::AppState;

/// Bodies larger than this are not hashed for a validator.
const HASH_AT_MOST: u64 = 8 * 1024 * 1024;

fn hex16(h: Sha256) -> String {
    hex::encode(&h.finalize()[..16])
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// The ETag of a catalogue read as things stand, or `None` when the
/// generation cannot be read (the handler's answer then says why).
pub async fn catalogue_tag(state: &AppState, req: &ServiceRequest) -> Option<String> {
    let basis = match state.cache.validator_basis() {
        Some(b) => b,
        // No cache and so no poller: the database's counter is the truth.
        None => format!("db{}", state.db.run(crate::listings::cache::stored_generation).await.ok()?),
    };
    let mut h = Sha256::new();
    h.update(basis.as_bytes());
    h.update(b"\n");
    h.update(req.uri().path_and_query().map(|p| p.as_str()).unwrap_or_default().as_bytes());
    h.update(b"\n");
    h.update(header_str(req.headers(), header::ACCEPT).as_bytes());
    Some(format!("W/\"c{}\"", hex16(h)))
}

fn opaque(tag: &str) -> &str {
    tag.trim().trim_start_matches("W/")
}

/// Whether `If-None-Match` names `etag` (weak comparison) or is `*`.
pub fn if_none_match_hits(headers: &HeaderMap, etag: &str) -> bool {
    let want = opaque(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == want)
}

/// Whether `If-None-Match` names `etag` itself (not by `*`).
pub fn if_none_match_names(headers: &HeaderMap, etag: &str) -> bool {
    let want = opaque(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| opaque(t) == want)
}

/// A 304 carrying the validators.
pub fn not_modified(etag: &str, last_modified: Option<HeaderValue>) -> HttpResponse {
    let mut res = HttpResponse::NotModified().finish();
    if let Ok(v) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if let Some(lm) = last_modified {
        res.headers_mut().insert(header::LAST_MODIFIED, lm);
    }
    res
}

/// Reads the whole body of a response (its handler already made it in memory).
pub async fn buffered(res: ServiceResponse<BoxBody>) -> Result<(ServiceResponse<BoxBody>, bytes::Bytes), Error> {
    let (req, res) = res.into_parts();
    let (res, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(format!("reading a response body: {e}")))?;
    let res = res.set_body(BoxBody::new(bytes.clone()));
    Ok((ServiceResponse::new(req, res), bytes))
}

/// Gives a 200 public read its validator and answers 304 where it matches.
pub async fn finish(mut res: ServiceResponse<BoxBody>, tag: Option<String>) -> Result<ServiceResponse<BoxBody>, Error> {
    if !res.headers().contains_key(header::ETAG) {
        let tag = match tag {
            Some(t) => Some(t),
            None => match res.response().body().size() {
                BodySize::Sized(n) if n <= HASH_AT_MOST => {
                    let (r, bytes) = buffered(res).await?;
                    res = r;
                    let mut h = Sha256::new();
                    h.update(header_str(res.request().headers(), header::ACCEPT_ENCODING).as_bytes());
                    h.update(b"\n");
                    h.update(&bytes);
                    Some(format!("\"h{}\"", hex16(h)))
                }
                _ => None,
            },
        };
        if let Some(v) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
            res.headers_mut().insert(header::ETAG, v);
        }
    }
    let req_headers = res.request().headers();
    let last_modified = res.headers().get(header::LAST_MODIFIED).cloned();
    let hit = match res.headers().get(header::ETAG).and_then(|v| v.to_str().ok()) {
        Some(etag) if req_headers.contains_key(header::IF_NONE_MATCH) => if_none_match_hits(req_headers, etag),
        _ => {
            !req_headers.contains_key(header::IF_NONE_MATCH) && not_modified_since(req_headers, last_modified.as_ref())
        }
    };
    if !hit {
        return Ok(res);
    }
    let etag = res.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (req, _) = res.into_parts();
    let mut out = not_modified(&etag, last_modified);
    if etag.is_empty() {
        out.headers_mut().remove(header::ETAG);
    }
    Ok(ServiceResponse::new(req, out))
}

/// `If-Modified-Since` at or after `Last-Modified`.
fn not_modified_since(req: &HeaderMap, last_modified: Option<&HeaderValue>) -> bool {
    let parse = |v: &HeaderValue| v.to_str().ok().and_then(httpdate);
    match (req.get(header::IF_MODIFIED_SINCE).and_then(parse), last_modified.and_then(parse)) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

fn httpdate(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc2822(s.trim()).ok().map(|d| d.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists_and_star() {
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\", W/\"c1\""));
        assert!(if_none_match_hits(&h, "W/\"c1\""));
        assert!(if_none_match_hits(&h, "\"c1\""));
        assert!(!if_none_match_hits(&h, "W/\"c2\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(if_none_match_hits(&h, "\"anything\""));
    }

    #[test]
    fn if_modified_since_is_compared_by_second() {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MODIFIED_SINCE, HeaderValue::from_static("Wed, 02 Dec 2026 04:00:00 GMT"));
        assert!(not_modified_since(&h, Some(&HeaderValue::from_static("Wed, 02 Dec 2026 04:00:00 GMT"))));
        assert!(!not_modified_since(&h, Some(&HeaderValue::from_static("Wed, 02 Dec 2026 04:00:01 GMT"))));
        assert!(!not_modified_since(&h, None));
    }
}
