//! The package actions: `status_show`, `site_read`, `package_list`,
//! `package_show`, `package_search` and `resource_show`. Each reads only
//! what anyone may read: published listings (withdrawn ones by id or name,
//! as `deleted`), never drafts.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::envelope::{CkanError, CkanResult};
use super::package::{self, CkanPackage, CkanResource, Related};
use super::params::Params;
use super::query::{self, FIELDS};
use crate::db::DbConn;
use crate::db::schema::{listings, organisations};
use crate::distributions::{DistributionId, model as dist_model};
use crate::http::query_limits as limits;
use crate::listings::search::{self, FacetDim};
use crate::listings::{Listing, ListingStatus, model};

/// What `status_show` answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusInfo {
    pub site_title: String,
    pub site_description: String,
    pub site_url: String,
    /// The CKAN API version whose read side datagate speaks.
    pub ckan_version: String,
    pub datagate_version: String,
    pub locale_default: String,
    pub extensions: Vec<String>,
}

pub fn status_show(base: &str) -> StatusInfo {
    StatusInfo {
        site_title: "datagate 公共数据资源开放清单".into(),
        site_description: "The open list of public data and the training-corpus catalogue, with grants for \
                           conditional data"
            .into(),
        site_url: base.to_string(),
        ckan_version: "2.10.0".into(),
        datagate_version: env!("CARGO_PKG_VERSION").into(),
        locale_default: "zh_Hans_CN".into(),
        extensions: vec!["datagate".into(), "dcat".into()],
    }
}

/// Names of published listings, by name.
pub fn package_list(conn: &mut DbConn, p: &Params) -> CkanResult<Vec<String>> {
    let limit = p.int("limit", 1000, 0, 1000)?;
    let offset = p.int("offset", 0, 0, i64::MAX)?;
    limits::OFFSET.on("offset").check(offset).map_err(CkanError::limit)?;
    Ok(listings::table
        .filter(listings::status.eq(ListingStatus::Published))
        .order(listings::name.asc())
        .select(listings::name)
        .limit(limit)
        .offset(offset)
        .load(conn)?)
}

/// A listing anyone may see (published or withdrawn), by id or name.
fn visible_listing(conn: &mut DbConn, key: &str) -> CkanResult<Listing> {
    model::find_any(conn, key)?
        .filter(|l| l.status != ListingStatus::Draft)
        .ok_or_else(|| CkanError::not_found("Not found: no such package"))
}

pub fn package_show(conn: &mut DbConn, p: &Params, base: &str) -> CkanResult<CkanPackage> {
    let key = p.text("id")?.or(p.text("name_or_id")?).ok_or_else(|| CkanError::validation("id", "Missing value"))?;
    let l = visible_listing(conn, &key)?;
    let mut out = package::packages(conn, std::slice::from_ref(&l), base)?;
    out.pop().ok_or_else(|| CkanError::not_found("Not found: no such package"))
}

pub fn resource_show(conn: &mut DbConn, p: &Params, base: &str) -> CkanResult<CkanResource> {
    let id = p.required("id")?;
    let not_found = || CkanError::not_found("Not found: no such resource");
    let id: DistributionId = id.parse().map_err(|_| not_found())?;
    let d = dist_model::find_live(conn, id)?.ok_or_else(not_found)?;
    let l =
        model::find_by_id(conn, d.listing_id)?.filter(|l| l.status != ListingStatus::Draft).ok_or_else(not_found)?;
    let position = dist_model::of_listing(conn, l.id)?.iter().position(|x| x.id == d.id).unwrap_or(0);
    Ok(package::resource(&l, &d, position, base))
}

/// One value of a facet, CKAN-style.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacetItem {
    pub name: String,
    pub display_name: String,
    pub count: i64,
}

/// A facet field's values.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchFacet {
    pub title: String,
    pub items: Vec<FacetItem>,
}

/// What `package_search` answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// Listings matching, over all pages.
    pub count: i64,
    pub sort: String,
    pub results: Vec<CkanPackage>,
    /// Solr-style facets: field → value → count.
    pub facets: BTreeMap<String, BTreeMap<String, i64>>,
    pub search_facets: BTreeMap<String, SearchFacet>,
}

pub fn package_search(conn: &mut DbConn, p: &Params, base: &str) -> CkanResult<SearchResult> {
    let q = p.text("q")?;
    let fq = p.text("fq")?.unwrap_or_default();
    let rows = p.int("rows", 10, 0, limits::CKAN_ROWS.max)?;
    let start = p.int("start", 0, 0, i64::MAX)?;
    limits::OFFSET.check(start).map_err(CkanError::limit)?;
    let facet_fields = p.list("facet.field")?.unwrap_or_default();
    limits::FACET_FIELDS.check(facet_fields.len() as i64).map_err(CkanError::limit)?;
    // A field named twice is counted once.
    let facet_fields = facet_fields.into_iter().fold(Vec::new(), |mut unique: Vec<String>, f| {
        if !unique.contains(&f) {
            unique.push(f);
        }
        unique
    });
    let facet_limit = p.int("facet.limit", 50, -1, i64::MAX)?;
    let facet_limit = if facet_limit < 0 { search::FACET_LIMIT } else { facet_limit.min(search::FACET_LIMIT) };
    let want_facets = p.flag("facet", true)?;
    let mut dims: Vec<(String, FacetDim)> = Vec::new();
    for f in &facet_fields {
        let dim = query::facet_dim(f).ok_or_else(|| {
            CkanError::validation("facet.field", format!("cannot facet on {f:?}; fields: {}", FIELDS.join(", ")))
        })?;
        dims.push((f.clone(), dim));
    }
    let filters = query::parse_fq(&fq)?;
    let Some(s) = query::search(conn, q.as_deref(), &filters)? else {
        return Ok(SearchResult {
            count: 0,
            sort: p.text("sort")?.unwrap_or_else(|| "score desc, metadata_modified desc".into()),
            results: Vec::new(),
            facets: dims.iter().map(|(f, _)| (f.clone(), BTreeMap::new())).collect(),
            search_facets: dims
                .iter()
                .map(|(f, _)| (f.clone(), SearchFacet { title: f.clone(), items: Vec::new() }))
                .collect(),
        });
    };
    let order = query::sort(p.text("sort")?.as_deref(), s.tokens.is_some())?;
    let hits = search::page_at(conn, &s, order, start, rows)?;
    let count = search::count(conn, &s)?;
    let listings: Vec<Listing> = hits.into_iter().map(|h| h.listing).collect();
    let related = Related::load(conn, &listings)?;
    let results = listings.iter().map(|l| package::package(l, &related, base)).collect();
    let mut facets = BTreeMap::new();
    let mut search_facets = BTreeMap::new();
    if want_facets && !dims.is_empty() {
        let only: Vec<FacetDim> = dims.iter().map(|(_, d)| *d).collect();
        let counted = search::facets(conn, &s, &only)?;
        let org_names = organisation_labels(conn)?;
        let domain_labels: BTreeMap<String, String> =
            crate::listings::domains::all(conn)?.into_iter().map(|d| (d.code, d.label_zh)).collect();
        for (field, dim) in &dims {
            let values = counted.get(dim.name()).cloned().unwrap_or_default();
            let items: Vec<FacetItem> = values
                .into_iter()
                .take(facet_limit as usize)
                .map(|v| {
                    let (name, display_name) = match field.as_str() {
                        "organization" => {
                            org_names.get(&v.value).cloned().unwrap_or((v.value.clone(), v.value.clone()))
                        }
                        "groups" => (v.value.clone(), domain_labels.get(&v.value).cloned().unwrap_or(v.value.clone())),
                        _ => (v.value.clone(), v.value.clone()),
                    };
                    FacetItem { name, display_name, count: v.count }
                })
                .collect();
            facets.insert(field.clone(), items.iter().map(|i| (i.name.clone(), i.count)).collect());
            search_facets.insert(field.clone(), SearchFacet { title: field.clone(), items });
        }
    }
    let sort = match order {
        search::SortOrder::Relevance => "score desc, metadata_modified desc",
        search::SortOrder::Modified => "metadata_modified desc",
        search::SortOrder::Title => "title_string asc",
    };
    Ok(SearchResult { count, sort: sort.into(), results, facets, search_facets })
}

/// Bureau id → (code, name), for the organisation facet.
fn organisation_labels(conn: &mut DbConn) -> CkanResult<BTreeMap<String, (String, String)>> {
    let rows: Vec<(String, Option<String>, String)> =
        organisations::table.select((organisations::id, organisations::code, organisations::name)).load(conn)?;
    Ok(rows.into_iter().map(|(id, code, name)| (id.clone(), (code.unwrap_or(id), name))).collect())
}
