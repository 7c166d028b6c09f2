//! The open list as a document: CSV (UTF-8 with BOM, so spreadsheet programs
//! read the Chinese) and XLSX, with the statutory columns under Chinese
//! headers — what a city publishes each year.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::api::CommonFilters;
use super::domains;
use super::search::{self, Cursor, Hit, SortOrder};
use super::{ListingKind, ListingStatus, OpenCondition, UpdateFrequency};
use crate::app::AppState;
use crate::auth::MaybeCaller;
use crate::db::DbConn;
use crate::db::types::utc;
use crate::error::{AppError, AppResult};
use crate::http::Query;
use crate::http::spreadsheet::{csv_writer, neutralise};
use crate::openapi::responses as r;
use crate::orgs::OrgId;

/// The most rows one export holds.
pub const MAX_ROWS: usize = 200_000;

pub const HEADERS: &[&str] = &[
    "序号",
    "数据资源名称",
    "英文名称",
    "标识",
    "所属领域",
    "数据提供部门",
    "数据摘要",
    "数据项",
    "数据格式",
    "开放条件",
    "开放条件说明",
    "法律依据",
    "更新频率",
    "时间范围",
    "空间范围",
    "数据量（条）",
    "关键词",
    "许可协议",
    "发布时间",
    "更新时间",
];

pub fn open_condition_zh(c: OpenCondition) -> &'static str {
    match c {
        OpenCondition::Unconditional => "无条件开放",
        OpenCondition::Conditional => "有条件开放",
        OpenCondition::NotOpen => "非开放",
    }
}

pub fn frequency_zh(f: UpdateFrequency) -> &'static str {
    match f {
        UpdateFrequency::Realtime => "实时",
        UpdateFrequency::Daily => "每日",
        UpdateFrequency::Weekly => "每周",
        UpdateFrequency::Monthly => "每月",
        UpdateFrequency::Quarterly => "每季度",
        UpdateFrequency::Yearly => "每年",
        UpdateFrequency::Irregular => "不定期",
    }
}

fn fmt_time(t: chrono::NaiveDateTime) -> String {
    utc(t).format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The cells of one row.
fn row(serial: usize, h: &Hit, domain_labels: &[(String, String)]) -> Vec<String> {
    let l = &h.listing;
    let domain = domain_labels.iter().find(|(c, _)| *c == l.domain).map(|(_, z)| z.clone()).unwrap_or(l.domain.clone());
    let items = l.data_items.0.iter().map(|i| format!("{}({})", i.label, i.name)).collect::<Vec<_>>().join("；");
    let span = match (l.temporal_start, l.temporal_end) {
        (Some(a), Some(b)) => format!("{a} 至 {b}"),
        (Some(a), None) => format!("{a} 至今"),
        (None, Some(b)) => format!("至 {b}"),
        (None, None) => String::new(),
    };
    vec![
        serial.to_string(),
        l.title.clone(),
        l.title_en.clone().unwrap_or_default(),
        l.name.clone(),
        domain,
        h.bureau.name.clone(),
        l.summary.clone().unwrap_or_default(),
        items,
        l.formats.0.join("、"),
        open_condition_zh(l.open_condition).to_string(),
        l.open_condition_reason.clone().unwrap_or_default(),
        l.legal_basis.clone().unwrap_or_default(),
        frequency_zh(l.update_frequency).to_string(),
        span,
        l.spatial_coverage.clone().unwrap_or_default(),
        l.record_count.map(|n| n.to_string()).unwrap_or_default(),
        l.keywords.0.join("、"),
        l.licence.clone().unwrap_or_default(),
        l.published_at.map(fmt_time).unwrap_or_default(),
        fmt_time(l.modified_at),
    ]
}

/// Every published dataset matching the filters, in title order, as rows.
fn rows(conn: &mut DbConn, f: &CommonFilters) -> AppResult<Vec<Vec<String>>> {
    let mut s = f.search(ListingKind::Dataset, None)?;
    s.status = Some(ListingStatus::Published);
    let labels: Vec<(String, String)> = domains::all(conn)?.into_iter().map(|d| (d.code, d.label_zh)).collect();
    let mut out = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let (hits, next) = search::page(conn, &s, SortOrder::Title, after.as_ref(), 1000)?;
        for h in &hits {
            if out.len() >= MAX_ROWS {
                return Err(AppError::payload_too_large(format!(
                    "the export would exceed {MAX_ROWS} rows; narrow it with filters"
                )));
            }
            out.push(row(out.len() + 1, h, &labels));
        }
        match next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    Ok(out)
}

pub fn to_csv(rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut w = csv_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(HEADERS).map_err(|e| AppError::internal(e.to_string()))?;
    for r in rows {
        w.write_record(r.iter().map(|c| neutralise(c).into_owned())).map_err(|e| AppError::internal(e.to_string()))?;
    }
    w.into_inner().map_err(|e| AppError::internal(e.to_string()))
}

pub fn to_xlsx(rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("公共数据资源开放清单").map_err(err)?;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(err)?;
        let width = match c {
            0 => 6.0,
            1 | 6 | 7 | 10 | 11 => 40.0,
            _ => 16.0,
        };
        sheet.set_column_width(c as u16, width).map_err(err)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, cell) in r.iter().enumerate() {
            let row = (i + 1) as u32;
            match (c, cell.parse::<f64>()) {
                (0 | 15, Ok(n)) => sheet.write_number(row, c as u16, n).map_err(err)?,
                _ => sheet.write_string(row, c as u16, cell).map_err(err)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    sheet.autofilter(0, 0, rows.len() as u32, (HEADERS.len() - 1) as u16).map_err(err)?;
    book.save_to_buffer().map_err(err)
}

/// Filters of the open-list documents (the list endpoint's, without paging).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OpenListParams {
    pub q: Option<String>,
    pub domain: Option<String>,
    pub open_condition: Option<OpenCondition>,
    pub bureau: Option<OrgId>,
    pub format: Option<String>,
    pub update_frequency: Option<UpdateFrequency>,
    pub keyword: Option<String>,
    pub licence: Option<String>,
    pub modified_since: Option<DateTime<Utc>>,
}

impl From<OpenListParams> for CommonFilters {
    fn from(p: OpenListParams) -> Self {
        CommonFilters {
            q: p.q,
            domain: p.domain,
            open_condition: p.open_condition,
            bureau: p.bureau,
            format: p.format,
            update_frequency: p.update_frequency,
            keyword: p.keyword,
            licence: p.licence,
            modified_since: p.modified_since,
            ..Default::default()
        }
    }
}

fn attachment(name: &str) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name.into())],
    }
}

/// The published open list as CSV (UTF-8 with BOM, Chinese headers).
#[utoipa::path(
    tag = "datasets",
    operation_id = "get_open_list_csv",
    params(OpenListParams),
    responses(
        (status = 200, description = "One row per published dataset", content_type = "text/csv"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 413, response = r::PayloadTooLarge),
        (status = 422, response = r::QueryRefused),
        (status = 503, response = r::QueryUnavailable),
    )
)]
#[get("/open-list.csv")]
pub async fn get_open_list_csv(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    params: Query<OpenListParams>,
) -> AppResult<HttpResponse> {
    let f: CommonFilters = params.into_inner().into();
    // A whole catalogue: in the query lane, with six times the usual time limit.
    let timeout = state.lane.timeout() * 6;
    let bytes = state.lane.read_for(&state.db, timeout, move |conn| to_csv(&rows(conn, &f)?)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment("open-list.csv"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(bytes))
}

/// The published open list as an Excel workbook (XLSX).
#[utoipa::path(
    tag = "datasets",
    operation_id = "get_open_list_xlsx",
    params(OpenListParams),
    responses(
        (status = 200, description = "One row per published dataset",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 413, response = r::PayloadTooLarge),
        (status = 422, response = r::QueryRefused),
        (status = 503, response = r::QueryUnavailable),
    )
)]
#[get("/open-list.xlsx")]
pub async fn get_open_list_xlsx(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    params: Query<OpenListParams>,
) -> AppResult<HttpResponse> {
    let f: CommonFilters = params.into_inner().into();
    // A whole catalogue: in the query lane, with six times the usual time limit.
    let timeout = state.lane.timeout() * 6;
    let bytes = state.lane.read_for(&state.db, timeout, move |conn| to_xlsx(&rows(conn, &f)?)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(attachment("open-list.xlsx"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(bytes))
}
