//! What wraps every response of the portal's paths: strict security
//! headers, the cookies extractors asked for, and error pages in the
//! person's language (never a stack trace or problem+json) with the
//! request id to quote.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use askama::Template;

use super::csrf::{CSRF_COOKIE, NewSecret};
use super::session::{self, SESSION_COOKIE, StaleSession};
use super::ui::Ui;
use crate::app::AppState;
use crate::error::{AppError, AppResult};

/// The policy of every page: nothing from elsewhere, no inline script or
/// style (a JSON-LD data block is not script), no framing, forms only to
/// this site.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Whether a path belongs to the portal rather than to an API or operations
/// endpoint (which keep their problem+json errors and headers).
pub fn is_page_path(path: &str) -> bool {
    const NOT_PAGES: &[&str] = &["/api/", "/docs", "/.well-known/", "/healthz", "/readyz", "/metrics"];
    path != "/api" && !NOT_PAGES.iter().any(|p| path.starts_with(p))
}

/// A rendered page.
pub fn html<T: Template>(page: &T) -> AppResult<HttpResponse> {
    render(page).map(html_body)
}

/// A page's HTML.
pub fn render<T: Template>(page: &T) -> AppResult<String> {
    page.render().map_err(|e| AppError::internal(format!("render page: {e}")))
}

/// The response carrying a page's HTML.
pub fn html_body(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body)
}

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ui: Ui,
    pub status: u16,
    /// The message keys of the heading and the explanation.
    pub heading: String,
    pub body: String,
    /// What exactly was wrong, where the page can say it (a bound crossed).
    pub detail: Option<String>,
}

/// The message keys for an error's status and kind.
fn messages(status: u16, slug: Option<&str>) -> &'static str {
    match (status, slug) {
        (403, Some("csrf")) => "csrf",
        (403, Some("organisation-suspended")) => "suspended",
        (422, Some("limit-exceeded")) => "limit",
        (400 | 422, _) => "bad-request",
        (403, _) => "forbidden",
        (404 | 410, _) => "not-found",
        (405, _) => "method",
        (413, _) => "too-large",
        (415, _) => "bad-request",
        (429, _) => "too-many",
        (503, _) => "unavailable",
        (s, _) if s >= 500 => "internal",
        _ => "other",
    }
}

fn error_page(res: ServiceResponse) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let err = res.response().error().and_then(|e| e.as_error::<AppError>());
    let slug = err.map(|e| e.slug);
    let limit = err.filter(|e| e.slug == "limit-exceeded").and_then(|e| e.context.clone());
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let allow = res.headers().get(header::ALLOW).cloned();
    let (req, _) = res.into_parts();
    let key = messages(status.as_u16(), slug);
    let rendered = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("application state missing"))
        .and_then(|state| Ui::build(&req, state, None))
        .and_then(|ui| {
            let page = ErrorPage {
                status: status.as_u16(),
                heading: format!("error-{key}-title"),
                body: format!("error-{key}-body"),
                detail: limit.as_ref().map(|c| ui.limit_detail(c)),
                ui,
            };
            page.render().map_err(|e| AppError::internal(format!("render error page: {e}")))
        });
    let mut out = HttpResponse::build(status);
    out.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(v) = retry_after {
        out.insert_header((header::RETRY_AFTER, v));
    }
    if let Some(v) = allow {
        out.insert_header((header::ALLOW, v));
    }
    let out = match rendered {
        Ok(body) => out.content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = %e, "error page could not be rendered");
            out.content_type("text/plain; charset=utf-8").body(format!("{} {}", status.as_u16(), status))
        }
    };
    ServiceResponse::new(req, out)
}

fn is_html(res: &ServiceResponse<impl MessageBody>) -> bool {
    res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

/// Wraps the whole application; acts on the portal's paths only.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !is_page_path(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // A NUL in the path reaches no handler (`http::nul`); here it is a page.
    let res = if req.path().contains("%00") {
        req.error_response(crate::http::nul::path_error())
    } else {
        next.call(req).await?.map_into_boxed_body()
    };
    let mut res = if res.status().as_u16() >= 400 && !is_html(&res) {
        error_page(res.map_into_boxed_body())
    } else {
        res.map_into_boxed_body()
    };
    let state = res.request().app_data::<web::Data<AppState>>().cloned();
    let (new_secret, stale) = {
        let ext = res.request().extensions();
        (ext.get::<NewSecret>().cloned(), ext.get::<StaleSession>().is_some())
    };
    if let Some(state) = state {
        let config = &state.config;
        if let Some(NewSecret(s)) = new_secret {
            res.response_mut().add_cookie(&session::cookie(config, CSRF_COOKIE, s))?;
        }
        if stale {
            res.response_mut().add_cookie(&session::removal(config, SESSION_COOKIE))?;
        }
        if session::secure(config) {
            res.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
        }
    }
    let page = is_html(&res);
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if page {
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        }
        h.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Language"));
    }
    Ok(res)
}
