//! The people of an organisation: an enterprise owner manages the
//! enterprise's members; administrators manage bureaus' publishers. Nobody
//! adds users to someone else's organisation.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::enterprises::parse_new_user;
use super::types::{NewUser, UserOut};
use super::{OrgId, OrgKind, Role, User, UserId, model};
use crate::app::AppState;
use crate::audit::{self, Actor};
use crate::auth::{Admin, Caller, password};
use crate::error::{AppError, AppResult, Validator};
use crate::http::paging::{Page, PageParams};
use crate::http::{Json, Query};
use crate::openapi::responses as r;

crate::page_schema!(UserPage, UserOut);

/// A new member of an enterprise.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    #[schema(example = "zhang.wei@example.cn")]
    pub email: String,
    /// At least 10 characters and not easy to guess; tell it to the member.
    pub password: String,
    pub display_name: Option<String>,
    /// `member` (default) or `owner`.
    pub role: Option<Role>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListUsersParams {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

async fn list(state: &AppState, org: OrgId, kind: OrgKind, params: ListUsersParams) -> AppResult<Page<UserOut>> {
    let paging = PageParams { limit: params.limit, cursor: params.cursor };
    let limit = paging.limit()?;
    let after: Option<UserId> = paging.after()?;
    let (rows, total) = state
        .db
        .run(move |conn| {
            model::find_org_of_kind(conn, org, kind)?.ok_or_else(|| AppError::not_found(kind.as_str()))?;
            model::list_users(conn, org, after, limit)
        })
        .await?;
    Ok(Page::from_rows(rows, limit, total, |u| u.id).map(|u| UserOut::from(&u)))
}

/// Creates a user in `org` (which must be of `kind`) with `role`.
async fn add(state: &AppState, actor: Actor, org: OrgId, kind: OrgKind, role: Role, new: NewUser) -> AppResult<User> {
    let mut v = Validator::new();
    let (email, display_name) = parse_new_user(&mut v, "", &new);
    v.check(role.fits(kind), "role", format!("a {kind} user cannot have the role {role}"));
    v.finish()?;
    let password_hash =
        web::block(move || password::hash(&new.password)).await.map_err(|e| AppError::internal(e.to_string()))??;
    let now = state.clock.db_now();
    let user = User {
        id: UserId::new(),
        organisation_id: org,
        email,
        display_name,
        password_hash,
        role,
        created_at: now,
        updated_at: now,
        removed_at: None,
    };
    state
        .db
        .write(move |conn| {
            model::find_org_of_kind(conn, org, kind)?.ok_or_else(|| AppError::not_found(kind.as_str()))?;
            if model::email_taken(conn, &user.email)? {
                return Err(AppError::conflict(
                    "this email, or one that looks like it, cannot be used for a new account; choose another",
                )
                .with_context(json!({"field": "email"})));
            }
            model::insert_user(conn, &user)?;
            audit::record(
                conn,
                &actor,
                now,
                "user.create",
                "user",
                &user.id.to_string(),
                json!({"organisation_id": org, "email": user.email, "role": role}),
            )?;
            Ok(user)
        })
        .await
}

/// Removes a user of `org`; refuses to remove the last owner of an enterprise.
async fn remove(state: &AppState, actor: Actor, org: OrgId, user: UserId) -> AppResult<()> {
    let now = state.clock.db_now();
    state
        .db
        .write(move |conn| {
            let (target, _) = model::find_live_user(conn, user)?
                .filter(|(u, _)| u.organisation_id == org)
                .ok_or_else(|| AppError::not_found("user"))?;
            if target.role == Role::Owner && model::count_live_with_role(conn, org, Role::Owner)? <= 1 {
                return Err(AppError::conflict(
                    "this is the enterprise's last owner; make another member an owner first",
                ));
            }
            model::remove_user(conn, user, now)?;
            audit::record(
                conn,
                &actor,
                now,
                "user.remove",
                "user",
                &user.to_string(),
                json!({"organisation_id": org, "email": target.email, "role": target.role}),
            )?;
            Ok(())
        })
        .await
}

/// An enterprise's users may see each other; administrators see all. Others
/// get "not found", revealing nothing.
fn may_read(caller: &Caller, org: OrgId) -> AppResult<()> {
    if caller.is_admin() || caller.org_id() == org { Ok(()) } else { Err(AppError::not_found("organisation")) }
}

/// Only a verified enterprise's own owner manages its members.
fn ensure_owner_of(caller: &Caller, org: OrgId) -> AppResult<()> {
    if caller.org_id() != org || !caller.is_enterprise() {
        return Err(AppError::forbidden("only the enterprise's own owners manage its users"));
    }
    caller.ensure_may_act()?;
    if caller.role() != Role::Owner {
        return Err(AppError::forbidden("only the enterprise's owners manage its users"));
    }
    Ok(())
}

/// List an enterprise's users.
#[utoipa::path(
    tag = "users",
    operation_id = "list_enterprise_users",
    params(("id" = OrgId, Path, description = "The enterprise's id"), ListUsersParams),
    responses(
        (status = 200, description = "A page of users, newest first", body = UserPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/enterprises/{id}/users")]
pub async fn list_enterprise_users(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrgId>,
    params: Query<ListUsersParams>,
) -> AppResult<web::Json<Page<UserOut>>> {
    let org = id.into_inner();
    may_read(&caller, org)?;
    Ok(web::Json(list(&state, org, OrgKind::Enterprise, params.into_inner()).await?))
}

/// Add a user to your enterprise. Owners of a verified enterprise only.
#[utoipa::path(
    tag = "users",
    operation_id = "create_enterprise_user",
    params(("id" = OrgId, Path, description = "The enterprise's id")),
    request_body = NewMember,
    responses(
        (status = 201, description = "Created", body = UserOut),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/enterprises/{id}/users")]
pub async fn create_enterprise_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrgId>,
    body: Json<NewMember>,
) -> AppResult<HttpResponse> {
    let org = id.into_inner();
    ensure_owner_of(&caller, org)?;
    let NewMember { email, password, display_name, role } = body.into_inner();
    let role = role.unwrap_or(Role::Member);
    let user =
        add(&state, caller.actor(), org, OrgKind::Enterprise, role, NewUser { email, password, display_name }).await?;
    Ok(HttpResponse::Created().json(UserOut::from(&user)))
}

/// Remove a user from your enterprise. Owners of a verified enterprise only.
#[utoipa::path(
    tag = "users",
    operation_id = "delete_enterprise_user",
    params(
        ("id" = OrgId, Path, description = "The enterprise's id"),
        ("user_id" = UserId, Path, description = "The user's id"),
    ),
    responses(
        (status = 204, description = "Removed; the user's tokens and API keys stop working"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/enterprises/{id}/users/{user_id}")]
pub async fn delete_enterprise_user(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(OrgId, UserId)>,
) -> AppResult<HttpResponse> {
    let (org, user) = path.into_inner();
    ensure_owner_of(&caller, org)?;
    remove(&state, caller.actor(), org, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a bureau's publishers: administrators, and the bureau's own users.
#[utoipa::path(
    tag = "users",
    operation_id = "list_bureau_users",
    params(("id" = OrgId, Path, description = "The bureau's id"), ListUsersParams),
    responses(
        (status = 200, description = "A page of users, newest first", body = UserPage),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/bureaus/{id}/users")]
pub async fn list_bureau_users(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrgId>,
    params: Query<ListUsersParams>,
) -> AppResult<web::Json<Page<UserOut>>> {
    let org = id.into_inner();
    may_read(&caller, org)?;
    Ok(web::Json(list(&state, org, OrgKind::Bureau, params.into_inner()).await?))
}

/// Add a publisher to a bureau. Administrators only.
#[utoipa::path(
    tag = "users",
    operation_id = "create_bureau_user",
    params(("id" = OrgId, Path, description = "The bureau's id")),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = UserOut),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 422, response = r::Unprocessable),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/bureaus/{id}/users")]
pub async fn create_bureau_user(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<OrgId>,
    body: Json<NewUser>,
) -> AppResult<HttpResponse> {
    let user = add(&state, admin.actor(), id.into_inner(), OrgKind::Bureau, Role::Publisher, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(UserOut::from(&user)))
}

/// Remove a publisher from a bureau. Administrators only.
#[utoipa::path(
    tag = "users",
    operation_id = "delete_bureau_user",
    params(
        ("id" = OrgId, Path, description = "The bureau's id"),
        ("user_id" = UserId, Path, description = "The user's id"),
    ),
    responses(
        (status = 204, description = "Removed; the user's tokens and API keys stop working"),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/bureaus/{id}/users/{user_id}")]
pub async fn delete_bureau_user(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<(OrgId, UserId)>,
) -> AppResult<HttpResponse> {
    let (org, user) = path.into_inner();
    remove(&state, admin.actor(), org, user).await?;
    Ok(HttpResponse::NoContent().finish())
}
