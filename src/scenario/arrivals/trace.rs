//! `{ process = "trace", file = "arrivals.csv" }`: arrival times read from a
//! file (relative to the scenario's folder): one per line, a duration with a
//! unit or a number of seconds, in the first comma-separated column, in
//! order (a time may repeat); a header line, blank lines and `#` comments are
//! skipped.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{ArrivalKind, FieldInfo};
use crate::model::Arrival;
use crate::scenario::{ScenarioError, Validator};
use crate::time::SimDuration;

/// The fields of a trace of arrivals.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Trace {
    file: String,
}

impl ArrivalKind for Trace {
    const PROCESS: &'static str = "trace";
    const FIELDS: &'static [FieldInfo] = &[FieldInfo {
        name: "file",
        required: true,
        example: "file = \"arrivals.csv\"",
    }];

    fn resolve(
        &self,
        v: &Validator,
        at: &dyn Fn(&str) -> Range<usize>,
    ) -> Result<Arrival, ScenarioError> {
        let path = v.dir.join(&self.file);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            v.err(
                at("file"),
                format!("cannot read the trace {}: {e}", path.display()),
            )
        })?;
        let shown = path.display().to_string();
        let mut times = Vec::new();
        let mut offset = 0;
        for (n, line) in text.lines().enumerate() {
            let start = offset;
            offset += line.len() + 1;
            let field = line.split(',').next().unwrap_or("").trim();
            if field.is_empty() || field.starts_with('#') {
                continue;
            }
            let parsed = field.parse::<SimDuration>().ok().or_else(|| {
                field
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(|s| SimDuration::from_nanos_f64(s * 1e9))
            });
            match parsed {
                // Out of order is refused rather than sorted: it usually means
                // the wrong column, or two traces pasted together.
                Some(t) if times.last().is_some_and(|last: &SimDuration| t < *last) => {
                    return Err(ScenarioError::at(
                        &shown,
                        &text,
                        Some(start..start + line.len()),
                        format!(
                            "arrival times must be in order: {t} comes after {}",
                            times.last().expect("checked")
                        ),
                    ));
                }
                Some(t) => times.push(t),
                None if n == 0 => {} // a header
                None => {
                    return Err(ScenarioError::at(
                        &shown,
                        &text,
                        Some(start..start + line.len()),
                        format!(
                            "expected an arrival time (like \"1.5ms\" or 0.0015 seconds), found {field:?}"
                        ),
                    ));
                }
            }
        }
        Ok(Arrival::At { times })
    }
}
