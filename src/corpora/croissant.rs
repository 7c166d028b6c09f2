//! A corpus as MLCommons Croissant 1.1 JSON-LD, so ML tooling can load its
//! description as it is (`mlcroissant validate` passes on every demo corpus;
//! `.ci/croissant-check`). The mapping is described in docs/CROISSANT.md.
//! Files appear as `cr:FileObject`s only where anyone may download them;
//! otherwise the document states the access conditions instead.

use serde_json::{Map, Value, json};

use super::model::{CorpusRow, DatasetHead};
use super::schema_org::{lang_map, licence_url, organisation, spatial_coverage, temporal_coverage};
use crate::db::types::utc;
use crate::distributions::DistributionRow;
use crate::listings::openlist::open_condition_zh;
use crate::listings::types::{BureauRef, Terms};
use crate::listings::{DataItem, DataType, Listing, ListingStatus, OpenCondition};

/// The Croissant version the export conforms to: the newest the reference
/// validator (PyPI `mlcroissant` 1.1) supports.
pub const CONFORMS_TO: &str = "http://mlcommons.org/croissant/1.1";

/// Everything the document is made from.
pub struct CorpusDoc<'a> {
    pub listing: &'a Listing,
    pub corpus: &'a CorpusRow,
    pub bureau: &'a BureauRef,
    pub terms: Option<&'a Terms>,
    pub distributions: &'a [DistributionRow],
    /// The sources the reader may see.
    pub sources: &'a [DatasetHead],
    /// Whether anyone may download the files (published and unconditional).
    pub open_files: bool,
    /// The public base URL, without a trailing slash.
    pub base_url: &'a str,
}

impl CorpusDoc<'_> {
    pub fn url(&self) -> String {
        format!("{}/api/v1/corpora/{}", self.base_url, self.listing.name)
    }

    /// The hosted files a loader may fetch.
    pub fn open_files(&self) -> Vec<&DistributionRow> {
        if !self.open_files {
            return Vec::new();
        }
        self.distributions.iter().filter(|d| d.object_key.is_some() && d.sha256.is_some()).collect()
    }
}

/// The standard Croissant 1.1 `@context` (as `mlcroissant` writes it).
pub fn context() -> Value {
    json!({
        "@language": "en",
        "@vocab": "https://schema.org/",
        "arrayShape": "cr:arrayShape",
        "citeAs": "cr:citeAs",
        "column": "cr:column",
        "conformsTo": "dct:conformsTo",
        "containedIn": "cr:containedIn",
        "cr": "http://mlcommons.org/croissant/",
        "rai": "http://mlcommons.org/croissant/RAI/",
        "data": {"@id": "cr:data", "@type": "@json"},
        "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
        "dct": "http://purl.org/dc/terms/",
        "description": {"@container": "@language"},
        "equivalentProperty": "cr:equivalentProperty",
        "examples": {"@id": "cr:examples", "@type": "@json"},
        "extract": "cr:extract",
        "field": "cr:field",
        "fileProperty": "cr:fileProperty",
        "fileObject": "cr:fileObject",
        "fileSet": "cr:fileSet",
        "format": "cr:format",
        "includes": "cr:includes",
        "isArray": "cr:isArray",
        "isLiveDataset": "cr:isLiveDataset",
        "jsonPath": "cr:jsonPath",
        "key": "cr:key",
        "md5": "cr:md5",
        "name": {"@container": "@language"},
        "parentField": "cr:parentField",
        "path": "cr:path",
        "recordSet": "cr:recordSet",
        "references": "cr:references",
        "regex": "cr:regex",
        "repeated": "cr:repeated",
        "replace": "cr:replace",
        "samplingRate": "cr:samplingRate",
        "sc": "https://schema.org/",
        "separator": "cr:separator",
        "source": "cr:source",
        "subField": "cr:subField",
        "transform": "cr:transform"
    })
}

/// The Croissant document of a corpus.
pub fn document(d: &CorpusDoc) -> Value {
    let l = d.listing;
    let c = d.corpus;
    let url = d.url();
    let mut doc = Map::new();
    doc.insert("@context".into(), context());
    doc.insert("@type".into(), json!("sc:Dataset"));
    doc.insert("conformsTo".into(), json!(CONFORMS_TO));
    doc.insert("name".into(), lang_map(&l.title, l.title_en.as_deref()));
    doc.insert("alternateName".into(), json!(l.name));
    if let Some(summary) = &l.summary {
        doc.insert("description".into(), lang_map(summary, l.summary_en.as_deref()));
    }
    doc.insert("identifier".into(), json!(l.id.to_string()));
    doc.insert("url".into(), json!(url));
    if let Some(licence) = &l.licence {
        doc.insert("license".into(), json!(licence_url(licence)));
    }
    let year = l.published_at.unwrap_or(l.created_at).format("%Y");
    doc.insert("citeAs".into(), json!(format!("{}. {} ({year}). datagate. {url}", d.bureau.name, l.title)));
    doc.insert("creator".into(), organisation(d.bureau));
    doc.insert("publisher".into(), organisation(d.bureau));
    doc.insert("dateCreated".into(), json!(utc(l.created_at)));
    doc.insert("dateModified".into(), json!(utc(l.modified_at)));
    if let Some(p) = l.published_at {
        doc.insert("datePublished".into(), json!(utc(p)));
    }
    doc.insert("version".into(), json!(format!("{}.0.0", l.version)));
    if !l.keywords.0.is_empty() {
        doc.insert("keywords".into(), json!(l.keywords.0));
    }
    if !c.languages.0.is_empty() {
        doc.insert("inLanguage".into(), json!(c.languages.0));
    }
    if let Some(t) = temporal_coverage(l) {
        doc.insert("temporalCoverage".into(), json!(t));
    }
    if let Some(place) = spatial_coverage(l, &c.details.0, "sc:") {
        doc.insert("spatialCoverage".into(), place);
    }
    let details = &c.details.0;
    if let Some(t) = details.text.as_ref().filter(|t| !t.genres.is_empty()) {
        doc.insert("genre".into(), json!(t.genres));
    }
    if let Some(s) = &details.sensor {
        if !s.sensor_types.is_empty() {
            doc.insert("measurementTechnique".into(), json!(s.sensor_types));
        }
        let vars: Vec<Value> = s
            .measured_quantities
            .iter()
            .map(|q| {
                json!({"@type": "sc:PropertyValue", "propertyID": q.name,
                       "name": q.label.clone().unwrap_or_else(|| q.name.clone()), "unitText": q.unit})
            })
            .collect();
        doc.insert("variableMeasured".into(), json!(vars));
    }
    doc.insert("conditionsOfAccess".into(), json!(access_conditions(d)));
    if !d.sources.is_empty() {
        let based: Vec<Value> = d
            .sources
            .iter()
            .map(|s| {
                json!({"@type": "sc:Dataset", "name": lang_map(&s.title, s.title_en.as_deref()),
                       "identifier": s.id.to_string(),
                       "url": format!("{}/api/v1/datasets/{}", d.base_url, s.name)})
            })
            .collect();
        doc.insert("isBasedOn".into(), json!(based));
    }
    rai(&mut doc, d);
    let files = d.open_files();
    if !files.is_empty() {
        doc.insert("distribution".into(), json!(files.iter().map(|f| file_object(d, f)).collect::<Vec<_>>()));
    }
    let sets = record_sets(d, &files);
    if !sets.is_empty() {
        doc.insert("recordSet".into(), json!(sets));
    }
    Value::Object(doc)
}

/// Who may obtain the data and how, in plain words.
pub fn access_conditions(d: &CorpusDoc) -> String {
    let l = d.listing;
    let zh = open_condition_zh(l.open_condition);
    let mut s = match (l.status, l.open_condition) {
        (ListingStatus::Draft, _) => "Draft (草稿): not yet published; nothing is handed out.".to_string(),
        (ListingStatus::Withdrawn, _) => format!(
            "Withdrawn (已撤回): {}; its files are no longer offered.",
            l.withdrawn_reason.as_deref().unwrap_or("no reason given")
        ),
        (ListingStatus::Published, OpenCondition::Unconditional) => {
            format!("{zh} (unconditional): anyone may download the files, no account needed.")
        }
        (ListingStatus::Published, OpenCondition::Conditional) => format!(
            "{zh} (conditional): only a verified AI enterprise holding a grant may obtain the data. Apply with \
             POST {}/api/v1/access-requests naming listing {}, stating purpose, duration and safeguards; download \
             with an access token of the grant. Files are not listed here.",
            d.base_url, l.id
        ),
        (ListingStatus::Published, OpenCondition::NotOpen) => {
            format!("{zh} (not open): listed for transparency only; the data is never handed out.")
        }
    };
    if let Some(reason) = &l.open_condition_reason {
        s.push_str(&format!(" Reason: {reason}"));
    }
    if let Some(basis) = &l.legal_basis {
        s.push_str(&format!(" Legal basis: {basis}"));
    }
    if let Some(t) = d.terms {
        s.push_str(&format!(
            " Terms of use version {} (sha256 {}) apply; read them at {}.",
            t.version,
            t.sha256,
            d.url()
        ));
    }
    s
}

/// The datasheet as Croissant's Responsible-AI fields.
fn rai(doc: &mut Map<String, Value>, d: &CorpusDoc) {
    let ds = &d.corpus.datasheet.0;
    let mut put = |key: &str, v: Value| {
        doc.insert(format!("rai:{key}"), v);
    };
    if let Some(m) = &ds.collection_method {
        put("dataCollection", json!(m));
    }
    let frame: Vec<String> =
        [ds.collection_start, ds.collection_end].iter().flatten().map(|d| d.format("%Y-%m-%d").to_string()).collect();
    if !frame.is_empty() {
        put("dataCollectionTimeFrame", json!(frame));
    }
    if let Some(p) = &ds.preprocessing {
        put("dataPreprocessingProtocol", json!([p]));
    }
    if let Some(a) = &ds.annotation_protocol {
        put("dataAnnotationProtocol", json!([a]));
    }
    let personal: Vec<&str> = d.listing.data_items.0.iter().filter(|i| i.personal).map(|i| i.name.as_str()).collect();
    let mut psi: Vec<String> = ds.personal_information.iter().cloned().collect();
    if !personal.is_empty() {
        psi.push(format!("Data items holding personal or sensitive information: {}.", personal.join(", ")));
    }
    if !psi.is_empty() {
        put("personalSensitiveInformation", json!(psi));
    }
    if let Some(b) = &ds.biases {
        put("dataBiases", json!([b]));
    }
    if let Some(x) = &ds.limitations {
        put("dataLimitations", json!([x]));
    }
    let mut uses: Vec<String> = ds.intended_uses.iter().cloned().collect();
    uses.extend(ds.out_of_scope_uses.iter().map(|o| format!("Out of scope: {o}")));
    if !uses.is_empty() {
        put("dataUseCases", json!(uses));
    }
    if let Some(m) = &ds.maintenance {
        put("dataReleaseMaintenancePlan", json!(m));
    }
}

fn file_id(f: &DistributionRow) -> String {
    format!("file-{}", f.id)
}

fn file_object(d: &CorpusDoc, f: &DistributionRow) -> Value {
    let mut o = json!({
        "@type": "cr:FileObject",
        "@id": file_id(f),
        "name": f.file_name.clone().unwrap_or_else(|| f.name.clone()),
        "contentUrl": format!("{}/api/v1/distributions/{}/file", d.base_url, f.id),
        "encodingFormat": f.media_type,
        "sha256": f.sha256,
    });
    if let Some(n) = f.byte_size {
        o["contentSize"] = json!(format!("{n} B"));
    }
    if let Some(desc) = &f.description {
        o["description"] = json!(desc);
    }
    o
}

fn field(id: &str, name: &str, data_type: &str, description: Option<&str>) -> Value {
    let mut f = json!({"@type": "cr:Field", "@id": id, "name": name, "dataType": data_type});
    if let Some(desc) = description {
        f["description"] = json!(desc);
    }
    f
}

/// The Croissant data type of a data item.
pub fn data_type(t: DataType) -> &'static str {
    match t {
        DataType::Integer => "sc:Integer",
        DataType::Decimal => "sc:Float",
        DataType::Boolean => "sc:Boolean",
        DataType::Date => "sc:Date",
        DataType::Datetime => "sc:DateTime",
        DataType::Image => "sc:ImageObject",
        _ => "sc:Text",
    }
}

fn split_url(name: &str) -> Value {
    match name {
        "train" | "training" => json!("cr:TrainingSplit"),
        "validation" | "valid" | "dev" => json!("cr:ValidationSplit"),
        "test" | "testing" => json!("cr:TestSplit"),
        _ => Value::Null,
    }
}

fn record_sets(d: &CorpusDoc, files: &[&DistributionRow]) -> Vec<Value> {
    let c = d.corpus;
    let mut sets = Vec::new();
    if !c.splits.0.is_empty() {
        let data: Vec<Value> = c
            .splits
            .0
            .iter()
            .map(|s| {
                json!({"splits/name": s.name, "splits/url": split_url(&s.name),
                       "splits/sample_count": s.sample_count})
            })
            .collect();
        sets.push(json!({
            "@type": "cr:RecordSet", "@id": "splits", "name": "splits", "dataType": "cr:Split",
            "description": "The corpus's splits and their sample counts.",
            "key": {"@id": "splits/name"},
            "field": [
                field("splits/name", "name", "sc:Text", Some("The name of the split.")),
                field("splits/url", "url", "sc:URL", Some("The Croissant split it corresponds to.")),
                field("splits/sample_count", "sample_count", "sc:Integer", Some("Samples in the split.")),
            ],
            "data": data,
        }));
    }
    if !c.label_schema.0.is_empty() {
        let data: Vec<Value> = c
            .label_schema
            .0
            .iter()
            .map(|l| {
                json!({"labels/name": l.name, "labels/label": l.label, "labels/description": l.description,
                       "labels/count": l.count})
            })
            .collect();
        let types: Vec<&str> = c.annotation_types.0.iter().map(|t| t.as_str()).collect();
        sets.push(json!({
            "@type": "cr:RecordSet", "@id": "labels", "name": "labels", "dataType": "sc:Enumeration",
            "description": format!("The label schema ({}).", types.join(", ")),
            "key": {"@id": "labels/name"},
            "field": [
                field("labels/name", "name", "sc:Text", Some("Machine name of the label.")),
                field("labels/label", "label", "sc:Text", Some("Chinese label.")),
                field("labels/description", "description", "sc:Text", None),
                field("labels/count", "count", "sc:Integer", Some("Annotations carrying the label, where known.")),
            ],
            "data": data,
        }));
    }
    let items = &d.listing.data_items.0;
    let table = files.iter().find(|f| matches!(f.format.as_str(), "CSV" | "JSONL" | "NDJSON"));
    if let (Some(file), false) = (table, items.is_empty()) {
        let fields: Vec<Value> = items.iter().map(|i| sample_field(i, &file_id(file))).collect();
        let file_name = file.file_name.clone().unwrap_or_else(|| file.name.clone());
        sets.push(json!({
            "@type": "cr:RecordSet", "@id": "samples", "name": "samples",
            "description": format!("Samples as stored in {file_name}."),
            "field": fields,
        }));
    }
    sets
}

fn sample_field(item: &DataItem, file: &str) -> Value {
    let description = match (&item.description, &item.unit) {
        (Some(d), Some(u)) => Some(format!("{} — {d} ({u})", item.label)),
        (Some(d), None) => Some(format!("{} — {d}", item.label)),
        (None, Some(u)) => Some(format!("{} ({u})", item.label)),
        (None, None) => Some(item.label.clone()),
    };
    let mut f = field(&format!("samples/{}", item.name), &item.name, data_type(item.data_type), description.as_deref());
    f["source"] = json!({"fileObject": {"@id": file}, "extract": {"column": item.name}});
    f
}
