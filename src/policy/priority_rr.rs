//! `priority-rr`: preemptive fixed priorities with round robin within a
//! level, as POSIX `SCHED_RR`. The lowest class `priority` number runs; a task
//! becoming ready at a strictly more urgent level displaces the least urgent
//! running task, which returns to the head of its level with the rest of its
//! slice; within a level, tasks take turns of one `quantum`. Default quantum
//! 100ms: Linux's `sched_rr_timeslice_ms` (RR_TIMESLICE). With distinct
//! priorities per class this is rate-monotonic or deadline-monotonic
//! scheduling, whichever the priorities encode.

use std::collections::BTreeMap;

use super::fifo::SliceQueue;
use super::{
    CpuId, Dispatch, ParamInfo, Policy, PolicyInfo, Ready, ReadyTask, RunningTask, Stolen,
};
use crate::time::{SimDuration, SimTime};

/// `[[policy]] kind = "priority-rr"`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The slice within a level (default 100ms, Linux's `RR_TIMESLICE`).
    pub quantum: SimDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            quantum: DEFAULT_QUANTUM,
        }
    }
}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "priority-rr",
        preemptive: true,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "fixed priorities (class `priority`), preemptive, round robin within a level (SCHED_RR)",
        params: &[ParamInfo {
            name: "quantum",
            required: false,
            example: "\"10ms\"",
            meaning: "the slice within a priority level",
            default_note: "Linux RR_TIMESLICE",
        }],
    };

    fn check(&self) -> Result<(), super::ParamError> {
        super::ParamError::positive("quantum", self.quantum)
    }

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(PriorityRr::new(self.quantum)))
    }
}

/// Linux's default `SCHED_RR` time slice.
pub const DEFAULT_QUANTUM: SimDuration = SimDuration::from_millis(100);

/// The `priority-rr` policy.
#[derive(Debug)]
pub struct PriorityRr {
    levels: BTreeMap<i32, SliceQueue>,
    quantum: SimDuration,
    len: usize,
}

impl PriorityRr {
    /// Fixed priorities with `quantum` slices within a level.
    pub fn new(quantum: SimDuration) -> Self {
        PriorityRr {
            levels: BTreeMap::new(),
            quantum,
            len: 0,
        }
    }
}

impl Policy for PriorityRr {
    fn preemptive(&self) -> bool {
        true
    }
    fn enqueue(&mut self, task: ReadyTask, why: Ready) {
        let quantum = self.quantum;
        self.levels
            .entry(task.priority)
            .or_insert_with(|| SliceQueue::new(Some(quantum)))
            .enqueue(task, why);
        self.len += 1;
    }
    fn pick(&mut self, _cpu: CpuId, _now: SimTime) -> Option<Dispatch> {
        let (_, queue) = self.levels.iter_mut().find(|(_, q)| !q.is_empty())?;
        self.len -= 1;
        queue.pick()
    }
    fn ready_len(&self) -> usize {
        self.len
    }
    fn preempt(&mut self, _now: SimTime, running: &[RunningTask]) -> Option<CpuId> {
        let best = self
            .levels
            .iter()
            .find(|(_, q)| !q.is_empty())
            .map(|(p, _)| *p)?;
        running
            .iter()
            .filter(|r| best < r.task.priority)
            .max_by_key(|r| (r.task.priority, r.task.seq))
            .map(|r| r.cpu)
    }
    fn steal(&mut self) -> Option<Stolen> {
        let (_, queue) = self.levels.iter_mut().rev().find(|(_, q)| !q.is_empty())?;
        self.len -= 1;
        queue.steal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::ready;

    fn at(id: u32, seq: u64, priority: i32) -> ReadyTask {
        let mut t = ready(id, seq, 10);
        t.priority = priority;
        t
    }

    #[test]
    fn most_urgent_level_first_round_robin_within() {
        let q = SimDuration::from_millis(4);
        let mut p = PriorityRr::new(q);
        p.enqueue(at(0, 0, 1), Ready::Arrived);
        p.enqueue(at(1, 1, 0), Ready::Arrived);
        p.enqueue(at(2, 2, 0), Ready::Arrived);
        assert_eq!(
            p.pick(CpuId(0), SimTime::ZERO),
            Some(Dispatch {
                task: at(1, 1, 0).id,
                slice: Some(q)
            })
        );
        p.enqueue(at(1, 3, 0), Ready::QuantumExpired);
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().task.0, 2);
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().task.0, 1);
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().task.0, 0);
        assert_eq!(p.ready_len(), 0);
    }

    #[test]
    fn a_more_urgent_newcomer_preempts_the_least_urgent_runner() {
        let mut p = PriorityRr::new(DEFAULT_QUANTUM);
        p.enqueue(at(5, 5, 1), Ready::Arrived);
        let r = |cpu: u32, prio| RunningTask {
            cpu: CpuId(cpu),
            task: at(cpu, u64::from(cpu), prio),
            ran: SimDuration::ZERO,
        };
        assert_eq!(p.preempt(SimTime::ZERO, &[r(0, 1), r(1, 0)]), None);
        assert_eq!(
            p.preempt(SimTime::ZERO, &[r(0, 2), r(1, 3), r(2, 0)]),
            Some(CpuId(1))
        );
    }
}
