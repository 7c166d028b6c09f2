//! Distributions: the downloadable forms of a listing — a hosted file or an
//! external access URL (a bureau's API or download page).

pub mod api;
pub mod disclosure;
pub mod download;
pub mod gc;
pub mod model;
pub mod range;
pub mod storage;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema;
use crate::db::types::utc;
use crate::listings::ListingId;

crate::uuid_id!(
    /// Id of a distribution.
    DistributionId
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::distributions)]
#[diesel(treat_none_as_null = true)]
pub struct DistributionRow {
    pub id: DistributionId,
    pub listing_id: ListingId,
    pub name: String,
    pub description: Option<String>,
    pub format: String,
    pub media_type: String,
    pub access_url: Option<String>,
    pub object_key: Option<String>,
    pub byte_size: Option<i64>,
    pub sha256: Option<String>,
    pub file_name: Option<String>,
    pub uploaded_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub modified_at: NaiveDateTime,
    pub removed_at: Option<NaiveDateTime>,
}

impl DistributionRow {
    pub fn is_hosted(&self) -> bool {
        self.access_url.is_none()
    }
    pub fn has_file(&self) -> bool {
        self.object_key.is_some()
    }
}

/// A downloadable form of a listing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Distribution {
    pub id: DistributionId,
    pub listing_id: ListingId,
    pub name: String,
    pub description: Option<String>,
    /// e.g. `CSV`, `JSON`, `API`.
    #[schema(example = "CSV")]
    pub format: String,
    #[schema(example = "text/csv")]
    pub media_type: String,
    /// `file` (hosted by datagate) or `external` (an access URL elsewhere).
    #[schema(example = "file")]
    pub kind: String,
    /// For external distributions: where the data is served.
    pub access_url: Option<String>,
    /// For hosted distributions with an uploaded file: where to download it
    /// (subject to the listing's open condition).
    pub download_url: Option<String>,
    pub byte_size: Option<i64>,
    /// SHA-256 of the file, hex; also its ETag.
    pub sha256: Option<String>,
    pub file_name: Option<String>,
    pub uploaded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl From<&DistributionRow> for Distribution {
    fn from(r: &DistributionRow) -> Self {
        Distribution {
            id: r.id,
            listing_id: r.listing_id,
            name: r.name.clone(),
            description: r.description.clone(),
            format: r.format.clone(),
            media_type: r.media_type.clone(),
            kind: if r.is_hosted() { "file".into() } else { "external".into() },
            access_url: r.access_url.clone(),
            download_url: r.has_file().then(|| format!("/api/v1/distributions/{}/file", r.id)),
            byte_size: r.byte_size,
            sha256: r.sha256.clone(),
            file_name: r.file_name.clone(),
            uploaded_at: r.uploaded_at.map(utc),
            created_at: utc(r.created_at),
            modified_at: utc(r.modified_at),
        }
    }
}
