//! Usable but not visible: aggregate-only distributions, grants with a
//! privacy budget, differentially private queries, downloads refused, the
//! budget spent atomically under concurrency, every query audited.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::profiles::upload;

struct World {
    app: TestApp,
    admin: Session,
    health: Session,
    ent: Session,
    dist: String,
    dataset: Value,
}

const DISTRICTS: [&str; 3] = ["浦东新区", "黄浦区", "崇明区"];

/// 600 visits: district i gets 300, 200, 100 rows; visits = 10 + (row % 50) * 4.
fn visits_csv() -> String {
    let mut s = String::from("district,month,visits,patient_name\n");
    for i in 0..600 {
        let district = if i < 300 {
            DISTRICTS[0]
        } else if i < 500 {
            DISTRICTS[1]
        } else {
            DISTRICTS[2]
        };
        s.push_str(&format!("{district},2024-{:02},{},患者{i}\n", 1 + i % 12, 10 + (i % 50) * 4));
    }
    s
}

fn declared() -> Value {
    json!([
        {"kind": "categorical", "name": "district", "values": DISTRICTS},
        {"kind": "categorical", "name": "month", "values": (1..=12).map(|m| format!("2024-{m:02}")).collect::<Vec<_>>()},
        {"kind": "numeric", "name": "visits", "lower": 0, "upper": 500}
    ])
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-health").await;
    let health = app.publisher(&admin, &b).await;
    let ent = app.verified_enterprise(&admin, "上海智算未来科技有限公司").await;
    app.create_dataset(&health, dataset_body("outpatient-visits", "门诊就诊记录", "conditional")).await;
    let d = upload(&app, &health, "outpatient-visits", "CSV", "visits.csv", visits_csv().into_bytes()).await;
    let dist = d["id"].as_str().unwrap().to_string();
    app.call(
        "PUT",
        &format!("/api/v1/distributions/{dist}/disclosure"),
        Some(&health.token),
        Some(json!({"aggregate_only": true, "columns": declared()})),
    )
    .await
    .expect(200);
    let dataset =
        app.post("/api/v1/datasets/outpatient-visits/publish", Some(&health.token), json!({})).await.expect(200).json();
    World { app, admin, health, ent, dist, dataset }
}

async fn request(w: &World) -> String {
    let r = w
        .app
        .post(
            "/api/v1/access-requests",
            Some(&w.ent.token),
            json!({
                "listing": "outpatient-visits",
                "purpose_category": "research",
                "purpose": "研究本市各区门诊负荷的季节变化规律",
                "scenario": "只在平台上做差分隐私聚合统计，不接触记录",
                "duration_days": 90,
                "security_measures": "结果仅限项目组内部使用，不与其他数据关联",
                "terms_version": w.dataset["terms"]["version"]
            }),
        )
        .await
        .expect(201)
        .json();
    r["id"].as_str().unwrap().to_string()
}

async fn aggregate_grant(w: &World, epsilon: f64) -> String {
    let id = request(w).await;
    let a = w
        .app
        .post(
            &format!("/api/v1/access-requests/{id}/approve"),
            Some(&w.admin.token),
            json!({"aggregate": {"epsilon": epsilon, "group_columns": ["district"]}}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(a["privacy_budget"]["epsilon_budget"], epsilon);
    a["grant"]["id"].as_str().unwrap().to_string()
}

async fn query(w: &World, grant: &str, body: Value) -> Resp {
    w.app.post(&format!("/api/v1/grants/{grant}/queries"), Some(&w.ent.token), body).await
}

fn audit_count(app: &TestApp, what: &str) -> usize {
    use datagate::db::schema::audit_log::dsl::*;
    use diesel::prelude::*;
    let mut conn = app.state.db.get().unwrap();
    audit_log.filter(action.eq(what)).count().get_result::<i64>(&mut *conn).unwrap() as usize
}

#[actix_web::test]
async fn an_aggregate_only_grant_answers_private_queries_and_never_hands_out_rows() {
    let w = world().await;
    let app = &w.app;
    // An ordinary approval of aggregate-only data is refused.
    let req = request(&w).await;
    let p =
        app.post(&format!("/api/v1/access-requests/{req}/approve"), Some(&w.admin.token), json!({})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "aggregate", "{p}");
    // … and so are undeclared group columns, or a budget out of range.
    let p = app
        .post(
            &format!("/api/v1/access-requests/{req}/approve"),
            Some(&w.admin.token),
            json!({"aggregate": {"epsilon": 0, "group_columns": ["patient_name"]}}),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["aggregate.epsilon", "aggregate.group_columns[0]"]);
    let a = app
        .post(
            &format!("/api/v1/access-requests/{req}/approve"),
            Some(&w.admin.token),
            json!({"aggregate": {"epsilon": 2.0, "group_columns": ["district"]}}),
        )
        .await
        .expect(200)
        .json();
    let grant = a["grant"]["id"].as_str().unwrap().to_string();

    // No data token, hence no download.
    let p =
        app.post(&format!("/api/v1/grants/{grant}/access-tokens"), Some(&w.ent.token), json!({})).await.problem(403);
    assert!(p["type"].as_str().unwrap().ends_with("aggregate-only"), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("aggregate-only"));
    app.get(&format!("/api/v1/distributions/{}/file", w.dist), Some(&w.ent.token)).await.problem(403);

    // A count: 600 rows, Laplace scale 1/0.2 = 5; |noise| < 100 but with probability e^-20.
    let r = query(&w, &grant, json!({"distribution_id": w.dist, "aggregate": "count", "epsilon": 0.2}))
        .await
        .expect(200)
        .json();
    let v = r["results"][0]["value"].as_f64().unwrap();
    assert!((v - 600.0).abs() < 100.0, "{r}");
    assert_eq!(r["epsilon_spent"], 0.2);
    assert_eq!(r["epsilon_remaining"], 1.8);
    assert!((r["noise_scale"].as_f64().unwrap() - 5.0).abs() < 1e-6, "{r}");
    assert!(r["mechanism"].as_str().unwrap().contains("make_laplace"));

    // Grouped by district, filtered to months before July: 150, 100, 50 rows.
    let r = query(
        &w,
        &grant,
        json!({"distribution_id": w.dist, "aggregate": "count", "group_by": "district", "epsilon": 0.5,
               "filters": [{"column": "month", "op": "lt", "value": "2024-07"}]}),
    )
    .await
    .expect(200)
    .json();
    let groups: Vec<(String, f64)> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["group"].as_str().unwrap().to_string(), g["value"].as_f64().unwrap()))
        .collect();
    assert_eq!(groups.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(), DISTRICTS.to_vec());
    for ((_, v), truth) in groups.iter().zip([150.0, 100.0, 50.0]) {
        assert!((v - truth).abs() < 40.0, "{r}");
    }

    // Sum and mean of visits (true mean 108, sum 64 800), clamped to [0, 500].
    let r =
        query(&w, &grant, json!({"distribution_id": w.dist, "aggregate": "mean", "column": "visits", "epsilon": 0.4}))
            .await
            .expect(200)
            .json();
    assert!((r["results"][0]["value"].as_f64().unwrap() - 108.0).abs() < 40.0, "{r}");
    let r =
        query(&w, &grant, json!({"distribution_id": w.dist, "aggregate": "sum", "column": "visits", "epsilon": 0.2}))
            .await
            .expect(200)
            .json();
    assert!((r["results"][0]["value"].as_f64().unwrap() - 64_800.0).abs() < 25_000.0, "{r}");

    // A histogram over declared bins, and a median (true 106 … 110).
    let r = query(
        &w,
        &grant,
        json!({"distribution_id": w.dist, "aggregate": "histogram", "column": "visits", "bins": [0, 100, 200, 300],
               "epsilon": 0.2}),
    )
    .await
    .expect(200)
    .json();
    let bins = r["results"][0]["bins"].as_array().unwrap();
    assert_eq!(bins.len(), 3);
    assert!((bins[0]["count"].as_f64().unwrap() - 288.0).abs() < 60.0, "{r}");
    assert!(r["results"][0]["outside"].is_i64());
    let r = query(
        &w,
        &grant,
        json!({"distribution_id": w.dist, "aggregate": "quantile", "column": "visits", "quantile": 0.5, "epsilon": 0.3}),
    )
    .await
    .expect(200)
    .json();
    // The rows' median is 108; at ε = 0.3 the noise of 128 bins moves the
    // read-off median by about 10 (one standard deviation), so ±50 holds
    // by far while still telling the median from the 10th or 90th percentile
    // (30 and 186).
    assert!((r["results"][0]["value"].as_f64().unwrap() - 108.0).abs() < 50.0, "{r}");
    // No row, no name, ever.
    assert!(!r.to_string().contains("患者"));

    // Bad queries are 422 and spend nothing.
    for (body, field) in [
        (json!({"distribution_id": w.dist, "aggregate": "sum", "column": "patient_name", "epsilon": 0.1}), "column"),
        (json!({"distribution_id": w.dist, "aggregate": "count", "group_by": "month", "epsilon": 0.1}), "group_by"),
        (
            json!({"distribution_id": w.dist, "aggregate": "count", "epsilon": 0.1,
                   "filters": [{"column": "patient_name", "op": "eq", "value": "患者1"}]}),
            "filters[0].column",
        ),
        (
            json!({"distribution_id": w.dist, "aggregate": "histogram", "column": "visits", "bins": [5, 1], "epsilon": 0.1}),
            "bins",
        ),
        (json!({"distribution_id": w.dist, "aggregate": "count", "epsilon": 0}), "epsilon"),
    ] {
        let p = query(&w, &grant, body).await.problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }

    // The budget, as the grantee and the bureau see it.
    for who in [&w.ent, &w.health] {
        let b = app.get(&format!("/api/v1/grants/{grant}/privacy-budget"), Some(&who.token)).await.expect(200).json();
        assert_eq!((b["queries"].clone(), b["epsilon_spent"].clone()), (json!(6), json!(1.8)), "{b}");
        assert_eq!(b["group_columns"], json!(["district"]));
    }
    // Each query is audited with its ε and in the bureau's access log.
    assert_eq!(audit_count(app, "grant.query"), 6);
    let log = app
        .get(&format!("/api/v1/access-log?event=query&grant={grant}"), Some(&w.health.token))
        .await
        .expect(200)
        .json();
    let entries = log["items"].as_array().unwrap();
    assert_eq!(entries.len(), 6, "{log}");
    assert_eq!(entries[0]["epsilon"], 0.3);
}

#[actix_web::test]
async fn a_download_grant_stops_downloading_once_the_distribution_becomes_aggregate_only() {
    let w = world().await;
    let app = &w.app;
    // Take aggregate-only off, grant ordinarily, then the bureau turns it on.
    let url = format!("/api/v1/distributions/{}/disclosure", w.dist);
    app.call("PUT", &url, Some(&w.health.token), Some(json!({"columns": declared()}))).await.expect(200);
    let req = request(&w).await;
    let a =
        app.post(&format!("/api/v1/access-requests/{req}/approve"), Some(&w.admin.token), json!({})).await.expect(200);
    let grant = a.json()["grant"]["id"].as_str().unwrap().to_string();
    let t = app
        .post(&format!("/api/v1/grants/{grant}/access-tokens"), Some(&w.ent.token), json!({}))
        .await
        .expect(201)
        .json();
    let token = t["access_token"].as_str().unwrap().to_string();
    let file = format!("/api/v1/distributions/{}/file", w.dist);
    app.get(&file, Some(&token)).await.expect(200);
    app.call("PUT", &url, Some(&w.health.token), Some(json!({"aggregate_only": true, "columns": declared()})))
        .await
        .expect(200);
    let p = app.get(&file, Some(&token)).await.problem(403);
    assert!(p["type"].as_str().unwrap().ends_with("aggregate-only"), "{p}");
    // A download grant cannot query.
    query(&w, &grant, json!({"distribution_id": w.dist, "aggregate": "count", "epsilon": 0.1})).await.problem(409);
    // Only a conditional listing's distribution can be aggregate-only.
    app.create_dataset(&w.health, dataset_body("open-one", "开放", "unconditional")).await;
    let d = upload(app, &w.health, "open-one", "CSV", "o.csv", b"a\n1\n".to_vec()).await;
    let p = app
        .call(
            "PUT",
            &format!("/api/v1/distributions/{}/disclosure", d["id"].as_str().unwrap()),
            Some(&w.health.token),
            Some(json!({"aggregate_only": true})),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "aggregate_only");
}

#[actix_web::test]
async fn an_exhausted_budget_is_refused_with_409_and_nothing_spent() {
    let w = world().await;
    let grant = aggregate_grant(&w, 0.3).await;
    let count = json!({"distribution_id": w.dist, "aggregate": "count", "epsilon": 0.1});
    for _ in 0..3 {
        query(&w, &grant, count.clone()).await.expect(200);
    }
    let p = query(&w, &grant, count.clone()).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("nothing was spent"), "{p}");
    assert_eq!(p["context"]["epsilon_remaining"], 0.0, "{p}");
    // A smaller query than what is left is refused just the same when nothing is left.
    query(&w, &grant, json!({"distribution_id": w.dist, "aggregate": "count", "epsilon": 0.001})).await.problem(409);
    let b = w.app.get(&format!("/api/v1/grants/{grant}/privacy-budget"), Some(&w.ent.token)).await.expect(200).json();
    assert_eq!((b["epsilon_spent"].clone(), b["queries"].clone()), (json!(0.3), json!(3)));
    assert_eq!(audit_count(&w.app, "grant.query"), 3);
}

#[actix_web::test]
async fn twenty_concurrent_queries_with_budget_for_ten_spend_exactly_the_budget() {
    let w = world().await;
    let grant = aggregate_grant(&w, 1.0).await;
    let body = json!({"distribution_id": w.dist, "aggregate": "count", "epsilon": 0.1});
    let calls = (0..20).map(|_| query(&w, &grant, body.clone()));
    let statuses: Vec<u16> = futures_util::future::join_all(calls).await.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 10, "{statuses:?}");
    let b = w.app.get(&format!("/api/v1/grants/{grant}/privacy-budget"), Some(&w.ent.token)).await.expect(200).json();
    assert_eq!((b["epsilon_spent"].clone(), b["queries"].clone()), (json!(1.0), json!(10)));
    assert_eq!(audit_count(&w.app, "grant.query"), 10);
}

#[actix_web::test]
async fn the_demo_enterprise_queries_the_demo_outpatient_visits_at_once() {
    use datagate::demo::{DEMO_ENTERPRISE_OWNER, DEMO_PASSWORD, privacy::GRANT_ID};
    let app = TestApp::spawn().await;
    datagate::demo::load(&app.state).await.expect("demo loads");
    let login = app.login(DEMO_ENTERPRISE_OWNER, DEMO_PASSWORD).await.expect(200).json();
    let token = login["access_token"].as_str().unwrap().to_string();
    let ds = app.get("/api/v1/datasets/sh-outpatient-visits", None).await.expect(200).json();
    assert_eq!(ds["open_condition"], "conditional");
    let dist = ds["distributions"][0]["id"].as_str().unwrap().to_string();
    let disclosure = app.get(&format!("/api/v1/distributions/{dist}/disclosure"), None).await.expect(200).json();
    assert_eq!(disclosure["aggregate_only"], true);
    let budget = app.get(&format!("/api/v1/grants/{GRANT_ID}/privacy-budget"), Some(&token)).await.expect(200).json();
    assert_eq!(budget["epsilon_budget"], 5.0);
    // The README's query: visits per district in January.
    let r = app
        .post(
            &format!("/api/v1/grants/{GRANT_ID}/queries"),
            Some(&token),
            json!({"distribution_id": dist, "aggregate": "count", "group_by": "district",
                   "filters": [{"column": "month", "op": "eq", "value": "2024-01"}], "epsilon": 0.1}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(r["results"].as_array().unwrap().len(), 16);
    let total: f64 = r["results"].as_array().unwrap().iter().map(|g| g["value"].as_f64().unwrap()).sum();
    // About 20 000 / 12 visits a month; sixteen noises of scale 10.
    assert!((total - 20_000.0 / 12.0).abs() < 400.0, "{r}");
    let r = app
        .post(
            &format!("/api/v1/grants/{GRANT_ID}/queries"),
            Some(&token),
            json!({"distribution_id": dist, "aggregate": "mean", "column": "wait_minutes", "epsilon": 0.2}),
        )
        .await
        .expect(200)
        .json();
    let mean = r["results"][0]["value"].as_f64().unwrap();
    assert!((40.0..=70.0).contains(&mean), "{r}");
    app.post(&format!("/api/v1/grants/{GRANT_ID}/access-tokens"), Some(&token), json!({})).await.problem(403);
}
