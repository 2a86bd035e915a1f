//! `edf`: earliest deadline first, preemptive. The ready task with the earliest
//! absolute deadline (arrival + class `deadline`) runs; a task becoming ready
//! with a strictly earlier deadline than a running one displaces it. Tasks
//! without a deadline come after every task with one, in ready order. On one
//! CPU, EDF meets every deadline whenever total utilisation is at most 1
//! (Liu and Layland, 1973).

use super::keyed::KeyedPolicy;
use super::{PolicyInfo, ReadyTask};
use crate::time::SimTime;

/// `[[policy]] kind = "edf"`: no parameters.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "edf",
        preemptive: true,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "earliest deadline first (class `deadline`), preemptive",
        params: &[],
    };

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(policy()))
    }
}

/// A task's key: its deadline, or after every deadline if it has none.
fn deadline_key(task: &ReadyTask) -> SimTime {
    task.deadline.unwrap_or(SimTime::NEVER)
}

/// The `edf` policy.
pub fn policy() -> KeyedPolicy<SimTime> {
    KeyedPolicy::new(deadline_key, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::TaskId;
    use crate::policy::testing::ready;
    use crate::policy::{CpuId, Policy, Ready, RunningTask};
    use crate::time::SimDuration;
    use crate::time::SimTime;

    #[test]
    fn earliest_deadline_first_and_no_deadline_last() {
        let mut p = policy();
        for (id, seq, deadline) in [
            (0, 0, None),
            (1, 1, Some(30)),
            (2, 2, Some(10)),
            (3, 3, None),
        ] {
            let mut t = ready(id, seq, 1);
            t.deadline = deadline.map(|ms| SimTime(ms * 1_000_000));
            p.enqueue(t, Ready::Arrived);
        }
        let order: Vec<TaskId> =
            std::iter::from_fn(|| p.pick(CpuId(0), SimTime::ZERO).map(|d| d.task)).collect();
        assert_eq!(order, [TaskId(2), TaskId(1), TaskId(0), TaskId(3)]);
        let mut running = ready(5, 5, 1);
        running.deadline = Some(SimTime(20_000_000));
        let mut urgent = ready(6, 6, 1);
        urgent.deadline = Some(SimTime(15_000_000));
        p.enqueue(urgent, Ready::Arrived);
        let r = [RunningTask {
            cpu: CpuId(0),
            task: running,
            ran: SimDuration::ZERO,
        }];
        assert_eq!(p.preempt(SimTime::ZERO, &r), Some(CpuId(0)));
    }
}
