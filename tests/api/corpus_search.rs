//! Finding corpora: Chinese and English search, the corpus filters (modality,
//! annotation type, language, minimum sample count), facets across corpora,
//! and cursor paging.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::*;

async fn catalogue() -> (TestApp, Session) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let tourism_b = app.bureau(&admin, "sh-tourism").await;
    let env_b = app.bureau(&admin, "sh-env").await;
    let tourism = app.publisher(&admin, &tourism_b).await;
    let env = app.publisher(&admin, &env_b).await;

    let mut images = corpus_body("scenic-images", "景区游客目标检测图像库", "image", "unconditional", &[]);
    images["title_en"] = json!("Scenic-area images with detection labels");
    images["annotation_types"] = json!(["detection_boxes"]);
    images["label_schema"] = json!([{"name": "pedestrian", "label": "行人"}, {"name": "stall", "label": "摊位"}]);
    images["sample_count"] = json!(24000);
    images["splits"] = json!([{"name": "train", "sample_count": 24000}]);
    app.quick_corpus(&tourism, images).await;

    let mut faces = corpus_body("museum-photos", "博物馆藏品图像分类库", "image", "conditional", &[]);
    faces["title_en"] = json!("Museum collection photographs");
    faces["licence"] = json!("datagate-conditional-1.0");
    app.quick_corpus(&tourism, faces).await;

    let mut texts = corpus_body("scenic-bilingual", "景区中英双语平行语料", "text", "unconditional", &[]);
    texts["title_en"] = json!("Chinese-English parallel scenic-area texts");
    texts["languages"] = json!(["zh-Hans-CN", "en-GB"]);
    texts["annotation_types"] = json!(["translation"]);
    texts["label_schema"] = json!([]);
    app.quick_corpus(&tourism, texts).await;

    let mut air = corpus_body("air-quality-series", "空气质量站点逐时序列", "sensor", "unconditional", &[]);
    air["title_en"] = json!("Hourly air-quality station series");
    air["annotation_types"] = json!(["anomaly_flags"]);
    air["label_schema"] = json!([{"name": "outlier", "label": "异常值"}]);
    air["sample_count"] = json!(2_943_360);
    air["splits"] = json!([{"name": "train", "sample_count": 2_000_000}, {"name": "test", "sample_count": 943_360}]);
    air["licence"] = json!("ODbL-1.0");
    app.quick_corpus(&env, air).await;

    let mut roads = corpus_body("road-tiles", "道路网络地图瓦片", "geo", "unconditional", &[]);
    roads["title_en"] = json!("Road-network map tiles");
    roads["annotation_types"] = json!(["segmentation"]);
    app.quick_corpus(&env, roads).await;

    // A draft and a dataset: neither is in the public corpus list.
    app.create_corpus(&env, corpus_body("draft-corpus", "草稿语料", "image", "unconditional", &[])).await;
    app.quick_dataset(&env, dataset_body("a-dataset", "景区目标检测数据集", "unconditional")).await;
    (app, tourism)
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect()
}

fn facet(page: &Value, name: &str, value: &str) -> i64 {
    page["facets"][name]
        .as_array()
        .unwrap_or_else(|| panic!("no facet {name}: {page}"))
        .iter()
        .find(|v| v["value"] == value)
        .map(|v| v["count"].as_i64().unwrap())
        .unwrap_or(0)
}

#[actix_web::test]
async fn image_corpora_with_detection_labels_are_found_in_chinese_and_english() {
    let (app, _) = catalogue().await;
    let wanted = "/api/v1/corpora?modality=image&annotation_type=detection_boxes";
    assert_eq!(names(&app.get(wanted, None).await.expect(200).json()), vec!["scenic-images"]);
    for word in ["检测", "目标检测", "detection", "行人", "pedestrian", "游客"] {
        let page = app.get(&format!("/api/v1/corpora?q={}&modality=image", q(word)), None).await.expect(200).json();
        assert_eq!(names(&page), vec!["scenic-images"], "query {word}");
        assert!(page["items"][0]["score"].as_f64().unwrap() > 0.0);
    }
    let page = app.get(&format!("/api/v1/corpora?q={}", q("空气质量")), None).await.expect(200).json();
    assert_eq!(names(&page), vec!["air-quality-series"]);
    let page = app.get("/api/v1/corpora?q=air%20quality", None).await.expect(200).json();
    assert_eq!(names(&page), vec!["air-quality-series"]);
    // Datasets are not corpora, and corpora are not datasets.
    let ds = app.get(&format!("/api/v1/datasets?q={}", q("检测")), None).await.json();
    assert_eq!(names(&ds), vec!["a-dataset"]);
}

#[actix_web::test]
async fn filters_and_facets_across_corpora() {
    let (app, tourism) = catalogue().await;
    let all = app.get("/api/v1/corpora", None).await.expect(200).json();
    assert_eq!(all["total"], 5, "drafts and datasets are not listed");
    assert_eq!(facet(&all, "modality", "image"), 2);
    assert_eq!(facet(&all, "modality", "text"), 1);
    assert_eq!(facet(&all, "modality", "sensor"), 1);
    assert_eq!(facet(&all, "modality", "geo"), 1);
    assert_eq!(facet(&all, "annotation_type", "detection_boxes"), 1);
    assert_eq!(facet(&all, "annotation_type", "classification"), 1);
    assert_eq!(facet(&all, "language", "zh"), 5);
    assert_eq!(facet(&all, "language", "en"), 1);
    assert_eq!(facet(&all, "open_condition", "unconditional"), 4);
    assert_eq!(facet(&all, "open_condition", "conditional"), 1);
    assert_eq!(facet(&all, "licence", "ODbL-1.0"), 1);
    assert_eq!(facet(&all, "licence", "CC-BY-4.0"), 3);
    assert_eq!(facet(&all, "bureau", &tourism.org_id), 3);
    let labelled = all["facets"]["bureau"].as_array().unwrap().iter().all(|b| b["label"].is_string());
    assert!(labelled, "bureau facets carry names");

    // Facets follow the filters.
    let images = app.get("/api/v1/corpora?modality=image", None).await.json();
    assert_eq!(images["total"], 2);
    assert_eq!(facet(&images, "modality", "sensor"), 0);
    assert_eq!(facet(&images, "open_condition", "conditional"), 1);

    for (query, expected) in [
        ("language=en", vec!["scenic-bilingual"]),
        ("language=en-US", vec!["scenic-bilingual"]),
        ("language=zh-CN&modality=text", vec!["scenic-bilingual"]),
        ("min_sample_count=20000", vec!["air-quality-series", "scenic-images"]),
        ("annotation_type=anomaly_flags", vec!["air-quality-series"]),
        ("open_condition=conditional", vec!["museum-photos"]),
        ("licence=ODbL-1.0", vec!["air-quality-series"]),
    ] {
        let mut got = names(&app.get(&format!("/api/v1/corpora?{query}"), None).await.expect(200).json());
        got.sort();
        assert_eq!(got, expected, "{query}");
    }
    // Anonymous callers never see drafts.
    let env_drafts = app.get("/api/v1/corpora?status=draft", None).await.json();
    assert_eq!(env_drafts["total"], 0);

    for bad in ["language=zh_CN", "modality=audio-book", "min_sample_count=-1", "annotation_type=boxes"] {
        app.get(&format!("/api/v1/corpora?{bad}"), None).await.problem(422);
    }
}

#[actix_web::test]
async fn paging_through_corpora_visits_each_once() {
    let (app, _) = catalogue().await;
    for sort in ["modified", "title"] {
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("/api/v1/corpora?limit=2&sort={sort}&cursor={c}"),
                None => format!("/api/v1/corpora?limit=2&sort={sort}"),
            };
            let page = app.get(&url, None).await.expect(200).json();
            assert_eq!(page["total"], 5);
            for n in names(&page) {
                assert!(seen.insert(n.clone()), "{n} twice ({sort})");
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 5, "{sort}");
    }
}
