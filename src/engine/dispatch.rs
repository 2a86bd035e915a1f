//! Queue mode: the policy's decisions carried out on the CPUs. Idle CPUs take
//! the tasks it picks, running tasks give way where it says so, phases end
//! and are credited, and its timer is kept armed.

use super::cpu::{Ended, Handover, Next, Phase, Transition};
use super::execute::{Exec, StepContext};
use super::limits::Halt;
use super::{Engine, Event, Recorder, Segment, SegmentKind};
use crate::policy::{Dispatch, Policy, Ready, RunningTask};
use crate::task::Workload;
use crate::task::{CpuId, TaskId};
use crate::time::{SimDuration, SimTime};

/// The queue mode: the policy, and what the engine keeps about it.
pub(super) struct Queued {
    pub(super) policy: Box<dyn Policy>,
    /// When the policy's timer event is scheduled for.
    timer_at: Option<SimTime>,
    /// The timer fired this instant: its decisions may preempt.
    timer_fired: bool,
    /// The running tasks shown to the policy when it may preempt one, kept so
    /// that asking allocates nothing.
    running: Vec<RunningTask>,
}

impl Queued {
    pub(super) fn new(policy: Box<dyn Policy>) -> Self {
        Queued {
            policy,
            timer_at: None,
            timer_fired: false,
            running: Vec::new(),
        }
    }
}

impl<W: Workload, R: Recorder> Engine<'_, W, R> {
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
    pub(super) fn settle(&mut self, cpu: usize) {
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

    /// Gives `cpu` to `d.task`, charging a context switch if it last ran
    /// another task, and the loop's overhead if the policy has one.
    fn dispatch(&mut self, policy: &mut dyn Policy, cpu: usize, d: Dispatch) -> Result<(), Halt> {
        let overhead = if self.event_loop {
            policy.overhead(CpuId(cpu as u32))
        } else {
            SimDuration::ZERO
        };
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
        let mut before = overhead;
        if taken.handover == Handover::Switch {
            self.slot_mut(d.task).switches += 1;
            before += cost;
        }
        self.step_start[cpu] = now + before;
        if !before.is_zero() {
            self.enter(policy, cpu, Next::Switch(before));
            return Ok(());
        }
        self.run_on(policy, cpu)
    }

    /// The task on `cpu` executes from now.
    fn run_on(&mut self, policy: &mut dyn Policy, cpu: usize) -> Result<(), Halt> {
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
            Exec::Suspended | Exec::Yielded => {
                self.end_step(id, cpu);
                self.enter(policy, cpu, Next::Release);
            }
            Exec::Finished => self.enter(policy, cpu, Next::Release),
        }
        Ok(())
    }

    pub(super) fn cpu_phase_ended(
        &mut self,
        policy: &mut dyn Policy,
        cpu: usize,
    ) -> Result<(), Halt> {
        let blocked = self.cpus[cpu].phase() == Phase::Blocked;
        self.settle(cpu);
        if blocked {
            let id = self.cpus[cpu].task();
            self.advance(id);
        }
        self.run_on(policy, cpu)
    }

    /// The end of an instant: ready tasks get idle CPUs, then displace running
    /// ones where the policy says so.
    pub(super) fn queue_decide(&mut self, q: &mut Queued) -> Result<(), Halt> {
        let mut changed = false;
        loop {
            changed |= self.flush_ready(q.policy.as_mut());
            for cpu in 0..self.cpus.len() {
                while self.cpus[cpu].is_idle() {
                    // An event loop decides on everything that happened so
                    // far, the steps just run on other CPUs included.
                    if self.event_loop {
                        changed |= self.flush_ready(q.policy.as_mut());
                    }
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

    /// The policy's timer event: it fires unless re-armed for another time.
    pub(super) fn policy_timer(&mut self, q: &mut Queued) {
        if q.timer_at == Some(self.now) {
            q.timer_at = None;
            q.policy.on_timer(self.now);
            q.timer_fired = true;
        }
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
    fn try_preempt(&mut self, q: &mut Queued) -> Result<bool, Halt> {
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
}
