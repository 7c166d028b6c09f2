//! Queries on listings: lookup, guarded updates, terms versions, revisions,
//! and keeping the facet values and the full-text index in step.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::text::SearchDoc;
use super::types::{BureauRef, FieldChange, Revision, Terms};
use super::{Listing, ListingId, ListingKind};
use crate::db::schema::{distributions, listing_facets, listing_revisions, listing_terms, listings, organisations};
use crate::db::types::{Json, utc};
use crate::db::{DbConn, backend};
use crate::error::AppResult;
use crate::orgs::{OrgId, UserId};

/// A listing by id or by name.
pub fn find(conn: &mut DbConn, kind: ListingKind, key: &str) -> AppResult<Option<Listing>> {
    let q = listings::table.filter(listings::kind.eq(kind)).select(Listing::as_select());
    let found = match key.parse::<ListingId>() {
        Ok(id) => q.filter(listings::id.eq(id)).first(conn).optional()?,
        Err(_) => q.filter(listings::name.eq(key)).first(conn).optional()?,
    };
    Ok(found)
}

/// A listing of either catalogue by id or by name.
pub fn find_any(conn: &mut DbConn, key: &str) -> AppResult<Option<Listing>> {
    let q = listings::table.select(Listing::as_select());
    let found = match key.parse::<ListingId>() {
        Ok(id) => q.filter(listings::id.eq(id)).first(conn).optional()?,
        Err(_) => q.filter(listings::name.eq(key)).first(conn).optional()?,
    };
    Ok(found)
}

pub fn find_by_id(conn: &mut DbConn, id: ListingId) -> AppResult<Option<Listing>> {
    Ok(listings::table.find(id).select(Listing::as_select()).first(conn).optional()?)
}

/// What deciding visibility and freshness needs, without the body.
#[derive(Debug, Clone, Queryable)]
pub struct ListingHead {
    pub id: ListingId,
    pub version: i32,
    pub status: super::ListingStatus,
    pub bureau_id: OrgId,
}

pub fn find_head(conn: &mut DbConn, kind: ListingKind, key: &str) -> AppResult<Option<ListingHead>> {
    let q = listings::table.filter(listings::kind.eq(kind)).select((
        listings::id,
        listings::version,
        listings::status,
        listings::bureau_id,
    ));
    let found = match key.parse::<ListingId>() {
        Ok(id) => q.filter(listings::id.eq(id)).first(conn).optional()?,
        Err(_) => q.filter(listings::name.eq(key)).first(conn).optional()?,
    };
    Ok(found)
}

pub fn name_taken(conn: &mut DbConn, name: &str) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(listings::table.filter(listings::name.eq(name)))).get_result(conn)?)
}

pub fn insert(conn: &mut DbConn, l: &Listing) -> AppResult<()> {
    diesel::insert_into(listings::table).values(l).execute(conn)?;
    Ok(())
}

/// Stores `l` if the stored version is still `expected`; false when someone
/// else changed it meanwhile.
pub fn save(conn: &mut DbConn, l: &Listing, expected: i32) -> AppResult<bool> {
    let n = diesel::update(listings::table.filter(listings::id.eq(l.id)).filter(listings::version.eq(expected)))
        .set(l)
        .execute(conn)?;
    Ok(n == 1)
}

pub fn bureau_ref(conn: &mut DbConn, id: OrgId) -> AppResult<BureauRef> {
    let (name, name_en): (String, Option<String>) =
        organisations::table.find(id).select((organisations::name, organisations::name_en)).first(conn)?;
    Ok(BureauRef { id, name, name_en })
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = listing_terms)]
pub struct TermsRow {
    pub listing_id: ListingId,
    pub version: i32,
    pub body: String,
    pub sha256: String,
    pub created_at: NaiveDateTime,
    pub created_by: UserId,
}

impl From<TermsRow> for Terms {
    fn from(r: TermsRow) -> Self {
        Terms { version: r.version, body: r.body, sha256: r.sha256, created_at: utc(r.created_at) }
    }
}

pub fn terms(conn: &mut DbConn, id: ListingId, version: Option<i32>) -> AppResult<Option<Terms>> {
    let Some(version) = version else { return Ok(None) };
    let row: Option<TermsRow> =
        listing_terms::table.find((id, version)).select(TermsRow::as_select()).first(conn).optional()?;
    Ok(row.map(Terms::from))
}

pub fn terms_hash(body: &str) -> String {
    hex::encode(Sha256::digest(body.as_bytes()))
}

/// Stores a new terms version and returns its number.
pub fn add_terms(conn: &mut DbConn, id: ListingId, body: &str, by: UserId, now: NaiveDateTime) -> AppResult<i32> {
    let latest: Option<i32> = listing_terms::table
        .filter(listing_terms::listing_id.eq(id))
        .select(diesel::dsl::max(listing_terms::version))
        .first(conn)?;
    let version = latest.unwrap_or(0) + 1;
    let row = TermsRow {
        listing_id: id,
        version,
        body: body.to_string(),
        sha256: terms_hash(body),
        created_at: now,
        created_by: by,
    };
    diesel::insert_into(listing_terms::table).values(&row).execute(conn)?;
    Ok(version)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = listing_revisions)]
pub struct RevisionRow {
    pub id: String,
    pub listing_id: ListingId,
    pub version: i32,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<UserId>,
    pub action: String,
    pub changes: Json<Vec<FieldChange>>,
}

/// One facet value of a listing.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = listing_facets)]
pub struct FacetRow {
    pub listing_id: ListingId,
    pub facet: String,
    pub value: String,
}

pub fn add_revision(
    conn: &mut DbConn,
    l: &Listing,
    actor: Option<UserId>,
    action: &str,
    changes: Vec<FieldChange>,
) -> AppResult<()> {
    let row = RevisionRow {
        id: uuid::Uuid::now_v7().to_string(),
        listing_id: l.id,
        version: l.version,
        at: l.modified_at,
        actor_user_id: actor,
        action: action.to_string(),
        changes: Json(changes),
    };
    diesel::insert_into(listing_revisions::table).values(&row).execute(conn)?;
    Ok(())
}

/// Revisions, newest first, after the cursor id.
pub fn revisions(
    conn: &mut DbConn,
    id: ListingId,
    after: Option<String>,
    limit: i64,
) -> AppResult<(Vec<Revision>, i64)> {
    let total = listing_revisions::table.filter(listing_revisions::listing_id.eq(id)).count().get_result(conn)?;
    let mut q = listing_revisions::table.filter(listing_revisions::listing_id.eq(id)).into_boxed();
    if let Some(after) = after {
        q = q.filter(listing_revisions::id.lt(after));
    }
    let rows: Vec<RevisionRow> =
        q.order(listing_revisions::id.desc()).limit(limit + 1).select(RevisionRow::as_select()).load(conn)?;
    let revisions = rows
        .into_iter()
        .map(|r| Revision {
            id: r.id,
            version: r.version,
            at: utc(r.at),
            actor_user_id: r.actor_user_id,
            action: r.action,
            changes: r.changes.0,
        })
        .collect();
    Ok((revisions, total))
}

/// What a kind of listing adds to the index beyond the common fields.
#[derive(Debug, Default, Clone)]
pub struct IndexExtras {
    /// Extra facet values, e.g. (`modality`, `image`).
    pub facets: Vec<(&'static str, String)>,
    /// Extra keyword-weight text, e.g. label names.
    pub keywords: Vec<String>,
    /// Extra body text, e.g. datasheet sections.
    pub body: Vec<String>,
}

/// Recomputes what is derived from a listing and its distributions: the
/// formats column, the facet values and the full-text entry. Call it in the
/// transaction of every change.
pub fn reindex(conn: &mut DbConn, l: &Listing, extras: &IndexExtras) -> AppResult<Vec<String>> {
    let formats = live_formats(conn, l.id)?;
    diesel::update(listings::table.find(l.id)).set(listings::formats.eq(Json(formats.clone()))).execute(conn)?;
    let facets = facet_values(l, &formats, extras);
    diesel::delete(listing_facets::table.filter(listing_facets::listing_id.eq(l.id))).execute(conn)?;
    let rows: Vec<FacetRow> = facets
        .into_iter()
        .map(|(facet, value)| FacetRow { listing_id: l.id, facet: facet.to_string(), value })
        .collect();
    backend::insert_facets(conn, &rows)?;
    let doc = search_doc(l, extras);
    backend::write_search_index(
        conn,
        &l.id.to_string(),
        &doc.to_tsvector_literal(),
        &doc.title.join(" "),
        &doc.keywords.join(" "),
        &doc.body.join(" "),
    )?;
    Ok(formats)
}

/// The upper-cased formats of a listing's live distributions.
fn live_formats(conn: &mut DbConn, id: ListingId) -> AppResult<Vec<String>> {
    let mut formats: Vec<String> = distributions::table
        .filter(distributions::listing_id.eq(id))
        .filter(distributions::removed_at.is_null())
        .select(distributions::format)
        .distinct()
        .load(conn)?;
    formats.iter_mut().for_each(|f| *f = f.to_uppercase());
    formats.sort();
    formats.dedup();
    Ok(formats)
}

/// The facet values of a listing: formats, keywords, licence and the kind's own.
pub fn facet_values(l: &Listing, formats: &[String], extras: &IndexExtras) -> Vec<(&'static str, String)> {
    let mut facets: Vec<(&'static str, String)> = Vec::new();
    facets.extend(formats.iter().map(|f| ("format", f.clone())));
    facets.extend(l.keywords.0.iter().map(|k| ("keyword", k.to_lowercase())));
    if let Some(licence) = &l.licence {
        facets.push(("licence", licence.clone()));
    }
    facets.extend(extras.facets.iter().cloned());
    facets.sort();
    facets.dedup();
    facets
}

/// The indexed text of a listing.
pub fn search_doc(l: &Listing, extras: &IndexExtras) -> SearchDoc {
    let mut doc = SearchDoc::default();
    doc.add_title(&l.title);
    if let Some(t) = &l.title_en {
        doc.add_title(t);
    }
    doc.add_title(&l.name.replace('-', " "));
    for k in &l.keywords.0 {
        doc.add_keywords(k);
    }
    for item in &l.data_items.0 {
        doc.add_keywords(&item.name.replace('_', " "));
        doc.add_keywords(&item.label);
    }
    for k in &extras.keywords {
        doc.add_keywords(k);
    }
    for text in [&l.summary, &l.summary_en, &l.spatial_coverage].into_iter().flatten() {
        doc.add_body(text);
    }
    for text in &extras.body {
        doc.add_body(text);
    }
    doc
}
