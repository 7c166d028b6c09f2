//! The vocabularies the export speaks and the EU controlled vocabularies
//! datagate's values map to (data themes, frequencies, access rights, file
//! types, languages).

use crate::listings::{OpenCondition, UpdateFrequency};

pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
pub const DCT: &str = "http://purl.org/dc/terms/";
pub const DCATAP: &str = "http://data.europa.eu/r5r/";
pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";
pub const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
pub const SPDX: &str = "http://spdx.org/rdf/terms#";
pub const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
pub const PROV: &str = "http://www.w3.org/ns/prov#";
pub const LOCN: &str = "http://www.w3.org/ns/locn#";
pub const GSP: &str = "http://www.opengis.net/ont/geosparql#";
pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

/// The prefixes every serialisation declares.
pub const PREFIXES: &[(&str, &str)] = &[
    ("dcat", DCAT),
    ("dct", DCT),
    ("dcatap", DCATAP),
    ("foaf", FOAF),
    ("vcard", VCARD),
    ("skos", SKOS),
    ("spdx", SPDX),
    ("hydra", HYDRA),
    ("prov", PROV),
    ("locn", LOCN),
    ("gsp", GSP),
    ("rdf", RDF),
    ("xsd", XSD),
];

const EU: &str = "http://publications.europa.eu/resource/authority/";

pub const DATA_THEME_SCHEME: &str = "http://publications.europa.eu/resource/authority/data-theme";

/// An EU authority-table concept: its IRI, its scheme and English label.
#[derive(Debug, Clone)]
pub struct EuConcept {
    pub iri: String,
    pub scheme: String,
    pub label: &'static str,
}

fn eu(table: &str, code: &str, label: &'static str) -> EuConcept {
    EuConcept { iri: format!("{EU}{table}/{code}"), scheme: format!("{EU}{table}"), label }
}

/// The EU data theme of a code from the domains table (`EDUC`, `HEAL`, …).
pub fn data_theme(code: &str) -> Option<EuConcept> {
    let label = match code {
        "AGRI" => "Agriculture, fisheries, forestry and food",
        "ECON" => "Economy and finance",
        "EDUC" => "Education, culture and sport",
        "ENER" => "Energy",
        "ENVI" => "Environment",
        "GOVE" => "Government and public sector",
        "HEAL" => "Health",
        "INTR" => "International issues",
        "JUST" => "Justice, legal system and public safety",
        "REGI" => "Regions and cities",
        "SOCI" => "Population and society",
        "TECH" => "Science and technology",
        "TRAN" => "Transport",
        "OP_DATPRO" => "Provisional data",
        _ => return None,
    };
    Some(eu("data-theme", code, label))
}

/// The EU frequency of an update frequency.
pub fn frequency(f: UpdateFrequency) -> EuConcept {
    match f {
        UpdateFrequency::Realtime => eu("frequency", "UPDATE_CONT", "continuously updated"),
        UpdateFrequency::Daily => eu("frequency", "DAILY", "daily"),
        UpdateFrequency::Weekly => eu("frequency", "WEEKLY", "weekly"),
        UpdateFrequency::Monthly => eu("frequency", "MONTHLY", "monthly"),
        UpdateFrequency::Quarterly => eu("frequency", "QUARTERLY", "quarterly"),
        UpdateFrequency::Yearly => eu("frequency", "ANNUAL", "annual"),
        UpdateFrequency::Irregular => eu("frequency", "IRREG", "irregular"),
    }
}

/// The EU access right of an open condition.
pub fn access_right(c: OpenCondition) -> EuConcept {
    match c {
        OpenCondition::Unconditional => eu("access-right", "PUBLIC", "public"),
        OpenCondition::Conditional => eu("access-right", "RESTRICTED", "restricted"),
        OpenCondition::NotOpen => eu("access-right", "NON_PUBLIC", "non-public"),
    }
}

/// The EU file type of a distribution format, where there is one.
pub fn file_type(format: &str) -> Option<EuConcept> {
    let f = format.trim().to_uppercase();
    let label = match f.as_str() {
        "CSV" => "CSV",
        "JSON" => "JSON",
        "XML" => "XML",
        "XLSX" => "XLSX",
        "XLS" => "XLS",
        "PDF" => "PDF",
        "ZIP" => "ZIP",
        "GEOJSON" => "GeoJSON",
        "SHP" => "SHP",
        "PARQUET" => "Parquet",
        "TXT" => "TXT",
        "JPEG" => "JPEG",
        "PNG" => "PNG",
        "TIFF" => "TIFF",
        "HTML" => "HTML",
        "JSON_LD" | "JSONLD" => "JSON-LD",
        _ => return None,
    };
    let code = if f == "JSONLD" { "JSON_LD".to_string() } else { f };
    Some(EuConcept { iri: format!("{EU}file-type/{code}"), scheme: format!("{EU}file-type"), label })
}

/// The EU language of an ISO 639-1 code, for the languages corpora name.
pub fn language(code: &str) -> Option<EuConcept> {
    let primary = code.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    Some(match primary.as_str() {
        "zh" => eu("language", "ZHO", "Chinese"),
        "en" => eu("language", "ENG", "English"),
        "ja" => eu("language", "JPN", "Japanese"),
        "ko" => eu("language", "KOR", "Korean"),
        "fr" => eu("language", "FRA", "French"),
        "de" => eu("language", "DEU", "German"),
        "es" => eu("language", "SPA", "Spanish"),
        "ru" => eu("language", "RUS", "Russian"),
        _ => return None,
    })
}

/// The availability every distribution datagate keeps has.
pub fn stable_availability() -> EuConcept {
    eu("planned-availability", "STABLE", "stable")
}

/// The title of an EU authority table, for its `skos:ConceptScheme`.
pub fn scheme_title(scheme: &str) -> &'static str {
    match scheme.rsplit('/').next().unwrap_or_default() {
        "data-theme" => "Data theme",
        "frequency" => "Frequency",
        "access-right" => "Access right",
        "file-type" => "File type",
        "language" => "Language",
        "planned-availability" => "Planned availability",
        _ => "EU controlled vocabulary",
    }
}
