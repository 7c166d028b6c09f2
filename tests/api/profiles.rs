//! Profiles: computed in the background after an upload and after a
//! replacement, for every tabular format; shown in full for open data and to
//! the owner, protected (k-threshold, rounded ranges, no sample) for
//! conditional data; picked up again after a crash.

use serde_json::{Value, json};

use crate::helpers::*;
use datagate::profiles::jobs::Runner;

/// Waits until the profile is no longer pending or running.
pub async fn settled_profile(app: &TestApp, dist: &str, token: Option<&str>) -> Value {
    for _ in 0..600 {
        let p = app.get(&format!("/api/v1/distributions/{dist}/profile"), token).await.expect(200).json();
        if p["state"] != "pending" && p["state"] != "running" {
            return p;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the profile of {dist} never settled");
}

fn runner(app: &TestApp) -> Runner {
    Runner::new(&app.state.db, &app.state.storage, &app.state.clock, &app.data_dir())
}

/// Adds a hosted distribution of `format` to `dataset` and uploads `bytes`.
pub async fn upload(app: &TestApp, who: &Session, dataset: &str, format: &str, file: &str, bytes: Vec<u8>) -> Value {
    let d = app
        .post(
            &format!("/api/v1/datasets/{dataset}/distributions"),
            Some(&who.token),
            json!({"name": file, "format": format}),
        )
        .await
        .expect(201)
        .json();
    let id = d["id"].as_str().unwrap();
    app.raw(
        "PUT",
        &format!("/api/v1/distributions/{id}/file?file_name={file}"),
        &[("Authorization", &format!("Bearer {}", who.token))],
        bytes,
    )
    .await
    .expect(200)
    .json()
}

fn visits_csv() -> String {
    let mut s = String::from("district,month,visits,clinic\n");
    for i in 0..60 {
        let district = if i < 40 {
            "浦东新区"
        } else if i < 57 {
            "黄浦区"
        } else {
            "崇明区"
        };
        s.push_str(&format!("{district},2024-{:02}-01,{},clinic-{}\n", 1 + i % 12, 17 + i, i % 7));
    }
    s
}

fn column<'a>(p: &'a Value, name: &str) -> &'a Value {
    p["columns"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()
}

#[actix_web::test]
async fn an_open_csv_is_profiled_in_full_after_upload_and_again_after_replacement() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-health").await;
    let pubr = app.publisher(&admin, &b).await;
    app.create_dataset(&pubr, dataset_body("open-visits", "门诊量", "unconditional")).await;
    let d = upload(&app, &pubr, "open-visits", "CSV", "visits.csv", visits_csv().into_bytes()).await;
    let id = d["id"].as_str().unwrap();
    app.post("/api/v1/datasets/open-visits/publish", Some(&pubr.token), json!({})).await.expect(200);

    let p = settled_profile(&app, id, None).await;
    assert_eq!(p["state"], "ready", "{p}");
    assert_eq!(p["disclosure"], "full");
    assert_eq!(p["rows"], 60);
    assert_eq!(p["format"], "csv");
    assert_eq!(p["sha256"], d["sha256"]);
    let district = column(&p, "district");
    assert_eq!(district["inferred_type"], "text");
    assert_eq!(district["distinct"], json!({"count": 3, "exact": true}));
    assert_eq!(district["top_values"][0], json!({"value": "浦东新区", "count": 40}));
    assert_eq!(district["top_values"][2], json!({"value": "崇明区", "count": 3}));
    let visits = column(&p, "visits");
    assert_eq!(visits["inferred_type"], "integer");
    assert_eq!(visits["numeric"]["min"], 17);
    assert_eq!(visits["numeric"]["max"], 76);
    assert_eq!(visits["numeric"]["mean"], 46.5);
    assert_eq!(visits["numeric"]["quantiles"]["p50"], 46);
    assert_eq!(column(&p, "month")["inferred_type"], "date");
    assert_eq!(column(&p, "month")["numeric"]["min"], "2024-01-01");
    assert_eq!(p["sample"].as_array().unwrap().len(), 5);
    assert!(p["k_threshold"].is_null());

    // Replacing the file recomputes the profile for the new file.
    let replaced = app
        .raw(
            "PUT",
            &format!("/api/v1/distributions/{id}/file"),
            &[("Authorization", &format!("Bearer {}", pubr.token))],
            b"district,visits\nA,1\nB,2\n".to_vec(),
        )
        .await
        .expect(200)
        .json();
    let p = settled_profile(&app, id, None).await;
    assert_eq!(p["sha256"], replaced["sha256"]);
    assert_eq!(p["rows"], 2);
    assert_eq!(p["columns"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn a_conditional_profile_is_protected_for_others_and_full_for_the_bureau() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-health").await;
    let pubr = app.publisher(&admin, &b).await;
    let ent = app.verified_enterprise(&admin, "上海智算未来科技有限公司").await;
    app.create_dataset(&pubr, dataset_body("cond-visits", "门诊量（有条件）", "conditional")).await;
    let d = upload(&app, &pubr, "cond-visits", "CSV", "visits.csv", visits_csv().into_bytes()).await;
    let id = d["id"].as_str().unwrap().to_string();
    app.post("/api/v1/datasets/cond-visits/publish", Some(&pubr.token), json!({})).await.expect(200);

    // The owner sees everything, rare values included.
    let full = settled_profile(&app, &id, Some(&pubr.token)).await;
    assert_eq!(full["disclosure"], "full");
    assert_eq!(column(&full, "district")["top_values"].as_array().unwrap().len(), 3);

    // Others see the protected form: 崇明区 occurs 3 times < k = 10, and
    // clinic-* values occur at most 9 times: all suppressed.
    for token in [None, Some(ent.token.as_str())] {
        let p = settled_profile(&app, &id, token).await;
        assert_eq!(p["disclosure"], "protected");
        assert_eq!(p["k_threshold"], 10);
        let top: Vec<&str> = column(&p, "district")["top_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_str().unwrap())
            .collect();
        assert_eq!(top, vec!["浦东新区", "黄浦区"]);
        assert!(column(&p, "clinic")["top_values"].as_array().unwrap().is_empty());
        // 17..76 becomes the range 10..80, rounded outward.
        assert_eq!(column(&p, "visits")["numeric"]["min"], 10.0);
        assert_eq!(column(&p, "visits")["numeric"]["max"], 80.0);
        assert_eq!(column(&p, "month")["numeric"]["min"], "2024-01");
        assert!(p["sample"].is_null(), "no sample of conditional data: {p}");
        assert!(!p.to_string().contains("崇明区"));
    }

    // The bureau lowers k to 3 and publishes the sample.
    let settings = json!({"k_threshold": 3, "sample_public": true});
    app.call("PUT", &format!("/api/v1/distributions/{id}/disclosure"), Some(&pubr.token), Some(settings.clone()))
        .await
        .expect(200);
    let p = settled_profile(&app, &id, Some(&ent.token)).await;
    assert_eq!(p["k_threshold"], 3);
    assert_eq!(column(&p, "district")["top_values"][2]["value"], "崇明区");
    assert_eq!(p["sample"].as_array().unwrap().len(), 5);
    // An enterprise may not change it.
    app.call("PUT", &format!("/api/v1/distributions/{id}/disclosure"), Some(&ent.token), Some(settings))
        .await
        .problem(403);

    // The bureau withholds the profile altogether.
    app.call(
        "PUT",
        &format!("/api/v1/distributions/{id}/disclosure"),
        Some(&pubr.token),
        Some(json!({"profile_public": false})),
    )
    .await
    .expect(200);
    let problem = app.get(&format!("/api/v1/distributions/{id}/profile"), Some(&ent.token)).await.problem(403);
    assert!(problem["type"].as_str().unwrap().ends_with("profile-not-public"), "{problem}");
    app.get(&format!("/api/v1/distributions/{id}/profile"), Some(&pubr.token)).await.expect(200);

    // Bad settings are 422 with field errors.
    let bad = app
        .call(
            "PUT",
            &format!("/api/v1/distributions/{id}/disclosure"),
            Some(&pubr.token),
            Some(json!({"k_threshold": 1, "columns": [{"kind": "numeric", "name": "visits", "lower": 5, "upper": 1}]})),
        )
        .await
        .problem(422);
    let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["k_threshold", "columns[0]"]);
}

fn xlsx_bytes() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "district").unwrap();
    sheet.write_string(0, 1, "visits").unwrap();
    for i in 0..20u32 {
        sheet.write_string(i + 1, 0, if i % 2 == 0 { "浦东新区" } else { "黄浦区" }).unwrap();
        sheet.write_number(i + 1, 1, (i * 10) as f64).unwrap();
    }
    book.save_to_buffer().unwrap()
}

fn parquet_bytes() -> Vec<u8> {
    use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;
    let schema = Arc::new(
        parse_message_type("message visits { REQUIRED BYTE_ARRAY district (UTF8); REQUIRED INT64 visits; }").unwrap(),
    );
    let mut out = Vec::new();
    let mut writer =
        SerializedFileWriter::new(&mut out, schema, Arc::new(WriterProperties::builder().build())).unwrap();
    let mut group = writer.next_row_group().unwrap();
    let districts: Vec<ByteArray> =
        (0..20).map(|i| ByteArray::from(if i % 2 == 0 { "浦东新区" } else { "黄浦区" })).collect();
    let mut col = group.next_column().unwrap().unwrap();
    col.typed::<ByteArrayType>().write_batch(&districts, None, None).unwrap();
    col.close().unwrap();
    let visits: Vec<i64> = (0..20).map(|i| i * 10).collect();
    let mut col = group.next_column().unwrap().unwrap();
    col.typed::<Int64Type>().write_batch(&visits, None, None).unwrap();
    col.close().unwrap();
    group.close().unwrap();
    writer.close().unwrap();
    out
}

#[actix_web::test]
async fn every_tabular_format_is_profiled_and_others_are_marked_unsupported() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-health").await;
    let pubr = app.publisher(&admin, &b).await;
    app.create_dataset(&pubr, dataset_body("formats", "格式", "unconditional")).await;
    let mut tsv = String::from("district\tvisits\n");
    let mut jsonl = String::new();
    for i in 0..20 {
        let district = if i % 2 == 0 { "浦东新区" } else { "黄浦区" };
        tsv.push_str(&format!("{district}\t{}\n", i * 10));
        jsonl.push_str(&json!({"district": district, "visits": i * 10}).to_string());
        jsonl.push('\n');
    }
    let files = [
        ("TSV", "v.tsv", tsv.into_bytes()),
        ("JSONL", "v.jsonl", jsonl.into_bytes()),
        ("XLSX", "v.xlsx", xlsx_bytes()),
        ("PARQUET", "v.parquet", parquet_bytes()),
    ];
    for (format, name, bytes) in files {
        let d = upload(&app, &pubr, "formats", format, name, bytes).await;
        let p = settled_profile(&app, d["id"].as_str().unwrap(), Some(&pubr.token)).await;
        assert_eq!(p["state"], "ready", "{format}: {p}");
        assert_eq!(p["rows"], 20, "{format}");
        assert_eq!(column(&p, "district")["distinct"]["count"], 2, "{format}");
        assert_eq!(column(&p, "district")["top_values"][0]["count"], 10, "{format}");
        assert_eq!(column(&p, "visits")["inferred_type"], "integer", "{format}");
        assert_eq!(column(&p, "visits")["numeric"]["max"], 190, "{format}");
        assert_eq!(column(&p, "visits")["numeric"]["quantiles"]["p50"], 90, "{format}");
    }
    let pdf = upload(&app, &pubr, "formats", "PDF", "r.pdf", b"%PDF-1.4".to_vec()).await;
    let p = app.get(&format!("/api/v1/distributions/{}/profile", pdf["id"].as_str().unwrap()), Some(&pubr.token)).await;
    assert_eq!(p.expect(200).json()["state"], "unsupported");
    let broken = upload(&app, &pubr, "formats", "JSONL", "b.jsonl", b"{\"a\": 1}\nnot json\n".to_vec()).await;
    let p = settled_profile(&app, broken["id"].as_str().unwrap(), Some(&pubr.token)).await;
    assert_eq!(p["state"], "failed");
    assert!(p["error"].as_str().unwrap().contains("line 2"), "{p}");
}

#[actix_web::test]
async fn a_profile_left_running_by_a_crash_or_never_queued_is_picked_up_by_the_sweep() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-health").await;
    let pubr = app.publisher(&admin, &b).await;
    app.create_dataset(&pubr, dataset_body("crash", "崩溃", "unconditional")).await;
    let d = upload(&app, &pubr, "crash", "CSV", "v.csv", visits_csv().into_bytes()).await;
    let id = d["id"].as_str().unwrap();
    settled_profile(&app, id, Some(&pubr.token)).await;

    // A worker died mid-profile: the row says running, its lease ran out.
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M:%S");
    app.sql(&format!(
        "UPDATE distribution_profiles SET state = 'running', profile = NULL, attempts = 1, lease_until = '{past}' \
         WHERE distribution_id = '{id}'"
    ))
    .await
    .unwrap();
    // A live lease is left alone …
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).format("%Y-%m-%d %H:%M:%S");
    let other = upload(&app, &pubr, "crash", "CSV", "w.csv", b"a\n1\n".to_vec()).await;
    let other_id = other["id"].as_str().unwrap();
    settled_profile(&app, other_id, Some(&pubr.token)).await;
    app.sql(&format!(
        "UPDATE distribution_profiles SET state = 'running', lease_until = '{future}' WHERE distribution_id = '{other_id}'"
    ))
    .await
    .unwrap();
    assert_eq!(runner(&app).sweep().await.unwrap(), 1);
    let p = app.get(&format!("/api/v1/distributions/{id}/profile"), Some(&pubr.token)).await.expect(200).json();
    assert_eq!((p["state"].clone(), p["rows"].clone()), (json!("ready"), json!(60)));
    let o = app.get(&format!("/api/v1/distributions/{other_id}/profile"), Some(&pubr.token)).await.expect(200).json();
    assert_eq!(o["state"], "running");

    // A file with no profile row at all (uploaded before profiles existed).
    app.sql(&format!("DELETE FROM distribution_profiles WHERE distribution_id = '{id}'")).await.unwrap();
    assert_eq!(runner(&app).sweep().await.unwrap(), 1);
    let p = app.get(&format!("/api/v1/distributions/{id}/profile"), Some(&pubr.token)).await.expect(200).json();
    assert_eq!(p["state"], "ready");

    // A job that failed for a passing reason three times is marked failed, not retried forever.
    app.sql(&format!(
        "UPDATE distribution_profiles SET state = 'running', attempts = 3, lease_until = '{past}' WHERE distribution_id = '{id}'"
    ))
    .await
    .unwrap();
    assert_eq!(runner(&app).sweep().await.unwrap(), 0);
    let p = app.get(&format!("/api/v1/distributions/{id}/profile"), Some(&pubr.token)).await.expect(200).json();
    assert_eq!(p["state"], "failed");
    assert!(p["error"].as_str().unwrap().contains("interrupted"), "{p}");
}
