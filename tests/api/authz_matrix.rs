//! The authorisation matrix: every operation of the OpenAPI document, called
//! as every kind of caller, against objects owned by each, with the expected
//! status of every cell — and proof that a refused call changed nothing.
//!
//! # Adding an endpoint
//!
//! [`authz_every_operation_is_in_the_matrix`] fails until the new operation has a
//! row in [`ROWS`]. A row names the `operationId`, the method, a concrete
//! path and an optional body, and the expected status for each caller in the
//! order of [`CALLERS`]. Paths and bodies may hold `<placeholders>`:
//!
//! - plain ones name an object of the shared [`World`] (`<draft_x>`,
//!   `<grant_a>`, …; see the names [`World::build`] records);
//! - `<new_…>` ones create a fresh object for each cell (see
//!   [`World::fresh`]), so that a call that succeeds for one caller does not
//!   change what the next caller meets. Within one cell the same placeholder
//!   names the same object.
//!
//! Run it alone with `cargo test --test api authz` (add
//! `TEST_DATABASE_URL=postgres://…` for PostgreSQL). With `AUTHZ_PRINT=1` it
//! prints the observed table in the form of [`ROWS`], to help write a new row
//! — check every printed cell against what the endpoint must allow before
//! copying it.

use std::collections::{BTreeSet, HashMap};

use diesel::QueryableByName;
use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use serde_json::Value;

pub use crate::authz_world::World;
use crate::helpers::*;

/// The kinds of caller, in the order of [`Row::expect`].
pub const CALLERS: [&str; 8] = ["anonymous", "unverified", "ent_a", "ent_b", "suspended", "pub_x", "pub_y", "admin"];

/// How a row sends its body.
#[derive(Clone, Copy)]
enum Body {
    None,
    /// `application/json`.
    Json(&'static str),
    /// `application/merge-patch+json` with `If-Match` set to the target's
    /// current ETag (read by the administrator first).
    Patch(&'static str),
    /// `application/x-www-form-urlencoded`.
    Form(&'static str),
    /// A small CSV file.
    Csv,
}

/// One operation of the API.
struct Row {
    op: &'static str,
    method: &'static str,
    path: &'static str,
    body: Body,
    /// The status for each of [`CALLERS`].
    expect: [u16; 8],
}

const fn row(op: &'static str, method: &'static str, path: &'static str, body: Body, expect: [u16; 8]) -> Row {
    Row { op, method, path, body, expect }
}

use Body::{Csv, Form, Json, Patch};
const NONE: Body = Body::None;

const REASON: &str = r#"{"reason": "授权矩阵测试"}"#;
pub const REQUEST: &str = r#"{"listing": "<new_cond_x>", "purpose_category": "model_training", "purpose": "训练面向教育规划的学位需求预测模型",
    "scenario": "在企业内部隔离的训练集群中处理，不出境", "duration_days": 30,
    "security_measures": "数据加密存储，访问留痕，训练后删除原始数据", "terms_version": 1}"#;
const DATASET: &str = r#"{"name": "<uniq>", "bureau_id": "<bureau_x>", "title": "矩阵测试数据集", "domain": "education",
    "open_condition": "unconditional", "update_frequency": "monthly", "licence": "CC-BY-4.0"}"#;
const CORPUS: &str = r#"{"name": "<uniq>", "bureau_id": "<bureau_x>", "title": "矩阵测试语料", "domain": "education",
    "open_condition": "unconditional", "update_frequency": "monthly", "licence": "CC-BY-4.0", "modality": "text"}"#;
pub const DISTRIBUTION: &str = r#"{"name": "接口", "format": "API", "access_url": "https://data.sh.gov.cn/api/m"}"#;
const USAGE: &str =
    r#"{"period_start": "2026-11-01", "period_end": "2026-11-28", "usage": "训练", "outcome": "模型可用"}"#;

/// The matrix. Callers: anonymous, unverified, ent_a, ent_b, suspended, pub_x, pub_y, admin.
///
/// How to read it: 401 — no credential; 403 — the caller's kind or state may
/// never do this (a suspended organisation's credentials are refused
/// everywhere; an unverified enterprise may read its own account and what
/// anyone may read); 404 — the object exists but is not one the caller may
/// see, answered exactly as a missing one (`authz_leaks.rs` checks the
/// bodies too). An unverified enterprise meets another organisation's
/// objects as 404 and its own account's lists as empty pages.
#[rustfmt::skip]
const ROWS: &[Row] = &[
    // auth
    row("create_token", "POST", "/api/v1/auth/token", Json(r#"{"email": "<email_a>", "password": "<password>"}"#), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("refresh_token", "POST", "/api/v1/auth/refresh", Json(r#"{"refresh_token": "<new_refresh_a>"}"#), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("delete_session", "POST", "/api/v1/auth/logout", Json(r#"{"refresh_token": "<new_refresh_a>"}"#), [204, 204, 204, 204, 204, 204, 204, 204]),
    row("get_me", "GET", "/api/v1/me", NONE, [401, 200, 200, 200, 403, 200, 200, 200]),
    row("start_totp", "POST", "/api/v1/me/totp", Json("{}"), [401, 200, 200, 200, 403, 200, 200, 409]),
    row("confirm_totp", "POST", "/api/v1/me/totp/confirm", Json(r#"{"code": "not-a-code"}"#), [401, 422, 422, 422, 403, 422, 422, 409]),
    row("disable_totp", "POST", "/api/v1/me/totp/disable", Json(r#"{"code": "not-a-code"}"#), [401, 409, 409, 409, 403, 409, 409, 409]),
    row("delete_sign_in_lock", "DELETE", "/api/v1/me/sign-in-lock", NONE, [401, 204, 204, 204, 403, 204, 204, 204]),
    row("get_jwks", "GET", "/.well-known/jwks.json", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    // api keys
    row("create_api_key", "POST", "/api/v1/api-keys", Json(r#"{"name": "matrix"}"#), [401, 403, 201, 201, 403, 201, 201, 403]),
    row("list_api_keys", "GET", "/api/v1/api-keys", NONE, [401, 200, 200, 200, 403, 200, 200, 200]),
    row("delete_api_key", "DELETE", "/api/v1/api-keys/<new_key_a>", NONE, [401, 403, 204, 404, 403, 404, 404, 404]),
    // enterprises
    row("create_enterprise", "POST", "/api/v1/enterprises", Json(r#"{"name": "矩阵公司<uniq>", "uscc": "<uscc>",
        "contact": {"name": "王明", "phone": "+86 21 5555 0100", "email": "c@example.cn"},
        "owner": {"email": "<uniq>@example.cn", "password": "<password>"}}"#), [201, 201, 201, 201, 201, 201, 201, 201]),
    row("list_enterprises", "GET", "/api/v1/enterprises", NONE, [401, 200, 200, 200, 403, 403, 403, 200]),
    row("get_enterprise", "GET", "/api/v1/enterprises/<ent_a>", NONE, [401, 404, 200, 404, 403, 404, 404, 200]),
    row("verify_enterprise", "POST", "/api/v1/enterprises/<new_pending_ent>/verify", Json(REASON), [401, 403, 403, 403, 403, 403, 403, 200]),
    row("reject_enterprise", "POST", "/api/v1/enterprises/<new_pending_ent>/reject", Json(REASON), [401, 403, 403, 403, 403, 403, 403, 200]),
    row("suspend_enterprise", "POST", "/api/v1/enterprises/<new_verified_ent>/suspend", Json(REASON), [401, 403, 403, 403, 403, 403, 403, 200]),
    row("reinstate_enterprise", "POST", "/api/v1/enterprises/<new_suspended_ent>/reinstate", Json(REASON), [401, 403, 403, 403, 403, 403, 403, 200]),
    // users
    row("list_enterprise_users", "GET", "/api/v1/enterprises/<ent_a>/users", NONE, [401, 404, 200, 404, 403, 404, 404, 200]),
    row("create_enterprise_user", "POST", "/api/v1/enterprises/<ent_a>/users", Json(r#"{"email": "<uniq>@example.cn", "password": "<password>"}"#), [401, 403, 201, 403, 403, 403, 403, 403]),
    row("delete_enterprise_user", "DELETE", "/api/v1/enterprises/<ent_a>/users/<new_member_a>", NONE, [401, 403, 204, 403, 403, 403, 403, 403]),
    row("list_bureau_users", "GET", "/api/v1/bureaus/<bureau_x>/users", NONE, [401, 404, 404, 404, 403, 200, 404, 200]),
    row("create_bureau_user", "POST", "/api/v1/bureaus/<bureau_x>/users", Json(r#"{"email": "<uniq>@city.gov.cn", "password": "<password>"}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    row("delete_bureau_user", "DELETE", "/api/v1/bureaus/<bureau_x>/users/<new_publisher_x>", NONE, [401, 403, 403, 403, 403, 403, 403, 204]),
    // bureaus and domains
    row("create_bureau", "POST", "/api/v1/bureaus", Json(r#"{"name": "矩阵局<uniq>", "code": "m-<uniq>"}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    row("list_bureaus", "GET", "/api/v1/bureaus", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("get_bureau", "GET", "/api/v1/bureaus/<bureau_x>", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("list_domains", "GET", "/api/v1/domains", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("create_domain", "POST", "/api/v1/domains", Json(r#"{"code": "m_<uniq>", "label_zh": "矩阵", "label_en": "Matrix"}"#), [401, 403, 403, 403, 403, 403, 403, 201]),
    // datasets
    row("create_dataset", "POST", "/api/v1/datasets", Json(DATASET), [401, 403, 403, 403, 403, 201, 403, 201]),
    row("list_datasets", "GET", "/api/v1/datasets", NONE, [200, 200, 200, 200, 403, 200, 200, 200]),
    row("get_dataset", "GET", "/api/v1/datasets/<draft_x>", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    row("update_dataset", "PATCH", "/api/v1/datasets/<new_draft_x>", Patch(r#"{"title": "改过的标题"}"#), [401, 403, 403, 403, 403, 200, 404, 200]),
    row("publish_dataset", "POST", "/api/v1/datasets/<new_draft_x>/publish", NONE, [401, 403, 403, 403, 403, 200, 404, 200]),
    row("withdraw_dataset", "POST", "/api/v1/datasets/<new_open_x>/withdraw", Json(REASON), [401, 403, 403, 403, 403, 200, 403, 200]),
    row("list_dataset_revisions", "GET", "/api/v1/datasets/<draft_x>/revisions", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    row("create_dataset_distribution", "POST", "/api/v1/datasets/<new_draft_x>/distributions", Json(DISTRIBUTION), [401, 403, 403, 403, 403, 201, 404, 201]),
    row("get_dataset_schema_org", "GET", "/api/v1/datasets/<draft_x>/schema-org", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    // corpora
    row("create_corpus", "POST", "/api/v1/corpora", Json(CORPUS), [401, 403, 403, 403, 403, 201, 403, 201]),
    row("list_corpora", "GET", "/api/v1/corpora", NONE, [200, 200, 200, 200, 403, 200, 200, 200]),
    row("get_corpus", "GET", "/api/v1/corpora/<corpus_draft_x>", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    row("update_corpus", "PATCH", "/api/v1/corpora/<new_corpus_draft_x>", Patch(r#"{"title": "改过的标题"}"#), [401, 403, 403, 403, 403, 200, 404, 200]),
    row("publish_corpus", "POST", "/api/v1/corpora/<new_corpus_draft_x>/publish", NONE, [401, 403, 403, 403, 403, 200, 404, 200]),
    row("withdraw_corpus", "POST", "/api/v1/corpora/<new_corpus_x>/withdraw", Json(REASON), [401, 403, 403, 403, 403, 200, 403, 200]),
    row("list_corpus_revisions", "GET", "/api/v1/corpora/<corpus_draft_x>/revisions", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    row("create_corpus_distribution", "POST", "/api/v1/corpora/<new_corpus_draft_x>/distributions", Json(DISTRIBUTION), [401, 403, 403, 403, 403, 201, 404, 201]),
    row("get_corpus_croissant", "GET", "/api/v1/corpora/<corpus_draft_x>/croissant", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    row("get_corpus_schema_org", "GET", "/api/v1/corpora/<corpus_draft_x>/schema-org", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    // the open list
    row("get_open_list_csv", "GET", "/api/v1/open-list.csv", NONE, [200, 200, 200, 200, 403, 200, 200, 200]),
    row("get_open_list_xlsx", "GET", "/api/v1/open-list.xlsx", NONE, [200, 200, 200, 200, 403, 200, 200, 200]),
    // distributions
    row("get_distribution", "GET", "/api/v1/distributions/<dist_draft_x>", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    row("update_distribution", "PATCH", "/api/v1/distributions/<new_dist_x>", Patch(r#"{"name": "改名"}"#), [401, 403, 403, 403, 403, 200, 404, 200]),
    row("delete_distribution", "DELETE", "/api/v1/distributions/<new_dist_x>", NONE, [401, 403, 403, 403, 403, 204, 404, 204]),
    row("upload_distribution_file", "PUT", "/api/v1/distributions/<new_dist_x>/file?file_name=m.csv", Csv, [401, 403, 403, 403, 403, 200, 404, 200]),
    row("get_distribution_file", "GET", "/api/v1/distributions/<dist_cond_x>/file", NONE, [403, 403, 403, 403, 403, 200, 403, 200]),
    row("head_distribution_file", "HEAD", "/api/v1/distributions/<dist_cond_x>/file", NONE, [403, 403, 403, 403, 403, 200, 403, 200]),
    // A conditional file's profile is public in its protected form unless the bureau withholds it.
    row("get_distribution_profile", "GET", "/api/v1/distributions/<dist_cond_x>/profile", NONE, [200, 200, 200, 200, 403, 200, 200, 200]),
    row("get_distribution_disclosure", "GET", "/api/v1/distributions/<dist_draft_x>/disclosure", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    row("update_distribution_disclosure", "PUT", "/api/v1/distributions/<new_dist_x>/disclosure", Json(r#"{"k_threshold": 5}"#), [401, 403, 403, 403, 403, 200, 404, 200]),
    // access requests and grants
    row("create_access_request", "POST", "/api/v1/access-requests", Json(REQUEST), [401, 403, 201, 201, 403, 403, 403, 403]),
    row("list_access_requests", "GET", "/api/v1/access-requests", NONE, [401, 200, 200, 200, 403, 200, 200, 200]),
    row("get_access_request", "GET", "/api/v1/access-requests/<req_a>", NONE, [401, 404, 200, 404, 403, 200, 404, 200]),
    row("create_access_request_opinion", "POST", "/api/v1/access-requests/<new_request_a>/opinion", Json(r#"{"opinion": "consent", "comment": "同意"}"#), [401, 403, 403, 403, 403, 200, 404, 403]),
    row("approve_access_request", "POST", "/api/v1/access-requests/<new_request_a>/approve", Json("{}"), [401, 403, 403, 403, 403, 403, 403, 200]),
    row("reject_access_request", "POST", "/api/v1/access-requests/<new_request_a>/reject", Json(REASON), [401, 403, 403, 403, 403, 403, 403, 200]),
    row("withdraw_access_request", "POST", "/api/v1/access-requests/<new_request_a>/withdraw", NONE, [401, 404, 200, 404, 403, 403, 404, 403]),
    row("list_grants", "GET", "/api/v1/grants", NONE, [401, 200, 200, 200, 403, 200, 200, 200]),
    row("get_grant", "GET", "/api/v1/grants/<grant_a>", NONE, [401, 404, 200, 404, 403, 200, 404, 200]),
    row("revoke_grant", "POST", "/api/v1/grants/<new_grant_a>/revoke", Json(REASON), [401, 403, 403, 403, 403, 200, 404, 200]),
    // new_grant_a is active, not suspended: the administrator reaches the decision and is told so (409).
    row("reinstate_grant", "POST", "/api/v1/grants/<new_grant_a>/reinstate", Json(REASON), [401, 403, 403, 403, 403, 403, 403, 409]),
    row("create_grant_access_token", "POST", "/api/v1/grants/<grant_a>/access-tokens", NONE, [401, 403, 201, 404, 403, 403, 403, 403]),
    // grant_a is an ordinary grant: its enterprise reaches the query and is told it is not in aggregate mode (409).
    row("create_grant_query", "POST", "/api/v1/grants/<grant_a>/queries", Json(r#"{"distribution_id": "<dist_cond_x>", "aggregate": "count", "epsilon": 0.1}"#), [401, 403, 409, 404, 403, 403, 403, 403]),
    row("get_grant_privacy_budget", "GET", "/api/v1/grants/<grant_a>/privacy-budget", NONE, [401, 404, 404, 404, 403, 404, 404, 404]),
    row("create_token_introspection", "POST", "/api/v1/tokens/introspect", Form("token=<data_token_a>"), [401, 403, 403, 403, 403, 200, 200, 200]),
    row("create_usage_report", "POST", "/api/v1/grants/<grant_a>/usage-reports", Json(USAGE), [401, 403, 201, 404, 403, 403, 403, 403]),
    row("list_usage_reports", "GET", "/api/v1/grants/<grant_a>/usage-reports", NONE, [401, 404, 200, 404, 403, 200, 404, 200]),
    row("list_access_log", "GET", "/api/v1/access-log", NONE, [401, 200, 200, 200, 403, 200, 200, 200]),
    // audit and operations
    row("list_audit_entries", "GET", "/api/v1/audit", NONE, [401, 403, 403, 403, 403, 403, 403, 200]),
    row("verify_audit_chain", "GET", "/api/v1/audit/verify", NONE, [401, 403, 403, 403, 403, 403, 403, 200]),
    row("list_audit_checkpoints", "GET", "/api/v1/audit/checkpoints", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("create_audit_checkpoint", "POST", "/api/v1/audit/checkpoints", NONE, [401, 403, 403, 403, 403, 403, 403, 201]),
    row("verify_audit_checkpoint", "POST", "/api/v1/audit/verify", Json(r#"{"key_id": "k", "statement": "s\n", "signature": "AA"}"#),
        [401, 403, 403, 403, 403, 403, 403, 422]),
    row("get_audit_inclusion_proof", "GET", "/api/v1/audit/entries/1/proof?tree_size=1", NONE, [401, 403, 404, 404, 403, 404, 404, 200]),
    row("get_audit_consistency_proof", "GET", "/api/v1/audit/consistency?first=1&second=1", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("get_healthz", "GET", "/healthz", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("get_readyz", "GET", "/readyz", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    // Loopback-only without DATAGATE_METRICS_TOKEN; the test server's clients are on loopback.
    // Credentials are not read, so a suspended organisation's are not refused either.
    row("get_metrics", "GET", "/metrics", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    // DCAT-AP: the catalogue is public and reads no credential; a listing's
    // export is seen as the listing itself (a draft by its bureau and the administrator).
    row("get_catalog", "GET", "/api/v1/catalog", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("get_catalog_as", "GET", "/api/v1/catalog.ttl", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("get_dataset_dcat", "GET", "/api/v1/datasets/<draft_x>/dcat", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    row("get_corpus_dcat", "GET", "/api/v1/corpora/<corpus_draft_x>/dcat", NONE, [404, 404, 404, 404, 403, 200, 404, 200]),
    // CKAN Action API: public and read-only, credentials not read; drafts are
    // invisible to everyone (CKAN's 404 `Not Found Error`), errors in CKAN's envelope.
    row("ckan_status_show", "GET", "/api/3/action/status_show", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_status_show_post", "POST", "/api/3/action/status_show", Json("{}"), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_site_read", "GET", "/api/3/action/site_read", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_site_read_post", "POST", "/api/3/action/site_read", Json("{}"), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_package_list", "GET", "/api/3/action/package_list", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_package_list_post", "POST", "/api/3/action/package_list", Json(r#"{"limit": 10}"#), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_package_show", "GET", "/api/3/action/package_show?id=<draft_x>", NONE, [404, 404, 404, 404, 404, 404, 404, 404]),
    row("ckan_package_show_post", "POST", "/api/3/action/package_show", Json(r#"{"id": "<open_x>"}"#), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_package_search", "GET", "/api/3/action/package_search?q=%E8%8D%89%E7%A8%BF", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_package_search_post", "POST", "/api/3/action/package_search", Json(r#"{"q": "草稿", "rows": 5}"#), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_resource_show", "GET", "/api/3/action/resource_show?id=<dist_draft_x>", NONE, [404, 404, 404, 404, 404, 404, 404, 404]),
    row("ckan_resource_show_post", "POST", "/api/3/action/resource_show", Json(r#"{"id": "<dist_cond_x>"}"#), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_organization_list", "GET", "/api/3/action/organization_list?all_fields=true", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_organization_list_post", "POST", "/api/3/action/organization_list", Json("{}"), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_organization_show", "GET", "/api/3/action/organization_show?id=<bureau_x>", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_organization_show_post", "POST", "/api/3/action/organization_show", Json(r#"{"id": "<bureau_y>"}"#), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_group_list", "GET", "/api/3/action/group_list?all_fields=true", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_group_list_post", "POST", "/api/3/action/group_list", Json("{}"), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_group_show", "GET", "/api/3/action/group_show?id=education", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_group_show_post", "POST", "/api/3/action/group_show", Json(r#"{"id": "education"}"#), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_tag_list", "GET", "/api/3/action/tag_list", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_tag_list_post", "POST", "/api/3/action/tag_list", Json(r#"{"all_fields": true}"#), [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_license_list", "GET", "/api/3/action/license_list", NONE, [200, 200, 200, 200, 200, 200, 200, 200]),
    row("ckan_license_list_post", "POST", "/api/3/action/license_list", Json("{}"), [200, 200, 200, 200, 200, 200, 200, 200]),
];

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    s: String,
}

/// What a refused call must not change: every business table, and the audit
/// trail. (Login throttling and `last_used_at` of keys are bookkeeping of
/// the request itself and left out.)
const SNAPSHOT: &[&str] = &[
    "SELECT id || ' ' || status || ' ' || name || ' ' || CAST(updated_at AS TEXT) AS s FROM organisations",
    "SELECT id || ' ' || role || ' ' || email || ' ' || COALESCE(CAST(removed_at AS TEXT), '-') AS s FROM users",
    "SELECT id || ' ' || COALESCE(CAST(used_at AS TEXT), '-') || ' ' || COALESCE(CAST(revoked_at AS TEXT), '-') AS s FROM refresh_tokens",
    "SELECT id || ' ' || name || ' ' || COALESCE(CAST(revoked_at AS TEXT), '-') AS s FROM api_keys",
    "SELECT CAST(seq AS TEXT) || ' ' || action AS s FROM audit_log",
    "SELECT code AS s FROM domains",
    "SELECT id || ' ' || status || ' ' || CAST(version AS TEXT) || ' ' || title || ' ' || bureau_id || ' ' || CAST(modified_at AS TEXT) AS s FROM listings",
    "SELECT CAST(count(*) AS TEXT) AS s FROM listing_revisions",
    "SELECT CAST(count(*) AS TEXT) AS s FROM listing_terms",
    "SELECT CAST(count(*) AS TEXT) AS s FROM corpora",
    "SELECT id || ' ' || name || ' ' || CAST(modified_at AS TEXT) || ' ' || COALESCE(sha256, '-') || ' ' || COALESCE(CAST(removed_at AS TEXT), '-') AS s FROM distributions",
    "SELECT id || ' ' || state || ' ' || CAST(updated_at AS TEXT) AS s FROM access_requests",
    "SELECT id || ' ' || COALESCE(CAST(revoked_at AS TEXT), '-') || ' ' || CAST(next_report_due AS TEXT) AS s FROM grants",
    "SELECT id || ' ' || COALESCE(CAST(suspended_at AS TEXT), '-') AS s FROM grants",
    "SELECT CAST(count(*) AS TEXT) AS s FROM access_log",
    "SELECT CAST(count(*) AS TEXT) AS s FROM usage_reports",
];

fn snapshot(app: &TestApp) -> Vec<Vec<String>> {
    let mut conn = app.state.db.get().expect("connection");
    SNAPSHOT
        .iter()
        .map(|q| {
            let mut lines: Vec<String> = diesel::sql_query(*q)
                .load::<Line>(&mut *conn)
                .unwrap_or_else(|e| panic!("{q}: {e}"))
                .into_iter()
                .map(|l| l.s)
                .collect();
            lines.sort();
            lines
        })
        .collect()
}

/// Sends one cell's request.
async fn send(w: &World, r: &Row, caller: usize, cell: &mut HashMap<String, String>) -> (String, Resp) {
    let path = w.resolve(r.path, cell).await;
    let mut headers: Vec<(&str, String)> = Vec::new();
    if let Some(t) = &w.tokens[caller] {
        headers.push(("Authorization", format!("Bearer {t}")));
    }
    let body = match r.body {
        Body::None => Vec::new(),
        Body::Json(t) => {
            headers.push(("Content-Type", "application/json".into()));
            w.resolve(t, cell).await.into_bytes()
        }
        Body::Patch(t) => {
            headers.push(("Content-Type", "application/merge-patch+json".into()));
            let current = w.app.get(&path, Some(&w.admin.token)).await;
            if let Some(etag) = current.header("etag") {
                headers.push(("If-Match", etag));
            }
            w.resolve(t, cell).await.into_bytes()
        }
        Body::Form(t) => {
            headers.push(("Content-Type", "application/x-www-form-urlencoded".into()));
            w.resolve(t, cell).await.into_bytes()
        }
        Body::Csv => {
            headers.push(("Content-Type", "text/csv".into()));
            b"code\n1\n".to_vec()
        }
    };
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let before = snapshot(&w.app);
    let resp = w.app.raw(r.method, &path, &headers, body).await;
    if resp.status.as_u16() >= 400 {
        assert_eq!(before, snapshot(&w.app), "{} as {}: a refused call changed the database", r.op, CALLERS[caller]);
    }
    (path, resp)
}

#[actix_web::test]
async fn authz_every_operation_as_every_caller() {
    let w = World::build().await;
    let print = std::env::var("AUTHZ_PRINT").is_ok_and(|v| !v.is_empty());
    let mut mismatches = Vec::new();
    for r in ROWS {
        let mut seen = [0u16; 8];
        for (caller, expected) in r.expect.iter().enumerate() {
            let mut cell = HashMap::new();
            let (path, resp) = send(&w, r, caller, &mut cell).await;
            let status = resp.status.as_u16();
            seen[caller] = status;
            if status >= 400 && r.path.starts_with("/api/3/") {
                // CKAN's own error envelope, not problem+json.
                assert_eq!(resp.content_type(), "application/json", "{} as {}", r.op, CALLERS[caller]);
                assert_eq!(resp.json()["success"], false, "{} as {}: CKAN envelope", r.op, CALLERS[caller]);
            } else if status >= 400 && r.method != "HEAD" {
                assert_eq!(resp.content_type(), "application/problem+json", "{} as {}", r.op, CALLERS[caller]);
            }
            if status != *expected {
                mismatches.push(format!(
                    "{} {} {path} as {}: expected {expected}, got {status}: {}",
                    r.op,
                    r.method,
                    CALLERS[caller],
                    String::from_utf8_lossy(&resp.body).chars().take(300).collect::<String>()
                ));
            }
        }
        if print {
            println!("    {}: {:?}", r.op, seen);
        }
    }
    assert!(mismatches.is_empty(), "{} cells differ:\n{}", mismatches.len(), mismatches.join("\n"));
}

/// Every operation of the OpenAPI document has exactly one row, with its
/// method and a path of the same shape.
#[test]
fn authz_every_operation_is_in_the_matrix() {
    let api = datagate::app::openapi();
    let spec = serde_json::to_value(&api).expect("spec as JSON");
    let mut in_spec: BTreeSet<String> = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
            in_spec.insert(id.to_string());
            let rows: Vec<&Row> = ROWS.iter().filter(|r| r.op == id).collect();
            assert_eq!(
                rows.len(),
                1,
                "operation {id} ({} {path}) needs exactly one row in ROWS",
                method.to_uppercase()
            );
            let r = rows[0];
            assert_eq!(r.method, method.to_uppercase(), "row {id}: method");
            let concrete = r.path.split('?').next().unwrap_or_default();
            // A `{param}` segment takes a `<placeholder>` or a concrete value;
            // one with a literal prefix (`catalog.{format}`) needs the prefix.
            let fits = |row: &str, spec: &str| match spec.split_once('{') {
                Some(("", _)) => !row.is_empty(),
                Some((prefix, _)) => row.len() > prefix.len() && row.starts_with(prefix),
                None => row == spec,
            };
            let (row_segments, spec_segments): (Vec<&str>, Vec<&str>) =
                (concrete.split('/').collect(), path.split('/').collect());
            assert!(
                row_segments.len() == spec_segments.len()
                    && row_segments.iter().zip(&spec_segments).all(|(r, s)| fits(r, s)),
                "row {id}: path {} does not fit {path}",
                r.path
            );
        }
    }
    let extra: Vec<&str> = ROWS.iter().map(|r| r.op).filter(|op| !in_spec.contains(*op)).collect();
    assert!(extra.is_empty(), "rows for operations the spec does not have: {extra:?}");
}
