//! Queries on requests and grants, who may see them, and the names shown
//! with them (loaded per page, not per row).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{
    AccessRequest, Grant, GrantId, GrantRow, GrantState, Labels, RequestId, RequestRow, RequestState, SuspensionCause,
};
use crate::auth::Caller;
use crate::db::DbConn;
use crate::db::schema::{access_requests, grants, listings, organisations};
use crate::db::types::utc;
use crate::error::AppResult;
use crate::listings::{ListingId, ListingStatus, OpenCondition};
use crate::orgs::{OrgId, OrgKind, OrgStatus, Role};

/// Whose requests, grants and access-log entries a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Administrators: everything.
    All,
    /// An enterprise: its own.
    Enterprise(OrgId),
    /// A bureau's publishers: those concerning the bureau's listings.
    Bureau(OrgId),
    /// Anybody else: nothing.
    Nothing,
}

impl Scope {
    pub fn of(c: &Caller) -> Self {
        if c.is_admin() {
            Scope::All
        } else if c.is_enterprise() {
            Scope::Enterprise(c.org_id())
        } else if c.org.kind == OrgKind::Bureau && c.user.role == Role::Publisher {
            Scope::Bureau(c.org_id())
        } else {
            Scope::Nothing
        }
    }

    pub fn sees(&self, enterprise: OrgId, bureau: OrgId) -> bool {
        match self {
            Scope::All => true,
            Scope::Enterprise(e) => *e == enterprise,
            Scope::Bureau(b) => *b == bureau,
            Scope::Nothing => false,
        }
    }
}

pub fn bureau_of_listing(conn: &mut DbConn, listing: ListingId) -> AppResult<OrgId> {
    Ok(listings::table.find(listing).select(listings::bureau_id).first(conn)?)
}

pub fn insert_request(conn: &mut DbConn, r: &RequestRow) -> AppResult<()> {
    diesel::insert_into(access_requests::table).values(r).execute(conn)?;
    Ok(())
}

pub fn find_request(conn: &mut DbConn, id: RequestId) -> AppResult<Option<RequestRow>> {
    Ok(access_requests::table.find(id).select(RequestRow::as_select()).first(conn).optional()?)
}

/// The undecided request of an enterprise for a listing, if any.
pub fn open_request(conn: &mut DbConn, enterprise: OrgId, listing: ListingId) -> AppResult<Option<RequestId>> {
    Ok(access_requests::table
        .filter(access_requests::enterprise_id.eq(enterprise))
        .filter(access_requests::listing_id.eq(listing))
        .filter(access_requests::state.eq(RequestState::Submitted))
        .select(access_requests::id)
        .first(conn)
        .optional()?)
}

/// Filters of the request list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub state: Option<RequestState>,
    pub listing: Option<ListingId>,
    pub enterprise: Option<OrgId>,
    pub overdue_at: Option<NaiveDateTime>,
}

pub fn list_requests(
    conn: &mut DbConn,
    scope: Scope,
    f: &RequestFilter,
    after: Option<RequestId>,
    limit: i64,
) -> AppResult<(Vec<RequestRow>, i64)> {
    let filtered = || {
        let mut q = access_requests::table.into_boxed();
        match scope {
            Scope::All => {}
            Scope::Enterprise(e) => q = q.filter(access_requests::enterprise_id.eq(e)),
            Scope::Bureau(b) => {
                q = q.filter(
                    access_requests::listing_id
                        .eq_any(listings::table.filter(listings::bureau_id.eq(b)).select(listings::id)),
                )
            }
            Scope::Nothing => q = q.filter(access_requests::id.is_null()),
        }
        if let Some(s) = f.state {
            q = q.filter(access_requests::state.eq(s));
        }
        if let Some(l) = f.listing {
            q = q.filter(access_requests::listing_id.eq(l));
        }
        if let Some(e) = f.enterprise {
            q = q.filter(access_requests::enterprise_id.eq(e));
        }
        if let Some(now) = f.overdue_at {
            q = q
                .filter(access_requests::state.eq(RequestState::Submitted))
                .filter(access_requests::review_deadline.lt(now));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let mut q = filtered();
    if let Some(after) = after {
        q = q.filter(access_requests::id.lt(after));
    }
    let rows = q.order(access_requests::id.desc()).limit(limit + 1).select(RequestRow::as_select()).load(conn)?;
    Ok((rows, total))
}

/// Listing and enterprise names for a page of requests or grants.
pub fn labels(
    conn: &mut DbConn,
    pairs: impl IntoIterator<Item = (ListingId, OrgId)>,
) -> AppResult<HashMap<(ListingId, OrgId), Labels>> {
    let pairs: Vec<(ListingId, OrgId)> = pairs.into_iter().collect();
    let listing_ids: Vec<ListingId> = pairs.iter().map(|p| p.0).collect();
    let org_ids: Vec<OrgId> = pairs.iter().map(|p| p.1).collect();
    let ls: Vec<(ListingId, String, String, OrgId)> = listings::table
        .filter(listings::id.eq_any(listing_ids))
        .select((listings::id, listings::name, listings::title, listings::bureau_id))
        .load(conn)?;
    let os: Vec<(OrgId, String)> = organisations::table
        .filter(organisations::id.eq_any(org_ids))
        .select((organisations::id, organisations::name))
        .load(conn)?;
    Ok(pairs
        .into_iter()
        .map(|(l, o)| {
            let listing = ls.iter().find(|x| x.0 == l);
            let labels = Labels {
                listing_name: listing.map(|x| x.1.clone()).unwrap_or_default(),
                listing_title: listing.map(|x| x.2.clone()).unwrap_or_default(),
                bureau_id: listing.map(|x| x.3),
                enterprise_name: os.iter().find(|x| x.0 == o).map(|x| x.1.clone()).unwrap_or_default(),
            };
            ((l, o), labels)
        })
        .collect())
}

/// The API view of requests, with names and grant ids loaded in one go.
pub fn request_views(conn: &mut DbConn, rows: &[RequestRow], now: NaiveDateTime) -> AppResult<Vec<AccessRequest>> {
    let labels = labels(conn, rows.iter().map(|r| (r.listing_id, r.enterprise_id)))?;
    let ids: Vec<RequestId> = rows.iter().map(|r| r.id).collect();
    let grant_ids: Vec<(RequestId, GrantId)> =
        grants::table.filter(grants::request_id.eq_any(ids)).select((grants::request_id, grants::id)).load(conn)?;
    Ok(rows
        .iter()
        .map(|r| {
            let l = labels.get(&(r.listing_id, r.enterprise_id)).cloned().unwrap_or_default();
            let g = grant_ids.iter().find(|(rid, _)| *rid == r.id).map(|(_, g)| *g);
            AccessRequest::new(r, &l, g, now)
        })
        .collect())
}

pub fn insert_grant(conn: &mut DbConn, g: &GrantRow) -> AppResult<()> {
    diesel::insert_into(grants::table).values(g).execute(conn)?;
    Ok(())
}

pub fn find_grant(conn: &mut DbConn, id: GrantId) -> AppResult<Option<GrantRow>> {
    Ok(grants::table.find(id).select(GrantRow::as_select()).first(conn).optional()?)
}

/// What a grant's enterprise and listing say about its use now.
#[derive(Debug, Clone)]
pub struct UseContext {
    pub org_status: OrgStatus,
    pub org_changed_at: Option<NaiveDateTime>,
    pub listing_status: ListingStatus,
    pub open_condition: OpenCondition,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_reason: Option<String>,
}

/// Why a grant is suspended.
#[derive(Debug, Clone)]
pub struct Suspension {
    pub cause: SuspensionCause,
    pub reason: String,
    pub since: Option<NaiveDateTime>,
    pub by: Option<crate::orgs::UserId>,
}

/// The state of a grant at `now` and, if suspended, why. A recorded
/// suspension (a decision on the grant) comes first; otherwise an active
/// grant is suspended while its enterprise is not verified or its listing is
/// not published or is classified `not_open`.
pub fn state_in(g: &GrantRow, ctx: &UseContext, now: NaiveDateTime) -> (GrantState, Option<Suspension>) {
    let own = g.state_at(now);
    if own == GrantState::Suspended {
        let recorded = Suspension {
            cause: SuspensionCause::ListingNotOpen,
            reason: g.suspension_reason.clone().unwrap_or_default(),
            since: g.suspended_at,
            by: g.suspended_by,
        };
        return (own, Some(recorded));
    }
    if own != GrantState::Active {
        return (own, None);
    }
    let dynamic = if ctx.org_status != OrgStatus::Verified {
        Some(Suspension {
            cause: SuspensionCause::EnterpriseSuspended,
            reason: format!("the enterprise is {}", ctx.org_status),
            since: ctx.org_changed_at,
            by: None,
        })
    } else if ctx.listing_status != ListingStatus::Published {
        Some(Suspension {
            cause: SuspensionCause::ListingWithdrawn,
            reason: format!(
                "the listing is {}: {}",
                ctx.listing_status,
                ctx.withdrawn_reason.as_deref().unwrap_or("no reason given")
            ),
            since: ctx.withdrawn_at,
            by: None,
        })
    } else if ctx.open_condition == OpenCondition::NotOpen {
        Some(Suspension {
            cause: SuspensionCause::ListingNotOpen,
            reason: "the listing is classified as not open".into(),
            since: None,
            by: None,
        })
    } else {
        None
    };
    match dynamic {
        Some(s) => (GrantState::Suspended, Some(s)),
        None => (GrantState::Active, None),
    }
}

/// The enterprise and listing context of the given grants.
pub fn use_contexts(
    conn: &mut DbConn,
    rows: &[GrantRow],
) -> AppResult<HashMap<(crate::listings::ListingId, OrgId), UseContext>> {
    let org_ids: Vec<OrgId> = rows.iter().map(|g| g.enterprise_id).collect();
    let listing_ids: Vec<ListingId> = rows.iter().map(|g| g.listing_id).collect();
    let orgs: Vec<(OrgId, OrgStatus, Option<NaiveDateTime>)> = organisations::table
        .filter(organisations::id.eq_any(org_ids))
        .select((organisations::id, organisations::status, organisations::status_changed_at))
        .load(conn)?;
    #[allow(clippy::type_complexity)]
    let ls: Vec<(ListingId, ListingStatus, OpenCondition, Option<NaiveDateTime>, Option<String>)> = listings::table
        .filter(listings::id.eq_any(listing_ids))
        .select((
            listings::id,
            listings::status,
            listings::open_condition,
            listings::withdrawn_at,
            listings::withdrawn_reason,
        ))
        .load(conn)?;
    let mut out = HashMap::new();
    for g in rows {
        let (Some(o), Some(l)) =
            (orgs.iter().find(|o| o.0 == g.enterprise_id), ls.iter().find(|l| l.0 == g.listing_id))
        else {
            continue;
        };
        out.insert(
            (g.listing_id, g.enterprise_id),
            UseContext {
                org_status: o.1,
                org_changed_at: o.2,
                listing_status: l.1,
                open_condition: l.2,
                withdrawn_at: l.3,
                withdrawn_reason: l.4.clone(),
            },
        );
    }
    Ok(out)
}

/// The state a grant is in at `now`, counting its enterprise and listing:
/// a suspended enterprise, a withdrawn listing, a listing classified
/// `not_open` or a recorded suspension stops use of the grant.
pub fn effective_state(conn: &mut DbConn, g: &GrantRow, now: NaiveDateTime) -> AppResult<GrantState> {
    Ok(effective(conn, g, now)?.0)
}

/// [`effective_state`] with the reason of a suspension.
pub fn effective(conn: &mut DbConn, g: &GrantRow, now: NaiveDateTime) -> AppResult<(GrantState, Option<Suspension>)> {
    let ctx = use_contexts(conn, std::slice::from_ref(g))?
        .remove(&(g.listing_id, g.enterprise_id))
        .ok_or_else(|| crate::error::AppError::internal("grant without its enterprise or listing"))?;
    Ok(state_in(g, &ctx, now))
}

/// Filters of the grant list.
#[derive(Debug, Clone, Default)]
pub struct GrantFilter {
    pub state: Option<GrantState>,
    pub listing: Option<ListingId>,
    pub enterprise: Option<OrgId>,
    pub report_overdue: bool,
}

pub fn list_grants(
    conn: &mut DbConn,
    scope: Scope,
    f: &GrantFilter,
    now: NaiveDateTime,
    after: Option<GrantId>,
    limit: i64,
) -> AppResult<(Vec<GrantRow>, i64)> {
    let filtered = || {
        let mut q = grants::table.into_boxed();
        match scope {
            Scope::All => {}
            Scope::Enterprise(e) => q = q.filter(grants::enterprise_id.eq(e)),
            Scope::Bureau(b) => {
                q = q.filter(
                    grants::listing_id.eq_any(listings::table.filter(listings::bureau_id.eq(b)).select(listings::id)),
                )
            }
            Scope::Nothing => q = q.filter(grants::id.is_null()),
        }
        match f.state {
            None => {}
            Some(GrantState::Revoked) => q = q.filter(grants::revoked_at.is_not_null()),
            Some(GrantState::Expired) => q = q.filter(grants::revoked_at.is_null()).filter(grants::valid_until.le(now)),
            Some(GrantState::Pending) => {
                q = q
                    .filter(grants::revoked_at.is_null())
                    .filter(grants::suspended_at.is_null())
                    .filter(grants::valid_from.gt(now))
            }
            // Suspension depends on the enterprise and the listing; list those
            // as active and show the effective state per grant.
            Some(GrantState::Active | GrantState::Suspended) => {
                q = q
                    .filter(grants::revoked_at.is_null())
                    .filter(grants::valid_from.le(now))
                    .filter(grants::valid_until.gt(now))
            }
        }
        if let Some(l) = f.listing {
            q = q.filter(grants::listing_id.eq(l));
        }
        if let Some(e) = f.enterprise {
            q = q.filter(grants::enterprise_id.eq(e));
        }
        // Reports are owed while a grant runs.
        if f.report_overdue {
            q = q
                .filter(grants::revoked_at.is_null())
                .filter(grants::valid_from.le(now))
                .filter(grants::valid_until.gt(now))
                .filter(grants::next_report_due.lt(now));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let mut q = filtered();
    if let Some(after) = after {
        q = q.filter(grants::id.lt(after));
    }
    let rows = q.order(grants::id.desc()).limit(limit + 1).select(GrantRow::as_select()).load(conn)?;
    Ok((rows, total))
}

/// The API view of grants at `now`, with names and effective states.
pub fn grant_views(conn: &mut DbConn, rows: &[GrantRow], now: NaiveDateTime) -> AppResult<Vec<Grant>> {
    let labels = labels(conn, rows.iter().map(|g| (g.listing_id, g.enterprise_id)))?;
    let contexts = use_contexts(conn, rows)?;
    Ok(rows
        .iter()
        .map(|g| {
            let l = labels.get(&(g.listing_id, g.enterprise_id)).cloned().unwrap_or_default();
            let (state, suspension) = match contexts.get(&(g.listing_id, g.enterprise_id)) {
                Some(ctx) => state_in(g, ctx, now),
                None => (g.state_at(now), None),
            };
            Grant {
                id: g.id,
                request_id: g.request_id,
                enterprise_id: g.enterprise_id,
                enterprise_name: l.enterprise_name.clone(),
                listing_id: g.listing_id,
                listing_name: l.listing_name.clone(),
                listing_title: l.listing_title.clone(),
                bureau_id: l.bureau_id.unwrap_or(g.enterprise_id),
                distribution_ids: g.distribution_ids.0.clone(),
                purpose_category: g.purpose_category,
                purpose: g.purpose.clone(),
                conditions: g.conditions.clone(),
                valid_from: utc(g.valid_from),
                valid_until: utc(g.valid_until),
                terms_version: g.terms_version,
                terms_sha256: g.terms_sha256.clone(),
                state,
                report_interval_days: g.report_interval_days,
                next_report_due: utc(g.next_report_due),
                report_overdue: matches!(state, GrantState::Active | GrantState::Suspended) && now > g.next_report_due,
                revoked_at: g.revoked_at.map(utc),
                revoked_by: g.revoked_by,
                revoke_reason: g.revoke_reason.clone(),
                suspension_cause: suspension.as_ref().map(|s| s.cause),
                suspension_reason: suspension.as_ref().map(|s| s.reason.clone()),
                suspended_at: suspension.as_ref().and_then(|s| s.since).map(utc),
                suspended_by: suspension.as_ref().and_then(|s| s.by),
                created_at: utc(g.created_at),
                created_by: g.created_by,
            }
        })
        .collect())
}
