//! Scenario files: reading the TOML (with `--set` overrides), validating it
//! with errors that point at the offending line and column, and resolving it
//! into what runs: per-replication [`SimConfig`]s, compiled programs and
//! labelled policies.

mod arrivals;
mod error;
mod json_schema;
mod overrides;
mod policies;
mod schema;
mod source;
mod steps;
mod study;
mod suggest;
mod validate;

use std::path::{Path, PathBuf};

use toml::Spanned;

pub use error::ScenarioError;
pub use json_schema::{json_schema, json_schema_text};
pub use overrides::Override;
use schema::RawScenario;
pub(crate) use source::Source;
pub use study::{Point, Study, sweep_number};
use validate::Validator;

use crate::model::{Arrival, SimConfig};
use crate::policy::{PolicyConfig, Queues};
use crate::rng;
use crate::task::ClassId;
use crate::task::program::{Programs, Step};
use crate::time::SimDuration;

/// A policy of the scenario with its unique label.
#[derive(Clone, Debug, PartialEq)]
pub struct LabeledPolicy {
    /// The label used in every output.
    pub label: String,
    /// The policy and its parameters.
    pub config: PolicyConfig,
    /// One queue for all CPUs, or one per CPU.
    pub queues: Queues,
}

impl LabeledPolicy {
    /// A fresh scheduler for one run on `cpus` CPUs, seeded by the
    /// replication's `seed`.
    pub fn build(
        &self,
        cpus: u32,
        seed: u64,
    ) -> Result<crate::policy::Scheduler, crate::policy::ConfigError> {
        self.config.build(cpus, seed, self.queues)
    }
}

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Its name (the output folder's).
    pub name: String,
    /// What it shows.
    pub description: Option<String>,
    /// The file it came from.
    pub file: PathBuf,
    /// Base seed.
    pub seed: u64,
    /// Independent runs per policy.
    pub replications: u32,
    /// The policies to compare, in file order.
    pub policies: Vec<LabeledPolicy>,
    /// Everything but the seed of a run.
    pub base: SimConfig,
    /// Each class's program, in class order.
    pub programs: Vec<Vec<Step>>,
    /// Lock names, in order of first use.
    pub locks: Vec<String>,
    resolved: RawScenario,
    point_note: Option<String>,
}

/// The Linux kernel's `sched_prio_to_weight` table (kernel/sched/core.c), nice
/// -20 to 19, divided by the weight of nice 0 (1024).
pub const NICE_TO_WEIGHT: [u32; 40] = [
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87,
    70, 56, 45, 36, 29, 23, 18, 15,
];

/// The weight of a task with this nice value (nice 0 weighs 1).
pub fn nice_weight(nice: i32) -> f64 {
    f64::from(NICE_TO_WEIGHT[(nice.clamp(-20, 19) + 20) as usize]) / 1024.0
}

impl Scenario {
    /// Reads and validates the scenario at `path`, with `overrides` applied.
    /// A scenario with a `[sweep]` is a [`Study`]: load it with `Study::load`.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let source = Source::read(path)?;
        let scenario = source.parse(overrides)?;
        scenario.refuse_sweep(&source)?;
        Ok(scenario)
    }

    /// Validates a scenario given as text; `file` names it in errors and files
    /// it refers to are relative to the current directory.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let source = Source::text(text, file);
        let scenario = source.parse(&[])?;
        scenario.refuse_sweep(&source)?;
        Ok(scenario)
    }

    fn refuse_sweep(&self, source: &Source) -> Result<(), ScenarioError> {
        match &self.resolved.sweep {
            Some(sweep) => Err(ScenarioError::at(
                &source.file,
                &source.text,
                Some(sweep.span()),
                "this scenario has a [sweep]: it is a Study (corosim::scenario::Study), not a single scenario",
            )),
            None => Ok(()),
        }
    }

    /// The `[sweep]` table as written, if any.
    pub(crate) fn sweep_table(&self) -> Option<&Spanned<toml::Table>> {
        self.resolved.sweep.as_ref()
    }

    /// Multiplies the rate of every Poisson class by `factor`.
    pub(crate) fn scale_poisson_rates(&mut self, factor: f64) {
        for class in &mut self.base.classes {
            if let Some(Arrival::Poisson { rate }) = &mut class.arrival {
                *rate *= factor;
            }
        }
        for task in &mut self.resolved.task {
            if let Some(arrival) = &mut task.get_mut().arrival
                && let Some(toml::Value::Float(rate)) = arrival.get_mut().get_mut("rate")
            {
                *rate *= factor;
            }
        }
    }

    /// Drops the `[sweep]` table from the resolved scenario and notes which
    /// point this is, for a point's own `resolved_toml`.
    pub(crate) fn mark_point(&mut self, note: String) {
        self.resolved.sweep = None;
        self.point_note = Some(note);
    }

    /// The simulation of replication `replication` with base seed `seed`.
    pub fn sim_config(&self, replication: u32) -> SimConfig {
        SimConfig {
            seed: rng::replication_seed(self.seed, replication),
            ..self.base.clone()
        }
    }

    /// Every class's program, compiled.
    pub fn compile(&self) -> Programs {
        Programs::compile(&self.programs)
    }

    /// Replaces the base seed (`--seed`).
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        self.resolved.seed = Some(seed);
    }

    /// The scenario as it runs, every default filled in, as TOML.
    pub fn resolved_toml(&self) -> String {
        let body = toml::to_string(&self.resolved)
            .unwrap_or_else(|e| format!("# cannot print the scenario: {e}\n"));
        match &self.point_note {
            Some(note) => format!("# {note}\n{body}"),
            None => body,
        }
    }

    /// The offered load of each class with open arrivals: arrival rate x mean
    /// CPU demand (spawned tasks included) / cpus. Closed and explicit
    /// arrivals have no fixed rate and are left out.
    pub fn offered_load(&self) -> f64 {
        let (poisson, other) = self.offered_load_parts();
        poisson + other
    }

    /// The offered load of the Poisson classes, and of the others (periodic,
    /// explicit times), which a `load` sweep does not scale.
    pub fn offered_load_parts(&self) -> (f64, f64) {
        let programs = self.compile();
        let cpus = f64::from(self.base.cpus);
        let horizon = self.base.horizon.as_secs_f64();
        let horizon_d = SimDuration::from_nanos(self.base.horizon.as_nanos());
        let (mut poisson, mut other) = (0.0, 0.0);
        for (c, spec) in self.base.classes.iter().enumerate() {
            let demand = programs.mean_cpu_nanos(ClassId(c as u32), true) / 1e9 / cpus;
            match &spec.arrival {
                Some(Arrival::Poisson { rate }) => poisson += rate * demand,
                Some(Arrival::Periodic { period, .. }) => other += demand / period.as_secs_f64(),
                Some(Arrival::At { times }) if horizon > 0.0 => {
                    other +=
                        times.iter().filter(|t| **t < horizon_d).count() as f64 / horizon * demand
                }
                _ => {}
            }
        }
        (poisson, other)
    }

    /// Warnings worth a user's attention (the run still works).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for class in &self.base.classes {
            if let Some(Arrival::At { times }) = &class.arrival {
                let late = times
                    .iter()
                    .filter(|t| t.as_nanos() >= self.base.horizon.as_nanos())
                    .count();
                if late > 0 {
                    out.push(format!(
                        "class `{}`: {late} arrival time(s) at or after the horizon ({}) never happen",
                        class.name,
                        SimDuration::from_nanos(self.base.horizon.as_nanos())
                    ));
                }
            }
        }
        let load = self.offered_load();
        if load >= 1.0 {
            out.push(format!(
                "offered load is {load:.3} >= 1: queues grow without bound until the horizon, and the drain afterwards may be long"
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests;
