//! Queries on distributions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DistributionId, DistributionRow};
use crate::db::DbConn;
use crate::db::schema::distributions;
use crate::error::AppResult;
use crate::listings::ListingId;

pub fn insert(conn: &mut DbConn, row: &DistributionRow) -> AppResult<()> {
    diesel::insert_into(distributions::table).values(row).execute(conn)?;
    Ok(())
}

pub fn save(conn: &mut DbConn, row: &DistributionRow) -> AppResult<()> {
    diesel::update(distributions::table.find(row.id)).set(row).execute(conn)?;
    Ok(())
}

/// A distribution that has not been removed.
pub fn find_live(conn: &mut DbConn, id: DistributionId) -> AppResult<Option<DistributionRow>> {
    Ok(distributions::table
        .find(id)
        .filter(distributions::removed_at.is_null())
        .select(DistributionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The live distributions of a listing, in creation order.
pub fn of_listing(conn: &mut DbConn, listing: ListingId) -> AppResult<Vec<DistributionRow>> {
    Ok(distributions::table
        .filter(distributions::listing_id.eq(listing))
        .filter(distributions::removed_at.is_null())
        .order(distributions::id.asc())
        .select(DistributionRow::as_select())
        .load(conn)?)
}

pub fn count_live(conn: &mut DbConn, listing: ListingId) -> AppResult<i64> {
    Ok(distributions::table
        .filter(distributions::listing_id.eq(listing))
        .filter(distributions::removed_at.is_null())
        .count()
        .get_result(conn)?)
}

pub fn remove(conn: &mut DbConn, id: DistributionId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(distributions::table.find(id))
        .set((distributions::removed_at.eq(now), distributions::modified_at.eq(now)))
        .execute(conn)?;
    Ok(())
}
