//! Regressions for what contract fuzzing (`.ci/fuzz`, schemathesis) found:
//! each test pins one fixed finding.

use serde_json::Value;

use crate::helpers::*;

/// The `enum` of a component schema in the generated document.
fn spec_enum(name: &str) -> Vec<Value> {
    let api = serde_json::to_value(datagate::app::openapi()).expect("spec");
    api["components"]["schemas"][name]["enum"].as_array().unwrap_or_else(|| panic!("schema {name} has no enum")).clone()
}

/// Asserts that the spec lists exactly the wire names serde writes.
macro_rules! assert_wire_names {
    ($($ty:ty),+ $(,)?) => {$(
        let wire: Vec<Value> = <$ty>::ALL.iter().map(|v| serde_json::to_value(v).expect("serialise")).collect();
        let name = stringify!($ty).rsplit("::").next().expect("name");
        assert_eq!(spec_enum(name), wire, "{name}: the spec must list the values the API sends");
    )+};
}

/// Found: every listing in `GET /datasets` and `GET /corpora` violated its
/// schema, which listed the Rust variant names (`Unconditional`) instead of
/// the wire names (`unconditional`) for every stored enum.
#[test]
fn stored_enums_are_documented_with_their_wire_names() {
    assert_wire_names!(
        datagate::listings::ListingKind,
        datagate::listings::ListingStatus,
        datagate::listings::OpenCondition,
        datagate::listings::UpdateFrequency,
        datagate::listings::DataType,
        datagate::orgs::OrgKind,
        datagate::orgs::OrgStatus,
        datagate::orgs::Role,
        datagate::grants::PurposeCategory,
        datagate::grants::RequestState,
        datagate::grants::Opinion,
    );
}

/// Found: a revision's `old` and `new` were documented as objects, but they
/// are the field's values — `null` when a distribution is added, a string
/// for a checksum. They are documented as any JSON value now.
#[actix_web::test]
async fn revision_values_are_documented_as_any_json_value() {
    let api = serde_json::to_value(datagate::app::openapi()).expect("spec");
    let change = &api["components"]["schemas"]["FieldChange"]["properties"];
    assert_eq!(change["old"], serde_json::json!({}));
    assert_eq!(change["new"], serde_json::json!({}));

    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &bureau).await;
    app.published_dataset(&edu, "sh-edu-schools", "学校名录", "unconditional").await;
    let revisions = app.get("/api/v1/datasets/sh-edu-schools/revisions", Some(&edu.token)).await.expect(200).json();
    let values: Vec<&Value> = revisions["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|r| r["changes"].as_array().into_iter().flatten())
        .flat_map(|c| [&c["old"], &c["new"]])
        .collect();
    assert!(values.iter().any(|v| v.is_null()), "a distribution's addition has old = null");
    assert!(values.iter().any(|v| v.is_string()), "a checksum is a string");
}

/// Found: a file download was documented as `application/octet-stream`,
/// but it is served in the distribution's own media type (`text/csv`, …).
#[actix_web::test]
async fn downloads_are_documented_in_the_distributions_media_type() {
    let api = serde_json::to_value(datagate::app::openapi()).expect("spec");
    let get = &api["paths"]["/api/v1/distributions/{id}/file"]["get"]["responses"];
    for status in ["200", "206"] {
        let types: Vec<&String> = get[status]["content"].as_object().expect("content").keys().collect();
        assert_eq!(types, vec!["*/*"], "{status}");
    }

    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &bureau).await;
    let (_, file) = app.published_dataset(&edu, "sh-edu-schools", "学校名录", "unconditional").await;
    let path = format!("/api/v1/distributions/{}/file", file["id"].as_str().expect("id"));
    let r = app.get(&path, None).await.expect(200);
    assert!(r.content_type().starts_with("text/csv"), "{}", r.content_type());
}

/// PostgreSQL refuses NUL in text columns; a NUL anywhere in a request's
/// text must be a 422 naming the field on both databases, never a 500.
#[actix_web::test]
async fn nul_characters_in_text_are_refused_with_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &bureau).await;
    let mut body = dataset_body("sh-edu-nul", "学校\u{0}名录", "unconditional");
    body["keywords"] = serde_json::json!(["a\u{0}b"]);
    let p = app.post("/api/v1/datasets", Some(&edu.token), body).await.problem(422);
    assert!(error_fields(&p).iter().any(|f| f == "title"), "{p}");

    let mut reg = registration("某\u{0}公司", &valid_uscc(), "nul@example.cn");
    reg["contact"]["name"] = serde_json::json!("王\u{0}明");
    app.post("/api/v1/enterprises", None, reg).await.problem(422);
    let login = app.login("a\u{0}@example.cn", "x\u{0}").await;
    assert!(login.status.as_u16() == 401 || login.status.as_u16() == 422, "{:?}", login.status);
    let q = app.get("/api/v1/datasets?q=%00", None).await;
    assert!(q.status.as_u16() == 200 || q.status.as_u16() == 422, "search with NUL: {:?}", q.status);
    app.post("/api/v1/bureaus", Some(&admin.token), serde_json::json!({"name": "局\u{0}", "code": "sh-nul"}))
        .await
        .problem(422);
    app.post("/api/v1/api-keys", Some(&edu.token), serde_json::json!({"name": "k\u{0}"})).await.problem(422);
}

/// The NUL refusal also covers paths, query strings and nested fields.
#[actix_web::test]
async fn nul_characters_in_paths_and_queries_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.get("/api/v1/datasets/sh%00edu", None).await.problem(404);
    app.get("/api/v1/enterprises/%00", Some(&admin.token)).await.problem(404);
    let p = app.get("/api/v1/datasets?q=a%00b", None).await.problem(422);
    assert_eq!(error_fields(&p), vec!["q"]);
    let mut reg = registration("某公司", &valid_uscc(), "nul2@example.cn");
    reg["contact"]["name"] = serde_json::json!("王\u{0}明");
    let p = app.post("/api/v1/enterprises", None, reg).await.problem(422);
    assert_eq!(error_fields(&p), vec!["contact.name"]);
    // A literal backslash-u text is not a NUL.
    let reg = registration("某公司\\u0000", &valid_uscc(), "nul3@example.cn");
    app.post("/api/v1/enterprises", None, reg).await.expect(201);
}

/// Found: the `sort` parameter of the listing searches referred to a
/// `SortOrder` schema the document did not define. Every reference must
/// resolve.
#[test]
fn every_reference_in_the_document_resolves() {
    let api = serde_json::to_value(datagate::app::openapi()).expect("spec");
    let text = api.to_string();
    let mut dangling = Vec::new();
    for (prefix, section) in [("#/components/schemas/", "schemas"), ("#/components/responses/", "responses")] {
        for piece in text.split(prefix).skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if api["components"][section].get(&name).is_none() {
                dangling.push(format!("{prefix}{name}"));
            }
        }
    }
    assert!(dangling.is_empty(), "dangling references: {dangling:?}");
}

/// Found after merging the CKAN API with the NUL refusal: CKAN parameters
/// went to the database unchecked (PostgreSQL's NUL error surfaced as a 409
/// naming `request`, SQLite's as not found), and a NUL in a CKAN path was
/// answered as problem+json. Now a NUL parameter is CKAN's 409 naming the
/// parameter, and a NUL path CKAN's 404 — on both databases.
#[actix_web::test]
async fn nul_characters_in_ckan_parameters_and_paths_keep_the_ckan_envelope() {
    let app = TestApp::spawn().await;
    let ckan_error = |r: Resp, status: u16| -> Value {
        let r = r.expect(status);
        assert_eq!(r.content_type(), "application/json", "CKAN envelope, not problem+json");
        let body = r.json();
        assert_eq!(body["success"], false, "{body}");
        body["error"].clone()
    };
    for path in [
        "/api/3/action/package_show?id=a%00b",
        "/api/3/action/organization_show?id=%00",
        "/api/3/action/package_search?q=%E6%95%99%00",
        "/api/action/tag_list?query=%00",
    ] {
        let e = ckan_error(app.get(path, None).await, 409);
        assert_eq!(e["__type"], "Validation Error", "{path}: {e}");
        let field = path.split('?').nth(1).and_then(|q| q.split('=').next()).expect("field");
        assert!(e[field].is_array(), "{path}: names {field}: {e}");
    }
    let e = ckan_error(app.post("/api/3/action/package_show", None, serde_json::json!({"id": "x\u{0}"})).await, 409);
    assert!(e["id"].is_array(), "{e}");
    let e =
        ckan_error(app.post("/api/3/action/package_search", None, serde_json::json!({"fq": ["a\u{0}"]})).await, 409);
    assert_eq!(e["__type"], "Validation Error", "{e}");
    let e = ckan_error(app.get("/api/3/action/package_show%00", None).await, 404);
    assert_eq!(e["__type"], "Not Found Error", "{e}");
    // Elsewhere a NUL path stays problem+json.
    app.get("/api/v1/datasets/a%00/dcat", None).await.problem(404);
}

/// The schema a `$ref` in the generated document points to (or `v` itself).
fn resolved<'a>(api: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => &api["components"]["schemas"][name],
        None => v,
    }
}

/// Found after the merge: the DCAT-AP exports documented their JSON-LD as an
/// object, but the expanded JSON-LD they write is a top-level array of node
/// objects — every 200 of the catalogue and of `/dcat` violated its schema.
#[actix_web::test]
async fn dcat_json_ld_is_documented_as_the_array_it_is() {
    let api = serde_json::to_value(datagate::app::openapi()).expect("spec");
    for path in
        ["/api/v1/catalog", "/api/v1/catalog.{format}", "/api/v1/datasets/{id}/dcat", "/api/v1/corpora/{id}/dcat"]
    {
        let schema = &api["paths"][path]["get"]["responses"]["200"]["content"]["application/ld+json"]["schema"];
        let schema = resolved(&api, schema);
        assert_eq!(schema["type"], "array", "{path}: {schema}");
        assert_eq!(schema["items"]["type"], "object", "{path}: {schema}");
    }
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bureau = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &bureau).await;
    app.published_dataset(&edu, "sh-edu-schools", "学校名录", "unconditional").await;
    for path in ["/api/v1/catalog", "/api/v1/catalog.jsonld", "/api/v1/datasets/sh-edu-schools/dcat"] {
        let r = app.get(path, None).await.expect(200);
        assert!(r.content_type().starts_with("application/ld+json"), "{path}: {}", r.content_type());
        let doc = r.json();
        let nodes = doc.as_array().unwrap_or_else(|| panic!("{path}: not an array: {doc}"));
        assert!(!nodes.is_empty() && nodes.iter().all(Value::is_object), "{path}");
    }
}

/// Found after the merge: CKAN's `organization_list`, `group_list` and
/// `tag_list` documented their result as `oneOf` a list of names and a list
/// of objects; an empty list (no tags yet, or an offset past the end) is
/// both, which `oneOf` forbids. They are `anyOf`.
#[test]
fn ckan_names_or_objects_admit_an_empty_list() {
    let api = serde_json::to_value(datagate::app::openapi()).expect("spec");
    for action in ["organization_list", "group_list", "tag_list"] {
        for method in ["get", "post"] {
            let path = format!("/api/3/action/{action}");
            let schema = &api["paths"][&path][method]["responses"]["200"]["content"]["application/json"]["schema"];
            let result = &resolved(&api, schema)["properties"]["result"];
            assert!(result.get("oneOf").is_none(), "{method} {action}: {result}");
            let choices = result["anyOf"].as_array().unwrap_or_else(|| panic!("{method} {action}: {result}"));
            assert!(choices.iter().all(|c| c["type"] == "array"), "{method} {action}: {result}");
        }
    }
}

/// Found in the fuzz's server after the merge: the request metrics took the
/// method label verbatim, so every made-up method a client sends (schemathesis
/// sends `QUERY`, `TRACE`, …) started new series without bound. Methods the
/// API does not serve share one label value.
#[actix_web::test]
async fn made_up_methods_share_one_metrics_label() {
    let app = TestApp::spawn().await;
    for method in ["FROBNICATE", "QUERY", "TRACE"] {
        let r = app.raw(method, "/api/v1/bureaus", &[], Vec::new()).await;
        assert!(r.status.as_u16() >= 400, "{method}: {:?}", r.status);
    }
    let text = String::from_utf8(app.get("/metrics", None).await.expect(200).body).expect("utf-8");
    for label in [r#"method="FROBNICATE""#, r#"method="QUERY""#, r#"method="TRACE""#] {
        assert!(!text.contains(label), "{label} is its own series");
    }
    assert!(text.contains(r#"method="OTHER",route="/api/v1/bureaus""#), "the made-up methods are counted as OTHER");
}

/// Found after the merge: a known CKAN action called with a method it does
/// not answer (`PUT`, `DELETE`) fell to the catch-all for unknown actions and
/// was told "Action name not known"; it is the HTTP layer's 405 with `Allow`,
/// as `docs/CKAN.md` says, under both prefixes. Unknown actions stay CKAN's 400.
#[actix_web::test]
async fn a_known_ckan_action_with_a_wrong_method_is_405() {
    let app = TestApp::spawn().await;
    for path in ["/api/3/action/package_show", "/api/action/package_show"] {
        for method in ["PUT", "DELETE", "PATCH"] {
            let r = app.raw(method, path, &[], Vec::new()).await;
            assert_eq!(r.header("allow").as_deref(), Some("GET, POST, HEAD"), "{method} {path}");
            r.problem(405);
        }
    }
    let r = app.get("/api/3/action/no_such_action", None).await.expect(400);
    assert_eq!(r.json()["error"]["__type"], "Bad Request");
}

/// Found by contract fuzzing: split sample counts whose sum overflows made
/// the server panic (and left its pooled connection inside a transaction).
#[actix_web::test]
async fn split_counts_that_overflow_when_added_are_a_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    let mut body = corpus_body("huge-splits", "巨大的划分", "text", "unconditional", &[]);
    body["sample_count"] = serde_json::json!(i64::MAX);
    body["splits"] = serde_json::json!([
        {"name": "train", "sample_count": i64::MAX},
        {"name": "test", "sample_count": i64::MAX}
    ]);
    let problem = app.post("/api/v1/corpora", Some(&edu.token), body).await.problem(422);
    assert!(error_fields(&problem).contains(&"splits".to_string()), "{problem}");
    // The service is still well: the next request works.
    app.get("/api/v1/corpora", None).await.expect(200);
}

/// A connection whose user left it inside a transaction (a request that
/// panicked mid-transaction) is discarded, not handed to the next request.
#[actix_web::test]
async fn a_connection_returned_inside_a_transaction_is_not_reused() {
    use diesel::connection::{Connection, TransactionManager, TransactionManagerStatus};
    let app = TestApp::spawn().await;
    let db = datagate::db::Db::new(
        app.state.db.url().clone(),
        &datagate::db::PoolSettings { max_size: 1, connect_timeout: app.state.config.db_timeout },
    )
    .unwrap();
    {
        let mut conn = db.get().unwrap();
        <datagate::db::DbConn as Connection>::TransactionManager::begin_transaction(&mut *conn).unwrap();
    }
    let mut conn = db.get().unwrap();
    let status = <datagate::db::DbConn as Connection>::TransactionManager::transaction_manager_status_mut(&mut *conn);
    assert!(matches!(status, TransactionManagerStatus::Valid(v) if v.transaction_depth().is_none()));
}
