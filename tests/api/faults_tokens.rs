//! Token issue under faults and concurrency: data tokens are recorded by a
//! group commit (`grants::issue_log`), so these check that a token a client
//! received is in the access log and in the audit chain after a SIGKILL at
//! any moment, that the chain verifies after restart, and that several
//! processes issuing at once on one database build one valid chain. Run on
//! SQLite and, with TEST_DATABASE_URL, on PostgreSQL.

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::fault_support::{Datagate, grant_world, run_cli};
use crate::helpers::*;

/// Issues data tokens one after another until a request fails (the process
/// died); sends the `jti` of every token answered, returns how many requests
/// were cut off (0 or 1).
async fn issue_until_cut(
    port: u16,
    grant: String,
    key: String,
    acked: tokio::sync::mpsc::UnboundedSender<String>,
) -> usize {
    let url = format!("http://127.0.0.1:{port}/api/v1/grants/{grant}/access-tokens");
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    loop {
        let Ok(mut res) = client.post(&url).bearer_auth(&key).send().await else { return 1 };
        let Ok(body) = res.body().await else { return 1 };
        assert_eq!(
            res.status().as_u16(),
            201,
            "token issue answered {}: {}",
            res.status(),
            String::from_utf8_lossy(&body)
        );
        // A body cut short by the kill gave the client no token.
        let Ok(token) = serde_json::from_slice::<Value>(&body) else { return 1 };
        let _ = acked.send(jti(token["access_token"].as_str().expect("token")));
    }
}

/// The `jti` claim of a JWT.
fn jti(jwt: &str) -> String {
    let payload = jwt.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    let claims: Value = serde_json::from_slice(&bytes).expect("claims");
    claims["jti"].as_str().expect("jti").to_string()
}

/// The token ids in the access log and in the audit chain's token entries.
async fn recorded(app: &TestApp) -> (BTreeSet<String>, BTreeSet<String>) {
    use datagate::db::schema::{access_log as log, audit_log as al};
    use diesel::prelude::*;
    let db = app.state.db.clone();
    actix_web::web::block(move || {
        let mut conn = db.get().expect("connection");
        let logged: Vec<Option<String>> = log::table
            .filter(log::event.eq("token_issued"))
            .select(log::token_id)
            .load(&mut *conn)
            .expect("access log");
        let audited: Vec<String> =
            al::table.filter(al::action.eq("grant.token_issue")).select(al::summary).load(&mut *conn).expect("audit");
        let audited = audited
            .iter()
            .map(|s| serde_json::from_str::<Value>(s).expect("summary")["jti"].as_str().expect("jti").to_string());
        (logged.into_iter().map(|t| t.expect("token id")).collect(), audited.collect())
    })
    .await
    .expect("blocking")
}

async fn assert_chain_intact(app: &TestApp) {
    let out = run_cli(&app.database_url(), &app.data_dir(), &["audit", "verify"]).await;
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.starts_with("intact"), "audit verify: {said}");
}

#[actix_web::test]
async fn token_issues_killed_at_random_moments_lose_no_answered_token() {
    use rand::Rng;
    let app = TestApp::spawn().await;
    let w = grant_world(&app).await;
    let mut dg = Datagate::start(&app.database_url(), &app.data_dir(), &[]).await;
    const ISSUERS: usize = 8;
    let mut acknowledged = BTreeSet::new();
    let mut interrupted = 0;
    for round in 0..4 {
        if round > 0 {
            dg.restart().await;
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let issuers: Vec<_> = (0..ISSUERS)
            .map(|_| actix_web::rt::spawn(issue_until_cut(dg.port, w.grant_id.clone(), w.key.clone(), tx.clone())))
            .collect();
        drop(tx);
        // Kill at a random moment once tokens are flowing, with issues in
        // flight on every connection.
        let wanted = rand::thread_rng().gen_range(5..60);
        for _ in 0..wanted {
            acknowledged.insert(rx.recv().await.expect("an issuer answered"));
        }
        let delay = rand::thread_rng().gen_range(0..10);
        actix_web::rt::time::sleep(Duration::from_millis(delay)).await;
        dg.kill();
        for issuer in issuers {
            interrupted += issuer.await.expect("task");
        }
        while let Some(jti) = rx.recv().await {
            acknowledged.insert(jti);
        }
    }
    eprintln!("{} tokens answered, {interrupted} issues cut off by SIGKILL", acknowledged.len());
    assert!(interrupted > 0, "no issue was ever cut off: the test proved nothing");

    let (logged, audited) = recorded(&app).await;
    let lost: Vec<_> = acknowledged.iter().filter(|j| !logged.contains(*j) || !audited.contains(*j)).collect();
    assert!(lost.is_empty(), "answered tokens missing from the access log or the chain: {lost:?}");
    assert_eq!(logged, audited, "the access log and the chain record the same issues");
    assert_chain_intact(&app).await;

    // After the restarts the service issues again and the chain goes on.
    dg.restart().await;
    let url = format!("/api/v1/grants/{}/access-tokens", w.grant_id);
    let t = dg.call("POST", &url, Some(&w.key), None).await.expect(201).json();
    let (logged, _) = recorded(&app).await;
    assert!(logged.contains(&jti(t["access_token"].as_str().unwrap())));
    assert_chain_intact(&app).await;
}

#[actix_web::test]
async fn two_processes_and_other_writers_build_one_chain() {
    let app = TestApp::spawn().await;
    let w = grant_world(&app).await;
    let a = Datagate::start(&app.database_url(), &app.data_dir(), &[]).await;
    let b = Datagate::start(&app.database_url(), &app.data_dir(), &[]).await;
    const PER_ISSUER: usize = 40;
    let issue_n = |port: u16| {
        let (grant, key) = (w.grant_id.clone(), w.key.clone());
        async move {
            let url = format!("http://127.0.0.1:{port}/api/v1/grants/{grant}/access-tokens");
            let client = awc::Client::builder().timeout(Duration::from_secs(60)).finish();
            let mut jtis = Vec::new();
            for _ in 0..PER_ISSUER {
                let mut res = client.post(&url).bearer_auth(&key).send().await.expect("sent");
                let body = res.body().await.expect("body");
                assert_eq!(res.status().as_u16(), 201, "{}", String::from_utf8_lossy(&body));
                let token: Value = serde_json::from_slice(&body).expect("json");
                jtis.push(jti(token["access_token"].as_str().expect("token")));
            }
            jtis
        }
    };
    let mut tasks = Vec::new();
    for port in [a.port, b.port, a.port, b.port] {
        tasks.push(actix_web::rt::spawn(issue_n(port)));
    }
    // Other audited writes, in this process, at the same time.
    let keys: Vec<_> =
        (0..10).map(|i| app.post("/api/v1/api-keys", Some(&w.owner.token), json!({"name": format!("k{i}")}))).collect();
    for k in keys {
        k.await.expect(201);
    }
    let mut answered = BTreeSet::new();
    for t in tasks {
        answered.extend(t.await.expect("task"));
    }
    assert_eq!(answered.len(), 4 * PER_ISSUER);
    let (logged, audited) = recorded(&app).await;
    assert_eq!(logged, answered, "every token issued is in the access log, once");
    assert_eq!(audited, answered, "and in the chain");
    assert_chain_intact(&app).await;
}
