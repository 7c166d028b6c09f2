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
//! - `view` turns service answers into what pages show;
//! - `pages` the handlers, one file per kind of page; templates are in `templates/`;
//! - `assets` the embedded CSS, script and icons under content-hashed names.

pub mod assets;
pub mod cache;
pub mod csrf;
pub mod frame;
pub mod i18n;
pub mod pages;
pub mod session;
pub mod ui;
pub mod view;

use std::future::{Ready, ready};

use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, guard, web};

use crate::error::AppError;

pub use frame::{is_page_path, middleware};

/// The portal's routes, registered at the root of the site. A page answers
/// GET and HEAD, a form POST; another method is a 405 naming those.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use pages::{account, bureau, corpus, home, listing, search};
    cfg.service(page("/", home::home))
        .service(page("/datasets", search::datasets))
        .service(page("/datasets/{name}", listing::dataset))
        .service(page("/corpora", search::corpora))
        .service(page("/corpora/{name}", corpus::corpus))
        .service(page("/bureaus", bureau::bureaus))
        .service(page("/bureaus/{id}", bureau::bureau))
        .service(form("/language", account::set_language))
        .service(page("/account", account::account))
        .service(form("/signout", account::sign_out))
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
