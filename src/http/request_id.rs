//! `X-Request-Id` on every response (taken from the request when sane,
//! generated otherwise), a tracing span per request, and one log line per
//! request with route, status, latency, the client's address (`client_ip`)
//! and the caller's organisation.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest};
use tracing::Instrument;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, for logs and audit entries.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Set by the authentication extractor so that the request log can name the
/// calling organisation.
#[derive(Debug, Clone)]
pub struct CallerTag {
    pub org_id: String,
    /// `platform`, `bureau` or `enterprise`.
    pub org_kind: String,
    pub user_id: String,
}

fn accept(value: &str) -> bool {
    !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| accept(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    let client = super::client_ip::client_ip(req.request()).map(|ip| ip.to_string()).unwrap_or_else(|| "-".into());
    let method = req.method().clone();
    let path = req.path().to_string();
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _enter = span.enter();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(mut res) => {
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(REQUEST_ID_HEADER, v);
            }
            let route = res.request().match_pattern().unwrap_or_else(|| "(unmatched)".into());
            let caller = res.request().extensions().get::<CallerTag>().cloned();
            let status = res.status().as_u16();
            crate::telemetry::record_request(method.as_str(), &route, status, started.elapsed());
            tracing::info!(
                request_id = %id,
                %method,
                %path,
                %route,
                %client,
                status,
                latency_ms = format!("{elapsed_ms:.2}"),
                org = caller.as_ref().map(|c| c.org_id.as_str()).unwrap_or("-"),
                org_kind = caller.as_ref().map(|c| c.org_kind.as_str()).unwrap_or("-"),
                user = caller.as_ref().map(|c| c.user_id.as_str()).unwrap_or("-"),
                "request"
            );
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(%method, %path, %client, error = %e, latency_ms = format!("{elapsed_ms:.2}"), "request failed");
            Err(e)
        }
    }
}

impl FromRequest for RequestId {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let id =
            req.extensions().get::<RequestId>().cloned().unwrap_or_else(|| RequestId(uuid::Uuid::new_v4().to_string()));
        std::future::ready(Ok(id))
    }
}
