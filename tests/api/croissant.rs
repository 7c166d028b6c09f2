//! The exports: Croissant JSON-LD of corpora (files with the stored file's
//! SHA-256 and size only where anyone may download, splits, labels, RAI
//! fields) and schema.org `Dataset` JSON-LD of datasets and corpora. The
//! reference validator runs on every demo corpus in `.ci/croissant-check`.

use serde_json::{Value, json};
use sha2::Digest;

use crate::helpers::*;

const SAMPLE: &[u8] = b"sample_id,value,label\nS1,12.5,positive\nS2,3.0,negative\n";

async fn bureau() -> (TestApp, Session) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-env").await;
    let publisher = app.publisher(&admin, &b).await;
    (app, publisher)
}

fn record_set<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["recordSet"]
        .as_array()
        .and_then(|sets| sets.iter().find(|s| s["@id"] == id))
        .unwrap_or_else(|| panic!("no record set {id}: {doc}"))
}

#[actix_web::test]
async fn croissant_describes_an_open_corpus_and_its_files() {
    let (app, env) = bureau().await;
    app.quick_dataset(&env, dataset_body("sh-air", "空气质量小时数据", "unconditional")).await;
    let (corpus, file) = app
        .corpus_with_file(
            &env,
            corpus_body("sh-air-series", "空气质量序列", "sensor", "unconditional", &["sh-air"]),
            SAMPLE,
        )
        .await;
    let r = app.get("/api/v1/corpora/sh-air-series/croissant", None).await.expect(200);
    assert_eq!(r.content_type(), "application/ld+json");
    let doc = r.json();
    assert_eq!(doc["@type"], "sc:Dataset");
    assert_eq!(doc["conformsTo"], "http://mlcommons.org/croissant/1.1");
    assert_eq!(doc["@context"]["cr"], "http://mlcommons.org/croissant/");
    assert_eq!(doc["@context"]["rai"], "http://mlcommons.org/croissant/RAI/");
    assert_eq!(doc["name"]["zh"], "空气质量序列");
    assert_eq!(doc["name"]["en"], "Test sensor corpus");
    assert_eq!(doc["license"], "https://spdx.org/licenses/CC-BY-4.0.html");
    assert_eq!(doc["identifier"], corpus["id"]);
    assert!(doc["url"].as_str().unwrap().ends_with("/api/v1/corpora/sh-air-series"));
    assert_eq!(doc["inLanguage"], json!(["zh-CN"]));
    assert_eq!(doc["isBasedOn"][0]["identifier"], corpus["derived_from"][0]["id"]);
    assert_eq!(doc["variableMeasured"][0]["unitText"], "μg/m³");
    assert!(doc["spatialCoverage"]["geo"]["box"].is_string());

    // The one hosted file, with the stored file's digest and size.
    let files = doc["distribution"].as_array().unwrap();
    assert_eq!(files.len(), 1, "the external API distribution is not a FileObject");
    let f = &files[0];
    assert_eq!(f["@type"], "cr:FileObject");
    assert_eq!(f["sha256"], file["sha256"]);
    assert_eq!(f["sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(SAMPLE)));
    assert_eq!(f["contentSize"], format!("{} B", SAMPLE.len()));
    assert_eq!(f["encodingFormat"], "text/csv");
    let url = f["contentUrl"].as_str().unwrap();
    let path = &url[url.find("/api/v1/").unwrap()..];
    assert_eq!(app.get(path, None).await.expect(200).body, SAMPLE, "the contentUrl downloads the file");

    // Splits, labels and the samples' fields.
    let splits = record_set(&doc, "splits");
    assert_eq!(splits["dataType"], "cr:Split");
    let data = splits["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(data[0]["splits/name"], "train");
    assert_eq!(data[0]["splits/url"], "cr:TrainingSplit");
    assert_eq!(data[0]["splits/sample_count"], 800);
    let labels = record_set(&doc, "labels");
    assert_eq!(labels["data"][0]["labels/name"], "positive");
    assert_eq!(labels["data"][1]["labels/count"], Value::Null, "every column in every row");
    let samples = record_set(&doc, "samples");
    let fields = samples["field"].as_array().unwrap();
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[1]["dataType"], "sc:Float");
    assert_eq!(fields[1]["source"]["fileObject"]["@id"], f["@id"]);
    assert_eq!(fields[1]["source"]["extract"]["column"], "value");

    // The datasheet as RAI fields.
    for key in [
        "rai:dataCollection",
        "rai:dataCollectionTimeFrame",
        "rai:dataPreprocessingProtocol",
        "rai:dataAnnotationProtocol",
        "rai:personalSensitiveInformation",
        "rai:dataBiases",
        "rai:dataLimitations",
        "rai:dataUseCases",
        "rai:dataReleaseMaintenancePlan",
    ] {
        assert!(doc.get(key).is_some(), "{key} missing");
    }
    assert_eq!(doc["rai:dataCollection"], "自动采集 (automatic collection)");
    assert_eq!(doc["rai:dataLimitations"], json!(["仅覆盖上海"]));
    assert_eq!(doc["rai:dataUseCases"], json!(["模型训练", "Out of scope: 身份识别"]));
    assert_eq!(doc["rai:dataCollectionTimeFrame"], json!(["2024-01-01", "2024-12-31"]));
}

#[actix_web::test]
async fn a_conditional_corpus_states_its_conditions_without_download_urls() {
    let (app, env) = bureau().await;
    let (corpus, _) =
        app.corpus_with_file(&env, corpus_body("sh-cond", "有条件语料", "text", "conditional", &[]), SAMPLE).await;
    let doc = app.get("/api/v1/corpora/sh-cond/croissant", None).await.expect(200).json();
    assert!(doc.get("distribution").is_none(), "{doc}");
    let conditions = doc["conditionsOfAccess"].as_str().unwrap();
    assert!(conditions.contains("/api/v1/access-requests"), "{conditions}");
    assert!(conditions.contains("含个人信息"), "the reason is stated: {conditions}");
    let text = doc.to_string();
    assert!(!text.contains("/file"), "no download URL: {text}");
    assert!(!text.contains(corpus["distributions"][0]["id"].as_str().unwrap()));
    // Splits and labels still describe the corpus; there is no loadable samples set.
    record_set(&doc, "splits");
    record_set(&doc, "labels");
    assert!(doc["recordSet"].as_array().unwrap().iter().all(|s| s["@id"] != "samples"));
    // Its publisher sees no download URL either: files are listed only where anyone may fetch them.
    let own = app.get("/api/v1/corpora/sh-cond/croissant", Some(&env.token)).await.expect(200).json();
    assert!(own.get("distribution").is_none());
}

#[actix_web::test]
async fn drafts_are_exported_to_their_bureau_only_and_datasets_have_no_croissant() {
    let (app, env) = bureau().await;
    app.create_corpus(&env, corpus_body("sh-draft", "草稿", "geo", "unconditional", &[])).await;
    app.get("/api/v1/corpora/sh-draft/croissant", None).await.problem(404);
    app.get("/api/v1/corpora/sh-draft/schema-org", None).await.problem(404);
    let doc = app.get("/api/v1/corpora/sh-draft/croissant", Some(&env.token)).await.expect(200).json();
    assert!(doc["conditionsOfAccess"].as_str().unwrap().starts_with("Draft"));
    assert_eq!(doc["spatialCoverage"]["additionalProperty"][0]["value"], "EPSG:4490");
    app.quick_dataset(&env, dataset_body("sh-ds", "数据集", "unconditional")).await;
    app.get("/api/v1/corpora/sh-ds/croissant", None).await.problem(404);
    app.get("/api/v1/corpora/no-such/croissant", None).await.problem(404);
}

/// A structural JSON-LD check: keys are keywords or terms, `@type` and `@id`
/// are strings, no nulls.
fn assert_json_ld(v: &Value, at: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                assert!(!k.is_empty() && !k.contains(' '), "{at}: bad key {k:?}");
                if k.starts_with('@') {
                    assert!(["@context", "@type", "@id", "@language", "@value"].contains(&k.as_str()), "{at}: {k}");
                }
                if k == "@type" || k == "@id" {
                    assert!(x.is_string(), "{at}.{k} must be a string");
                }
                assert_json_ld(x, &format!("{at}.{k}"));
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| assert_json_ld(x, &format!("{at}[{i}]"))),
        Value::Null => panic!("{at} is null"),
        _ => {}
    }
}

#[actix_web::test]
async fn schema_org_json_ld_for_datasets_and_corpora() {
    let (app, env) = bureau().await;
    let (ds, file) = app.published_dataset(&env, "sh-air", "空气质量小时数据", "unconditional").await;
    app.quick_corpus(&env, corpus_body("sh-air-series", "空气质量序列", "sensor", "unconditional", &["sh-air"])).await;

    let r = app.get("/api/v1/datasets/sh-air/schema-org", None).await.expect(200);
    assert_eq!(r.content_type(), "application/ld+json");
    let doc = r.json();
    assert_json_ld(&doc, "dataset");
    assert_eq!(doc["@context"], "https://schema.org/");
    assert_eq!(doc["@type"], "Dataset");
    assert_eq!(doc["name"], "空气质量小时数据");
    assert_eq!(doc["identifier"], ds["id"]);
    assert!(doc["description"].as_str().unwrap().contains("空气质量小时数据"));
    assert_eq!(doc["license"], "https://spdx.org/licenses/CC-BY-4.0.html");
    assert_eq!(doc["creator"]["@type"], "GovernmentOrganization");
    let downloads = doc["distribution"].as_array().unwrap();
    assert_eq!(downloads[0]["@type"], "DataDownload");
    assert_eq!(downloads[0]["sha256"], file["sha256"]);
    assert_eq!(doc["variableMeasured"][0]["name"], "code");

    let doc = app.get("/api/v1/corpora/sh-air-series/schema-org", None).await.expect(200).json();
    assert_json_ld(&doc, "corpus");
    assert_eq!(doc["@type"], "Dataset");
    assert_eq!(doc["isBasedOn"][0]["name"], "空气质量小时数据");
    assert_eq!(doc["inLanguage"], json!(["zh-CN"]));
    assert_eq!(doc["measurementTechnique"], json!(["β射线颗粒物监测仪"]));
    assert!(doc["conditionsOfAccess"].as_str().unwrap().contains("unconditional"));

    // A conditional dataset lists no downloads.
    app.published_dataset(&env, "sh-cond", "有条件数据", "conditional").await;
    let doc = app.get("/api/v1/datasets/sh-cond/schema-org", None).await.expect(200).json();
    assert_json_ld(&doc, "conditional");
    assert!(doc.get("distribution").is_none());
    assert!(doc["conditionsOfAccess"].as_str().unwrap().contains("access-requests"));
}

#[actix_web::test]
async fn every_demo_corpus_exports_croissant_with_splits_labels_and_rai() {
    let app = TestApp::spawn().await;
    let summary = datagate::demo::load(&app.state).await.expect("demo loads");
    assert!(summary.corpora >= 4, "{summary:?}");
    let all = app.get("/api/v1/corpora?limit=100", None).await.expect(200).json();
    let modalities: Vec<&str> =
        all["facets"]["modality"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    for m in ["text", "image", "sensor", "geo"] {
        assert!(modalities.contains(&m), "{m} missing from {modalities:?}");
    }
    for item in all["items"].as_array().unwrap() {
        let name = item["name"].as_str().unwrap();
        assert_eq!(item["status"], "published", "{name}");
        let c = app.get(&format!("/api/v1/corpora/{name}"), None).await.expect(200).json();
        assert!(!c["derived_from"].as_array().unwrap().is_empty(), "{name} has lineage");
        assert!(c["distributions"].as_array().unwrap().iter().any(|d| d["kind"] == "file"), "{name} has a sample");
        let doc = app.get(&format!("/api/v1/corpora/{name}/croissant"), None).await.expect(200).json();
        record_set(&doc, "splits");
        assert!(doc.get("rai:dataLimitations").is_some(), "{name}");
        if item["open_condition"] == "unconditional" {
            let f = &doc["distribution"][0];
            let d = c["distributions"].as_array().unwrap().iter().find(|d| d["kind"] == "file").unwrap();
            assert_eq!(f["sha256"], d["sha256"], "{name}");
            assert_eq!(f["contentSize"], format!("{} B", d["byte_size"]), "{name}");
            record_set(&doc, "samples");
        } else {
            assert!(doc.get("distribution").is_none(), "{name}");
        }
        let dataset = c["derived_from"][0]["name"].as_str().unwrap();
        let ds = app.get(&format!("/api/v1/datasets/{dataset}"), None).await.expect(200).json();
        assert!(ds["derived_corpora"].as_array().unwrap().iter().any(|x| x["name"] == name), "{dataset} → {name}");
    }
    let map = app.get("/api/v1/corpora?modality=geo&q=%E5%AE%A1%E5%9B%BE%E5%8F%B7", None).await.json();
    assert!(map["total"].as_i64().unwrap() >= 1, "the map product is found by 审图号");
}
