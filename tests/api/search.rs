//! Finding datasets: Chinese and English full-text search ranked by
//! relevance, filters, facets that add up, and cursor paging that stays
//! stable while others publish.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::*;

fn body(name: &str, title: &str, title_en: &str, summary: &str, domain: &str, keywords: &[&str]) -> Value {
    let mut b = dataset_body(name, title, "unconditional");
    b["title_en"] = json!(title_en);
    b["summary"] = json!(summary);
    b["domain"] = json!(domain);
    b["keywords"] = json!(keywords);
    b
}

async fn catalogue() -> (TestApp, Session, Session) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let edu_b = app.bureau(&admin, "sh-edu").await;
    let health_b = app.bureau(&admin, "sh-health").await;
    let edu = app.publisher(&admin, &edu_b).await;
    let health = app.publisher(&admin, &health_b).await;
    app.quick_dataset(
        &edu,
        body(
            "schools",
            "上海市中小学校名录",
            "Directory of schools",
            "全市中小学校的名称和地址。",
            "education",
            &["学校"],
        ),
    )
    .await;
    app.quick_dataset(
        &edu,
        body(
            "edu-funding",
            "教育经费统计",
            "Education funding statistics",
            "各区教育经费投入情况。",
            "education",
            &["经费"],
        ),
    )
    .await;
    app.quick_dataset(
        &edu,
        body("libraries", "公共图书馆名录", "Public libraries", "图书馆也承担社会教育职能。", "culture", &["图书馆"]),
    )
    .await;
    app.quick_dataset(
        &health,
        body(
            "hospitals",
            "上海市医疗机构名录",
            "Directory of hospitals and clinics",
            "全市医疗机构的基本信息。",
            "healthcare",
            &["医疗机构"],
        ),
    )
    .await;
    app.quick_dataset(
        &health,
        body(
            "outpatients",
            "三级医院门诊量统计",
            "Outpatient visits of tertiary hospitals",
            "按月统计三级医院门诊人次。",
            "healthcare",
            &["门诊", "医院"],
        ),
    )
    .await;
    app.quick_dataset(
        &health,
        body("scenic", "A级旅游景区名录", "Scenic areas", "全市A级旅游景区。", "tourism", &["景区"]),
    )
    .await;
    (app, edu, health)
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect()
}

#[actix_web::test]
async fn chinese_two_character_words_find_and_rank_sensibly() {
    let (app, _, _) = catalogue().await;
    let r = app.get(&format!("/api/v1/datasets?q={}", q("教育")), None).await.expect(200).json();
    let found = names(&r);
    assert_eq!(found.len(), 2, "{found:?}");
    // A title match ranks above a match in the summary only.
    assert_eq!(found, vec!["edu-funding", "libraries"]);
    assert!(r["items"][0]["score"].as_f64().unwrap() > r["items"][1]["score"].as_f64().unwrap());

    let found = names(&app.get(&format!("/api/v1/datasets?q={}", q("医院")), None).await.json());
    assert_eq!(found, vec!["outpatients"]);
    let found = names(&app.get(&format!("/api/v1/datasets?q={}", q("景区")), None).await.json());
    assert_eq!(found, vec!["scenic"]);
    // A word inside a longer compound is found (中小学校 → 学校).
    let found = names(&app.get(&format!("/api/v1/datasets?q={}", q("学校")), None).await.json());
    assert_eq!(found, vec!["schools"]);
    // No hits is an empty page, not an error.
    let none = app.get(&format!("/api/v1/datasets?q={}", q("火星")), None).await.expect(200).json();
    assert_eq!(none["total"], 0);
    let stop = app.get(&format!("/api/v1/datasets?q={}", q("的")), None).await.expect(200).json();
    assert_eq!(stop["total"], 0);
}

#[actix_web::test]
async fn english_words_are_stemmed_and_mixed_queries_need_every_word() {
    let (app, _, _) = catalogue().await;
    let found = names(&app.get("/api/v1/datasets?q=hospital", None).await.json());
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.contains(&"hospitals".to_string()) && found.contains(&"outpatients".to_string()));
    let found = names(&app.get("/api/v1/datasets?q=Hospitals", None).await.json());
    assert_eq!(found.len(), 2);
    let found = names(&app.get(&format!("/api/v1/datasets?q={}", q("医院 outpatient")), None).await.json());
    assert_eq!(found, vec!["outpatients"]);
    let found = names(&app.get(&format!("/api/v1/datasets?q={}", q("教育 statistics")), None).await.json());
    assert_eq!(found, vec!["edu-funding"]);
}

#[actix_web::test]
async fn filters_narrow_and_facets_add_up() {
    let (app, edu, health) = catalogue().await;
    let all = app.get("/api/v1/datasets", None).await.expect(200).json();
    assert_eq!(all["total"], 6);
    for facet in ["domain", "open_condition", "bureau"] {
        let sum: i64 = all["facets"][facet].as_array().unwrap().iter().map(|v| v["count"].as_i64().unwrap()).sum();
        assert_eq!(sum, 6, "{facet} facet adds up");
    }
    let domain = all["facets"]["domain"].as_array().unwrap();
    assert_eq!(domain[0]["value"], "education");
    assert_eq!(domain[0]["label"], "教育");
    let bureau = all["facets"]["bureau"].as_array().unwrap();
    assert!(bureau.iter().all(|b| b["label"].as_str().unwrap().starts_with("测试局")));
    assert_eq!(all["facets"]["format"], json!([{"value": "API", "count": 6}]));

    let health_only = app.get(&format!("/api/v1/datasets?bureau={}", health.org_id), None).await.json();
    assert_eq!(health_only["total"], 3);
    let d = app.get("/api/v1/datasets?domain=healthcare", None).await.json();
    assert_eq!(d["total"], 2);
    // Facets follow the query and the filters.
    let r = app.get(&format!("/api/v1/datasets?q={}&domain=education", q("教育")), None).await.json();
    assert_eq!(names(&r), vec!["edu-funding"]);
    assert_eq!(r["facets"]["domain"], json!([{"value": "education", "label": "教育", "count": 1}]));
    assert_eq!(app.get("/api/v1/datasets?keyword=%E6%99%AF%E5%8C%BA", None).await.json()["total"], 1);
    assert_eq!(app.get("/api/v1/datasets?format=api", None).await.json()["total"], 6);
    assert_eq!(app.get("/api/v1/datasets?format=CSV", None).await.json()["total"], 0);
    assert_eq!(app.get("/api/v1/datasets?update_frequency=monthly", None).await.json()["total"], 6);
    assert_eq!(app.get("/api/v1/datasets?open_condition=conditional", None).await.json()["total"], 0);
    assert_eq!(app.get("/api/v1/datasets?licence=CC-BY-4.0", None).await.json()["total"], 6);
    let future = (app.state.clock.now() + chrono::Duration::days(1)).to_rfc3339();
    assert_eq!(app.get(&format!("/api/v1/datasets?modified_since={}", q(&future)), None).await.json()["total"], 0);
    let p = app.get("/api/v1/datasets?open_condition=sometimes", None).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "open_condition");
    app.get("/api/v1/datasets?modified_since=yesterday", None).await.problem(422);
    let by_title = names(&app.get("/api/v1/datasets?sort=title", None).await.json());
    let mut sorted = by_title.clone();
    sorted.sort_by_key(|n| {
        let titles = [
            ("schools", "上海市中小学校名录"),
            ("edu-funding", "教育经费统计"),
            ("libraries", "公共图书馆名录"),
            ("hospitals", "上海市医疗机构名录"),
            ("outpatients", "三级医院门诊量统计"),
            ("scenic", "A级旅游景区名录"),
        ];
        titles.iter().find(|(k, _)| k == n).unwrap().1
    });
    assert_eq!(by_title, sorted);
    let _ = edu;
}

#[actix_web::test]
async fn cursor_pages_stay_stable_while_others_publish() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    for i in 0..23 {
        app.quick_dataset(
            &edu,
            body(&format!("ds-{i:02}"), &format!("数据集{i:02}"), "Dataset", "教育数据。", "education", &["教育"]),
        )
        .await;
    }
    for (order, query) in [("modified", ""), ("title", ""), ("relevance", &*format!("&q={}", q("教育")))] {
        let mut seen: Vec<String> = Vec::new();
        let first = app.get(&format!("/api/v1/datasets?limit=10&sort={order}{query}"), None).await.expect(200).json();
        assert!(first["total"].as_i64().unwrap() >= 23);
        seen.extend(names(&first));
        let mut cursor = first["next_cursor"].as_str().map(str::to_string);
        // Others publish between our page requests.
        app.quick_dataset(
            &edu,
            body(&format!("late-{order}"), "新增数据集", "Late", "教育数据。", "education", &["教育"]),
        )
        .await;
        let mut pages = 1;
        while let Some(c) = cursor {
            let page = app
                .get(&format!("/api/v1/datasets?limit=10&sort={order}{query}&cursor={c}"), None)
                .await
                .expect(200)
                .json();
            seen.extend(names(&page));
            cursor = page["next_cursor"].as_str().map(str::to_string);
            pages += 1;
        }
        assert_eq!(pages, 3, "{order}");
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{order}: no repeats");
        let originals = seen.iter().filter(|n| n.starts_with("ds-")).count();
        assert_eq!(originals, 23, "{order}: every original item exactly once: {seen:?}");
    }
    // A cursor from another list is refused cleanly.
    app.get("/api/v1/datasets?cursor=bm90LWEtY3Vyc29y", None).await.problem(422);
}

#[actix_web::test]
async fn edits_reach_the_index_and_facets() {
    let (app, edu, _) = catalogue().await;
    let etag = app.get("/api/v1/datasets/schools", None).await.header("etag").unwrap();
    app.call_with(
        "PATCH",
        "/api/v1/datasets/schools",
        Some(&edu.token),
        &[("If-Match", &etag)],
        Some(json!({"keywords": ["幼儿园"], "domain": "culture"})),
    )
    .await
    .expect(200);
    assert_eq!(names(&app.get(&format!("/api/v1/datasets?q={}", q("幼儿园")), None).await.json()), vec!["schools"]);
    assert_eq!(app.get("/api/v1/datasets?domain=culture", None).await.json()["total"], 2);
    let d = app.get("/api/v1/datasets/schools", None).await.json();
    let dist = d["distributions"][0]["id"].as_str().unwrap().to_string();
    app.call("PATCH", &format!("/api/v1/distributions/{dist}"), Some(&edu.token), Some(json!({"format": "xlsx"})))
        .await
        .expect(200);
    assert_eq!(app.get("/api/v1/datasets?format=XLSX", None).await.json()["total"], 1);
    assert_eq!(app.get("/api/v1/datasets/schools", None).await.json()["formats"], json!(["XLSX"]));
    app.delete(&format!("/api/v1/distributions/{dist}"), Some(&edu.token)).await.expect(204);
    assert_eq!(app.get("/api/v1/datasets?format=XLSX", None).await.json()["total"], 0);
    let d = app.get("/api/v1/datasets/schools", None).await.json();
    assert_eq!(d["distributions"], json!([]));
    assert_eq!(d["formats"], json!([]));
}
