//! Portal sessions as rows: created at sign-in, found by the hash of the
//! cookie's secret, kept alive by use, ended by sign-out, idleness or age.
//! No HTTP here: the cookie side is in the parent module.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::{new_secret, secret_hash};
use crate::db::DbConn;
use crate::db::schema::portal_sessions;
use crate::error::AppResult;
use crate::orgs::{Organisation, User, UserId, model};

/// The prefix of a session secret, so that one found in a log is recognisable.
const SESSION_PREFIX: &str = "dgs_";

/// A session is marked as used at most this often, so that reading pages
/// does not write a row each time.
pub const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = portal_sessions)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
}

/// A live session with its person and organisation, read afresh.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub row: SessionRow,
    pub user: User,
    pub org: Organisation,
}

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::seconds(d.as_secs() as i64)
}

/// Starts a session for `user` that ends at the latest `max` from now;
/// returns the secret for the cookie (only its hash is stored). Sessions
/// that ended or expired a day ago are removed on the way.
pub fn create(conn: &mut DbConn, user: UserId, now: NaiveDateTime, max: Duration) -> AppResult<String> {
    let secret = new_secret(SESSION_PREFIX);
    let row = SessionRow {
        id_hash: secret_hash(&secret),
        user_id: user,
        created_at: now,
        last_seen_at: now,
        expires_at: now + chrono_of(max),
        ended_at: None,
    };
    diesel::insert_into(portal_sessions::table).values(&row).execute(conn)?;
    let long_gone = now - chrono::Duration::days(1);
    diesel::delete(
        portal_sessions::table
            .filter(portal_sessions::expires_at.lt(long_gone).or(portal_sessions::ended_at.lt(long_gone))),
    )
    .execute(conn)?;
    Ok(secret)
}

/// The session the secret opens, if it has not ended, is younger than its
/// absolute expiry, was used within `idle`, and its person is still a live
/// user. Marks it used when it was last marked more than a minute ago.
pub fn find_live(
    conn: &mut DbConn,
    secret: &str,
    now: NaiveDateTime,
    idle: Duration,
) -> AppResult<Option<LiveSession>> {
    let Some(row) = portal_sessions::table
        .find(secret_hash(secret))
        .filter(portal_sessions::ended_at.is_null())
        .filter(portal_sessions::expires_at.gt(now))
        .filter(portal_sessions::last_seen_at.gt(now - chrono_of(idle)))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let Some((user, org)) = model::find_live_user(conn, row.user_id)? else { return Ok(None) };
    if now - row.last_seen_at >= TOUCH_EVERY {
        diesel::update(portal_sessions::table.find(&row.id_hash))
            .set(portal_sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(LiveSession { row, user, org }))
}

/// Ends the session the secret opens (nothing happens for an unknown one).
pub fn end(conn: &mut DbConn, secret: &str, now: NaiveDateTime) -> AppResult<bool> {
    let n =
        diesel::update(portal_sessions::table.find(secret_hash(secret)).filter(portal_sessions::ended_at.is_null()))
            .set(portal_sessions::ended_at.eq(now))
            .execute(conn)?;
    Ok(n > 0)
}

/// Ends every session of a person (after a password change, a removal …).
pub fn end_all_of(conn: &mut DbConn, user: UserId, now: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::update(
        portal_sessions::table.filter(portal_sessions::user_id.eq(user)).filter(portal_sessions::ended_at.is_null()),
    )
    .set(portal_sessions::ended_at.eq(now))
    .execute(conn)?)
}
