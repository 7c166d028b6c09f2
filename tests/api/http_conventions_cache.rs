//! Issue 22: validators and caching on public reads — ETags from the
//! catalogue generation answered 304 before any body is computed,
//! `Cache-Control` by kind, `Vary` — and a harvester's second pass.

use serde_json::json;

use crate::helpers::*;

async fn catalogue(app: &TestApp, n: usize) -> Session {
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    for i in 0..n {
        app.quick_dataset(&edu, dataset_body(&format!("set-{i}"), &format!("数据集{i}"), "unconditional")).await;
    }
    edu
}

async fn revalidate(app: &TestApp, path: &str, etag: &str) -> Resp {
    app.call_with("GET", path, None, &[("If-None-Match", etag)], None).await
}

/// What a public read promises: an ETag, the public caching policy, `Vary`
/// naming what it depends on, `*` for any origin.
#[actix_web::test]
async fn public_reads_carry_validators_and_answer_304_until_the_catalogue_changes() {
    let app = TestApp::spawn().await;
    let edu = catalogue(&app, 2).await;
    let reads = [
        "/api/v1/datasets?limit=1",
        "/api/v1/datasets?q=%E6%95%B0%E6%8D%AE",
        "/api/v1/corpora",
        "/api/v1/domains",
        "/api/v1/bureaus",
        "/api/v1/open-list.csv",
        "/api/v1/open-list.xlsx",
        "/api/v1/catalog",
        "/api/v1/catalog.ttl",
        "/api/v1/datasets/set-0/dcat",
        "/api/v1/datasets/set-0/schema-org",
        "/api/3/action/package_search?rows=1",
        "/api/3/action/package_show?id=set-0",
        "/api/3/action/organization_list",
        "/api/action/package_list",
        "/.well-known/jwks.json",
        "/api/v1/openapi.json",
    ];
    let mut tags = Vec::new();
    for path in reads {
        let r = app.get(path, None).await.expect(200);
        let etag = r.header("etag").unwrap_or_else(|| panic!("{path}: no ETag"));
        assert_eq!(r.header("cache-control").as_deref(), Some("public, max-age=60, must-revalidate"), "{path}");
        let vary = r.header("vary").unwrap_or_default().to_ascii_lowercase();
        assert!(vary.contains("accept-encoding") && vary.contains("authorization"), "{path}: Vary {vary}");
        assert!(!vary.contains("origin"), "{path}: no allow-list, so nothing varies by origin");
        assert_eq!(r.header("access-control-allow-origin").as_deref(), Some("*"), "{path}");
        let again = revalidate(&app, path, &etag).await.expect(304);
        assert!(again.body.is_empty(), "{path}: a 304 with a body");
        assert_eq!(again.header("etag"), Some(etag.clone()), "{path}");
        assert_eq!(again.header("cache-control").as_deref(), Some("public, max-age=60, must-revalidate"));
        tags.push((path, etag));
    }
    // DCAT negotiates by Accept, so Accept is in Vary and in the validator.
    let ttl = app.call_with("GET", "/api/v1/catalog", None, &[("Accept", "text/turtle")], None).await.expect(200);
    assert!(ttl.header("vary").unwrap().contains("Accept,") || ttl.header("vary").unwrap().starts_with("Accept"));
    let json_tag = &tags.iter().find(|(p, _)| *p == "/api/v1/catalog").unwrap().1;
    assert_ne!(ttl.header("etag").as_ref(), Some(json_tag));

    // A change of the catalogue: every catalogue read has a new validator.
    app.quick_dataset(&edu, dataset_body("set-new", "新数据集", "unconditional")).await;
    for (path, etag) in &tags {
        let r = revalidate(&app, path, etag).await;
        if path.starts_with("/.well-known") || path.contains("openapi.json") {
            r.expect(304);
        } else {
            let r = r.expect(200);
            assert_ne!(r.header("etag").as_ref(), Some(etag), "{path}: same ETag after a change");
        }
    }
}

#[actix_web::test]
async fn a_credential_gets_private_no_store_and_no_shared_validator() {
    let app = TestApp::spawn().await;
    let edu = catalogue(&app, 1).await;
    let anon = app.get("/api/v1/datasets", None).await.expect(200);
    let mine = app.get("/api/v1/datasets", Some(&edu.token)).await.expect(200);
    assert_eq!(mine.header("cache-control").as_deref(), Some("private, no-store"));
    assert!(mine.header("access-control-allow-origin").is_none());
    // The anonymous validator does not answer for a curator's view.
    let etag = anon.header("etag").unwrap();
    app.call_with("GET", "/api/v1/datasets", Some(&edu.token), &[("If-None-Match", &etag)], None).await.expect(200);
    let me = app.get("/api/v1/me", Some(&edu.token)).await.expect(200);
    assert_eq!(me.header("cache-control").as_deref(), Some("private, no-store"));
    // A change answered to anyone is never stored.
    let r = app.post("/api/v1/auth/token", None, json!({"email": "x@example.com", "password": "nope-nope"})).await;
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
}

#[actix_web::test]
async fn a_listing_keeps_its_own_validators_and_if_modified_since_is_honoured() {
    let app = TestApp::spawn().await;
    catalogue(&app, 1).await;
    let r = app.get("/api/v1/datasets/set-0", None).await.expect(200);
    let etag = r.header("etag").unwrap();
    assert!(!etag.starts_with("W/"), "a listing's version is a strong validator: {etag}");
    let lm = r.header("last-modified").unwrap();
    let since = app.call_with("GET", "/api/v1/datasets/set-0", None, &[("If-Modified-Since", &lm)], None).await;
    assert!(since.expect(304).body.is_empty());
    let before = "Mon, 01 Jan 2024 00:00:00 GMT";
    app.call_with("GET", "/api/v1/datasets/set-0", None, &[("If-Modified-Since", before)], None).await.expect(200);
    // `*` is a 304 where the listing exists, a 404 where it does not.
    let star = [("If-None-Match", "*")];
    app.call_with("GET", "/api/v1/datasets?limit=1", None, &star, None).await.expect(304);
    app.call_with("GET", "/api/v1/datasets/no-such-set", None, &star, None).await.expect(404);
    app.call_with("GET", "/api/3/action/package_show?id=no-such-set", None, &star, None).await.expect(404);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    let both = [("If-Modified-Since", lm.as_str()), ("If-None-Match", "\"other\"")];
    app.call_with("GET", "/api/v1/datasets/set-0", None, &both, None).await.expect(200);
}

/// Without the cache the generation is read from the database; with the
/// listings gone, a 304 still comes — so it computed no body.
#[actix_web::test]
async fn a_304_is_answered_without_computing_the_body() {
    let app = TestApp::spawn_with(|c| c.cache_refresh = std::time::Duration::ZERO).await;
    catalogue(&app, 3).await;
    let path = "/api/v1/datasets?limit=2";
    let etag = app.get(path, None).await.expect(200).header("etag").unwrap();
    app.sql("ALTER TABLE listings RENAME TO listings_away").await.unwrap();
    let r = revalidate(&app, path, &etag).await.expect(304);
    assert!(r.body.is_empty());
    // `*` matches only what exists, so it waits for the handler.
    let star = app.call_with("GET", "/api/v1/datasets/no-such-set", None, &[("If-None-Match", "*")], None).await;
    assert!(star.status.is_server_error() || star.status.as_u16() == 404, "{}", star.status);
    let broken = app.get(path, None).await;
    assert!(broken.status.is_server_error(), "the body needs the listings: {}", broken.status);
    app.sql("ALTER TABLE listings_away RENAME TO listings").await.unwrap();
}

/// A harvester's second pass over every DCAT page and every CKAN
/// `package_search` page, with nothing changed: all 304, no body bytes.
#[actix_web::test]
async fn a_harvesters_second_pass_is_all_304s() {
    let app = TestApp::spawn().await;
    catalogue(&app, 7).await;
    let mut pages: Vec<String> = Vec::new();
    for format in ["", ".ttl", ".rdf"] {
        for page in 1..=4 {
            pages.push(format!("/api/v1/catalog{format}?limit=2&page={page}"));
        }
    }
    for start in [0, 2, 4, 6] {
        pages.push(format!("/api/3/action/package_search?rows=2&start={start}"));
    }
    let mut first_bytes = 0;
    let mut tags = Vec::new();
    for p in &pages {
        let r = app.get(p, None).await.expect(200);
        first_bytes += r.body.len();
        tags.push(r.header("etag").unwrap_or_else(|| panic!("{p}: no ETag")));
    }
    let mut second_bytes = 0;
    let mut not_modified = 0;
    for (p, etag) in pages.iter().zip(&tags) {
        let r = revalidate(&app, p, etag).await;
        second_bytes += r.body.len();
        not_modified += usize::from(r.status.as_u16() == 304);
    }
    println!(
        "first pass: {} pages, {first_bytes} bytes; second: {not_modified} × 304, {second_bytes} bytes",
        pages.len()
    );
    assert!(first_bytes > 5_000, "the first pass read the catalogue ({first_bytes} bytes)");
    assert_eq!(not_modified, pages.len());
    assert_eq!(second_bytes, 0);
}
