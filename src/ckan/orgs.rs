//! Organisations (bureaus), groups (domains), tags (keywords) and licences
//! as CKAN lists them, with counts of published listings.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::envelope::{CkanError, CkanResult};
use super::package::{CkanGroup, CkanOrganization, CkanTag, licence_is_open, licence_link, licence_title};
use super::params::Params;
use crate::db::DbConn;
use crate::db::schema::{listings, organisations};
use crate::db::types::Json;
use crate::error::AppResult;
use crate::listings::{ListingStatus, domains};
use crate::orgs::{OrgId, OrgKind, Organisation};

/// Either the names only or whole objects (`all_fields`).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum NamesOr<T> {
    Names(Vec<String>),
    Full(Vec<T>),
}

/// Documented as `anyOf`, not the derive's `oneOf`: an empty list is both a
/// list of names and a list of objects, which `oneOf` forbids.
/// (Through utoipa's `ComposeSchema`, as its derive does for generic types.)
impl<T: ToSchema> utoipa::__dev::ComposeSchema for NamesOr<T> {
    fn compose(
        generics: Vec<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Type};
        let item = generics.into_iter().next().unwrap_or_else(T::schema);
        AnyOfBuilder::new()
            .item(ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)))
            .item(ArrayBuilder::new().items(item))
            .description(Some("Either the names only or whole objects (`all_fields`)."))
            .into()
    }
}

impl<T: ToSchema> ToSchema for NamesOr<T> {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        T::schemas(schemas);
    }
}

/// A licence as `license_list` describes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CkanLicense {
    pub id: String,
    pub title: String,
    pub url: String,
    pub od_conformance: String,
    pub osd_conformance: String,
    pub status: String,
    pub is_okd_compliant: bool,
    pub is_osi_compliant: bool,
}

/// Published listings per bureau.
fn counts_by_bureau(conn: &mut DbConn) -> AppResult<HashMap<OrgId, i64>> {
    let rows: Vec<(OrgId, i64)> = listings::table
        .filter(listings::status.eq(ListingStatus::Published))
        .group_by(listings::bureau_id)
        .select((listings::bureau_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Published listings per domain.
fn counts_by_domain(conn: &mut DbConn) -> AppResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = listings::table
        .filter(listings::status.eq(ListingStatus::Published))
        .group_by(listings::domain)
        .select((listings::domain, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

fn bureaus(conn: &mut DbConn) -> AppResult<Vec<Organisation>> {
    Ok(organisations::table
        .filter(organisations::kind.eq(OrgKind::Bureau))
        .order(organisations::code.asc())
        .select(Organisation::as_select())
        .load(conn)?)
}

/// Paging of a small list: `limit` (default all, at most 1000) and `offset`.
fn window<T>(items: Vec<T>, p: &Params) -> CkanResult<Vec<T>> {
    let limit = p.int("limit", 1000, 0, 1000)?;
    let offset = p.int("offset", 0, 0, i64::MAX)?;
    crate::http::query_limits::OFFSET.on("offset").check(offset).map_err(CkanError::limit)?;
    Ok(items.into_iter().skip(offset as usize).take(limit as usize).collect())
}

/// `sort` of organisation and group lists: `name` (default) or `title`, or `package_count`.
fn sort_key(p: &Params) -> CkanResult<&'static str> {
    let sort = p.text("sort")?.unwrap_or_else(|| "name asc".into());
    match sort.split_whitespace().next().unwrap_or_default() {
        "name" => Ok("name"),
        "title" => Ok("title"),
        "package_count" => Ok("package_count"),
        _ => Err(CkanError::validation("sort", "use name asc, title asc or package_count desc")),
    }
}

pub fn organization_list(conn: &mut DbConn, p: &Params) -> CkanResult<NamesOr<CkanOrganization>> {
    let all_fields = p.flag("all_fields", false)?;
    let key = sort_key(p)?;
    let counts = counts_by_bureau(conn)?;
    let mut orgs: Vec<CkanOrganization> =
        bureaus(conn)?.iter().map(|o| CkanOrganization::new(o, Some(*counts.get(&o.id).unwrap_or(&0)))).collect();
    match key {
        "title" => orgs.sort_by(|a, b| a.title.cmp(&b.title)),
        "package_count" => orgs.sort_by(|a, b| b.package_count.cmp(&a.package_count).then(a.name.cmp(&b.name))),
        _ => orgs.sort_by(|a, b| a.name.cmp(&b.name)),
    }
    let orgs = window(orgs, p)?;
    Ok(if all_fields { NamesOr::Full(orgs) } else { NamesOr::Names(orgs.into_iter().map(|o| o.name).collect()) })
}

/// A bureau by code or id.
pub fn organization_show(conn: &mut DbConn, p: &Params) -> CkanResult<CkanOrganization> {
    let id = p.required("id")?;
    let counts = counts_by_bureau(conn)?;
    let org = bureaus(conn)?
        .into_iter()
        .find(|o| o.code.as_deref() == Some(id.as_str()) || o.id.to_string() == id)
        .ok_or_else(|| CkanError::not_found("Organization not found"))?;
    Ok(CkanOrganization::new(&org, Some(*counts.get(&org.id).unwrap_or(&0))))
}

pub fn group_list(conn: &mut DbConn, p: &Params) -> CkanResult<NamesOr<CkanGroup>> {
    let all_fields = p.flag("all_fields", false)?;
    let key = sort_key(p)?;
    let counts = counts_by_domain(conn)?;
    let mut groups: Vec<CkanGroup> =
        domains::all(conn)?.iter().map(|d| CkanGroup::new(d, Some(*counts.get(&d.code).unwrap_or(&0)))).collect();
    match key {
        "title" => groups.sort_by(|a, b| a.title.cmp(&b.title)),
        "package_count" => groups.sort_by(|a, b| b.package_count.cmp(&a.package_count).then(a.name.cmp(&b.name))),
        _ => groups.sort_by(|a, b| a.name.cmp(&b.name)),
    }
    let groups = window(groups, p)?;
    Ok(if all_fields { NamesOr::Full(groups) } else { NamesOr::Names(groups.into_iter().map(|g| g.name).collect()) })
}

pub fn group_show(conn: &mut DbConn, p: &Params) -> CkanResult<CkanGroup> {
    let id = p.required("id")?;
    let counts = counts_by_domain(conn)?;
    let d = domains::all(conn)?
        .into_iter()
        .find(|d| d.code == id)
        .ok_or_else(|| CkanError::not_found("Group not found"))?;
    Ok(CkanGroup::new(&d, Some(*counts.get(&d.code).unwrap_or(&0))))
}

/// Keywords of published listings, optionally containing `query`.
pub fn tag_list(conn: &mut DbConn, p: &Params) -> CkanResult<NamesOr<CkanTag>> {
    let query = p.text("query")?.map(|q| q.to_lowercase());
    let all_fields = p.flag("all_fields", false)?;
    let rows: Vec<Json<Vec<String>>> =
        listings::table.filter(listings::status.eq(ListingStatus::Published)).select(listings::keywords).load(conn)?;
    let names: BTreeSet<String> = rows
        .into_iter()
        .flat_map(|k| k.0)
        .filter(|k| query.as_ref().is_none_or(|q| k.to_lowercase().contains(q)))
        .collect();
    let names = window(names.into_iter().collect(), p)?;
    Ok(if all_fields {
        NamesOr::Full(
            names
                .into_iter()
                .map(|n| CkanTag { display_name: n.clone(), name: n, state: "active".into(), vocabulary_id: None })
                .collect(),
        )
    } else {
        NamesOr::Names(names)
    })
}

/// The licences of published listings.
pub fn license_list(conn: &mut DbConn, base: &str) -> CkanResult<Vec<CkanLicense>> {
    let rows: Vec<Option<String>> = listings::table
        .filter(listings::status.eq(ListingStatus::Published))
        .select(listings::licence)
        .distinct()
        .load(conn)?;
    let ids: BTreeMap<String, ()> = rows.into_iter().flatten().map(|l| (l, ())).collect();
    Ok(ids
        .into_keys()
        .map(|id| {
            let open = licence_is_open(&id);
            let conformance = if open { "approved" } else { "not reviewed" };
            CkanLicense {
                title: licence_title(&id),
                url: licence_link(&id, base),
                od_conformance: conformance.into(),
                osd_conformance: "not reviewed".into(),
                status: "active".into(),
                is_okd_compliant: open,
                is_osi_compliant: false,
                id,
            }
        })
        .collect())
}
