//! The database away: a throwaway PostgreSQL cluster (initdb / pg_ctl on a
//! private port) is stopped under a running datagate and started again.
//! Requests meanwhile get 503 problem+json with Retry-After, /readyz says not
//! ready, and datagate recovers by itself with nothing acknowledged lost.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use datagate::clock::SharedClock;
use datagate::db::{Db, DbUrl, PoolSettings};
use serde_json::json;

use crate::fault_support::{Datagate, free_port};
use crate::helpers::*;

/// A PostgreSQL cluster in a temporary directory; stopped and removed when
/// dropped, whatever the test's outcome.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    /// `None` when PostgreSQL's server binaries are not installed.
    fn create() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .max()?;
        let dir = tempfile::tempdir().expect("temp dir");
        // initdb refuses to run as root: run the server as `postgres` then.
        let as_postgres = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if as_postgres {
            let ok = Command::new("chown").args(["-R", "postgres:", &dir.path().to_string_lossy()]).status();
            assert!(ok.is_ok_and(|s| s.success()), "chown the cluster directory to postgres");
        }
        let c = Cluster { bin, dir, port: free_port(), as_postgres };
        let data = c.data().to_string_lossy().into_owned();
        c.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
        Some(c)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd.args(args).current_dir(self.dir.path()).output().expect("run a PostgreSQL tool");
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let opts = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.path().display());
        let log = self.dir.path().join("server.log");
        let data = self.data().to_string_lossy().into_owned();
        self.run("pg_ctl", &["-D", &data, "-l", &log.to_string_lossy(), "-o", &opts, "-w", "start"]);
    }

    /// Stops like a crash: no checkpoint, connections cut.
    fn stop(&self) {
        let data = self.data().to_string_lossy().into_owned();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data().to_string_lossy().into_owned();
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let _ = cmd.args(["-D", &data, "-m", "immediate", "stop"]).output();
    }
}

/// Migrates and creates an administrator, as `datagate migrate` and
/// `datagate admin create` would.
async fn prepare(url: &str, data_dir: &Path) -> Session {
    let url = url.to_string();
    let email = format!("admin-{}@city.gov.cn", short_id());
    let e = email.clone();
    // The seal key the served binary will load (DATA_DIR/seal.key).
    let seal = datagate::auth::totp::SealKey::load_or_create(&data_dir.join("seal.key")).expect("seal key");
    let (_, factor) = actix_web::web::block(move || {
        let db = Db::new(DbUrl::Postgres(url), &PoolSettings { max_size: 2, connect_timeout: Duration::from_secs(5) })
            .expect("pool");
        db.migrate().expect("migrations");
        let mut conn = db.get().expect("connection");
        datagate::cli::create_admin_in(&mut conn, &SharedClock::system(), &seal, &e, PASSWORD, None).expect("admin")
    })
    .await
    .expect("blocking");
    Session {
        token: String::new(),
        refresh: String::new(),
        user_id: String::new(),
        org_id: String::new(),
        email,
        factor: Some(std::sync::Arc::new(Factor::new(&factor.secret, factor.recovery_codes))),
    }
}

#[actix_web::test]
async fn with_postgresql_stopped_requests_get_503_and_the_service_recovers_by_itself() {
    let Some(cluster) = Cluster::create() else {
        eprintln!("SKIPPED: PostgreSQL server binaries (initdb) are not installed under /usr/lib/postgresql");
        return;
    };
    cluster.start();
    let data_dir = tempfile::tempdir().expect("data dir");
    let admin = prepare(&cluster.url(), data_dir.path()).await;
    let dg = Datagate::start(&cluster.url(), data_dir.path(), &[("DATAGATE_DB_TIMEOUT", "1")]).await;
    let token = dg.login_as(&admin).await;
    let mut acknowledged = Vec::new();
    for code in ["sh-edu", "sh-health", "sh-tourism"] {
        let body = json!({"name": format!("测试局 {code}"), "code": code});
        let r = dg.call("POST", "/api/v1/bureaus", Some(&token), Some(body)).await.expect(201).json();
        acknowledged.push(r["id"].as_str().unwrap().to_string());
    }
    dg.call("GET", "/readyz", None, None).await.expect(200);

    cluster.stop();
    for (method, path, body) in [
        ("GET", "/readyz", None),
        ("GET", "/api/v1/bureaus", None),
        ("POST", "/api/v1/bureaus", Some(json!({"name": "停机时的局", "code": "sh-outage"}))),
        ("GET", "/api/v1/datasets", None),
    ] {
        let started = Instant::now();
        let r = dg.call(method, path, Some(&token), body).await;
        let retry = r.header("retry-after");
        let p = r.problem(503);
        assert!(retry.is_some_and(|s| s.parse::<u64>().is_ok()), "{method} {path}: Retry-After missing");
        assert_eq!(p["type"], "/problems/service-unavailable", "{method} {path}");
        assert!(started.elapsed() < Duration::from_secs(10), "{method} {path} took {:?}", started.elapsed());
    }
    dg.call("GET", "/healthz", None, None).await.expect(200);

    cluster.start();
    let back = Instant::now();
    loop {
        if dg.call("GET", "/readyz", None, None).await.status.is_success() {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(30), "not ready 30 s after the database returned");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("datagate was ready {:?} after PostgreSQL was back", back.elapsed());
    // Every request works again, on every pooled connection.
    for _ in 0..20 {
        dg.call("GET", "/api/v1/bureaus?limit=100", Some(&token), None).await.expect(200);
    }
    let list = dg.call("GET", "/api/v1/bureaus?limit=100", Some(&token), None).await.expect(200).json();
    let ids: Vec<&str> = list["items"].as_array().unwrap().iter().filter_map(|b| b["id"].as_str()).collect();
    for id in &acknowledged {
        assert!(ids.contains(&id.as_str()), "bureau {id} acknowledged before the outage is gone");
    }
    assert!(!list.to_string().contains("sh-outage"), "the write refused during the outage is not there");
    let body = json!({"name": "恢复后的局", "code": "sh-after"});
    dg.call("POST", "/api/v1/bureaus", Some(&token), Some(body)).await.expect(201);
}
