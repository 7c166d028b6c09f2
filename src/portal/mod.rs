//! The web portal: pages for people, rendered on the server from the same
//! service functions the REST API calls (no HTTP round trip, no second copy
//! of any rule), in Chinese and English, working with JavaScript off.
//!
//! - `frame` wraps every page path: security headers, cookies, error pages;
//! - `ui` is the frame a page's template draws (language, header, footer);
//! - `i18n` the languages and the Fluent catalogues in `locales/`;
//! - `session` who is signed in (a server-side session per sign-in);
//! - `csrf` the token every state-changing form carries;
//! - `view` turns service answers into what pages show;
//! - `pages` the handlers, one file per kind of page; templates are in `templates/`;
//! - `assets` the embedded CSS, script and icons under content-hashed names.

pub mod assets;
pub mod csrf;
pub mod frame;
pub mod i18n;
pub mod pages;
pub mod session;
pub mod ui;
pub mod view;

use actix_web::web;

use crate::error::AppError;

pub use frame::{is_page_path, middleware};

/// The portal's routes, registered at the root of the site. Another
/// method on a page's path is a 405 naming the one it takes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use pages::{account, bureau, corpus, home, listing, search};
    fn only(
        method: &'static str,
    ) -> impl Fn() -> std::future::Ready<Result<actix_web::HttpResponse, AppError>> + Clone {
        move || std::future::ready(Err(AppError::method_not_allowed(vec![method.to_string()])))
    }
    let get = |path: &str| web::resource(path).default_service(web::to(only("GET")));
    let post = |path: &str| web::resource(path).default_service(web::to(only("POST")));
    cfg.service(get("/").get(home::home))
        .service(get("/datasets").get(search::datasets))
        .service(get("/datasets/{name}").get(listing::dataset))
        .service(get("/corpora").get(search::corpora))
        .service(get("/corpora/{name}").get(corpus::corpus))
        .service(get("/bureaus").get(bureau::bureaus))
        .service(get("/bureaus/{id}").get(bureau::bureau))
        .service(post("/language").post(account::set_language))
        .service(get("/account").get(account::account))
        .service(post("/signout").post(account::sign_out))
        .service(get("/assets/{name}").get(assets::serve));
}
