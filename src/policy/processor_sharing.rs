//! `ps`: ideal processor sharing, the limit of round robin as the quantum goes
//! to zero. Not a queue but a fluid model: with `n` tasks ready on `c` CPUs,
//! each computes at rate min(1, c/n), exactly, with no context switches.
//!
//! The bookkeeping is the classic virtual-time one (as in GPS/WFQ): `V` grows
//! at the per-task rate, a task joining with demand `d` finishes when `V`
//! reaches `V_join + d`, so the next completion is the smallest tag and each
//! arrival or departure costs O(log n). Completion instants are rounded up to
//! the next nanosecond, the clock's resolution.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::{PolicyInfo, TaskId};
use crate::time::{SimDuration, SimTime};

/// `[[policy]] kind = "ps"`: no parameters.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "ps",
        preemptive: true,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: true,
        models: "ideal processor sharing: every ready task computes at once, at rate min(1, cpus/n)",
        params: &[],
    };

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Fluid
    }
}

#[derive(Clone, Copy, Debug)]
struct Tag {
    finish: f64,
    seq: u64,
    task: TaskId,
}

impl PartialEq for Tag {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Tag {}
impl PartialOrd for Tag {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Tag {
    fn cmp(&self, other: &Self) -> Ordering {
        self.finish
            .total_cmp(&other.finish)
            .then(self.seq.cmp(&other.seq))
    }
}

/// The set of tasks sharing the CPUs, and its virtual clock.
#[derive(Debug)]
pub struct ProcessorSharing {
    cpus: f64,
    virtual_ns: f64,
    last_update: SimTime,
    tags: BinaryHeap<Reverse<Tag>>,
}

impl ProcessorSharing {
    /// An empty set on `cpus` CPUs.
    pub fn new(cpus: u32) -> Self {
        ProcessorSharing {
            cpus: f64::from(cpus),
            virtual_ns: 0.0,
            last_update: SimTime::ZERO,
            tags: BinaryHeap::new(),
        }
    }

    /// Tasks sharing the CPUs now.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// True when no task is computing.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The rate at which each task computes: CPU-nanoseconds per nanosecond.
    fn rate(&self) -> f64 {
        let n = self.tags.len() as f64;
        if n <= self.cpus { 1.0 } else { self.cpus / n }
    }

    /// Moves the virtual clock to `now`. Returns the previous update's instant
    /// and the rate each task computed at since then (0 if none was), for
    /// utilisation.
    pub fn advance(&mut self, now: SimTime) -> (SimTime, f64) {
        let from = self.last_update;
        let elapsed = (now - from).as_nanos() as f64;
        let rate = if self.tags.is_empty() {
            0.0
        } else {
            self.rate()
        };
        self.virtual_ns += elapsed * rate;
        self.last_update = now;
        (from, rate)
    }

    /// Adds `task` with `demand` of CPU time. Call `advance(now)` first.
    pub fn join(&mut self, task: TaskId, demand: SimDuration, seq: u64) {
        let finish = self.virtual_ns + demand.as_nanos_f64();
        self.tags.push(Reverse(Tag { finish, seq, task }));
    }

    /// When the next task finishes its demand, if nothing joins before.
    pub fn next_completion(&self, now: SimTime) -> Option<SimTime> {
        let Reverse(top) = self.tags.peek()?;
        let real = ((top.finish - self.virtual_ns) / self.rate()).max(0.0);
        Some(now + SimDuration::from_nanos(real.ceil() as u64))
    }

    /// Removes and returns a task whose demand is met at the current virtual
    /// time (several may finish at the same instant; call until `None`).
    pub fn pop_finished(&mut self) -> Option<TaskId> {
        let Reverse(top) = self.tags.peek()?;
        // Rounding completion instants up means V is at or just past the tag;
        // the tolerance absorbs float error in V only.
        let tolerance = 1e-6 + self.virtual_ns.abs() * 1e-13;
        if top.finish <= self.virtual_ns + tolerance {
            self.tags.pop().map(|Reverse(tag)| tag.task)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tasks of 4ms and 2ms at t=0 on one CPU share it half and half: the
    /// short one finishes at 4ms (2ms of work at rate 1/2), the long one then
    /// runs alone and finishes at 6ms.
    ///
    /// ```text
    /// 0      4      6 ms
    /// |A+B/2 |A     |
    /// ```
    #[test]
    fn two_tasks_share_one_cpu_exactly() {
        let ms = SimDuration::from_millis;
        let mut ps = ProcessorSharing::new(1);
        ps.advance(SimTime::ZERO);
        ps.join(TaskId(0), ms(4), 0);
        ps.join(TaskId(1), ms(2), 1);
        let t1 = ps.next_completion(SimTime::ZERO).unwrap();
        assert_eq!(t1, SimTime(4_000_000));
        assert_eq!(ps.advance(t1), (SimTime::ZERO, 0.5));
        assert_eq!(ps.pop_finished(), Some(TaskId(1)));
        assert_eq!(ps.pop_finished(), None);
        let t2 = ps.next_completion(t1).unwrap();
        assert_eq!(t2, SimTime(6_000_000));
        ps.advance(t2);
        assert_eq!(ps.pop_finished(), Some(TaskId(0)));
        assert!(ps.is_empty());
    }

    #[test]
    fn fewer_tasks_than_cpus_each_run_at_full_speed() {
        let mut ps = ProcessorSharing::new(4);
        ps.advance(SimTime::ZERO);
        ps.join(TaskId(0), SimDuration::from_millis(3), 0);
        ps.join(TaskId(1), SimDuration::from_millis(3), 1);
        assert_eq!(ps.next_completion(SimTime::ZERO), Some(SimTime(3_000_000)));
        assert_eq!(ps.advance(SimTime(3_000_000)), (SimTime::ZERO, 1.0));
        assert_eq!(ps.pop_finished(), Some(TaskId(0)));
        assert_eq!(ps.pop_finished(), Some(TaskId(1)));
    }
}
