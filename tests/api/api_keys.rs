//! API keys: shown once, stored hashed, usable as bearer, revocable at once.

use chrono::Duration;
use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn the_whole_journey_admin_verifies_owner_adds_member_and_uses_a_key_until_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (id, email) = app.register("上海智算未来科技有限公司").await;
    app.post(&format!("/api/v1/enterprises/{id}/verify"), Some(&admin.token), json!({"reason": "licence checked"}))
        .await
        .expect(200);
    let owner = app.session(&email).await;
    app.post(
        &format!("/api/v1/enterprises/{id}/users"),
        Some(&owner.token),
        json!({"email": "engineer@zs.cn", "password": PASSWORD}),
    )
    .await
    .expect(201);
    let member = app.session("engineer@zs.cn").await;

    let created = app
        .post("/api/v1/api-keys", Some(&member.token), json!({"name": "training-pipeline"}))
        .await
        .expect(201)
        .json();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("dgk_"));
    assert!(secret.starts_with(created["prefix"].as_str().unwrap()));
    let me = app.get("/api/v1/me", Some(&secret)).await.expect(200).json();
    assert_eq!(me["credential"], "api_key");
    assert_eq!(me["user"]["email"], "engineer@zs.cn");

    // Listed without the secret, with its last use.
    let list = app.get("/api/v1/api-keys", Some(&member.token)).await.expect(200).json();
    assert_eq!(list["total"], 1);
    assert!(list["items"][0].get("secret").is_none());
    assert!(list["items"][0]["last_used_at"].is_string());
    assert!(!serde_json::to_string(&list).unwrap().contains(&secret));

    // Revoked: refused immediately.
    let key_id = created["id"].as_str().unwrap();
    app.delete(&format!("/api/v1/api-keys/{key_id}"), Some(&member.token)).await.expect(204);
    app.get("/api/v1/me", Some(&secret)).await.problem(401);
    assert_eq!(app.get("/api/v1/api-keys", Some(&member.token)).await.json()["total"], 0);
    let all = app.get("/api/v1/api-keys?include_revoked=true", Some(&member.token)).await.json();
    assert!(all["items"][0]["revoked_at"].is_string());
}

#[actix_web::test]
async fn keys_cannot_mint_keys_and_others_cannot_revoke_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let a = app.verified_enterprise(&admin, "甲公司").await;
    let b = app.verified_enterprise(&admin, "乙公司").await;
    let key = app.post("/api/v1/api-keys", Some(&a.token), json!({"name": "k"})).await.expect(201).json();
    let secret = key["secret"].as_str().unwrap();
    app.post("/api/v1/api-keys", Some(secret), json!({"name": "child"})).await.problem(403);
    app.delete(&format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()), Some(secret)).await.problem(403);
    // Enterprise B cannot see or revoke A's key: it is "not found".
    app.delete(&format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()), Some(&b.token)).await.problem(404);
    assert_eq!(app.get("/api/v1/api-keys", Some(&b.token)).await.json()["total"], 0);
    app.get("/api/v1/me", Some(secret)).await.expect(200);
}

#[actix_web::test]
async fn an_owner_sees_and_revokes_members_keys() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let owner = app.verified_enterprise(&admin, "甲公司").await;
    app.post(
        &format!("/api/v1/enterprises/{}/users", owner.org_id),
        Some(&owner.token),
        json!({"email": "m@zs.cn", "password": PASSWORD}),
    )
    .await
    .expect(201);
    let member = app.session("m@zs.cn").await;
    let key = app.post("/api/v1/api-keys", Some(&member.token), json!({"name": "k"})).await.expect(201).json();
    assert_eq!(app.get("/api/v1/api-keys", Some(&owner.token)).await.json()["total"], 1);
    app.delete(&format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()), Some(&owner.token)).await.expect(204);
    app.get("/api/v1/me", Some(key["secret"].as_str().unwrap())).await.problem(401);
}

#[actix_web::test]
async fn keys_expire_and_bad_key_input_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let owner = app.verified_enterprise(&admin, "甲公司").await;
    let expires = (app.state.clock.now() + Duration::hours(1)).to_rfc3339();
    let key = app
        .post("/api/v1/api-keys", Some(&owner.token), json!({"name": "short", "expires_at": expires}))
        .await
        .expect(201)
        .json();
    let secret = key["secret"].as_str().unwrap();
    app.get("/api/v1/me", Some(secret)).await.expect(200);
    app.clock.advance(Duration::minutes(61));
    app.get("/api/v1/me", Some(secret)).await.problem(401);
    let owner = app.session(&owner.email).await;

    let past = (app.state.clock.now() - Duration::hours(1)).to_rfc3339();
    let p =
        app.post("/api/v1/api-keys", Some(&owner.token), json!({"name": "k", "expires_at": past})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "expires_at");
    let p = app
        .post("/api/v1/api-keys", Some(&owner.token), json!({"name": "k", "expires_at": "tomorrow"}))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "expires_at");
    let p = app.post("/api/v1/api-keys", Some(&owner.token), json!({"name": "x".repeat(101)})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "name");
    app.get("/api/v1/me", Some("dgk_not-a-real-key")).await.problem(401);
}
