//! Processor sharing as a fluid model: every ready task computes at once at
//! rate min(1, cpus / n), exactly, with one completion event pending at a
//! time (the sharing set's generation tells a stale one).

use super::execute::{Exec, StepContext};
use super::limits::Halt;
use super::tasks::Notice;
use super::{Engine, Event, Recorder};
use crate::model::SimConfig;
use crate::policy::ProcessorSharing;
use crate::task::TaskId;
use crate::task::{ClassId, Workload};
use crate::time::SimDuration;

/// The fluid executor's state: the sharing set and the generation of the one
/// valid completion event.
pub(super) struct Fluid {
    share: ProcessorSharing,
    generation: u64,
    /// The generation the pending completion event was scheduled for.
    scheduled: u64,
    /// Tasks of each class in the sharing set, for per-class utilisation.
    class_counts: Vec<u32>,
}

impl Fluid {
    pub(super) fn new(config: &SimConfig) -> Self {
        Fluid {
            share: ProcessorSharing::new(config.cpus),
            generation: 0,
            scheduled: u64::MAX,
            class_counts: vec![0; config.classes.len()],
        }
    }
}

impl<W: Workload, R: Recorder> Engine<'_, W, R> {
    /// The end of an instant under processor sharing: every ready task joins
    /// the sharing set, and the next completion is scheduled.
    pub(super) fn fluid_decide(&mut self, f: &mut Fluid) -> Result<(), Halt> {
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
    fn fluid_flush_ready(&mut self, f: &mut Fluid) -> Result<bool, Halt> {
        if self.newly_ready.is_empty() {
            return Ok(false);
        }
        let batch = self.take_ready();
        for &notice in &batch {
            // Relays come only from event-loop policies, never shared.
            if let Notice::Ready(id, _) = notice {
                self.ready_order(id);
                self.fluid_run(f, id)?;
            }
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
    fn fluid_run(&mut self, f: &mut Fluid, id: TaskId) -> Result<(), Halt> {
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

    /// A completion event, stale unless the sharing set is as it was when the
    /// event was scheduled: the tasks whose demand ran out finish their bursts.
    pub(super) fn fluid_completions(&mut self, f: &mut Fluid, generation: u64) -> Result<(), Halt> {
        if f.generation != generation {
            return Ok(());
        }
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
