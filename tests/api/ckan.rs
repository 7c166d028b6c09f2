//! The CKAN Action API v3 read side: envelopes, parameters (GET and POST),
//! paging, facets, errors, and what never shows (drafts, conditional files).

use serde_json::{Value, json};

use crate::helpers::*;

/// A bureau `code` with a publisher, an open dataset with a file, a
/// conditional one with a file, a draft, a withdrawn dataset and a corpus.
struct Fixture {
    app: TestApp,
    open: Value,
    conditional: Value,
    conditional_file: Value,
    corpus: Value,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let code = format!("ck-{}", short_id());
    let bureau = app.bureau(&admin, &code).await;
    let p = app.publisher(&admin, &bureau).await;
    let (open, _) = app.published_dataset(&p, "ck-school-list", "学校名录", "unconditional").await;
    let (conditional, conditional_file) =
        app.published_dataset(&p, "ck-student-health", "学生健康体检数据", "conditional").await;
    app.create_dataset(&p, dataset_body("ck-draft", "草稿数据集", "unconditional")).await;
    app.published_dataset(&p, "ck-old", "旧数据集", "unconditional").await;
    app.post("/api/v1/datasets/ck-old/withdraw", Some(&p.token), json!({"reason": "已停止更新"})).await.expect(200);
    let corpus = app
        .quick_corpus(&p, corpus_body("ck-text-corpus", "教育文本语料", "text", "unconditional", &["ck-school-list"]))
        .await;
    Fixture { app, open, conditional, conditional_file, corpus }
}

/// Calls an action with GET and asserts CKAN's success envelope.
async fn action(app: &TestApp, name: &str, query: &str) -> Value {
    let r = app.get(&format!("/api/3/action/{name}?{query}"), None).await.expect(200);
    let body = r.json();
    assert_eq!(body["success"], true, "{body}");
    assert!(body["help"].as_str().is_some_and(|h| h.ends_with(&format!("help_show?name={name}"))), "{body}");
    body["result"].clone()
}

/// Asserts CKAN's error envelope with this status and `__type`.
async fn ckan_error(r: Resp, status: u16, kind: &str) -> Value {
    let r = r.expect(status);
    assert!(r.content_type().starts_with("application/json"), "{}", r.content_type());
    let body = r.json();
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["error"]["__type"], kind, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    body["error"].clone()
}

#[actix_web::test]
async fn status_show_and_site_read_answer_in_the_envelope_by_get_and_post() {
    let app = TestApp::spawn().await;
    let status = action(&app, "status_show", "").await;
    assert!(status["ckan_version"].as_str().is_some_and(|v| v.starts_with("2.")));
    assert_eq!(action(&app, "site_read", "").await, true);
    let r = app.post("/api/3/action/site_read", None, json!({})).await.expect(200).json();
    assert_eq!(r["result"], true);
    let empty = app.raw("POST", "/api/3/action/status_show", &[], Vec::new()).await.expect(200).json();
    assert_eq!(empty["success"], true);
}

#[actix_web::test]
async fn package_show_maps_a_listing_to_a_package_with_resources() {
    let f = fixture().await;
    let id = f.open["id"].as_str().unwrap();
    let pkg = action(&f.app, "package_show", &format!("id={id}")).await;
    assert_eq!(pkg["id"], id);
    assert_eq!(pkg["name"], "ck-school-list");
    assert_eq!(pkg["title"], "学校名录");
    assert!(pkg["notes"].as_str().unwrap().contains("学校名录的测试摘要"));
    assert_eq!(pkg["type"], "dataset");
    assert_eq!(pkg["state"], "active");
    assert_eq!(pkg["private"], false);
    assert_eq!(pkg["owner_org"], f.open["bureau"]["id"]);
    assert_eq!(pkg["organization"]["id"], f.open["bureau"]["id"]);
    assert!(pkg["organization"]["name"].as_str().unwrap().starts_with("ck-"));
    assert_eq!(pkg["groups"][0]["name"], "education");
    assert_eq!(pkg["tags"][0]["name"], "测试");
    assert_eq!(pkg["license_id"], "CC-BY-4.0");
    assert!(pkg["license_title"].as_str().unwrap().contains("Attribution"));
    assert!(pkg["metadata_created"].is_string() && pkg["metadata_modified"].is_string());
    assert_eq!(pkg["num_resources"], 1);
    let res = &pkg["resources"][0];
    for field in ["id", "name", "format", "mimetype", "size", "hash", "url", "created", "last_modified"] {
        assert!(!res[field].is_null(), "resource lacks {field}: {res}");
    }
    assert_eq!(res["format"], "CSV");
    assert_eq!(res["size"], "code\nck-school-list\n".len());
    assert!(
        res["url"].as_str().unwrap().ends_with(&format!("/api/v1/distributions/{}/file", res["id"].as_str().unwrap()))
    );
    let extras: Vec<(String, String)> = pkg["extras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["key"].as_str().unwrap().to_string(), e["value"].as_str().unwrap().to_string()))
        .collect();
    assert!(extras.contains(&("open_condition".into(), "unconditional".into())), "{extras:?}");
    assert!(extras.contains(&("update_frequency".into(), "monthly".into())), "{extras:?}");
    // By name, and by POST with a JSON body, the same package.
    let by_name = action(&f.app, "package_show", "id=ck-school-list").await;
    assert_eq!(by_name["id"], id);
    let posted = f.app.post("/api/3/action/package_show", None, json!({"id": "ck-school-list"})).await.expect(200);
    assert_eq!(posted.json()["result"]["id"], id);
    // The file behind the resource URL is the one the resource describes.
    let url = res["url"].as_str().unwrap();
    let path = &url[url.find("/api/v1/").unwrap()..];
    f.app.get(path, None).await.expect(200);
}

#[actix_web::test]
async fn conditional_listings_never_expose_a_file_url() {
    let f = fixture().await;
    let id = f.conditional["id"].as_str().unwrap();
    let file_id = f.conditional_file["id"].as_str().unwrap();
    let pkg = action(&f.app, "package_show", &format!("id={id}")).await;
    let res = &pkg["resources"][0];
    assert_eq!(res["id"], file_id);
    let url = res["url"].as_str().unwrap();
    assert!(!url.contains("/file") && !url.contains(file_id), "conditional resource URL points at the file: {url}");
    assert!(url.ends_with("/api/v1/datasets/ck-student-health"), "{url}");
    assert!(res["access_request_url"].as_str().unwrap().ends_with("/api/v1/access-requests"));
    assert_eq!(res["datagate_downloadable"], false);
    assert!(
        res["datagate_profile_url"].as_str().unwrap().ends_with(&format!("/api/v1/distributions/{file_id}/profile"))
    );
    let shown = action(&f.app, "resource_show", &format!("id={file_id}")).await;
    assert_eq!(shown["url"], url);
    let found = action(&f.app, "package_search", "fq=open_condition:conditional&rows=1000").await;
    let text = found.to_string();
    assert!(found["count"].as_i64().unwrap() >= 1);
    assert!(!text.contains(&format!("distributions/{file_id}/file")), "search leaks a conditional file URL");
}

#[actix_web::test]
async fn drafts_never_appear_and_withdrawn_listings_are_deleted_packages() {
    let f = fixture().await;
    let names = action(&f.app, "package_list", "").await;
    let names: Vec<&str> = names.as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(names, vec!["ck-school-list", "ck-student-health", "ck-text-corpus"]);
    let limited = action(&f.app, "package_list", "limit=1&offset=1").await;
    assert_eq!(limited, json!(["ck-student-health"]));
    ckan_error(f.app.get("/api/3/action/package_show?id=ck-draft", None).await, 404, "Not Found Error").await;
    let old = action(&f.app, "package_show", "id=ck-old").await;
    assert_eq!(old["state"], "deleted");
    assert!(!old["resources"][0]["url"].as_str().unwrap().contains("/file"));
    let all = action(&f.app, "package_search", "rows=1000").await;
    let listed: Vec<&str> = all["results"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(!listed.contains(&"ck-draft") && !listed.contains(&"ck-old"), "{listed:?}");
    assert_eq!(all["count"], 3);
}

#[actix_web::test]
async fn package_search_pages_sorts_filters_and_counts_facets() {
    let f = fixture().await;
    let org = action(&f.app, "package_show", "id=ck-school-list").await["organization"]["name"].clone();
    let org = org.as_str().unwrap();
    // Paging by rows and start, in title order.
    let first = action(&f.app, "package_search", "rows=2&start=0&sort=title_string%20asc").await;
    assert_eq!(first["count"], 3);
    assert_eq!(first["results"].as_array().unwrap().len(), 2);
    let second = action(&f.app, "package_search", "rows=2&start=2&sort=title_string%20asc").await;
    assert_eq!(second["results"].as_array().unwrap().len(), 1);
    let mut titles: Vec<String> = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["results"].as_array().unwrap())
        .map(|p| p["title"].as_str().unwrap().to_string())
        .collect();
    let sorted = {
        let mut t = titles.clone();
        t.sort();
        t
    };
    assert_eq!(titles, sorted);
    titles.dedup();
    assert_eq!(titles.len(), 3);
    // Default rows is 10; rows above 1000 are capped, not refused.
    assert_eq!(action(&f.app, "package_search", "rows=5000").await["count"], 3);
    // Chinese full text, with facets in CKAN's shape.
    let facets = q(r#"["organization","groups","res_format","type","license_id","tags"]"#);
    let found = action(&f.app, "package_search", &format!("q={}&facet.field={facets}", q("学校"))).await;
    assert!(found["count"].as_i64().unwrap() >= 1);
    assert_eq!(found["results"][0]["name"], "ck-school-list");
    let sf = &found["search_facets"];
    assert_eq!(sf["organization"]["title"], "organization");
    let item = &sf["organization"]["items"][0];
    assert_eq!(item["name"], org);
    assert!(item["display_name"].as_str().unwrap().starts_with("测试局"));
    assert!(item["count"].as_i64().unwrap() >= 1);
    assert_eq!(sf["groups"]["items"][0]["name"], "education");
    assert_eq!(sf["groups"]["items"][0]["display_name"], "教育");
    assert!(found["facets"]["res_format"].is_object());
    // fq filters, also by POST with a JSON list of facet fields.
    let corpora = f
        .app
        .post(
            "/api/3/action/package_search",
            None,
            json!({"fq": "type:corpus", "facet.field": ["modality"], "rows": 10}),
        )
        .await
        .expect(200)
        .json()["result"]
        .clone();
    assert_eq!(corpora["count"], 1);
    assert_eq!(corpora["results"][0]["type"], "corpus");
    assert_eq!(corpora["results"][0]["id"], f.corpus["id"]);
    assert_eq!(corpora["search_facets"]["modality"]["items"][0]["name"], "text");
    let by_org =
        action(&f.app, "package_search", &format!("fq={}", q(&format!("organization:{org} AND res_format:CSV")))).await;
    assert_eq!(by_org["count"], 2);
    let cond = action(&f.app, "package_search", "fq=open_condition:conditional").await;
    assert_eq!(cond["count"], 1);
    let tagged = action(&f.app, "package_search", &format!("fq={}", q(r#"tags:"测试" groups:education"#))).await;
    assert_eq!(tagged["count"], 3);
    let none = action(&f.app, "package_search", "fq=organization:no-such-bureau").await;
    assert_eq!(none["count"], 0);
    assert_eq!(action(&f.app, "package_search", "fq=modality:text").await["count"], 1);
}

#[actix_web::test]
async fn bad_input_gets_ckan_errors_with_ckan_statuses() {
    let f = fixture().await;
    let app = &f.app;
    let e = ckan_error(app.get("/api/3/action/package_search?rows=many", None).await, 409, "Validation Error").await;
    assert!(e["rows"].is_array(), "{e}");
    ckan_error(app.get("/api/3/action/package_search?fq=colour:red", None).await, 409, "Validation Error").await;
    ckan_error(app.get("/api/3/action/package_search?sort=views%20desc", None).await, 409, "Validation Error").await;
    ckan_error(app.get("/api/3/action/package_search?facet.field=organization", None).await, 409, "Validation Error")
        .await;
    ckan_error(app.get("/api/3/action/package_show", None).await, 409, "Validation Error").await;
    ckan_error(app.get("/api/3/action/package_show?id=nothing-here", None).await, 404, "Not Found Error").await;
    ckan_error(app.get("/api/3/action/resource_show?id=not-a-uuid", None).await, 404, "Not Found Error").await;
    ckan_error(app.get("/api/3/action/organization_show?id=nobody", None).await, 404, "Not Found Error").await;
    ckan_error(app.get("/api/3/action/group_show?id=nothing", None).await, 404, "Not Found Error").await;
    ckan_error(app.get("/api/3/action/package_delete", None).await, 400, "Bad Request").await;
    let bad_json = app
        .raw("POST", "/api/3/action/package_search", &[("Content-Type", "application/json")], b"{rows:".to_vec())
        .await;
    ckan_error(bad_json, 400, "Bad Request").await;
    let not_object =
        app.raw("POST", "/api/3/action/package_search", &[("Content-Type", "application/json")], b"[1]".to_vec()).await;
    ckan_error(not_object, 400, "Bad Request").await;
    let form =
        app.raw("POST", "/api/3/action/package_search", &[("Content-Type", "text/plain")], b"rows=1".to_vec()).await;
    ckan_error(form, 415, "Bad Request").await;
}

#[actix_web::test]
async fn organisations_groups_tags_and_licences() {
    let f = fixture().await;
    let orgs = action(&f.app, "organization_list", "").await;
    let code = action(&f.app, "package_show", "id=ck-school-list").await["organization"]["name"].clone();
    assert!(orgs.as_array().unwrap().contains(&code), "{orgs}");
    let full = action(&f.app, "organization_list", "all_fields=true").await;
    let mine = full.as_array().unwrap().iter().find(|o| o["name"] == code).unwrap();
    assert_eq!(mine["package_count"], 3, "published listings only: {mine}");
    assert_eq!(mine["is_organization"], true);
    let total = orgs.as_array().unwrap().len();
    let window = action(&f.app, "organization_list", &format!("limit=1&offset={}", total - 1)).await;
    assert_eq!(window.as_array().unwrap().len(), 1);
    let shown = action(&f.app, "organization_show", &format!("id={}", code.as_str().unwrap())).await;
    assert_eq!(shown["package_count"], 3);
    let by_id = action(&f.app, "organization_show", &format!("id={}", shown["id"].as_str().unwrap())).await;
    assert_eq!(by_id["name"], code);
    let groups = action(&f.app, "group_list", "").await;
    assert!(groups.as_array().unwrap().contains(&json!("education")));
    let edu = action(&f.app, "group_show", "id=education").await;
    assert_eq!(edu["title"], "教育");
    assert_eq!(edu["package_count"], 3);
    let tags = action(&f.app, "tag_list", "").await;
    assert_eq!(tags, json!(["测试"]));
    let tag_objects = action(&f.app, "tag_list", &format!("all_fields=true&query={}", q("测"))).await;
    assert_eq!(tag_objects[0]["name"], "测试");
    let licences = action(&f.app, "license_list", "").await;
    let cc = licences.as_array().unwrap().iter().find(|l| l["id"] == "CC-BY-4.0").unwrap();
    assert_eq!(cc["url"], "https://spdx.org/licenses/CC-BY-4.0.html");
}
