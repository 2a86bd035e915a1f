//! `cfs`: Linux's completely fair scheduler, as in kernel/sched/fair.c before
//! EEVDF (v2.6.23 to 6.5). Each task accrues virtual runtime, CPU time divided
//! by its weight (class `nice` through Linux's `sched_prio_to_weight`, or
//! `weight`); the task with the least runs next. Its slice is its weight's
//! share of the scheduling period: `sched_latency`, stretched to
//! `nr_running x min_granularity` when more than `sched_latency /
//! min_granularity` tasks are runnable. A new task starts at the queue's
//! minimum virtual runtime; a waking one at no less than that minimum less
//! half a `sched_latency` (the sleeper credit of GENTLE_FAIR_SLEEPERS); a
//! waking task preempts a running one whose virtual runtime exceeds its own by
//! more than `wakeup_granularity` (scaled to the waking task's weight).
//!
//! Defaults are the kernel's base values (`sysctl_sched_latency` 6ms,
//! `sysctl_sched_min_granularity` 0.75ms, `sysctl_sched_wakeup_granularity`
//! 1ms), not multiplied by the kernel's 1 + log2(cpus) factor.

use super::keyed::{FloatKey, KeyedQueue};
use super::{
    Carried, CpuId, Dispatch, ParamInfo, Policy, PolicyInfo, Ready, ReadyTask, RunningTask, Stolen,
    TaskId,
};
use crate::time::{SimDuration, SimTime};

/// `[[policy]] kind = "cfs"`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Period in which every runnable task runs once (default 6ms).
    pub sched_latency: SimDuration,
    /// Shortest slice (default 750us).
    pub min_granularity: SimDuration,
    /// Virtual-runtime lead a waking task needs to preempt (default 1ms).
    pub wakeup_granularity: SimDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sched_latency: DEFAULT_SCHED_LATENCY,
            min_granularity: DEFAULT_MIN_GRANULARITY,
            wakeup_granularity: DEFAULT_WAKEUP_GRANULARITY,
        }
    }
}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "cfs",
        preemptive: true,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "Linux CFS: least virtual runtime first, slices from sched_latency by weight (class nice)",
        params: &[
            ParamInfo {
                name: "sched_latency",
                required: false,
                example: "\"6ms\"",
                meaning: "period in which every runnable task runs once",
                default_note: "",
            },
            ParamInfo {
                name: "min_granularity",
                required: false,
                example: "\"750us\"",
                meaning: "shortest slice",
                default_note: "",
            },
            ParamInfo {
                name: "wakeup_granularity",
                required: false,
                example: "\"1ms\"",
                meaning: "virtual-runtime lead a waking task needs to preempt",
                default_note: "",
            },
        ],
    };

    fn check(&self) -> Result<(), super::ParamError> {
        super::ParamError::positive("sched_latency", self.sched_latency)?;
        super::ParamError::positive("min_granularity", self.min_granularity)?;
        if self.min_granularity > self.sched_latency {
            return Err(super::ParamError::at(
                "min_granularity",
                "min_granularity must not exceed sched_latency",
            ));
        }
        Ok(())
    }

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(Cfs::new(
            self.sched_latency,
            self.min_granularity,
            self.wakeup_granularity,
        )))
    }
}

/// Linux's `sysctl_sched_latency`.
pub const DEFAULT_SCHED_LATENCY: SimDuration = SimDuration::from_millis(6);
/// Linux's `sysctl_sched_min_granularity`.
pub const DEFAULT_MIN_GRANULARITY: SimDuration = SimDuration::from_micros(750);
/// Linux's `sysctl_sched_wakeup_granularity`.
pub const DEFAULT_WAKEUP_GRANULARITY: SimDuration = SimDuration::from_millis(1);

/// The `cfs` policy.
#[derive(Debug)]
pub struct Cfs {
    sched_latency: SimDuration,
    min_granularity: SimDuration,
    wakeup_granularity: SimDuration,
    timeline: KeyedQueue<FloatKey>,
    /// Per task: virtual runtime and weight, while it lives.
    tasks: Vec<Option<(f64, f64)>>,
    min_vruntime: f64,
    /// Weight and number of the runnable tasks: queued plus running.
    queued_load: f64,
    running: Vec<TaskId>,
}

impl Cfs {
    /// CFS with the given tunables.
    pub fn new(
        sched_latency: SimDuration,
        min_granularity: SimDuration,
        wakeup_granularity: SimDuration,
    ) -> Self {
        Cfs {
            sched_latency,
            min_granularity,
            wakeup_granularity,
            timeline: KeyedQueue::default(),
            tasks: Vec::new(),
            min_vruntime: 0.0,
            queued_load: 0.0,
            running: Vec::new(),
        }
    }

    fn entry(&mut self, task: TaskId) -> &mut Option<(f64, f64)> {
        if self.tasks.len() <= task.index() {
            self.tasks.resize(task.index() + 1, None);
        }
        &mut self.tasks[task.index()]
    }

    fn get(&self, task: TaskId) -> Option<(f64, f64)> {
        self.tasks.get(task.index()).copied().flatten()
    }

    fn nr_running(&self) -> usize {
        self.timeline.len() + self.running.len()
    }

    fn load(&self) -> f64 {
        self.queued_load
            + self
                .running
                .iter()
                .map(|t| self.get(*t).map_or(1.0, |(_, w)| w))
                .sum::<f64>()
    }

    /// `__sched_period`: the latency, stretched when many tasks are runnable.
    fn period(&self) -> f64 {
        let latency = self.sched_latency.as_nanos_f64();
        let gran = self.min_granularity.as_nanos_f64();
        let nr_latency = (latency / gran).floor().max(1.0) as usize;
        let nr = self.nr_running();
        if nr > nr_latency {
            nr as f64 * gran
        } else {
            latency
        }
    }
}

impl Policy for Cfs {
    fn preemptive(&self) -> bool {
        true
    }

    fn enqueue(&mut self, task: ReadyTask, why: Ready) {
        let sleeper_floor = self.min_vruntime - self.sched_latency.as_nanos_f64() / 2.0;
        let placed = match (why, self.get(task.id)) {
            (_, None) => self.min_vruntime,
            (Ready::Woke(_), Some((v, _))) => v.max(sleeper_floor),
            (_, Some((v, _))) => v,
        };
        *self.entry(task.id) = Some((placed, task.weight));
        self.queued_load += task.weight;
        self.timeline.push(task, FloatKey(placed));
    }

    fn pick(&mut self, _cpu: CpuId, _now: SimTime) -> Option<Dispatch> {
        let task = self.timeline.pop()?;
        let (v, weight) = self.get(task).expect("queued tasks are known");
        self.queued_load -= weight;
        self.running.push(task);
        // min_vruntime only moves forward, to the smallest runnable vruntime.
        let leftmost = self.timeline.best_key().map_or(v, |k| k.0.min(v));
        self.min_vruntime = self.min_vruntime.max(leftmost);
        let slice = (self.period() * weight / self.load()).max(self.min_granularity.as_nanos_f64());
        Some(Dispatch {
            task,
            slice: Some(SimDuration::from_nanos_f64(slice)),
        })
    }

    fn ready_len(&self) -> usize {
        self.timeline.len()
    }

    fn preempt(&mut self, _now: SimTime, running: &[RunningTask]) -> Option<CpuId> {
        let best = self.timeline.best_key()?.0;
        // check_preempt_wakeup: preempt if the running task's virtual runtime
        // leads the leftmost queued one's by more than the wake-up granularity
        // in the latter's weight.
        let (_, waker_weight) = self
            .timeline
            .first()
            .and_then(|t| self.get(t))
            .unwrap_or((0.0, 1.0));
        let gran = self.wakeup_granularity.as_nanos_f64() / waker_weight;
        running
            .iter()
            .filter_map(|r| {
                let (v, w) = self.get(r.task.id)?;
                let current = v + r.ran.as_nanos_f64() / w;
                (current - best > gran).then_some((FloatKey(current), r.task.seq, r.cpu))
            })
            .max()
            .map(|(_, _, cpu)| cpu)
    }

    fn ran(&mut self, task: TaskId, ran: SimDuration, _now: SimTime) {
        self.running.retain(|t| *t != task);
        if let Some((v, w)) = self.entry(task) {
            *v += ran.as_nanos_f64() / *w;
        }
    }

    fn exited(&mut self, task: TaskId) {
        self.running.retain(|t| *t != task);
        if let Some(e) = self.tasks.get_mut(task.index()) {
            *e = None;
        }
    }

    fn steal(&mut self) -> Option<Stolen> {
        let mut stolen = self.timeline.steal()?;
        let (v, w) = self
            .entry(stolen.task.id)
            .take()
            .expect("queued tasks are known");
        self.queued_load -= w;
        // A migrating task keeps its lag behind this queue's minimum, as
        // Linux's migrate_task_rq_fair does.
        stolen.state = Carried::Lead(v - self.min_vruntime);
        Some(stolen)
    }

    fn adopt(&mut self, stolen: Stolen) {
        let lag = match stolen.state {
            Carried::Lead(lag) => lag,
            _ => 0.0,
        };
        let v = self.min_vruntime + lag;
        *self.entry(stolen.task.id) = Some((v, stolen.task.weight));
        self.enqueue(stolen.task, Ready::Yielded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::ready;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    fn cfs() -> Cfs {
        Cfs::new(
            DEFAULT_SCHED_LATENCY,
            DEFAULT_MIN_GRANULARITY,
            DEFAULT_WAKEUP_GRANULARITY,
        )
    }

    #[test]
    fn slices_split_the_latency_by_weight() {
        let mut p = cfs();
        let mut heavy = ready(0, 0, 100);
        heavy.weight = 2.0;
        p.enqueue(heavy, Ready::Arrived);
        p.enqueue(ready(1, 1, 100), Ready::Arrived);
        // Weights 2 and 1 share 6ms: 4ms and 2ms.
        assert_eq!(
            p.pick(CpuId(0), SimTime::ZERO),
            Some(Dispatch {
                task: TaskId(0),
                slice: Some(ms(4))
            })
        );
        p.ran(TaskId(0), ms(4), SimTime::ZERO);
        p.enqueue(heavy, Ready::QuantumExpired);
        // Task 1 (vruntime 0) now leads task 0 (vruntime 4ms / 2 = 2ms).
        assert_eq!(
            p.pick(CpuId(0), SimTime::ZERO),
            Some(Dispatch {
                task: TaskId(1),
                slice: Some(ms(2))
            })
        );
    }

    #[test]
    fn many_tasks_stretch_the_period_to_min_granularity_each() {
        let mut p = cfs();
        for i in 0..12 {
            p.enqueue(ready(i, u64::from(i), 100), Ready::Arrived);
        }
        // 12 > 6ms / 0.75ms = 8 runnable: period 12 x 0.75ms, slice 0.75ms.
        assert_eq!(
            p.pick(CpuId(0), SimTime::ZERO).unwrap().slice,
            Some(SimDuration::from_micros(750))
        );
    }

    #[test]
    fn a_waking_task_preempts_only_beyond_the_wakeup_granularity() {
        let mut p = cfs();
        p.enqueue(ready(0, 0, 100), Ready::Arrived);
        p.pick(CpuId(0), SimTime::ZERO);
        p.enqueue(ready(1, 1, 100), Ready::Arrived);
        let running = |ran| {
            [RunningTask {
                cpu: CpuId(0),
                task: ready(0, 0, 100),
                ran,
            }]
        };
        assert_eq!(p.preempt(SimTime::ZERO, &running(ms(1))), None);
        assert_eq!(p.preempt(SimTime::ZERO, &running(ms(2))), Some(CpuId(0)));
    }
}
