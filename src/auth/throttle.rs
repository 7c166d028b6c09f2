//! Slows down password guessing without letting anyone lock anyone out.
//!
//! Failures are counted under three keys: the (account, client address)
//! pair, the client address alone, and the account alone. The pair and the
//! client are throttled after a few failures (`DATAGATE_LOGIN_MAX_FAILURES`,
//! `DATAGATE_LOGIN_CLIENT_MAX_FAILURES`) with a doubling wait, so a guesser
//! is slowed where it stands while the owner, from their own address, is not.
//! The account-wide lock is the last resort against guessing spread over many
//! addresses, at a far higher count (`DATAGATE_LOGIN_ACCOUNT_MAX_FAILURES`);
//! its owner can lift it. Failures older than a day are forgotten. The state
//! lives in the database so that it holds across instances, and is kept for
//! any email, registered or not, so that it reveals nothing.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::login_throttle;
use crate::error::AppResult;

/// The longest a key is locked after repeated failures.
const MAX_LOCK_SECS: i64 = 15 * 60;
/// Failures older than this start the count again.
const WINDOW_SECS: i64 = 24 * 3600;

/// What a failure is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One account from one client address.
    Pair,
    /// One client address, any account.
    Client,
    /// One account, any address: the last resort.
    Account,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Pair => "pair",
            Scope::Client => "client",
            Scope::Account => "account",
        }
    }
}

/// The keys one sign-in attempt is counted under, with their thresholds.
#[derive(Debug, Clone)]
pub struct Keys(pub Vec<(Scope, String, u32)>);

impl Keys {
    pub fn new(email: &str, client: &str, pair_max: u32, client_max: u32, account_max: u32) -> Self {
        Keys(vec![
            (Scope::Pair, pair_key(email, client), pair_max),
            (Scope::Client, format!("client:{client}"), client_max),
            (Scope::Account, account_key(email), account_max),
        ])
    }

    /// Seconds until every key is unlocked, if one is locked now, and the
    /// scope that locks longest.
    pub fn locked_for(&self, conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Option<(Scope, i64)>> {
        let mut worst: Option<(Scope, i64)> = None;
        for (scope, key, _) in &self.0 {
            if let Some(wait) = locked_for(conn, key, now)?
                && worst.is_none_or(|(_, w)| wait > w)
            {
                worst = Some((*scope, wait));
            }
        }
        Ok(worst)
    }

    /// Counts a failure under every key; returns the scopes that became
    /// locked by it (for the audit trail).
    pub fn record_failure(&self, conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<(Scope, i64)>> {
        let mut locked = Vec::new();
        for (scope, key, max) in &self.0 {
            if let Some(secs) = record_failure(conn, key, *max, now)? {
                locked.push((*scope, secs));
            }
        }
        Ok(locked)
    }

    /// Forgets the pair's failures (after a successful sign-in).
    pub fn clear_pair(&self, conn: &mut DbConn) -> AppResult<()> {
        for (scope, key, _) in &self.0 {
            if *scope == Scope::Pair {
                clear(conn, key)?;
            }
        }
        Ok(())
    }
}

fn pair_key(email: &str, client: &str) -> String {
    format!("pair:{email} {client}")
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

/// Seconds until `key` may try again, if it is locked now.
pub fn locked_for(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> AppResult<Option<i64>> {
    let until: Option<Option<NaiveDateTime>> =
        login_throttle::table.find(key).select(login_throttle::locked_until).first(conn).optional()?;
    Ok(until.flatten().filter(|u| *u > now).map(|u| (u - now).num_seconds().max(1)))
}

/// Records a failure; once `max_failures` is reached, locks for 30 s,
/// doubling with each further failure up to 15 minutes. Returns the lock's
/// length when this failure locked the key.
pub fn record_failure(conn: &mut DbConn, key: &str, max_failures: u32, now: NaiveDateTime) -> AppResult<Option<i64>> {
    let previous: Option<(i32, NaiveDateTime)> = login_throttle::table
        .find(key)
        .select((login_throttle::failures, login_throttle::last_failure_at))
        .first(conn)
        .optional()?;
    let stale = previous.is_some_and(|(_, last)| now - last > Duration::seconds(WINDOW_SECS));
    let count = match previous {
        Some((n, _)) if !stale => n + 1,
        _ => 1,
    };
    let over = count - max_failures as i32;
    let lock_secs = (over >= 0).then(|| (30i64 << over.min(10)).min(MAX_LOCK_SECS));
    let locked_until = lock_secs.map(|s| now + Duration::seconds(s));
    if previous.is_some() {
        diesel::update(login_throttle::table.find(key))
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
                    login_throttle::email.eq(key),
                    login_throttle::failures.eq(count),
                    login_throttle::last_failure_at.eq(now),
                    login_throttle::locked_until.eq(locked_until),
                ))
                .execute(c)
        });
        if let Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) =
            inserted
        {
            diesel::update(login_throttle::table.find(key))
                .set((
                    login_throttle::failures.eq(login_throttle::failures + 1),
                    login_throttle::last_failure_at.eq(now),
                ))
                .execute(conn)?;
        } else {
            inserted?;
        }
    }
    Ok(lock_secs)
}

pub fn clear(conn: &mut DbConn, key: &str) -> AppResult<()> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// Lifts the account-wide lock of `email` and the locks of its pairs (what
/// its owner, or an administrator, does); returns whether anything was locked.
pub fn unlock_account(conn: &mut DbConn, email: &str, now: NaiveDateTime) -> AppResult<bool> {
    let was_locked = locked_for(conn, &account_key(email), now)?.is_some();
    clear(conn, &account_key(email))?;
    // Emails hold no space, so the prefix "pair:EMAIL " is exact.
    let prefix = format!("pair:{email} ");
    let pairs: Vec<String> = login_throttle::table
        .filter(login_throttle::email.like(format!("{}%", escape_like(&prefix))).escape('\\'))
        .select(login_throttle::email)
        .load(conn)?;
    let mut any = was_locked;
    for key in pairs.iter().filter(|k| k.starts_with(&prefix)) {
        any |= locked_for(conn, key, now)?.is_some();
        clear(conn, key)?;
    }
    Ok(any)
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
