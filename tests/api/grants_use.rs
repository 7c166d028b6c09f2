//! Using a grant: expiry by time, revocation and suspension at once,
//! isolation between enterprises, strict data tokens and introspection.

use chrono::Duration;
use serde_json::json;

use crate::grants_support::*;

#[actix_web::test]
async fn a_grant_expires_by_time_alone() {
    let w = world().await;
    let mut b = request_body(&w);
    b["duration_days"] = json!(2);
    let r = w.app.post("/api/v1/access-requests", Some(&w.key), b).await.expect(201).json();
    let id = r["id"].as_str().unwrap();
    let until = (w.app.state.clock.now() + Duration::days(1)).to_rfc3339();
    // An admin may shorten the period but not extend it.
    let p = w
        .app
        .post(
            &format!("/api/v1/access-requests/{id}/approve"),
            Some(&w.admin.token),
            json!({"valid_until": (w.app.state.clock.now() + Duration::days(3)).to_rfc3339()}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "valid_until");
    let a = w
        .app
        .post(&format!("/api/v1/access-requests/{id}/approve"), Some(&w.admin.token), json!({"valid_until": until}))
        .await
        .expect(200)
        .json();
    let gid = a["grant"]["id"].as_str().unwrap().to_string();
    // Near the end, a token never outlives the grant.
    w.app.clock.advance(Duration::hours(23) + Duration::minutes(55));
    let t = token(&w, &a["grant"]).await;
    assert!(t["expires_in"].as_i64().unwrap() <= 300);
    w.app.get(&file_url(&w), Some(t["access_token"].as_str().unwrap())).await.expect(200);
    w.app.clock.advance(Duration::minutes(6));
    // No background job ran: time alone decides.
    let g = w.app.get(&format!("/api/v1/grants/{gid}"), Some(&w.key)).await.json();
    assert_eq!(g["state"], "expired");
    let admin = w.app.relogin(&w.admin).await;
    let p = w.app.post(&format!("/api/v1/grants/{gid}/access-tokens"), Some(&w.key), json!({})).await.problem(403);
    assert_eq!(p["context"]["grant_state"], "expired");
    w.app.get(&file_url(&w), Some(t["access_token"].as_str().unwrap())).await.problem(401);
    assert_eq!(w.app.get("/api/v1/grants?state=expired", Some(&admin.token)).await.json()["total"], 1);
    assert_eq!(w.app.get("/api/v1/grants?state=active", Some(&admin.token)).await.json()["total"], 0);
}

#[actix_web::test]
async fn revocation_stops_a_download_with_a_still_valid_token() {
    let w = world().await;
    let grant = granted(&w).await;
    let t = token(&w, &grant).await;
    let jwt = t["access_token"].as_str().unwrap();
    w.app.get(&file_url(&w), Some(jwt)).await.expect(200);
    let gid = grant["id"].as_str().unwrap();
    // The owning bureau may revoke; an enterprise may not.
    w.app.post(&format!("/api/v1/grants/{gid}/revoke"), Some(&w.key), json!({"reason": "x"})).await.problem(403);
    let g = w
        .app
        .post(&format!("/api/v1/grants/{gid}/revoke"), Some(&w.edu.token), json!({"reason": "发现违规转售"}))
        .await
        .expect(200)
        .json();
    assert_eq!(g["state"], "revoked");
    let p = w.app.get(&file_url(&w), Some(jwt)).await.problem(403);
    assert_eq!(p["type"], "/problems/grant-not-active");
    w.app.post(&format!("/api/v1/grants/{gid}/access-tokens"), Some(&w.key), json!({})).await.problem(403);
    w.app
        .post(&format!("/api/v1/grants/{gid}/revoke"), Some(&w.admin.token), json!({"reason": "again"}))
        .await
        .problem(409);
    assert!(audit_actions(&w.app).contains(&"grant.revoke".to_string()));
}

#[actix_web::test]
async fn suspension_or_withdrawal_stops_every_grant() {
    let w = world().await;
    let grant = granted(&w).await;
    let t = token(&w, &grant).await;
    let jwt = t["access_token"].as_str().unwrap().to_string();
    let path = format!("/api/v1/enterprises/{}", w.ent.org_id);
    w.app.post(&format!("{path}/suspend"), Some(&w.admin.token), json!({"reason": "调查"})).await.expect(200);
    assert_eq!(w.app.get(&file_url(&w), Some(&jwt)).await.problem(403)["type"], "/problems/grant-not-active");
    let g = w.app.get(&format!("/api/v1/grants/{}", grant["id"].as_str().unwrap()), Some(&w.admin.token)).await.json();
    assert_eq!(g["state"], "suspended");
    w.app.post(&format!("{path}/reinstate"), Some(&w.admin.token), json!({"reason": "结案"})).await.expect(200);
    w.app.get(&file_url(&w), Some(&jwt)).await.expect(200);
    w.app
        .post("/api/v1/datasets/sh-edu-students/withdraw", Some(&w.edu.token), json!({"reason": "停止开放"}))
        .await
        .expect(200);
    assert_eq!(w.app.get(&file_url(&w), Some(&jwt)).await.problem(403)["type"], "/problems/grant-not-active");
}

#[actix_web::test]
async fn enterprise_b_cannot_see_use_or_confirm_enterprise_a_grants() {
    let w = world().await;
    let grant = granted(&w).await;
    let gid = grant["id"].as_str().unwrap();
    let b = w.app.verified_enterprise(&w.admin, "乙公司").await;
    let missing = "00000000-0000-7000-8000-000000000000";
    for path in ["/api/v1/grants/{}", "/api/v1/grants/{}/usage-reports"] {
        let theirs = w.app.get(&path.replace("{}", gid), Some(&b.token)).await.problem(404);
        let nothing = w.app.get(&path.replace("{}", missing), Some(&b.token)).await.problem(404);
        assert_eq!(theirs["detail"], nothing["detail"]);
    }
    let theirs =
        w.app.post(&format!("/api/v1/grants/{gid}/access-tokens"), Some(&b.token), json!({})).await.problem(404);
    let nothing =
        w.app.post(&format!("/api/v1/grants/{missing}/access-tokens"), Some(&b.token), json!({})).await.problem(404);
    assert_eq!(theirs, nothing);
    let req_id = grant["request_id"].as_str().unwrap();
    w.app.get(&format!("/api/v1/access-requests/{req_id}"), Some(&b.token)).await.problem(404);
    w.app.post(&format!("/api/v1/access-requests/{req_id}/withdraw"), Some(&b.token), json!({})).await.problem(404);
    assert_eq!(w.app.get("/api/v1/grants", Some(&b.token)).await.json()["total"], 0);
    assert_eq!(w.app.get("/api/v1/access-requests", Some(&b.token)).await.json()["total"], 0);
    assert_eq!(w.app.get("/api/v1/access-log", Some(&b.token)).await.json()["total"], 0);
    // Another bureau sees none of it either.
    let other_bureau = w.app.bureau(&w.admin, "sh-health").await;
    let health = w.app.publisher(&w.admin, &other_bureau).await;
    w.app.get(&format!("/api/v1/grants/{gid}"), Some(&health.token)).await.problem(404);
    assert_eq!(w.app.get("/api/v1/grants", Some(&health.token)).await.json()["total"], 0);
    w.app.post(&format!("/api/v1/grants/{gid}/revoke"), Some(&health.token), json!({"reason": "x"})).await.problem(404);
}

#[actix_web::test]
async fn data_tokens_are_checked_strictly() {
    let w = world().await;
    let grant = granted(&w).await;
    let t = token(&w, &grant).await;
    let jwt = t["access_token"].as_str().unwrap().to_string();
    // A distribution the grant does not cover (added after approval).
    let extra = w.app.add_file(&w.edu, "sh-edu-students", b"new file").await;
    let p = w
        .app
        .get(&format!("/api/v1/distributions/{}/file", extra["id"].as_str().unwrap()), Some(&jwt))
        .await
        .problem(403);
    assert!(p["detail"].as_str().unwrap().contains("does not open"));
    // Tampered and expired tokens.
    let parts: Vec<&str> = jwt.split('.').collect();
    let tampered = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
    w.app.get(&file_url(&w), Some(&tampered)).await.problem(401);
    // A data token is not an API credential, and an API token does not open data.
    w.app.get("/api/v1/me", Some(&jwt)).await.problem(401);
    w.app.get(&file_url(&w), Some(&w.ent.token)).await.problem(403);
    w.app.clock.advance(Duration::minutes(16));
    w.app.get(&file_url(&w), Some(&jwt)).await.problem(401);
}

#[actix_web::test]
async fn introspection_tells_the_owning_bureau_what_a_token_grants() {
    let w = world().await;
    let grant = granted(&w).await;
    let jwt = token(&w, &grant).await["access_token"].as_str().unwrap().to_string();
    let introspect = |who: &str, form: String| {
        let app = &w.app;
        let who = who.to_string();
        async move {
            app.raw(
                "POST",
                "/api/v1/tokens/introspect",
                &[("Authorization", &format!("Bearer {who}")), ("Content-Type", "application/x-www-form-urlencoded")],
                form.into_bytes(),
            )
            .await
        }
    };
    let r = introspect(&w.edu.token, format!("token={jwt}")).await.expect(200).json();
    assert_eq!(r["active"], true);
    assert_eq!(r["grant_id"], grant["id"]);
    assert_eq!(r["enterprise_id"], w.ent.org_id.as_str());
    assert_eq!(r["distribution_ids"], json!([w.file["id"]]));
    // JSON works too, for the admin.
    let r =
        w.app.post("/api/v1/tokens/introspect", Some(&w.admin.token), json!({"token": jwt})).await.expect(200).json();
    assert_eq!(r["active"], true);
    // Another bureau learns nothing; garbage is inactive; enterprises may not ask.
    let other = w.app.bureau(&w.admin, "sh-health").await;
    let health = w.app.publisher(&w.admin, &other).await;
    assert_eq!(introspect(&health.token, format!("token={jwt}")).await.expect(200).json(), json!({"active": false}));
    assert_eq!(introspect(&w.edu.token, "token=garbage".into()).await.expect(200).json(), json!({"active": false}));
    introspect(&w.key, format!("token={jwt}")).await.problem(403);
    // After revocation the token is inactive.
    w.app
        .post(
            &format!("/api/v1/grants/{}/revoke", grant["id"].as_str().unwrap()),
            Some(&w.admin.token),
            json!({"reason": "x"}),
        )
        .await
        .expect(200);
    assert_eq!(introspect(&w.edu.token, format!("token={jwt}")).await.expect(200).json(), json!({"active": false}));
}
