//! The operations on a listing of any kind: create, change (merge patch with
//! If-Match), publish, withdraw. Each runs in one transaction that also
//! records a revision, keeps the index in step and appends an audit entry.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::input::{CleanInput, CommonInput, clean, diff, merge_patch};
use super::search::Visibility;
use super::types::{FieldChange, ListingOut};
use super::{Listing, ListingId, ListingKind, ListingStatus, OpenCondition, domains, model};
use crate::audit;
use crate::auth::Caller;
use crate::db::DbConn;
use crate::db::types::Json;
use crate::distributions::model as dist_model;
use crate::error::{AppError, AppResult, Validator};
use crate::http::extract::parse_json;
use crate::orgs::{OrgKind, Role, model as org_model};

/// What distinguishes one kind of listing from another.
pub trait ListingSpec: 'static {
    const KIND: ListingKind;
    /// The create/change form of this kind.
    type Input: DeserializeOwned + Serialize + Clone + Send + 'static;

    /// What the API answers for a listing of this kind.
    type Output: Serialize + Send + 'static;

    fn common(input: &Self::Input) -> CommonInput;

    /// Checks the kind's own fields (may read the database; references are
    /// resolved as the caller sees them).
    fn check(
        conn: &mut DbConn,
        caller: &Caller,
        input: &Self::Input,
        common: &CleanInput,
        v: &mut Validator,
    ) -> AppResult<()>;

    /// Stores the kind's own fields once the listing row exists.
    fn save(conn: &mut DbConn, listing: &Listing, input: &Self::Input) -> AppResult<()>;

    /// The current input form of a stored listing.
    fn input_of(conn: &mut DbConn, listing: &Listing, common: CommonInput) -> AppResult<Self::Input>;

    /// The full view of a listing: the common part plus the kind's own, with
    /// related listings limited to those `visibility` allows.
    fn present(
        conn: &mut DbConn,
        listing: &Listing,
        base: ListingOut,
        visibility: Visibility,
    ) -> AppResult<Self::Output>;
}

/// A listing that the caller may change: anything else is "not found" when the
/// caller may not see it and 403 when they may see but not change it.
pub fn load_for_edit(conn: &mut DbConn, kind: ListingKind, key: &str, caller: &Caller) -> AppResult<Listing> {
    let what = kind_name(kind);
    let l = model::find(conn, kind, key)?.ok_or_else(|| AppError::not_found(what))?;
    if !Visibility::of(Some(caller)).sees(l.status, l.bureau_id) {
        return Err(AppError::not_found(what));
    }
    if !may_edit(caller, &l) {
        return Err(AppError::forbidden(format!(
            "only publishers of the owning bureau and administrators may change this {what}"
        )));
    }
    Ok(l)
}

pub fn may_edit(caller: &Caller, l: &Listing) -> bool {
    caller.is_admin()
        || (caller.org.kind == OrgKind::Bureau && caller.user.role == Role::Publisher && caller.org_id() == l.bureau_id)
}

pub fn kind_name(kind: ListingKind) -> &'static str {
    match kind {
        ListingKind::Dataset => "dataset",
        ListingKind::Corpus => "corpus",
    }
}

/// Records a change that has been applied to `l` in memory: bumps the
/// version, stores it (refusing if someone else stored meanwhile), writes the
/// revision, reindexes and audits.
pub fn commit_change(
    conn: &mut DbConn,
    l: &mut Listing,
    caller: &Caller,
    now: NaiveDateTime,
    action: &str,
    changes: Vec<FieldChange>,
) -> AppResult<()> {
    super::cache::mark_changed(conn)?;
    let expected = l.version;
    l.version += 1;
    l.modified_at = now;
    if !model::save(conn, l, expected)? {
        return Err(AppError::precondition_failed("the listing was changed concurrently; reload it and retry"));
    }
    model::add_revision(conn, l, Some(caller.user_id()), action, changes.clone())?;
    let extras = super::index_extras(conn, l)?;
    let formats = model::reindex(conn, l, &extras)?;
    l.formats = Json(formats);
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    audit::record(
        conn,
        &caller.actor(),
        now,
        &format!("{}.{action}", kind_name(l.kind)),
        "listing",
        &l.id.to_string(),
        json!({"name": l.name, "version": l.version, "fields": fields}),
    )?;
    // A listing classified `not_open` suspends its grants, in this transaction.
    crate::grants::suspension::on_listing_change(conn, l, caller, now)?;
    Ok(())
}

/// Field checks that need the database, shared by create and change.
fn check_references(conn: &mut DbConn, c: &CleanInput, v: &mut Validator) -> AppResult<()> {
    if !c.domain.is_empty() && !domains::exists(conn, &c.domain)? {
        v.add("domain", format!("{:?} is not a domain; see GET /api/v1/domains", c.domain));
    }
    Ok(())
}

/// The bureau a new listing belongs to: the publisher's own; an administrator
/// must name one.
fn owning_bureau(
    conn: &mut DbConn,
    caller: &Caller,
    c: &CleanInput,
    v: &mut Validator,
) -> AppResult<Option<crate::orgs::OrgId>> {
    if caller.is_admin() {
        match c.bureau_id {
            None => {
                v.add("bureau_id", "is required when an administrator creates a listing");
                Ok(None)
            }
            Some(b) => {
                if org_model::find_org_of_kind(conn, b, OrgKind::Bureau)?.is_none() {
                    v.add("bureau_id", "no such bureau");
                }
                Ok(Some(b))
            }
        }
    } else {
        if c.bureau_id.is_some_and(|b| b != caller.org_id()) {
            return Err(AppError::forbidden("publishers create listings of their own bureau only"));
        }
        Ok(Some(caller.org_id()))
    }
}

fn as_value<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Creates a draft.
pub fn create<S: ListingSpec>(
    conn: &mut DbConn,
    caller: &Caller,
    input: S::Input,
    now: NaiveDateTime,
) -> AppResult<Listing> {
    let mut v = Validator::new();
    let c = clean(S::common(&input), &mut v);
    check_references(conn, &c, &mut v)?;
    let bureau = owning_bureau(conn, caller, &c, &mut v)?;
    S::check(conn, caller, &input, &c, &mut v)?;
    v.finish()?;
    let Some(bureau) = bureau else { return Err(AppError::internal("validated bureau missing")) };
    if model::name_taken(conn, &c.name)? {
        return Err(AppError::conflict(format!("the name {:?} is taken (names are never reused)", c.name))
            .with_context(json!({"field": "name"})));
    }
    let mut l = Listing {
        id: ListingId::new(),
        kind: S::KIND,
        name: String::new(),
        title: String::new(),
        title_en: None,
        summary: None,
        summary_en: None,
        domain: String::new(),
        bureau_id: bureau,
        open_condition: OpenCondition::Conditional,
        open_condition_reason: None,
        legal_basis: None,
        update_frequency: super::UpdateFrequency::Irregular,
        temporal_start: None,
        temporal_end: None,
        spatial_coverage: None,
        record_count: None,
        data_items: Json(Vec::new()),
        keywords: Json(Vec::new()),
        formats: Json(Vec::new()),
        contact: None,
        licence: None,
        terms_version: None,
        status: ListingStatus::Draft,
        withdrawn_reason: None,
        version: 0,
        created_by: caller.user_id(),
        created_at: now,
        modified_at: now,
        published_at: None,
        withdrawn_at: None,
        max_grant_days: None,
    };
    c.apply(&mut l, bureau);
    model::insert(conn, &l)?;
    if let Some(terms) = &c.terms {
        l.terms_version = Some(model::add_terms(conn, l.id, terms, caller.user_id(), now)?);
    }
    S::save(conn, &l, &input)?;
    let changes = diff(&json!({}), &as_value(&input));
    commit_change(conn, &mut l, caller, now, "create", changes)?;
    Ok(l)
}

/// Parses a merged document as the kind's input, naming offending fields.
fn parse_merged<S: ListingSpec>(merged: &serde_json::Value) -> AppResult<S::Input> {
    let bytes = serde_json::to_vec(merged).map_err(|e| AppError::internal(e.to_string()))?;
    parse_json(&bytes)
}

/// Applies a JSON merge patch to the listing's input form, if `if_match` is
/// its current ETag.
pub fn update<S: ListingSpec>(
    conn: &mut DbConn,
    caller: &Caller,
    key: &str,
    if_match: &str,
    patch: serde_json::Value,
    now: NaiveDateTime,
) -> AppResult<Listing> {
    if !patch.is_object() {
        return Err(AppError::invalid("body", "a merge patch must be a JSON object"));
    }
    let mut l = load_for_edit(conn, S::KIND, key, caller)?;
    if if_match != "*" && !if_match.split(',').any(|t| t.trim() == l.etag()) {
        return Err(AppError::precondition_failed(
            "the listing has changed since you read it (If-Match does not match its ETag); reload and retry",
        )
        .with_context(json!({"etag": l.etag()})));
    }
    let current_terms = model::terms(conn, l.id, l.terms_version)?.map(|t| t.body);
    let before = S::input_of(conn, &l, super::input::common_input_of(&l, current_terms.clone()))?;
    let before_value = as_value(&before);
    let mut merged = before_value.clone();
    merge_patch(&mut merged, &patch);
    let input: S::Input = parse_merged::<S>(&merged)?;
    let mut v = Validator::new();
    let c = clean(S::common(&input), &mut v);
    check_references(conn, &c, &mut v)?;
    v.check(c.name == l.name, "name", "cannot be changed (names are stable)");
    let bureau = c.bureau_id.unwrap_or(l.bureau_id);
    if bureau != l.bureau_id {
        if !caller.is_admin() {
            return Err(AppError::forbidden("only administrators move a listing to another bureau"));
        }
        if org_model::find_org_of_kind(conn, bureau, OrgKind::Bureau)?.is_none() {
            v.add("bureau_id", "no such bureau");
        }
    }
    S::check(conn, caller, &input, &c, &mut v)?;
    v.finish()?;
    let changes = diff(&before_value, &as_value(&input));
    if changes.is_empty() {
        return Ok(l);
    }
    c.apply(&mut l, bureau);
    if c.terms != current_terms {
        l.terms_version = match &c.terms {
            Some(body) => Some(model::add_terms(conn, l.id, body, caller.user_id(), now)?),
            None => None,
        };
    }
    S::save(conn, &l, &input)?;
    commit_change(conn, &mut l, caller, now, "update", changes)?;
    Ok(l)
}

/// What must be present before a listing is published.
fn completeness(conn: &mut DbConn, l: &Listing, v: &mut Validator) -> AppResult<()> {
    v.check(l.summary.is_some(), "summary", "is required to publish");
    v.check(
        dist_model::count_live(conn, l.id)? > 0,
        "distributions",
        "at least one distribution is required to publish",
    );
    v.check(!l.data_items.0.is_empty(), "data_items", "the data items must be described to publish");
    for (i, item) in l.data_items.0.iter().enumerate() {
        v.check(item.description.is_some(), format!("data_items[{i}].description"), "is required to publish");
    }
    if l.open_condition == OpenCondition::Conditional {
        v.check(l.terms_version.is_some(), "terms", "terms of use are required to publish conditional data");
    }
    v.check(l.licence.is_some(), "licence", "is required to publish");
    Ok(())
}

/// draft → published, if complete.
pub fn publish(
    conn: &mut DbConn,
    kind: ListingKind,
    caller: &Caller,
    key: &str,
    now: NaiveDateTime,
) -> AppResult<Listing> {
    let mut l = load_for_edit(conn, kind, key, caller)?;
    if l.status != ListingStatus::Draft {
        return Err(AppError::conflict(format!(
            "the {} is {}; only a draft can be published",
            kind_name(kind),
            l.status
        ))
        .with_context(json!({"status": l.status})));
    }
    let mut v = Validator::new();
    completeness(conn, &l, &mut v)?;
    super::publish_checks(conn, &l, &mut v)?;
    if !v.is_empty() {
        let mut e = v.finish().err().unwrap_or_else(|| AppError::internal("no errors"));
        e.detail = Some(format!("the {} cannot be published yet; `errors` says what is missing", kind_name(kind)));
        return Err(e);
    }
    l.status = ListingStatus::Published;
    l.published_at = Some(now);
    let change = FieldChange { field: "status".into(), old: json!("draft"), new: json!("published") };
    commit_change(conn, &mut l, caller, now, "publish", vec![change])?;
    Ok(l)
}

/// published → withdrawn, with a reason. The entry stays readable.
pub fn withdraw(
    conn: &mut DbConn,
    kind: ListingKind,
    caller: &Caller,
    key: &str,
    reason: &str,
    now: NaiveDateTime,
) -> AppResult<Listing> {
    let mut v = Validator::new();
    let reason = v.text("reason", reason, 2000);
    v.finish()?;
    let mut l = load_for_edit(conn, kind, key, caller)?;
    if l.status != ListingStatus::Published {
        return Err(AppError::conflict(format!(
            "the {} is {}; only a published one can be withdrawn",
            kind_name(kind),
            l.status
        ))
        .with_context(json!({"status": l.status})));
    }
    l.status = ListingStatus::Withdrawn;
    l.withdrawn_at = Some(now);
    l.withdrawn_reason = Some(reason.clone());
    let changes = vec![
        FieldChange { field: "status".into(), old: json!("published"), new: json!("withdrawn") },
        FieldChange { field: "withdrawn_reason".into(), old: serde_json::Value::Null, new: json!(reason) },
    ];
    commit_change(conn, &mut l, caller, now, "withdraw", changes)?;
    Ok(l)
}
