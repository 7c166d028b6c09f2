//! Issue 20, items 1, 5 and 8: bounded public queries (size limits, a
//! statement time limit enforced by the database, the query lane that keeps
//! anonymous reads from starving the pool), the client address taken only
//! from trusted proxies, and CSV cells neutralised against formula injection.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fault_support::request_body;
use crate::helpers::*;

// ---------------------------------------------------------------- fixtures

/// A bureau with a publisher, an enterprise with an API key, and a
/// conditional dataset with a file the enterprise holds a grant for.
struct World {
    app: TestApp,
    ent: Session,
    key: String,
    grant: String,
    file: String,
    dataset_id: String,
}

async fn world_with(tweak: impl FnOnce(&mut datagate::config::Config)) -> World {
    let app = TestApp::spawn_with(tweak).await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, &format!("sq-{}", short_id())).await;
    let publisher = app.publisher(&admin, &b).await;
    let ent = app.verified_enterprise(&admin, "上海智算未来科技有限公司").await;
    let key =
        app.post("/api/v1/api-keys", Some(&ent.token), json!({"name": "pipeline"})).await.expect(201).json()["secret"]
            .as_str()
            .unwrap()
            .to_string();
    let (dataset, file) = app.published_dataset(&publisher, "sq-students", "学生学籍信息", "conditional").await;
    let r = app.post("/api/v1/access-requests", Some(&key), request_body(&dataset)).await.expect(201).json();
    let id = r["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/access-requests/{id}/opinion"),
        Some(&publisher.token),
        json!({"opinion": "consent", "comment": "同意"}),
    )
    .await
    .expect(200);
    let a = app
        .post(&format!("/api/v1/access-requests/{id}/approve"), Some(&admin.token), json!({"conditions": "仅限境内"}))
        .await
        .expect(200)
        .json();
    World {
        grant: a["grant"]["id"].as_str().unwrap().to_string(),
        file: file["id"].as_str().unwrap().to_string(),
        dataset_id: dataset["id"].as_str().unwrap().to_string(),
        app,
        ent,
        key,
    }
}

/// Gives one published listing `n` format values, so that counting the
/// format facet (REST lists, CKAN `facet.field=["res_format"]`) reads `n`
/// rows: the heaviest query an anonymous caller can send within the bounds
/// on a catalogue this small.
async fn heavy_facets(app: &TestApp, listing_id: &str, n: u32) {
    let sql = if app.is_postgres() {
        format!(
            "INSERT INTO listing_facets (listing_id, facet, value) \
             SELECT '{listing_id}', 'format', 'F' || g FROM generate_series(1, {n}) g"
        )
    } else {
        format!(
            "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n}) \
             INSERT INTO listing_facets (listing_id, facet, value) SELECT '{listing_id}', 'format', 'F' || i FROM g"
        )
    };
    app.sql(&sql).await.expect("seed facet rows");
}

const HEAVY_CKAN: &str = "/api/3/action/package_search?rows=1000&facet.field=%5B%22res_format%22%2C%22tags%22%2C%22organization%22%2C%22groups%22%2C%22license_id%22%2C%22open_condition%22%2C%22modality%22%2C%22type%22%5D";

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[((v.len() as f64 * 0.99).ceil() as usize).clamp(1, v.len()) - 1]
}

// ---------------------------------------------------------------- (1a) bounds

#[actix_web::test]
async fn public_queries_over_a_bound_are_refused_naming_the_bound() {
    let app = TestApp::spawn().await;
    let words: Vec<String> = (0..33).map(|i| format!("w{i}")).collect();
    let many_terms = q(&words.join(" "));

    // REST: 422 /problems/limit-exceeded naming the bound, in every catalogue.
    for path in [
        format!("/api/v1/datasets?q={many_terms}"),
        format!("/api/v1/corpora?q={many_terms}"),
        format!("/api/v1/open-list.csv?q={many_terms}"),
    ] {
        let p = app.get(&path, None).await.problem(422);
        assert_eq!(p["type"], "/problems/limit-exceeded", "{path}: {p}");
        assert_eq!(p["context"]["limit"], "q_terms", "{p}");
        assert_eq!(p["errors"][0]["field"], "q", "{p}");
        assert!(p["detail"].as_str().unwrap().contains("q_terms"), "{p}");
    }
    let long = "x".repeat(201);
    let p = app.get(&format!("/api/v1/datasets?keyword={long}"), None).await.problem(422);
    assert_eq!(p["context"]["limit"], "value_chars", "{p}");
    assert_eq!(p["errors"][0]["field"], "keyword", "{p}");
    let p = app.get(&format!("/api/v1/datasets?cursor={}", "A".repeat(513)), None).await.problem(422);
    assert_eq!(p["context"]["limit"], "cursor_chars", "{p}");
    let p = app.get(&format!("/api/v1/datasets?q={}", q(&"数".repeat(201))), None).await.problem(422);
    assert_eq!(p["context"]["limit"], "q_chars", "{p}");
    // DCAT: a page beyond the deepest offset.
    let p = app.get("/api/v1/catalog?page=1000&limit=1000", None).await.problem(422);
    assert_eq!(p["context"]["limit"], "offset", "{p}");
    assert_eq!(p["errors"][0]["field"], "page", "{p}");
    let p = app.get("/api/v1/catalog?limit=1001", None).await.problem(422);
    assert_eq!(p["context"]["limit"], "dcat_page_size", "{p}");

    // CKAN: 400 in CKAN's envelope, the message naming the bound.
    let clauses: Vec<String> = (0..17).map(|i| format!("tags:t{i}")).collect();
    let fields: Vec<&str> = vec![
        "tags",
        "groups",
        "organization",
        "res_format",
        "license_id",
        "open_condition",
        "modality",
        "type",
        "tags",
    ];
    for (query, limit, field) in [
        (format!("fq={}", q(&clauses.join(" "))), "fq_clauses", "fq"),
        (format!("fq={}", q(&format!("tags:{}", "y".repeat(1000)))), "fq_chars", "fq"),
        (format!("fq={}", q(&format!("tags:{}", "y".repeat(201)))), "value_chars", "fq"),
        (format!("facet.field={}", q(&serde_json::to_string(&fields).unwrap())), "facet_fields", "facet.field"),
        ("start=200001".to_string(), "offset", "start"),
        (format!("q={many_terms}"), "q_terms", "q"),
    ] {
        let r = app.get(&format!("/api/3/action/package_search?{query}"), None).await.expect(400);
        let body = r.json();
        assert_eq!(body["success"], false, "{body}");
        assert_eq!(body["error"]["__type"], "Validation Error", "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(limit), "{limit}: {body}");
        assert!(body["error"][field][0].as_str().unwrap().contains(limit), "{limit}: {body}");
    }
    let r = app.get("/api/3/action/package_list?offset=200001", None).await.expect(400);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("offset"));

    // At the bounds, the same requests are answered.
    let sixteen: Vec<String> = (0..16).map(|i| format!("tags:t{i}")).collect();
    app.get(&format!("/api/3/action/package_search?fq={}", q(&sixteen.join(" "))), None).await.expect(200);
    let words: Vec<String> = (0..32).map(|i| format!("w{i}")).collect();
    app.get(&format!("/api/v1/datasets?q={}", q(&words.join(" "))), None).await.expect(200);
    app.get("/api/v1/catalog?page=201&limit=1000", None).await.expect(200);
}

#[actix_web::test]
async fn a_long_fq_is_refused_never_a_500() {
    // On SQLite a few thousand clauses built an expression deeper than its
    // limit of 1000 ("Expression tree is too large") and answered 500.
    let app = TestApp::spawn().await;
    for n in [600, 2000, 5000] {
        let fq = vec!["tags:x"; n].join(" ");
        let r = app.get(&format!("/api/3/action/package_search?fq={}", q(&fq)), None).await;
        assert_eq!(r.status.as_u16(), 400, "{n} clauses: {}", String::from_utf8_lossy(&r.body));
        let body = r.json();
        assert!(body["error"]["message"].as_str().unwrap().contains("fq_"), "{body}");
    }
    // A repeated clause counts once toward nothing worse than itself.
    let fq = vec!["tags:x"; 16].join(" ");
    app.get(&format!("/api/3/action/package_search?fq={}", q(&fq)), None).await.expect(200);
}

// ---------------------------------------------------------------- (1b) time limit

#[actix_web::test]
async fn a_public_read_past_its_time_limit_answers_503_and_its_connection_is_reused() {
    let w = world_with(|c| {
        c.query_timeout = Duration::from_millis(5);
        c.db_pool_size = 1;
        c.query_slots = 1;
    })
    .await;
    heavy_facets(&w.app, &w.dataset_id, 150_000).await;

    let r = w.app.get(HEAVY_CKAN, None).await;
    assert_eq!(r.status.as_u16(), 503, "CKAN: {}", String::from_utf8_lossy(&r.body));
    assert!(r.header("retry-after").is_some(), "Retry-After on the CKAN 503");
    let body = r.json();
    assert_eq!(body["success"], false);
    assert!(body["error"]["message"].as_str().unwrap().contains("time limit"), "{body}");

    let r = w.app.get("/api/v1/datasets?limit=100", None).await;
    assert!(r.header("retry-after").is_some(), "Retry-After on the REST 503");
    let p = r.problem(503);
    assert_eq!(p["type"], "/problems/query-timeout", "{p}");

    // The one connection of the pool is usable afterwards: cheap reads,
    // sign-in and a token all answer.
    w.app.get("/api/3/action/package_show?id=sq-students", None).await.expect(200);
    w.app.session(&w.ent.email).await;
    w.app.post(&format!("/api/v1/grants/{}/access-tokens", w.grant), Some(&w.key), json!({})).await.expect(201);
}

// ---------------------------------------------------------------- (1c) the lane

#[actix_web::test]
async fn a_full_query_lane_refuses_with_503_while_sign_in_answers() {
    let w = world_with(|c| {
        c.query_slots = 1;
        c.query_wait = Duration::ZERO;
        c.query_timeout = Duration::from_secs(30);
        c.login_rate = 0;
    })
    .await;
    heavy_facets(&w.app, &w.dataset_id, 150_000).await;
    let searches = (0..8).map(|_| w.app.get(HEAVY_CKAN, None));
    let login = async {
        let started = Instant::now();
        let r = w.app.login(&w.ent.email, PASSWORD).await;
        (r.status.as_u16(), started.elapsed())
    };
    let (results, (login_status, _)) = futures_util::join!(futures_util::future::join_all(searches), login);
    assert_eq!(login_status, 200, "sign-in is outside the lane");
    let statuses: Vec<u16> = results.iter().map(|r| r.status.as_u16()).collect();
    assert!(statuses.contains(&200), "{statuses:?}");
    let refused: Vec<&Resp> = results.iter().filter(|r| r.status.as_u16() == 503).collect();
    assert!(!refused.is_empty(), "one slot, eight heavy searches at once: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
    for r in refused {
        assert!(r.header("retry-after").is_some());
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("public searches"));
    }
    let p = {
        // REST in the same lane: a search while the lane is held.
        let held = w.app.get(HEAVY_CKAN, None);
        let rest = async {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            w.app.get("/api/v1/datasets?q=%E5%AD%A6%E7%94%9F&limit=99", None).await
        };
        let (_, rest) = futures_util::join!(held, rest);
        rest
    };
    if p.status.as_u16() == 503 {
        let p = p.problem(503);
        assert_eq!(p["type"], "/problems/query-lane-full", "{p}");
    }
}

/// The bar of issue 20: 64 concurrent worst-case anonymous searches leave
/// sign-in, token issue and a download within their usual p99. The suite
/// runs it for 10 s; `bench/sec_query.sh` runs it for 60 s on both
/// databases (DATAGATE_LOAD_SECS).
#[actix_web::test]
async fn sixty_four_worst_case_searches_leave_sign_in_token_issue_and_download_answering() {
    let secs: u64 = std::env::var("DATAGATE_LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let w = world_with(|c| {
        c.login_rate = 0;
        c.token_rate = 0;
        // Two cores here: one slot leaves one for everything else.
        c.query_slots = 1;
    })
    .await;
    heavy_facets(&w.app, &w.dataset_id, 30_000).await;
    let app = &w.app;
    let file = format!("/api/v1/distributions/{}/file", w.file);
    let token_path = format!("/api/v1/grants/{}/access-tokens", w.grant);

    // One round of the three operations; each latency, and whether all succeeded.
    let round = || async {
        let t = Instant::now();
        let s1 = app.login(&w.ent.email, PASSWORD).await.status.as_u16();
        let login = t.elapsed();
        let t = Instant::now();
        let tok = app.post(&token_path, Some(&w.key), json!({})).await;
        let issue = t.elapsed();
        let s2 = tok.status.as_u16();
        let jwt =
            if s2 == 201 { tok.json()["access_token"].as_str().unwrap_or_default().to_string() } else { String::new() };
        let t = Instant::now();
        let s3 = app.get(&file, Some(&jwt)).await.status.as_u16();
        let download = t.elapsed();
        ((login, issue, download), (s1, s2, s3))
    };

    let mut base = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..30 {
        let ((a, b, c), s) = round().await;
        assert_eq!(s, (200, 201, 200));
        base.0.push(a);
        base.1.push(b);
        base.2.push(c);
    }
    let base_p99 = (p99(base.0), p99(base.1), p99(base.2));

    let stop = Instant::now() + Duration::from_secs(secs);
    let counts = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u32>::new());
    let searcher = |i: usize| {
        let counts = &counts;
        async move {
            let mut k = 0;
            while Instant::now() < stop {
                let r = app.get(&format!("{HEAVY_CKAN}&start={}", (i + k) % 3), None).await;
                *counts.borrow_mut().entry(r.status.as_u16()).or_default() += 1;
                k += 1;
            }
        }
    };
    let measured = async {
        // Let the searches fill the lane first.
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        let mut under = (Vec::new(), Vec::new(), Vec::new());
        let mut failures = Vec::new();
        while Instant::now() < stop {
            let ((a, b, c), s) = round().await;
            if s != (200, 201, 200) {
                failures.push(s);
            }
            under.0.push(a);
            under.1.push(b);
            under.2.push(c);
        }
        (under, failures)
    };
    let (_, (under, failures)) = futures_util::join!(futures_util::future::join_all((0..64).map(searcher)), measured);
    let rounds = under.0.len();
    let load_p99 = (p99(under.0), p99(under.1), p99(under.2));
    let counts = counts.into_inner();
    eprintln!(
        "LOAD {} {secs}s: searches {counts:?}; rounds {rounds}; p99 idle sign-in {:?} token {:?} download {:?}; \
         under load sign-in {:?} token {:?} download {:?}",
        if app.is_postgres() { "postgres" } else { "sqlite" },
        base_p99.0,
        base_p99.1,
        base_p99.2,
        load_p99.0,
        load_p99.1,
        load_p99.2
    );
    assert!(failures.is_empty(), "sign-in, token issue and download all succeed under load: {failures:?}");
    assert!(!counts.contains_key(&500), "no search is a 500: {counts:?}");
    assert!(rounds >= 3, "the three operations kept answering: {rounds} rounds in {secs}s");
    // Near the usual p99: the server, the 64 searchers and the measured
    // calls share two cores here (and other builds), so the bound leaves
    // room for CPU contention; a starved pool would show as multi-second
    // waits and 503s after DATAGATE_DB_TIMEOUT (5 s). The figures are
    // printed and kept in docs/benchmarks.md.
    for (name, idle, load) in [
        ("sign-in", base_p99.0, load_p99.0),
        ("token issue", base_p99.1, load_p99.1),
        ("download", base_p99.2, load_p99.2),
    ] {
        let bound = (idle * 5).max(idle + Duration::from_millis(1000));
        assert!(load <= bound, "{name}: p99 {load:?} under load, {idle:?} idle (bound {bound:?})");
    }
}

// ---------------------------------------------------------------- (5) client address

async fn access_log_clients(w: &World, publisher_token: Option<&str>) -> Vec<String> {
    let token = publisher_token.unwrap_or(&w.ent.token);
    let log = w.app.get(&format!("/api/v1/access-log?grant={}", w.grant), Some(token)).await.expect(200).json();
    log["items"].as_array().unwrap().iter().map(|e| e["client_addr"].as_str().unwrap_or_default().to_string()).collect()
}

/// A sign-in attempt (unknown account) with these headers; its status.
async fn sign_in_from(app: &TestApp, headers: &[(&str, &str)]) -> u16 {
    let body = json!({"email": "nobody@example.com", "password": PASSWORD});
    app.call_with("POST", "/api/v1/auth/token", None, headers, Some(body)).await.status.as_u16()
}

async fn download_with_headers(w: &World, headers: &[(&str, &str)]) {
    let token = w.app.post(&format!("/api/v1/grants/{}/access-tokens", w.grant), Some(&w.key), json!({})).await;
    let jwt = token.expect(201).json()["access_token"].as_str().unwrap().to_string();
    let auth = format!("Bearer {jwt}");
    let mut all = vec![("Authorization", auth.as_str())];
    all.extend_from_slice(headers);
    w.app.raw("GET", &format!("/api/v1/distributions/{}/file", w.file), &all, Vec::new()).await.expect(200);
}

#[actix_web::test]
async fn a_forged_forwarding_header_from_an_untrusted_peer_is_not_the_client() {
    let w = world_with(|_| {}).await;
    download_with_headers(&w, &[("X-Forwarded-For", "6.6.6.6"), ("Forwarded", "for=7.7.7.7")]).await;
    let clients = access_log_clients(&w, None).await;
    assert!(!clients.is_empty());
    assert!(clients.iter().all(|c| c == "127.0.0.1"), "the peer, not the forged hop: {clients:?}");

    // The sign-in limit counts the peer, whatever address it claims.
    let app = TestApp::spawn_with(|c| c.login_rate = 2).await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let ip = format!("203.0.113.{i}");
        statuses.push(sign_in_from(&app, &[("X-Forwarded-For", &ip)]).await);
    }
    assert!(statuses.contains(&429), "forged addresses do not get fresh buckets: {statuses:?}");
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
    let w = world_with(|c| {
        c.trusted_proxies = datagate::config::parse_proxies("127.0.0.1, 10.0.0.0/8").unwrap();
    })
    .await;
    // The client forged 6.6.6.6; the edge proxy 10.1.2.3 appended the real
    // client 198.51.100.20; the inner proxy (the peer, 127.0.0.1) appended the edge.
    download_with_headers(&w, &[("X-Forwarded-For", "6.6.6.6, 198.51.100.20, 10.1.2.3")]).await;
    download_with_headers(&w, &[("Forwarded", "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https")]).await;
    let clients = access_log_clients(&w, None).await;
    assert!(clients.contains(&"198.51.100.20".to_string()), "{clients:?}");
    assert!(clients.contains(&"2001:db8::7".to_string()), "{clients:?}");
    assert!(!clients.iter().any(|c| c == "6.6.6.6"), "{clients:?}");

    // Rate limits key the same address: two clients behind the proxy have
    // their own buckets, a forged left-most hop changes nothing.
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = datagate::config::parse_proxies("127.0.0.1, 10.0.0.0/8").unwrap();
        c.login_rate = 2;
    })
    .await;
    let mut a = Vec::new();
    for forged in ["1.1.1.1", "2.2.2.2", "3.3.3.3"] {
        let xff = format!("{forged}, 198.51.100.30");
        a.push(sign_in_from(&app, &[("X-Forwarded-For", &xff)]).await);
    }
    assert_eq!(a[2], 429, "the same client behind the proxy, whatever it forges: {a:?}");
    assert_ne!(
        sign_in_from(&app, &[("X-Forwarded-For", "198.51.100.31")]).await,
        429,
        "another client, another bucket"
    );
}

// ---------------------------------------------------------------- (8) CSV injection

#[actix_web::test]
async fn open_list_csv_neutralises_formula_cells_and_xlsx_keeps_them_strings() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, &format!("sq-{}", short_id())).await;
    let p = app.publisher(&admin, &b).await;
    let titles = ["=HYPERLINK(\"http://evil.example\",\"点击\")", "+1+2", "-2+3", "@SUM(A1:A2)"];
    for (i, t) in titles.iter().enumerate() {
        let mut body = dataset_body(&format!("sq-formula-{i}"), t, "unconditional");
        body["summary"] = json!(format!("={i}+1 的摘要"));
        app.quick_dataset(&p, body).await;
    }
    let csv = app.get("/api/v1/open-list.csv", None).await.expect(200).body;
    let text = String::from_utf8_lossy(&csv[3..]).to_string();
    for t in titles {
        let quoted = format!("\"'{}\"", t.replace('"', "\"\""));
        assert!(text.contains(&quoted), "{t} is written as {quoted}: {text}");
    }
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    for rec in reader.records() {
        let rec = rec.unwrap();
        for cell in rec.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a live formula cell: {cell:?}");
        }
    }

    let r = app.get("/api/v1/open-list.xlsx", None).await.expect(200);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.body.clone())).unwrap();
    let formulas = book.worksheet_formula("公共数据资源开放清单").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no cell of the XLSX is a formula");
    let sheet = book.worksheet_range("公共数据资源开放清单").unwrap();
    let cells: Vec<&Data> = sheet.rows().skip(1).map(|row| &row[1]).collect();
    for t in titles {
        assert!(cells.contains(&&Data::String(t.to_string())), "{t} is a string cell: {cells:?}");
    }
    let _: Option<Value> = None;
}
