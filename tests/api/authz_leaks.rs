//! Beyond the matrix's statuses: refusals that must not reveal another
//! organisation's private objects, and request fields a client must not be
//! able to set (mass assignment). Runs on the matrix's [`World`].

use serde_json::{Value, json};

use crate::authz_matrix::World;
use crate::helpers::*;

/// A response reduced to what a client can compare: status and body, with
/// the id or name it asked for replaced (a detail may echo it).
async fn answer(
    w: &World,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    id: &str,
) -> (u16, String) {
    let mut headers: Vec<(&str, String)> = Vec::new();
    if let Some(t) = token {
        headers.push(("Authorization", format!("Bearer {t}")));
    }
    if method == "PATCH" {
        headers.push(("If-Match", "*".into()));
        headers.push(("Content-Type", "application/merge-patch+json".into()));
    } else if body.is_some() {
        headers.push(("Content-Type", "application/json".into()));
    }
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let r = w.app.raw(method, path, &headers, bytes).await;
    (r.status.as_u16(), String::from_utf8_lossy(&r.body).replace(id, "<id>"))
}

/// Caller, method, path with `{}` for the id, the private object's id, a
/// nonexistent id, and the body.
type LeakCase = (&'static str, &'static str, &'static str, String, String, Option<Value>);

#[actix_web::test]
async fn authz_refusals_do_not_reveal_other_organisations_private_objects() {
    let w = World::build().await;
    let missing_uuid = uuid::Uuid::new_v4().to_string();
    let reason = Some(json!({"reason": "泄露检查"}));
    // (caller, method, path with {} for the id, the private object's id, a nonexistent id, body)
    let cases: Vec<LeakCase> = vec![
        ("anonymous", "GET", "/api/v1/datasets/{}", w.id("draft_x").into(), "m-no-such".into(), None),
        ("pub_y", "GET", "/api/v1/datasets/{}", w.id("draft_x").into(), "m-no-such".into(), None),
        ("pub_y", "GET", "/api/v1/datasets/{}/revisions", w.id("draft_x").into(), "m-no-such".into(), None),
        ("pub_y", "GET", "/api/v1/datasets/{}/schema-org", w.id("draft_x").into(), "m-no-such".into(), None),
        (
            "pub_y",
            "PATCH",
            "/api/v1/datasets/{}",
            w.id("draft_x").into(),
            "m-no-such".into(),
            Some(json!({"title": "x"})),
        ),
        ("pub_y", "POST", "/api/v1/datasets/{}/publish", w.id("draft_x").into(), "m-no-such".into(), None),
        (
            "pub_y",
            "POST",
            "/api/v1/datasets/{}/distributions",
            w.id("draft_x").into(),
            "m-no-such".into(),
            Some(json!({"name": "n", "format": "CSV"})),
        ),
        ("ent_b", "GET", "/api/v1/corpora/{}", w.id("corpus_draft_x").into(), "m-no-such".into(), None),
        ("pub_y", "GET", "/api/v1/corpora/{}/croissant", w.id("corpus_draft_x").into(), "m-no-such".into(), None),
        ("pub_y", "GET", "/api/v1/distributions/{}", w.id("dist_draft_x").into(), missing_uuid.clone(), None),
        (
            "pub_y",
            "PATCH",
            "/api/v1/distributions/{}",
            w.id("dist_draft_x").into(),
            missing_uuid.clone(),
            Some(json!({"name": "x"})),
        ),
        ("ent_b", "GET", "/api/v1/access-requests/{}", w.id("req_a").into(), missing_uuid.clone(), None),
        ("ent_b", "POST", "/api/v1/access-requests/{}/withdraw", w.id("req_a").into(), missing_uuid.clone(), None),
        ("pub_y", "GET", "/api/v1/access-requests/{}", w.id("req_a").into(), missing_uuid.clone(), None),
        (
            "pub_y",
            "POST",
            "/api/v1/access-requests/{}/opinion",
            w.id("req_a").into(),
            missing_uuid.clone(),
            Some(json!({"opinion": "consent", "comment": "同意"})),
        ),
        ("ent_b", "GET", "/api/v1/grants/{}", w.id("grant_a").into(), missing_uuid.clone(), None),
        ("ent_b", "GET", "/api/v1/grants/{}/usage-reports", w.id("grant_a").into(), missing_uuid.clone(), None),
        ("ent_b", "POST", "/api/v1/grants/{}/access-tokens", w.id("grant_a").into(), missing_uuid.clone(), None),
        ("pub_y", "GET", "/api/v1/grants/{}", w.id("grant_a").into(), missing_uuid.clone(), None),
        ("pub_y", "POST", "/api/v1/grants/{}/revoke", w.id("grant_a").into(), missing_uuid.clone(), reason.clone()),
        ("ent_b", "GET", "/api/v1/enterprises/{}", w.id("ent_a").into(), missing_uuid.clone(), None),
        ("ent_b", "GET", "/api/v1/enterprises/{}/users", w.id("ent_a").into(), missing_uuid.clone(), None),
        (
            "ent_b",
            "POST",
            "/api/v1/enterprises/{}/users",
            w.id("ent_a").into(),
            missing_uuid.clone(),
            Some(json!({"email": "x@example.cn", "password": PASSWORD})),
        ),
        ("pub_x", "GET", "/api/v1/enterprises/{}", w.id("ent_a").into(), missing_uuid.clone(), None),
        // DCAT-AP exports of another bureau's drafts.
        ("anonymous", "GET", "/api/v1/datasets/{}/dcat", w.id("draft_x").into(), "m-no-such".into(), None),
        ("pub_y", "GET", "/api/v1/datasets/{}/dcat", w.id("draft_x").into(), "m-no-such".into(), None),
        ("ent_b", "GET", "/api/v1/datasets/{}/dcat", w.id("draft_x").into(), "m-no-such".into(), None),
        ("anonymous", "GET", "/api/v1/corpora/{}/dcat", w.id("corpus_draft_x").into(), "m-no-such".into(), None),
        ("pub_y", "GET", "/api/v1/corpora/{}/dcat", w.id("corpus_draft_x").into(), "m-no-such".into(), None),
        // CKAN never shows a draft, to anyone: exactly CKAN's not found.
        ("anonymous", "GET", "/api/3/action/package_show?id={}", w.id("draft_x").into(), "m-no-such".into(), None),
        ("pub_y", "GET", "/api/3/action/package_show?id={}", w.id("draft_x").into(), "m-no-such".into(), None),
        ("pub_x", "GET", "/api/3/action/package_show?id={}", w.id("draft_x").into(), "m-no-such".into(), None),
        ("admin", "GET", "/api/action/package_show?id={}", w.id("draft_x").into(), "m-no-such".into(), None),
        (
            "anonymous",
            "POST",
            "/api/3/action/package_show",
            w.id("draft_x").into(),
            "m-no-such".into(),
            Some(json!({"id": "{}"})),
        ),
        (
            "anonymous",
            "GET",
            "/api/3/action/package_show?id={}",
            w.id("corpus_draft_x").into(),
            "m-no-such".into(),
            None,
        ),
        (
            "anonymous",
            "GET",
            "/api/3/action/resource_show?id={}",
            w.id("dist_draft_x").into(),
            missing_uuid.clone(),
            None,
        ),
    ];
    let mut leaks = Vec::new();
    for (caller, method, template, private, missing, body) in cases {
        let token = w.token(caller);
        // A body may name the object too, as the string "{}".
        let with = |id: &str| {
            body.as_ref().map(|b| serde_json::from_str(&b.to_string().replace("\"{}\"", &json!(id).to_string())))
        };
        let theirs_body = with(&private).transpose().expect("body");
        let none_body = with(&missing).transpose().expect("body");
        let theirs = answer(&w, method, &template.replace("{}", &private), token, theirs_body, &private).await;
        let none = answer(&w, method, &template.replace("{}", &missing), token, none_body, &missing).await;
        assert!(theirs.0 >= 400, "{caller} {method} {template}: the private object was not refused: {theirs:?}");
        if theirs != none {
            leaks.push(format!("{caller} {method} {template}:\n  theirs  {theirs:?}\n  missing {none:?}"));
        }
    }
    // A list shows an enterprise its own organisation only.
    let list = w.app.get("/api/v1/enterprises", w.token("ent_b")).await.expect(200).json();
    let ids: Vec<&str> = list["items"].as_array().expect("items").iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids, vec![w.id("ent_b")], "enterprise B lists only itself");
    for path in ["/api/v1/access-requests", "/api/v1/grants", "/api/v1/access-log"] {
        let page = w.app.get(path, w.token("ent_b")).await.expect(200).json();
        assert_eq!(page["total"], 0, "enterprise B sees nothing of A's in {path}: {page}");
    }
    let drafts =
        w.app.get(&format!("/api/v1/datasets?q={}", q("草稿数据集")), w.token("pub_y")).await.expect(200).json();
    assert!(
        drafts["items"].as_array().expect("items").iter().all(|d| d["name"] != w.id("draft_x")),
        "bureau Y's search does not show bureau X's draft"
    );
    let ckan = w
        .app
        .get(&format!("/api/3/action/package_search?q={}&rows=1000", q("草稿数据集")), w.token("pub_x"))
        .await
        .expect(200)
        .json();
    assert!(
        ckan["result"]["results"].as_array().expect("results").iter().all(|d| d["name"] != w.id("draft_x")),
        "CKAN's search never shows a draft, even to its bureau"
    );
    let names = w.app.get("/api/3/action/package_list", None).await.expect(200).json();
    assert!(
        names["result"].as_array().expect("names").iter().all(|n| n != w.id("draft_x") && n != w.id("corpus_draft_x")),
        "CKAN's package_list never names a draft"
    );
    assert!(leaks.is_empty(), "refusals that tell a private object from a missing one:\n{}", leaks.join("\n"));
}

/// Accepts a refusal with 422 naming no particular field, or a success;
/// returns the body of a success.
fn refused_or_accepted(r: Resp, what: &str) -> Option<Value> {
    match r.status.as_u16() {
        422 => None,
        s if (200..300).contains(&s) => Some(r.json()),
        s => panic!("{what}: expected 422 or success, got {s}: {}", String::from_utf8_lossy(&r.body)),
    }
}

#[actix_web::test]
async fn authz_clients_cannot_set_owner_state_role_or_ids() {
    let w = World::build().await;
    let app = &w.app;
    let admin = Some(w.admin.token.as_str());
    let forged_id = uuid::Uuid::new_v4().to_string();

    // An enterprise that calls itself verified stays pending.
    let mut body = registration("自称已认证公司", &valid_uscc(), &format!("o-{}@example.cn", short_id()));
    body["status"] = json!("verified");
    body["verified"] = json!(true);
    body["id"] = json!(forged_id);
    if let Some(e) = refused_or_accepted(app.post("/api/v1/enterprises", None, body).await, "registration") {
        let id = e["enterprise"]["id"].as_str().expect("id");
        assert_ne!(id, forged_id);
        assert_eq!(app.get(&format!("/api/v1/enterprises/{id}"), admin).await.json()["status"], "pending");
    }
    // Nor can an owner forge its own status or owner role in the nested owner.
    let mut body = registration("嵌套字段公司", &valid_uscc(), &format!("o-{}@example.cn", short_id()));
    body["owner"]["role"] = json!("admin");
    body["owner"]["organisation_id"] = json!(w.id("ent_a"));
    if let Some(e) = refused_or_accepted(app.post("/api/v1/enterprises", None, body).await, "nested owner") {
        assert_eq!(e["owner"]["role"], "owner");
        assert_eq!(e["owner"]["organisation_id"], e["enterprise"]["id"]);
    }

    // A member cannot be made a platform administrator or put in another organisation.
    let users = format!("/api/v1/enterprises/{}/users", w.id("ent_a"));
    let email = format!("m-{}@example.cn", short_id());
    app.post(&users, Some(&w.ent_a.token), json!({"email": email, "password": PASSWORD, "role": "admin"}))
        .await
        .problem(422);
    let r = app
        .post(
            &users,
            Some(&w.ent_a.token),
            json!({"email": email, "password": PASSWORD, "organisation_id": w.id("ent_b"), "id": forged_id}),
        )
        .await;
    if let Some(u) = refused_or_accepted(r, "member with ids") {
        assert_eq!(u["organisation_id"], w.id("ent_a"));
        assert_ne!(u["id"], forged_id);
    }
    let bureau_users = format!("/api/v1/bureaus/{}/users", w.id("bureau_x"));
    let r = app
        .post(
            &bureau_users,
            admin,
            json!({"email": format!("p-{}@city.gov.cn", short_id()), "password": PASSWORD, "role": "admin"}),
        )
        .await;
    if let Some(u) = refused_or_accepted(r, "bureau user with a role") {
        assert_eq!(u["role"], "publisher");
    }

    // A new dataset is a draft of the publisher's own bureau, whatever it says.
    let mut body = dataset_body(&format!("m-forged-{}", short_id()), "伪造状态", "unconditional");
    body["status"] = json!("published");
    body["state"] = json!("published");
    body["id"] = json!(forged_id);
    body["version"] = json!(42);
    body["created_by"] = json!(w.admin.user_id);
    let name = body["name"].as_str().expect("name").to_string();
    if let Some(d) = refused_or_accepted(app.post("/api/v1/datasets", Some(&w.pub_x.token), body).await, "dataset") {
        assert_eq!(d["status"], "draft");
        assert_ne!(d["id"], forged_id);
        assert_eq!(d["bureau"]["id"], w.id("bureau_x"));
        assert_eq!(app.get(&format!("/api/v1/datasets/{name}"), None).await.status.as_u16(), 404, "not public");
    }
    let mut body = dataset_body(&format!("m-forged-{}", short_id()), "别的局", "unconditional");
    body["bureau_id"] = json!(w.id("bureau_y"));
    app.post("/api/v1/datasets", Some(&w.pub_x.token), body).await.problem(403);

    // A patch cannot publish, renumber, or move a draft to another bureau.
    let path = format!("/api/v1/datasets/{}", w.id("draft_x"));
    for patch in [json!({"status": "published"}), json!({"version": 99}), json!({"id": forged_id})] {
        let r = app.patch_listing(&w.pub_x, &path, patch.clone()).await;
        if let Some(d) = refused_or_accepted(r, &format!("patch {patch}")) {
            assert_eq!(d["status"], "draft", "{patch}");
            assert_ne!(d["id"], forged_id);
        }
    }
    app.patch_listing(&w.pub_x, &path, json!({"bureau_id": w.id("bureau_y")})).await.problem(403);
    let stored = app.get(&path, admin).await.expect(200).json();
    assert_eq!(stored["status"], "draft");
    assert_eq!(stored["bureau"]["id"], w.id("bureau_x"));

    // A distribution cannot be given another listing or a forged checksum.
    let dist = format!("/api/v1/distributions/{}", w.id("dist_draft_x"));
    let before = app.get(&dist, admin).await.expect(200).json();
    for patch in [json!({"listing_id": forged_id}), json!({"sha256": "00"}), json!({"byte_size": 1})] {
        let r = app
            .raw(
                "PATCH",
                &dist,
                &[
                    ("Authorization", &format!("Bearer {}", w.pub_x.token)),
                    ("Content-Type", "application/merge-patch+json"),
                ],
                patch.to_string().into_bytes(),
            )
            .await;
        refused_or_accepted(r, &format!("distribution patch {patch}"));
    }
    let after = app.get(&dist, admin).await.expect(200).json();
    for field in ["sha256", "byte_size", "listing_id", "dataset", "id"] {
        assert_eq!(before.get(field), after.get(field), "distribution {field}");
    }

    // An access request is the caller's own and starts submitted.
    let listing = w.id("cond_x");
    let r = app
        .post(
            "/api/v1/access-requests",
            Some(&w.ent_a.token),
            json!({"listing": listing, "purpose_category": "model_training", "purpose": "训练面向教育规划的学位需求预测模型",
                "scenario": "在企业内部隔离的训练集群中处理，不出境", "duration_days": 30,
                "security_measures": "数据加密存储，访问留痕，训练后删除原始数据", "terms_version": 1,
                "state": "approved", "enterprise_id": w.id("ent_b"), "requested_by": w.admin.user_id}),
        )
        .await;
    if let Some(req) = refused_or_accepted(r, "access request") {
        assert_eq!(req["state"], "submitted");
        assert_eq!(req["enterprise_id"], w.id("ent_a"));
    }

    // An API key belongs to whoever creates it.
    let r = app
        .post(
            "/api/v1/api-keys",
            Some(&w.ent_a.token),
            json!({"name": "forged", "user_id": w.admin.user_id, "organisation_id": w.id("ent_b")}),
        )
        .await;
    if let Some(k) = refused_or_accepted(r, "api key") {
        assert_eq!(k["user_id"], w.ent_a.user_id.as_str());
        assert_eq!(k["organisation_id"], w.id("ent_a"));
    }
}
