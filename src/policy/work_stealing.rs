//! `work-stealing`: a model of tokio's multi-thread runtime
//! (tokio/src/runtime/scheduler/multi_thread/worker.rs). Each worker (CPU) has
//! a local run queue of at most 256 tasks and a LIFO slot; the runtime has one
//! global injection queue.
//!
//! - A task spawned or woken by a task running on a worker goes to that
//!   worker's LIFO slot, the previous occupant to the back of its local queue
//!   (`lifo_slot = false`: straight to the back). A full local queue moves half
//!   of itself and the task to the injection queue.
//! - New arrivals from outside the runtime go to the injection queue; a task
//!   woken by a timer or I/O goes to the back of the local queue of the worker
//!   it last ran on (tokio's drivers run on a worker; corosim charges the
//!   wake-up to the task's own worker); a task that yields goes to the back of
//!   its worker's local queue.
//! - A worker looking for work takes, in order: the injection queue first every
//!   `global_interval` polls, the LIFO slot, its local queue, the injection
//!   queue, then steals half of another worker's local queue (trying workers in
//!   order from its right-hand neighbour; a LIFO slot cannot be stolen).
//! - The coop budget: after `budget` awaits that complete at once in one poll,
//!   a task's next such await yields instead (0 turns the budget off).
//!
//! Defaults are tokio's: budget 128 (`coop::Budget::initial`), LIFO slot on,
//! global interval 61 (`GLOBAL_POLL_INTERVAL`), local queue 256
//! (`LOCAL_QUEUE_CAPACITY`). Cooperative: tasks run until they await.

use std::collections::VecDeque;

use super::{CpuId, Dispatch, ParamInfo, Policy, PolicyInfo, Ready, ReadyTask, Stolen};
use crate::time::SimTime;

/// `[[policy]] kind = "work-stealing"`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Awaits that complete at once before a task must yield (0: no budget;
    /// default 128).
    pub budget: u32,
    /// Whether a task woken or spawned by a worker runs next there (default true).
    pub lifo_slot: bool,
    /// A worker checks the global queue first every this many polls (default 61).
    pub global_interval: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            budget: DEFAULT_BUDGET,
            lifo_slot: true,
            global_interval: DEFAULT_GLOBAL_INTERVAL,
        }
    }
}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "work-stealing",
        preemptive: false,
        work_conserving: false,
        per_cpu_by_nature: true,
        fluid: false,
        models: "tokio multi-thread runtime: local queues with LIFO slot, global injection queue, stealing, coop budget",
        params: &[
            ParamInfo {
                name: "budget",
                required: false,
                example: "128",
                meaning: "awaits completing at once per poll before a forced yield (0: off)",
                default_note: "",
            },
            ParamInfo {
                name: "lifo_slot",
                required: false,
                example: "true",
                meaning: "a task woken or spawned by a worker runs next on it",
                default_note: "",
            },
            ParamInfo {
                name: "global_interval",
                required: false,
                example: "61",
                meaning: "polls between checks of the injection queue first",
                default_note: "",
            },
        ],
    };

    fn check(&self) -> Result<(), super::ParamError> {
        if self.global_interval == 0 {
            return Err(super::ParamError::at(
                "global_interval",
                "global_interval must be at least 1",
            ));
        }
        Ok(())
    }

    fn build(&self, cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(WorkStealing::new(
            cpus,
            self.budget,
            self.lifo_slot,
            self.global_interval,
        )))
    }
}

/// tokio's `coop::Budget::initial()`.
pub const DEFAULT_BUDGET: u32 = 128;
/// tokio's `GLOBAL_POLL_INTERVAL`.
pub const DEFAULT_GLOBAL_INTERVAL: u32 = 61;
/// tokio's `LOCAL_QUEUE_CAPACITY`.
pub const LOCAL_QUEUE_CAPACITY: usize = 256;

#[derive(Debug, Default)]
struct Worker {
    lifo: Option<ReadyTask>,
    local: VecDeque<ReadyTask>,
    ticks: u32,
}

/// The `work-stealing` policy.
#[derive(Debug)]
pub struct WorkStealing {
    workers: Vec<Worker>,
    inject: VecDeque<ReadyTask>,
    budget: u32,
    lifo_slot: bool,
    global_interval: u32,
}

impl WorkStealing {
    /// A runtime with `workers` workers.
    pub fn new(workers: u32, budget: u32, lifo_slot: bool, global_interval: u32) -> Self {
        WorkStealing {
            workers: (0..workers.max(1)).map(|_| Worker::default()).collect(),
            inject: VecDeque::new(),
            budget,
            lifo_slot,
            global_interval: global_interval.max(1),
        }
    }

    fn push_local(&mut self, worker: usize, task: ReadyTask) {
        let w = &mut self.workers[worker];
        if w.local.len() >= LOCAL_QUEUE_CAPACITY {
            // push_overflow: half of the local queue and the task go global.
            let half = w.local.len() / 2;
            self.inject.extend(w.local.drain(..half));
            self.inject.push_back(task);
        } else {
            w.local.push_back(task);
        }
    }

    /// Steals half (rounded up) of the first non-empty local queue found
    /// from `thief`'s right-hand neighbour on, into `thief`'s queue.
    fn steal_into(&mut self, thief: usize) -> Option<ReadyTask> {
        let n = self.workers.len();
        let victim = (1..n)
            .map(|k| (thief + k) % n)
            .find(|&v| !self.workers[v].local.is_empty())?;
        let take = self.workers[victim].local.len().div_ceil(2);
        let stolen: Vec<ReadyTask> = self.workers[victim].local.drain(..take).collect();
        let mut stolen = stolen.into_iter();
        let first = stolen.next();
        self.workers[thief].local.extend(stolen);
        first
    }
}

impl Policy for WorkStealing {
    fn preemptive(&self) -> bool {
        false
    }

    fn enqueue(&mut self, task: ReadyTask, why: Ready) {
        let own = |c: Option<CpuId>| c.map(|c| c.0 as usize);
        match why {
            Ready::Yielded | Ready::QuantumExpired | Ready::Preempted { .. } => {
                match own(task.woken_by).or(own(task.last_cpu)) {
                    Some(w) => self.push_local(w, task),
                    None => self.inject.push_back(task),
                }
            }
            Ready::Arrived | Ready::Spawned | Ready::Woke(_) => match own(task.woken_by) {
                Some(w) if self.lifo_slot => {
                    if let Some(previous) = self.workers[w].lifo.replace(task) {
                        self.push_local(w, previous);
                    }
                }
                Some(w) => self.push_local(w, task),
                None => match own(task.last_cpu) {
                    Some(w) => self.push_local(w, task),
                    None => self.inject.push_back(task),
                },
            },
        }
    }

    fn pick(&mut self, cpu: CpuId, _now: SimTime) -> Option<Dispatch> {
        let w = cpu.0 as usize;
        self.workers[w].ticks = self.workers[w].ticks.wrapping_add(1);
        let global_first = self.workers[w].ticks.is_multiple_of(self.global_interval);
        let task = (if global_first {
            self.inject.pop_front()
        } else {
            None
        })
        .or_else(|| self.workers[w].lifo.take())
        .or_else(|| self.workers[w].local.pop_front())
        .or_else(|| self.inject.pop_front())
        .or_else(|| self.steal_into(w))?;
        Some(Dispatch {
            task: task.id,
            slice: None,
        })
    }

    fn ready_len(&self) -> usize {
        self.inject.len()
            + self
                .workers
                .iter()
                .map(|w| w.local.len() + usize::from(w.lifo.is_some()))
                .sum::<usize>()
    }

    fn budget(&self) -> Option<u32> {
        (self.budget > 0).then_some(self.budget)
    }

    fn steal(&mut self) -> Option<Stolen> {
        // Per-CPU by nature: never wrapped in per-CPU queues.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::TaskId;
    use crate::policy::testing::ready;

    fn on(id: u32, seq: u64, woken_by: Option<u32>) -> ReadyTask {
        let mut t = ready(id, seq, 1);
        t.woken_by = woken_by.map(CpuId);
        t.last_cpu = woken_by.map(CpuId);
        t
    }

    fn pick(p: &mut WorkStealing, cpu: u32) -> Option<u32> {
        p.pick(CpuId(cpu), SimTime::ZERO).map(|d| d.task.0)
    }

    #[test]
    fn spawned_tasks_take_the_lifo_slot_and_arrivals_the_injection_queue() {
        let mut p = WorkStealing::new(2, DEFAULT_BUDGET, true, DEFAULT_GLOBAL_INTERVAL);
        p.enqueue(on(0, 0, None), Ready::Arrived);
        p.enqueue(on(1, 1, Some(0)), Ready::Arrived);
        p.enqueue(on(2, 2, Some(0)), Ready::Arrived);
        // Worker 0: LIFO slot holds 2, local queue holds 1; 0 is global.
        assert_eq!(pick(&mut p, 0), Some(2));
        assert_eq!(pick(&mut p, 0), Some(1));
        assert_eq!(pick(&mut p, 0), Some(0));
        assert_eq!(pick(&mut p, 0), None);
    }

    #[test]
    fn an_idle_worker_steals_half_of_a_busy_ones_queue() {
        let mut p = WorkStealing::new(2, DEFAULT_BUDGET, false, DEFAULT_GLOBAL_INTERVAL);
        for i in 0..5 {
            p.enqueue(on(i, u64::from(i), Some(0)), Ready::Arrived);
        }
        // Worker 1 has nothing: it steals 3 of worker 0's 5 (the oldest).
        assert_eq!(pick(&mut p, 1), Some(0));
        assert_eq!(
            p.workers[1].local.iter().map(|t| t.id).collect::<Vec<_>>(),
            [TaskId(1), TaskId(2)]
        );
        assert_eq!(pick(&mut p, 0), Some(3));
    }

    #[test]
    fn the_injection_queue_is_checked_first_every_global_interval() {
        let mut p = WorkStealing::new(1, DEFAULT_BUDGET, false, 2);
        p.enqueue(on(0, 0, None), Ready::Arrived);
        for i in 1..4 {
            p.enqueue(on(i, u64::from(i), Some(0)), Ready::Arrived);
        }
        // Tick 1: local first; tick 2: global first.
        assert_eq!(pick(&mut p, 0), Some(1));
        assert_eq!(pick(&mut p, 0), Some(0));
        assert_eq!(pick(&mut p, 0), Some(2));
    }
}
