//! The HTTP side of the CKAN API: every action answers GET (query
//! parameters) and POST (a JSON object), in CKAN's envelope.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use serde::Serialize;

use super::actions::{self, SearchResult, StatusInfo};
use super::envelope::{CkanError, CkanFailure, CkanResult, CkanSuccess, success};
use super::orgs::{self, CkanLicense, NamesOr};
use super::package::{CkanGroup, CkanOrganization, CkanPackage, CkanResource, CkanTag};
use super::params::Params;
use crate::app::AppState;
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::fallback::RouteTable;

fn help(state: &AppState, action: &str) -> String {
    format!("{}/api/3/action/help_show?name={action}", state.config.public_url.trim_end_matches('/'))
}

/// The parameters of a request: the query string, and for a POST its JSON
/// object on top.
fn params(req: &HttpRequest, body: Option<&[u8]>) -> CkanResult<Params> {
    let mut p = Params::from_query(req.query_string());
    if let Some(body) = body.filter(|b| !b.iter().all(u8::is_ascii_whitespace)) {
        let ctype = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !ctype.is_empty() && !ctype.starts_with("application/json") {
            return Err(CkanError::unsupported_media_type(format!(
                "Bad request - send parameters as a JSON object (application/json), not {ctype}"
            )));
        }
        p.extend(Params::from_body(body)?);
    }
    p.refuse_nul()?;
    Ok(p)
}

/// Runs an action on the blocking pool and answers in CKAN's envelope.
async fn answer<T, F>(state: &AppState, req: &HttpRequest, body: Option<&[u8]>, action: &str, f: F) -> HttpResponse
where
    F: FnOnce(&mut DbConn, &Params, &str) -> CkanResult<T> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let help = help(state, action);
    let p = match params(req, body) {
        Ok(p) => p,
        Err(e) => return e.response(help),
    };
    let base = state.config.public_url.trim_end_matches('/').to_string();
    // Every action is an anonymous read: in the query lane, under its time limit.
    let outcome =
        state.lane.read(&state.db, move |conn| Ok(f(conn, &p, &base))).await.map_err(CkanError::from).and_then(|r| r);
    match outcome {
        Ok(result) => success(help, result),
        Err(e) => e.response(help),
    }
}

/// Any other action name: CKAN's 400. A known action called with a method
/// it does not answer is the HTTP layer's 405 with `Allow` (problem+json), as
/// anywhere else.
pub async fn unknown_action(
    state: web::Data<AppState>,
    routes: web::Data<RouteTable>,
    name: web::Path<String>,
) -> HttpResponse {
    let name = name.into_inner();
    if let Some(allowed) = routes.allowed(&format!("/api/3/action/{name}")) {
        return AppError::method_not_allowed(allowed).error_response();
    }
    CkanError::bad_request(format!("Bad request - Action name not known: {name}")).response(help(&state, &name))
}

/// Declares an action's GET and POST handlers with their OpenAPI documentation.
macro_rules! ckan_action {
    (
        $(#[doc = $doc:literal])*
        $get:ident, $post:ident, $path:literal, $get_id:literal, $post_id:literal, $action:literal,
        result = $result:ty,
        params = [$(($pname:literal, $ptype:ty, $pdesc:literal)),* $(,)?],
        run = $run:expr
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            tag = "ckan",
            operation_id = $get_id,
            params($(($pname = Option<$ptype>, Query, description = $pdesc)),*),
            responses(
                (status = 200, description = "CKAN's success envelope", body = CkanSuccess<$result>),
                (status = 400, description = "Bad request, or a parameter over a bound of public queries (`fq_clauses`, `q_terms`, `offset`, ...: the message names it) (CKAN envelope)", body = CkanFailure),
                (status = 404, description = "Not Found Error (CKAN envelope)", body = CkanFailure),
                (status = 409, description = "Validation Error: a parameter is invalid (CKAN envelope)", body = CkanFailure),
                (status = 503, description = "The database is unreachable, the query ran past the time limit of public reads, or every slot for public searches is taken; with Retry-After (CKAN envelope)", body = CkanFailure),
            )
        )]
        #[get($path)]
        pub async fn $get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
            answer(&state, &req, None, $action, $run).await
        }

        $(#[doc = $doc])*
        #[utoipa::path(
            tag = "ckan",
            operation_id = $post_id,
            request_body(content = Object, description = "The parameters as one JSON object (as for GET)"),
            responses(
                (status = 200, description = "CKAN's success envelope", body = CkanSuccess<$result>),
                (status = 400, description = "The body is not a JSON object, or a parameter is over a bound of public queries (the message names it) (CKAN envelope)", body = CkanFailure),
                (status = 404, description = "Not Found Error (CKAN envelope)", body = CkanFailure),
                (status = 409, description = "Validation Error: a parameter is invalid (CKAN envelope)", body = CkanFailure),
                (status = 415, description = "The body is not JSON (CKAN envelope)", body = CkanFailure),
                (status = 503, description = "The database is unreachable, the query ran past the time limit of public reads, or every slot for public searches is taken; with Retry-After (CKAN envelope)", body = CkanFailure),
            )
        )]
        #[post($path)]
        pub async fn $post(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
            answer(&state, &req, Some(&body), $action, $run).await
        }
    };
}

ckan_action!(
    /// CKAN `status_show`: the site and the API version it speaks.
    ckan_status_show, ckan_status_show_post, "/status_show", "ckan_status_show", "ckan_status_show_post", "status_show",
    result = StatusInfo,
    params = [],
    run = |_: &mut DbConn, _: &Params, base: &str| Ok(actions::status_show(base))
);

ckan_action!(
    /// CKAN `site_read`: whether the catalogue may be read (always).
    ckan_site_read, ckan_site_read_post, "/site_read", "ckan_site_read", "ckan_site_read_post", "site_read",
    result = bool,
    params = [],
    run = |_: &mut DbConn, _: &Params, _: &str| Ok(true)
);

ckan_action!(
    /// CKAN `package_list`: names of the published datasets and corpora, by name.
    ckan_package_list, ckan_package_list_post, "/package_list", "ckan_package_list", "ckan_package_list_post",
    "package_list",
    result = Vec<String>,
    params = [("limit", i64, "At most this many (0–1000, default 1000)"), ("offset", i64, "Skip this many")],
    run = |conn: &mut DbConn, p: &Params, _: &str| actions::package_list(conn, p)
);

ckan_action!(
    /// CKAN `package_show`: a dataset or corpus by id or name, with its resources.
    /// Withdrawn listings are `state: deleted`; drafts are never shown.
    ckan_package_show, ckan_package_show_post, "/package_show", "ckan_package_show", "ckan_package_show_post",
    "package_show",
    result = CkanPackage,
    params = [("id", String, "The listing's id or name")],
    run = |conn: &mut DbConn, p: &Params, base: &str| actions::package_show(conn, p, base)
);

ckan_action!(
    /// CKAN `package_search`: full-text search (Chinese and English) over the
    /// published datasets and corpora, with `fq` filters, paging, sorts and facets.
    ckan_package_search, ckan_package_search_post, "/package_search", "ckan_package_search",
    "ckan_package_search_post", "package_search",
    result = SearchResult,
    params = [
        ("q", String, "Search text, Chinese and/or English; `*:*` or empty for everything"),
        ("fq", String, "Filters `field:value` (quoted values may hold spaces): organization, groups, tags, res_format, license_id, open_condition, modality, type"),
        ("rows", i64, "Results per page (default 10, at most 1000)"),
        ("start", i64, "Offset of the first result"),
        ("sort", String, "`score desc` (default with q), `metadata_modified desc` (default without), `title_string asc`"),
        ("facet.field", String, "JSON list of fields to count, e.g. [\"organization\",\"groups\",\"res_format\"]"),
        ("facet.limit", i64, "Values per facet (default and at most 50; -1 for all up to 50)"),
    ],
    run = |conn: &mut DbConn, p: &Params, base: &str| actions::package_search(conn, p, base)
);

ckan_action!(
    /// CKAN `resource_show`: one distribution. For data that is not open to
    /// everyone its `url` is the listing's page, never the file.
    ckan_resource_show, ckan_resource_show_post, "/resource_show", "ckan_resource_show", "ckan_resource_show_post",
    "resource_show",
    result = CkanResource,
    params = [("id", String, "The distribution's id")],
    run = |conn: &mut DbConn, p: &Params, base: &str| actions::resource_show(conn, p, base)
);

ckan_action!(
    /// CKAN `organization_list`: the bureaus (names, or objects with `all_fields`).
    ckan_organization_list, ckan_organization_list_post, "/organization_list", "ckan_organization_list",
    "ckan_organization_list_post", "organization_list",
    result = NamesOr<CkanOrganization>,
    params = [
        ("all_fields", bool, "Whole objects with package_count instead of names"),
        ("sort", String, "`name asc` (default), `title asc` or `package_count desc`"),
        ("limit", i64, "At most this many (default and at most 1000)"),
        ("offset", i64, "Skip this many"),
    ],
    run = |conn: &mut DbConn, p: &Params, _: &str| orgs::organization_list(conn, p)
);

ckan_action!(
    /// CKAN `organization_show`: a bureau by code or id.
    ckan_organization_show, ckan_organization_show_post, "/organization_show", "ckan_organization_show",
    "ckan_organization_show_post", "organization_show",
    result = CkanOrganization,
    params = [("id", String, "The bureau's code or id")],
    run = |conn: &mut DbConn, p: &Params, _: &str| orgs::organization_show(conn, p)
);

ckan_action!(
    /// CKAN `group_list`: the domains (education, healthcare, …) as groups.
    ckan_group_list, ckan_group_list_post, "/group_list", "ckan_group_list", "ckan_group_list_post", "group_list",
    result = NamesOr<CkanGroup>,
    params = [
        ("all_fields", bool, "Whole objects with package_count instead of names"),
        ("sort", String, "`name asc` (default), `title asc` or `package_count desc`"),
        ("limit", i64, "At most this many (default and at most 1000)"),
        ("offset", i64, "Skip this many"),
    ],
    run = |conn: &mut DbConn, p: &Params, _: &str| orgs::group_list(conn, p)
);

ckan_action!(
    /// CKAN `group_show`: a domain by code.
    ckan_group_show, ckan_group_show_post, "/group_show", "ckan_group_show", "ckan_group_show_post", "group_show",
    result = CkanGroup,
    params = [("id", String, "The domain's code, e.g. education")],
    run = |conn: &mut DbConn, p: &Params, _: &str| orgs::group_show(conn, p)
);

ckan_action!(
    /// CKAN `tag_list`: the keywords of published listings.
    ckan_tag_list, ckan_tag_list_post, "/tag_list", "ckan_tag_list", "ckan_tag_list_post", "tag_list",
    result = NamesOr<CkanTag>,
    params = [
        ("query", String, "Only tags containing this text"),
        ("all_fields", bool, "Whole objects instead of names"),
        ("limit", i64, "At most this many (default and at most 1000)"),
        ("offset", i64, "Skip this many"),
    ],
    run = |conn: &mut DbConn, p: &Params, _: &str| orgs::tag_list(conn, p)
);

ckan_action!(
    /// CKAN `license_list`: the licences of published listings.
    ckan_license_list, ckan_license_list_post, "/license_list", "ckan_license_list", "ckan_license_list_post",
    "license_list",
    result = Vec<CkanLicense>,
    params = [],
    run = |conn: &mut DbConn, _: &Params, base: &str| orgs::license_list(conn, base)
);

/// Registers every action (the same list for both prefixes).
macro_rules! register_actions {
    ($cfg:expr) => {
        $cfg.service(ckan_status_show)
            .service(ckan_status_show_post)
            .service(ckan_site_read)
            .service(ckan_site_read_post)
            .service(ckan_package_list)
            .service(ckan_package_list_post)
            .service(ckan_package_show)
            .service(ckan_package_show_post)
            .service(ckan_package_search)
            .service(ckan_package_search_post)
            .service(ckan_resource_show)
            .service(ckan_resource_show_post)
            .service(ckan_organization_list)
            .service(ckan_organization_list_post)
            .service(ckan_organization_show)
            .service(ckan_organization_show_post)
            .service(ckan_group_list)
            .service(ckan_group_list_post)
            .service(ckan_group_show)
            .service(ckan_group_show_post)
            .service(ckan_tag_list)
            .service(ckan_tag_list_post)
            .service(ckan_license_list)
            .service(ckan_license_list_post)
            // Last, so that it only answers names no action has.
            .route("/{name}", web::route().to(unknown_action))
    };
}

/// The actions under `/api/3/action` (documented in the OpenAPI document).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    register_actions!(cfg);
}

/// The same actions under `/api/action`, the unversioned prefix CKAN also
/// serves and that clients such as ckanapi call; not repeated in the OpenAPI
/// document.
pub fn configure_unversioned(cfg: &mut web::ServiceConfig) {
    register_actions!(cfg);
}
