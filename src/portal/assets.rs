//! The portal's CSS, script and icons, embedded in the binary and served
//! under names that carry a hash of their content, so that browsers may keep
//! them for a year: a changed file is a new name.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// One embedded file.
pub struct Asset {
    /// The name it is served under, e.g. `portal.3f2a9c01d4.css`.
    pub name: String,
    pub media_type: &'static str,
    pub bytes: &'static [u8],
}

/// Every asset, by role.
pub struct Assets {
    pub css: Asset,
    pub js: Asset,
    pub emblem: Asset,
    pub favicon: Asset,
}

fn asset(stem: &str, ext: &str, media_type: &'static str, bytes: &'static [u8]) -> Asset {
    let hash = hex::encode(Sha256::digest(bytes));
    Asset { name: format!("{stem}.{}.{ext}", &hash[..12]), media_type, bytes }
}

pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets {
    css: asset("portal", "css", "text/css; charset=utf-8", include_bytes!("../../assets/portal.css")),
    js: asset("portal", "js", "text/javascript; charset=utf-8", include_bytes!("../../assets/portal.js")),
    emblem: asset("emblem", "svg", "image/svg+xml", include_bytes!("../../assets/emblem.svg")),
    favicon: asset("favicon", "svg", "image/svg+xml", include_bytes!("../../assets/favicon.svg")),
});

impl Assets {
    fn find(&self, name: &str) -> Option<&Asset> {
        [&self.css, &self.js, &self.emblem, &self.favicon].into_iter().find(|a| a.name == name)
    }

    /// The URL path of an asset.
    pub fn url(a: &Asset) -> String {
        format!("/assets/{}", a.name)
    }
}

/// `GET /assets/{name}`: the file, cacheable for a year; any other name 404.
pub async fn serve(name: web::Path<String>) -> AppResult<HttpResponse> {
    let a = ASSETS.find(&name).ok_or_else(|| AppError::not_found("asset"))?;
    Ok(HttpResponse::Ok()
        .content_type(a.media_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(a.bytes))
}
