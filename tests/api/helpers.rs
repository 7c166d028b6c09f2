//! The test harness: a real datagate server on a fresh database per test
//! (a temporary SQLite file, or its own PostgreSQL database when
//! TEST_DATABASE_URL is set), a movable clock, and builders for the common
//! organisations and users.

use std::sync::Arc;

use actix_web::web;
use awc::http::StatusCode;
use chrono::Utc;
use datagate::app::{self, AppState, Spec};
use datagate::auth::keys::TokenKeys;
use datagate::clock::{ManualClock, SharedClock};
use datagate::config::Config;
use datagate::db::{Db, DbUrl, PoolSettings};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{Value, json};

pub use crate::corpus_fixtures::*;

pub const PASSWORD: &str = "correct horse battery staple 9";

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    pub url: DbUrl,
    _dir: tempfile::TempDir,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(admin_url) => {
                let name = format!("datagate_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
                admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
                let url = replace_db_name(&admin_url, &name);
                TestDb { url: DbUrl::Postgres(url), _dir: dir, pg_drop: Some((admin_url, name)) }
            }
            None => {
                let path = dir.path().join("test.db");
                TestDb { url: DbUrl::Sqlite(path.to_string_lossy().into_owned()), _dir: dir, pg_drop: None }
            }
        }
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        self._dir.path().to_path_buf()
    }

    /// The URL to give a `datagate` process as DATABASE_URL.
    pub fn database_url(&self) -> String {
        match &self.url {
            DbUrl::Postgres(url) => url.clone(),
            DbUrl::Sqlite(path) => format!("sqlite://{path}"),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg_drop
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A running server with its state.
pub struct TestApp {
    pub server: actix_test::TestServer,
    pub state: web::Data<AppState>,
    pub clock: ManualClock,
    /// Dropped last: the database outlives the server using it.
    pub _db: TestDb,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub refresh: String,
    pub user_id: String,
    pub org_id: String,
    pub email: String,
    /// The second factor of an administrator (or anyone enrolled).
    pub factor: Option<Arc<Factor>>,
}

/// A second factor a test holds: the TOTP secret and unused recovery codes.
#[derive(Debug)]
pub struct Factor {
    pub secret: Vec<u8>,
    recovery: std::sync::Mutex<Vec<String>>,
    used_steps: std::sync::Mutex<std::collections::HashSet<u64>>,
}

impl Factor {
    pub fn new(secret_base32: &str, recovery: Vec<String>) -> Self {
        Factor {
            secret: datagate::auth::totp::secret_from_base32(secret_base32).expect("base32 secret"),
            recovery: std::sync::Mutex::new(recovery),
            used_steps: Default::default(),
        }
    }

    /// The sign-in fields for a sign-in at `unix` seconds: the app's code
    /// for a time step not used yet, else a recovery code (a code works once).
    pub fn sign_in_fields(&self, unix: i64) -> (&'static str, String) {
        let unix = unix.max(0) as u64;
        let mut used = self.used_steps.lock().expect("lock");
        for step in [unix / 30, unix / 30 + 1] {
            if used.insert(step) {
                return ("otp", datagate::auth::totp::code_at(&self.secret, step * 30));
            }
        }
        let code = self.recovery.lock().expect("lock").pop().expect("a recovery code left");
        ("recovery_code", code)
    }

    /// One unused recovery code, taken from the book.
    pub fn recovery_code(&self) -> String {
        self.recovery.lock().expect("lock").pop().expect("a recovery code left")
    }

    /// The app's code at `unix` seconds.
    pub fn code(&self, unix: i64) -> String {
        datagate::auth::totp::code_at(&self.secret, unix.max(0) as u64)
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", String::from_utf8_lossy(&self.body));
        self
    }
    /// Asserts an RFC 9457 problem with this status and returns it.
    #[track_caller]
    pub fn problem(self, status: u16) -> Value {
        let r = self.expect(status);
        assert_eq!(r.content_type(), "application/problem+json", "content type of a {status}");
        let p = r.json();
        assert_eq!(p["status"], status);
        assert!(p["type"].as_str().is_some_and(|t| t.starts_with("/problems/")), "type: {p}");
        assert!(p["title"].is_string(), "title: {p}");
        p
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server; `tweak` may change the configuration first.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::new();
        let mut config = Config::for_database(db.url.clone(), db.data_dir());
        tweak(&mut config);
        let pool = Db::new(
            db.url.clone(),
            &PoolSettings { max_size: config.db_pool_size, connect_timeout: config.db_timeout },
        )
        .expect("pool");
        pool.migrate().expect("migrations");
        let clock = ManualClock::new(Utc::now());
        let keys = TokenKeys::generate().expect("keys");
        let state =
            web::Data::new(AppState::new(pool, config, keys, SharedClock(Arc::new(clock.clone()))).expect("state"));
        let spec = Spec::build();
        let server_state = state.clone();
        let server = actix_test::start(move || app::build(server_state.clone(), spec.clone()));
        TestApp { server, state, clock, _db: db }
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// The test database's URL, for running the `datagate` binary against it.
    pub fn database_url(&self) -> String {
        self._db.database_url()
    }

    /// The data directory (SQLite file, signing key, hosted files).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self._db.data_dir()
    }

    pub fn is_postgres(&self) -> bool {
        !self._db.url.is_sqlite()
    }

    /// Runs raw SQL on a pooled connection, bypassing the service; the error
    /// is the database's own message.
    pub async fn sql(&self, sql: &str) -> Result<(), String> {
        let db = self.state.db.clone();
        let sql = sql.to_string();
        web::block(move || {
            let mut conn = db.get().map_err(|e| e.to_string())?;
            conn.batch_execute(&sql).map_err(|e| e.to_string())
        })
        .await
        .expect("blocking")
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.server.request(method, self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .expect("request sent");
        let body = res.body().limit(256 * 1024 * 1024).await.expect("body read").to_vec();
        Resp { status: res.status(), headers: res.headers().clone(), body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call("GET", path, token, None).await
    }
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call("POST", path, token, Some(body)).await
    }
    /// PATCH with a JSON body (a listing's PATCH also needs `If-Match`: see
    /// [`TestApp::patch_if_match`]).
    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call("PATCH", path, token, Some(body)).await
    }
    /// PATCH with `If-Match: etag`.
    pub async fn patch_if_match(&self, path: &str, token: Option<&str>, etag: &str, body: Value) -> Resp {
        self.call_with("PATCH", path, token, &[("If-Match", etag)], Some(body)).await
    }
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.call("DELETE", path, token, None).await
    }

    /// Sends raw bytes with the given headers.
    pub async fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Resp {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.server.request(method, self.url(path));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut res = req.send_body(body).await.expect("request sent");
        let body = res.body().limit(256 * 1024 * 1024).await.expect("body read").to_vec();
        Resp { status: res.status(), headers: res.headers().clone(), body }
    }

    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.post("/api/v1/auth/token", None, json!({"email": email, "password": password})).await
    }

    /// Signs in and describes the session.
    pub async fn session(&self, email: &str) -> Session {
        self.session_with(email, None).await
    }

    /// Signs in again as `s` (with its second factor, if it has one).
    pub async fn relogin(&self, s: &Session) -> Session {
        self.session_with(&s.email, s.factor.clone()).await
    }

    async fn session_with(&self, email: &str, factor: Option<Arc<Factor>>) -> Session {
        let mut body = json!({"email": email, "password": PASSWORD});
        if let Some(f) = &factor {
            let (field, code) = f.sign_in_fields(self.state.clock.now().timestamp());
            body[field] = json!(code);
        }
        let tokens = self.post("/api/v1/auth/token", None, body).await.expect(200).json();
        let token = tokens["access_token"].as_str().expect("access token").to_string();
        let me = self.get("/api/v1/me", Some(&token)).await.expect(200).json();
        Session {
            token,
            refresh: tokens["refresh_token"].as_str().expect("refresh").to_string(),
            user_id: me["user"]["id"].as_str().expect("user id").to_string(),
            org_id: me["organisation"]["id"].as_str().expect("org id").to_string(),
            email: email.to_string(),
            factor,
        }
    }

    /// A platform administrator, created as `datagate admin create` does.
    pub async fn admin(&self) -> Session {
        let email = format!("admin-{}@city.gov.cn", short_id());
        let db = self.state.db.clone();
        let clock = self.state.clock.clone();
        let seal = self.state.seal.clone();
        let e = email.clone();
        let (_, factor) = web::block(move || {
            let mut conn = db.get().expect("connection");
            datagate::cli::create_admin_in(&mut conn, &clock, &seal, &e, PASSWORD, None).expect("admin created")
        })
        .await
        .expect("blocking");
        let factor = Arc::new(Factor::new(&factor.secret, factor.recovery_codes));
        self.session_with(&email, Some(factor)).await
    }

    /// Registers an enterprise; returns its id and the owner's email.
    pub async fn register(&self, name: &str) -> (String, String) {
        let email = format!("owner-{}@example.cn", short_id());
        let body = registration(name, &valid_uscc(), &email);
        let r = self.post("/api/v1/enterprises", None, body).await.expect(201).json();
        (r["enterprise"]["id"].as_str().expect("id").to_string(), email)
    }

    /// A verified enterprise and its signed-in owner.
    pub async fn verified_enterprise(&self, admin: &Session, name: &str) -> Session {
        let (id, email) = self.register(name).await;
        self.post(&format!("/api/v1/enterprises/{id}/verify"), Some(&admin.token), json!({"reason": "checked"}))
            .await
            .expect(200);
        self.session(&email).await
    }

    /// A bureau created by the admin; returns its id.
    pub async fn bureau(&self, admin: &Session, code: &str) -> String {
        let r = self
            .post(
                "/api/v1/bureaus",
                Some(&admin.token),
                json!({"name": format!("测试局 {code}"), "name_en": format!("Bureau {code}"), "code": code}),
            )
            .await
            .expect(201)
            .json();
        r["id"].as_str().expect("id").to_string()
    }

    /// A publisher of the bureau, signed in.
    pub async fn publisher(&self, admin: &Session, bureau: &str) -> Session {
        let email = format!("publisher-{}@city.gov.cn", short_id());
        self.post(
            &format!("/api/v1/bureaus/{bureau}/users"),
            Some(&admin.token),
            json!({"email": email, "password": PASSWORD}),
        )
        .await
        .expect(201);
        self.session(&email).await
    }
}

pub fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

/// A random, valid unified social credit code.
pub fn valid_uscc() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let seed = uuid::Uuid::new_v4();
    let first17: String = std::iter::once('9')
        .chain(std::iter::once('1'))
        .chain(seed.as_bytes().iter().take(15).map(|b| ALPHABET[*b as usize % 31] as char))
        .collect();
    datagate::orgs::uscc::with_check_character(&first17)
}

/// A registration body.
pub fn registration(name: &str, uscc: &str, owner_email: &str) -> Value {
    json!({
        "name": name,
        // English names are checked for look-alikes too: one of its own.
        "name_en": format!("Test AI Co. {}", short_id()),
        "uscc": uscc,
        "contact": {"name": "王明", "phone": "+86 21 5555 0100", "email": "contact@example.cn"},
        "owner": {"email": owner_email, "password": PASSWORD, "display_name": "Owner"}
    })
}

/// A complete dataset body for `POST /datasets`.
pub fn dataset_body(name: &str, title: &str, condition: &str) -> Value {
    let restricted = condition != "unconditional";
    json!({
        "name": name,
        "title": title,
        "title_en": "Test dataset",
        "summary": format!("{title}的测试摘要。"),
        "domain": "education",
        "open_condition": condition,
        "open_condition_reason": if restricted { json!("含个人信息") } else { Value::Null },
        "legal_basis": if restricted { json!("《上海市公共数据开放暂行办法》第十五条") } else { Value::Null },
        "update_frequency": "monthly",
        "keywords": ["测试"],
        "licence": "CC-BY-4.0",
        "terms": "使用本数据须注明来源。",
        "data_items": [{"name": "code", "label": "代码", "type": "string", "description": "唯一代码"}]
    })
}

impl TestApp {
    /// Creates a dataset as `who`; returns the response body.
    pub async fn create_dataset(&self, who: &Session, body: Value) -> Value {
        self.post("/api/v1/datasets", Some(&who.token), body).await.expect(201).json()
    }

    /// Adds a hosted distribution and uploads `bytes`; returns the distribution.
    pub async fn add_file(&self, who: &Session, dataset: &str, bytes: &[u8]) -> Value {
        let d = self
            .post(
                &format!("/api/v1/datasets/{dataset}/distributions"),
                Some(&who.token),
                json!({"name": "数据文件", "format": "CSV"}),
            )
            .await
            .expect(201)
            .json();
        let id = d["id"].as_str().expect("id").to_string();
        self.raw(
            "PUT",
            &format!("/api/v1/distributions/{id}/file?file_name=data.csv"),
            &[("Authorization", &format!("Bearer {}", who.token)), ("Content-Type", "text/csv")],
            bytes.to_vec(),
        )
        .await
        .expect(200)
        .json()
    }

    /// A published dataset with one hosted file; returns (dataset, distribution).
    pub async fn published_dataset(&self, who: &Session, name: &str, title: &str, condition: &str) -> (Value, Value) {
        self.create_dataset(who, dataset_body(name, title, condition)).await;
        let d = self.add_file(who, name, format!("code\n{name}\n").as_bytes()).await;
        let ds = self
            .post(&format!("/api/v1/datasets/{name}/publish"), Some(&who.token), json!({}))
            .await
            .expect(200)
            .json();
        (ds, d)
    }

    /// Sends a request with extra headers and an optional JSON body.
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Resp {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.server.request(method, self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut res = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .expect("request sent");
        let body = res.body().limit(256 * 1024 * 1024).await.expect("body read").to_vec();
        Resp { status: res.status(), headers: res.headers().clone(), body }
    }
}

impl TestApp {
    /// Publishes a dataset whose one distribution is an external API (no upload).
    pub async fn quick_dataset(&self, who: &Session, body: Value) -> Value {
        let name = body["name"].as_str().expect("name").to_string();
        self.create_dataset(who, body).await;
        self.post(
            &format!("/api/v1/datasets/{name}/distributions"),
            Some(&who.token),
            json!({"name": "接口", "format": "API", "access_url": "https://data.sh.gov.cn/api/test"}),
        )
        .await
        .expect(201);
        self.post(&format!("/api/v1/datasets/{name}/publish"), Some(&who.token), json!({})).await.expect(200).json()
    }
}

/// Percent-encodes a query value.
pub fn q(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
