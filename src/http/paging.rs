//! Keyset (cursor) paging: one envelope for every list, a capped page size,
//! and opaque cursors that encode the position after the last item.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use utoipa::IntoParams;

use crate::error::AppError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Paging parameters accepted by every list endpoint.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> Result<i64, AppError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(AppError::invalid("limit", format!("must be between 1 and {MAX_LIMIT}"))),
        }
    }

    /// Decodes the cursor into the key type the list sorts by.
    pub fn after<K: DeserializeOwned>(&self) -> Result<Option<K>, AppError> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, AppError> {
    crate::http::query_limits::CURSOR_CHARS.check_chars(cursor)?;
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::invalid("cursor", "not a cursor this list produced"))
}

/// The list envelope: a page of items, the total matching, and the cursor of
/// the next page (absent on the last page).
#[derive(Debug, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only tells
    /// whether another page exists.
    pub fn from_rows<K: Serialize>(mut rows: Vec<T>, limit: i64, total: i64, key: impl Fn(&T) -> K) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(|r| encode_cursor(&key(r))) } else { None };
        Page { items: rows, total, limit, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            next_cursor: self.next_cursor,
        }
    }
}

/// Declares a concrete, documented page type for an item type.
#[macro_export]
macro_rules! page_schema {
    ($name:ident, $item:ty) => {
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)]
        /// A page of a list: items, the total matching, the page size, and the
        /// cursor of the next page (absent on the last page).
        pub struct $name {
            pub items: Vec<$item>,
            pub total: i64,
            pub limit: i64,
            pub next_cursor: Option<String>,
        }
    };
}
