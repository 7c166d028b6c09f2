//! Downloads: who may fetch a file (the listing's open condition, or a data
//! token of an active grant), and streaming it with ETag, Range, If-Range and
//! HEAD support. Grant-gated downloads are written to the access log.

use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, head, web};
use futures_util::StreamExt;
use serde_json::json;

use super::api::load_visible;
use super::range::{self, RangeRequest};
use super::{DistributionId, DistributionRow, model};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::listings::service::{kind_name, may_edit};
use crate::listings::{Listing, ListingStatus, OpenCondition};
use crate::openapi::responses as r;

/// Whether the caller may download the listing's files; explains why not.
pub fn check_download(caller: Option<&Caller>, l: &Listing) -> AppResult<()> {
    if caller.is_some_and(|c| may_edit(c, l)) {
        return Ok(());
    }
    match (l.status, l.open_condition) {
        (ListingStatus::Draft, _) => Err(AppError::not_found("distribution")),
        (ListingStatus::Withdrawn, _) => Err(AppError::gone(format!(
            "the {} was withdrawn ({}); its files are no longer offered",
            kind_name(l.kind),
            l.withdrawn_reason.as_deref().unwrap_or("no reason given")
        ))),
        (ListingStatus::Published, OpenCondition::Unconditional) => Ok(()),
        (ListingStatus::Published, OpenCondition::Conditional) => Err(AppError::forbidden_as(
            "grant-required",
            format!(
                "this {} is open only under conditions: a verified enterprise applies with POST /api/v1/access-requests, \
                 and downloads with an access token of the grant it receives",
                kind_name(l.kind)
            ),
        )
        .with_context(json!({"listing_id": l.id, "open_condition": "conditional", "apply_at": "/api/v1/access-requests"}))),
        (ListingStatus::Published, OpenCondition::NotOpen) => Err(AppError::forbidden_as(
            "not-open",
            format!("this {} is listed for transparency only and is never handed out", kind_name(l.kind)),
        )
        .with_context(json!({"listing_id": l.id, "open_condition": "not_open"}))),
    }
}

fn content_disposition(file_name: &str) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: file_name.as_bytes().to_vec(),
        })],
    }
}

/// RFC 9530: the checksum of the whole file, also on a range or a HEAD.
pub const REPR_DIGEST: header::HeaderName = header::HeaderName::from_static("repr-digest");

/// `sha-256=:<base64>:` from the stored hex SHA-256.
fn repr_digest(sha_hex: &str) -> String {
    use base64::Engine;
    let raw = hex::decode(sha_hex).unwrap_or_default();
    format!("sha-256=:{}:", base64::engine::general_purpose::STANDARD.encode(raw))
}

/// Answers a GET or HEAD for a file the caller may download. `kind` labels
/// the bytes sent in the metrics: `open`, `granted` or `owner`.
pub async fn serve_file(
    state: &AppState,
    req: &HttpRequest,
    d: &DistributionRow,
    head: bool,
    kind: &'static str,
) -> AppResult<HttpResponse> {
    let (Some(key), Some(size), Some(sha)) = (&d.object_key, d.byte_size, &d.sha256) else {
        return Err(match &d.access_url {
            Some(url) => AppError::not_found_detail(format!("this distribution is served at {url}, not by datagate"))
                .with_context(json!({"access_url": url})),
            None => AppError::not_found_detail("no file has been uploaded for this distribution yet"),
        });
    };
    let size = size as u64;
    let etag = format!("\"{sha}\"");
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*")) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let if_range_ok =
        req.headers().get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|v| v.trim() == etag);
    let range_header = if if_range_ok { req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()) } else { None };
    let (status, start, end) = match range::parse(range_header, size) {
        RangeRequest::Whole => (StatusCode::OK, 0, size),
        RangeRequest::Part { start, end } => (StatusCode::PARTIAL_CONTENT, start, end),
        RangeRequest::Unsatisfiable => {
            let mut e = AppError::range_not_satisfiable(format!("the file has {size} bytes"));
            e.content_range = Some(format!("bytes */{size}"));
            return Err(e);
        }
    };
    let mut res = HttpResponse::build(status);
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((REPR_DIGEST, repr_digest(sha)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(content_disposition(d.file_name.as_deref().unwrap_or("download")))
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_str(&d.media_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ));
    if status == StatusCode::PARTIAL_CONTENT {
        res.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{}/{size}", end - 1)));
    }
    if head {
        // The length of what a GET would send; actix sends no body for HEAD.
        let empty = futures_util::stream::empty::<std::io::Result<bytes::Bytes>>();
        return Ok(res.body(SizedStream::new(end - start, Box::pin(empty))));
    }
    let sent = metrics::counter!(crate::telemetry::DOWNLOAD_BYTES, "kind" => kind);
    let stream = state.storage.read(key, start..end).await?.inspect(move |chunk| {
        if let Ok(bytes) = chunk {
            sent.increment(bytes.len() as u64);
        }
    });
    Ok(res.body(SizedStream::new(end - start, Box::pin(stream))))
}

/// Serves a file to the holder of a data token and writes the download to
/// the grant's access log: the API's downloads and the portal's download
/// button both come through here.
pub async fn serve_granted(
    state: &AppState,
    req: &HttpRequest,
    id: DistributionId,
    claims: crate::grants::tokens::DataClaims,
    head: bool,
) -> AppResult<HttpResponse> {
    use crate::grants::tokens::{check_grant_download, client_addr};
    let now = state.clock.db_now();
    let (d, grant) = state
        .db
        .run(move |conn| {
            let d = model::find_live(conn, id)?.ok_or_else(|| AppError::not_found("distribution"))?;
            let grant = check_grant_download(conn, &claims, &d, now)?;
            crate::grants::aggregate::refuse_download(conn, &grant, &d)?;
            Ok((d, (grant, claims)))
        })
        .await?;
    let res = serve_file(state, req, &d, head, "granted").await?;
    if !head && res.status().is_success() {
        let (grant, claims) = grant;
        let bytes = match actix_web::body::MessageBody::size(res.body()) {
            actix_web::body::BodySize::Sized(n) => Some(n as i64),
            _ => None,
        };
        let range = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let request_id = req.extensions().get::<crate::http::RequestId>().map(|r| r.0.clone());
        let client = client_addr(req);
        state
            .db
            .run(move |conn| {
                crate::grants::access_log::record(
                    conn,
                    &crate::grants::access_log::LogEntry {
                        at: now,
                        event: "download",
                        grant: &grant,
                        distribution: Some(id.to_string()),
                        user: Some(claims.sub.clone()),
                        api_key: claims.key.clone(),
                        token_id: Some(claims.jti.clone()),
                        bytes,
                        range,
                        client,
                        request_id,
                    },
                )
            })
            .await?;
    }
    Ok(res)
}

async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: DistributionId,
    head: bool,
) -> AppResult<HttpResponse> {
    use crate::grants::tokens::{DownloadAuth, download_auth};
    match download_auth(&state, &req).await? {
        DownloadAuth::Grant(claims) => serve_granted(&state, &req, id, claims, head).await,
        auth => {
            let caller = match auth {
                DownloadAuth::Caller(c) => Some(c),
                _ => None,
            };
            let viewer = caller.clone();
            let (d, l) = state.db.run(move |conn| load_visible(conn, id, viewer.as_ref())).await?;
            check_download(caller.as_ref(), &l)?;
            let open = l.status == ListingStatus::Published && l.open_condition == OpenCondition::Unconditional;
            serve_file(&state, &req, &d, head, if open { "open" } else { "owner" }).await
        }
    }
}

/// Download a distribution's file.
///
/// Published unconditional data: anyone, no account. Conditional data needs a
/// data token of an active grant (`POST /grants/{id}/access-tokens`), sent as
/// `Authorization: Bearer …` or `?token=…`; without one, 403 `grant-required`
/// explains how to apply. `not_open` data is never handed out. Supports `Range` (206, 416), `If-None-Match` (304) and
/// `If-Range`; the ETag is the file's SHA-256. A data token stops at once when
/// its grant is revoked or suspended (403 `grant-not-active`) or when the
/// user or API key that minted it is removed, deleted or expired (401).
#[utoipa::path(
    tag = "distributions",
    operation_id = "get_distribution_file",
    params(
        ("id" = DistributionId, Path, description = "The distribution's id"),
        ("Range" = Option<String>, Header, description = "A single byte range, e.g. bytes=0-1023"),
        ("token" = Option<String>, Query, description = "A data token, for tools that only take URLs"),
    ),
    responses(
        (status = 200, description = "The whole file, as the distribution's media type", content_type = "*/*",
            headers(("ETag" = String), ("Content-Length" = u64), ("Accept-Ranges" = String))),
        (status = 206, description = "The requested range, as the distribution's media type", content_type = "*/*",
            headers(("Content-Range" = String))),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 410, response = r::Gone),
        (status = 416, response = r::RangeNotSatisfiable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/distributions/{id}/file")]
pub async fn get_distribution_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<DistributionId>,
) -> AppResult<HttpResponse> {
    download(state, req, id.into_inner(), false).await
}

/// The headers of a download, without the body.
#[utoipa::path(
    tag = "distributions",
    operation_id = "head_distribution_file",
    params(("id" = DistributionId, Path, description = "The distribution's id")),
    responses(
        (status = 200, description = "The file's headers", headers(("ETag" = String), ("Content-Length" = u64))),
        (status = 206, description = "The range's headers"),
        (status = 304, description = "Unchanged"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 410, response = r::Gone),
        (status = 416, response = r::RangeNotSatisfiable),
        (status = 503, response = r::Unavailable),
    )
)]
#[head("/distributions/{id}/file")]
pub async fn head_distribution_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<DistributionId>,
) -> AppResult<HttpResponse> {
    download(state, req, id.into_inner(), true).await
}
