//! The audit trail: entries for state changes with their actor and request,
//! the administrators' list and its filters, verification of the hash chain,
//! tamper detection past the append-only triggers, concurrent writers, and
//! `datagate audit verify`.

use chrono::Duration;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::*;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The items of a list, or panics.
fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().expect("items")
}

fn seqs(page: &Value) -> Vec<i64> {
    items(page).iter().map(|e| e["seq"].as_i64().expect("seq")).collect()
}

fn actions(page: &Value) -> Vec<&str> {
    items(page).iter().map(|e| e["action"].as_str().expect("action")).collect()
}

impl TestApp {
    async fn audit(&self, admin: &Session, query: &str) -> Value {
        self.get(&format!("/api/v1/audit{query}"), Some(&admin.token)).await.expect(200).json()
    }

    async fn verify_chain(&self, admin: &Session) -> Value {
        self.get("/api/v1/audit/verify", Some(&admin.token)).await.expect(200).json()
    }

    /// Gets past the append-only triggers, as only someone with direct
    /// database access could.
    async fn disable_audit_triggers(&self) {
        let sql = if self.is_postgres() {
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
        } else {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete"
        };
        self.sql(sql).await.expect("triggers disabled");
    }

    /// Runs `datagate audit verify` against this app's database.
    async fn cli_verify(&self, database_url: String) -> (Option<i32>, String, String) {
        let data_dir = self.data_dir();
        let out = actix_web::web::block(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_datagate"))
                .args(["audit", "verify"])
                .env("DATABASE_URL", database_url)
                .env("DATAGATE_DATA_DIR", data_dir)
                .env("DATAGATE_LOG", "error")
                .env_remove("DATAGATE_CONFIG")
                .output()
        })
        .await
        .expect("blocking")
        .expect("datagate runs");
        let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    }
}

#[actix_web::test]
async fn state_changes_leave_entries_with_actor_target_and_request_id() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let t0 = app.state.clock.now();
    let email = "owner@zs.cn";
    let reg = app
        .call_with(
            "POST",
            "/api/v1/enterprises",
            None,
            &[("X-Request-Id", "req-register-1")],
            Some(registration("上海智算未来科技有限公司", &valid_uscc(), email)),
        )
        .await
        .expect(201)
        .json();
    let enterprise = reg["enterprise"]["id"].as_str().unwrap().to_string();
    let owner_id = reg["owner"]["id"].as_str().unwrap().to_string();
    app.clock.advance(Duration::minutes(5));
    let t1 = app.state.clock.now();
    app.call_with(
        "POST",
        &format!("/api/v1/enterprises/{enterprise}/verify"),
        Some(&admin.token),
        &[("X-Request-Id", "req-verify-1")],
        Some(json!({"reason": "licence checked"})),
    )
    .await
    .expect(200);
    let owner = app.session(email).await;
    let key = app
        .call_with(
            "POST",
            "/api/v1/api-keys",
            Some(&owner.token),
            &[("X-Request-Id", "req-key-1")],
            Some(json!({"name": "pipeline"})),
        )
        .await
        .expect(201)
        .json();

    let all = app.audit(&admin, "").await;
    // Sign-ins are audited too (issue 20): the administrator's and the owner's.
    assert_eq!(all["total"], 6);
    assert_eq!(seqs(&all), [6, 5, 4, 3, 2, 1], "newest first");
    assert_eq!(
        actions(&all),
        ["api_key.create", "auth.sign_in", "enterprise.verify", "enterprise.register", "auth.sign_in", "admin.create"]
    );
    assert!(all.get("next_cursor").is_none());
    let [key_e, _, verify_e, register_e, _, admin_e] = &items(&all)[..] else { panic!("six entries") };

    assert_eq!(verify_e["actor_user_id"], admin.user_id.as_str());
    assert_eq!(verify_e["actor_org_id"], admin.org_id.as_str());
    assert_eq!((&verify_e["target_type"], &verify_e["target_id"]), (&json!("organisation"), &json!(enterprise)));
    assert_eq!(verify_e["request_id"], "req-verify-1");
    assert_eq!(verify_e["summary"], json!({"from": "pending", "to": "verified", "reason": "licence checked"}));
    assert_eq!(register_e["actor_user_id"], owner_id.as_str());
    assert_eq!(register_e["actor_org_id"], enterprise.as_str());
    assert_eq!(register_e["request_id"], "req-register-1");
    assert_eq!(register_e["summary"]["owner"], email);
    assert_eq!((&key_e["target_type"], &key_e["target_id"]), (&json!("api_key"), &key["id"]));
    assert_eq!(key_e["actor_user_id"], owner.user_id.as_str());
    assert_eq!(key_e["request_id"], "req-key-1");
    assert!(key_e["summary"].is_object());
    // Made by a command-line operator: no user, no request.
    assert!(admin_e["actor_user_id"].is_null() && admin_e["request_id"].is_null(), "{admin_e}");
    assert_eq!(admin_e["prev_hash"], GENESIS);
    assert!(verify_e["at"].as_str().unwrap().ends_with('Z'));

    let count = |page: Value| {
        (page["total"].as_i64().unwrap(), actions(&page).into_iter().map(String::from).collect::<Vec<_>>())
    };
    assert_eq!(count(app.audit(&admin, "?action=enterprise.verify").await), (1, vec!["enterprise.verify".into()]));
    assert_eq!(count(app.audit(&admin, "?action=enterprise.").await).0, 2, "a trailing dot matches the family");
    assert_eq!(count(app.audit(&admin, "?action=api_key.").await).0, 1);
    assert_eq!(count(app.audit(&admin, "?action=enterprise").await).0, 0, "without the dot, exact");
    assert_eq!(
        count(app.audit(&admin, &format!("?actor={}", owner.user_id)).await).1,
        ["api_key.create", "auth.sign_in", "enterprise.register"]
    );
    assert_eq!(count(app.audit(&admin, &format!("?organisation={enterprise}")).await).0, 3);
    assert_eq!(count(app.audit(&admin, &format!("?organisation={}", admin.org_id)).await).0, 2);
    assert_eq!(count(app.audit(&admin, &format!("?target_type=organisation&target_id={enterprise}")).await).0, 2);
    assert_eq!(count(app.audit(&admin, "?target_type=api_key").await).0, 1);
    let (since, until) = (q(&t1.to_rfc3339()), q(&t1.to_rfc3339()));
    assert_eq!(count(app.audit(&admin, &format!("?since={since}")).await).0, 3);
    assert_eq!(count(app.audit(&admin, &format!("?until={until}")).await).0, 3);
    let window = format!("?since={}&until={until}&action=enterprise.", q(&t0.to_rfc3339()));
    assert_eq!(count(app.audit(&admin, &window).await).1, ["enterprise.register"]);

    // Paging by cursor: every entry once, newest first; `total` on every page.
    let mut seen = Vec::new();
    let mut query = "?limit=1".to_string();
    loop {
        let page = app.audit(&admin, &query).await;
        assert_eq!((page["total"].as_i64(), page["limit"].as_i64()), (Some(6), Some(1)));
        seen.extend(seqs(&page));
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, [6, 5, 4, 3, 2, 1]);
}

#[actix_web::test]
async fn bad_filters_are_422_naming_the_parameter_and_only_admins_read() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=nonsense", "cursor"),
        ("actor=not-a-uuid", "actor"),
        ("organisation=42", "organisation"),
        ("since=yesterday", "since"),
        ("until=2026-13-01T00:00:00Z", "until"),
        ("since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until"),
        ("action=Enterprise.Verify", "action"),
        ("action=dataset.%25", "action"),
        ("target_type=", "target_type"),
        ("colour=blue", "colour"),
    ] {
        let p = app.get(&format!("/api/v1/audit?{query}"), Some(&admin.token)).await.problem(422);
        assert_eq!(p["errors"][0]["field"], field, "{query}: {p}");
    }
    // Several bad filters are reported together.
    let p = app.get("/api/v1/audit?action=X&limit=0", Some(&admin.token)).await.problem(422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{p}");

    let owner = app.verified_enterprise(&admin, "甲公司").await;
    let key = app.post("/api/v1/api-keys", Some(&owner.token), json!({"name": "k"})).await.expect(201).json();
    let bureau = app.bureau(&admin, "sh-edu").await;
    let publisher = app.publisher(&admin, &bureau).await;
    for path in ["/api/v1/audit", "/api/v1/audit/verify"] {
        app.get(path, None).await.problem(401);
        app.get(path, Some("dgk_not-a-key")).await.problem(401);
        for token in [owner.token.as_str(), key["secret"].as_str().unwrap(), publisher.token.as_str()] {
            app.get(path, Some(token)).await.problem(403);
        }
    }
}

#[actix_web::test]
async fn an_untouched_chain_verifies_intact_up_to_the_newest_entry() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.verified_enterprise(&admin, "甲公司").await;
    app.bureau(&admin, "sh-health").await;
    let v = app.verify_chain(&admin).await;
    let all = app.audit(&admin, "?limit=100").await;
    let entries = items(&all);
    assert_eq!(v, json!({"intact": true, "entries": all["total"], "head_hash": entries[0]["hash"]}));
    assert_eq!(v["entries"], 6, "two sign-ins among them");
    // Each entry links to the one before it.
    for pair in entries.windows(2) {
        assert_eq!(pair[0]["prev_hash"], pair[1]["hash"]);
    }
    assert_eq!(entries.last().unwrap()["prev_hash"], GENESIS);
}

#[actix_web::test]
async fn the_triggers_refuse_changes_and_an_edited_entry_is_the_first_broken_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.verified_enterprise(&admin, "甲公司").await;
    app.register("乙公司").await;
    assert_eq!(app.verify_chain(&admin).await["entries"], 6);

    for sql in ["UPDATE audit_log SET summary = '{}' WHERE seq = 3", "DELETE FROM audit_log WHERE seq = 3"] {
        let err = app.sql(sql).await.expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    if app.is_postgres() {
        let err = app.sql("TRUNCATE audit_log").await.expect_err("truncate");
        assert!(err.contains("append-only"), "{err}");
    }
    assert_eq!(app.verify_chain(&admin).await["intact"], true);

    app.disable_audit_triggers().await;
    // Entry 4 is the verification (1 admin.create, 2 its sign-in, 3 register).
    app.sql(r#"UPDATE audit_log SET summary = '{"reason": "forged"}' WHERE seq = 4"#).await.expect("edited");
    let v = app.verify_chain(&admin).await;
    assert_eq!(v["intact"], false, "{v}");
    assert_eq!(v["first_broken_seq"], 4);
    assert_eq!(v["entries_checked"], 3);
    assert!(v["reason"].as_str().unwrap().contains("edited"), "{v}");
    // The list still shows the entry as it now reads.
    let e = app.audit(&admin, "?action=enterprise.verify").await;
    assert_eq!(items(&e)[0]["summary"], json!({"reason": "forged"}));
}

#[actix_web::test]
async fn a_deleted_entry_is_detected() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.verified_enterprise(&admin, "甲公司").await;
    app.disable_audit_triggers().await;
    app.sql("DELETE FROM audit_log WHERE seq = 2").await.expect("deleted");
    let v = app.verify_chain(&admin).await;
    assert_eq!(v["intact"], false, "{v}");
    assert_eq!(v["first_broken_seq"], 2);
    assert_eq!(v["entries_checked"], 1);
    assert!(v["reason"].as_str().unwrap().contains("missing"), "{v}");
}

#[actix_web::test]
async fn concurrent_writers_do_not_fork_the_chain() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut owners = Vec::new();
    for name in ["甲公司", "乙公司", "丙公司", "丁公司"] {
        owners.push(app.verified_enterprise(&admin, name).await);
    }
    let created = join_all((0..20).map(|i| {
        let owner = &owners[i % owners.len()];
        app.post("/api/v1/api-keys", Some(&owner.token), json!({"name": format!("key-{i}")}))
    }))
    .await;
    for r in created {
        r.expect(201);
    }
    // admin.create and its sign-in; register, verify and a sign-in per enterprise.
    let expected = 2 + 4 * 3 + 20;
    let v = app.verify_chain(&admin).await;
    assert_eq!((&v["intact"], &v["entries"]), (&json!(true), &json!(expected)), "{v}");
    let all = app.audit(&admin, "?limit=100").await;
    assert_eq!(all["total"], expected);
    assert_eq!(seqs(&all), (1..=expected).rev().collect::<Vec<i64>>(), "seq is contiguous");
    assert_eq!(app.audit(&admin, "?action=api_key.create").await["total"], 20);
}

#[actix_web::test]
async fn the_command_line_verifies_and_exits_non_zero_when_broken() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.verified_enterprise(&admin, "甲公司").await;
    let head = app.verify_chain(&admin).await["head_hash"].as_str().unwrap().to_string();

    let (code, out, err) = app.cli_verify(app.database_url()).await;
    assert_eq!(code, Some(0), "stdout: {out}\nstderr: {err}");
    assert_eq!(out, format!("intact, 5 entries, head hash {head}"));

    app.disable_audit_triggers().await;
    app.sql("UPDATE audit_log SET actor_user_id = NULL WHERE seq = 3").await.expect("edited");
    let (code, out, err) = app.cli_verify(app.database_url()).await;
    assert_eq!(code, Some(1), "stdout: {out}\nstderr: {err}");
    assert_eq!(out, "broken at entry 3: its content does not match its hash (edited)");

    // A database that cannot be opened is neither intact nor broken.
    let (code, out, err) = app.cli_verify("sqlite:///proc/no-such-dir/datagate.db".into()).await;
    assert_eq!(code, Some(2), "stdout: {out}\nstderr: {err}");
    assert!(out.is_empty() && err.contains("cannot verify the audit chain"), "{err}");
}
