//! `{ process = "periodic", period = D, offset = D }`: one arrival every
//! period, the first at `offset` (default 0): a real-time task.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{ArrivalKind, FieldInfo};
use crate::model::Arrival;
use crate::scenario::{ScenarioError, Validator};
use crate::time::SimDuration;

/// The fields of a periodic process.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Periodic {
    period: SimDuration,
    #[serde(default)]
    offset: SimDuration,
}

impl ArrivalKind for Periodic {
    const PROCESS: &'static str = "periodic";
    const FIELDS: &'static [FieldInfo] = &[
        FieldInfo {
            name: "period",
            required: true,
            example: "period = \"10ms\"",
        },
        FieldInfo {
            name: "offset",
            required: false,
            example: "offset = \"1ms\"",
        },
    ];

    fn resolve(
        &self,
        v: &Validator,
        at: &dyn Fn(&str) -> Range<usize>,
    ) -> Result<Arrival, ScenarioError> {
        if self.period.is_zero() {
            return Err(v.err(at("period"), "period must be greater than zero"));
        }
        Ok(Arrival::Periodic {
            period: self.period,
            offset: self.offset,
        })
    }
}
