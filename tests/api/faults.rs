//! Faults survived: a datagate process killed with SIGKILL in the middle of
//! streamed uploads and of grant decisions, then restarted. Runs on SQLite
//! and, with TEST_DATABASE_URL, on PostgreSQL.

use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::fault_support::{Datagate, run_cli};
use crate::helpers::*;

/// Starts an upload of `total` bytes and sends `sent` of them; the
/// connection stays open (mid-body) as long as the returned stream lives.
async fn start_upload(port: u16, path: String, token: String, total: usize, sent: usize) -> TcpStream {
    actix_web::web::block(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let head = format!(
            "PUT {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: text/csv\r\nContent-Length: {total}\r\n\r\n"
        );
        s.write_all(head.as_bytes()).expect("head");
        let chunk = vec![b'z'; 1 << 20];
        let mut left = sent;
        while left > 0 {
            let n = left.min(chunk.len());
            s.write_all(&chunk[..n]).expect("body");
            left -= n;
        }
        s
    })
    .await
    .expect("blocking")
}

/// Bytes of the store's hidden temporary files under `staging/`.
fn staged_bytes(files: &Path) -> u64 {
    std::fs::read_dir(files.join("staging"))
        .map(|r| r.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

fn staged_count(files: &Path) -> usize {
    std::fs::read_dir(files.join("staging")).map(|r| r.flatten().count()).unwrap_or(0)
}

async fn gc(app: &TestApp, args: &[&str]) -> String {
    let mut all = vec!["storage", "gc"];
    all.extend_from_slice(args);
    let out = run_cli(&app.database_url(), &app.data_dir(), &all).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "storage gc failed: {text} {}", String::from_utf8_lossy(&out.stderr));
    text
}

#[actix_web::test]
async fn a_process_killed_mid_upload_leaves_no_file_and_gc_removes_the_leftovers() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    app.create_dataset(&edu, dataset_body("sh-edu-crash", "崩溃测试", "unconditional")).await;
    let v1 = b"code\nv1\n";
    let with_file = app.add_file(&edu, "sh-edu-crash", v1).await;
    let a = with_file["id"].as_str().unwrap().to_string();
    let empty = app
        .post("/api/v1/datasets/sh-edu-crash/distributions", Some(&edu.token), json!({"name": "空", "format": "CSV"}))
        .await
        .expect(201)
        .json();
    let b_id = empty["id"].as_str().unwrap().to_string();

    let mut dg = Datagate::start(&app.database_url(), &app.data_dir(), &[]).await;
    let token = dg.login(&edu.email).await;
    let files = app.data_dir().join("files");
    // Two uploads of 64 MiB, each killed after 20 MiB: past the first 8 MiB
    // part, so the store has written a partial file for each.
    let total = 64 << 20;
    let _ua = start_upload(dg.port, format!("/api/v1/distributions/{a}/file"), token.clone(), total, 20 << 20).await;
    let _ub = start_upload(dg.port, format!("/api/v1/distributions/{b_id}/file"), token, total, 20 << 20).await;
    let waited = Instant::now();
    while staged_bytes(&files) < 2 * (8 << 20) && waited.elapsed() < Duration::from_secs(30) {
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(staged_bytes(&files) >= 2 * (8 << 20), "the uploads never reached the store");
    dg.kill();
    assert_eq!(staged_count(&files), 2, "one partial file per interrupted upload");

    dg.restart().await;
    let token = dg.login(&edu.email).await;
    let da = dg.call("GET", &format!("/api/v1/distributions/{a}"), Some(&token), None).await.expect(200).json();
    assert_eq!(da["sha256"], with_file["sha256"], "the previous file is still the distribution's file");
    let got = dg.call("GET", &format!("/api/v1/distributions/{a}/file"), Some(&token), None).await.expect(200);
    assert_eq!(got.body, v1, "and it downloads intact");
    let db = dg.call("GET", &format!("/api/v1/distributions/{b_id}"), Some(&token), None).await.expect(200).json();
    assert!(db["sha256"].is_null() && db["byte_size"].is_null() && db["download_url"].is_null(), "{db}");
    dg.call("GET", &format!("/api/v1/distributions/{b_id}/file"), Some(&token), None).await.problem(404);

    // The dry run reports, the default minimum age protects uploads in
    // flight, and --delete removes.
    let dry = gc(&app, &["--min-age", "0"]).await;
    assert!(dry.contains("2 partial upload(s)") && dry.contains("removed 0") && dry.contains("dry run"), "{dry}");
    assert_eq!(staged_count(&files), 2);
    let young = gc(&app, &["--delete"]).await;
    assert!(young.contains("removed 0"), "{young}");
    let swept = gc(&app, &["--delete", "--min-age", "0"]).await;
    assert!(swept.contains("2 partial upload(s)") && swept.contains("removed 2"), "{swept}");
    assert_eq!(staged_count(&files), 0);
    let clean = gc(&app, &["--min-age", "0"]).await;
    assert!(clean.contains("0 partial upload(s)") && clean.contains("0 unreferenced"), "{clean}");

    // Replacing the file leaves the old one unreferenced: reported, and
    // removed only on request; the current file stays.
    app.raw(
        "PUT",
        &format!("/api/v1/distributions/{a}/file"),
        &[("Authorization", &format!("Bearer {}", edu.token)), ("Content-Type", "text/csv")],
        b"code\nv2\n".to_vec(),
    )
    .await
    .expect(200);
    let report = gc(&app, &["--delete", "--min-age", "0"]).await;
    assert!(report.contains("1 unreferenced file(s)") && report.contains("removed 0"), "{report}");
    let removed = gc(&app, &["--delete-unreferenced", "--min-age", "0"]).await;
    assert!(removed.contains("removed 1"), "{removed}");
    let got = dg.call("GET", &format!("/api/v1/distributions/{a}/file"), Some(&token), None).await.expect(200);
    assert_eq!(got.body, b"code\nv2\n");
}
