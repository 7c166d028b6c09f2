//! A datagate listing as a CKAN package, its distributions as resources.
//! Packages are assembled in batches (one query per related table, never
//! per listing).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::corpora::schema_org::licence_url;
use crate::corpora::vocab::Modality;
use crate::db::DbConn;
use crate::db::schema::{corpora, distributions, organisations};
use crate::distributions::DistributionRow;
use crate::distributions::download::check_download;
use crate::error::AppResult;
use crate::listings::domains::{self, DomainRow};
use crate::listings::openlist::{frequency_zh, open_condition_zh};
use crate::listings::{Listing, ListingId, ListingKind, ListingStatus, OpenCondition};
use crate::orgs::{OrgId, Organisation};

pub use super::types::{CkanExtra, CkanGroup, CkanOrganization, CkanPackage, CkanResource, CkanTag};

/// CKAN's timestamp form: ISO 8601 without a zone (UTC).
pub fn ckan_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// Licences that count as open (CKAN's `isopen`).
const OPEN_LICENCES: &[&str] = &["CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0"];

/// A licence's title for CKAN's `license_title`.
pub fn licence_title(id: &str) -> String {
    match id {
        "CC-BY-4.0" => "Creative Commons Attribution 4.0".into(),
        "CC-BY-SA-4.0" => "Creative Commons Attribution Share-Alike 4.0".into(),
        "CC0-1.0" => "Creative Commons CCZero".into(),
        "ODbL-1.0" => "Open Data Commons Open Database License (ODbL)".into(),
        "ODC-By-1.0" => "Open Data Commons Attribution License".into(),
        "PDDL-1.0" => "Open Data Commons Public Domain Dedication and License (PDDL)".into(),
        "datagate-conditional-1.0" => "datagate conditional-use terms 1.0 (有条件开放数据使用协议)".into(),
        other => other.to_string(),
    }
}

/// Whether a licence is an open one (CKAN's `od_conformance`).
pub fn licence_is_open(id: &str) -> bool {
    OPEN_LICENCES.contains(&id)
}

/// The URL of a licence (SPDX for the well-known ones).
pub fn licence_link(id: &str, base: &str) -> String {
    let url = licence_url(id);
    if url.starts_with("http") { url } else { format!("{base}/api/3/action/license_list#{id}") }
}

/// The collection of a kind of listing under `/api/v1`.
pub fn api_path(kind: ListingKind) -> &'static str {
    match kind {
        ListingKind::Dataset => "datasets",
        ListingKind::Corpus => "corpora",
    }
}

/// Where a listing is read in datagate's own API.
pub fn landing_page(l: &Listing, base: &str) -> String {
    format!("{base}/api/v1/{}/{}", api_path(l.kind), l.name)
}

/// Whether anyone may download the listing's files (never so for
/// conditional, not-open or withdrawn listings).
pub fn files_open(l: &Listing) -> bool {
    check_download(None, l).is_ok()
}

/// Everything packages are made from besides the listings themselves.
pub struct Related {
    bureaus: HashMap<OrgId, Organisation>,
    domains: Vec<DomainRow>,
    files: HashMap<ListingId, Vec<DistributionRow>>,
    modalities: HashMap<ListingId, Modality>,
}

impl Related {
    /// Loads what `listings` refer to, one query per table.
    pub fn load(conn: &mut DbConn, listings: &[Listing]) -> AppResult<Self> {
        let ids: Vec<ListingId> = listings.iter().map(|l| l.id).collect();
        let bureau_ids: Vec<OrgId> = listings.iter().map(|l| l.bureau_id).collect();
        let bureaus: Vec<Organisation> = organisations::table
            .filter(organisations::id.eq_any(bureau_ids))
            .select(Organisation::as_select())
            .load(conn)?;
        let rows: Vec<DistributionRow> = distributions::table
            .filter(distributions::listing_id.eq_any(ids.clone()))
            .filter(distributions::removed_at.is_null())
            .order(distributions::id.asc())
            .select(DistributionRow::as_select())
            .load(conn)?;
        let mut files: HashMap<ListingId, Vec<DistributionRow>> = HashMap::new();
        for r in rows {
            files.entry(r.listing_id).or_default().push(r);
        }
        let modalities: Vec<(ListingId, Modality)> = corpora::table
            .filter(corpora::listing_id.eq_any(ids))
            .select((corpora::listing_id, corpora::modality))
            .load(conn)?;
        Ok(Related {
            bureaus: bureaus.into_iter().map(|o| (o.id, o)).collect(),
            domains: domains::all(conn)?,
            files,
            modalities: modalities.into_iter().collect(),
        })
    }

    pub fn bureau(&self, id: OrgId) -> Option<&Organisation> {
        self.bureaus.get(&id)
    }

    pub fn domain(&self, code: &str) -> Option<&DomainRow> {
        self.domains.iter().find(|d| d.code == code)
    }

    pub fn files(&self, id: ListingId) -> &[DistributionRow] {
        self.files.get(&id).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn modality(&self, id: ListingId) -> Option<Modality> {
        self.modalities.get(&id).copied()
    }
}

/// The packages of `listings`, in their order.
pub fn packages(conn: &mut DbConn, listings: &[Listing], base: &str) -> AppResult<Vec<CkanPackage>> {
    let related = Related::load(conn, listings)?;
    Ok(listings.iter().map(|l| package(l, &related, base)).collect())
}

/// One resource of a listing.
/// Where a hosted tabular file's profile is, if it has one.
pub fn profile_url(d: &DistributionRow, base: &str) -> Option<String> {
    let tabular = crate::tabular::TabularFormat::detect(&d.format, &d.media_type, d.file_name.as_deref()).is_some();
    (d.has_file() && tabular).then(|| format!("{base}/api/v1/distributions/{}/profile", d.id))
}

pub fn resource(l: &Listing, d: &DistributionRow, position: usize, base: &str) -> CkanResource {
    let open = files_open(l);
    let api = d.access_url.is_some();
    let url = match (&d.access_url, open) {
        (Some(url), true) => url.clone(),
        (None, true) if d.has_file() => format!("{base}/api/v1/distributions/{}/file", d.id),
        _ => landing_page(l, base),
    };
    let downloadable = open && (api || d.has_file());
    CkanResource {
        id: d.id.to_string(),
        package_id: l.id.to_string(),
        name: d.name.clone(),
        description: d.description.clone().unwrap_or_default(),
        format: d.format.clone(),
        mimetype: d.media_type.clone(),
        size: d.byte_size,
        hash: d.sha256.clone().unwrap_or_default(),
        url,
        url_type: if !api && downloadable { "upload".into() } else { String::new() },
        resource_type: if api { "api".into() } else { "file".into() },
        created: ckan_time(d.created_at),
        last_modified: Some(ckan_time(d.uploaded_at.unwrap_or(d.modified_at))),
        position,
        state: "active".into(),
        datagate_downloadable: downloadable,
        access_request_url: (l.status == ListingStatus::Published && l.open_condition == OpenCondition::Conditional)
            .then(|| format!("{base}/api/v1/access-requests")),
        datagate_profile_url: profile_url(d, base),
    }
}

fn extras(l: &Listing, related: &Related, base: &str) -> Vec<CkanExtra> {
    let mut x = vec![
        ("open_condition", l.open_condition.as_str().to_string()),
        ("open_condition_zh", open_condition_zh(l.open_condition).to_string()),
        ("update_frequency", l.update_frequency.as_str().to_string()),
        ("update_frequency_zh", frequency_zh(l.update_frequency).to_string()),
        ("domain", l.domain.clone()),
        ("dcat_url", format!("{base}/api/v1/{}/{}/dcat", api_path(l.kind), l.id)),
    ];
    let optional = [
        ("title_en", l.title_en.clone()),
        ("notes_en", l.summary_en.clone()),
        ("open_condition_reason", l.open_condition_reason.clone()),
        ("legal_basis", l.legal_basis.clone()),
        ("temporal_start", l.temporal_start.map(|d| d.to_string())),
        ("temporal_end", l.temporal_end.map(|d| d.to_string())),
        ("spatial_coverage", l.spatial_coverage.clone()),
        ("record_count", l.record_count.map(|n| n.to_string())),
        ("withdrawn_reason", l.withdrawn_reason.clone()),
        ("modality", related.modality(l.id).map(|m| m.as_str().to_string())),
    ];
    x.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    if l.open_condition == OpenCondition::Conditional {
        x.push(("access_request_url", format!("{base}/api/v1/access-requests")));
    }
    x.sort_by(|a, b| a.0.cmp(b.0));
    x.into_iter().map(|(key, value)| CkanExtra { key: key.to_string(), value }).collect()
}

/// One package.
pub fn package(l: &Listing, related: &Related, base: &str) -> CkanPackage {
    let organization = match related.bureau(l.bureau_id) {
        Some(o) => CkanOrganization::new(o, None),
        None => CkanOrganization {
            id: l.bureau_id.to_string(),
            name: l.bureau_id.to_string(),
            title: String::new(),
            display_name: String::new(),
            description: String::new(),
            kind: "organization".into(),
            state: "active".into(),
            is_organization: true,
            approval_status: "approved".into(),
            image_url: String::new(),
            created: String::new(),
            package_count: None,
        },
    };
    let groups: Vec<CkanGroup> = related.domain(&l.domain).map(|d| CkanGroup::new(d, None)).into_iter().collect();
    let tags: Vec<CkanTag> = l
        .keywords
        .0
        .iter()
        .map(|k| CkanTag { name: k.clone(), display_name: k.clone(), state: "active".into(), vocabulary_id: None })
        .collect();
    let resources: Vec<CkanResource> =
        related.files(l.id).iter().enumerate().map(|(i, d)| resource(l, d, i, base)).collect();
    let licence = l.licence.clone().unwrap_or_default();
    let contact = l.contact.as_ref().map(|c| c.0.clone());
    let notes = match (&l.summary, &l.summary_en) {
        (Some(zh), Some(en)) => format!("{zh}\n\n{en}"),
        (Some(zh), None) => zh.clone(),
        (None, en) => en.clone().unwrap_or_default(),
    };
    CkanPackage {
        id: l.id.to_string(),
        name: l.name.clone(),
        title: l.title.clone(),
        notes,
        kind: l.kind.as_str().to_string(),
        url: landing_page(l, base),
        version: l.version.to_string(),
        owner_org: l.bureau_id.to_string(),
        author: Some(organization.title.clone()),
        author_email: None,
        organization,
        groups,
        num_tags: tags.len(),
        tags,
        license_title: licence_title(&licence),
        license_url: if licence.is_empty() { String::new() } else { licence_link(&licence, base) },
        isopen: licence_is_open(&licence) && l.open_condition == OpenCondition::Unconditional,
        license_id: licence,
        metadata_created: ckan_time(l.created_at),
        metadata_modified: ckan_time(l.modified_at),
        state: if l.status == ListingStatus::Withdrawn { "deleted".into() } else { "active".into() },
        private: false,
        maintainer: contact.as_ref().map(|c| c.name.clone()),
        maintainer_email: contact.and_then(|c| c.email),
        num_resources: resources.len(),
        resources,
        extras: extras(l, related, base),
    }
}
