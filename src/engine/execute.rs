//! Carrying out a task's steps: the zero-time requests it makes while it holds
//! a CPU (or is in the sharing set), until it needs CPU time, suspends, yields
//! or finishes.

use super::cpu::Await;
use super::limits::Halt;
use super::tasks::{Notice, Origin};
use super::{Engine, Event, Recorder, SimError};
use crate::policy::{Policy, Ready, Via};
use crate::rng;
use crate::task::TaskId;
use crate::task::{Request, Workload};
use crate::time::SimDuration;

/// What a task did when it last ran out of zero-time steps.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Exec {
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

/// What carrying out a task's steps needs besides the engine, passed down
/// rather than kept in engine fields that change meaning around a call.
pub(super) struct StepContext<'p> {
    /// The CPU the task holds (`None` for a wake-up by an event, and under
    /// processor sharing): what it makes ready counts as woken by this CPU,
    /// and it spends this CPU's cooperative budget.
    pub(super) cpu: Option<usize>,
    /// The policy, told when a task exits (`None` under processor sharing).
    pub(super) policy: Option<&'p mut dyn Policy>,
}

impl<W: Workload, R: Recorder> Engine<'_, W, R> {
    /// Carries out the task's zero-time requests while it holds a CPU (or, under
    /// processor sharing, while it is in the sharing set), until it needs CPU
    /// time, suspends, yields or finishes.
    pub(super) fn execute(&mut self, id: TaskId, cx: &mut StepContext) -> Result<Exec, Halt> {
        loop {
            let slot = self.slot(id);
            match slot.request {
                Request::Compute(_) => {
                    if !slot.remaining.is_zero() {
                        return Ok(Exec::Compute);
                    }
                }
                // asyncio.sleep(0) is a bare yield (tasks.py `sleep`: `if
                // delay <= 0: await __sleep0()`), not a timer.
                Request::Sleep(d) if d.is_zero() && self.event_loop => {
                    self.advance(id);
                    self.make_ready(id, Ready::Yielded, cx.cpu);
                    return Ok(Exec::Yielded);
                }
                Request::Sleep(d) => {
                    self.suspend(id);
                    let due = self.now + d;
                    self.events.push(due, Event::Wake(id, Via::Timer));
                    if self.event_loop
                        && let Some(policy) = &mut cx.policy
                    {
                        policy.timer_set(id, due);
                    }
                    return Ok(Exec::Suspended);
                }
                Request::Io { device, duration } => {
                    self.suspend(id);
                    match device {
                        Some(dev) if (dev.0 as usize) >= self.config.devices.len() => {
                            return Err(SimError::Unknown {
                                task: self.name(id),
                                what: format!("device {}", dev.0),
                            }
                            .into());
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
                        None => self
                            .events
                            .push(self.now + duration, Event::Wake(id, Via::Io)),
                    }
                    return Ok(Exec::Suspended);
                }
                Request::Block(d) => {
                    self.suspend(id);
                    if self.preemptive {
                        self.events.push(self.now + d, Event::Wake(id, Via::Io));
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
                        }
                        .into());
                    }
                    for _ in 0..count {
                        self.may_create()?;
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
                    let (live, done) = (slot.live_children, slot.finished_unjoined);
                    self.slot_mut(id).finished_unjoined = 0;
                    if self.event_loop && done > 0 {
                        self.suspend(id);
                        self.join_finished(id, live, done, cx)?;
                        return Ok(Exec::Suspended);
                    }
                    if live > 0 {
                        self.suspend(id);
                        self.slot_mut(id).joining = true;
                        return Ok(Exec::Suspended);
                    }
                    if self.spend_await(id, cx.cpu) == Await::Spent {
                        return Ok(Exec::Yielded);
                    }
                }
                Request::Lock(lock) => {
                    if lock.0 >= self.config.locks {
                        return Err(SimError::Unknown {
                            task: self.name(id),
                            what: format!("lock {}", lock.0),
                        }
                        .into());
                    }
                    if self.locks.is_free(lock.0) && self.spend_await(id, cx.cpu) == Await::Spent {
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
                        }
                        .into());
                    }
                    self.slot_mut(id).locks_held -= 1;
                    if let Some(next) = self.locks.release(lock.0) {
                        // FIFO hand-off: the lock passes straight to the next waiter.
                        self.slot_mut(next).locks_held += 1;
                        self.wake(next, Via::Handoff, cx)?;
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

    /// An event loop's `join` (`await asyncio.gather(*children)`) on `done`
    /// children that have already finished and `live` still running: gather
    /// adds its done-callback to each, which on a finished task is queued at
    /// once (futures.py `add_done_callback`: `if self._state != _PENDING:
    /// self._loop.call_soon(...)`), so the task suspends even when every child
    /// is done, and the last callback to run wakes it.
    fn join_finished(
        &mut self,
        id: TaskId,
        live: u32,
        done: u32,
        cx: &mut StepContext,
    ) -> Result<(), SimError> {
        let relays = if live == 0 { done - 1 } else { done };
        for _ in 0..relays {
            self.newly_ready.push(Notice::Relay(id));
        }
        if live == 0 {
            return self.wake(id, Via::Join, cx);
        }
        self.slot_mut(id).joining = true;
        Ok(())
    }

    /// Charges an await that would complete at once to the cooperative budget
    /// of the CPU `on` (if the policy has a budget and the task holds a CPU).
    /// Once the budget is spent, the task is made ready again: it yields before
    /// the await, and carries the await out when it runs again.
    fn spend_await(&mut self, id: TaskId, on: Option<usize>) -> Await {
        let (Some(_), Some(cpu)) = (self.budget, on) else {
            return Await::Allowed;
        };
        let outcome = self.cpus[cpu].spend_await();
        if outcome == Await::Spent {
            self.make_ready(id, Ready::Yielded, on);
        }
        outcome
    }
}
