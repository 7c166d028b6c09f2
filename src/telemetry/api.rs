//! `GET /metrics`: the Prometheus scrape endpoint. Readable with the
//! configured bearer token (`DATAGATE_METRICS_TOKEN`) or, when none is
//! configured, from the loopback interface only.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use sha2::{Digest, Sha256};

use super::{POOL_IN_USE, POOL_MAX, POOL_SIZE};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::openapi::responses as r;

/// Compares in constant time (over the digests), so the token does not leak
/// through timing.
fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

fn authorise(state: &AppState, req: &HttpRequest) -> AppResult<()> {
    match &state.config.metrics_token {
        Some(expected) => {
            let presented = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            match presented {
                Some(t) if same_secret(t, expected) => Ok(()),
                _ => Err(AppError::unauthorized("GET /metrics needs the configured metrics bearer token")),
            }
        }
        None if req.peer_addr().is_some_and(|a| a.ip().is_loopback()) => Ok(()),
        None => Err(AppError::forbidden(
            "metrics are served to loopback clients only; set DATAGATE_METRICS_TOKEN to scrape from elsewhere",
        )),
    }
}

/// Metrics in Prometheus text format.
///
/// Requests by route template and status, latency histograms, the database
/// pool, bytes downloaded, grants issued and revoked, audit entries written.
/// With `DATAGATE_METRICS_TOKEN` set it requires `Authorization: Bearer
/// <token>`; otherwise only loopback clients may read it.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_metrics",
    responses(
        (status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
    )
)]
#[get("/metrics")]
pub async fn get_metrics(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    authorise(&state, &req)?;
    let Some(handle) = super::handle() else {
        return Err(AppError::internal("the metrics recorder is not installed"));
    };
    let pool = state.db.pool().state();
    metrics::gauge!(POOL_SIZE).set(pool.connections as f64);
    metrics::gauge!(POOL_IN_USE).set((pool.connections - pool.idle_connections) as f64);
    metrics::gauge!(POOL_MAX).set(state.db.pool().max_size() as f64);
    handle.run_upkeep();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(handle.render()))
}
