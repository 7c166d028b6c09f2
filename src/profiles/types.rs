//! The profile as stored and as shown, and its protected form.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::distributions::DistributionId;
use crate::tabular::TabularFormat;

/// The type a column's values were found to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Integer,
    Number,
    Boolean,
    Date,
    Datetime,
    Text,
    /// Every value is null.
    Empty,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Distinctness {
    /// Distinct non-null values.
    pub count: u64,
    /// Exact up to 4 096 distinct values; beyond, a HyperLogLog estimate
    /// (standard error 1.6 %).
    pub exact: bool,
}

/// Statistics of a numeric, date or date-time column. Dates are shown as
/// ISO dates; the mean of a date column is a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NumericSummary {
    #[schema(value_type = Object)]
    pub min: Value,
    #[schema(value_type = Object)]
    pub max: Value,
    #[schema(value_type = Object)]
    pub mean: Value,
    /// `p5`, `p25`, `p50`, `p75`, `p95`.
    #[schema(value_type = Object)]
    pub quantiles: BTreeMap<String, Value>,
    /// Exact up to 16 384 values; beyond, from a uniform sample of 16 384:
    /// each quantile's rank is within ±1.5 % with probability ≥ 99.8 %.
    pub quantiles_exact: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FrequentValue {
    pub value: String,
    /// How often it occurs (a lower bound when `top_values_max_undercount` > 0).
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ColumnProfile {
    pub name: String,
    pub inferred_type: ColumnType,
    pub nulls: u64,
    pub distinct: Distinctness,
    /// For integer, number, date and date-time columns.
    pub numeric: Option<NumericSummary>,
    /// For text and boolean columns: the most frequent values, most frequent first.
    pub top_values: Vec<FrequentValue>,
    /// 0 when the counts are exact; otherwise each count may be below the
    /// true count by at most this much (Misra–Gries).
    pub top_values_max_undercount: u64,
}

/// What a profile holds, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub format: TabularFormat,
    pub rows: u64,
    pub columns: Vec<ColumnProfile>,
    pub sample: Vec<Vec<Option<String>>>,
}

/// Where a profile stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProfileState {
    /// Waiting to be computed (or to be retried after an interrupted run).
    Pending,
    Running,
    Ready,
    /// The file could not be read; `error` says why.
    Failed,
    /// Not a tabular format datagate profiles.
    Unsupported,
}

impl ProfileState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileState::Pending => "pending",
            ProfileState::Running => "running",
            ProfileState::Ready => "ready",
            ProfileState::Failed => "failed",
            ProfileState::Unsupported => "unsupported",
        }
    }
    pub fn parse(s: &str) -> Self {
        match s {
            "running" => ProfileState::Running,
            "ready" => ProfileState::Ready,
            "failed" => ProfileState::Failed,
            "unsupported" => ProfileState::Unsupported,
            _ => ProfileState::Pending,
        }
    }
}

/// Which form of the profile the caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Disclosure {
    /// Everything: an unconditional listing, or the owning bureau and administrators.
    Full,
    /// Conditional or not-open data: rare values suppressed, extremes as
    /// rounded ranges, no sample unless the bureau made it public.
    Protected,
}

/// A distribution's profile as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProfileView {
    pub distribution_id: DistributionId,
    pub state: ProfileState,
    pub disclosure: Disclosure,
    /// The file the profile describes (SHA-256).
    pub sha256: String,
    pub format: Option<TabularFormat>,
    pub rows: Option<u64>,
    pub columns: Vec<ColumnProfile>,
    /// In the protected form: values occurring fewer than this many times are
    /// left out of `top_values`.
    pub k_threshold: Option<i32>,
    /// The first rows, as text; only where the bureau allows.
    pub sample: Option<Vec<Vec<Option<String>>>>,
    pub error: Option<String>,
    pub computed_at: Option<DateTime<Utc>>,
}

/// The protected form of a profile for conditional and not-open data:
/// - no value occurring fewer than `k` times is in `top_values` (counts are
///   Misra–Gries lower bounds, so a shown value truly occurs ≥ k times);
/// - min and max become a range rounded outward to a coarse unit (numbers: a
///   power of ten of the spread; dates: the month), and quantiles and the
///   mean are rounded to the same unit, so no single extreme row shows;
/// - a column with fewer than `k` non-null values shows no statistics.
pub fn protect(mut columns: Vec<ColumnProfile>, rows: u64, k: u64) -> Vec<ColumnProfile> {
    for c in &mut columns {
        c.top_values.retain(|v| v.count >= k);
        let non_null = rows.saturating_sub(c.nulls);
        if non_null < k {
            c.numeric = None;
            c.top_values.clear();
            continue;
        }
        if let Some(n) = &mut c.numeric {
            *n = coarsen(c.inferred_type, n);
        }
    }
    columns
}

fn coarsen(ty: ColumnType, n: &NumericSummary) -> NumericSummary {
    match ty {
        ColumnType::Date | ColumnType::Datetime => {
            let month = |v: &Value, up: bool| -> Value {
                let s = v.as_str().unwrap_or_default();
                let Some(d) = chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or_default(), "%Y-%m-%d").ok()
                else {
                    return Value::Null;
                };
                let first = chrono::NaiveDate::from_ymd_opt(d.year(), d.month(), 1);
                let out = if up {
                    first.and_then(|f| f.checked_add_months(chrono::Months::new(1))).and_then(|f| f.pred_opt())
                } else {
                    first
                };
                out.map(|d| json!(d.format("%Y-%m").to_string())).unwrap_or(Value::Null)
            };
            NumericSummary {
                min: month(&n.min, false),
                max: month(&n.max, true),
                mean: month(&n.mean, false),
                quantiles: n.quantiles.iter().map(|(k, v)| (k.clone(), month(v, false))).collect(),
                quantiles_exact: n.quantiles_exact,
            }
        }
        _ => {
            let (lo, hi) = (n.min.as_f64().unwrap_or(0.0), n.max.as_f64().unwrap_or(0.0));
            let spread = (hi - lo).abs().max(lo.abs().max(hi.abs()) * 1e-3).max(1e-9);
            let unit = 10f64.powi(spread.log10().floor() as i32);
            let round = |v: &Value| v.as_f64().map(|x| json!(((x / unit).round() * unit * 1e9).round() / 1e9));
            NumericSummary {
                min: json!(((lo / unit).floor() * unit * 1e9).round() / 1e9),
                max: json!(((hi / unit).ceil() * unit * 1e9).round() / 1e9),
                mean: round(&n.mean).unwrap_or(Value::Null),
                quantiles: n.quantiles.iter().map(|(k, v)| (k.clone(), round(v).unwrap_or(Value::Null))).collect(),
                quantiles_exact: n.quantiles_exact,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ty: ColumnType, numeric: Option<NumericSummary>, top: Vec<(&str, u64)>) -> ColumnProfile {
        ColumnProfile {
            name: "c".into(),
            inferred_type: ty,
            nulls: 0,
            distinct: Distinctness { count: 3, exact: true },
            numeric,
            top_values: top.into_iter().map(|(v, c)| FrequentValue { value: v.into(), count: c }).collect(),
            top_values_max_undercount: 0,
        }
    }

    #[test]
    fn rare_values_are_suppressed_and_extremes_rounded_outward() {
        let text = column(ColumnType::Text, None, vec![("常见", 40), ("罕见", 3)]);
        let num = column(
            ColumnType::Integer,
            Some(NumericSummary {
                min: json!(17),
                max: json!(93),
                mean: json!(51.3),
                quantiles: [("p50".to_string(), json!(48))].into(),
                quantiles_exact: true,
            }),
            vec![],
        );
        let date = column(
            ColumnType::Date,
            Some(NumericSummary {
                min: json!("2024-01-17"),
                max: json!("2024-03-02"),
                mean: json!("2024-02-09"),
                quantiles: BTreeMap::new(),
                quantiles_exact: true,
            }),
            vec![],
        );
        let out = protect(vec![text, num, date], 100, 10);
        assert_eq!(out[0].top_values.len(), 1);
        assert_eq!(out[0].top_values[0].value, "常见");
        let n = out[1].numeric.as_ref().unwrap();
        assert_eq!((n.min.clone(), n.max.clone()), (json!(10.0), json!(100.0)));
        assert_eq!(n.quantiles["p50"], json!(50.0));
        let d = out[2].numeric.as_ref().unwrap();
        assert_eq!((d.min.clone(), d.max.clone()), (json!("2024-01"), json!("2024-03")));
    }

    #[test]
    fn a_column_with_fewer_than_k_values_shows_no_statistics() {
        let mut c = column(ColumnType::Text, None, vec![("a", 12)]);
        c.nulls = 95;
        let out = protect(vec![c], 100, 10);
        assert!(out[0].top_values.is_empty());
    }
}
