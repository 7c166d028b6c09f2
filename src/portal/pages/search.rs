//! Search results for both catalogues: the API's search, filters, facets
//! and cursor pages, with the filters shown as removable choices and a
//! "previous page" that the keyset cursors alone cannot give (the cursors
//! of the pages before travel in the link).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{given, parse, url};
use crate::app::AppState;
use crate::corpora::api::{CorpusListParams, corpus_facets};
use crate::error::AppResult;
use crate::http::Query;
use crate::http::paging::PageParams;
use crate::listings::ListingKind;
use crate::listings::api::{self, CommonFilters};
use crate::listings::datasets::DatasetListParams;
use crate::listings::search::{Search, SortOrder};
use crate::listings::types::ListingPage;
use crate::portal::cache::public_page;
use crate::portal::frame::render;
use crate::portal::session::MaybePerson;
use crate::portal::ui::Ui;
use crate::portal::view::{Card, Vocab, card, label};

/// Results per page.
pub const PAGE_SIZE: i64 = 20;
/// How many earlier pages' cursors a link carries; beyond, "previous" from
/// the oldest kept page leads to the first page.
const TRAIL: usize = 30;

/// The query of a search page, as a browser's GET form sends it (an
/// unchosen `<select>` sends an empty value).
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub domain: Option<String>,
    pub open_condition: Option<String>,
    pub bureau: Option<String>,
    pub format: Option<String>,
    pub update_frequency: Option<String>,
    pub keyword: Option<String>,
    pub licence: Option<String>,
    pub modality: Option<String>,
    pub annotation_type: Option<String>,
    pub language: Option<String>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// The cursors of the pages before this one, oldest first, dot-separated.
    pub prev: Option<String>,
    pub page: Option<String>,
}

/// The filters a page may carry, in the order links repeat them.
const FILTERS: &[&str] = &[
    "q",
    "domain",
    "open_condition",
    "bureau",
    "format",
    "update_frequency",
    "keyword",
    "licence",
    "modality",
    "annotation_type",
    "language",
    "sort",
];

impl SearchQuery {
    fn value(&self, key: &str) -> Option<String> {
        given(match key {
            "q" => &self.q,
            "domain" => &self.domain,
            "open_condition" => &self.open_condition,
            "bureau" => &self.bureau,
            "format" => &self.format,
            "update_frequency" => &self.update_frequency,
            "keyword" => &self.keyword,
            "licence" => &self.licence,
            "modality" => &self.modality,
            "annotation_type" => &self.annotation_type,
            "language" => &self.language,
            "sort" => &self.sort,
            _ => return None,
        })
    }

    /// The filters set, as (key, value).
    pub fn filters(&self, kind: ListingKind) -> Vec<(&'static str, String)> {
        FILTERS
            .iter()
            .filter(|k| kind == ListingKind::Corpus || !matches!(**k, "modality" | "annotation_type" | "language"))
            .filter_map(|k| self.value(k).map(|v| (*k, v)))
            .collect()
    }

    /// The API's search for these filters, as `caller` may see it.
    pub fn search(
        &self,
        kind: ListingKind,
        caller: Option<&crate::auth::Caller>,
        limit: i64,
    ) -> AppResult<(Search, SortOrder, PageParams)> {
        let cursor = given(&self.cursor);
        match kind {
            ListingKind::Dataset => {
                let p = DatasetListParams {
                    q: given(&self.q),
                    domain: given(&self.domain),
                    open_condition: parse("open_condition", &self.open_condition)?,
                    bureau: parse("bureau", &self.bureau)?,
                    format: given(&self.format),
                    update_frequency: parse("update_frequency", &self.update_frequency)?,
                    keyword: given(&self.keyword),
                    licence: given(&self.licence),
                    modified_since: None,
                    status: None,
                    sort: parse_sort(&self.sort)?,
                    limit: Some(limit),
                    cursor,
                };
                let f: CommonFilters = p.into();
                let s = f.search(ListingKind::Dataset, caller)?;
                let order = f.order(s.tokens.is_some());
                Ok((s, order, PageParams { limit: f.limit, cursor: f.cursor }))
            }
            ListingKind::Corpus => CorpusListParams {
                q: given(&self.q),
                modality: parse("modality", &self.modality)?,
                annotation_type: parse("annotation_type", &self.annotation_type)?,
                language: given(&self.language),
                min_sample_count: None,
                domain: given(&self.domain),
                open_condition: parse("open_condition", &self.open_condition)?,
                bureau: parse("bureau", &self.bureau)?,
                format: given(&self.format),
                update_frequency: parse("update_frequency", &self.update_frequency)?,
                keyword: given(&self.keyword),
                licence: given(&self.licence),
                modified_since: None,
                status: None,
                sort: parse_sort(&self.sort)?,
                limit: Some(limit),
                cursor,
            }
            .into_search(caller),
        }
    }
}

/// The number of the page shown, never taken on trust: 1 without a cursor;
/// with one, the trail of earlier cursors counts the pages before while it
/// is whole; once it has been cut to `TRAIL`, the link's number, between
/// the trail's count and the last page the total allows.
fn page_number(cursor: bool, trail: usize, claimed: Option<String>, total: i64) -> i64 {
    if !cursor {
        return 1;
    }
    let known = i64::try_from(trail).unwrap_or(i64::MAX - 2).saturating_add(2);
    if trail < TRAIL {
        return known;
    }
    let last = (total.max(1) - 1) / PAGE_SIZE + 1;
    claimed.and_then(|p| p.parse::<i64>().ok()).unwrap_or(known).min(last).max(known)
}

fn parse_sort(v: &Option<String>) -> AppResult<Option<SortOrder>> {
    match given(v).as_deref() {
        None => Ok(None),
        Some("relevance") => Ok(Some(SortOrder::Relevance)),
        Some("modified") => Ok(Some(SortOrder::Modified)),
        Some("title") => Ok(Some(SortOrder::Title)),
        Some(_) => Err(crate::error::AppError::invalid("sort", "must be relevance, modified or title")),
    }
}

/// A value of a facet, with its count and the link that filters by it.
pub struct FacetValueView {
    pub label: String,
    pub count: String,
    pub href: String,
    pub selected: bool,
}

pub struct FacetGroup {
    pub name: String,
    pub values: Vec<FacetValueView>,
}

impl FacetGroup {
    /// Whether a value is chosen (its group is shown open).
    pub fn selected(&self) -> bool {
        self.values.iter().any(|v| v.selected)
    }
}

/// A chosen filter and the link that removes it.
pub struct ActiveFilter {
    pub name: String,
    pub value: String,
    pub remove_href: String,
}

pub struct Tab {
    pub label: String,
    pub href: String,
    pub current: bool,
}

pub struct SortLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub ui: Ui,
    pub path: &'static str,
    pub heading: String,
    pub q: String,
    pub summary: String,
    pub total: i64,
    pub cards: Vec<Card>,
    pub facets: Vec<FacetGroup>,
    pub active: Vec<ActiveFilter>,
    pub hidden: Vec<(&'static str, String)>,
    pub tabs: Vec<Tab>,
    pub sorts: Vec<SortLink>,
    pub page: i64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

fn path_of(kind: ListingKind) -> &'static str {
    match kind {
        ListingKind::Dataset => "/datasets",
        ListingKind::Corpus => "/corpora",
    }
}

/// The label of a facet value: codes and ids in words, in the page's language.
fn value_label(ui: &Ui, vocab: &Vocab, facet: &str, value: &str, fallback: Option<&str>) -> String {
    match facet {
        "domain" => vocab.domain(ui.lang, value),
        "bureau" => vocab.bureau(ui.lang, value, fallback.unwrap_or(value)).value,
        "open_condition" => label(ui, "cond", value),
        "update_frequency" => label(ui, "freq", value),
        "modality" => label(ui, "modality", value),
        "annotation_type" => label(ui, "annotation", value),
        "language" => label(ui, "language", value),
        "sort" => label(ui, "sort", value),
        _ => value.to_string(),
    }
}

/// `GET /datasets` and `GET /corpora`.
pub async fn page(
    state: &AppState,
    ui: Ui,
    who: MaybePerson,
    kind: ListingKind,
    query: SearchQuery,
) -> AppResult<HttpResponse> {
    public_page(state, ui, &who, |ui| search_page(state, ui, &who, kind, query)).await
}

async fn search_page(
    state: &AppState,
    ui: Ui,
    who: &MaybePerson,
    kind: ListingKind,
    query: SearchQuery,
) -> AppResult<String> {
    let caller = who.caller();
    let (s, order, paging) = query.search(kind, caller.as_ref(), PAGE_SIZE)?;
    let dims = match kind {
        ListingKind::Dataset => api::dataset_facets(),
        ListingKind::Corpus => corpus_facets(),
    };
    let result: ListingPage = api::list_page_cached(state, s, order, paging, dims).await?;
    let vocab = Vocab::load(state).await?;
    let path = path_of(kind);
    let filters = query.filters(kind);
    let link = |set: &[(&'static str, String)]| url(path, set);
    let with = |key: &'static str, value: &str| {
        let mut set: Vec<(&'static str, String)> = filters.iter().filter(|(k, _)| *k != key).cloned().collect();
        set.push((key, value.to_string()));
        link(&set)
    };
    let without = |key: &'static str| {
        let set: Vec<(&'static str, String)> = filters.iter().filter(|(k, _)| *k != key).cloned().collect();
        link(&set)
    };

    let facet_order: &[&'static str] = match kind {
        ListingKind::Dataset => &["domain", "open_condition", "bureau", "format"],
        ListingKind::Corpus => {
            &["modality", "domain", "open_condition", "annotation_type", "language", "bureau", "format", "licence"]
        }
    };
    let facets = facet_order
        .iter()
        .filter_map(|name| result.facets.get(*name).map(|values| (*name, values)))
        .filter(|(_, values)| !values.is_empty())
        .map(|(name, values)| FacetGroup {
            name: ui.t(&format!("facet-{}", name.replace('_', "-"))),
            values: values
                .iter()
                .map(|v| {
                    let selected = filters.iter().any(|(k, val)| *k == name && val.eq_ignore_ascii_case(&v.value));
                    FacetValueView {
                        label: value_label(&ui, &vocab, name, &v.value, v.label.as_deref()),
                        count: ui.count(v.count),
                        href: if selected { without(name) } else { with(name, &v.value) },
                        selected,
                    }
                })
                .collect(),
        })
        .collect();
    let active = filters
        .iter()
        .filter(|(k, _)| *k != "q" && *k != "sort")
        .map(|(k, v)| ActiveFilter {
            name: ui.t(&format!("facet-{}", k.replace('_', "-"))),
            value: value_label(&ui, &vocab, k, v, None),
            remove_href: without(k),
        })
        .collect();
    let q = query.value("q").unwrap_or_default();

    // The other catalogue's total for the same words, for the tabs.
    let other = match kind {
        ListingKind::Dataset => ListingKind::Corpus,
        ListingKind::Corpus => ListingKind::Dataset,
    };
    let words = SearchQuery { q: query.q.clone(), ..SearchQuery::default() };
    let (os, oorder, opaging) = words.search(other, caller.as_ref(), 1)?;
    let other_total = api::list_page_cached(state, os, oorder, opaging, Vec::new()).await?.total;
    let q_only: Vec<(&'static str, String)> = filters.iter().filter(|(k, _)| *k == "q").cloned().collect();
    let tab = |k: ListingKind, total: i64| Tab {
        label: ui.with(
            match k {
                ListingKind::Dataset => "tab-datasets",
                ListingKind::Corpus => "tab-corpora",
            },
            "n",
            &ui.count(total),
        ),
        href: url(path_of(k), &q_only),
        current: k == kind,
    };
    let tabs = match kind {
        ListingKind::Dataset => vec![tab(ListingKind::Dataset, result.total), tab(ListingKind::Corpus, other_total)],
        ListingKind::Corpus => vec![tab(ListingKind::Dataset, other_total), tab(ListingKind::Corpus, result.total)],
    };

    let searching = !q.is_empty();
    let current_sort = query.value("sort").unwrap_or_else(|| if searching { "relevance" } else { "modified" }.into());
    let sorts = ["relevance", "modified", "title"]
        .into_iter()
        .filter(|s| searching || *s != "relevance")
        .map(|s| SortLink { label: label(&ui, "sort", s), href: with("sort", s), current: current_sort == s })
        .collect();

    // Paging: this page's cursor joins the trail of the next page's link.
    let cursor = given(&query.cursor);
    let mut trail: Vec<String> = given(&query.prev)
        .map(|p| p.split('.').filter(|c| !c.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    let page = page_number(cursor.is_some(), trail.len(), given(&query.page), result.total);
    let page_link = |cursor: Option<&String>, prev: &[String], number: i64| {
        let mut set = filters.clone();
        if let Some(c) = cursor {
            set.push(("cursor", c.clone()));
            set.push(("page", number.to_string()));
            if !prev.is_empty() {
                set.push(("prev", prev.join(".")));
            }
        }
        link(&set)
    };
    let next_href = result.next_cursor.as_ref().map(|next| {
        let mut t = trail.clone();
        if let Some(c) = &cursor {
            t.push(c.clone());
        }
        if t.len() > TRAIL {
            t.remove(0);
        }
        page_link(Some(next), &t, page + 1)
    });
    let prev_href = cursor.as_ref().map(|_| {
        let before = trail.pop();
        page_link(before.as_ref(), &trail, (page - 1).max(1))
    });
    let first_href = (page > 2).then(|| page_link(None, &[], 1));

    let heading = match kind {
        ListingKind::Dataset => ui.t("search-datasets-heading"),
        ListingKind::Corpus => ui.t("search-corpora-heading"),
    };
    let summary = if searching {
        ui.tr.args(
            "search-summary-q",
            &[
                ("n", crate::portal::i18n::Arg::Text(ui.count(result.total))),
                ("count", crate::portal::i18n::Arg::Number(result.total)),
                ("q", crate::portal::i18n::Arg::Text(q.clone())),
            ],
        )
    } else {
        ui.counted("search-summary", &ui.count(result.total))
    };
    let hidden = filters.iter().filter(|(k, _)| *k != "q").cloned().collect();
    let section = match kind {
        ListingKind::Dataset => "datasets",
        ListingKind::Corpus => "corpora",
    };
    let cards = result.items.iter().map(|s| card(&ui, &vocab, s)).collect();
    render(&SearchPage {
        ui: ui.in_section(section),
        path,
        heading,
        q,
        summary,
        total: result.total,
        cards,
        facets,
        active,
        hidden,
        tabs,
        sorts,
        page,
        prev_href,
        next_href,
        first_href,
    })
}

/// `GET /datasets`: search the open list. The query is read by the API's
/// extractor, so the page refuses what the API refuses (NUL characters,
/// a field given twice) with the same 422.
pub async fn datasets(
    state: web::Data<AppState>,
    ui: Ui,
    who: MaybePerson,
    query: Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    page(&state, ui, who, ListingKind::Dataset, query.into_inner()).await
}

/// `GET /corpora`: search the training-corpus catalogue.
pub async fn corpora(
    state: web::Data<AppState>,
    ui: Ui,
    who: MaybePerson,
    query: Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    page(&state, ui, who, ListingKind::Corpus, query.into_inner()).await
}
