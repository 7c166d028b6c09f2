//! A distribution in the graph: where to get it, what it is, its checksum
//! and licence, and for conditional data the service through which it is
//! applied for.

use oxrdf::{Literal, NamedNode};

use super::super::vocab::{self, DCAT, DCATAP, DCT, FOAF, SPDX};
use super::{Builder, date_time, xsd};
use crate::ckan::package::{files_open, landing_page, licence_link};
use crate::distributions::DistributionRow;
use crate::listings::{Listing, ListingStatus, OpenCondition};

impl Builder {
    /// A distribution: where to get it (the file only when anyone may
    /// download it; for conditional data, the access-request service).
    pub(super) fn distribution(&mut self, l: &Listing, f: &DistributionRow) -> NamedNode {
        let iri = format!("{}/api/v1/distributions/{}", self.base, f.id);
        let node = NamedNode::new_unchecked(iri.as_str());
        self.a(&node, &format!("{DCAT}Distribution"));
        self.text(&node, &format!("{DCT}identifier"), &f.id.to_string(), None);
        self.text(&node, &format!("{DCT}title"), &f.name, Some("zh"));
        if let Some(desc) = &f.description {
            self.text(&node, &format!("{DCT}description"), desc, Some("zh"));
        }
        let open = files_open(l);
        let download = format!("{}/api/v1/distributions/{}/file", self.base, f.id);
        let landing = landing_page(l, &self.base.clone());
        let conditional = l.status == ListingStatus::Published && l.open_condition == OpenCondition::Conditional;
        let access = match (&f.access_url, open) {
            (Some(url), true) if self.iri(url).is_some() => url.clone(),
            (None, true) if f.has_file() => download.clone(),
            _ if conditional => self.access_service_iri(),
            _ => landing,
        };
        self.link(&node, &format!("{DCAT}accessURL"), &access);
        if open && f.access_url.is_none() && f.has_file() {
            self.link(&node, &format!("{DCAT}downloadURL"), &download);
        }
        if conditional {
            let service = self.access_service();
            self.add(&node, &format!("{DCAT}accessService"), service);
            let rights = NamedNode::new_unchecked(format!("{iri}#rights"));
            self.a(&rights, &format!("{DCT}RightsStatement"));
            self.text(
                &rights,
                "http://www.w3.org/2000/01/rdf-schema#label",
                "有条件开放：经核验的人工智能企业通过 POST /api/v1/access-requests 申请，获批后凭授权下载。",
                Some("zh"),
            );
            self.text(
                &rights,
                "http://www.w3.org/2000/01/rdf-schema#label",
                "Conditional: a verified AI enterprise applies with POST /api/v1/access-requests and downloads \
                 under the grant it receives.",
                Some("en"),
            );
            self.add(&node, &format!("{DCT}rights"), rights);
        }
        if f.media_type.split('/').count() == 2 && !f.media_type.contains(char::is_whitespace) {
            let iri = format!("https://www.iana.org/assignments/media-types/{}", f.media_type);
            if let Some(m) = self.iri(&iri) {
                if self.first_time(&iri) {
                    self.a(&m, &format!("{DCT}MediaType"));
                }
                self.add(&node, &format!("{DCAT}mediaType"), m);
            }
        }
        if let Some(ft) = vocab::file_type(&f.format) {
            let ft = self.concept(&ft, Some(&format!("{DCT}MediaTypeOrExtent")));
            self.add(&node, &format!("{DCT}format"), ft);
        }
        if let Some(n) = f.byte_size.filter(|n| *n >= 0) {
            self.add(
                &node,
                &format!("{DCAT}byteSize"),
                Literal::new_typed_literal(n.to_string(), xsd("nonNegativeInteger")),
            );
        }
        if let Some(sha) = &f.sha256 {
            self.checksum(&node, &iri, sha);
        }
        if let Some(licence) = &l.licence {
            let link = licence_link(licence, &self.base.clone());
            if let Some(doc) = self.iri(&link) {
                if self.first_time(&link) {
                    self.a(&doc, &format!("{DCT}LicenseDocument"));
                    self.text(&doc, &format!("{DCT}title"), &crate::ckan::package::licence_title(licence), None);
                    self.text(&doc, &format!("{DCT}identifier"), licence, None);
                }
                self.add(&node, &format!("{DCT}license"), doc);
            }
        }
        // The profile documents the file (DCAT-AP's "documentation", foaf:page).
        if let Some(profile) = crate::ckan::package::profile_url(f, &self.base.clone())
            && let Some(doc) = self.iri(&profile)
        {
            self.a(&doc, &format!("{FOAF}Document"));
            self.add(&node, &format!("{FOAF}page"), doc);
        }
        let availability = self.concept(&vocab::stable_availability(), None);
        self.add(&node, &format!("{DCATAP}availability"), availability);
        self.add(&node, &format!("{DCT}issued"), date_time(f.created_at));
        self.add(&node, &format!("{DCT}modified"), date_time(f.uploaded_at.unwrap_or(f.modified_at)));
        node
    }

    fn checksum(&mut self, node: &NamedNode, iri: &str, sha: &str) {
        let checksum = NamedNode::new_unchecked(format!("{iri}#checksum"));
        let algorithm = NamedNode::new_unchecked(format!("{SPDX}checksumAlgorithm_sha256"));
        if self.first_time(algorithm.as_str()) {
            self.a(&algorithm, &format!("{SPDX}ChecksumAlgorithm"));
        }
        self.a(&checksum, &format!("{SPDX}Checksum"));
        self.add(&checksum, &format!("{SPDX}algorithm"), algorithm);
        self.add(
            &checksum,
            &format!("{SPDX}checksumValue"),
            Literal::new_typed_literal(sha.to_lowercase(), xsd("hexBinary")),
        );
        self.add(node, &format!("{SPDX}checksum"), checksum);
    }
}
