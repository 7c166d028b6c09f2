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

/// Sends one approval; the status, or `None` if the process died first.
async fn approve(port: u16, id: String, token: String) -> Option<u16> {
    let url = format!("http://127.0.0.1:{port}/api/v1/access-requests/{id}/approve");
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    let mut res = client.post(url).bearer_auth(token).send_json(&json!({})).await.ok()?;
    res.body().await.ok()?;
    Some(res.status().as_u16())
}

/// (request id, state) of every access request, grants by request, and the
/// targets of the approval and grant-creation audit entries.
type Snapshot = (Vec<(String, String)>, Vec<(String, String)>, Vec<(String, String)>);

async fn snapshot(app: &TestApp) -> Snapshot {
    use datagate::db::schema::{access_requests as ar, audit_log as al, grants as g};
    use diesel::prelude::*;
    let db = app.state.db.clone();
    actix_web::web::block(move || {
        let mut conn = db.get().expect("connection");
        let requests = ar::table.select((ar::id, ar::state)).load::<(String, String)>(&mut *conn).expect("requests");
        let grants = g::table.select((g::request_id, g::id)).load::<(String, String)>(&mut *conn).expect("grants");
        let audit = al::table
            .filter(al::action.eq_any(["access_request.approve", "grant.create"]))
            .select((al::action, al::target_id))
            .load::<(String, String)>(&mut *conn)
            .expect("audit");
        (requests, grants, audit)
    })
    .await
    .expect("blocking")
}

/// How many requests are approved.
async fn approved(app: &TestApp) -> usize {
    let (requests, _, _) = snapshot(app).await;
    requests.iter().filter(|(_, state)| state == "approved").count()
}

#[actix_web::test]
async fn approvals_killed_at_random_moments_leave_grant_and_audit_together() {
    use rand::Rng;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    let ent = app.verified_enterprise(&admin, "上海智算未来科技有限公司").await;
    const N: usize = 24;
    for i in 0..N {
        let ds = app.quick_dataset(&edu, dataset_body(&format!("sh-edu-c{i}"), &format!("条件数据{i}"), "conditional"));
        let ds = ds.await;
        let body = crate::fault_support::request_body(&ds);
        app.post("/api/v1/access-requests", Some(&ent.token), body).await.expect(201);
    }

    let mut dg = Datagate::start(&app.database_url(), &app.data_dir(), &[]).await;
    let mut acknowledged = Vec::new();
    let (mut interrupted, mut rounds) = (0, 0);
    for round in 0..8 {
        if round > 0 {
            dg.restart().await;
        }
        let token = dg.login_as(&admin).await;
        let (requests, _, _) = snapshot(&app).await;
        let pending: Vec<String> =
            requests.into_iter().filter(|(_, state)| state == "submitted").map(|(id, _)| id).collect();
        if pending.is_empty() {
            break;
        }
        rounds += 1;
        let calls: Vec<_> = pending
            .iter()
            .map(|id| (id.clone(), actix_web::rt::spawn(approve(dg.port, id.clone(), token.clone()))))
            .collect();
        // Kill a random moment after the first approval of the round has
        // committed, while the others are in flight.
        let started = Instant::now();
        while approved(&app).await + pending.len() == N && started.elapsed() < Duration::from_secs(30) {
            actix_web::rt::time::sleep(Duration::from_millis(2)).await;
        }
        let delay = rand::thread_rng().gen_range(0..25);
        actix_web::rt::time::sleep(Duration::from_millis(delay)).await;
        dg.kill();
        for (id, call) in calls {
            match call.await.expect("task") {
                Some(200) => acknowledged.push(id),
                Some(other) => panic!("approval of {id} answered {other}"),
                None => interrupted += 1,
            }
        }
    }
    eprintln!("{rounds} rounds, {} approvals acknowledged, {interrupted} cut off by SIGKILL", acknowledged.len());
    assert!(interrupted > 0, "no approval was ever cut off: the test proved nothing");

    let (requests, grants, audit) = snapshot(&app).await;
    let has = |action: &str, target: &str| audit.iter().any(|(a, t)| a == action && t == target);
    for (id, state) in &requests {
        let grant = grants.iter().find(|(r, _)| r == id).map(|(_, g)| g);
        match (state.as_str(), grant) {
            ("approved", Some(g)) => {
                assert!(has("access_request.approve", id), "approved {id} without its audit entry");
                assert!(has("grant.create", g), "grant {g} without its audit entry");
            }
            ("submitted", None) => {
                assert!(!has("access_request.approve", id), "audit of an approval that is not there")
            }
            other => panic!("request {id}: state and grant disagree: {other:?}"),
        }
    }
    for id in &acknowledged {
        assert!(requests.iter().any(|(r, s)| r == id && s == "approved"), "acknowledged approval of {id} lost");
    }
    let out = run_cli(&app.database_url(), &app.data_dir(), &["audit", "verify"]).await;
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.starts_with("intact"), "audit verify: {said}");
}
