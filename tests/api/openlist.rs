//! The open list as a document (CSV and XLSX, read back with real readers),
//! and the demo catalogue a newcomer sees.

use serde_json::json;

use crate::helpers::*;

async fn three_datasets() -> (TestApp, Session) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    let mut a = dataset_body("sh-edu-a", "上海市中小学校名录", "unconditional");
    a["temporal_start"] = json!("2015-09-01");
    a["record_count"] = json!(1623);
    app.quick_dataset(&edu, a).await;
    let mut h = dataset_body("sh-edu-b", "学生体质健康监测", "conditional");
    h["domain"] = json!("healthcare");
    app.quick_dataset(&edu, h).await;
    app.create_dataset(&edu, dataset_body("sh-edu-draft", "草稿不列入清单", "unconditional")).await;
    app.quick_dataset(&edu, dataset_body("sh-edu-gone", "撤回不列入清单", "unconditional")).await;
    app.post("/api/v1/datasets/sh-edu-gone/withdraw", Some(&edu.token), json!({"reason": "x"})).await.expect(200);
    (app, edu)
}

#[actix_web::test]
async fn the_csv_has_a_bom_chinese_headers_and_one_row_per_published_dataset() {
    let (app, _) = three_datasets().await;
    let r = app.get("/api/v1/open-list.csv", None).await.expect(200);
    assert!(r.content_type().starts_with("text/csv"));
    assert!(r.header("content-disposition").unwrap().contains("open-list.csv"));
    assert_eq!(&r.body[..3], &[0xEF, 0xBB, 0xBF], "UTF-8 BOM");
    let mut reader = csv::Reader::from_reader(&r.body[3..]);
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    for h in
        ["序号", "数据资源名称", "所属领域", "数据提供部门", "数据摘要", "数据项", "数据格式", "开放条件", "更新频率"]
    {
        assert!(headers.contains(&h.to_string()), "{h} in {headers:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2, "drafts and withdrawn entries are not on the list");
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let titles: Vec<&str> = rows.iter().map(|r| &r[col("数据资源名称")]).collect();
    assert!(titles.contains(&"上海市中小学校名录") && titles.contains(&"学生体质健康监测"));
    let school = rows.iter().find(|r| &r[col("数据资源名称")] == "上海市中小学校名录").unwrap();
    assert_eq!(&school[col("所属领域")], "教育");
    assert_eq!(&school[col("开放条件")], "无条件开放");
    assert_eq!(&school[col("更新频率")], "每月");
    assert_eq!(&school[col("数据项")], "代码(code)");
    assert_eq!(&school[col("数据格式")], "API");
    assert_eq!(&school[col("数据量（条）")], "1623");
    assert_eq!(&school[col("时间范围")], "2015-09-01 至今");
    assert_eq!(&rows[0][col("序号")], "1");
    assert_eq!(&rows[1][col("序号")], "2");

    // Filters like the list endpoint.
    let r = app.get("/api/v1/open-list.csv?domain=healthcare", None).await.expect(200);
    let mut reader = csv::Reader::from_reader(&r.body[3..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][col("开放条件")], "有条件开放");
    app.get("/api/v1/open-list.csv?limit=3", None).await.problem(422);
}

#[actix_web::test]
async fn the_xlsx_reads_back_with_the_same_rows() {
    use calamine::{Reader, Xlsx};
    let (app, _) = three_datasets().await;
    let r = app.get("/api/v1/open-list.xlsx", None).await.expect(200);
    assert_eq!(r.content_type(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.body.clone())).unwrap();
    let sheet = book.worksheet_range("公共数据资源开放清单").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 3, "header and two datasets");
    assert_eq!(rows[0][0], "序号");
    assert_eq!(rows[0][1], "数据资源名称");
    let csv = app.get("/api/v1/open-list.csv", None).await.body;
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    let csv_rows: Vec<Vec<String>> =
        reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    for (x, c) in rows[1..].iter().zip(&csv_rows) {
        assert_eq!(x, c, "XLSX and CSV agree");
    }
}

#[actix_web::test]
async fn the_demo_catalogue_is_populated_searchable_and_downloadable() {
    let app = TestApp::spawn().await;
    let summary = datagate::demo::load(&app.state).await.expect("demo loads");
    assert!(summary.datasets >= 60 && summary.bureaus >= 6, "{summary:?}");
    let all = app.get("/api/v1/datasets?limit=100", None).await.expect(200).json();
    assert!(all["total"].as_i64().unwrap() >= 60);
    let conditions: Vec<&str> =
        all["facets"]["open_condition"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    for c in ["unconditional", "conditional", "not_open"] {
        assert!(conditions.contains(&c));
    }
    let domains: Vec<&str> =
        all["facets"]["domain"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    for d in ["education", "healthcare", "tourism"] {
        assert!(domains.contains(&d));
    }
    let edu = app.get(&format!("/api/v1/datasets?q={}", q("教育")), None).await.expect(200).json();
    assert!(edu["total"].as_i64().unwrap() >= 3, "{}", edu["total"]);
    assert!(edu["facets"]["domain"].as_array().unwrap().iter().any(|d| d["value"] == "education"));
    let hosp = app.get("/api/v1/datasets?q=hospital", None).await.expect(200).json();
    assert!(hosp["total"].as_i64().unwrap() >= 2);
    assert_eq!(hosp["items"][0]["domain"], "healthcare");

    // An unconditional hosted file downloads; a conditional one is refused with the reason.
    let mut downloaded = false;
    let mut refused = false;
    for item in all["items"].as_array().unwrap() {
        let d = app.get(&format!("/api/v1/datasets/{}", item["id"].as_str().unwrap()), None).await.json();
        let Some(file) = d["distributions"].as_array().unwrap().iter().find(|x| x["download_url"].is_string()) else {
            continue;
        };
        let url = file["download_url"].as_str().unwrap();
        match (d["status"].as_str().unwrap(), d["open_condition"].as_str().unwrap()) {
            ("published", "unconditional") if !downloaded => {
                let r = app.get(url, None).await.expect(200);
                use sha2::Digest;
                assert_eq!(hex::encode(sha2::Sha256::digest(&r.body)), file["sha256"].as_str().unwrap());
                downloaded = true;
            }
            ("published", "conditional") if !refused => {
                assert_eq!(app.get(url, None).await.problem(403)["type"], "/problems/grant-required");
                refused = true;
            }
            _ => {}
        }
    }
    assert!(downloaded && refused);
    // The demo refuses a database that is not empty.
    assert!(datagate::demo::load(&app.state).await.is_err());
    // Demo accounts sign in; the administrator with the published second factor.
    app.login(datagate::demo::DEMO_ADMIN, datagate::demo::DEMO_PASSWORD).await.problem(401);
    let secret = datagate::auth::totp::secret_from_base32(datagate::demo::DEMO_ADMIN_TOTP_SECRET).unwrap();
    let otp = datagate::auth::totp::code_at(&secret, app.state.clock.now().timestamp() as u64);
    let body =
        serde_json::json!({"email": datagate::demo::DEMO_ADMIN, "password": datagate::demo::DEMO_PASSWORD, "otp": otp});
    app.post("/api/v1/auth/token", None, body).await.expect(200);
}

#[actix_web::test]
async fn scale_generation_writes_complete_searchable_listings_in_batches() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // Without a bureau there is nothing to file under.
    assert!(datagate::demo::scale::generate(&app.state, 10).await.is_err());
    let b = app.bureau(&admin, "sh-env").await;
    app.publisher(&admin, &b).await;
    let made = datagate::demo::scale::generate(&app.state, 1_203).await.expect("generated");
    assert_eq!(made, 1_203);
    let all = app.get("/api/v1/datasets", Some(&admin.token)).await.expect(200).json();
    assert_eq!(all["total"], 1_203);
    let public = app.get("/api/v1/datasets?limit=100", None).await.json();
    let visible = public["total"].as_i64().unwrap();
    assert!(visible < 1_203 && visible > 1_000, "drafts are hidden: {visible}");
    let conditions = public["facets"]["open_condition"].as_array().unwrap();
    assert_eq!(conditions.len(), 3);
    let sum: i64 = conditions.iter().map(|c| c["count"].as_i64().unwrap()).sum();
    assert_eq!(sum, visible);
    // Searchable in Chinese and English, with revisions and terms like any listing.
    let air = app.get(&format!("/api/v1/datasets?q={}", q("空气质量")), None).await.json();
    assert!(air["total"].as_i64().unwrap() > 0);
    let hosp = app.get("/api/v1/datasets?q=hospitals", None).await.json();
    assert!(hosp["total"].as_i64().unwrap() > 0);
    let item = &hosp["items"][0];
    let d = app.get(&format!("/api/v1/datasets/{}", item["id"].as_str().unwrap()), None).await.expect(200).json();
    assert_eq!(d["distributions"].as_array().unwrap().len(), 1);
    if d["open_condition"] != "unconditional" {
        assert_eq!(d["terms"]["version"], 1);
    }
    let revs = app.get(&format!("/api/v1/datasets/{}/revisions", item["id"].as_str().unwrap()), None).await.json();
    assert_eq!(revs["total"], 1);
    // One corpus per hundred datasets, published through the ordinary service.
    let corpora = app.get("/api/v1/corpora", None).await.expect(200).json();
    assert_eq!(corpora["total"], 12);
    assert_eq!(corpora["facets"]["modality"].as_array().unwrap().len(), 4);
    // A second run adds more without clashing names.
    datagate::demo::scale::generate(&app.state, 5).await.expect("again");
    assert_eq!(app.get("/api/v1/datasets", Some(&admin.token)).await.json()["total"], 1_208);
}
