//! Issue 22: HEAD on every GET — the GET's status and headers, no body —
//! including file downloads, and in the OpenAPI document.

use serde_json::Value;

use crate::helpers::*;

/// Every GET of the contract whose path has no parameter answers HEAD with
/// the GET's status, content type and validators, and no body.
#[actix_web::test]
async fn every_get_without_parameters_answers_head_like_get() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    app.quick_dataset(&edu, dataset_body("schools", "学校名录", "unconditional")).await;
    let api = serde_json::to_value(datagate::app::openapi()).unwrap();
    let mut checked = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        if path.contains('{') || item.get("get").is_none() {
            continue;
        }
        assert!(item.get("head").is_some(), "{path}: GET without HEAD in the document");
        for token in [None, Some(edu.token.as_str())] {
            let identity = [("Accept-Encoding", "identity")];
            let get = app.call_with("GET", path, token, &identity, None).await;
            let head = app.call_with("HEAD", path, token, &identity, None).await;
            let who = if token.is_some() { "publisher" } else { "anonymous" };
            assert_eq!(head.status, get.status, "HEAD {path} as {who}");
            assert!(head.body.is_empty(), "HEAD {path} as {who} sent a body");
            for h in ["content-type", "cache-control", "vary", "access-control-allow-origin"] {
                assert_eq!(head.header(h), get.header(h), "HEAD {path} as {who}: {h}");
            }
            if get.status.as_u16() == 200 && path != "/metrics" {
                assert_eq!(head.header("etag"), get.header("etag"), "HEAD {path} as {who}: etag");
                if let Some(len) = head.header("content-length") {
                    assert_eq!(len, get.body.len().to_string(), "HEAD {path} as {who}: content-length");
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} GETs checked");
}

#[actix_web::test]
async fn head_of_a_listing_a_secured_read_and_an_unknown_path() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    app.quick_dataset(&edu, dataset_body("schools", "学校名录", "unconditional")).await;
    let get = app.get("/api/v1/datasets/schools", None).await.expect(200);
    let head = app.call("HEAD", "/api/v1/datasets/schools", None, None).await.expect(200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), get.header("etag"));
    assert_eq!(head.header("last-modified"), get.header("last-modified"));
    // Authorisation is the GET's: a secured read is 401 without a credential.
    let me = app.call("HEAD", "/api/v1/me", None, None).await.expect(401);
    assert!(me.body.is_empty());
    assert!(me.header("www-authenticate").is_some());
    app.call("HEAD", "/api/v1/me", Some(&edu.token), None).await.expect(200);
    app.call("HEAD", "/api/v1/datasets/no-such-thing", None, None).await.expect(404);
    app.call("HEAD", "/api/v1/no-such-path", None, None).await.expect(404);
    // A path with no GET stays 405, and HEAD is in Allow where GET is.
    let r = app.call("HEAD", "/api/v1/auth/token", None, None).await.expect(405);
    assert!(r.header("allow").is_some_and(|a| !a.contains("HEAD")), "{:?}", r.header("allow"));
    let r = app.call("PUT", "/api/v1/datasets", None, None).await.expect(405);
    assert!(r.header("allow").is_some_and(|a| a.contains("GET") && a.contains("HEAD")), "{:?}", r.header("allow"));
}

#[actix_web::test]
async fn head_of_a_download_has_length_ranges_and_the_checksum() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    let (_, d) = app.published_dataset(&edu, "schools", "学校名录", "unconditional").await;
    let url = format!("/api/v1/distributions/{}/file", d["id"].as_str().unwrap());
    let get = app.get(&url, None).await.expect(200);
    let head = app.call("HEAD", &url, None, None).await.expect(200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), Some(get.body.len().to_string()));
    assert_eq!(head.header("accept-ranges").as_deref(), Some("bytes"));
    let digest = head.header("repr-digest").expect("Repr-Digest");
    assert_eq!(Some(&digest), get.header("repr-digest").as_ref());
    use base64::Engine;
    use sha2::Digest;
    let expected = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&get.body));
    assert_eq!(digest, format!("sha-256=:{expected}:"));
    // A range keeps the whole file's checksum and says which part it is.
    let part = app.call_with("HEAD", &url, None, &[("Range", "bytes=0-1")], None).await.expect(206);
    assert_eq!(part.header("content-length").as_deref(), Some("2"));
    assert_eq!(part.header("repr-digest"), Some(digest));
    assert_eq!(part.header("content-range"), Some(format!("bytes 0-1/{}", get.body.len())));
    assert_eq!(head.header("access-control-allow-origin").as_deref(), Some("*"));
}

#[test]
fn the_document_has_a_head_twin_of_every_get_and_304s_on_public_reads() {
    let api = serde_json::to_value(datagate::app::openapi()).unwrap();
    for (path, item) in api["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let head = &item["head"];
        assert!(head.is_object(), "{path}: no HEAD");
        let statuses = |op: &Value| op["responses"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        if head.get("x-head-of").is_some() {
            assert_eq!(statuses(head), statuses(get), "{path}: the twin answers the GET's statuses");
            for (status, r) in head["responses"].as_object().unwrap() {
                assert!(r.get("content").is_none() && r.get("$ref").is_none(), "{path} {status}: a HEAD body");
            }
        }
        let public = get.get("security").is_none() && path.starts_with("/api/");
        if public {
            assert!(get["responses"].get("304").is_some(), "{path}: a public read without 304");
            assert!(get["responses"]["200"]["headers"].get("ETag").is_some(), "{path}: no ETag documented");
        }
        let paged = get["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == "cursor"));
        if paged {
            assert!(get["responses"]["200"]["headers"].get("Link").is_some(), "{path}: paged without Link");
        }
    }
}
