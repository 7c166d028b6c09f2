//! Summaries of a stream in bounded memory, each exact while the data is
//! small and approximate, with a stated bound, beyond:
//!
//! - [`Distinct`]: exact distinct count up to [`EXACT_DISTINCT`] values, then
//!   HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007) with 2^12
//!   registers: standard error 1.04/√4096 ≈ 1.6 %, with the linear-counting
//!   correction for small ranges.
//! - [`Frequent`]: exact counts while at most [`FREQUENT_SLOTS`] distinct
//!   values have been seen, then Misra–Gries (1982): every value occurring
//!   more than n/(m+1) times is kept, and each kept count is an
//!   *underestimate* by at most n/(m+1) — so a count shown as ≥ k is truly ≥ k.
//! - [`Reservoir`]: a uniform sample of [`RESERVOIR`] values (Vitter's
//!   algorithm R); exact quantiles while n ≤ the reservoir, then by the
//!   Dvoretzky–Kiefer–Wolfowitz inequality every quantile's rank is within
//!   ±1.5 % with probability ≥ 99.8 %.
//!
//! The crates we looked at offer one of these each, unmaintained or with
//! relative-error quantiles (DDSketch) that suit latencies but not dates;
//! the three algorithms are short, published and tested below.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use rand::Rng;

pub const EXACT_DISTINCT: usize = 4096;
pub const FREQUENT_SLOTS: usize = 1024;
pub const RESERVOIR: usize = 16_384;
const HLL_BITS: u32 = 12;
const HLL_REGISTERS: usize = 1 << HLL_BITS;

/// A fixed-key hasher: the same value hashes alike in every run.
fn hash64(s: &str) -> u64 {
    let mut h = std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().build_hasher();
    h.write(s.as_bytes());
    h.finish()
}

/// Distinct values: exact while few, HyperLogLog beyond.
pub struct Distinct {
    exact: Option<std::collections::HashSet<u64>>,
    registers: Vec<u8>,
}

impl Default for Distinct {
    fn default() -> Self {
        Self { exact: Some(Default::default()), registers: vec![0; HLL_REGISTERS] }
    }
}

impl Distinct {
    pub fn add(&mut self, value: &str) {
        let h = hash64(value);
        let idx = (h >> (64 - HLL_BITS)) as usize;
        let rest = (h << HLL_BITS) | (1 << (HLL_BITS - 1));
        let rank = rest.leading_zeros() as u8 + 1;
        if rank > self.registers[idx] {
            self.registers[idx] = rank;
        }
        if let Some(set) = &mut self.exact {
            set.insert(h);
            if set.len() > EXACT_DISTINCT {
                self.exact = None;
            }
        }
    }

    /// The count and whether it is exact.
    pub fn estimate(&self) -> (u64, bool) {
        if let Some(set) = &self.exact {
            return (set.len() as u64, true);
        }
        let m = HLL_REGISTERS as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self.registers.iter().map(|r| 2f64.powi(-(*r as i32))).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.registers.iter().filter(|r| **r == 0).count();
        let e = if raw <= 2.5 * m && zeros > 0 { m * (m / zeros as f64).ln() } else { raw };
        (e.round() as u64, false)
    }
}

/// Frequent values: exact while few distinct, Misra–Gries beyond.
#[derive(Default)]
pub struct Frequent {
    counts: HashMap<String, u64>,
    /// Whether any decrement happened (counts are then lower bounds).
    pub approximate: bool,
    /// How many values were counted.
    pub n: u64,
}

impl Frequent {
    pub fn add(&mut self, value: &str) {
        self.n += 1;
        if let Some(c) = self.counts.get_mut(value) {
            *c += 1;
            return;
        }
        if self.counts.len() < FREQUENT_SLOTS {
            self.counts.insert(value.to_string(), 1);
            return;
        }
        // A new value with every slot taken: decrement all, drop the zeros.
        self.approximate = true;
        self.counts.retain(|_, c| {
            *c -= 1;
            *c > 0
        });
    }

    /// The largest error of any count (0 while exact).
    pub fn error_bound(&self) -> u64 {
        if self.approximate { self.n / (FREQUENT_SLOTS as u64 + 1) } else { 0 }
    }

    /// The `top` most frequent values with their (lower-bound) counts,
    /// most frequent first, ties by value.
    pub fn top(&self, top: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(String, u64)> = self.counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(top);
        all
    }
}

/// A uniform sample of numbers, for quantiles.
pub struct Reservoir {
    values: Vec<f64>,
    seen: u64,
    rng: rand::rngs::StdRng,
}

impl Default for Reservoir {
    fn default() -> Self {
        use rand::SeedableRng;
        // Seeded: a profile of the same file is the same profile.
        Self { values: Vec::new(), seen: 0, rng: rand::rngs::StdRng::seed_from_u64(0x5eed) }
    }
}

impl Reservoir {
    pub fn add(&mut self, v: f64) {
        self.seen += 1;
        if self.values.len() < RESERVOIR {
            self.values.push(v);
        } else {
            let j = self.rng.gen_range(0..self.seen);
            if (j as usize) < RESERVOIR {
                self.values[j as usize] = v;
            }
        }
    }

    pub fn is_exact(&self) -> bool {
        self.seen as usize <= RESERVOIR
    }

    /// Quantiles `qs` (each in 0..=1), nearest-rank on the sample.
    pub fn quantiles(&mut self, qs: &[f64]) -> Vec<f64> {
        if self.values.is_empty() {
            return Vec::new();
        }
        self.values.sort_by(|a, b| a.total_cmp(b));
        let n = self.values.len();
        qs.iter()
            .map(|q| {
                let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
                self.values[rank - 1]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_is_exact_while_small_and_close_beyond() {
        let mut d = Distinct::default();
        for i in 0..1000 {
            d.add(&format!("v{}", i % 300));
        }
        assert_eq!(d.estimate(), (300, true));
        let mut d = Distinct::default();
        for i in 0..200_000 {
            d.add(&format!("value-{i}"));
        }
        let (e, exact) = d.estimate();
        assert!(!exact);
        // Five standard errors (1.6 % each).
        assert!((e as f64 - 200_000.0).abs() < 0.08 * 200_000.0, "estimate {e}");
    }

    #[test]
    fn frequent_values_survive_and_counts_are_lower_bounds() {
        let mut f = Frequent::default();
        let mut n = 0u64;
        for i in 0..100_000u64 {
            f.add(&format!("noise-{i}"));
            n += 1;
            if i % 10 == 0 {
                f.add("hot");
                n += 1;
            }
        }
        let top = f.top(1);
        assert_eq!(top[0].0, "hot");
        assert!(top[0].1 <= 10_000 && top[0].1 + f.error_bound() >= 10_000, "{top:?} ± {}", f.error_bound());
        assert_eq!(f.n, n);
        let mut exact = Frequent::default();
        for v in ["a", "b", "a", "c", "a", "b"] {
            exact.add(v);
        }
        assert_eq!(exact.top(2), vec![("a".to_string(), 3), ("b".to_string(), 2)]);
        assert_eq!(exact.error_bound(), 0);
    }

    #[test]
    fn reservoir_quantiles_are_exact_when_small_and_within_rank_bound_beyond() {
        let mut r = Reservoir::default();
        for v in 1..=100 {
            r.add(v as f64);
        }
        assert!(r.is_exact());
        assert_eq!(r.quantiles(&[0.0, 0.25, 0.5, 1.0]), vec![1.0, 25.0, 50.0, 100.0]);
        let mut r = Reservoir::default();
        for v in 0..1_000_000 {
            r.add(v as f64);
        }
        let q = r.quantiles(&[0.5, 0.9]);
        assert!((q[0] - 500_000.0).abs() < 15_000.0, "{q:?}");
        assert!((q[1] - 900_000.0).abs() < 15_000.0, "{q:?}");
    }
}
