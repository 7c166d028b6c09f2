//! Column types shared by both backends. Through the multi-backend connection
//! only the common SQL types exist, so ids, enums and JSON are stored as TEXT
//! and converted here, once.

use std::fmt::Debug;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// A value stored in a TEXT column: ids, enums, JSON documents.
pub trait TextValue: Sized {
    fn to_text(&self) -> std::borrow::Cow<'_, str>;
    fn from_text(s: &str) -> Result<Self, String>;
}

/// Implements diesel's `ToSql`/`FromSql` for a [`TextValue`] on PostgreSQL,
/// SQLite and the multi-backend. The type must also derive
/// `AsExpression, FromSqlRow` with `#[diesel(sql_type = Text)]`.
#[macro_export]
macro_rules! text_sql {
    ($t:ty) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $t {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write;
                out.write_all($crate::db::types::TextValue::to_text(self).as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $t {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> diesel::serialize::Result {
                out.set_value($crate::db::types::TextValue::to_text(self).into_owned());
                Ok(diesel::serialize::IsNull::No)
            }
        }
        impl diesel::serialize::ToSql<diesel::sql_types::Text, $crate::db::MultiBackend> for $t {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, $crate::db::MultiBackend>,
            ) -> diesel::serialize::Result {
                out.set_value((diesel::sql_types::Text, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $t {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let s =
                    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg>>::from_sql(bytes)?;
                Ok($crate::db::types::TextValue::from_text(&s)?)
            }
        }
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $t {
            fn from_sql(
                bytes: <diesel::sqlite::Sqlite as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                let s = $crate::db::types::sqlite_string(bytes)?;
                Ok($crate::db::types::TextValue::from_text(&s)?)
            }
        }
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, $crate::db::MultiBackend> for $t {
            fn from_sql(
                bytes: <$crate::db::MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                bytes.from_sql::<Self, diesel::sql_types::Text>()
            }
        }
    };
}

/// Reads a SQLite TEXT value (a helper for `text_sql!`).
pub fn sqlite_string(
    bytes: <diesel::sqlite::Sqlite as diesel::backend::Backend>::RawValue<'_>,
) -> diesel::deserialize::Result<String> {
    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite>>::from_sql(bytes)
}

/// Declares a UUID newtype id stored as TEXT.
#[macro_export]
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
            utoipa::ToSchema,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(transparent)]
        #[schema(value_type = uuid::Uuid)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new time-ordered id (UUID v7), so ids sort by creation.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }

        impl $crate::db::types::TextValue for $name {
            fn to_text(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Owned(self.0.hyphenated().to_string())
            }
            fn from_text(s: &str) -> Result<Self, String> {
                uuid::Uuid::parse_str(s).map(Self).map_err(|e| format!("bad uuid {s:?}: {e}"))
            }
        }

        $crate::text_sql!($name);
    };
}

/// Declares a string enum stored as TEXT, with its wire names.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
            utoipa::ToSchema,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown value {s:?}; expected one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl $crate::db::types::TextValue for $name {
            fn to_text(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(self.as_str())
            }
            fn from_text(s: &str) -> Result<Self, String> {
                s.parse()
            }
        }

        $crate::text_sql!($name);
    };
}

/// A JSON document in a TEXT column.
#[derive(Debug, Clone, PartialEq, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize + serde::de::DeserializeOwned + Debug> TextValue for Json<T> {
    fn to_text(&self) -> std::borrow::Cow<'_, str> {
        // Serialising our own plain data types cannot fail.
        std::borrow::Cow::Owned(serde_json::to_string(&self.0).unwrap_or_else(|_| "null".into()))
    }
    fn from_text(s: &str) -> Result<Self, String> {
        serde_json::from_str(s).map(Json).map_err(|e| format!("bad JSON column: {e}"))
    }
}

mod json_sql {
    //! `ToSql`/`FromSql` for [`Json`]: generic, so written out rather than
    //! generated by `text_sql!`.
    use super::Json;
    use std::fmt::Debug;

    impl<T: serde::Serialize + serde::de::DeserializeOwned + Debug + Send + Sync + 'static>
        diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for Json<T>
    {
        fn to_sql<'b>(
            &'b self,
            out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
        ) -> diesel::serialize::Result {
            use std::io::Write;
            serde_json::to_writer(&mut *out, &self.0)?;
            out.flush()?;
            Ok(diesel::serialize::IsNull::No)
        }
    }
    impl<T: serde::Serialize + serde::de::DeserializeOwned + Debug + Send + Sync + 'static>
        diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for Json<T>
    {
        fn to_sql<'b>(
            &'b self,
            out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
        ) -> diesel::serialize::Result {
            out.set_value(serde_json::to_string(&self.0)?);
            Ok(diesel::serialize::IsNull::No)
        }
    }
    impl<T: serde::Serialize + serde::de::DeserializeOwned + Debug + Send + Sync + 'static>
        diesel::serialize::ToSql<diesel::sql_types::Text, crate::db::MultiBackend> for Json<T>
    {
        fn to_sql<'b>(
            &'b self,
            out: &mut diesel::serialize::Output<'b, '_, crate::db::MultiBackend>,
        ) -> diesel::serialize::Result {
            out.set_value((diesel::sql_types::Text, self));
            Ok(diesel::serialize::IsNull::No)
        }
    }
    impl<T: serde::Serialize + serde::de::DeserializeOwned + Debug + Send + Sync + 'static>
        diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for Json<T>
    {
        fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
            Ok(Json(serde_json::from_slice(bytes.as_bytes())?))
        }
    }
    impl<T: serde::Serialize + serde::de::DeserializeOwned + Debug + Send + Sync + 'static>
        diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for Json<T>
    {
        fn from_sql(
            bytes: <diesel::sqlite::Sqlite as diesel::backend::Backend>::RawValue<'_>,
        ) -> diesel::deserialize::Result<Self> {
            let s =
                <String as diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite>>::from_sql(
                    bytes,
                )?;
            Ok(Json(serde_json::from_str(&s)?))
        }
    }
    impl<T: serde::Serialize + serde::de::DeserializeOwned + Debug + Send + Sync + 'static>
        diesel::deserialize::FromSql<diesel::sql_types::Text, crate::db::MultiBackend> for Json<T>
    {
        fn from_sql(
            bytes: <crate::db::MultiBackend as diesel::backend::Backend>::RawValue<'_>,
        ) -> diesel::deserialize::Result<Self> {
            bytes.from_sql::<Self, diesel::sql_types::Text>()
        }
    }
}

/// The current time as stored: UTC, truncated to microseconds so that both
/// backends hold exactly the same value.
pub fn db_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc().trunc_subsecs(6)
}

/// A stored time back as UTC.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
