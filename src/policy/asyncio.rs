//! `asyncio`: CPython's event loop, exactly, one loop per worker (CPU).
//!
//! Follows CPython 3.11's `asyncio` (unchanged in this respect through 3.13),
//! file and function as cited; corosim's differential test
//! (`tests/asyncio/differential.py`) runs random programs under CPython's own
//! unmodified `BaseEventLoop` on a virtual clock and requires the same start
//! and finish of every task, to the nanosecond.
//!
//! - **One iteration at a time** (`base_events.py`, `BaseEventLoop._run_once`):
//!   the loop polls for I/O (`self._selector.select(timeout)`, then
//!   `_process_events`), then moves the timers that are due
//!   (`while self._scheduled: ... self._ready.append(handle)`), then runs
//!   exactly the `ntodo = len(self._ready)` callbacks ready at that point.
//!   What those callbacks schedule runs in the next iteration, after another
//!   poll. A timer that comes due while a coroutine computes is therefore
//!   queued behind everything `call_soon`ed meanwhile.
//! - **Timers come out of a `heapq`**: `call_at` does
//!   `heapq.heappush(self._scheduled, timer)` and `TimerHandle.__lt__`
//!   (`events.py`) compares `_when` only, so equal deadlines leave in heap
//!   order, not insertion order (four equal sleeps fire 0, 2, 1, 3). `TimerHeap`
//!   is `heapq`'s `_siftdown` / `_siftup`, step for step.
//! - **A wake-up is two callbacks**: a timer runs
//!   `futures._set_result_unless_cancelled`, and `Future.set_result`
//!   (`futures.py`, `__schedule_callbacks`) queues the task's `__wakeup` with
//!   `call_soon`, so the coroutine resumes one iteration after its timer ran.
//!   An I/O completion is the same: the selector's callback sets the future.
//!   So is an arrival from outside: the handler that sees it calls
//!   `create_task`. A `join` is `gather`: each child's completion queues
//!   gather's `_done_callback` (`tasks.py`), the last of which sets the outer
//!   future, which queues the parent; `add_done_callback` on a task that is
//!   already done calls `call_soon` too (`futures.py`), so a join on finished
//!   children still suspends once. A lock hand-off is one callback:
//!   `Lock.release` (`locks.py`, `_wake_up_first`) sets the first waiter's
//!   future, which queues its `__wakeup` at once.
//! - **`create_task` queues the child's first step at once** (`tasks.py`,
//!   `Task.__init__`: `self._loop.call_soon(self.__step, ...)`), before the
//!   parent's own resumption after its next yield.
//! - **A bare yield** (`asyncio.sleep(0)`, `tasks.py` `sleep`: `if delay <=
//!   0: await __sleep0()`) is `call_soon(self.__step)` (`Task.__step`: "Bare
//!   yield relinquishes control for one event loop iteration").
//! - **A coroutine finishes when the loop resumes it** after its last await
//!   (`Task.__step`, `except StopIteration`): the engine's event-loop contract
//!   ([`Policy::event_loop`]) keeps such a task ready instead of finishing it.
//! - An uncontended `Lock.acquire` returns without suspending (`locks.py`:
//!   `if not self._locked and ...: self._locked = True; return True`).
//!
//! With `cpus = N` there are N independent loops, one per worker; an arrival
//! goes to one by `dispatch` (`round-robin`, `random` from the policy's own
//! keyed stream, or `least-loaded`: fewest live tasks, the lowest index on a
//! tie), and a task spawned by a coroutine stays on its parent's loop.
//!
//! `iteration_cost` and `callback_cost` (default 0) are the loop's own time per
//! iteration and per callback (`Handle._run`); they are charged on the CPU
//! just before the next coroutine step runs, as loop overhead (a switch-like
//! phase, not the task's CPU time). `slow_callback_duration` (default 100ms, as
//! `BaseEventLoop.slow_callback_duration`) counts and lists every step that
//! holds the loop at least that long (`if dt >= self.slow_callback_duration`),
//! as asyncio's debug mode warns of them.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{
    CpuId, Dispatch, ParamError, ParamInfo, Policy, PolicyInfo, PolicyKind, Ready, ReadyTask,
    Scheduler, Stolen, TaskId, Via,
};
use crate::rng::{self, Purpose};
use crate::time::{SimDuration, SimTime};

/// `BaseEventLoop.slow_callback_duration` (base_events.py: `0.1`).
pub const SLOW_CALLBACK_DURATION: SimDuration = SimDuration::from_millis(100);

/// The policy stream's class slot for the dispatch draws (as lottery's).
const DISPATCH_STREAM: u32 = u32::MAX - 1;

/// How an arrival from outside picks its loop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Dispatcher {
    /// Loops in turn.
    #[default]
    RoundRobin,
    /// A uniformly random loop, from the policy's own stream.
    Random,
    /// The loop with the fewest live tasks (the lowest index on a tie).
    LeastLoaded,
}

/// `[[policy]] kind = "asyncio"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// How arrivals are spread over the loops (with `cpus > 1`).
    pub dispatch: Dispatcher,
    /// The loop's own time per iteration (default 0).
    pub iteration_cost: SimDuration,
    /// The loop's own time per callback it runs (default 0).
    pub callback_cost: SimDuration,
    /// Steps at least this long are slow callbacks (default 100ms).
    pub slow_callback_duration: SimDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dispatch: Dispatcher::RoundRobin,
            iteration_cost: SimDuration::ZERO,
            callback_cost: SimDuration::ZERO,
            slow_callback_duration: SLOW_CALLBACK_DURATION,
        }
    }
}

impl PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "asyncio",
        work_conserving: false,
        per_cpu_by_nature: true,
        fluid: false,
        preemptive: false,
        models: "CPython's asyncio event loop, exactly: iterations, a timer heap, call_soon wake-ups; one loop per CPU",
        params: &[
            ParamInfo {
                name: "dispatch",
                required: false,
                example: "\"least-loaded\"",
                meaning: "how arrivals pick a loop: round-robin, random or least-loaded",
                default_note: "",
            },
            ParamInfo {
                name: "iteration_cost",
                required: false,
                example: "\"2us\"",
                meaning: "the loop's own time per iteration",
                default_note: "",
            },
            ParamInfo {
                name: "callback_cost",
                required: false,
                example: "\"1us\"",
                meaning: "the loop's own time per callback it runs",
                default_note: "",
            },
            ParamInfo {
                name: "slow_callback_duration",
                required: false,
                example: "\"100ms\"",
                meaning: "steps at least this long are counted and listed as slow callbacks",
                default_note: "as BaseEventLoop.slow_callback_duration",
            },
        ],
    };

    fn check(&self) -> Result<(), ParamError> {
        ParamError::positive("slow_callback_duration", self.slow_callback_duration)
    }

    fn build(&self, cpus: u32, seed: u64) -> Scheduler {
        Scheduler::Queue(Box::new(Asyncio::new(self, cpus, seed)))
    }
}

/// A callback in a loop's ready deque (`BaseEventLoop._ready`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Handle {
    /// A task's `__step` or `__wakeup`: the coroutine runs.
    Step(TaskId),
    /// A callback that queues the task's step when it runs: a timer's or
    /// an I/O's `set_result`, the handler of an arrival, gather's last
    /// `_done_callback`.
    Wake(TaskId),
    /// A callback that wakes nobody (gather's `_done_callback` with other
    /// children outstanding).
    Nothing,
}

/// A scheduled timer (`TimerHandle`), ordered by `when` alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Timer {
    when: SimTime,
    task: TaskId,
}

/// `BaseEventLoop._scheduled` under Python's `heapq`: the same array, the
/// same sifts, comparing with `<` on `when` only, so that equal deadlines
/// leave in exactly CPython's order.
#[derive(Debug, Default)]
struct TimerHeap {
    heap: Vec<Timer>,
}

impl TimerHeap {
    /// `heapq.heappush`.
    fn push(&mut self, timer: Timer) {
        self.heap.push(timer);
        let last = self.heap.len() - 1;
        self.sift_down(0, last);
    }

    /// `heapq.heappop`, of the root if it is due by `now`: `_run_once` pops
    /// while `handle._when < self.time() + self._clock_resolution`, and the
    /// resolution is one nanosecond.
    fn pop_due(&mut self, now: SimTime) -> Option<Timer> {
        if self.heap.first()?.when > now {
            return None;
        }
        let last = self.heap.pop()?;
        if self.heap.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut self.heap[0], last);
        self.sift_up(0);
        Some(top)
    }

    /// `heapq._siftdown(heap, startpos, pos)`: the item at `pos` moves up
    /// while it is less than its parent.
    fn sift_down(&mut self, start: usize, mut pos: usize) {
        let item = self.heap[pos];
        while pos > start {
            let parent = (pos - 1) >> 1;
            if item.when < self.heap[parent].when {
                self.heap[pos] = self.heap[parent];
                pos = parent;
                continue;
            }
            break;
        }
        self.heap[pos] = item;
    }

    /// `heapq._siftup(heap, pos)`: the smaller child (the right one unless
    /// the left is strictly less) moves up until a leaf, then the item
    /// sifts back down from there.
    fn sift_up(&mut self, mut pos: usize) {
        let end = self.heap.len();
        let start = pos;
        let item = self.heap[pos];
        let mut child = 2 * pos + 1;
        while child < end {
            let right = child + 1;
            if right < end && self.heap[child].when >= self.heap[right].when {
                child = right;
            }
            self.heap[pos] = self.heap[child];
            pos = child;
            child = 2 * pos + 1;
        }
        self.heap[pos] = item;
        self.sift_down(start, pos);
    }
}

/// One event loop.
#[derive(Debug, Default)]
struct Loop {
    /// `_ready`.
    ready: VecDeque<Handle>,
    /// Callbacks left to run in the current iteration (`ntodo`).
    todo: usize,
    /// `_scheduled`.
    timers: TimerHeap,
    /// Tasks whose I/O completed or that arrived, in that order, which the
    /// loop's next poll (`select`, `_process_events`) will see.
    polled: Vec<TaskId>,
    /// The loop's own time run up since its last dispatch.
    overhead: SimDuration,
    /// Live tasks on this loop.
    live: usize,
}

/// The `asyncio` policy: one CPython event loop per CPU.
#[derive(Debug)]
pub struct Asyncio {
    loops: Vec<Loop>,
    /// Each task's loop, by slot.
    home: Vec<u32>,
    dispatch: Dispatcher,
    next_loop: u32,
    rng: ChaCha8Rng,
    iteration_cost: SimDuration,
    callback_cost: SimDuration,
    slow_callback: SimDuration,
    ready: usize,
}

impl Asyncio {
    /// `cpus` loops with `config`'s parameters; `seed` keys the dispatch stream.
    pub fn new(config: &Config, cpus: u32, seed: u64) -> Self {
        Asyncio {
            loops: (0..cpus.max(1)).map(|_| Loop::default()).collect(),
            home: Vec::new(),
            dispatch: config.dispatch,
            next_loop: 0,
            rng: rng::stream(seed, DISPATCH_STREAM, Purpose::Policy),
            iteration_cost: config.iteration_cost,
            callback_cost: config.callback_cost,
            slow_callback: config.slow_callback_duration,
            ready: 0,
        }
    }

    fn home_of(&self, task: TaskId) -> usize {
        self.home[task.index()] as usize
    }

    fn set_home(&mut self, task: TaskId, home: usize) {
        if self.home.len() <= task.index() {
            self.home.resize(task.index() + 1, 0);
        }
        self.home[task.index()] = home as u32;
        self.loops[home].live += 1;
    }

    /// The loop an arrival from outside goes to.
    fn choose_loop(&mut self) -> usize {
        let n = self.loops.len();
        match self.dispatch {
            Dispatcher::RoundRobin => {
                let at = self.next_loop as usize % n;
                self.next_loop = self.next_loop.wrapping_add(1);
                at
            }
            Dispatcher::Random => ((u128::from(self.rng.next_u64()) * n as u128) >> 64) as usize,
            Dispatcher::LeastLoaded => (0..n).min_by_key(|&i| self.loops[i].live).unwrap_or(0),
        }
    }
}

impl Policy for Asyncio {
    fn preemptive(&self) -> bool {
        false
    }

    fn event_loop(&self) -> bool {
        true
    }

    fn enqueue(&mut self, task: ReadyTask, why: Ready) {
        self.ready += 1;
        let id = task.id;
        match why {
            Ready::Arrived => {
                let home = self.choose_loop();
                self.set_home(id, home);
                self.loops[home].polled.push(id);
            }
            Ready::Spawned => {
                let home = task.woken_by.map_or(0, |c| c.0 as usize);
                self.set_home(id, home);
                self.loops[home].ready.push_back(Handle::Step(id));
            }
            // The timer is on the heap since the sleep began.
            Ready::Woke(Via::Timer) => {}
            Ready::Woke(Via::Io) => {
                let home = self.home_of(id);
                self.loops[home].polled.push(id);
            }
            Ready::Woke(Via::Join) => {
                let home = self.home_of(id);
                self.loops[home].ready.push_back(Handle::Wake(id));
            }
            Ready::Woke(Via::Handoff)
            | Ready::Yielded
            | Ready::QuantumExpired
            | Ready::Preempted { .. } => {
                let home = self.home_of(id);
                self.loops[home].ready.push_back(Handle::Step(id));
            }
        }
    }

    fn timer_set(&mut self, task: TaskId, due: SimTime) {
        let home = self.home_of(task);
        self.loops[home].timers.push(Timer { when: due, task });
    }

    fn relay(&mut self, task: TaskId) {
        let home = self.home_of(task);
        self.loops[home].ready.push_back(Handle::Nothing);
    }

    fn pick(&mut self, cpu: CpuId, now: SimTime) -> Option<Dispatch> {
        let (iteration_cost, callback_cost) = (self.iteration_cost, self.callback_cost);
        let lp = &mut self.loops[cpu.0 as usize];
        loop {
            if lp.todo == 0 {
                // `_run_once`: poll, then the due timers, then run what is
                // ready now. With nothing at all the loop sleeps in select.
                for task in lp.polled.drain(..) {
                    lp.ready.push_back(Handle::Wake(task));
                }
                while let Some(timer) = lp.timers.pop_due(now) {
                    lp.ready.push_back(Handle::Wake(timer.task));
                }
                if lp.ready.is_empty() {
                    return None;
                }
                lp.todo = lp.ready.len();
                lp.overhead += iteration_cost;
            }
            let handle = lp.ready.pop_front().expect("todo counts queued handles");
            lp.todo -= 1;
            lp.overhead += callback_cost;
            match handle {
                Handle::Step(task) => {
                    self.ready -= 1;
                    return Some(Dispatch { task, slice: None });
                }
                Handle::Wake(task) => lp.ready.push_back(Handle::Step(task)),
                Handle::Nothing => {}
            }
        }
    }

    fn overhead(&mut self, cpu: CpuId) -> SimDuration {
        std::mem::take(&mut self.loops[cpu.0 as usize].overhead)
    }

    fn slow_callback(&self) -> Option<SimDuration> {
        Some(self.slow_callback)
    }

    fn ready_len(&self) -> usize {
        self.ready
    }

    fn exited(&mut self, task: TaskId) {
        let home = self.home_of(task);
        self.loops[home].live -= 1;
    }

    /// Loops never take each other's tasks.
    fn steal(&mut self) -> Option<Stolen> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(when: u64, task: u32) -> Timer {
        Timer {
            when: SimTime(when),
            task: TaskId(task),
        }
    }

    fn drain(heap: &mut TimerHeap, now: u64) -> Vec<u32> {
        std::iter::from_fn(|| heap.pop_due(SimTime(now)))
            .map(|t| t.task.0)
            .collect()
    }

    /// Python: `h = []; [heapq.heappush(h, T(5, i)) for i in range(4)]` with
    /// `__lt__` on `when` only pops 0, 2, 1, 3.
    #[test]
    fn equal_deadlines_leave_in_heapq_order() {
        let mut heap = TimerHeap::default();
        for i in 0..4 {
            heap.push(timer(5, i));
        }
        assert_eq!(drain(&mut heap, 4), Vec::<u32>::new());
        assert_eq!(drain(&mut heap, 5), vec![0, 2, 1, 3]);
    }

    /// Orders computed by CPython 3.11's `heapq` for the same pushes (with
    /// equal `when`s among different ones), printed by
    /// `[heapq.heappop(h).task for _ in range(len(h))]`.
    #[test]
    fn mixed_deadlines_match_python() {
        let mut heap = TimerHeap::default();
        for (i, when) in [3, 1, 3, 2, 1, 3, 3, 2].into_iter().enumerate() {
            heap.push(timer(when, i as u32));
        }
        assert_eq!(drain(&mut heap, 10), vec![1, 4, 3, 7, 2, 5, 0, 6]);
    }

    #[test]
    fn least_loaded_takes_the_loop_with_fewest_live_tasks() {
        let config = Config {
            dispatch: Dispatcher::LeastLoaded,
            ..Config::default()
        };
        let mut p = Asyncio::new(&config, 3, 1);
        p.set_home(TaskId(0), 0);
        p.set_home(TaskId(1), 2);
        assert_eq!(p.choose_loop(), 1);
        p.set_home(TaskId(2), 1);
        p.exited(TaskId(0));
        assert_eq!(p.choose_loop(), 0);
    }

    /// `random` spreads arrivals over every loop, evenly within a 99.9%
    /// binomial band (4000 draws over 4 loops: 1000 each, sd 27.4, so 900 to
    /// 1100 is beyond 3.6 sd), and the same seed draws the same loops.
    #[test]
    fn random_dispatch_spreads_evenly_and_reproducibly() {
        let config = Config {
            dispatch: Dispatcher::Random,
            ..Config::default()
        };
        let draw = |seed| {
            let mut p = Asyncio::new(&config, 4, seed);
            (0..4000).map(|_| p.choose_loop()).collect::<Vec<_>>()
        };
        let loops = draw(7);
        assert_eq!(loops, draw(7));
        assert_ne!(loops, draw(8));
        for l in 0..4 {
            let n = loops.iter().filter(|&&x| x == l).count();
            assert!((900..=1100).contains(&n), "loop {l} got {n} of 4000");
        }
    }
}
