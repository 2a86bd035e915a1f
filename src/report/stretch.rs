//! The Gantt charts' one rule for joining segments, for the text chart and
//! the drawn one: back-to-back stretches of one task on one CPU, doing one
//! thing, are one block (a task polled many times in a row is one block).

use crate::metrics::SegmentKind;

/// A stretch of one CPU's timeline, in ns, that [`merged`] may join with the
/// next.
pub(crate) trait Stretch {
    /// Its CPU.
    fn cpu(&self) -> u32;
    /// Its start.
    fn start(&self) -> u64;
    /// Its end.
    fn end(&self) -> u64;
    /// What the CPU did; `None` for a mark at an instant (a preemption),
    /// which joins nothing and sorts after the stretches starting then.
    fn kind(&self) -> Option<SegmentKind>;
    /// Whether `other` is of the same task.
    fn same_task(&self, other: &Self) -> bool;
    /// Whether a next stretch may continue it (the text chart ends one where
    /// its task was preempted).
    fn continuable(&self) -> bool {
        true
    }
    /// Extends it over `next`, which continues it.
    fn absorb(&mut self, next: Self);
}

/// `stretches` by CPU and start (stable), each joined onto the one before it
/// where it continues it: the same task doing the same thing on the same
/// CPU, from the instant the previous one ended.
pub(crate) fn merged<S: Stretch>(mut stretches: Vec<S>) -> Vec<S> {
    stretches.sort_by_key(|s| (s.cpu(), s.start(), s.kind().is_none()));
    let mut out: Vec<S> = Vec::with_capacity(stretches.len());
    for s in stretches {
        if let Some(last) = out.last_mut() {
            let continues = s.kind().is_some()
                && last.kind() == s.kind()
                && last.cpu() == s.cpu()
                && last.same_task(&s)
                && last.end() == s.start()
                && last.continuable();
            if continues {
                last.absorb(s);
                continue;
            }
        }
        out.push(s);
    }
    out
}
