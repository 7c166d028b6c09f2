//! The portal's pages. Each handler has the API handlers' shape: extract
//! who asks and what, call the same service function the API calls, render.

pub mod account;
pub mod apply;
pub mod bureau;
pub mod corpus;
pub mod grants;
pub mod home;
pub mod keys;
pub mod listing;
pub mod register;
pub mod requests;
pub mod search;
pub mod signin;

use std::str::FromStr;

use crate::error::{AppError, AppResult};

/// A query value, with an empty one (an unchosen `<select>`) as absent.
pub fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// A typed query value; a malformed one is a 422 naming the field.
pub fn parse<T>(field: &str, v: &Option<String>) -> AppResult<Option<T>>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    given(v).map(|s| s.parse::<T>().map_err(|e| AppError::invalid(field, e.to_string()))).transpose()
}

/// `path?k=v&…` with the values percent-encoded; `path` alone without any.
pub fn url(path: &str, params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return path.to_string();
    }
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    format!("{path}?{}", ser.finish())
}

/// Where to go back to after a form: a path of this site, else the home page.
///
/// Only printable ASCII is followed: browsers drop tabs and line breaks from
/// a `Location` (so `/<TAB>/evil.example` would become `//evil.example`),
/// treat `\` as `/`, and other control characters cannot be sent in a
/// header at all. Anything else falls back to `/`, never to an error.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/datasets?q=%E6%95%99")), "/datasets?q=%E6%95%99");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
        // What a browser would strip or normalise to another origin, and what no header may hold.
        for n in [
            "/\t/evil.example/x",
            "/\n/evil.example",
            "\t//evil.example",
            "/\r\n/x",
            "/\u{1}x",
            "/\u{b}evil",
            "/\u{7f}",
        ] {
            assert_eq!(local_path(Some(n)), "/", "{n:?}");
        }
        for n in [" /x", "/x ", "/a b", "/\u{3000}/evil.example", "/教育", "/\u{a0}x", "/\u{200b}/x"] {
            assert_eq!(local_path(Some(n)), "/", "{n:?}");
        }
        assert_eq!(local_path(Some("/datasets/a%09b?q=%20")), "/datasets/a%09b?q=%20", "encoded is fine");
    }

    #[test]
    fn urls_encode_their_values() {
        assert_eq!(url("/datasets", &[("q", "教育 数据".into())]), "/datasets?q=%E6%95%99%E8%82%B2+%E6%95%B0%E6%8D%AE");
        assert_eq!(url("/datasets", &[]), "/datasets");
    }
}
