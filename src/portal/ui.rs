//! What every page has around its content: the language and its messages,
//! the token for the header's forms, who is signed in, the footer's
//! registration details, and the asset URLs. Extracted once per request.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::assets::{ASSETS, Assets};
use super::csrf;
use super::i18n::{Arg, LANG_COOKIE, Lang, Tr};
use super::session::{MaybePerson, Person};
use crate::app::AppState;
use crate::config::PortalConfig;
use crate::error::AppError;
use crate::http::request_id::RequestId;

/// The footer's registration details, each shown only when set.
#[derive(Debug, Clone, Default)]
pub struct Footer {
    pub site_code: Option<String>,
    pub icp_filing: Option<String>,
    pub psb_filing: Option<String>,
    /// The digits of the public-security filing, for its query link.
    pub psb_code: Option<String>,
    pub organ_mark_url: Option<String>,
    pub operator: Option<String>,
    pub contact: Option<String>,
}

impl Footer {
    fn of(p: &PortalConfig, lang: Lang) -> Self {
        let operator = match lang {
            Lang::En => p.site_operator_en.clone().or_else(|| p.site_operator.clone()),
            Lang::Zh => p.site_operator.clone(),
        };
        let psb_code = p.psb_filing.as_deref().map(|f| f.chars().filter(char::is_ascii_digit).collect::<String>());
        Footer {
            site_code: p.site_code.clone(),
            icp_filing: p.icp_filing.clone(),
            psb_filing: p.psb_filing.clone(),
            psb_code: psb_code.filter(|c| !c.is_empty()),
            organ_mark_url: p.organ_mark_url.clone(),
            operator,
            contact: p.site_contact.clone(),
        }
    }

    pub fn has_registration(&self) -> bool {
        self.site_code.is_some() || self.icp_filing.is_some() || self.psb_filing.is_some()
    }
}

/// The signed-in person, as the header shows them.
#[derive(Debug, Clone)]
pub struct PersonView {
    pub name: String,
    pub organisation: String,
    /// Whether the header offers "my requests / grants / keys".
    pub enterprise: bool,
}

/// The frame of a page.
#[derive(Debug, Clone)]
pub struct Ui {
    pub lang: Lang,
    pub tr: Tr,
    /// The token the page's forms carry.
    pub csrf: String,
    pub person: Option<PersonView>,
    /// This page's path and query, where the language switch returns to.
    pub here: String,
    /// Which part of the main navigation the page belongs to.
    pub section: &'static str,
    pub request_id: String,
    pub footer: Footer,
    pub css: String,
    pub js: String,
    pub emblem: String,
    pub favicon: String,
}

/// The person's language: the switch's cookie, else `Accept-Language`.
pub fn lang_of(req: &HttpRequest) -> Lang {
    let cookie = req.cookie(LANG_COOKIE).map(|c| c.value().to_string());
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Lang::negotiate(cookie.as_deref(), accept)
}

impl Ui {
    /// The frame for `req` with `person`; with no database work.
    pub fn build(req: &HttpRequest, state: &AppState, person: Option<&Person>) -> Result<Ui, AppError> {
        let lang = lang_of(req);
        let here = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        let name = |p: &Person| {
            let org = &p.session.org;
            let organisation = match lang {
                Lang::En => org.name_en.clone().unwrap_or_else(|| org.name.clone()),
                Lang::Zh => org.name.clone(),
            };
            PersonView { name: p.name(), organisation, enterprise: org.kind == crate::orgs::OrgKind::Enterprise }
        };
        Ok(Ui {
            lang,
            tr: Tr::new(lang),
            csrf: csrf::token_for(req, &state.signer)?,
            person: person.map(name),
            here,
            section: "",
            request_id: req_id(req),
            footer: Footer::of(&state.config.portal, lang),
            css: Assets::url(&ASSETS.css),
            js: Assets::url(&ASSETS.js),
            emblem: Assets::url(&ASSETS.emblem),
            favicon: Assets::url(&ASSETS.favicon),
        })
    }

    /// The frame of a page in a section of the main navigation.
    pub fn in_section(mut self, section: &'static str) -> Self {
        self.section = section;
        self
    }

    /// A message.
    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    /// A message with a number `$n` (templates pass arguments by reference).
    pub fn n(&self, key: &str, n: &i64) -> String {
        self.tr.n(key, *n)
    }

    /// A message with one text argument `$name`.
    pub fn with(&self, key: &str, name: &'static str, value: &str) -> String {
        self.tr.args(key, &[(name, Arg::Text(value.to_string()))])
    }

    /// A message about a count: `$n` is the count as shown (with
    /// separators), `$count` the number, for plural forms
    /// (`{ $count -> [one] … *[other] … }`).
    pub fn counted(&self, key: &str, shown: &str) -> String {
        let count = shown.replace(',', "").parse::<i64>().unwrap_or(0);
        self.tr.args(key, &[("n", Arg::Text(shown.to_string())), ("count", Arg::Number(count))])
    }

    /// What a refusal for crossing a bound of `http::query_limits` says:
    /// which bound, its limit and what was sent (from the error's context).
    pub fn limit_detail(&self, context: &serde_json::Value) -> String {
        // The bounds a portal page can cross have their own message.
        let key = match context["limit"].as_str().unwrap_or_default() {
            name @ ("q_chars" | "q_terms" | "value_chars" | "cursor_chars") => {
                format!("limit-{}", name.replace('_', "-"))
            }
            _ => "limit-other".to_string(),
        };
        let n = |k: &str| Arg::Number(context[k].as_i64().unwrap_or_default());
        self.tr.args(&key, &[("max", n("max")), ("actual", n("actual"))])
    }

    /// The longest search words a search box takes (the API's bound).
    pub fn q_max(&self) -> i64 {
        crate::http::query_limits::Q_CHARS.max
    }

    /// A count with separators.
    pub fn count(&self, n: i64) -> String {
        self.tr.count(n)
    }

    /// Whether data text needs `lang="zh-CN"` here: Chinese text on an English page.
    pub fn marks(&self, text: &str) -> bool {
        self.en() && super::words::has_han(text)
    }

    /// Whether this page is the one at `path` (a section's own list page,
    /// not a page within the section), for `aria-current="page"`.
    pub fn is_at(&self, path: &str) -> bool {
        self.here.split('?').next() == Some(path)
    }

    /// Whether the page is in English.
    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }
}

pub fn req_id(req: &HttpRequest) -> String {
    use actix_web::HttpMessage;
    req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default()
}

impl FromRequest for Ui {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let person = MaybePerson::from_request(&req, payload);
        Box::pin(async move {
            let person = person.await?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("application state missing"))?
                .clone();
            Ui::build(&req, &state, person.0.as_ref())
        })
    }
}
