//! Finding listings: filters, Chinese/English full-text search ranked by
//! relevance, keyset pages and facet counts. The SQL is built once here with
//! the backend differences (full-text match and rank, text order) taken from
//! `db::backend`.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text};
use serde::{Deserialize, Serialize};

use super::text::{fts5_query, tsquery_literal};
use super::types::{BureauRef, FacetValue};
use super::{Listing, ListingKind, ListingStatus, OpenCondition, UpdateFrequency};
use crate::auth::Caller;
use crate::db::DbConn;
use crate::db::backend::{self, SqlBuilder, backend_of};
use crate::db::schema::{domains, organisations};
use crate::error::AppResult;
use crate::orgs::{OrgId, OrgKind, Role};

/// Which listings a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Published and withdrawn listings.
    Public,
    /// Those, and the drafts of one bureau.
    Bureau(OrgId),
    /// Everything, drafts included.
    Everything,
}

impl Visibility {
    pub fn of(caller: Option<&Caller>) -> Self {
        match caller {
            Some(c) if c.is_admin() => Visibility::Everything,
            Some(c) if c.org.kind == OrgKind::Bureau && c.user.role == Role::Publisher => {
                Visibility::Bureau(c.org_id())
            }
            _ => Visibility::Public,
        }
    }

    pub fn sees(&self, status: ListingStatus, bureau: OrgId) -> bool {
        status != ListingStatus::Draft
            || match self {
                Visibility::Public => false,
                Visibility::Bureau(b) => *b == bureau,
                Visibility::Everything => true,
            }
    }
}

/// The sort orders of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Best match first (only with `q`; the default then).
    Relevance,
    /// Most recently modified first (the default without `q`).
    Modified,
    /// By title, in code-point order.
    Title,
}

/// A search: which kind, who asks, and the filters.
#[derive(Debug, Clone)]
pub struct Search {
    pub kind: ListingKind,
    pub visibility: Visibility,
    /// Query tokens; `Some(empty)` (a query of stop words only) matches nothing.
    pub tokens: Option<Vec<String>>,
    pub domain: Option<String>,
    pub open_condition: Option<OpenCondition>,
    pub bureau: Option<OrgId>,
    pub update_frequency: Option<UpdateFrequency>,
    pub status: Option<ListingStatus>,
    pub modified_since: Option<NaiveDateTime>,
    pub min_record_count: Option<i64>,
    /// Values that must be among a listing's facet values, e.g. (`format`, `CSV`).
    pub facet_filters: Vec<(String, String)>,
    /// Search both catalogues at once, ignoring `kind` (the CKAN API does).
    pub any_kind: bool,
}

impl Search {
    pub fn new(kind: ListingKind, visibility: Visibility) -> Self {
        Search {
            kind,
            visibility,
            tokens: None,
            domain: None,
            open_condition: None,
            bureau: None,
            update_frequency: None,
            status: None,
            modified_since: None,
            min_record_count: None,
            facet_filters: Vec::new(),
            any_kind: false,
        }
    }
}

/// The position after the last item of a page, in the page's sort order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "s", rename_all = "snake_case")]
pub enum Cursor {
    Modified { t: String, id: String },
    Title { t: String, id: String },
    Relevance { r: f64, id: String },
}

const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";

/// The columns of a listing, as [`Listing`] reads them by name.
const LISTING_COLUMNS: &str = "listings.id, listings.kind, listings.name, listings.title, listings.title_en, \
    listings.summary, listings.summary_en, listings.domain, listings.bureau_id, listings.open_condition, \
    listings.open_condition_reason, listings.legal_basis, listings.update_frequency, listings.temporal_start, \
    listings.temporal_end, listings.spatial_coverage, listings.record_count, listings.data_items, \
    listings.keywords, listings.formats, listings.contact, listings.licence, \
    listings.terms_version, listings.status, listings.withdrawn_reason, listings.version, \
    listings.created_by, listings.created_at, listings.modified_at, listings.published_at, listings.withdrawn_at, \
    listings.max_grant_days";

fn matches_nothing(s: &Search) -> bool {
    s.tokens.as_ref().is_some_and(|t| t.is_empty())
}

/// ` FROM listings … WHERE …` for the search's filters.
fn push_from_where(b: &mut SqlBuilder, s: &Search, extra_join: &str) {
    b.push(" FROM listings");
    b.push(extra_join);
    if s.tokens.is_some() {
        backend::push_fts_join(b);
    }
    if s.any_kind {
        b.push(" WHERE 1 = 1");
    } else {
        b.push(" WHERE listings.kind = ").bind(s.kind.as_str());
    }
    match s.visibility {
        Visibility::Public => {
            b.push(" AND listings.status <> 'draft'");
        }
        Visibility::Bureau(org) => {
            b.push(" AND (listings.status <> 'draft' OR listings.bureau_id = ").bind(org.to_string()).push(")");
        }
        Visibility::Everything => {}
    }
    if let Some(tokens) = &s.tokens {
        if tokens.is_empty() {
            b.push(" AND 1 = 0");
        } else {
            b.push(" AND ");
            backend::push_fts_match(b, &tsquery_literal(tokens), &fts5_query(tokens));
        }
    }
    if let Some(d) = &s.domain {
        b.push(" AND listings.domain = ").bind(d.as_str());
    }
    if let Some(c) = s.open_condition {
        b.push(" AND listings.open_condition = ").bind(c.as_str());
    }
    if let Some(org) = s.bureau {
        b.push(" AND listings.bureau_id = ").bind(org.to_string());
    }
    if let Some(f) = s.update_frequency {
        b.push(" AND listings.update_frequency = ").bind(f.as_str());
    }
    if let Some(st) = s.status {
        b.push(" AND listings.status = ").bind(st.as_str());
    }
    if let Some(t) = s.modified_since {
        b.push(" AND listings.modified_at >= ").bind(t);
    }
    if let Some(n) = s.min_record_count {
        b.push(" AND listings.record_count >= ").bind(n);
    }
    for (facet, value) in &s.facet_filters {
        b.push(" AND EXISTS (SELECT 1 FROM listing_facets ff WHERE ff.listing_id = listings.id AND ff.facet = ")
            .bind(facet.as_str())
            .push(" AND ff.value = ")
            .bind(value.as_str())
            .push(")");
    }
}

#[derive(QueryableByName)]
struct PageRow {
    #[diesel(embed)]
    listing: Listing,
    #[diesel(sql_type = Nullable<Text>)]
    bureau_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    bureau_name_en: Option<String>,
    #[diesel(sql_type = Double)]
    sort_rank: f64,
}

/// A listing on a page, with its bureau and (when searching) its relevance.
pub struct Hit {
    pub listing: Listing,
    pub bureau: BureauRef,
    pub score: Option<f64>,
}

/// One page in `order`, after `after`; returns the hits and the cursor of the
/// next page. Fetches one row more than `limit` to know whether there is one.
pub fn page(
    conn: &mut DbConn,
    s: &Search,
    order: SortOrder,
    after: Option<&Cursor>,
    limit: i64,
) -> AppResult<(Vec<Hit>, Option<Cursor>)> {
    if matches_nothing(s) {
        return Ok((Vec::new(), None));
    }
    let be = backend_of(conn);
    let order = effective_order(s, order);
    let mut b = SqlBuilder::new(be);
    push_page_select(&mut b, s);
    let title = backend::text_order(be, "page.title");
    match (order, after) {
        (_, None) => {}
        (SortOrder::Modified, Some(Cursor::Modified { t, id })) => {
            let t = parse_time(t);
            b.push(" WHERE (page.modified_at < ").bind(t).push(" OR (page.modified_at = ").bind(t);
            b.push(" AND page.id < ").bind(id.as_str()).push("))");
        }
        (SortOrder::Title, Some(Cursor::Title { t, id })) => {
            b.push(&format!(" WHERE ({title} > ")).bind(t.as_str()).push(&format!(" OR ({title} = ")).bind(t.as_str());
            b.push(" AND page.id > ").bind(id.as_str()).push("))");
        }
        (SortOrder::Relevance, Some(Cursor::Relevance { r, id })) => {
            b.push(" WHERE (page.sort_rank < ").bind(*r).push(" OR (page.sort_rank = ").bind(*r);
            b.push(" AND page.id < ").bind(id.as_str()).push("))");
        }
        // A cursor of another order: start from the beginning of this one.
        (_, Some(_)) => {}
    }
    push_order(&mut b, order, &title);
    b.push(" LIMIT ").bind(limit + 1);
    let mut rows: Vec<PageRow> = b.load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| {
            let id = r.listing.id.to_string();
            match order {
                SortOrder::Modified => {
                    Cursor::Modified { t: r.listing.modified_at.format(TIME_FORMAT).to_string(), id }
                }
                SortOrder::Title => Cursor::Title { t: r.listing.title.clone(), id },
                SortOrder::Relevance => Cursor::Relevance { r: r.sort_rank, id },
            }
        })
    } else {
        None
    };
    Ok((hits_of(s, rows), next))
}

/// Relevance needs a query; without one, modified order.
fn effective_order(s: &Search, order: SortOrder) -> SortOrder {
    if s.tokens.is_none() && order == SortOrder::Relevance { SortOrder::Modified } else { order }
}

/// `SELECT * FROM (SELECT listing, bureau, rank FROM … WHERE …) page`.
fn push_page_select(b: &mut SqlBuilder, s: &Search) {
    b.push("SELECT * FROM (SELECT ").push(LISTING_COLUMNS);
    b.push(", o.name AS bureau_name, o.name_en AS bureau_name_en, ");
    match &s.tokens {
        Some(tokens) => backend::push_fts_rank(b, &tsquery_literal(tokens), &fts5_query(tokens)),
        None => {
            b.push("CAST(0 AS DOUBLE PRECISION)");
        }
    }
    b.push(" AS sort_rank");
    push_from_where(b, s, " LEFT JOIN organisations o ON o.id = listings.bureau_id");
    b.push(") page");
}

fn push_order(b: &mut SqlBuilder, order: SortOrder, title: &str) {
    match order {
        SortOrder::Modified => b.push(" ORDER BY page.modified_at DESC, page.id DESC"),
        SortOrder::Title => b.push(&format!(" ORDER BY {title} ASC, page.id ASC")),
        SortOrder::Relevance => b.push(" ORDER BY page.sort_rank DESC, page.id DESC"),
    };
}

fn hits_of(s: &Search, rows: Vec<PageRow>) -> Vec<Hit> {
    rows.into_iter()
        .map(|r| Hit {
            bureau: BureauRef {
                id: r.listing.bureau_id,
                name: r.bureau_name.unwrap_or_default(),
                name_en: r.bureau_name_en,
            },
            score: s.tokens.as_ref().map(|_| r.sort_rank),
            listing: r.listing,
        })
        .collect()
}

/// One page by offset, for APIs whose clients page by position (CKAN's
/// `start`, DCAT's page numbers). Deep offsets cost more than keyset pages.
pub fn page_at(conn: &mut DbConn, s: &Search, order: SortOrder, offset: i64, limit: i64) -> AppResult<Vec<Hit>> {
    if matches_nothing(s) {
        return Ok(Vec::new());
    }
    let be = backend_of(conn);
    let mut b = SqlBuilder::new(be);
    push_page_select(&mut b, s);
    push_order(&mut b, effective_order(s, order), &backend::text_order(be, "page.title"));
    b.push(" LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    let rows: Vec<PageRow> = b.load(conn)?;
    Ok(hits_of(s, rows))
}

fn parse_time(t: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(t, TIME_FORMAT).unwrap_or_default()
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many listings match.
pub fn count(conn: &mut DbConn, s: &Search) -> AppResult<i64> {
    if matches_nothing(s) {
        return Ok(0);
    }
    let mut b = SqlBuilder::new(backend_of(conn));
    b.push("SELECT COUNT(*) AS n");
    push_from_where(&mut b, s, "");
    Ok(b.load::<CountRow>(conn)?.first().map(|r| r.n).unwrap_or(0))
}

/// A facet to count: a column of `listings` or a facet name of `listing_facets`.
#[derive(Debug, Clone, Copy)]
pub enum FacetDim {
    Column { name: &'static str, column: &'static str },
    Values { name: &'static str },
}

impl FacetDim {
    pub fn name(&self) -> &'static str {
        match self {
            FacetDim::Column { name, .. } | FacetDim::Values { name } => name,
        }
    }
}

pub const FACET_LIMIT: i64 = 50;

#[derive(QueryableByName)]
struct FacetRow {
    #[diesel(sql_type = Text)]
    value: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Counts per value of each dimension, under the same query and filters.
pub fn facets(conn: &mut DbConn, s: &Search, dims: &[FacetDim]) -> AppResult<BTreeMap<String, Vec<FacetValue>>> {
    let mut out = BTreeMap::new();
    let be = backend_of(conn);
    for dim in dims {
        let rows: Vec<FacetRow> = if matches_nothing(s) {
            Vec::new()
        } else {
            let mut b = SqlBuilder::new(be);
            match dim {
                FacetDim::Column { column, .. } => {
                    b.push(&format!("SELECT listings.{column} AS value, COUNT(*) AS n"));
                    push_from_where(&mut b, s, "");
                    b.push(&format!(" GROUP BY listings.{column}"));
                }
                FacetDim::Values { name } => {
                    b.push("SELECT f.value AS value, COUNT(*) AS n");
                    push_from_where(&mut b, s, " JOIN listing_facets f ON f.listing_id = listings.id");
                    b.push(" AND f.facet = ").bind(*name);
                    b.push(" GROUP BY f.value");
                }
            }
            b.push(" ORDER BY n DESC, value ASC LIMIT ").bind(FACET_LIMIT);
            b.load(conn)?
        };
        out.insert(
            dim.name().to_string(),
            rows.into_iter().map(|r| FacetValue { value: r.value, label: None, count: r.n }).collect(),
        );
    }
    label_facets(conn, &mut out)?;
    Ok(out)
}

/// Adds names to the values that are codes or ids (domains, bureaus).
fn label_facets(conn: &mut DbConn, facets: &mut BTreeMap<String, Vec<FacetValue>>) -> AppResult<()> {
    if let Some(values) = facets.get_mut("domain") {
        let labels: Vec<(String, String)> = domains::table.select((domains::code, domains::label_zh)).load(conn)?;
        for v in values.iter_mut() {
            v.label = labels.iter().find(|(c, _)| *c == v.value).map(|(_, l)| l.clone());
        }
    }
    if let Some(values) = facets.get_mut("bureau") {
        let ids: Vec<String> = values.iter().map(|v| v.value.clone()).collect();
        let names: Vec<(String, String)> = organisations::table
            .filter(organisations::id.eq_any(ids))
            .select((organisations::id, organisations::name))
            .load(conn)?;
        for v in values.iter_mut() {
            v.label = names.iter().find(|(id, _)| *id == v.value).map(|(_, n)| n.clone());
        }
    }
    Ok(())
}

/// The facets every catalogue counts.
pub const COMMON_FACETS: &[FacetDim] = &[
    FacetDim::Column { name: "domain", column: "domain" },
    FacetDim::Column { name: "open_condition", column: "open_condition" },
    FacetDim::Column { name: "bureau", column: "bureau_id" },
    FacetDim::Values { name: "format" },
];
