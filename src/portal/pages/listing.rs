//! A dataset's page: every statutory column of the open list, the data
//! items, the terms with their version, the distributions (download, apply,
//! or why not), lineage, revisions, and the schema.org JSON-LD computed by
//! the export code, with links to the DCAT and other exports.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::app::AppState;
use crate::auth::{Caller, MaybeCaller};
use crate::corpora::schema_org::{self, Export};
use crate::corpora::types::LineageRef;
use crate::distributions::Distribution;
use crate::error::{AppError, AppResult};
use crate::http::paging::PageParams;
use crate::listings::api;
use crate::listings::cache::Cached;
use crate::listings::datasets::Dataset;
use crate::listings::search::Visibility;
use crate::listings::types::{DatasetOut, ListingOut, Revision};
use crate::listings::{ListingKind, ListingStatus, OpenCondition};
use crate::portal::cache::public_page;
use crate::portal::frame::render;
use crate::portal::session::MaybePerson;
use crate::portal::ui::Ui;
use crate::portal::view::{Text, Vocab, When, bureau_name, day, json_for_script, label, listing_href, pick, when};

/// One row of a listing's facts: a term and its value.
pub struct Fact {
    pub term: String,
    pub value: String,
    pub lang: Option<&'static str>,
    pub href: Option<String>,
    /// A code (an identifier), shown as such.
    pub code: bool,
}

/// What an empty column shows.
pub const NONE: &str = "—";

impl Fact {
    pub fn new(term: String, value: String) -> Self {
        Fact { term, value, lang: None, href: None, code: false }
    }
    pub fn code(mut self) -> Self {
        self.code = true;
        self
    }
    pub fn text(term: String, t: Text) -> Self {
        Fact { term, value: t.value, lang: t.lang, href: None, code: false }
    }
    pub fn link(mut self, href: String) -> Self {
        self.href = Some(href);
        self
    }
}

pub struct ItemRow {
    pub name: String,
    pub label: String,
    pub data_type: String,
    pub description: String,
    pub unit: String,
    pub personal: bool,
}

pub struct TermsView {
    pub version: i32,
    pub body: String,
    pub sha256: String,
    pub date: When,
}

pub struct DistView {
    pub name: String,
    pub format: String,
    pub size: Option<String>,
    pub sha256: Option<String>,
    /// A hosted file anyone may download.
    pub download_href: Option<String>,
    /// An external service.
    pub access_url: Option<String>,
}

pub struct LineageView {
    pub href: String,
    pub title: Text,
    pub condition_label: String,
    pub note: Option<String>,
}

pub struct RevisionView {
    pub when: When,
    pub action: String,
    pub fields: String,
}

/// What dataset and corpus pages share.
pub struct ListingView {
    pub name: String,
    /// The page's own address (by name), for `<link rel="canonical">`.
    pub href: String,
    pub title: Text,
    /// The title in the other language, when there is one.
    pub alt_title: Option<Text>,
    pub summary: Option<Text>,
    pub condition: String,
    pub condition_label: String,
    pub condition_reason: Option<Text>,
    pub legal_basis: Option<Text>,
    pub withdrawn: Option<String>,
    pub draft: bool,
    pub facts: Vec<Fact>,
    pub items: Vec<ItemRow>,
    pub terms: Option<TermsView>,
    pub files: Vec<DistView>,
    /// Where "apply for access" leads, for a conditional listing.
    pub apply_href: Option<String>,
    pub revisions: Vec<RevisionView>,
    pub revision_total: i64,
    pub json_ld: String,
    pub api_href: String,
    pub schema_org_href: String,
    pub dcat_href: String,
    pub bureau_href: String,
    pub bureau: Text,
}

fn plain(v: &str) -> Text {
    Text { value: v.to_string(), lang: None }
}

fn opt_text(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// The common view of a listing.
pub fn listing_view(
    ui: &Ui,
    vocab: &Vocab,
    l: &ListingOut,
    revisions: (Vec<Revision>, i64),
    json_ld: String,
    signed_in: bool,
) -> ListingView {
    let path = match l.kind {
        ListingKind::Dataset => "datasets",
        ListingKind::Corpus => "corpora",
    };
    let title = pick(ui.lang, &l.title, l.title_en.as_deref());
    let alt_title = match (ui.en(), opt_text(&l.title_en)) {
        (false, Some(en)) => Some(Text { value: en, lang: Some("en") }),
        (true, Some(_)) => Some(Text { value: l.title.clone(), lang: Some("zh-CN") }),
        _ => None,
    };
    let summary = match (&l.summary, &l.summary_en) {
        (None, None) => None,
        (zh, en) => Some(pick(ui.lang, zh.as_deref().unwrap_or_default(), en.as_deref())),
    };
    let bureau = bureau_name(ui, &l.bureau);
    let bureau_href = format!("/bureaus/{}", l.bureau.id);
    // Every column of the open list (`listings::openlist::HEADERS`), under
    // its statutory name and in its order, "—" where empty; Chinese data
    // text is marked as such on English pages.
    let zh = |v: &str| Text { value: v.to_string(), lang: ui.marks(v).then_some("zh-CN") };
    let or_none = |term: &str, v: Option<Text>| Fact::text(ui.t(term), v.unwrap_or_else(|| plain(NONE)));
    let period = match (l.temporal_start, l.temporal_end) {
        (None, None) => None,
        (a, b) => Some(format!(
            "{} – {}",
            a.map(|d| ui.tr.day(&d)).unwrap_or_else(|| ui.t("open-start")),
            b.map(|d| ui.tr.day(&d)).unwrap_or_else(|| ui.t("open-end"))
        )),
    };
    let licence = opt_text(&l.licence);
    let licence_href = licence.as_deref().map(schema_org::licence_url).filter(|h| h.starts_with("https://"));
    let licence = or_none("fact-licence", licence.map(|v| plain(&v)));
    let mut facts = vec![
        Fact::text(ui.t("fact-title"), zh(&l.title)),
        or_none("fact-title-en", opt_text(&l.title_en).map(|en| Text { value: en, lang: (!ui.en()).then_some("en") })),
        Fact::new(ui.t("fact-identifier"), l.name.clone()).code(),
        Fact::new(ui.t("fact-domain"), vocab.domain(ui.lang, &l.domain))
            .link(crate::portal::pages::url(&format!("/{path}"), &[("domain", l.domain.clone())])),
        Fact::text(ui.t("fact-bureau"), bureau.clone()).link(bureau_href.clone()),
        or_none("fact-summary", opt_text(&l.summary).map(|v| zh(&v))),
        or_none("fact-formats", (!l.formats.is_empty()).then(|| plain(&l.formats.join(", ")))),
        Fact::new(ui.t("fact-condition"), label(ui, "cond", l.open_condition.as_str())),
        or_none("term-condition-reason", opt_text(&l.open_condition_reason).map(|v| zh(&v))),
        or_none("term-legal-basis", opt_text(&l.legal_basis).map(|v| zh(&v))),
        Fact::new(ui.t("fact-frequency"), label(ui, "freq", l.update_frequency.as_str())),
        or_none("fact-period", period.map(|p| plain(&p))),
        or_none("fact-area", opt_text(&l.spatial_coverage).map(|v| zh(&v))),
        or_none("fact-records", l.record_count.map(|n| plain(&ui.count(n)))),
        or_none("fact-keywords", (!l.keywords.is_empty()).then(|| zh(&l.keywords.join("、")))),
        match licence_href {
            Some(href) => licence.link(href),
            None => licence,
        },
        or_none("fact-published", l.published_at.as_ref().map(|p| plain(&day(ui, p).text))),
        Fact::new(ui.t("fact-modified"), when(ui, &l.modified_at).text),
    ];
    if let Some(c) = &l.contact {
        let parts: Vec<String> =
            [Some(c.name.clone()), c.phone.clone(), c.email.clone()].into_iter().flatten().collect();
        facts.push(Fact::text(ui.t("fact-contact"), zh(&parts.join(" · "))));
    }
    facts.push(Fact::new(ui.t("fact-version"), l.version.to_string()));

    let items = l
        .data_items
        .iter()
        .map(|i| ItemRow {
            name: i.name.clone(),
            label: i.label.clone(),
            data_type: label(ui, "type", i.data_type.as_str()),
            description: i.description.clone().unwrap_or_default(),
            unit: i.unit.clone().unwrap_or_default(),
            personal: i.personal,
        })
        .collect();
    let terms = l.terms.as_ref().map(|t| TermsView {
        version: t.version,
        body: t.body.clone(),
        sha256: t.sha256.clone(),
        date: day(ui, &t.created_at),
    });
    let open = l.open_condition == OpenCondition::Unconditional && l.status == ListingStatus::Published;
    let files = l.distributions.iter().map(|d| dist_view(ui, d, open)).collect();
    let apply_path = format!("{}/apply", listing_href(l.kind, &l.name));
    let apply_href =
        (l.open_condition == OpenCondition::Conditional && l.status == ListingStatus::Published).then(|| {
            if signed_in {
                apply_path.clone()
            } else {
                crate::portal::pages::url("/signin", &[("next", apply_path.clone())])
            }
        });
    let (revs, revision_total) = revisions;
    let revisions = revs
        .iter()
        .map(|r| RevisionView {
            when: when(ui, &r.at),
            action: label(ui, "action", &r.action),
            fields: field_names(ui, r),
        })
        .collect();
    let name_enc: String = form_urlencoded::byte_serialize(l.name.as_bytes()).collect();
    ListingView {
        name: l.name.clone(),
        href: listing_href(l.kind, &l.name),
        title,
        alt_title,
        summary: summary.filter(|s| !s.value.is_empty()),
        condition: l.open_condition.as_str().replace('_', "-"),
        condition_label: label(ui, "cond", l.open_condition.as_str()),
        condition_reason: opt_text(&l.open_condition_reason).map(|v| pick(ui.lang, &v, None)),
        legal_basis: opt_text(&l.legal_basis).map(|v| pick(ui.lang, &v, None)),
        withdrawn: (l.status == ListingStatus::Withdrawn)
            .then(|| opt_text(&l.withdrawn_reason).unwrap_or_else(|| ui.t("withdrawn-no-reason"))),
        draft: l.status == ListingStatus::Draft,
        facts,
        items,
        terms,
        files,
        apply_href,
        revisions,
        revision_total,
        json_ld,
        api_href: format!("/api/v1/{path}/{name_enc}"),
        schema_org_href: format!("/api/v1/{path}/{name_enc}/schema-org"),
        dcat_href: format!("/api/v1/{path}/{name_enc}/dcat"),
        bureau_href,
        bureau,
    }
}

fn dist_view(ui: &Ui, d: &Distribution, open: bool) -> DistView {
    DistView {
        name: d.name.clone(),
        format: d.format.clone(),
        size: d.byte_size.map(|n| ui.tr.bytes(n)),
        sha256: d.sha256.clone(),
        download_href: d.download_url.clone().filter(|_| open),
        access_url: d.access_url.clone(),
    }
}

/// The fields a revision changed, in words, without the ids of distributions.
fn field_names(ui: &Ui, r: &Revision) -> String {
    let mut names: Vec<&str> = r.changes.iter().map(|c| c.field.split('[').next().unwrap_or_default()).collect();
    names.dedup();
    names.iter().map(|n| crate::portal::words::field(ui, n)).collect::<Vec<_>>().join(if ui.en() {
        ", "
    } else {
        "、"
    })
}

pub fn lineage_view(ui: &Ui, r: &LineageRef) -> LineageView {
    LineageView {
        href: listing_href(r.kind, &r.name),
        title: pick(ui.lang, &r.title, r.title_en.as_deref()),
        condition_label: label(ui, "cond", r.open_condition.as_str()),
        note: match r.status {
            ListingStatus::Published => r.modality.map(|m| label(ui, "modality", m.as_str())),
            other => Some(label(ui, "status", other.as_str())),
        },
    }
}

/// The schema.org document of a listing, as its export endpoint renders it
/// for this caller (cached with the public reads when the caller is anonymous).
pub async fn json_ld(state: &AppState, caller: Option<Caller>, kind: ListingKind, key: String) -> AppResult<String> {
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let public = Visibility::of(caller.as_ref()) == Visibility::Public;
    let compute = {
        let key = key.clone();
        move || async move {
            let doc = state
                .db
                .run(move |conn| schema_org::render(conn, caller.as_ref(), kind, &key, Export::SchemaOrg, &base))
                .await?;
            Ok(Cached { body: json_for_script(&doc).into_bytes().into(), etag: None, last_modified: None })
        }
    };
    let cached = if public {
        state.cache.get_or_compute(format!("portal:schema-org:{kind}:{key}"), compute()).await?
    } else {
        compute().await?
    };
    String::from_utf8(cached.body.to_vec()).map_err(|e| AppError::internal(e.to_string()))
}

/// The newest revisions of a listing and how many there are (cached with
/// the public reads when the caller is anonymous: a revision is written by
/// the same transaction that advances the catalogue's generation).
pub async fn recent_revisions(
    state: &AppState,
    caller: Option<Caller>,
    kind: ListingKind,
    key: String,
) -> AppResult<(Vec<Revision>, i64)> {
    let public = Visibility::of(caller.as_ref()) == Visibility::Public;
    let cache_key = format!("portal:revisions:{kind}:{key}");
    let compute = || async move {
        let first = PageParams { limit: Some(10), cursor: None };
        let page = api::revisions(state, MaybeCaller(caller), kind, key, first).await?;
        Ok(Cached { body: api::to_body(&(page.items, page.total))?, etag: None, last_modified: None })
    };
    let cached = if public { state.cache.get_or_compute(cache_key, compute()).await? } else { compute().await? };
    serde_json::from_slice(&cached.body).map_err(|e| AppError::internal(e.to_string()))
}

#[derive(Template)]
#[template(path = "dataset.html")]
pub struct DatasetPage {
    pub ui: Ui,
    pub l: ListingView,
    pub derived: Vec<LineageView>,
}

/// `GET /datasets/{name}`.
pub async fn dataset(
    state: web::Data<AppState>,
    ui: Ui,
    who: MaybePerson,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    let key = name.into_inner();
    public_page(&state, ui, &who, |ui| dataset_page(&state, ui, &who, key)).await
}

async fn dataset_page(state: &AppState, ui: Ui, who: &MaybePerson, key: String) -> AppResult<String> {
    let caller = who.caller();
    let d: DatasetOut = api::detail_cached::<Dataset>(state, caller.clone(), key.clone()).await?;
    let ld = json_ld(state, caller.clone(), ListingKind::Dataset, key.clone()).await?;
    let revisions = recent_revisions(state, caller, ListingKind::Dataset, key).await?;
    let vocab = Vocab::load(state).await?;
    let l = listing_view(&ui, &vocab, &d.listing, revisions, ld, who.0.is_some());
    let derived = d.derived_corpora.iter().map(|r| lineage_view(&ui, r)).collect();
    render(&DatasetPage { ui: ui.in_section("datasets"), l, derived })
}
