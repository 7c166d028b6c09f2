//! `GET /metrics`: the series exist, move with traffic, are labelled by route
//! template (never a raw path), and are readable only as configured.

use serde_json::json;

use crate::fault_support::grant_world;
use crate::helpers::*;

/// The value of the series whose line starts with `series` (name and
/// labels, exactly as rendered), or 0 when it is absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn scrape(app: &TestApp) -> String {
    let r = app.get("/metrics", None).await.expect(200);
    assert!(r.content_type().starts_with("text/plain"), "{}", r.content_type());
    String::from_utf8(r.body).expect("utf-8")
}

#[actix_web::test]
async fn metrics_count_requests_by_route_template_and_the_domain_events() {
    let app = TestApp::spawn().await;
    let w = grant_world(&app).await;
    let file = format!("/api/v1/distributions/{}/file", w.file_id);
    let before = scrape(&app).await;

    let tokens = format!("/api/v1/grants/{}/access-tokens", w.grant_id);
    let t = app.post(&tokens, Some(&w.key), json!({})).await.expect(201).json();
    let token = t["access_token"].as_str().unwrap().to_string();
    let body = app.get(&file, Some(&token)).await.expect(200).body;
    app.get("/api/v1/distributions/not-a-uuid", None).await.problem(404);
    let (_, open) = app.published_dataset(&w.edu, "sh-edu-open", "公开数据", "unconditional").await;
    let open_bytes = app.get(&format!("/api/v1/distributions/{}/file", open["id"].as_str().unwrap()), None).await;
    let open_len = open_bytes.expect(200).body.len() as f64;
    app.post(&format!("/api/v1/grants/{}/revoke", w.grant_id), Some(&w.admin.token), json!({"reason": "测试"}))
        .await
        .expect(200);

    let after = scrape(&app).await;
    let delta = |series: &str| value(&after, series) - value(&before, series);
    let file_route =
        r#"datagate_http_requests_total{method="GET",route="/api/v1/distributions/{id}/file",status="200"}"#;
    assert!(delta(file_route) >= 2.0, "file downloads by template:\n{after}");
    let token_route =
        r#"datagate_http_requests_total{method="POST",route="/api/v1/grants/{id}/access-tokens",status="201"}"#;
    assert!(delta(token_route) >= 1.0, "token issue by template");
    assert!(
        !after.contains(&w.file_id) && !after.contains(&w.grant_id),
        "a raw path (with an id) leaked into the labels"
    );
    let latency = r#"datagate_http_request_duration_seconds_count{method="GET",route="/api/v1/distributions/{id}/file",status="200"}"#;
    assert!(delta(latency) >= 2.0, "latency histogram");
    assert!(after.contains("datagate_http_request_duration_seconds_bucket{"), "histogram buckets");
    assert!(delta(r#"datagate_download_bytes_total{kind="granted"}"#) >= body.len() as f64);
    assert!(delta(r#"datagate_download_bytes_total{kind="open"}"#) >= open_len);
    assert!(delta("datagate_grants_revoked_total") >= 1.0);
    assert!(delta("datagate_access_tokens_issued_total") >= 1.0);
    // Publishing, the upload and the revocation each wrote audit entries.
    assert!(delta("datagate_audit_entries_written_total") >= 3.0);
    assert!(value(&after, "datagate_grants_issued_total") >= 1.0);
    for gauge in
        ["datagate_db_pool_connections", "datagate_db_pool_connections_in_use", "datagate_db_pool_max_connections"]
    {
        assert!(after.lines().any(|l| l.starts_with(&format!("{gauge} "))), "{gauge} missing:\n{after}");
    }
    assert!(value(&after, "datagate_db_pool_max_connections") >= 1.0);
    assert!(delta("datagate_db_pool_wait_seconds_count") >= 1.0, "pool wait histogram");
    assert!(after.contains("# TYPE datagate_http_requests_total counter"));
}

#[actix_web::test]
async fn with_a_metrics_token_configured_the_scrape_needs_it() {
    let app = TestApp::spawn_with(|c| c.metrics_token = Some("scrape-secret-1".into())).await;
    app.get("/metrics", None).await.problem(401);
    app.get("/metrics", Some("wrong")).await.problem(401);
    let r = app.get("/metrics", Some("scrape-secret-1")).await.expect(200);
    assert!(String::from_utf8_lossy(&r.body).contains("datagate_http_requests_total"));
}

#[actix_web::test]
async fn the_request_log_is_one_json_line_per_request_without_secrets() {
    use crate::fault_support::Datagate;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let dg = Datagate::start(&app.database_url(), &app.data_dir(), &[("DATAGATE_LOG_FORMAT", "json")]).await;
    let token = dg.login_as(&admin).await;
    let client = awc::Client::default();
    let mut res = client
        .get(dg.url("/api/v1/enterprises"))
        .insert_header(("X-Request-Id", "req-log-check-1"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 200);
    res.body().await.expect("body");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = dg.log_text();
    let lines: Vec<serde_json::Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(!lines.is_empty(), "no JSON lines in the log:\n{log}");
    let mine: Vec<_> = lines.iter().filter(|l| l["request_id"] == "req-log-check-1").collect();
    assert_eq!(mine.len(), 1, "one line per request:\n{log}");
    let line = mine[0];
    assert_eq!(line["message"], "request");
    assert_eq!(line["method"], "GET");
    assert_eq!(line["route"], "/api/v1/enterprises");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].as_str().is_some_and(|s| s.parse::<f64>().is_ok()), "{line}");
    assert_eq!(line["org"], admin.org_id.as_str());
    assert_eq!(line["org_kind"], "platform");
    assert_eq!(line["user"], admin.user_id.as_str());
    let sign_in = lines.iter().find(|l| l["route"] == "/api/v1/auth/token").expect("the sign-in is logged");
    assert_eq!(sign_in["status"], 200);
    assert!(!log.contains(&token), "a token reached the log");
    assert!(!log.contains(PASSWORD), "a password reached the log");
}
