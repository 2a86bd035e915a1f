//! `sjf`: shortest job first, non-preemptive: the ready task with the shortest
//! next CPU burst runs, until it awaits. The burst is known exactly (the
//! simulator draws it before the task becomes ready): SJF as textbooks state
//! it, the optimum for mean waiting time among non-preemptive orders when all
//! jobs are present at once. A task whose next step is not a computation has a
//! burst of 0 and goes first.

use super::PolicyInfo;
use super::keyed::KeyedPolicy;
use crate::time::SimDuration;

/// `[[policy]] kind = "sjf"`: no parameters.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "sjf",
        preemptive: false,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "shortest next CPU burst first, non-preemptive",
        params: &[],
    };

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(policy()))
    }
}

/// The `sjf` policy.
pub fn policy() -> KeyedPolicy<SimDuration> {
    KeyedPolicy::new(|t| t.burst, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::TaskId;
    use crate::policy::testing::ready;
    use crate::policy::{CpuId, Policy, Ready};
    use crate::time::SimTime;

    #[test]
    fn shortest_burst_first_ties_by_ready_order() {
        let mut p = policy();
        for (id, seq, burst) in [(0, 0, 6), (1, 1, 8), (2, 2, 7), (3, 3, 3), (4, 4, 6)] {
            p.enqueue(ready(id, seq, burst), Ready::Arrived);
        }
        let order: Vec<TaskId> =
            std::iter::from_fn(|| p.pick(CpuId(0), SimTime::ZERO).map(|d| d.task)).collect();
        assert_eq!(
            order,
            [TaskId(3), TaskId(0), TaskId(4), TaskId(2), TaskId(1)]
        );
    }
}
