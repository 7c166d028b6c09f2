//! The CKAN Action API v3, read side (`/api/3/action/…`), so that CKAN
//! clients and harvesters (ckanapi, ckanext-harvest, portal scripts) read
//! datagate unchanged. Listings become packages, bureaus organisations,
//! domains groups; only published listings appear (withdrawn ones as
//! `deleted` when asked for by id), never drafts. See docs/CKAN.md.

pub mod actions;
pub mod envelope;
pub mod orgs;
pub mod package;
pub mod params;
pub mod query;
pub mod routes;
pub mod types;

pub use envelope::{CkanError, CkanResult};
