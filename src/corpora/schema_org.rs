//! schema.org `Dataset` JSON-LD for datasets and corpora (what search
//! engines and dataset search read), and the pieces the Croissant export
//! shares with it.

use actix_web::HttpResponse;
use actix_web::http::header;
use serde_json::{Map, Value, json};

use super::croissant::{self, CorpusDoc};
use super::model::{self, DatasetHead};
use super::types::ModalitySections;
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::DbConn;
use crate::db::types::utc;
use crate::distributions::download::check_download;
use crate::distributions::{DistributionRow, model as dist_model};
use crate::error::{AppError, AppResult};
use crate::listings::search::Visibility;
use crate::listings::service::kind_name;
use crate::listings::types::BureauRef;
use crate::listings::{Listing, ListingKind, model as listing_model};

pub const LD_JSON: &str = "application/ld+json";

/// Licences with an SPDX identifier, as their SPDX URL; others as given.
/// (`licence_link` gives a URL for every licence.)
pub fn licence_url(licence: &str) -> String {
    const SPDX: &[&str] = &[
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-ND-4.0",
        "CC0-1.0",
        "ODbL-1.0",
        "ODC-By-1.0",
        "PDDL-1.0",
        "MIT",
        "Apache-2.0",
    ];
    match SPDX.iter().find(|id| id.eq_ignore_ascii_case(licence)) {
        Some(id) => format!("https://spdx.org/licenses/{id}.html"),
        None => licence.to_string(),
    }
}

/// A listing's page on the portal (what people and search engines land on).
pub fn landing_page(base_url: &str, kind: ListingKind, name: &str) -> String {
    let name: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    match kind {
        ListingKind::Dataset => format!("{base_url}/datasets/{name}"),
        ListingKind::Corpus => format!("{base_url}/corpora/{name}"),
    }
}

/// A licence as a URL: an SPDX licence's page, a licence given as an
/// http(s) URL as is, else the terms on the listing's page (`#terms`),
/// which name the licence and carry its text.
pub fn licence_link(licence: &str, landing: &str) -> String {
    let url = licence_url(licence);
    if url.starts_with("https://") || url.starts_with("http://") { url } else { format!("{landing}#terms") }
}

/// A language map of Chinese text and its optional English version.
pub fn lang_map(zh: &str, en: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("zh".into(), json!(zh));
    if let Some(en) = en {
        m.insert("en".into(), json!(en));
    }
    Value::Object(m)
}

/// The owning bureau in Croissant, whose context makes `name` a language map.
pub fn organisation(b: &BureauRef) -> Value {
    json!({"@type": "sc:Organization", "name": lang_map(&b.name, b.name_en.as_deref())})
}

/// The owning bureau in plain schema.org.
fn government_organisation(b: &BureauRef) -> Value {
    let mut o = json!({"@type": "GovernmentOrganization", "name": b.name});
    if let Some(en) = &b.name_en {
        o["alternateName"] = json!(en);
    }
    o
}

/// `start/end` (ISO 8601 interval; `..` for an open end).
pub fn temporal_coverage(l: &Listing) -> Option<String> {
    match (l.temporal_start, l.temporal_end) {
        (None, None) => None,
        (a, b) => Some(format!(
            "{}/{}",
            a.map(|d| d.to_string()).unwrap_or_else(|| "..".into()),
            b.map(|d| d.to_string()).unwrap_or_else(|| "..".into())
        )),
    }
}

/// The area covered, with the box of a geo or sensor corpus and a map's CRS,
/// scale and review number. `prefix` is `sc:` inside Croissant.
pub fn spatial_coverage(l: &Listing, sections: &ModalitySections, prefix: &str) -> Option<Value> {
    let geo = sections.geo.as_ref();
    let bbox = geo.and_then(|g| g.bbox).or_else(|| sections.sensor.as_ref().and_then(|s| s.spatial_extent));
    if l.spatial_coverage.is_none() && bbox.is_none() {
        return None;
    }
    let mut place = json!({"@type": format!("{prefix}Place")});
    if let Some(name) = &l.spatial_coverage {
        place["name"] = json!(name);
    }
    if let Some(b) = bbox {
        // schema.org boxes are "south west north east".
        place["geo"] = json!({"@type": format!("{prefix}GeoShape"),
                              "box": format!("{} {} {} {}", b.south, b.west, b.north, b.east)});
    }
    let mut props = Vec::new();
    let ty = format!("{prefix}PropertyValue");
    let prop =
        |id: &str, name: &str, value: Value| json!({"@type": ty, "propertyID": id, "name": name, "value": value});
    if let Some(g) = geo {
        if let Some(crs) = g.crs.as_deref().and_then(|c| super::crs::parse(c).ok()) {
            let mut p = prop("crs", "coordinate reference system", json!(crs.id()));
            p["description"] = json!(crs.name());
            if let Some(uri) = crs.uri() {
                p["url"] = json!(uri);
            }
            props.push(p);
        }
        if let Some(n) = g.scale_denominator {
            props.push(prop("scale_denominator", "map scale 1:N", json!(n)));
        }
        if let Some(r) = g.ground_resolution_m {
            props.push(prop("ground_resolution_m", "ground resolution (metres per pixel)", json!(r)));
        }
        if let Some(r) = &g.review_number {
            props.push(prop("map_review_number", "审图号 (map review number)", json!(r)));
        }
    }
    if !props.is_empty() {
        place["additionalProperty"] = json!(props);
    }
    Some(place)
}

/// What a schema.org document is made from.
pub struct ListingDoc<'a> {
    pub listing: &'a Listing,
    pub bureau: &'a BureauRef,
    pub distributions: &'a [DistributionRow],
    pub open_files: bool,
    pub base_url: &'a str,
    /// For corpora: its row and the sources the reader may see.
    pub corpus: Option<(&'a model::CorpusRow, &'a [DatasetHead])>,
    pub access: String,
}

/// The schema.org `Dataset` document of a dataset or corpus.
pub fn document(d: &ListingDoc) -> Value {
    let l = d.listing;
    let path = match l.kind {
        ListingKind::Dataset => "datasets",
        ListingKind::Corpus => "corpora",
    };
    // The landing page is the dataset's address for search engines; the API's
    // JSON and the other exports are linked from it.
    let url = landing_page(d.base_url, l.kind, &l.name);
    let mut doc = Map::new();
    doc.insert("@context".into(), json!("https://schema.org/"));
    doc.insert("@type".into(), json!("Dataset"));
    doc.insert("@id".into(), json!(url));
    doc.insert("name".into(), json!(l.title));
    let mut alternate = vec![l.name.clone()];
    alternate.extend(l.title_en.clone());
    doc.insert("alternateName".into(), json!(alternate));
    let description = match (&l.summary, &l.summary_en) {
        (Some(zh), Some(en)) => Some(format!("{zh}\n\n{en}")),
        (Some(zh), None) => Some(zh.clone()),
        (None, en) => en.clone(),
    };
    if let Some(text) = description {
        doc.insert("description".into(), json!(text));
    }
    doc.insert("url".into(), json!(url));
    doc.insert("identifier".into(), json!(l.id.to_string()));
    if !l.keywords.0.is_empty() {
        doc.insert("keywords".into(), json!(l.keywords.0));
    }
    if let Some(licence) = &l.licence {
        doc.insert("license".into(), json!(licence_link(licence, &url)));
    }
    // Free to everyone only without conditions; a conditional listing needs a
    // grant, a not-open one is not handed out.
    let free = l.open_condition == crate::listings::OpenCondition::Unconditional;
    doc.insert("isAccessibleForFree".into(), json!(free));
    doc.insert("conditionsOfAccess".into(), json!(d.access));
    doc.insert("creator".into(), government_organisation(d.bureau));
    doc.insert("publisher".into(), government_organisation(d.bureau));
    doc.insert("dateCreated".into(), json!(utc(l.created_at)));
    doc.insert("dateModified".into(), json!(utc(l.modified_at)));
    if let Some(p) = l.published_at {
        doc.insert("datePublished".into(), json!(utc(p)));
    }
    doc.insert("version".into(), json!(l.version.to_string()));
    if let Some(t) = temporal_coverage(l) {
        doc.insert("temporalCoverage".into(), json!(t));
    }
    let sections = d.corpus.map(|(c, _)| c.details.0.clone()).unwrap_or_default();
    if let Some(place) = spatial_coverage(l, &sections, "") {
        doc.insert("spatialCoverage".into(), place);
    }
    let variables: Vec<Value> = l
        .data_items
        .0
        .iter()
        .map(|i| {
            let mut v = json!({"@type": "PropertyValue", "name": i.name, "alternateName": i.label});
            if let Some(desc) = &i.description {
                v["description"] = json!(desc);
            }
            if let Some(unit) = &i.unit {
                v["unitText"] = json!(unit);
            }
            v
        })
        .collect();
    if !variables.is_empty() {
        doc.insert("variableMeasured".into(), json!(variables));
    }
    if let Some((c, sources)) = d.corpus {
        if !c.languages.0.is_empty() {
            doc.insert("inLanguage".into(), json!(c.languages.0));
        }
        if let Some(s) = sections.sensor.as_ref().filter(|s| !s.sensor_types.is_empty()) {
            doc.insert("measurementTechnique".into(), json!(s.sensor_types));
        }
        let based: Vec<Value> = sources
            .iter()
            .map(|s| {
                let url = landing_page(d.base_url, ListingKind::Dataset, &s.name);
                json!({"@type": "Dataset", "name": s.title, "url": url})
            })
            .collect();
        if !based.is_empty() {
            doc.insert("isBasedOn".into(), json!(based));
        }
    }
    let downloads: Vec<Value> =
        if d.open_files { d.distributions.iter().filter_map(|f| download(d, f)).collect() } else { Vec::new() };
    if !downloads.is_empty() {
        doc.insert("distribution".into(), json!(downloads));
    }
    let catalogue = match l.kind {
        ListingKind::Dataset => "公共数据资源开放清单 (open list of public data)",
        ListingKind::Corpus => "训练语料目录 (training-corpus catalogue)",
    };
    let catalogue_url = format!("{}/{path}", d.base_url);
    doc.insert(
        "includedInDataCatalog".into(),
        json!({"@type": "DataCatalog", "name": catalogue, "url": catalogue_url}),
    );
    Value::Object(doc)
}

fn download(d: &ListingDoc, f: &DistributionRow) -> Option<Value> {
    let content_url = match (&f.access_url, &f.sha256) {
        (Some(url), _) => url.clone(),
        (None, Some(_)) => format!("{}/api/v1/distributions/{}/file", d.base_url, f.id),
        (None, None) => return None,
    };
    let mut o =
        json!({"@type": "DataDownload", "name": f.name, "encodingFormat": f.media_type, "contentUrl": content_url});
    if let Some(n) = f.byte_size {
        o["contentSize"] = json!(format!("{n} B"));
    }
    if let Some(sha) = &f.sha256 {
        o["sha256"] = json!(sha);
    }
    Some(o)
}

/// Which export of a listing to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    SchemaOrg,
    Croissant,
}

/// Loads a listing as the caller may see it and renders an export of it.
pub fn render(
    conn: &mut DbConn,
    caller: Option<&Caller>,
    kind: ListingKind,
    key: &str,
    export: Export,
    base_url: &str,
) -> AppResult<Value> {
    let visibility = Visibility::of(caller);
    let l = listing_model::find(conn, kind, key)?
        .filter(|l| visibility.sees(l.status, l.bureau_id))
        .ok_or_else(|| AppError::not_found(kind_name(kind)))?;
    let bureau = listing_model::bureau_ref(conn, l.bureau_id)?;
    let distributions = dist_model::of_listing(conn, l.id)?;
    // Files are listed only where anyone, not just this caller, may download them.
    let open_files = check_download(None, &l).is_ok();
    if kind == ListingKind::Dataset {
        if export == Export::Croissant {
            return Err(AppError::not_found("corpus"));
        }
        return Ok(document(&ListingDoc {
            listing: &l,
            bureau: &bureau,
            distributions: &distributions,
            open_files,
            base_url,
            corpus: None,
            access: dataset_access(&l, base_url),
        }));
    }
    let row = model::get(conn, l.id)?;
    let sources: Vec<DatasetHead> =
        model::sources_of(conn, l.id)?.into_iter().filter(|s| visibility.sees(s.status, s.bureau_id)).collect();
    let terms = listing_model::terms(conn, l.id, l.terms_version)?;
    let cdoc = CorpusDoc {
        listing: &l,
        corpus: &row,
        bureau: &bureau,
        terms: terms.as_ref(),
        distributions: &distributions,
        sources: &sources,
        open_files,
        base_url,
    };
    Ok(match export {
        Export::Croissant => croissant::document(&cdoc),
        Export::SchemaOrg => document(&ListingDoc {
            listing: &l,
            bureau: &bureau,
            distributions: &distributions,
            open_files,
            base_url,
            corpus: Some((&row, &sources)),
            access: croissant::access_conditions(&cdoc),
        }),
    })
}

fn dataset_access(l: &Listing, base_url: &str) -> String {
    let zh = crate::listings::openlist::open_condition_zh(l.open_condition);
    match l.open_condition {
        crate::listings::OpenCondition::Unconditional => format!("{zh} (unconditional): anyone may download."),
        crate::listings::OpenCondition::Conditional => format!(
            "{zh} (conditional): a verified AI enterprise applies with POST {base_url}/api/v1/access-requests and \
             downloads under its grant."
        ),
        crate::listings::OpenCondition::NotOpen => format!("{zh} (not open): listed for transparency only."),
    }
}

/// Answers an export as JSON-LD.
pub async fn respond(
    state: &AppState,
    caller: Option<Caller>,
    kind: ListingKind,
    key: String,
    export: Export,
) -> AppResult<HttpResponse> {
    let base = state.config.public_url.trim_end_matches('/').to_string();
    let doc = state.db.run(move |conn| render(conn, caller.as_ref(), kind, &key, export, &base)).await?;
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(HttpResponse::Ok().content_type(LD_JSON).insert_header((header::CACHE_CONTROL, "no-cache")).body(body))
}
