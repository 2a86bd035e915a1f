//! `mlfq`: the multi-level feedback queue as OSTEP (ch. 8) and its simulator
//! `mlfq.py` define it. Rules: a higher level runs first and preempts a lower
//! one at once (1, 2); a new task enters the top level (3); a task that has used
//! its `allotment` of quanta at a level, whatever its I/O in between, moves
//! down one level (4: the time left of its quantum carries over a suspension);
//! every `boost` period every task returns to the top with a fresh allotment
//! (5). Within a level, round robin with the level's quantum.
//!
//! Defaults are `mlfq.py`'s: 3 levels, a 10 (ms) quantum at every level, an
//! allotment of 1 quantum, no boost. At a boost, queued tasks move to the top
//! in `mlfq.py`'s order: lowest level first; a running task keeps its CPU and
//! its level's bookkeeping restarts at the top.

use std::collections::VecDeque;

use super::{
    Carried, CpuId, Dispatch, ParamInfo, Policy, PolicyInfo, Ready, ReadyTask, RunningTask, Stolen,
    TaskId, Via,
};
use crate::time::{SimDuration, SimTime};

/// `[[policy]] kind = "mlfq"`. `quanta` and `allotment` hold one value for
/// every level or one per level; `levels` defaults to the length of a longer
/// list, else 3.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Number of queues (default: the length of `quanta` or `allotment` if
    /// either lists several, else 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<u32>,
    /// Slice at each level, highest first, or one for all (default 10ms).
    #[serde(with = "super::one_or_many")]
    #[schemars(with = "super::one_or_many::OneOrMany<SimDuration>")]
    pub quanta: Vec<SimDuration>,
    /// Quanta a task may use at a level before demotion, per level or one for
    /// all (default 1).
    #[serde(with = "super::one_or_many")]
    #[schemars(with = "super::one_or_many::OneOrMany<u32>")]
    pub allotment: Vec<u32>,
    /// Period after which every task returns to the top level (default none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boost: Option<SimDuration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            levels: None,
            quanta: vec![DEFAULT_QUANTUM],
            allotment: vec![1],
            boost: None,
        }
    }
}

impl Config {
    /// The number of levels: `levels`, else the length of a list of several.
    pub fn level_count(&self) -> u32 {
        let listed = |n: usize| (n > 1).then_some(n as u32);
        self.levels
            .or_else(|| listed(self.quanta.len()))
            .or_else(|| listed(self.allotment.len()))
            .unwrap_or(DEFAULT_LEVELS)
    }

    /// `xs` with one entry per level (a single entry repeated).
    fn per_level<T: Copy>(&self, xs: &[T]) -> Vec<T> {
        let levels = self.level_count() as usize;
        match xs {
            [one] => vec![*one; levels],
            many => many.to_vec(),
        }
    }
}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "mlfq",
        preemptive: true,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "OSTEP's multi-level feedback queue (mlfq.py)",
        params: &[
            ParamInfo {
                name: "levels",
                required: false,
                example: "3",
                meaning: "number of queues",
                default_note: "",
            },
            ParamInfo {
                name: "quanta",
                required: false,
                example: "[\"2ms\", \"4ms\", \"8ms\"]",
                meaning: "slice per level, highest first (one duration for all)",
                default_note: "",
            },
            ParamInfo {
                name: "allotment",
                required: false,
                example: "2",
                meaning: "quanta a task may use at a level before moving down (an integer or a list)",
                default_note: "",
            },
            ParamInfo {
                name: "boost",
                required: false,
                example: "\"100ms\"",
                meaning: "period after which every task returns to the top level",
                default_note: "",
            },
        ],
    };

    fn check(&self) -> Result<(), super::ParamError> {
        use super::ParamError;
        let levels = self.level_count();
        if levels == 0 {
            return Err(ParamError::at("levels", "levels must be at least 1"));
        }
        let fits = |param: &'static str, given: usize| {
            if given == 1 || given == levels as usize {
                Ok(())
            } else {
                Err(ParamError::at(
                    param,
                    format!(
                        "{param} has {given} entries for {levels} levels: give one value, or one per level"
                    ),
                ))
            }
        };
        fits("quanta", self.quanta.len())?;
        if self.quanta.iter().any(|q| q.is_zero()) {
            return Err(ParamError::at(
                "quanta",
                "every quantum must be greater than zero",
            ));
        }
        fits("allotment", self.allotment.len())?;
        if self.allotment.contains(&0) {
            return Err(ParamError::at(
                "allotment",
                "every allotment must be at least 1",
            ));
        }
        match self.boost {
            Some(b) => ParamError::positive("boost", b),
            None => Ok(()),
        }
    }

    fn canonical(&self) -> Self {
        Config {
            levels: Some(self.level_count()),
            quanta: self.per_level(&self.quanta),
            allotment: self.per_level(&self.allotment),
            boost: self.boost,
        }
    }

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(Mlfq::new(
            self.per_level(&self.quanta),
            self.per_level(&self.allotment),
            self.boost,
        )))
    }
}

/// `mlfq.py`'s defaults.
pub const DEFAULT_LEVELS: u32 = 3;
/// `mlfq.py`'s default quantum (10 ticks, read as milliseconds).
pub const DEFAULT_QUANTUM: SimDuration = SimDuration::from_millis(10);

/// What the policy keeps about a task.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Standing {
    level: usize,
    /// Time left of the current quantum at this level.
    ticks_left: SimDuration,
    /// Quanta left at this level, the current one included.
    allot_left: u32,
}

/// The `mlfq` policy.
#[derive(Debug)]
pub struct Mlfq {
    quanta: Vec<SimDuration>,
    allotment: Vec<u32>,
    boost: Option<SimDuration>,
    queues: Vec<VecDeque<ReadyTask>>,
    standing: Vec<Option<Standing>>,
    next_boost: Option<SimTime>,
}

impl Mlfq {
    /// Levels = `quanta.len()`; `allotment` has one entry per level.
    pub fn new(quanta: Vec<SimDuration>, allotment: Vec<u32>, boost: Option<SimDuration>) -> Self {
        assert_eq!(quanta.len(), allotment.len(), "one allotment per level");
        let levels = quanta.len();
        Mlfq {
            quanta,
            allotment,
            boost,
            queues: vec![VecDeque::new(); levels],
            standing: Vec::new(),
            next_boost: boost.map(|b| SimTime(b.as_nanos())),
        }
    }

    fn fresh(&self, level: usize) -> Standing {
        Standing {
            level,
            ticks_left: self.quanta[level],
            allot_left: self.allotment[level].max(1),
        }
    }

    fn standing_mut(&mut self, task: TaskId) -> &mut Option<Standing> {
        if self.standing.len() <= task.index() {
            self.standing.resize(task.index() + 1, None);
        }
        &mut self.standing[task.index()]
    }

    fn level_of(&self, task: TaskId) -> usize {
        self.standing
            .get(task.index())
            .copied()
            .flatten()
            .map_or(0, |s| s.level)
    }
}

impl Policy for Mlfq {
    fn preemptive(&self) -> bool {
        true
    }

    fn enqueue(&mut self, task: ReadyTask, why: Ready) {
        let fresh = self.fresh(0);
        let standing = *self.standing_mut(task.id).get_or_insert(fresh);
        let queue = &mut self.queues[standing.level];
        if why.to_back() {
            queue.push_back(task);
        } else {
            queue.push_front(task);
        }
    }

    fn pick(&mut self, _cpu: CpuId, _now: SimTime) -> Option<Dispatch> {
        let queue = self.queues.iter_mut().find(|q| !q.is_empty())?;
        let task = queue.pop_front().expect("not empty");
        let standing = self.standing[task.id.index()].expect("queued tasks have a standing");
        Some(Dispatch {
            task: task.id,
            slice: Some(standing.ticks_left),
        })
    }

    fn ready_len(&self) -> usize {
        self.queues.iter().map(VecDeque::len).sum()
    }

    fn preempt(&mut self, _now: SimTime, running: &[RunningTask]) -> Option<CpuId> {
        let best = self.queues.iter().position(|q| !q.is_empty())?;
        running
            .iter()
            .map(|r| (self.level_of(r.task.id), r.task.seq, r.cpu))
            .filter(|(level, _, _)| best < *level)
            .max()
            .map(|(_, _, cpu)| cpu)
    }

    fn ran(&mut self, task: TaskId, ran: SimDuration, _now: SimTime) {
        let levels = self.quanta.len();
        let Some(mut s) = self.standing.get(task.index()).copied().flatten() else {
            return;
        };
        s.ticks_left = s.ticks_left - ran;
        if s.ticks_left.is_zero() {
            s.allot_left -= 1;
            if s.allot_left == 0 {
                s = self.fresh((s.level + 1).min(levels - 1));
            } else {
                s.ticks_left = self.quanta[s.level];
            }
        }
        self.standing[task.index()] = Some(s);
    }

    fn exited(&mut self, task: TaskId) {
        if let Some(s) = self.standing.get_mut(task.index()) {
            *s = None;
        }
    }

    fn timer(&self) -> Option<SimTime> {
        self.next_boost
    }

    fn on_timer(&mut self, now: SimTime) {
        let Some(period) = self.boost else { return };
        let top = self.fresh(0);
        for s in self.standing.iter_mut().flatten() {
            *s = top;
        }
        for level in (1..self.queues.len()).rev() {
            let moved: Vec<ReadyTask> = self.queues[level].drain(..).collect();
            self.queues[0].extend(moved);
        }
        // The next multiple of the period, as mlfq.py boosts whenever
        // `currTime % boost == 0` (a boost that came late keeps the phase).
        let p = period.as_nanos().max(1);
        self.next_boost = Some(SimTime((now.as_nanos() / p + 1) * p));
    }

    fn steal(&mut self) -> Option<Stolen> {
        let queue = self.queues.iter_mut().rev().find(|q| !q.is_empty())?;
        let task = queue.pop_back().expect("not empty");
        let state = self.standing[task.id.index()]
            .take()
            .map_or(Carried::Nothing, |s| Carried::Level {
                level: s.level as u32,
                quantum_left: s.ticks_left,
                allotment_left: s.allot_left,
            });
        Some(Stolen { task, state })
    }

    fn adopt(&mut self, stolen: Stolen) {
        if let Carried::Level {
            level,
            quantum_left,
            allotment_left,
        } = stolen.state
        {
            *self.standing_mut(stolen.task.id) = Some(Standing {
                level: level as usize,
                ticks_left: quantum_left,
                allot_left: allotment_left,
            });
        }
        self.enqueue(stolen.task, Ready::Woke(Via::Io));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::ready;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    #[test]
    fn demotes_after_the_allotment_even_across_suspensions() {
        let mut p = Mlfq::new(vec![ms(10); 3], vec![1; 3], None);
        p.enqueue(ready(0, 0, 100), Ready::Arrived);
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().slice, Some(ms(10)));
        // Runs 6ms, then does I/O: 4ms of its quantum are left at level 0.
        p.ran(TaskId(0), ms(6), SimTime::ZERO);
        p.enqueue(ready(0, 1, 100), Ready::Woke(Via::Io));
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().slice, Some(ms(4)));
        p.ran(TaskId(0), ms(4), SimTime::ZERO);
        assert_eq!(p.level_of(TaskId(0)), 1);
        p.enqueue(ready(1, 2, 100), Ready::Arrived);
        p.enqueue(ready(0, 3, 100), Ready::QuantumExpired);
        // The newcomer at the top goes first.
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().task, TaskId(1));
    }

    #[test]
    fn a_higher_level_preempts_and_boost_resets_everyone() {
        let mut p = Mlfq::new(vec![ms(1), ms(2)], vec![1, 1], Some(ms(50)));
        p.enqueue(ready(0, 0, 100), Ready::Arrived);
        p.pick(CpuId(0), SimTime::ZERO);
        p.ran(TaskId(0), ms(1), SimTime::ZERO);
        assert_eq!(p.level_of(TaskId(0)), 1);
        p.enqueue(ready(1, 1, 100), Ready::Arrived);
        let running = [RunningTask {
            cpu: CpuId(0),
            task: ready(0, 0, 99),
            ran: SimDuration::ZERO,
        }];
        assert_eq!(p.preempt(SimTime::ZERO, &running), Some(CpuId(0)));
        p.enqueue(
            ready(0, 2, 99),
            Ready::Preempted {
                slice_left: Some(ms(2)),
            },
        );
        assert_eq!(p.timer(), Some(SimTime(50_000_000)));
        p.on_timer(SimTime(50_000_000));
        assert_eq!(p.level_of(TaskId(0)), 0);
        assert_eq!(p.queues[0].len(), 2);
        assert_eq!(p.timer(), Some(SimTime(100_000_000)));
    }
}
