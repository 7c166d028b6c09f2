//! Endpoints of distributions: add, change, remove, upload the hosted file,
//! and download it with ETag and Range support, subject to the listing's open
//! condition.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, put, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::storage::StoredFile;
use super::{Distribution, DistributionId, DistributionRow, model};
use crate::app::AppState;
use crate::auth::{Caller, Curator, MaybeCaller};
use crate::db::DbConn;
use crate::error::{AppError, AppResult, Validator};
use crate::http::Json;
use crate::http::extract::parse_json;
use crate::listings::input::merge_patch;
use crate::listings::search::Visibility;
use crate::listings::service::{commit_change, kind_name, load_for_edit, may_edit};
use crate::listings::types::FieldChange;
use crate::listings::{Listing, ListingKind, model as listing_model};
use crate::openapi::responses as r;

/// A new distribution. With `access_url` it is external (served elsewhere);
/// without, it is a hosted file to upload with `PUT /distributions/{id}/file`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDistribution {
    #[schema(example = "学校名录（CSV）")]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// e.g. `CSV`, `JSON`, `XLSX`, `API`.
    #[schema(example = "CSV")]
    pub format: String,
    /// Defaults from the format (e.g. `text/csv` for CSV).
    #[serde(default)]
    pub media_type: Option<String>,
    /// For an external distribution: the http(s) URL of the bureau's API or download page.
    #[serde(default)]
    pub access_url: Option<String>,
}

fn default_media_type(format: &str) -> &'static str {
    match format {
        "CSV" => "text/csv",
        "JSON" | "API" => "application/json",
        "JSONL" | "NDJSON" => "application/x-ndjson",
        "XLSX" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XML" => "application/xml",
        "PDF" => "application/pdf",
        "ZIP" => "application/zip",
        "GEOJSON" => "application/geo+json",
        "PARQUET" => "application/vnd.apache.parquet",
        "TXT" => "text/plain",
        "PNG" => "image/png",
        "JPEG" | "JPG" => "image/jpeg",
        _ => "application/octet-stream",
    }
}

fn is_media_type(s: &str) -> bool {
    let Some((t, sub)) = s.split_once('/') else { return false };
    let token = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b));
    token(t) && token(sub.split(';').next().unwrap_or_default().trim()) && s.len() <= 200
}

/// The cleaned fields of a distribution.
pub struct CleanDistribution {
    name: String,
    description: Option<String>,
    format: String,
    media_type: String,
    access_url: Option<String>,
}

fn clean(input: &NewDistribution, v: &mut Validator) -> CleanDistribution {
    let name = v.text("name", &input.name, 200);
    let description = v.opt_text("description", input.description.as_deref(), 2000);
    let format = input.format.trim().to_uppercase();
    v.check(
        !format.is_empty()
            && format.len() <= 20
            && format.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b)),
        "format",
        "must be 1–20 letters, digits and - _ . + (e.g. CSV)",
    );
    let media_type = input
        .media_type
        .as_deref()
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_else(|| default_media_type(&format).to_string());
    v.check(is_media_type(&media_type), "media_type", "must be a media type such as text/csv");
    let access_url = input.access_url.as_deref().map(str::trim).filter(|u| !u.is_empty()).map(str::to_string);
    if let Some(u) = &access_url {
        let ok = url::Url::parse(u).ok().is_some_and(|p| matches!(p.scheme(), "http" | "https") && p.has_host());
        v.check(ok && u.len() <= 2000, "access_url", "must be an http(s) URL");
    }
    CleanDistribution { name, description, format, media_type, access_url }
}

/// Adds a distribution to the listing `key` of `kind`.
pub async fn create(
    state: &AppState,
    caller: Curator,
    kind: ListingKind,
    key: String,
    input: NewDistribution,
) -> AppResult<HttpResponse> {
    let mut v = Validator::new();
    let c = clean(&input, &mut v);
    v.finish()?;
    let now = state.clock.db_now();
    let row = state.db.write(move |conn| add(conn, &caller, kind, &key, c, now)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/distributions/{}", row.id)))
        .json(Distribution::from(&row)))
}

/// Validates a new distribution's fields.
pub fn validate(input: &NewDistribution) -> AppResult<CleanDistribution> {
    let mut v = Validator::new();
    let c = clean(input, &mut v);
    v.finish()?;
    Ok(c)
}

/// Adds a validated distribution, in the caller's transaction.
pub fn add(
    conn: &mut DbConn,
    caller: &Caller,
    kind: ListingKind,
    key: &str,
    c: CleanDistribution,
    now: chrono::NaiveDateTime,
) -> AppResult<DistributionRow> {
    let mut l = load_for_edit(conn, kind, key, caller)?;
    let row = DistributionRow {
        id: DistributionId::new(),
        listing_id: l.id,
        name: c.name,
        description: c.description,
        format: c.format,
        media_type: c.media_type,
        access_url: c.access_url,
        object_key: None,
        byte_size: None,
        sha256: None,
        file_name: None,
        uploaded_at: None,
        created_at: now,
        modified_at: now,
        removed_at: None,
    };
    model::insert(conn, &row)?;
    let change = FieldChange {
        field: format!("distributions[{}]", row.id),
        old: serde_json::Value::Null,
        new: json!({"name": row.name, "format": row.format, "access_url": row.access_url}),
    };
    commit_change(conn, &mut l, caller, now, "distribution.add", vec![change])?;
    Ok(row)
}

/// Makes a stored file the distribution's file, in the caller's transaction.
pub fn attach_file(
    conn: &mut DbConn,
    caller: &Caller,
    id: DistributionId,
    stored: StoredFile,
    file_name: Option<String>,
    now: chrono::NaiveDateTime,
) -> AppResult<DistributionRow> {
    let (mut d, mut l) = load_editable(conn, id, caller)?;
    let change = FieldChange {
        field: format!("distributions[{}].sha256", d.id),
        old: json!(d.sha256),
        new: json!(stored.sha256),
    };
    d.file_name = Some(file_name.unwrap_or_else(|| format!("{}.{}", d.id, d.format.to_lowercase())));
    d.object_key = Some(stored.key);
    d.byte_size = Some(stored.size as i64);
    d.sha256 = Some(stored.sha256);
    d.uploaded_at = Some(now);
    d.modified_at = now;
    model::save(conn, &d)?;
    crate::profiles::enqueue(conn, &d, now)?;
    commit_change(conn, &mut l, caller, now, "distribution.upload", vec![change])?;
    Ok(d)
}

/// A live distribution and its listing, if the caller may see the listing.
pub fn load_visible(
    conn: &mut DbConn,
    id: DistributionId,
    caller: Option<&Caller>,
) -> AppResult<(DistributionRow, Listing)> {
    let d = model::find_live(conn, id)?.ok_or_else(|| AppError::not_found("distribution"))?;
    let l = listing_model::find_by_id(conn, d.listing_id)?.ok_or_else(|| AppError::not_found("distribution"))?;
    if !Visibility::of(caller).sees(l.status, l.bureau_id) {
        return Err(AppError::not_found("distribution"));
    }
    Ok((d, l))
}

/// A live distribution the caller may change, and its listing.
fn load_editable(conn: &mut DbConn, id: DistributionId, caller: &Caller) -> AppResult<(DistributionRow, Listing)> {
    let (d, l) = load_visible(conn, id, Some(caller))?;
    if !may_edit(caller, &l) {
        return Err(AppError::forbidden(format!(
            "only publishers of the owning bureau and administrators may change this {}'s distributions",
            kind_name(l.kind)
        )));
    }
    Ok((d, l))
}

/// Get a distribution's description.
#[utoipa::path(
    tag = "distributions",
    operation_id = "get_distribution",
    params(("id" = DistributionId, Path, description = "The distribution's id")),
    responses(
        (status = 200, description = "The distribution", body = Distribution),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/distributions/{id}")]
pub async fn get_distribution(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    id: web::Path<DistributionId>,
) -> AppResult<web::Json<Distribution>> {
    let id = id.into_inner();
    let (d, _) = state.db.run(move |conn| load_visible(conn, id, caller.0.as_ref())).await?;
    Ok(web::Json(Distribution::from(&d)))
}

/// Change a distribution with a JSON merge patch of its fields (name,
/// description, format, media_type, access_url). A hosted distribution stays
/// hosted and an external one external.
#[utoipa::path(
    tag = "distributions",
    operation_id = "update_distribution",
    params(("id" = DistributionId, Path, description = "The distribution's id")),
    request_body(content = Object, description = "A JSON merge patch of the fields of NewDistribution",
        content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed distribution", body = Distribution),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/distributions/{id}")]
pub async fn update_distribution(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<DistributionId>,
    body: Json<serde_json::Value>,
) -> AppResult<web::Json<Distribution>> {
    let id = id.into_inner();
    let patch = body.into_inner();
    if !patch.is_object() {
        return Err(AppError::invalid("body", "a merge patch must be a JSON object"));
    }
    let now = state.clock.db_now();
    let row = state
        .db
        .write(move |conn| {
            let (mut d, mut l) = load_editable(conn, id, &caller)?;
            let before = NewDistribution {
                name: d.name.clone(),
                description: d.description.clone(),
                format: d.format.clone(),
                media_type: Some(d.media_type.clone()),
                access_url: d.access_url.clone(),
            };
            let before_value = serde_json::to_value(&before).map_err(|e| AppError::internal(e.to_string()))?;
            let mut merged = before_value.clone();
            merge_patch(&mut merged, &patch);
            let bytes = serde_json::to_vec(&merged).map_err(|e| AppError::internal(e.to_string()))?;
            let input: NewDistribution = parse_json(&bytes)?;
            let mut v = Validator::new();
            let c = clean(&input, &mut v);
            if d.is_hosted() {
                v.check(
                    c.access_url.is_none(),
                    "access_url",
                    "a hosted distribution has no access URL; add an external distribution instead",
                );
            } else {
                v.check(c.access_url.is_some(), "access_url", "an external distribution needs its access URL");
            }
            v.finish()?;
            let after_value = serde_json::to_value(&input).map_err(|e| AppError::internal(e.to_string()))?;
            let changes: Vec<FieldChange> = crate::listings::input::diff(&before_value, &after_value)
                .into_iter()
                .map(|ch| FieldChange { field: format!("distributions[{}].{}", d.id, ch.field), ..ch })
                .collect();
            if changes.is_empty() {
                return Ok(d);
            }
            d.name = c.name;
            d.description = c.description;
            d.format = c.format;
            d.media_type = c.media_type;
            d.access_url = c.access_url;
            d.modified_at = now;
            model::save(conn, &d)?;
            commit_change(conn, &mut l, &caller, now, "distribution.update", changes)?;
            Ok(d)
        })
        .await?;
    Ok(web::Json(Distribution::from(&row)))
}

/// Remove a distribution. Its file stays in the store until `datagate storage
/// gc` finds it unreferenced.
#[utoipa::path(
    tag = "distributions",
    operation_id = "delete_distribution",
    params(("id" = DistributionId, Path, description = "The distribution's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/distributions/{id}")]
pub async fn delete_distribution(
    state: web::Data<AppState>,
    caller: Curator,
    id: web::Path<DistributionId>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.db_now();
    state
        .db
        .write(move |conn| {
            let (d, mut l) = load_editable(conn, id, &caller)?;
            model::remove(conn, d.id, now)?;
            let change = FieldChange {
                field: format!("distributions[{}]", d.id),
                old: json!({"name": d.name, "format": d.format}),
                new: serde_json::Value::Null,
            };
            commit_change(conn, &mut l, &caller, now, "distribution.remove", vec![change])
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    /// The file name offered to downloaders (default: the distribution's id and format).
    pub file_name: Option<String>,
}

/// Upload the hosted file of a distribution (the raw bytes as the body).
///
/// The body is streamed to storage, never held in memory; SHA-256 and size
/// are computed on the way. The file becomes visible only once it has arrived
/// whole: an interrupted upload leaves the previous file (or none) in place.
/// At most `DATAGATE_UPLOAD_LIMIT` bytes (413 beyond); a body that stalls
/// longer than `DATAGATE_UPLOAD_IDLE_TIMEOUT` is abandoned with 408.
#[utoipa::path(
    tag = "distributions",
    operation_id = "upload_distribution_file",
    params(("id" = DistributionId, Path, description = "The distribution's id"), UploadParams),
    request_body(content = Vec<u8>, description = "The file's bytes", content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "Stored; the distribution with its size and SHA-256", body = Distribution),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 408, response = r::RequestTimeout),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 413, response = r::PayloadTooLarge),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[put("/distributions/{id}/file")]
pub async fn upload_distribution_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Curator,
    id: web::Path<DistributionId>,
    params: crate::http::Query<UploadParams>,
    payload: web::Payload,
) -> AppResult<web::Json<Distribution>> {
    let id = id.into_inner();
    let limit = state.config.upload_limit;
    let file_name = match params.into_inner().file_name.map(|f| f.trim().to_string()) {
        Some(f) if f.is_empty() || f.len() > 255 || f.contains(['/', '\\', '"']) || f.chars().any(char::is_control) => {
            return Err(AppError::invalid(
                "file_name",
                "must be 1–255 characters without / \\ \" or control characters",
            ));
        }
        // A right-to-left override makes `gpj.exe` display as `exe.jpg`;
        // invisible characters make two names look the same.
        Some(f) if f.chars().any(crate::orgs::confusable::is_hidden) => {
            let mut v = crate::error::Validator::new();
            crate::orgs::confusable::refuse_hidden(&mut v, "file_name", &f);
            v.finish()?;
            Some(f)
        }
        other => other,
    };
    let check_caller = caller.clone();
    let (d, _) = state.db.run(move |conn| load_editable(conn, id, &check_caller)).await?;
    if !d.is_hosted() {
        return Err(AppError::conflict(
            "this distribution is external (served at its access URL); it has no file to upload",
        ));
    }
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(AppError::payload_too_large(format!("the file is larger than the upload limit of {limit} bytes")));
    }
    let stored = state.storage.put_stream(payload, limit, state.config.upload_idle_timeout).await?;
    let now = state.clock.db_now();
    let row = state.db.write(move |conn| attach_file(conn, &caller, id, stored, file_name, now)).await?;
    crate::profiles::jobs::Runner::new(&state.db, &state.storage, &state.clock, &state.config.data_dir).kick(row.id);
    Ok(web::Json(Distribution::from(&row)))
}
