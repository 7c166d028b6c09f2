//! Access requests and grants: an enterprise applies for a conditional
//! listing, the owning bureau gives its opinion, an administrator decides;
//! an approval creates exactly one time-bound grant, and while it is active
//! (and only then) the enterprise fetches the data with short-lived tokens.
//! Every step is audited; every token and download is in the access log.

pub mod access_log;
pub mod aggregate;
pub mod decisions;
pub mod grants_api;
pub mod issue_log;
pub mod model;
pub mod requests;
pub mod suspension;
pub mod tokens;
pub mod usage;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema;
use crate::db::types::{Json, utc};
use crate::distributions::DistributionId;
use crate::listings::ListingId;
use crate::orgs::{OrgId, UserId};

crate::uuid_id!(
    /// Id of an access request.
    RequestId
);
crate::uuid_id!(
    /// Id of a grant.
    GrantId
);

crate::text_enum!(
    /// What the enterprise will do with the data.
    PurposeCategory {
        ModelTraining => "model_training",
        ModelEvaluation => "model_evaluation",
        Research => "research",
        Product => "product",
    }
);

crate::text_enum!(
    /// `submitted` → `approved` | `rejected` | `withdrawn` (by the applicant while undecided).
    RequestState {
        Submitted => "submitted",
        Approved => "approved",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
);

crate::text_enum!(
    /// The owning bureau's opinion on a request.
    Opinion {
        Consent => "consent",
        Object => "object",
    }
);

crate::text_enum!(
    /// Where a grant stands at a moment: `active` until `valid_until` (time
    /// alone decides), then `expired`; `revoked` at once when revoked.
    /// `suspended`: the grant cannot be used meanwhile — its enterprise is
    /// suspended, its listing withdrawn, or its listing reclassified as
    /// `not_open` (recorded on the grant until an administrator reinstates it).
    GrantState {
        Pending => "pending",
        Active => "active",
        Expired => "expired",
        Revoked => "revoked",
        Suspended => "suspended",
    }
);

crate::text_enum!(
    /// Why a grant is suspended: `listing_not_open` (the listing was
    /// reclassified as not open; lifted only by an administrator's
    /// reinstatement), `listing_withdrawn`, `enterprise_suspended` (both
    /// last as long as their cause).
    SuspensionCause {
        ListingNotOpen => "listing_not_open",
        ListingWithdrawn => "listing_withdrawn",
        EnterpriseSuspended => "enterprise_suspended",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::access_requests)]
#[diesel(treat_none_as_null = true)]
pub struct RequestRow {
    pub id: RequestId,
    pub listing_id: ListingId,
    pub enterprise_id: OrgId,
    pub requested_by: UserId,
    pub purpose_category: PurposeCategory,
    pub purpose: String,
    pub scenario: String,
    pub distribution_ids: Json<Vec<DistributionId>>,
    pub duration_days: i32,
    pub security_measures: String,
    pub terms_version: i32,
    pub terms_sha256: String,
    pub previous_request_id: Option<RequestId>,
    pub renews_grant_id: Option<GrantId>,
    pub state: RequestState,
    pub submitted_at: NaiveDateTime,
    pub review_deadline: NaiveDateTime,
    pub opinion: Option<Opinion>,
    pub opinion_comment: Option<String>,
    pub opinion_by: Option<UserId>,
    pub opinion_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<UserId>,
    pub decision_reason: Option<String>,
    pub override_reason: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::grants)]
#[diesel(treat_none_as_null = true)]
pub struct GrantRow {
    pub id: GrantId,
    pub request_id: RequestId,
    pub enterprise_id: OrgId,
    pub listing_id: ListingId,
    pub distribution_ids: Json<Vec<DistributionId>>,
    pub purpose_category: PurposeCategory,
    pub purpose: String,
    pub conditions: Option<String>,
    pub valid_from: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub terms_version: i32,
    pub terms_sha256: String,
    pub report_interval_days: i32,
    pub next_report_due: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<UserId>,
    pub revoke_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub created_by: UserId,
    /// Set while the grant is suspended by a recorded decision (its listing
    /// was reclassified as `not_open`); cleared when an administrator
    /// reinstates it.
    pub suspended_at: Option<NaiveDateTime>,
    pub suspended_by: Option<UserId>,
    pub suspension_reason: Option<String>,
}

impl GrantRow {
    /// The grant's own state at `now`, from its times, revocation and
    /// recorded suspension only.
    pub fn state_at(&self, now: NaiveDateTime) -> GrantState {
        if self.revoked_at.is_some() {
            GrantState::Revoked
        } else if now >= self.valid_until {
            GrantState::Expired
        } else if self.suspended_at.is_some() {
            GrantState::Suspended
        } else if now < self.valid_from {
            GrantState::Pending
        } else {
            GrantState::Active
        }
    }
}

/// An access request as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccessRequest {
    pub id: RequestId,
    pub listing_id: ListingId,
    pub listing_name: String,
    pub listing_title: String,
    pub bureau_id: OrgId,
    pub enterprise_id: OrgId,
    pub enterprise_name: String,
    pub requested_by: UserId,
    pub purpose_category: PurposeCategory,
    pub purpose: String,
    pub scenario: String,
    pub distribution_ids: Vec<DistributionId>,
    pub duration_days: i32,
    pub security_measures: String,
    /// The terms version the enterprise accepted, and its SHA-256.
    pub terms_version: i32,
    pub terms_sha256: String,
    pub previous_request_id: Option<RequestId>,
    pub renews_grant_id: Option<GrantId>,
    pub state: RequestState,
    pub submitted_at: DateTime<Utc>,
    pub review_deadline: DateTime<Utc>,
    /// Undecided after the review deadline.
    pub overdue: bool,
    pub opinion: Option<Opinion>,
    pub opinion_comment: Option<String>,
    pub opinion_by: Option<UserId>,
    pub opinion_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<UserId>,
    pub decision_reason: Option<String>,
    /// Why an administrator approved over the bureau's objection.
    pub override_reason: Option<String>,
    /// The grant an approval created.
    pub grant_id: Option<GrantId>,
}

/// Names shown with requests and grants.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub listing_name: String,
    pub listing_title: String,
    pub bureau_id: Option<OrgId>,
    pub enterprise_name: String,
}

impl AccessRequest {
    pub fn new(r: &RequestRow, labels: &Labels, grant_id: Option<GrantId>, now: NaiveDateTime) -> Self {
        AccessRequest {
            id: r.id,
            listing_id: r.listing_id,
            listing_name: labels.listing_name.clone(),
            listing_title: labels.listing_title.clone(),
            bureau_id: labels.bureau_id.unwrap_or(r.enterprise_id),
            enterprise_id: r.enterprise_id,
            enterprise_name: labels.enterprise_name.clone(),
            requested_by: r.requested_by,
            purpose_category: r.purpose_category,
            purpose: r.purpose.clone(),
            scenario: r.scenario.clone(),
            distribution_ids: r.distribution_ids.0.clone(),
            duration_days: r.duration_days,
            security_measures: r.security_measures.clone(),
            terms_version: r.terms_version,
            terms_sha256: r.terms_sha256.clone(),
            previous_request_id: r.previous_request_id,
            renews_grant_id: r.renews_grant_id,
            state: r.state,
            submitted_at: utc(r.submitted_at),
            review_deadline: utc(r.review_deadline),
            overdue: r.state == RequestState::Submitted && now > r.review_deadline,
            opinion: r.opinion,
            opinion_comment: r.opinion_comment.clone(),
            opinion_by: r.opinion_by,
            opinion_at: r.opinion_at.map(utc),
            decided_at: r.decided_at.map(utc),
            decided_by: r.decided_by,
            decision_reason: r.decision_reason.clone(),
            override_reason: r.override_reason.clone(),
            grant_id,
        }
    }
}

/// A grant as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Grant {
    pub id: GrantId,
    pub request_id: RequestId,
    pub enterprise_id: OrgId,
    pub enterprise_name: String,
    pub listing_id: ListingId,
    pub listing_name: String,
    pub listing_title: String,
    pub bureau_id: OrgId,
    pub distribution_ids: Vec<DistributionId>,
    pub purpose_category: PurposeCategory,
    pub purpose: String,
    /// Conditions the administrator set.
    pub conditions: Option<String>,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub terms_version: i32,
    pub terms_sha256: String,
    /// The state at the moment of the response.
    pub state: GrantState,
    pub report_interval_days: i32,
    pub next_report_due: DateTime<Utc>,
    /// A usage report is due and has not been submitted.
    pub report_overdue: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<UserId>,
    pub revoke_reason: Option<String>,
    /// While `state` is `suspended`: why. This is how the holder learns of a
    /// suspension (no e-mail or webhook yet).
    pub suspension_cause: Option<SuspensionCause>,
    /// While `state` is `suspended`: the reason in words.
    pub suspension_reason: Option<String>,
    /// When the suspension began, where known.
    pub suspended_at: Option<DateTime<Utc>>,
    /// Who suspended it (for `listing_not_open`: who reclassified the listing).
    pub suspended_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub created_by: UserId,
}

/// A usage report on a grant.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = schema::usage_reports)]
pub struct UsageReport {
    pub id: String,
    pub grant_id: GrantId,
    pub submitted_by: UserId,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "crate::grants::utc_naive")]
    pub submitted_at: NaiveDateTime,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// What the data was used for.
    pub usage: String,
    /// Models trained or products built.
    pub models: Option<String>,
    pub outcome: String,
    /// Any security incident (absent if none).
    pub incident: Option<String>,
}

/// Serialises a stored UTC time as RFC 3339 with `Z`.
pub mod utc_naive {
    use chrono::NaiveDateTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let s = String::deserialize(d)?;
        chrono::DateTime::parse_from_rfc3339(&s).map(|t| t.naive_utc()).map_err(serde::de::Error::custom)
    }
}
