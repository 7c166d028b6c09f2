//! The listing machinery shared by both catalogues: an entry of the open list
//! (a dataset) or of the corpus catalogue (a corpus), with its lifecycle,
//! versioned terms, revisions, facets and full-text index.

pub mod api;
pub mod cache;
pub mod datasets;
pub mod domains;
pub mod input;
pub mod model;
pub mod openlist;
pub mod search;
pub mod service;
pub mod text;
pub mod types;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::types::Json;
use crate::db::{DbConn, schema};
use crate::error::{AppResult, Validator};
use crate::orgs::{OrgId, UserId};

crate::uuid_id!(
    /// Id of a listing (dataset or corpus).
    ListingId
);

crate::text_enum!(
    /// Which catalogue a listing belongs to.
    ListingKind {
        /// An entry of the open list of public data.
        Dataset => "dataset",
        /// A training corpus.
        Corpus => "corpus",
    }
);

crate::text_enum!(
    /// Lifecycle: `draft` → `published` → `withdrawn`. A withdrawn entry stays
    /// readable as withdrawn.
    ListingStatus {
        Draft => "draft",
        Published => "published",
        Withdrawn => "withdrawn",
    }
);

crate::text_enum!(
    /// Shanghai's open conditions: anyone may download (`unconditional`), only
    /// an enterprise holding a grant (`conditional`), or listed for
    /// transparency only (`not_open`).
    OpenCondition {
        Unconditional => "unconditional",
        Conditional => "conditional",
        NotOpen => "not_open",
    }
);

crate::text_enum!(
    /// How often the data is updated.
    UpdateFrequency {
        Realtime => "realtime",
        Daily => "daily",
        Weekly => "weekly",
        Monthly => "monthly",
        Quarterly => "quarterly",
        Yearly => "yearly",
        Irregular => "irregular",
    }
);

crate::text_enum!(
    /// The type of a data item's values.
    DataType {
        String => "string",
        Integer => "integer",
        Decimal => "decimal",
        Boolean => "boolean",
        Date => "date",
        Datetime => "datetime",
        Code => "code",
        GeoPoint => "geo_point",
        Geometry => "geometry",
        Text => "text",
        Image => "image",
        Binary => "binary",
    }
);

impl OpenCondition {
    /// Higher is more restricted.
    pub fn restriction(&self) -> u8 {
        match self {
            OpenCondition::Unconditional => 0,
            OpenCondition::Conditional => 1,
            OpenCondition::NotOpen => 2,
        }
    }
}

/// One field of the data: what a column or attribute holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataItem {
    /// Machine name, e.g. `school_code`.
    #[schema(example = "school_code")]
    pub name: String,
    /// Chinese label, e.g. 学校代码.
    #[schema(example = "学校代码")]
    pub label: String,
    #[serde(rename = "type")]
    pub data_type: DataType,
    #[serde(default)]
    pub description: Option<String>,
    /// Unit of measurement, e.g. `μg/m³`.
    #[serde(default)]
    pub unit: Option<String>,
    /// Whether the item holds personal or otherwise sensitive information.
    #[serde(default)]
    pub personal: bool,
}

/// A listing as stored.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::listings)]
#[diesel(treat_none_as_null = true)]
pub struct Listing {
    pub id: ListingId,
    pub kind: ListingKind,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub summary: Option<String>,
    pub summary_en: Option<String>,
    pub domain: String,
    pub bureau_id: OrgId,
    pub open_condition: OpenCondition,
    pub open_condition_reason: Option<String>,
    pub legal_basis: Option<String>,
    pub update_frequency: UpdateFrequency,
    pub temporal_start: Option<NaiveDate>,
    pub temporal_end: Option<NaiveDate>,
    pub spatial_coverage: Option<String>,
    pub record_count: Option<i64>,
    pub data_items: Json<Vec<DataItem>>,
    pub keywords: Json<Vec<String>>,
    /// Formats of the live distributions, kept in step by `model::reindex`.
    pub formats: Json<Vec<String>>,
    pub contact: Option<Json<input::ListingContact>>,
    pub licence: Option<String>,
    pub terms_version: Option<i32>,
    pub status: ListingStatus,
    pub withdrawn_reason: Option<String>,
    pub version: i32,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub modified_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub withdrawn_at: Option<NaiveDateTime>,
    /// The longest grant an access request may ask for (platform default when absent).
    pub max_grant_days: Option<i32>,
}

impl Listing {
    /// The entity tag of the listing's current state.
    pub fn etag(&self) -> String {
        etag_of(self.id, self.version)
    }
}

pub fn etag_of(id: ListingId, version: i32) -> String {
    format!("\"{}-{}\"", id.0.simple(), version)
}

/// What a listing's kind adds to its facets and full-text entry.
pub fn index_extras(conn: &mut DbConn, l: &Listing) -> AppResult<model::IndexExtras> {
    match l.kind {
        ListingKind::Dataset => Ok(model::IndexExtras::default()),
        ListingKind::Corpus => crate::corpora::model::index_extras(conn, l),
    }
}

/// Checks a listing's kind requires before publishing, beyond the common ones.
pub fn publish_checks(conn: &mut DbConn, l: &Listing, v: &mut Validator) -> AppResult<()> {
    match l.kind {
        ListingKind::Dataset => Ok(()),
        ListingKind::Corpus => crate::corpora::publish::checks(conn, l, v),
    }
}
