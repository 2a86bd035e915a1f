//! How a scenario writes a distribution, read and written back through serde:
//! a string is a constant, a one-key table names the family
//! (`{ exp = "1ms" }`), with messages that say what each family expects.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Dist;
use crate::time::SimDuration;

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MeanSd {
    mean: SimDuration,
    sd: SimDuration,
}

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ErlangParams {
    k: u32,
    mean: SimDuration,
}

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct HyperExpParams {
    p: Vec<f64>,
    means: Vec<SimDuration>,
}

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ParetoParams {
    scale: SimDuration,
    shape: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<SimDuration>,
}

#[derive(Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct EmpiricalParams {
    values: Vec<SimDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weights: Option<Vec<f64>>,
}

const FAMILIES: &[&str] = &[
    "exp",
    "uniform",
    "normal",
    "lognormal",
    "erlang",
    "hyperexp",
    "pareto",
    "empirical",
];

impl<'de> Deserialize<'de> for Dist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DistVisitor;
        impl<'de> Visitor<'de> for DistVisitor {
            type Value = Dist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration like \"5ms\" or a distribution like { exp = \"1ms\" } \
                     (exp, uniform, normal, lognormal, erlang, hyperexp, pareto, empirical)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dist, E> {
                v.parse().map(Dist::Const).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dist, E> {
                SimDuration::deserialize(de::value::I64Deserializer::<E>::new(v)).map(Dist::Const)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dist, E> {
                SimDuration::deserialize(de::value::F64Deserializer::<E>::new(v)).map(Dist::Const)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Dist, A::Error> {
                let Some(family) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(
                        "an empty table is not a distribution; expected e.g. { exp = \"1ms\" }",
                    ));
                };
                let dist = match family.as_str() {
                    "exp" => Dist::Exp {
                        mean: map.next_value()?,
                    },
                    "uniform" => {
                        let [lo, hi]: [SimDuration; 2] = map.next_value()?;
                        Dist::Uniform { lo, hi }
                    }
                    "normal" => {
                        let MeanSd { mean, sd } = map.next_value()?;
                        Dist::Normal { mean, sd }
                    }
                    "lognormal" => {
                        let MeanSd { mean, sd } = map.next_value()?;
                        Dist::LogNormal { mean, sd }
                    }
                    "erlang" => {
                        let ErlangParams { k, mean } = map.next_value()?;
                        Dist::Erlang { k, mean }
                    }
                    "hyperexp" => {
                        let HyperExpParams { p, means } = map.next_value()?;
                        Dist::HyperExp { p, means }
                    }
                    "pareto" => {
                        let ParetoParams { scale, shape, max } = map.next_value()?;
                        Dist::Pareto { scale, shape, max }
                    }
                    "empirical" => {
                        let EmpiricalParams { values, weights } = map.next_value()?;
                        let weights = weights.unwrap_or_else(|| vec![1.0; values.len()]);
                        Dist::Empirical { values, weights }
                    }
                    other => return Err(de::Error::unknown_variant(other, FAMILIES)),
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "a distribution has exactly one key, found a second one, `{extra}`"
                    )));
                }
                Ok(dist)
            }
        }
        d.deserialize_any(DistVisitor)
    }
}

impl schemars::JsonSchema for Dist {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Distribution".into()
    }

    /// What the deserializer above takes: a constant duration, or a table
    /// with exactly one family key whose value is that family's parameters.
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let duration = g.subschema_for::<SimDuration>();
        let family = |name: &str, description: &str, params: schemars::Schema| {
            schemars::json_schema!({
                "description": description,
                "type": "object",
                "properties": { name: params },
                "required": [name],
                "additionalProperties": false
            })
        };
        let uniform = schemars::json_schema!({
            "type": "array",
            "items": duration,
            "minItems": 2,
            "maxItems": 2
        });
        schemars::json_schema!({
            "description": "A duration: a constant (\"5ms\") or a distribution with one family key, like { exp = \"1ms\" }.",
            "anyOf": [
                duration,
                family("exp", "Exponential with this mean.", duration.clone()),
                family("uniform", "Uniform on [LO, HI].", uniform),
                family("normal", "Normal, truncated at 0.", g.subschema_for::<MeanSd>()),
                family("lognormal", "Log-normal with this mean and standard deviation.", g.subschema_for::<MeanSd>()),
                family("erlang", "Erlang: the sum of k exponentials, with this total mean.", g.subschema_for::<ErlangParams>()),
                family("hyperexp", "Hyperexponential: mean means[i] with probability p[i].", g.subschema_for::<HyperExpParams>()),
                family("pareto", "Pareto with this scale and shape, optionally bounded by max.", g.subschema_for::<ParetoParams>()),
                family("empirical", "One of the values, drawn by weight (equal weights by default).", g.subschema_for::<EmpiricalParams>())
            ]
        })
    }
}

impl Serialize for Dist {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Dist::Const(d) = self {
            return d.serialize(s);
        }
        let mut map = s.serialize_map(Some(1))?;
        match self {
            Dist::Const(_) => unreachable!("handled above"),
            Dist::Exp { mean } => map.serialize_entry("exp", mean)?,
            Dist::Uniform { lo, hi } => map.serialize_entry("uniform", &[lo, hi])?,
            Dist::Normal { mean, sd } => map.serialize_entry(
                "normal",
                &MeanSd {
                    mean: *mean,
                    sd: *sd,
                },
            )?,
            Dist::LogNormal { mean, sd } => map.serialize_entry(
                "lognormal",
                &MeanSd {
                    mean: *mean,
                    sd: *sd,
                },
            )?,
            Dist::Erlang { k, mean } => {
                map.serialize_entry("erlang", &ErlangParams { k: *k, mean: *mean })?
            }
            Dist::HyperExp { p, means } => map.serialize_entry(
                "hyperexp",
                &HyperExpParams {
                    p: p.clone(),
                    means: means.clone(),
                },
            )?,
            Dist::Pareto { scale, shape, max } => map.serialize_entry(
                "pareto",
                &ParetoParams {
                    scale: *scale,
                    shape: *shape,
                    max: *max,
                },
            )?,
            Dist::Empirical { values, weights } => map.serialize_entry(
                "empirical",
                &EmpiricalParams {
                    values: values.clone(),
                    weights: Some(weights.clone()),
                },
            )?,
        }
        map.end()
    }
}
