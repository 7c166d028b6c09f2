//! Access tokens: EdDSA-signed JWTs, verified with algorithm, issuer,
//! audience and expiry pinned.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::keys::TokenKeys;
use crate::error::AppError;

/// Audience of tokens that call datagate's API.
pub const API_AUDIENCE: &str = "datagate-api";

/// Claims of an API access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// The user's organisation id.
    pub org: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

/// Signs and verifies tokens with one key and one issuer.
pub struct Signer {
    pub keys: TokenKeys,
    pub issuer: String,
}

impl Signer {
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, AppError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.keys.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &self.keys.encoding)
            .map_err(|e| AppError::internal(format!("sign token: {e}")))
    }

    /// Verifies signature (EdDSA only), issuer, audience, `exp` and `nbf`
    /// against `now`. Any failure is the same 401 to the caller.
    pub fn verify<C: DeserializeOwned>(&self, token: &str, audience: &str, now: DateTime<Utc>) -> Result<C, AppError> {
        let refused = || AppError::unauthorized("the access token is invalid or expired");
        let header = jsonwebtoken::decode_header(token).map_err(|_| refused())?;
        if header.alg != Algorithm::EdDSA || header.kid.as_deref() != Some(self.keys.kid.as_str()) {
            return Err(refused());
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf"]);
        // Time is checked below against the service's clock, which tests move.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &self.keys.decoding, &validation)
            .map_err(|_| refused())?;
        let now = now.timestamp();
        let exp = data.claims.get("exp").and_then(|v| v.as_i64()).ok_or_else(refused)?;
        let nbf = data.claims.get("nbf").and_then(|v| v.as_i64()).ok_or_else(refused)?;
        // A few seconds of slack for clocks of other instances.
        if now >= exp || now + 5 < nbf {
            return Err(refused());
        }
        serde_json::from_value(data.claims).map_err(|_| refused())
    }
}
