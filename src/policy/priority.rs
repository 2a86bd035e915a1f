//! `priority`: non-preemptive fixed priorities. The ready task whose class has
//! the lowest `priority` number runs next, until it awaits; ties go to the task
//! that became ready first. A newly ready urgent task waits for the running one
//! to suspend: the discipline of Cobham's M/G/1 priority formula.

use super::PolicyInfo;
use super::keyed::KeyedPolicy;

/// `[[policy]] kind = "priority"`: no parameters.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "priority",
        preemptive: false,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "non-preemptive fixed priorities: lowest class `priority` number first",
        params: &[],
    };

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(policy()))
    }
}

/// The `priority` policy.
pub fn policy() -> KeyedPolicy<i32> {
    KeyedPolicy::new(|t| t.priority, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::TaskId;
    use crate::policy::testing::ready;
    use crate::policy::{CpuId, Policy, Ready};
    use crate::time::SimTime;

    #[test]
    fn lowest_number_first_then_ready_order() {
        let mut p = policy();
        for (id, seq, prio) in [(0, 0, 2), (1, 1, 0), (2, 2, 2), (3, 3, 1)] {
            let mut t = ready(id, seq, 1);
            t.priority = prio;
            p.enqueue(t, Ready::Arrived);
        }
        let order: Vec<TaskId> =
            std::iter::from_fn(|| p.pick(CpuId(0), SimTime::ZERO).map(|d| d.task)).collect();
        assert_eq!(order, [TaskId(1), TaskId(3), TaskId(0), TaskId(2)]);
        assert!(p.preempt(SimTime::ZERO, &[]).is_none());
    }
}
