//! A ready queue ordered by a key, ties broken by ready order, with both ends
//! reachable: the most urgent runs next, the least urgent is the one to give
//! away when another CPU steals. [`KeyedPolicy`] is the whole of `priority`,
//! `sjf`, `srtf` and `edf`, which differ only in their key and in whether a
//! newcomer preempts; `cfs` and `stride` use the queue with keys of their own.

use std::collections::BTreeSet;

use super::{Carried, CpuId, Dispatch, Policy, Ready, ReadyTask, RunningTask, Stolen, TaskId};
use crate::time::SimTime;

/// A float key (a virtual runtime, a pass), totally ordered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FloatKey(pub f64);

impl Eq for FloatKey {}

impl PartialOrd for FloatKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FloatKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Tasks ordered by (key, seq): smaller is more urgent.
#[derive(Debug)]
pub struct KeyedQueue<K: Ord + Copy> {
    set: BTreeSet<(K, u64, TaskId)>,
    views: Vec<Option<ReadyTask>>,
}

impl<K: Ord + Copy> Default for KeyedQueue<K> {
    fn default() -> Self {
        KeyedQueue {
            set: BTreeSet::new(),
            views: Vec::new(),
        }
    }
}

impl<K: Ord + Copy> KeyedQueue<K> {
    /// Queues a task under `key`.
    pub fn push(&mut self, task: ReadyTask, key: K) {
        self.set.insert((key, task.seq, task.id));
        if self.views.len() <= task.id.index() {
            self.views.resize(task.id.index() + 1, None);
        }
        self.views[task.id.index()] = Some(task);
    }

    /// Removes the most urgent task.
    pub fn pop(&mut self) -> Option<TaskId> {
        let (_, _, id) = self.set.pop_first()?;
        self.views[id.index()] = None;
        Some(id)
    }

    /// The least urgent task, removed, for another queue.
    pub fn steal(&mut self) -> Option<Stolen> {
        let (_, _, id) = self.set.pop_last()?;
        let task = self.views[id.index()]
            .take()
            .expect("queued tasks have views");
        Some(Stolen {
            task,
            state: Carried::Nothing,
        })
    }

    /// The most urgent task, left queued.
    pub fn first(&self) -> Option<TaskId> {
        self.set.first().map(|(_, _, id)| *id)
    }

    /// The key of the most urgent task.
    pub fn best_key(&self) -> Option<K> {
        self.set.first().map(|(k, _, _)| *k)
    }

    /// Queued tasks.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The running task to displace, if the most urgent queued task is
    /// strictly more urgent than some running one (by `key`): the least urgent
    /// of those (the latest to become ready among equals).
    pub fn victim(&self, running: &[RunningTask], key: impl Fn(&ReadyTask) -> K) -> Option<CpuId> {
        let best = self.best_key()?;
        running
            .iter()
            .map(|r| (key(&r.task), r.task.seq, r.cpu))
            .filter(|(k, _, _)| best < *k)
            .max()
            .map(|(_, _, cpu)| cpu)
    }
}

/// A policy that runs the ready task with the smallest key, until it
/// suspends or, if `preempts`, until a task with a strictly smaller key
/// becomes ready.
#[derive(Debug)]
pub struct KeyedPolicy<K: Ord + Copy> {
    queue: KeyedQueue<K>,
    key: fn(&ReadyTask) -> K,
    preempts: bool,
}

impl<K: Ord + Copy> KeyedPolicy<K> {
    /// A policy ordering by `key`, preemptive if `preempts`.
    pub fn new(key: fn(&ReadyTask) -> K, preempts: bool) -> Self {
        KeyedPolicy {
            queue: KeyedQueue::default(),
            key,
            preempts,
        }
    }
}

impl<K: Ord + Copy + Send> Policy for KeyedPolicy<K> {
    fn preemptive(&self) -> bool {
        self.preempts
    }
    fn enqueue(&mut self, task: ReadyTask, _why: Ready) {
        self.queue.push(task, (self.key)(&task));
    }
    fn pick(&mut self, _cpu: CpuId, _now: SimTime) -> Option<Dispatch> {
        self.queue.pop().map(|task| Dispatch { task, slice: None })
    }
    fn ready_len(&self) -> usize {
        self.queue.len()
    }
    fn preempt(&mut self, _now: SimTime, running: &[RunningTask]) -> Option<CpuId> {
        if self.preempts {
            self.queue.victim(running, self.key)
        } else {
            None
        }
    }
    fn steal(&mut self) -> Option<Stolen> {
        self.queue.steal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::ready;
    use crate::time::SimDuration;

    #[test]
    fn orders_by_key_then_ready_order_and_steals_from_the_back() {
        let mut q = KeyedQueue::default();
        for t in [
            ready(0, 0, 5),
            ready(1, 1, 3),
            ready(2, 2, 5),
            ready(3, 3, 9),
        ] {
            q.push(t, t.burst);
        }
        assert_eq!(q.best_key(), Some(SimDuration::from_millis(3)));
        assert_eq!(q.steal().unwrap().task.id, TaskId(3));
        assert_eq!(
            [q.pop(), q.pop(), q.pop(), q.pop()],
            [Some(TaskId(1)), Some(TaskId(0)), Some(TaskId(2)), None]
        );
    }

    #[test]
    fn victim_is_the_least_urgent_running_task_strictly_behind() {
        let mut q = KeyedQueue::default();
        q.push(ready(9, 9, 4), SimDuration::from_millis(4));
        let running = |cpu, burst| RunningTask {
            cpu: CpuId(cpu),
            task: ready(cpu, u64::from(cpu), burst),
            ran: SimDuration::ZERO,
        };
        let burst = |t: &ReadyTask| t.burst;
        assert_eq!(q.victim(&[running(0, 4), running(1, 2)], burst), None);
        assert_eq!(
            q.victim(&[running(0, 6), running(1, 8), running(2, 3)], burst),
            Some(CpuId(1))
        );
    }
}
