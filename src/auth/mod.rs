//! Who is calling: passwords, signing keys, access and refresh tokens, API
//! keys, login throttling, and the extractors handlers use to demand a kind
//! of caller.

pub mod apikeys;
pub mod extract;
pub mod jwt;
pub mod keys;
pub mod password;
pub mod second_factor;
pub mod session;
pub mod signin;
pub mod throttle;
pub mod totp;

pub use extract::{Admin, Caller, Credential, Curator, EnterpriseUser, MaybeCaller};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random secret with a recognisable prefix, e.g. `dgk_…` for API keys.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// How high-entropy secrets (API keys, refresh tokens) are stored: SHA-256,
/// hex. They are random, so a slow hash adds nothing.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
