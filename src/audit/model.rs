//! Reading the audit log: filtered, newest first, paged by keyset on `seq`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::chain::Entry;
use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::error::AppResult;

/// How the `action` filter matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionMatch {
    /// This action only, e.g. `enterprise.verify`.
    Exact(String),
    /// Every action starting with this text, e.g. `dataset.`.
    Prefix(String),
}

/// The filters of the audit list; every one that is set must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: Option<ActionMatch>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Inclusive.
    pub since: Option<NaiveDateTime>,
    /// Exclusive.
    pub until: Option<NaiveDateTime>,
}

/// A LIKE pattern matching `prefix` literally at the start (`_` and `%` are
/// wildcards in LIKE, and `_` occurs in action names such as `api_key.`).
fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 2);
    for c in prefix.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One page of entries matching `filter`, newest first, below the cursor's
/// `seq`; `limit + 1` rows are loaded so the caller can tell whether another
/// page follows. Also returns how many entries match in all.
pub fn list_entries(
    conn: &mut DbConn,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: i64,
) -> AppResult<(Vec<Entry>, i64)> {
    let filtered = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(user) = &filter.actor_user_id {
            q = q.filter(audit_log::actor_user_id.eq(user.clone()));
        }
        if let Some(org) = &filter.actor_org_id {
            q = q.filter(audit_log::actor_org_id.eq(org.clone()));
        }
        match &filter.action {
            Some(ActionMatch::Exact(action)) => q = q.filter(audit_log::action.eq(action.clone())),
            Some(ActionMatch::Prefix(prefix)) => {
                q = q.filter(audit_log::action.like(like_prefix(prefix)).escape('\\'));
            }
            None => {}
        }
        if let Some(t) = &filter.target_type {
            q = q.filter(audit_log::target_type.eq(t.clone()));
        }
        if let Some(id) = &filter.target_id {
            q = q.filter(audit_log::target_id.eq(id.clone()));
        }
        if let Some(since) = filter.since {
            q = q.filter(audit_log::at.ge(since));
        }
        if let Some(until) = filter.until {
            q = q.filter(audit_log::at.lt(until));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let mut page = filtered();
    if let Some(seq) = before_seq {
        page = page.filter(audit_log::seq.lt(seq));
    }
    let rows = page.order(audit_log::seq.desc()).limit(limit + 1).select(Entry::as_select()).load(conn)?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::like_prefix;

    #[test]
    fn prefixes_match_literally() {
        assert_eq!(like_prefix("dataset."), "dataset.%");
        assert_eq!(like_prefix("api_key."), "api\\_key.%");
        assert_eq!(like_prefix("a%b\\"), "a\\%b\\\\%");
    }
}
