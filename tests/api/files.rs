//! Hosted files: streamed uploads that become visible only when whole,
//! downloads with ETag and Range, and the open condition at the door.

use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use serde_json::json;
use sha2::Digest;

use crate::helpers::*;

async fn edu_world(app: &TestApp) -> (Session, Session) {
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    (admin, edu)
}

#[actix_web::test]
async fn an_unconditional_file_downloads_whole_and_in_ranges() {
    let app = TestApp::spawn().await;
    let (_, edu) = edu_world(&app).await;
    let content: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
    app.create_dataset(&edu, dataset_body("sh-edu-big", "大文件", "unconditional")).await;
    let d = app.add_file(&edu, "sh-edu-big", &content).await;
    let sha = hex::encode(sha2::Sha256::digest(&content));
    assert_eq!(d["sha256"], sha.as_str());
    assert_eq!(d["byte_size"], content.len());
    app.post("/api/v1/datasets/sh-edu-big/publish", Some(&edu.token), json!({})).await.expect(200);
    let url = format!("/api/v1/distributions/{}/file", d["id"].as_str().unwrap());
    assert_eq!(d["download_url"], url.as_str());

    let r = app.get(&url, None).await.expect(200);
    assert_eq!(r.body, content);
    assert_eq!(r.header("etag").unwrap(), format!("\"{sha}\""));
    assert_eq!(r.header("content-length").unwrap(), content.len().to_string());
    assert_eq!(r.header("accept-ranges").as_deref(), Some("bytes"));
    assert_eq!(r.content_type(), "text/csv");
    assert!(r.header("content-disposition").unwrap().contains("data.csv"));

    let r = app.call_with("GET", &url, None, &[("Range", "bytes=10-19")], None).await.expect(206);
    assert_eq!(r.body, content[10..20]);
    assert_eq!(r.header("content-range").unwrap(), format!("bytes 10-19/{}", content.len()));
    let r = app.call_with("GET", &url, None, &[("Range", "bytes=-5")], None).await.expect(206);
    assert_eq!(r.body, content[content.len() - 5..]);
    let r = app.call_with("GET", &url, None, &[("Range", "bytes=399990-")], None).await.expect(206);
    assert_eq!(r.body, content[399_990..]);
    let r = app.call_with("GET", &url, None, &[("Range", &format!("bytes={}-", content.len()))], None).await;
    assert_eq!(r.header("content-range").unwrap(), format!("bytes */{}", content.len()));
    r.problem(416);
    // If-Range with a stale ETag sends the whole file.
    let r =
        app.call_with("GET", &url, None, &[("Range", "bytes=0-0"), ("If-Range", "\"old\"")], None).await.expect(200);
    assert_eq!(r.body.len(), content.len());
    app.call_with("GET", &url, None, &[("If-None-Match", &format!("\"{sha}\""))], None).await.expect(304);
    let r = app.call("HEAD", &url, None, None).await.expect(200);
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-length").unwrap(), content.len().to_string());
}

#[actix_web::test]
async fn conditional_not_open_withdrawn_and_draft_files_are_refused_with_reasons() {
    let app = TestApp::spawn().await;
    let (admin, edu) = edu_world(&app).await;
    let enterprise = app.verified_enterprise(&admin, "甲公司").await;
    let (_, cond) = app.published_dataset(&edu, "sh-edu-cond", "有条件", "conditional").await;
    let (_, closed) = app.published_dataset(&edu, "sh-edu-closed", "非开放", "not_open").await;
    let (_, gone) = app.published_dataset(&edu, "sh-edu-gone", "撤回", "unconditional").await;
    app.post("/api/v1/datasets/sh-edu-gone/withdraw", Some(&edu.token), json!({"reason": "过期"})).await.expect(200);
    app.create_dataset(&edu, dataset_body("sh-edu-wip", "草稿", "unconditional")).await;
    let draft = app.add_file(&edu, "sh-edu-wip", b"draft bytes").await;
    let file = |d: &serde_json::Value| format!("/api/v1/distributions/{}/file", d["id"].as_str().unwrap());

    for token in [None, Some(enterprise.token.as_str())] {
        let p = app.get(&file(&cond), token).await.problem(403);
        assert_eq!(p["type"], "/problems/grant-required");
        assert!(p["detail"].as_str().unwrap().contains("access-requests"));
        let p = app.get(&file(&closed), token).await.problem(403);
        assert_eq!(p["type"], "/problems/not-open");
        let p = app.get(&file(&gone), token).await.problem(410);
        assert!(p["detail"].as_str().unwrap().contains("过期"));
        app.get(&file(&draft), token).await.problem(404);
    }
    // The owning bureau may check its own files, whatever their condition.
    assert_eq!(app.get(&file(&draft), Some(&edu.token)).await.expect(200).body, b"draft bytes");
    app.get(&file(&cond), Some(&edu.token)).await.expect(200);
}

#[actix_web::test]
async fn an_upload_over_the_limit_is_413_and_leaves_nothing() {
    let app = TestApp::spawn_with(|c| c.upload_limit = 1000).await;
    let (_, edu) = edu_world(&app).await;
    app.create_dataset(&edu, dataset_body("sh-edu-limit", "限额", "unconditional")).await;
    let d = app
        .post("/api/v1/datasets/sh-edu-limit/distributions", Some(&edu.token), json!({"name": "f", "format": "CSV"}))
        .await
        .expect(201)
        .json();
    let path = format!("/api/v1/distributions/{}/file", d["id"].as_str().unwrap());
    let auth = format!("Bearer {}", edu.token);
    app.raw("PUT", &path, &[("Authorization", &auth)], vec![7u8; 1001]).await.problem(413);
    // Also when the length is not declared up front (a chunked stream).
    let chunks = stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 400]))));
    let res = app.server.put(&path).insert_header(("Authorization", auth.clone())).send_stream(chunks).await;
    if let Ok(mut res) = res {
        assert_eq!(res.status().as_u16(), 413);
        let _ = res.body().await;
    }
    let d = app.get(&format!("/api/v1/distributions/{}", d["id"].as_str().unwrap()), Some(&edu.token)).await.json();
    assert_eq!(d["sha256"], json!(null));
    assert_eq!(staged_files(&app), 0);
}

fn staged_files(app: &TestApp) -> usize {
    let dir = app.state.config.data_dir.join("files").join("staging");
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[actix_web::test]
async fn an_interrupted_upload_leaves_nothing_visible_and_keeps_the_previous_file() {
    let app = TestApp::spawn().await;
    let (_, edu) = edu_world(&app).await;
    app.create_dataset(&edu, dataset_body("sh-edu-cut", "中断", "unconditional")).await;
    let first = app.add_file(&edu, "sh-edu-cut", b"the first, complete file").await;
    let id = first["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/distributions/{id}/file");

    // A body that breaks off after 3 MB.
    let chunks = stream::iter((0..4).map(|i| {
        if i < 3 { Ok(Bytes::from(vec![b'x'; 1024 * 1024])) } else { Err(std::io::Error::other("client died")) }
    }));
    let res = app
        .server
        .put(&path)
        .insert_header(("Authorization", format!("Bearer {}", edu.token)))
        .insert_header(("Content-Length", (8 * 1024 * 1024).to_string()))
        .send_stream(chunks)
        .await;
    assert!(res.is_err() || !res.unwrap().status().is_success(), "an interrupted upload never succeeds");

    // The server notices the broken body and aborts; wait until the staging
    // area has stayed empty for a second (it may not have started yet).
    let mut empty_for = 0;
    for _ in 0..100 {
        if staged_files(&app) == 0 {
            empty_for += 1;
            if empty_for >= 10 {
                break;
            }
        } else {
            empty_for = 0;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(staged_files(&app), 0, "the partial upload was removed");
    let d = app.get(&format!("/api/v1/distributions/{id}"), Some(&edu.token)).await.json();
    assert_eq!(d["sha256"], first["sha256"], "the previous file is still the visible one");
    assert_eq!(app.get(&path, Some(&edu.token)).await.expect(200).body, b"the first, complete file");
    let revs = app.get("/api/v1/datasets/sh-edu-cut/revisions", Some(&edu.token)).await.json();
    let uploads = revs["items"].as_array().unwrap().iter().filter(|r| r["action"] == "distribution.upload").count();
    assert_eq!(uploads, 1, "no revision for the broken upload");
}

#[actix_web::test]
async fn external_distributions_have_no_file_and_bad_distribution_input_is_refused() {
    let app = TestApp::spawn().await;
    let (_, edu) = edu_world(&app).await;
    app.create_dataset(&edu, dataset_body("sh-edu-ext", "接口", "unconditional")).await;
    let path = "/api/v1/datasets/sh-edu-ext/distributions";
    let ext = app
        .post(
            path,
            Some(&edu.token),
            json!({"name": "接口", "format": "API", "access_url": "https://data.sh.gov.cn/api/x"}),
        )
        .await
        .expect(201)
        .json();
    assert_eq!(ext["kind"], "external");
    assert_eq!(ext["media_type"], "application/json");
    let file = format!("/api/v1/distributions/{}/file", ext["id"].as_str().unwrap());
    app.raw("PUT", &file, &[("Authorization", &format!("Bearer {}", edu.token))], b"x".to_vec()).await.problem(409);
    let p = app.get(&file, Some(&edu.token)).await.problem(404);
    assert_eq!(p["context"]["access_url"], "https://data.sh.gov.cn/api/x");
    for (body, field) in [
        (json!({"name": "x", "format": "CSV", "access_url": "ftp://x"}), "access_url"),
        (json!({"name": "x", "format": "C S V"}), "format"),
        (json!({"name": "", "format": "CSV"}), "name"),
        (json!({"name": "x", "format": "CSV", "media_type": "csv"}), "media_type"),
        (json!({"name": "x", "format": "CSV", "size": 3}), "size"),
    ] {
        let p = app.post(path, Some(&edu.token), body).await.problem(422);
        assert_eq!(p["errors"][0]["field"], field);
    }
    let p = app
        .call(
            "PATCH",
            &format!("/api/v1/distributions/{}", ext["id"].as_str().unwrap()),
            Some(&edu.token),
            Some(json!({"access_url": null})),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "access_url");
    app.get("/api/v1/distributions/00000000-0000-7000-8000-000000000000", None).await.problem(404);
    let bad_name = app
        .raw(
            "PUT",
            &format!("{file}?file_name=a%2Fb"),
            &[("Authorization", &format!("Bearer {}", edu.token))],
            b"x".to_vec(),
        )
        .await;
    bad_name.problem(422);
}
