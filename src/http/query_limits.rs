//! The bounds of every public query, in one table: how long a query string
//! may be, how many terms, clauses, values and facets it may carry, how big
//! a page and how deep an offset. A request over a bound is refused before
//! any database work, with the name of the bound it crossed (REST: 422
//! `/problems/limit-exceeded`; CKAN: 400 in CKAN's envelope). The table is
//! documented in docs/reliability.md ("Bounds of public queries") and
//! docs/API-DESIGN.md; `ALL` lists it for both.
//!
//! Why these bounds: the SQL of a search grows with its input (one
//! full-text term per word, one `EXISTS` per filter value, one grouped count
//! per facet); unbounded, one request can build a statement that runs for
//! minutes on PostgreSQL or that SQLite refuses outright ("Expression tree
//! is too large", 1000 levels). The statement time limit and the query lane
//! (`db::lane`) are the second and third lines behind these.

use serde_json::json;

use crate::error::{AppError, FieldError};

/// One bound: its name (as errors and the documentation give it), the
/// parameter it applies to, and the largest allowed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub name: &'static str,
    pub param: &'static str,
    pub max: i64,
    /// What is counted, for messages ("characters", "clauses", ...).
    pub unit: &'static str,
}

/// `q` (REST lists, open-list exports, CKAN `package_search`, the portal).
pub const Q_CHARS: Limit = Limit { name: "q_chars", param: "q", max: 200, unit: "characters" };
/// Distinct words of `q` after segmentation (each is a full-text term).
pub const Q_TERMS: Limit = Limit { name: "q_terms", param: "q", max: 32, unit: "search terms" };
/// CKAN `fq`, as sent.
pub const FQ_CHARS: Limit = Limit { name: "fq_chars", param: "fq", max: 1000, unit: "characters" };
/// CKAN `fq` `field:value` clauses.
pub const FQ_CLAUSES: Limit = Limit { name: "fq_clauses", param: "fq", max: 16, unit: "field:value clauses" };
/// CKAN `facet.field` entries.
pub const FACET_FIELDS: Limit = Limit { name: "facet_fields", param: "facet.field", max: 8, unit: "facet fields" };
/// One filter value (REST `domain`, `keyword`, `format`, `licence`, ...; a CKAN `fq` value).
pub const VALUE_CHARS: Limit = Limit { name: "value_chars", param: "value", max: 200, unit: "characters" };
/// An opaque paging cursor.
pub const CURSOR_CHARS: Limit = Limit { name: "cursor_chars", param: "cursor", max: 512, unit: "characters" };
/// Rows skipped by offset paging (CKAN `start`/`offset`, DCAT `page`).
pub const OFFSET: Limit = Limit { name: "offset", param: "start", max: 200_000, unit: "rows skipped" };
/// Items of one REST page (`limit`).
pub const PAGE_SIZE: Limit =
    Limit { name: "page_size", param: "limit", max: crate::http::paging::MAX_LIMIT, unit: "items per page" };
/// Rows of one CKAN `package_search` page (`rows`; larger values are capped, as CKAN does).
pub const CKAN_ROWS: Limit = Limit { name: "ckan_rows", param: "rows", max: 1000, unit: "rows per page" };
/// Datasets of one DCAT catalogue page (`limit`).
pub const DCAT_PAGE_SIZE: Limit =
    Limit { name: "dcat_page_size", param: "limit", max: 1000, unit: "datasets per page" };

/// The whole table, in the order the documentation lists it.
pub const ALL: &[Limit] = &[
    Q_CHARS,
    Q_TERMS,
    FQ_CHARS,
    FQ_CLAUSES,
    FACET_FIELDS,
    VALUE_CHARS,
    CURSOR_CHARS,
    OFFSET,
    PAGE_SIZE,
    CKAN_ROWS,
    DCAT_PAGE_SIZE,
];

impl Limit {
    /// The same bound on another parameter (e.g. `OFFSET` on `offset`).
    pub const fn on(self, param: &'static str) -> Limit {
        Limit { param, ..self }
    }

    /// Whether `actual` is within the bound.
    pub fn allows(&self, actual: i64) -> bool {
        actual <= self.max
    }

    /// The message naming the bound.
    pub fn message(&self, actual: i64) -> String {
        format!("at most {} {} (limit {}), got {actual}", self.max, self.unit, self.name)
    }

    /// The REST refusal: 422 `/problems/limit-exceeded` naming the bound.
    pub fn error(&self, actual: i64) -> AppError {
        AppError::limit_exceeded(
            FieldError::new(self.param, self.message(actual)),
            json!({"limit": self.name, "max": self.max, "actual": actual}),
        )
    }

    /// `Ok` within the bound, the refusal otherwise.
    pub fn check(&self, actual: i64) -> Result<(), AppError> {
        if self.allows(actual) { Ok(()) } else { Err(self.error(actual)) }
    }

    /// Checks the length of a text in characters.
    pub fn check_chars(&self, text: &str) -> Result<(), AppError> {
        self.check(text.chars().count() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_errors_name_the_bound() {
        let mut names: Vec<&str> = ALL.iter().map(|l| l.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        let e = FQ_CLAUSES.error(17);
        assert_eq!(e.status.as_u16(), 422);
        assert!(e.detail.as_deref().unwrap_or_default().contains("fq_clauses"));
        assert!(FQ_CLAUSES.check(16).is_ok());
    }
}
