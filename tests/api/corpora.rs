//! The corpus catalogue: lifecycle on the shared machinery, each modality's
//! validation rules, lineage both ways and the restriction rule.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::*;

struct World {
    app: TestApp,
    admin: Session,
    health: Session,
    edu: Session,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let health_b = app.bureau(&admin, "sh-health").await;
    let edu_b = app.bureau(&admin, "sh-edu").await;
    let health = app.publisher(&admin, &health_b).await;
    let edu = app.publisher(&admin, &edu_b).await;
    World { app, admin, health, edu }
}

async fn problem_fields(app: &TestApp, who: &Session, body: Value) -> Vec<String> {
    error_fields(&app.post("/api/v1/corpora", Some(&who.token), body).await.problem(422))
}

#[actix_web::test]
async fn a_corpus_goes_from_draft_to_published_to_withdrawn_with_revisions_and_audit() {
    let World { app, health, .. } = world().await;
    let created = app
        .post(
            "/api/v1/corpora",
            Some(&health.token),
            corpus_body("sh-notes", "病历文本语料", "text", "unconditional", &[]),
        )
        .await
        .expect(201);
    let c = created.json();
    assert!(created.header("location").unwrap().ends_with(&format!("/api/v1/corpora/{}", c["id"].as_str().unwrap())));
    assert!(created.header("etag").is_some());
    assert_eq!(c["kind"], "corpus");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["modality"], "text");
    assert_eq!(c["sample_count"], 1000);
    assert_eq!(c["record_count"], 1000, "the sample count is the listing's record count");
    assert_eq!(c["splits"][0], json!({"name": "train", "sample_count": 800}));
    assert_eq!(c["text"]["encoding"], "UTF-8");
    assert!(c.get("image").is_none());
    assert_eq!(c["datasheet"]["limitations"], "仅覆盖上海");

    // Drafts are not visible to anyone else; not a dataset either.
    app.get("/api/v1/corpora/sh-notes", None).await.problem(404);
    app.get("/api/v1/datasets/sh-notes", Some(&health.token)).await.problem(404);

    // A merge patch changes the size and splits together; the revision records both.
    let r = app
        .patch_listing(
            &health,
            "/api/v1/corpora/sh-notes",
            json!({"sample_count": 1200,
                   "splits": [{"name": "train", "sample_count": 1000}, {"name": "test", "sample_count": 200}],
                   "text": {"token_count": 800000}}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(r["sample_count"], 1200);
    assert_eq!(r["text"]["token_count"], 800000);
    assert_eq!(r["text"]["char_count"], 1200000, "merge patch keeps the rest of the section");
    let revs = app.get("/api/v1/corpora/sh-notes/revisions", Some(&health.token)).await.expect(200).json();
    let fields: Vec<&str> =
        revs["items"][0]["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["sample_count", "splits", "text"]);
    // A stale ETag is refused.
    app.call_with(
        "PATCH",
        "/api/v1/corpora/sh-notes",
        Some(&health.token),
        &[("If-Match", "\"x-1\"")],
        Some(json!({"title": "x"})),
    )
    .await
    .problem(412);

    app.post(
        "/api/v1/corpora/sh-notes/distributions",
        Some(&health.token),
        json!({"name": "接口", "format": "API", "access_url": "https://data.sh.gov.cn/x"}),
    )
    .await
    .expect(201);
    let c = app.post("/api/v1/corpora/sh-notes/publish", Some(&health.token), json!({})).await.expect(200).json();
    assert_eq!(c["status"], "published");
    assert_eq!(app.get("/api/v1/corpora/sh-notes", None).await.expect(200).json()["formats"], json!(["API"]));
    let c = app
        .post("/api/v1/corpora/sh-notes/withdraw", Some(&health.token), json!({"reason": "重新标注"}))
        .await
        .expect(200)
        .json();
    assert_eq!(c["status"], "withdrawn");

    let id = c["id"].as_str().unwrap().to_string();
    let actions: Vec<String> = app
        .state
        .db
        .run(move |conn| {
            use datagate::db::schema::audit_log::dsl::*;
            Ok(audit_log.filter(target_id.eq(id)).order(seq.asc()).select(action).load::<String>(conn)?)
        })
        .await
        .unwrap();
    for a in ["corpus.create", "corpus.update", "corpus.distribution.add", "corpus.publish", "corpus.withdraw"] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited: {actions:?}");
    }
}

#[actix_web::test]
async fn common_corpus_rules_name_the_field() {
    let World { app, health, .. } = world().await;
    let base = || corpus_body("sh-c", "语料", "text", "unconditional", &[]);

    let mut b = base();
    b["splits"][0]["sample_count"] = json!(700);
    let p = app.post("/api/v1/corpora", Some(&health.token), b).await.problem(422);
    assert_eq!(error_fields(&p), vec!["splits"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("900"), "{p}");

    let mut b = base();
    b["sample_count"] = Value::Null;
    assert_eq!(problem_fields(&app, &health, b).await, vec!["sample_count"]);

    let mut b = base();
    b["record_count"] = json!(5);
    assert_eq!(problem_fields(&app, &health, b).await, vec!["record_count"]);

    let mut b = base();
    b["image"] = corpus_section("image");
    assert_eq!(problem_fields(&app, &health, b).await, vec!["image"], "only the modality's own section");

    let mut b = base();
    b["modality"] = json!("hologram");
    assert_eq!(problem_fields(&app, &health, b).await, vec!["modality"]);

    let mut b = base();
    b["text"]["colour_mode"] = json!("rgb");
    assert_eq!(problem_fields(&app, &health, b).await, vec!["text.colour_mode"], "unknown fields are refused");

    let mut b = base();
    b["languages"] = json!(["zh_CN", "en"]);
    b["label_schema"] = json!([{"name": "a"}, {"name": "a"}]);
    b["annotation_types"] = json!([]);
    b["splits"][1]["name"] = json!("Train Set");
    let fields = problem_fields(&app, &health, b).await;
    for f in ["languages[0]", "label_schema[1].name", "annotation_types", "splits[1].name"] {
        assert!(fields.contains(&f.to_string()), "{f} not in {fields:?}");
    }

    let mut b = base();
    b["derived_from"] = json!(["sh-no-such-dataset"]);
    let p = app.post("/api/v1/corpora", Some(&health.token), b).await.problem(422);
    assert_eq!(error_fields(&p), vec!["derived_from[0]"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("sh-no-such-dataset"));
}

#[actix_web::test]
async fn text_and_image_rules() {
    let World { app, health, .. } = world().await;
    let mut b = corpus_body("sh-t", "文本", "text", "unconditional", &[]);
    b["text"] = json!({"char_count": -1, "encoding": "EBCDIC", "genres": [""]});
    let fields = problem_fields(&app, &health, b).await;
    for f in ["text.char_count", "text.encoding", "text.genres[0]"] {
        assert!(fields.contains(&f.to_string()), "{f} not in {fields:?}");
    }
    // A text corpus without languages, counts or encoding is a draft, not publishable.
    let mut b = corpus_body("sh-t", "文本", "text", "unconditional", &[]);
    b["languages"] = json!([]);
    b["text"] = json!({"genres": ["新闻"]});
    app.create_corpus(&health, b).await;
    app.post(
        "/api/v1/corpora/sh-t/distributions",
        Some(&health.token),
        json!({"name": "x", "format": "API", "access_url": "https://x.cn/a"}),
    )
    .await
    .expect(201);
    let fields =
        error_fields(&app.post("/api/v1/corpora/sh-t/publish", Some(&health.token), json!({})).await.problem(422));
    for f in ["languages", "text.char_count", "text.encoding"] {
        assert!(fields.contains(&f.to_string()), "{f} not in {fields:?}");
    }

    let mut b = corpus_body("sh-i", "图像", "image", "unconditional", &[]);
    b["image"]["resolution"] = json!({"min_width": 2000, "min_height": 480, "max_width": 1920, "max_height": 1080});
    b["image"]["file_formats"] = json!(["JPEG", "PSD"]);
    b["image"]["colour_mode"] = json!("sepia");
    let p = app.post("/api/v1/corpora", Some(&health.token), b).await.problem(422);
    assert_eq!(error_fields(&p), vec!["image.colour_mode"], "an unknown enum value is a parse error: {p}");
    let mut b = corpus_body("sh-i", "图像", "image", "unconditional", &[]);
    b["image"]["resolution"]["min_width"] = json!(2000);
    b["image"]["file_formats"] = json!(["JPEG", "PSD"]);
    let fields = problem_fields(&app, &health, b).await;
    for f in ["image.resolution.min_width", "image.file_formats[1]"] {
        assert!(fields.contains(&f.to_string()), "{f} not in {fields:?}");
    }
    // Aliases are normalised; detection labels need an annotation format to publish.
    let mut b = corpus_body("sh-i", "图像", "image", "unconditional", &[]);
    b["annotation_types"] = json!(["detection_boxes"]);
    b["image"]["annotation_format"] = Value::Null;
    let c = app.create_corpus(&health, b).await;
    assert_eq!(c["image"]["file_formats"], json!(["JPEG"]));
    app.post(
        "/api/v1/corpora/sh-i/distributions",
        Some(&health.token),
        json!({"name": "x", "format": "API", "access_url": "https://x.cn/a"}),
    )
    .await
    .expect(201);
    let fields =
        error_fields(&app.post("/api/v1/corpora/sh-i/publish", Some(&health.token), json!({})).await.problem(422));
    assert_eq!(fields, vec!["image.annotation_format"]);
}

#[actix_web::test]
async fn sensor_rules_demand_a_unit_on_every_quantity() {
    let World { app, health, .. } = world().await;
    let mut b = corpus_body("sh-s", "传感", "sensor", "unconditional", &[]);
    b["sensor"]["measured_quantities"] = json!([
        {"name": "pm2_5", "unit": "μg/m³"},
        {"name": "temperature", "label": "气温"},
        {"name": "pm2_5", "unit": " "}
    ]);
    b["sensor"]["sampling_interval"] = json!("hourly");
    b["sensor"]["time_zone"] = json!("Beijing");
    b["sensor"]["station_count"] = json!(0);
    b["sensor"]["spatial_extent"] = json!({"west": 122.2, "south": 30.67, "east": 120.85, "north": 31.88});
    let p = app.post("/api/v1/corpora", Some(&health.token), b).await.problem(422);
    let fields = error_fields(&p);
    for f in [
        "sensor.measured_quantities[1].unit",
        "sensor.measured_quantities[2].name",
        "sensor.measured_quantities[2].unit",
        "sensor.sampling_interval",
        "sensor.time_zone",
        "sensor.station_count",
        "sensor.spatial_extent.east",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} not in {fields:?}");
    }
    assert!(!fields.contains(&"sensor.measured_quantities[0].unit".to_string()));

    let mut b = corpus_body("sh-s", "传感", "sensor", "unconditional", &[]);
    b["sensor"]["sampling_interval"] = json!("pt5m");
    b["sensor"]["time_zone"] = json!("+08:00");
    let c = app.create_corpus(&health, b).await;
    assert_eq!(c["sensor"]["sampling_interval"], "PT5M");
    assert_eq!(c["sensor"]["measured_quantities"][0]["unit"], "μg/m³");
}

#[actix_web::test]
async fn geo_rules_crs_and_the_map_review_number() {
    let World { app, health, .. } = world().await;
    let mut b = corpus_body("sh-g", "地图", "geo", "unconditional", &[]);
    b["geo"]["crs"] = json!("EPSG:9999");
    let p = app.post("/api/v1/corpora", Some(&health.token), b).await.problem(422);
    assert_eq!(error_fields(&p), vec!["geo.crs"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("EPSG:9999"));

    let mut b = corpus_body("sh-g", "地图", "geo", "unconditional", &[]);
    b["geo"]["crs"] = json!("CGCS2000");
    let p = app.post("/api/v1/corpora", Some(&health.token), b).await.problem(422);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("EPSG:4490"), "{p}");

    let mut b = corpus_body("sh-g", "地图", "geo", "unconditional", &[]);
    b["geo"]["bbox"] = json!({"west": 200.0, "south": 31.0, "east": 122.0, "north": 30.0});
    b["geo"]["scale_denominator"] = json!(0);
    b["geo"]["review_number"] = json!("审图号待定");
    let fields = problem_fields(&app, &health, b).await;
    for f in ["geo.bbox.west", "geo.bbox.north", "geo.scale_denominator", "geo.review_number"] {
        assert!(fields.contains(&f.to_string()), "{f} not in {fields:?}");
    }

    // GCJ-02 is named explicitly.
    let mut b = corpus_body("sh-gcj", "位置", "geo", "unconditional", &[]);
    b["geo"]["crs"] = json!("gcj02");
    assert_eq!(app.create_corpus(&health, b).await["geo"]["crs"], "GCJ-02");

    // A map product may be drafted without its review number but not published.
    let mut b = corpus_body("sh-g", "地图", "geo", "unconditional", &[]);
    b["geo"]["map_product"] = json!(true);
    b["geo"]["crs"] = json!("epsg:4490");
    let c = app.create_corpus(&health, b).await;
    assert_eq!(c["geo"]["crs"], "EPSG:4490");
    app.post(
        "/api/v1/corpora/sh-g/distributions",
        Some(&health.token),
        json!({"name": "x", "format": "API", "access_url": "https://x.cn/a"}),
    )
    .await
    .expect(201);
    let p = app.post("/api/v1/corpora/sh-g/publish", Some(&health.token), json!({})).await.problem(422);
    assert_eq!(error_fields(&p), vec!["geo.review_number"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("审图号"));
    app.patch_listing(&health, "/api/v1/corpora/sh-g", json!({"geo": {"review_number": "沪S（2025）036号"}}))
        .await
        .expect(200);
    app.post("/api/v1/corpora/sh-g/publish", Some(&health.token), json!({})).await.expect(200);
}

#[actix_web::test]
async fn lineage_is_shown_both_ways_to_those_who_may_see_it() {
    let World { app, health, edu, .. } = world().await;
    app.quick_dataset(&health, dataset_body("sh-visits", "门诊量", "unconditional")).await;
    app.quick_dataset(&health, dataset_body("sh-clinics", "医疗机构", "unconditional")).await;
    let published = app
        .quick_corpus(
            &health,
            corpus_body("sh-visits-corpus", "门诊语料", "text", "unconditional", &["sh-visits", "sh-clinics"]),
        )
        .await;
    let names: Vec<&str> =
        published["derived_from"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["sh-visits", "sh-clinics"], "sources in the order given");
    assert_eq!(published["derived_from"][0]["kind"], "dataset");
    // A draft corpus from the same dataset, by id.
    let visits = app.get("/api/v1/datasets/sh-visits", None).await.json();
    let draft = corpus_body("sh-visits-draft", "草稿语料", "image", "unconditional", &[visits["id"].as_str().unwrap()]);
    let d = app.create_corpus(&health, draft).await;
    assert_eq!(d["derived_from"][0]["name"], "sh-visits");

    // Anyone sees the published corpus on the dataset; only the bureau sees the draft too.
    let anon = app.get("/api/v1/datasets/sh-visits", None).await.expect(200).json();
    let derived: Vec<&str> =
        anon["derived_corpora"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(derived, vec!["sh-visits-corpus"]);
    assert_eq!(anon["derived_corpora"][0]["modality"], "text");
    let own = app.get("/api/v1/datasets/sh-visits", Some(&health.token)).await.json();
    assert_eq!(own["derived_corpora"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/api/v1/datasets/sh-clinics", None).await.json()["derived_corpora"][0]["name"],
        "sh-visits-corpus"
    );

    // Another bureau's draft dataset is not a source it can name.
    app.create_dataset(&edu, dataset_body("sh-edu-secret", "草稿数据集", "unconditional")).await;
    let b = corpus_body("sh-h2", "语料", "text", "unconditional", &["sh-edu-secret"]);
    assert_eq!(problem_fields(&app, &health, b).await, vec!["derived_from[0]"]);
    // The bureau's own draft can be named, but the corpus is not published before it.
    app.create_dataset(&health, dataset_body("sh-health-draft", "草稿", "unconditional")).await;
    app.quick_corpus_draft(&health, corpus_body("sh-h3", "语料", "text", "unconditional", &["sh-health-draft"])).await;
    let p = app.post("/api/v1/corpora/sh-h3/publish", Some(&health.token), json!({})).await.problem(422);
    assert_eq!(error_fields(&p), vec!["derived_from[0]"]);
}

#[actix_web::test]
async fn a_corpus_is_not_less_restricted_than_its_sources_without_a_recorded_justification() {
    let World { app, health, admin, .. } = world().await;
    app.quick_dataset(&health, dataset_body("sh-records", "门诊记录", "conditional")).await;
    app.quick_dataset(&health, dataset_body("sh-open", "机构名录", "unconditional")).await;

    // As restricted as the source: fine.
    app.quick_corpus(&health, corpus_body("sh-cond", "有条件语料", "text", "conditional", &["sh-records"])).await;

    // Less restricted: refused at publish, naming the source.
    app.quick_corpus_draft(
        &health,
        corpus_body("sh-loose", "无条件语料", "text", "unconditional", &["sh-open", "sh-records"]),
    )
    .await;
    let p = app.post("/api/v1/corpora/sh-loose/publish", Some(&health.token), json!({})).await.problem(422);
    assert_eq!(error_fields(&p), vec!["lineage_justification"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("sh-records"), "{p}");
    // Even an administrator cannot skip it.
    app.post("/api/v1/corpora/sh-loose/publish", Some(&admin.token), json!({})).await.problem(422);

    // With a justification it publishes, and the justification is on record.
    let why = "仅发布按科室聚合并经去标识化的统计文本，不含任何个人记录";
    app.patch_listing(&health, "/api/v1/corpora/sh-loose", json!({"lineage_justification": why})).await.expect(200);
    let c = app.post("/api/v1/corpora/sh-loose/publish", Some(&health.token), json!({})).await.expect(200).json();
    assert_eq!(c["lineage_justification"], why);
    let revs = app.get("/api/v1/corpora/sh-loose/revisions", None).await.json();
    let recorded = revs["items"].as_array().unwrap().iter().any(|r| {
        r["changes"].as_array().unwrap().iter().any(|ch| ch["field"] == "lineage_justification" && ch["new"] == why)
    });
    assert!(recorded, "{revs}");
}

impl TestApp {
    /// Creates a corpus with an external distribution, leaving it a draft.
    async fn quick_corpus_draft(&self, who: &Session, body: Value) {
        let name = body["name"].as_str().unwrap().to_string();
        self.create_corpus(who, body).await;
        self.post(
            &format!("/api/v1/corpora/{name}/distributions"),
            Some(&who.token),
            json!({"name": "接口", "format": "API", "access_url": "https://data.sh.gov.cn/api/c"}),
        )
        .await
        .expect(201);
    }
}
