//! The coroutine model: a task is a resumable state machine that, each time it
//! is resumed, names what it does next (a [`Request`]). The scenario language is
//! one implementation ([`program`]); a Rust user can write another by
//! implementing [`Workload`].

pub mod program;

use rand_chacha::ChaCha8Rng;

use crate::dist::Dist;
use crate::rng::Cursor;
use crate::time::{SimDuration, SimTime};

/// A task class: index into the scenario's `[[task]]` tables, in file order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ClassId(pub u32);

/// A task's slot in the engine; stable while the task lives, reused after it
/// finishes (policies index per-task state by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub u32);

impl TaskId {
    /// The slot index, for per-task tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A CPU (worker) of the machine, numbered from 0.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct CpuId(pub u32);

/// An I/O device: index into the scenario's `[[device]]` tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(pub u32);

/// A mutex: index into the scenario's lock names, in order of first use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LockId(pub u32);

/// What a task does next. The engine carries it out and resumes the task when
/// it has completed.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// Use a CPU for this long (a preemptive policy may slice it).
    Compute(SimDuration),
    /// Release the CPU; ready again after this long (`await asyncio.sleep`).
    Sleep(SimDuration),
    /// Release the CPU for an I/O of this length, queued FIFO on `device` when it
    /// has limited capacity (`None`: no device, never queues).
    Io {
        /// The device, if any.
        device: Option<DeviceId>,
        /// Service time of the I/O.
        duration: SimDuration,
    },
    /// A blocking call (`time.sleep` in a coroutine): under a cooperative policy it
    /// holds the worker for this long without computing; under a preemptive one it
    /// is an I/O.
    Block(SimDuration),
    /// Go to the back of the ready queue (`await asyncio.sleep(0)`).
    Yield,
    /// Start `count` tasks of `class`, which run concurrently with this one.
    Spawn {
        /// Their class.
        class: ClassId,
        /// How many.
        count: u32,
    },
    /// Wait until every task this one has spawned has finished.
    Join,
    /// Acquire a FIFO mutex, waiting in line if another task holds it.
    Lock(LockId),
    /// Release a mutex this task holds.
    Unlock(LockId),
    /// The task has finished.
    Done,
}

/// The context a task is resumed with: its own random stream and the clock.
#[derive(Debug)]
pub struct Cx<'a> {
    cursor: Cursor<'a>,
    now: SimTime,
}

impl<'a> Cx<'a> {
    /// A context drawing from `rng` at this task's `position` (its word offset
    /// in the stream, see `rng::task_region_start`). The engine makes these;
    /// tests of a hand-written workload can too.
    pub fn new(rng: &'a mut ChaCha8Rng, position: &'a mut u128, now: SimTime) -> Self {
        Cx {
            cursor: Cursor::new(rng, position),
            now,
        }
    }

    /// Draws a duration from this task's own stream: the same task draws the
    /// same values under every policy.
    pub fn sample(&mut self, dist: &Dist) -> SimDuration {
        match dist {
            Dist::Const(d) => *d,
            dist => self.cursor.with(|rng| dist.sample(rng)),
        }
    }

    /// Runs `f` with this task's own stream, for draws other than durations
    /// (a branch, a choice). Like `sample`, the same task gets the same values
    /// under every policy.
    pub fn with_rng<T>(&mut self, f: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        self.cursor.with(f)
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }
}

/// The programs of every task class: creates a task's state and resumes it.
///
/// The state lives in the engine's task slab; the workload itself is shared and
/// immutable, so a task costs only its state.
pub trait Workload {
    /// One task's state: its program counter and locals.
    type Task;

    /// The state of a new task of `class`, before its first step.
    fn start(&self, class: ClassId) -> Self::Task;

    /// Advances `task` past its previous request and returns the next one.
    fn resume(&self, task: &mut Self::Task, cx: &mut Cx<'_>) -> Request;
}
