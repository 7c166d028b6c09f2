//! Reading what the export describes: published listings page by page (or
//! one listing as its reader may see it) with everything they refer to,
//! loaded in batches — one query per table, never per listing.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::corpora::model::CorpusRow;
use crate::db::DbConn;
use crate::db::schema::{corpora, corpus_sources, listings};
use crate::distributions::DistributionRow;
use crate::error::AppResult;
use crate::listings::domains::DomainRow;
use crate::listings::{Listing, ListingId, ListingStatus};
use crate::orgs::Organisation;

/// One listing and what its description needs.
pub struct ListingData {
    pub listing: Listing,
    pub bureau: Option<Organisation>,
    pub domain: Option<DomainRow>,
    pub files: Vec<DistributionRow>,
    pub corpus: Option<CorpusRow>,
    /// Published open-list datasets the corpus was derived from.
    pub sources: Vec<(ListingId, crate::listings::ListingKind)>,
}

/// Loads the related rows of `listings`, keeping their order.
pub fn with_related(conn: &mut DbConn, listings_in: Vec<Listing>) -> AppResult<Vec<ListingData>> {
    let related = crate::ckan::package::Related::load(conn, &listings_in)?;
    let ids: Vec<ListingId> = listings_in.iter().map(|l| l.id).collect();
    let rows: Vec<CorpusRow> =
        corpora::table.filter(corpora::listing_id.eq_any(ids.clone())).select(CorpusRow::as_select()).load(conn)?;
    let mut corpus_rows: HashMap<ListingId, CorpusRow> = rows.into_iter().map(|r| (r.listing_id, r)).collect();
    let links: Vec<(ListingId, ListingId)> = corpus_sources::table
        .filter(corpus_sources::corpus_id.eq_any(ids))
        .order((corpus_sources::corpus_id, corpus_sources::position))
        .select((corpus_sources::corpus_id, corpus_sources::dataset_id))
        .load(conn)?;
    let source_ids: Vec<ListingId> = links.iter().map(|(_, d)| *d).collect();
    let published: Vec<(ListingId, crate::listings::ListingKind)> = listings::table
        .filter(listings::id.eq_any(source_ids))
        .filter(listings::status.eq(ListingStatus::Published))
        .select((listings::id, listings::kind))
        .load(conn)?;
    let published: HashMap<ListingId, crate::listings::ListingKind> = published.into_iter().collect();
    Ok(listings_in
        .into_iter()
        .map(|l| {
            let sources = links
                .iter()
                .filter(|(c, d)| *c == l.id && published.contains_key(d))
                .map(|(_, d)| (*d, published[d]))
                .collect();
            ListingData {
                bureau: related.bureau(l.bureau_id).cloned(),
                domain: related.domain(&l.domain).cloned(),
                files: related.files(l.id).to_vec(),
                corpus: corpus_rows.remove(&l.id),
                sources,
                listing: l,
            }
        })
        .collect())
}

/// One page of the published listings of both catalogues, modified at or
/// after `since`, newest change first; and how many there are in all.
pub fn catalogue_page(
    conn: &mut DbConn,
    since: Option<NaiveDateTime>,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<ListingData>, i64)> {
    let filtered = || {
        let mut q = listings::table.filter(listings::status.eq(ListingStatus::Published)).into_boxed();
        if let Some(t) = since {
            q = q.filter(listings::modified_at.ge(t));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<Listing> = filtered()
        .order((listings::modified_at.desc(), listings::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(Listing::as_select())
        .load(conn)?;
    Ok((with_related(conn, rows)?, total))
}

/// When any published listing last changed.
pub fn last_modified(conn: &mut DbConn) -> AppResult<Option<NaiveDateTime>> {
    Ok(listings::table
        .filter(listings::status.eq(ListingStatus::Published))
        .select(diesel::dsl::max(listings::modified_at))
        .first(conn)?)
}
