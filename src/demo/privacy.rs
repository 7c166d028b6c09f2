//! The demo's "usable but not visible" dataset: synthetic outpatient visit
//! records of the health commission, aggregate-only, with a grant in
//! aggregate mode for the demo enterprise, so that the README's private
//! queries work at once.

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use crate::auth::Caller;
use crate::db::DbConn;
use crate::db::types::Json;
use crate::distributions::api::{NewDistribution, add, attach_file, validate};
use crate::distributions::disclosure::{self, DeclaredColumn, DisclosureSettings};
use crate::distributions::storage::StoredFile;
use crate::error::{AppError, AppResult};
use crate::grants::aggregate::{AggregateApproval, on_approve};
use crate::grants::{GrantId, GrantRow, PurposeCategory, RequestId, RequestRow, RequestState, model as grant_model};
use crate::listings::datasets::{Dataset, DatasetInput};
use crate::listings::input::CommonInput;
use crate::listings::{
    DataItem, DataType, ListingKind, OpenCondition, UpdateFrequency, model as listing_model, service,
};
use crate::orgs::OrgId;

pub const DATASET: &str = "sh-outpatient-visits";
/// The grant's fixed id, so the README's examples can name it.
pub const GRANT_ID: &str = "0193a5b0-0000-7000-8000-00000000a99e";

const DISTRICTS: [&str; 16] = [
    "黄浦区",
    "徐汇区",
    "长宁区",
    "静安区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "闵行区",
    "宝山区",
    "嘉定区",
    "浦东新区",
    "金山区",
    "松江区",
    "青浦区",
    "奉贤区",
    "崇明区",
];
const DEPARTMENTS: [&str; 5] = ["内科", "外科", "儿科", "妇产科", "中医科"];
const AGE_GROUPS: [&str; 5] = ["0-14", "15-34", "35-59", "60-79", "80+"];

fn months() -> Vec<String> {
    (1..=12).map(|m| format!("2024-{m:02}")).collect()
}

/// 20 000 synthetic visit records (deterministic: the same on every load).
pub fn visits_csv() -> Vec<u8> {
    let mut s = String::from("visit_date,month,district,department,age_group,wait_minutes,cost_yuan\n");
    let mut x: u64 = 0x2024_0101;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..20_000 {
        let r = next();
        let month = 1 + (r % 12) as u32;
        let day = 1 + ((r >> 8) % 28) as u32;
        // Bigger districts see more visits: a skewed pick.
        let district = DISTRICTS[(((r >> 16) % 256) as f64).sqrt() as usize % 16];
        let department = DEPARTMENTS[((r >> 24) % 5) as usize];
        let age = AGE_GROUPS[((r >> 32) % 5) as usize];
        let wait = 5 + (r >> 40) % 90 + if month <= 2 { 30 } else { 0 };
        let cost = 50 + (r >> 48) % 600;
        s.push_str(&format!("2024-{month:02}-{day:02},2024-{month:02},{district},{department},{age},{wait},{cost}\n"));
    }
    s.into_bytes()
}

fn item(name: &str, label: &str, data_type: DataType, description: &str) -> AppResult<DataItem> {
    serde_json::from_value(json!({"name": name, "label": label, "type": data_type, "description": description}))
        .map_err(|e| AppError::internal(format!("demo data item {name}: {e}")))
}

/// Creates the dataset, its aggregate-only file and the demo enterprise's
/// aggregate grant, in the demo's transaction.
pub fn populate(
    conn: &mut DbConn,
    health: &Caller,
    admin: &Caller,
    enterprise: OrgId,
    enterprise_user: crate::orgs::UserId,
    file: StoredFile,
    now: NaiveDateTime,
) -> AppResult<()> {
    let input = DatasetInput::from_parts(CommonInput {
        name: DATASET.into(),
        title: "门诊就诊记录（可用不可见）".into(),
        title_en: Some("Outpatient visits (usable but not visible)".into()),
        summary: Some(
            "全市医疗机构门诊就诊明细（演示用合成数据），含就诊日期、所在区、科室、年龄段、候诊时间和费用。\
             数据涉及个人健康信息，只开放差分隐私聚合查询：获批企业可按区统计就诊量、平均候诊时间等，结果带有校准噪声，\
             任何单条记录均不出平台。"
                .into(),
        ),
        summary_en: Some(
            "Outpatient visit records of the city's medical institutions (synthetic demo data): date, district, \
             department, age group, waiting time and cost. Because they concern personal health, they are open only \
             to differentially private aggregate queries: approved enterprises may count visits by district or \
             average waiting times, and receive answers with calibrated noise; no record leaves the platform."
                .into(),
        ),
        domain: "healthcare".into(),
        bureau_id: None,
        open_condition: OpenCondition::Conditional,
        open_condition_reason: Some("含个人健康信息，仅开放差分隐私聚合查询".into()),
        legal_basis: Some("《上海市公共数据开放暂行办法》第十五条；《个人信息保护法》第二十八条".into()),
        update_frequency: UpdateFrequency::Monthly,
        temporal_start: chrono::NaiveDate::from_ymd_opt(2024, 1, 1),
        temporal_end: chrono::NaiveDate::from_ymd_opt(2024, 12, 31),
        spatial_coverage: Some("上海市".into()),
        record_count: Some(20_000),
        data_items: vec![
            item("visit_date", "就诊日期", DataType::Date, "就诊日期")?,
            item("month", "月份", DataType::String, "就诊月份，YYYY-MM")?,
            item("district", "所在区", DataType::String, "医疗机构所在区")?,
            item("department", "科室", DataType::String, "就诊科室")?,
            item("age_group", "年龄段", DataType::String, "患者年龄段")?,
            item("wait_minutes", "候诊时间", DataType::Integer, "挂号到就诊的分钟数")?,
            item("cost_yuan", "费用", DataType::Integer, "本次就诊费用（元）")?,
        ],
        keywords: vec!["门诊".into(), "医疗".into(), "差分隐私".into()],
        contact: None,
        licence: Some("CC-BY-4.0".into()),
        terms: Some("仅可通过差分隐私聚合查询使用，不得尝试识别个人。".into()),
        max_grant_days: None,
    });
    let listing = service::create::<Dataset>(conn, health, input, now)?;
    let key = listing.id.to_string();
    let clean = validate(&NewDistribution {
        name: "门诊就诊记录（CSV）".into(),
        description: Some("仅供聚合查询".into()),
        format: "CSV".into(),
        media_type: Some("text/csv".into()),
        access_url: None,
    })?;
    let d = add(conn, health, ListingKind::Dataset, &key, clean, now)?;
    attach_file(conn, health, d.id, file, Some(format!("{DATASET}.csv")), now)?;
    service::publish(conn, ListingKind::Dataset, health, &key, now)?;
    let cat = |name: &str, values: Vec<String>| DeclaredColumn::Categorical { name: name.into(), values };
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    disclosure::save(
        conn,
        health,
        d.id,
        DisclosureSettings {
            aggregate_only: true,
            columns: vec![
                cat("district", strings(&DISTRICTS)),
                cat("month", months()),
                cat("department", strings(&DEPARTMENTS)),
                cat("age_group", strings(&AGE_GROUPS)),
                DeclaredColumn::Numeric { name: "wait_minutes".into(), lower: 0.0, upper: 240.0 },
                DeclaredColumn::Numeric { name: "cost_yuan".into(), lower: 0.0, upper: 2000.0 },
            ],
            ..Default::default()
        },
        now,
    )?;

    let listing = listing_model::find_by_id(conn, listing.id)?.ok_or_else(|| AppError::internal("demo listing"))?;
    let terms = listing_model::terms(conn, listing.id, listing.terms_version)?
        .ok_or_else(|| AppError::internal("demo listing has no terms"))?;
    let request = RequestRow {
        id: RequestId::new(),
        listing_id: listing.id,
        enterprise_id: enterprise,
        requested_by: enterprise_user,
        purpose_category: PurposeCategory::Research,
        purpose: "研究本市各区门诊负荷与候诊时间的季节规律".into(),
        scenario: "仅在平台上做差分隐私聚合查询".into(),
        distribution_ids: Json(vec![d.id]),
        duration_days: 365,
        security_measures: "只接触带噪声的聚合结果，不尝试识别个人".into(),
        terms_version: terms.version,
        terms_sha256: terms.sha256.clone(),
        previous_request_id: None,
        renews_grant_id: None,
        state: RequestState::Approved,
        submitted_at: now,
        review_deadline: now + Duration::days(15),
        opinion: Some(crate::grants::Opinion::Consent),
        opinion_comment: Some("同意以聚合方式使用".into()),
        opinion_by: Some(health.user_id()),
        opinion_at: Some(now),
        decided_at: Some(now),
        decided_by: Some(admin.user_id()),
        decision_reason: Some("演示：可用不可见".into()),
        override_reason: None,
        updated_at: now,
    };
    grant_model::insert_request(conn, &request)?;
    let grant = GrantRow {
        id: GRANT_ID.parse::<GrantId>().map_err(|_| AppError::internal("demo grant id"))?,
        request_id: request.id,
        enterprise_id: enterprise,
        listing_id: listing.id,
        distribution_ids: Json(vec![d.id]),
        purpose_category: PurposeCategory::Research,
        purpose: request.purpose.clone(),
        conditions: Some("仅限聚合查询".into()),
        valid_from: now,
        valid_until: now + Duration::days(365),
        terms_version: terms.version,
        terms_sha256: terms.sha256,
        report_interval_days: 90,
        next_report_due: now + Duration::days(90),
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
        created_at: now,
        created_by: admin.user_id(),
        suspended_at: None,
        suspended_by: None,
        suspension_reason: None,
    };
    grant_model::insert_grant(conn, &grant)?;
    on_approve(
        conn,
        admin,
        &grant,
        Some(AggregateApproval {
            epsilon: 5.0,
            group_columns: vec!["district".into(), "month".into(), "department".into()],
        }),
        now,
    )?;
    Ok(())
}
