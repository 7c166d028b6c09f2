//! The portal's sign-in page: the same check as `POST /auth/token`
//! (throttling, second factor), a new session and CSRF secret on success,
//! the way back to where the person was, and what a refusal shows.

use crate::helpers::*;
use crate::portal_support::*;

/// Opens a page as `b` and returns the token its forms carry.
pub async fn token_of(app: &TestApp, b: &mut Browser, path: &str) -> String {
    let html = page(b.get(app, path).await, 200);
    hidden(&html, "csrf_token")
}

/// Fills in the sign-in form as `b`.
pub async fn sign_in(app: &TestApp, b: &mut Browser, email: &str, password: &str, otp: &str, next: &str) -> Resp {
    let token = token_of(app, b, &format!("/signin?next={}", q(next))).await;
    b.post_form(
        app,
        "/signin",
        &[("csrf_token", &token), ("email", email), ("password", password), ("otp", otp), ("next", next)],
    )
    .await
}

#[actix_web::test]
async fn signing_in_starts_a_session_and_goes_back_to_where_the_person_was() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ent = app.verified_enterprise(&admin, "门户登录科技有限公司").await;

    // A protected page sends the person to sign in, with the way back.
    let mut b = Browser::new();
    let r = b.get(&app, "/requests?cursor=x").await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/signin?next=%2Frequests%3Fcursor%3Dx"));
    let html = page(b.get(&app, "/signin?next=%2Frequests").await, 200);
    assert!(html.contains(r#"name="next" value="/requests""#), "the form keeps the way back");
    let before = b.cookie("dg_csrf").expect("a CSRF secret");

    let r = sign_in(&app, &mut b, &ent.email, PASSWORD, "", "/requests").await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/requests"));
    assert!(b.cookie("dg_session").is_some_and(|s| s.starts_with("dgs_")));
    assert_ne!(b.cookie("dg_csrf").unwrap(), before, "the CSRF secret is new after signing in");
    let html = page(b.get(&app, "/requests").await, 200);
    assert!(html.contains("我的申请") && html.contains(r#"href="/grants""#) && html.contains(r#"href="/keys""#));
    assert_eq!(live_sessions(&app).await, 1);

    // The sign-in is audited like the API's.
    let audit = app.get("/api/v1/audit?action=auth.sign_in", Some(&admin.token)).await.expect(200).json();
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["actor_user_id"] == ent.user_id.as_str()));

    // Only local paths are followed afterwards.
    let mut b = Browser::new();
    let r = sign_in(&app, &mut b, &ent.email, PASSWORD, "", "//evil.example/").await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/"));
}

#[actix_web::test]
async fn wrong_credentials_keep_the_email_and_never_echo_the_password() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ent = app.verified_enterprise(&admin, "门户登录失败科技有限公司").await;
    let mut b = Browser::new();
    let wrong = "wrong-password-7781";
    let html = page(sign_in(&app, &mut b, &ent.email, wrong, "", "/grants").await, 401);
    assert!(html.contains("<title>错误："), "the title says there is an error: {html}");
    assert!(
        html.contains("电子邮箱或密码不正确") && html.contains(r##"href="#f-email""##),
        "summary links to the field"
    );
    assert!(html.contains(&format!(r#"value="{}""#, ent.email)), "the email is kept");
    assert!(!html.contains(wrong), "the password is not sent back");
    assert!(html.contains(r#"name="next" value="/grants""#));
    assert!(b.cookie("dg_session").is_none());

    // Empty fields are named at the fields, in English too.
    let mut b = Browser::in_language("en");
    let token = token_of(&app, &mut b, "/signin").await;
    let html =
        page(b.post_form(&app, "/signin", &[("csrf_token", &token), ("email", ""), ("password", "")]).await, 422);
    assert!(html.contains("<title>Error: Sign in"));
    assert!(html.contains("Enter your email address") && html.contains("Enter your password"));
    assert!(html.contains(r#"aria-invalid="true""#));
}

#[actix_web::test]
async fn repeated_failures_are_throttled_with_the_time_to_wait() {
    let app = TestApp::spawn_with(|c| c.login_max_failures = 2).await;
    let admin = app.admin().await;
    let ent = app.verified_enterprise(&admin, "门户限流科技有限公司").await;
    let mut b = Browser::new();
    for _ in 0..2 {
        sign_in(&app, &mut b, &ent.email, "not-the-password-1", "", "/").await.expect(401);
    }
    let r = sign_in(&app, &mut b, &ent.email, PASSWORD, "", "/").await;
    let html = page(r, 429);
    assert!(html.contains("登录失败次数过多") && html.contains("分钟后再试"), "says when to retry");
    assert!(b.cookie("dg_session").is_none(), "even the right password waits");
}

#[actix_web::test]
async fn an_account_with_a_second_factor_is_asked_for_its_code() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let factor = admin.factor.clone().expect("the admin has a second factor");
    let mut b = Browser::new();
    let html = page(sign_in(&app, &mut b, &admin.email, PASSWORD, "", "/account").await, 401);
    assert!(html.contains("6 位动态验证码") && html.contains(r#"id="f-otp""#));
    assert!(html.contains("<details class=\"otp-details\" open>"), "the code field is opened");
    assert!(b.cookie("dg_session").is_none());

    let html = page(sign_in(&app, &mut b, &admin.email, PASSWORD, "000000", "/account").await, 401);
    assert!(html.contains("动态验证码不正确"));

    let (_, code) = factor.sign_in_fields(app.state.clock.now().timestamp());
    let r = sign_in(&app, &mut b, &admin.email, PASSWORD, &code, "/account").await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/account"));
    page(b.get(&app, "/account").await, 200);
}

#[actix_web::test]
async fn a_sign_in_without_the_form_token_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ent = app.verified_enterprise(&admin, "门户令牌科技有限公司").await;
    let mut b = Browser::new();
    page(b.get(&app, "/signin").await, 200);
    let r = b.post_form(&app, "/signin", &[("email", &ent.email), ("password", PASSWORD)]).await;
    let html = page(r, 403);
    assert!(html.contains("表单已失效"));
    assert!(b.cookie("dg_session").is_none());
    assert_eq!(live_sessions(&app).await, 0);
}
