//! Building the DCAT-AP graph: the catalogue, its datasets (both catalogues'
//! listings), their distributions, publishers, contact points and the
//! controlled-vocabulary concepts they use. Every IRI is parsed, every
//! literal typed; nodes that the application profile expects to be of a
//! class (a licence, a frequency, a media type …) carry that class.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use oxrdf::{Graph, Literal, NamedNode, Term, Triple};

use super::load::ListingData;
use super::vocab::{self, DCAT, DCT, EuConcept, FOAF, HYDRA, PROV, RDF, SKOS, VCARD, XSD};
use crate::ckan::package::{api_path, landing_page};
use crate::listings::OpenCondition;
use crate::orgs::Organisation;

mod distribution;

/// A graph under construction.
pub struct Builder {
    g: Graph,
    base: String,
    described: BTreeSet<String>,
}

fn xsd(name: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{XSD}{name}"))
}

fn date_time(t: NaiveDateTime) -> Literal {
    Literal::new_typed_literal(t.and_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(), xsd("dateTime"))
}

impl Builder {
    pub fn new(base: &str) -> Self {
        Builder { g: Graph::new(), base: base.trim_end_matches('/').to_string(), described: BTreeSet::new() }
    }

    pub fn into_graph(self) -> Graph {
        self.g
    }

    /// An IRI, or `None` when the text is not one (e.g. a malformed external URL).
    fn iri(&self, s: &str) -> Option<NamedNode> {
        NamedNode::new(s).ok()
    }

    fn add(&mut self, s: &NamedNode, p: &str, o: impl Into<Term>) {
        self.g.insert(&Triple::new(s.clone(), NamedNode::new_unchecked(p), o));
    }

    fn a(&mut self, s: &NamedNode, class: &str) {
        self.add(s, &format!("{RDF}type"), NamedNode::new_unchecked(class));
    }

    fn link(&mut self, s: &NamedNode, p: &str, o: &str) {
        if let Some(o) = self.iri(o) {
            self.add(s, p, o);
        }
    }

    fn text(&mut self, s: &NamedNode, p: &str, text: &str, lang: Option<&str>) {
        let lit = match lang {
            Some(l) => Literal::new_language_tagged_literal_unchecked(text, l),
            None => Literal::new_simple_literal(text),
        };
        self.add(s, p, lit);
    }

    /// Marks `iri` described; false when it already was.
    fn first_time(&mut self, iri: &str) -> bool {
        self.described.insert(iri.to_string())
    }

    /// An EU concept with its label and scheme, and the class its use asks for.
    fn concept(&mut self, c: &EuConcept, class: Option<&str>) -> NamedNode {
        let node = NamedNode::new_unchecked(c.iri.as_str());
        if self.first_time(&c.iri) {
            self.a(&node, &format!("{SKOS}Concept"));
            self.text(&node, &format!("{SKOS}prefLabel"), c.label, Some("en"));
            self.link(&node, &format!("{SKOS}inScheme"), &c.scheme);
            self.scheme(&c.scheme, vocab::scheme_title(&c.scheme), None);
        }
        if let Some(class) = class {
            self.a(&node, class);
        }
        node
    }

    fn scheme(&mut self, iri: &str, title_en: &str, title_zh: Option<&str>) {
        if self.first_time(iri) {
            let node = NamedNode::new_unchecked(iri);
            self.a(&node, &format!("{SKOS}ConceptScheme"));
            self.text(&node, &format!("{DCT}title"), title_en, Some("en"));
            if let Some(zh) = title_zh {
                self.text(&node, &format!("{DCT}title"), zh, Some("zh"));
            }
        }
    }

    fn domains_scheme(&self) -> String {
        format!("{}/api/v1/domains", self.base)
    }

    fn access_service_iri(&self) -> String {
        format!("{}/api/v1/access-requests", self.base)
    }

    /// The service through which conditional data is applied for.
    fn access_service(&mut self) -> NamedNode {
        let iri = self.access_service_iri();
        let node = NamedNode::new_unchecked(iri.as_str());
        if self.first_time(&iri) {
            self.a(&node, &format!("{DCAT}DataService"));
            self.text(&node, &format!("{DCT}title"), "有条件开放数据使用申请", Some("zh"));
            self.text(&node, &format!("{DCT}title"), "Access requests for conditional data", Some("en"));
            self.text(
                &node,
                &format!("{DCT}description"),
                "A verified AI enterprise applies for a conditional listing with POST to this endpoint (purpose, \
                 duration, security measures, accepted terms); an approval creates a time-bound grant, under which \
                 it obtains short-lived data tokens to download the files.",
                Some("en"),
            );
            // DCAT-AP's range shapes ask for both to be typed rdfs:Resource
            // (true of every IRI; stated because validators do not infer it).
            let resource = "http://www.w3.org/2000/01/rdf-schema#Resource";
            self.link(&node, &format!("{DCAT}endpointURL"), &iri);
            self.a(&node, resource);
            let description = format!("{}/api/v1/openapi.json", self.base);
            let description = NamedNode::new_unchecked(description);
            self.a(&description, resource);
            self.add(&node, &format!("{DCAT}endpointDescription"), description);
            let rights = vocab::access_right(OpenCondition::Conditional);
            let rights = self.concept(&rights, Some(&format!("{DCT}RightsStatement")));
            self.add(&node, &format!("{DCT}accessRights"), rights);
        }
        node
    }

    /// A bureau as a `foaf:Agent`.
    fn agent(&mut self, o: &Organisation) -> NamedNode {
        let iri = format!("{}/api/v1/bureaus/{}", self.base, o.id);
        let node = NamedNode::new_unchecked(iri.as_str());
        if self.first_time(&iri) {
            self.a(&node, &format!("{FOAF}Agent"));
            self.a(&node, &format!("{FOAF}Organization"));
            self.text(&node, &format!("{FOAF}name"), &o.name, Some("zh"));
            if let Some(en) = &o.name_en {
                self.text(&node, &format!("{FOAF}name"), en, Some("en"));
            }
        }
        node
    }

    fn document(&mut self, iri: &str) -> Option<NamedNode> {
        let node = self.iri(iri)?;
        if self.first_time(iri) {
            self.a(&node, &format!("{FOAF}Document"));
        }
        Some(node)
    }

    /// The catalogue: what it is, who publishes it, and the datasets of this page.
    pub fn catalogue(&mut self, datasets: &[NamedNode], modified: Option<NaiveDateTime>) -> NamedNode {
        let iri = format!("{}/api/v1/catalog", self.base);
        let node = NamedNode::new_unchecked(iri.as_str());
        self.a(&node, &format!("{DCAT}Catalog"));
        self.text(&node, &format!("{DCT}title"), "公共数据资源开放清单与训练语料目录", Some("zh"));
        self.text(&node, &format!("{DCT}title"), "Open list of public data and training-corpus catalogue", Some("en"));
        self.text(
            &node,
            &format!("{DCT}description"),
            "本市公共数据资源开放清单（教育、医疗卫生、文旅等领域）和行业大数据训练语料目录；有条件开放数据经申请授权后使用。",
            Some("zh"),
        );
        self.text(
            &node,
            &format!("{DCT}description"),
            "The city's open list of public data (education, healthcare, tourism and more) and its catalogue of \
             training corpora; conditional data is used under a grant applied for through datagate.",
            Some("en"),
        );
        let publisher = NamedNode::new_unchecked(format!("{iri}#publisher"));
        self.a(&publisher, &format!("{FOAF}Agent"));
        self.text(&publisher, &format!("{FOAF}name"), "datagate 公共数据开放平台", Some("zh"));
        self.text(&publisher, &format!("{FOAF}name"), "datagate public data platform", Some("en"));
        self.add(&node, &format!("{DCT}publisher"), publisher);
        if let Some(home) = self.document(&format!("{}/", self.base)) {
            self.add(&node, &format!("{FOAF}homepage"), home);
        }
        for code in ["zh", "en"] {
            if let Some(l) = vocab::language(code) {
                let l = self.concept(&l, Some(&format!("{DCT}LinguisticSystem")));
                self.add(&node, &format!("{DCT}language"), l);
            }
        }
        self.scheme(vocab::DATA_THEME_SCHEME, "Data theme", None);
        self.link(&node, &format!("{DCAT}themeTaxonomy"), vocab::DATA_THEME_SCHEME);
        let domains = self.domains_scheme();
        self.scheme(&domains, "datagate domains", Some("数据领域"));
        self.link(&node, &format!("{DCAT}themeTaxonomy"), &domains);
        if let Some(t) = modified {
            self.add(&node, &format!("{DCT}modified"), date_time(t));
        }
        let service = self.access_service();
        self.add(&node, &format!("{DCAT}service"), service);
        for d in datasets {
            self.add(&node, &format!("{DCAT}dataset"), d.clone());
        }
        node
    }

    /// The Hydra view of one page of the catalogue (as ckanext-dcat pages it).
    pub fn page_view(
        &mut self,
        this: &str,
        first: &str,
        last: &str,
        prev: Option<&str>,
        next: Option<&str>,
        total: i64,
    ) {
        let Some(node) = self.iri(this) else { return };
        self.a(&node, &format!("{HYDRA}PartialCollectionView"));
        self.add(&node, &format!("{HYDRA}totalItems"), Literal::new_typed_literal(total.to_string(), xsd("integer")));
        self.link(&node, &format!("{HYDRA}first"), first);
        self.link(&node, &format!("{HYDRA}last"), last);
        if let Some(p) = prev {
            self.link(&node, &format!("{HYDRA}previous"), p);
        }
        if let Some(n) = next {
            self.link(&node, &format!("{HYDRA}next"), n);
        }
    }

    /// A listing as a `dcat:Dataset`.
    pub fn dataset(&mut self, d: &ListingData) -> NamedNode {
        let l = &d.listing;
        let iri = format!("{}/api/v1/{}/{}", self.base, api_path(l.kind), l.id);
        let node = NamedNode::new_unchecked(iri.as_str());
        self.a(&node, &format!("{DCAT}Dataset"));
        self.text(&node, &format!("{DCT}identifier"), &l.id.to_string(), None);
        self.text(&node, &format!("{DCT}title"), &l.title, Some("zh"));
        if let Some(en) = &l.title_en {
            self.text(&node, &format!("{DCT}title"), en, Some("en"));
        }
        let summary = l.summary.clone().unwrap_or_else(|| l.title.clone());
        self.text(&node, &format!("{DCT}description"), &summary, Some("zh"));
        if let Some(en) = &l.summary_en {
            self.text(&node, &format!("{DCT}description"), en, Some("en"));
        }
        for k in &l.keywords.0 {
            self.text(&node, &format!("{DCAT}keyword"), k, None);
        }
        self.themes(&node, d);
        if let Some(b) = &d.bureau {
            let agent = self.agent(b);
            self.add(&node, &format!("{DCT}publisher"), agent);
        }
        self.contact(&node, &iri, d);
        self.coverage(&node, &iri, d);
        let freq = vocab::frequency(l.update_frequency);
        let freq = self.concept(&freq, Some(&format!("{DCT}Frequency")));
        self.add(&node, &format!("{DCT}accrualPeriodicity"), freq);
        let rights = vocab::access_right(l.open_condition);
        let rights = self.concept(&rights, Some(&format!("{DCT}RightsStatement")));
        self.add(&node, &format!("{DCT}accessRights"), rights);
        if let Some(t) = l.published_at {
            self.add(&node, &format!("{DCT}issued"), date_time(t));
        }
        self.add(&node, &format!("{DCT}modified"), date_time(l.modified_at));
        self.text(&node, &format!("{DCAT}version"), &l.version.to_string(), None);
        if let Some(page) = self.document(&landing_page(l, &self.base.clone())) {
            self.add(&node, &format!("{DCAT}landingPage"), page);
        }
        self.languages(&node, d);
        for (id, kind) in &d.sources {
            let source = format!("{}/api/v1/{}/{id}", self.base, api_path(*kind));
            self.link(&node, &format!("{PROV}wasDerivedFrom"), &source);
        }
        for f in &d.files {
            let dist = self.distribution(l, f);
            self.add(&node, &format!("{DCAT}distribution"), dist);
        }
        node
    }

    /// The EU data theme of the domain, and the domain in datagate's own scheme.
    fn themes(&mut self, node: &NamedNode, d: &ListingData) {
        let Some(domain) = &d.domain else { return };
        if let Some(theme) = domain.eu_theme.as_deref().and_then(vocab::data_theme) {
            let theme = self.concept(&theme, None);
            self.add(node, &format!("{DCAT}theme"), theme);
        }
        let scheme = self.domains_scheme();
        let iri = format!("{scheme}#{}", domain.code);
        let Some(concept) = self.iri(&iri) else { return };
        if self.first_time(&iri) {
            self.a(&concept, &format!("{SKOS}Concept"));
            self.text(&concept, &format!("{SKOS}prefLabel"), &domain.label_zh, Some("zh"));
            self.text(&concept, &format!("{SKOS}prefLabel"), &domain.label_en, Some("en"));
            self.text(&concept, &format!("{SKOS}notation"), &domain.code, None);
            self.scheme(&scheme, "datagate domains", Some("数据领域"));
            self.link(&concept, &format!("{SKOS}inScheme"), &scheme);
            if let Some(theme) = domain.eu_theme.as_deref().and_then(vocab::data_theme) {
                self.link(&concept, &format!("{SKOS}exactMatch"), &theme.iri);
            }
        }
        self.add(node, &format!("{DCAT}theme"), concept);
    }

    /// The listing's contact, else its bureau's, as a vCard.
    fn contact(&mut self, node: &NamedNode, iri: &str, d: &ListingData) {
        let (name, email, phone) = match (&d.listing.contact, &d.bureau) {
            (Some(c), _) => (c.0.name.clone(), c.0.email.clone(), c.0.phone.clone()),
            (None, Some(b)) => (
                b.contact_name.clone().unwrap_or_else(|| b.name.clone()),
                b.contact_email.clone(),
                b.contact_phone.clone(),
            ),
            (None, None) => return,
        };
        let card = NamedNode::new_unchecked(format!("{iri}#contact"));
        self.a(&card, &format!("{VCARD}Kind"));
        self.a(&card, &format!("{VCARD}Organization"));
        self.text(&card, &format!("{VCARD}fn"), &name, None);
        if let Some(e) = email {
            self.link(&card, &format!("{VCARD}hasEmail"), &format!("mailto:{e}"));
        }
        if let Some(p) = phone {
            let digits: String = p.chars().filter(|c| c.is_ascii_digit() || *c == '+' || *c == '-').collect();
            self.link(&card, &format!("{VCARD}hasTelephone"), &format!("tel:{digits}"));
        }
        self.add(node, &format!("{DCAT}contactPoint"), card);
    }

    /// Time and area covered.
    fn coverage(&mut self, node: &NamedNode, iri: &str, d: &ListingData) {
        let l = &d.listing;
        if l.temporal_start.is_some() || l.temporal_end.is_some() {
            let period = NamedNode::new_unchecked(format!("{iri}#temporal"));
            self.a(&period, &format!("{DCT}PeriodOfTime"));
            if let Some(s) = l.temporal_start {
                self.add(&period, &format!("{DCAT}startDate"), Literal::new_typed_literal(s.to_string(), xsd("date")));
            }
            if let Some(e) = l.temporal_end {
                self.add(&period, &format!("{DCAT}endDate"), Literal::new_typed_literal(e.to_string(), xsd("date")));
            }
            self.add(node, &format!("{DCT}temporal"), period);
        }
        let bbox = d.corpus.as_ref().and_then(|c| {
            let s = &c.details.0;
            s.geo.as_ref().and_then(|g| g.bbox).or_else(|| s.sensor.as_ref().and_then(|x| x.spatial_extent))
        });
        if l.spatial_coverage.is_none() && bbox.is_none() {
            return;
        }
        let place = NamedNode::new_unchecked(format!("{iri}#spatial"));
        self.a(&place, &format!("{DCT}Location"));
        if let Some(name) = &l.spatial_coverage {
            self.text(&place, &format!("{SKOS}prefLabel"), name, Some("zh"));
        }
        if let Some(b) = bbox {
            let wkt = format!(
                "POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))",
                w = b.west,
                s = b.south,
                e = b.east,
                n = b.north
            );
            let lit = Literal::new_typed_literal(wkt, NamedNode::new_unchecked(format!("{}wktLiteral", vocab::GSP)));
            self.add(&place, &format!("{DCAT}bbox"), lit);
        }
        self.add(node, &format!("{DCT}spatial"), place);
    }

    /// Chinese always, English when there is English text; a corpus's own languages.
    fn languages(&mut self, node: &NamedNode, d: &ListingData) {
        let mut codes: Vec<String> = vec!["zh".into()];
        if d.listing.title_en.is_some() || d.listing.summary_en.is_some() {
            codes.push("en".into());
        }
        if let Some(c) = &d.corpus
            && !c.languages.0.is_empty()
        {
            codes = c.languages.0.clone();
        }
        let concepts: BTreeSet<String> = codes.iter().filter_map(|c| vocab::language(c)).map(|c| c.iri).collect();
        for iri in concepts {
            if let Some(c) = codes.iter().filter_map(|c| vocab::language(c)).find(|c| c.iri == iri) {
                let c = self.concept(&c, Some(&format!("{DCT}LinguisticSystem")));
                self.add(node, &format!("{DCT}language"), c);
            }
        }
    }
}
