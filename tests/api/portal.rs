//! The portal's public pages: status codes, headers, languages, error
//! pages, assets, and that pages show what the API's services say.

use serde_json::json;

use crate::helpers::*;
use crate::portal_support::*;

#[actix_web::test]
async fn portal_pages_carry_strict_headers_and_a_csrf_cookie() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new();
    let r = b.get(&app, "/").await;
    assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(r.header("referrer-policy").as_deref(), Some("same-origin"));
    let csp = r.header("content-security-policy").unwrap();
    for directive in ["script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    let set = r.headers.get_all("set-cookie").map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    let csrf = set.iter().find(|c| c.starts_with("dg_csrf=")).expect("CSRF cookie");
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax") && !csrf.contains("Secure"), "{csrf}");
    let html = page(r, 200);
    assert_eq!(html_lang(&html), "zh-CN");
    assert!(!html.contains("style=\""), "no inline style attributes");
    assert!(!html.contains("<script>") && !html.contains("onclick"), "no inline script");
    // A returning browser keeps its secret.
    let again = b.get(&app, "/").await;
    assert!(again.header("set-cookie").is_none_or(|c| !c.contains("dg_csrf")));
    // The API keeps its own headers and errors.
    let api = app.get("/api/v1/nothing", None).await;
    assert!(api.header("content-security-policy").is_none());
    api.problem(404);
}

#[actix_web::test]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let app = TestApp::spawn_with(|c| c.public_url = "https://data.example.gov.cn".into()).await;
    let r = Browser::new().get(&app, "/").await;
    let csrf = r.header("set-cookie").unwrap();
    assert!(csrf.contains("Secure"), "{csrf}");
    assert!(r.header("strict-transport-security").is_some());
}

#[actix_web::test]
async fn the_language_comes_from_the_switch_then_accept_language() {
    let app = TestApp::spawn().await;
    let html = page(Browser::in_language("en-GB,en;q=0.9").get(&app, "/").await, 200);
    assert_eq!(html_lang(&html), "en");
    assert!(html.contains("Open Public Data Portal"));
    let html = page(Browser::in_language("fr-FR, zh;q=0.8, en;q=0.5").get(&app, "/").await, 200);
    assert_eq!(html_lang(&html), "zh-CN");
    assert!(html.contains("公共数据开放平台"));
    let html = page(Browser::in_language("de").get(&app, "/").await, 200);
    assert_eq!(html_lang(&html), "zh-CN", "Chinese is the default");

    // The switch is a form: it works without script and is remembered.
    let mut b = Browser::in_language("zh-CN");
    let html = page(b.get(&app, "/datasets?q=%E6%95%99%E8%82%B2").await, 200);
    let token = hidden(&html, "csrf_token");
    assert_eq!(hidden(&html, "next"), "/datasets?q=%E6%95%99%E8%82%B2");
    let r = b
        .post_form(
            &app,
            "/language",
            &[("csrf_token", &token), ("lang", "en"), ("next", "/datasets?q=%E6%95%99%E8%82%B2")],
        )
        .await;
    let r = r.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/datasets?q=%E6%95%99%E8%82%B2"));
    assert_eq!(b.cookie("dg_lang").as_deref(), Some("en"));
    let html = page(b.get(&app, "/").await, 200);
    assert_eq!(html_lang(&html), "en", "the choice beats Accept-Language");

    // Only paths of this site are followed back.
    let token = hidden(&html, "csrf_token");
    let r =
        b.post_form(&app, "/language", &[("csrf_token", &token), ("lang", "zh"), ("next", "//evil.example/x")]).await;
    assert_eq!(r.expect(303).header("location").as_deref(), Some("/"));
    let r = b.post_form(&app, "/language", &[("csrf_token", &token), ("lang", "fr"), ("next", "/")]).await;
    page(r, 422);
}

#[actix_web::test]
async fn a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new();
    let html = page(b.get(&app, "/").await, 200);
    let token = hidden(&html, "csrf_token");

    // No token at all.
    let r = b.post_form(&app, "/language", &[("lang", "en"), ("next", "/")]).await;
    let request_id = r.header("x-request-id").unwrap();
    assert!(r.headers.get_all("set-cookie").all(|c| !c.to_str().unwrap().contains("dg_lang")));
    let refusal = page(r, 403);
    assert!(refusal.contains("未做任何更改"), "the page explains");
    assert!(refusal.contains(&request_id), "with the request id to quote");
    assert!(!refusal.contains("problem"), "not problem+json");
    assert_eq!(b.cookie("dg_lang"), None);

    // A token from another browser (another secret) fails here.
    let mut other = Browser::new();
    let other_token = hidden(&text(&other.get(&app, "/").await), "csrf_token");
    assert_ne!(other_token, token);
    page(b.post_form(&app, "/language", &[("csrf_token", &other_token), ("lang", "en")]).await, 403);
    // The right token without the cookie fails too (a cross-site form cannot send it).
    let mut cookieless = Browser::new();
    page(cookieless.post_form(&app, "/language", &[("csrf_token", &token), ("lang", "en")]).await, 403);
    // A tampered token fails.
    let mut bad = token.clone();
    bad.replace_range(0..2, if bad.starts_with("AA") { "BB" } else { "AA" });
    page(b.post_form(&app, "/language", &[("csrf_token", &bad), ("lang", "en")]).await, 403);
    assert_eq!(b.cookie("dg_lang"), None, "nothing changed");
    assert_eq!(html_lang(&text(&b.get(&app, "/").await)), "zh-CN");

    // And the real token works.
    b.post_form(&app, "/language", &[("csrf_token", &token), ("lang", "en"), ("next", "/")]).await.expect(303);
    assert_eq!(b.cookie("dg_lang").as_deref(), Some("en"));

    // A form of another kind than the portal's is refused before the token matters.
    page(app.post("/language", None, json!({"lang": "en"})).await, 415);
}

#[actix_web::test]
async fn errors_are_pages_in_the_persons_language_with_the_request_id() {
    let app = TestApp::spawn().await;
    let r = Browser::new().get(&app, "/no/such/page").await;
    let id = r.header("x-request-id").unwrap();
    let html = page(r, 404);
    assert!(html.contains("页面不存在") && html.contains(&id));
    let html = page(Browser::in_language("en").get(&app, "/datasets/no-such-dataset").await, 404);
    assert!(html.contains("Page not found"));
    let html = page(Browser::new().get(&app, "/datasets?open_condition=sometimes").await, 422);
    assert!(html.contains("请求有误") && !html.contains("unknown value"), "no internals");
    page(Browser::new().get(&app, "/bureaus/not-an-id").await, 404);
    let r = app.delete("/datasets", None).await;
    assert_eq!(r.header("allow").as_deref(), Some("GET, HEAD"));
    page(r, 405);
    let r = app.raw("HEAD", "/", &[], Vec::new()).await.expect(200);
    assert!(r.body.is_empty() && r.content_type().starts_with("text/html"));
    // API paths keep problem+json.
    app.get("/api/v1/datasets/no-such-dataset", None).await.problem(404);
    app.get("/healthz", None).await.expect(200);
}

#[actix_web::test]
async fn assets_are_served_under_hashed_names_for_a_year() {
    let app = TestApp::spawn().await;
    let html = text(&Browser::new().get(&app, "/").await);
    let start = html.find("/assets/portal.").unwrap();
    let href = &html[start..start + html[start..].find('"').unwrap()];
    assert!(href.ends_with(".css"));
    let r = app.get(href, None).await.expect(200);
    assert!(r.content_type().starts_with("text/css"));
    assert_eq!(r.header("cache-control").as_deref(), Some("public, max-age=31536000, immutable"));
    assert!(String::from_utf8_lossy(&r.body).contains(":focus-visible"));
    page(app.get("/assets/portal.000000000000.css", None).await, 404);
}

#[actix_web::test]
async fn the_footer_shows_the_registration_settings_that_are_set() {
    let app = TestApp::spawn().await;
    let html = text(&Browser::new().get(&app, "/").await);
    assert!(!html.contains("网站标识码") && !html.contains("ICP"), "nothing shown when unset");
    let app = TestApp::spawn_with(|c| {
        c.portal.site_code = Some("3100000099".into());
        c.portal.icp_filing = Some("沪ICP备12345678号".into());
        c.portal.psb_filing = Some("沪公网安备31010102000123号".into());
        c.portal.organ_mark_url = Some("https://bszs.conac.cn/sitename?method=show&id=X".into());
        c.portal.site_operator = Some("上海市大数据中心".into());
        c.portal.site_operator_en = Some("Shanghai Big Data Center".into());
        c.portal.site_contact = Some("021-12345678".into());
    })
    .await;
    let html = text(&Browser::new().get(&app, "/").await);
    for shown in [
        "3100000099",
        "沪ICP备12345678号",
        "code=31010102000123",
        "主办单位：上海市大数据中心",
        "021-12345678",
        "党政机关网站标识",
    ] {
        assert!(html.contains(shown), "{shown}");
    }
    let html = text(&Browser::in_language("en").get(&app, "/").await);
    assert!(html.contains("Shanghai Big Data Center"));
}

#[actix_web::test]
async fn a_dataset_page_shows_the_services_answer_and_its_exports() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "p-edu").await;
    let publisher = app.publisher(&admin, &bureau).await;
    let (ds, file) = app.published_dataset(&publisher, "p-schools", "学校名录", "unconditional").await;
    let html = page(Browser::new().get(&app, "/datasets/p-schools").await, 200);
    assert!(html.contains("学校名录") && html.contains("Test dataset"), "both titles");
    // Every statutory column the API returns is on the page.
    for part in ["代码", "唯一代码", "使用本数据须注明来源。", "CC-BY-4.0", "每月"] {
        assert!(html.contains(part), "{part}");
    }
    let sha = file["sha256"].as_str().unwrap();
    assert!(html.contains(sha), "the checksum");
    assert!(html.contains(&format!("href=\"/api/v1/distributions/{}/file\" download", file["id"].as_str().unwrap())));
    // The JSON-LD is the schema.org export, not a second rendering of it.
    let export = app.get("/api/v1/datasets/p-schools/schema-org", None).await.expect(200).json();
    assert_eq!(json_ld(&html), export);
    assert!(html.contains("<link rel=\"alternate\" type=\"text/turtle\" href=\"/api/v1/datasets/p-schools/dcat\""));
    assert_eq!(ds["terms"]["version"], 1);
    assert!(html.contains("第 1 版"));

    // In English, the English title leads and Chinese text is marked as such.
    let html = page(Browser::in_language("en").get(&app, "/datasets/p-schools").await, 200);
    assert!(html.contains("<h1><span>Test dataset</span></h1>"), "English title");
    assert!(html.contains("lang=\"zh-CN\""), "Chinese parts are marked");

    // A conditional dataset offers to apply, through sign-in and back.
    app.published_dataset(&publisher, "p-records", "学籍记录", "conditional").await;
    let html = page(Browser::new().get(&app, "/datasets/p-records").await, 200);
    assert!(html.contains("href=\"/signin?next=%2Fdatasets%2Fp-records%2Fapply\""), "apply link");
    assert!(!html.contains(" download>"), "no download of conditional files");
}

#[actix_web::test]
async fn a_corpus_page_shows_model_builder_metadata_and_croissant() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "p-plan").await;
    let publisher = app.publisher(&admin, &bureau).await;
    app.quick_dataset(&publisher, dataset_body("p-roads", "道路数据", "unconditional")).await;
    app.quick_corpus(&publisher, corpus_body("p-map", "地图语料", "geo", "unconditional", &["p-roads"])).await;
    let api = app.get("/api/v1/corpora/p-map", None).await.expect(200).json();
    let html = page(Browser::new().get(&app, "/corpora/p-map").await, 200);
    assert!(html.contains("地图位置"), "modality");
    if let Some(review) = api["geo"]["review_number"].as_str() {
        assert!(html.contains(review), "map review number");
    }
    assert!(html.contains("href=\"/datasets/p-roads\""), "lineage to the source");
    assert!(html.contains("href=\"/api/v1/corpora/p-map/croissant\""), "Croissant link");
    let export = app.get("/api/v1/corpora/p-map/schema-org", None).await.expect(200).json();
    assert_eq!(json_ld(&html), export);
    // The source dataset's page names the corpus derived from it.
    let html = page(Browser::new().get(&app, "/datasets/p-roads").await, 200);
    assert!(html.contains("href=\"/corpora/p-map\""));
}

#[actix_web::test]
async fn search_pages_use_the_apis_search_facets_and_cursors() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "p-search").await;
    let publisher = app.publisher(&admin, &bureau).await;
    for i in 0..23 {
        let condition = if i % 2 == 0 { "unconditional" } else { "conditional" };
        app.quick_dataset(&publisher, dataset_body(&format!("p-s-{i:02}"), &format!("教育统计{i:02}"), condition))
            .await;
    }
    let api = app.get(&format!("/api/v1/datasets?q={}", q("教育")), None).await.expect(200).json();
    let mut b = Browser::new();
    let html = page(b.get(&app, &format!("/datasets?q={}", q("教育"))).await, 200);
    assert!(html.contains(&format!("共 {} 项", api["total"])), "the API's total");
    let conditions = api["facets"]["open_condition"].as_array().unwrap();
    let open = conditions.iter().find(|v| v["value"] == "unconditional").unwrap()["count"].as_i64().unwrap();
    assert!(html.contains(&format!("无条件开放</span> <span class=\"facet-count\">{open}</span>")), "facet count");
    // A filter, shown as removable.
    let html = page(b.get(&app, &format!("/datasets?q={}&open_condition=unconditional", q("教育"))).await, 200);
    assert!(html.contains(&format!("共 {open} 项")));
    assert!(
        html.contains(&format!("class=\"chip\" href=\"/datasets?q={}\"", q("教育"))) || html.contains("class=\"chip\"")
    );
    // Cursor pages: next, then previous back to the first page.
    let first = page(b.get(&app, "/datasets?sort=title").await, 200);
    let next = first.split("rel=\"next\"").next().unwrap();
    let href = next[next.rfind("href=\"").unwrap() + 6..].split('"').next().unwrap().replace("&#38;", "&");
    assert!(href.contains("cursor=") && href.contains("page=2"), "{href}");
    let second = page(b.get(&app, &href).await, 200);
    assert!(second.contains("第 2 页") && second.contains("教育统计20"), "the second page");
    assert!(!second.contains("教育统计00"));
    let prev = second.split("rel=\"prev\"").next().unwrap();
    let back = prev[prev.rfind("href=\"").unwrap() + 6..].split('"').next().unwrap().replace("&#38;", "&");
    assert_eq!(back, "/datasets?sort=title");
    // An empty result says so and offers to remove the filter.
    let html = page(b.get(&app, "/datasets?q=%E4%B8%8D%E5%AD%98%E5%9C%A8&domain=tourism").await, 200);
    assert!(html.contains("没有找到符合条件的结果") && html.contains("移除条件："));
}

#[actix_web::test]
async fn an_unreachable_database_is_a_503_page_with_retry_after() {
    let db = TestDb::new();
    let url = datagate::db::DbUrl::Postgres("postgres://postgres@127.0.0.1:1/none".into());
    let mut config = datagate::config::Config::for_database(url.clone(), db.data_dir());
    config.db_timeout = std::time::Duration::from_secs(1);
    let pool =
        datagate::db::Db::new(url, &datagate::db::PoolSettings { max_size: 2, connect_timeout: config.db_timeout })
            .unwrap();
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
    let mut r = server.get("/").insert_header(("Accept-Language", "en")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(r.headers().get("retry-after").is_some());
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let body = String::from_utf8_lossy(&r.body().await.unwrap()).into_owned();
    assert!(body.contains("temporarily unavailable") && !body.contains("127.0.0.1"), "no internals");
}
