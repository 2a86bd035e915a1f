//! The run's limits as the engine keeps them: counters compared with a
//! threshold on the two paths where a run grows (an event processed, a task
//! created), and the full check, with the memory estimate, only when one
//! crosses its threshold: every few thousand tasks and tens of thousands of
//! events, and exactly where a counting limit would be passed.
//!
//! Reaching a limit unwinds the event loop as a [`Halt`]; the run then ends
//! as any run does (CPUs settled, unfinished tasks reported), its
//! [`RunStats`](super::RunStats) saying which limit stopped it.

use std::fmt;

use super::{Engine, Event, Recorder, SimError, Slot};
use crate::model::{Bytes, Limit, Limits};
use crate::policy::{Ready, ReadyTask, TaskId};
use crate::task::Workload;
use crate::time::{SimDuration, SimTime};

/// Events between two full checks (the memory estimate, the stall check).
const CHECK_EVENTS: u64 = 1 << 16;

/// Tasks created between two full checks.
const CHECK_TASKS: u64 = 1 << 12;

/// Events at one instant beyond which a run is declared stalled. Far above
/// any real burst (a million tasks arriving at once is 10^6 events).
const STALL_EVENTS: u64 = 100_000_000;

/// Why the event loop stopped before it ran out of events.
#[derive(Debug)]
pub(super) enum Halt {
    /// A task asked for something impossible: the run fails.
    Failed(SimError),
    /// A limit was reached: the run stops, its results incomplete. Boxed,
    /// so that the `Result`s of the event loop's functions stay small.
    Limit(Box<LimitReached>),
}

impl From<SimError> for Halt {
    fn from(e: SimError) -> Self {
        Halt::Failed(e)
    }
}

/// The limit that stopped a run, and what the run had done by then.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LimitReached {
    /// Which limit.
    pub limit: Limit,
    /// Its value: a count, nanoseconds for `max_time`, bytes for `max_memory`.
    pub value: u64,
    /// The instant the run stopped.
    pub at: SimTime,
    /// Events processed.
    pub events: u64,
    /// Events still pending.
    pub pending_events: u64,
    /// Tasks alive (arrived and not finished).
    pub live_tasks: u64,
    /// Tasks created so far, finished or not.
    pub tasks: u64,
    /// The run's estimated memory.
    pub memory: Bytes,
}

impl LimitReached {
    /// A value of the limit as the scenario writes it.
    fn shown(&self, value: u64) -> String {
        match self.limit {
            Limit::MaxTime => format!("\"{}\"", SimDuration::from_nanos(value)),
            Limit::MaxMemory => format!("\"{}\"", Bytes(value)),
            _ => value.to_string(),
        }
    }

    /// The limit's value as a flag takes it.
    fn flag_value(&self, value: u64) -> String {
        self.shown(value).trim_matches('"').to_string()
    }

    /// How to raise the limit (to twice its value, as an example).
    pub fn how_to_raise(&self) -> String {
        let raised = self.value.saturating_mul(2);
        format!(
            "raise it with [limits] {} = {} in the scenario, or {} {}",
            self.limit,
            self.shown(raised),
            self.limit.flag(),
            self.flag_value(raised),
        )
    }
}

impl fmt::Display for LimitReached {
    /// What stopped, when, and what the run had done by then.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reached {} = {} at {}, with {} events processed ({} pending), {} live tasks, \
             {} tasks created, about {} of memory; the results until then are written, marked incomplete",
            self.limit,
            self.shown(self.value),
            self.at,
            self.events,
            self.pending_events,
            self.live_tasks,
            self.tasks,
            self.memory.approx(),
        )
    }
}

/// The thresholds at which the next full check runs.
#[derive(Clone, Copy, Debug)]
pub(super) struct Watch {
    /// Check when the events processed exceed this.
    pub(super) events_at: u64,
    /// Check when a task is created with this many created before it.
    pub(super) tasks_at: u64,
}

impl Watch {
    /// The thresholds of a run that has done nothing yet.
    pub(super) fn first(limits: &Limits) -> Watch {
        Watch {
            events_at: limits
                .max_events
                .map_or(CHECK_EVENTS, |m| m.min(CHECK_EVENTS)),
            tasks_at: CHECK_TASKS
                .min(limits.max_live_tasks.unwrap_or(u64::MAX))
                .min(limits.max_tasks.unwrap_or(u64::MAX)),
        }
    }
}

impl<W: Workload, R: Recorder> Engine<'_, W, R> {
    /// The run's estimated memory: the task slab, what the policy keeps of
    /// each live task, pending events and what the recorder keeps. From
    /// counts, not capacities or the allocator, so that it is the same on
    /// every machine; vectors grow by doubling, so the real use may be up to
    /// twice as much.
    pub(super) fn memory(&self) -> Bytes {
        let slab = self.slots.len() * size_of::<Option<Slot<W::Task>>>()
            + self.free.len() * size_of::<u32>();
        // A ready task sits in the policy's queue and in the instant's batch.
        let per_live = size_of::<ReadyTask>() + size_of::<(TaskId, Ready)>();
        let events = self.events.len() * self.events.entry_size();
        let engine = (slab + self.live * per_live + events) as u64;
        Bytes(engine.saturating_add(self.recorder.kept_bytes()))
    }

    /// Stops the run at `limit`, with what it had done.
    pub(super) fn reached(&self, limit: Limit, pending_extra: u64) -> Halt {
        Halt::Limit(Box::new(LimitReached {
            limit,
            value: self.config.limits.value(limit).unwrap_or(u64::MAX),
            at: self.now,
            events: self.stats.events,
            pending_events: self.events.len() as u64 + pending_extra,
            live_tasks: self.live as u64,
            tasks: self.next_serial,
            memory: self.memory(),
        }))
    }

    pub(super) fn check_memory(&self, pending_extra: u64) -> Result<(), Halt> {
        match self.config.limits.max_memory {
            Some(max) if self.memory() > max => Err(self.reached(Limit::MaxMemory, pending_extra)),
            _ => Ok(()),
        }
    }

    /// The full check when the events processed pass `watch.events_at`, the
    /// last of them popped but not yet handled; `instant_start` is the count
    /// when the clock last moved.
    #[cold]
    #[inline(never)]
    pub(super) fn events_checkpoint(&mut self, instant_start: u64) -> Result<(), Halt> {
        let events = self.stats.events;
        if events - instant_start > STALL_EVENTS {
            return Err(SimError::Stalled {
                at: self.now,
                events: STALL_EVENTS,
            }
            .into());
        }
        if let Some(max) = self.config.limits.max_events
            && events > max
        {
            // The event just popped is not carried out: it is pending.
            self.stats.events = max;
            return Err(self.reached(Limit::MaxEvents, 1));
        }
        self.check_memory(1)?;
        let next = events + CHECK_EVENTS;
        self.watch.events_at = self.config.limits.max_events.map_or(next, |m| m.min(next));
        Ok(())
    }

    /// The full check before a task is created when `watch.tasks_at` tasks
    /// have been: the new one must not pass `max_live_tasks` or `max_tasks`.
    #[cold]
    #[inline(never)]
    pub(super) fn tasks_checkpoint(&mut self) -> Result<(), Halt> {
        let limits = self.config.limits;
        let (live, created) = (self.live as u64, self.next_serial);
        if limits.max_live_tasks.is_some_and(|max| live >= max) {
            return Err(self.reached(Limit::MaxLiveTasks, 0));
        }
        if limits.max_tasks.is_some_and(|max| created >= max) {
            return Err(self.reached(Limit::MaxTasks, 0));
        }
        self.check_memory(0)?;
        // Live tasks grow by at most one per task created, so neither count
        // can pass its limit before the next check.
        let room = CHECK_TASKS
            .min(limits.max_live_tasks.map_or(u64::MAX, |max| max - live))
            .min(limits.max_tasks.map_or(u64::MAX, |max| max - created));
        self.watch.tasks_at = created + room;
        Ok(())
    }

    /// Whether work remains when the run stops at `max_time`: a live task, or
    /// an arrival still to come. (A policy timer or a stale CPU event left
    /// pending is no work.)
    pub(super) fn work_left(&self) -> bool {
        self.live > 0
            || self
                .events
                .iter()
                .any(|e| matches!(e, Event::Arrival(_) | Event::Submit { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_limit_the_counts_and_how_to_raise_it() {
        let reached = LimitReached {
            limit: Limit::MaxLiveTasks,
            value: 10_000_000,
            at: SimTime(5_000_000_000_000),
            events: 30_000_000,
            pending_events: 2,
            live_tasks: 10_000_000,
            tasks: 20_000_000,
            memory: Bytes(5 << 29),
        };
        assert_eq!(
            reached.to_string(),
            "reached max_live_tasks = 10000000 at 5000s, with 30000000 events processed (2 pending), \
             10000000 live tasks, 20000000 tasks created, about 2.5 GiB of memory; the results until \
             then are written, marked incomplete"
        );
        assert_eq!(
            reached.how_to_raise(),
            "raise it with [limits] max_live_tasks = 20000000 in the scenario, or --max-live-tasks 20000000"
        );
        let time = LimitReached {
            limit: Limit::MaxTime,
            value: 60_000_000_000,
            ..reached.clone()
        };
        assert!(time.to_string().contains("max_time = \"60s\" at"), "{time}");
        assert!(
            time.how_to_raise()
                .ends_with("max_time = \"120s\" in the scenario, or --max-time 120s"),
            "{}",
            time.how_to_raise()
        );
        let memory = LimitReached {
            limit: Limit::MaxMemory,
            value: 4 << 30,
            ..reached
        };
        assert!(
            memory.how_to_raise().ends_with("--max-memory 8GiB"),
            "{memory}"
        );
    }
}
