//! Turning the service's answers into what a page shows, in the person's
//! language: Chinese text with its English version where one exists
//! (marked with its own language where it differs from the page's), labels
//! of codes, and dates in Asia/Shanghai.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::i18n::{Lang, iso};
use super::ui::Ui;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::listings::cache::Cached;
use crate::listings::types::{BureauRef, ListingSummary};
use crate::listings::{ListingKind, ListingStatus};
use crate::orgs::OrgKind;

/// A text with the language it is written in, when that differs from the page's.
#[derive(Debug, Clone)]
pub struct Text {
    pub value: String,
    pub lang: Option<&'static str>,
}

/// The English version on an English page when there is one, else the Chinese.
pub fn pick(lang: Lang, zh: &str, en: Option<&str>) -> Text {
    match (lang, en.map(str::trim).filter(|e| !e.is_empty())) {
        (Lang::En, Some(en)) => Text { value: en.to_string(), lang: None },
        (Lang::En, None) => Text { value: zh.to_string(), lang: Some("zh-CN") },
        (Lang::Zh, _) => Text { value: zh.to_string(), lang: None },
    }
}

/// A moment as people read it and as machines read it.
#[derive(Debug, Clone)]
pub struct When {
    pub text: String,
    pub iso: String,
}

pub fn when(ui: &Ui, t: &DateTime<Utc>) -> When {
    When { text: ui.tr.datetime(t), iso: iso(t) }
}

/// The day of a moment for people (in Asia/Shanghai); the machine form
/// keeps the instant, since the UTC day may be another.
pub fn day(ui: &Ui, t: &DateTime<Utc>) -> When {
    When { text: ui.tr.date(t), iso: iso(t) }
}

/// A label of a code from the catalogue `prefix-code`, or the code itself.
pub fn label(ui: &Ui, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}-{}", code.replace(['_', '.'], "-"));
    if ui.tr.has(&key) { ui.t(&key) } else { code.to_string() }
}

/// Labels the catalogue's codes need: domains and bureaus in both languages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Vocab {
    pub domains: Vec<(String, String, String)>,
    pub bureaus: Vec<(String, String, Option<String>)>,
}

impl Vocab {
    /// Read once per catalogue generation, from the same cache as public reads.
    pub async fn load(state: &AppState) -> AppResult<Vocab> {
        let cached = state
            .cache
            .get_or_compute("portal:vocab".into(), async {
                let v = state
                    .db
                    .run(|conn| {
                        let domains = crate::listings::domains::all(conn)?
                            .into_iter()
                            .map(|d| (d.code, d.label_zh, d.label_en))
                            .collect();
                        let (orgs, _) = crate::orgs::model::list_orgs(conn, OrgKind::Bureau, None, None, None, 500)?;
                        let bureaus = orgs.into_iter().map(|o| (o.id.to_string(), o.name, o.name_en)).collect();
                        Ok(Vocab { domains, bureaus })
                    })
                    .await?;
                Ok(Cached { body: crate::listings::api::to_body(&v)?, etag: None, last_modified: None })
            })
            .await?;
        serde_json::from_slice(&cached.body).map_err(|e| AppError::internal(e.to_string()))
    }

    pub fn domain(&self, lang: Lang, code: &str) -> String {
        match self.domains.iter().find(|(c, _, _)| c == code) {
            Some((_, zh, en)) => match lang {
                Lang::Zh => zh.clone(),
                Lang::En => en.clone(),
            },
            None => code.to_string(),
        }
    }

    pub fn bureau(&self, lang: Lang, id: &str, fallback: &str) -> Text {
        match self.bureaus.iter().find(|(i, _, _)| i == id) {
            Some((_, zh, en)) => pick(lang, zh, en.as_deref()),
            None => pick(lang, fallback, None),
        }
    }
}

/// The path of a listing's page.
pub fn listing_href(kind: ListingKind, name: &str) -> String {
    let name: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    match kind {
        ListingKind::Dataset => format!("/datasets/{name}"),
        ListingKind::Corpus => format!("/corpora/{name}"),
    }
}

pub fn bureau_name(ui: &Ui, b: &BureauRef) -> Text {
    pick(ui.lang, &b.name, b.name_en.as_deref())
}

/// A listing in a list.
#[derive(Debug, Clone)]
pub struct Card {
    pub href: String,
    pub title: Text,
    pub summary: Option<Text>,
    pub bureau: Text,
    pub bureau_href: String,
    pub domain: String,
    pub condition: String,
    pub condition_label: String,
    pub formats: Vec<String>,
    pub updated: When,
    /// "withdrawn" or "draft", for a badge.
    pub status: Option<String>,
    pub records: Option<String>,
}

pub fn card(ui: &Ui, vocab: &Vocab, s: &ListingSummary) -> Card {
    let summary = match (ui.lang, &s.summary, &s.summary_en) {
        (_, None, None) => None,
        (lang, zh, en) => Some(pick(lang, zh.as_deref().unwrap_or_default(), en.as_deref())),
    }
    .filter(|t| !t.value.is_empty())
    .map(|t| Text { value: shorten(&t.value, SUMMARY_CHARS), lang: t.lang });
    Card {
        href: listing_href(s.kind, &s.name),
        title: pick(ui.lang, &s.title, s.title_en.as_deref()),
        summary,
        bureau: bureau_name(ui, &s.bureau),
        bureau_href: format!("/bureaus/{}", s.bureau.id),
        domain: vocab.domain(ui.lang, &s.domain),
        condition: s.open_condition.as_str().replace('_', "-"),
        condition_label: label(ui, "cond", s.open_condition.as_str()),
        formats: s.formats.clone(),
        updated: day(ui, &s.modified_at),
        status: match s.status {
            ListingStatus::Published => None,
            other => Some(label(ui, "status", other.as_str())),
        },
        records: s.record_count.map(|n| ui.count(n)),
    }
}

/// How much of a summary a list shows.
const SUMMARY_CHARS: usize = 120;

/// The first `max` characters of a text, ending with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

/// Escapes a JSON document for a `<script type="application/ld+json">`
/// block: `<`, `>` and `&` become JSON escapes, so no text inside can close
/// the element.
pub fn json_for_script(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_cannot_close_its_script_element() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script> & more"});
        let s = json_for_script(&v);
        assert!(!s.contains("</") && !s.contains('<') && !s.contains('&'), "{s}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn english_pages_show_english_where_it_exists() {
        let t = pick(Lang::En, "学校名录", Some("School directory"));
        assert_eq!((t.value.as_str(), t.lang), ("School directory", None));
        let t = pick(Lang::En, "学校名录", None);
        assert_eq!((t.value.as_str(), t.lang), ("学校名录", Some("zh-CN")));
        let t = pick(Lang::Zh, "学校名录", Some("School directory"));
        assert_eq!(t.value, "学校名录");
    }
}
