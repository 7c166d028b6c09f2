//! Helpers for the portal's tests: a browser's cookies, the token of a
//! page's forms, form posts, and portal sessions started the way the
//! sign-in page starts them.

use crate::helpers::*;

/// What a browser keeps between requests: cookies by name.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    pub cookies: Vec<(String, String)>,
    pub accept_language: Option<String>,
}

impl Browser {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn in_language(accept: &str) -> Self {
        Browser { accept_language: Some(accept.to_string()), ..Self::default() }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(n, _)| n != name);
        if !value.is_empty() {
            self.cookies.push((name.to_string(), value.to_string()));
        }
    }

    /// Takes the cookies a response sets (an empty value removes one).
    pub fn keep(&mut self, r: &Resp) {
        for v in r.headers.get_all("set-cookie") {
            let v = v.to_str().unwrap_or_default();
            let pair = v.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let removal = v.to_ascii_lowercase().contains("max-age=0");
                self.set(name.trim(), if removal { "" } else { value.trim() });
            }
        }
    }

    pub fn headers(&self) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if !self.cookies.is_empty() {
            let c: Vec<String> = self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
            h.push(("Cookie".to_string(), c.join("; ")));
        }
        if let Some(l) = &self.accept_language {
            h.push(("Accept-Language".to_string(), l.clone()));
        }
        h
    }

    /// Sends a request as this browser (redirects are answers, not
    /// followed), keeping the cookies it is given.
    async fn send(&mut self, app: &TestApp, method: &str, path: &str, extra: &[(&str, &str)], body: Vec<u8>) -> Resp {
        let client = awc::Client::builder().disable_redirects().finish();
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = client.request(method, app.url(path));
        for (k, v) in self.headers() {
            req = req.insert_header((k, v));
        }
        for (k, v) in extra {
            req = req.insert_header((*k, *v));
        }
        let mut res = req.send_body(body).await.expect("request sent");
        let body = res.body().limit(64 * 1024 * 1024).await.expect("body read").to_vec();
        let r = Resp { status: res.status(), headers: res.headers().clone(), body };
        self.keep(&r);
        r
    }

    /// GET as this browser with extra headers.
    pub async fn send_with(&mut self, app: &TestApp, path: &str, extra: &[(&str, &str)]) -> Resp {
        self.send(app, "GET", path, extra, Vec::new()).await
    }

    /// GET as this browser.
    pub async fn get(&mut self, app: &TestApp, path: &str) -> Resp {
        self.send(app, "GET", path, &[], Vec::new()).await
    }

    /// POST a form as this browser.
    pub async fn post_form(&mut self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.send(app, "POST", path, &[("Content-Type", "application/x-www-form-urlencoded")], body.into_bytes()).await
    }
}

pub fn text(r: &Resp) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// The value of the first `name="…" value="…"` hidden field of a page.
pub fn hidden(page: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = page.find(&needle).unwrap_or_else(|| panic!("no field {name} in the page")) + needle.len();
    let end = page[start..].find('"').expect("end of value") + start;
    page[start..end].to_string()
}

/// The `<html lang>` of a page.
pub fn html_lang(page: &str) -> String {
    let start = page.find("<html lang=\"").expect("html element") + 12;
    page[start..start + page[start..].find('"').expect("end")].to_string()
}

/// The JSON-LD block of a page.
pub fn json_ld(page: &str) -> serde_json::Value {
    let open = "<script type=\"application/ld+json\">";
    let start = page.find(open).expect("JSON-LD block") + open.len();
    let end = page[start..].find("</script>").expect("end of block") + start;
    serde_json::from_str(&page[start..end]).expect("JSON-LD parses")
}

/// Asserts an HTML page with the status and the portal's headers.
#[track_caller]
pub fn page(r: Resp, status: u16) -> String {
    let r = r.expect(status);
    assert!(r.content_type().starts_with("text/html"), "content type {}", r.content_type());
    let csp = r.header("content-security-policy").expect("CSP");
    assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.header("x-content-type-options").as_deref(), Some("nosniff"));
    text(&r)
}

/// Starts a portal session for the user, as the sign-in page will, and
/// returns a browser holding its cookie.
pub async fn signed_in(app: &TestApp, user_id: &str) -> Browser {
    let user: datagate::orgs::UserId = user_id.parse().expect("user id");
    let cookie = datagate::portal::session::start(&app.state, user).await.expect("session");
    let mut b = Browser::new();
    b.set(cookie.name(), cookie.value());
    b
}

/// The number of live session rows.
pub async fn live_sessions(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    let db = app.state.db.clone();
    actix_web::web::block(move || {
        let mut conn = db.get().expect("connection");
        datagate::db::schema::portal_sessions::table
            .filter(datagate::db::schema::portal_sessions::ended_at.is_null())
            .count()
            .get_result::<i64>(&mut *conn)
            .expect("count")
    })
    .await
    .expect("blocking")
}
