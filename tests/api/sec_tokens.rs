//! Issue 20, items 2–4: refresh tokens are single-use under concurrency, a
//! data token dies with the credential that minted it, and grants on a
//! listing reclassified as `not_open` are suspended until an administrator
//! reinstates them.

use futures_util::future::join_all;
use serde_json::json;

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
