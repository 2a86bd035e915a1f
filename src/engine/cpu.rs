//! A CPU as a state machine: its phase (idle, switching, computing, held by a
//! cooperative block), the task it holds, and the only code that changes its
//! phase, epoch and phase start.
//!
//! Every phase but idle ends with an `Event::Cpu { cpu, epoch }`, which the
//! engine schedules from the [`Transition`] that began the phase. Ending a
//! phase (at its end or cut short) bumps the epoch, so an event still pending
//! for it finds it stale.

use crate::policy::Dispatch;
use crate::task::TaskId;
use crate::time::{SimDuration, SimTime};

/// What a CPU is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Nothing.
    Idle,
    /// Switching to its task, which computes when the switch ends.
    Switching,
    /// Its task computes.
    Running,
    /// Its task holds it in a cooperative block, not computing.
    Blocked,
}

/// Where a CPU that holds a task goes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// It switches to the task, for the context-switch cost.
    Switch(SimDuration),
    /// The task computes for this stretch (to its burst's or its slice's end).
    Compute(SimDuration),
    /// The task holds it in a cooperative block for this long.
    Block(SimDuration),
    /// The task leaves (it suspended, yielded or finished): the CPU is idle.
    Release,
    /// The task's slice is used up and it leaves: the CPU is idle, and if
    /// another task takes it at this instant, that task preempted this one.
    Expire,
}

/// What a change of phase asks of the engine.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Transition {
    /// The new phase ends at `at`: schedule `Event::Cpu` with this epoch then.
    EndsAt {
        /// When.
        at: SimTime,
        /// The phase's epoch.
        epoch: u32,
    },
    /// The task left after `ran` of CPU time in this dispatch: tell the policy.
    Released {
        /// The task.
        task: TaskId,
        /// Its CPU time since it was dispatched.
        ran: SimDuration,
    },
}

/// What a CPU did in the phase that just ended, for the engine to credit.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ended {
    /// Nothing: it was idle.
    Idle,
    /// It switched to `task` from `since`.
    Switched {
        /// The task.
        task: TaskId,
        /// When the phase began.
        since: SimTime,
    },
    /// `task` computed from `since`, for `ran`.
    Computed {
        /// The task.
        task: TaskId,
        /// When the phase began.
        since: SimTime,
        /// How long it computed: now less `since`.
        ran: SimDuration,
    },
    /// `task` held it in a cooperative block from `since`.
    Blocked {
        /// The task.
        task: TaskId,
        /// When the phase began.
        since: SimTime,
    },
}

/// Whether a CPU taking a task switches context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Handover {
    /// Another task ran here last: a context switch.
    Switch,
    /// The same task ran here last: it resumes.
    Resume,
}

/// What taking a task involves.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Taken {
    /// Whether it switches context.
    pub(super) handover: Handover,
    /// A task whose slice ended here at this instant, and which another task
    /// now displaces: it was preempted.
    pub(super) preempted: Option<TaskId>,
}

/// Whether an await that could complete at once may, under a cooperative budget.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Await {
    /// The budget allows it (and is charged).
    Allowed,
    /// The budget is used up: the task yields first.
    Spent,
}

/// A task on a CPU, as a preemptive policy weighs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Occupant {
    /// The task.
    pub(super) task: TaskId,
    /// CPU time of the current phase, not yet credited to the task.
    pub(super) uncredited: SimDuration,
    /// CPU time it has had in this dispatch, the current phase included.
    pub(super) ran: SimDuration,
}

/// One CPU.
#[derive(Clone, Copy, Debug)]
pub(super) struct Cpu {
    phase: Phase,
    /// When the current phase began.
    phase_start: SimTime,
    /// Bumped whenever a phase ends, so its pending event is stale.
    epoch: u32,
    /// The task it holds (while not idle) or last held.
    task: TaskId,
    /// Serial of the last task that ran here, to tell a switch from a resumption.
    last_serial: u64,
    slice_left: Option<SimDuration>,
    /// CPU time the current task has had in this dispatch.
    ran: SimDuration,
    /// A task whose slice just ended here: a preemption if another task
    /// takes the CPU.
    expired: Option<TaskId>,
    /// Awaits that may still complete at once in this dispatch (coop budget).
    budget_left: u32,
}

impl Cpu {
    /// An idle CPU that has run nothing.
    pub(super) fn new() -> Self {
        Cpu {
            phase: Phase::Idle,
            phase_start: SimTime::ZERO,
            epoch: 0,
            task: TaskId(u32::MAX),
            last_serial: u64::MAX,
            slice_left: None,
            ran: SimDuration::ZERO,
            expired: None,
            budget_left: 0,
        }
    }

    pub(super) fn phase(&self) -> Phase {
        self.phase
    }

    pub(super) fn is_idle(&self) -> bool {
        self.phase == Phase::Idle
    }

    /// Whether an `Event::Cpu` carrying `epoch` ends the current phase (rather
    /// than one cut short).
    pub(super) fn is_current(&self, epoch: u32) -> bool {
        self.epoch == epoch
    }

    /// The task it holds, or last held.
    pub(super) fn task(&self) -> TaskId {
        self.task
    }

    /// What is left of the current task's slice, as of the last phase end.
    pub(super) fn slice_left(&self) -> Option<SimDuration> {
        self.slice_left
    }

    /// The task it switches to or runs, as of `now`; `None` when idle or held
    /// by a block (neither can be preempted).
    #[inline]
    pub(super) fn occupant(&self, now: SimTime) -> Option<Occupant> {
        let uncredited = match self.phase {
            Phase::Running => now - self.phase_start,
            Phase::Switching => SimDuration::ZERO,
            Phase::Idle | Phase::Blocked => return None,
        };
        Some(Occupant {
            task: self.task,
            uncredited,
            ran: self.ran + uncredited,
        })
    }

    /// The idle CPU takes `d.task` (of serial `serial`) with `budget` awaits of
    /// cooperative budget; its next phase is the caller's to choose.
    #[inline]
    pub(super) fn take(&mut self, d: Dispatch, serial: u64, budget: u32) -> Taken {
        debug_assert!(self.is_idle(), "a busy CPU takes no task");
        let preempted = self.expired.take().filter(|&t| t != d.task);
        self.task = d.task;
        self.slice_left = d.slice;
        self.budget_left = budget;
        self.ran = SimDuration::ZERO;
        let handover = if self.last_serial == serial {
            Handover::Resume
        } else {
            self.last_serial = serial;
            Handover::Switch
        };
        Taken {
            handover,
            preempted,
        }
    }

    /// Where a task that needs `burst` more CPU time goes: it computes until the
    /// burst or its slice ends, or, with no slice left, its slice has expired.
    #[inline]
    pub(super) fn compute(&self, burst: SimDuration) -> Next {
        match self.slice_left {
            Some(left) if left.is_zero() => Next::Expire,
            left => Next::Compute(left.map_or(burst, |l| l.min(burst))),
        }
    }

    /// The one transition: from the current phase (just begun with `take`,
    /// or just ended with `end_phase`) to `next`, at `now`.
    #[inline]
    pub(super) fn go(&mut self, now: SimTime, next: Next) -> Transition {
        let (phase, length) = match next {
            Next::Switch(d) => (Phase::Switching, d),
            Next::Compute(d) => (Phase::Running, d),
            Next::Block(d) => (Phase::Blocked, d),
            Next::Release | Next::Expire => {
                self.phase = Phase::Idle;
                self.epoch = self.epoch.wrapping_add(1);
                if next == Next::Expire {
                    self.expired = Some(self.task);
                }
                return Transition::Released {
                    task: self.task,
                    ran: self.ran,
                };
            }
        };
        self.phase = phase;
        self.phase_start = now;
        Transition::EndsAt {
            at: now + length,
            epoch: self.epoch,
        }
    }

    /// Ends the current phase at `now` (its end, or cut short): its pending
    /// event turns stale and computed time counts against the slice. The CPU
    /// keeps its task until the caller's next `go`.
    #[inline]
    pub(super) fn end_phase(&mut self, now: SimTime) -> Ended {
        let (task, since) = (self.task, self.phase_start);
        let ended = match self.phase {
            Phase::Running => {
                let ran = now - since;
                self.ran += ran;
                self.slice_left = self.slice_left.map(|s| s - ran);
                Ended::Computed { task, since, ran }
            }
            Phase::Switching => Ended::Switched { task, since },
            Phase::Blocked => Ended::Blocked { task, since },
            Phase::Idle => Ended::Idle,
        };
        self.epoch = self.epoch.wrapping_add(1);
        self.phase_start = now;
        ended
    }

    /// The end of an instant's dispatching: a task whose slice ended here and
    /// that nobody displaced was not preempted.
    pub(super) fn forget_expired(&mut self) {
        self.expired = None;
    }

    /// Charges an await that would complete at once to the cooperative budget.
    pub(super) fn spend_await(&mut self) -> Await {
        if self.budget_left == 0 {
            return Await::Spent;
        }
        self.budget_left -= 1;
        Await::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    fn at(n: u64) -> SimTime {
        SimTime::ZERO + ms(n)
    }

    fn dispatch(task: u32, slice: Option<u64>) -> Dispatch {
        Dispatch {
            task: TaskId(task),
            slice: slice.map(ms),
        }
    }

    #[test]
    fn a_phase_cut_short_leaves_its_event_stale() {
        let mut cpu = Cpu::new();
        let _ = cpu.take(dispatch(1, Some(10)), 1, 0);
        let Transition::EndsAt { at: end, epoch } = cpu.go(at(0), cpu.compute(ms(4))) else {
            panic!("computing has an end");
        };
        assert_eq!(end, at(4));
        assert!(cpu.is_current(epoch));
        let o = cpu.occupant(at(3)).unwrap();
        assert_eq!((o.uncredited, o.ran), (ms(3), ms(3)));
        assert_eq!(
            cpu.end_phase(at(3)),
            Ended::Computed {
                task: TaskId(1),
                since: at(0),
                ran: ms(3)
            }
        );
        assert!(!cpu.is_current(epoch));
        assert_eq!(cpu.slice_left(), Some(ms(7)));
        assert_eq!(
            cpu.go(at(3), Next::Release),
            Transition::Released {
                task: TaskId(1),
                ran: ms(3)
            }
        );
        assert!(cpu.is_idle());
        assert_eq!(cpu.end_phase(at(5)), Ended::Idle);
    }

    #[test]
    fn a_slice_bounds_the_stretch_and_expires_at_zero() {
        let mut cpu = Cpu::new();
        let _ = cpu.take(dispatch(1, Some(2)), 1, 0);
        assert_eq!(cpu.compute(ms(5)), Next::Compute(ms(2)));
        let _ = cpu.go(at(0), Next::Compute(ms(2)));
        let _ = cpu.end_phase(at(2));
        assert_eq!(cpu.compute(ms(3)), Next::Expire);
        let _ = cpu.go(at(2), Next::Expire);
        let _ = cpu.take(dispatch(1, None), 1, 0);
        assert_eq!(cpu.compute(ms(3)), Next::Compute(ms(3)));
    }

    #[test]
    fn an_expired_task_is_preempted_only_by_another_task() {
        let mut cpu = Cpu::new();
        let first = cpu.take(dispatch(1, Some(1)), 1, 0);
        assert_eq!(first.handover, Handover::Switch);
        let _ = cpu.go(at(0), Next::Expire);
        let again = cpu.take(dispatch(1, Some(1)), 1, 0);
        assert_eq!((again.handover, again.preempted), (Handover::Resume, None));
        let _ = cpu.go(at(1), Next::Expire);
        let other = cpu.take(dispatch(2, None), 2, 0);
        assert_eq!(
            (other.handover, other.preempted),
            (Handover::Switch, Some(TaskId(1)))
        );
        let _ = cpu.go(at(1), Next::Expire);
        cpu.forget_expired();
        assert_eq!(cpu.take(dispatch(3, None), 3, 0).preempted, None);
    }

    #[test]
    fn a_block_is_not_preemptible_and_a_switch_has_computed_nothing() {
        let mut cpu = Cpu::new();
        let _ = cpu.take(dispatch(1, None), 1, 0);
        let _ = cpu.go(at(0), Next::Switch(ms(1)));
        assert_eq!(cpu.occupant(at(1)).unwrap().uncredited, SimDuration::ZERO);
        let _ = cpu.end_phase(at(1));
        let _ = cpu.go(at(1), Next::Block(ms(5)));
        assert_eq!(cpu.phase(), Phase::Blocked);
        assert_eq!(cpu.occupant(at(2)), None);
    }

    #[test]
    fn the_budget_allows_that_many_awaits() {
        let mut cpu = Cpu::new();
        let _ = cpu.take(dispatch(1, None), 1, 2);
        assert_eq!(cpu.spend_await(), Await::Allowed);
        assert_eq!(cpu.spend_await(), Await::Allowed);
        assert_eq!(cpu.spend_await(), Await::Spent);
    }
}
