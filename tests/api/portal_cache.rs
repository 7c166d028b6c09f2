//! Public pages cached for visitors who are not signed in: one rendering
//! per catalogue generation, language and address, each visitor's own CSRF
//! token filled in, a signed-in person's page never cached or shared, and a
//! write seen on the next page.

use std::cell::Cell;

use serde_json::json;

use crate::helpers::*;
use crate::portal_support::*;

/// A bureau with an open and a conditional dataset; its publisher.
async fn catalogue(app: &TestApp) -> Session {
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-cache").await;
    let edu = app.publisher(&admin, &b).await;
    app.quick_dataset(&edu, dataset_body("open-one", "缓存开放数据", "unconditional")).await;
    app.quick_dataset(&edu, dataset_body("cond-one", "缓存有条件数据", "conditional")).await;
    edu
}

const PAGES: &[&str] =
    &["/", "/datasets", "/datasets?q=%E7%BC%93%E5%AD%98", "/datasets/open-one", "/datasets/cond-one"];

/// A visit to a page rendered through the cache, as a browser holding the
/// CSRF secret `cookie` (or none): the answer, and the token it should carry.
async fn visit(app: &TestApp, renders: &Cell<u32>, cookie: Option<&str>) -> (String, String) {
    use datagate::portal::cache::public_page;
    use datagate::portal::session::MaybePerson;
    use datagate::portal::ui::Ui;

    let mut req = actix_web::test::TestRequest::get().uri("/datasets?q=x");
    if let Some(c) = cookie {
        req = req.insert_header(("Cookie", format!("dg_csrf={c}")));
    }
    let req = req.to_http_request();
    let ui = Ui::build(&req, &app.state, None).expect("frame");
    let own = ui.csrf.clone();
    let r = public_page(&app.state, ui, &MaybePerson(None), |ui| async move {
        renders.set(renders.get() + 1);
        Ok(format!("<p>{}</p><input value=\"{}\">", ui.here, ui.csrf))
    })
    .await
    .expect("page");
    let body = actix_web::body::to_bytes(r.into_body()).await.expect("body");
    (String::from_utf8(body.to_vec()).unwrap(), own)
}

#[actix_web::test]
async fn the_cache_renders_a_public_page_once_per_generation_and_fills_in_each_token() {
    let app = TestApp::spawn().await;
    let edu = catalogue(&app).await;
    let renders = Cell::new(0);
    let secret_a = "a".repeat(43);
    let secret_b = "b".repeat(43);
    let (first, token_a) = visit(&app, &renders, Some(&secret_a)).await;
    let (second, token_b) = visit(&app, &renders, Some(&secret_b)).await;
    let (third, token_new) = visit(&app, &renders, None).await;
    assert_eq!(renders.get(), 1, "rendered once, then served from the cache");
    assert_ne!(token_a, token_b);
    assert_eq!(first, format!("<p>/datasets?q=x</p><input value=\"{token_a}\">"));
    assert_eq!(second, format!("<p>/datasets?q=x</p><input value=\"{token_b}\">"));
    assert_eq!(third, format!("<p>/datasets?q=x</p><input value=\"{token_new}\">"));

    // A write to the catalogue makes a new generation: rendered again.
    app.quick_dataset(&edu, dataset_body("open-two", "另一个", "unconditional")).await;
    visit(&app, &renders, Some(&secret_a)).await;
    assert_eq!(renders.get(), 2);
    visit(&app, &renders, Some(&secret_b)).await;
    assert_eq!(renders.get(), 2);
}

#[actix_web::test]
async fn a_cached_page_carries_each_browsers_own_token_and_only_that_one_works() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    for path in PAGES {
        let (mut a, mut b) = (Browser::new(), Browser::new());
        let page_a = page(a.get(&app, path).await, 200);
        let page_b = page(b.get(&app, path).await, 200);
        let (token_a, token_b) = (hidden(&page_a, "csrf_token"), hidden(&page_b, "csrf_token"));
        assert_ne!(token_a, token_b, "{path}");
        assert!(!page_b.contains(&token_a), "{path}: another browser's token");
        assert!(!page_a.contains("csrf-slot-") && !page_b.contains("csrf-slot-"), "{path}: a placeholder left");
        // The pages are otherwise the same rendering.
        assert_eq!(page_a.replace(&token_a, ""), page_b.replace(&token_b, ""), "{path}");
        // Each token opens its own browser's forms and no other's.
        let fields = [("csrf_token", token_a.as_str()), ("lang", "en"), ("next", "/")];
        b.post_form(&app, "/language", &fields).await.expect(403);
        a.post_form(&app, "/language", &fields).await.expect(303);
    }
}

#[actix_web::test]
async fn a_signed_in_persons_page_is_never_served_to_anyone_else() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    let admin = app.admin().await;
    let ent = app.verified_enterprise(&admin, "缓存隔离科技有限公司").await;
    for path in PAGES {
        // Anonymous first (cached), then the person, then anonymous again.
        let mut anon = Browser::new();
        let before = page(anon.get(&app, path).await, 200);
        let mut person = signed_in(&app, &ent.user_id).await;
        let theirs = page(person.get(&app, path).await, 200);
        let token = hidden(&theirs, "csrf_token");
        assert!(theirs.contains("缓存隔离科技有限公司") && theirs.contains("/signout"), "{path}: their header");
        assert_ne!(token, hidden(&before, "csrf_token"), "{path}: their own token");
        let mut other = Browser::new();
        let after = page(other.get(&app, path).await, 200);
        for html in [&before, &after] {
            assert!(!html.contains("缓存隔离科技有限公司"), "{path}: their organisation on an anonymous page");
            assert!(!html.contains("/signout") && html.contains("href=\"/signin\""), "{path}: a signed-in header");
            assert!(!html.contains(&token), "{path}: their token on an anonymous page");
        }
    }
    // What a page offers depends on who asks: applying needs a session.
    let mut anon = Browser::new();
    let html = page(anon.get(&app, "/datasets/cond-one").await, 200);
    assert!(html.contains("/signin?next=%2Fdatasets%2Fcond-one%2Fapply"), "the anonymous page asks to sign in");
    let mut person = signed_in(&app, &ent.user_id).await;
    let html = page(person.get(&app, "/datasets/cond-one").await, 200);
    assert!(html.contains("href=\"/datasets/cond-one/apply\""), "the person's page offers the form");
    let html = page(anon.get(&app, "/datasets/cond-one").await, 200);
    assert!(!html.contains("href=\"/datasets/cond-one/apply\""), "and the anonymous one still does not");
}

#[actix_web::test]
async fn a_write_shows_on_the_next_anonymous_page() {
    let app = TestApp::spawn().await;
    let edu = catalogue(&app).await;
    let mut b = Browser::new();
    // Fill the cache with every page first.
    for path in PAGES {
        page(b.get(&app, path).await, 200);
    }
    let html = page(b.get(&app, "/datasets/open-one").await, 200);
    assert!(html.contains("缓存开放数据") && !html.contains("改过的标题"));

    let etag = app.get("/api/v1/datasets/open-one", None).await.header("etag").unwrap();
    app.call_with(
        "PATCH",
        "/api/v1/datasets/open-one",
        Some(&edu.token),
        &[("If-Match", &etag)],
        Some(json!({"title": "改过的标题"})),
    )
    .await
    .expect(200);
    let html = page(b.get(&app, "/datasets/open-one").await, 200);
    assert!(
        html.contains("改过的标题") && !html.contains("缓存开放数据</span></h1>"),
        "the detail page shows the new title"
    );
    for path in ["/", "/datasets", "/datasets?q=%E7%BC%93%E5%AD%98"] {
        let list = page(b.get(&app, path).await, 200);
        assert!(list.contains("改过的标题"), "{path} follows the change");
    }

    // A new dataset appears in the lists at once.
    app.quick_dataset(&edu, dataset_body("fresh-one", "缓存新数据", "unconditional")).await;
    let search = page(b.get(&app, "/datasets?q=%E7%BC%93%E5%AD%98").await, 200);
    assert!(search.contains("/datasets/fresh-one\""));
    assert!(page(b.get(&app, "/datasets").await, 200).contains("/datasets/fresh-one\""));
}

#[actix_web::test]
async fn the_language_and_the_address_are_part_of_a_cached_page() {
    let app = TestApp::spawn().await;
    catalogue(&app).await;
    for path in PAGES {
        let zh = page(Browser::new().get(&app, path).await, 200);
        let en = page(Browser::in_language("en").get(&app, path).await, 200);
        assert_eq!((html_lang(&zh), html_lang(&en)), ("zh-CN".to_string(), "en".to_string()), "{path}");
        // The language switch returns to the very address asked for.
        assert_eq!(hidden(&zh, "next"), *path);
        assert_eq!(hidden(&en, "next"), *path);
    }
    let a = page(Browser::new().get(&app, "/datasets?q=%E7%BC%93%E5%AD%98").await, 200);
    let b = page(Browser::new().get(&app, "/datasets?q=%E7%BC%93%E5%AD%98&sort=title").await, 200);
    assert_eq!(hidden(&b, "next"), "/datasets?q=%E7%BC%93%E5%AD%98&#38;sort=title");
    assert_ne!(a.replace(&hidden(&a, "csrf_token"), ""), b.replace(&hidden(&b, "csrf_token"), ""));
}
