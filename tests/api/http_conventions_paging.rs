//! Issue 22: `Link: rel="next"` on cursor-paged lists, and rate-limit
//! headers where a limit applies.

use serde_json::json;

use crate::helpers::*;

fn next_link(r: &Resp) -> Option<String> {
    let link = r.header("link")?;
    let (target, rel) = link.split_once(';')?;
    assert_eq!(rel.trim(), "rel=\"next\"", "{link}");
    Some(target.trim().trim_start_matches('<').trim_end_matches('>').to_string())
}

#[actix_web::test]
async fn following_link_headers_pages_through_a_list_like_next_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    for i in 0..5 {
        app.quick_dataset(&edu, dataset_body(&format!("set-{i}"), &format!("学校{i}"), "unconditional")).await;
    }
    let mut url = Some(format!("/api/v1/datasets?limit=2&q={}", q("学校")));
    let mut names = Vec::new();
    let mut pages = 0;
    while let Some(u) = url {
        let r = app.get(&u, None).await.expect(200);
        let body = r.json();
        names.extend(body["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()));
        url = next_link(&r);
        match (&url, body["next_cursor"].as_str()) {
            (Some(link), Some(cursor)) => {
                assert!(link.contains(&format!("cursor={cursor}")), "{link}");
                assert!(link.contains("limit=2") && link.contains("q="), "the query is kept: {link}");
            }
            (None, None) => {}
            other => panic!("Link and next_cursor disagree: {other:?}"),
        }
        pages += 1;
    }
    assert_eq!(pages, 3);
    names.sort();
    assert_eq!(names, ["set-0", "set-1", "set-2", "set-3", "set-4"]);
    // A credentialed list pages the same way.
    let r = app.get("/api/v1/audit?limit=1", Some(&admin.token)).await.expect(200);
    assert!(next_link(&r).is_some_and(|l| l.starts_with("/api/v1/audit?limit=1&cursor=")));
    // HEAD carries the Link too.
    let h = app.call("HEAD", "/api/v1/datasets?limit=2", None, None).await.expect(200);
    assert!(next_link(&h).is_some());
}

fn field(header: &str, key: &str) -> u64 {
    header
        .split(';')
        .find_map(|p| p.trim().strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key} in {header}"))
}

#[actix_web::test]
async fn rate_limited_operations_report_their_limit_and_429_says_when_to_retry() {
    let app = TestApp::spawn_with(|c| c.login_rate = 3).await;
    let body = json!({"email": "nobody@example.com", "password": "not-the-password"});
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = app.post("/api/v1/auth/token", None, body.clone()).await.expect(401);
        assert_eq!(r.header("ratelimit-policy").as_deref(), Some("\"sign-in\";q=3;w=60"));
        let state = r.header("ratelimit").unwrap();
        assert!(state.starts_with("\"sign-in\";"), "{state}");
        remaining.push(field(&state, "r"));
        assert!(field(&state, "t") <= 60);
    }
    assert_eq!(remaining, [2, 1, 0]);
    let r = app.post("/api/v1/auth/token", None, body.clone()).await.expect(429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "one of three a minute comes back within 20 s: {retry}");
    let state = r.header("ratelimit").unwrap();
    assert_eq!(field(&state, "r"), 0);
    assert_eq!(field(&state, "t"), retry);
    // Registration and reads without a limit say nothing about one.
    let reg = app
        .post("/api/v1/enterprises", None, registration("模型公司", &valid_uscc(), "owner@model.example.com"))
        .await
        .expect(201);
    assert!(reg.header("ratelimit-policy").is_some_and(|p| p.starts_with("\"registration\";")));
    assert!(app.get("/api/v1/datasets", None).await.header("ratelimit").is_none());
}
