//! Differentially private aggregates — "usable but not visible" (可用不可见):
//! an enterprise asks for a count, sum, mean, histogram or quantile over a
//! file it may not see and receives only a result with noise from OpenDP
//! calibrated to the ε it spends. No row ever leaves.
//!
//! This module is the computation only (no database, no HTTP): the query's
//! types, its validation against the bureau's declared columns, and one pass
//! over the file (`engine`). Budgets, audit and the endpoint live in
//! `grants::aggregate`. `docs/PRIVACY.md` explains the choices.

pub mod engine;
pub mod mechanisms;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::distributions::DistributionId;
use crate::distributions::disclosure::{DeclaredColumn, DisclosureSettings};
use crate::error::{AppResult, Validator};

/// The smallest ε one query may spend.
pub const MIN_QUERY_EPSILON: f64 = 0.001;
/// Bins of a histogram at most.
pub const MAX_BINS: usize = 200;
/// Bins over the declared bounds from which a quantile is read.
pub const QUANTILE_BINS: usize = 128;

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AggregateKind {
    /// Rows (after filters).
    Count,
    /// Sum of a numeric column, each value clamped into its declared bounds.
    Sum,
    /// Mean of a numeric column (noisy sum / noisy count, ε split in halves).
    Mean,
    /// Counts of a numeric column's values in the bins given by `bins`.
    Histogram,
    /// The `quantile` (0–1) of a numeric column, read from a noisy histogram
    /// of 128 equal bins over the declared bounds.
    Quantile,
}

/// A comparison in a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FilterOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
}

/// Keeps the rows whose `column` compares to `value` (`in`: is one of a list).
/// Only declared columns; `lt`/`le`/`gt`/`ge` compare numbers and ISO dates
/// as such, other text (e.g. months as `2024-07`) in text order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub column: String,
    pub op: FilterOp,
    #[schema(value_type = Object, example = "浦东新区")]
    pub value: serde_json::Value,
}

/// An aggregate query.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryInput {
    /// The granted distribution to query.
    pub distribution_id: DistributionId,
    pub aggregate: AggregateKind,
    /// The numeric column (all aggregates but count).
    #[serde(default)]
    pub column: Option<String>,
    /// For `histogram`: ascending bin edges (n + 1 edges make n bins).
    #[serde(default)]
    pub bins: Option<Vec<f64>>,
    /// For `quantile`: which, between 0 and 1 (0.5 is the median).
    #[serde(default)]
    pub quantile: Option<f64>,
    /// A categorical column the grant allows grouping by.
    #[serde(default)]
    pub group_by: Option<String>,
    #[serde(default)]
    pub filters: Vec<Filter>,
    /// The privacy cost of this query, spent from the grant's budget.
    #[schema(example = 0.1)]
    pub epsilon: f64,
}

/// One group's noisy result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GroupResult {
    /// The group's value (absent when not grouped).
    pub group: Option<String>,
    /// The noisy count, sum, mean or quantile (absent for histograms, and for
    /// a mean whose noisy count is not positive).
    pub value: Option<f64>,
    /// For histograms: the noisy count of each bin.
    pub bins: Option<Vec<BinCount>>,
    /// For histograms: the noisy count of values outside every bin.
    pub outside: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BinCount {
    pub lower: f64,
    pub upper: f64,
    pub count: i64,
}

/// What a query computes once validated.
#[derive(Debug, Clone)]
pub struct Plan {
    pub kind: AggregateKind,
    /// The value column and its declared bounds.
    pub column: Option<(String, f64, f64)>,
    pub edges: Vec<f64>,
    pub quantile: f64,
    pub group: Option<(String, Vec<String>)>,
    pub filters: Vec<Filter>,
    pub epsilon: f64,
}

/// Checks a query against the distribution's declared columns and the
/// grant's groupable columns.
pub fn plan(q: &QueryInput, settings: &DisclosureSettings, groupable: &[String]) -> AppResult<Plan> {
    let mut v = Validator::new();
    v.check(
        q.epsilon.is_finite() && q.epsilon >= MIN_QUERY_EPSILON,
        "epsilon",
        format!("must be at least {MIN_QUERY_EPSILON}"),
    );
    let column = match (q.aggregate, &q.column) {
        (AggregateKind::Count, None) => None,
        (AggregateKind::Count, Some(_)) => {
            v.add("column", "a count counts rows: leave out column (filter instead)");
            None
        }
        (_, None) => {
            v.add("column", "name the declared numeric column to aggregate");
            None
        }
        (_, Some(c)) => match settings.column(c) {
            Some(DeclaredColumn::Numeric { name, lower, upper }) => Some((name.clone(), *lower, *upper)),
            Some(_) => {
                v.add("column", "is categorical; sums, means, histograms and quantiles need a numeric column");
                None
            }
            None => {
                v.add("column", "is not a column the bureau declared for aggregates");
                None
            }
        },
    };
    let edges = match (q.aggregate, &q.bins) {
        (AggregateKind::Histogram, Some(b)) => {
            v.check(
                b.len() >= 2 && b.len() <= MAX_BINS + 1,
                "bins",
                format!("give 2 to {} ascending edges", MAX_BINS + 1),
            );
            v.check(b.iter().all(|x| x.is_finite()) && b.windows(2).all(|w| w[0] < w[1]), "bins", "edges must ascend");
            b.clone()
        }
        (AggregateKind::Histogram, None) => {
            v.add("bins", "a histogram needs its bin edges");
            vec![]
        }
        (_, Some(_)) => {
            v.add("bins", "only a histogram has bins");
            vec![]
        }
        _ => vec![],
    };
    let quantile = match (q.aggregate, q.quantile) {
        (AggregateKind::Quantile, Some(p)) => {
            v.check((0.0..=1.0).contains(&p), "quantile", "must be between 0 and 1");
            p
        }
        (AggregateKind::Quantile, None) => {
            v.add("quantile", "say which quantile, e.g. 0.5");
            0.5
        }
        (_, Some(_)) => {
            v.add("quantile", "only a quantile query takes quantile");
            0.5
        }
        _ => 0.5,
    };
    let group = match &q.group_by {
        None => None,
        Some(g) if !groupable.contains(g) => {
            v.add("group_by", "the grant does not allow grouping by this column");
            None
        }
        Some(g) => match settings.column(g) {
            Some(DeclaredColumn::Categorical { values, .. }) => Some((g.clone(), values.clone())),
            _ => {
                v.add("group_by", "is not a categorical column the bureau declared for this distribution");
                None
            }
        },
    };
    v.check(q.filters.len() <= 16, "filters", "at most 16 filters");
    for (i, f) in q.filters.iter().enumerate() {
        let field = format!("filters[{i}]");
        match settings.column(&f.column) {
            None => v.add(format!("{field}.column"), "is not a column the bureau declared for aggregates"),
            Some(_) => {
                let ok = match f.op {
                    FilterOp::In => f.value.as_array().is_some_and(|a| {
                        !a.is_empty() && a.len() <= 1000 && a.iter().all(|x| x.is_string() || x.is_number())
                    }),
                    FilterOp::Eq | FilterOp::Ne => f.value.is_string() || f.value.is_number(),
                    _ => f.value.is_string() || f.value.is_number(),
                };
                v.check(ok, format!("{field}.value"), "eq/ne/lt/le/gt/ge take a string or number, in a list of them");
            }
        }
    }
    v.finish()?;
    Ok(Plan { kind: q.aggregate, column, edges, quantile, group, filters: q.filters.clone(), epsilon: q.epsilon })
}
