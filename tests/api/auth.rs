//! Signing in, token rotation, throttling, suspension, and tokens that must
//! be refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::*;

#[actix_web::test]
async fn login_gives_a_short_lived_bearer_token_and_a_refresh_token() {
    let app = TestApp::spawn().await;
    let (_, email) = app.register("甲公司").await;
    let t = app.login(&email.to_uppercase(), PASSWORD).await.expect(200).json();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 900);
    assert!(t["refresh_token"].as_str().unwrap().starts_with("dgr_"));
    // The token is an EdDSA JWT whose kid is in the JWKS.
    let header = jsonwebtoken::decode_header(t["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    let jwks = app.get("/.well-known/jwks.json", None).await.expect(200).json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["kid"], header.kid.unwrap().as_str());
    assert_eq!(URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap().len(), 32);
}

#[actix_web::test]
async fn a_third_party_verifies_tokens_with_the_published_jwks() {
    let app = TestApp::spawn().await;
    let (_, email) = app.register("甲公司").await;
    let token = app.login(&email, PASSWORD).await.json()["access_token"].as_str().unwrap().to_string();
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    let x = jwks["keys"][0]["x"].as_str().unwrap();
    let key = jsonwebtoken::DecodingKey::from_ed_components(x).unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["datagate-api"]);
    validation.set_issuer(&[app.state.config.public_url.as_str()]);
    let data = jsonwebtoken::decode::<Value>(&token, &key, &validation).expect("verifies with the JWKS");
    assert!(data.claims["sub"].is_string());
}

#[actix_web::test]
async fn wrong_email_and_wrong_password_look_the_same() {
    let app = TestApp::spawn().await;
    let (_, email) = app.register("甲公司").await;
    let a = app.login(&email, "not the password at all").await.problem(401);
    let b = app.login("nobody@nowhere.cn", "not the password at all").await.problem(401);
    assert_eq!(a, b);
}

#[actix_web::test]
async fn repeated_failures_are_throttled_and_the_lock_expires() {
    let app = TestApp::spawn().await;
    let (_, email) = app.register("甲公司").await;
    for _ in 0..5 {
        app.login(&email, "wrong password!!").await.problem(401);
    }
    // Locked: even the right password is refused for now, with Retry-After.
    let r = app.login(&email, PASSWORD).await;
    let retry: i64 = r.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    r.problem(429);
    // Unknown emails are throttled alike, revealing nothing.
    for _ in 0..5 {
        app.login("ghost@nowhere.cn", "wrong password!!").await.problem(401);
    }
    app.login("ghost@nowhere.cn", "wrong password!!").await.problem(429);
    // After the lock, the right password works and clears the count.
    app.clock.advance(Duration::seconds(31));
    app.login(&email, PASSWORD).await.expect(200);
    app.login(&email, "wrong password!!").await.problem(401);
    app.login(&email, PASSWORD).await.expect(200);
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_chain() {
    let app = TestApp::spawn().await;
    let (_, email) = app.register("甲公司").await;
    let first = app.login(&email, PASSWORD).await.json();
    let r1 = first["refresh_token"].as_str().unwrap();
    let second = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": r1})).await.expect(200).json();
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2);
    app.get("/api/v1/me", Some(second["access_token"].as_str().unwrap())).await.expect(200);
    // r1 again: reuse. It is refused and r2, rotated from it, dies too.
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": r1})).await.problem(401);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": r2})).await.problem(401);
    // A separate sign-in is unaffected.
    let other = app.login(&email, PASSWORD).await.json();
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": other["refresh_token"]})).await.expect(200);
}

#[actix_web::test]
async fn refresh_tokens_expire_and_logout_revokes() {
    let app = TestApp::spawn().await;
    let (_, email) = app.register("甲公司").await;
    let t = app.login(&email, PASSWORD).await.json();
    app.post("/api/v1/auth/logout", None, json!({"refresh_token": t["refresh_token"]})).await.expect(204);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": t["refresh_token"]})).await.problem(401);
    app.post("/api/v1/auth/logout", None, json!({"refresh_token": "dgr_unknown"})).await.expect(204);

    let t = app.login(&email, PASSWORD).await.json();
    app.clock.advance(Duration::days(31));
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": t["refresh_token"]})).await.problem(401);
}

#[actix_web::test]
async fn refresh_tokens_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    let (_, email) = app.register("甲公司").await;
    let t = app.login(&email, PASSWORD).await.json();
    let secret = t["refresh_token"].as_str().unwrap().to_string();
    let db = app.state.db.clone();
    let stored: Vec<String> = actix_web::web::block(move || {
        use datagate::db::schema::refresh_tokens::dsl::*;
        use diesel::prelude::*;
        let mut conn = db.get().unwrap();
        refresh_tokens.select(token_hash).load::<String>(&mut *conn).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], secret);
    assert!(!stored[0].contains(&secret[4..]));
}

#[actix_web::test]
async fn access_tokens_expire() {
    let app = TestApp::spawn().await;
    let (_, email) = app.register("甲公司").await;
    let s = app.session(&email).await;
    app.clock.advance(Duration::seconds(899));
    app.get("/api/v1/me", Some(&s.token)).await.expect(200);
    app.clock.advance(Duration::seconds(2));
    let p = app.get("/api/v1/me", Some(&s.token)).await;
    assert!(p.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    p.problem(401);
}

/// Claims like the service's own, to forge variants of.
fn claims(app: &TestApp, s: &Session) -> Value {
    let now = app.clock_now();
    json!({"iss": app.state.config.public_url, "aud": "datagate-api", "sub": s.user_id, "org": s.org_id,
           "iat": now, "nbf": now, "exp": now + 600, "jti": "t"})
}

impl TestApp {
    fn clock_now(&self) -> i64 {
        self.state.clock.now().timestamp()
    }
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[actix_web::test]
async fn forged_and_misdirected_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let (_, email) = app.register("甲公司").await;
    let s = app.session(&email).await;
    let kid = app.state.signer.keys.kid.clone();
    let sign = |c: &Value| app.state.signer.sign(c).unwrap();

    // Sanity: our own forging with the real key and right claims works.
    app.get("/api/v1/me", Some(&sign(&claims(&app, &s)))).await.expect(200);

    let mut cases: Vec<(&str, String)> = Vec::new();
    let mut c = claims(&app, &s);
    c["aud"] = json!("datagate-data");
    cases.push(("another audience", sign(&c)));
    let mut c = claims(&app, &s);
    c["iss"] = json!("https://evil.example");
    cases.push(("another issuer", sign(&c)));
    let mut c = claims(&app, &s);
    c["exp"] = json!(app.clock_now() - 1);
    cases.push(("expired", sign(&c)));
    let mut c = claims(&app, &s);
    c["nbf"] = json!(app.clock_now() + 600);
    cases.push(("not yet valid", sign(&c)));
    let mut c = claims(&app, &s);
    c.as_object_mut().unwrap().remove("exp");
    cases.push(("no expiry", sign(&c)));

    // Tampered payload: claims changed after signing.
    let good = sign(&claims(&app, &s));
    let parts: Vec<&str> = good.split('.').collect();
    let mut c = claims(&app, &s);
    c["exp"] = json!(app.clock_now() + 86_400);
    cases.push(("tampered", format!("{}.{}.{}", parts[0], b64(&c), parts[2])));

    // alg: none, unsigned.
    let none_header = json!({"alg": "none", "typ": "JWT", "kid": kid});
    cases.push(("alg none", format!("{}.{}.", b64(&none_header), b64(&claims(&app, &s)))));

    // HS256 keyed with the public key (the classic algorithm-confusion attack).
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    let public = URL_SAFE_NO_PAD.decode(jwks["keys"][0]["x"].as_str().unwrap()).unwrap();
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(kid.clone());
    let hs = jsonwebtoken::encode(&h, &claims(&app, &s), &EncodingKey::from_secret(&public)).unwrap();
    cases.push(("HS256 with the public key", hs));

    // Signed by another Ed25519 key, claiming our kid.
    let other = datagate::auth::keys::TokenKeys::generate().unwrap();
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(kid.clone());
    cases.push(("another key", jsonwebtoken::encode(&h, &claims(&app, &s), &other.encoding).unwrap()));

    cases.push(("garbage", "not.a.token".into()));

    for (name, token) in cases {
        let r = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(r.status.as_u16(), 401, "{name} was not refused: {}", String::from_utf8_lossy(&r.body));
        r.problem(401);
    }
    // A malformed Authorization header is refused, not treated as anonymous.
    let r = app.raw("GET", "/api/v1/me", &[("Authorization", "Basic abc")], vec![]).await;
    r.problem(401);
}

#[actix_web::test]
async fn suspension_stops_tokens_and_keys_at_once_and_reinstatement_restores_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let owner = app.verified_enterprise(&admin, "甲公司").await;
    let key = app.post("/api/v1/api-keys", Some(&owner.token), json!({"name": "pipeline"})).await.expect(201).json();
    let key = key["secret"].as_str().unwrap().to_string();
    app.get("/api/v1/me", Some(&key)).await.expect(200);

    app.post(&format!("/api/v1/enterprises/{}/suspend", owner.org_id), Some(&admin.token), json!({"reason": "audit"}))
        .await
        .expect(200);
    let p = app.get("/api/v1/me", Some(&owner.token)).await.problem(403);
    assert_eq!(p["type"], "/problems/organisation-suspended");
    app.get("/api/v1/me", Some(&key)).await.problem(403);
    app.login(&owner.email, PASSWORD).await.problem(403);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": owner.refresh})).await.problem(403);

    app.post(&format!("/api/v1/enterprises/{}/reinstate", owner.org_id), Some(&admin.token), json!({"reason": "ok"}))
        .await
        .expect(200);
    app.get("/api/v1/me", Some(&owner.token)).await.expect(200);
    app.get("/api/v1/me", Some(&key)).await.expect(200);
}

#[actix_web::test]
async fn the_signing_key_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/jwt.pem");
    let a = datagate::auth::keys::TokenKeys::load_or_create(&path).unwrap();
    let b = datagate::auth::keys::TokenKeys::load_or_create(&path).unwrap();
    assert_eq!(a.kid, b.kid);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    std::fs::write(dir.path().join("bad.pem"), "not a key").unwrap();
    assert!(datagate::auth::keys::TokenKeys::load_or_create(&dir.path().join("bad.pem")).is_err());
}
