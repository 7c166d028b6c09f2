//! Issue 20, items 2–4: refresh tokens are single-use under concurrency, a
//! data token dies with the credential that minted it, and grants on a
//! listing reclassified as `not_open` are suspended until an administrator
//! reinstates them.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::fault_support::request_body;
use crate::helpers::*;

// ---------------------------------------------------------------------------
// (2) Refresh tokens: single use under concurrency.

fn live_tokens_of_user(app: &TestApp, user: &str) -> i64 {
    use datagate::db::schema::refresh_tokens::dsl::*;
    use diesel::prelude::*;
    let mut conn = app.state.db.get().unwrap();
    refresh_tokens.filter(user_id.eq(user)).filter(revoked_at.is_null()).count().get_result::<i64>(&mut *conn).unwrap()
}

#[actix_web::test]
async fn fifty_parallel_refreshes_of_one_token_give_one_success_and_revoke_the_family() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ent = app.verified_enterprise(&admin, "上海并发刷新科技有限公司").await;
    // Rotate once first, so the raced token is itself a descendant.
    let first = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": ent.refresh})).await.expect(200).json();
    let raced = first["refresh_token"].as_str().unwrap().to_string();
    // Warm the pool so the race meets open connections, not connection set-up.
    join_all((0..16).map(|_| app.get("/api/v1/me", Some(&ent.token)))).await;
    let results =
        join_all((0..50).map(|_| app.post("/api/v1/auth/refresh", None, json!({"refresh_token": raced})))).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    let ok: Vec<&Resp> = results.iter().filter(|r| r.status.as_u16() == 200).collect();
    assert_eq!(ok.len(), 1, "exactly one refresh may succeed: {statuses:?}");
    assert!(
        statuses.iter().all(|s| [200, 401, 503].contains(s)),
        "losers get 401 (reuse) or 503 (busy), never anything else: {statuses:?}"
    );
    for r in results.iter().filter(|r| r.status.as_u16() != 200) {
        assert_eq!(r.content_type(), "application/problem+json");
        if r.status.as_u16() == 503 {
            assert!(r.header("retry-after").is_some(), "a 503 says when to retry");
        }
    }
    // The reuse revoked the whole family, the winner's new token included.
    let winner = ok[0].json()["refresh_token"].as_str().unwrap().to_string();
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": winner})).await.problem(401);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": raced})).await.problem(401);
    assert_eq!(live_tokens_of_user(&app, &ent.user_id), 0, "no token of the family is left alive");
    // Signing in again starts a new family that works.
    let again = app.session(&ent.email).await;
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": again.refresh})).await.expect(200);
}

#[actix_web::test]
async fn reuse_of_an_old_token_revokes_every_descendant() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut chain = vec![admin.refresh.clone()];
    for _ in 0..4 {
        let next = app
            .post("/api/v1/auth/refresh", None, json!({"refresh_token": chain.last().unwrap()}))
            .await
            .expect(200)
            .json();
        chain.push(next["refresh_token"].as_str().unwrap().to_string());
    }
    // The oldest token comes back: every later one, the newest included, dies.
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": chain[1]})).await.problem(401);
    for t in &chain {
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": t})).await.problem(401);
    }
    assert_eq!(live_tokens_of_user(&app, &admin.user_id), 0);
}

// ---------------------------------------------------------------------------
// Shared set-up for (3) and (4): a bureau's conditional dataset with a hosted
// file and an enterprise holding a grant on it.

struct World {
    app: TestApp,
    admin: Session,
    edu: Session,
    owner: Session,
    member: Session,
    member_key: String,
    member_key_id: String,
    grant: String,
    file: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    let owner = app.verified_enterprise(&admin, "上海凭证测试科技有限公司").await;
    app.post(
        &format!("/api/v1/enterprises/{}/users", owner.org_id),
        Some(&owner.token),
        json!({"email": "engineer@pz.cn", "password": PASSWORD}),
    )
    .await
    .expect(201);
    let member = app.session("engineer@pz.cn").await;
    let key = app.post("/api/v1/api-keys", Some(&member.token), json!({"name": "pipeline"})).await.expect(201).json();
    let (dataset, file) = app.published_dataset(&edu, "sh-edu-students", "学生学籍信息", "conditional").await;
    let r = app.post("/api/v1/access-requests", Some(&member.token), request_body(&dataset)).await.expect(201).json();
    let rid = r["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/access-requests/{rid}/opinion"),
        Some(&edu.token),
        json!({"opinion": "consent", "comment": "同意"}),
    )
    .await
    .expect(200);
    let a =
        app.post(&format!("/api/v1/access-requests/{rid}/approve"), Some(&admin.token), json!({})).await.expect(200);
    let grant = a.json()["grant"]["id"].as_str().unwrap().to_string();
    World {
        admin,
        edu,
        owner,
        member,
        member_key: key["secret"].as_str().unwrap().to_string(),
        member_key_id: key["id"].as_str().unwrap().to_string(),
        grant,
        file: file["id"].as_str().unwrap().to_string(),
        app,
    }
}

impl World {
    /// A data token minted with `credential` (an access token or API key).
    async fn data_token(&self, credential: &str) -> String {
        let t = self
            .app
            .post(&format!("/api/v1/grants/{}/access-tokens", self.grant), Some(credential), json!({}))
            .await
            .expect(201)
            .json();
        t["access_token"].as_str().unwrap().to_string()
    }

    fn file_url(&self) -> String {
        format!("/api/v1/distributions/{}/file", self.file)
    }

    /// The statuses of every way a data token is presented: GET with a
    /// bearer, GET with `?token=`, a ranged GET, and HEAD.
    async fn every_download(&self, jwt: &str) -> Vec<u16> {
        let url = self.file_url();
        vec![
            self.app.get(&url, Some(jwt)).await.status.as_u16(),
            self.app.get(&format!("{url}?token={jwt}"), None).await.status.as_u16(),
            self.app.call_with("GET", &url, Some(jwt), &[("Range", "bytes=0-3")], None).await.status.as_u16(),
            self.app.call("HEAD", &url, Some(jwt), None).await.status.as_u16(),
        ]
    }

    /// Whether the owning bureau's introspection reports the token active.
    async fn introspected_active(&self, jwt: &str) -> bool {
        let r = self.app.post("/api/v1/tokens/introspect", Some(&self.edu.token), json!({"token": jwt})).await;
        r.expect(200).json()["active"].as_bool().unwrap()
    }
}

// ---------------------------------------------------------------------------
// (3) A data token dies with the credential that minted it.

#[actix_web::test]
async fn a_data_token_stops_at_once_when_the_api_key_that_minted_it_is_deleted() {
    let w = world().await;
    let by_key = w.data_token(&w.member_key).await;
    let by_session = w.data_token(&w.member.token).await;
    assert_eq!(w.every_download(&by_key).await, [200, 200, 206, 200]);
    assert!(w.introspected_active(&by_key).await);

    w.app.delete(&format!("/api/v1/api-keys/{}", w.member_key_id), Some(&w.member.token)).await.expect(204);
    assert_eq!(w.every_download(&by_key).await, [401, 401, 401, 401], "the key's token died with it");
    let p = w.app.get(&w.file_url(), Some(&by_key)).await.problem(401);
    assert_eq!(p["context"]["credential"], "api_key", "{p}");
    assert!(!w.introspected_active(&by_key).await, "introspection reports it inactive");
    // Only that key's tokens: the same user's session token still works.
    assert_eq!(w.every_download(&by_session).await, [200, 200, 206, 200]);
}

#[actix_web::test]
async fn a_data_token_stops_at_once_when_its_user_is_removed_from_the_enterprise() {
    let w = world().await;
    let by_session = w.data_token(&w.member.token).await;
    let by_key = w.data_token(&w.member_key).await;
    let owners = w.data_token(&w.owner.token).await;
    assert_eq!(w.every_download(&by_session).await, [200, 200, 206, 200]);

    w.app
        .delete(&format!("/api/v1/enterprises/{}/users/{}", w.owner.org_id, w.member.user_id), Some(&w.owner.token))
        .await
        .expect(204);
    assert_eq!(w.every_download(&by_session).await, [401, 401, 401, 401]);
    assert_eq!(w.every_download(&by_key).await, [401, 401, 401, 401]);
    let p = w.app.get(&w.file_url(), Some(&by_session)).await.problem(401);
    assert_eq!(p["context"]["credential"], "user", "{p}");
    assert!(!w.introspected_active(&by_session).await);
    // Another member's token is untouched.
    assert_eq!(w.every_download(&owners).await, [200, 200, 206, 200]);
}

#[actix_web::test]
async fn a_data_token_stops_when_the_api_key_that_minted_it_expires() {
    let w = world().await;
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(5)).to_rfc3339();
    let key = w
        .app
        .post("/api/v1/api-keys", Some(&w.member.token), json!({"name": "short", "expires_at": soon}))
        .await
        .expect(201)
        .json();
    let jwt = w.data_token(key["secret"].as_str().unwrap()).await;
    assert_eq!(w.every_download(&jwt).await, [200, 200, 206, 200]);
    // The data token (15 min) would still be valid; its key (5 min) is not.
    w.app.clock.advance(chrono::Duration::minutes(6));
    assert_eq!(w.every_download(&jwt).await, [401, 401, 401, 401]);
}

#[actix_web::test]
async fn a_data_token_stops_while_the_enterprise_is_suspended() {
    let w = world().await;
    let jwt = w.data_token(&w.member_key).await;
    let path = format!("/api/v1/enterprises/{}", w.owner.org_id);
    w.app.post(&format!("{path}/suspend"), Some(&w.admin.token), json!({"reason": "调查"})).await.expect(200);
    assert_eq!(w.every_download(&jwt).await, [403, 403, 403, 403]);
    assert!(!w.introspected_active(&jwt).await);
}

// ---------------------------------------------------------------------------
// (4) A listing reclassified as `not_open` suspends its grants.

impl World {
    /// Changes the dataset's open condition as its bureau's publisher.
    async fn reclassify(&self, condition: &str) -> Resp {
        let url = "/api/v1/datasets/sh-edu-students";
        let etag = self.app.get(url, Some(&self.edu.token)).await.header("etag").unwrap();
        let reason = if condition == "unconditional" { Value::Null } else { json!("经复核涉及重要数据") };
        self.app
            .call_with(
                "PATCH",
                url,
                Some(&self.edu.token),
                &[("If-Match", &etag)],
                Some(json!({"open_condition": condition, "open_condition_reason": reason})),
            )
            .await
    }

    async fn grant_view(&self, who: &str) -> Value {
        self.app.get(&format!("/api/v1/grants/{}", self.grant), Some(who)).await.expect(200).json()
    }

    async fn reinstate(&self, who: &str) -> Resp {
        self.app
            .post(&format!("/api/v1/grants/{}/reinstate", self.grant), Some(who), json!({"reason": "复核后恢复"}))
            .await
    }

    fn audit_actions(&self) -> Vec<(String, String)> {
        use datagate::db::schema::audit_log::dsl::*;
        use diesel::prelude::*;
        let mut conn = self.app.state.db.get().unwrap();
        audit_log.order(seq.asc()).select((action, target_id)).load::<(String, String)>(&mut *conn).unwrap()
    }
}

#[actix_web::test]
async fn reclassifying_a_listing_as_not_open_suspends_its_grants_until_an_admin_reinstates_them() {
    let w = world().await;
    let jwt = w.data_token(&w.member_key).await;
    assert_eq!(w.every_download(&jwt).await, [200, 200, 206, 200]);

    w.reclassify("not_open").await.expect(200);
    // The token already issued stops at once, everywhere it is accepted.
    assert_eq!(w.every_download(&jwt).await, [403, 403, 403, 403]);
    let p = w.app.get(&w.file_url(), Some(&jwt)).await.problem(403);
    assert_eq!(p["type"], "/problems/grant-not-active");
    assert_eq!(p["context"]["suspension_cause"], "listing_not_open", "{p}");
    assert!(!w.introspected_active(&jwt).await);
    // No new token, and no aggregate query either.
    let refused =
        w.app.post(&format!("/api/v1/grants/{}/access-tokens", w.grant), Some(&w.member_key), json!({})).await;
    assert_eq!(refused.problem(403)["context"]["grant_state"], "suspended");
    let q = json!({"distribution_id": w.file, "aggregate": "count", "epsilon": 0.1});
    let p = w.app.post(&format!("/api/v1/grants/{}/queries", w.grant), Some(&w.member_key), q).await.problem(403);
    assert_eq!(p["type"], "/problems/grant-not-active");
    // The holder sees the state, the cause and the reason: its notification.
    let g = w.grant_view(&w.member.token).await;
    assert_eq!(g["state"], "suspended");
    assert_eq!(g["suspension_cause"], "listing_not_open");
    assert!(g["suspension_reason"].as_str().unwrap().contains("经复核涉及重要数据"), "{g}");
    assert!(g["suspended_at"].is_string());
    assert_eq!(g["suspended_by"], w.edu.user_id.as_str());
    // Audited, in the reclassification's transaction (right after it).
    let actions = w.audit_actions();
    let at = actions.iter().position(|(a, t)| a == "grant.suspend" && *t == w.grant).expect("grant.suspend audited");
    assert_eq!(actions[at - 1].0, "dataset.update");

    // Only administrators reinstate, and not while the listing is not_open.
    w.reinstate(&w.edu.token).await.problem(403);
    w.reinstate(&w.member.token).await.problem(403);
    let p = w.reinstate(&w.admin.token).await.problem(409);
    assert_eq!(p["context"]["open_condition"], "not_open");

    // Reclassifying back does not lift the suspension by itself.
    w.reclassify("conditional").await.expect(200);
    assert_eq!(w.every_download(&jwt).await, [403, 403, 403, 403]);
    assert_eq!(w.grant_view(&w.member.token).await["state"], "suspended");
    w.app.post(&format!("/api/v1/grants/{}/access-tokens", w.grant), Some(&w.member_key), json!({})).await.problem(403);

    // The administrator's decision does.
    let g = w.reinstate(&w.admin.token).await.expect(200).json();
    assert_eq!(g["state"], "active");
    assert!(g["suspension_cause"].is_null() && g["suspension_reason"].is_null(), "{g}");
    assert!(w.audit_actions().iter().any(|(a, t)| a == "grant.reinstate" && *t == w.grant));
    assert_eq!(w.every_download(&jwt).await, [200, 200, 206, 200]);
    let fresh = w.data_token(&w.member_key).await;
    assert_eq!(w.every_download(&fresh).await, [200, 200, 206, 200]);
    // Reinstating an active grant is a conflict.
    assert_eq!(w.reinstate(&w.admin.token).await.problem(409)["context"]["state"], "active");
}

#[actix_web::test]
async fn a_request_made_before_the_listing_became_not_open_cannot_be_approved() {
    let w = world().await;
    // A second enterprise applies while the listing is conditional.
    let other = w.app.verified_enterprise(&w.admin, "上海后来者科技有限公司").await;
    let ds = w.app.get("/api/v1/datasets/sh-edu-students", None).await.json();
    let r = w
        .app
        .post(
            "/api/v1/access-requests",
            Some(&other.token),
            json!({
                "listing": "sh-edu-students",
                "purpose_category": "research",
                "purpose": "研究教育资源配置的公平性与可达性问题",
                "scenario": "在企业内部隔离的训练集群中处理，不出境",
                "duration_days": 30,
                "security_measures": "数据加密存储，访问留痕，研究后删除原始数据",
                "terms_version": ds["terms"]["version"]
            }),
        )
        .await
        .expect(201)
        .json();
    w.reclassify("not_open").await.expect(200);
    let rid = r["id"].as_str().unwrap();
    let p = w.app.post(&format!("/api/v1/access-requests/{rid}/approve"), Some(&w.admin.token), json!({})).await;
    assert_eq!(p.problem(409)["context"]["open_condition"], "not_open");
    let grants = w.app.get("/api/v1/grants", Some(&other.token)).await.expect(200).json();
    assert_eq!(grants["total"], 0, "no grant was created");
}

#[actix_web::test]
async fn a_grant_shows_why_it_is_suspended_by_its_enterprise_or_its_withdrawn_listing() {
    let w = world().await;
    let path = format!("/api/v1/enterprises/{}", w.owner.org_id);
    w.app.post(&format!("{path}/suspend"), Some(&w.admin.token), json!({"reason": "调查"})).await.expect(200);
    let g = w.grant_view(&w.admin.token).await;
    assert_eq!(
        (g["state"].as_str(), g["suspension_cause"].as_str()),
        (Some("suspended"), Some("enterprise_suspended"))
    );
    // Not a recorded decision: lifted at its source, not by reinstating the grant.
    w.reinstate(&w.admin.token).await.problem(409);
    w.app.post(&format!("{path}/reinstate"), Some(&w.admin.token), json!({"reason": "结案"})).await.expect(200);
    assert_eq!(w.grant_view(&w.member.token).await["state"], "active");
    w.app
        .post("/api/v1/datasets/sh-edu-students/withdraw", Some(&w.edu.token), json!({"reason": "停止开放"}))
        .await
        .expect(200);
    let g = w.grant_view(&w.member.token).await;
    assert_eq!(g["suspension_cause"], "listing_withdrawn");
    assert!(g["suspension_reason"].as_str().unwrap().contains("停止开放"), "{g}");
    let jwt_refused =
        w.app.post(&format!("/api/v1/grants/{}/access-tokens", w.grant), Some(&w.member_key), json!({})).await;
    assert_eq!(jwt_refused.problem(403)["context"]["suspension_cause"], "listing_withdrawn");
}
