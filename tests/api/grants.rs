//! Access requests and grants: the whole journey, every refusal, the approval
//! race, objections and renewals, overdue requests and reports, and the
//! bounds of a grant's start. Using a grant (expiry, revocation, suspension,
//! isolation, tokens, introspection): `grants_use.rs`.

use chrono::Duration;
use serde_json::{Value, json};

use crate::grants_support::*;
use crate::helpers::*;

#[actix_web::test]
async fn the_whole_journey_from_request_to_download_to_usage_report() {
    let w = world().await;
    let app = &w.app;
    // The enterprise applies with its API key, accepting the current terms.
    let req = app.post("/api/v1/access-requests", Some(&w.key), request_body(&w)).await.expect(201).json();
    assert_eq!(req["state"], "submitted");
    assert_eq!(req["terms_sha256"], w.dataset["terms"]["sha256"]);
    assert_eq!(req["distribution_ids"], json!([w.file["id"]]), "all distributions by default");
    let id = req["id"].as_str().unwrap();
    // The bureau consents, the admin approves.
    let with_opinion = app
        .post(
            &format!("/api/v1/access-requests/{id}/opinion"),
            Some(&w.edu.token),
            json!({"opinion": "consent", "comment": "用途合理"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(with_opinion["opinion"], "consent");
    let approved = app
        .post(
            &format!("/api/v1/access-requests/{id}/approve"),
            Some(&w.admin.token),
            json!({"conditions": "仅限境内使用", "report_interval_days": 30}),
        )
        .await
        .expect(200)
        .json();
    let grant = &approved["grant"];
    assert_eq!(approved["request"]["state"], "approved");
    assert_eq!(approved["request"]["grant_id"], grant["id"]);
    assert_eq!(grant["state"], "active");
    assert_eq!(grant["terms_version"], w.dataset["terms"]["version"]);
    assert_eq!(grant["conditions"], "仅限境内使用");

    // A short-lived token, its claims, and the download it opens.
    let t = token(&w, grant).await;
    assert!(t["expires_in"].as_i64().unwrap() <= 900);
    let jwt = t["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.kid.as_deref(), Some(app.state.signer.keys.kid.as_str()));
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    let key = jsonwebtoken::DecodingKey::from_ed_components(jwks["keys"][0]["x"].as_str().unwrap()).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    v.set_audience(&["datagate-data"]);
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &v).unwrap().claims;
    assert_eq!(claims["grant"], grant["id"]);
    assert_eq!(claims["org"], w.ent.org_id.as_str());
    assert_eq!(claims["dist"], json!([w.file["id"]]));
    assert_eq!(t["distributions"][0]["download_url"], file_url(&w).as_str());

    let body = app.get(&file_url(&w), Some(jwt)).await.expect(200).body;
    assert_eq!(body, b"code\nsh-edu-students\n");
    let ranged = app
        .call_with("GET", &format!("{}?token={jwt}", file_url(&w)), None, &[("Range", "bytes=0-3")], None)
        .await
        .expect(206);
    assert_eq!(ranged.body, b"code");
    // Without a token the same file is still refused.
    app.get(&file_url(&w), None).await.problem(403);
    app.get(&file_url(&w), Some(&w.key)).await.problem(403);

    // A usage report moves the due date.
    let gid = grant["id"].as_str().unwrap();
    let due_before = app.get(&format!("/api/v1/grants/{gid}"), Some(&w.key)).await.json()["next_report_due"].clone();
    app.post(
        &format!("/api/v1/grants/{gid}/usage-reports"),
        Some(&w.key),
        json!({"period_start": "2026-11-01", "period_end": "2026-11-28", "usage": "训练学位预测模型", "models": "edu-demand-v1", "outcome": "模型误差下降12%"}),
    )
    .await
    .expect(201);
    let after = app.get(&format!("/api/v1/grants/{gid}"), Some(&w.key)).await.json();
    assert_ne!(after["next_report_due"], due_before);
    assert_eq!(app.get(&format!("/api/v1/grants/{gid}/usage-reports"), Some(&w.edu.token)).await.json()["total"], 1);

    // The bureau sees who downloaded what and why.
    let log = app.get(&format!("/api/v1/access-log?grant={gid}"), Some(&w.edu.token)).await.expect(200).json();
    let events: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, vec!["download", "download", "token_issued"]);
    let partial = &log["items"][0];
    assert_eq!(partial["range"], "bytes=0-3");
    assert_eq!(partial["bytes"], 4);
    assert_eq!(log["items"][1]["bytes"], body.len());
    assert_eq!(log["items"][1]["distribution_id"], w.file["id"]);
    assert!(log["items"][1]["api_key_id"].is_string(), "the key that asked is recorded");
    assert_eq!(app.get("/api/v1/access-log", Some(&w.ent.token)).await.json()["total"], 3);

    let actions = audit_actions(app);
    for a in [
        "access_request.submit",
        "access_request.opinion",
        "access_request.approve",
        "grant.create",
        "grant.token_issue",
        "grant.usage_report",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited: {actions:?}");
    }
}

#[actix_web::test]
async fn requests_are_refused_for_every_reason_with_a_clear_problem() {
    let w = world().await;
    let app = &w.app;
    // Nothing to ask for unconditional data; never for not_open; not for drafts or withdrawn ones.
    app.quick_dataset(&w.edu, dataset_body("sh-edu-open", "开放", "unconditional")).await;
    app.quick_dataset(&w.edu, dataset_body("sh-edu-closed", "非开放", "not_open")).await;
    app.quick_dataset(&w.edu, dataset_body("sh-edu-old", "已撤回", "conditional")).await;
    app.post("/api/v1/datasets/sh-edu-old/withdraw", Some(&w.edu.token), json!({"reason": "过期"})).await.expect(200);
    app.create_dataset(&w.edu, dataset_body("sh-edu-wip", "草稿", "conditional")).await;
    let ask = |listing: &str| {
        let mut b = request_body(&w);
        b["listing"] = json!(listing);
        b["terms_version"] = json!(1);
        b
    };
    let p = app.post("/api/v1/access-requests", Some(&w.key), ask("sh-edu-open")).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("download"));
    assert_eq!(
        app.post("/api/v1/access-requests", Some(&w.key), ask("sh-edu-closed")).await.problem(403)["type"],
        "/problems/not-open"
    );
    app.post("/api/v1/access-requests", Some(&w.key), ask("sh-edu-old")).await.problem(409);
    app.post("/api/v1/access-requests", Some(&w.key), ask("sh-edu-wip")).await.problem(404);
    app.post("/api/v1/access-requests", Some(&w.key), ask("no-such-listing")).await.problem(404);

    // Unverified and suspended enterprises.
    let (_, pending_email) = app.register("待审公司").await;
    let pending = app.session(&pending_email).await;
    let p = app.post("/api/v1/access-requests", Some(&pending.token), request_body(&w)).await.problem(403);
    assert_eq!(p["type"], "/problems/organisation-not-verified");
    let other = app.verified_enterprise(&w.admin, "乙公司").await;
    app.post(&format!("/api/v1/enterprises/{}/suspend", other.org_id), Some(&w.admin.token), json!({"reason": "调查"}))
        .await
        .expect(200);
    let p = app.post("/api/v1/access-requests", Some(&other.token), request_body(&w)).await.problem(403);
    assert_eq!(p["type"], "/problems/organisation-suspended");
    // Bureaus and admins do not apply.
    app.post("/api/v1/access-requests", Some(&w.edu.token), request_body(&w)).await.problem(403);

    // Field problems.
    let mut b = request_body(&w);
    b["duration_days"] = json!(400);
    assert_eq!(
        app.post("/api/v1/access-requests", Some(&w.key), b).await.problem(422)["errors"][0]["field"],
        "duration_days"
    );
    let mut b = request_body(&w);
    b["distribution_ids"] = json!(["00000000-0000-7000-8000-000000000000"]);
    assert_eq!(
        app.post("/api/v1/access-requests", Some(&w.key), b).await.problem(422)["errors"][0]["field"],
        "distribution_ids[0]"
    );
    let mut b = request_body(&w);
    b["purpose_category"] = json!("fun");
    assert_eq!(
        app.post("/api/v1/access-requests", Some(&w.key), b).await.problem(422)["errors"][0]["field"],
        "purpose_category"
    );
    let mut b = request_body(&w);
    b["purpose"] = json!("训练");
    assert_eq!(
        app.post("/api/v1/access-requests", Some(&w.key), b).await.problem(422)["errors"][0]["field"],
        "purpose"
    );
    let mut b = request_body(&w);
    b.as_object_mut().unwrap().remove("security_measures");
    assert_eq!(
        app.post("/api/v1/access-requests", Some(&w.key), b).await.problem(422)["errors"][0]["field"],
        "security_measures"
    );
    // Terms changed since the enterprise read them.
    let mut b = request_body(&w);
    b["terms_version"] = json!(7);
    let p = app.post("/api/v1/access-requests", Some(&w.key), b).await.problem(409);
    assert_eq!(p["context"]["current_terms_version"], w.dataset["terms"]["version"]);

    // One open request at a time, pointing at the existing one.
    let first = app.post("/api/v1/access-requests", Some(&w.key), request_body(&w)).await.expect(201).json();
    let p = app.post("/api/v1/access-requests", Some(&w.ent.token), request_body(&w)).await.problem(409);
    assert_eq!(p["context"]["existing_request_id"], first["id"]);
    assert_eq!(
        app.get("/api/v1/access-requests", Some(&w.admin.token)).await.json()["total"],
        1,
        "nothing half-written"
    );
}

#[actix_web::test]
async fn of_many_concurrent_approvals_exactly_one_creates_a_grant() {
    let w = world().await;
    let r = w.app.post("/api/v1/access-requests", Some(&w.key), request_body(&w)).await.expect(201).json();
    let path = format!("/api/v1/access-requests/{}/approve", r["id"].as_str().unwrap());
    let admins = futures_util::future::join_all((0..3).map(|_| w.app.admin())).await;
    let calls = (0..12).map(|i| w.app.post(&path, Some(&admins[i % 3].token), json!({})));
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status.as_u16() == 200).count();
    let conflicts = results.iter().filter(|r| r.status.as_u16() == 409).count();
    assert_eq!((ok, conflicts), (1, 11), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_eq!(w.app.get("/api/v1/grants", Some(&w.admin.token)).await.json()["total"], 1);
    // Deciding a decided request is a conflict too.
    w.app.post(&path.replace("approve", "reject"), Some(&w.admin.token), json!({"reason": "x"})).await.problem(409);
}

#[actix_web::test]
async fn an_objection_needs_an_override_and_rejected_applicants_may_try_again() {
    let w = world().await;
    let r = w.app.post("/api/v1/access-requests", Some(&w.key), request_body(&w)).await.expect(201).json();
    let id = r["id"].as_str().unwrap();
    let opinion = json!({"opinion": "object", "comment": "用途不明确"});
    w.app
        .post(&format!("/api/v1/access-requests/{id}/opinion"), Some(&w.admin.token), opinion.clone())
        .await
        .problem(403);
    w.app.post(&format!("/api/v1/access-requests/{id}/opinion"), Some(&w.key), opinion.clone()).await.problem(403);
    w.app.post(&format!("/api/v1/access-requests/{id}/opinion"), Some(&w.edu.token), opinion).await.expect(200);
    let p = w
        .app
        .post(&format!("/api/v1/access-requests/{id}/approve"), Some(&w.admin.token), json!({}))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "override_reason");
    w.app
        .post(&format!("/api/v1/access-requests/{id}/reject"), Some(&w.admin.token), json!({"reason": ""}))
        .await
        .problem(422);
    let rejected = w
        .app
        .post(
            &format!("/api/v1/access-requests/{id}/reject"),
            Some(&w.admin.token),
            json!({"reason": "请补充用途说明"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(rejected["decision_reason"], "请补充用途说明");
    // A new request refers to the rejected one and is approved over an objection with a reason.
    let mut b = request_body(&w);
    b["previous_request_id"] = json!(id);
    let second = w.app.post("/api/v1/access-requests", Some(&w.key), b).await.expect(201).json();
    assert_eq!(second["previous_request_id"], id);
    let id2 = second["id"].as_str().unwrap();
    w.app
        .post(
            &format!("/api/v1/access-requests/{id2}/opinion"),
            Some(&w.edu.token),
            json!({"opinion": "object", "comment": "仍有顾虑"}),
        )
        .await
        .expect(200);
    let a = w
        .app
        .post(
            &format!("/api/v1/access-requests/{id2}/approve"),
            Some(&w.admin.token),
            json!({"override_reason": "企业已补充安全措施并经专家论证"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(a["request"]["override_reason"], "企业已补充安全措施并经专家论证");
    // The applicant may withdraw only while undecided.
    w.app.post(&format!("/api/v1/access-requests/{id2}/withdraw"), Some(&w.key), json!({})).await.problem(409);
}

#[actix_web::test]
async fn overdue_requests_and_reports_are_listed_for_admins_and_the_bureau() {
    let w = world().await;
    let mut b = request_body(&w);
    b["duration_days"] = json!(365);
    let r = w.app.post("/api/v1/access-requests", Some(&w.key), b).await.expect(201).json();
    let approved = w
        .app
        .post(
            &format!("/api/v1/access-requests/{}/approve", r["id"].as_str().unwrap()),
            Some(&w.admin.token),
            json!({}),
        )
        .await
        .expect(200)
        .json();
    let grant = approved["grant"].clone();
    w.app
        .post("/api/v1/access-requests", Some(&w.key), {
            let mut b = request_body(&w);
            b["listing"] = json!("sh-edu-other");
            b
        })
        .await
        .problem(404);
    w.app.quick_dataset(&w.edu, dataset_body("sh-edu-other", "另一个", "conditional")).await;
    let mut b = request_body(&w);
    b["listing"] = json!("sh-edu-other");
    b["terms_version"] = json!(1);
    let pending = w.app.post("/api/v1/access-requests", Some(&w.key), b).await.expect(201).json();
    assert_eq!(w.app.get("/api/v1/access-requests?overdue=true", Some(&w.admin.token)).await.json()["total"], 0);
    w.app.clock.advance(Duration::days(16));
    let (admin, edu) = (w.app.relogin(&w.admin).await, w.app.session(&w.edu.email).await);
    let overdue = w.app.get("/api/v1/access-requests?overdue=true", Some(&admin.token)).await.json();
    assert_eq!(overdue["total"], 1);
    assert_eq!(overdue["items"][0]["id"], pending["id"]);
    assert_eq!(overdue["items"][0]["overdue"], true);
    assert_eq!(w.app.get("/api/v1/access-requests?overdue=true", Some(&edu.token)).await.json()["total"], 1);
    // The grant's first report (every 90 days) is not due yet, then it is.
    assert_eq!(w.app.get("/api/v1/grants?report_overdue=true", Some(&admin.token)).await.json()["total"], 0);
    w.app.clock.advance(Duration::days(75));
    let (admin, edu) = (w.app.relogin(&w.admin).await, w.app.session(&w.edu.email).await);
    let due = w.app.get("/api/v1/grants?report_overdue=true", Some(&edu.token)).await.json();
    assert_eq!(due["total"], 1);
    assert_eq!(due["items"][0]["id"], grant["id"]);
    assert_eq!(due["items"][0]["report_overdue"], true);
    w.app.get("/api/v1/access-requests?state=sleeping", Some(&admin.token)).await.problem(422);
}

/// Found in review after contract fuzzing: a start date centuries away
/// overflowed the date arithmetic (a panic) instead of being refused.
#[actix_web::test]
async fn a_grant_must_start_within_a_year() {
    let w = world().await;
    let r = w.app.post("/api/v1/access-requests", Some(&w.ent.token), request_body(&w)).await.expect(201).json();
    let id = r["id"].as_str().unwrap();
    let path = format!("/api/v1/access-requests/{id}/approve");
    for far in ["+262000-01-01T00:00:00Z", "2999-01-01T00:00:00Z"] {
        let p = w.app.post(&path, Some(&w.admin.token), json!({"valid_from": far})).await.problem(422);
        assert_eq!(p["errors"][0]["field"], "valid_from", "{p}");
    }
    w.app.post(&path, Some(&w.admin.token), json!({})).await.expect(200);
}
