//! CKAN's response envelope: `{"help", "success", "result"}`, and on error
//! `{"help", "success": false, "error": {"message", "__type", field: [..]}}`
//! with the status CKAN uses for each kind of error.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;

/// A successful CKAN answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CkanSuccess<T: Serialize> {
    /// Where the action is described.
    pub help: String,
    /// Always `true` here.
    pub success: bool,
    pub result: T,
}

/// What went wrong, CKAN-style.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CkanErrorBody {
    pub message: String,
    /// `Not Found Error`, `Validation Error`, `Authorization Error`, `Bad Request`, `Internal Server Error`.
    #[serde(rename = "__type")]
    pub kind: String,
    /// For validation errors: each offending parameter with its messages.
    #[serde(flatten)]
    pub fields: BTreeMap<String, Vec<String>>,
}

/// A failed CKAN answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CkanFailure {
    pub help: String,
    /// Always `false` here.
    pub success: bool,
    pub error: CkanErrorBody,
}

/// An error of a CKAN action, answered in CKAN's envelope.
#[derive(Debug, Clone)]
pub struct CkanError {
    pub status: StatusCode,
    pub body: CkanErrorBody,
}

pub type CkanResult<T> = Result<T, CkanError>;

impl CkanError {
    fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> Self {
        CkanError {
            status,
            body: CkanErrorBody { message: message.into(), kind: kind.into(), fields: BTreeMap::new() },
        }
    }

    /// 404 `Not Found Error`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found Error", message)
    }

    /// 409 `Validation Error` naming the offending parameter, as CKAN does.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::new(StatusCode::CONFLICT, "Validation Error", format!("{field}: {message}"));
        e.body.fields.insert(field.to_string(), vec![message]);
        e
    }

    /// 400 `Validation Error`: a parameter crossed one of the bounds of
    /// public queries (`http::query_limits`); the message names the bound.
    pub fn limit(e: AppError) -> Self {
        let mut c = Self::new(
            StatusCode::BAD_REQUEST,
            "Validation Error",
            e.detail.clone().unwrap_or_else(|| e.title().to_string()),
        );
        for f in &e.errors {
            c.body.fields.entry(f.field.clone()).or_default().push(f.message.clone());
        }
        c
    }

    /// 400 `Bad Request` (malformed body, unknown action).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad Request", message)
    }

    /// 415 `Bad Request`: the body is not JSON.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Bad Request", message)
    }

    /// 403 `Authorization Error`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Authorization Error", message)
    }

    /// The envelope for `action`.
    pub fn response(&self, help: String) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header(("Retry-After", "5"));
        }
        res.json(CkanFailure { help, success: false, error: self.body.clone() })
    }
}

impl From<AppError> for CkanError {
    fn from(e: AppError) -> Self {
        let message = e.detail.clone().unwrap_or_else(|| e.title().to_string());
        match e.status.as_u16() {
            404 | 410 => Self::not_found(message),
            403 => Self::forbidden(message),
            400 | 413 | 415 => Self::bad_request(message),
            422 if e.slug == "limit-exceeded" => Self::limit(e),
            409 | 422 => {
                let mut c = Self::new(StatusCode::CONFLICT, "Validation Error", message);
                for f in &e.errors {
                    c.body.fields.entry(f.field.clone()).or_default().push(f.message.clone());
                }
                c
            }
            s => {
                // Logged as any other failure; the body reveals nothing internal.
                if s >= 500 {
                    tracing::error!(error = %e, "CKAN action failed");
                }
                let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let message = if s == 503 { message } else { "Internal Server Error".to_string() };
                Self::new(status, "Internal Server Error", message)
            }
        }
    }
}

impl From<diesel::result::Error> for CkanError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::from(e).into()
    }
}

/// The success envelope.
pub fn success<T: Serialize>(help: String, result: T) -> HttpResponse {
    HttpResponse::Ok().json(CkanSuccess { help, success: true, result })
}
