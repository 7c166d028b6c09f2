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

pub use frame::{is_page_path, middleware};

/// The portal's routes, registered at the root of the site.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use pages::{account, bureau, corpus, home, listing, search};
    cfg.route("/", web::get().to(home::home))
        .route("/datasets", web::get().to(search::datasets))
        .route("/datasets/{name}", web::get().to(listing::dataset))
        .route("/corpora", web::get().to(search::corpora))
        .route("/corpora/{name}", web::get().to(corpus::corpus))
        .route("/bureaus", web::get().to(bureau::bureaus))
        .route("/bureaus/{id}", web::get().to(bureau::bureau))
        .route("/language", web::post().to(account::set_language))
        .route("/account", web::get().to(account::account))
        .route("/signout", web::post().to(account::sign_out))
        .route("/assets/{name}", web::get().to(assets::serve));
}
