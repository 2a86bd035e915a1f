//! `{ process = "poisson", rate = R }`: open arrivals with exponential gaps,
//! `rate` per second.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{ArrivalKind, FieldInfo};
use crate::model::Arrival;
use crate::scenario::{ScenarioError, Validator};

/// The fields of a Poisson process.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Poisson {
    rate: f64,
}

impl ArrivalKind for Poisson {
    const PROCESS: &'static str = "poisson";
    const FIELDS: &'static [FieldInfo] = &[FieldInfo {
        name: "rate",
        required: true,
        example: "rate = 100.0 (per second)",
    }];

    fn resolve(
        &self,
        v: &Validator,
        at: &dyn Fn(&str) -> Range<usize>,
    ) -> Result<Arrival, ScenarioError> {
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return Err(v.err(
                at("rate"),
                "rate must be a number of arrivals per second, greater than zero",
            ));
        }
        Ok(Arrival::Poisson { rate: self.rate })
    }
}
