//! Signed checkpoints of the audit chain (issue 20): a checkpoint kept
//! outside datagate shows when entries it covers were removed from the tail
//! or rewritten with recomputed chain hashes — which the chain walk alone
//! cannot see — through the API and `datagate audit verify --checkpoint`;
//! inclusion and consistency proofs (RFC 9162) verify against the signed
//! roots; who may read what.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use datagate::audit::merkle::{self, Hash};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::*;

fn unhex(s: &Value) -> Hash {
    hex::decode(s.as_str().expect("hex string")).expect("hex").try_into().expect("32 bytes")
}

/// The RFC 9162 root over the entries' chain hashes, computed here from the
/// definition, independently of the service.
fn reference_root(chain_hashes: &[Hash]) -> Hash {
    match chain_hashes.len() {
        0 => merkle::empty_root(),
        1 => merkle::leaf_hash(&chain_hashes[0]),
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            merkle::node_hash(&reference_root(&chain_hashes[..k]), &reference_root(&chain_hashes[k..]))
        }
    }
}

impl TestApp {
    async fn checkpoint(&self, admin: &Session) -> Value {
        self.call("POST", "/api/v1/audit/checkpoints", Some(&admin.token), None).await.expect(201).json()
    }

    /// Every entry's chain hash, oldest first.
    async fn chain_hashes(&self, admin: &Session) -> Vec<Hash> {
        let page = self.get("/api/v1/audit?limit=100", Some(&admin.token)).await.expect(200).json();
        let mut hashes: Vec<Hash> =
            page["items"].as_array().expect("items").iter().map(|e| unhex(&e["hash"])).collect();
        hashes.reverse();
        hashes
    }

    async fn verify_checkpoint(&self, admin: &Session, checkpoint: &Value) -> Value {
        self.post("/api/v1/audit/verify", Some(&admin.token), checkpoint.clone()).await.expect(200).json()
    }

    /// Some activity: enterprises registered and verified, a bureau.
    async fn activity(&self, admin: &Session, tag: &str) -> Session {
        self.bureau(admin, &format!("b-{}", short_id().to_lowercase())).await;
        self.verified_enterprise(admin, &format!("{tag}公司")).await
    }

    /// Runs `datagate audit verify --checkpoint FILE --jwks FILE`.
    async fn cli_verify_checkpoint(&self, checkpoint: &Value) -> (Option<i32>, String) {
        let dir = self.data_dir();
        std::fs::create_dir_all(&dir).expect("data dir");
        let cp_file = dir.join(format!("checkpoint-{}.json", short_id()));
        std::fs::write(&cp_file, checkpoint.to_string()).expect("checkpoint saved");
        let jwks = self.get("/.well-known/jwks.json", None).await.expect(200).json();
        let jwks_file = dir.join("jwks.json");
        std::fs::write(&jwks_file, jwks.to_string()).expect("jwks saved");
        let database_url = self.database_url();
        let out = actix_web::web::block(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_datagate"))
                .args(["audit", "verify", "--checkpoint"])
                .arg(&cp_file)
                .arg("--jwks")
                .arg(&jwks_file)
                .env("DATABASE_URL", database_url)
                .env("DATAGATE_DATA_DIR", dir)
                .env("DATAGATE_LOG", "error")
                .env_remove("DATAGATE_CONFIG")
                .output()
        })
        .await
        .expect("blocking")
        .expect("datagate runs");
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text.trim().to_string())
    }

    async fn disable_triggers(&self) {
        let sql = if self.is_postgres() {
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
        } else {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete"
        };
        self.sql(sql).await.expect("triggers disabled");
    }

    /// What someone who can write the table does: edits entry `seq`, then
    /// recomputes its hash and every later entry's link and hash, so that
    /// the chain walk finds nothing wrong.
    async fn rewrite_with_recomputed_hashes(&self, seq: i64) {
        self.disable_triggers().await;
        let db = self.state.db.clone();
        let updates: Vec<String> = actix_web::web::block(move || {
            use datagate::db::schema::audit_log;
            let mut conn = db.get().expect("connection");
            let mut entries: Vec<datagate::audit::Entry> = audit_log::table
                .filter(audit_log::seq.ge(seq - 1))
                .order(audit_log::seq.asc())
                .select(datagate::audit::Entry::as_select())
                .load(&mut *conn)
                .expect("entries");
            let mut prev = entries[0].hash.clone();
            let mut sql = Vec::new();
            for e in entries.iter_mut().skip(1) {
                if e.seq == seq {
                    e.summary = r#"{"reason":"forged"}"#.into();
                }
                e.prev_hash = prev.clone();
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                sql.push(format!(
                    "UPDATE audit_log SET summary = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
                    e.summary.replace('\'', "''"),
                    e.prev_hash,
                    e.hash,
                    e.seq
                ));
            }
            sql
        })
        .await
        .expect("blocking");
        for u in updates {
            self.sql(&u).await.expect("rewritten");
        }
    }
}

#[actix_web::test]
async fn a_checkpoint_is_signed_with_the_jwks_key_and_states_the_size_root_and_head() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.activity(&admin, "甲").await;
    let hashes = app.chain_hashes(&admin).await;
    let cp = app.checkpoint(&admin).await;
    assert_eq!(cp["tree_size"], hashes.len() as i64);
    assert_eq!(unhex(&cp["root_hash"]), reference_root(&hashes));
    assert_eq!(unhex(&cp["head_hash"]), *hashes.last().unwrap());
    assert_eq!(cp["algorithm"], "Ed25519");

    // A third party needs only the JWKS: the key named by key_id verifies
    // the signature over the statement's bytes.
    let jwks = app.get("/.well-known/jwks.json", None).await.expect(200).json();
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == cp["key_id"]).expect("key in JWKS");
    let x: [u8; 32] = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap().try_into().unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&x).expect("key");
    let sig: [u8; 64] = URL_SAFE_NO_PAD.decode(cp["signature"].as_str().unwrap()).unwrap().try_into().unwrap();
    let statement = cp["statement"].as_str().unwrap();
    key.verify_strict(statement.as_bytes(), &ed25519_dalek::Signature::from_bytes(&sig)).expect("signature valid");
    let lines: Vec<&str> = statement.lines().collect();
    assert_eq!(lines[0], "127.0.0.1:8080/audit");
    assert_eq!(lines[1], hashes.len().to_string());
    assert_eq!(lines[2], base64::engine::general_purpose::STANDARD.encode(reference_root(&hashes)));
    assert_eq!(lines[3], format!("chain-head {}", cp["head_hash"].as_str().unwrap()));
    assert!(lines[4].starts_with("issued-at 20"), "{statement}");

    // The request itself is audited, after the checkpoint.
    let page = app.get("/api/v1/audit?action=audit.checkpoint", Some(&admin.token)).await.expect(200).json();
    assert_eq!(page["items"][0]["seq"], hashes.len() as i64 + 1);
    assert_eq!(page["items"][0]["summary"]["tree_size"], hashes.len() as i64);

    // The list is public and newest first; creating one is for administrators.
    let second = app.checkpoint(&admin).await;
    let list = app.get("/api/v1/audit/checkpoints", None).await.expect(200).json();
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["id"], second["id"]);
    assert_eq!(list["items"][1], cp);
    assert_eq!(second["tree_size"], hashes.len() as i64 + 1);
    let owner = app.activity(&admin, "乙").await;
    app.call("POST", "/api/v1/audit/checkpoints", None, None).await.problem(401);
    app.call("POST", "/api/v1/audit/checkpoints", Some(&owner.token), None).await.problem(403);
    app.get("/api/v1/audit/checkpoints?limit=0", None).await.problem(422);
}

#[actix_web::test]
async fn a_good_chain_verifies_against_its_checkpoint_and_a_forged_one_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.activity(&admin, "甲").await;
    let cp = app.checkpoint(&admin).await;
    app.activity(&admin, "乙").await;
    let v = app.verify_checkpoint(&admin, &cp).await;
    assert_eq!(v["consistent"], true, "{v}");
    assert_eq!(v["tree_size"], cp["tree_size"]);
    assert!(v["current_size"].as_i64().unwrap() > cp["tree_size"].as_i64().unwrap());
    let (code, out) = app.cli_verify_checkpoint(&cp).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("consistent"), "{out}");

    // A statement claiming another size, or signed by another key, is refused.
    let mut forged = cp.clone();
    forged["statement"] =
        json!(cp["statement"].as_str().unwrap().replacen(&format!("\n{}\n", cp["tree_size"]), "\n2\n", 1));
    forged["tree_size"] = json!(2);
    let p = app.post("/api/v1/audit/verify", Some(&admin.token), forged.clone()).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "signature", "{p}");
    let (code, out) = app.cli_verify_checkpoint(&forged).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("signature"), "{out}");
    let mut other_key = cp.clone();
    other_key["key_id"] = json!("someone-else");
    app.post("/api/v1/audit/verify", Some(&admin.token), other_key).await.problem(422);

    // Only administrators verify (it walks the whole chain).
    let owner = app.activity(&admin, "丙").await;
    app.post("/api/v1/audit/verify", None, cp.clone()).await.problem(401);
    app.post("/api/v1/audit/verify", Some(&owner.token), cp.clone()).await.problem(403);
}

#[actix_web::test]
async fn removing_the_newest_entries_is_detected_by_a_saved_checkpoint() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.activity(&admin, "甲").await;
    app.activity(&admin, "乙").await;
    let cp = app.checkpoint(&admin).await;
    let n = cp["tree_size"].as_i64().unwrap();

    app.disable_triggers().await;
    // Truncate the tail: the checkpoint's own record and the last entries it covers.
    app.sql(&format!("DELETE FROM audit_log WHERE seq > {}", n - 2)).await.expect("truncated");
    // The chain alone still looks intact: that is the gap checkpoints close.
    let chain = app.get("/api/v1/audit/verify", Some(&admin.token)).await.expect(200).json();
    assert_eq!((&chain["intact"], &chain["entries"]), (&json!(true), &json!(n - 2)), "{chain}");

    let v = app.verify_checkpoint(&admin, &cp).await;
    assert_eq!(v["consistent"], false, "{v}");
    assert_eq!(v["current_size"], n - 2);
    assert!(v["problem"].as_str().unwrap().contains("removed"), "{v}");
    let (code, out) = app.cli_verify_checkpoint(&cp).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("NOT consistent") && out.contains("removed"), "{out}");

    // Entries added after the truncation do not hide it.
    app.activity(&admin, "丙").await;
    let v = app.verify_checkpoint(&admin, &cp).await;
    assert_eq!(v["consistent"], false, "{v}");
    assert!(v["current_size"].as_i64().unwrap() > n, "{v}");
    // And datagate refuses to sign over the changed tail.
    let p = app.call("POST", "/api/v1/audit/checkpoints", Some(&admin.token), None).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("changed after"), "{p}");
}

#[actix_web::test]
async fn rewriting_entries_with_recomputed_hashes_is_detected_by_a_saved_checkpoint() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.activity(&admin, "甲").await;
    app.activity(&admin, "乙").await;
    let cp = app.checkpoint(&admin).await;
    let n = cp["tree_size"].as_i64().unwrap();
    assert!(n >= 5);

    app.rewrite_with_recomputed_hashes(3).await;
    // The rewritten chain walks clean.
    let chain = app.get("/api/v1/audit/verify", Some(&admin.token)).await.expect(200).json();
    assert_eq!(chain["intact"], true, "{chain}");
    let summary = app.get("/api/v1/audit?limit=100", Some(&admin.token)).await.expect(200).json();
    assert!(summary.to_string().contains("forged"));

    let v = app.verify_checkpoint(&admin, &cp).await;
    assert_eq!(v["consistent"], false, "{v}");
    assert!(v["problem"].as_str().unwrap().contains("rewritten"), "{v}");
    let (code, out) = app.cli_verify_checkpoint(&cp).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("rewritten"), "{out}");
    app.call("POST", "/api/v1/audit/checkpoints", Some(&admin.token), None).await.problem(409);
}

#[actix_web::test]
async fn rewriting_only_entries_after_a_checkpoint_leaves_it_consistent_but_not_a_newer_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.activity(&admin, "甲").await;
    let old = app.checkpoint(&admin).await;
    app.activity(&admin, "乙").await;
    let new = app.checkpoint(&admin).await;
    let n_old = old["tree_size"].as_i64().unwrap();
    app.rewrite_with_recomputed_hashes(n_old + 2).await;
    assert_eq!(app.verify_checkpoint(&admin, &old).await["consistent"], true);
    assert_eq!(app.verify_checkpoint(&admin, &new).await["consistent"], false);
}

#[actix_web::test]
async fn inclusion_and_consistency_proofs_verify_against_signed_roots() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let owner_a = app.activity(&admin, "甲").await;
    let first = app.checkpoint(&admin).await;
    let owner_b = app.activity(&admin, "乙").await;
    app.activity(&admin, "丙").await;
    let second = app.checkpoint(&admin).await;
    let (m, n) = (first["tree_size"].as_i64().unwrap(), second["tree_size"].as_i64().unwrap());

    // Consistency: public, and it proves the second tree extends the first.
    let c = app.get(&format!("/api/v1/audit/consistency?first={m}&second={n}"), None).await.expect(200).json();
    assert_eq!(c["first_root"], first["root_hash"]);
    assert_eq!(c["second_root"], second["root_hash"]);
    let proof: Vec<Hash> = c["proof"].as_array().unwrap().iter().map(unhex).collect();
    assert!(merkle::verify_consistency(
        m as u64,
        n as u64,
        &unhex(&first["root_hash"]),
        &unhex(&second["root_hash"]),
        &proof
    ));
    app.get(&format!("/api/v1/audit/consistency?first={n}&second={m}"), None).await.problem(422);
    app.get("/api/v1/audit/consistency?first=1&second=100000", None).await.problem(422);
    app.get("/api/v1/audit/consistency?first=0&second=1", None).await.problem(422);

    // Inclusion: enterprise A's registration, recorded with A as the target.
    let page = app
        .get(&format!("/api/v1/audit?target_type=organisation&target_id={}", owner_a.org_id), Some(&admin.token))
        .await
        .expect(200)
        .json();
    let seq = page["items"].as_array().unwrap().last().unwrap()["seq"].as_i64().unwrap();
    let path = format!("/api/v1/audit/entries/{seq}/proof?tree_size={n}");
    let p = app.get(&path, Some(&owner_a.token)).await.expect(200).json();
    assert_eq!(p["root_hash"], second["root_hash"]);
    assert_eq!(p["checkpoint"]["id"], second["id"]);
    assert_eq!(p["entry"]["seq"], seq);
    // The leaf is recomputed from the entry itself.
    let leaf = merkle::leaf_hash(&unhex(&p["entry"]["hash"]));
    assert_eq!(leaf, unhex(&p["leaf_hash"]));
    let audit_path: Vec<Hash> = p["audit_path"].as_array().unwrap().iter().map(unhex).collect();
    assert!(merkle::verify_inclusion(seq as u64 - 1, n as u64, &leaf, &audit_path, &unhex(&second["root_hash"])));
    // Without tree_size: the newest checkpoint's.
    let p = app.get(&format!("/api/v1/audit/entries/{seq}/proof"), Some(&owner_a.token)).await.expect(200).json();
    assert_eq!(p["tree_size"], n);
    // The administrator may ask for any entry; enterprise B not for A's,
    // as if it did not exist; nobody without signing in.
    app.get(&path, Some(&admin.token)).await.expect(200);
    app.get(&path, Some(&owner_b.token)).await.problem(404);
    app.get("/api/v1/audit/entries/99999/proof", Some(&owner_b.token)).await.problem(404);
    app.get(&path, None).await.problem(401);
    app.get(&format!("/api/v1/audit/entries/{seq}/proof?tree_size={}", seq - 1), Some(&admin.token)).await.problem(422);
    app.get(&format!("/api/v1/audit/entries/{seq}/proof?tree_size=100000"), Some(&admin.token)).await.problem(422);
}

#[actix_web::test]
async fn the_background_checkpoint_only_signs_when_the_chain_grew() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.activity(&admin, "甲").await;
    let state = app.state.clone();
    let run = || {
        let state = state.clone();
        actix_web::web::block(move || {
            let mut conn = state.db.get().expect("connection");
            datagate::db::write_tx(&mut conn, |conn| {
                datagate::audit::checkpoints::create_if_grown(
                    conn,
                    &state.signer.keys,
                    &state.config.public_url,
                    state.clock.now(),
                )
            })
            .expect("checkpoint")
            .map(|c| c.tree_size)
        })
    };
    let made = run().await.expect("blocking");
    assert!(made.is_some());
    assert_eq!(run().await.expect("blocking"), None, "nothing new: no checkpoint");
    app.activity(&admin, "乙").await;
    assert!(run().await.expect("blocking") > made);
    let list = app.get("/api/v1/audit/checkpoints", None).await.expect(200).json();
    assert_eq!(list["total"], 2);
    // Background checkpoints are not audited (they would keep the chain growing).
    let page = app.get("/api/v1/audit?action=audit.checkpoint", Some(&admin.token)).await.expect(200).json();
    assert_eq!(page["total"], 0);
}

/// What a checkpoint costs at 100 000 entries (run by hand, see
/// docs/reliability.md): the first one builds the stored tree, later ones
/// only add the new entries; verification walks the whole chain.
#[actix_web::test]
#[ignore = "a measurement: cargo test --test api checkpoint_cost -- --ignored --nocapture"]
async fn checkpoint_cost_at_100k_entries() {
    use datagate::audit::{Entry, checkpoints};
    use datagate::db::DbConn;
    use datagate::db::schema::audit_log;
    use std::time::Instant;
    const N: i64 = 100_000;
    let app = TestApp::spawn().await;
    let state = app.state.clone();
    actix_web::web::block(move || {
        let mut conn = state.db.get().expect("connection");
        let at = state.clock.db_now();
        let mut prev = datagate::audit::chain::GENESIS.to_string();
        let mut append = |conn: &mut DbConn, seqs: std::ops::RangeInclusive<i64>| {
            let mut rows = Vec::new();
            for seq in seqs {
                let mut e = Entry {
                    seq,
                    at,
                    actor_user_id: None,
                    actor_org_id: None,
                    action: "bench.entry".into(),
                    target_type: "bench".into(),
                    target_id: seq.to_string(),
                    summary: format!(r#"{{"n":{seq}}}"#),
                    request_id: None,
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                rows.push(e);
            }
            for chunk in rows.chunks(500) {
                match &mut *conn {
                    DbConn::Pg(c) => diesel::insert_into(audit_log::table).values(chunk).execute(c),
                    DbConn::Sqlite(c) => diesel::insert_into(audit_log::table).values(chunk).execute(c),
                }
                .expect("inserted");
            }
        };
        append(&mut conn, 1..=N);
        let keys = &state.signer.keys;
        let url = &state.config.public_url;
        let timed = |conn: &mut DbConn, what: &str| {
            let t = Instant::now();
            let c = datagate::db::write_tx(conn, |conn| checkpoints::create(conn, keys, url, state.clock.now(), None))
                .expect("checkpoint");
            println!("{what}: {:?} (tree_size {})", t.elapsed(), c.tree_size);
            c
        };
        timed(&mut conn, "first checkpoint, building the stored tree of 100 000 leaves");
        timed(&mut conn, "next checkpoint, nothing new");
        append(&mut conn, N + 1..=N + 1_000);
        let c = timed(&mut conn, "next checkpoint, 1 000 entries later");
        let t = Instant::now();
        let statement = checkpoints::parse_statement(&c.statement).expect("statement");
        let v = checkpoints::verify_against(&mut conn, &statement).expect("verdict");
        assert!(v.consistent);
        println!("verify against it (walks and re-hashes every entry): {:?}", t.elapsed());
        let t = Instant::now();
        let p = datagate::audit::tree::inclusion_proof(&mut conn, 12_345, N as u64 + 1_000).expect("proof");
        let q = datagate::audit::tree::consistency_proof(&mut conn, 54_321, N as u64 + 1_000).expect("proof");
        println!("an inclusion and a consistency proof: {:?} ({} + {} hashes)", t.elapsed(), p.len(), q.len());
    })
    .await
    .expect("blocking");
}

/// `datagate serve` signs a checkpoint at start and every
/// DATAGATE_AUDIT_CHECKPOINT_SECS; the command line verifies it with the
/// service's own key file, and an interval below a minute is refused.
#[actix_web::test]
async fn serve_signs_checkpoints_in_the_background_and_the_cli_checks_them_with_the_key_file() {
    use crate::fault_support::{Datagate, run_cli};
    let db = TestDb::new();
    let (url, dir) = (db.database_url(), db.data_dir());
    let dg = Datagate::start(&url, &dir, &[("DATAGATE_AUDIT_CHECKPOINT_SECS", "60")]).await;
    let started = std::time::Instant::now();
    let cp = loop {
        let list = dg.call("GET", "/api/v1/audit/checkpoints", None, None).await.expect(200).json();
        if list["total"] == 1 {
            break list["items"][0].clone();
        }
        assert!(started.elapsed().as_secs() < 30, "no background checkpoint: {}", dg.log_text());
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(cp["tree_size"], 0);
    assert_eq!(unhex(&cp["root_hash"]), merkle::empty_root());
    let file = dir.join("checkpoint.json");
    std::fs::write(&file, cp.to_string()).expect("saved");
    let out = run_cli(&url, &dir, &["audit", "verify", "--checkpoint", file.to_str().unwrap()]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text} {}", String::from_utf8_lossy(&out.stderr));
    assert!(text.starts_with("consistent"), "{text}");
    drop(dg);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_datagate"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &url)
        .env("DATAGATE_DATA_DIR", &dir)
        .env("DATAGATE_AUDIT_CHECKPOINT_SECS", "5")
        .env_remove("DATAGATE_CONFIG")
        .output()
        .expect("datagate runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATAGATE_AUDIT_CHECKPOINT_SECS"));
}
