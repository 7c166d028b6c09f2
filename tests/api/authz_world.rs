//! The world the authorisation matrix (`authz_matrix.rs`) and the leak
//! tests run against: one caller of each kind and the objects each owns,
//! fixed ones named by placeholders and fresh ones made per cell.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::authz_matrix::{CALLERS, DISTRIBUTION, REQUEST};
use crate::helpers::*;

/// The callers and the objects the matrix runs against.
pub struct World {
    pub app: TestApp,
    pub admin: Session,
    pub pub_x: Session,
    pub ent_a: Session,
    /// Each caller's bearer credential, in the order of [`CALLERS`].
    pub tokens: [Option<String>; 8],
    pub fixed: HashMap<&'static str, String>,
}

fn str_of(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}")).to_string()
}

/// A registration body for a new enterprise.
fn enterprise_registration() -> (Value, String) {
    let email = format!("owner-{}@example.cn", short_id());
    (registration(&format!("矩阵企业{}", short_id()), &valid_uscc(), &email), email)
}

impl World {
    /// The bearer credential of the caller named as in [`CALLERS`].
    pub fn token(&self, caller: &str) -> Option<&str> {
        let i = CALLERS.iter().position(|c| *c == caller).unwrap_or_else(|| panic!("no caller {caller}"));
        self.tokens[i].as_deref()
    }

    /// A fixed object of the world, as named by its placeholder.
    pub fn id(&self, name: &str) -> &str {
        self.fixed.get(name).unwrap_or_else(|| panic!("no object {name}"))
    }

    pub async fn build() -> World {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let bureau_x = app.bureau(&admin, "m-bureau-x").await;
        let bureau_y = app.bureau(&admin, "m-bureau-y").await;
        let pub_x = app.publisher(&admin, &bureau_x).await;
        let pub_y = app.publisher(&admin, &bureau_y).await;
        let ent_a = app.verified_enterprise(&admin, "甲智能科技有限公司").await;
        let ent_b = app.verified_enterprise(&admin, "乙智能科技有限公司").await;
        let (unverified_id, unverified_email) = app.register("丙智能科技有限公司").await;
        let unverified = app.session(&unverified_email).await;
        let suspended = app.verified_enterprise(&admin, "丁智能科技有限公司").await;
        app.post(
            &format!("/api/v1/enterprises/{}/suspend", suspended.org_id),
            Some(&admin.token),
            json!({"reason": "x"}),
        )
        .await
        .expect(200);

        let mut fixed: HashMap<&'static str, String> = HashMap::new();
        // Bureau X's draft dataset with a hosted file, its published open and
        // conditional datasets, a draft corpus.
        app.create_dataset(&pub_x, dataset_body("m-draft-x", "草稿数据集", "conditional")).await;
        let dist_draft = app.add_file(&pub_x, "m-draft-x", b"code\n1\n").await;
        let (_, dist_open) = app.published_dataset(&pub_x, "m-open-x", "开放数据集", "unconditional").await;
        let (_, dist_cond) = app.published_dataset(&pub_x, "m-cond-x", "有条件数据集", "conditional").await;
        app.create_corpus(&pub_x, corpus_body("m-corpus-draft-x", "草稿语料", "text", "unconditional", &["m-open-x"]))
            .await;
        // A's pending request, A's grant and a data token of it.
        let w = World { app, admin, pub_x, ent_a, tokens: Default::default(), fixed: HashMap::new() };
        let req_a = w.request_a().await;
        let grant_a = w.grant_a().await;
        let data_token = w
            .app
            .post(&format!("/api/v1/grants/{grant_a}/access-tokens"), Some(&w.ent_a.token), json!({}))
            .await
            .expect(201)
            .json();
        let World { app, admin, pub_x, ent_a, .. } = w;

        fixed.insert("bureau_x", bureau_x);
        fixed.insert("bureau_y", bureau_y);
        fixed.insert("ent_a", ent_a.org_id.clone());
        fixed.insert("ent_b", ent_b.org_id.clone());
        fixed.insert("unverified", unverified_id);
        fixed.insert("email_a", ent_a.email.clone());
        fixed.insert("password", PASSWORD.to_string());
        fixed.insert("draft_x", "m-draft-x".into());
        fixed.insert("open_x", "m-open-x".into());
        fixed.insert("cond_x", "m-cond-x".into());
        fixed.insert("corpus_draft_x", "m-corpus-draft-x".into());
        fixed.insert("dist_draft_x", str_of(&dist_draft, "id"));
        fixed.insert("dist_open_x", str_of(&dist_open, "id"));
        fixed.insert("dist_cond_x", str_of(&dist_cond, "id"));
        fixed.insert("req_a", req_a);
        fixed.insert("grant_a", grant_a);
        fixed.insert("data_token_a", str_of(&data_token, "access_token"));
        fixed.insert("nonexistent", uuid::Uuid::new_v4().to_string());

        let tokens = [
            None,
            Some(unverified.token),
            Some(ent_a.token.clone()),
            Some(ent_b.token),
            Some(suspended.token),
            Some(pub_x.token.clone()),
            Some(pub_y.token),
            Some(admin.token.clone()),
        ];
        World { app, admin, pub_x, ent_a, tokens, fixed }
    }

    /// A published conditional dataset of bureau X with one hosted file; its name.
    async fn cond_x(&self) -> String {
        let name = format!("m-cond-{}", short_id());
        self.app.published_dataset(&self.pub_x, &name, "有条件数据集", "conditional").await;
        name
    }

    /// A submitted access request of enterprise A for a fresh conditional dataset.
    async fn request_a(&self) -> String {
        let listing = self.cond_x().await;
        let body = REQUEST.replace("<new_cond_x>", &listing);
        let body: Value = serde_json::from_str(&body).expect("request body");
        str_of(&self.app.post("/api/v1/access-requests", Some(&self.ent_a.token), body).await.expect(201).json(), "id")
    }

    /// An active grant of enterprise A.
    async fn grant_a(&self) -> String {
        let request = self.request_a().await;
        let approved = self
            .app
            .post(&format!("/api/v1/access-requests/{request}/approve"), Some(&self.admin.token), json!({}))
            .await
            .expect(200)
            .json();
        str_of(&approved["grant"], "id")
    }

    /// A draft dataset of bureau X with an external distribution (so it can be published).
    async fn draft_x(&self) -> String {
        let name = format!("m-draft-{}", short_id());
        self.app.create_dataset(&self.pub_x, dataset_body(&name, "草稿", "unconditional")).await;
        self.app
            .post(
                &format!("/api/v1/datasets/{name}/distributions"),
                Some(&self.pub_x.token),
                serde_json::from_str(DISTRIBUTION).expect("distribution"),
            )
            .await
            .expect(201);
        name
    }

    /// A draft corpus of bureau X with an external distribution.
    async fn corpus_draft_x(&self) -> String {
        let name = format!("m-corpus-{}", short_id());
        self.app
            .create_corpus(&self.pub_x, corpus_body(&name, "草稿语料", "text", "unconditional", &["m-open-x"]))
            .await;
        self.app
            .post(
                &format!("/api/v1/corpora/{name}/distributions"),
                Some(&self.pub_x.token),
                serde_json::from_str(DISTRIBUTION).expect("distribution"),
            )
            .await
            .expect(201);
        name
    }

    /// A registered enterprise, then moved through `decisions` by the admin; its id.
    async fn enterprise(&self, decisions: &[&str]) -> String {
        let (body, _) = enterprise_registration();
        let id = str_of(&self.app.post("/api/v1/enterprises", None, body).await.expect(201).json()["enterprise"], "id");
        for d in decisions {
            self.app
                .post(&format!("/api/v1/enterprises/{id}/{d}"), Some(&self.admin.token), json!({"reason": "x"}))
                .await
                .expect(200);
        }
        id
    }

    /// Creates the object a `<new_…>` placeholder names; returns what replaces it.
    async fn fresh(&self, name: &str) -> String {
        let app = &self.app;
        match name {
            "new_draft_x" => self.draft_x().await,
            "new_open_x" => {
                let name = format!("m-open-{}", short_id());
                app.quick_dataset(&self.pub_x, dataset_body(&name, "开放", "unconditional")).await;
                name
            }
            "new_cond_x" => self.cond_x().await,
            "new_corpus_draft_x" => self.corpus_draft_x().await,
            "new_corpus_x" => {
                let name = format!("m-corpus-{}", short_id());
                app.quick_corpus(&self.pub_x, corpus_body(&name, "语料", "text", "unconditional", &["m-open-x"])).await;
                name
            }
            "new_dist_x" => {
                let name = format!("m-draft-{}", short_id());
                app.create_dataset(&self.pub_x, dataset_body(&name, "草稿", "unconditional")).await;
                let d = app
                    .post(
                        &format!("/api/v1/datasets/{name}/distributions"),
                        Some(&self.pub_x.token),
                        json!({"name": "文件", "format": "CSV"}),
                    )
                    .await
                    .expect(201)
                    .json();
                str_of(&d, "id")
            }
            "new_pending_ent" => self.enterprise(&[]).await,
            "new_verified_ent" => self.enterprise(&["verify"]).await,
            "new_suspended_ent" => self.enterprise(&["verify", "suspend"]).await,
            "new_request_a" => self.request_a().await,
            "new_grant_a" => self.grant_a().await,
            "new_key_a" => {
                let k = app.post("/api/v1/api-keys", Some(&self.ent_a.token), json!({"name": "k"})).await.expect(201);
                str_of(&k.json(), "id")
            }
            "new_member_a" => {
                let body = json!({"email": format!("m-{}@example.cn", short_id()), "password": PASSWORD});
                let path = format!("/api/v1/enterprises/{}/users", self.ent_a.org_id);
                str_of(&app.post(&path, Some(&self.ent_a.token), body).await.expect(201).json(), "id")
            }
            "new_publisher_x" => {
                let body = json!({"email": format!("p-{}@city.gov.cn", short_id()), "password": PASSWORD});
                let path = format!("/api/v1/bureaus/{}/users", self.fixed["bureau_x"]);
                str_of(&app.post(&path, Some(&self.admin.token), body).await.expect(201).json(), "id")
            }
            "new_refresh_a" => {
                str_of(&app.login(&self.ent_a.email, PASSWORD).await.expect(200).json(), "refresh_token")
            }
            "uniq" => short_id(),
            "uscc" => valid_uscc(),
            other => self.fixed.get(other).cloned().unwrap_or_else(|| panic!("unknown placeholder <{other}>")),
        }
    }

    /// Replaces every `<placeholder>` in `template`, creating fresh objects
    /// once per `cell` (the cache).
    pub async fn resolve(&self, template: &str, cell: &mut HashMap<String, String>) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('<') {
            let Some(len) = rest[start..].find('>') else { break };
            let name = &rest[start + 1..start + len];
            out.push_str(&rest[..start]);
            let value = match cell.get(name) {
                Some(v) => v.clone(),
                None => {
                    let v = self.fresh(name).await;
                    cell.insert(name.to_string(), v.clone());
                    v
                }
            };
            out.push_str(&value);
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }
}
