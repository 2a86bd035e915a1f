//! Per-CPU queues (`queues = "per-cpu"`): one instance of a policy per CPU,
//! with stealing. A task that has run goes back to the queue of the CPU it
//! last ran on; a new task joins the least loaded queue (queued plus running,
//! ties to the lowest CPU). A CPU whose queue is empty steals half (rounded up)
//! of the longest other queue, taking each task from the victim's least urgent
//! end with the policy's per-task state. Preemption is decided per CPU, between
//! its queue and the task it runs. Migrations are counted by the engine.

use super::{CpuId, Dispatch, Policy, Ready, ReadyTask, RunningTask, Stolen, TaskId};
use crate::time::{SimDuration, SimTime};

/// One policy instance per CPU.
pub struct PerCpu {
    queues: Vec<Box<dyn Policy>>,
    /// The queue each live task belongs to (its last CPU, or where it was put).
    home: Vec<Option<u32>>,
    /// The task each CPU is running, if any.
    running: Vec<Option<TaskId>>,
}

impl std::fmt::Debug for PerCpu {
    /// The queues are trait objects: shown as their count, with each task's
    /// home queue and each CPU's running task.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerCpu")
            .field("queues", &self.queues.len())
            .field("home", &self.home)
            .field("running", &self.running)
            .finish()
    }
}

impl PerCpu {
    /// Wraps one policy instance per CPU.
    pub fn new(queues: Vec<Box<dyn Policy>>) -> Self {
        let cpus = queues.len();
        PerCpu {
            queues,
            home: Vec::new(),
            running: vec![None; cpus],
        }
    }

    fn set_home(&mut self, task: TaskId, cpu: usize) {
        if self.home.len() <= task.index() {
            self.home.resize(task.index() + 1, None);
        }
        self.home[task.index()] = Some(cpu as u32);
    }

    fn load(&self, cpu: usize) -> usize {
        self.queues[cpu].ready_len() + usize::from(self.running[cpu].is_some())
    }

    /// Moves half (rounded up) of the longest other queue into `thief`'s.
    fn steal_for(&mut self, thief: usize) {
        let victim = (0..self.queues.len())
            .filter(|&v| v != thief)
            .max_by_key(|&v| (self.queues[v].ready_len(), std::cmp::Reverse(v)));
        let Some(victim) = victim else { return };
        let take = self.queues[victim].ready_len().div_ceil(2);
        for _ in 0..take {
            let Some(stolen) = self.queues[victim].steal() else {
                break;
            };
            self.set_home(stolen.task.id, thief);
            self.queues[thief].adopt(stolen);
        }
    }
}

impl Policy for PerCpu {
    fn preemptive(&self) -> bool {
        self.queues[0].preemptive()
    }

    fn enqueue(&mut self, task: ReadyTask, why: Ready) {
        let cpu = match task.last_cpu {
            Some(c) => c.0 as usize,
            None => (0..self.queues.len())
                .min_by_key(|&c| (self.load(c), c))
                .expect("at least one CPU"),
        };
        self.set_home(task.id, cpu);
        self.queues[cpu].enqueue(task, why);
    }

    fn pick(&mut self, cpu: CpuId, now: SimTime) -> Option<Dispatch> {
        let c = cpu.0 as usize;
        if self.queues[c].ready_len() == 0 {
            self.steal_for(c);
        }
        let d = self.queues[c].pick(cpu, now)?;
        self.running[c] = Some(d.task);
        Some(d)
    }

    fn ready_len(&self) -> usize {
        self.queues.iter().map(|q| q.ready_len()).sum()
    }

    fn preempt(&mut self, now: SimTime, running: &[RunningTask]) -> Option<CpuId> {
        running
            .iter()
            .find_map(|r| self.queues[r.cpu.0 as usize].preempt(now, std::slice::from_ref(r)))
    }

    fn ran(&mut self, task: TaskId, ran: SimDuration, now: SimTime) {
        if let Some(cpu) = self.running.iter().position(|r| *r == Some(task)) {
            self.running[cpu] = None;
            self.queues[cpu].ran(task, ran, now);
        }
    }

    fn exited(&mut self, task: TaskId) {
        if let Some(cpu) = self.home.get_mut(task.index()).and_then(Option::take) {
            self.queues[cpu as usize].exited(task);
        }
    }

    fn timer(&self) -> Option<SimTime> {
        self.queues.iter().filter_map(|q| q.timer()).min()
    }

    fn on_timer(&mut self, now: SimTime) {
        for q in &mut self.queues {
            if q.timer().is_some_and(|t| t <= now) {
                q.on_timer(now);
            }
        }
    }

    fn budget(&self) -> Option<u32> {
        self.queues[0].budget()
    }

    fn steal(&mut self) -> Option<Stolen> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::fifo;
    use crate::policy::testing::ready;

    #[test]
    fn new_tasks_spread_and_an_idle_cpu_steals_half() {
        let mut p = PerCpu::new(
            (0..2)
                .map(|_| Box::new(fifo::policy(None)) as Box<dyn Policy>)
                .collect(),
        );
        for i in 0..4 {
            p.enqueue(ready(i, u64::from(i), 1), Ready::Arrived);
        }
        // Alternating: 0, 2 on CPU 0; 1, 3 on CPU 1.
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().task, TaskId(0));
        assert_eq!(p.pick(CpuId(1), SimTime::ZERO).unwrap().task, TaskId(1));
        // Task 0 ran on CPU 0: it goes back there, however loaded.
        p.ran(TaskId(0), SimDuration::ZERO, SimTime::ZERO);
        let mut back = ready(0, 9, 1);
        back.last_cpu = Some(CpuId(0));
        p.enqueue(back, Ready::Yielded);
        assert_eq!(p.queues[0].ready_len(), 2);
        // CPU 1 drains its queue, then steals one of CPU 0's two.
        p.ran(TaskId(1), SimDuration::ZERO, SimTime::ZERO);
        assert_eq!(p.pick(CpuId(1), SimTime::ZERO).unwrap().task, TaskId(3));
        p.ran(TaskId(3), SimDuration::ZERO, SimTime::ZERO);
        assert_eq!(p.pick(CpuId(1), SimTime::ZERO).unwrap().task, TaskId(0));
        assert_eq!(p.ready_len(), 1);
    }
}
