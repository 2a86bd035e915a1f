//! The task slab and each task's life in it: arrival, readiness, suspension
//! and wake-up, exit, and the record it leaves. A task's slot is reused after
//! it exits; its serial tells a reused slot from the task that had it.

use super::execute::StepContext;
use super::limits::Halt;
use super::{Engine, Event, Recorder, SLOW_CALLBACKS_LISTED, SimError, SlowCallback, TaskRecord};
use crate::policy::{Policy, Ready, ReadyTask, Via};
use crate::rng;
use crate::task::{ClassId, Cx, Request, Workload};
use crate::task::{CpuId, TaskId};
use crate::time::{SimDuration, SimTime};

/// Where a new task comes from.
#[derive(Clone, Copy, Debug)]
pub(super) enum Origin {
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

/// Something that happened to a task, for the policy: it became ready, or
/// (event-loop models only) a callback that wakes nobody was queued on its
/// loop. Kept in the order it happened until the policy is told.
#[derive(Clone, Copy, Debug)]
pub(super) enum Notice {
    /// The task is ready, for this reason.
    Ready(TaskId, Ready),
    /// A done-callback of a child the task joins ran into others still
    /// outstanding (`Policy::relay`).
    Relay(TaskId),
}

impl Notice {
    fn task(self) -> TaskId {
        match self {
            Notice::Ready(id, _) | Notice::Relay(id) => id,
        }
    }
}

/// A live task: its state machine, where it is in its life, and what is
/// measured of it. The engine's parts read and write it directly.
pub(super) struct Slot<T> {
    pub(super) state: T,
    pub(super) serial: u64,
    pub(super) class: ClassId,
    pub(super) index: u64,
    pub(super) key: u64,
    pub(super) draw_pos: u128,
    pub(super) children_spawned: u64,
    pub(super) arrival: SimTime,
    pub(super) start: Option<SimTime>,
    pub(super) deadline: Option<SimTime>,
    pub(super) request: Request,
    pub(super) remaining: SimDuration,
    pub(super) cpu: SimDuration,
    pub(super) suspended: SimDuration,
    pub(super) suspended_since: SimTime,
    pub(super) preemptions: u32,
    pub(super) switches: u32,
    pub(super) parent: Option<(TaskId, u64)>,
    pub(super) live_children: u32,
    /// Children that finished since the task last joined: under an event
    /// loop a `join` still waits for their done-callbacks.
    pub(super) finished_unjoined: u32,
    pub(super) joining: bool,
    pub(super) locks_held: u32,
    pub(super) closed_client: Option<u32>,
    /// Ready order given when last enqueued.
    pub(super) seq: u64,
    pub(super) last_cpu: Option<u32>,
    pub(super) woken_by: Option<u32>,
    pub(super) migrations: u32,
    pub(super) slow_callbacks: u32,
}

impl<W: Workload, R: Recorder> Engine<'_, W, R> {
    pub(super) fn slot(&self, id: TaskId) -> &Slot<W::Task> {
        self.slots[id.index()].as_ref().expect("live task")
    }

    pub(super) fn slot_mut(&mut self, id: TaskId) -> &mut Slot<W::Task> {
        self.slots[id.index()].as_mut().expect("live task")
    }

    pub(super) fn name(&self, id: TaskId) -> String {
        let s = self.slot(id);
        format!(
            "{}#{}",
            self.config.classes[s.class.0 as usize].name, s.index
        )
    }

    /// Whether a new task may be created: every caller of `arrive` asks
    /// first. The one limit check per task, a counter against a threshold,
    /// kept out of `arrive` so that `arrive` stays infallible (a `Result`
    /// there cost instructions on every arrival).
    #[inline(always)]
    pub(super) fn may_create(&mut self) -> Result<(), Halt> {
        if self.next_serial >= self.watch.tasks_at {
            self.tasks_checkpoint()?;
        }
        Ok(())
    }

    /// A new task of `class` arrives now and is ready (`may_create` said it
    /// could).
    pub(super) fn arrive(&mut self, class: ClassId, key: u64, origin: Origin) {
        let (parent, closed_client, by, why) = match origin {
            Origin::Open => (None, None, None, Ready::Arrived),
            Origin::Closed(client) => (None, Some(client), None, Ready::Arrived),
            Origin::Spawned { parent, by } => (Some(parent), None, by, Ready::Spawned),
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
            finished_unjoined: 0,
            joining: false,
            locks_held: 0,
            closed_client,
            seq: 0,
            last_cpu: None,
            woken_by: None,
            migrations: 0,
            slow_callbacks: 0,
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
        self.make_ready(id, why, by);
    }

    /// Resumes the task's state machine for its next request.
    pub(super) fn advance(&mut self, id: TaskId) {
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
    pub(super) fn make_ready(&mut self, id: TaskId, why: Ready, by: Option<usize>) {
        let now = self.now;
        let slot = self.slot_mut(id);
        slot.woken_by = by.map(|c| c as u32);
        if matches!(why, Ready::Woke(_)) {
            let (class, index) = (slot.class, slot.index);
            self.recorder.woke(now, class, index);
        }
        self.newly_ready.push(Notice::Ready(id, why));
    }

    pub(super) fn suspend(&mut self, id: TaskId) {
        let now = self.now;
        self.slot_mut(id).suspended_since = now;
    }

    /// A suspension of `id` ended, by the path `via`: it moves past the
    /// request it waited on and is ready, or, if that was its last step,
    /// finishes now (SPEC: a task finishes when its last step completes,
    /// whatever that step is). Under an event loop it is ready either way, and
    /// finishes when the loop resumes it (SPEC: as CPython's coroutines do).
    /// `cx.cpu` is the CPU whose task ended the suspension, if one did.
    pub(super) fn wake(
        &mut self,
        id: TaskId,
        via: Via,
        cx: &mut StepContext,
    ) -> Result<(), SimError> {
        let now = self.now;
        let slot = self.slot_mut(id);
        slot.suspended += now - slot.suspended_since;
        self.advance(id);
        if !self.event_loop && self.slot(id).request == Request::Done {
            return self.finish(id, cx);
        }
        self.make_ready(id, Ready::Woke(via), cx.cpu);
        Ok(())
    }

    /// The step `id` ran on `cpu` ends now (it awaits, yields or returns):
    /// counted and listed if it held the loop for the slow-callback threshold.
    pub(super) fn end_step(&mut self, id: TaskId, cpu: usize) {
        let Some(threshold) = self.slow_callback else {
            return;
        };
        let at = self.step_start[cpu];
        let duration = self.now - at;
        if duration < threshold {
            return;
        }
        self.slot_mut(id).slow_callbacks += 1;
        self.stats.slow_callbacks += 1;
        if self.stats.slow_callback_list.len() < SLOW_CALLBACKS_LISTED {
            let task = self.name(id);
            self.stats
                .slow_callback_list
                .push(SlowCallback { task, at, duration });
        }
    }

    /// `id` finishes now; `cx.cpu` is the CPU it ran on, if any (the waker of
    /// a parent waiting to join it).
    pub(super) fn finish(&mut self, id: TaskId, cx: &mut StepContext) -> Result<(), SimError> {
        if let Some(cpu) = cx.cpu {
            self.end_step(id, cpu);
        }
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
        if let Some((pid, serial)) = parent
            && let Some(p) = self.slots[pid.index()].as_mut()
            && p.serial == serial
        {
            p.live_children -= 1;
            if !p.joining {
                p.finished_unjoined += 1;
            } else if p.live_children == 0 {
                p.joining = false;
                self.wake(pid, Via::Join, cx)?;
            } else if self.event_loop {
                // gather's done-callback for this child (tasks.py
                // `_done_callback`), with others still outstanding.
                self.newly_ready.push(Notice::Relay(pid));
            }
        }
        if let Some(client) = closed
            && let Some(at) = self
                .arrivals
                .closed_finished(class, client, self.now, self.config)
        {
            self.events.push(at, Event::Submit { class, client });
        }
        if let Some(policy) = &mut cx.policy {
            policy.exited(id);
        }
        self.slots[id.index()] = None;
        self.free.push(id.0);
        self.live -= 1;
        Ok(())
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
            slow_callbacks: s.slow_callbacks,
        }
    }

    /// Reports every live task as unfinished, in arrival order. A run
    /// stopped by a limit may hold ten million: the order is sorted on small
    /// keys (unique, so an unstable sort is deterministic), one record made
    /// at a time.
    pub(super) fn report_unfinished(&mut self) {
        let mut order: Vec<(SimTime, ClassId, u64, u32)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| {
                let s = slot.as_ref()?;
                Some((s.arrival, s.class, s.index, i as u32))
            })
            .collect();
        order.sort_unstable();
        for &(_, _, _, i) in &order {
            let record = self.record(TaskId(i), None);
            self.recorder.task_finished(&record);
        }
    }

    pub(super) fn ready_view(&self, id: TaskId) -> ReadyTask {
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

    /// Takes what became ready this instant, in arrival order (under an
    /// event loop: in the order it happened), for the caller to give each its
    /// ready order (`ready_order`) and hand on.
    pub(super) fn take_ready(&mut self) -> Vec<Notice> {
        let mut batch = std::mem::take(&mut self.newly_ready);
        if batch.len() > 1 && !self.event_loop {
            batch.sort_by_key(|n| {
                let s = self.slot(n.task());
                (s.arrival, s.class, s.index)
            });
        }
        batch
    }

    /// Tells the policy what became ready since it was last told, in
    /// [`Engine::take_ready`]'s order. Returns whether anything had.
    pub(super) fn flush_ready(&mut self, policy: &mut dyn Policy) -> bool {
        if self.newly_ready.is_empty() {
            return false;
        }
        let batch = self.take_ready();
        for &notice in &batch {
            match notice {
                Notice::Ready(id, why) => {
                    self.ready_order(id);
                    policy.enqueue(self.ready_view(id), why);
                }
                Notice::Relay(id) => policy.relay(id),
            }
        }
        self.return_ready(batch);
        true
    }

    /// Gives `id` the next place in ready order.
    pub(super) fn ready_order(&mut self, id: TaskId) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.slot_mut(id).seq = seq;
    }

    /// Hands back `take_ready`'s buffer, to be reused unless tasks became ready
    /// meanwhile: steady state allocates nothing.
    pub(super) fn return_ready(&mut self, mut batch: Vec<Notice>) {
        batch.clear();
        if self.newly_ready.is_empty() {
            self.newly_ready = batch;
        }
    }
}
