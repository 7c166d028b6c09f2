//! What the portal's forms share: the errors a service reported, turned
//! into a summary at the top of the page and a message at each field (the
//! GOV.UK pattern), in the person's language. The rules stay in the
//! services; a page only says which of its fields a refusal names.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::ui::Ui;
use crate::error::{AppError, AppResult};

/// A message at a field.
#[derive(Debug, Clone)]
pub struct FieldErr {
    /// The form field's name.
    pub field: String,
    pub message: String,
}

impl FieldErr {
    /// The `id` of the field's control, which the summary links to.
    pub fn id(&self) -> String {
        field_id(&self.field)
    }
}

/// The `id` of a form control named `field`.
pub fn field_id(field: &str) -> String {
    format!("f-{}", field.replace(['.', '_', '[', ']'], "-"))
}

/// What went wrong with a form: field messages and a message for the whole form.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    pub list: Vec<FieldErr>,
    pub summary: Option<String>,
}

impl Errors {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn any(&self) -> bool {
        !self.list.is_empty() || self.summary.is_some()
    }

    /// The message at a field, if any.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.list.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// Whether a field has a message (for `aria-invalid`).
    pub fn has(&self, field: &str) -> bool {
        self.of(field).is_some()
    }

    pub fn add(&mut self, field: &str, message: String) {
        if !self.has(field) {
            self.list.push(FieldErr { field: field.to_string(), message });
        }
    }

    /// The field errors of a service's refusal, each at the form field
    /// `rename` maps its name to (`None`: the form has no such field, so the
    /// message joins the summary), in the words of the catalogue's
    /// `field-{form}-{field}` message. A refusal without field errors
    /// becomes the summary `other(e)`.
    pub fn from_refusal(
        ui: &Ui,
        form: &str,
        e: &AppError,
        rename: impl Fn(&str) -> Option<String>,
        other: impl Fn(&AppError) -> String,
    ) -> Self {
        let mut out = Errors::none();
        for fe in &e.errors {
            match rename(&fe.field) {
                Some(field) => {
                    let key = format!("field-{form}-{}", field.replace('_', "-"));
                    let message = if ui.tr.has(&key) { ui.t(&key) } else { fe.message.clone() };
                    out.add(&field, message);
                }
                None => out.summary = Some(fe.message.clone()),
            }
        }
        if e.errors.is_empty() {
            out.summary = Some(other(e));
        }
        out
    }
}

/// Whether a service's refusal is the person's to fix on the form (rather
/// than a fault that the error pages explain).
pub fn is_refusal(e: &AppError) -> bool {
    let s = e.status.as_u16();
    (400..500).contains(&s) && s != 404 && s != 405 && s != 413 && s != 415
}

/// A form page sent back with its errors: 422 for field errors, else the
/// refusal's own status.
pub fn again<T: Template>(page: &T, status: StatusCode) -> AppResult<HttpResponse> {
    let body = page.render().map_err(|e| AppError::internal(format!("render page: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// A value typed into a form, trimmed, with an empty one as absent.
pub fn typed(v: &str) -> Option<String> {
    Some(v.trim()).filter(|v| !v.is_empty()).map(str::to_string)
}
