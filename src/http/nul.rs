//! NUL characters (U+0000) in client input. PostgreSQL cannot store them in
//! text, so they are refused where they enter — in JSON bodies and query
//! strings with a 422 naming the field, in paths with a 404 (no resource has
//! one in its name; in CKAN's envelope under the CKAN API) — the same on
//! both databases.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError, web};
use serde_json::Value;

use crate::app::AppState;
use crate::ckan::envelope::CkanError;
use crate::error::{AppError, FieldError};

pub const MESSAGE: &str = "must not contain NUL characters (U+0000)";

/// The paths of the strings (values or keys) in `v` that hold a NUL, in
/// the notation of field errors (`owner.email`, `keywords[2]`).
pub fn find_in_json(v: &Value) -> Vec<String> {
    fn walk(v: &Value, path: &str, found: &mut Vec<String>) {
        let at = |name: &str| if path.is_empty() { name.to_string() } else { format!("{path}.{name}") };
        match v {
            Value::String(s) if s.contains('\0') => {
                found.push(if path.is_empty() { "body".into() } else { path.into() })
            }
            Value::Array(items) => {
                items.iter().enumerate().for_each(|(i, item)| walk(item, &format!("{path}[{i}]"), found))
            }
            Value::Object(map) => map.iter().for_each(|(k, item)| {
                if k.contains('\0') { found.push(at(&k.replace('\0', "\\u0000"))) } else { walk(item, &at(k), found) }
            }),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(v, "", &mut found);
    found
}

/// Refuses a JSON body with a NUL in any string. Cheap for the usual body:
/// a NUL can only be written as the escape `\u0000`, so only a body holding
/// that sequence is parsed a second time to find the field.
pub fn check_json(bytes: &[u8]) -> Result<(), AppError> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    let fields = serde_json::from_slice::<Value>(bytes).map(|v| find_in_json(&v)).unwrap_or_default();
    if fields.is_empty() {
        return Ok(());
    }
    Err(AppError::validation(fields.into_iter().map(|f| FieldError::new(f, MESSAGE)).collect()))
}

/// Refuses decoded query parameters holding a NUL, naming the parameter.
pub fn check_query(query: &str) -> Result<(), AppError> {
    if !query.contains("%00") {
        return Ok(());
    }
    match form_urlencoded::parse(query.as_bytes()).find(|(k, v)| k.contains('\0') || v.contains('\0')) {
        Some((k, _)) => Err(AppError::invalid(k.replace('\0', "\\u0000"), MESSAGE)),
        None => Ok(()),
    }
}

/// The refusal of a path holding a NUL.
pub fn path_error() -> AppError {
    AppError::not_found_detail("there is no resource at this path: it contains a NUL character")
}

/// Answers a request whose path holds an encoded NUL with 404 before any
/// handler sees it. A page path is left to the portal's frame, which answers
/// the same 404 as a page (`portal::frame::middleware`).
pub async fn reject_in_path(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, Error> {
    if req.path().contains("%00") && !crate::portal::is_page_path(req.path()) {
        let path = req.path();
        let res: HttpResponse = if path.starts_with("/api/3/") || path.starts_with("/api/action/") {
            // The CKAN API answers in CKAN's envelope, as for any other unknown action.
            let public_url = req.app_data::<web::Data<AppState>>().map(|s| s.config.public_url.clone());
            let action = path.rsplit('/').next().unwrap_or_default().replace("%00", "");
            let help = format!(
                "{}/api/3/action/help_show?name={action}",
                public_url.as_deref().unwrap_or_default().trim_end_matches('/')
            );
            CkanError::not_found("Not found: the action name contains a NUL character").response(help)
        } else {
            path_error().error_response()
        };
        return Ok(req.into_response(res).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}
