//! The cache of public catalogue reads: an instance sees its own changes at
//! once, another instance's after it observes the catalogue generation, and
//! a cached detail answers 304 without touching the database.

use std::sync::Arc;

use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn an_instance_never_serves_a_page_older_than_its_own_writes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    app.quick_dataset(&edu, dataset_body("first", "第一个", "unconditional")).await;
    assert_eq!(app.get("/api/v1/datasets", None).await.json()["total"], 1);
    assert_eq!(app.get("/api/v1/datasets/first", None).await.json()["title"], "第一个");
    // A change through this instance shows at once, in lists and details.
    app.quick_dataset(&edu, dataset_body("second", "第二个", "unconditional")).await;
    assert_eq!(app.get("/api/v1/datasets", None).await.json()["total"], 2);
    let etag = app.get("/api/v1/datasets/first", None).await.header("etag").unwrap();
    app.call_with(
        "PATCH",
        "/api/v1/datasets/first",
        Some(&edu.token),
        &[("If-Match", &etag)],
        Some(json!({"title": "改名"})),
    )
    .await
    .expect(200);
    let fresh = app.get("/api/v1/datasets/first", None).await;
    assert_eq!(fresh.json()["title"], "改名");
    assert_ne!(fresh.header("etag").unwrap(), etag);
    app.call_with("GET", "/api/v1/datasets/first", None, &[("If-None-Match", &etag)], None).await.expect(200);
}

#[actix_web::test]
async fn another_instance_follows_once_it_observes_the_generation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    app.quick_dataset(&edu, dataset_body("first", "第一个", "unconditional")).await;

    // A second instance on the same database, with its own cache.
    let config = (*app.state.config).clone();
    let db = datagate::db::Db::new(
        app.state.db.url().clone(),
        &datagate::db::PoolSettings { max_size: 4, connect_timeout: config.db_timeout },
    )
    .unwrap();
    let keys = datagate::auth::keys::TokenKeys::generate().unwrap();
    let other = actix_web::web::Data::new(
        datagate::app::AppState::new(db, config, keys, datagate::clock::SharedClock(Arc::new(app.clock.clone())))
            .unwrap(),
    );
    let spec = datagate::app::Spec::build();
    let state = other.clone();
    let server = actix_test::start(move || datagate::app::build(state.clone(), spec.clone()));
    let total = |server: &actix_test::TestServer| {
        let req = server.get("/api/v1/datasets");
        async move {
            let mut r = req.send().await.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
            v["total"].as_i64().unwrap()
        }
    };
    assert_eq!(total(&server).await, 1);
    // A change through the first instance: the second still has its cached page…
    app.quick_dataset(&edu, dataset_body("second", "第二个", "unconditional")).await;
    assert_eq!(total(&server).await, 1, "served from the other instance's cache");
    // …until it reads the catalogue generation, as `serve`'s poller does.
    let g = other.db.run(datagate::listings::cache::stored_generation).await.unwrap();
    other.cache.observe(g);
    assert_eq!(total(&server).await, 2);
}

#[actix_web::test]
async fn without_the_cache_every_read_is_fresh() {
    let app = TestApp::spawn_with(|c| c.cache_refresh = std::time::Duration::ZERO).await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    app.quick_dataset(&edu, dataset_body("first", "第一个", "unconditional")).await;
    assert_eq!(app.get("/api/v1/datasets", None).await.json()["total"], 1);
    let etag = app.get("/api/v1/datasets/first", None).await.header("etag").unwrap();
    app.call_with("GET", "/api/v1/datasets/first", None, &[("If-None-Match", &etag)], None).await.expect(304);
}

#[actix_web::test]
async fn totals_and_facets_are_shared_by_every_page_and_follow_writes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    for i in 0..3 {
        app.quick_dataset(&edu, dataset_body(&format!("set-{i}"), "教育数据", "unconditional")).await;
    }
    let first = app.get("/api/v1/datasets?limit=1", None).await.expect(200).json();
    assert_eq!(first["total"], 3);
    assert_eq!(first["facets"]["open_condition"][0]["count"], 3);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second = app.get(&format!("/api/v1/datasets?limit=1&cursor={cursor}"), None).await.expect(200).json();
    assert_eq!((second["total"].clone(), second["facets"].clone()), (first["total"].clone(), first["facets"].clone()));
    assert_ne!(second["items"][0]["name"], first["items"][0]["name"]);

    // A new listing: the next page of the same walk counts it.
    app.quick_dataset(&edu, dataset_body("set-new", "教育数据", "conditional")).await;
    let again = app.get(&format!("/api/v1/datasets?limit=1&cursor={cursor}"), None).await.expect(200).json();
    assert_eq!(again["total"], 4);
    let conditions: Vec<&str> =
        again["facets"]["open_condition"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    assert!(conditions.contains(&"conditional"), "{conditions:?}");
}
