//! The test bench of the engine's schedule tests: a world of task classes
//! with their programs, run under a policy, keeping every record and segment.

use super::*;
use crate::dist::Dist;
use crate::model::{Arrival, ClassSpec};
use crate::policy::{PolicyConfig, Queues};
use crate::task::program::{Programs, Step};
use crate::time::SimDuration;

pub(super) const MS: u64 = 1_000_000;
pub(super) const US: u64 = 1_000;

pub(super) fn ms(n: u64) -> Dist {
    Dist::Const(SimDuration::from_millis(n))
}

pub(super) fn us(n: u64) -> Dist {
    Dist::Const(SimDuration::from_micros(n))
}

pub(super) fn d(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

/// A class whose tasks arrive at the given instants (ms).
pub(super) fn at(name: &str, times_ms: &[u64]) -> ClassSpec {
    ClassSpec::new(
        name,
        Some(Arrival::At {
            times: times_ms.iter().map(|&t| d(t)).collect(),
        }),
    )
}

pub(super) fn at_zero(name: &str, n: usize) -> ClassSpec {
    at(name, &vec![0; n])
}

/// A class that is only spawned.
pub(super) fn spawned(name: &str) -> ClassSpec {
    ClassSpec::new(name, None)
}

pub(super) fn with(mut spec: ClassSpec, f: impl FnOnce(&mut ClassSpec)) -> ClassSpec {
    f(&mut spec);
    spec
}

/// Keeps every record and every CPU segment.
#[derive(Default)]
pub(super) struct Trace {
    pub(super) tasks: Vec<TaskRecord>,
    pub(super) segments: Vec<Segment>,
}

impl Recorder for Trace {
    fn task_finished(&mut self, record: &TaskRecord) {
        self.tasks.push(*record);
    }
    fn segment(&mut self, segment: &Segment) {
        self.segments.push(*segment);
    }
    fn wants_segments(&self) -> bool {
        true
    }
}

impl Trace {
    /// Compute segments as (cpu, class, index, start ms, end ms).
    pub(super) fn compute_ms(&self) -> Vec<(u32, u32, u64, u64, u64)> {
        self.segments
            .iter()
            .filter(|s| s.kind == SegmentKind::Compute)
            .map(|s| {
                (
                    s.cpu.0,
                    s.class.0,
                    s.index,
                    s.start.as_nanos() / MS,
                    s.end.as_nanos() / MS,
                )
            })
            .collect()
    }

    /// (start ms, end ms) of the compute segments of one task, in time order.
    pub(super) fn slices_of(&self, class: u32, index: u64) -> Vec<(u64, u64)> {
        let mut v: Vec<(u64, u64)> = self
            .compute_ms()
            .into_iter()
            .filter(|&(_, c, i, _, _)| c == class && i == index)
            .map(|(_, _, _, s, e)| (s, e))
            .collect();
        v.sort_unstable();
        v
    }

    /// Compute time (ns) each CPU spent on tasks of `class`.
    pub(super) fn cpu_time_of_class(&self, cpus: usize, class: u32) -> Vec<u64> {
        let mut out = vec![0; cpus];
        for s in &self.segments {
            if s.kind == SegmentKind::Compute && s.class.0 == class {
                out[s.cpu.0 as usize] += (s.end - s.start).as_nanos();
            }
        }
        out
    }
}

/// A world of classes, each with its own program.
pub(super) struct World {
    pub(super) config: SimConfig,
    pub(super) programs: Vec<Vec<Step>>,
}

impl World {
    pub(super) fn new() -> Self {
        World {
            config: SimConfig::new(SimTime(10_000 * MS), Vec::new()),
            programs: Vec::new(),
        }
    }
    pub(super) fn class(mut self, spec: ClassSpec, program: Vec<Step>) -> Self {
        self.config.classes.push(spec);
        self.programs.push(program);
        self
    }
    pub(super) fn cpus(mut self, n: u32) -> Self {
        self.config.cpus = n;
        self
    }
    pub(super) fn locks(mut self, n: u32) -> Self {
        self.config.locks = n;
        self
    }
    /// Runs under one global queue (or the policy's own per-CPU queues).
    pub(super) fn run(&self, policy: PolicyConfig) -> Vec<TaskRecord> {
        self.trace(policy, Queues::Global).tasks
    }
    /// Runs with `queues`, keeping the segments; records sorted by (class, index).
    pub(super) fn trace(&self, policy: PolicyConfig, queues: Queues) -> Trace {
        self.trace_stats(policy, queues).0
    }
    /// As `trace`, with the run's totals.
    pub(super) fn trace_stats(&self, policy: PolicyConfig, queues: Queues) -> (Trace, RunStats) {
        let mut rec = Trace::default();
        let programs = Programs::compile(&self.programs);
        let stats = run(
            &self.config,
            &programs,
            policy
                .build(self.config.cpus, self.config.seed, queues)
                .expect("a valid test policy"),
            &mut rec,
        )
        .expect("run succeeds");
        rec.tasks.sort_by_key(|r| (r.class, r.index));
        (rec, stats)
    }
}

pub(super) fn finishes(records: &[TaskRecord]) -> Vec<u64> {
    records
        .iter()
        .map(|r| r.finish.expect("finished").as_nanos() / MS)
        .collect()
}
