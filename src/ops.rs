//! Liveness and readiness probes.

use actix_web::{get, web};
use diesel::connection::SimpleConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::openapi::responses as r;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process answers.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_healthz",
    responses((status = 200, description = "Alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok".into() })
}

/// Readiness: the database answers.
#[utoipa::path(
    tag = "operations",
    operation_id = "get_readyz",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<web::Json<Health>> {
    state
        .db
        .run(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(|e| AppError::unavailable(format!("the database does not answer: {e}")))
        })
        .await?;
    Ok(web::Json(Health { status: "ready".into() }))
}
