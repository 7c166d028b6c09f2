//! A corpus's page: what a model builder needs — size, splits, languages,
//! label schema, the datasheet, its modality's metadata (CRS and map review
//! number, sensors' units and sampling, image sizes and annotation format,
//! text encodings) — lineage to the open list, and the Croissant export.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::listing::{Fact, LineageView, ListingView, json_ld, lineage_view, listing_view, recent_revisions};
use crate::app::AppState;
use crate::corpora::Corpus;
use crate::corpora::types::{CorpusOut, Datasheet};
use crate::error::AppResult;
use crate::listings::ListingKind;
use crate::listings::api;
use crate::portal::cache::public_page;
use crate::portal::frame::render;
use crate::portal::session::MaybePerson;
use crate::portal::ui::Ui;
use crate::portal::view::{Vocab, label};

pub struct SplitRow {
    pub name: String,
    pub count: String,
    pub description: String,
}

pub struct LabelRow {
    pub name: String,
    pub label: String,
    pub description: String,
    pub count: String,
}

pub struct QuantityRow {
    pub name: String,
    pub label: String,
    pub unit: String,
    pub description: String,
}

/// A section of the datasheet.
pub struct Section {
    pub heading: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "corpus.html")]
pub struct CorpusPage {
    pub ui: Ui,
    pub l: ListingView,
    pub modality: String,
    pub model_facts: Vec<Fact>,
    pub modality_facts: Vec<Fact>,
    pub quantities: Vec<QuantityRow>,
    pub splits: Vec<SplitRow>,
    pub labels: Vec<LabelRow>,
    pub datasheet: Vec<Section>,
    pub sources: Vec<LineageView>,
    pub lineage_justification: Option<String>,
    pub croissant_href: String,
}

fn datasheet(ui: &Ui, d: &Datasheet) -> Vec<Section> {
    let period = match (d.collection_start, d.collection_end) {
        (None, None) => None,
        (a, b) => Some(format!(
            "{} – {}",
            a.map(|d| ui.tr.day(&d)).unwrap_or_else(|| ui.t("open-start")),
            b.map(|d| ui.tr.day(&d)).unwrap_or_else(|| ui.t("open-end"))
        )),
    };
    [
        ("motivation", &d.motivation),
        ("composition", &d.composition),
        ("collection-method", &d.collection_method),
        ("collection-period", &period),
        ("preprocessing", &d.preprocessing),
        ("annotation-protocol", &d.annotation_protocol),
        ("personal-information", &d.personal_information),
        ("biases", &d.biases),
        ("limitations", &d.limitations),
        ("intended-uses", &d.intended_uses),
        ("out-of-scope-uses", &d.out_of_scope_uses),
        ("maintenance", &d.maintenance),
    ]
    .into_iter()
    .filter_map(|(key, text)| {
        text.as_ref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| Section { heading: ui.t(&format!("datasheet-{key}")), body: t.clone() })
    })
    .collect()
}

fn modality_facts(ui: &Ui, c: &CorpusOut) -> (Vec<Fact>, Vec<QuantityRow>) {
    let mut facts = Vec::new();
    let mut quantities = Vec::new();
    let n = |v: Option<i64>| v.map(|n| ui.count(n));
    let mut push = |key: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            let lang = ui.marks(&v).then_some("zh-CN");
            facts.push(Fact { lang, ..Fact::new(ui.t(key), v) });
        }
    };
    if let Some(t) = &c.text {
        push("fact-char-count", n(t.char_count));
        push("fact-token-count", n(t.token_count));
        push("fact-tokenizer", t.tokenizer.clone());
        push("fact-genres", Some(t.genres.join("、")));
        push("fact-encoding", t.encoding.clone());
    }
    if let Some(i) = &c.image {
        push("fact-image-count", n(i.image_count));
        push(
            "fact-resolution",
            i.resolution
                .as_ref()
                .map(|r| format!("{}×{} – {}×{} px", r.min_width, r.min_height, r.max_width, r.max_height)),
        );
        push("fact-colour-mode", i.colour_mode.map(|m| label(ui, "colour", m.as_str())));
        push("fact-file-formats", Some(i.file_formats.join(", ")));
        push("fact-annotation-format", i.annotation_format.map(|f| label(ui, "annotation-format", f.as_str())));
    }
    if let Some(s) = &c.sensor {
        push("fact-sensor-types", Some(s.sensor_types.join("、")));
        push("fact-sampling", s.sampling_interval.as_deref().map(|d| crate::portal::words::duration(ui, d)));
        push("fact-stations", n(s.station_count));
        push("fact-time-zone", s.time_zone.clone());
        push("fact-extent", s.spatial_extent.map(|b| format!("{}, {} – {}, {}", b.west, b.south, b.east, b.north)));
        quantities = s
            .measured_quantities
            .iter()
            .map(|q| QuantityRow {
                name: q.name.clone(),
                label: q.label.clone().unwrap_or_default(),
                unit: q.unit.clone().unwrap_or_default(),
                description: q.description.clone().unwrap_or_default(),
            })
            .collect();
    }
    if let Some(g) = &c.geo {
        let crs = g.crs.as_deref().map(|c| match crate::corpora::crs::parse(c) {
            Ok(crs) => format!("{} ({})", crs.id(), crs.name()),
            Err(_) => c.to_string(),
        });
        push("fact-crs", crs);
        push("fact-review-number", g.review_number.clone());
        push("fact-map-product", Some(ui.t(if g.map_product { "yes" } else { "no" })));
        push("fact-scale", g.scale_denominator.map(|d| format!("1:{}", ui.count(d))));
        push("fact-ground-resolution", g.ground_resolution_m.map(|r| format!("{r} m")));
        push("fact-extent", g.bbox.map(|b| format!("{}, {} – {}, {}", b.west, b.south, b.east, b.north)));
        push(
            "fact-geometry",
            Some(g.geometry_types.iter().map(|t| label(ui, "geometry", t.as_str())).collect::<Vec<_>>().join(", ")),
        );
    }
    (facts, quantities)
}

/// `GET /corpora/{name}`.
pub async fn corpus(
    state: web::Data<AppState>,
    ui: Ui,
    who: MaybePerson,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    let key = name.into_inner();
    public_page(&state, ui, &who, |ui| corpus_page(&state, ui, &who, key)).await
}

async fn corpus_page(state: &AppState, ui: Ui, who: &MaybePerson, key: String) -> AppResult<String> {
    let caller = who.caller();
    let c: CorpusOut = api::detail_cached::<Corpus>(state, caller.clone(), key.clone()).await?;
    let ld = json_ld(state, caller.clone(), ListingKind::Corpus, key.clone()).await?;
    let revisions = recent_revisions(state, caller, ListingKind::Corpus, key).await?;
    let vocab = Vocab::load(state).await?;
    let l = listing_view(&ui, &vocab, &c.listing, revisions, ld, who.0.is_some());
    let mut model_facts = vec![Fact::new(ui.t("fact-modality"), label(&ui, "modality", c.modality.as_str()))];
    if let Some(n) = c.sample_count {
        model_facts.push(Fact::new(ui.t("fact-samples"), ui.count(n)));
    }
    if let Some(b) = c.total_bytes {
        model_facts.push(Fact::new(ui.t("fact-size"), ui.tr.bytes(b)));
    }
    if !c.languages.is_empty() {
        let names: Vec<String> = c.languages.iter().map(|t| crate::portal::words::language(&ui, t)).collect();
        model_facts.push(Fact::new(ui.t("fact-languages"), names.join(", ")));
    }
    if !c.annotation_types.is_empty() {
        let types: Vec<String> = c.annotation_types.iter().map(|t| label(&ui, "annotation", t.as_str())).collect();
        model_facts.push(Fact::new(ui.t("fact-annotations"), types.join(if ui.en() { ", " } else { "、" })));
    }
    let (modality_facts, quantities) = modality_facts(&ui, &c);
    let splits = c
        .splits
        .iter()
        .map(|s| SplitRow {
            name: s.name.clone(),
            count: ui.count(s.sample_count),
            description: s.description.clone().unwrap_or_default(),
        })
        .collect();
    let labels = c
        .label_schema
        .iter()
        .map(|l| LabelRow {
            name: l.name.clone(),
            label: l.label.clone().unwrap_or_default(),
            description: l.description.clone().unwrap_or_default(),
            count: l.count.map(|n| ui.count(n)).unwrap_or_default(),
        })
        .collect();
    let sources = c.derived_from.iter().map(|r| lineage_view(&ui, r)).collect();
    let croissant_href = format!("{}/croissant", l.api_href);
    let modality = label(&ui, "modality", c.modality.as_str());
    let datasheet = datasheet(&ui, &c.datasheet);
    render(&CorpusPage {
        ui: ui.in_section("corpora"),
        l,
        modality,
        model_facts,
        modality_facts,
        quantities,
        splits,
        labels,
        datasheet,
        sources,
        lineage_justification: c.lineage_justification.clone(),
        croissant_href,
    })
}
