//! The bureaus: an index with their listing counts, and each bureau's page
//! with its contact, its counts by open condition and domain, and its
//! newest listings.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::listings::ListingKind;
use crate::listings::api;
use crate::listings::search::{COMMON_FACETS, FacetDim, SortOrder};
use crate::orgs::{OrgId, OrgKind, model};
use crate::portal::frame::html;
use crate::portal::pages::search::SearchQuery;
use crate::portal::pages::url;
use crate::portal::session::MaybePerson;
use crate::portal::ui::Ui;
use crate::portal::view::{Card, Text, Vocab, card, label, pick};

pub struct Count {
    pub label: String,
    pub count: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "bureau.html")]
pub struct BureauPage {
    pub ui: Ui,
    pub name: Text,
    pub alt_name: Option<Text>,
    pub contact: Vec<String>,
    pub dataset_total: String,
    pub corpus_total: String,
    pub by_condition: Vec<Count>,
    pub by_domain: Vec<Count>,
    pub newest: Vec<Card>,
    pub all_href: String,
    pub corpora_href: String,
}

/// `GET /bureaus/{id}`.
pub async fn bureau(
    state: web::Data<AppState>,
    ui: Ui,
    who: MaybePerson,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: OrgId = id.parse().map_err(|_| AppError::not_found("bureau"))?;
    let org = state
        .db
        .run(move |conn| model::find_org_of_kind(conn, id, OrgKind::Bureau))
        .await?
        .ok_or_else(|| AppError::not_found("bureau"))?;
    let caller = who.caller();
    let q = SearchQuery { bureau: Some(id.to_string()), ..SearchQuery::default() };
    let (s, _, paging) = q.search(ListingKind::Dataset, caller.as_ref(), 10)?;
    let datasets = api::list_page_cached(&state, s, SortOrder::Modified, paging, COMMON_FACETS[..2].to_vec()).await?;
    let (s, order, paging) = q.search(ListingKind::Corpus, caller.as_ref(), 1)?;
    let corpora = api::list_page_cached(&state, s, order, paging, Vec::<FacetDim>::new()).await?;
    let vocab = Vocab::load(&state).await?;
    let bureau = id.to_string();
    let counts = |facet: &str, f: &dyn Fn(&str) -> String| -> Vec<Count> {
        datasets
            .facets
            .get(facet)
            .map(|values| {
                values
                    .iter()
                    .map(|v| Count {
                        label: f(&v.value),
                        count: ui.count(v.count),
                        href: url("/datasets", &[("bureau", bureau.clone()), (facet_key(facet), v.value.clone())]),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let by_condition = counts("open_condition", &|v| label(&ui, "cond", v));
    let by_domain = counts("domain", &|v| vocab.domain(ui.lang, v));
    let name = pick(ui.lang, &org.name, org.name_en.as_deref());
    let alt_name = match (ui.en(), org.name_en.as_deref()) {
        (false, Some(en)) => Some(Text { value: en.to_string(), lang: Some("en") }),
        (true, Some(_)) => Some(Text { value: org.name.clone(), lang: Some("zh-CN") }),
        _ => None,
    };
    let contact = [org.contact_name.clone(), org.contact_phone.clone(), org.contact_email.clone()]
        .into_iter()
        .flatten()
        .filter(|c| !c.trim().is_empty())
        .collect();
    let newest = datasets.items.iter().map(|s| card(&ui, &vocab, s)).collect();
    html(&BureauPage {
        name,
        alt_name,
        contact,
        dataset_total: ui.count(datasets.total),
        corpus_total: ui.count(corpora.total),
        by_condition,
        by_domain,
        newest,
        all_href: url("/datasets", &[("bureau", bureau.clone())]),
        corpora_href: url("/corpora", &[("bureau", bureau)]),
        ui: ui.in_section("bureaus"),
    })
}

fn facet_key(facet: &str) -> &'static str {
    match facet {
        "open_condition" => "open_condition",
        _ => "domain",
    }
}

pub struct BureauRow {
    pub name: Text,
    pub href: String,
    pub count: String,
}

#[derive(Template)]
#[template(path = "bureaus.html")]
pub struct BureausPage {
    pub ui: Ui,
    pub rows: Vec<BureauRow>,
}

/// `GET /bureaus`: every bureau with its number of datasets.
pub async fn bureaus(state: web::Data<AppState>, ui: Ui, who: MaybePerson) -> AppResult<HttpResponse> {
    let caller = who.caller();
    let (s, order, paging) = SearchQuery::default().search(ListingKind::Dataset, caller.as_ref(), 1)?;
    let page = api::list_page_cached(&state, s, order, paging, vec![COMMON_FACETS[2]]).await?;
    let vocab = Vocab::load(&state).await?;
    let counts = page.facets.get("bureau").cloned().unwrap_or_default();
    let mut rows: Vec<(i64, BureauRow)> = vocab
        .bureaus
        .iter()
        .map(|(id, zh, en)| {
            let n = counts.iter().find(|v| v.value == *id).map(|v| v.count).unwrap_or(0);
            (
                n,
                BureauRow {
                    name: pick(ui.lang, zh, en.as_deref()),
                    href: format!("/bureaus/{id}"),
                    count: ui.count(n),
                },
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.value.cmp(&b.1.name.value)));
    html(&BureausPage { ui: ui.in_section("bureaus"), rows: rows.into_iter().map(|(_, r)| r).collect() })
}
