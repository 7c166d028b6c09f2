//! Support for the fault and limit tests: the real `datagate` binary as a
//! child process (so it can be killed with SIGKILL and restarted), its
//! command-line tools, and a world with one active grant.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// A `datagate serve` process; killed when dropped.
pub struct Datagate {
    child: Option<Child>,
    pub port: u16,
    database_url: String,
    data_dir: PathBuf,
    env: Vec<(String, String)>,
    /// Its standard error (the log), appended across restarts.
    pub log: PathBuf,
}

fn command(database_url: &str, data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_datagate"));
    cmd.env("DATABASE_URL", database_url)
        .env("DATAGATE_DATA_DIR", data_dir)
        .env("DATAGATE_DEMO", "off")
        .env("DATAGATE_LOG", "info")
        .env_remove("DATAGATE_CONFIG");
    cmd
}

impl Datagate {
    /// Starts the binary on the given database and data directory and waits
    /// until it answers `/healthz`.
    pub async fn start(database_url: &str, data_dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut d = Datagate {
            child: None,
            port: free_port(),
            database_url: database_url.to_string(),
            data_dir: data_dir.to_path_buf(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            log: data_dir.join(format!("datagate-{}.log", short_id())),
        };
        d.restart().await;
        d
    }

    /// Starts (again) on the same port.
    pub async fn restart(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("log file");
        let mut cmd = command(&self.database_url, &self.data_dir);
        cmd.arg("serve")
            .env("DATAGATE_BIND", format!("127.0.0.1:{}", self.port))
            .env("DATAGATE_WORKERS", "2")
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().expect("datagate starts"));
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("datagate exited with {status}: {}", self.log_text());
            }
            if let Ok(r) = awc::Client::default().get(self.url("/healthz")).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "datagate did not start: {}", self.log_text());
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
        let mut req = client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .expect("request sent");
        let body = res.body().limit(64 * 1024 * 1024).await.expect("body read").to_vec();
        Resp { status: res.status(), headers: res.headers().clone(), body }
    }

    /// Signs in; returns the access token.
    pub async fn login(&self, email: &str) -> String {
        let r = self.call("POST", "/api/v1/auth/token", None, Some(json!({"email": email, "password": PASSWORD})));
        r.await.expect(200).json()["access_token"].as_str().expect("token").to_string()
    }

    /// Signs in as `s`, with its second factor at the wall-clock time (the
    /// child process runs on the system clock); returns the access token.
    pub async fn login_as(&self, s: &Session) -> String {
        let mut body = json!({"email": s.email, "password": PASSWORD});
        if let Some(f) = &s.factor {
            let (field, code) = f.sign_in_fields(chrono::Utc::now().timestamp());
            body[field] = json!(code);
        }
        let r = self.call("POST", "/api/v1/auth/token", None, Some(body));
        r.await.expect(200).json()["access_token"].as_str().expect("token").to_string()
    }
}

impl Drop for Datagate {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs a `datagate` command (not `serve`) to completion.
pub async fn run_cli(database_url: &str, data_dir: &Path, args: &[&str]) -> Output {
    let mut cmd = command(database_url, data_dir);
    cmd.args(args).env("DATAGATE_LOG", "error");
    actix_web::web::block(move || cmd.output()).await.expect("blocking").expect("datagate runs")
}

/// A verified enterprise with an API key and an active grant to a published
/// conditional dataset with one hosted file.
pub struct GrantWorld {
    pub admin: Session,
    pub edu: Session,
    pub owner: Session,
    pub key: String,
    pub grant_id: String,
    pub file_id: String,
}

/// A submitted access request body for the world's dataset.
pub fn request_body(dataset: &Value) -> Value {
    json!({
        "listing": dataset["name"],
        "purpose_category": "model_training",
        "purpose": "训练面向教育规划的学位需求预测模型",
        "scenario": "在企业内部隔离的训练集群中处理，不出境",
        "duration_days": 90,
        "security_measures": "数据加密存储，访问留痕，训练后删除原始数据",
        "terms_version": dataset["terms"]["version"]
    })
}

pub async fn grant_world(app: &TestApp) -> GrantWorld {
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    let owner = app.verified_enterprise(&admin, "上海智算未来科技有限公司").await;
    let key = app.post("/api/v1/api-keys", Some(&owner.token), json!({"name": "pipeline"})).await.expect(201).json()
        ["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let (dataset, file) = app.published_dataset(&edu, "sh-edu-students", "学生学籍信息", "conditional").await;
    let r = app.post("/api/v1/access-requests", Some(&key), request_body(&dataset)).await.expect(201).json();
    let id = r["id"].as_str().expect("id");
    let a = app
        .post(&format!("/api/v1/access-requests/{id}/approve"), Some(&admin.token), json!({}))
        .await
        .expect(200)
        .json();
    GrantWorld {
        admin,
        edu,
        owner,
        key,
        grant_id: a["grant"]["id"].as_str().expect("grant").to_string(),
        file_id: file["id"].as_str().expect("file").to_string(),
    }
}
