//! The Ed25519 key that signs datagate's tokens, and its JWKS.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, spki::der::pem::LineEnding};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// One signing key: what signs, what verifies, and how the JWKS names it.
pub struct TokenKeys {
    pub kid: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    public: [u8; 32],
    /// Also signs the audit checkpoints (`crate::audit::checkpoints`).
    signing: SigningKey,
}

impl TokenKeys {
    pub fn from_signing_key(key: &SigningKey) -> Result<Self, String> {
        let der = key.to_pkcs8_der().map_err(|e| format!("encode key: {e}"))?;
        let public = key.verifying_key().to_bytes();
        let public_pem =
            key.verifying_key().to_public_key_pem(LineEnding::LF).map_err(|e| format!("encode public key: {e}"))?;
        let decoding = DecodingKey::from_ed_pem(public_pem.as_bytes()).map_err(|e| format!("public key: {e}"))?;
        Ok(Self {
            kid: thumbprint(&public),
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding,
            public,
            signing: key.clone(),
        })
    }

    /// A raw Ed25519 signature over `message` (RFC 8032), by the key the
    /// JWKS publishes as `kid`.
    pub fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.signing.sign(message).to_bytes()
    }

    /// The public half, to verify what [`TokenKeys::sign_raw`] signed.
    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.signing.verifying_key()
    }

    /// A fresh key, for tests and tools.
    pub fn generate() -> Result<Self, String> {
        Self::from_signing_key(&SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// Loads the PKCS#8 PEM key at `path`, creating it (mode 0600) when the
    /// file does not exist yet, so tokens survive restarts.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        let key = if path.exists() {
            let pem = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read signing key {}: {e}", path.display()))?;
            SigningKey::from_pkcs8_pem(&pem)
                .map_err(|e| format!("{} is not a PKCS#8 PEM Ed25519 private key: {e}", path.display()))?
        } else {
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| format!("encode key: {e}"))?;
            write_private(path, pem.as_bytes())?;
            tracing::info!(path = %path.display(), "generated a new token signing key");
            key
        };
        Self::from_signing_key(&key)
    }

    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(self.public),
            kid: self.kid.clone(),
            alg: "EdDSA".into(),
            use_: "sig".into(),
        }
    }
}

pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| format!("cannot create signing key {}: {e}", path.display()))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write signing key {}: {e}", path.display()))
}

/// RFC 7638 JWK thumbprint of an Ed25519 public key, used as `kid`.
fn thumbprint(public: &[u8; 32]) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, URL_SAFE_NO_PAD.encode(public));
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// A public key in JWK form (RFC 8037: OKP / Ed25519).
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Jwk {
    #[schema(example = "OKP")]
    pub kty: String,
    #[schema(example = "Ed25519")]
    pub crv: String,
    /// The 32-byte public key, base64url without padding.
    pub x: String,
    pub kid: String,
    #[schema(example = "EdDSA")]
    pub alg: String,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub use_: String,
}

/// The key set other services verify datagate's tokens with.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}
