//! Queries on organisations and users.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::confusable;
use super::{OrgId, OrgKind, OrgStatus, Organisation, Role, User, UserId};
use crate::db::DbConn;
use crate::db::schema::{api_keys, organisations, refresh_tokens, users};
use crate::error::AppResult;

/// Inserts an organisation with the skeleton of its name (for look-alike checks).
pub fn insert_org(conn: &mut DbConn, org: &Organisation) -> AppResult<()> {
    diesel::insert_into(organisations::table)
        .values((
            org,
            organisations::name_skeleton.eq(confusable::skeleton(&org.name)),
            organisations::name_en_skeleton.eq(org.name_en.as_deref().map(confusable::skeleton)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether an organisation of `kind` other than `except` has a name, Chinese
/// or English, that looks like `name` or `name_en` (same TR 39 skeleton).
pub fn org_name_lookalike_taken(
    conn: &mut DbConn,
    kind: OrgKind,
    name: &str,
    name_en: Option<&str>,
    except: Option<OrgId>,
) -> AppResult<bool> {
    let skeletons: Vec<String> = std::iter::once(name).chain(name_en).map(confusable::skeleton).collect();
    let mut q = organisations::table
        .filter(organisations::kind.eq(kind))
        .filter(
            organisations::name_skeleton
                .eq_any(skeletons.clone())
                .or(organisations::name_en_skeleton.eq_any(skeletons)),
        )
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(organisations::id.ne(id));
    }
    Ok(q.select(organisations::id).first::<OrgId>(conn).optional()?.is_some())
}

/// Fills in the skeletons of rows written before they existed (or by an
/// older version); returns how many rows it updated.
pub fn backfill_skeletons(conn: &mut DbConn) -> AppResult<usize> {
    let mut updated = 0;
    let orgs: Vec<(OrgId, String)> = organisations::table
        .filter(organisations::name_skeleton.is_null())
        .select((organisations::id, organisations::name))
        .load(conn)?;
    for (id, name) in orgs {
        updated += diesel::update(organisations::table.find(id))
            .set(organisations::name_skeleton.eq(confusable::skeleton(&name)))
            .execute(conn)?;
    }
    let english: Vec<(OrgId, Option<String>)> = organisations::table
        .filter(organisations::name_en_skeleton.is_null())
        .filter(organisations::name_en.is_not_null())
        .select((organisations::id, organisations::name_en))
        .load(conn)?;
    for (id, name_en) in english {
        updated += diesel::update(organisations::table.find(id))
            .set(organisations::name_en_skeleton.eq(name_en.as_deref().map(confusable::skeleton)))
            .execute(conn)?;
    }
    let people: Vec<(UserId, String)> =
        users::table.filter(users::email_skeleton.is_null()).select((users::id, users::email)).load(conn)?;
    for (id, email) in people {
        updated += diesel::update(users::table.find(id))
            .set(users::email_skeleton.eq(confusable::skeleton(&email)))
            .execute(conn)?;
    }
    Ok(updated)
}

pub fn find_org(conn: &mut DbConn, id: OrgId) -> AppResult<Option<Organisation>> {
    Ok(organisations::table.find(id).select(Organisation::as_select()).first(conn).optional()?)
}

pub fn find_org_of_kind(conn: &mut DbConn, id: OrgId, kind: OrgKind) -> AppResult<Option<Organisation>> {
    Ok(organisations::table
        .find(id)
        .filter(organisations::kind.eq(kind))
        .select(Organisation::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_org_by_code(conn: &mut DbConn, kind: OrgKind, code: &str) -> AppResult<Option<Organisation>> {
    Ok(organisations::table
        .filter(organisations::kind.eq(kind))
        .filter(organisations::code.eq(code))
        .select(Organisation::as_select())
        .first(conn)
        .optional()?)
}

/// Organisations of one kind, newest first, after the cursor id.
pub fn list_orgs(
    conn: &mut DbConn,
    kind: OrgKind,
    status: Option<OrgStatus>,
    only: Option<OrgId>,
    after: Option<OrgId>,
    limit: i64,
) -> AppResult<(Vec<Organisation>, i64)> {
    let filtered = || {
        let mut q = organisations::table.filter(organisations::kind.eq(kind)).into_boxed();
        if let Some(s) = status {
            q = q.filter(organisations::status.eq(s));
        }
        if let Some(id) = only {
            q = q.filter(organisations::id.eq(id));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let mut page = filtered();
    if let Some(after) = after {
        page = page.filter(organisations::id.lt(after));
    }
    let rows = page.order(organisations::id.desc()).limit(limit + 1).select(Organisation::as_select()).load(conn)?;
    Ok((rows, total))
}

/// Moves an organisation to `to` if it is in one of `from`; returns whether
/// it moved. The condition is in the UPDATE, so concurrent decisions cannot
/// both win.
pub fn change_status(
    conn: &mut DbConn,
    id: OrgId,
    from: &[OrgStatus],
    to: OrgStatus,
    reason: &str,
    by: UserId,
    now: NaiveDateTime,
) -> AppResult<bool> {
    let n = diesel::update(organisations::table.find(id).filter(organisations::status.eq_any(from.to_vec())))
        .set((
            organisations::status.eq(to),
            organisations::status_reason.eq(reason),
            organisations::status_changed_by.eq(by),
            organisations::status_changed_at.eq(now),
            organisations::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Inserts a user with the skeleton of their email (for look-alike checks).
pub fn insert_user(conn: &mut DbConn, user: &User) -> AppResult<()> {
    diesel::insert_into(users::table)
        .values((user, users::email_skeleton.eq(confusable::skeleton(&user.email))))
        .execute(conn)?;
    Ok(())
}

/// A user who has not been removed, by (lower-case) email.
pub fn find_live_user_by_email(conn: &mut DbConn, email: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .filter(users::removed_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Whether a live user has this email or one that looks like it (same
/// TR 39 skeleton: case, width, accents, Cyrillic look-alikes, invisible
/// characters).
pub fn email_taken(conn: &mut DbConn, email: &str) -> AppResult<bool> {
    if find_live_user_by_email(conn, email)?.is_some() {
        return Ok(true);
    }
    let alike: Option<UserId> = users::table
        .filter(users::email_skeleton.eq(confusable::skeleton(email)))
        .filter(users::removed_at.is_null())
        .select(users::id)
        .first(conn)
        .optional()?;
    Ok(alike.is_some())
}

/// A live user with their organisation.
pub fn find_live_user(conn: &mut DbConn, id: UserId) -> AppResult<Option<(User, Organisation)>> {
    Ok(users::table
        .inner_join(organisations::table)
        .filter(users::id.eq(id))
        .filter(users::removed_at.is_null())
        .select((User::as_select(), Organisation::as_select()))
        .first(conn)
        .optional()?)
}

pub fn list_users(conn: &mut DbConn, org: OrgId, after: Option<UserId>, limit: i64) -> AppResult<(Vec<User>, i64)> {
    let live = users::organisation_id.eq(org).and(users::removed_at.is_null());
    let total = users::table.filter(live).count().get_result(conn)?;
    let mut q = users::table.filter(live).into_boxed();
    if let Some(after) = after {
        q = q.filter(users::id.lt(after));
    }
    let rows = q.order(users::id.desc()).limit(limit + 1).select(User::as_select()).load(conn)?;
    Ok((rows, total))
}

pub fn count_live_with_role(conn: &mut DbConn, org: OrgId, role: Role) -> AppResult<i64> {
    Ok(users::table
        .filter(users::organisation_id.eq(org))
        .filter(users::role.eq(role))
        .filter(users::removed_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Removes a user: the row stays for what refers to it, the email is freed,
/// and every credential the user held stops working.
pub fn remove_user(conn: &mut DbConn, id: UserId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(users::table.find(id)).set((users::removed_at.eq(now), users::updated_at.eq(now))).execute(conn)?;
    diesel::update(api_keys::table.filter(api_keys::user_id.eq(id)).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(now))
        .execute(conn)?;
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(id)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}
