//! `package_search`'s parameters in datagate's terms: `q` through the
//! Chinese/English full-text search, `fq` field filters, CKAN's sorts and
//! facet fields.

use diesel::prelude::*;

use super::envelope::{CkanError, CkanResult};
use crate::db::DbConn;
use crate::db::schema::organisations;
use crate::error::AppResult;
use crate::http::query_limits as limits;
use crate::listings::api::bounded_query_tokens;
use crate::listings::search::{FacetDim, Search, SortOrder, Visibility};
use crate::listings::{ListingKind, ListingStatus, OpenCondition};
use crate::orgs::{OrgId, OrgKind};

/// One `field:value` of `fq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFilter {
    pub field: String,
    pub value: String,
}

/// Splits `fq` into `field:value` terms (values may be double-quoted;
/// `AND` and leading `+` are accepted and ignored).
pub fn parse_fq(fq: &str) -> CkanResult<Vec<FieldFilter>> {
    limits::FQ_CHARS.check_chars(fq).map_err(CkanError::limit)?;
    let mut out = Vec::new();
    let mut rest = fq.trim();
    while !rest.is_empty() {
        let Some(colon) = rest.find(':') else {
            let word = rest.split_whitespace().next().unwrap_or_default();
            if word == "AND" || word == "+" {
                rest = rest[word.len()..].trim_start();
                continue;
            }
            return Err(CkanError::validation("fq", format!("expected field:value, found {word:?}")));
        };
        let head = rest[..colon].trim();
        let field = head.trim_start_matches('+').to_string();
        if field == "AND" || field.contains(char::is_whitespace) {
            let word = head.split_whitespace().next().unwrap_or_default();
            if word == "AND" {
                rest = rest[word.len()..].trim_start();
                continue;
            }
            return Err(CkanError::validation("fq", format!("expected field:value, found {head:?}")));
        }
        let after = &rest[colon + 1..];
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').ok_or_else(|| CkanError::validation("fq", "unterminated quoted value"))?;
            (quoted[..end].to_string(), &quoted[end + 1..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        if value.is_empty() {
            return Err(CkanError::validation("fq", format!("{field} has no value")));
        }
        limits::VALUE_CHARS.on("fq").check_chars(&value).map_err(CkanError::limit)?;
        out.push(FieldFilter { field, value });
        limits::FQ_CLAUSES.check(out.len() as i64).map_err(CkanError::limit)?;
        rest = remaining.trim_start();
    }
    Ok(out)
}

/// The fields `fq` and `facet.field` accept.
pub const FIELDS: &[&str] =
    &["organization", "groups", "tags", "res_format", "license_id", "open_condition", "modality", "type"];

/// What CKAN's facet field counts in datagate.
pub fn facet_dim(field: &str) -> Option<FacetDim> {
    Some(match field {
        "organization" => FacetDim::Column { name: "organization", column: "bureau_id" },
        "groups" => FacetDim::Column { name: "groups", column: "domain" },
        "tags" => FacetDim::Values { name: "keyword" },
        "res_format" => FacetDim::Values { name: "format" },
        "license_id" => FacetDim::Values { name: "licence" },
        "open_condition" => FacetDim::Column { name: "open_condition", column: "open_condition" },
        "modality" => FacetDim::Values { name: "modality" },
        "type" => FacetDim::Column { name: "type", column: "kind" },
        _ => return None,
    })
}

/// A bureau's id from its code or id; `None` when there is no such bureau.
fn bureau_id(conn: &mut DbConn, key: &str) -> AppResult<Option<OrgId>> {
    let q = organisations::table.filter(organisations::kind.eq(OrgKind::Bureau)).select(organisations::id);
    Ok(match key.parse::<OrgId>() {
        Ok(id) => q.filter(organisations::id.eq(id)).first(conn).optional()?,
        Err(_) => q.filter(organisations::code.eq(key)).first(conn).optional()?,
    })
}

/// The search `q` and `fq` describe, over published listings of both
/// catalogues. Returns `None` when a filter names something that does not
/// exist (so nothing matches).
pub fn search(conn: &mut DbConn, q: Option<&str>, filters: &[FieldFilter]) -> CkanResult<Option<Search>> {
    let mut s = Search::new(ListingKind::Dataset, Visibility::Public);
    s.any_kind = true;
    s.status = Some(ListingStatus::Published);
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty() && *q != "*:*") {
        s.tokens = Some(bounded_query_tokens(q).map_err(CkanError::limit)?);
    }
    // The same filter twice is the same filter once.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for f in filters {
        let v = f.value.trim();
        if seen.contains(&(f.field.as_str(), v)) {
            continue;
        }
        seen.push((f.field.as_str(), v));
        match f.field.as_str() {
            "organization" | "owner_org" => match bureau_id(conn, v)? {
                Some(id) => s.bureau = Some(id),
                None => return Ok(None),
            },
            "groups" => s.domain = Some(v.to_string()),
            "tags" => s.facet_filters.push(("keyword".into(), v.to_lowercase())),
            "res_format" => s.facet_filters.push(("format".into(), v.to_uppercase())),
            "license_id" => s.facet_filters.push(("licence".into(), v.to_string())),
            "modality" => s.facet_filters.push(("modality".into(), v.to_lowercase())),
            "open_condition" => {
                let c: OpenCondition = v.parse().map_err(|_| {
                    CkanError::validation(
                        "fq",
                        format!("open_condition must be unconditional, conditional or not_open, not {v:?}"),
                    )
                })?;
                s.open_condition = Some(c);
            }
            "type" | "dataset_type" => {
                let kind: ListingKind = v
                    .parse()
                    .map_err(|_| CkanError::validation("fq", format!("type must be dataset or corpus, not {v:?}")))?;
                s.any_kind = false;
                s.kind = kind;
            }
            other => {
                return Err(CkanError::validation(
                    "fq",
                    format!("cannot filter on {other:?}; filterable fields: {}", FIELDS.join(", ")),
                ));
            }
        }
    }
    Ok(Some(s))
}

/// CKAN's `sort`: `score desc` (the default with `q`), `metadata_modified desc`
/// (the default without), `title_string asc`. Only the first clause decides.
pub fn sort(sort: Option<&str>, searching: bool) -> CkanResult<SortOrder> {
    let Some(sort) = sort else {
        return Ok(if searching { SortOrder::Relevance } else { SortOrder::Modified });
    };
    let first = sort.split(',').next().unwrap_or_default();
    let words: Vec<String> = first.split_whitespace().map(str::to_ascii_lowercase).collect();
    match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["score", "desc"] | ["score"] | ["relevance", "desc"] | ["relevance"] => Ok(SortOrder::Relevance),
        ["metadata_modified", "desc"] | ["metadata_modified"] => Ok(SortOrder::Modified),
        ["title_string", "asc"] | ["title_string"] | ["title", "asc"] | ["name", "asc"] => Ok(SortOrder::Title),
        _ => Err(CkanError::validation(
            "sort",
            format!("unsupported sort {sort:?}; use score desc, metadata_modified desc or title_string asc"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fq_terms_with_quotes_and_and() {
        let f = parse_fq(r#"organization:sh-edu AND tags:"学校 名录" +res_format:CSV"#).unwrap();
        let pairs: Vec<(&str, &str)> = f.iter().map(|f| (f.field.as_str(), f.value.as_str())).collect();
        assert_eq!(pairs, vec![("organization", "sh-edu"), ("tags", "学校 名录"), ("res_format", "CSV")]);
        assert!(parse_fq("organization").is_err());
        assert!(parse_fq(r#"tags:"open"#).is_err());
        assert!(parse_fq("").unwrap().is_empty());
    }

    #[test]
    fn sorts() {
        assert_eq!(sort(None, true).unwrap(), SortOrder::Relevance);
        assert_eq!(sort(None, false).unwrap(), SortOrder::Modified);
        assert_eq!(sort(Some("score desc, metadata_modified desc"), true).unwrap(), SortOrder::Relevance);
        assert_eq!(sort(Some("title_string asc"), false).unwrap(), SortOrder::Title);
        assert!(sort(Some("views_recent desc"), false).is_err());
    }
}
