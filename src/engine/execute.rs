//! Carrying out a task's steps: the zero-time requests it makes while it holds
//! a CPU (or is in the sharing set), until it needs CPU time, suspends, yields
//! or finishes.

use super::cpu::Await;
use super::limits::Halt;
use super::tasks::Origin;
use super::{Engine, Event, Recorder, SimError};
use crate::policy::{Policy, Ready};
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
                    if slot.live_children > 0 {
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
