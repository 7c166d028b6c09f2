//! What the API returns for listings.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::ListingContact;
use super::{DataItem, Listing, ListingId, ListingKind, ListingStatus, OpenCondition, UpdateFrequency};
use crate::db::types::utc;
use crate::distributions::Distribution;
use crate::orgs::{OrgId, UserId};

/// One changed field of a revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

/// A recorded change of a listing: who, when, which fields, old and new values.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Revision {
    pub id: String,
    /// The listing's version after the change.
    pub version: i32,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    /// `create`, `update`, `publish`, `withdraw`, `distribution.add`, …
    #[schema(example = "update")]
    pub action: String,
    pub changes: Vec<FieldChange>,
}

crate::page_schema!(RevisionPage, Revision);

/// The owning bureau, in short.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BureauRef {
    pub id: OrgId,
    pub name: String,
    pub name_en: Option<String>,
}

/// A version of a listing's terms of use.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Terms {
    pub version: i32,
    pub body: String,
    /// SHA-256 of the body (UTF-8), hex.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A listing with everything about it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListingOut {
    pub id: ListingId,
    pub kind: ListingKind,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub summary: Option<String>,
    pub summary_en: Option<String>,
    pub domain: String,
    pub bureau: BureauRef,
    pub open_condition: OpenCondition,
    pub open_condition_reason: Option<String>,
    pub legal_basis: Option<String>,
    pub update_frequency: UpdateFrequency,
    pub temporal_start: Option<NaiveDate>,
    pub temporal_end: Option<NaiveDate>,
    pub spatial_coverage: Option<String>,
    pub record_count: Option<i64>,
    pub data_items: Vec<DataItem>,
    pub keywords: Vec<String>,
    /// Formats of the distributions.
    pub formats: Vec<String>,
    pub contact: Option<ListingContact>,
    pub licence: Option<String>,
    /// The longest grant an access request may ask for, in days (platform default when absent).
    pub max_grant_days: Option<i32>,
    /// The current terms of use, if any.
    pub terms: Option<Terms>,
    pub status: ListingStatus,
    pub withdrawn_reason: Option<String>,
    /// Increases with every change; the ETag is derived from it.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub distributions: Vec<Distribution>,
}

impl ListingOut {
    pub fn new(l: &Listing, bureau: BureauRef, terms: Option<Terms>, distributions: Vec<Distribution>) -> Self {
        ListingOut {
            id: l.id,
            kind: l.kind,
            name: l.name.clone(),
            title: l.title.clone(),
            title_en: l.title_en.clone(),
            summary: l.summary.clone(),
            summary_en: l.summary_en.clone(),
            domain: l.domain.clone(),
            bureau,
            open_condition: l.open_condition,
            open_condition_reason: l.open_condition_reason.clone(),
            legal_basis: l.legal_basis.clone(),
            update_frequency: l.update_frequency,
            temporal_start: l.temporal_start,
            temporal_end: l.temporal_end,
            spatial_coverage: l.spatial_coverage.clone(),
            record_count: l.record_count,
            data_items: l.data_items.0.clone(),
            keywords: l.keywords.0.clone(),
            formats: l.formats.0.clone(),
            contact: l.contact.as_ref().map(|c| c.0.clone()),
            licence: l.licence.clone(),
            max_grant_days: l.max_grant_days,
            terms,
            status: l.status,
            withdrawn_reason: l.withdrawn_reason.clone(),
            version: l.version,
            created_at: utc(l.created_at),
            modified_at: utc(l.modified_at),
            published_at: l.published_at.map(utc),
            withdrawn_at: l.withdrawn_at.map(utc),
            distributions,
        }
    }
}

/// A dataset of the open list with everything about it, and the corpora
/// derived from it (those the caller may see).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DatasetOut {
    #[serde(flatten)]
    pub listing: ListingOut,
    /// Training corpora that name this dataset as a source, newest first.
    pub derived_corpora: Vec<crate::corpora::types::LineageRef>,
}

/// A listing as it appears in a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListingSummary {
    pub id: ListingId,
    pub kind: ListingKind,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub summary: Option<String>,
    /// The summary in English, where the publisher gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_en: Option<String>,
    pub domain: String,
    pub bureau: BureauRef,
    pub open_condition: OpenCondition,
    pub update_frequency: UpdateFrequency,
    pub record_count: Option<i64>,
    pub keywords: Vec<String>,
    pub formats: Vec<String>,
    pub licence: Option<String>,
    pub status: ListingStatus,
    pub modified_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// Relevance to the query `q` (higher is better); absent without `q`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl ListingSummary {
    pub fn new(l: &Listing, bureau: BureauRef, score: Option<f64>) -> Self {
        ListingSummary {
            id: l.id,
            kind: l.kind,
            name: l.name.clone(),
            title: l.title.clone(),
            title_en: l.title_en.clone(),
            summary: l.summary.clone(),
            summary_en: l.summary_en.clone(),
            domain: l.domain.clone(),
            bureau,
            open_condition: l.open_condition,
            update_frequency: l.update_frequency,
            record_count: l.record_count,
            keywords: l.keywords.0.clone(),
            formats: l.formats.0.clone(),
            licence: l.licence.clone(),
            status: l.status,
            modified_at: utc(l.modified_at),
            published_at: l.published_at.map(utc),
            score,
        }
    }
}

/// One value of a facet with the number of listings that have it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FacetValue {
    pub value: String,
    /// A human-readable label where the value is a code or an id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub count: i64,
}

/// A page of a catalogue search: items, the total matching, the cursor of
/// the next page, and facet counts for the same query and filters.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListingPage {
    pub items: Vec<ListingSummary>,
    pub total: i64,
    pub limit: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Facet name → values with counts, most frequent first (at most 50 each).
    pub facets: BTreeMap<String, Vec<FacetValue>>,
}
