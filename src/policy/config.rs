//! The built-in policies as a scenario selects them: a typed configuration per
//! kind, its default label, and the scheduler it builds for a run.

use std::fmt;

use serde::Serialize;

use super::{
    Policy, cfs::Cfs, edf, fifo, lifo::Lifo, lottery::Lottery, mlfq::Mlfq, per_cpu::PerCpu,
    priority, priority_rr::PriorityRr, round_robin, sjf, srtf, stride::Stride,
    work_stealing::WorkStealing,
};
use crate::time::SimDuration;

/// How a run schedules: a queueing policy, or exact processor sharing.
pub enum Scheduler {
    /// Discrete dispatch to CPUs in the order a policy chooses.
    Queue(Box<dyn Policy>),
    /// The fluid model: every ready task runs at once, at rate min(1, cpus / n).
    Fluid,
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

/// The built-in policies with their parameters, as `[[policy]]` tables select
/// them. Each variant's parameters are documented in the policy's own file.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PolicyConfig {
    /// The asyncio event loop.
    Fifo {
        /// Forced preemption after this much computing (Go's runtime: 10ms).
        #[serde(skip_serializing_if = "Option::is_none")]
        preempt_after: Option<SimDuration>,
    },
    /// Last come, first served, cooperative.
    Lifo,
    /// Non-preemptive fixed priorities (class `priority`).
    Priority,
    /// Shortest next CPU burst first, non-preemptive.
    Sjf,
    /// tokio's multi-thread runtime.
    WorkStealing {
        /// Awaits that complete at once before a task must yield (0: no budget).
        budget: u32,
        /// Whether a task woken or spawned by a worker runs next there.
        lifo_slot: bool,
        /// A worker checks the global queue first every this many polls.
        global_interval: u32,
    },
    /// Time slicing.
    RoundRobin {
        /// The slice.
        quantum: SimDuration,
    },
    /// Fixed priorities, round robin within a level.
    PriorityRr {
        /// The slice within a level.
        quantum: SimDuration,
    },
    /// Shortest remaining time first.
    Srtf,
    /// OSTEP's multi-level feedback queue.
    Mlfq {
        /// Slice at each level, highest first.
        quanta: Vec<SimDuration>,
        /// Quanta a task may use at each level before demotion.
        allotment: Vec<u32>,
        /// Period after which every task returns to the top level.
        #[serde(skip_serializing_if = "Option::is_none")]
        boost: Option<SimDuration>,
    },
    /// Linux's completely fair scheduler.
    Cfs {
        /// Period in which every runnable task runs once.
        sched_latency: SimDuration,
        /// Shortest slice.
        min_granularity: SimDuration,
        /// Virtual-runtime lead a waking task needs to preempt.
        wakeup_granularity: SimDuration,
    },
    /// Stride scheduling.
    Stride {
        /// The slice.
        quantum: SimDuration,
    },
    /// Lottery scheduling.
    Lottery {
        /// The slice.
        quantum: SimDuration,
    },
    /// Earliest deadline first.
    Edf,
    /// Ideal processor sharing.
    Ps,
}

impl PolicyConfig {
    /// The `kind` string.
    pub fn kind(&self) -> &'static str {
        use super::*;
        match self {
            PolicyConfig::Fifo { .. } => fifo::INFO.kind,
            PolicyConfig::Lifo => lifo::INFO.kind,
            PolicyConfig::Priority => priority::INFO.kind,
            PolicyConfig::Sjf => sjf::INFO.kind,
            PolicyConfig::WorkStealing { .. } => work_stealing::INFO.kind,
            PolicyConfig::RoundRobin { .. } => round_robin::INFO.kind,
            PolicyConfig::PriorityRr { .. } => priority_rr::INFO.kind,
            PolicyConfig::Srtf => srtf::INFO.kind,
            PolicyConfig::Mlfq { .. } => mlfq::INFO.kind,
            PolicyConfig::Cfs { .. } => cfs::INFO.kind,
            PolicyConfig::Stride { .. } => stride::INFO.kind,
            PolicyConfig::Lottery { .. } => lottery::INFO.kind,
            PolicyConfig::Edf => edf::INFO.kind,
            PolicyConfig::Ps => processor_sharing::INFO.kind,
        }
    }

    /// Whether the policy slices or preempts computations (so `block` is I/O).
    pub fn preemptive(&self) -> bool {
        super::info(self.kind()).is_some_and(|i| i.preemptive)
    }

    /// The parameters that differ from their defaults (required ones always
    /// differ), as `name=value` pairs for the default label.
    pub fn non_default_params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut differs = |name: &'static str, value: String, default: &str| {
            if value != default {
                out.push((name, value));
            }
        };
        let list = |xs: &[String]| {
            if xs.len() == 1 {
                xs[0].clone()
            } else {
                format!("[{}]", xs.join(","))
            }
        };
        match self {
            PolicyConfig::Fifo { preempt_after } => {
                if let Some(d) = preempt_after {
                    differs("preempt_after", d.to_string(), "");
                }
            }
            PolicyConfig::WorkStealing {
                budget,
                lifo_slot,
                global_interval,
            } => {
                differs("budget", budget.to_string(), "128");
                differs("lifo_slot", lifo_slot.to_string(), "true");
                differs("global_interval", global_interval.to_string(), "61");
            }
            PolicyConfig::RoundRobin { quantum } => differs("quantum", quantum.to_string(), ""),
            PolicyConfig::PriorityRr { quantum } => {
                differs("quantum", quantum.to_string(), "100ms")
            }
            PolicyConfig::Mlfq {
                quanta,
                allotment,
                boost,
            } => {
                differs("levels", quanta.len().to_string(), "3");
                let q: Vec<String> = quanta.iter().map(ToString::to_string).collect();
                let uniform_q = q.iter().all(|x| *x == q[0]);
                differs(
                    "quanta",
                    if uniform_q { q[0].clone() } else { list(&q) },
                    "10ms",
                );
                let a: Vec<String> = allotment.iter().map(ToString::to_string).collect();
                let uniform_a = a.iter().all(|x| *x == a[0]);
                differs(
                    "allotment",
                    if uniform_a { a[0].clone() } else { list(&a) },
                    "1",
                );
                if let Some(b) = boost {
                    differs("boost", b.to_string(), "");
                }
            }
            PolicyConfig::Cfs {
                sched_latency,
                min_granularity,
                wakeup_granularity,
            } => {
                differs("sched_latency", sched_latency.to_string(), "6ms");
                differs("min_granularity", min_granularity.to_string(), "750us");
                differs("wakeup_granularity", wakeup_granularity.to_string(), "1ms");
            }
            PolicyConfig::Stride { quantum } | PolicyConfig::Lottery { quantum } => {
                differs("quantum", quantum.to_string(), "10ms")
            }
            PolicyConfig::Lifo
            | PolicyConfig::Priority
            | PolicyConfig::Sjf
            | PolicyConfig::Srtf
            | PolicyConfig::Edf
            | PolicyConfig::Ps => {}
        }
        out
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

    /// A fresh queue policy (`None` for processor sharing); `seed` seeds the
    /// policy's own stream if it draws (lottery).
    pub fn queue(&self, cpus: u32, seed: u64) -> Option<Box<dyn Policy>> {
        Some(match self {
            PolicyConfig::Fifo { preempt_after } => Box::new(fifo::policy(*preempt_after)),
            PolicyConfig::Lifo => Box::new(Lifo::default()),
            PolicyConfig::Priority => Box::new(priority::policy()),
            PolicyConfig::Sjf => Box::new(sjf::policy()),
            PolicyConfig::WorkStealing {
                budget,
                lifo_slot,
                global_interval,
            } => Box::new(WorkStealing::new(
                cpus,
                *budget,
                *lifo_slot,
                *global_interval,
            )),
            PolicyConfig::RoundRobin { quantum } => Box::new(round_robin::policy(*quantum)),
            PolicyConfig::PriorityRr { quantum } => Box::new(PriorityRr::new(*quantum)),
            PolicyConfig::Srtf => Box::new(srtf::policy()),
            PolicyConfig::Mlfq {
                quanta,
                allotment,
                boost,
            } => Box::new(Mlfq::new(quanta.clone(), allotment.clone(), *boost)),
            PolicyConfig::Cfs {
                sched_latency,
                min_granularity,
                wakeup_granularity,
            } => Box::new(Cfs::new(
                *sched_latency,
                *min_granularity,
                *wakeup_granularity,
            )),
            PolicyConfig::Stride { quantum } => Box::new(Stride::new(*quantum)),
            PolicyConfig::Lottery { quantum } => Box::new(Lottery::new(*quantum, seed)),
            PolicyConfig::Edf => Box::new(edf::policy()),
            PolicyConfig::Ps => return None,
        })
    }

    /// A fresh scheduler for one run on `cpus` CPUs with `queues`; `seed` is
    /// the replication's.
    pub fn build(&self, cpus: u32, seed: u64, queues: Queues) -> Scheduler {
        match queues {
            Queues::PerCpu if cpus > 1 => {
                let per_cpu: Vec<Box<dyn Policy>> = (0..cpus)
                    .map(|cpu| {
                        self.queue(1, crate::rng::splitmix64(seed ^ u64::from(cpu)))
                            .expect("validated: not ps")
                    })
                    .collect();
                Scheduler::Queue(Box::new(PerCpu::new(per_cpu)))
            }
            _ => match self.queue(cpus, seed) {
                Some(policy) => Scheduler::Queue(policy),
                None => Scheduler::Fluid,
            },
        }
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

    #[test]
    fn default_labels_show_non_default_parameters() {
        let ms = SimDuration::from_millis;
        let label = |c: PolicyConfig| c.default_label(Queues::Global);
        assert_eq!(
            label(PolicyConfig::Fifo {
                preempt_after: None
            }),
            "fifo"
        );
        assert_eq!(
            label(PolicyConfig::RoundRobin { quantum: ms(10) }),
            "round-robin(quantum=10ms)"
        );
        assert_eq!(
            label(PolicyConfig::Fifo {
                preempt_after: Some(ms(10))
            }),
            "fifo(preempt_after=10ms)"
        );
        assert_eq!(label(PolicyConfig::Ps), "ps");
        assert_eq!(
            label(PolicyConfig::PriorityRr { quantum: ms(100) }),
            "priority-rr"
        );
        assert_eq!(
            label(PolicyConfig::Mlfq {
                quanta: vec![ms(10); 3],
                allotment: vec![1; 3],
                boost: None
            }),
            "mlfq"
        );
        assert_eq!(
            label(PolicyConfig::Mlfq {
                quanta: vec![ms(1), ms(2)],
                allotment: vec![2, 2],
                boost: Some(ms(50))
            }),
            "mlfq(levels=2,quanta=[1ms,2ms],allotment=2,boost=50ms)"
        );
        assert_eq!(
            PolicyConfig::Sjf.default_label(Queues::PerCpu),
            "sjf(queues=per-cpu)"
        );
        assert_eq!(
            label(PolicyConfig::WorkStealing {
                budget: 0,
                lifo_slot: true,
                global_interval: 61
            }),
            "work-stealing(budget=0)"
        );
    }

    #[test]
    fn every_listed_kind_builds() {
        for info in super::super::POLICIES {
            let config = crate::scenario::Scenario::from_str(
                &format!(
                    "horizon = \"1s\"\n[[policy]]\nkind = \"{}\"\n{}[[task]]\nname = \"t\"\narrival = {{ process = \"at\", times = [\"0s\"] }}\nprogram = [ {{ compute = \"1ms\" }} ]\n",
                    info.kind,
                    info.params
                        .iter()
                        .filter(|p| p.default == "required")
                        .map(|p| format!("{} = {}\n", p.name, p.example))
                        .collect::<String>()
                ),
                "t.toml",
            )
            .unwrap_or_else(|e| panic!("{e}"))
            .policies[0]
                .config
                .clone();
            assert_eq!(config.kind(), info.kind);
            assert_eq!(config.preemptive(), info.preemptive);
            assert_eq!(config.queue(2, 0).is_none(), info.kind == "ps");
        }
    }
}
