//! Devices with limited capacity (FIFO queues of I/Os) and FIFO mutexes.

use std::collections::VecDeque;

use crate::model::DeviceSpec;
use crate::task::TaskId;
use crate::time::SimDuration;

struct Device {
    capacity: Option<u32>,
    busy: u32,
    queue: VecDeque<(TaskId, SimDuration)>,
}

/// Every device's occupancy and queue.
pub(super) struct Devices {
    devices: Vec<Device>,
}

impl Devices {
    pub(super) fn new(specs: &[DeviceSpec]) -> Self {
        let devices = specs
            .iter()
            .map(|s| Device {
                capacity: s.capacity,
                busy: 0,
                queue: VecDeque::new(),
            })
            .collect();
        Devices { devices }
    }

    /// Submits an I/O. True if it starts now; false if it waits in line.
    pub(super) fn submit(&mut self, device: u32, task: TaskId, duration: SimDuration) -> bool {
        let d = &mut self.devices[device as usize];
        if d.capacity.is_some_and(|cap| d.busy >= cap) {
            d.queue.push_back((task, duration));
            false
        } else {
            d.busy += 1;
            true
        }
    }

    /// An I/O on `device` completed: the next queued one, which starts now.
    pub(super) fn complete(&mut self, device: u32) -> Option<(TaskId, SimDuration)> {
        let d = &mut self.devices[device as usize];
        match d.queue.pop_front() {
            Some(next) => Some(next),
            None => {
                d.busy -= 1;
                None
            }
        }
    }
}

/// FIFO mutexes: a holder and a line of waiters each; unlocking hands the
/// lock to the first waiter.
pub(super) struct Locks {
    holders: Vec<Option<TaskId>>,
    waiters: Vec<VecDeque<TaskId>>,
}

impl Locks {
    pub(super) fn new(count: u32) -> Self {
        Locks {
            holders: vec![None; count as usize],
            waiters: (0..count).map(|_| VecDeque::new()).collect(),
        }
    }

    /// Takes the lock if free (true); otherwise joins its line (false).
    pub(super) fn acquire(&mut self, lock: u32, task: TaskId) -> bool {
        let holder = &mut self.holders[lock as usize];
        if holder.is_none() {
            *holder = Some(task);
            true
        } else {
            self.waiters[lock as usize].push_back(task);
            false
        }
    }

    /// Whether nobody holds `lock`.
    pub(super) fn is_free(&self, lock: u32) -> bool {
        self.holders[lock as usize].is_none()
    }

    /// Whether `task` holds `lock`.
    pub(super) fn holds(&self, lock: u32, task: TaskId) -> bool {
        self.holders[lock as usize] == Some(task)
    }

    /// Who holds `lock`, if anyone.
    pub(super) fn holder(&self, lock: u32) -> Option<TaskId> {
        self.holders[lock as usize]
    }

    /// The tasks waiting for `lock`, first in line first.
    pub(super) fn waiters(&self, lock: u32) -> impl Iterator<Item = TaskId> + '_ {
        self.waiters[lock as usize].iter().copied()
    }

    /// Releases `lock`: the waiter it passes to, if any.
    pub(super) fn release(&mut self, lock: u32) -> Option<TaskId> {
        let next = self.waiters[lock as usize].pop_front();
        self.holders[lock as usize] = next;
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_serves_capacity_at_once_and_queues_the_rest_fifo() {
        let spec = DeviceSpec {
            name: "disk".into(),
            capacity: Some(1),
        };
        let mut d = Devices::new(&[spec]);
        let ms = SimDuration::from_millis;
        assert!(d.submit(0, TaskId(0), ms(1)));
        assert!(!d.submit(0, TaskId(1), ms(2)));
        assert!(!d.submit(0, TaskId(2), ms(3)));
        assert_eq!(d.complete(0), Some((TaskId(1), ms(2))));
        assert_eq!(d.complete(0), Some((TaskId(2), ms(3))));
        assert_eq!(d.complete(0), None);
        assert!(d.submit(0, TaskId(3), ms(1)));
    }

    #[test]
    fn locks_hand_off_in_fifo_order() {
        let mut l = Locks::new(1);
        assert!(l.acquire(0, TaskId(5)));
        assert!(!l.acquire(0, TaskId(6)));
        assert!(!l.acquire(0, TaskId(7)));
        assert_eq!(l.release(0), Some(TaskId(6)));
        assert!(l.holds(0, TaskId(6)));
        assert_eq!(l.release(0), Some(TaskId(7)));
        assert_eq!(l.release(0), None);
        assert!(l.acquire(0, TaskId(1)));
    }
}
