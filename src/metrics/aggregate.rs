//! Across replications: the mean and 95% confidence half-width of every
//! metric (Student's t over independent replications), and paired comparisons
//! of policies: because every policy of a replication runs the same workload
//! (common random numbers), the per-replication differences vary far less than
//! the metrics themselves, and their interval is much tighter than the two
//! policies' intervals side by side.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::summary::METRICS;
use crate::batch::Cell;

/// A mean over `n` values with its 95% confidence half-width (`None` for a
/// single value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Number of values.
    pub n: usize,
    /// Their mean.
    pub mean: f64,
    /// Half-width of the 95% Student t interval.
    pub half_width: Option<f64>,
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

/// Mean and 95% interval of `xs`, summed in order (so the result does not
/// depend on how the values were computed in parallel).
pub fn estimate(xs: &[f64]) -> Option<Estimate> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let half_width = (n > 1).then(|| {
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        t_975(n - 1) * (var / n as f64).sqrt()
    });
    Some(Estimate {
        n,
        mean,
        half_width,
    })
}

/// One row of `aggregate.csv`: a point, policy and class (`classes` = `*`).
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateRow {
    /// Sweep point.
    pub point: usize,
    /// Policy index.
    pub policy: usize,
    /// Class index (the last is `*`).
    pub class: usize,
    /// Replications aggregated.
    pub replications: usize,
    /// One estimate per metric of `METRICS`.
    pub estimates: Vec<Option<Estimate>>,
}

/// Groups `cells` (in plan order) by point and policy.
fn groups(cells: &[Cell]) -> Vec<&[Cell]> {
    cells
        .chunk_by(|a, b| (a.key.point, a.key.policy) == (b.key.point, b.key.policy))
        .collect()
}

/// Aggregates the replications of each point x policy x class.
pub fn aggregate(cells: &[Cell]) -> Vec<AggregateRow> {
    let mut out = Vec::new();
    for group in groups(cells) {
        let classes = group[0].summaries.len();
        for class in 0..classes {
            let estimates = (0..METRICS.len())
                .map(|m| {
                    let xs: Vec<f64> = group
                        .iter()
                        .filter_map(|c| c.summaries[class].values()[m])
                        .collect();
                    estimate(&xs)
                })
                .collect();
            out.push(AggregateRow {
                point: group[0].key.point,
                policy: group[0].key.policy,
                class,
                replications: group.len(),
                estimates,
            });
        }
    }
    out
}

/// Metrics compared between policies (all but the workload's own counts).
pub fn compared_metrics() -> impl Iterator<Item = (usize, &'static str)> {
    METRICS
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, m)| !matches!(*m, "arrived" | "events"))
}

/// One row of `paired.csv`: policy `a` minus policy `b` on one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedRow {
    /// Sweep point.
    pub point: usize,
    /// Class index (the last is `*`).
    pub class: usize,
    /// First policy.
    pub a: usize,
    /// Second policy.
    pub b: usize,
    /// Index into `METRICS`.
    pub metric: usize,
    /// Mean of the per-replication differences a - b, with its interval.
    pub difference: Estimate,
}

impl PairedRow {
    /// Whether the difference is significant at 95%: its interval excludes 0.
    pub fn significant(&self) -> bool {
        self.difference
            .half_width
            .is_some_and(|h| self.difference.mean.abs() > h)
    }
}

/// Paired differences for every pair of policies at every point and class,
/// over the replications where both have the metric.
pub fn paired(cells: &[Cell]) -> Vec<PairedRow> {
    let groups = groups(cells);
    let mut out = Vec::new();
    for (i, a) in groups.iter().enumerate() {
        for b in &groups[i + 1..] {
            if a[0].key.point != b[0].key.point {
                continue;
            }
            for class in 0..a[0].summaries.len().min(b[0].summaries.len()) {
                for (m, _) in compared_metrics() {
                    let diffs: Vec<f64> = a
                        .iter()
                        .filter_map(|ca| {
                            let cb = b
                                .iter()
                                .find(|cb| cb.key.replication == ca.key.replication)?;
                            Some(
                                ca.summaries[class].values()[m]? - cb.summaries[class].values()[m]?,
                            )
                        })
                        .collect();
                    if let Some(difference) = estimate(&diffs) {
                        out.push(PairedRow {
                            point: a[0].key.point,
                            class,
                            a: a[0].key.policy,
                            b: b[0].key.policy,
                            metric: m,
                            difference,
                        });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        // NIST/SEMATECH e-Handbook, table 1.3.6.7.2.
        for (df, t) in [
            (1, 12.706),
            (4, 2.776),
            (9, 2.262),
            (29, 2.045),
            (100, 1.984),
        ] {
            assert!((t_975(df) - t).abs() < 5e-4, "df {df}: {}", t_975(df));
        }
    }

    #[test]
    fn estimate_of_known_values() {
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(e.mean, 3.0);
        // sd = sqrt(2.5), se = sqrt(0.5), t(4) = 2.776445.
        assert!((e.half_width.unwrap() - 2.776445 * 0.5f64.sqrt()).abs() < 1e-5);
        assert_eq!(estimate(&[7.0]).unwrap().half_width, None);
        assert!(estimate(&[]).is_none());
    }
}
