//! Synthetic listings for load tests: N plausible datasets (Chinese and
//! English text, every domain and bureau, all three open conditions), built
//! in memory and written in batches with multi-row inserts, one transaction
//! per batch, with a progress bar.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::app::AppState;
use crate::audit::{self, Actor};
use crate::db::backend::{self, IndexEntry};
use crate::db::schema::{listings, organisations, users};
use crate::db::types::Json;
use crate::db::{DbConn, write_tx};
use crate::distributions::{DistributionId, DistributionRow};
use crate::error::{AppError, AppResult};
use crate::listings::model::{FacetRow, IndexExtras, RevisionRow, TermsRow, facet_values, search_doc, terms_hash};
use crate::listings::types::FieldChange;
use crate::listings::{
    DataItem, DataType, Listing, ListingId, ListingKind, ListingStatus, OpenCondition, UpdateFrequency,
};
use crate::orgs::{OrgId, OrgKind, UserId};

const BATCH: usize = 1000;

/// Subjects per domain: (Chinese, English).
const SUBJECTS: &[(&str, &[(&str, &str)])] = &[
    (
        "education",
        &[
            ("中小学校", "schools"),
            ("幼儿园", "kindergartens"),
            ("高等学校", "universities"),
            ("教师队伍", "teachers"),
            ("学生学籍", "student registrations"),
            ("教育经费", "education funding"),
        ],
    ),
    (
        "healthcare",
        &[
            ("医疗机构", "hospitals"),
            ("门诊服务", "outpatient services"),
            ("疫苗接种", "vaccinations"),
            ("卫生监督", "health inspections"),
            ("急救出车", "ambulance dispatches"),
            ("床位资源", "hospital beds"),
        ],
    ),
    (
        "tourism",
        &[
            ("旅游景区", "scenic areas"),
            ("星级饭店", "star-rated hotels"),
            ("旅行社", "travel agencies"),
            ("游客流量", "visitor flows"),
            ("文化场馆", "cultural venues"),
        ],
    ),
    (
        "transport",
        &[
            ("公交线路", "bus routes"),
            ("轨道交通客流", "metro ridership"),
            ("道路拥堵指数", "road congestion"),
            ("公共停车场", "public car parks"),
            ("出租车运营", "taxi operations"),
        ],
    ),
    (
        "environment",
        &[
            ("空气质量", "air quality"),
            ("地表水质", "surface water quality"),
            ("噪声监测", "noise monitoring"),
            ("排污许可", "emission permits"),
            ("垃圾分类", "waste sorting"),
        ],
    ),
    (
        "economy",
        &[
            ("规模以上工业", "industrial output"),
            ("招商项目", "investment projects"),
            ("软件企业", "software companies"),
            ("电子商务", "e-commerce"),
        ],
    ),
    (
        "social_security",
        &[("养老保险", "pension insurance"), ("医疗保险", "medical insurance"), ("社会救助", "social assistance")],
    ),
    (
        "urban_planning",
        &[
            ("控制性详细规划", "zoning plans"),
            ("建设用地", "construction land"),
            ("建筑物", "buildings"),
            ("道路网络", "road network"),
        ],
    ),
    (
        "public_safety",
        &[("交通事故", "traffic accidents"), ("消防设施", "fire facilities"), ("应急避难场所", "emergency shelters")],
    ),
    (
        "agriculture",
        &[("农产品价格", "farm produce prices"), ("农业合作社", "farm cooperatives"), ("耕地质量", "farmland quality")],
    ),
    (
        "employment",
        &[("招聘岗位", "job vacancies"), ("职业培训", "vocational training"), ("就业见习基地", "internship bases")],
    ),
    (
        "civil_affairs",
        &[("养老机构", "care homes"), ("社区服务中心", "community centres"), ("婚姻登记", "marriage registrations")],
    ),
    (
        "market_regulation",
        &[("市场主体登记", "business registrations"), ("食品抽检", "food sampling"), ("特种设备", "special equipment")],
    ),
    ("culture", &[("公共图书馆", "public libraries"), ("博物馆", "museums"), ("体育场馆", "sports venues")]),
    (
        "meteorology",
        &[("气象观测", "weather observations"), ("降水量", "precipitation"), ("台风路径", "typhoon tracks")],
    ),
];

const ASPECTS: &[(&str, &str)] = &[
    ("名录", "directory"),
    ("统计", "statistics"),
    ("分布", "distribution"),
    ("监测数据", "monitoring data"),
    ("年度报表", "annual report"),
    ("明细记录", "detailed records"),
    ("指标", "indicators"),
];

const DISTRICTS: &[(&str, &str)] = &[
    ("上海市", "Shanghai"),
    ("黄浦区", "Huangpu"),
    ("徐汇区", "Xuhui"),
    ("长宁区", "Changning"),
    ("静安区", "Jing'an"),
    ("普陀区", "Putuo"),
    ("虹口区", "Hongkou"),
    ("杨浦区", "Yangpu"),
    ("闵行区", "Minhang"),
    ("宝山区", "Baoshan"),
    ("嘉定区", "Jiading"),
    ("浦东新区", "Pudong"),
    ("金山区", "Jinshan"),
    ("松江区", "Songjiang"),
    ("青浦区", "Qingpu"),
    ("奉贤区", "Fengxian"),
    ("崇明区", "Chongming"),
];

const FREQUENCIES: &[UpdateFrequency] = &[
    UpdateFrequency::Daily,
    UpdateFrequency::Weekly,
    UpdateFrequency::Monthly,
    UpdateFrequency::Quarterly,
    UpdateFrequency::Yearly,
    UpdateFrequency::Irregular,
    UpdateFrequency::Realtime,
];

/// The bureaus and a user of each, which synthetic listings are filed under.
fn publishers(conn: &mut DbConn) -> AppResult<Vec<(OrgId, UserId)>> {
    let rows: Vec<(OrgId, UserId)> = organisations::table
        .inner_join(users::table)
        .filter(organisations::kind.eq(OrgKind::Bureau))
        .filter(users::removed_at.is_null())
        .select((organisations::id, users::id))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows.into_iter().filter(|(org, _)| seen.insert(*org)).collect())
}

/// One synthetic listing with its distribution, terms and facet rows.
struct Generated {
    listing: Listing,
    distribution: DistributionRow,
    terms: Option<TermsRow>,
}

fn generate_one(i: u64, rng: &mut StdRng, bureau: (OrgId, UserId), base: NaiveDateTime) -> Generated {
    let (domain, subjects) = SUBJECTS[rng.gen_range(0..SUBJECTS.len())];
    let (subject, subject_en) = subjects[rng.gen_range(0..subjects.len())];
    let (aspect, aspect_en) = ASPECTS[rng.gen_range(0..ASPECTS.len())];
    let (district, district_en) = DISTRICTS[rng.gen_range(0..DISTRICTS.len())];
    let year = rng.gen_range(2012..=2025);
    let condition = match rng.gen_range(0..100) {
        0..50 => OpenCondition::Unconditional,
        50..85 => OpenCondition::Conditional,
        _ => OpenCondition::NotOpen,
    };
    let status = match rng.gen_range(0..100) {
        0..92 => ListingStatus::Published,
        92..96 => ListingStatus::Draft,
        _ => ListingStatus::Withdrawn,
    };
    let modified = base + Duration::seconds(i as i64);
    let id = ListingId::new();
    let restricted = condition != OpenCondition::Unconditional;
    let items = vec![
        DataItem {
            name: "record_id".into(),
            label: "记录编号".into(),
            data_type: DataType::String,
            description: Some("唯一编号".into()),
            unit: None,
            personal: false,
        },
        DataItem {
            name: "district".into(),
            label: "所属区".into(),
            data_type: DataType::Code,
            description: Some("行政区划".into()),
            unit: None,
            personal: false,
        },
        DataItem {
            name: "stat_date".into(),
            label: "统计日期".into(),
            data_type: DataType::Date,
            description: Some("数据所属日期".into()),
            unit: None,
            personal: false,
        },
        DataItem {
            name: "value".into(),
            label: format!("{subject}数量"),
            data_type: DataType::Integer,
            description: Some(format!("{subject}{aspect}数值")),
            unit: Some("个".into()),
            personal: restricted && rng.gen_bool(0.3),
        },
    ];
    let listing = Listing {
        id,
        kind: ListingKind::Dataset,
        name: format!("synthetic-{domain}-{i:07}").replace('_', "-"),
        title: format!("{district}{subject}{aspect}（{year}年）"),
        title_en: Some(format!("{district_en} {subject_en} {aspect_en} ({year})")),
        summary: Some(format!(
            "本数据集提供{district}{year}年{subject}{aspect}，由数据责任部门按季度汇总整理，可用于{subject}相关的分析研究与人工智能模型训练。"
        )),
        summary_en: Some(format!(
            "{aspect_en} of {subject_en} in {district_en} for {year}, compiled by the responsible bureau; suitable for analysis and AI model training."
        )),
        domain: domain.to_string(),
        bureau_id: bureau.0,
        open_condition: condition,
        open_condition_reason: restricted.then(|| "涉及个人信息或重要数据，需按规定申请使用".to_string()),
        legal_basis: restricted.then(|| "《上海市公共数据开放暂行办法》第十五条".to_string()),
        update_frequency: FREQUENCIES[rng.gen_range(0..FREQUENCIES.len())],
        temporal_start: NaiveDate::from_ymd_opt(year, 1, 1),
        temporal_end: NaiveDate::from_ymd_opt(year, 12, 31),
        spatial_coverage: Some(district.to_string()),
        record_count: Some(rng.gen_range(100..5_000_000)),
        data_items: Json(items),
        keywords: Json(vec![subject.to_string(), aspect.to_string(), district.to_string(), subject_en.to_string()]),
        formats: Json(vec![if restricted { "API".into() } else { "CSV".into() }]),
        contact: None,
        licence: Some(if restricted { "datagate-conditional-1.0".into() } else { "CC-BY-4.0".into() }),
        terms_version: restricted.then_some(1),
        status,
        withdrawn_reason: (status == ListingStatus::Withdrawn).then(|| "数据口径调整".to_string()),
        version: 1,
        created_by: bureau.1,
        created_at: modified,
        modified_at: modified,
        published_at: (status != ListingStatus::Draft).then_some(modified),
        withdrawn_at: (status == ListingStatus::Withdrawn).then_some(modified),
        max_grant_days: None,
    };
    let distribution = DistributionRow {
        id: DistributionId::new(),
        listing_id: id,
        name: format!("{subject}{aspect}"),
        description: None,
        format: listing.formats.0[0].clone(),
        media_type: if restricted { "application/json".into() } else { "text/csv".into() },
        access_url: Some(format!("https://data.sh.gov.cn/api/synthetic/{i}")),
        object_key: None,
        byte_size: None,
        sha256: None,
        file_name: None,
        uploaded_at: None,
        created_at: modified,
        modified_at: modified,
        removed_at: None,
    };
    let terms = restricted.then(|| {
        let body = format!("使用{subject}{aspect}须遵守数据安全要求，不得再识别个人，不得向第三方提供。");
        TermsRow {
            listing_id: id,
            version: 1,
            sha256: terms_hash(&body),
            body,
            created_at: modified,
            created_by: bureau.1,
        }
    });
    Generated { listing, distribution, terms }
}

fn write_batch(conn: &mut DbConn, batch: &[Generated]) -> AppResult<()> {
    crate::listings::cache::mark_changed(conn)?;
    let listings: Vec<Listing> = batch.iter().map(|g| g.listing.clone()).collect();
    backend::insert_listings(conn, &listings)?;
    let distributions: Vec<DistributionRow> = batch.iter().map(|g| g.distribution.clone()).collect();
    backend::insert_distributions(conn, &distributions)?;
    let terms: Vec<TermsRow> = batch.iter().filter_map(|g| g.terms.clone()).collect();
    backend::insert_terms(conn, &terms)?;
    let extras = IndexExtras::default();
    let mut facets = Vec::new();
    let mut revisions = Vec::new();
    let mut entries = Vec::new();
    for g in batch {
        let l = &g.listing;
        facets.extend(facet_values(l, &l.formats.0, &extras).into_iter().map(|(facet, value)| FacetRow {
            listing_id: l.id,
            facet: facet.to_string(),
            value,
        }));
        revisions.push(RevisionRow {
            id: uuid::Uuid::now_v7().to_string(),
            listing_id: l.id,
            version: 1,
            at: l.modified_at,
            actor_user_id: Some(l.created_by),
            action: "create".into(),
            changes: Json(vec![FieldChange {
                field: "generated".into(),
                old: json!(null),
                new: json!("datagate demo --scale"),
            }]),
        });
        let doc = search_doc(l, &extras);
        entries.push(IndexEntry {
            listing_id: l.id.to_string(),
            tsvector: doc.to_tsvector_literal(),
            title: doc.title.join(" "),
            keywords: doc.keywords.join(" "),
            body: doc.body.join(" "),
        });
    }
    backend::insert_facets(conn, &facets)?;
    backend::insert_revisions(conn, &revisions)?;
    backend::write_search_index_batch(conn, &entries)?;
    Ok(())
}

/// Adds `n` synthetic datasets to a database that has bureaus (load the demo
/// first). Returns how many were written.
pub async fn generate(state: &AppState, n: u64) -> Result<u64, String> {
    let bureaus = state.db.run(publishers).await.map_err(|e| e.to_string())?;
    if bureaus.is_empty() {
        return Err("no bureau with a user to file synthetic datasets under; load the demo first".into());
    }
    let offset: i64 = state
        .db
        .run(|conn| Ok(listings::table.count().get_result(conn)?))
        .await
        .map_err(|e: AppError| e.to_string())?;
    let bar = ProgressBar::new(n);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} datasets  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let base = state.clock.db_now() - Duration::seconds(n as i64 + 60);
    let mut rng = StdRng::seed_from_u64(0x5eed_da7a ^ offset as u64);
    let mut written = 0u64;
    while written < n {
        let size = (n - written).min(BATCH as u64);
        let batch: Vec<Generated> = (0..size)
            .map(|k| {
                let i = offset as u64 + written + k;
                let bureau = bureaus[(i as usize) % bureaus.len()];
                generate_one(i, &mut rng, bureau, base)
            })
            .collect();
        state
            .db
            .run(move |conn| write_tx(conn, |conn| write_batch(conn, &batch)))
            .await
            .map_err(|e| format!("writing synthetic datasets failed: {e}"))?;
        written += size;
        bar.set_position(written);
    }
    bar.finish();
    let corpora = generate_corpora(state, n / 100, offset as u64).await?;
    let now = state.clock.db_now();
    state
        .db
        .write(move |conn| {
            audit::record(
                conn,
                &Actor::system(),
                now,
                "demo.scale",
                "catalogue",
                "synthetic",
                json!({"datasets": n, "corpora": corpora}),
            )
        })
        .await
        .map_err(|e| e.to_string())?;
    // A bulk load leaves the planner's statistics describing an empty
    // catalogue (and, on PostgreSQL, the index rewrite leaves dead rows):
    // without this, the first hours of queries pick sequential scans.
    state.db.run(|conn| Ok(backend::refresh_statistics(conn)?)).await.map_err(|e: AppError| e.to_string())?;
    Ok(written)
}

/// One synthetic corpus per hundred datasets, through the ordinary service
/// (validation, revisions, index) as a bureau's publisher would create them,
/// each with an external distribution, published.
async fn generate_corpora(state: &AppState, n: u64, offset: u64) -> Result<u64, String> {
    use crate::auth::{Caller, Credential};
    use crate::corpora::Corpus;
    use crate::distributions::api::{NewDistribution, add, validate};
    use crate::listings::service;
    use crate::orgs::model as org_model;
    if n == 0 {
        return Ok(0);
    }
    let now = state.clock.db_now();
    let seed = 0x5eed_c0de ^ offset;
    state
        .db
        .run(move |conn| {
            let mut callers = Vec::new();
            for (_, user) in publishers(conn)? {
                if let Some((user, org)) = org_model::find_live_user(conn, user)? {
                    callers.push(Caller {
                        user,
                        org,
                        credential: Credential::Session,
                        request_id: "demo-scale".into(),
                    });
                }
            }
            if callers.is_empty() {
                return Err(AppError::conflict("no bureau publisher to file synthetic corpora under"));
            }
            for i in 0..n {
                let caller = &callers[(i as usize) % callers.len()];
                let mut input = crate::corpora::synthetic::synthetic_input(offset + i, seed);
                input.bureau_id = None;
                write_tx(conn, |conn| {
                    let l = service::create::<Corpus>(conn, caller, input, now)?;
                    let key = l.id.to_string();
                    let access = validate(&NewDistribution {
                        name: "语料访问接口".into(),
                        description: None,
                        format: "API".into(),
                        media_type: None,
                        access_url: Some(format!("https://data.sh.gov.cn/api/corpora/synthetic/{}", offset + i)),
                    })?;
                    add(conn, caller, ListingKind::Corpus, &key, access, now)?;
                    service::publish(conn, ListingKind::Corpus, caller, &key, now)?;
                    Ok::<_, AppError>(())
                })?;
            }
            Ok(n)
        })
        .await
        .map_err(|e| format!("writing synthetic corpora failed: {e}"))
}
