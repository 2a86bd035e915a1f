//! Duration distributions: how a scenario writes them, checks them, and draws
//! from them through a task's stream.

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Pareto, StandardUniform};

use crate::time::SimDuration;

mod text;

/// A distribution of durations: a constant or one of the SPEC's families.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same value: `"5ms"`.
    Const(SimDuration),
    /// Exponential with the given mean: `{ exp = "1ms" }`.
    Exp {
        /// The mean.
        mean: SimDuration,
    },
    /// Uniform on `[lo, hi]`: `{ uniform = ["2ms", "5ms"] }`.
    Uniform {
        /// Lower bound.
        lo: SimDuration,
        /// Upper bound.
        hi: SimDuration,
    },
    /// Normal, truncated at 0 by rejection (a draw below zero is drawn again).
    Normal {
        /// Mean of the untruncated normal.
        mean: SimDuration,
        /// Standard deviation of the untruncated normal.
        sd: SimDuration,
    },
    /// Log-normal given by its own mean and standard deviation (not the
    /// underlying normal's).
    LogNormal {
        /// The mean.
        mean: SimDuration,
        /// The standard deviation.
        sd: SimDuration,
    },
    /// Erlang-k: the sum of `k` exponentials, with the given overall mean.
    Erlang {
        /// Number of phases (shape).
        k: u32,
        /// The overall mean.
        mean: SimDuration,
    },
    /// Hyper-exponential: with probability `p[i]`, exponential with mean `means[i]`.
    HyperExp {
        /// Branch probabilities, summing to 1.
        p: Vec<f64>,
        /// Branch means.
        means: Vec<SimDuration>,
    },
    /// Pareto with minimum `scale` and tail index `shape`, optionally truncated
    /// (bounded) at `max`.
    Pareto {
        /// The minimum value.
        scale: SimDuration,
        /// The tail index (alpha).
        shape: f64,
        /// Upper bound of the bounded Pareto.
        max: Option<SimDuration>,
    },
    /// One of `values`, chosen with probability proportional to `weights`.
    Empirical {
        /// The possible values.
        values: Vec<SimDuration>,
        /// Relative weights, one per value (default: all equal).
        weights: Vec<f64>,
    },
}

impl Dist {
    /// Checks the parameters, saying what was expected.
    pub fn validate(&self) -> Result<(), String> {
        let positive = |what: &str, d: SimDuration| {
            if d.is_zero() {
                Err(format!("{what} must be greater than zero"))
            } else {
                Ok(())
            }
        };
        let positive_finite = |what: &str, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(format!(
                    "{what} must be a finite number greater than zero, found {x}"
                ))
            }
        };
        match self {
            Dist::Const(_) => Ok(()),
            Dist::Exp { mean } => positive("exp mean", *mean),
            Dist::Uniform { lo, hi } if lo > hi => Err(format!(
                "uniform needs [low, high] with low <= high, found [{lo}, {hi}]"
            )),
            Dist::Uniform { .. } => Ok(()),
            Dist::Normal { .. } => Ok(()),
            Dist::LogNormal { mean, .. } => positive("lognormal mean", *mean),
            Dist::Erlang { k, mean } => {
                if *k == 0 {
                    return Err("erlang k must be at least 1".into());
                }
                positive("erlang mean", *mean)
            }
            Dist::HyperExp { p, means } => {
                if p.is_empty() || p.len() != means.len() {
                    return Err(format!(
                        "hyperexp needs as many probabilities as means, found {} and {}",
                        p.len(),
                        means.len()
                    ));
                }
                if p.iter().any(|x| !x.is_finite() || *x < 0.0) {
                    return Err("hyperexp probabilities must be between 0 and 1".into());
                }
                let sum: f64 = p.iter().sum();
                if (sum - 1.0).abs() > 1e-9 {
                    return Err(format!("hyperexp probabilities must sum to 1, found {sum}"));
                }
                means
                    .iter()
                    .try_for_each(|m| positive("each hyperexp mean", *m))
            }
            Dist::Pareto { scale, shape, max } => {
                positive("pareto scale", *scale)?;
                positive_finite("pareto shape", *shape)?;
                match max {
                    Some(max) if max <= scale => Err(format!(
                        "pareto max must be greater than its scale, found max {max} <= scale {scale}"
                    )),
                    _ => Ok(()),
                }
            }
            Dist::Empirical { values, weights } => {
                if values.is_empty() {
                    return Err("empirical needs at least one value".into());
                }
                if weights.len() != values.len() {
                    return Err(format!(
                        "empirical needs one weight per value, found {} weights for {} values",
                        weights.len(),
                        values.len()
                    ));
                }
                if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
                    return Err("empirical weights must be finite and not negative".into());
                }
                if weights.iter().sum::<f64>() <= 0.0 {
                    return Err("empirical weights must not all be zero".into());
                }
                Ok(())
            }
        }
    }

    /// The mean in nanoseconds (infinite for a Pareto with shape <= 1 and no max).
    /// Used for offered load and for `check`'s summary.
    pub fn mean_nanos(&self) -> f64 {
        match self {
            Dist::Const(d) => d.as_nanos_f64(),
            Dist::Exp { mean } | Dist::LogNormal { mean, .. } | Dist::Erlang { mean, .. } => {
                mean.as_nanos_f64()
            }
            Dist::Uniform { lo, hi } => (lo.as_nanos_f64() + hi.as_nanos_f64()) / 2.0,
            Dist::Normal { mean, sd } => {
                // Mean of a normal truncated below at 0.
                let (m, s) = (mean.as_nanos_f64(), sd.as_nanos_f64());
                if s == 0.0 {
                    return m;
                }
                let alpha = -m / s;
                let z = 1.0 - std_normal_cdf(alpha);
                if z <= 0.0 {
                    0.0
                } else {
                    m + s * std_normal_pdf(alpha) / z
                }
            }
            Dist::HyperExp { p, means } => {
                p.iter().zip(means).map(|(p, m)| p * m.as_nanos_f64()).sum()
            }
            Dist::Pareto { scale, shape, max } => {
                let (x, a) = (scale.as_nanos_f64(), *shape);
                match max {
                    None if a <= 1.0 => f64::INFINITY,
                    None => a * x / (a - 1.0),
                    Some(max) => {
                        let h = max.as_nanos_f64();
                        let norm = 1.0 - (x / h).powf(a);
                        if (a - 1.0).abs() < 1e-12 {
                            x * (h / x).ln() / norm
                        } else {
                            x.powf(a) / norm * a / (a - 1.0) * (x.powf(1.0 - a) - h.powf(1.0 - a))
                        }
                    }
                }
            }
            Dist::Empirical { values, weights } => {
                let total: f64 = weights.iter().sum();
                values
                    .iter()
                    .zip(weights)
                    .map(|(v, w)| v.as_nanos_f64() * w)
                    .sum::<f64>()
                    / total
            }
        }
    }

    /// Multiplies every duration of the distribution by `factor` (used to scale a
    /// workload to a target load).
    pub fn scaled(&self, factor: f64) -> Dist {
        let s = |d: &SimDuration| SimDuration::from_nanos_f64(d.as_nanos_f64() * factor);
        match self {
            Dist::Const(d) => Dist::Const(s(d)),
            Dist::Exp { mean } => Dist::Exp { mean: s(mean) },
            Dist::Uniform { lo, hi } => Dist::Uniform {
                lo: s(lo),
                hi: s(hi),
            },
            Dist::Normal { mean, sd } => Dist::Normal {
                mean: s(mean),
                sd: s(sd),
            },
            Dist::LogNormal { mean, sd } => Dist::LogNormal {
                mean: s(mean),
                sd: s(sd),
            },
            Dist::Erlang { k, mean } => Dist::Erlang {
                k: *k,
                mean: s(mean),
            },
            Dist::HyperExp { p, means } => Dist::HyperExp {
                p: p.clone(),
                means: means.iter().map(s).collect(),
            },
            Dist::Pareto { scale, shape, max } => Dist::Pareto {
                scale: s(scale),
                shape: *shape,
                max: max.as_ref().map(s),
            },
            Dist::Empirical { values, weights } => Dist::Empirical {
                values: values.iter().map(s).collect(),
                weights: weights.clone(),
            },
        }
    }

    /// Draws one duration. Constant distributions draw nothing.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        let ns = |d: &SimDuration| d.as_nanos_f64();
        let value = match self {
            Dist::Const(d) => return *d,
            Dist::Exp { mean } => Exp::new(1.0 / ns(mean)).map_or(0.0, |e| e.sample(rng)),
            Dist::Uniform { lo, hi } => {
                let u: f64 = StandardUniform.sample(rng);
                ns(lo) + u * (ns(hi) - ns(lo))
            }
            Dist::Normal { mean, sd } => {
                let Ok(normal) = Normal::new(ns(mean), ns(sd)) else {
                    return *mean;
                };
                // Rejection keeps the shape of the normal above zero; give up
                // (return 0) only after a run of draws so unlikely it means the
                // mean is far below zero.
                (0..1000)
                    .map(|_| normal.sample(rng))
                    .find(|x| *x >= 0.0)
                    .unwrap_or(0.0)
            }
            Dist::LogNormal { mean, sd } => {
                let (m, s) = (ns(mean), ns(sd));
                let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                LogNormal::new(m.ln() - sigma2 / 2.0, sigma2.sqrt()).map_or(m, |d| d.sample(rng))
            }
            Dist::Erlang { k, mean } => {
                let k = f64::from(*k);
                Gamma::new(k, ns(mean) / k).map_or(0.0, |g| g.sample(rng))
            }
            Dist::HyperExp { p, means } => {
                let branch = pick_weighted(p, rng);
                Exp::new(1.0 / ns(&means[branch])).map_or(0.0, |e| e.sample(rng))
            }
            Dist::Pareto {
                scale,
                shape,
                max: None,
            } => Pareto::new(ns(scale), *shape).map_or(0.0, |d| d.sample(rng)),
            Dist::Pareto {
                scale,
                shape,
                max: Some(max),
            } => {
                // Inverse CDF of the Pareto truncated to [scale, max].
                let (x, h, a) = (ns(scale), ns(max), *shape);
                let u: f64 = StandardUniform.sample(rng);
                x / (1.0 - u * (1.0 - (x / h).powf(a))).powf(1.0 / a)
            }
            Dist::Empirical { values, weights } => return values[pick_weighted(weights, rng)],
        };
        SimDuration::from_nanos_f64(value)
    }
}

/// Index `i` with probability `weights[i] / sum(weights)`.
fn pick_weighted<R: Rng + ?Sized>(weights: &[f64], rng: &mut R) -> usize {
    let total: f64 = weights.iter().sum();
    let u: f64 = StandardUniform.sample(rng);
    let mut target = u * total;
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i;
        }
        target -= w;
    }
    // Rounding can leave target a hair above the last weight.
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

fn std_normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Φ(x), the standard normal CDF, through statrs' complementary error
/// function (accurate to machine precision across the range).
fn std_normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::rng::{Purpose, stream};

    fn parse(text: &str) -> Result<Dist, String> {
        #[derive(Deserialize)]
        struct W {
            d: Dist,
        }
        toml::from_str::<W>(&format!("d = {text}"))
            .map(|w| w.d)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_every_family() {
        assert_eq!(
            parse("\"5ms\"").unwrap(),
            Dist::Const(SimDuration::from_millis(5))
        );
        assert_eq!(
            parse("{ exp = \"1ms\" }").unwrap(),
            Dist::Exp {
                mean: SimDuration::from_millis(1)
            }
        );
        assert!(matches!(
            parse("{ uniform = [\"2ms\", \"5ms\"] }").unwrap(),
            Dist::Uniform { .. }
        ));
        assert!(matches!(
            parse("{ normal = { mean = \"2ms\", sd = \"1ms\" } }").unwrap(),
            Dist::Normal { .. }
        ));
        assert!(matches!(
            parse("{ lognormal = { mean = \"2ms\", sd = \"1ms\" } }").unwrap(),
            Dist::LogNormal { .. }
        ));
        assert!(matches!(
            parse("{ erlang = { k = 3, mean = \"2ms\" } }").unwrap(),
            Dist::Erlang { k: 3, .. }
        ));
        assert!(matches!(
            parse("{ hyperexp = { p = [0.9, 0.1], means = [\"1ms\", \"10ms\"] } }").unwrap(),
            Dist::HyperExp { .. }
        ));
        assert!(matches!(
            parse("{ pareto = { scale = \"1ms\", shape = 1.5, max = \"1s\" } }").unwrap(),
            Dist::Pareto { max: Some(_), .. }
        ));
        assert!(matches!(
            parse("{ empirical = { values = [\"1ms\", \"2ms\"] } }").unwrap(),
            Dist::Empirical { .. }
        ));
    }

    #[test]
    fn rejects_unknown_families_and_extra_keys() {
        assert!(parse("{ gauss = \"1ms\" }").unwrap_err().contains("exp"));
        assert!(
            parse("{ exp = \"1ms\", uniform = [\"1ms\", \"2ms\"] }")
                .unwrap_err()
                .contains("second")
        );
        assert!(
            parse("{ normal = { mean = \"2ms\" } }")
                .unwrap_err()
                .contains("sd")
        );
        assert!(parse("5").unwrap_err().contains("unit"));
    }

    #[test]
    fn serializes_back_to_what_it_parsed() {
        for text in [
            "\"5ms\"",
            "{ exp = \"1ms\" }",
            "{ pareto = { scale = \"1ms\", shape = 1.5 } }",
            "{ hyperexp = { p = [0.5, 0.5], means = [\"1ms\", \"3ms\"] } }",
        ] {
            let d = parse(text).unwrap();
            let back = toml::to_string(&std::collections::BTreeMap::from([("d", &d)])).unwrap();
            let again: std::collections::BTreeMap<String, Dist> = toml::from_str(&back).unwrap();
            assert_eq!(again["d"], d);
        }
    }

    #[test]
    fn validation_names_the_problem() {
        assert!(
            Dist::Exp {
                mean: SimDuration::ZERO
            }
            .validate()
            .unwrap_err()
            .contains("greater than zero")
        );
        let bad = Dist::HyperExp {
            p: vec![0.5, 0.4],
            means: vec![SimDuration(1), SimDuration(2)],
        };
        assert!(bad.validate().unwrap_err().contains("sum to 1"));
    }

    /// Sample means agree with `mean_nanos` within five standard errors.
    #[test]
    fn sample_means_match_declared_means() {
        let ms = SimDuration::from_millis;
        let cases = [
            Dist::Exp { mean: ms(2) },
            Dist::Uniform {
                lo: ms(1),
                hi: ms(3),
            },
            Dist::Normal {
                mean: ms(1),
                sd: ms(1),
            },
            Dist::LogNormal {
                mean: ms(2),
                sd: ms(4),
            },
            Dist::Erlang { k: 4, mean: ms(2) },
            Dist::HyperExp {
                p: vec![0.9, 0.1],
                means: vec![ms(1), ms(11)],
            },
            Dist::Pareto {
                scale: ms(1),
                shape: 2.5,
                max: None,
            },
            Dist::Pareto {
                scale: ms(1),
                shape: 1.2,
                max: Some(ms(100)),
            },
            Dist::Empirical {
                values: vec![ms(1), ms(4)],
                weights: vec![3.0, 1.0],
            },
        ];
        let mut rng = stream(3, 0, Purpose::Steps);
        for dist in cases {
            dist.validate().unwrap();
            let n = 200_000;
            let xs: Vec<f64> = (0..n)
                .map(|_| dist.sample(&mut rng).as_nanos_f64())
                .collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (var / n as f64).sqrt();
            let expected = dist.mean_nanos();
            assert!(
                (mean - expected).abs() < 5.0 * se + 1.0,
                "{dist:?}: {mean} vs {expected} (se {se})"
            );
        }
    }
}
