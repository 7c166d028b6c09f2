//! The CKAN shapes datagate answers: package, resource, organisation,
//! group, tag and extra.

use serde::Serialize;
use utoipa::ToSchema;

use super::package::ckan_time;
use crate::listings::domains::DomainRow;
use crate::orgs::Organisation;

/// A bureau as a CKAN organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CkanOrganization {
    pub id: String,
    /// The bureau's code, e.g. `sh-edu`.
    pub name: String,
    pub title: String,
    pub display_name: String,
    /// The English name, when there is one.
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub state: String,
    pub is_organization: bool,
    pub approval_status: String,
    pub image_url: String,
    pub created: String,
    /// Published listings of the bureau (in lists and `organization_show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_count: Option<i64>,
}

impl CkanOrganization {
    pub fn new(o: &Organisation, package_count: Option<i64>) -> Self {
        CkanOrganization {
            id: o.id.to_string(),
            name: o.code.clone().unwrap_or_else(|| o.id.to_string()),
            title: o.name.clone(),
            display_name: o.name.clone(),
            description: o.name_en.clone().unwrap_or_default(),
            kind: "organization".into(),
            state: "active".into(),
            is_organization: true,
            approval_status: "approved".into(),
            image_url: String::new(),
            created: ckan_time(o.created_at),
            package_count,
        }
    }
}

/// A domain as a CKAN group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CkanGroup {
    /// The domain code (groups have no other id here).
    pub id: String,
    pub name: String,
    pub title: String,
    pub display_name: String,
    /// The English label.
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub state: String,
    pub is_organization: bool,
    pub image_url: String,
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_count: Option<i64>,
}

impl CkanGroup {
    pub fn new(d: &DomainRow, package_count: Option<i64>) -> Self {
        CkanGroup {
            id: d.code.clone(),
            name: d.code.clone(),
            title: d.label_zh.clone(),
            display_name: d.label_zh.clone(),
            description: d.label_en.clone(),
            kind: "group".into(),
            state: "active".into(),
            is_organization: false,
            image_url: String::new(),
            created: ckan_time(d.created_at),
            package_count,
        }
    }
}

/// A keyword as a CKAN tag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CkanTag {
    pub name: String,
    pub display_name: String,
    pub state: String,
    pub vocabulary_id: Option<String>,
}

/// A CKAN `key`/`value` extra.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CkanExtra {
    pub key: String,
    pub value: String,
}

/// A distribution as a CKAN resource.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CkanResource {
    pub id: String,
    pub package_id: String,
    pub name: String,
    pub description: String,
    pub format: String,
    pub mimetype: String,
    pub size: Option<i64>,
    /// SHA-256 of the file, hex.
    pub hash: String,
    /// Where to get the data: the file or the API for open data; for data
    /// that is not open to everyone, the listing's page that says how to apply
    /// (never the file).
    pub url: String,
    /// `upload` for files datagate hosts, empty otherwise.
    pub url_type: String,
    /// `file` or `api`.
    pub resource_type: String,
    pub created: String,
    pub last_modified: Option<String>,
    pub position: usize,
    pub state: String,
    /// Whether `url` is the data itself (anyone may download it).
    pub datagate_downloadable: bool,
    /// For conditional data: where a verified enterprise applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_request_url: Option<String>,
    /// For hosted tabular files: the profile (rows, columns, statistics),
    /// protected for conditional data (see `GET /distributions/{id}/profile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datagate_profile_url: Option<String>,
}

/// A listing as a CKAN package.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CkanPackage {
    pub id: String,
    pub name: String,
    pub title: String,
    pub notes: String,
    /// `dataset` (the open list) or `corpus` (the training-corpus catalogue).
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    pub version: String,
    pub owner_org: String,
    pub organization: CkanOrganization,
    pub groups: Vec<CkanGroup>,
    pub tags: Vec<CkanTag>,
    pub num_tags: usize,
    pub license_id: String,
    pub license_title: String,
    pub license_url: String,
    pub isopen: bool,
    pub metadata_created: String,
    pub metadata_modified: String,
    /// `active`, or `deleted` for a withdrawn listing.
    pub state: String,
    pub private: bool,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub num_resources: usize,
    pub resources: Vec<CkanResource>,
    /// Everything CKAN has no field for (open condition, update frequency, modality, …).
    pub extras: Vec<CkanExtra>,
}
