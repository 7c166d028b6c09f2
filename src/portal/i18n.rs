//! The portal's two languages: Simplified Chinese (the default) and English.
//! Every string a page shows comes from the Fluent catalogues in `locales/`,
//! embedded at compile time. The language is the person's choice (a cookie
//! set by the switch in the header), else the best of `Accept-Language`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // No Unicode isolation marks around arguments: they show as stray
        // characters in titles and attribute values.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The catalogues' sources, for the list of their message ids (the loader
/// above embeds the same files).
const SOURCES: [&str; 2] =
    [include_str!("../../locales/zh-CN/portal.ftl"), include_str!("../../locales/en/portal.ftl")];

/// The ids of the messages in a catalogue's source: a line that starts a
/// message starts with a lower-case letter and names it before ` =`.
fn message_ids(source: &'static str) -> impl Iterator<Item = &'static str> {
    source
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim()))
}

/// Every message that needs no argument, resolved once per language: a
/// page asks for 100–250 of them, and each lookup through the loader
/// negotiates the language and formats the pattern again.
struct Memo {
    /// What [`Tr::t`] answers, for the messages that resolve without arguments.
    text: HashMap<&'static str, String>,
    /// What [`Tr::has`] answers, for every message id of either catalogue.
    has: HashMap<&'static str, bool>,
}

impl Memo {
    fn of(lang: Lang) -> Memo {
        let mut text = HashMap::new();
        let mut has = HashMap::new();
        for id in SOURCES.into_iter().flat_map(message_ids) {
            // `try_lookup` is `lookup` where the message formats without
            // errors (a message that wants an argument does not).
            if let Some(v) = LOCALES.try_lookup(lang.id(), id) {
                text.insert(id, v);
            }
            has.insert(id, LOCALES.lookup_no_default_fallback::<&str>(lang.id(), id, None).is_some());
        }
        Memo { text, has }
    }
}

static MEMO: LazyLock<[Memo; 2]> = LazyLock::new(|| [Memo::of(Lang::Zh), Memo::of(Lang::En)]);

/// The cookie that remembers the person's choice.
pub const LANG_COOKIE: &str = "dg_lang";

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

/// A language of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// The BCP 47 tag, as `<html lang>` wants it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The value the language switch and the cookie carry.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim() {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    fn memo(self) -> &'static Memo {
        match self {
            Lang::Zh => &MEMO[0],
            Lang::En => &MEMO[1],
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The remembered choice wins; then the first language of
    /// `Accept-Language` (by quality) that the portal speaks; then Chinese.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = cookie.and_then(Lang::from_code) {
            return lang;
        }
        let Some(header) = accept_language else { return Lang::Zh };
        let mut ranges: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                    .unwrap_or(1.0);
                (q > 0.0 && !tag.is_empty()).then_some((q, i, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, _, tag) in ranges {
            let primary = tag.split('-').next().unwrap_or_default().to_ascii_lowercase();
            match primary.as_str() {
                "zh" => return Lang::Zh,
                "en" => return Lang::En,
                _ => {}
            }
        }
        Lang::Zh
    }
}

/// Messages, numbers and dates in one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

/// Asia/Shanghai: UTC+8 all year (China has kept no daylight saving time since 1991).
fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Tr { lang }
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        match self.lang.memo().text.get(key) {
            Some(v) => v.clone(),
            None => LOCALES.lookup(self.lang.id(), key),
        }
    }

    /// The message `key` with named arguments (numbers are formatted by Fluent).
    pub fn args(&self, key: &str, args: &[(&'static str, Arg)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(name, value)| {
                let v = match value {
                    Arg::Text(s) => FluentValue::from(s.clone()),
                    Arg::Number(n) => FluentValue::from(*n),
                };
                (Cow::Borrowed(*name), v)
            })
            .collect();
        LOCALES.lookup_with_args(self.lang.id(), key, &map)
    }

    /// The message `key` with one number, `$n`.
    pub fn n(&self, key: &str, n: i64) -> String {
        self.args(key, &[("n", Arg::Number(n))])
    }

    /// Whether a message exists in this language (not just by fallback).
    pub fn has(&self, key: &str) -> bool {
        match self.lang.memo().has.get(key) {
            Some(v) => *v,
            None => LOCALES.lookup_no_default_fallback::<&str>(self.lang.id(), key, None).is_some(),
        }
    }

    /// A count with thousands separators, as both languages write it.
    pub fn count(&self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    }

    /// A moment for people: the date and time in Asia/Shanghai.
    pub fn datetime(&self, t: &DateTime<Utc>) -> String {
        let local = t.with_timezone(&shanghai());
        match self.lang {
            Lang::Zh => local.format("%Y年%-m月%-d日 %H:%M").to_string(),
            Lang::En => local.format("%-d %b %Y, %H:%M").to_string(),
        }
    }

    /// The day of a moment in Asia/Shanghai.
    pub fn date(&self, t: &DateTime<Utc>) -> String {
        self.day(&t.with_timezone(&shanghai()).date_naive())
    }

    /// A calendar day.
    pub fn day(&self, d: &NaiveDate) -> String {
        match self.lang {
            Lang::Zh => d.format("%Y年%-m月%-d日").to_string(),
            Lang::En => d.format("%-d %b %Y").to_string(),
        }
    }

    /// A size in bytes, in binary units.
    pub fn bytes(&self, n: i64) -> String {
        const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
        let mut v = n as f64;
        let mut unit = 0;
        while v >= 1024.0 && unit < UNITS.len() - 1 {
            v /= 1024.0;
            unit += 1;
        }
        if unit == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[unit]) }
    }
}

/// A value for a message argument.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Number(i64),
}

/// A moment in machine form (ISO 8601, UTC), for `<time datetime>`.
pub fn iso(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_cookie_then_quality() {
        assert_eq!(Lang::negotiate(None, None), Lang::Zh);
        assert_eq!(Lang::negotiate(Some("en"), Some("zh-CN")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr"), Some("en-GB,en;q=0.8")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("fr-FR, en;q=0.5, zh;q=0.9")), Lang::Zh);
        assert_eq!(Lang::negotiate(None, Some("de, en-US;q=0.7")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("de, fr")), Lang::Zh);
        assert_eq!(Lang::negotiate(None, Some("en;q=0, zh-TW")), Lang::Zh);
    }

    #[test]
    fn dates_are_shown_in_shanghai_time() {
        let t = DateTime::parse_from_rfc3339("2026-11-30T17:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(Tr::new(Lang::Zh).datetime(&t), "2026年12月1日 01:30");
        assert_eq!(Tr::new(Lang::En).date(&t), "1 Dec 2026");
        assert_eq!(iso(&t), "2026-11-30T17:30:00Z");
    }

    #[test]
    fn memoised_messages_are_what_the_loader_says() {
        let mut memoised = 0;
        for lang in [Lang::Zh, Lang::En] {
            let tr = Tr::new(lang);
            for id in SOURCES.into_iter().flat_map(message_ids) {
                assert_eq!(tr.t(id), LOCALES.lookup(lang.id(), id), "{id} in {lang:?}");
                assert_eq!(tr.has(id), LOCALES.lookup_no_default_fallback::<&str>(lang.id(), id, None).is_some());
                memoised += usize::from(lang.memo().text.contains_key(id));
            }
        }
        assert!(memoised > 400, "only {memoised} messages memoised");
        // A message that wants an argument is not memoised: it is formatted with it.
        assert!(!Lang::En.memo().text.contains_key("search-summary"));
        assert_eq!(
            Tr::new(Lang::En).n("tab-datasets", 3),
            LOCALES.lookup_with_args(&EN, "tab-datasets", &{
                let mut m = HashMap::new();
                m.insert(Cow::Borrowed("n"), FluentValue::from(3));
                m
            })
        );
        assert!(!Tr::new(Lang::En).has("no-such-message"));
    }

    #[test]
    fn counts_and_sizes() {
        let tr = Tr::new(Lang::En);
        assert_eq!(tr.count(1234567), "1,234,567");
        assert_eq!(tr.count(12), "12");
        assert_eq!(tr.bytes(512), "512 B");
        assert_eq!(tr.bytes(1536), "1.5 KiB");
    }
}

#[cfg(test)]
mod catalogue_tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys_of(lang: &str) -> BTreeSet<String> {
        let path = format!("{}/locales/{lang}/portal.ftl", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path)
            .expect("catalogue")
            .lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    /// Every `t("…")`, `n("…"` and `with("…"` key written in the templates and the portal's code.
    fn literal_keys() -> BTreeSet<String> {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut files = Vec::new();
        for dir in ["templates", "templates/parts", "src/portal", "src/portal/pages", "src/portal/session"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).expect("dir").flatten() {
                if entry.path().is_file() {
                    files.push(std::fs::read_to_string(entry.path()).expect("file"));
                }
            }
        }
        let mut keys = BTreeSet::new();
        for text in files {
            for opener in ["ui.t(\"", "ui.n(\"", "ui.with(\"", "tr.args(\""] {
                for part in text.split(opener).skip(1) {
                    let key = part.split('"').next().unwrap_or_default();
                    if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        keys.insert(key.to_string());
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn both_catalogues_have_the_same_messages() {
        let zh = keys_of("zh-CN");
        let en = keys_of("en");
        assert!(zh.len() > 200, "{} messages", zh.len());
        assert_eq!(zh.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in English");
        assert_eq!(en.difference(&zh).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in Chinese");
    }

    #[test]
    fn every_message_a_page_asks_for_exists() {
        let zh = keys_of("zh-CN");
        let mut wanted = literal_keys();
        assert!(wanted.len() > 150, "only {} keys found in the templates and code", wanted.len());
        // Keys made from codes: every value of the enums the pages label.
        use crate::corpora::vocab::{AnnotationType, ColourMode, GeometryType, Modality};
        use crate::listings::{DataType, ListingStatus, OpenCondition, UpdateFrequency};
        let codes = |prefix: &str, values: Vec<&str>| -> Vec<String> {
            values.into_iter().map(|v| format!("{prefix}-{}", v.replace(['_', '.'], "-"))).collect()
        };
        wanted.extend(codes("cond", OpenCondition::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("freq", UpdateFrequency::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("type", DataType::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("status", ListingStatus::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("modality", Modality::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("modality-hint", Modality::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("annotation", AnnotationType::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("colour", ColourMode::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("geometry", GeometryType::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("role", crate::orgs::Role::ALL.iter().map(|v| v.as_str()).collect()));
        wanted.extend(codes("sort", vec!["relevance", "modified", "title"]));
        wanted.extend(codes(
            "facet",
            vec!["domain", "open_condition", "bureau", "format", "modality", "annotation_type", "language", "licence"],
        ));
        wanted.extend(codes(
            "action",
            vec![
                "create",
                "update",
                "publish",
                "withdraw",
                "distribution.add",
                "distribution.upload",
                "distribution.update",
                "distribution.remove",
            ],
        ));
        for kind in [
            "csrf",
            "suspended",
            "bad-request",
            "forbidden",
            "not-found",
            "method",
            "too-large",
            "too-many",
            "unavailable",
            "internal",
            "other",
        ] {
            wanted.insert(format!("error-{kind}-title"));
            wanted.insert(format!("error-{kind}-body"));
        }
        let missing: Vec<&String> = wanted.iter().filter(|k| !zh.contains(*k)).collect();
        assert!(missing.is_empty(), "messages missing from the catalogues: {missing:?}");
        for lang in [Lang::Zh, Lang::En] {
            assert!(Tr::new(lang).has("site-name"));
        }
    }
}
