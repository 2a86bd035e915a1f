//! `stride`: stride scheduling (Waldspurger and Weihl, 1995), deterministic
//! proportional share. Each task has a pass; the task with the smallest pass
//! runs for one `quantum`, and its pass advances by the CPU time it used
//! divided by its class `tickets`, so over time each task's CPU share is its
//! share of the tickets. A new or waking task starts at the smallest pass of
//! the runnable tasks (the paper's global pass), so sleeping earns no credit.
//! Default quantum 10ms (the papers used Mach's 100ms; a finer slice tracks
//! the shares more closely).

use super::keyed::{FloatKey, KeyedQueue};
use super::{
    Carried, CpuId, Dispatch, ParamInfo, Policy, PolicyInfo, Ready, ReadyTask, Stolen, TaskId,
};
use crate::time::{SimDuration, SimTime};

/// `[[policy]] kind = "stride"`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The slice (default 10ms).
    pub quantum: SimDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            quantum: DEFAULT_QUANTUM,
        }
    }
}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "stride",
        preemptive: true,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "stride scheduling: CPU shares proportional to class tickets, deterministically",
        params: &[ParamInfo {
            name: "quantum",
            required: false,
            example: "\"10ms\"",
            meaning: "the slice",
            default_note: "",
        }],
    };

    fn check(&self) -> Result<(), super::ParamError> {
        super::ParamError::positive("quantum", self.quantum)
    }

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(Stride::new(self.quantum)))
    }
}

/// Default slice of `stride` and `lottery`.
pub const DEFAULT_QUANTUM: SimDuration = SimDuration::from_millis(10);

/// The `stride` policy.
#[derive(Debug)]
pub struct Stride {
    quantum: SimDuration,
    queue: KeyedQueue<FloatKey>,
    /// Per task: pass and tickets, while it lives.
    tasks: Vec<Option<(f64, f64)>>,
    min_pass: f64,
}

impl Stride {
    /// Stride scheduling with slices of `quantum`.
    pub fn new(quantum: SimDuration) -> Self {
        Stride {
            quantum,
            queue: KeyedQueue::default(),
            tasks: Vec::new(),
            min_pass: 0.0,
        }
    }

    fn entry(&mut self, task: TaskId) -> &mut Option<(f64, f64)> {
        if self.tasks.len() <= task.index() {
            self.tasks.resize(task.index() + 1, None);
        }
        &mut self.tasks[task.index()]
    }
}

impl Policy for Stride {
    fn preemptive(&self) -> bool {
        true
    }

    fn enqueue(&mut self, task: ReadyTask, why: Ready) {
        let floor = self.min_pass;
        let tickets = f64::from(task.tickets.max(1));
        let entry = self.entry(task.id);
        let pass = match (why, *entry) {
            (Ready::Arrived | Ready::Spawned | Ready::Woke(_), Some((p, _))) => p.max(floor),
            (_, Some((p, _))) => p,
            (_, None) => floor,
        };
        *entry = Some((pass, tickets));
        self.queue.push(task, FloatKey(pass));
    }

    fn pick(&mut self, _cpu: CpuId, _now: SimTime) -> Option<Dispatch> {
        let task = self.queue.pop()?;
        let (pass, _) = self.tasks[task.index()].expect("queued tasks are known");
        let leftmost = self.queue.best_key().map_or(pass, |k| k.0.min(pass));
        self.min_pass = self.min_pass.max(leftmost);
        Some(Dispatch {
            task,
            slice: Some(self.quantum),
        })
    }

    fn ready_len(&self) -> usize {
        self.queue.len()
    }

    fn ran(&mut self, task: TaskId, ran: SimDuration, _now: SimTime) {
        if let Some((pass, tickets)) = self.entry(task) {
            *pass += ran.as_nanos_f64() / *tickets;
        }
    }

    fn exited(&mut self, task: TaskId) {
        if let Some(e) = self.tasks.get_mut(task.index()) {
            *e = None;
        }
    }

    fn steal(&mut self) -> Option<Stolen> {
        let mut stolen = self.queue.steal()?;
        let (pass, _) = self
            .entry(stolen.task.id)
            .take()
            .expect("queued tasks are known");
        stolen.state = Carried::Lead(pass - self.min_pass);
        Some(stolen)
    }

    fn adopt(&mut self, stolen: Stolen) {
        let lead = match stolen.state {
            Carried::Lead(lead) => lead,
            _ => 0.0,
        };
        let tickets = f64::from(stolen.task.tickets.max(1));
        *self.entry(stolen.task.id) = Some((self.min_pass + lead, tickets));
        self.enqueue(stolen.task, Ready::Yielded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::ready;

    /// Tickets 3:1 for A:B, each quantum 1ms: A runs 3 quanta for each of B's.
    /// Passes after each quantum: A 1/3, 2/3, 1; B 1. Ties by ready order.
    #[test]
    fn shares_follow_tickets() {
        let q = SimDuration::from_millis(1);
        let mut p = Stride::new(q);
        let mut a = ready(0, 0, 100);
        a.tickets = 300;
        let mut b = ready(1, 1, 100);
        b.tickets = 100;
        p.enqueue(a, Ready::Arrived);
        p.enqueue(b, Ready::Arrived);
        let mut runs = [0; 2];
        for seq in 2..42 {
            let d = p.pick(CpuId(0), SimTime::ZERO).unwrap();
            runs[d.task.index()] += 1;
            p.ran(d.task, q, SimTime::ZERO);
            let mut again = if d.task.0 == 0 { a } else { b };
            again.seq = seq;
            p.enqueue(again, Ready::QuantumExpired);
        }
        assert_eq!(runs, [30, 10]);
    }
}
