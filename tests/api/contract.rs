//! The contract: the committed OpenAPI document equals what the code
//! produces, every operation documents its errors, and both migration
//! folders hold the same migrations.

use std::collections::BTreeSet;

use crate::helpers::*;

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn committed_openapi_is_current() {
    let produced = datagate::openapi::render(&datagate::app::openapi());
    let committed = std::fs::read_to_string(repo("openapi/openapi.json")).unwrap_or_default();
    if produced != committed {
        panic!(
            "openapi/openapi.json is stale: regenerate it with\n  cargo run -- openapi > openapi/openapi.json\nand commit it"
        );
    }
}

#[actix_web::test]
async fn the_served_document_is_the_committed_one_and_openapi_3_1() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/openapi.json", None).await.expect(200);
    let committed = std::fs::read(repo("openapi/openapi.json")).unwrap();
    assert_eq!(r.body, committed);
    assert_eq!(r.json()["openapi"], "3.1.0");
    let docs = app.get("/docs/", None).await.expect(200);
    assert!(String::from_utf8_lossy(&docs.body).contains("swagger"));
}

#[test]
fn every_operation_has_an_id_a_tag_and_documents_its_errors() {
    let api = serde_json::to_value(datagate::app::openapi()).unwrap();
    let mut ids = BTreeSet::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // A HEAD twin (the GET without its body) names its GET instead of an id of its own.
            if let Some(of) = op.get("x-head-of").and_then(serde_json::Value::as_str) {
                assert_eq!(method, "head", "{path}: only HEAD operations are twins");
                assert_eq!(item["get"]["operationId"], of, "{path}: the HEAD twin names the path's GET");
                assert!(op.get("operationId").is_none(), "{path}: a twin has no id of its own");
                continue;
            }
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{id}: no tag");
            let responses = op["responses"].as_object().unwrap();
            for (status, resp) in responses {
                let described = resp.get("description").is_some() || resp.get("$ref").is_some();
                assert!(described, "{id} {status}: response without description");
            }
            let secured = op.get("security").is_some();
            if secured {
                assert!(responses.contains_key("401"), "{id}: secured but no 401");
            }
            let json_body =
                op["requestBody"]["content"].as_object().is_some_and(|c| c.keys().any(|k| k.contains("json")));
            if json_body {
                // The CKAN API answers invalid parameters with CKAN's 409, not 422.
                let invalid = if path.starts_with("/api/3/") { "409" } else { "422" };
                for s in ["400", "415", invalid] {
                    assert!(responses.contains_key(s), "{id}: takes a body but documents no {s}");
                }
            }
            if path.starts_with("/api/v1") {
                assert!(responses.contains_key("503"), "{id}: no 503");
            }
        }
    }
}

fn migration_names(dir: &str) -> BTreeSet<String> {
    std::fs::read_dir(repo(dir)).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn both_backends_have_the_same_migrations() {
    let pg = migration_names("migrations/postgres");
    let sqlite = migration_names("migrations/sqlite");
    assert!(!pg.is_empty());
    assert_eq!(pg, sqlite, "migrations/postgres and migrations/sqlite must hold the same migration names");
    for name in &pg {
        for backend in ["postgres", "sqlite"] {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    repo(&format!("migrations/{backend}/{name}/{file}")).exists(),
                    "{backend}/{name}/{file} missing"
                );
            }
        }
    }
}

#[test]
fn database_urls_choose_the_backend_by_scheme() {
    use datagate::db::DbUrl;
    assert_eq!(DbUrl::parse("postgres://u@h/db").unwrap(), DbUrl::Postgres("postgres://u@h/db".into()));
    assert_eq!(DbUrl::parse("postgresql://u@h/db").unwrap(), DbUrl::Postgres("postgresql://u@h/db".into()));
    assert_eq!(DbUrl::parse("sqlite://data/x.db").unwrap(), DbUrl::Sqlite("data/x.db".into()));
    assert_eq!(DbUrl::parse("./data/x.db").unwrap(), DbUrl::Sqlite("./data/x.db".into()));
    assert!(DbUrl::parse("mysql://u@h/db").is_err());
    assert!(DbUrl::parse("host=localhost user=postgres").is_err(), "keyword strings never become SQLite files");
    assert!(DbUrl::parse("").is_err());
    assert_eq!(DbUrl::Postgres("postgres://u:secret@h/db".into()).display(), "postgres://u:***@h/db");
}
