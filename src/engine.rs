//! The engine owns time: the event queue, the clock, the task slab, the CPUs,
//! devices and locks. It carries out the requests tasks make, asks the policy
//! what runs next (or, under processor sharing, shares the CPUs among every
//! ready task), and reports to a [`Recorder`]: the sink interface it defines
//! and `metrics` implements, so that the engine imports nothing above `policy`.
//!
//! # Layout
//! - this file: the engine's state, the event loop, and the end of an instant;
//! - `tasks`: the task slab and each task's life, from arrival to exit;
//! - `execute`: carrying out a task's zero-time steps;
//! - `cpu`: a CPU as a state machine, the only code that changes its phase;
//! - `dispatch`: queue mode, the policy's decisions carried out on the CPUs;
//! - `fluid`: processor sharing, as an exact fluid model;
//! - `queue` (events), `arrivals`, `resources` (devices and locks), `recorder`;
//! - `limits`: the run's limits, checked where a counter crosses a threshold;
//! - `deadlock`: finding tasks that wait on each other forever.
//!
//! What differs between queue and fluid mode is a `Mode` passed to the code
//! that needs it, and what a task's steps need besides the engine (the CPU it
//! holds, the policy) a `StepContext` passed down: no engine field changes
//! meaning around a call.
//!
//! # Determinism
//! Time is integer nanoseconds. Events at one instant run in the order they were
//! scheduled. All events of an instant are applied before any CPU is given a
//! task; tasks that became ready during the instant are handed to the policy in
//! arrival order (arrival time, class in file order, index in class). Every
//! random draw comes from a stream keyed by (seed, replication, class, purpose)
//! at a position owned by the drawing task. Nothing iterates a hash map. A CPU
//! phase cut short is not removed from the queue: its event carries the
//! phase's epoch and is ignored once stale. Busy time reaches the recorder one
//! stretch at a time in event order, so its floating-point sums are the same
//! run after run.

mod arrivals;
mod cpu;
mod deadlock;
mod dispatch;
mod execute;
mod fluid;
mod limits;
mod queue;
mod recorder;
mod resources;
mod tasks;

use rand_chacha::ChaCha8Rng;

use crate::model::{Limit, SimConfig};
use crate::policy::{Policy, Scheduler, Via};
use crate::rng::{self, Purpose};
use crate::task::TaskId;
use crate::task::{ClassId, Workload};
use crate::time::SimTime;

use arrivals::Arrivals;
use cpu::Cpu;
pub use deadlock::{Deadlock, Waiter, WaitsFor};
use dispatch::Queued;
use execute::StepContext;
use fluid::Fluid;
pub use limits::LimitReached;
use limits::{Halt, Watch};
pub use queue::EventQueue;
pub use recorder::{Recorder, Segment, SegmentKind, TaskRecord};
use resources::{Devices, Locks};
use tasks::{Notice, Origin, Slot};

/// What went wrong in a run: a task asked for something impossible. Scenario
/// programs are validated so this cannot happen; a hand-written workload can.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// A task unlocked a lock it does not hold.
    #[error("task {task} unlocked lock {lock} which it does not hold")]
    UnlockNotHeld {
        /// `class#n`.
        task: String,
        /// The lock's index.
        lock: u32,
    },
    /// A task finished while holding a lock.
    #[error("task {task} finished while holding {held} lock(s)")]
    FinishedHoldingLock {
        /// `class#n`.
        task: String,
        /// How many.
        held: u32,
    },
    /// The clock stopped moving: an instant processed more events than any
    /// real workload could (a hand-written task that yields forever, say).
    #[error("no progress: more than {events} events at the instant {at} without the clock moving")]
    Stalled {
        /// The instant.
        at: SimTime,
        /// Events processed there.
        events: u64,
    },
    /// A request named a class, device or lock that does not exist.
    #[error("task {task} named {what} which does not exist")]
    Unknown {
        /// `class#n`.
        task: String,
        /// What it named.
        what: String,
    },
}

/// Totals of one run, and what cut it short.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunStats {
    /// Events processed.
    pub events: u64,
    /// The instant the run ended.
    pub end: SimTime,
    /// The limit that stopped the run with work left, if one did: what it
    /// measured is incomplete.
    #[serde(default)]
    pub limit: Option<LimitReached>,
    /// Tasks left waiting on each other forever, if any were.
    #[serde(default)]
    pub deadlock: Option<Deadlock>,
    /// Dispatches at least as long as the policy's slow-callback threshold
    /// (asyncio's `slow_callback_duration`): how many there were.
    #[serde(default)]
    pub slow_callbacks: u64,
    /// The first [`SLOW_CALLBACKS_LISTED`] of them, in the order they ended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slow_callback_list: Vec<SlowCallback>,
}

/// How many slow callbacks a run lists (all are counted).
pub const SLOW_CALLBACKS_LISTED: usize = 100;

/// One slow callback: a coroutine step that held its loop for at least the
/// threshold, as asyncio's debug mode warns "Executing `<Task>` took 0.250 seconds".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SlowCallback {
    /// `class#n`.
    pub task: String,
    /// When the step began.
    pub at: SimTime,
    /// How long it ran (computing or blocked), from its start to its next await.
    pub duration: crate::time::SimDuration,
}

#[derive(Clone, Copy, Debug)]
enum Event {
    /// The next open arrival of a class.
    Arrival(ClassId),
    /// A closed client submits its next task.
    Submit { class: ClassId, client: u32 },
    /// A CPU's current phase (switch, compute stretch, cooperative block) ends.
    Cpu { cpu: u32, epoch: u32 },
    /// A sleep, an I/O without a limited device, or a preemptive block ends.
    Wake(TaskId, Via),
    /// An I/O on a limited device completes.
    DeviceDone { device: u32, task: TaskId },
    /// The next completion under processor sharing.
    Fluid { generation: u64 },
    /// The policy's timer.
    PolicyTimer,
}

/// How ready tasks get CPU time, fixed for a run. Kept beside the engine, not
/// in it, and handed to the code that differs between the two, so that code
/// for one mode never has to ask which mode it is in.
enum Mode {
    /// A policy orders a ready queue, and each idle CPU takes the task it picks.
    Queue(Queued),
    /// Processor sharing: every ready task computes at once.
    Fluid(Fluid),
}

impl Mode {
    fn new(scheduler: Scheduler, config: &SimConfig) -> Self {
        match scheduler {
            Scheduler::Queue(policy) => Mode::Queue(Queued::new(policy)),
            Scheduler::Fluid => Mode::Fluid(Fluid::new(config)),
        }
    }

    /// The policy to tell when a task exits, if there is one.
    fn policy(&mut self) -> Option<&mut dyn Policy> {
        match self {
            Mode::Queue(q) => Some(q.policy.as_mut()),
            Mode::Fluid(_) => None,
        }
    }
}

/// Runs one simulation: `workload`'s programs under `scheduler`, reporting to
/// `recorder`.
pub fn run<W: Workload, R: Recorder>(
    config: &SimConfig,
    workload: &W,
    scheduler: Scheduler,
    recorder: &mut R,
) -> Result<RunStats, SimError> {
    let mut mode = Mode::new(scheduler, config);
    let mut engine = Engine::new(config, workload, &mode, recorder);
    engine.run(&mut mode)?;
    Ok(engine.stats)
}

/// The state of one run, everything but its [`Mode`]. Its methods are spread
/// over the engine's files, each the part of a run that file owns.
struct Engine<'a, W: Workload, R: Recorder> {
    config: &'a SimConfig,
    workload: &'a W,
    recorder: &'a mut R,
    now: SimTime,
    events: EventQueue<Event>,
    slots: Vec<Option<Slot<W::Task>>>,
    free: Vec<u32>,
    cpus: Vec<Cpu>,
    /// Whether `block` is an I/O (preemptive) or holds the worker (cooperative).
    preemptive: bool,
    step_rngs: Vec<ChaCha8Rng>,
    arrivals: Arrivals,
    devices: Devices,
    locks: Locks,
    /// What became ready during the current instant (with why), in the
    /// order it happened, not yet told to the policy.
    newly_ready: Vec<Notice>,
    /// The policy models an event loop (`Policy::event_loop`).
    event_loop: bool,
    /// The policy's slow-callback threshold, if it has one.
    slow_callback: Option<crate::time::SimDuration>,
    /// When the step on each CPU began (after its switch and loop overhead),
    /// for slow callbacks.
    step_start: Vec<SimTime>,
    /// The policy's cooperative budget per dispatch, if any.
    budget: Option<u32>,
    next_seq: u64,
    next_serial: u64,
    class_counts: Vec<u64>,
    live: usize,
    segments: bool,
    /// When the limits are next checked.
    watch: Watch,
    stats: RunStats,
}

impl<'a, W: Workload, R: Recorder> Engine<'a, W, R> {
    fn new(config: &'a SimConfig, workload: &'a W, mode: &Mode, recorder: &'a mut R) -> Self {
        let (preemptive, budget, event_loop, slow_callback) = match mode {
            Mode::Queue(q) => (
                q.policy.preemptive(),
                q.policy.budget(),
                q.policy.event_loop(),
                q.policy.slow_callback(),
            ),
            // Under processor sharing a `block` is an I/O: nothing holds a CPU.
            Mode::Fluid(_) => (true, None, false, None),
        };
        let classes = config.classes.len();
        let segments = recorder.wants_segments();
        Engine {
            config,
            workload,
            recorder,
            now: SimTime::ZERO,
            events: EventQueue::new(),
            slots: Vec::new(),
            free: Vec::new(),
            cpus: vec![Cpu::new(); config.cpus as usize],
            preemptive,
            step_rngs: (0..classes as u32)
                .map(|c| rng::stream(config.seed, c, Purpose::Steps))
                .collect(),
            arrivals: Arrivals::new(config),
            devices: Devices::new(&config.devices),
            locks: Locks::new(config.locks),
            newly_ready: Vec::new(),
            event_loop,
            slow_callback,
            step_start: vec![SimTime::ZERO; config.cpus as usize],
            budget,
            next_seq: 0,
            next_serial: 0,
            class_counts: vec![0; classes],
            live: 0,
            segments,
            watch: Watch::first(&config.limits),
            stats: RunStats::default(),
        }
    }

    /// Runs until no event is left or a limit is reached, then ends the run:
    /// CPUs are settled, a deadlock is looked for, unfinished tasks reported.
    fn run(&mut self, mode: &mut Mode) -> Result<(), SimError> {
        match self.event_loop(mode) {
            Ok(()) => {}
            Err(Halt::Limit(reached)) => self.stats.limit = Some(*reached),
            Err(Halt::Failed(e)) => return Err(e),
        }
        self.stats.end = self.now;
        for cpu in 0..self.cpus.len() {
            if !self.cpus[cpu].is_idle() {
                self.settle(cpu);
            }
        }
        if self.live > 0 {
            self.stats.deadlock = self.find_deadlock();
        }
        self.report_unfinished();
        Ok(())
    }

    fn event_loop(&mut self, mode: &mut Mode) -> Result<(), Halt> {
        for (class, first) in self.arrivals.first_events(self.config) {
            match first {
                arrivals::First::Open(t) => self.events.push(t, Event::Arrival(class)),
                arrivals::First::Closed { clients } => self.first_submissions(class, clients)?,
            }
        }
        // The events processed when the clock last moved, for the stall check.
        let mut instant_start = 0u64;
        while let Some(t) = self.events.peek_time() {
            if let Some(max) = self.config.limits.max_time.filter(|max| t > *max) {
                return self.stop_at_max_time(max);
            }
            if t != self.now {
                self.now = t;
                instant_start = self.stats.events;
            }
            while let Some(event) = self.events.pop_at(t) {
                self.stats.events += 1;
                // The one limit check per event: a counter against a threshold.
                if self.stats.events > self.watch.events_at {
                    self.events_checkpoint(instant_start)?;
                }
                self.handle(mode, event)?;
            }
            self.decide(mode)?;
        }
        Ok(())
    }

    /// Every closed client of `class` submits at 0. All of them are alive at
    /// the first instant, so past `max_live_tasks` the run stops there
    /// whatever else happens, and clients beyond it never get to submit:
    /// four billion clients are not four billion events.
    fn first_submissions(&mut self, class: ClassId, clients: u32) -> Result<(), Halt> {
        let limits = self.config.limits;
        let submitting = limits.max_live_tasks.map_or(u64::from(clients), |max| {
            u64::from(clients).min(max.saturating_add(1))
        });
        for client in 0..submitting as u32 {
            self.events
                .push(SimTime::ZERO, Event::Submit { class, client });
            if client % (1 << 16) == 0 {
                self.check_memory(0)?;
            }
        }
        Ok(())
    }

    /// The next event is past `max_time`: the run stops at `max_time` itself
    /// (tasks computing until then are credited with their CPU time up to
    /// it), having reached the limit if work was left.
    #[cold]
    fn stop_at_max_time(&mut self, max: SimTime) -> Result<(), Halt> {
        self.now = max;
        if self.work_left() {
            return Err(self.reached(Limit::MaxTime, 0));
        }
        Ok(())
    }

    fn handle(&mut self, mode: &mut Mode, event: Event) -> Result<(), Halt> {
        match event {
            Event::Arrival(class) => {
                self.may_create()?;
                let key = self.arrivals.take_open(class);
                self.arrive(class, key, Origin::Open);
                if let Some(next) = self.arrivals.next_open(class, self.config) {
                    self.events.push(next, Event::Arrival(class));
                }
            }
            Event::Submit { class, client } => {
                if let Some(key) = self
                    .arrivals
                    .take_closed(class, client, self.now, self.config)
                {
                    self.may_create()?;
                    self.arrive(class, key, Origin::Closed(client));
                }
            }
            // CPU phases and the policy's timer exist only in queue mode, and
            // sharing completions only in fluid mode: the mode patterns below
            // always match, and what else they check tells a stale event.
            Event::Cpu { cpu, epoch } => {
                if let Mode::Queue(q) = mode
                    && self.cpus[cpu as usize].is_current(epoch)
                {
                    self.cpu_phase_ended(q.policy.as_mut(), cpu as usize)?;
                }
            }
            Event::Wake(task, via) => {
                let policy = mode.policy();
                self.wake(task, via, &mut StepContext { cpu: None, policy })?;
            }
            Event::DeviceDone { device, task } => {
                if let Some((next, duration)) = self.devices.complete(device) {
                    self.events.push(
                        self.now + duration,
                        Event::DeviceDone { device, task: next },
                    );
                }
                let policy = mode.policy();
                self.wake(task, Via::Io, &mut StepContext { cpu: None, policy })?;
            }
            Event::PolicyTimer => {
                if let Mode::Queue(q) = mode {
                    self.policy_timer(q);
                }
            }
            Event::Fluid { generation } => {
                if let Mode::Fluid(f) = mode {
                    self.fluid_completions(f, generation)?;
                }
            }
        }
        Ok(())
    }

    /// The end of an instant: the mode gives ready tasks their CPU time.
    fn decide(&mut self, mode: &mut Mode) -> Result<(), Halt> {
        match mode {
            Mode::Queue(q) => self.queue_decide(q),
            Mode::Fluid(f) => self.fluid_decide(f),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod schedules;
#[cfg(test)]
mod world;
