//! The sink interface the engine reports to: the [`Recorder`] trait and the
//! records it carries. It lives with the engine, its caller, so that the engine
//! depends on nothing above it; `metrics` implements it.

use crate::task::ClassId;
use crate::task::CpuId;
use crate::time::{SimDuration, SimTime};

/// Everything measured of one task, reported when it finishes (or, with
/// `finish: None`, when a run stops before it does).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TaskRecord {
    /// Its class.
    pub class: ClassId,
    /// Its number within the class, from 0 in arrival order (`class#n`).
    pub index: u64,
    /// When it arrived.
    pub arrival: SimTime,
    /// When it first got a CPU (or, under `ps`, first computed).
    pub start: Option<SimTime>,
    /// When its last step completed.
    pub finish: Option<SimTime>,
    /// CPU time consumed.
    #[serde(with = "crate::time::as_nanos")]
    pub cpu: SimDuration,
    /// Time suspended: sleeping, in I/O (queueing included), waiting for a lock
    /// or a join, or held in a cooperative `block`.
    #[serde(with = "crate::time::as_nanos")]
    pub suspended: SimDuration,
    /// Times it lost a CPU with work left (slice end or a more urgent task).
    pub preemptions: u32,
    /// Times a CPU switched to it from another task.
    pub switches: u32,
    /// Times it ran on a CPU other than the one it last ran on.
    pub migrations: u32,
    /// Its absolute deadline, if its class has one.
    pub deadline: Option<SimTime>,
    /// Its class weight, for fairness.
    pub weight: f64,
    /// Its steps that held the loop for the policy's slow-callback threshold
    /// or longer (asyncio's `slow_callback_duration`; 0 under other policies).
    pub slow_callbacks: u32,
}

impl TaskRecord {
    /// Finish minus arrival.
    pub fn turnaround(&self) -> Option<SimDuration> {
        self.finish.map(|f| f - self.arrival)
    }
    /// First start minus arrival.
    pub fn response(&self) -> Option<SimDuration> {
        self.start.map(|s| s - self.arrival)
    }
    /// Time ready but not running: turnaround less CPU time and time suspended
    /// (so context-switch time counts as waiting).
    pub fn wait(&self) -> Option<SimDuration> {
        self.turnaround().map(|t| t - self.cpu - self.suspended)
    }
    /// True if it has a deadline and finished after it, or never finished.
    pub fn missed_deadline(&self) -> bool {
        match (self.deadline, self.finish) {
            (Some(d), Some(f)) => f > d,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// What a CPU did during a stretch of time, for timelines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SegmentKind {
    /// The task computed.
    Compute,
    /// The CPU was switching to the task.
    Switch,
    /// The task held the worker in a cooperative `block`, not computing.
    Blocked,
}

/// A stretch of time one CPU spent on one task.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    /// The CPU.
    pub cpu: CpuId,
    /// The task's class and number.
    pub class: ClassId,
    /// The task's number within its class.
    pub index: u64,
    /// Start of the stretch.
    pub start: SimTime,
    /// End of the stretch.
    pub end: SimTime,
    /// What the CPU did.
    pub kind: SegmentKind,
}

/// Receives what a run measures. Every method but `task_finished` defaults to
/// doing nothing, so a recorder pays only for what it uses.
pub trait Recorder {
    /// A task finished (or, with `finish: None`, the run stopped before it did).
    fn task_finished(&mut self, record: &TaskRecord);

    /// A CPU spent `segment` on a task. Called only if `wants_segments`.
    fn segment(&mut self, _segment: &Segment) {}

    /// Whether to report segments (they cost a call per slice).
    fn wants_segments(&self) -> bool {
        false
    }

    /// The end of an instant's decisions: `ready` tasks wait while `idle` CPUs
    /// have nothing to run.
    fn instant(&mut self, _now: SimTime, _ready: usize, _idle: u32) {}

    /// Task `class#index` lost `cpu`, with work left, to another task.
    fn preempted(&mut self, _at: SimTime, _cpu: CpuId, _class: ClassId, _index: u64) {}

    /// Task `class#index` woke from a sleep, an I/O, a lock or a join.
    fn woke(&mut self, _at: SimTime, _class: ClassId, _index: u64) {}

    /// Bytes of what the recorder keeps that grows with the run (task
    /// records, captured timelines), for the memory limit: an estimate from
    /// counts, so that it is the same on every machine. Asked every few
    /// thousand tasks and tens of thousands of events, not on every one.
    fn kept_bytes(&self) -> u64 {
        0
    }

    /// Tasks of `class` computed from `from` to `to` on `cpus` CPUs' worth of
    /// capacity: 1 for a task on a CPU, the class's share of the machine under
    /// processor sharing. Reported as time passes, in and out of any
    /// measurement window (the recorder clips to its own); context switches
    /// and cooperative blocks are not computing and are not reported.
    fn busy(&mut self, _class: ClassId, _from: SimTime, _to: SimTime, _cpus: f64) {}
}
