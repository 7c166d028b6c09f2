//! Organisations (the platform operator, bureaus, enterprises) and the people
//! in them.

pub mod bureaus;
pub mod confusable;
pub mod enterprises;
pub mod model;
pub mod types;
pub mod uscc;
pub mod users;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema;

crate::uuid_id!(
    /// Id of an organisation.
    OrgId
);
crate::uuid_id!(
    /// Id of a user.
    UserId
);

crate::text_enum!(
    /// What an organisation is.
    OrgKind {
        /// The operator of the platform.
        Platform => "platform",
        /// A government department that owns data.
        Bureau => "bureau",
        /// A registered AI company.
        Enterprise => "enterprise",
    }
);

crate::text_enum!(
    /// Where an organisation stands. Bureaus and the platform are `active`;
    /// enterprises move `pending` → `verified` | `rejected`, and `verified` ⇄ `suspended`.
    OrgStatus {
        Active => "active",
        Pending => "pending",
        Verified => "verified",
        Rejected => "rejected",
        Suspended => "suspended",
    }
);

crate::text_enum!(
    /// A user's role in its organisation.
    Role {
        /// Platform administrator.
        Admin => "admin",
        /// Publishes a bureau's listings.
        Publisher => "publisher",
        /// Owns an enterprise account: manages its members.
        Owner => "owner",
        /// Works for an enterprise.
        Member => "member",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = schema::organisations)]
pub struct Organisation {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name: String,
    pub name_en: Option<String>,
    pub code: Option<String>,
    pub code_check_failed: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub status: OrgStatus,
    pub status_reason: Option<String>,
    pub status_changed_by: Option<UserId>,
    pub status_changed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = schema::users)]
pub struct User {
    pub id: UserId,
    pub organisation_id: OrgId,
    pub email: String,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub removed_at: Option<NaiveDateTime>,
}

impl Role {
    /// The roles a user of an organisation of `kind` may hold.
    pub fn fits(&self, kind: OrgKind) -> bool {
        matches!(
            (kind, self),
            (OrgKind::Platform, Role::Admin)
                | (OrgKind::Bureau, Role::Publisher)
                | (OrgKind::Enterprise, Role::Owner | Role::Member)
        )
    }
}
