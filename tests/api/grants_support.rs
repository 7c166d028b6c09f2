//! The world of the grant tests (`grants.rs`, `grants_use.rs`): a bureau
//! with a published conditional dataset, a verified enterprise with an API
//! key, and the steps from request to token.

use serde_json::{Value, json};

use crate::helpers::*;

pub struct World {
    pub app: TestApp,
    pub admin: Session,
    pub edu: Session,
    pub ent: Session,
    pub key: String,
    pub dataset: Value,
    pub file: Value,
}

pub async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let b = app.bureau(&admin, "sh-edu").await;
    let edu = app.publisher(&admin, &b).await;
    let ent = app.verified_enterprise(&admin, "上海智算未来科技有限公司").await;
    let key =
        app.post("/api/v1/api-keys", Some(&ent.token), json!({"name": "pipeline"})).await.expect(201).json()["secret"]
            .as_str()
            .unwrap()
            .to_string();
    let (dataset, file) = app.published_dataset(&edu, "sh-edu-students", "学生学籍信息", "conditional").await;
    World { app, admin, edu, ent, key, dataset, file }
}

pub fn request_body(w: &World) -> Value {
    json!({
        "listing": "sh-edu-students",
        "purpose_category": "model_training",
        "purpose": "训练面向教育规划的学位需求预测模型",
        "scenario": "在企业内部隔离的训练集群中处理，不出境",
        "duration_days": 90,
        "security_measures": "数据加密存储，访问留痕，训练后删除原始数据",
        "terms_version": w.dataset["terms"]["version"]
    })
}

/// Submits, consents and approves; returns the grant.
pub async fn granted(w: &World) -> Value {
    let r = w.app.post("/api/v1/access-requests", Some(&w.key), request_body(w)).await.expect(201).json();
    let id = r["id"].as_str().unwrap();
    w.app
        .post(
            &format!("/api/v1/access-requests/{id}/opinion"),
            Some(&w.edu.token),
            json!({"opinion": "consent", "comment": "同意"}),
        )
        .await
        .expect(200);
    let a = w
        .app
        .post(
            &format!("/api/v1/access-requests/{id}/approve"),
            Some(&w.admin.token),
            json!({"conditions": "仅限境内使用"}),
        )
        .await
        .expect(200)
        .json();
    a["grant"].clone()
}

pub async fn token(w: &World, grant: &Value) -> Value {
    w.app
        .post(&format!("/api/v1/grants/{}/access-tokens", grant["id"].as_str().unwrap()), Some(&w.key), json!({}))
        .await
        .expect(201)
        .json()
}

pub fn file_url(w: &World) -> String {
    format!("/api/v1/distributions/{}/file", w.file["id"].as_str().unwrap())
}

pub fn audit_actions(app: &TestApp) -> Vec<String> {
    use datagate::db::schema::audit_log::dsl::*;
    use diesel::prelude::*;
    let mut conn = app.state.db.get().unwrap();
    audit_log.order(seq.asc()).select(action).load::<String>(&mut *conn).unwrap()
}
