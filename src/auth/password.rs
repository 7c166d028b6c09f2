//! Password hashing (argon2id) and the strength rule for new passwords.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::{AppError, FieldError};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

/// Hashes with argon2id and a fresh random salt (PHC string format).
pub fn hash(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("argon2: {e}")))
}

/// Whether `password` matches the stored PHC hash. A malformed hash never
/// matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the account does not
/// exist so that a failed login takes the same time either way.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&uuid::Uuid::new_v4().to_string()).unwrap_or_default())
}

/// Refuses short, over-long and guessable passwords. `hints` are words the
/// password must not lean on (email, names).
pub fn check_strength(field: &str, password: &str, hints: &[&str]) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(FieldError::new(field, format!("must be at least {MIN_LENGTH} characters")));
    }
    if len > MAX_LENGTH {
        return Err(FieldError::new(field, format!("must be at most {MAX_LENGTH} characters")));
    }
    let estimate = zxcvbn::zxcvbn(password, hints);
    if (estimate.score() as u8) < 3 {
        let advice = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "it is too easy to guess".into());
        return Err(FieldError::new(
            field,
            format!("is too weak ({advice}); use a longer passphrase of uncommon words"),
        ));
    }
    Ok(())
}
