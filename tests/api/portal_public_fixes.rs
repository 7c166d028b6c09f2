//! The findings of the review of the portal's public side (issue 12):
//! redirects only to local paths, NUL paths as pages, the API's query
//! validation on search pages, page numbers derived, one definition of the
//! counts, schema.org pointing at the portal, Chinese text marked on
//! English pages, the statutory columns, and the smaller findings.

use serde_json::Value;

use crate::helpers::*;
use crate::portal_support::*;

/// A browser that has a page's CSRF token, for posting the language form.
async fn with_token(app: &TestApp) -> (Browser, String) {
    let mut b = Browser::new();
    let token = hidden(&page(b.get(app, "/").await, 200), "csrf_token");
    (b, token)
}

#[actix_web::test]
async fn the_language_form_follows_only_printable_local_paths_and_never_fails() {
    let app = TestApp::spawn().await;
    let (mut b, token) = with_token(&app).await;
    // A browser strips tabs and line breaks (`/\t/evil` → `//evil`); other
    // control characters cannot be put in a header (they were a 500).
    for next in [
        "/\t/evil.example/phish",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "\t//evil.example",
        "/\u{1}x",
        "/\u{b}evil",
        "/\u{7f}",
        " //evil.example",
        "/\u{3000}/evil.example",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example/",
    ] {
        let r = b.post_form(&app, "/language", &[("csrf_token", &token), ("lang", "en"), ("next", next)]).await;
        assert_eq!(r.expect(303).header("location").as_deref(), Some("/"), "{next:?}");
    }
    let r = b
        .post_form(&app, "/language", &[("csrf_token", &token), ("lang", "zh"), ("next", "/datasets?q=%E6%95%99")])
        .await;
    assert_eq!(r.expect(303).header("location").as_deref(), Some("/datasets?q=%E6%95%99"));
}

#[actix_web::test]
async fn a_nul_in_a_page_path_is_the_portals_404_page() {
    let app = TestApp::spawn().await;
    for path in ["/datasets/%00", "/corpora/%00", "/bureaus/%00", "/%00", "/x%00y", "/assets/%00"] {
        let r = Browser::in_language("en").get(&app, path).await;
        let id = r.header("x-request-id").expect("request id");
        assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"), "{path}");
        let html = page(r, 404);
        assert_eq!(html_lang(&html), "en", "{path}");
        assert!(html.contains("Page not found") && html.contains(&id), "{path}");
    }
    let html = page(Browser::new().get(&app, "/datasets/a%00b").await, 404);
    assert!(html.contains("页面不存在"));
    // The API keeps its problem+json.
    let p = app.get("/api/v1/datasets/%00", None).await.problem(404);
    assert!(p["detail"].as_str().unwrap().contains("NUL"), "{p}");
}

#[actix_web::test]
async fn search_pages_refuse_what_the_api_refuses_with_the_portals_422_page() {
    let app = TestApp::spawn().await;
    for query in [
        "q=a%00b",
        "format=%00",
        "domain=a%00",
        "keyword=x%00",
        "domain=education&domain=healthcare",
        "q=a&q=b",
        "open_condition=sometimes",
    ] {
        app.get(&format!("/api/v1/datasets?{query}"), None).await.problem(422);
        for path in ["/datasets", "/corpora"] {
            let r = Browser::new().get(&app, &format!("{path}?{query}")).await;
            let html = page(r, 422);
            assert!(html.contains("请求有误") && !html.contains('\0'), "{path}?{query}");
        }
    }
}

#[actix_web::test]
async fn a_too_long_search_says_what_was_wrong_and_the_box_has_the_limit() {
    let app = TestApp::spawn().await;
    let long = "a".repeat(256);
    app.get(&format!("/api/v1/datasets?q={long}"), None).await.problem(422);
    let html = page(Browser::new().get(&app, &format!("/datasets?q={long}")).await, 422);
    assert!(html.contains("搜索词最多 200 个字符，本次为 256 个"), "the limit and what was sent: {html}");
    let html = page(Browser::in_language("en").get(&app, &format!("/corpora?q={long}")).await, 422);
    assert!(html.contains("at most 200 characters long; these are 256"));
    for path in ["/", "/datasets", "/corpora"] {
        let html = page(Browser::new().get(&app, path).await, 200);
        assert!(html.contains("name=\"q\"") && html.contains("maxlength=\"200\""), "{path}");
    }
}

/// The `href` of the link marked `rel`, unescaped.
fn link(html: &str, rel: &str) -> String {
    let before = html.split(&format!("rel=\"{rel}\"")).next().unwrap();
    before[before.rfind("href=\"").unwrap() + 6..].split('"').next().unwrap().replace("&#38;", "&")
}

#[actix_web::test]
async fn page_numbers_are_derived_from_the_trail_never_taken_on_trust() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "p-pages").await;
    let publisher = app.publisher(&admin, &bureau).await;
    for i in 0..41 {
        app.quick_dataset(&publisher, dataset_body(&format!("p-pg-{i:02}"), &format!("分页{i:02}"), "unconditional"))
            .await;
    }
    let mut b = Browser::new();
    // Without a cursor it is the first page, whatever the link says; no overflow.
    for claimed in ["9223372036854775807", "5", "-3", "x"] {
        let html = page(b.get(&app, &format!("/datasets?sort=title&page={claimed}")).await, 200);
        assert!(html.contains("第 1 页") && html.contains("分页00"), "page={claimed}");
    }
    let first = page(b.get(&app, "/datasets?sort=title").await, 200);
    let second_href = link(&first, "next");
    let second = page(b.get(&app, &second_href).await, 200);
    assert!(second.contains("第 2 页"));
    let third_href = link(&second, "next");
    assert!(third_href.contains("page=3"), "{third_href}");
    // A forged number on a cursor page is ignored, the huge one included.
    for forged in ["9223372036854775807", "7", "1"] {
        let href = third_href.replace("page=3", &format!("page={forged}"));
        let html = page(b.get(&app, &href).await, 200);
        assert!(html.contains("第 3 页") && html.contains("分页40"), "page={forged}");
    }
    // Past the kept trail the number is bounded by the last page.
    let cursor = third_href.split("cursor=").nth(1).unwrap().split('&').next().unwrap().to_string();
    let trail = vec![cursor.clone(); 30].join(".");
    let html = page(
        b.get(&app, &format!("/datasets?sort=title&cursor={cursor}&prev={trail}&page=9223372036854775807")).await,
        200,
    );
    assert!(html.contains("第 32 页"), "at least the trail's count, at most what the total allows");
}

/// The number in `{prefix}N{suffix}` of a page.
fn number_after(html: &str, prefix: &str, suffix: &str) -> i64 {
    let start = html.find(prefix).unwrap_or_else(|| panic!("{prefix} in page")) + prefix.len();
    let end = html[start..].find(suffix).unwrap() + start;
    html[start..end].trim().replace(',', "").parse().unwrap_or_else(|_| panic!("number in {}", &html[start..end]))
}

#[actix_web::test]
async fn home_counts_are_the_search_pages_and_the_apis_for_anyone() {
    let app = TestApp::spawn().await;
    datagate::demo::load(&app.state).await.expect("demo loads");
    let api = app.get("/api/v1/datasets?limit=1", None).await.expect(200).json();
    let home = page(Browser::new().get(&app, "/").await, 200);
    assert_eq!(
        number_after(&home, "hero-counts\">开放清单 ", " 项"),
        api["total"].as_i64().unwrap(),
        "withdrawn entries count"
    );
    let search = page(Browser::new().get(&app, "/datasets").await, 200);
    assert_eq!(number_after(&search, "共 ", " 项"), api["total"].as_i64().unwrap());
    // A domain holding a withdrawn entry: tile, search page and API agree.
    let withdrawn = app.get("/api/v1/datasets/sh-market-elevator-registry", None).await.expect(200).json();
    assert_eq!(withdrawn["status"], "withdrawn");
    let domain = withdrawn["domain"].as_str().unwrap();
    let api = app.get(&format!("/api/v1/datasets?domain={domain}&limit=1"), None).await.expect(200).json();
    let tile = home.split(&format!("href=\"/datasets?domain={domain}\"")).nth(1).expect("tile of the domain");
    assert_eq!(number_after(tile, "tile-count\">", " 个数据集"), api["total"].as_i64().unwrap());
    let search = page(Browser::new().get(&app, &format!("/datasets?domain={domain}")).await, 200);
    assert_eq!(number_after(&search, "共 ", " 项"), api["total"].as_i64().unwrap());
    // The newest shown are those in force.
    assert!(!home.split("newest-heading").nth(1).unwrap().split("</section>").next().unwrap().contains("已撤回"));
}

#[actix_web::test]
async fn schema_org_names_the_portals_pages_a_licence_url_and_free_only_without_conditions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "p-ld").await;
    let publisher = app.publisher(&admin, &bureau).await;
    let base = app.state.config.public_url.trim_end_matches('/').to_string();
    app.published_dataset(&publisher, "p-ld-open", "开放数据", "unconditional").await;
    let mut body = dataset_body("p-ld-cond", "有条件数据", "conditional");
    body["licence"] = "datagate-conditional-1.0".into();
    app.quick_dataset(&publisher, body).await;
    app.quick_corpus(&publisher, corpus_body("p-ld-corpus", "语料", "geo", "unconditional", &["p-ld-open"])).await;

    let doc = app.get("/api/v1/datasets/p-ld-open/schema-org", None).await.expect(200).json();
    assert_eq!(doc["@id"], format!("{base}/datasets/p-ld-open"));
    assert_eq!(doc["url"], doc["@id"]);
    assert_eq!(doc["includedInDataCatalog"]["url"], format!("{base}/datasets"));
    assert_eq!(doc["license"], "https://spdx.org/licenses/CC-BY-4.0.html");
    assert_eq!(doc["isAccessibleForFree"], true);
    let html = page(Browser::new().get(&app, "/datasets/p-ld-open").await, 200);
    assert_eq!(json_ld(&html), doc, "the page and the endpoint agree");

    let doc = app.get("/api/v1/datasets/p-ld-cond/schema-org", None).await.expect(200).json();
    assert_eq!(doc["license"], format!("{base}/datasets/p-ld-cond#terms"), "a URL: the terms on the page");
    assert_eq!(doc["isAccessibleForFree"], false);
    let html = page(Browser::new().get(&app, "/datasets/p-ld-cond").await, 200);
    assert!(html.contains("<section id=\"terms\""), "the licence URL's anchor exists");
    assert_eq!(json_ld(&html), doc);

    let doc: Value = app.get("/api/v1/corpora/p-ld-corpus/schema-org", None).await.expect(200).json();
    assert_eq!(doc["@id"], format!("{base}/corpora/p-ld-corpus"));
    assert_eq!(doc["includedInDataCatalog"]["url"], format!("{base}/corpora"));
    assert_eq!(doc["isBasedOn"][0]["url"], format!("{base}/datasets/p-ld-open"));
    let html = page(Browser::new().get(&app, "/corpora/p-ld-corpus").await, 200);
    assert_eq!(json_ld(&html), doc);
}

/// The Chinese text of a page that is not inside an element marked
/// `lang="zh-CN"` (or `zh…`), outside `<script>`, `<style>` and `<title>`.
/// A small tag scanner: enough for the portal's own well-formed markup.
fn unmarked_chinese(html: &str) -> Vec<String> {
    const VOID: &[&str] = &["meta", "link", "input", "br", "img", "hr", "source", "wbr"];
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        let in_zh = stack.last().map(|(_, zh)| *zh).unwrap_or(false);
        let skipped = stack.iter().any(|(t, _)| matches!(t.as_str(), "script" | "style" | "title"));
        if !in_zh && !skipped && datagate::portal::words::has_han(text) {
            found.push(text.trim().to_string());
        }
        let close = rest[open..].find('>').map(|i| i + open).unwrap_or(rest.len() - 1);
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            if let Some(at) = stack.iter().rposition(|(t, _)| t == name.trim()) {
                stack.truncate(at);
            }
            continue;
        }
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default().to_lowercase();
        if VOID.contains(&name.as_str()) || tag.ends_with('/') {
            continue;
        }
        let inherited = stack.last().map(|(_, zh)| *zh).unwrap_or(false);
        let zh = match tag.find(" lang=\"") {
            Some(i) => tag[i + 7..].starts_with("zh"),
            None => inherited,
        };
        stack.push((name, zh));
    }
    found
}

#[actix_web::test]
async fn english_pages_mark_every_piece_of_chinese_data_text() {
    let app = TestApp::spawn_with(|c| {
        c.portal.icp_filing = Some("沪ICP备12345678号".into());
        c.portal.psb_filing = Some("沪公网安备31010102000123号".into());
        c.portal.site_operator = Some("上海市大数据中心".into());
    })
    .await;
    datagate::demo::load(&app.state).await.expect("demo loads");
    let bureaus = page(Browser::new().get(&app, "/bureaus").await, 200);
    let bureau = bureaus.split("href=\"/bureaus/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let mut b = Browser::in_language("en");
    for path in [
        "/".to_string(),
        "/datasets".to_string(),
        "/datasets/sh-outpatient-visits".to_string(),
        "/datasets/sh-tourism-a-level-scenic-areas".to_string(),
        "/datasets/sh-market-elevator-registry".to_string(),
        "/corpora".to_string(),
        "/corpora/sh-environment-air-quality-station-series".to_string(),
        "/corpora/sh-planning-road-network-map-tiles".to_string(),
        "/corpora/sh-tourism-scenic-area-detection-images".to_string(),
        "/bureaus".to_string(),
        format!("/bureaus/{bureau}"),
    ] {
        let html = page(b.get(&app, &path).await, 200);
        assert_eq!(html_lang(&html), "en");
        let unmarked = unmarked_chinese(&html);
        assert!(unmarked.is_empty(), "{path}: Chinese text without lang=\"zh-CN\": {unmarked:?}");
    }
    // The spots the review named, by hand.
    let html = page(b.get(&app, "/datasets/sh-tourism-a-level-scenic-areas").await, 200);
    assert!(html.contains("<td lang=\"zh-CN\">人次/日</td>"), "unit");
    assert!(html.contains("<p class=\"file-name\" lang=\"zh-CN\">"), "file name");
    let html = page(b.get(&app, "/datasets/sh-outpatient-visits").await, 200);
    assert!(html.contains("Open-condition statement: </strong><span lang=\"zh-CN\">"), "reason");
    let html = page(b.get(&app, "/corpora/sh-planning-road-network-map-tiles").await, 200);
    assert!(html.contains("<dd lang=\"zh-CN\">沪S（2025）036号</dd>"), "map review number");
    // The scanner finds what is not marked.
    assert_eq!(unmarked_chinese("<p lang=\"en\">x <span>教育</span></p>"), vec!["教育".to_string()]);
    assert!(unmarked_chinese("<p>x <span lang=\"zh-CN\">教育<b>数据</b></span></p>").is_empty());
}

#[actix_web::test]
async fn dataset_pages_show_every_statutory_column_under_its_name() {
    let app = TestApp::spawn().await;
    datagate::demo::load(&app.state).await.expect("demo loads");
    let html = page(Browser::new().get(&app, "/datasets/sh-tourism-a-level-scenic-areas").await, 200);
    for header in datagate::listings::openlist::HEADERS.iter().filter(|h| **h != "序号") {
        let shown = html.contains(&format!("<dt>{header}</dt>")) || html.contains(&format!(">{header}</h2>"));
        assert!(shown, "statutory column {header}");
    }
    assert!(html.contains("<dt>标识</dt><dd><code>sh-tourism-a-level-scenic-areas</code></dd>"), "the identifier");
    assert!(html.contains("<dt>时间范围</dt><dd>—</dd>"), "an empty period is shown as empty");
    assert!(html.contains("<dt>开放条件</dt><dd>无条件开放</dd>"));
    assert!(html.contains("<dt>开放条件说明</dt><dd>—</dd>") && html.contains("<dt>法律依据</dt><dd>—</dd>"));
    assert!(!html.contains("开放属性"), "the statutory name, not another");
    let html = page(Browser::new().get(&app, "/datasets/sh-outpatient-visits").await, 200);
    assert!(html.contains("<strong>开放条件说明：</strong>"), "the access panel uses the same names");
    assert!(html.contains("<strong>法律依据：</strong>"));
}

#[actix_web::test]
async fn codes_counts_colons_and_canonical_links_read_as_words() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "p-nits").await;
    let publisher = app.publisher(&admin, &bureau).await;
    let (ds, _) = app.published_dataset(&publisher, "p-nit", "名录", "unconditional").await;
    app.quick_corpus(&publisher, corpus_body("p-nit-corpus", "语料", "sensor", "unconditional", &["p-nit"])).await;
    let mut en = Browser::in_language("en");
    // Plurals.
    let home = page(en.get(&app, "/").await, 200);
    assert!(home.contains("1 training corpus<") || home.contains("1 training corpus "), "singular");
    assert!(!home.contains(">1 corpora<") && !home.contains("1 datasets"));
    let html = page(en.get(&app, "/datasets?q=%E5%90%8D%E5%BD%95").await, 200);
    assert!(html.contains("1 result for"), "singular result");
    // ASCII colons in English, full-width in Chinese.
    let html = page(en.get(&app, "/datasets/p-nit").await, 200);
    assert!(html.contains("Bureau: <a") && !html.contains("Bureau：") && !html.contains("Conditions："), "ASCII colon");
    let zh = page(Browser::new().get(&app, "/datasets/p-nit").await, 200);
    assert!(zh.contains("数据提供部门：<a"));
    // The download's hidden label names the format once.
    assert!(!zh.contains("（CSV）（CSV）"));
    // Revisions name fields in words.
    let fields: Vec<&str> =
        zh.split("class=\"history-fields\">").skip(1).map(|s| s.split('<').next().unwrap()).collect();
    assert!(fields.iter().all(|f| !f.contains('_') && !f.contains("status")), "{fields:?}");
    // A listing's page names its canonical address; at its UUID too.
    assert!(zh.contains("<link rel=\"canonical\" href=\"/datasets/p-nit\">"));
    let id = ds["id"].as_str().unwrap();
    let by_id = page(Browser::new().get(&app, &format!("/datasets/{id}")).await, 200);
    assert!(by_id.contains("<link rel=\"canonical\" href=\"/datasets/p-nit\">"));
    // The main navigation marks the section's list page only.
    assert!(!zh.contains("href=\"/datasets\" aria-current=\"page\""), "not on a dataset's page");
    let list = page(Browser::new().get(&app, "/datasets").await, 200);
    assert!(list.contains("href=\"/datasets\" aria-current=\"page\""));
    // A corpus page: durations and language tags in words.
    let api = app.get("/api/v1/corpora/p-nit-corpus", None).await.expect(200).json();
    let html = page(Browser::new().get(&app, "/corpora/p-nit-corpus").await, 200);
    if let Some(interval) = api["sensor"]["sampling_interval"].as_str() {
        assert!(!html.contains(&format!(">{interval}<")), "{interval} in words");
    }
    for tag in api["languages"].as_array().into_iter().flatten() {
        assert!(!html.contains(&format!(">{}<", tag.as_str().unwrap())), "{tag} in words");
    }
}
