//! `{ process = "closed", clients = N, think = DIST }`: N clients, each
//! submitting its next task when the previous one finishes plus a think time.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{ArrivalKind, FieldInfo};
use crate::dist::Dist;
use crate::model::Arrival;
use crate::scenario::{ScenarioError, Validator};

/// The fields of a closed system.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Closed {
    clients: u32,
    think: Dist,
}

impl ArrivalKind for Closed {
    const PROCESS: &'static str = "closed";
    const FIELDS: &'static [FieldInfo] = &[
        FieldInfo {
            name: "clients",
            required: true,
            example: "clients = 10",
        },
        FieldInfo {
            name: "think",
            required: true,
            example: "think = { exp = \"100ms\" }",
        },
    ];

    fn resolve(
        &self,
        v: &Validator,
        at: &dyn Fn(&str) -> Range<usize>,
    ) -> Result<Arrival, ScenarioError> {
        if self.clients == 0 {
            return Err(v.err(at("clients"), "clients must be at least 1"));
        }
        self.think.validate().map_err(|e| v.err(at("think"), e))?;
        Ok(Arrival::Closed {
            clients: self.clients,
            think: self.think.clone(),
        })
    }
}
