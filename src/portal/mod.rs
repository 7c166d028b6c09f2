//! The web portal: pages for people, rendered on the server from the same
//! service functions the REST API calls (no HTTP round trip, no second copy
//! of any rule), in Chinese and English, working with JavaScript off.
//!
//! - `frame` wraps every page path: security headers, cookies, error pages;
//! - `ui` is the frame a page's template draws (language, header, footer);
//! - `i18n` the languages and the Fluent catalogues in `locales/`;
//! - `session` who is signed in (a server-side session per sign-in);
//! - `csrf` the token every state-changing form carries;
//! - `cache` public pages rendered once per catalogue generation for visitors not signed in;
//! - `forms` the error summary and field messages forms share;
//! - `view` turns service answers into what pages show, `words` codes into words;
//! - `pages` the handlers, one file per kind of page; templates are in `templates/`;
//! - `assets` the embedded CSS, script and icons under content-hashed names.

pub mod assets;
pub mod cache;
pub mod csrf;
pub mod forms;
pub mod frame;
pub mod i18n;
pub mod pages;
pub mod session;
pub mod ui;
pub mod view;
pub mod words;

use std::future::{Ready, ready};

use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, guard, web};

use crate::error::AppError;

pub use frame::{is_page_path, middleware};

/// The portal's routes, registered at the root of the site. A page answers
/// GET and HEAD, a form POST; another method is a 405 naming those.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use pages::{account, apply, bureau, corpus, grants, home, keys, listing, register, requests, search, signin};
    cfg.service(page("/", home::home))
        .service(page("/datasets", search::datasets))
        .service(page("/datasets/{name}", listing::dataset))
        .service(page_and_form("/datasets/{name}/apply", apply::form, apply::submit))
        .service(page_and_form("/corpora/{name}/apply", apply::form, apply::submit))
        .service(page("/listings/{name}", apply::listing))
        .service(page("/corpora", search::corpora))
        .service(page("/corpora/{name}", corpus::corpus))
        .service(page("/bureaus", bureau::bureaus))
        .service(page("/bureaus/{id}", bureau::bureau))
        .service(form("/language", account::set_language))
        .service(page("/account", account::account))
        .service(form("/signout", account::sign_out))
        .service(page_and_form("/signin", signin::form, signin::submit))
        .service(page_and_form("/register", register::form, register::submit))
        .service(page("/register/done", register::done))
        .service(page("/requests", requests::list))
        .service(page("/requests/{id}", requests::detail))
        .service(form("/requests/{id}/withdraw", requests::withdraw))
        .service(page("/requests/{id}/reapply", apply::reapply))
        .service(page("/grants", grants::list))
        .service(page("/grants/{id}", grants::detail))
        .service(form("/grants/{id}/download", grants::download))
        .service(form("/grants/{id}/usage-reports", grants::report))
        .service(page_and_form("/keys", keys::list, keys::create))
        .service(form("/keys/{id}/revoke", keys::revoke))
        .service(page("/assets/{name}", assets::serve));
}

fn refuse_others(allow: &'static [&'static str]) -> impl Fn() -> Ready<Result<HttpResponse, AppError>> + Clone {
    move || ready(Err(AppError::method_not_allowed(allow.iter().map(|m| m.to_string()).collect())))
}

/// A page: GET and HEAD.
fn page<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::route().guard(guard::Any(guard::Get()).or(guard::Head())).to(handler))
        .default_service(web::to(refuse_others(&["GET", "HEAD"])))
}

/// A form's target: POST.
fn form<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path).route(web::post().to(handler)).default_service(web::to(refuse_others(&["POST"])))
}

/// A page with its form: GET and HEAD show it, POST sends it.
fn page_and_form<F, Args, G, GArgs>(path: &str, show: F, send: G) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
    G: Handler<GArgs>,
    GArgs: FromRequest + 'static,
    G::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::route().guard(guard::Any(guard::Get()).or(guard::Head())).to(show))
        .route(web::post().to(send))
        .default_service(web::to(refuse_others(&["GET", "HEAD", "POST"])))
}
