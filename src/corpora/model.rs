//! Queries on corpora: their own row, their lineage to open-list datasets
//! (both ways), and what they add to the shared index.

use diesel::prelude::*;

use super::syntax::primary_language;
use super::types::{Datasheet, Label, LineageRef, ModalitySections, Split};
use super::validate::CleanCorpus;
use super::vocab::{AnnotationType, Modality};
use crate::db::DbConn;
use crate::db::schema::{corpora, corpus_sources, listings};
use crate::db::types::Json;
use crate::error::{AppError, AppResult};
use crate::listings::model::IndexExtras;
use crate::listings::search::Visibility;
use crate::listings::{Listing, ListingId, ListingKind, ListingStatus, OpenCondition};
use crate::orgs::OrgId;

/// What a corpus stores beyond its listing row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = corpora)]
#[diesel(treat_none_as_null = true)]
pub struct CorpusRow {
    pub listing_id: ListingId,
    pub modality: Modality,
    pub total_bytes: Option<i64>,
    pub splits: Json<Vec<Split>>,
    pub languages: Json<Vec<String>>,
    pub annotation_types: Json<Vec<AnnotationType>>,
    pub label_schema: Json<Vec<Label>>,
    pub datasheet: Json<Datasheet>,
    pub details: Json<ModalitySections>,
    pub lineage_justification: Option<String>,
}

pub fn find(conn: &mut DbConn, id: ListingId) -> AppResult<Option<CorpusRow>> {
    Ok(corpora::table.find(id).select(CorpusRow::as_select()).first(conn).optional()?)
}

/// The corpus row of a listing that must have one.
pub fn get(conn: &mut DbConn, id: ListingId) -> AppResult<CorpusRow> {
    find(conn, id)?.ok_or_else(|| AppError::internal(format!("corpus {id} has no corpora row")))
}

/// Stores a corpus's own fields and its sources (replacing earlier ones).
pub fn save(conn: &mut DbConn, id: ListingId, c: &CleanCorpus, sources: &[ListingId]) -> AppResult<()> {
    let row = CorpusRow {
        listing_id: id,
        modality: c.modality,
        total_bytes: c.total_bytes,
        splits: Json(c.splits.clone()),
        languages: Json(c.languages.clone()),
        annotation_types: Json(c.annotation_types.clone()),
        label_schema: Json(c.label_schema.clone()),
        datasheet: Json(c.datasheet.clone()),
        details: Json(c.sections.clone()),
        lineage_justification: c.lineage_justification.clone(),
    };
    let updated = diesel::update(corpora::table.find(id)).set(&row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(corpora::table).values(&row).execute(conn)?;
    }
    diesel::delete(corpus_sources::table.filter(corpus_sources::corpus_id.eq(id))).execute(conn)?;
    // At most validate::MAX_SOURCES rows; the multi-backend connection has no batch insert.
    for (position, dataset) in sources.iter().enumerate() {
        diesel::insert_into(corpus_sources::table)
            .values((
                corpus_sources::corpus_id.eq(id),
                corpus_sources::dataset_id.eq(dataset),
                corpus_sources::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What lineage checks need of a dataset.
#[derive(Debug, Clone, Queryable)]
pub struct DatasetHead {
    pub id: ListingId,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub open_condition: OpenCondition,
    pub status: ListingStatus,
    pub bureau_id: OrgId,
}

impl DatasetHead {
    pub fn lineage_ref(&self) -> LineageRef {
        LineageRef {
            id: self.id,
            kind: ListingKind::Dataset,
            name: self.name.clone(),
            title: self.title.clone(),
            title_en: self.title_en.clone(),
            open_condition: self.open_condition,
            status: self.status,
            modality: None,
        }
    }
}

type HeadColumns = (
    listings::id,
    listings::name,
    listings::title,
    listings::title_en,
    listings::open_condition,
    listings::status,
    listings::bureau_id,
);

const HEAD: HeadColumns = (
    listings::id,
    listings::name,
    listings::title,
    listings::title_en,
    listings::open_condition,
    listings::status,
    listings::bureau_id,
);

/// The datasets named by id or name, in one query; `None` where a key names
/// no dataset the visibility allows.
pub fn resolve_datasets(
    conn: &mut DbConn,
    keys: &[String],
    visibility: Visibility,
) -> AppResult<Vec<Option<DatasetHead>>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<ListingId> = keys.iter().filter_map(|k| k.parse().ok()).collect();
    let heads: Vec<DatasetHead> = listings::table
        .filter(listings::kind.eq(ListingKind::Dataset))
        .filter(listings::id.eq_any(&ids).or(listings::name.eq_any(keys)))
        .select(HEAD)
        .load(conn)?;
    Ok(keys
        .iter()
        .map(|k| {
            heads
                .iter()
                .find(|h| h.name == *k || k.parse::<ListingId>().is_ok_and(|id| id == h.id))
                .filter(|h| visibility.sees(h.status, h.bureau_id))
                .cloned()
        })
        .collect())
}

/// The datasets a corpus was derived from, in the order given.
pub fn sources_of(conn: &mut DbConn, corpus: ListingId) -> AppResult<Vec<DatasetHead>> {
    let ids: Vec<ListingId> = corpus_sources::table
        .filter(corpus_sources::corpus_id.eq(corpus))
        .order(corpus_sources::position.asc())
        .select(corpus_sources::dataset_id)
        .load(conn)?;
    let heads: Vec<DatasetHead> = listings::table.filter(listings::id.eq_any(&ids)).select(HEAD).load(conn)?;
    Ok(ids.iter().filter_map(|id| heads.iter().find(|h| h.id == *id).cloned()).collect())
}

/// The corpora derived from a dataset that the visibility allows, newest first.
pub fn derived_from_dataset(
    conn: &mut DbConn,
    dataset: ListingId,
    visibility: Visibility,
) -> AppResult<Vec<LineageRef>> {
    let ids: Vec<ListingId> = corpus_sources::table
        .filter(corpus_sources::dataset_id.eq(dataset))
        .select(corpus_sources::corpus_id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(DatasetHead, Modality)> = listings::table
        .inner_join(corpora::table)
        .filter(listings::id.eq_any(&ids))
        .order(listings::id.desc())
        .select((HEAD, corpora::modality))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(h, _)| visibility.sees(h.status, h.bureau_id))
        .map(|(h, m)| LineageRef { kind: ListingKind::Corpus, modality: Some(m), ..h.lineage_ref() })
        .collect())
}

/// The facet values and indexed text a corpus adds: modality, annotation
/// types, languages, label names, modality details and datasheet sections.
pub fn index_extras(conn: &mut DbConn, l: &Listing) -> AppResult<IndexExtras> {
    let Some(row) = find(conn, l.id)? else { return Ok(IndexExtras::default()) };
    let mut x = IndexExtras::default();
    x.facets.push(("modality", row.modality.as_str().to_string()));
    x.keywords.push(format!("{} {}", row.modality.label_zh(), row.modality.label_en()));
    for t in &row.annotation_types.0 {
        x.facets.push(("annotation_type", t.as_str().to_string()));
        x.keywords.push(t.search_text().to_string());
    }
    for tag in &row.languages.0 {
        x.facets.push(("language", primary_language(tag)));
    }
    for label in &row.label_schema.0 {
        x.keywords.push(label.name.replace('_', " "));
        x.keywords.extend(label.label.clone());
        x.body.extend(label.description.clone());
    }
    let d = &row.details.0;
    if let Some(t) = &d.text {
        x.keywords.extend(t.genres.iter().cloned());
    }
    if let Some(s) = &d.sensor {
        x.keywords.extend(s.sensor_types.iter().cloned());
        for q in &s.measured_quantities {
            x.keywords.push(q.name.replace('_', " "));
            x.keywords.extend(q.label.clone());
            x.body.extend(q.description.clone());
        }
    }
    if let Some(g) = &d.geo {
        if let Some(crs) = g.crs.as_deref().and_then(|c| super::crs::parse(c).ok()) {
            x.keywords.push(format!("{} {}", crs.id(), crs.name()));
        }
        if g.map_product {
            x.keywords.push("地图产品 map product".into());
        }
    }
    let ds = &row.datasheet.0;
    for section in [
        &ds.motivation,
        &ds.composition,
        &ds.collection_method,
        &ds.preprocessing,
        &ds.annotation_protocol,
        &ds.intended_uses,
        &ds.limitations,
    ]
    .into_iter()
    .flatten()
    {
        x.body.push(section.clone());
    }
    Ok(x)
}
