//! Portal sessions: stored in the database (so any instance accepts them),
//! idle and absolute expiry, sign-out, and the wall between the portal's
//! cookie and the API's bearer credentials.

use std::sync::Arc;

use chrono::Duration;
use serde_json::json;

use crate::helpers::*;
use crate::portal_support::*;

#[actix_web::test]
async fn a_session_opens_signed_in_pages_and_nothing_else_does() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ent = app.verified_enterprise(&admin, "门户会话科技有限公司").await;

    // Without a session, the account page sends the person to sign in and back.
    let r = Browser::new().get(&app, "/account").await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/signin?next=%2Faccount"));
    // A bearer token never opens the portal.
    let bearer = format!("Bearer {}", ent.token);
    let mut b = Browser::new();
    let r = b.send_with(&app, "/account", &[("Authorization", &bearer)]).await.expect(303);
    assert!(r.header("location").unwrap().starts_with("/signin"));

    let mut b = signed_in(&app, &ent.user_id).await;
    let session = b.cookie("dg_session").unwrap();
    let html = page(b.get(&app, "/account").await, 200);
    assert!(html.contains(&ent.email) && html.contains("门户会话科技有限公司"));
    assert!(html.contains("退出登录"), "the header offers to sign out");

    // A session cookie never authorises the API.
    let r = app.raw("GET", "/api/v1/me", &[("Cookie", &format!("dg_session={session}"))], Vec::new()).await;
    r.problem(401);
    let r = app
        .raw(
            "POST",
            "/api/v1/api-keys",
            &[("Cookie", &format!("dg_session={session}")), ("Content-Type", "application/json")],
            br#"{"name":"x"}"#.to_vec(),
        )
        .await;
    r.problem(401);

    // Only the hash of the secret is stored.
    let db = app.state.db.clone();
    let stored: Vec<String> = actix_web::web::block(move || {
        use diesel::prelude::*;
        let mut conn = db.get().unwrap();
        datagate::db::schema::portal_sessions::table
            .select(datagate::db::schema::portal_sessions::id_hash)
            .load(&mut *conn)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], session);
    assert_eq!(stored[0], datagate::auth::secret_hash(&session));
}

#[actix_web::test]
async fn the_cookie_is_httponly_lax_and_secure_on_https() {
    let app = TestApp::spawn_with(|c| c.public_url = "https://data.example.gov.cn".into()).await;
    let admin = app.admin().await;
    let user: datagate::orgs::UserId = admin.user_id.parse().unwrap();
    let cookie = datagate::portal::session::start(&app.state, user).await.unwrap();
    let header = cookie.to_string();
    for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(header.contains(part), "{part} in {header}");
    }
}

#[actix_web::test]
async fn sessions_end_when_idle_and_at_their_absolute_expiry() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    // Idle: 30 minutes without a request ends it, and the cookie is removed.
    let mut b = signed_in(&app, &admin.user_id).await;
    app.clock.advance(Duration::minutes(20));
    page(b.get(&app, "/account").await, 200);
    app.clock.advance(Duration::minutes(20));
    page(b.get(&app, "/account").await, 200); // used 20 minutes ago: alive
    app.clock.advance(Duration::minutes(31));
    let r = b.get(&app, "/account").await.expect(303);
    assert!(r.header("location").unwrap().starts_with("/signin"));
    assert_eq!(b.cookie("dg_session"), None, "the stale cookie was removed");

    // Absolute: however busy, 12 hours after sign-in it ends.
    let mut b = signed_in(&app, &admin.user_id).await;
    for _ in 0..(12 * 60 / 25) {
        app.clock.advance(Duration::minutes(25));
        if b.get(&app, "/account").await.status.as_u16() != 200 {
            break;
        }
    }
    app.clock.advance(Duration::minutes(25));
    b.get(&app, "/account").await.expect(303);
}

#[actix_web::test]
async fn signing_out_ends_the_session_and_needs_the_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut b = signed_in(&app, &admin.user_id).await;
    let html = page(b.get(&app, "/account").await, 200);
    let token = hidden(&html, "csrf_token");
    assert_eq!(live_sessions(&app).await, 1);

    // Without the token: refused, still signed in.
    page(b.post_form(&app, "/signout", &[]).await, 403);
    assert_eq!(live_sessions(&app).await, 1);
    page(b.get(&app, "/account").await, 200);
    // A token made for the anonymous browser does not sign this session out.
    let mut anon = Browser::new();
    anon.set("dg_csrf", &b.cookie("dg_csrf").unwrap());
    let anon_token = hidden(&text(&anon.get(&app, "/").await), "csrf_token");
    assert_ne!(anon_token, token, "tokens are bound to the session");
    page(b.post_form(&app, "/signout", &[("csrf_token", &anon_token)]).await, 403);
    assert_eq!(live_sessions(&app).await, 1);

    let r = b.post_form(&app, "/signout", &[("csrf_token", &token)]).await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/"));
    assert_eq!(live_sessions(&app).await, 0);
    assert_eq!(b.cookie("dg_session"), None);
}

#[actix_web::test]
async fn a_stolen_cookie_stops_working_after_sign_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut b = signed_in(&app, &admin.user_id).await;
    let copy = b.clone();
    let token = hidden(&text(&b.get(&app, "/account").await), "csrf_token");
    b.post_form(&app, "/signout", &[("csrf_token", &token)]).await.expect(303);
    let mut thief = copy;
    thief.get(&app, "/account").await.expect(303);
}

#[actix_web::test]
async fn a_suspended_organisations_person_is_refused_signed_in_pages() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ent = app.verified_enterprise(&admin, "暂停门户科技有限公司").await;
    let mut b = signed_in(&app, &ent.user_id).await;
    page(b.get(&app, "/account").await, 200);
    app.post(&format!("/api/v1/enterprises/{}/suspend", ent.org_id), Some(&admin.token), json!({"reason": "核查"}))
        .await
        .expect(200);
    let html = page(b.get(&app, "/account").await, 403);
    assert!(html.contains("所在单位已被暂停"));
    // Public pages still work, as for anyone.
    page(b.get(&app, "/").await, 200);
}

#[actix_web::test]
async fn any_instance_on_the_same_database_accepts_the_session() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut b = signed_in(&app, &admin.user_id).await;
    // A second instance: its own state and signing key, the same database.
    let config = app.state.config.as_ref().clone();
    let state = actix_web::web::Data::new(
        datagate::app::AppState::new(
            app.state.db.clone(),
            config,
            datagate::auth::keys::TokenKeys::generate().unwrap(),
            datagate::clock::SharedClock(Arc::new(app.clock.clone())),
        )
        .unwrap(),
    );
    let spec = datagate::app::Spec::build();
    let other = actix_test::start(move || datagate::app::build(state.clone(), spec.clone()));
    let cookie = format!("dg_session={}", b.cookie("dg_session").unwrap());
    let mut r = other.get("/account").insert_header(("Cookie", cookie)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = String::from_utf8_lossy(&r.body().await.unwrap()).into_owned();
    assert!(body.contains(&admin.email));
    // Signed out on the first, refused by the second.
    let token = hidden(&text(&b.get(&app, "/account").await), "csrf_token");
    let secret = b.cookie("dg_session").unwrap();
    b.post_form(&app, "/signout", &[("csrf_token", &token)]).await.expect(303);
    let client = awc::Client::builder().disable_redirects().finish();
    let r = client
        .get(other.url("/account"))
        .insert_header(("Cookie", format!("dg_session={secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
}
