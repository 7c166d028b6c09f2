//! Builds the actix application from its state: the same function serves
//! `datagate serve`, the tests, and `datagate openapi`.

use std::sync::Arc;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, from_fn};
use actix_web::{App, Error, HttpResponse, ResponseError, web};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::Signer;
use crate::auth::keys::TokenKeys;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Db;
use crate::distributions::storage::Storage;
use crate::error::{AppError, PROBLEM_JSON};
use crate::http::extract::BodyLimit;
use crate::http::fallback::{RouteTable, fallback};
use crate::http::rate_limit::RateLimits;
use crate::http::{conventions, request_id};
use crate::listings::cache::CatalogueCache;
use crate::openapi::{ApiDoc, render};
use crate::{audit, auth, ckan, corpora, dcat, distributions, grants, listings, ops, orgs, portal};

/// Everything a request handler may need, shared by all workers.
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub signer: Signer,
    pub clock: SharedClock,
    pub storage: Storage,
    pub cache: CatalogueCache,
    pub limits: RateLimits,
    /// Public reads: their slots and time limit (`db::lane`).
    pub lane: crate::db::lane::QueryLane,
    /// Seals second-factor secrets at rest.
    pub seal: crate::auth::totp::SealKey,
    /// The group commit of data-token issues (`grants::issue_log`).
    pub issue_log: crate::grants::issue_log::IssueLog,
}

impl AppState {
    pub fn new(db: Db, config: Config, keys: TokenKeys, clock: SharedClock) -> Result<Self, String> {
        let signer = Signer { keys, issuer: config.public_url.clone() };
        let storage = Storage::open(config.storage_url.as_deref(), &config.data_dir.join("files"))?;
        let cache = CatalogueCache::new(db.generation(), !config.cache_refresh.is_zero());
        let limits = RateLimits::from_config(&config);
        let seal = crate::auth::totp::SealKey::load_or_create(&config.seal_key_file)?;
        crate::telemetry::handle();
        let lane = crate::db::lane::QueryLane::new(config.query_slots, config.query_timeout, config.query_wait);
        let issue_log = crate::grants::issue_log::IssueLog::new(db.url().clone());
        Ok(Self { db, config: Arc::new(config), signer, clock, storage, cache, limits, lane, seal, issue_log })
    }
}

/// The endpoints under `/api/v1`.
fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(auth::session::create_token)
        .service(auth::session::refresh_token)
        .service(auth::session::logout)
        .service(auth::session::get_me)
        .service(auth::second_factor::start_totp)
        .service(auth::second_factor::confirm_totp)
        .service(auth::second_factor::disable_totp)
        .service(auth::second_factor::delete_sign_in_lock)
        .service(auth::apikeys::create_api_key)
        .service(auth::apikeys::list_api_keys)
        .service(auth::apikeys::delete_api_key)
        .service(orgs::enterprises::create_enterprise)
        .service(orgs::enterprises::list_enterprises)
        .service(orgs::enterprises::get_enterprise)
        .service(orgs::enterprises::verify_enterprise)
        .service(orgs::enterprises::reject_enterprise)
        .service(orgs::enterprises::suspend_enterprise)
        .service(orgs::enterprises::reinstate_enterprise)
        .service(orgs::users::list_enterprise_users)
        .service(orgs::users::create_enterprise_user)
        .service(orgs::users::delete_enterprise_user)
        .service(orgs::bureaus::create_bureau)
        .service(orgs::bureaus::list_bureaus)
        .service(orgs::bureaus::get_bureau)
        .service(orgs::users::list_bureau_users)
        .service(orgs::users::create_bureau_user)
        .service(orgs::users::delete_bureau_user)
        .service(listings::domains::list_domains)
        .service(listings::domains::create_domain)
        .service(listings::datasets::create_dataset)
        .service(listings::datasets::list_datasets)
        .service(listings::datasets::get_dataset)
        .service(listings::datasets::update_dataset)
        .service(listings::datasets::publish_dataset)
        .service(listings::datasets::withdraw_dataset)
        .service(listings::datasets::list_dataset_revisions)
        .service(listings::datasets::create_dataset_distribution)
        .service(listings::datasets::get_dataset_schema_org)
        .service(corpora::api::create_corpus)
        .service(corpora::api::list_corpora)
        .service(corpora::api::get_corpus)
        .service(corpora::api::update_corpus)
        .service(corpora::api::publish_corpus)
        .service(corpora::api::withdraw_corpus)
        .service(corpora::api::list_corpus_revisions)
        .service(corpora::api::create_corpus_distribution)
        .service(corpora::api::get_corpus_croissant)
        .service(corpora::api::get_corpus_schema_org)
        .service(listings::openlist::get_open_list_csv)
        .service(listings::openlist::get_open_list_xlsx)
        .service(distributions::api::get_distribution)
        .service(distributions::api::update_distribution)
        .service(distributions::api::delete_distribution)
        .service(distributions::api::upload_distribution_file)
        .service(distributions::download::get_distribution_file)
        .service(distributions::download::head_distribution_file)
        .service(distributions::disclosure::get_distribution_disclosure)
        .service(distributions::disclosure::update_distribution_disclosure)
        .service(crate::profiles::api::get_distribution_profile)
        .service(grants::requests::create_access_request)
        .service(grants::requests::list_access_requests)
        .service(grants::requests::get_access_request)
        .service(grants::decisions::create_access_request_opinion)
        .service(grants::decisions::approve_access_request)
        .service(grants::decisions::reject_access_request)
        .service(grants::decisions::withdraw_access_request)
        .service(grants::grants_api::list_grants)
        .service(grants::grants_api::get_grant)
        .service(grants::grants_api::revoke_grant)
        .service(grants::suspension::reinstate_grant)
        .service(grants::tokens::create_grant_access_token)
        .service(grants::tokens::create_token_introspection)
        .service(grants::aggregate::create_grant_query)
        .service(grants::aggregate::get_grant_privacy_budget)
        .service(grants::usage::create_usage_report)
        .service(grants::usage::list_usage_reports)
        .service(grants::access_log::list_access_log)
        .service(audit::api::list_audit_entries)
        .service(audit::api::verify_audit_chain)
        .service(audit::proofs::list_audit_checkpoints)
        .service(audit::proofs::create_audit_checkpoint)
        .service(audit::proofs::verify_audit_checkpoint)
        .service(audit::proofs::get_audit_inclusion_proof)
        .service(audit::proofs::get_audit_consistency_proof)
        .service(dcat::api::get_catalog)
        .service(dcat::api::get_catalog_as)
        .service(dcat::api::get_dataset_dcat)
        .service(dcat::api::get_corpus_dcat);
}

/// Every documented route, registered on an app.
pub fn api_routes(cfg: &mut ServiceConfig) {
    cfg.service(scope::scope("/api/v1").configure(api_v1))
        .service(auth::session::get_jwks)
        .service(ops::healthz)
        .service(ops::readyz)
        .service(crate::telemetry::api::get_metrics)
        .service(scope::scope("/api/3/action").configure(ckan::routes::configure));
}

/// The OpenAPI document the routes produce.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(api_routes).split_for_parts();
    crate::http::conventions::openapi::apply(api)
}

/// The rendered document, computed once and shared.
pub struct Spec {
    pub json: String,
    pub routes: web::Data<RouteTable>,
    pub api: utoipa::openapi::OpenApi,
}

impl Spec {
    pub fn build() -> Arc<Self> {
        let api = openapi();
        Arc::new(Spec { json: render(&api), routes: web::Data::new(RouteTable::from_openapi(&api)), api })
    }
}

/// The whole application.
pub fn build(
    state: web::Data<AppState>,
    spec: Arc<Spec>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let body_limit = state.config.body_limit;
    let spec_json = spec.json.clone();
    // Registered before the `/api/v1` scope, which would otherwise claim the path.
    let (app, _) = App::new()
        .route(
            "/api/v1/openapi.json",
            web::get().to(move || {
                let body = spec_json.clone();
                async move { HttpResponse::Ok().content_type("application/json").body(body) }
            }),
        )
        .into_utoipa_app()
        .configure(api_routes)
        .split_for_parts();
    app.app_data(state)
        .app_data(BodyLimit(body_limit))
        .app_data(spec.routes.clone())
        .app_data(web::PathConfig::default().error_handler(|_err, req| {
            AppError::not_found_detail(format!(
                "there is no resource at {}: an id in the path is malformed",
                req.path()
            ))
            .into()
        }))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
            }),
        )
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", spec.api.clone()))
        .service(web::scope("/api/action").configure(ckan::routes::configure_unversioned))
        .configure(portal::routes)
        .default_service(web::to(fallback))
        .wrap(ErrorHandlers::new().default_handler(problem_body))
        // Validators, 304s and paging links, on the bytes the handler made.
        .wrap(from_fn(conventions::inner))
        // Pages get their security headers and error pages in the person's language.
        .wrap(from_fn(portal::middleware))
        // gzip / brotli / zstd as the client asks; file downloads opt out by
        // declaring `Content-Encoding: identity`.
        .wrap(actix_web::middleware::Compress::default())
        // CORS and preflights, HEAD, Cache-Control and Vary, rate-limit headers.
        .wrap(from_fn(conventions::outer))
        .wrap(from_fn(crate::http::nul::reject_in_path))
        .wrap(from_fn(request_id::middleware))
}

/// Any error response that is not already problem+json (from actix itself or
/// a library) is answered as one, so clients see one error format.
fn problem_body<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem =
        res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // The CKAN API answers its errors in CKAN's own envelope.
    let path = res.request().path();
    let is_ckan = (path.starts_with("/api/3/") || path.starts_with("/api/action/"))
        && res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // A form the portal sends back with its errors is a page already.
    let is_page = portal::is_page_path(path)
        && res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_problem || is_ckan || is_page {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, _) = res.into_parts();
    let replacement: HttpResponse<BoxBody> = AppError::from_status(status).error_response();
    let res: ServiceResponse<EitherBody<B>> = ServiceResponse::new(req, replacement).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
