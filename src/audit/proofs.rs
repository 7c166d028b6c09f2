//! The endpoints of checkpoints and proofs: the public list of signed
//! checkpoints, an administrator's on-demand checkpoint and verification
//! against a checkpoint kept elsewhere, inclusion proofs for the entries a
//! caller may see, and public consistency proofs between two tree sizes.

use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api::AuditEntry;
use super::chain::Entry;
use super::checkpoints::{self, Checkpoint, CheckpointClaim, CheckpointListParams, CheckpointVerdict, TrustedKey};
use super::merkle::Subtrees;
use super::tree;
use crate::app::AppState;
use crate::auth::{Admin, Caller};
use crate::db::schema::{access_requests, audit_log, grants};
use crate::db::{DbConn, write_tx};
use crate::error::{AppError, AppResult, Validator};
use crate::http::paging::{DEFAULT_LIMIT, Page, PageParams};
use crate::http::{Json, Query};
use crate::openapi::responses as r;

crate::page_schema!(CheckpointPage, Checkpoint);

/// List the signed checkpoints of the audit chain, newest first. Public.
///
/// A checkpoint states how many entries the chain held, their RFC 9162
/// Merkle root and the chain's head hash, signed with the Ed25519 key
/// published in `/.well-known/jwks.json`; it reveals nothing of the
/// entries. Copy them somewhere datagate cannot write: checked later
/// (`POST /api/v1/audit/verify`, `datagate audit verify --checkpoint`),
/// one shows whether entries it covers were removed or rewritten since.
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit_checkpoints",
    params(CheckpointListParams),
    responses(
        (status = 200, description = "A page of checkpoints, newest first", body = CheckpointPage),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/audit/checkpoints")]
pub async fn list_audit_checkpoints(
    state: web::Data<AppState>,
    params: Query<CheckpointListParams>,
) -> AppResult<web::Json<Page<Checkpoint>>> {
    let params = params.into_inner();
    let paging = PageParams { limit: params.limit, cursor: params.cursor };
    let mut v = Validator::new();
    let limit = v.collect(paging.limit());
    let before: Option<Option<i64>> = v.collect(paging.after());
    v.finish()?;
    let (limit, before) = (limit.unwrap_or(DEFAULT_LIMIT), before.flatten());
    let (rows, total) = state.db.run(move |conn| checkpoints::list(conn, before, limit)).await?;
    Ok(web::Json(Page::from_rows(rows, limit, total, |c| c.id).map(Checkpoint::from)))
}

/// Sign a checkpoint of the audit chain now. Administrators only.
///
/// Besides these, `serve` signs one every `DATAGATE_AUDIT_CHECKPOINT_SECS`
/// when entries were added. The checkpoint covers every entry before it;
/// the `audit.checkpoint` entry recording this request comes after it.
/// 409 when the chain no longer extends the Merkle tree datagate keeps
/// (its newest entries were removed or rewritten).
#[utoipa::path(
    tag = "audit",
    operation_id = "create_audit_checkpoint",
    responses(
        (status = 201, description = "The new checkpoint", body = Checkpoint),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/audit/checkpoints")]
pub async fn create_audit_checkpoint(state: web::Data<AppState>, admin: Admin) -> AppResult<HttpResponse> {
    let actor = admin.0.actor();
    let now = state.clock.now();
    let s = state.clone();
    let made = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| checkpoints::create(conn, &s.signer.keys, &s.config.public_url, now, Some(&actor)))
        })
        .await?;
    Ok(HttpResponse::Created().json(Checkpoint::from(made)))
}

/// Check the audit chain against a checkpoint. Administrators only.
///
/// Send a checkpoint as `GET /api/v1/audit/checkpoints` gave it (only
/// `key_id`, `statement` and `signature` are needed). The chain is walked
/// from its first entry, recomputing every hash and the Merkle root of the
/// first `tree_size` entries: `consistent` is true only when the signature
/// is datagate's, the chain is intact, holds at least `tree_size` entries
/// and reproduces the signed root and head hash. 422 when the signature is
/// not valid or the statement malformed.
#[utoipa::path(
    tag = "audit",
    operation_id = "verify_audit_checkpoint",
    request_body = CheckpointClaim,
    responses(
        (status = 200, description = "The verdict", body = CheckpointVerdict),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/audit/verify")]
pub async fn verify_audit_checkpoint(
    state: web::Data<AppState>,
    _admin: Admin,
    body: Json<CheckpointClaim>,
) -> AppResult<web::Json<CheckpointVerdict>> {
    let claim = body.into_inner();
    let statement = checkpoints::check_signature(&claim, &[TrustedKey::of(&state.signer.keys)])
        .map_err(|e| AppError::invalid("signature", e))?;
    let verdict = state.db.run(move |conn| checkpoints::verify_against(conn, &statement)).await?;
    Ok(web::Json(verdict))
}

/// Brings the stored tree up to `size` entries if it is behind (a write,
/// only then), and says how many entries the chain holds.
fn tree_covering(conn: &mut DbConn, size: u64) -> AppResult<u64> {
    let entries: i64 = audit_log::table.count().get_result(conn)?;
    if size <= entries as u64 && tree::stored_size(conn)? < size {
        write_tx(conn, tree::sync)?;
    }
    Ok(entries as u64)
}

/// Which tree size the proof is for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InclusionParams {
    /// The size of the tree (a checkpoint's `tree_size`); default: the
    /// newest checkpoint's.
    #[param(minimum = 1)]
    pub tree_size: Option<i64>,
}

/// An entry and the proof that it is in the tree of `tree_size` entries.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InclusionProof {
    /// 0-based: the entry's `seq` − 1.
    pub leaf_index: i64,
    pub tree_size: i64,
    /// `SHA-256(0x00 || raw bytes of the entry's hash)`, hex.
    pub leaf_hash: String,
    /// The audit path of RFC 9162 §2.1.3, nearest the leaf first, hex.
    pub audit_path: Vec<String>,
    /// The root the path leads to; compare it with a signed checkpoint's.
    pub root_hash: String,
    /// The checkpoint of this size, if one was signed.
    pub checkpoint: Option<Checkpoint>,
    /// The entry, to recompute its hash from.
    pub entry: AuditEntry,
}

/// Whether the caller may see this entry: administrators any; others the
/// entries their own organisation made, was the target of, or that are
/// about its access requests and grants.
fn may_see(conn: &mut DbConn, caller: &Caller, entry: &Entry) -> AppResult<bool> {
    if caller.is_admin() {
        return Ok(true);
    }
    let org = caller.org_id().to_string();
    if entry.actor_org_id.as_deref() == Some(org.as_str()) {
        return Ok(true);
    }
    Ok(match entry.target_type.as_str() {
        "organisation" => entry.target_id == org,
        "grant" => {
            grants::table
                .filter(grants::id.eq(&entry.target_id))
                .filter(grants::enterprise_id.eq(&org))
                .count()
                .get_result::<i64>(conn)?
                > 0
        }
        "access_request" => {
            access_requests::table
                .filter(access_requests::id.eq(&entry.target_id))
                .filter(access_requests::enterprise_id.eq(&org))
                .count()
                .get_result::<i64>(conn)?
                > 0
        }
        _ => false,
    })
}

/// Prove that an audit entry is in the chain's Merkle tree.
///
/// Administrators may ask for any entry; any other signed-in caller of a
/// verified organisation for the entries its organisation made, was the
/// target of, or that concern its access requests and grants (others are
/// 404, as if absent). With the entry, recompute its hash, its leaf hash,
/// and from the audit path the root (RFC 9162 §2.1.3.2); it must equal the
/// `root_hash` of a signed checkpoint of size `tree_size`.
#[utoipa::path(
    tag = "audit",
    operation_id = "get_audit_inclusion_proof",
    params(("seq" = i64, Path, description = "The entry's `seq`"), InclusionParams),
    responses(
        (status = 200, description = "The entry and its inclusion proof", body = InclusionProof),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/audit/entries/{seq}/proof")]
pub async fn get_audit_inclusion_proof(
    state: web::Data<AppState>,
    caller: Caller,
    seq: web::Path<i64>,
    params: Query<InclusionParams>,
) -> AppResult<web::Json<InclusionProof>> {
    caller.ensure_may_act()?;
    let seq = seq.into_inner();
    let wanted = params.into_inner().tree_size;
    let proof = state
        .db
        .run(move |conn| {
            let entry: Option<Entry> =
                audit_log::table.filter(audit_log::seq.eq(seq)).select(Entry::as_select()).first(conn).optional()?;
            let entry = match entry {
                Some(e) if may_see(conn, &caller, &e)? => e,
                _ => return Err(AppError::not_found("audit entry")),
            };
            let size = match wanted {
                Some(n) => n,
                None => checkpoints::newest(conn)?
                    .map(|c| c.tree_size)
                    .ok_or_else(|| AppError::invalid("tree_size", "is required while no checkpoint has been signed"))?,
            };
            let entries = tree_covering(conn, size.max(1) as u64)?;
            if size < seq || size as u64 > entries {
                return Err(AppError::invalid(
                    "tree_size",
                    format!("must be from the entry's seq ({seq}) to the number of entries ({entries})"),
                ));
            }
            let (index, size_u) = (seq as u64 - 1, size as u64);
            let path = tree::inclusion_proof(conn, index, size_u)?;
            let root = tree::root_at(conn, size_u)?;
            let leaf = tree::StoredTree { conn }.complete(0, index)?;
            let checkpoint = crate::db::schema::audit_checkpoints::table
                .filter(crate::db::schema::audit_checkpoints::tree_size.eq(size))
                .order(crate::db::schema::audit_checkpoints::id.desc())
                .select(checkpoints::StoredCheckpoint::as_select())
                .first(conn)
                .optional()?;
            Ok(InclusionProof {
                leaf_index: index as i64,
                tree_size: size,
                leaf_hash: hex::encode(leaf),
                audit_path: path.iter().map(hex::encode).collect(),
                root_hash: hex::encode(root),
                checkpoint: checkpoint.map(Checkpoint::from),
                entry: entry.into(),
            })
        })
        .await?;
    Ok(web::Json(proof))
}

/// The two sizes of a consistency proof.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyParams {
    /// The older tree's size.
    #[param(minimum = 1)]
    pub first: i64,
    /// The newer tree's size, at least `first`.
    #[param(minimum = 1)]
    pub second: i64,
}

/// Proof that the tree of `second` entries extends the tree of `first`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProof {
    pub first: i64,
    pub second: i64,
    /// The root of the first `first` entries, hex.
    pub first_root: String,
    /// The root of the first `second` entries, hex.
    pub second_root: String,
    /// The proof of RFC 9162 §2.1.4, hex (empty when `first == second`).
    pub proof: Vec<String>,
}

/// Prove that the audit chain only grew between two sizes. Public.
///
/// Given two checkpoints, check with this proof (RFC 9162 §2.1.4.2) that
/// the newer one's tree extends the older one's: that no entry the older
/// one covered was removed or changed. Reveals only hashes.
#[utoipa::path(
    tag = "audit",
    operation_id = "get_audit_consistency_proof",
    params(ConsistencyParams),
    responses(
        (status = 200, description = "The consistency proof", body = ConsistencyProof),
        (status = 409, response = r::Conflict),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/audit/consistency")]
pub async fn get_audit_consistency_proof(
    state: web::Data<AppState>,
    params: Query<ConsistencyParams>,
) -> AppResult<web::Json<ConsistencyProof>> {
    let ConsistencyParams { first, second } = params.into_inner();
    let mut v = Validator::new();
    v.check(first >= 1, "first", "must be at least 1");
    v.check(second >= first, "second", "must be at least `first`");
    v.finish()?;
    let proof = state
        .db
        .run(move |conn| {
            let entries = tree_covering(conn, second as u64)?;
            if second as u64 > entries {
                return Err(AppError::invalid("second", format!("must be at most the number of entries ({entries})")));
            }
            let (m, n) = (first as u64, second as u64);
            Ok(ConsistencyProof {
                first,
                second,
                first_root: hex::encode(tree::root_at(conn, m)?),
                second_root: hex::encode(tree::root_at(conn, n)?),
                proof: tree::consistency_proof(conn, m, n)?.iter().map(hex::encode).collect(),
            })
        })
        .await?;
    Ok(web::Json(proof))
}
