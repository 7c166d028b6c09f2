//! Public pages rendered once per catalogue generation, for visitors who are
//! not signed in.
//!
//! A page of the public catalogue shown to someone without a session is the
//! same for everyone who asks for the same address in the same language,
//! but for one thing: the CSRF token of the header's forms, which is bound
//! to each browser's secret. Such a page is rendered with a placeholder in
//! place of the token and kept in the catalogue cache
//! ([`crate::listings::cache`]: the same generations, bound and single
//! computation of concurrent misses as the API's JSON, so a write that
//! changes the catalogue makes the next page fresh, on this instance at once
//! and on the others when their poller sees the counter); each answer
//! fills in the visitor's own token. A signed-in person's page (their name
//! in the header, their own visibility and apply buttons) is never cached.

use std::future::Future;
use std::sync::LazyLock;

use actix_web::HttpResponse;

use super::session::MaybePerson;
use super::ui::Ui;
use crate::app::AppState;
use crate::auth::new_secret;
use crate::error::{AppError, AppResult};
use crate::listings::cache::Cached;

/// What a cached page holds where the token goes: random per process, so
/// no text a page shows can contain it by chance or by design (a page's own
/// text is escaped and never holds the secret anyway; were it to, it would
/// only receive the same visitor's token).
static PLACEHOLDER: LazyLock<String> = LazyLock::new(|| new_secret("csrf-slot-"));

/// The cache key of the page `ui` frames: its language and its address
/// (path and query as the browser sent them, which the page repeats in the
/// language switch).
fn key(ui: &Ui) -> String {
    format!("portal:page:{}:{}", ui.lang.code(), ui.here)
}

/// The page a public handler renders into `ui`, from the cache when the
/// visitor is not signed in. `render` must depend on nothing of the
/// request but what [`key`] names; for a signed-in person it simply runs.
pub async fn public_page<F, Fut>(state: &AppState, mut ui: Ui, who: &MaybePerson, render: F) -> AppResult<HttpResponse>
where
    F: FnOnce(Ui) -> Fut,
    Fut: Future<Output = AppResult<String>>,
{
    if who.0.is_some() {
        return render(ui).await.map(super::frame::html_body);
    }
    let token = std::mem::replace(&mut ui.csrf, PLACEHOLDER.clone());
    // Shown by error pages only (never cached), but it is this request's.
    ui.request_id = String::new();
    let cached = state
        .cache
        .get_or_compute(key(&ui), async {
            let body = render(ui).await?;
            Ok(Cached { body: body.into(), etag: None, last_modified: None })
        })
        .await?;
    let page = std::str::from_utf8(&cached.body).map_err(|e| AppError::internal(format!("cached page: {e}")))?;
    Ok(super::frame::html_body(page.replace(PLACEHOLDER.as_str(), &token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_survives_html_escaping_unchanged() {
        // askama escapes `<>&"'`; a placeholder with none of them is
        // written as is, so the cached page holds it verbatim.
        assert!(PLACEHOLDER.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(PLACEHOLDER.len() > 40);
    }
}
