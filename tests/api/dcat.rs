//! The DCAT-AP export: the three serialisations parse and describe one
//! graph, negotiation, Hydra paging, per-listing exports, and conditional
//! data never carrying a download URL.

use oxrdf::{Graph, NamedNodeRef, TermRef};
use oxrdfio::{JsonLdProfileSet, RdfFormat, RdfParser};
use serde_json::json;

use crate::helpers::*;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

fn format_of(content_type: &str) -> RdfFormat {
    match content_type.split(';').next().unwrap_or_default() {
        "application/ld+json" => RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() },
        "text/turtle" => RdfFormat::Turtle,
        "application/rdf+xml" => RdfFormat::RdfXml,
        other => panic!("not an RDF content type: {other}"),
    }
}

/// Parses a response with the RDF library's own parser.
fn graph(r: &Resp) -> Graph {
    let mut g = Graph::new();
    for quad in RdfParser::from_format(format_of(&r.content_type())).for_slice(&r.body) {
        let quad = quad.unwrap_or_else(|e| panic!("unparsable RDF ({e}): {}", String::from_utf8_lossy(&r.body)));
        g.insert(quad.as_ref());
    }
    g
}

fn objects(g: &Graph, subject: &str, predicate: &str) -> Vec<String> {
    g.objects_for_subject_predicate(NamedNodeRef::new_unchecked(subject), NamedNodeRef::new_unchecked(predicate))
        .map(|o| match o {
            TermRef::NamedNode(n) => n.as_str().to_string(),
            TermRef::Literal(l) => l.value().to_string(),
            other => other.to_string(),
        })
        .collect()
}

fn subjects_of_type(g: &Graph, class: &str) -> Vec<String> {
    g.subjects_for_predicate_object(NamedNodeRef::new_unchecked(RDF_TYPE), NamedNodeRef::new_unchecked(class))
        .map(|s| s.to_string().trim_matches(['<', '>']).to_string())
        .collect()
}

struct Fixture {
    app: TestApp,
    publisher: Session,
    open: serde_json::Value,
    conditional: serde_json::Value,
    conditional_file: serde_json::Value,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, &format!("dc-{}", short_id())).await;
    let publisher = app.publisher(&admin, &bureau).await;
    let (open, _) = app.published_dataset(&publisher, "dc-air-quality", "空气质量", "unconditional").await;
    let (conditional, conditional_file) =
        app.published_dataset(&publisher, "dc-patient-visits", "门诊就诊记录", "conditional").await;
    app.create_dataset(&publisher, dataset_body("dc-draft", "草稿", "unconditional")).await;
    Fixture { app, publisher, open, conditional, conditional_file }
}

fn iri(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.state.config.public_url.trim_end_matches('/'))
}

#[actix_web::test]
async fn the_three_serialisations_parse_and_describe_the_same_graph() {
    let f = fixture().await;
    f.app
        .quick_corpus(
            &f.publisher,
            corpus_body("dc-map-corpus", "地图语料", "geo", "unconditional", &["dc-air-quality"]),
        )
        .await;
    let mut graphs = Vec::new();
    for (ext, ctype) in [("jsonld", "application/ld+json"), ("ttl", "text/turtle"), ("rdf", "application/rdf+xml")] {
        // The explicit forms parse too (their page links name their own form).
        let r = f.app.get(&format!("/api/v1/catalog.{ext}"), None).await.expect(200);
        assert_eq!(r.content_type(), ctype);
        assert!(graph(&r).len() > 100);
        let r = f.app.call_with("GET", "/api/v1/catalog", None, &[("Accept", ctype)], None).await.expect(200);
        assert_eq!(r.content_type(), ctype);
        graphs.push(graph(&r));
    }
    assert!(graphs[0].len() > 100, "a catalogue of three listings has more than {} triples", graphs[0].len());
    assert_eq!(graphs[0].len(), graphs[1].len());
    assert_eq!(graphs[1].len(), graphs[2].len());
    assert!(graphs[0] == graphs[1], "JSON-LD and Turtle describe different graphs");
    assert!(graphs[1] == graphs[2], "Turtle and RDF/XML describe different graphs");
    let g = &graphs[0];
    let catalog = iri(&f.app, "/api/v1/catalog");
    let datasets = objects(g, &catalog, &format!("{DCAT}dataset"));
    assert_eq!(datasets.len(), 3, "published only: {datasets:?}");
    let open = iri(&f.app, &format!("/api/v1/datasets/{}", f.open["id"].as_str().unwrap()));
    assert!(datasets.contains(&open));
    assert!(datasets.iter().any(|d| d.contains("/api/v1/corpora/")), "corpora are datasets too: {datasets:?}");
    let titles = objects(g, &open, "http://purl.org/dc/terms/title");
    assert!(titles.contains(&"空气质量".to_string()) && titles.contains(&"Test dataset".to_string()), "{titles:?}");
    let themes = objects(g, &open, &format!("{DCAT}theme"));
    assert!(
        themes.contains(&"http://publications.europa.eu/resource/authority/data-theme/EDUC".to_string()),
        "{themes:?}"
    );
    assert_eq!(
        objects(g, &open, "http://purl.org/dc/terms/accessRights"),
        vec!["http://publications.europa.eu/resource/authority/access-right/PUBLIC"]
    );
    assert_eq!(
        objects(g, &open, "http://purl.org/dc/terms/accrualPeriodicity"),
        vec!["http://publications.europa.eu/resource/authority/frequency/MONTHLY"]
    );
    // Without Accept: JSON-LD, the same graph.
    let plain = f.app.get("/api/v1/catalog", None).await.expect(200);
    assert!(graph(&plain) == graphs[0]);
}

#[actix_web::test]
async fn conditional_listings_never_carry_a_download_url() {
    let f = fixture().await;
    let r = f.app.get("/api/v1/catalog.ttl", None).await.expect(200);
    let g = graph(&r);
    let file_id = f.conditional_file["id"].as_str().unwrap();
    let dist = iri(&f.app, &format!("/api/v1/distributions/{file_id}"));
    assert!(objects(&g, &dist, &format!("{DCAT}downloadURL")).is_empty());
    assert_eq!(objects(&g, &dist, &format!("{DCAT}accessURL")), vec![iri(&f.app, "/api/v1/access-requests")]);
    let service = objects(&g, &dist, &format!("{DCAT}accessService"));
    assert_eq!(service, vec![iri(&f.app, "/api/v1/access-requests")]);
    assert!(subjects_of_type(&g, &format!("{DCAT}DataService")).contains(&service[0]));
    assert!(!String::from_utf8_lossy(&r.body).contains(&format!("{file_id}/file")), "the file URL leaks");
    // Its profile documents it (foaf:page, a foaf:Document).
    let profile = iri(&f.app, &format!("/api/v1/distributions/{file_id}/profile"));
    assert_eq!(objects(&g, &dist, "http://xmlns.com/foaf/0.1/page"), vec![profile.clone()]);
    assert!(subjects_of_type(&g, "http://xmlns.com/foaf/0.1/Document").contains(&profile));
    let cond = iri(&f.app, &format!("/api/v1/datasets/{}", f.conditional["id"].as_str().unwrap()));
    assert_eq!(
        objects(&g, &cond, "http://purl.org/dc/terms/accessRights"),
        vec!["http://publications.europa.eu/resource/authority/access-right/RESTRICTED"]
    );
    // The open dataset's file is downloadable, with its checksum.
    let open_dists = objects(
        &g,
        &iri(&f.app, &format!("/api/v1/datasets/{}", f.open["id"].as_str().unwrap())),
        &format!("{DCAT}distribution"),
    );
    let downloads = objects(&g, &open_dists[0], &format!("{DCAT}downloadURL"));
    assert_eq!(downloads.len(), 1);
    assert!(downloads[0].ends_with("/file"));
    assert_eq!(objects(&g, &open_dists[0], "http://spdx.org/rdf/terms#checksum").len(), 1);
    // And per listing, in every serialisation.
    for accept in ["application/ld+json", "text/turtle", "application/rdf+xml"] {
        let r = f
            .app
            .call_with("GET", "/api/v1/datasets/dc-patient-visits/dcat", None, &[("Accept", accept)], None)
            .await
            .expect(200);
        assert_eq!(r.content_type(), accept);
        let g = graph(&r);
        assert!(objects(&g, &dist, &format!("{DCAT}downloadURL")).is_empty());
        assert!(!String::from_utf8_lossy(&r.body).contains(&format!("{file_id}/file")));
    }
}

#[actix_web::test]
async fn the_catalogue_pages_with_hydra_and_filters_by_modification() {
    let f = fixture().await;
    f.app.published_dataset(&f.publisher, "dc-third", "第三个", "unconditional").await;
    let r = f.app.get("/api/v1/catalog.ttl?limit=2", None).await.expect(200);
    let g = graph(&r);
    let this = iri(&f.app, "/api/v1/catalog.ttl?page=1&limit=2");
    assert!(subjects_of_type(&g, &format!("{HYDRA}PartialCollectionView")).contains(&this));
    assert_eq!(objects(&g, &this, &format!("{HYDRA}totalItems")), vec!["3"]);
    let next = objects(&g, &this, &format!("{HYDRA}next"));
    assert_eq!(next, vec![iri(&f.app, "/api/v1/catalog.ttl?page=2&limit=2")]);
    assert_eq!(objects(&g, &this, &format!("{HYDRA}last")), next);
    assert!(objects(&g, &this, &format!("{HYDRA}previous")).is_empty());
    let catalog = iri(&f.app, "/api/v1/catalog");
    assert_eq!(objects(&g, &catalog, &format!("{DCAT}dataset")).len(), 2);
    let page2 = graph(&f.app.get("/api/v1/catalog.ttl?limit=2&page=2", None).await.expect(200));
    assert_eq!(objects(&page2, &catalog, &format!("{DCAT}dataset")).len(), 1);
    let this2 = iri(&f.app, "/api/v1/catalog.ttl?page=2&limit=2");
    assert!(objects(&page2, &this2, &format!("{HYDRA}next")).is_empty());
    assert_eq!(objects(&page2, &this2, &format!("{HYDRA}previous")), vec![this.clone()]);
    // Changes since a moment after everything: none.
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let none = graph(&f.app.get(&format!("/api/v1/catalog.ttl?modified_since={}", q(&later)), None).await.expect(200));
    assert!(objects(&none, &catalog, &format!("{DCAT}dataset")).is_empty());
    let earlier = "2000-01-01T00:00:00Z";
    let all = graph(&f.app.get(&format!("/api/v1/catalog.ttl?modified_since={}", q(earlier)), None).await.expect(200));
    assert_eq!(objects(&all, &catalog, &format!("{DCAT}dataset")).len(), 3);
    // Bad paging is a problem, not an empty page.
    f.app.get("/api/v1/catalog?page=0", None).await.problem(422);
    f.app.get("/api/v1/catalog?limit=5000", None).await.problem(422);
    f.app.get("/api/v1/catalog?modified_since=yesterday", None).await.problem(422);
    f.app.get("/api/v1/catalog?colour=red", None).await.problem(422);
}

#[actix_web::test]
async fn negotiation_refuses_what_it_cannot_offer() {
    let f = fixture().await;
    let r = f.app.call_with("GET", "/api/v1/catalog", None, &[("Accept", "text/html")], None).await;
    let p = r.problem(406);
    assert!(p["detail"].as_str().unwrap().contains("text/turtle"));
    let r =
        f.app.call_with("GET", "/api/v1/datasets/dc-air-quality/dcat", None, &[("Accept", "image/png")], None).await;
    r.problem(406);
    let r = f.app.get("/api/v1/catalog", None).await.expect(200);
    assert_eq!(r.content_type(), "application/ld+json");
    let r = f
        .app
        .call_with("GET", "/api/v1/catalog", None, &[("Accept", "text/turtle;q=0.4, application/rdf+xml")], None)
        .await
        .expect(200);
    assert_eq!(r.content_type(), "application/rdf+xml");
    f.app.get("/api/v1/catalog.csv", None).await.problem(404);
}

#[actix_web::test]
async fn per_listing_exports_follow_what_the_caller_may_read() {
    let f = fixture().await;
    f.app.get("/api/v1/datasets/dc-draft/dcat", None).await.problem(404);
    let own = f.app.get("/api/v1/datasets/dc-draft/dcat", Some(&f.publisher.token)).await.expect(200);
    assert!(graph(&own).len() > 10);
    f.app.get("/api/v1/corpora/dc-air-quality/dcat", None).await.problem(404);
    let corpus = f
        .app
        .quick_corpus(
            &f.publisher,
            corpus_body("dc-sensor-corpus", "传感语料", "sensor", "unconditional", &["dc-air-quality"]),
        )
        .await;
    let id = corpus["id"].as_str().unwrap();
    let g = graph(&f.app.get(&format!("/api/v1/corpora/{id}/dcat"), None).await.expect(200));
    let node = iri(&f.app, &format!("/api/v1/corpora/{id}"));
    assert!(subjects_of_type(&g, &format!("{DCAT}Dataset")).contains(&node));
    let derived = objects(&g, &node, "http://www.w3.org/ns/prov#wasDerivedFrom");
    assert_eq!(derived, vec![iri(&f.app, &format!("/api/v1/datasets/{}", f.open["id"].as_str().unwrap()))]);
    // Withdrawing takes a listing out of the catalogue.
    f.app
        .post("/api/v1/datasets/dc-air-quality/withdraw", Some(&f.publisher.token), json!({"reason": "停更"}))
        .await
        .expect(200);
    let g = graph(&f.app.get("/api/v1/catalog.ttl", None).await.expect(200));
    let listed = objects(&g, &iri(&f.app, "/api/v1/catalog"), &format!("{DCAT}dataset"));
    assert!(!listed.iter().any(|d| d.ends_with(f.open["id"].as_str().unwrap())), "{listed:?}");
}
