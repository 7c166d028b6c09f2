//! Slows down password guessing: after a number of consecutive failures for
//! one email, further attempts are refused for a doubling period. The state
//! lives in the database so that it holds across instances, and is kept for
//! any email, registered or not, so that it reveals nothing.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::login_throttle;
use crate::error::AppResult;

/// The longest an account is locked after repeated failures.
const MAX_LOCK_SECS: i64 = 15 * 60;

/// Seconds until `email` may try again, if it is locked now.
pub fn locked_for(conn: &mut DbConn, email: &str, now: NaiveDateTime) -> AppResult<Option<i64>> {
    let until: Option<Option<NaiveDateTime>> =
        login_throttle::table.find(email).select(login_throttle::locked_until).first(conn).optional()?;
    Ok(until.flatten().filter(|u| *u > now).map(|u| (u - now).num_seconds().max(1)))
}

/// Records a failure; once `max_failures` is reached, locks for 30 s,
/// doubling with each further failure up to 15 minutes.
pub fn record_failure(conn: &mut DbConn, email: &str, max_failures: u32, now: NaiveDateTime) -> AppResult<()> {
    let failures: Option<i32> =
        login_throttle::table.find(email).select(login_throttle::failures).first(conn).optional()?;
    let count = failures.unwrap_or(0) + 1;
    let over = count - max_failures as i32;
    let locked_until = (over >= 0).then(|| {
        let secs = (30i64 << over.min(10)).min(MAX_LOCK_SECS);
        now + Duration::seconds(secs)
    });
    if failures.is_some() {
        diesel::update(login_throttle::table.find(email))
            .set((
                login_throttle::failures.eq(count),
                login_throttle::last_failure_at.eq(now),
                login_throttle::locked_until.eq(locked_until),
            ))
            .execute(conn)?;
    } else {
        // In a savepoint: if a concurrent first failure inserted the row
        // already, count this one on top of it instead of failing.
        let inserted = conn.transaction(|c| {
            diesel::insert_into(login_throttle::table)
                .values((
                    login_throttle::email.eq(email),
                    login_throttle::failures.eq(count),
                    login_throttle::last_failure_at.eq(now),
                    login_throttle::locked_until.eq(locked_until),
                ))
                .execute(c)
        });
        if let Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) =
            inserted
        {
            diesel::update(login_throttle::table.find(email))
                .set((
                    login_throttle::failures.eq(login_throttle::failures + 1),
                    login_throttle::last_failure_at.eq(now),
                ))
                .execute(conn)?;
        } else {
            inserted?;
        }
    }
    Ok(())
}

pub fn clear(conn: &mut DbConn, email: &str) -> AppResult<()> {
    diesel::delete(login_throttle::table.find(email)).execute(conn)?;
    Ok(())
}
