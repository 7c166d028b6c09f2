//! What a publisher submits for a listing, and its validation. The same input
//! form serves create (`POST`) and change (`PATCH`, a JSON merge patch applied
//! to the current input form), so both are validated by one function.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DataItem, Listing, OpenCondition, UpdateFrequency};
use crate::error::Validator;
use crate::orgs::OrgId;
use crate::orgs::types::{parse_email, parse_phone};

/// Declares a listing input type: the fields every listing has, plus the
/// kind's own.
#[macro_export]
macro_rules! listing_input {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Stable identifier for URLs: lower-case letters, digits and single
            /// dashes, 3–80 characters. Unique, never reused, cannot change.
            #[schema(example = "sh-edu-primary-school-directory")]
            pub name: String,
            /// Title in Chinese (required).
            #[schema(example = "上海市中小学校名录")]
            pub title: String,
            #[serde(default)]
            pub title_en: Option<String>,
            #[serde(default)]
            pub summary: Option<String>,
            #[serde(default)]
            pub summary_en: Option<String>,
            /// A code from `GET /api/v1/domains`.
            #[schema(example = "education")]
            pub domain: String,
            /// The owning bureau. A publisher's own bureau by default;
            /// administrators must name one.
            #[serde(default)]
            pub bureau_id: Option<$crate::orgs::OrgId>,
            pub open_condition: $crate::listings::OpenCondition,
            /// Why the data is not unconditionally open (required unless unconditional).
            #[serde(default)]
            pub open_condition_reason: Option<String>,
            /// The legal basis of the restriction (required unless unconditional).
            #[serde(default)]
            pub legal_basis: Option<String>,
            pub update_frequency: $crate::listings::UpdateFrequency,
            /// First day the data covers.
            #[serde(default)]
            pub temporal_start: Option<chrono::NaiveDate>,
            /// Last day the data covers (open-ended when absent).
            #[serde(default)]
            pub temporal_end: Option<chrono::NaiveDate>,
            /// The area covered, e.g. 上海市浦东新区.
            #[serde(default)]
            pub spatial_coverage: Option<String>,
            #[serde(default)]
            pub record_count: Option<i64>,
            /// The fields of the data.
            #[serde(default)]
            pub data_items: Vec<$crate::listings::DataItem>,
            #[serde(default)]
            pub keywords: Vec<String>,
            #[serde(default)]
            pub contact: Option<$crate::listings::input::ListingContact>,
            /// Licence identifier, SPDX where one exists (e.g. `CC-BY-4.0`).
            #[serde(default)]
            pub licence: Option<String>,
            /// Terms of use. Changing the text creates a new terms version; an
            /// access request records the version it accepted.
            #[serde(default)]
            pub terms: Option<String>,
            /// The longest grant (in days) an access request may ask for; the
            /// platform's default when absent.
            #[serde(default)]
            pub max_grant_days: Option<i32>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            /// Builds the input from the common fields and the kind's own.
            #[allow(clippy::too_many_arguments)]
            pub fn from_parts(c: $crate::listings::input::CommonInput $(, $field: $ty)*) -> Self {
                $name {
                    name: c.name,
                    title: c.title,
                    title_en: c.title_en,
                    summary: c.summary,
                    summary_en: c.summary_en,
                    domain: c.domain,
                    bureau_id: c.bureau_id,
                    open_condition: c.open_condition,
                    open_condition_reason: c.open_condition_reason,
                    legal_basis: c.legal_basis,
                    update_frequency: c.update_frequency,
                    temporal_start: c.temporal_start,
                    temporal_end: c.temporal_end,
                    spatial_coverage: c.spatial_coverage,
                    record_count: c.record_count,
                    data_items: c.data_items,
                    keywords: c.keywords,
                    contact: c.contact,
                    licence: c.licence,
                    terms: c.terms,
                    max_grant_days: c.max_grant_days,
                    $($field,)*
                }
            }

            /// The fields every listing has.
            pub fn common(&self) -> $crate::listings::input::CommonInput {
                $crate::listings::input::CommonInput {
                    name: self.name.clone(),
                    title: self.title.clone(),
                    title_en: self.title_en.clone(),
                    summary: self.summary.clone(),
                    summary_en: self.summary_en.clone(),
                    domain: self.domain.clone(),
                    bureau_id: self.bureau_id,
                    open_condition: self.open_condition,
                    open_condition_reason: self.open_condition_reason.clone(),
                    legal_basis: self.legal_basis.clone(),
                    update_frequency: self.update_frequency,
                    temporal_start: self.temporal_start,
                    temporal_end: self.temporal_end,
                    spatial_coverage: self.spatial_coverage.clone(),
                    record_count: self.record_count,
                    data_items: self.data_items.clone(),
                    keywords: self.keywords.clone(),
                    contact: self.contact.clone(),
                    licence: self.licence.clone(),
                    terms: self.terms.clone(),
                    max_grant_days: self.max_grant_days,
                }
            }
        }
    };
}

/// A listing's contact point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingContact {
    #[schema(example = "数据开放专员")]
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// The fields every listing input has.
#[derive(Debug, Clone, PartialEq)]
pub struct CommonInput {
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub summary: Option<String>,
    pub summary_en: Option<String>,
    pub domain: String,
    pub bureau_id: Option<OrgId>,
    pub open_condition: OpenCondition,
    pub open_condition_reason: Option<String>,
    pub legal_basis: Option<String>,
    pub update_frequency: UpdateFrequency,
    pub temporal_start: Option<NaiveDate>,
    pub temporal_end: Option<NaiveDate>,
    pub spatial_coverage: Option<String>,
    pub record_count: Option<i64>,
    pub data_items: Vec<DataItem>,
    pub keywords: Vec<String>,
    pub contact: Option<ListingContact>,
    pub licence: Option<String>,
    pub terms: Option<String>,
    pub max_grant_days: Option<i32>,
}

/// A lower-case slug of 3–80 characters with single inner dashes.
pub fn is_slug(s: &str) -> bool {
    (3..=80).contains(&s.len())
        && s.split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 64
}

/// The cleaned common fields, ready to store. Field-level rules only; rules
/// that need the database (domain exists, bureau exists) are checked by the
/// caller.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanInput {
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub summary: Option<String>,
    pub summary_en: Option<String>,
    pub domain: String,
    pub bureau_id: Option<OrgId>,
    pub open_condition: OpenCondition,
    pub open_condition_reason: Option<String>,
    pub legal_basis: Option<String>,
    pub update_frequency: UpdateFrequency,
    pub temporal_start: Option<NaiveDate>,
    pub temporal_end: Option<NaiveDate>,
    pub spatial_coverage: Option<String>,
    pub record_count: Option<i64>,
    pub data_items: Vec<DataItem>,
    pub keywords: Vec<String>,
    pub contact: Option<ListingContact>,
    pub licence: Option<String>,
    pub terms: Option<String>,
    pub max_grant_days: Option<i32>,
}

pub const MAX_DATA_ITEMS: usize = 500;
pub const MAX_KEYWORDS: usize = 30;
pub const MAX_TERMS_CHARS: usize = 20_000;

/// Checks every field, reporting all problems at once.
pub fn clean(input: CommonInput, v: &mut Validator) -> CleanInput {
    let name = input.name.trim().to_string();
    v.check(is_slug(&name), "name", "must be 3–80 lower-case letters, digits and single dashes (e.g. sh-edu-schools)");
    let title = v.text("title", &input.title, 200);
    let title_en = v.opt_text("title_en", input.title_en.as_deref(), 300);
    let summary = v.opt_text("summary", input.summary.as_deref(), 5000);
    let summary_en = v.opt_text("summary_en", input.summary_en.as_deref(), 8000);
    let domain = input.domain.trim().to_string();
    v.check(!domain.is_empty(), "domain", "must not be empty");
    let open_condition_reason = v.opt_text("open_condition_reason", input.open_condition_reason.as_deref(), 2000);
    let legal_basis = v.opt_text("legal_basis", input.legal_basis.as_deref(), 2000);
    if input.open_condition != OpenCondition::Unconditional {
        v.check(
            open_condition_reason.is_some(),
            "open_condition_reason",
            format!("is required when the open condition is {}", input.open_condition),
        );
        v.check(
            legal_basis.is_some(),
            "legal_basis",
            format!("is required when the open condition is {}", input.open_condition),
        );
    }
    if let (Some(start), Some(end)) = (input.temporal_start, input.temporal_end) {
        v.check(end >= start, "temporal_end", "must not be before temporal_start");
    }
    let spatial_coverage = v.opt_text("spatial_coverage", input.spatial_coverage.as_deref(), 500);
    if let Some(n) = input.record_count {
        v.check(n >= 0, "record_count", "must not be negative");
    }
    v.check(input.data_items.len() <= MAX_DATA_ITEMS, "data_items", format!("at most {MAX_DATA_ITEMS} items"));
    let mut data_items = Vec::with_capacity(input.data_items.len());
    let mut seen = std::collections::HashSet::new();
    for (i, item) in input.data_items.into_iter().enumerate() {
        let field = |f: &str| format!("data_items[{i}].{f}");
        let name = item.name.trim().to_string();
        v.check(
            is_identifier(&name),
            field("name"),
            "must be an identifier: letters, digits and _, not starting with a digit",
        );
        v.check(seen.insert(name.clone()), field("name"), format!("{name:?} appears twice"));
        let label = v.text(&field("label"), &item.label, 100);
        let description = v.opt_text(&field("description"), item.description.as_deref(), 1000);
        let unit = v.opt_text(&field("unit"), item.unit.as_deref(), 50);
        data_items.push(DataItem {
            name,
            label,
            data_type: item.data_type,
            description,
            unit,
            personal: item.personal,
        });
    }
    v.check(input.keywords.len() <= MAX_KEYWORDS, "keywords", format!("at most {MAX_KEYWORDS} keywords"));
    let mut keywords: Vec<String> = Vec::new();
    for (i, k) in input.keywords.iter().enumerate() {
        let k = v.text(&format!("keywords[{i}]"), k, 50);
        if !k.is_empty() && !keywords.iter().any(|e| e.eq_ignore_ascii_case(&k)) {
            keywords.push(k);
        }
    }
    let contact = input.contact.map(|c| {
        let name = v.text("contact.name", &c.name, 100);
        let email = c.email.filter(|e| !e.trim().is_empty()).map(|e| parse_email(v, "contact.email", &e));
        let phone = c.phone.filter(|p| !p.trim().is_empty()).map(|p| parse_phone(v, "contact.phone", &p));
        ListingContact { name, email, phone }
    });
    let licence = v.opt_text("licence", input.licence.as_deref(), 100);
    let terms = v.opt_text("terms", input.terms.as_deref(), MAX_TERMS_CHARS);
    if let Some(d) = input.max_grant_days {
        v.check((1..=3650).contains(&d), "max_grant_days", "must be between 1 and 3650 days");
    }
    CleanInput {
        name,
        title,
        title_en,
        summary,
        summary_en,
        domain,
        bureau_id: input.bureau_id,
        open_condition: input.open_condition,
        open_condition_reason,
        legal_basis,
        update_frequency: input.update_frequency,
        temporal_start: input.temporal_start,
        temporal_end: input.temporal_end,
        spatial_coverage,
        record_count: input.record_count,
        data_items,
        keywords,
        contact,
        licence,
        terms,
        max_grant_days: input.max_grant_days,
    }
}

impl CleanInput {
    /// Writes the fields into a listing row (terms are stored separately).
    pub fn apply(&self, l: &mut Listing, bureau: OrgId) {
        l.name = self.name.clone();
        l.title = self.title.clone();
        l.title_en = self.title_en.clone();
        l.summary = self.summary.clone();
        l.summary_en = self.summary_en.clone();
        l.domain = self.domain.clone();
        l.bureau_id = bureau;
        l.open_condition = self.open_condition;
        l.open_condition_reason = self.open_condition_reason.clone();
        l.legal_basis = self.legal_basis.clone();
        l.update_frequency = self.update_frequency;
        l.temporal_start = self.temporal_start;
        l.temporal_end = self.temporal_end;
        l.spatial_coverage = self.spatial_coverage.clone();
        l.record_count = self.record_count;
        l.data_items = crate::db::types::Json(self.data_items.clone());
        l.keywords = crate::db::types::Json(self.keywords.clone());
        l.contact = self.contact.clone().map(crate::db::types::Json);
        l.licence = self.licence.clone();
        l.max_grant_days = self.max_grant_days;
    }
}

/// The input form of a stored listing's common fields (the document a
/// `PATCH` is merged into).
pub fn common_input_of(l: &Listing, terms: Option<String>) -> CommonInput {
    CommonInput {
        name: l.name.clone(),
        title: l.title.clone(),
        title_en: l.title_en.clone(),
        summary: l.summary.clone(),
        summary_en: l.summary_en.clone(),
        domain: l.domain.clone(),
        bureau_id: Some(l.bureau_id),
        open_condition: l.open_condition,
        open_condition_reason: l.open_condition_reason.clone(),
        legal_basis: l.legal_basis.clone(),
        update_frequency: l.update_frequency,
        temporal_start: l.temporal_start,
        temporal_end: l.temporal_end,
        spatial_coverage: l.spatial_coverage.clone(),
        record_count: l.record_count,
        data_items: l.data_items.0.clone(),
        keywords: l.keywords.0.clone(),
        contact: l.contact.as_ref().map(|c| c.0.clone()),
        licence: l.licence.clone(),
        terms,
        max_grant_days: l.max_grant_days,
    }
}

/// Applies an RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match patch {
        serde_json::Value::Object(p) => {
            if !target.is_object() {
                *target = serde_json::Value::Object(Default::default());
            }
            if let serde_json::Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// The top-level fields whose values differ, with old and new values.
pub fn diff(old: &serde_json::Value, new: &serde_json::Value) -> Vec<super::types::FieldChange> {
    let empty = serde_json::Map::new();
    let o = old.as_object().unwrap_or(&empty);
    let n = new.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let a = o.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(serde_json::Value::Null);
            let b = n.get(k).filter(|v| !v.is_null()).cloned().unwrap_or(serde_json::Value::Null);
            let both_empty = is_empty(&a) && is_empty(&b);
            (a != b && !both_empty).then(|| super::types::FieldChange { field: k.clone(), old: a, new: b })
        })
        .collect()
}

fn is_empty(v: &serde_json::Value) -> bool {
    v.is_null() || v.as_array().is_some_and(|a| a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut doc, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}}));
        let mut doc = json!({"list": [1, 2]});
        merge_patch(&mut doc, &json!({"list": [3]}));
        assert_eq!(doc, json!({"list": [3]}));
    }

    #[test]
    fn slugs() {
        assert!(is_slug("sh-edu-schools"));
        assert!(is_slug("abc"));
        for bad in ["ab", "Sh-edu", "sh--edu", "-sh", "sh-", "sh_edu", "上海"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }

    #[test]
    fn diff_reports_changed_fields_only() {
        let changes = diff(&json!({"a": 1, "b": [1], "c": null}), &json!({"a": 1, "b": [2], "d": []}));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].field, "b");
    }
}
