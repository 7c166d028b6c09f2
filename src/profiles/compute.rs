//! Computing a profile: one pass over the rows, every column summarised in
//! bounded memory (see `sketch`).

use serde_json::{Value, json};

use super::sketch::{Distinct, Frequent, Reservoir};
use super::types::{ColumnProfile, ColumnType, Distinctness, FrequentValue, NumericSummary, Profile};
use crate::tabular::{Cell, ReadError, RowSink, TabularFormat};

/// Rows kept as the sample (shown only where the bureau allows).
pub const SAMPLE_ROWS: usize = 5;
/// Frequent values kept per column.
pub const TOP_VALUES: usize = 10;
/// The quantiles reported.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

#[derive(Default)]
struct ColumnAcc {
    nulls: u64,
    ints: u64,
    floats: u64,
    bools: u64,
    dates: u64,
    datetimes: u64,
    texts: u64,
    min: f64,
    max: f64,
    sum: f64,
    numeric: u64,
    reservoir: Reservoir,
    distinct: Distinct,
    frequent: Frequent,
}

impl ColumnAcc {
    fn add(&mut self, cell: &Cell) {
        match cell {
            Cell::Null => {
                self.nulls += 1;
                return;
            }
            Cell::Int(_) => self.ints += 1,
            Cell::Float(_) => self.floats += 1,
            Cell::Bool(_) => self.bools += 1,
            Cell::Date(_) => self.dates += 1,
            Cell::DateTime(_) => self.datetimes += 1,
            Cell::Text(_) => self.texts += 1,
        }
        if let Some(v) = cell.as_f64() {
            if self.numeric == 0 {
                self.min = v;
                self.max = v;
            } else {
                self.min = self.min.min(v);
                self.max = self.max.max(v);
            }
            self.sum += v;
            self.numeric += 1;
            self.reservoir.add(v);
        }
        let text = match cell {
            Cell::Text(s) => std::borrow::Cow::Borrowed(s.as_str()),
            other => std::borrow::Cow::Owned(other.to_text().unwrap_or_default()),
        };
        self.distinct.add(&text);
        self.frequent.add(&text);
    }

    fn column_type(&self) -> ColumnType {
        let non_null = self.ints + self.floats + self.bools + self.dates + self.datetimes + self.texts;
        if non_null == 0 {
            ColumnType::Empty
        } else if self.ints == non_null {
            ColumnType::Integer
        } else if self.ints + self.floats == non_null {
            ColumnType::Number
        } else if self.bools == non_null {
            ColumnType::Boolean
        } else if self.dates == non_null {
            ColumnType::Date
        } else if self.dates + self.datetimes == non_null {
            ColumnType::Datetime
        } else {
            ColumnType::Text
        }
    }

    fn finish(mut self, name: String, rows: u64) -> ColumnProfile {
        let ty = self.column_type();
        // Rows shorter than the header count as nulls in the missing columns.
        let counted = self.nulls + self.ints + self.floats + self.bools + self.dates + self.datetimes + self.texts;
        let nulls = self.nulls + rows.saturating_sub(counted);
        let numeric = match ty {
            ColumnType::Integer | ColumnType::Number | ColumnType::Date | ColumnType::Datetime if self.numeric > 0 => {
                let exact = self.reservoir.is_exact();
                let qs = self.reservoir.quantiles(&QUANTILES);
                let mean = self.sum / self.numeric as f64;
                Some(NumericSummary {
                    min: render(ty, self.min),
                    max: render(ty, self.max),
                    mean: render_mean(ty, mean),
                    quantiles: QUANTILES
                        .iter()
                        .zip(qs)
                        .map(|(q, v)| (format!("p{}", (q * 100.0).round() as u32), render(ty, v)))
                        .collect(),
                    quantiles_exact: exact,
                })
            }
            _ => None,
        };
        let (count, exact) = self.distinct.estimate();
        let top = match ty {
            ColumnType::Text | ColumnType::Boolean => {
                self.frequent.top(TOP_VALUES).into_iter().map(|(value, count)| FrequentValue { value, count }).collect()
            }
            _ => Vec::new(),
        };
        ColumnProfile {
            name,
            inferred_type: ty,
            nulls,
            distinct: Distinctness { count, exact },
            numeric,
            top_values: top,
            top_values_max_undercount: self.frequent.error_bound(),
        }
    }
}

/// A number as the column's type shows it: dates as ISO dates.
pub fn render(ty: ColumnType, v: f64) -> Value {
    match ty {
        ColumnType::Integer => json!(v.round() as i64),
        ColumnType::Date => json!(date_of(v)),
        ColumnType::Datetime => json!(datetime_of(v)),
        _ => json!(v),
    }
}

fn render_mean(ty: ColumnType, v: f64) -> Value {
    match ty {
        ColumnType::Integer | ColumnType::Number => json!(v),
        other => render(other, v),
    }
}

pub fn date_of(days: f64) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(days.floor() as i64)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub fn datetime_of(secs: f64) -> String {
    chrono::DateTime::from_timestamp(secs.floor() as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Receives rows and builds the profile.
pub struct Profiler {
    names: Vec<String>,
    columns: Vec<ColumnAcc>,
    rows: u64,
    sample: Vec<Vec<Option<String>>>,
}

impl Profiler {
    pub fn new() -> Self {
        Self { names: Vec::new(), columns: Vec::new(), rows: 0, sample: Vec::new() }
    }

    pub fn finish(self, format: TabularFormat) -> Profile {
        let rows = self.rows;
        let columns =
            self.names.into_iter().zip(self.columns).map(|(name, acc)| acc.finish(name, rows)).collect::<Vec<_>>();
        Profile { format, rows, columns, sample: self.sample }
    }
}

impl Default for Profiler {
    fn default() -> Self {
        Self::new()
    }
}

impl RowSink for Profiler {
    fn columns(&mut self, names: &[String]) {
        let earlier = self.rows;
        while self.columns.len() < names.len() {
            // A column that appears later was null in every earlier row.
            self.columns.push(ColumnAcc { nulls: earlier, ..Default::default() });
        }
        self.names = names.to_vec();
    }

    fn row(&mut self, cells: &[Cell]) -> Result<(), ReadError> {
        self.rows += 1;
        for (acc, cell) in self.columns.iter_mut().zip(cells) {
            acc.add(cell);
        }
        if self.sample.len() < SAMPLE_ROWS {
            let mut row: Vec<Option<String>> = cells.iter().map(Cell::to_text).collect();
            row.resize(self.names.len(), None);
            self.sample.push(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_of(csv: &str) -> Profile {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, csv).unwrap();
        let mut p = Profiler::new();
        crate::tabular::read_rows(&path, TabularFormat::Csv, &mut p).unwrap();
        p.finish(TabularFormat::Csv)
    }

    #[test]
    fn a_small_csv_is_profiled_exactly() {
        let p = profile_of(
            "district,visits,day,note\n浦东,10,2024-01-01,a\n浦东,20,2024-01-03,\n黄浦,30,2024-01-02,b\n,40,,b\n",
        );
        assert_eq!(p.rows, 4);
        let d = &p.columns[0];
        assert_eq!(d.inferred_type, ColumnType::Text);
        assert_eq!(d.nulls, 1);
        assert_eq!(d.distinct.count, 2);
        assert_eq!(d.top_values[0], FrequentValue { value: "浦东".into(), count: 2 });
        let v = p.columns[1].numeric.as_ref().unwrap();
        assert_eq!(p.columns[1].inferred_type, ColumnType::Integer);
        assert_eq!((v.min.clone(), v.max.clone(), v.mean.clone()), (json!(10), json!(40), json!(25.0)));
        assert_eq!(v.quantiles["p50"], json!(20));
        assert!(v.quantiles_exact);
        let day = p.columns[2].numeric.as_ref().unwrap();
        assert_eq!(p.columns[2].inferred_type, ColumnType::Date);
        assert_eq!((day.min.clone(), day.max.clone()), (json!("2024-01-01"), json!("2024-01-03")));
        assert_eq!(p.columns[3].nulls, 1);
        assert_eq!(p.sample.len(), 4);
        assert_eq!(p.sample[0][0].as_deref(), Some("浦东"));
    }

    #[test]
    fn ragged_rows_count_missing_cells_as_null() {
        let p = profile_of("a,b\n1\n2,x\n");
        assert_eq!(p.columns[1].nulls, 1);
        assert_eq!(p.columns[0].inferred_type, ColumnType::Integer);
    }
}
