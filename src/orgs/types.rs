//! What the API accepts and returns for organisations and users, and the
//! parsing of their fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{OrgId, OrgKind, OrgStatus, Organisation, Role, User, UserId};
use crate::db::types::utc;
use crate::error::Validator;

/// Contact details as submitted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    #[schema(example = "王明")]
    pub name: String,
    #[schema(example = "+86 21 5555 0100")]
    pub phone: String,
    #[schema(example = "contact@example.cn")]
    pub email: String,
}

/// Contact details.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A new user: the first owner of an enterprise, a member, or a publisher.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(example = "li.hua@example.cn")]
    pub email: String,
    /// At least 10 characters and not easy to guess.
    pub password: String,
    pub display_name: Option<String>,
}

/// A user, without credentials.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserOut {
    pub id: UserId,
    pub organisation_id: OrgId,
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        UserOut {
            id: u.id,
            organisation_id: u.organisation_id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            created_at: utc(u.created_at),
        }
    }
}

/// The short form of an organisation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrgSummary {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name: String,
    pub name_en: Option<String>,
    pub status: OrgStatus,
}

impl From<&Organisation> for OrgSummary {
    fn from(o: &Organisation) -> Self {
        OrgSummary { id: o.id, kind: o.kind, name: o.name.clone(), name_en: o.name_en.clone(), status: o.status }
    }
}

/// A reason for a decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Why: recorded with who decided and when.
    #[schema(example = "business licence checked against the national registry")]
    pub reason: String,
}

/// A normalised (NFKC, case-folded), plausibly deliverable email address
/// without invisible or bidi control characters.
pub fn parse_email(v: &mut Validator, field: &str, raw: &str) -> String {
    let raw = raw.trim();
    let before = v.is_empty();
    super::confusable::refuse_hidden(v, field, raw);
    if before && !v.is_empty() {
        return raw.to_string();
    }
    let email = normalise_email(raw);
    if email.len() > 254 || !email_address::EmailAddress::is_valid(&email) || !email.contains('.') {
        v.add(field, "is not a valid email address");
    }
    email
}

/// How emails are stored and compared: trimmed, NFKC, case-folded.
pub fn normalise_email(raw: &str) -> String {
    super::confusable::fold(raw.trim())
}

/// An organisation's name: text of at most `max` characters, without
/// invisible or bidi control characters.
pub fn parse_org_name(v: &mut Validator, field: &str, raw: &str, max: usize) -> String {
    super::confusable::refuse_hidden(v, field, raw);
    v.text(field, raw, max)
}

/// A phone number: digits with the usual separators and an optional leading +.
pub fn parse_phone(v: &mut Validator, field: &str, raw: &str) -> String {
    let phone = raw.trim().to_string();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let shape_ok =
        phone.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0));
    if !shape_ok || !(5..=20).contains(&digits) {
        v.add(field, "is not a phone number (5–20 digits, optionally +, spaces, dashes, parentheses)");
    }
    phone
}

pub fn contact_of(o: &Organisation) -> Contact {
    Contact { name: o.contact_name.clone(), phone: o.contact_phone.clone(), email: o.contact_email.clone() }
}
