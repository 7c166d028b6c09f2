//! The `distribution_profiles` table: queue, claim with a lease, finish.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::types::{Profile, ProfileState};
use crate::db::DbConn;
use crate::db::schema::{distribution_profiles as dp, distributions};
use crate::db::types::Json;
use crate::distributions::{DistributionId, DistributionRow};
use crate::error::AppResult;
use crate::tabular::TabularFormat;

/// Attempts before a profile that keeps failing for reasons outside the
/// file (the store away, the process killed) is marked failed.
pub const MAX_ATTEMPTS: i32 = 3;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dp)]
pub struct ProfileRow {
    pub distribution_id: DistributionId,
    pub sha256: String,
    pub state: String,
    pub attempts: i32,
    pub profile: Option<Json<Profile>>,
    pub error: Option<String>,
    pub queued_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub lease_until: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

/// Queues a profile of the distribution's current file, replacing any
/// profile of an earlier file. Call it in the transaction that attaches the
/// file, so a committed upload always has its profile queued.
pub fn enqueue(conn: &mut DbConn, d: &DistributionRow, now: NaiveDateTime) -> AppResult<()> {
    let Some(sha) = &d.sha256 else { return Ok(()) };
    let supported = TabularFormat::detect(&d.format, &d.media_type, d.file_name.as_deref()).is_some();
    diesel::delete(dp::table.find(d.id)).execute(conn)?;
    let state = if supported { ProfileState::Pending } else { ProfileState::Unsupported };
    diesel::insert_into(dp::table)
        .values(&ProfileRow {
            distribution_id: d.id,
            sha256: sha.clone(),
            state: state.as_str().into(),
            attempts: 0,
            profile: None,
            error: None,
            queued_at: now,
            started_at: None,
            lease_until: None,
            finished_at: None,
        })
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: DistributionId) -> AppResult<Option<ProfileRow>> {
    Ok(dp::table.find(id).select(ProfileRow::as_select()).first(conn).optional()?)
}

/// Claims the job for the file `sha`: true if this caller now holds it
/// until `now + lease`. Pending jobs and running jobs whose lease ran out
/// (their worker died) can be claimed.
pub fn claim(conn: &mut DbConn, id: DistributionId, sha: &str, now: NaiveDateTime, lease: Duration) -> AppResult<bool> {
    let n = diesel::update(
        dp::table
            .find(id)
            .filter(dp::sha256.eq(sha))
            .filter(dp::attempts.lt(MAX_ATTEMPTS))
            .filter(dp::state.eq("pending").or(dp::state.eq("running").and(dp::lease_until.lt(now)))),
    )
    .set((
        dp::state.eq("running"),
        dp::attempts.eq(dp::attempts + 1),
        dp::started_at.eq(now),
        dp::lease_until.eq(now + lease),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Extends a held lease; false if the job is no longer this file's or no
/// longer running (the file was replaced meanwhile).
pub fn renew(conn: &mut DbConn, id: DistributionId, sha: &str, until: NaiveDateTime) -> AppResult<bool> {
    let n = diesel::update(dp::table.find(id).filter(dp::sha256.eq(sha)).filter(dp::state.eq("running")))
        .set(dp::lease_until.eq(until))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records the outcome of a held job: the profile, or a failure. A failure
/// that may pass (`retry`) goes back to pending while attempts remain.
pub fn finish(
    conn: &mut DbConn,
    id: DistributionId,
    sha: &str,
    outcome: Result<Profile, (String, bool)>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let target = dp::table.find(id).filter(dp::sha256.eq(sha)).filter(dp::state.eq("running"));
    match outcome {
        Ok(p) => {
            diesel::update(target)
                .set((
                    dp::state.eq("ready"),
                    dp::profile.eq(Some(Json(p))),
                    dp::error.eq(None::<String>),
                    dp::lease_until.eq(None::<NaiveDateTime>),
                    dp::finished_at.eq(now),
                ))
                .execute(conn)?;
        }
        Err((why, retry)) => {
            let attempts: i32 = dp::table.find(id).select(dp::attempts).first(conn).optional()?.unwrap_or(MAX_ATTEMPTS);
            let state = if retry && attempts < MAX_ATTEMPTS { "pending" } else { "failed" };
            diesel::update(target)
                .set((
                    dp::state.eq(state),
                    dp::error.eq(Some(why)),
                    dp::lease_until.eq(None::<NaiveDateTime>),
                    dp::finished_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Jobs whose worker died on every attempt are failed, so that no profile
/// stays "running" forever.
pub fn give_up(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        dp::table.filter(dp::attempts.ge(MAX_ATTEMPTS)).filter(dp::state.eq("running")).filter(dp::lease_until.lt(now)),
    )
    .set((
        dp::state.eq("failed"),
        dp::error.eq(format!(
            "profiling was interrupted {MAX_ATTEMPTS} times (the process stopped); upload the file again to retry"
        )),
        dp::lease_until.eq(None::<NaiveDateTime>),
        dp::finished_at.eq(now),
    ))
    .execute(conn)?)
}

/// Jobs to (re)start: pending, or running with a lease that ran out.
pub fn claimable(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> AppResult<Vec<(DistributionId, String)>> {
    Ok(dp::table
        .filter(dp::attempts.lt(MAX_ATTEMPTS))
        .filter(dp::state.eq("pending").or(dp::state.eq("running").and(dp::lease_until.lt(now))))
        .order(dp::queued_at.asc())
        .limit(limit)
        .select((dp::distribution_id, dp::sha256))
        .load(conn)?)
}

/// Hosted files that have no profile row (uploaded before profiles existed):
/// queued by the sweep.
pub fn unprofiled(conn: &mut DbConn, limit: i64) -> AppResult<Vec<DistributionRow>> {
    Ok(distributions::table
        .left_join(dp::table)
        .filter(dp::distribution_id.is_null())
        .filter(distributions::removed_at.is_null())
        .filter(distributions::sha256.is_not_null())
        .limit(limit)
        .select(DistributionRow::as_select())
        .load(conn)?)
}
