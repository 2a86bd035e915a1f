//! The engine owns time: the event queue, the clock, the task slab, the CPUs,
//! devices and locks. It carries out the requests tasks make, asks the policy
//! what runs next, and reports to a [`Recorder`].
//!
//! # Determinism
//! Time is integer nanoseconds. Events at one instant run in the order they were
//! scheduled. All events of an instant are applied before any CPU is given a
//! task; tasks that became ready during the instant are handed to the policy in
//! arrival order (arrival time, class in file order, index in class). Every
//! random draw comes from a stream keyed by (seed, replication, class, purpose)
//! at a position owned by the drawing task. Nothing iterates a hash map.

mod arrivals;
mod cpu;
mod queue;
mod recorder;
mod resources;

use rand_chacha::ChaCha8Rng;

use crate::model::SimConfig;
use crate::policy::{
    CpuId, Dispatch, Policy, ProcessorSharing, Ready, ReadyTask, RunningTask, Scheduler, TaskId,
};
use crate::rng::{self, Purpose};
use crate::task::{ClassId, Cx, Request, Workload};
use crate::time::{SimDuration, SimTime};

use arrivals::Arrivals;
use cpu::{Await, Cpu, Ended, Handover, Next, Phase, Transition};
pub use queue::EventQueue;
pub use recorder::{Recorder, Segment, SegmentKind, TaskRecord};
use resources::{Devices, Locks};

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

/// Events at one instant beyond which a run is declared stalled. Far above
/// any real burst (a million tasks arriving at once is 10^6 events).
const STALL_EVENTS: u64 = 100_000_000;

/// Totals of one run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunStats {
    /// Events processed.
    pub events: u64,
    /// The instant the run ended.
    pub end: SimTime,
    /// Whether the run stopped at `max_time` with tasks left.
    pub stopped_early: bool,
}

/// Where a new task comes from.
#[derive(Clone, Copy, Debug)]
enum Origin {
    /// An open arrival process.
    Open,
    /// A closed client, submitting its next task.
    Closed(u32),
    /// `parent` (its slot and serial) spawned it, running on CPU `by` if any.
    Spawned {
        parent: (TaskId, u64),
        by: Option<usize>,
    },
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
    Wake(TaskId),
    /// An I/O on a limited device completes.
    DeviceDone { device: u32, task: TaskId },
    /// The next completion under processor sharing.
    Fluid { generation: u64 },
    /// The policy's timer.
    PolicyTimer,
}

/// What a task did when it last ran out of zero-time steps.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exec {
    /// It needs the CPU for its current burst.
    Compute,
    /// It holds its worker in a cooperative block for this long.
    Block(SimDuration),
    /// It released the CPU and waits for something.
    Suspended,
    /// It went back to the ready queue.
    Yielded,
    /// It finished.
    Finished,
}

struct Slot<T> {
    state: T,
    serial: u64,
    class: ClassId,
    index: u64,
    key: u64,
    draw_pos: u128,
    children_spawned: u64,
    arrival: SimTime,
    start: Option<SimTime>,
    deadline: Option<SimTime>,
    request: Request,
    remaining: SimDuration,
    cpu: SimDuration,
    suspended: SimDuration,
    suspended_since: SimTime,
    preemptions: u32,
    switches: u32,
    parent: Option<(TaskId, u64)>,
    live_children: u32,
    joining: bool,
    locks_held: u32,
    closed_client: Option<u32>,
    /// Ready order given when last enqueued.
    seq: u64,
    last_cpu: Option<u32>,
    woken_by: Option<u32>,
    migrations: u32,
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
            Scheduler::Queue(policy) => Mode::Queue(Queued {
                policy,
                timer_at: None,
                timer_fired: false,
                running: Vec::new(),
            }),
            Scheduler::Fluid => Mode::Fluid(Fluid {
                share: ProcessorSharing::new(config.cpus),
                generation: 0,
                scheduled: u64::MAX,
                class_counts: vec![0; config.classes.len()],
            }),
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

/// The queue mode: the policy, and what the engine keeps about it.
struct Queued {
    policy: Box<dyn Policy>,
    /// When the policy's timer event is scheduled for.
    timer_at: Option<SimTime>,
    /// The timer fired this instant: its decisions may preempt.
    timer_fired: bool,
    /// The running tasks shown to the policy when it may preempt one, kept so
    /// that asking allocates nothing.
    running: Vec<RunningTask>,
}

/// The fluid executor's state: the sharing set and the generation of the one
/// valid completion event.
struct Fluid {
    share: ProcessorSharing,
    generation: u64,
    /// The generation the pending completion event was scheduled for.
    scheduled: u64,
    /// Tasks of each class in the sharing set, for per-class utilisation.
    class_counts: Vec<u32>,
}

/// What carrying out a task's steps needs besides the engine, passed down
/// rather than kept in engine fields that change meaning around a call.
struct StepContext<'p> {
    /// The CPU the task holds (`None` for a wake-up by an event, and under
    /// processor sharing): what it makes ready counts as woken by this CPU,
    /// and it spends this CPU's cooperative budget.
    cpu: Option<usize>,
    /// The policy, told when a task exits (`None` under processor sharing).
    policy: Option<&'p mut dyn Policy>,
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
    /// Tasks that became ready during the current instant, with why.
    newly_ready: Vec<(TaskId, Ready)>,
    /// The policy's cooperative budget per dispatch, if any.
    budget: Option<u32>,
    next_seq: u64,
    next_serial: u64,
    class_counts: Vec<u64>,
    live: usize,
    segments: bool,
    stats: RunStats,
}

impl<'a, W: Workload, R: Recorder> Engine<'a, W, R> {
    fn new(config: &'a SimConfig, workload: &'a W, mode: &Mode, recorder: &'a mut R) -> Self {
        let (preemptive, budget) = match mode {
            Mode::Queue(q) => (q.policy.preemptive(), q.policy.budget()),
            // Under processor sharing a `block` is an I/O: nothing holds a CPU.
            Mode::Fluid(_) => (true, None),
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
            budget,
            next_seq: 0,
            next_serial: 0,
            class_counts: vec![0; classes],
            live: 0,
            segments,
            stats: RunStats::default(),
        }
    }

    fn run(&mut self, mode: &mut Mode) -> Result<(), SimError> {
        for (class, first) in self.arrivals.first_events(self.config) {
            match first {
                arrivals::First::Open(t) => self.events.push(t, Event::Arrival(class)),
                arrivals::First::Closed { clients } => {
                    for client in 0..clients {
                        self.events
                            .push(SimTime::ZERO, Event::Submit { class, client });
                    }
                }
            }
        }
        let mut instant_events = 0u64;
        while let Some(t) = self.events.peek_time() {
            if let Some(max) = self.config.max_time.filter(|max| t > *max) {
                // The run stops at max_time itself: tasks computing until then
                // are credited with their CPU time up to it.
                self.stats.stopped_early = self.live > 0;
                self.now = max;
                break;
            }
            if t != self.now {
                self.now = t;
                instant_events = 0;
            }
            while let Some(event) = self.events.pop_at(t) {
                self.stats.events += 1;
                instant_events += 1;
                if instant_events > STALL_EVENTS {
                    return Err(SimError::Stalled {
                        at: t,
                        events: STALL_EVENTS,
                    });
                }
                self.handle(mode, event)?;
            }
            self.decide(mode)?;
        }
        self.stats.end = self.now;
        for cpu in 0..self.cpus.len() {
            if !self.cpus[cpu].is_idle() {
                self.settle(cpu);
            }
        }
        self.report_unfinished();
        Ok(())
    }

    fn handle(&mut self, mode: &mut Mode, event: Event) -> Result<(), SimError> {
        match event {
            Event::Arrival(class) => {
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
                    self.arrive(class, key, Origin::Closed(client));
                }
            }
            // CPU phases and the policy's timer exist only in queue mode, and
            // sharing completions only in fluid mode: the `if let`s below
            // fail only for a stale event.
            Event::Cpu { cpu, epoch } => {
                if let Mode::Queue(q) = mode
                    && self.cpus[cpu as usize].is_current(epoch)
                {
                    self.cpu_phase_ended(q.policy.as_mut(), cpu as usize)?;
                }
            }
            Event::Wake(task) => {
                let policy = mode.policy();
                self.wake(task, &mut StepContext { cpu: None, policy })?;
            }
            Event::DeviceDone { device, task } => {
                if let Some((next, duration)) = self.devices.complete(device) {
                    self.events.push(
                        self.now + duration,
                        Event::DeviceDone { device, task: next },
                    );
                }
                let policy = mode.policy();
                self.wake(task, &mut StepContext { cpu: None, policy })?;
            }
            Event::PolicyTimer => {
                if let Mode::Queue(q) = mode
                    && q.timer_at == Some(self.now)
                {
                    q.timer_at = None;
                    q.policy.on_timer(self.now);
                    q.timer_fired = true;
                }
            }
            Event::Fluid { generation } => {
                if let Mode::Fluid(f) = mode
                    && f.generation == generation
                {
                    self.fluid_completions(f)?;
                }
            }
        }
        Ok(())
    }

    // ---- tasks ----

    fn slot(&self, id: TaskId) -> &Slot<W::Task> {
        self.slots[id.index()].as_ref().expect("live task")
    }

    fn slot_mut(&mut self, id: TaskId) -> &mut Slot<W::Task> {
        self.slots[id.index()].as_mut().expect("live task")
    }

    fn name(&self, id: TaskId) -> String {
        let s = self.slot(id);
        format!(
            "{}#{}",
            self.config.classes[s.class.0 as usize].name, s.index
        )
    }

    /// A new task of `class` arrives now and is ready.
    fn arrive(&mut self, class: ClassId, key: u64, origin: Origin) {
        let (parent, closed_client, by) = match origin {
            Origin::Open => (None, None, None),
            Origin::Closed(client) => (None, Some(client), None),
            Origin::Spawned { parent, by } => (Some(parent), None, by),
        };
        let spec = &self.config.classes[class.0 as usize];
        let index = self.class_counts[class.0 as usize];
        self.class_counts[class.0 as usize] += 1;
        let serial = self.next_serial;
        self.next_serial += 1;
        let slot = Slot {
            state: self.workload.start(class),
            serial,
            class,
            index,
            key,
            draw_pos: rng::task_region_start(key),
            children_spawned: 0,
            arrival: self.now,
            start: None,
            deadline: spec.deadline.map(|d| self.now + d),
            request: Request::Done,
            remaining: SimDuration::ZERO,
            cpu: SimDuration::ZERO,
            suspended: SimDuration::ZERO,
            suspended_since: self.now,
            preemptions: 0,
            switches: 0,
            parent,
            live_children: 0,
            joining: false,
            locks_held: 0,
            closed_client,
            seq: 0,
            last_cpu: None,
            woken_by: None,
            migrations: 0,
        };
        let id = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(slot);
                TaskId(i)
            }
            None => {
                self.slots.push(Some(slot));
                TaskId(self.slots.len() as u32 - 1)
            }
        };
        self.live += 1;
        self.advance(id);
        self.make_ready(id, Ready::Arrived, by);
    }

    /// Resumes the task's state machine for its next request.
    fn advance(&mut self, id: TaskId) {
        let now = self.now;
        let workload = self.workload;
        let slot = self.slots[id.index()].as_mut().expect("live task");
        let rng = &mut self.step_rngs[slot.class.0 as usize];
        let mut cx = Cx::new(rng, &mut slot.draw_pos, now);
        slot.request = workload.resume(&mut slot.state, &mut cx);
        slot.remaining = match slot.request {
            Request::Compute(d) => d,
            _ => SimDuration::ZERO,
        };
    }

    /// `id` is ready from now, made so by the task on CPU `by` if any; it
    /// reaches the policy at the end of the instant.
    fn make_ready(&mut self, id: TaskId, why: Ready, by: Option<usize>) {
        let now = self.now;
        let slot = self.slot_mut(id);
        slot.woken_by = by.map(|c| c as u32);
        if why == Ready::Woke {
            let (class, index) = (slot.class, slot.index);
            self.recorder.woke(now, class, index);
        }
        self.newly_ready.push((id, why));
    }

    fn suspend(&mut self, id: TaskId) {
        let now = self.now;
        self.slot_mut(id).suspended_since = now;
    }

    /// A suspension of `id` ended: it moves past the request it waited on and
    /// is ready, or, if that was its last step, finishes now (SPEC: a task
    /// finishes when its last step completes, whatever that step is). `cx.cpu`
    /// is the CPU whose task ended the suspension, if one did.
    fn wake(&mut self, id: TaskId, cx: &mut StepContext) -> Result<(), SimError> {
        let now = self.now;
        let slot = self.slot_mut(id);
        slot.suspended += now - slot.suspended_since;
        self.advance(id);
        if self.slot(id).request == Request::Done {
            return self.finish(id, cx);
        }
        self.make_ready(id, Ready::Woke, cx.cpu);
        Ok(())
    }

    /// Carries out the task's zero-time requests while it holds a CPU (or, under
    /// processor sharing, while it is in the sharing set), until it needs CPU
    /// time, suspends, yields or finishes.
    fn execute(&mut self, id: TaskId, cx: &mut StepContext) -> Result<Exec, SimError> {
        loop {
            let slot = self.slot(id);
            match slot.request {
                Request::Compute(_) => {
                    if !slot.remaining.is_zero() {
                        return Ok(Exec::Compute);
                    }
                }
                Request::Sleep(d) => {
                    self.suspend(id);
                    self.events.push(self.now + d, Event::Wake(id));
                    return Ok(Exec::Suspended);
                }
                Request::Io { device, duration } => {
                    self.suspend(id);
                    match device {
                        Some(dev) if (dev.0 as usize) >= self.config.devices.len() => {
                            return Err(SimError::Unknown {
                                task: self.name(id),
                                what: format!("device {}", dev.0),
                            });
                        }
                        Some(dev) => {
                            if self.devices.submit(dev.0, id, duration) {
                                self.events.push(
                                    self.now + duration,
                                    Event::DeviceDone {
                                        device: dev.0,
                                        task: id,
                                    },
                                );
                            }
                        }
                        None => self.events.push(self.now + duration, Event::Wake(id)),
                    }
                    return Ok(Exec::Suspended);
                }
                Request::Block(d) => {
                    self.suspend(id);
                    if self.preemptive {
                        self.events.push(self.now + d, Event::Wake(id));
                        return Ok(Exec::Suspended);
                    }
                    return Ok(Exec::Block(d));
                }
                Request::Yield => {
                    self.advance(id);
                    self.make_ready(id, Ready::Yielded, cx.cpu);
                    return Ok(Exec::Yielded);
                }
                Request::Spawn { class, count } => {
                    if class.0 as usize >= self.config.classes.len() {
                        return Err(SimError::Unknown {
                            task: self.name(id),
                            what: format!("class {}", class.0),
                        });
                    }
                    for _ in 0..count {
                        let parent = self.slot_mut(id);
                        let key = rng::spawned_key(parent.key, parent.children_spawned);
                        parent.children_spawned += 1;
                        parent.live_children += 1;
                        let parent = (id, parent.serial);
                        let by = cx.cpu;
                        self.arrive(class, key, Origin::Spawned { parent, by });
                    }
                }
                Request::Join => {
                    if slot.live_children > 0 {
                        self.suspend(id);
                        self.slot_mut(id).joining = true;
                        return Ok(Exec::Suspended);
                    }
                    if self.budget_spent(id, cx.cpu) {
                        return Ok(Exec::Yielded);
                    }
                }
                Request::Lock(lock) => {
                    if lock.0 >= self.config.locks {
                        return Err(SimError::Unknown {
                            task: self.name(id),
                            what: format!("lock {}", lock.0),
                        });
                    }
                    if self.locks.is_free(lock.0) && self.budget_spent(id, cx.cpu) {
                        return Ok(Exec::Yielded);
                    }
                    if !self.locks.acquire(lock.0, id) {
                        self.suspend(id);
                        return Ok(Exec::Suspended);
                    }
                    self.slot_mut(id).locks_held += 1;
                }
                Request::Unlock(lock) => {
                    if lock.0 >= self.config.locks || !self.locks.holds(lock.0, id) {
                        return Err(SimError::UnlockNotHeld {
                            task: self.name(id),
                            lock: lock.0,
                        });
                    }
                    self.slot_mut(id).locks_held -= 1;
                    if let Some(next) = self.locks.release(lock.0) {
                        // FIFO hand-off: the lock passes straight to the next waiter.
                        self.slot_mut(next).locks_held += 1;
                        self.wake(next, cx)?;
                    }
                }
                Request::Done => {
                    self.finish(id, cx)?;
                    return Ok(Exec::Finished);
                }
            }
            self.advance(id);
        }
    }

    /// Under a cooperative budget: whether the running task has used it up, in
    /// which case it yields before its next await that would complete at once
    /// (and carries that await out when it runs again).
    fn budget_spent(&mut self, id: TaskId, on: Option<usize>) -> bool {
        let (Some(_), Some(cpu)) = (self.budget, on) else {
            return false;
        };
        match self.cpus[cpu].spend_await() {
            Await::Allowed => false,
            Await::Spent => {
                self.make_ready(id, Ready::Yielded, on);
                true
            }
        }
    }

    fn record(&self, id: TaskId, finish: Option<SimTime>) -> TaskRecord {
        let s = self.slot(id);
        TaskRecord {
            class: s.class,
            index: s.index,
            arrival: s.arrival,
            start: s.start,
            finish,
            cpu: s.cpu,
            suspended: s.suspended,
            preemptions: s.preemptions,
            switches: s.switches,
            migrations: s.migrations,
            deadline: s.deadline,
            weight: self.config.classes[s.class.0 as usize].weight,
        }
    }

    /// `id` finishes now; `cx.cpu` is the CPU it ran on, if any (the waker of
    /// a parent waiting to join it).
    fn finish(&mut self, id: TaskId, cx: &mut StepContext) -> Result<(), SimError> {
        let slot = self.slot(id);
        if slot.locks_held > 0 {
            return Err(SimError::FinishedHoldingLock {
                task: self.name(id),
                held: slot.locks_held,
            });
        }
        let (parent, closed, class) = (slot.parent, slot.closed_client, slot.class);
        let record = self.record(id, Some(self.now));
        self.recorder.task_finished(&record);
        if let Some((pid, serial)) = parent {
            let waiting_parent = match self.slots[pid.index()].as_mut() {
                Some(p) if p.serial == serial => {
                    p.live_children -= 1;
                    p.live_children == 0 && std::mem::take(&mut p.joining)
                }
                _ => false,
            };
            if waiting_parent {
                self.wake(pid, cx)?;
            }
        }
        if let Some(client) = closed {
            if let Some(at) = self
                .arrivals
                .closed_finished(class, client, self.now, self.config)
            {
                self.events.push(at, Event::Submit { class, client });
            }
        }
        if let Some(policy) = &mut cx.policy {
            policy.exited(id);
        }
        self.slots[id.index()] = None;
        self.free.push(id.0);
        self.live -= 1;
        Ok(())
    }

    fn report_unfinished(&mut self) {
        let ids: Vec<TaskId> = (0..self.slots.len() as u32)
            .map(TaskId)
            .filter(|id| self.slots[id.index()].is_some())
            .collect();
        let mut records: Vec<TaskRecord> = ids.iter().map(|&id| self.record(id, None)).collect();
        records.sort_by_key(|r| (r.arrival, r.class, r.index));
        for r in &records {
            self.recorder.task_finished(r);
        }
    }

    fn ready_view(&self, id: TaskId) -> ReadyTask {
        let s = self.slot(id);
        let spec = &self.config.classes[s.class.0 as usize];
        ReadyTask {
            id,
            class: s.class,
            seq: s.seq,
            arrival: s.arrival,
            burst: s.remaining,
            priority: spec.priority,
            weight: spec.weight,
            tickets: spec.tickets,
            deadline: s.deadline,
            last_cpu: s.last_cpu.map(CpuId),
            woken_by: s.woken_by.map(CpuId),
        }
    }

    // ---- accounting ----

    /// `task` lost `cpu`, with work left, to another task.
    fn count_preemption(&mut self, task: TaskId, cpu: usize) {
        let now = self.now;
        let slot = self.slot_mut(task);
        slot.preemptions += 1;
        let (class, index) = (slot.class, slot.index);
        self.recorder
            .preempted(now, CpuId(cpu as u32), class, index);
    }

    fn emit_segment(&mut self, cpu: usize, task: TaskId, start: SimTime, kind: SegmentKind) {
        if self.segments && self.now > start {
            let s = self.slot(task);
            let segment = Segment {
                cpu: CpuId(cpu as u32),
                class: s.class,
                index: s.index,
                start,
                end: self.now,
                kind,
            };
            self.recorder.segment(&segment);
        }
    }

    /// Ends the CPU's current phase now, crediting the task with what it did.
    fn settle(&mut self, cpu: usize) {
        let now = self.now;
        match self.cpus[cpu].end_phase(now) {
            Ended::Computed { task, since, ran } => {
                let slot = self.slot_mut(task);
                slot.remaining = slot.remaining - ran;
                slot.cpu += ran;
                let class = slot.class;
                self.recorder.busy(class, since, now, 1.0);
                self.emit_segment(cpu, task, since, SegmentKind::Compute);
            }
            Ended::Switched { task, since } => {
                self.emit_segment(cpu, task, since, SegmentKind::Switch);
            }
            Ended::Blocked { task, since } => {
                self.slot_mut(task).suspended += now - since;
                self.emit_segment(cpu, task, since, SegmentKind::Blocked);
            }
            Ended::Idle => {}
        }
    }

    /// Takes `cpu` to its next phase: schedules the phase's end, or tells the
    /// policy that the task left. The one place a CPU changes phase.
    #[inline]
    fn enter(&mut self, policy: &mut dyn Policy, cpu: usize, next: Next) {
        match self.cpus[cpu].go(self.now, next) {
            Transition::EndsAt { at, epoch } => self.events.push(
                at,
                Event::Cpu {
                    cpu: cpu as u32,
                    epoch,
                },
            ),
            Transition::Released { task, ran } => policy.ran(task, ran, self.now),
        }
    }

    // ---- dispatch ----

    /// Gives `cpu` to `d.task`, charging a context switch if it last ran another task.
    fn dispatch(
        &mut self,
        policy: &mut dyn Policy,
        cpu: usize,
        d: Dispatch,
    ) -> Result<(), SimError> {
        let now = self.now;
        let cost = self.config.context_switch;
        let slot = self.slot_mut(d.task);
        slot.start.get_or_insert(now);
        if slot.last_cpu.is_some_and(|c| c != cpu as u32) {
            slot.migrations += 1;
        }
        slot.last_cpu = Some(cpu as u32);
        let serial = slot.serial;
        let taken = self.cpus[cpu].take(d, serial, self.budget.unwrap_or(0));
        if let Some(expired) = taken.preempted {
            self.count_preemption(expired, cpu);
        }
        if taken.handover == Handover::Switch {
            self.slot_mut(d.task).switches += 1;
            if !cost.is_zero() {
                self.enter(policy, cpu, Next::Switch(cost));
                return Ok(());
            }
        }
        self.run_on(policy, cpu)
    }

    /// The task on `cpu` executes from now.
    fn run_on(&mut self, policy: &mut dyn Policy, cpu: usize) -> Result<(), SimError> {
        let id = self.cpus[cpu].task();
        let mut cx = StepContext {
            cpu: Some(cpu),
            policy: Some(&mut *policy),
        };
        let exec = self.execute(id, &mut cx);
        // One `enter` per arm, so that each inlined copy knows its phase.
        match exec? {
            Exec::Compute => {
                let next = self.cpus[cpu].compute(self.slot(id).remaining);
                self.enter(policy, cpu, next);
                if next == Next::Expire {
                    self.make_ready(id, Ready::QuantumExpired, Some(cpu));
                }
            }
            Exec::Block(d) => self.enter(policy, cpu, Next::Block(d)),
            Exec::Suspended | Exec::Yielded | Exec::Finished => {
                self.enter(policy, cpu, Next::Release);
            }
        }
        Ok(())
    }

    fn cpu_phase_ended(&mut self, policy: &mut dyn Policy, cpu: usize) -> Result<(), SimError> {
        let blocked = self.cpus[cpu].phase() == Phase::Blocked;
        self.settle(cpu);
        if blocked {
            let id = self.cpus[cpu].task();
            self.advance(id);
        }
        self.run_on(policy, cpu)
    }

    /// Takes the tasks that became ready this instant, in arrival order, for
    /// the caller to give each its ready order (`ready_order`) and hand on.
    fn take_ready(&mut self) -> Vec<(TaskId, Ready)> {
        let mut batch = std::mem::take(&mut self.newly_ready);
        if batch.len() > 1 {
            batch.sort_by_key(|&(id, _)| {
                let s = self.slot(id);
                (s.arrival, s.class, s.index)
            });
        }
        batch
    }

    /// Gives `id` the next place in ready order.
    fn ready_order(&mut self, id: TaskId) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.slot_mut(id).seq = seq;
    }

    /// Hands back `take_ready`'s buffer, to be reused unless tasks became ready
    /// meanwhile: steady state allocates nothing.
    fn return_ready(&mut self, mut batch: Vec<(TaskId, Ready)>) {
        batch.clear();
        if self.newly_ready.is_empty() {
            self.newly_ready = batch;
        }
    }

    /// Hands the tasks that became ready this instant to the policy, in
    /// arrival order. Returns whether there were any.
    fn flush_ready(&mut self, policy: &mut dyn Policy) -> bool {
        if self.newly_ready.is_empty() {
            return false;
        }
        let batch = self.take_ready();
        for &(id, why) in &batch {
            self.ready_order(id);
            policy.enqueue(self.ready_view(id), why);
        }
        self.return_ready(batch);
        true
    }

    /// The end of an instant: ready tasks get idle CPUs, then displace running
    /// ones where the policy says so.
    fn decide(&mut self, mode: &mut Mode) -> Result<(), SimError> {
        let q = match mode {
            Mode::Queue(q) => q,
            Mode::Fluid(f) => return self.fluid_decide(f),
        };
        let mut changed = false;
        loop {
            changed |= self.flush_ready(q.policy.as_mut());
            for cpu in 0..self.cpus.len() {
                while self.cpus[cpu].is_idle() {
                    let Some(d) = q.policy.pick(CpuId(cpu as u32), self.now) else {
                        break;
                    };
                    self.dispatch(q.policy.as_mut(), cpu, d)?;
                }
                self.cpus[cpu].forget_expired();
            }
            if !self.newly_ready.is_empty() {
                continue;
            }
            if (changed || q.timer_fired) && self.preemptive && self.try_preempt(q)? {
                continue;
            }
            break;
        }
        q.timer_fired = false;
        self.arm_policy_timer(q);
        let ready = q.policy.ready_len();
        let idle = self.cpus.iter().filter(|c| c.is_idle()).count() as u32;
        self.recorder.instant(self.now, ready, idle);
        Ok(())
    }

    /// Schedules the policy's timer while tasks live. A timer that came due
    /// while nothing lived (and so was not scheduled, letting the run end if
    /// nothing else happens) fires now, late, before being armed again.
    fn arm_policy_timer(&mut self, q: &mut Queued) {
        if self.live == 0 {
            return;
        }
        let Some(mut at) = q.policy.timer() else {
            return;
        };
        if at <= self.now {
            q.policy.on_timer(self.now);
            match q.policy.timer() {
                Some(next) if next > self.now => at = next,
                _ => return,
            }
        }
        if q.timer_at != Some(at) {
            q.timer_at = Some(at);
            self.events.push(at, Event::PolicyTimer);
        }
    }

    /// Asks the policy whether a ready task displaces a running one; if so,
    /// does it. Returns whether it did.
    fn try_preempt(&mut self, q: &mut Queued) -> Result<bool, SimError> {
        if q.policy.ready_len() == 0 {
            return Ok(false);
        }
        q.running.clear();
        for (i, c) in self.cpus.iter().enumerate() {
            let Some(occupant) = c.occupant(self.now) else {
                continue;
            };
            let mut task = self.ready_view(occupant.task);
            task.burst = task.burst - occupant.uncredited;
            q.running.push(RunningTask {
                cpu: CpuId(i as u32),
                task,
                ran: occupant.ran,
            });
        }
        let Some(CpuId(victim)) = q.policy.preempt(self.now, &q.running) else {
            return Ok(false);
        };
        let cpu = victim as usize;
        self.settle(cpu);
        let (task, slice_left) = (self.cpus[cpu].task(), self.cpus[cpu].slice_left());
        self.enter(q.policy.as_mut(), cpu, Next::Release);
        self.count_preemption(task, cpu);
        self.slot_mut(task).woken_by = Some(victim);
        q.policy
            .enqueue(self.ready_view(task), Ready::Preempted { slice_left });
        if let Some(d) = q.policy.pick(CpuId(victim), self.now) {
            self.dispatch(q.policy.as_mut(), cpu, d)?;
        }
        Ok(true)
    }

    // ---- processor sharing ----

    /// The end of an instant under processor sharing: every ready task joins
    /// the sharing set, and the next completion is scheduled.
    fn fluid_decide(&mut self, f: &mut Fluid) -> Result<(), SimError> {
        while self.fluid_flush_ready(f)? {}
        self.fluid_reschedule(f);
        // Under processor sharing every ready task runs: none waits, and
        // min(n, cpus) CPUs are busy.
        let sharing = f.share.len().min(self.cpus.len()) as u32;
        self.recorder
            .instant(self.now, 0, self.cpus.len() as u32 - sharing);
        Ok(())
    }

    /// Puts the tasks that became ready this instant in the sharing set, in
    /// arrival order. Returns whether there were any.
    fn fluid_flush_ready(&mut self, f: &mut Fluid) -> Result<bool, SimError> {
        if self.newly_ready.is_empty() {
            return Ok(false);
        }
        let batch = self.take_ready();
        for &(id, _) in &batch {
            self.ready_order(id);
            self.fluid_run(f, id)?;
        }
        self.return_ready(batch);
        Ok(true)
    }

    fn fluid_advance(&mut self, f: &mut Fluid) {
        let now = self.now;
        let (from, rate) = f.share.advance(now);
        if rate > 0.0 && now > from {
            for (c, &sharing) in f.class_counts.iter().enumerate() {
                if sharing > 0 {
                    self.recorder
                        .busy(ClassId(c as u32), from, now, rate * f64::from(sharing));
                }
            }
        }
    }

    /// The task is in the sharing set from now: it runs its zero-time steps and
    /// joins the set with its next burst.
    fn fluid_run(&mut self, f: &mut Fluid, id: TaskId) -> Result<(), SimError> {
        let now = self.now;
        self.slot_mut(id).start.get_or_insert(now);
        let mut cx = StepContext {
            cpu: None,
            policy: None,
        };
        if self.execute(id, &mut cx)? == Exec::Compute {
            self.fluid_advance(f);
            let s = self.slot(id);
            f.class_counts[s.class.0 as usize] += 1;
            f.share.join(id, s.remaining, s.seq);
            f.generation += 1;
        }
        Ok(())
    }

    fn fluid_completions(&mut self, f: &mut Fluid) -> Result<(), SimError> {
        self.fluid_advance(f);
        f.generation += 1;
        while let Some(id) = f.share.pop_finished() {
            let class = self.slot(id).class;
            f.class_counts[class.0 as usize] -= 1;
            // Sharing never interrupts a burst: its remaining time is still
            // the demand it joined with, all of it computed now.
            let slot = self.slot_mut(id);
            slot.cpu += slot.remaining;
            slot.remaining = SimDuration::ZERO;
            self.advance(id);
            // It keeps its place: the rest of its program runs at this instant.
            self.ready_order(id);
            self.fluid_run(f, id)?;
        }
        Ok(())
    }

    fn fluid_reschedule(&mut self, f: &mut Fluid) {
        if f.scheduled == f.generation {
            return;
        }
        f.scheduled = f.generation;
        if let Some(at) = f.share.next_completion(self.now) {
            let generation = f.generation;
            self.events.push(at, Event::Fluid { generation });
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod schedules;
#[cfg(test)]
mod world;
