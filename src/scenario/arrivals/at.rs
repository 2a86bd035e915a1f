//! `{ process = "at", times = [D, ...] }`: arrivals at explicit instants (in
//! any order; a time may repeat).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{ArrivalKind, FieldInfo};
use crate::model::Arrival;
use crate::scenario::{ScenarioError, Validator};
use crate::time::SimDuration;

/// The fields of explicit arrival times.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct At {
    times: Vec<SimDuration>,
}

impl ArrivalKind for At {
    const PROCESS: &'static str = "at";
    const FIELDS: &'static [FieldInfo] = &[FieldInfo {
        name: "times",
        required: true,
        example: "times = [\"0s\", \"1s\"]",
    }];

    fn resolve(
        &self,
        _v: &Validator,
        _at: &dyn Fn(&str) -> Range<usize>,
    ) -> Result<Arrival, ScenarioError> {
        let mut times = self.times.clone();
        times.sort();
        Ok(Arrival::At { times })
    }
}
