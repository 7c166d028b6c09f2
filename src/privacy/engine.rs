//! One pass over a file for a planned query: rows are filtered, assigned to
//! their group, and their values batched into the OpenDP transformations;
//! at the end each group's total gets its noise. Groups are the declared
//! (public) values of the group column, so every group gets a noisy answer —
//! an empty group too — and one row changes only its own group's input:
//! by parallel composition the query costs the ε of one group.

use std::collections::HashMap;

use serde_json::Value;

use super::mechanisms::{self, BATCH};
use super::{AggregateKind, BinCount, Filter, FilterOp, GroupResult, Plan, QUANTILE_BINS};
use crate::tabular::{Cell, ReadError, RowSink};

/// How the query is answered: the measurements and their ε.
enum Mech {
    Count(mechanisms::Count),
    Sum(mechanisms::Sum),
    Mean(mechanisms::Sum, mechanisms::FloatCount),
    Histogram(mechanisms::Histogram),
}

/// One group's running state.
#[derive(Default)]
struct Acc {
    flags: Vec<bool>,
    values: Vec<f64>,
    bins: Vec<usize>,
    count: i64,
    sum: f64,
    float_count: f64,
    hist: Vec<i64>,
}

/// The key by which `lt`/`le`/`gt`/`ge` compare: a number, or an ISO date as
/// days (date-times as seconds), as the file's cells are compared.
pub fn order_key(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => Cell::infer(s).as_f64(),
        _ => None,
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => Cell::infer(&other.to_string()).to_text().unwrap_or_default(),
    }
}

struct CompiledFilter {
    column: String,
    index: Option<usize>,
    op: FilterOp,
    text: Vec<String>,
    key: Option<f64>,
}

impl CompiledFilter {
    fn new(f: &Filter) -> Self {
        let text = match &f.value {
            Value::Array(a) => a.iter().map(text_of).collect(),
            other => vec![text_of(other)],
        };
        CompiledFilter { column: f.column.clone(), index: None, op: f.op, text, key: order_key(&f.value) }
    }

    fn keeps(&self, cell: &Cell) -> bool {
        match self.op {
            FilterOp::Eq | FilterOp::In => cell.to_text().is_some_and(|t| self.text.contains(&t)),
            FilterOp::Ne => cell.to_text().is_some_and(|t| !self.text.contains(&t)),
            op => {
                // Numbers and dates compare as numbers; other text (e.g.
                // months as 2024-07) compares as text.
                let ord = match (cell.as_f64(), self.key) {
                    (Some(x), Some(k)) => x.partial_cmp(&k),
                    (None, None) => cell.to_text().map(|t| t.as_str().cmp(self.text[0].as_str())),
                    _ => None,
                };
                let Some(ord) = ord else { return false };
                match op {
                    FilterOp::Lt => ord.is_lt(),
                    FilterOp::Le => ord.is_le(),
                    FilterOp::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                }
            }
        }
    }
}

/// Runs a plan over rows; [`Engine::finish`] adds the noise.
pub struct Engine {
    plan: Plan,
    mech: Mech,
    filters: Vec<CompiledFilter>,
    value_index: Option<usize>,
    group_index: Option<usize>,
    groups: HashMap<String, usize>,
    accs: Vec<Acc>,
    /// Bin edges actually used (the query's, or equal bins for a quantile).
    edges: Vec<f64>,
}

/// Why a query could not be answered.
#[derive(Debug)]
pub enum EngineError {
    /// A declared column is not in the file.
    MissingColumn(String),
    Read(ReadError),
    Mechanism(String),
}

impl Engine {
    pub fn new(plan: Plan) -> Result<Self, EngineError> {
        let m = |e: opendp::error::Error| EngineError::Mechanism(e.to_string());
        let (lower, upper) = plan.column.as_ref().map(|(_, l, u)| (*l, *u)).unwrap_or((0.0, 1.0));
        let edges = match plan.kind {
            AggregateKind::Histogram => plan.edges.clone(),
            AggregateKind::Quantile => {
                (0..=QUANTILE_BINS).map(|i| lower + (upper - lower) * i as f64 / QUANTILE_BINS as f64).collect()
            }
            _ => vec![],
        };
        let mech = match plan.kind {
            AggregateKind::Count => Mech::Count(mechanisms::count(plan.epsilon).map_err(m)?),
            AggregateKind::Sum => Mech::Sum(mechanisms::sum(lower, upper, plan.epsilon).map_err(m)?),
            AggregateKind::Mean => {
                let (s, c, _) = mechanisms::mean(lower, upper, plan.epsilon).map_err(m)?;
                Mech::Mean(s, c)
            }
            AggregateKind::Histogram | AggregateKind::Quantile => {
                Mech::Histogram(mechanisms::histogram(edges.len() - 1, plan.epsilon).map_err(m)?)
            }
        };
        let (groups, n) = match &plan.group {
            Some((_, values)) => (values.iter().enumerate().map(|(i, v)| (v.clone(), i)).collect(), values.len()),
            None => (HashMap::new(), 1),
        };
        let filters = plan.filters.iter().map(CompiledFilter::new).collect();
        let accs = (0..n).map(|_| Acc { hist: vec![0; edges.len().max(1)], ..Default::default() }).collect();
        Ok(Engine { plan, mech, filters, value_index: None, group_index: None, groups, accs, edges })
    }

    /// The ε this query costs, as OpenDP accounts it (≤ the ε asked).
    pub fn epsilon(&self) -> f64 {
        match &self.mech {
            Mech::Count(c) => c.epsilon,
            Mech::Sum(s) => s.epsilon,
            Mech::Mean(s, _) => s.epsilon * 2.0,
            Mech::Histogram(h) => h.epsilon,
        }
    }

    /// Names the mechanism and its noise scale, for the answer and the audit.
    pub fn mechanism(&self) -> (String, f64) {
        match &self.mech {
            Mech::Count(c) => ("OpenDP make_count >> make_laplace (discrete Laplace on an integer)".into(), c.scale),
            Mech::Sum(s) => ("OpenDP make_clamp >> make_sum >> make_laplace".into(), s.scale),
            Mech::Mean(s, _) => (
                "OpenDP make_composition of (make_clamp >> make_sum >> make_laplace) and \
                 (make_count >> make_laplace), ε/2 each; mean = noisy sum / noisy count"
                    .into(),
                s.scale,
            ),
            Mech::Histogram(h) => (
                match self.plan.kind {
                    AggregateKind::Quantile => "OpenDP make_count_by_categories >> make_laplace over 128 equal bins \
                                                of the declared bounds; the quantile is read from the noisy cumulative counts"
                        .into(),
                    _ => "OpenDP make_count_by_categories >> make_laplace (discrete Laplace per bin)".into(),
                },
                h.scale,
            ),
        }
    }

    fn flush(&mut self, g: usize, force: bool) -> Result<(), EngineError> {
        let m = |e: opendp::error::Error| EngineError::Mechanism(e.to_string());
        let acc = &mut self.accs[g];
        match &self.mech {
            Mech::Count(c) if force || acc.flags.len() >= BATCH => {
                let n = c.stable.invoke(&acc.flags).map_err(m)?;
                acc.count = acc.count.saturating_add(n);
                acc.flags.clear();
            }
            Mech::Sum(s) if force || acc.values.len() >= BATCH => {
                acc.sum += s.stable.invoke(&acc.values).map_err(m)?;
                acc.values.clear();
            }
            Mech::Mean(s, c) if force || acc.values.len() >= BATCH => {
                acc.sum += s.stable.invoke(&acc.values).map_err(m)?;
                acc.float_count += c.stable.invoke(&acc.values).map_err(m)?;
                acc.values.clear();
            }
            Mech::Histogram(h) if force || acc.bins.len() >= BATCH => {
                let counts = h.stable.invoke(&acc.bins).map_err(m)?;
                for (t, c) in acc.hist.iter_mut().zip(counts) {
                    *t = t.saturating_add(c);
                }
                acc.bins.clear();
            }
            _ => {}
        }
        Ok(())
    }

    fn bin_of(&self, x: f64) -> usize {
        let n = self.edges.len() - 1;
        let x = if self.plan.kind == AggregateKind::Quantile { x.clamp(self.edges[0], self.edges[n]) } else { x };
        if !(x >= self.edges[0] && x <= self.edges[n]) {
            return n;
        }
        // The last bin includes its upper edge.
        self.edges.partition_point(|e| *e <= x).saturating_sub(1).min(n - 1)
    }

    /// Adds noise to every group's total: the only values that leave.
    pub fn finish(mut self) -> Result<Vec<GroupResult>, EngineError> {
        if let Some((name, _, _)) = &self.plan.column
            && self.value_index.is_none()
        {
            return Err(EngineError::MissingColumn(name.clone()));
        }
        if let Some((name, _)) = &self.plan.group
            && self.group_index.is_none()
        {
            return Err(EngineError::MissingColumn(name.clone()));
        }
        if let Some(f) = self.filters.iter().find(|f| f.index.is_none()) {
            return Err(EngineError::MissingColumn(f.column.clone()));
        }
        for g in 0..self.accs.len() {
            self.flush(g, true)?;
        }
        let m = |e: opendp::error::Error| EngineError::Mechanism(e.to_string());
        let names: Vec<Option<String>> = match &self.plan.group {
            Some((_, values)) => values.iter().cloned().map(Some).collect(),
            None => vec![None],
        };
        let mut out = Vec::with_capacity(names.len());
        for (acc, group) in self.accs.iter().zip(names) {
            let mut r = GroupResult { group, value: None, bins: None, outside: None };
            match &self.mech {
                Mech::Count(c) => r.value = Some(c.noise.invoke(&acc.count).map_err(m)? as f64),
                Mech::Sum(s) => r.value = Some(s.noise.invoke(&acc.sum).map_err(m)?),
                Mech::Mean(s, c) => {
                    let sum = s.noise.invoke(&acc.sum).map_err(m)?;
                    let n = c.noise.invoke(&acc.float_count).map_err(m)?;
                    let (lo, hi) = self.plan.column.as_ref().map(|(_, l, u)| (*l, *u)).unwrap_or((0.0, 0.0));
                    r.value = (n >= 1.0).then(|| (sum / n).clamp(lo, hi));
                }
                Mech::Histogram(h) => {
                    let noisy = h.noise.invoke(&acc.hist).map_err(m)?;
                    let n = h.bins;
                    if self.plan.kind == AggregateKind::Quantile {
                        r.value = Some(quantile_of(&noisy[..n], &self.edges, self.plan.quantile));
                    } else {
                        r.bins = Some(
                            (0..n)
                                .map(|i| BinCount { lower: self.edges[i], upper: self.edges[i + 1], count: noisy[i] })
                                .collect(),
                        );
                        r.outside = Some(noisy[n]);
                    }
                }
            }
            out.push(r);
        }
        Ok(out)
    }
}

/// Reads a quantile from noisy bin counts, interpolating within the bin —
/// post-processing, so no further cost. Negative noisy counts are kept in
/// the cumulative sum: the noise is centred, so over the many empty bins of
/// a wide declared range it cancels out, whereas taking negatives as 0 adds
/// phantom rows to every empty bin and drags the quantile towards them.
pub fn quantile_of(counts: &[i64], edges: &[f64], q: f64) -> f64 {
    let total: f64 = counts.iter().map(|c| *c as f64).sum();
    if total <= 0.0 {
        return (edges[0] + edges[edges.len() - 1]) / 2.0;
    }
    let target = q * total;
    let mut seen = 0.0;
    for (i, c) in counts.iter().map(|c| *c as f64).enumerate() {
        if c > 0.0 && seen + c >= target {
            let within = ((target - seen) / c).clamp(0.0, 1.0);
            return edges[i] + (edges[i + 1] - edges[i]) * within;
        }
        seen += c;
    }
    edges[edges.len() - 1]
}

impl RowSink for Engine {
    fn columns(&mut self, names: &[String]) {
        let find = |n: &str| names.iter().position(|x| x == n);
        self.value_index = self.plan.column.as_ref().and_then(|(n, _, _)| find(n));
        self.group_index = self.plan.group.as_ref().and_then(|(n, _)| find(n));
        for f in &mut self.filters {
            f.index = find(&f.column);
        }
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), ReadError> {
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).unwrap_or(&Cell::Null);
        if !self.filters.iter().all(|f| f.keeps(cell(f.index))) {
            return Ok(());
        }
        let g = match self.group_index {
            Some(i) => match cell(Some(i)).to_text().and_then(|t| self.groups.get(&t).copied()) {
                Some(g) => g,
                None => return Ok(()),
            },
            None if self.plan.group.is_some() => return Ok(()),
            None => 0,
        };
        match self.plan.kind {
            AggregateKind::Count => self.accs[g].flags.push(true),
            kind => {
                let Some(x) = cell(self.value_index).as_f64().filter(|x| x.is_finite()) else { return Ok(()) };
                match kind {
                    AggregateKind::Sum | AggregateKind::Mean => self.accs[g].values.push(x),
                    _ => {
                        let b = self.bin_of(x);
                        self.accs[g].bins.push(b);
                    }
                }
            }
        }
        self.flush(g, false).map_err(|e| match e {
            EngineError::Read(r) => r,
            other => ReadError::Stopped(format!("{other:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_read_from_cumulative_counts() {
        let edges = [0.0, 10.0, 20.0, 30.0, 40.0];
        assert_eq!(quantile_of(&[10, 10, 10, 10], &edges, 0.5), 20.0);
        assert_eq!(quantile_of(&[0, 20, -3, 0], &edges, 0.25), 12.125);
        assert_eq!(quantile_of(&[0, 0, 0, 0], &edges, 0.5), 20.0);
    }

    #[test]
    fn centred_noise_in_empty_bins_does_not_drag_the_quantile() {
        // 600 rows in the first 50 of 128 bins, the other 78 empty; the noise
        // alternates +3 / -3 in every bin, as centred noise does on average.
        let edges: Vec<f64> = (0..=128).map(|i| i as f64).collect();
        let counts: Vec<i64> =
            (0..128).map(|i| if i < 50 { 12 } else { 0 } + if i % 2 == 0 { 3 } else { -3 }).collect();
        let median = quantile_of(&counts, &edges, 0.5);
        assert!((median - 25.0).abs() <= 1.0, "median {median}, the rows' median is 25");
    }

    fn plan(kind: AggregateKind, column: Option<(String, f64, f64)>, epsilon: f64) -> Plan {
        Plan { kind, column, edges: vec![], quantile: 0.5, group: None, filters: vec![], epsilon }
    }

    /// Runs a query over `rows` values of column `v` (all equal to 5) `n` times.
    fn repeat(
        kind: AggregateKind,
        column: Option<(String, f64, f64)>,
        epsilon: f64,
        rows: usize,
        n: usize,
    ) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let mut e = Engine::new(plan(kind, column.clone(), epsilon)).unwrap();
                e.columns(&["v".to_string()]);
                for _ in 0..rows {
                    e.row(&[Cell::Int(5)]).unwrap();
                }
                e.finish().unwrap()[0].value.unwrap()
            })
            .collect()
    }

    /// Sample mean and variance, and the tolerance on the variance: five
    /// standard deviations of the sample variance, √((μ4 − σ⁴)/n).
    fn check(samples: &[f64], truth: f64, var: f64, mu4: f64) {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let s2 = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let tol = 5.0 * ((mu4 - var * var) / n).sqrt();
        assert!((mean - truth).abs() < 5.0 * (var / n).sqrt(), "mean {mean}, expected {truth}");
        assert!((s2 - var).abs() < tol, "variance {s2}, expected {var} ± {tol}");
    }

    /// OpenDP offers no fixed seed (it draws from the operating system), so
    /// the test is statistical: 1 000 counts at ε = 1 must show the variance
    /// of discrete Laplace with scale 1/ε, within five standard deviations
    /// of the sample variance (a false alarm about once in 1.7 million
    /// runs); scale 2 or 0.5 would be far outside.
    #[test]
    fn counts_at_epsilon_one_have_the_variance_of_laplace_with_scale_one() {
        let samples = repeat(AggregateKind::Count, None, 1.0, 40, 1000);
        assert!(samples.iter().all(|x| x.fract() == 0.0), "a noisy count is an integer");
        // Discrete Laplace, P(k) ∝ exp(−|k|/b): moments summed from its pmf.
        let b = 1.0f64;
        let pmf: Vec<(f64, f64)> = (-200..=200).map(|k| (k as f64, (-(k as f64).abs() / b).exp())).collect();
        let z: f64 = pmf.iter().map(|(_, p)| p).sum();
        let var = pmf.iter().map(|(k, p)| k * k * p).sum::<f64>() / z;
        let mu4 = pmf.iter().map(|(k, p)| k.powi(4) * p).sum::<f64>() / z;
        assert!((var - 2.0 * (-1.0f64).exp() / (1.0 - (-1.0f64).exp()).powi(2)).abs() < 1e-9);
        check(&samples, 40.0, var, mu4);
    }

    #[test]
    fn sums_at_epsilon_one_have_the_variance_of_laplace_with_scale_sensitivity_over_epsilon() {
        // Values clamped to [0, 10]: sensitivity 10, scale 10, variance 2·b², μ4 = 24·b⁴.
        let samples = repeat(AggregateKind::Sum, Some(("v".into(), 0.0, 10.0)), 1.0, 40, 1000);
        let b = 10.0f64;
        check(&samples, 200.0, 2.0 * b * b, 24.0 * b.powi(4));
    }
}
