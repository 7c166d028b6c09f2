//! One error type for the whole service, answered as RFC 9457
//! `application/problem+json` with an honest status per case.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/not-found")]
    pub type_: String,
    /// Short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this case, and what to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems: one entry per offending field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Further machine-readable facts about this problem (e.g. the id of an
    /// existing record on a conflict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Value>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `owner.email` or `data_items[2].name`.
    pub field: String,
    /// Why the value was refused.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// The service's error. Build it with the constructors below; anything
/// unexpected becomes [`AppError::internal`], which is logged in full and
/// answered with nothing internal. Boxed, so that `Result`s stay small.
#[derive(Debug, Clone)]
pub struct AppError(Box<ErrorInner>);

#[derive(Debug, Clone)]
pub struct ErrorInner {
    pub status: StatusCode,
    pub slug: &'static str,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub context: Option<serde_json::Value>,
    pub retry_after: Option<u64>,
    pub allow: Option<String>,
    /// For 416: `bytes */SIZE`.
    pub content_range: Option<String>,
    /// For 500s: the real cause, logged, never sent.
    internal: Option<String>,
}

impl std::ops::Deref for AppError {
    type Target = ErrorInner;
    fn deref(&self) -> &ErrorInner {
        &self.0
    }
}

impl std::ops::DerefMut for AppError {
    fn deref_mut(&mut self) -> &mut ErrorInner {
        &mut self.0
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.slug)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        if let Some(i) = &self.internal {
            write!(f, " ({i})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl AppError {
    fn new(status: StatusCode, slug: &'static str, detail: impl Into<Option<String>>) -> Self {
        Self(Box::new(ErrorInner {
            status,
            slug,
            detail: detail.into(),
            errors: Vec::new(),
            context: None,
            retry_after: None,
            allow: None,
            content_range: None,
            internal: None,
        }))
    }

    /// A problem for a bare status (for responses produced outside our code).
    pub fn from_status(status: StatusCode) -> Self {
        let slug = match status.as_u16() {
            400 => "bad-request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not-found",
            405 => "method-not-allowed",
            408 => "request-timeout",
            413 => "payload-too-large",
            415 => "unsupported-media-type",
            429 => "too-many-requests",
            503 => "service-unavailable",
            s if s >= 500 => "internal",
            _ => "error",
        };
        let mut e = Self::new(status, slug, None);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            e.retry_after = Some(5);
        }
        e
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", Some(detail.into()))
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", Some(detail.into()))
    }
    /// A 401 with its own problem type (e.g. `second-factor-required`).
    pub fn unauthorized_as(slug: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, slug, Some(detail.into()))
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", Some(detail.into()))
    }
    /// A 403 with its own problem type, for refusals a client acts on
    /// differently (e.g. `grant-required`, `organisation-suspended`).
    pub fn forbidden_as(slug: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, slug, Some(detail.into()))
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", Some(format!("{what} not found")))
    }
    pub fn not_found_detail(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", Some(detail.into()))
    }
    pub fn gone(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::GONE, "gone", Some(detail.into()))
    }
    pub fn method_not_allowed(allow: Vec<String>) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            Some(format!("this resource allows {}", allow.join(", "))),
        );
        e.allow = Some(allow.join(", "));
        e
    }
    /// 406: none of the representations the client accepts is offered.
    pub fn not_acceptable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_ACCEPTABLE, "not-acceptable", Some(detail.into()))
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", Some(detail.into()))
    }
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "precondition-failed", Some(detail.into()))
    }
    pub fn precondition_required(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_REQUIRED, "precondition-required", Some(detail.into()))
    }
    pub fn request_timeout(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::REQUEST_TIMEOUT, "request-timeout", Some(detail.into()))
    }
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", Some(detail.into()))
    }
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", Some(detail.into()))
    }
    pub fn range_not_satisfiable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::RANGE_NOT_SATISFIABLE, "range-not-satisfiable", Some(detail.into()))
    }
    pub fn too_many_requests(retry_after: u64, detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", Some(detail.into()));
        e.retry_after = Some(retry_after.max(1));
        e
    }
    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "service-unavailable", Some(detail.into()));
        e.retry_after = Some(5);
        e
    }
    /// 422 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let n = errors.len();
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            Some(if n == 1 {
                format!("{}: {}", errors[0].field, errors[0].message)
            } else {
                format!("{n} fields are invalid")
            }),
        );
        e.errors = errors;
        e
    }
    /// 422 `/problems/limit-exceeded`: a public query crossed one of the
    /// bounds of `http::query_limits` (named in the field error and context).
    pub fn limit_exceeded(error: FieldError, context: serde_json::Value) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit-exceeded",
            Some(format!("{}: {}", error.field, error.message)),
        );
        e.errors = vec![error];
        e.context = Some(context);
        e
    }
    /// 503 `/problems/query-timeout`: the database ended a public read at its
    /// time limit (PostgreSQL `statement_timeout`, SQLite's progress handler).
    pub fn query_timeout() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "query-timeout",
            Some(
                "the query ran past the time limit of public reads; narrow it (fewer words, filters or \
                 facets, a smaller page) or try again later"
                    .into(),
            ),
        );
        e.retry_after = Some(5);
        e
    }
    /// 503 `/problems/query-lane-full`: every slot for public searches is
    /// taken; sign-in, decisions and downloads are not affected.
    pub fn query_lane_full(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "query-lane-full",
            Some("too many public searches are running; try again shortly".into()),
        );
        e.retry_after = Some(retry_after.max(1));
        e
    }
    /// 422 for a single field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }
    /// Anything unexpected: logged with its cause, answered without it.
    pub fn internal(cause: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", None);
        e.internal = Some(cause.into());
        e
    }

    pub fn with_context(mut self, context: serde_json::Value) -> Self {
        self.context = Some(context);
        self
    }

    pub fn from_pool(e: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection");
        Self::unavailable("the database is not reachable; try again shortly")
    }

    pub fn title(&self) -> &'static str {
        match self.slug {
            "validation" => "Invalid request content",
            "grant-required" => "A grant is required",
            "organisation-suspended" => "Organisation suspended",
            "organisation-not-verified" => "Organisation not verified",
            "not-open" => "Not open",
            "grant-not-active" => "Grant not active",
            "listing-withdrawn" => "Listing withdrawn",
            "limit-exceeded" => "Query exceeds a limit",
            "query-timeout" => "Query took too long",
            "query-lane-full" => "Too many public searches",
            "second-factor-required" => "Second factor required",
            "api-key-not-allowed" => "API keys not allowed for this account",
            "second-factor-enrolment-required" => "Second factor enrolment required",
            _ => self.status.canonical_reason().unwrap_or("Error"),
        }
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            type_: format!("/problems/{}", self.slug),
            title: self.title().to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
            context: self.context.clone(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            match &self.internal {
                Some(cause) => tracing::error!(status = self.status.as_u16(), cause = %cause, "request failed"),
                None => tracing::warn!(status = self.status.as_u16(), detail = ?self.detail, "request failed"),
            }
        }
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(range) = &self.content_range {
            res.insert_header((header::CONTENT_RANGE, range.clone()));
        }
        if let Some(allow) = &self.allow {
            res.insert_header((header::ALLOW, allow.clone()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"datagate\""));
        }
        res.body(serde_json::to_vec(&self.to_problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match &e {
            E::NotFound => AppError::not_found("record"),
            E::DatabaseError(K::UniqueViolation, info) => {
                tracing::info!(message = info.message(), "unique violation");
                AppError::conflict("a record with the same unique value already exists")
            }
            E::DatabaseError(K::SerializationFailure, _) => {
                let mut e = AppError::conflict("a concurrent change interfered; retry the request");
                e.retry_after = Some(1);
                e
            }
            E::DatabaseError(K::ClosedConnection, _) => {
                AppError::unavailable("the database connection was lost; try again shortly")
            }
            // PostgreSQL cannot store U+0000 in text; the extractors refuse it
            // first, and this catches any input they do not see.
            E::DatabaseError(_, info) if info.message().contains("0x00") => {
                AppError::invalid("request", crate::http::nul::MESSAGE)
            }
            // A public read ended by its time limit: PostgreSQL's
            // statement_timeout, or SQLite's progress handler (db::deadline).
            E::DatabaseError(_, info) if is_timeout(info.message()) => AppError::query_timeout(),
            // A statement larger than the database accepts (SQLite's depth
            // of 1000 or its bound-parameter count, PostgreSQL's 65535
            // parameters or its stack): the bounds of http::query_limits keep
            // public queries far below; anything else built that large is the
            // client's doing, never a 500.
            E::DatabaseError(_, info) if is_too_large(info.message()) => {
                tracing::warn!(message = info.message(), "statement too large");
                AppError::invalid("query", "the query is too large; use fewer terms, filters or values")
            }
            E::DatabaseError(_, info) if is_busy(info.message()) => {
                AppError::unavailable("the database is busy; try again shortly")
            }
            _ => AppError::internal(format!("database: {e}")),
        }
    }
}

fn is_timeout(message: &str) -> bool {
    message.contains("canceling statement due to statement timeout") || message == "interrupted"
}

fn is_too_large(message: &str) -> bool {
    message.contains("Expression tree is too large")
        || message.contains("too many SQL variables")
        || message.contains("too many terms in compound SELECT")
        || message.contains("parser stack overflow")
        || message.contains("stack depth limit exceeded")
        || message.contains("number of parameters must be between")
}

fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database is busy")
        || message.contains("deadlock detected")
        || message.contains("server closed the connection")
        || message.contains("terminating connection")
        || message.contains("no connection to the server")
        || message.contains("could not connect")
}

/// Collects field errors so that a request reports all of them at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
    /// An error that is not about a field (from [`Validator::collect`]); it wins.
    other: Option<AppError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Records `message` for `field` unless `ok`.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.add(field, message);
        }
    }

    /// Takes the value of a parse, recording its error under `field`.
    pub fn parse<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// Takes the value of a check that reports its own field errors (such as
    /// [`crate::http::paging::PageParams::limit`]), keeping them with the
    /// others. Any other error is kept as it is and returned by `finish`.
    pub fn collect<T>(&mut self, r: Result<T, AppError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) if e.errors.is_empty() => {
                self.other.get_or_insert(e);
                None
            }
            Err(e) => {
                self.errors.extend(e.errors.iter().cloned());
                None
            }
        }
    }

    /// A trimmed text of 1..=max characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let t = value.trim();
        if t.is_empty() {
            self.add(field, "must not be empty");
        } else if t.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        t.to_string()
    }

    /// An optional text: empty becomes `None`.
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let t = value.map(str::trim).filter(|t| !t.is_empty())?;
        if t.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        Some(t.to_string())
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.other.is_none()
    }

    pub fn finish(self) -> Result<(), AppError> {
        if let Some(e) = self.other {
            return Err(e);
        }
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::validation(self.errors)) }
    }
}

pub type AppResult<T> = Result<T, AppError>;
