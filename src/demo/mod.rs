//! The demo catalogue: Shanghai's bureaus and their open-list datasets with
//! small generated files, training corpora of every modality derived from
//! them, plus demo accounts, so that a newcomer sees a populated service with
//! one command. `scale` generates synthetic listings for load tests.

mod corpora;
pub mod files;
pub mod privacy;
pub mod scale;

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::audit::{self, Actor};
use crate::auth::{Caller, Credential, password};
use crate::db::schema::organisations;
use crate::db::{DbConn, write_tx};
use crate::distributions::api::{NewDistribution, add, attach_file, validate};
use crate::distributions::storage::StoredFile;
use crate::error::{AppError, AppResult};
use crate::listings::datasets::{Dataset, DatasetInput};
use crate::listings::input::{CommonInput, ListingContact};
use crate::listings::{DataItem, ListingKind, OpenCondition, UpdateFrequency, service};
use crate::orgs::{OrgId, OrgKind, OrgStatus, Organisation, Role, User, UserId, model as org_model};

/// The password of every demo account. The demo is for trying datagate out
/// on one machine; never load it into a production database.
pub const DEMO_PASSWORD: &str = "datagate-demo-2026";
pub const DEMO_ADMIN: &str = "admin@demo.datagate.local";
pub const DEMO_ENTERPRISE_OWNER: &str = "owner@zhisuan-demo.example.cn";
/// The demo administrator's second factor (TOTP, base32), published like the
/// password: add it to an authenticator app, or compute codes from it
/// (`.ci/fuzz`, `bench/setup.py`). A real administrator gets a random one.
pub const DEMO_ADMIN_TOTP_SECRET: &str = "DATAGATEDEMOADMINONLYNOTASECRET2";

const CATALOGUE: &str = include_str!("catalogue.json");

#[derive(Debug, Deserialize)]
struct Catalogue {
    bureaus: Vec<DemoBureau>,
    datasets: Vec<DemoDataset>,
}

#[derive(Debug, Deserialize)]
struct DemoBureau {
    code: String,
    name: String,
    name_en: String,
    contact: DemoContact,
}

#[derive(Debug, Clone, Deserialize)]
struct DemoContact {
    name: String,
    phone: String,
    email: String,
}

#[derive(Debug, Clone, Deserialize)]
struct DemoDataset {
    name: String,
    bureau: String,
    domain: String,
    title: String,
    title_en: String,
    summary: String,
    summary_en: String,
    open_condition: OpenCondition,
    open_condition_reason: Option<String>,
    legal_basis: Option<String>,
    update_frequency: UpdateFrequency,
    temporal_start: Option<chrono::NaiveDate>,
    temporal_end: Option<chrono::NaiveDate>,
    spatial_coverage: Option<String>,
    record_count: Option<i64>,
    keywords: Vec<String>,
    licence: String,
    terms: Option<String>,
    data_items: Vec<DataItem>,
    distributions: Vec<DemoDistribution>,
}

#[derive(Debug, Clone, Deserialize)]
struct DemoDistribution {
    name: String,
    format: String,
    media_type: String,
    kind: String,
    access_url: Option<String>,
}

/// What the demo created.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub bureaus: usize,
    pub datasets: usize,
    pub corpora: usize,
    pub files: usize,
}

/// Whether the database holds no organisations yet.
pub fn is_empty(conn: &mut DbConn) -> AppResult<bool> {
    let n: i64 = organisations::table.count().get_result(conn)?;
    Ok(n == 0)
}

fn demo_user(org: OrgId, email: &str, role: Role, hash: &str, now: chrono::NaiveDateTime) -> User {
    User {
        id: UserId::new(),
        organisation_id: org,
        email: email.to_string(),
        display_name: None,
        password_hash: hash.to_string(),
        role,
        created_at: now,
        updated_at: now,
        removed_at: None,
    }
}

fn organisation(
    kind: OrgKind,
    name: &str,
    name_en: &str,
    code: &str,
    status: OrgStatus,
    now: chrono::NaiveDateTime,
) -> Organisation {
    Organisation {
        id: OrgId::new(),
        kind,
        name: name.to_string(),
        name_en: Some(name_en.to_string()),
        code: Some(code.to_string()),
        code_check_failed: false,
        contact_name: None,
        contact_phone: None,
        contact_email: None,
        status,
        status_reason: None,
        status_changed_by: None,
        status_changed_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// Loads the demo into an empty database: the platform and its administrator,
/// the bureaus with one publisher each, a verified AI enterprise, and the
/// datasets (most published, one withdrawn, one still a draft).
pub async fn load(state: &AppState) -> Result<DemoSummary, String> {
    let catalogue: Catalogue = serde_json::from_str(CATALOGUE).map_err(|e| format!("demo catalogue: {e}"))?;
    // Files first (the store is asynchronous); the database work then happens
    // in one transaction, so a failure leaves the database as it was.
    let mut files: Vec<Vec<Option<StoredFile>>> = Vec::new();
    for ds in &catalogue.datasets {
        let mut per = Vec::new();
        for d in &ds.distributions {
            per.push(if d.kind == "file" {
                let bytes = files::sample(&ds.name, &ds.data_items, &d.format);
                Some(state.storage.put_bytes(bytes.into()).await.map_err(|e| format!("demo file: {e:?}"))?)
            } else {
                None
            });
        }
        files.push(per);
    }
    let demo_corpora = corpora::catalogue()?;
    let mut corpus_files: Vec<Vec<Option<StoredFile>>> = Vec::new();
    for c in &demo_corpora {
        let mut per = Vec::new();
        for d in c.distributions() {
            per.push(if d.kind == "file" {
                let bytes = corpora::sample_csv(c);
                Some(state.storage.put_bytes(bytes.into()).await.map_err(|e| format!("demo file: {e:?}"))?)
            } else {
                None
            });
        }
        corpus_files.push(per);
    }
    let visits =
        state.storage.put_bytes(privacy::visits_csv().into()).await.map_err(|e| format!("demo file: {e:?}"))?;
    let hash = password::hash(DEMO_PASSWORD).map_err(|e| e.to_string())?;
    let now = state.clock.db_now();
    let seal = state.seal.clone();
    let summary = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                let (mut summary, publishers) = populate(conn, &catalogue, files, visits, &hash, now)?;
                let admin = org_model::find_live_user_by_email(conn, DEMO_ADMIN)?
                    .ok_or_else(|| AppError::internal("demo admin missing"))?;
                let secret = crate::auth::totp::secret_from_base32(DEMO_ADMIN_TOTP_SECRET)?;
                crate::auth::totp::store_secret(conn, &seal, admin.id, &secret, true, now)?;
                let (n, f) =
                    corpora::populate(conn, &demo_corpora, corpus_files, &catalogue.bureaus, &publishers, now)?;
                summary.corpora = n;
                summary.files += f;
                Ok::<_, AppError>(summary)
            })
        })
        .await
        .map_err(|e| format!("loading the demo failed: {e}"))?;
    Ok(summary)
}

fn populate(
    conn: &mut DbConn,
    catalogue: &Catalogue,
    files: Vec<Vec<Option<StoredFile>>>,
    visits: StoredFile,
    hash: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<(DemoSummary, Vec<(String, Caller)>)> {
    if !is_empty(conn)? {
        return Err(AppError::conflict("the database is not empty; the demo loads only into an empty one"));
    }
    let platform =
        organisation(OrgKind::Platform, "数据开放平台运营方", "Platform operator", "platform", OrgStatus::Active, now);
    org_model::insert_org(conn, &platform)?;
    let admin = demo_user(platform.id, DEMO_ADMIN, Role::Admin, hash, now);
    org_model::insert_user(conn, &admin)?;

    let mut publishers: Vec<(String, Caller)> = Vec::new();
    for b in &catalogue.bureaus {
        let mut org = organisation(OrgKind::Bureau, &b.name, &b.name_en, &b.code, OrgStatus::Active, now);
        org.contact_name = Some(b.contact.name.clone());
        org.contact_phone = Some(b.contact.phone.clone());
        org.contact_email = Some(b.contact.email.clone());
        org_model::insert_org(conn, &org)?;
        let user = demo_user(org.id, &format!("{}@demo.datagate.local", b.code), Role::Publisher, hash, now);
        org_model::insert_user(conn, &user)?;
        let caller = Caller { user, org, credential: Credential::Session, request_id: "demo".into() };
        publishers.push((b.code.clone(), caller));
    }

    let code = crate::orgs::uscc::with_check_character("91310115MA1K4TDEM");
    let mut enterprise = organisation(
        OrgKind::Enterprise,
        "上海智算未来科技有限公司",
        "Shanghai Zhisuan Future Technology Co., Ltd.",
        &code,
        OrgStatus::Verified,
        now,
    );
    enterprise.contact_name = Some("陈静".into());
    enterprise.contact_phone = Some("+86 21 6000 1234".into());
    enterprise.contact_email = Some("data@zhisuan-demo.example.cn".into());
    enterprise.status_reason = Some("demo enterprise".into());
    enterprise.status_changed_by = Some(admin.id);
    enterprise.status_changed_at = Some(now);
    org_model::insert_org(conn, &enterprise)?;
    let owner = demo_user(enterprise.id, DEMO_ENTERPRISE_OWNER, Role::Owner, hash, now);
    org_model::insert_user(conn, &owner)?;
    audit::record(
        conn,
        &Actor::system(),
        now,
        "demo.load",
        "catalogue",
        "demo",
        json!({"bureaus": catalogue.bureaus.len(), "datasets": catalogue.datasets.len()}),
    )?;

    let last = catalogue.datasets.len().saturating_sub(1);
    let mut file_count = 0;
    for (i, (ds, stored)) in catalogue.datasets.iter().zip(files).enumerate() {
        let (_, caller) = publishers.iter().find(|(code, _)| *code == ds.bureau).ok_or_else(|| {
            AppError::internal(format!("demo dataset {} names unknown bureau {}", ds.name, ds.bureau))
        })?;
        let bureau = catalogue.bureaus.iter().find(|b| b.code == ds.bureau);
        let input = DatasetInput::from_parts(CommonInput {
            name: ds.name.clone(),
            title: ds.title.clone(),
            title_en: Some(ds.title_en.clone()),
            summary: Some(ds.summary.clone()),
            summary_en: Some(ds.summary_en.clone()),
            domain: ds.domain.clone(),
            bureau_id: None,
            open_condition: ds.open_condition,
            open_condition_reason: ds.open_condition_reason.clone(),
            legal_basis: ds.legal_basis.clone(),
            update_frequency: ds.update_frequency,
            temporal_start: ds.temporal_start,
            temporal_end: ds.temporal_end,
            spatial_coverage: ds.spatial_coverage.clone(),
            record_count: ds.record_count,
            data_items: ds.data_items.clone(),
            keywords: ds.keywords.clone(),
            contact: bureau.map(|b| ListingContact {
                name: b.contact.name.clone(),
                email: Some(b.contact.email.clone()),
                phone: Some(b.contact.phone.clone()),
            }),
            licence: Some(ds.licence.clone()),
            terms: ds.terms.clone(),
            max_grant_days: None,
        });
        let listing = service::create::<Dataset>(conn, caller, input, now)?;
        let key = listing.id.to_string();
        for (d, file) in ds.distributions.iter().zip(stored) {
            let clean = validate(&NewDistribution {
                name: d.name.clone(),
                description: None,
                format: d.format.clone(),
                media_type: Some(d.media_type.clone()),
                access_url: d.access_url.clone(),
            })?;
            let row = add(conn, caller, ListingKind::Dataset, &key, clean, now)?;
            if let Some(file) = file {
                let name = format!("{}.{}", ds.name, d.format.to_lowercase());
                attach_file(conn, caller, row.id, file, Some(name), now)?;
                file_count += 1;
            }
        }
        // One draft and one withdrawn entry show the lifecycle.
        if i == last {
            continue;
        }
        service::publish(conn, ListingKind::Dataset, caller, &key, now)?;
        if i + 1 == last {
            service::withdraw(
                conn,
                ListingKind::Dataset,
                caller,
                &key,
                "数据口径调整，新版本正在整理中 (being revised)",
                now,
            )?;
        }
    }
    // The aggregate-only ("usable but not visible") dataset and its grant.
    let (_, health) = publishers
        .iter()
        .find(|(code, _)| code == "sh-health")
        .ok_or_else(|| AppError::internal("the demo has no health bureau"))?;
    let admin_caller = Caller {
        user: admin.clone(),
        org: platform.clone(),
        credential: Credential::Session,
        request_id: "demo".into(),
    };
    privacy::populate(conn, health, &admin_caller, enterprise.id, owner.id, visits, now)?;
    file_count += 1;
    let summary = DemoSummary {
        bureaus: catalogue.bureaus.len(),
        datasets: catalogue.datasets.len() + 1,
        corpora: 0,
        files: file_count,
    };
    Ok((summary, publishers))
}
