//! The home page: search, the domains with their counts (education,
//! healthcare and tourism first), the newest datasets, the four corpus
//! modalities, and the ways to take the whole catalogue.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::app::AppState;
use crate::corpora::vocab::Modality;
use crate::error::AppResult;
use crate::listings::api;
use crate::listings::search::{FacetDim, SortOrder};
use crate::listings::{ListingKind, ListingStatus};
use crate::portal::cache::public_page;
use crate::portal::frame::render;
use crate::portal::pages::search::SearchQuery;
use crate::portal::pages::url;
use crate::portal::session::MaybePerson;
use crate::portal::ui::Ui;
use crate::portal::view::{Card, Vocab, card, label};

/// The domains Measure 7 names first.
const KEY_DOMAINS: &[&str] = &["education", "healthcare", "tourism"];

pub struct DomainTile {
    pub code: String,
    pub label: String,
    pub count: String,
    pub href: String,
    pub key: bool,
}

pub struct ModalityTile {
    pub code: &'static str,
    pub label: String,
    pub hint: String,
    pub count: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ui: Ui,
    pub dataset_total: String,
    pub corpus_total: String,
    pub domains: Vec<DomainTile>,
    pub newest: Vec<Card>,
    pub modalities: Vec<ModalityTile>,
}

/// `GET /`.
pub async fn home(state: web::Data<AppState>, ui: Ui, who: MaybePerson) -> AppResult<HttpResponse> {
    public_page(&state, ui, &who, |ui| home_page(&state, ui, &who)).await
}

async fn home_page(state: &AppState, ui: Ui, who: &MaybePerson) -> AppResult<String> {
    let caller = who.caller();
    let all = SearchQuery::default();
    // The counts are the search page's for the same caller (for anyone:
    // published and withdrawn entries, as the API lists them); the newest
    // shown are those in force (published), from a few more than shown.
    let (s, _, paging) = all.search(ListingKind::Dataset, caller.as_ref(), 12)?;
    let datasets = api::list_page_cached(
        state,
        s,
        SortOrder::Modified,
        paging,
        vec![FacetDim::Column { name: "domain", column: "domain" }],
    )
    .await?;
    let (s, order, paging) = all.search(ListingKind::Corpus, caller.as_ref(), 1)?;
    let corpora = api::list_page_cached(state, s, order, paging, vec![FacetDim::Values { name: "modality" }]).await?;
    let vocab = Vocab::load(state).await?;

    let counts = datasets.facets.get("domain").cloned().unwrap_or_default();
    let count_of = |code: &str| counts.iter().find(|v| v.value == code).map(|v| v.count).unwrap_or(0);
    let mut domains: Vec<DomainTile> = vocab
        .domains
        .iter()
        .map(|(code, _, _)| DomainTile {
            code: code.clone(),
            label: vocab.domain(ui.lang, code),
            count: ui.count(count_of(code)),
            href: url("/datasets", &[("domain", code.clone())]),
            key: KEY_DOMAINS.contains(&code.as_str()),
        })
        .filter(|d| d.key || count_of(&d.code) > 0)
        .collect();
    domains.sort_by_key(|d| {
        (KEY_DOMAINS.iter().position(|k| *k == d.code).unwrap_or(KEY_DOMAINS.len()), -count_of(&d.code))
    });

    let modality_counts = corpora.facets.get("modality").cloned().unwrap_or_default();
    let modalities = Modality::ALL
        .iter()
        .map(|m| {
            let code = m.as_str();
            ModalityTile {
                code,
                label: label(&ui, "modality", code),
                hint: label(&ui, "modality-hint", code),
                count: ui.count(modality_counts.iter().find(|v| v.value == code).map(|v| v.count).unwrap_or(0)),
                href: url("/corpora", &[("modality", code.to_string())]),
            }
        })
        .collect();
    let newest = datasets
        .items
        .iter()
        .filter(|s| s.status == ListingStatus::Published)
        .take(6)
        .map(|s| card(&ui, &vocab, s))
        .collect();
    render(&HomePage {
        dataset_total: ui.count(datasets.total),
        corpus_total: ui.count(corpora.total),
        ui: ui.in_section("home"),
        domains,
        newest,
        modalities,
    })
}
