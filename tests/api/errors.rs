//! Every error is RFC 9457 problem+json with the right status, and every
//! response carries a request id.

use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn malformed_json_is_400_and_wrong_content_type_415() {
    let app = TestApp::spawn().await;
    let p = app
        .raw("POST", "/api/v1/enterprises", &[("Content-Type", "application/json")], b"{\"name\": ".to_vec())
        .await
        .problem(400);
    assert!(p["detail"].as_str().unwrap().contains("malformed JSON"));
    app.raw("POST", "/api/v1/enterprises", &[("Content-Type", "text/plain")], b"{}".to_vec()).await.problem(415);
    app.raw("POST", "/api/v1/enterprises", &[], b"{}".to_vec()).await.problem(415);
    app.raw("POST", "/api/v1/enterprises", &[("Content-Type", "application/json")], vec![]).await.problem(400);
    // Trailing garbage after a valid document is malformed too.
    app.raw(
        "POST",
        "/api/v1/auth/token",
        &[("Content-Type", "application/json")],
        br#"{"email": "a@b.cn", "password": "x"} {}"#.to_vec(),
    )
    .await
    .problem(400);
}

#[actix_web::test]
async fn wrong_types_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let mut body = registration("某公司", &valid_uscc(), "o@zs.cn");
    body["contact"]["phone"] = json!(12345);
    let p = app.post("/api/v1/enterprises", None, body).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "contact.phone");
    let mut body = registration("某公司", &valid_uscc(), "o@zs.cn");
    body["owner"].as_object_mut().unwrap().remove("password");
    let p = app.post("/api/v1/enterprises", None, body).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "owner.password");
    let p = app.get("/api/v1/bureaus?limit=abc", None).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "limit");
    let p = app.get("/api/v1/bureaus?limit=1000", None).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "limit");
    let p = app.get("/api/v1/bureaus?cursor=garbage", None).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "cursor");
    let p = app.get("/api/v1/bureaus?colour=red", None).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "colour");
}

#[actix_web::test]
async fn a_body_over_the_limit_is_413() {
    let app = TestApp::spawn_with(|c| c.body_limit = 4096).await;
    let mut body = registration("某公司", &valid_uscc(), "o@zs.cn");
    body["name_en"] = json!("x".repeat(5000));
    app.post("/api/v1/enterprises", None, body).await.problem(413);
}

#[actix_web::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = TestApp::spawn().await;
    let p = app.get("/api/v1/nothing-here", None).await.problem(404);
    assert!(p["detail"].as_str().unwrap().contains("/api/v1/nothing-here"));
    let r = app.delete("/api/v1/bureaus", None).await;
    let allow = r.header("allow").expect("Allow header");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    r.problem(405);
    app.call("PUT", "/api/v1/enterprises/00000000-0000-0000-0000-000000000000/verify", None, None).await.problem(405);
    // A malformed id in a path is "not found".
    app.get("/api/v1/bureaus/not-a-uuid", None).await.problem(404);
}

#[actix_web::test]
async fn a_missing_credential_is_401_with_a_challenge() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/me", None).await;
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer realm=\"datagate\""));
    r.problem(401);
}

#[actix_web::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let r = app.raw("GET", "/healthz", &[("X-Request-Id", "trace-abc-123")], vec![]).await.expect(200);
    assert_eq!(r.header("x-request-id").as_deref(), Some("trace-abc-123"));
    let r = app.get("/api/v1/nothing", None).await;
    let generated = r.header("x-request-id").expect("generated id");
    assert_eq!(uuid::Uuid::parse_str(&generated).unwrap().get_version_num(), 4);
    // Ids with odd characters are replaced, not echoed into logs.
    let r = app.raw("GET", "/healthz", &[("X-Request-Id", "a b\"c")], vec![]).await;
    assert_ne!(r.header("x-request-id").as_deref(), Some("a b\"c"));
}

#[actix_web::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz", None).await.expect(200).json()["status"], "ok");
    assert_eq!(app.get("/readyz", None).await.expect(200).json()["status"], "ready");
}

#[actix_web::test]
async fn an_unreachable_database_is_503_with_retry_after_and_not_ready() {
    // A PostgreSQL URL where nothing listens: the service still starts and
    // answers, refusing database work with 503.
    let db = TestDb::new();
    let url = datagate::db::DbUrl::Postgres("postgres://postgres@127.0.0.1:1/none".into());
    let mut config = datagate::config::Config::for_database(url.clone(), db.data_dir());
    config.db_timeout = std::time::Duration::from_secs(1);
    let pool =
        datagate::db::Db::new(url, &datagate::db::PoolSettings { max_size: 2, connect_timeout: config.db_timeout })
            .unwrap();
    let err = pool.check_connection().unwrap_err();
    assert!(err.contains("127.0.0.1") || err.contains("connect"), "the real error is reported: {err}");
    let state = actix_web::web::Data::new(
        datagate::app::AppState::new(
            pool,
            config,
            datagate::auth::keys::TokenKeys::generate().unwrap(),
            datagate::clock::SharedClock::system(),
        )
        .unwrap(),
    );
    let spec = datagate::app::Spec::build();
    let server = actix_test::start(move || datagate::app::build(state.clone(), spec.clone()));
    let mut r = server.get("/readyz").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers().get("retry-after").is_some());
    let body: serde_json::Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    assert_eq!(body["status"], 503);
    let mut r = server.get("/api/v1/bureaus").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers().get("content-type").unwrap(), "application/problem+json");
    let body = r.body().await.unwrap();
    assert!(!String::from_utf8_lossy(&body).contains("127.0.0.1"), "no internals leak");
    assert_eq!(server.get("/healthz").send().await.unwrap().status().as_u16(), 200);
}
