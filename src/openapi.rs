//! The OpenAPI document: its fixed parts (info, security schemes, tags, the
//! shared error responses) and its rendering. Paths are collected from the
//! handlers registered in [`crate::app::api_routes`].

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The shared problem+json responses handlers refer to by name.
pub mod responses {
    use utoipa::ToResponse;

    use crate::error::Problem;

    macro_rules! problem_response {
        ($name:ident, $description:literal) => {
            #[derive(ToResponse)]
            #[response(description = $description, content_type = "application/problem+json")]
            #[allow(dead_code)]
            pub struct $name(Problem);
        };
    }

    problem_response!(BadRequest, "Malformed request (e.g. the body is not valid JSON)");
    problem_response!(Unauthorized, "No valid credential: missing, malformed, expired or revoked token or API key");
    problem_response!(Forbidden, "The caller may not do this (wrong role, organisation not verified or suspended)");
    problem_response!(NotFound, "No such resource, or not one the caller may see");
    problem_response!(Gone, "The listing was withdrawn; its files are no longer offered");
    problem_response!(Conflict, "Conflicts with the current state or an existing record");
    problem_response!(PreconditionFailed, "If-Match does not match the current ETag: reload and retry");
    problem_response!(PreconditionRequired, "The request must carry If-Match with the current ETag");
    problem_response!(RequestTimeout, "The request body stalled longer than the configured idle timeout");
    problem_response!(PayloadTooLarge, "The body is larger than the configured limit");
    problem_response!(UnsupportedMediaType, "Wrong Content-Type");
    problem_response!(RangeNotSatisfiable, "The requested range lies outside the file");
    problem_response!(Unprocessable, "Invalid fields; `errors` lists each with a message");
    problem_response!(TooManyRequests, "Too many attempts; retry after the number of seconds in Retry-After");
    problem_response!(NotAcceptable, "None of the media types in Accept is offered; the detail lists those that are");
    problem_response!(Unavailable, "The database is unreachable; retry after the number of seconds in Retry-After");
    problem_response!(
        QueryRefused,
        "Invalid fields, or (`/problems/limit-exceeded`) a bound of public queries exceeded: `errors` names the \
         field, `context` the bound (`limit`, `max`, `actual`)"
    );
    problem_response!(
        QueryUnavailable,
        "The database is unreachable, the query ran past the time limit of public reads \
         (`/problems/query-timeout`), or every slot for public searches is taken (`/problems/query-lane-full`); \
         retry after the number of seconds in Retry-After"
    );
}

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        let mut jwt = Http::new(HttpAuthScheme::Bearer);
        jwt.bearer_format = Some("JWT".into());
        jwt.description = Some("Access token from POST /api/v1/auth/token (EdDSA-signed JWT, 15 minutes).".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(jwt));
        let mut key = Http::new(HttpAuthScheme::Bearer);
        key.bearer_format = Some("dgk_…".into());
        key.description = Some("API key from POST /api/v1/api-keys, sent as `Authorization: Bearer dgk_…`.".into());
        components.add_security_scheme("api_key", SecurityScheme::Http(key));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "datagate",
        description = "The city's public-data catalogue and the gate through which AI enterprises obtain \
time-bound, audited grants to conditional data. Errors are RFC 9457 problem+json; lists use cursor paging; \
see docs/API-DESIGN.md.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(
        schemas(crate::error::Problem, crate::error::FieldError, crate::listings::search::SortOrder),
        responses(
            responses::BadRequest, responses::Unauthorized, responses::Forbidden, responses::NotFound,
            responses::Conflict, responses::Gone, responses::PreconditionFailed, responses::PreconditionRequired,
            responses::RequestTimeout, responses::PayloadTooLarge, responses::UnsupportedMediaType, responses::RangeNotSatisfiable,
            responses::Unprocessable, responses::TooManyRequests, responses::Unavailable,
            responses::NotAcceptable, responses::QueryRefused, responses::QueryUnavailable,
        ),
    ),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Signing in, tokens, the caller, and the public keys"),
        (name = "api-keys", description = "API keys for scripts and pipelines"),
        (name = "enterprises", description = "AI enterprises: registration and verification"),
        (name = "bureaus", description = "Data-owning government departments"),
        (name = "users", description = "People of an organisation"),
        (name = "datasets", description = "The open list of public data (公共数据资源开放清单)"),
        (name = "corpora", description = "The training-corpus catalogue (行业大数据训练库): text, image, sensor and map \
corpora for model builders, with datasheets, lineage to the open list, and Croissant and schema.org exports"),
        (name = "distributions", description = "Files and APIs of listings: upload, download"),
        (name = "access", description = "Access requests, grants, data tokens, the access log and usage reports"),
        (name = "catalogue", description = "Vocabularies and documents shared by the catalogues"),
        (name = "audit", description = "The hash-chained audit trail: every state change, and its verification"),
        (name = "operations", description = "Health and readiness"),
        (name = "ckan", description = "The CKAN Action API v3, read side, for CKAN clients and harvesters \
(docs/CKAN.md): CKAN's envelope and error types, not problem+json"),
    )
)]
pub struct ApiDoc;

/// The document as served and as committed: pretty JSON with a final newline.
pub fn render(api: &utoipa::openapi::OpenApi) -> String {
    let mut s = api.to_pretty_json().unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
