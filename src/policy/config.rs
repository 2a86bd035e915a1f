//! The built-in policies as a scenario or a Rust caller selects them: the
//! typed configuration's checks, its default label, how it is read from a
//! `[[policy]]` table, and the scheduler it builds for a run (one queue, or
//! one per CPU with stealing).

use std::fmt;

use serde::Serialize;

use super::{ParamError, Policy, PolicyConfig, PolicyInfo, per_cpu::PerCpu};

/// How a run schedules: a queueing policy, or exact processor sharing.
pub enum Scheduler {
    /// Discrete dispatch to CPUs in the order a policy chooses.
    Queue(Box<dyn Policy>),
    /// The fluid model: every ready task runs at once, at rate min(1, cpus / n).
    Fluid,
}

impl fmt::Debug for Scheduler {
    /// Which of the two; a queueing policy is a trait object, shown as `..`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scheduler::Queue(_) => f.write_str("Queue(..)"),
            Scheduler::Fluid => f.write_str("Fluid"),
        }
    }
}

/// One ready queue for all CPUs, or one per CPU with stealing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Queues {
    /// A single queue every CPU takes from.
    #[default]
    Global,
    /// A queue per CPU; an idle CPU steals half of the longest other queue.
    PerCpu,
}

/// A policy configuration that cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A parameter value the policy refuses.
    #[error("{kind}: {error}")]
    Param {
        /// The policy's kind.
        kind: &'static str,
        /// What is wrong.
        error: ParamError,
    },
    /// `queues = "per-cpu"` for a policy it does not apply to.
    #[error("{kind} does not take queues = \"per-cpu\" (it is per-CPU by nature or not a queue)")]
    Queues {
        /// The policy's kind.
        kind: &'static str,
    },
}

impl PolicyConfig {
    /// Its `corosim policies` entry.
    pub fn info(&self) -> &'static PolicyInfo {
        self.as_kind().info()
    }

    /// The `kind` string.
    pub fn kind(&self) -> &'static str {
        self.info().kind
    }

    /// Whether the policy slices or preempts computations (so `block` is I/O).
    pub fn preemptive(&self) -> bool {
        self.info().preemptive
    }

    /// Refuses parameter values the policy cannot run with. [`Self::build`]
    /// calls it, so a configuration built in Rust is checked as a scenario's is.
    pub fn check(&self) -> Result<(), ParamError> {
        self.as_kind().check()
    }

    /// The parameters that differ from their defaults (required ones always
    /// differ), as `name=value` pairs for the default label.
    pub fn non_default_params(&self) -> Vec<(&'static str, String)> {
        self.as_kind().label_params()
    }

    /// The parameters as a TOML table, as given (absent optional ones absent).
    pub fn params_table(&self) -> toml::Table {
        self.as_kind().to_table()
    }

    /// Reads a `kind` policy's parameters (the `[[policy]]` table without
    /// `kind`, `label` and `queues`); `None` if there is no such kind. Checks
    /// are left to [`Self::check`], so the caller can place their errors.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        kind: &str,
        params: D,
    ) -> Option<Result<PolicyConfig, D::Error>> {
        Self::deserialize_kind(kind, params)
    }

    /// The label a policy gets when the scenario gives none:
    /// `round-robin(quantum=10ms)`; `queues` adds `queues=per-cpu`.
    pub fn default_label(&self, queues: Queues) -> String {
        let mut params: Vec<String> = self
            .non_default_params()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if queues == Queues::PerCpu {
            params.push("queues=per-cpu".into());
        }
        if params.is_empty() {
            self.kind().to_string()
        } else {
            format!("{}({})", self.kind(), params.join(","))
        }
    }

    /// A fresh scheduler for one run on `cpus` CPUs with `queues`; `seed` is
    /// the replication's. Checks the parameters first.
    pub fn build(&self, cpus: u32, seed: u64, queues: Queues) -> Result<Scheduler, ConfigError> {
        let kind = self.as_kind();
        kind.check().map_err(|error| ConfigError::Param {
            kind: self.kind(),
            error,
        })?;
        if queues == Queues::Global || cpus <= 1 {
            return Ok(kind.build(cpus, seed));
        }
        if !self.info().takes_queues() {
            return Err(ConfigError::Queues { kind: self.kind() });
        }
        let mut per_cpu: Vec<Box<dyn Policy>> = Vec::with_capacity(cpus as usize);
        for cpu in 0..cpus {
            match kind.build(1, crate::rng::splitmix64(seed ^ u64::from(cpu))) {
                Scheduler::Queue(policy) => per_cpu.push(policy),
                Scheduler::Fluid => return Err(ConfigError::Queues { kind: self.kind() }),
            }
        }
        Ok(Scheduler::Queue(Box::new(PerCpu::new(per_cpu))))
    }
}

impl fmt::Display for PolicyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.default_label(Queues::Global))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{
        fifo, mlfq, priority_rr, processor_sharing, round_robin, sjf, work_stealing,
    };
    use crate::time::SimDuration;

    #[test]
    fn default_labels_show_non_default_parameters() {
        let ms = SimDuration::from_millis;
        let label = |c: PolicyConfig| c.default_label(Queues::Global);
        assert_eq!(label(PolicyConfig::Fifo(fifo::Config::default())), "fifo");
        assert_eq!(
            label(PolicyConfig::RoundRobin(round_robin::Config {
                quantum: ms(10)
            })),
            "round-robin(quantum=10ms)"
        );
        assert_eq!(
            label(PolicyConfig::Fifo(fifo::Config {
                preempt_after: Some(ms(10))
            })),
            "fifo(preempt_after=10ms)"
        );
        assert_eq!(label(PolicyConfig::Ps(processor_sharing::Config {})), "ps");
        assert_eq!(
            label(PolicyConfig::PriorityRr(priority_rr::Config {
                quantum: ms(100)
            })),
            "priority-rr"
        );
        assert_eq!(
            label(PolicyConfig::Mlfq(mlfq::Config {
                levels: None,
                quanta: vec![ms(10); 3],
                allotment: vec![1; 3],
                boost: None
            })),
            "mlfq"
        );
        assert_eq!(
            label(PolicyConfig::Mlfq(mlfq::Config {
                levels: None,
                quanta: vec![ms(1), ms(2)],
                allotment: vec![2, 2],
                boost: Some(ms(50))
            })),
            "mlfq(levels=2,quanta=[1ms,2ms],allotment=2,boost=50ms)"
        );
        assert_eq!(
            PolicyConfig::Sjf(sjf::Config {}).default_label(Queues::PerCpu),
            "sjf(queues=per-cpu)"
        );
        assert_eq!(
            label(PolicyConfig::WorkStealing(work_stealing::Config {
                budget: 0,
                lifo_slot: true,
                global_interval: 61
            })),
            "work-stealing(budget=0)"
        );
    }

    #[test]
    fn a_configuration_built_in_rust_is_checked_before_it_runs() {
        let zero = PolicyConfig::RoundRobin(round_robin::Config {
            quantum: SimDuration::ZERO,
        });
        assert!(matches!(
            zero.build(1, 0, Queues::Global),
            Err(ConfigError::Param {
                kind: "round-robin",
                ..
            })
        ));
        let short = PolicyConfig::Mlfq(mlfq::Config {
            levels: Some(3),
            quanta: vec![SimDuration::from_millis(1), SimDuration::from_millis(2)],
            allotment: vec![1],
            boost: None,
        });
        let Err(ConfigError::Param { error, .. }) = short.build(1, 0, Queues::Global) else {
            panic!("two quanta for three levels built");
        };
        assert_eq!(error.param, Some("quanta"));
        assert!(matches!(
            PolicyConfig::Ps(processor_sharing::Config {}).build(2, 0, Queues::PerCpu),
            Err(ConfigError::Queues { kind: "ps" })
        ));
    }

    /// A required parameter (`ParamInfo::required`) is exactly one whose serde
    /// field has no default: the table of required examples reads, and
    /// leaving any one of them out does not.
    #[test]
    fn required_flags_match_the_serde_structs() {
        for info in super::super::POLICIES {
            let table = |skip: Option<&str>| -> toml::Table {
                let text: String = info
                    .params
                    .iter()
                    .filter(|p| p.required && Some(p.name) != skip)
                    .map(|p| format!("{} = {}\n", p.name, p.example))
                    .collect();
                toml::from_str(&text).unwrap()
            };
            assert!(
                PolicyConfig::deserialize(info.kind, table(None))
                    .unwrap()
                    .is_ok(),
                "{}",
                info.kind
            );
            for p in info.params.iter().filter(|p| p.required) {
                assert!(
                    PolicyConfig::deserialize(info.kind, table(Some(p.name)))
                        .unwrap()
                        .is_err(),
                    "{}: {} is marked required but has a default",
                    info.kind,
                    p.name
                );
            }
            for p in info.params.iter().filter(|p| !p.required) {
                let mut t = table(None);
                t.insert(
                    p.name.to_string(),
                    toml::from_str::<toml::Table>(&format!("x = {}", p.example)).unwrap()["x"]
                        .clone(),
                );
                assert!(
                    PolicyConfig::deserialize(info.kind, t).unwrap().is_ok(),
                    "{}: the example of {} does not read",
                    info.kind,
                    p.name
                );
            }
        }
    }
}
