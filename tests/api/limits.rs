//! Slow and abusive clients: body and header size limits, the idle timeout
//! of uploads, and the rate limits on sign-in and on grant access tokens.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::json;

use crate::fault_support::grant_world;
use crate::helpers::*;

/// Sends `head` and then `body` over a raw connection, keeps it open without
/// sending more, and returns whatever the server answers (up to `wait`).
async fn raw_exchange(addr: std::net::SocketAddr, head: String, body: Vec<u8>, wait: Duration) -> String {
    actix_web::web::block(move || {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(wait)).expect("timeout");
        s.write_all(head.as_bytes()).expect("head");
        // The server may refuse before reading everything; that is fine.
        let _ = s.write_all(&body);
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .expect("blocking")
}

/// A hosted distribution of a fresh draft dataset, and its publisher's token.
async fn hosted_distribution(app: &TestApp) -> (String, String) {
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    app.create_dataset(&edu, dataset_body("sh-edu-limits", "限额测试", "unconditional")).await;
    let d = app
        .post(
            "/api/v1/datasets/sh-edu-limits/distributions",
            Some(&edu.token),
            json!({"name": "文件", "format": "CSV"}),
        )
        .await
        .expect(201)
        .json();
    (d["id"].as_str().unwrap().to_string(), edu.token)
}

#[actix_web::test]
async fn an_upload_that_stalls_is_answered_408_and_stores_nothing() {
    let app = TestApp::spawn_with(|c| c.upload_idle_timeout = Duration::from_secs(1)).await;
    let (id, token) = hosted_distribution(&app).await;
    let head = format!(
        "PUT /api/v1/distributions/{id}/file HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\n"
    );
    let started = std::time::Instant::now();
    let answer = raw_exchange(app.server.addr(), head, vec![b'x'; 5000], Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "answer: {answer}");
    assert!(answer.contains("application/problem+json") && answer.contains("/problems/request-timeout"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(8), "answered after {:?}", started.elapsed());
    let d = app.get(&format!("/api/v1/distributions/{id}"), Some(&token)).await.expect(200).json();
    assert!(d["sha256"].is_null() && d["download_url"].is_null(), "{d}");
    let staging = app.data_dir().join("files").join("staging");
    let left: Vec<_> = std::fs::read_dir(&staging).map(|r| r.flatten().collect()).unwrap_or_default();
    assert!(left.is_empty(), "left in staging: {left:?}");
}

#[actix_web::test]
async fn an_upload_without_length_over_the_limit_is_413() {
    let app = TestApp::spawn_with(|c| c.upload_limit = 4096).await;
    let (id, token) = hosted_distribution(&app).await;
    let head = format!(
        "PUT /api/v1/distributions/{id}/file HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut body = Vec::new();
    for _ in 0..4 {
        body.extend_from_slice(b"800\r\n");
        body.extend_from_slice(&[b'y'; 0x800]);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_exchange(app.server.addr(), head, body, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "answer: {answer}");
    assert!(answer.contains("/problems/payload-too-large"), "{answer}");
}

#[actix_web::test]
async fn an_oversized_request_head_is_431() {
    let app = TestApp::spawn().await;
    let head = format!("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Filler: {}\r\n\r\n", "a".repeat(200_000));
    let answer = raw_exchange(app.server.addr(), head, Vec::new(), Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "answer: {answer}");
}

#[actix_web::test]
async fn sign_in_is_rate_limited_per_client_with_retry_after() {
    let app = TestApp::spawn_with(|c| c.login_rate = 3).await;
    for i in 0..3 {
        // Different accounts: the per-account throttle is not what answers here.
        app.login(&format!("nobody-{i}@example.cn"), "wrong password 123").await.problem(401);
    }
    let r = app.login("nobody-3@example.cn", "wrong password 123").await;
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let p = r.problem(429);
    assert_eq!(p["type"], "/problems/too-many-requests");
}

#[actix_web::test]
async fn access_tokens_are_rate_limited_per_credential() {
    let app = TestApp::spawn_with(|c| c.token_rate = 3).await;
    let w = grant_world(&app).await;
    let path = format!("/api/v1/grants/{}/access-tokens", w.grant_id);
    for _ in 0..3 {
        app.post(&path, Some(&w.key), json!({})).await.expect(201);
    }
    let r = app.post(&path, Some(&w.key), json!({})).await;
    assert!(r.header("retry-after").is_some(), "Retry-After missing");
    r.problem(429);
    // Another credential of the same enterprise has its own allowance.
    app.post(&path, Some(&w.owner.token), json!({})).await.expect(201);
    tokio_sleep(Duration::from_millis(1100)).await;
    app.post(&path, Some(&w.key), json!({})).await.expect(201);
}

async fn tokio_sleep(d: Duration) {
    actix_web::rt::time::sleep(d).await;
}

#[actix_web::test]
async fn a_request_head_sent_too_slowly_is_answered_408_by_the_server() {
    use crate::fault_support::Datagate;
    let app = TestApp::spawn().await;
    let dg = Datagate::start(&app.database_url(), &app.data_dir(), &[("DATAGATE_HEADER_TIMEOUT", "1")]).await;
    let addr = format!("127.0.0.1:{}", dg.port).parse().expect("addr");
    let started = std::time::Instant::now();
    let answer = raw_exchange(addr, "GET /healthz HTTP/1.1\r\nHost: local".into(), Vec::new(), Duration::from_secs(10));
    let answer = answer.await;
    assert!(answer.starts_with("HTTP/1.1 408"), "answer: {answer}");
    assert!(started.elapsed() < Duration::from_secs(5), "answered after {:?}", started.elapsed());
}
