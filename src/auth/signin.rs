//! Signing in with a password and, where the account has or needs one, a
//! second factor. One service function for every way in: `POST /auth/token`
//! uses it, and the portal's sign-in (when it exists) must use it too, so
//! that throttling, the second factor and the audit trail hold everywhere.

use chrono::NaiveDateTime;
use serde_json::json;

use super::password;
use super::throttle::{Keys, Scope};
use super::totp::{self, SealKey};
use crate::audit::{self, Actor};
use crate::config::{Config, SecondFactor};
use crate::db::{DbConn, write_tx};
use crate::error::{AppError, AppResult};
use crate::orgs::types::normalise_email;
use crate::orgs::{OrgKind, OrgStatus, Organisation, Role, User, model};

/// Problem type of a sign-in whose account needs a second factor that was
/// not given.
pub const SECOND_FACTOR_REQUIRED: &str = "second-factor-required";
/// Problem type of a sign-in whose role needs a second factor the account
/// has not enrolled.
pub const ENROLMENT_REQUIRED: &str = "second-factor-enrolment-required";

/// What the person presented.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub email: String,
    pub password: String,
    /// The 6-digit code of their authenticator app.
    pub otp: Option<String>,
    /// One of their recovery codes, instead of `otp`.
    pub recovery_code: Option<String>,
    /// The client's address, from `RateLimits::client_key`.
    pub client: String,
    pub request_id: Option<String>,
}

/// The thresholds and rules sign-in runs with.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub pair_max_failures: u32,
    pub client_max_failures: u32,
    pub account_max_failures: u32,
    pub publisher_totp: SecondFactor,
}

impl Policy {
    pub fn from_config(c: &Config) -> Self {
        Policy {
            pair_max_failures: c.login_max_failures,
            client_max_failures: c.login_client_max_failures,
            account_max_failures: c.login_account_max_failures,
            publisher_totp: c.publisher_totp,
        }
    }

    /// Whether a user of this role and organisation kind must use a second factor.
    pub fn requires_second_factor(&self, user: &User, org: &Organisation) -> bool {
        match (org.kind, user.role) {
            (OrgKind::Platform, Role::Admin) => true,
            (OrgKind::Bureau, Role::Publisher) => self.publisher_totp == SecondFactor::Required,
            _ => false,
        }
    }
}

/// How the second factor was shown, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    None,
    Totp,
    RecoveryCode,
}

/// Checks the attempt and, when it succeeds, runs `issue` (e.g. minting a
/// refresh token or a portal session) in the same transaction as the audit
/// entry. Blocking: runs argon2, so call it on a blocking thread.
///
/// Returns `Ok(Err(problem))` for a refused sign-in whose bookkeeping
/// (failure counts, lockouts) must still be committed, `Err` for a fault.
pub fn sign_in<T>(
    conn: &mut DbConn,
    policy: &Policy,
    seal: &SealKey,
    attempt: Attempt,
    now: NaiveDateTime,
    issue: impl FnOnce(&mut DbConn, &User) -> AppResult<T>,
) -> AppResult<Result<(User, Organisation, T), AppError>> {
    let email = normalise_email(&attempt.email);
    let keys = Keys::new(
        &email,
        &attempt.client,
        policy.pair_max_failures,
        policy.client_max_failures,
        policy.account_max_failures,
    );
    if let Some((scope, wait)) = keys.locked_for(conn, now)? {
        let whom = match scope {
            Scope::Pair => "this account from this address",
            Scope::Client => "this address",
            Scope::Account => "this account (its owner can lift the lock)",
        };
        return Ok(Err(AppError::too_many_requests(
            wait as u64,
            format!("too many failed sign-ins for {whom}; try again in {wait} s"),
        )));
    }
    let found = match model::find_live_user_by_email(conn, &email)? {
        Some(user) => model::find_live_user(conn, user.id)?,
        None => None,
    };
    let password_ok = match &found {
        Some((user, _)) => password::verify(&attempt.password, &user.password_hash),
        None => {
            password::verify(&attempt.password, password::dummy_hash());
            false
        }
    };
    let actor_of = |user: &User| Actor {
        user_id: Some(user.id.to_string()),
        org_id: Some(user.organisation_id.to_string()),
        request_id: attempt.request_id.clone(),
    };
    let client = attempt.client.clone();
    write_tx(conn, |conn| {
        let fail = |conn: &mut DbConn, detail: &str, user: Option<&User>| -> AppResult<AppError> {
            for (scope, secs) in keys.record_failure(conn, now)? {
                let actor = match user {
                    Some(u) => actor_of(u),
                    None => Actor { request_id: attempt.request_id.clone(), ..Actor::system() },
                };
                audit::record(
                    conn,
                    &actor,
                    now,
                    "auth.sign_in_locked",
                    "sign_in",
                    scope.as_str(),
                    json!({"scope": scope.as_str(), "email": email, "client": client, "lock_seconds": secs}),
                )?;
            }
            Ok(AppError::unauthorized(detail.to_string()))
        };
        let (user, org) = match found {
            Some((user, org)) if password_ok => (user, org),
            _ => return Ok(Err(fail(conn, "invalid email or password", None)?)),
        };
        let enrolled = totp::is_enrolled(conn, user.id)?;
        let factor = if enrolled {
            let otp = attempt.otp.as_deref().map(str::trim).filter(|c| !c.is_empty());
            let recovery = attempt.recovery_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
            match (otp, recovery) {
                (Some(code), _) => {
                    if !totp::check_code(conn, seal, user.id, code, now)? {
                        let detail = "the one-time code is wrong, expired or already used";
                        return Ok(Err(fail(conn, detail, Some(&user))?));
                    }
                    Factor::Totp
                }
                (None, Some(code)) => {
                    if !totp::use_recovery_code(conn, user.id, code, now)? {
                        let detail = "the recovery code is wrong or already used";
                        return Ok(Err(fail(conn, detail, Some(&user))?));
                    }
                    let left = totp::recovery_codes_left(conn, user.id)?;
                    audit::record(
                        conn,
                        &actor_of(&user),
                        now,
                        "auth.recovery_code_used",
                        "user",
                        &user.id.to_string(),
                        json!({"client": client, "codes_left": left}),
                    )?;
                    Factor::RecoveryCode
                }
                (None, None) => {
                    return Ok(Err(AppError::unauthorized_as(
                        SECOND_FACTOR_REQUIRED,
                        "this account signs in with a second factor: send `otp` (the code of your \
                         authenticator app) or `recovery_code` with the email and password",
                    )));
                }
            }
        } else if policy.requires_second_factor(&user, &org) {
            return Ok(Err(AppError::unauthorized_as(
                ENROLMENT_REQUIRED,
                "your role signs in with a second factor, and this account has none yet: ask an \
                 administrator to run `datagate admin totp-reset --email …` and give you the secret",
            )));
        } else {
            Factor::None
        };
        keys.clear_pair(conn)?;
        if org.status == OrgStatus::Suspended {
            return Ok(Err(AppError::forbidden_as(
                "organisation-suspended",
                "your organisation is suspended; signing in is refused until it is reinstated",
            )));
        }
        let issued = issue(conn, &user)?;
        let factor_name = match factor {
            Factor::None => None,
            Factor::Totp => Some("totp"),
            Factor::RecoveryCode => Some("recovery_code"),
        };
        audit::record(
            conn,
            &actor_of(&user),
            now,
            "auth.sign_in",
            "user",
            &user.id.to_string(),
            json!({"client": client, "second_factor": factor_name}),
        )?;
        Ok(Ok((user, org, issued)))
    })
}
