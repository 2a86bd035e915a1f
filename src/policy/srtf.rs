//! `srtf`: shortest remaining time first, preemptive SJF. The ready task with
//! the least CPU time left in its current burst runs; a task becoming ready
//! with strictly less left than a running one displaces it (the running one
//! returns to the queue with what it has left). Equal times do not preempt.

use super::PolicyInfo;
use super::keyed::KeyedPolicy;
use crate::time::SimDuration;

/// `[[policy]] kind = "srtf"`: no parameters.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "srtf",
        preemptive: true,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "shortest remaining time first: preemptive shortest job first",
        params: &[],
    };

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(policy()))
    }
}

/// The `srtf` policy.
pub fn policy() -> KeyedPolicy<SimDuration> {
    KeyedPolicy::new(|t| t.burst, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::ready;
    use crate::policy::{CpuId, Policy, Ready, RunningTask};
    use crate::time::SimTime;

    #[test]
    fn a_shorter_newcomer_preempts_only_when_strictly_shorter() {
        let mut p = policy();
        let running = [RunningTask {
            cpu: CpuId(0),
            task: ready(0, 0, 5),
            ran: SimDuration::ZERO,
        }];
        p.enqueue(ready(1, 1, 5), Ready::Arrived);
        assert_eq!(p.preempt(SimTime::ZERO, &running), None);
        p.enqueue(ready(2, 2, 4), Ready::Arrived);
        assert_eq!(p.preempt(SimTime::ZERO, &running), Some(CpuId(0)));
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().task.0, 2);
    }
}
