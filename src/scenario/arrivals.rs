//! Validating a class's arrival process (`poisson`, `periodic`, `at`,
//! `closed`, `trace`) and reading trace files.

use std::ops::Range;

use toml::Spanned;

use super::schema::RawArrival;
use super::{ScenarioError, Validator};
use crate::model::Arrival;
use crate::time::SimDuration;

impl Validator<'_> {
    pub(super) fn arrival(
        &self,
        a: &RawArrival,
        span: Range<usize>,
    ) -> Result<(Arrival, Option<u64>), ScenarioError> {
        let process = a.process.get_ref().as_str();
        let fields: [(&str, Option<Range<usize>>); 7] = [
            ("rate", a.rate.as_ref().map(|x| x.span())),
            ("period", a.period.as_ref().map(|x| x.span())),
            ("offset", a.offset.as_ref().map(|x| x.span())),
            ("times", a.times.as_ref().map(|x| x.span())),
            ("clients", a.clients.as_ref().map(|x| x.span())),
            ("think", a.think.as_ref().map(|x| x.span())),
            ("file", a.file.as_ref().map(|x| x.span())),
        ];
        let takes: &[&str] = match process {
            "poisson" => &["rate"],
            "periodic" => &["period", "offset"],
            "at" => &["times"],
            "closed" => &["clients", "think"],
            "trace" => &["file"],
            other => {
                return Err(self.err(
                    a.process.span(),
                    format!("unknown arrival process `{other}`; expected one of: poisson, periodic, at, closed, trace"),
                ));
            }
        };
        for (name, field_span) in &fields {
            if let Some(s) = field_span {
                if !takes.contains(name) {
                    return Err(self.err(
                        s.clone(),
                        format!(
                            "`{name}` is not a field of a {process} arrival (it takes: {}, count)",
                            takes.join(", ")
                        ),
                    ));
                }
            }
        }
        let missing = |field: &str, example: &str| {
            self.err(
                span.clone(),
                format!("a {process} arrival needs `{field}`, like {example}"),
            )
        };
        let arrival = match process {
            "poisson" => {
                let rate = a
                    .rate
                    .as_ref()
                    .ok_or_else(|| missing("rate", "rate = 100.0 (per second)"))?;
                if !(rate.get_ref().is_finite() && *rate.get_ref() > 0.0) {
                    return Err(self.err(
                        rate.span(),
                        "rate must be a number of arrivals per second, greater than zero",
                    ));
                }
                Arrival::Poisson {
                    rate: *rate.get_ref(),
                }
            }
            "periodic" => {
                let period = a
                    .period
                    .as_ref()
                    .ok_or_else(|| missing("period", "period = \"10ms\""))?;
                if period.get_ref().is_zero() {
                    return Err(self.err(period.span(), "period must be greater than zero"));
                }
                Arrival::Periodic {
                    period: *period.get_ref(),
                    offset: a
                        .offset
                        .as_ref()
                        .map_or(SimDuration::ZERO, |o| *o.get_ref()),
                }
            }
            "at" => {
                let times = a
                    .times
                    .as_ref()
                    .ok_or_else(|| missing("times", "times = [\"0s\", \"1s\"]"))?;
                let mut times = times.get_ref().clone();
                times.sort();
                Arrival::At { times }
            }
            "closed" => {
                let clients = a
                    .clients
                    .as_ref()
                    .ok_or_else(|| missing("clients", "clients = 10"))?;
                if *clients.get_ref() == 0 {
                    return Err(self.err(clients.span(), "clients must be at least 1"));
                }
                let think = a
                    .think
                    .as_ref()
                    .ok_or_else(|| missing("think", "think = { exp = \"100ms\" }"))?;
                think
                    .get_ref()
                    .validate()
                    .map_err(|e| self.err(think.span(), e))?;
                Arrival::Closed {
                    clients: *clients.get_ref(),
                    think: think.get_ref().clone(),
                }
            }
            "trace" => {
                let file = a
                    .file
                    .as_ref()
                    .ok_or_else(|| missing("file", "file = \"arrivals.csv\""))?;
                Arrival::At {
                    times: self.trace(file)?,
                }
            }
            _ => unreachable!("checked above"),
        };
        if let Some(count) = &a.count {
            if *count.get_ref() == 0 {
                return Err(self.err(
                    count.span(),
                    "count must be at least 1 (remove the class's arrival to have none)",
                ));
            }
        }
        Ok((arrival, a.count.as_ref().map(|c| *c.get_ref())))
    }

    /// Reads a trace of arrival times: one per line, a duration with a unit or
    /// a number of seconds, in the first comma-separated column; a header line,
    /// blank lines and `#` comments are skipped.
    pub(super) fn trace(&self, file: &Spanned<String>) -> Result<Vec<SimDuration>, ScenarioError> {
        let path = self.dir.join(file.get_ref());
        let text = std::fs::read_to_string(&path).map_err(|e| {
            self.err(
                file.span(),
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
        times.sort();
        Ok(times)
    }
}
