//! The OpenDP measurements behind each aggregate. Each is built as OpenDP
//! intends — a stable transformation (clamp, sum, count, count by
//! categories) chained with a noise measurement — and its privacy map gives
//! the ε a query costs for one row added or removed (symmetric distance 1).
//!
//! Files are larger than memory, so the transformation is *invoked* on
//! batches of at most [`BATCH`] values and the batch results added (counts,
//! histograms and clamped sums are additive), and the noise measurement is
//! invoked once on the total. The privacy map used for accounting is that of
//! the whole chain.

use opendp::combinators::make_composition;
use opendp::core::{Measurement, Transformation};
use opendp::domains::{AtomDomain, VectorDomain};
use opendp::error::Fallible;
use opendp::measurements::make_laplace;
use opendp::measures::MaxDivergence;
use opendp::metrics::{AbsoluteDistance, L1Distance, SymmetricDistance};
use opendp::transformations::{make_clamp, make_count, make_count_by_categories, make_sum};
use opendp::{err, fallible};

/// Values per invocation of a transformation (OpenDP's float sum accepts up
/// to 2^20 per call).
pub const BATCH: usize = 65_536;

type Rows<T> = VectorDomain<AtomDomain<T>>;

/// Count of rows: discrete Laplace on an integer count.
pub struct Count {
    pub stable: Transformation<Rows<bool>, SymmetricDistance, AtomDomain<i64>, AbsoluteDistance<i64>>,
    pub noise: Measurement<AtomDomain<i64>, AbsoluteDistance<i64>, MaxDivergence, i64>,
    pub scale: f64,
    pub epsilon: f64,
}

/// Sum of values clamped into bounds: Laplace on the sum.
pub struct Sum {
    pub stable: Transformation<Rows<f64>, SymmetricDistance, AtomDomain<f64>, AbsoluteDistance<f64>>,
    pub noise: Measurement<AtomDomain<f64>, AbsoluteDistance<f64>, MaxDivergence, f64>,
    pub scale: f64,
    pub epsilon: f64,
}

/// Count of values (as a float), the denominator of a mean.
pub struct FloatCount {
    pub stable: Transformation<Rows<f64>, SymmetricDistance, AtomDomain<f64>, AbsoluteDistance<f64>>,
    pub noise: Measurement<AtomDomain<f64>, AbsoluteDistance<f64>, MaxDivergence, f64>,
    pub scale: f64,
}

/// Counts per bin (the last is "outside every bin"): discrete Laplace on each.
pub struct Histogram {
    pub stable: Transformation<Rows<usize>, SymmetricDistance, Rows<i64>, L1Distance<i64>>,
    pub noise: Measurement<Rows<i64>, L1Distance<i64>, MaxDivergence, Vec<i64>>,
    pub bins: usize,
    pub scale: f64,
    pub epsilon: f64,
}

/// Finds the smallest scale (from `sensitivity / target` up) whose chain
/// OpenDP accounts at no more than `target`: its map rounds conservatively,
/// so the first guess may come out a hair above.
fn calibrate<T>(sensitivity: f64, target: f64, build: impl Fn(f64) -> Fallible<(T, f64)>) -> Fallible<(T, f64, f64)> {
    let mut scale = sensitivity / target;
    let mut step = 1e-12;
    for _ in 0..80 {
        let (m, eps) = build(scale)?;
        if eps <= target {
            return Ok((m, scale, eps));
        }
        scale *= 1.0 + step;
        step *= 2.0;
    }
    fallible!(MakeMeasurement, "no noise scale reaches ε = {}", target)
}

pub fn count(epsilon: f64) -> Fallible<Count> {
    let stable = make_count::<bool, i64>(VectorDomain::new(AtomDomain::default()), SymmetricDistance)?;
    let ((noise, _), scale, eps) = calibrate(1.0, epsilon, |scale| {
        let noise = make_laplace(stable.output_domain.clone(), stable.output_metric.clone(), scale, None)?;
        let chain = (stable.clone() >> noise.clone())?;
        Ok(((noise, ()), chain.map(&1)?))
    })?;
    Ok(Count { stable, noise, scale, epsilon: eps })
}

fn sum_chain(lower: f64, upper: f64, epsilon: f64) -> Fallible<Sum> {
    let clamp = make_clamp(VectorDomain::new(AtomDomain::<f64>::new_non_nan()), SymmetricDistance, (lower, upper))?;
    let sum = make_sum(clamp.output_domain.clone(), clamp.output_metric.clone())?;
    let stable = (clamp >> sum)?;
    let sensitivity = stable.map(&1)?;
    let (noise, scale, eps) = calibrate(sensitivity, epsilon, |scale| {
        let noise = make_laplace(stable.output_domain.clone(), stable.output_metric.clone(), scale, None)?;
        let chain = (stable.clone() >> noise.clone())?;
        Ok((noise, chain.map(&1)?))
    })?;
    Ok(Sum { stable, noise, scale, epsilon: eps })
}

pub fn sum(lower: f64, upper: f64, epsilon: f64) -> Fallible<Sum> {
    sum_chain(lower, upper, epsilon)
}

/// A mean as a noisy sum over a noisy count, each with half the ε; the
/// total is OpenDP's sequential composition of the two.
pub fn mean(lower: f64, upper: f64, epsilon: f64) -> Fallible<(Sum, FloatCount, f64)> {
    let half = epsilon / 2.0;
    let s = sum_chain(lower, upper, half)?;
    let stable = make_count::<f64, f64>(VectorDomain::new(AtomDomain::new_non_nan()), SymmetricDistance)?;
    let ((noise, _), scale, _) = calibrate(1.0, half, |scale| {
        let noise = make_laplace(stable.output_domain.clone(), stable.output_metric.clone(), scale, None)?;
        let chain = (stable.clone() >> noise.clone())?;
        Ok(((noise, ()), chain.map(&1)?))
    })?;
    let both = make_composition(vec![(s.stable.clone() >> s.noise.clone())?, (stable.clone() >> noise.clone())?])?;
    let total = both.map(&1)?;
    Ok((s, FloatCount { stable, noise, scale }, total))
}

/// Counts of `bins` bins plus one for values outside them.
pub fn histogram(bins: usize, epsilon: f64) -> Fallible<Histogram> {
    let stable = make_count_by_categories::<L1Distance<i64>, usize, i64>(
        VectorDomain::new(AtomDomain::default()),
        SymmetricDistance,
        (0..bins).collect(),
        true,
    )?;
    let sensitivity = stable.map(&1)? as f64;
    let (noise, scale, eps) = calibrate(sensitivity, epsilon, |scale| {
        let noise = make_laplace(stable.output_domain.clone(), stable.output_metric.clone(), scale, None)?;
        let chain = (stable.clone() >> noise.clone())?;
        Ok((noise, chain.map(&1)?))
    })?;
    Ok(Histogram { stable, noise, bins, scale, epsilon: eps })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mechanism_costs_at_most_the_epsilon_asked() {
        for eps in [0.01, 0.1, 0.3, 1.0, 2.5] {
            let c = count(eps).unwrap();
            assert!(c.epsilon <= eps && c.epsilon > eps * 0.999, "{eps} → {}", c.epsilon);
            assert!((c.scale - 1.0 / eps).abs() / (1.0 / eps) < 1e-6);
            let s = sum(0.0, 500.0, eps).unwrap();
            assert!(s.epsilon <= eps && s.epsilon > eps * 0.999);
            // Sensitivity of a sum clamped to [0, 500] is 500 (plus float slack).
            assert!(s.scale >= 500.0 / eps && s.scale < 500.0 / eps * 1.001);
            let (_, _, total) = mean(0.0, 500.0, eps).unwrap();
            assert!(total <= eps && total > eps * 0.999, "{eps} → {total}");
            let h = histogram(12, eps).unwrap();
            assert!(h.epsilon <= eps && h.epsilon > eps * 0.999);
        }
    }

    #[test]
    fn the_transformations_compute_what_they_claim_on_batches() {
        let c = count(1.0).unwrap();
        assert_eq!(c.stable.invoke(&vec![true; 7]).unwrap(), 7);
        let s = sum(0.0, 10.0, 1.0).unwrap();
        assert_eq!(s.stable.invoke(&vec![-5.0, 3.0, 50.0]).unwrap(), 13.0);
        let h = histogram(3, 1.0).unwrap();
        assert_eq!(h.stable.invoke(&vec![0, 2, 2, 9]).unwrap(), vec![1, 0, 2, 1]);
    }
}
