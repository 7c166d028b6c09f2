//! The extractors that say who is calling. A handler that needs an admin takes
//! an [`Admin`]; nobody else ever reaches its body.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::apikeys::{self, API_KEY_PREFIX, ApiKeyId};
use super::jwt::{API_AUDIENCE, AccessClaims};
use crate::app::AppState;
use crate::audit::Actor;
use crate::error::AppError;
use crate::http::request_id::{CallerTag, RequestId};
use crate::orgs::{OrgId, OrgKind, OrgStatus, Organisation, Role, User, UserId, model};

/// How the caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// An access token from `POST /auth/token`.
    Session,
    /// An API key.
    ApiKey(ApiKeyId),
}

/// An authenticated caller whose organisation is not suspended.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub org: Organisation,
    pub credential: Credential,
    pub request_id: String,
}

impl Caller {
    pub fn user_id(&self) -> UserId {
        self.user.id
    }
    pub fn org_id(&self) -> OrgId {
        self.org.id
    }
    pub fn role(&self) -> Role {
        self.user.role
    }
    pub fn is_admin(&self) -> bool {
        self.org.kind == OrgKind::Platform && self.user.role == Role::Admin
    }
    pub fn is_enterprise(&self) -> bool {
        self.org.kind == OrgKind::Enterprise
    }
    pub fn is_verified_enterprise(&self) -> bool {
        self.is_enterprise() && self.org.status == OrgStatus::Verified
    }
    /// Refuses an enterprise that is not verified: until then its users may
    /// only read their own account.
    pub fn ensure_may_act(&self) -> Result<(), AppError> {
        if self.is_enterprise() && self.org.status != OrgStatus::Verified {
            return Err(AppError::forbidden_as(
                "organisation-not-verified",
                format!(
                    "your enterprise is {}; until a platform administrator verifies it you may only read your own account",
                    self.org.status
                ),
            ));
        }
        Ok(())
    }

    /// The actor recorded in audit entries.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id.to_string()),
            org_id: Some(self.org.id.to_string()),
            request_id: Some(self.request_id.clone()),
        }
    }
}

/// The bearer credential of a request, if it carries one.
pub fn bearer(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| AppError::unauthorized("malformed Authorization header"))?;
    let (scheme, token) =
        value.split_once(' ').ok_or_else(|| AppError::unauthorized("use Authorization: Bearer <token or API key>"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::unauthorized("use Authorization: Bearer <token or API key>"));
    }
    Ok(Some(token.trim().to_string()))
}

/// Resolves a bearer credential to a live user of a non-suspended
/// organisation. Token checks happen before any database work.
pub async fn authenticate_token(req: &HttpRequest, token: String) -> Result<Caller, AppError> {
    let state =
        req.app_data::<web::Data<AppState>>().ok_or_else(|| AppError::internal("application state missing"))?.clone();
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let now = state.clock.now();
    let caller = if token.starts_with(API_KEY_PREFIX) {
        let db_now = state.clock.db_now();
        state.db.run(move |conn| apikeys::authenticate(conn, &token, db_now)).await?.map(|(user, org, key)| Caller {
            user,
            org,
            credential: Credential::ApiKey(key),
            request_id,
        })
    } else {
        let claims: AccessClaims = state.signer.verify(&token, API_AUDIENCE, now)?;
        let user_id: UserId =
            claims.sub.parse().map_err(|_| AppError::unauthorized("the access token is invalid or expired"))?;
        state
            .db
            .run(move |conn| model::find_live_user(conn, user_id))
            .await?
            .filter(|(_, org)| org.id.to_string() == claims.org)
            .map(|(user, org)| Caller { user, org, credential: Credential::Session, request_id })
    };
    let caller = caller.ok_or_else(|| AppError::unauthorized("the credential is invalid, expired or revoked"))?;
    if caller.org.status == OrgStatus::Suspended {
        return Err(AppError::forbidden_as(
            "organisation-suspended",
            "your organisation is suspended; its tokens and API keys do not work until it is reinstated",
        ));
    }
    // An API key never stands in for a second factor: the accounts that must
    // sign in with one (administrators; publishers where it is required)
    // act only through sessions, also with a key made before the rule.
    if matches!(caller.credential, Credential::ApiKey(_))
        && super::signin::Policy::from_config(&state.config).requires_second_factor(&caller.user, &caller.org)
    {
        return Err(AppError::unauthorized(
            "API keys do not work for accounts that must sign in with a second factor; sign in with it",
        ));
    }
    req.extensions_mut().insert(CallerTag {
        org_id: caller.org.id.to_string(),
        org_kind: caller.org.kind.to_string(),
        user_id: caller.user.id.to_string(),
    });
    Ok(caller)
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let token = bearer(&req)?.ok_or_else(|| {
                AppError::unauthorized("this endpoint needs Authorization: Bearer <token or API key>")
            })?;
            authenticate_token(&req, token).await
        })
    }
}

/// A caller who may be anonymous. A credential that is present but wrong is
/// still refused: it never silently degrades to anonymous.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match bearer(&req)? {
                None => Ok(MaybeCaller(None)),
                Some(token) => authenticate_token(&req, token).await.map(|c| MaybeCaller(Some(c))),
            }
        })
    }
}

/// Declares an extractor that wraps [`Caller`] and admits only callers for
/// whom `$check` holds, refusing others with `$refusal`.
macro_rules! narrowed_caller {
    ($(#[$meta:meta])* $name:ident, $check:expr, $refusal:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl std::ops::Deref for $name {
            type Target = Caller;
            fn deref(&self) -> &Caller {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = AppError;
            type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let caller = Caller::from_request(req, payload);
                Box::pin(async move {
                    let caller = caller.await?;
                    let check: fn(&Caller) -> bool = $check;
                    if check(&caller) {
                        Ok($name(caller))
                    } else {
                        let refusal: fn(&Caller) -> AppError = $refusal;
                        Err(refusal(&caller))
                    }
                })
            }
        }
    };
}

narrowed_caller!(
    /// A platform administrator.
    Admin,
    |c| c.is_admin(),
    |_| AppError::forbidden("only platform administrators may do this")
);

narrowed_caller!(
    /// A user of a verified enterprise.
    EnterpriseUser,
    |c| c.is_verified_enterprise(),
    |c| if c.is_enterprise() {
        AppError::forbidden_as(
            "organisation-not-verified",
            format!("your enterprise is {}; only a verified enterprise may do this", c.org.status),
        )
    } else {
        AppError::forbidden("only users of a verified enterprise may do this")
    }
);

narrowed_caller!(
    /// Someone who curates listings: a bureau publisher or an administrator.
    Curator,
    |c| c.is_admin() || (c.org.kind == OrgKind::Bureau && c.user.role == Role::Publisher),
    |_| AppError::forbidden("only bureau publishers and administrators may do this")
);
