//! The second factor: TOTP (RFC 6238, 6 digits, 30 s, SHA-1 as every
//! authenticator app supports) with single-use recovery codes.
//!
//! The secret is stored sealed (ChaCha20-Poly1305 under the instance's seal
//! key, bound to the user's id), recovery codes as SHA-256 hashes (they are
//! random). A code is accepted once: the last accepted time step is kept.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;
use totp_rs::{Algorithm, Builder, Totp};

use super::secret_hash;
use crate::db::DbConn;
use crate::db::schema::{recovery_codes, user_totp};
use crate::error::{AppError, AppResult};
use crate::orgs::UserId;

/// How many recovery codes an enrolment hands out.
pub const RECOVERY_CODES: usize = 10;
/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "datagate";
const SEALED_PREFIX: &str = "v1:";

/// The key that seals TOTP secrets at rest.
#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(…)")
    }
}

impl SealKey {
    /// A fresh random key, for tests and tools.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Self(k)
    }

    /// Loads the hex key at `path`, creating it (mode 0600) when missing.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        if path.exists() {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read seal key {}: {e}", path.display()))?;
            let bytes = hex::decode(text.trim()).map_err(|_| format!("{} is not a hex key", path.display()))?;
            let key: [u8; 32] =
                bytes.try_into().map_err(|_| format!("{} must hold 32 bytes (64 hex digits)", path.display()))?;
            return Ok(Self(key));
        }
        let key = Self::generate();
        super::keys::write_private(path, hex::encode(key.0).as_bytes())?;
        tracing::info!(path = %path.display(), "generated a new seal key for second-factor secrets");
        Ok(key)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&Key::from(self.0))
    }

    /// Seals `plain` for `user` (the user id is authenticated, so a sealed
    /// secret copied to another user's row does not open).
    pub fn seal(&self, user: UserId, plain: &[u8]) -> AppResult<String> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = user.to_string();
        let sealed = self
            .cipher()
            .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad: aad.as_bytes() })
            .map_err(|_| AppError::internal("sealing a secret failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", STANDARD_NO_PAD.encode(out)))
    }

    pub fn open(&self, user: UserId, sealed: &str) -> AppResult<Vec<u8>> {
        let bad = || AppError::internal("a sealed second-factor secret does not open with this seal key");
        let raw = sealed.strip_prefix(SEALED_PREFIX).ok_or_else(bad)?;
        let raw = STANDARD_NO_PAD.decode(raw).map_err(|_| bad())?;
        if raw.len() < 12 {
            return Err(bad());
        }
        let (nonce, body) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| bad())?;
        let aad = user.to_string();
        self.cipher().decrypt(&Nonce::from(nonce), Payload { msg: body, aad: aad.as_bytes() }).map_err(|_| bad())
    }
}

/// The TOTP generator for a secret; `account` labels it in apps.
pub fn totp(secret: Vec<u8>, account: &str) -> AppResult<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret)
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| AppError::internal(format!("totp: {e}")))
}

/// A new random 160-bit secret (RFC 4226's recommended length).
pub fn new_secret() -> Vec<u8> {
    let mut s = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut s);
    s
}

/// The base32 form authenticator apps accept.
pub fn secret_base32(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret.to_vec()).to_base32()
}

pub fn secret_from_base32(b32: &str) -> AppResult<Vec<u8>> {
    totp_rs::Secret::try_from_base32(b32)
        .map(|s| s.as_ref().to_vec())
        .map_err(|_| AppError::internal("not a base32 secret"))
}

/// The `otpauth://` URI an app scans.
pub fn otpauth_uri(secret: Vec<u8>, account: &str) -> AppResult<String> {
    totp(secret, account)?.to_url().map_err(|e| AppError::internal(format!("otpauth: {e}")))
}

/// The code an app shows for `secret` at `unix` seconds (tests and scripts).
pub fn code_at(secret: &[u8], unix: u64) -> String {
    match totp(secret.to_vec(), "x") {
        Ok(t) => t.generate(unix).to_string(),
        Err(_) => String::new(),
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = user_totp)]
pub struct Enrolment {
    pub user_id: UserId,
    pub secret_sealed: String,
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, user: UserId) -> AppResult<Option<Enrolment>> {
    Ok(user_totp::table.find(user).select(Enrolment::as_select()).first(conn).optional()?)
}

/// Whether `user` has a confirmed second factor.
pub fn is_enrolled(conn: &mut DbConn, user: UserId) -> AppResult<bool> {
    Ok(find(conn, user)?.is_some_and(|e| e.confirmed_at.is_some()))
}

/// Stores a new, unconfirmed secret for `user` (replacing an unconfirmed or,
/// when `replace_confirmed`, a confirmed one) and drops the recovery codes of
/// a replaced enrolment.
pub fn store_secret(
    conn: &mut DbConn,
    seal: &SealKey,
    user: UserId,
    secret: &[u8],
    confirmed: bool,
    now: NaiveDateTime,
) -> AppResult<()> {
    let sealed = seal.seal(user, secret)?;
    diesel::delete(user_totp::table.find(user)).execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn)?;
    diesel::insert_into(user_totp::table)
        .values((
            user_totp::user_id.eq(user),
            user_totp::secret_sealed.eq(sealed),
            user_totp::confirmed_at.eq(confirmed.then_some(now)),
            user_totp::last_step.eq(None::<i64>),
            user_totp::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes `user`'s second factor and recovery codes.
pub fn remove(conn: &mut DbConn, user: UserId) -> AppResult<()> {
    diesel::delete(user_totp::table.find(user)).execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn)?;
    Ok(())
}

pub fn confirm(conn: &mut DbConn, user: UserId, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(user_totp::table.find(user)).set(user_totp::confirmed_at.eq(now)).execute(conn)?;
    Ok(())
}

/// Checks a 6-digit code against `user`'s secret (confirmed or not) at
/// `now`, and consumes its time step: a code (or an older one) is never
/// accepted twice. The consumption is a conditional update, so two requests
/// racing with one code cannot both win.
pub fn check_code(conn: &mut DbConn, seal: &SealKey, user: UserId, code: &str, now: NaiveDateTime) -> AppResult<bool> {
    let Some(e) = find(conn, user)? else { return Ok(false) };
    let secret = seal.open(user, &e.secret_sealed)?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let unix = now.and_utc().timestamp().max(0) as u64;
    let Some(step) = totp(secret, "x")?.check(&code, unix) else { return Ok(false) };
    let step = step as i64;
    let n = diesel::update(
        user_totp::table.find(user).filter(user_totp::last_step.is_null().or(user_totp::last_step.lt(step))),
    )
    .set(user_totp::last_step.eq(step))
    .execute(conn)?;
    Ok(n == 1)
}

fn normalise_recovery(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Makes a fresh set of recovery codes for `user`, replacing any old ones;
/// returns them in the clear (shown once).
pub fn new_recovery_codes(conn: &mut DbConn, user: UserId, now: NaiveDateTime) -> AppResult<Vec<String>> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn)?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut bytes = [0u8; 15];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let chars: String = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
        let code = format!("{}-{}-{}", &chars[0..5], &chars[5..10], &chars[10..15]);
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(uuid::Uuid::now_v7().to_string()),
                recovery_codes::user_id.eq(user),
                recovery_codes::code_hash.eq(secret_hash(&normalise_recovery(&code))),
                recovery_codes::used_at.eq(None::<NaiveDateTime>),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
        codes.push(code);
    }
    Ok(codes)
}

/// Uses up one recovery code of `user`; false when it is unknown or used.
pub fn use_recovery_code(conn: &mut DbConn, user: UserId, code: &str, now: NaiveDateTime) -> AppResult<bool> {
    let hash = secret_hash(&normalise_recovery(code));
    let n = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many unused recovery codes `user` has left.
pub fn recovery_codes_left(conn: &mut DbConn, user: UserId) -> AppResult<i64> {
    Ok(recovery_codes::table
        .filter(recovery_codes::user_id.eq(user))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}
