//! Issue 22, authorisation across origins: anonymous public reads are open
//! to every origin; a credential only from the origins configured in
//! `DATAGATE_CORS_ORIGINS` (none by default), and an unlisted origin is
//! never reflected. Preflights are answered, or refused with 403.

use crate::helpers::*;

const OTHER: &str = "https://notebook.example.org";

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str, headers: Option<&str>) -> Resp {
    let mut h = vec![("Origin", origin), ("Access-Control-Request-Method", method)];
    if let Some(asked) = headers {
        h.push(("Access-Control-Request-Headers", asked));
    }
    app.raw("OPTIONS", path, &h, Vec::new()).await
}

#[actix_web::test]
async fn a_public_read_is_open_to_any_origin_and_its_preflight_is_204() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/datasets", "/api/3/action/package_search", "/api/v1/catalog", "/.well-known/jwks.json"] {
        let r = preflight(&app, path, OTHER, "GET", Some("if-none-match")).await.expect(204);
        assert_eq!(r.header("access-control-allow-origin").as_deref(), Some("*"), "{path}");
        assert_eq!(r.header("access-control-allow-methods").as_deref(), Some("GET, HEAD"));
        assert!(r.header("access-control-allow-headers").unwrap().contains("if-none-match"));
        assert_eq!(r.header("access-control-max-age").as_deref(), Some("600"));
        assert!(r.header("access-control-allow-credentials").is_none());
        let get = app.call_with("GET", path, None, &[("Origin", OTHER)], None).await.expect(200);
        assert_eq!(get.header("access-control-allow-origin").as_deref(), Some("*"));
        let exposed = get.header("access-control-expose-headers").unwrap();
        for h in ["ETag", "Link", "Retry-After", "RateLimit", "Content-Range"] {
            assert!(exposed.contains(h), "{h} not exposed: {exposed}");
        }
    }
}

#[actix_web::test]
async fn a_credential_from_an_unlisted_origin_is_refused_and_never_reflected() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // The preflight for a token, on a secured read and on a public one.
    for path in ["/api/v1/me", "/api/v1/datasets"] {
        let r = preflight(&app, path, OTHER, "GET", Some("authorization")).await;
        let p = r.problem(403);
        assert_eq!(p["type"], "/problems/cors-refused");
    }
    let r = preflight(&app, "/api/v1/me", OTHER, "GET", Some("authorization")).await;
    assert!(r.header("access-control-allow-origin").is_none());
    // Changes are refused to other origins too, anonymous or not.
    preflight(&app, "/api/v1/auth/token", OTHER, "POST", Some("content-type")).await.problem(403);
    preflight(&app, "/api/v1/datasets", OTHER, "POST", None).await.problem(403);
    // The call itself (a client that skips preflights): no CORS header at all.
    let me = app.call_with("GET", "/api/v1/me", Some(&admin.token), &[("Origin", OTHER)], None).await.expect(200);
    assert!(me.header("access-control-allow-origin").is_none());
    assert!(me.header("access-control-allow-credentials").is_none());
    let list = app.call_with("GET", "/api/v1/datasets", Some(&admin.token), &[("Origin", OTHER)], None).await;
    assert!(list.expect(200).header("access-control-allow-origin").is_none(), "a credentialed read is not public");
    // A data token in the URL is a credential as well.
    let r = app.call_with("GET", "/api/v1/datasets?token=x", None, &[("Origin", OTHER)], None).await;
    assert!(r.header("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn a_listed_origin_may_call_with_a_credential() {
    let listed = "http://127.0.0.1:4000";
    let app = TestApp::spawn_with(|c| c.cors_origins = vec![listed.to_string()]).await;
    let admin = app.admin().await;
    let r = preflight(&app, "/api/v1/me", listed, "GET", Some("authorization")).await.expect(204);
    assert_eq!(r.header("access-control-allow-origin").as_deref(), Some(listed));
    assert_eq!(r.header("access-control-allow-credentials").as_deref(), Some("true"));
    assert!(r.header("access-control-allow-headers").unwrap().contains("authorization"));
    let methods = r.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("GET") && methods.contains("HEAD"), "{methods}");
    let r = preflight(&app, "/api/v1/auth/token", listed, "POST", Some("content-type")).await.expect(204);
    assert_eq!(r.header("access-control-allow-methods").as_deref(), Some("POST"));
    // A method the path does not have is refused even to a listed origin.
    preflight(&app, "/api/v1/me", listed, "DELETE", None).await.problem(403);
    let me = app.call_with("GET", "/api/v1/me", Some(&admin.token), &[("Origin", listed)], None).await.expect(200);
    assert_eq!(me.header("access-control-allow-origin").as_deref(), Some(listed));
    assert_eq!(me.header("access-control-allow-credentials").as_deref(), Some("true"));
    assert!(me.header("vary").unwrap().contains("Origin"));
    // Others still are not reflected, and public reads now vary by origin.
    let r = app.call_with("GET", "/api/v1/me", Some(&admin.token), &[("Origin", OTHER)], None).await.expect(200);
    assert!(r.header("access-control-allow-origin").is_none());
    let public = app.call_with("GET", "/api/v1/datasets", None, &[("Origin", OTHER)], None).await.expect(200);
    assert_eq!(public.header("access-control-allow-origin").as_deref(), Some("*"));
    assert!(public.header("vary").unwrap().contains("Origin"));
}

#[test]
fn origins_in_the_configuration_are_checked() {
    use datagate::config::parse_origins;
    assert_eq!(parse_origins("").unwrap(), Vec::<String>::new());
    assert_eq!(
        parse_origins("https://a.example, http://127.0.0.1:3000").unwrap(),
        ["https://a.example", "http://127.0.0.1:3000"]
    );
    for bad in ["*", "https://a.example/path", "a.example", "ftp://a.example", "null"] {
        assert!(parse_origins(bad).is_err(), "{bad} accepted");
    }
}
