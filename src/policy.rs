//! Scheduling policies: the [`Policy`] trait that orders a ready queue and sizes
//! slices, the typed configuration of the built-in policies, and one file per
//! policy under `policy/`.
//!
//! A policy never calls into the engine. The engine tells it when a task becomes
//! ready and how long a task ran; it answers with data: which task an idle CPU
//! runs next and for how long ([`Dispatch`]), and which running task a more
//! urgent one displaces. Processor sharing is not a queue at all but a fluid
//! model, so it is a [`Scheduler::Fluid`] rather than a `Policy`.

mod config;
pub mod keyed;
mod kind;
pub mod per_cpu;

use crate::task::ClassId;
pub use crate::task::{CpuId, TaskId};
use crate::time::{SimDuration, SimTime};

pub use config::{ConfigError, Queues, Scheduler};
pub use kind::{ParamError, ParamInfo, PolicyInfo, PolicyKind, one_or_many};
pub use processor_sharing::ProcessorSharing;

/// What a policy may read of a task that becomes ready.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReadyTask {
    /// Its slot.
    pub id: TaskId,
    /// Its class.
    pub class: ClassId,
    /// Ready order: smaller became ready earlier; among tasks ready at the same
    /// instant, smaller arrived earlier. Unique, so it breaks every tie.
    pub seq: u64,
    /// When it arrived.
    pub arrival: SimTime,
    /// The CPU time left in its current burst: what `sjf` and `srtf` order by.
    /// Zero when its next step is not a computation.
    pub burst: SimDuration,
    /// Class priority, lower is more urgent (default 0).
    pub priority: i32,
    /// Class weight for proportional policies (default 1, or from `nice`).
    pub weight: f64,
    /// Class tickets for stride and lottery scheduling (default 100).
    pub tickets: u32,
    /// Absolute deadline, if its class has one.
    pub deadline: Option<SimTime>,
    /// The CPU it last ran on, if it has run.
    pub last_cpu: Option<CpuId>,
    /// The CPU whose running task made it ready (it spawned it, handed it a
    /// lock, finished the child it joined), or its own CPU when it yields or
    /// its slice ends; `None` when a timer, an I/O or an arrival did.
    pub woken_by: Option<CpuId>,
}

/// Why a task is (again) ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ready {
    /// It just arrived from outside: an open arrival or a closed client's
    /// next task.
    Arrived,
    /// A running task spawned it.
    Spawned,
    /// What it waited for completed, by the path given.
    Woke(Via),
    /// It yielded the CPU itself.
    Yielded,
    /// Its slice ran out: it goes to the back of its queue.
    QuantumExpired,
    /// A more urgent task took its CPU: it goes back to the head of its queue
    /// and keeps what was left of its slice.
    Preempted {
        /// Slice time left, if it ran with a slice.
        slice_left: Option<SimDuration>,
    },
}

/// How a wake-up reached a task. Textbook policies treat every path alike;
/// an event-loop model ([`Policy::event_loop`]) places each as its runtime
/// does: a timer or an I/O is seen when the loop next polls, a lock hand-off
/// is queued at once by the releasing task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Its sleep's timer came due.
    Timer,
    /// Its I/O completed (or, under a preemptive policy, its blocking call).
    Io,
    /// A running task released the lock it waited for, handing it over.
    Handoff,
    /// The children it joined have all finished.
    Join,
}

impl Ready {
    /// True for every reason but `Preempted`: the task joins the back.
    pub fn to_back(self) -> bool {
        !matches!(self, Ready::Preempted { .. })
    }
}

/// An idle CPU's next task, and how long it may run before its slice ends
/// (`None`: until it suspends or finishes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dispatch {
    /// The task to run.
    pub task: TaskId,
    /// Its slice.
    pub slice: Option<SimDuration>,
}

/// A task on a CPU, as a preemptive policy sees it when deciding whether a
/// ready task displaces it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunningTask {
    /// Its CPU.
    pub cpu: CpuId,
    /// The task, with `burst` its CPU time left now.
    pub task: ReadyTask,
    /// CPU time it has had in this dispatch so far.
    pub ran: SimDuration,
}

/// A task taken from one queue for another (per-CPU queues stealing), with
/// the policy's own per-task state (a level, a virtual runtime...).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stolen {
    /// The task.
    pub task: ReadyTask,
    /// What the policy keeps about it, for `adopt` by another instance.
    pub state: Carried,
}

/// What a policy keeps about a task that moves to another CPU's queue: a
/// closed vocabulary, so the receiving instance reads it without downcasts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Carried {
    /// Nothing: the task joins the new queue as if it woke there.
    #[default]
    Nothing,
    /// Its lead over its queue's minimum (CFS virtual runtime, stride pass),
    /// kept relative so that it means the same in the new queue.
    Lead(f64),
    /// Its level, with what is left of its quantum and allotment there (MLFQ).
    Level {
        /// The level, 0 the highest.
        level: u32,
        /// Time left of the current quantum.
        quantum_left: SimDuration,
        /// Quanta left at this level, the current one included.
        allotment_left: u32,
    },
}

/// Orders the ready queue and sizes slices. Defaults describe a cooperative
/// policy: nothing preempts, and no accounting is needed.
pub trait Policy: Send {
    /// True if the policy slices or preempts computations. Under a cooperative
    /// policy a `block` step holds its worker; under a preemptive one it is I/O.
    fn preemptive(&self) -> bool;

    /// `task` is ready to run.
    fn enqueue(&mut self, task: ReadyTask, why: Ready);

    /// The task idle `cpu` runs next, or `None` to leave it idle.
    fn pick(&mut self, cpu: CpuId, now: SimTime) -> Option<Dispatch>;

    /// How many tasks are ready (queued, not running).
    fn ready_len(&self) -> usize;

    /// After new tasks became ready with every CPU busy: the CPU whose task the
    /// most urgent ready task should displace, if any. The engine puts the
    /// displaced task back (`Ready::Preempted`) and asks `pick` for that CPU.
    fn preempt(&mut self, _now: SimTime, _running: &[RunningTask]) -> Option<CpuId> {
        None
    }

    /// `task` has just left a CPU after running `ran` (CPU time, not counting
    /// context switches) in this dispatch.
    fn ran(&mut self, _task: TaskId, _ran: SimDuration, _now: SimTime) {}

    /// `task` has finished; its id may be reused.
    fn exited(&mut self, _task: TaskId) {}

    /// When the policy next wants `on_timer` called (e.g. MLFQ's periodic
    /// boost), if ever. Asked after every instant's decisions.
    fn timer(&self) -> Option<SimTime> {
        None
    }

    /// The time given by `timer` has come.
    fn on_timer(&mut self, _now: SimTime) {}

    /// A cooperative budget per dispatch (tokio's coop budget): after this many
    /// awaits that complete at once (an uncontended `lock`, a `join` with
    /// nothing to wait for), the task's next such await yields instead.
    fn budget(&self) -> Option<u32> {
        None
    }

    /// Removes the queued task this policy would run last, with its per-task
    /// state, so another CPU's queue can take it (per-CPU queues). `None`:
    /// nothing to give.
    fn steal(&mut self) -> Option<Stolen>;

    /// Takes a task stolen from another instance of the same policy.
    fn adopt(&mut self, stolen: Stolen) {
        self.enqueue(stolen.task, Ready::Woke(Via::Handoff));
    }

    // ---- Event-loop models (asyncio) ----
    //
    // A policy that models a runtime's event loop sees everything that
    // happens, in the order it happens, and decides itself when a wake-up
    // becomes runnable ("at the next loop iteration"). The engine keeps the
    // rest of the contract the same for every policy.

    /// True if the policy models an event loop. Then the engine hands it
    /// readiness in the order things happened (not each instant's batch
    /// sorted by arrival) and before every `pick`; a task whose last await
    /// completes is made ready and finishes when the loop resumes it; a
    /// `sleep` of zero is a bare yield; and a `join` suspends once even when
    /// its children have all finished (their done-callbacks must run first,
    /// reported as [`Policy::relay`]s).
    fn event_loop(&self) -> bool {
        false
    }

    /// `task` suspended in a sleep until `due` (event-loop models: the timer
    /// is pushed on the loop's heap now, in this order).
    fn timer_set(&mut self, _task: TaskId, _due: SimTime) {}

    /// A callback that wakes nobody was queued on `task`'s loop now: the
    /// done-callback of a child `task` joins, when other children are still
    /// outstanding (event-loop models).
    fn relay(&mut self, _task: TaskId) {}

    /// The loop's own time on `cpu` before the task just picked runs (its
    /// iteration and callback costs), taken by the engine after each `pick`.
    fn overhead(&mut self, _cpu: CpuId) -> SimDuration {
        SimDuration::ZERO
    }

    /// A dispatch that runs this long or longer is a slow callback, counted
    /// and listed (asyncio's `slow_callback_duration`); `None`: not tracked.
    fn slow_callback(&self) -> Option<SimDuration> {
        None
    }
}

/// The list of built-in policies: one entry each, `Variant => module` under
/// its doc line, in the order `corosim policies` lists them (cooperative
/// first, then preemptive). From it come the policy modules (`policy/<module>.rs`,
/// whose `Config` implements [`PolicyKind`]), the typed configuration enum
/// [`PolicyConfig`] and [`POLICIES`]; the scenario reader, the every-policy
/// suite, the benchmark and `corosim policies` all follow them.
macro_rules! policy_list {
    ($($(#[$doc:meta])* $variant:ident => $module:ident,)+) => {
        $(pub mod $module;)+

        /// The built-in policies with their parameters, as `[[policy]]` tables
        /// select them. Each variant's parameters are documented in the
        /// policy's own file.
        #[derive(Clone, Debug, PartialEq)]
        pub enum PolicyConfig {
            $($(#[$doc])* $variant($module::Config),)+
        }

        /// Every built-in policy, in the order `corosim policies` lists them.
        pub const POLICIES: &[PolicyInfo] = &[
            $(<$module::Config as PolicyKind>::INFO,)+
        ];

        impl PolicyConfig {
            /// The variant as the kind-independent interface.
            fn as_kind(&self) -> &dyn kind::AnyKind {
                match self {
                    $(PolicyConfig::$variant(c) => c,)+
                }
            }

            /// Reads the parameters of a `kind` policy (`None`: no such kind).
            fn deserialize_kind<'de, D: serde::Deserializer<'de>>(
                kind: &str,
                params: D,
            ) -> Option<Result<PolicyConfig, D::Error>> {
                use serde::Deserialize;
                $(if kind == <$module::Config as PolicyKind>::INFO.kind {
                    return Some($module::Config::deserialize(params).map(PolicyConfig::$variant));
                })+
                None
            }

            /// Each policy's entry and the JSON Schema of its parameters (its
            /// `Config`'s own, inline), in list order.
            pub(crate) fn param_schemas(
                g: &mut schemars::SchemaGenerator,
            ) -> Vec<(&'static PolicyInfo, schemars::Schema)> {
                vec![$((
                    &<$module::Config as PolicyKind>::INFO,
                    <$module::Config as schemars::JsonSchema>::json_schema(g),
                ),)+]
            }

            /// Each parameter's default as `corosim policies` prints it.
            fn defaults_of(kind: &str) -> Option<Vec<String>> {
                $(if kind == <$module::Config as PolicyKind>::INFO.kind {
                    return Some(kind::param_defaults::<$module::Config>());
                })+
                None
            }
        }
    };
}

policy_list! {
    /// A textbook FIFO ready queue.
    Fifo => fifo,
    /// CPython's asyncio event loop.
    Asyncio => asyncio,
    /// Last come, first served, cooperative.
    Lifo => lifo,
    /// Non-preemptive fixed priorities (class `priority`).
    Priority => priority,
    /// Shortest next CPU burst first, non-preemptive.
    Sjf => sjf,
    /// tokio's multi-thread runtime.
    WorkStealing => work_stealing,
    /// Time slicing.
    RoundRobin => round_robin,
    /// Fixed priorities, round robin within a level.
    PriorityRr => priority_rr,
    /// Shortest remaining time first.
    Srtf => srtf,
    /// OSTEP's multi-level feedback queue.
    Mlfq => mlfq,
    /// Linux's completely fair scheduler.
    Cfs => cfs,
    /// Stride scheduling.
    Stride => stride,
    /// Lottery scheduling.
    Lottery => lottery,
    /// Earliest deadline first.
    Edf => edf,
    /// Ideal processor sharing.
    Ps => processor_sharing,
}

/// The description of `kind`, if it is a built-in policy.
pub fn info(kind: &str) -> Option<&'static PolicyInfo> {
    POLICIES.iter().find(|p| p.kind == kind)
}

/// Each parameter of `kind` with its default as `corosim policies` prints it
/// (`required`, the value, or `none`), in [`PolicyInfo::params`] order.
pub fn param_defaults(kind: &str) -> Option<Vec<String>> {
    PolicyConfig::defaults_of(kind)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-fed ready tasks for policy unit tests.
    use super::*;

    /// A ready task with the given slot, sequence and burst (ms); other fields
    /// default.
    pub(crate) fn ready(id: u32, seq: u64, burst_ms: u64) -> ReadyTask {
        ReadyTask {
            id: TaskId(id),
            class: ClassId(0),
            seq,
            arrival: SimTime::ZERO,
            burst: SimDuration::from_millis(burst_ms),
            priority: 0,
            weight: 1.0,
            tickets: 100,
            deadline: None,
            last_cpu: None,
            woken_by: None,
        }
    }
}
