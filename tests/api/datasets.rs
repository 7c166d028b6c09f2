//! The open list: publishing lifecycle, who may do what, revisions, If-Match,
//! terms versions, and bad input.

use serde_json::json;

use crate::helpers::*;

struct World {
    app: TestApp,
    admin: Session,
    edu: Session,
    health: Session,
    enterprise: Session,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let edu_bureau = app.bureau(&admin, "sh-edu").await;
    let health_bureau = app.bureau(&admin, "sh-health").await;
    let edu = app.publisher(&admin, &edu_bureau).await;
    let health = app.publisher(&admin, &health_bureau).await;
    let enterprise = app.verified_enterprise(&admin, "甲公司").await;
    World { app, admin, edu, health, enterprise }
}

#[actix_web::test]
async fn a_publisher_takes_a_dataset_from_draft_to_published_to_withdrawn() {
    let World { app, edu, .. } = world().await;
    let created = app
        .post(
            "/api/v1/datasets",
            Some(&edu.token),
            dataset_body("sh-edu-schools", "上海市中小学校名录", "unconditional"),
        )
        .await
        .expect(201);
    assert!(created.header("location").unwrap().ends_with(created.json()["id"].as_str().unwrap()));
    assert!(created.header("etag").is_some());
    let ds = created.json();
    assert_eq!(ds["status"], "draft");
    assert_eq!(ds["bureau"]["id"], edu.org_id.as_str(), "the publisher's own bureau");
    assert_eq!(ds["terms"]["version"], 1);

    // Not complete yet: no distribution.
    let p = app.post("/api/v1/datasets/sh-edu-schools/publish", Some(&edu.token), json!({})).await.problem(422);
    assert!(p["errors"].as_array().unwrap().iter().any(|e| e["field"] == "distributions"), "{p}");

    app.add_file(&edu, "sh-edu-schools", b"code\n1\n").await;
    let ds = app.post("/api/v1/datasets/sh-edu-schools/publish", Some(&edu.token), json!({})).await.expect(200).json();
    assert_eq!(ds["status"], "published");
    assert!(ds["published_at"].is_string());
    assert_eq!(ds["formats"], json!(["CSV"]));
    app.post("/api/v1/datasets/sh-edu-schools/publish", Some(&edu.token), json!({})).await.problem(409);

    app.post("/api/v1/datasets/sh-edu-schools/withdraw", Some(&edu.token), json!({"reason": ""})).await.problem(422);
    let ds = app
        .post("/api/v1/datasets/sh-edu-schools/withdraw", Some(&edu.token), json!({"reason": "口径调整"}))
        .await
        .expect(200)
        .json();
    assert_eq!(ds["status"], "withdrawn");
    assert_eq!(ds["withdrawn_reason"], "口径调整");
    // Still readable by anyone, as withdrawn.
    let seen = app.get("/api/v1/datasets/sh-edu-schools", None).await.expect(200).json();
    assert_eq!(seen["status"], "withdrawn");
    app.post("/api/v1/datasets/sh-edu-schools/withdraw", Some(&edu.token), json!({"reason": "again"}))
        .await
        .problem(409);
}

#[actix_web::test]
async fn publishing_says_precisely_what_is_missing() {
    let World { app, edu, .. } = world().await;
    let mut body = dataset_body("sh-edu-incomplete", "不完整的数据集", "conditional");
    body["summary"] = json!(null);
    body["licence"] = json!(null);
    body["terms"] = json!(null);
    body["data_items"] = json!([{"name": "code", "label": "代码", "type": "string"}]);
    app.create_dataset(&edu, body).await;
    let p = app.post("/api/v1/datasets/sh-edu-incomplete/publish", Some(&edu.token), json!({})).await.problem(422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["summary", "distributions", "data_items[0].description", "terms", "licence"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert_eq!(app.get("/api/v1/datasets/sh-edu-incomplete", Some(&edu.token)).await.json()["status"], "draft");
}

#[actix_web::test]
async fn only_the_owning_bureau_and_admins_change_a_dataset() {
    let World { app, admin, edu, health, enterprise } = world().await;
    let ds = app.create_dataset(&edu, dataset_body("sh-edu-draft", "草稿", "unconditional")).await;
    let etag = app.get("/api/v1/datasets/sh-edu-draft", Some(&edu.token)).await.header("etag").unwrap();
    let patch = |token: &str| {
        let app = &app;
        let etag = etag.clone();
        let token = token.to_string();
        async move {
            app.call_with(
                "PATCH",
                "/api/v1/datasets/sh-edu-draft",
                Some(&token),
                &[("If-Match", &etag)],
                Some(json!({"title": "改"})),
            )
            .await
        }
    };
    // Another bureau does not even see the draft; an enterprise may not curate.
    patch(&health.token).await.problem(404);
    patch(&enterprise.token).await.problem(403);
    app.post("/api/v1/datasets", Some(&enterprise.token), dataset_body("x-ent", "企业", "unconditional"))
        .await
        .problem(403);
    app.post("/api/v1/datasets", None, dataset_body("x-anon", "匿名", "unconditional")).await.problem(401);
    // A publisher cannot file under another bureau.
    let mut other = dataset_body("sh-edu-other", "别的局", "unconditional");
    other["bureau_id"] = json!(health.org_id);
    app.post("/api/v1/datasets", Some(&edu.token), other).await.problem(403);
    // Admins act on any dataset, and must say which bureau a new one belongs to.
    patch(&admin.token).await.expect(200);
    let p = app
        .post("/api/v1/datasets", Some(&admin.token), dataset_body("admin-ds", "管理员", "unconditional"))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "bureau_id");
    let mut b = dataset_body("admin-ds", "管理员", "unconditional");
    b["bureau_id"] = json!(health.org_id);
    assert_eq!(app.create_dataset(&admin, b).await["bureau"]["id"], health.org_id.as_str());

    // Once published, another bureau sees it but still may not change it.
    app.add_file(&edu, "sh-edu-draft", b"x").await;
    app.post("/api/v1/datasets/sh-edu-draft/publish", Some(&health.token), json!({})).await.problem(404);
    app.post("/api/v1/datasets/sh-edu-draft/publish", Some(&edu.token), json!({})).await.expect(200);
    let etag = app.get("/api/v1/datasets/sh-edu-draft", None).await.header("etag").unwrap();
    app.call_with(
        "PATCH",
        "/api/v1/datasets/sh-edu-draft",
        Some(&health.token),
        &[("If-Match", &etag)],
        Some(json!({"title": "x"})),
    )
    .await
    .problem(403);
    app.post("/api/v1/datasets/sh-edu-draft/withdraw", Some(&health.token), json!({"reason": "x"})).await.problem(403);
    assert_eq!(ds["name"], "sh-edu-draft");
}

#[actix_web::test]
async fn anonymous_readers_never_see_drafts() {
    let World { app, edu, health, enterprise, .. } = world().await;
    let draft = app.create_dataset(&edu, dataset_body("sh-edu-secret-draft", "未发布的草稿", "unconditional")).await;
    let dist = app.add_file(&edu, "sh-edu-secret-draft", b"a").await;
    app.published_dataset(&edu, "sh-edu-public", "已发布的数据", "unconditional").await;
    let id = draft["id"].as_str().unwrap();
    for token in [None, Some(enterprise.token.as_str()), Some(health.token.as_str())] {
        let list = app.get("/api/v1/datasets", token).await.expect(200).json();
        assert_eq!(list["total"], 1, "{list}");
        let search = app.get("/api/v1/datasets?q=%E8%8D%89%E7%A8%BF", token).await.expect(200).json();
        assert_eq!(search["total"], 0);
        app.get(&format!("/api/v1/datasets/{id}"), token).await.problem(404);
        app.get("/api/v1/datasets/sh-edu-secret-draft", token).await.problem(404);
        app.get("/api/v1/datasets/sh-edu-secret-draft/revisions", token).await.problem(404);
        app.get(&format!("/api/v1/distributions/{}", dist["id"].as_str().unwrap()), token).await.problem(404);
        app.get(&format!("/api/v1/distributions/{}/file", dist["id"].as_str().unwrap()), token).await.problem(404);
        let drafts = app.get("/api/v1/datasets?status=draft", token).await.expect(200).json();
        assert_eq!(drafts["total"], 0);
    }
    // The owning bureau sees it.
    assert_eq!(app.get("/api/v1/datasets", Some(&edu.token)).await.json()["total"], 2);
    assert_eq!(app.get("/api/v1/datasets?status=draft", Some(&edu.token)).await.json()["total"], 1);
}

#[actix_web::test]
async fn every_change_is_a_revision_with_old_and_new_values() {
    let World { app, edu, .. } = world().await;
    app.create_dataset(&edu, dataset_body("sh-edu-rev", "原标题", "unconditional")).await;
    let etag = app.get("/api/v1/datasets/sh-edu-rev", Some(&edu.token)).await.header("etag").unwrap();
    app.call_with(
        "PATCH",
        "/api/v1/datasets/sh-edu-rev",
        Some(&edu.token),
        &[("If-Match", &etag)],
        Some(json!({"title": "新标题", "record_count": 42})),
    )
    .await
    .expect(200);
    app.add_file(&edu, "sh-edu-rev", b"x").await;
    app.post("/api/v1/datasets/sh-edu-rev/publish", Some(&edu.token), json!({})).await.expect(200);

    let revs = app.get("/api/v1/datasets/sh-edu-rev/revisions", None).await.expect(200).json();
    let actions: Vec<&str> = revs["items"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["publish", "distribution.upload", "distribution.add", "update", "create"]);
    let update = &revs["items"][3];
    assert_eq!(update["actor_user_id"], edu.user_id.as_str());
    let changes = update["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    let title = changes.iter().find(|c| c["field"] == "title").unwrap();
    assert_eq!(title["old"], "原标题");
    assert_eq!(title["new"], "新标题");
    let count = changes.iter().find(|c| c["field"] == "record_count").unwrap();
    assert_eq!(count["old"], json!(null));
    assert_eq!(count["new"], 42);
    // Versions increase with each revision.
    let versions: Vec<i64> = revs["items"].as_array().unwrap().iter().map(|r| r["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, vec![5, 4, 3, 2, 1]);
    // Paged.
    let page = app.get("/api/v1/datasets/sh-edu-rev/revisions?limit=2", None).await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = app
        .get(
            &format!("/api/v1/datasets/sh-edu-rev/revisions?limit=2&cursor={}", page["next_cursor"].as_str().unwrap()),
            None,
        )
        .await
        .json();
    assert_eq!(next["items"][0]["action"], "distribution.add");
}

#[actix_web::test]
async fn if_match_keeps_two_editors_from_overwriting_each_other() {
    let World { app, edu, .. } = world().await;
    app.create_dataset(&edu, dataset_body("sh-edu-race", "标题", "unconditional")).await;
    let path = "/api/v1/datasets/sh-edu-race";
    let p = app.patch(path, Some(&edu.token), json!({"title": "无条件"})).await.problem(428);
    assert!(p["detail"].as_str().unwrap().contains("If-Match"));

    let etag = app.get(path, Some(&edu.token)).await.header("etag").unwrap();
    // Two editors read the same version; the first write wins, the second gets 412.
    let first = app.patch_if_match(path, Some(&edu.token), &etag, json!({"title": "甲的修改"})).await.expect(200);
    let new_etag = first.header("etag").unwrap();
    assert_ne!(new_etag, etag);
    let p = app.patch_if_match(path, Some(&edu.token), &etag, json!({"title": "乙的修改"})).await.problem(412);
    assert_eq!(p["context"]["etag"], new_etag.as_str());
    assert_eq!(app.get(path, Some(&edu.token)).await.json()["title"], "甲的修改");
    // With the fresh ETag the second editor succeeds.
    app.patch_if_match(path, Some(&edu.token), &new_etag, json!({"title": "乙的修改"})).await.expect(200);
}

#[actix_web::test]
async fn changing_the_terms_creates_a_new_terms_version() {
    let World { app, edu, .. } = world().await;
    let ds = app.create_dataset(&edu, dataset_body("sh-edu-terms", "条款", "conditional")).await;
    assert_eq!(ds["terms"]["version"], 1);
    let etag = app.get("/api/v1/datasets/sh-edu-terms", Some(&edu.token)).await.header("etag").unwrap();
    let ds = app
        .call_with(
            "PATCH",
            "/api/v1/datasets/sh-edu-terms",
            Some(&edu.token),
            &[("If-Match", &etag)],
            Some(json!({"terms": "新版条款：不得再识别个人。"})),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(ds["terms"]["version"], 2);
    assert_eq!(ds["terms"]["body"], "新版条款：不得再识别个人。");
    use sha2::Digest;
    assert_eq!(ds["terms"]["sha256"], hex::encode(sha2::Sha256::digest("新版条款：不得再识别个人。".as_bytes())));
    // A patch that changes nothing makes no new version.
    let etag = app.get("/api/v1/datasets/sh-edu-terms", Some(&edu.token)).await.header("etag").unwrap();
    let same = app
        .call_with(
            "PATCH",
            "/api/v1/datasets/sh-edu-terms",
            Some(&edu.token),
            &[("If-Match", &etag)],
            Some(json!({"terms": "新版条款：不得再识别个人。"})),
        )
        .await
        .expect(200);
    assert_eq!(same.header("etag").unwrap(), etag);
}

#[actix_web::test]
async fn detail_by_id_or_name_with_etag_and_304() {
    let World { app, edu, .. } = world().await;
    let (ds, _) = app.published_dataset(&edu, "sh-edu-etag", "缓存", "unconditional").await;
    let by_id = app.get(&format!("/api/v1/datasets/{}", ds["id"].as_str().unwrap()), None).await.expect(200);
    let by_name = app.get("/api/v1/datasets/sh-edu-etag", None).await.expect(200);
    assert_eq!(by_id.json(), by_name.json());
    let etag = by_id.header("etag").unwrap();
    assert!(by_id.header("last-modified").unwrap().ends_with("GMT"));
    assert_eq!(by_id.json()["distributions"].as_array().unwrap().len(), 1);
    let r =
        app.call_with("GET", "/api/v1/datasets/sh-edu-etag", None, &[("If-None-Match", &etag)], None).await.expect(304);
    assert!(r.body.is_empty());
    app.call_with("GET", "/api/v1/datasets/sh-edu-etag", None, &[("If-None-Match", "\"other\"")], None)
        .await
        .expect(200);
}

#[actix_web::test]
async fn bad_input_gets_the_right_status_and_names_the_field_and_writes_nothing() {
    let World { app, edu, admin, .. } = world().await;
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            {
                let mut b = dataset_body("bad-enum", "x", "unconditional");
                b["open_condition"] = json!("sometimes");
                b
            },
            "open_condition",
        ),
        (
            {
                let mut b = dataset_body("bad-freq", "x", "unconditional");
                b["update_frequency"] = json!("hourly");
                b
            },
            "update_frequency",
        ),
        (
            {
                let mut b = dataset_body("bad-missing", "x", "unconditional");
                b.as_object_mut().unwrap().remove("title");
                b
            },
            "title",
        ),
        (
            {
                let mut b = dataset_body("bad-long", "x", "unconditional");
                b["title"] = json!("长".repeat(201));
                b
            },
            "title",
        ),
        (
            {
                let mut b = dataset_body("bad-date", "x", "unconditional");
                b["temporal_start"] = json!("2024-02-30");
                b
            },
            "temporal_start",
        ),
        (
            {
                let mut b = dataset_body("bad-range", "x", "unconditional");
                b["temporal_start"] = json!("2024-02-01");
                b["temporal_end"] = json!("2023-01-01");
                b
            },
            "temporal_end",
        ),
        (
            {
                let mut b = dataset_body("bad-domain", "x", "unconditional");
                b["domain"] = json!("astrology");
                b
            },
            "domain",
        ),
        (dataset_body("Bad Name", "x", "unconditional"), "name"),
        (
            {
                let mut b = dataset_body("bad-reason", "x", "conditional");
                b["open_condition_reason"] = json!(null);
                b
            },
            "open_condition_reason",
        ),
        (
            {
                let mut b = dataset_body("bad-item", "x", "unconditional");
                b["data_items"] = json!([{"name": "1x", "label": "", "type": "string"}]);
                b
            },
            "data_items[0].name",
        ),
        (
            {
                let mut b = dataset_body("bad-type", "x", "unconditional");
                b["data_items"] = json!([{"name": "a", "label": "a", "type": "blob"}]);
                b
            },
            "data_items[0].type",
        ),
        (
            {
                let mut b = dataset_body("bad-count", "x", "unconditional");
                b["record_count"] = json!(-1);
                b
            },
            "record_count",
        ),
        (
            {
                let mut b = dataset_body("bad-field", "x", "unconditional");
                b["status"] = json!("published");
                b
            },
            "status",
        ),
        (
            {
                let mut b = dataset_body("bad-email", "x", "unconditional");
                b["contact"] = json!({"name": "a", "email": "nope"});
                b
            },
            "contact.email",
        ),
    ];
    for (body, field) in cases {
        let p = app.post("/api/v1/datasets", Some(&edu.token), body).await.problem(422);
        assert!(
            p["errors"].as_array().unwrap().iter().any(|e| e["field"] == field),
            "expected an error on {field}: {p}"
        );
    }
    assert_eq!(app.get("/api/v1/datasets", Some(&admin.token)).await.json()["total"], 0, "nothing was written");

    app.create_dataset(&edu, dataset_body("sh-edu-taken", "x", "unconditional")).await;
    let p = app
        .post("/api/v1/datasets", Some(&edu.token), dataset_body("sh-edu-taken", "y", "unconditional"))
        .await
        .problem(409);
    assert_eq!(p["context"]["field"], "name");
    app.get("/api/v1/datasets/no-such-dataset", None).await.problem(404);
    app.get("/api/v1/datasets/00000000-0000-7000-8000-000000000000", None).await.problem(404);
    app.post("/api/v1/datasets/no-such-dataset/publish", Some(&edu.token), json!({})).await.problem(404);

    // A patch cannot rename, and a wrong type names the field.
    let etag = app.get("/api/v1/datasets/sh-edu-taken", Some(&edu.token)).await.header("etag").unwrap();
    let p = app
        .call_with(
            "PATCH",
            "/api/v1/datasets/sh-edu-taken",
            Some(&edu.token),
            &[("If-Match", &etag)],
            Some(json!({"name": "renamed"})),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "name");
    let p = app
        .call_with(
            "PATCH",
            "/api/v1/datasets/sh-edu-taken",
            Some(&edu.token),
            &[("If-Match", &etag)],
            Some(json!({"keywords": "not a list"})),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "keywords");
    let p = app
        .call_with(
            "PATCH",
            "/api/v1/datasets/sh-edu-taken",
            Some(&edu.token),
            &[("If-Match", &etag)],
            Some(json!([1, 2])),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "body");
    // The failed patches changed nothing.
    let r = app.get("/api/v1/datasets/sh-edu-taken", Some(&edu.token)).await;
    assert_eq!(r.header("etag").unwrap(), etag);
}

#[actix_web::test]
async fn the_domain_vocabulary_is_seeded_and_admins_extend_it() {
    let World { app, admin, edu, .. } = world().await;
    let list = app.get("/api/v1/domains", None).await.expect(200).json();
    let codes: Vec<&str> = list["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    for c in [
        "education",
        "healthcare",
        "tourism",
        "transport",
        "environment",
        "economy",
        "social_security",
        "urban_planning",
        "public_safety",
        "agriculture",
    ] {
        assert!(codes.contains(&c), "{c}");
    }
    let edu_domain = list["items"].as_array().unwrap().iter().find(|d| d["code"] == "education").unwrap();
    assert_eq!(edu_domain["label_zh"], "教育");
    let body = json!({"code": "sport", "label_zh": "体育", "label_en": "Sport", "eu_theme": "educ"});
    app.post("/api/v1/domains", Some(&edu.token), body.clone()).await.problem(403);
    let d = app.post("/api/v1/domains", Some(&admin.token), body.clone()).await.expect(201).json();
    assert_eq!(d["eu_theme"], "EDUC");
    app.post("/api/v1/domains", Some(&admin.token), body).await.problem(409);
    let mut b = dataset_body("sh-edu-sport", "体育场馆", "unconditional");
    b["domain"] = json!("sport");
    app.create_dataset(&edu, b).await;
}
