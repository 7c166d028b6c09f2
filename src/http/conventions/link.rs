//! `Link: <…>; rel="next"` (RFC 8288) beside `next_cursor` on every
//! cursor-paged list, so that generic clients and crawlers page without
//! reading the body. The target is this request's path and query with
//! `cursor` set to the next page's, as a path-absolute reference (resolved
//! against the request, whatever host or proxy it came through).

use actix_web::Error;
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};

/// Adds the `Link` of the next page when the (JSON) body names one.
pub async fn add_next(res: ServiceResponse<BoxBody>) -> Result<ServiceResponse<BoxBody>, Error> {
    let json = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !json {
        return Ok(res);
    }
    let (mut res, bytes) = super::validators::buffered(res).await?;
    #[derive(serde::Deserialize)]
    struct Envelope {
        next_cursor: Option<String>,
    }
    let Some(cursor) = serde_json::from_slice::<Envelope>(&bytes).ok().and_then(|e| e.next_cursor) else {
        return Ok(res);
    };
    let target = next_target(res.request().path(), res.request().query_string(), &cursor);
    if let Ok(v) = HeaderValue::from_str(&format!("<{target}>; rel=\"next\"")) {
        res.headers_mut().append(header::LINK, v);
    }
    Ok(res)
}

/// `path?query` with `cursor` replaced by (or set to) `cursor`.
pub fn next_target(path: &str, query: &str, cursor: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "cursor") {
        out.append_pair(&k, &v);
    }
    out.append_pair("cursor", cursor);
    format!("{path}?{}", out.finish())
}

#[cfg(test)]
mod tests {
    use super::next_target;

    #[test]
    fn the_next_target_keeps_the_query_and_replaces_the_cursor() {
        assert_eq!(next_target("/api/v1/datasets", "", "abc"), "/api/v1/datasets?cursor=abc");
        assert_eq!(
            next_target("/api/v1/datasets", "q=%E5%AD%A6&cursor=old&limit=2", "n-x_y"),
            "/api/v1/datasets?q=%E5%AD%A6&limit=2&cursor=n-x_y"
        );
    }
}
