//! The enterprise's side of the portal: registration, the access-request
//! form and "My requests", "My grants" with downloads and usage reports,
//! API keys — each through the API's services, so what the API records
//! (terms version, access log, audit) is recorded for the portal too.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::portal_signin::token_of;
use crate::portal_support::*;

struct World {
    app: TestApp,
    admin: Session,
    edu: Session,
    ent: Session,
    b: Browser,
    dataset: Value,
    file: Value,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &bureau).await;
    let ent = app.verified_enterprise(&admin, "门户企业科技有限公司").await;
    let (dataset, file) = app.published_dataset(&edu, "sh-edu-portal", "门户测试学籍数据", "conditional").await;
    let b = signed_in(&app, &ent.user_id).await;
    World { app, admin, edu, ent, b, dataset, file }
}

fn apply_fields<'a>(token: &'a str, w: &'a World, terms: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", token),
        ("terms_version", terms),
        ("distribution_ids", w.file["id"].as_str().unwrap()),
        ("purpose_category", "model_training"),
        ("purpose", "训练面向教育规划的学位需求预测模型"),
        ("scenario", "在企业内部隔离的训练集群中处理，不出境"),
        ("security_measures", "数据加密存储，访问留痕，训练后删除原始数据"),
        ("duration_days", "90"),
        ("accept_terms", "yes"),
    ]
}

/// Applies through the portal; returns the request's id.
async fn apply(w: &mut World) -> String {
    let token = token_of(&w.app, &mut w.b, "/datasets/sh-edu-portal/apply").await;
    let terms = w.dataset["terms"]["version"].to_string();
    let fields = apply_fields(&token, w, &terms);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, *v)).collect();
    let mut b = w.b.clone();
    let r = b.post_form(&w.app, "/datasets/sh-edu-portal/apply", &fields).await.expect(303);
    w.b = b;
    let to = r.header("location").unwrap();
    assert!(to.starts_with("/requests/") && to.ends_with("?submitted=1"), "{to}");
    to["/requests/".len()..to.len() - "?submitted=1".len()].to_string()
}

/// The admin approves after the bureau's consent; returns the grant's id.
async fn approve(w: &World, id: &str) -> String {
    let app = &w.app;
    app.post(
        &format!("/api/v1/access-requests/{id}/opinion"),
        Some(&w.edu.token),
        json!({"opinion": "consent", "comment": "同意"}),
    )
    .await
    .expect(200);
    let a = app
        .post(
            &format!("/api/v1/access-requests/{id}/approve"),
            Some(&w.admin.token),
            json!({"conditions": "仅限境内使用"}),
        )
        .await
        .expect(200)
        .json();
    a["grant"]["id"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn registration_points_at_the_fields_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let mut b = Browser::new();
    let token = token_of(&app, &mut b, "/register").await;
    let good = valid_uscc();
    // The same code with a wrong check character.
    let last = good.chars().last().unwrap();
    let wrong = format!("{}{}", &good[..17], if last == '0' { '1' } else { '0' });
    let email = format!("owner-{}@example.cn", short_id());
    let secret = PASSWORD;
    let mut fields = vec![
        ("csrf_token", token.as_str()),
        ("name", "门户注册科技有限公司"),
        ("name_en", ""),
        ("uscc", wrong.as_str()),
        ("contact_name", "王明"),
        ("contact_phone", "+86 21 5555 0100"),
        ("contact_email", "not-an-email"),
        ("owner_email", email.as_str()),
        ("owner_display_name", "李华"),
        ("owner_password", secret),
    ];
    let html = page(b.post_form(&app, "/register", &fields).await, 422);
    assert!(html.contains("<title>错误："));
    assert!(html.contains("校验位不正确") && html.contains(r##"href="#f-uscc""##), "the check digit, at its field");
    assert!(html.contains(r#"id="f-uscc-confirmed""#), "the person may confirm the code");
    for kept in
        ["门户注册科技有限公司", wrong.as_str(), "王明", "+86 21 5555 0100", "not-an-email", email.as_str(), "李华"]
    {
        assert!(html.contains(&format!(r#"value="{kept}""#)), "{kept} is kept");
    }
    assert!(!html.contains(secret), "the password is not sent back");
    // Nothing was registered yet.
    let admin = app.admin().await;
    assert_eq!(app.get("/api/v1/enterprises", Some(&admin.token)).await.json()["total"], 0);

    // Confirmed, the service's own field checks answer at the fields.
    fields.push(("uscc_confirmed", "yes"));
    let html = page(b.post_form(&app, "/register", &fields).await, 422);
    assert!(html.contains("请输入有效的联系邮箱") && html.contains(r##"href="#f-contact-email""##));
    assert!(!html.contains("校验位不正确"));

    // Corrected, it is registered for manual review and says what happens next.
    fields.retain(|(k, _)| *k != "contact_email");
    fields.push(("contact_email", "contact@example.cn"));
    let r = b.post_form(&app, "/register", &fields).await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/register/done"));
    let html = page(b.get(&app, "/register/done").await, 200);
    assert!(html.contains("注册申请已提交") && html.contains("5 个工作日"));
    let list = app.get("/api/v1/enterprises", Some(&admin.token)).await.json();
    let ent = &list["items"][0];
    assert_eq!((ent["status"].as_str(), ent["uscc_check_passed"].as_bool()), (Some("pending"), Some(false)));

    // The account page shows the status, and the reason once rejected.
    let id = ent["id"].as_str().unwrap();
    app.post(&format!("/api/v1/enterprises/{id}/reject"), Some(&admin.token), json!({"reason": "营业执照无法核实"}))
        .await
        .expect(200);
    let me = app.session(&email).await;
    let mut b = signed_in(&app, &me.user_id).await;
    let html = page(b.get(&app, "/account").await, 200);
    assert!(html.contains("未通过") && html.contains("营业执照无法核实"));
}

#[actix_web::test]
async fn a_request_records_the_terms_version_shown_and_can_be_withdrawn() {
    let mut w = world().await;
    // The form shows the terms in full with their version.
    let html = page(w.b.get(&w.app, "/datasets/sh-edu-portal/apply").await, 200);
    assert!(html.contains("使用本数据须注明来源。") && html.contains("第 1 版"));
    assert!(html.contains(w.dataset["terms"]["sha256"].as_str().unwrap()));

    // Not accepting the terms and too short a purpose: errors, values kept.
    let token = hidden(&html, "csrf_token");
    let html = page(
        w.b.post_form(
            &w.app,
            "/datasets/sh-edu-portal/apply",
            &[
                ("csrf_token", &token),
                ("terms_version", "1"),
                ("distribution_ids", w.file["id"].as_str().unwrap()),
                ("purpose_category", "research"),
                ("purpose", "太短"),
                ("scenario", "在企业内部隔离的训练集群中处理"),
                ("security_measures", ""),
                ("duration_days", "90"),
            ],
        )
        .await,
        422,
    );
    assert!(html.contains("请阅读并接受使用条款") && html.contains(r##"href="#f-accept-terms""##));
    assert!(html.contains(">太短</textarea>") && html.contains(r#"value="research" checked"#));
    let html = page(
        w.b.post_form(
            &w.app,
            "/datasets/sh-edu-portal/apply",
            &[
                ("csrf_token", &token),
                ("terms_version", "1"),
                ("distribution_ids", w.file["id"].as_str().unwrap()),
                ("purpose_category", "research"),
                ("purpose", "太短"),
                ("scenario", "在企业内部隔离的训练集群中处理"),
                ("security_measures", ""),
                ("duration_days", "9999"),
                ("accept_terms", "yes"),
            ],
        )
        .await,
        422,
    );
    assert!(html.contains(r##"href="#f-purpose""##) && html.contains(r##"href="#f-security-measures""##));
    assert!(html.contains(r##"href="#f-duration-days""##));
    assert_eq!(w.app.get("/api/v1/access-requests", Some(&w.ent.token)).await.json()["total"], 0);

    let id = apply(&mut w).await;
    let html = page(w.b.get(&w.app, &format!("/requests/{id}?submitted=1")).await, 200);
    assert!(html.contains("申请已提交") && html.contains("前作出决定"), "what happens next and by when");
    let r = w.app.get(&format!("/api/v1/access-requests/{id}"), Some(&w.ent.token)).await.expect(200).json();
    assert_eq!(r["terms_version"], w.dataset["terms"]["version"]);
    assert_eq!(r["terms_sha256"], w.dataset["terms"]["sha256"]);
    assert_eq!(r["purpose_category"], "model_training");
    let html = page(w.b.get(&w.app, "/requests").await, 200);
    assert!(html.contains("门户测试学籍数据") && html.contains("审核中"));

    // A withdrawal without the form's token changes nothing.
    let html = page(w.b.post_form(&w.app, &format!("/requests/{id}/withdraw"), &[]).await, 403);
    assert!(html.contains("表单已失效"));
    let r = w.app.get(&format!("/api/v1/access-requests/{id}"), Some(&w.ent.token)).await.json();
    assert_eq!(r["state"], "submitted");
    let token = token_of(&w.app, &mut w.b, &format!("/requests/{id}")).await;
    w.b.post_form(&w.app, &format!("/requests/{id}/withdraw"), &[("csrf_token", &token)]).await.expect(303);
    let r = w.app.get(&format!("/api/v1/access-requests/{id}"), Some(&w.ent.token)).await.json();
    assert_eq!(r["state"], "withdrawn");

    // Re-applying opens the form filled in from the withdrawn request.
    let html = page(w.b.get(&w.app, &format!("/requests/{id}/reapply")).await, 200);
    assert!(html.contains("训练面向教育规划的学位需求预测模型"));
    assert_eq!(hidden(&html, "previous_request_id"), id);
}

#[actix_web::test]
async fn a_download_from_my_grants_is_in_the_access_log_like_an_api_download() {
    let mut w = world().await;
    let id = apply(&mut w).await;
    let grant = approve(&w, &id).await;
    let html = page(w.b.get(&w.app, &format!("/grants/{grant}")).await, 200);
    assert!(html.contains("仅限境内使用") && html.contains("数据文件"));
    let token = hidden(&html, "csrf_token");
    let dist = w.file["id"].as_str().unwrap();

    // Without the form's token: no file, no token issued.
    w.b.post_form(&w.app, &format!("/grants/{grant}/download"), &[("distribution", dist)]).await.expect(403);
    let log = w.app.get(&format!("/api/v1/access-log?grant={grant}"), Some(&w.ent.token)).await.json();
    assert_eq!(log["total"], 0);

    let r =
        w.b.post_form(&w.app, &format!("/grants/{grant}/download"), &[("csrf_token", &token), ("distribution", dist)])
            .await
            .expect(200);
    assert_eq!(r.body, b"code\nsh-edu-portal\n");
    assert!(r.header("content-disposition").unwrap().contains("data.csv"));
    let log = w.app.get(&format!("/api/v1/access-log?grant={grant}"), Some(&w.ent.token)).await.json();
    let events: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["download", "token_issued"]);
    let download = &log["items"][0];
    assert_eq!(download["distribution_id"], dist);
    assert_eq!(download["user_id"], w.ent.user_id.as_str());
    assert_eq!(download["bytes"], 19);
    assert_eq!(download["token_id"], log["items"][1]["token_id"], "the download used the token just issued");
    // The grant's page lists them.
    let html = page(w.b.get(&w.app, &format!("/grants/{grant}")).await, 200);
    assert!(html.contains("签发访问令牌") && html.contains(">下载</td>"));

    // A usage report: bad dates at their fields, then filed.
    let token = hidden(&html, "csrf_token");
    let report = |start: &'static str| {
        vec![
            ("period_start", start),
            ("period_end", "2026-11-30"),
            ("usage", "用于训练学位需求预测模型"),
            ("models", ""),
            ("outcome", "模型在验证集上误差低于 5%"),
            ("incident", ""),
        ]
    };
    let mut fields = report("2026-13-01");
    fields.push(("csrf_token", &token));
    let html = page(w.b.post_form(&w.app, &format!("/grants/{grant}/usage-reports"), &fields).await, 422);
    assert!(html.contains(r##"href="#f-period-start""##) && html.contains("用于训练学位需求预测模型"));
    let mut fields = report("2026-11-01");
    fields.push(("csrf_token", &token));
    w.b.post_form(&w.app, &format!("/grants/{grant}/usage-reports"), &fields).await.expect(303);
    let reports = w.app.get(&format!("/api/v1/grants/{grant}/usage-reports"), Some(&w.ent.token)).await.json();
    assert_eq!(reports["total"], 1);
    assert_eq!(reports["items"][0]["submitted_by"], w.ent.user_id.as_str());
    let html = page(w.b.get(&w.app, "/grants").await, 200);
    assert!(html.contains("门户测试学籍数据") && html.contains("有效"));
}

#[actix_web::test]
async fn api_keys_are_created_once_shown_and_revoked() {
    let mut w = world().await;
    let token = token_of(&w.app, &mut w.b, "/keys").await;
    // Without the token nothing is created.
    w.b.post_form(&w.app, "/keys", &[("name", "pipeline")]).await.expect(403);
    assert_eq!(w.app.get("/api/v1/api-keys", Some(&w.ent.token)).await.json()["total"], 0);

    let r = w.b.post_form(&w.app, "/keys", &[("csrf_token", &token), ("name", "pipeline"), ("expires_on", "")]).await;
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let html = page(r, 201);
    let start = html.find("data-copy=\"dgk_").expect("the secret, with a copy button") + 11;
    let secret = &html[start..start + html[start..].find('"').unwrap()];
    w.app.get("/api/v1/me", Some(secret)).await.expect(200);
    // Listed without its secret afterwards.
    let html = page(w.b.get(&w.app, "/keys").await, 200);
    assert!(html.contains("pipeline") && !html.contains(secret));

    let keys = w.app.get("/api/v1/api-keys", Some(&w.ent.token)).await.json();
    let id = keys["items"][0]["id"].as_str().unwrap();
    w.b.post_form(&w.app, &format!("/keys/{id}/revoke"), &[]).await.expect(403);
    w.app.get("/api/v1/me", Some(secret)).await.expect(200);
    let token = hidden(&html, "csrf_token");
    let r = w.b.post_form(&w.app, &format!("/keys/{id}/revoke"), &[("csrf_token", &token)]).await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/keys?revoked=1"));
    w.app.get("/api/v1/me", Some(secret)).await.problem(401);

    // A bad date and an empty name are answered at their fields.
    let html = page(
        w.b.post_form(&w.app, "/keys", &[("csrf_token", &token), ("name", ""), ("expires_on", "soon")]).await,
        422,
    );
    assert!(html.contains(r##"href="#f-expires-on""##));
}

#[actix_web::test]
async fn the_enterprise_pages_send_strangers_to_sign_in_and_refuse_the_unverified() {
    let w = world().await;
    for path in ["/requests", "/grants", "/keys", "/datasets/sh-edu-portal/apply"] {
        let r = Browser::new().get(&w.app, path).await.expect(303);
        assert_eq!(r.header("location").unwrap(), format!("/signin?next={}", q(path)));
        // A bearer token never opens them.
        let bearer = format!("Bearer {}", w.ent.token);
        Browser::new().send_with(&w.app, path, &[("Authorization", &bearer)]).await.expect(303);
    }
    // A pending enterprise sees why it cannot apply yet.
    let (_, email) = w.app.register("门户待核验科技有限公司").await;
    let pending = w.app.session(&email).await;
    let mut b = signed_in(&w.app, &pending.user_id).await;
    let html = page(b.get(&w.app, "/datasets/sh-edu-portal/apply").await, 200);
    assert!(html.contains("尚未通过核验") && !html.contains("name=\"accept_terms\""));
    // Another enterprise's request is not found.
    let mut w = w;
    let id = apply(&mut w).await;
    b.get(&w.app, &format!("/requests/{id}")).await.expect(404);
}

#[actix_web::test]
async fn the_list_pages_refuse_a_malformed_query_as_the_api_does() {
    let mut w = world().await;
    apply(&mut w).await;
    // A field given twice or a NUL: the API's 422, as a page in the person's language.
    for path in [
        "/requests?cursor=a&cursor=b",
        "/grants?cursor=a&cursor=b",
        "/keys?revoked=1&revoked=2",
        "/requests?cursor=%00",
    ] {
        let html = page(w.b.get(&w.app, path).await, 422);
        assert!(html.contains("<html"), "{path} answers a page");
    }
    w.app.get("/api/v1/access-requests?cursor=a&cursor=b", Some(&w.ent.token)).await.problem(422);
}
