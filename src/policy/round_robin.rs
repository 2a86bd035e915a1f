//! `round-robin`: time slicing. Tasks run in ready order for at most one
//! `quantum` each; a task whose quantum ends goes to the back of the queue. The
//! quantum is required: textbooks use anything from 1ms to 100ms, and the
//! choice is the point of most experiments.

use serde::{Deserialize, Serialize};

use super::fifo::SlicedFifo;
use super::{ParamError, ParamInfo, PolicyInfo, PolicyKind, Scheduler};
use crate::time::SimDuration;

/// `[[policy]] kind = "round-robin"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The slice (required).
    pub quantum: SimDuration,
}

impl PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "round-robin",
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        preemptive: true,
        models: "time slicing: ready order, at most one quantum per dispatch",
        params: &[ParamInfo {
            name: "quantum",
            required: true,
            example: "\"10ms\"",
            meaning: "the slice a task runs before going to the back of the queue",
            default_note: "",
        }],
    };

    fn check(&self) -> Result<(), ParamError> {
        ParamError::positive("quantum", self.quantum)
    }

    fn build(&self, _cpus: u32, _seed: u64) -> Scheduler {
        Scheduler::Queue(Box::new(policy(self.quantum)))
    }
}

/// The `round-robin` policy: slices of `quantum`.
pub fn policy(quantum: SimDuration) -> SlicedFifo {
    SlicedFifo::new(Some(quantum), true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::ready;
    use crate::policy::{CpuId, Policy, Ready};
    use crate::time::SimTime;

    #[test]
    fn expired_tasks_go_back_and_preempted_ones_keep_their_place_and_slice() {
        let q = SimDuration::from_millis(4);
        let mut p = policy(q);
        p.enqueue(ready(0, 0, 10), Ready::Arrived);
        p.enqueue(ready(1, 1, 10), Ready::Arrived);
        let first = p.pick(CpuId(0), SimTime::ZERO).unwrap();
        assert_eq!((first.task.0, first.slice), (0, Some(q)));
        p.enqueue(ready(0, 2, 6), Ready::QuantumExpired);
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().task.0, 1);
        let left = Some(SimDuration::from_millis(1));
        p.enqueue(ready(1, 3, 7), Ready::Preempted { slice_left: left });
        let again = p.pick(CpuId(0), SimTime::ZERO).unwrap();
        assert_eq!((again.task.0, again.slice), (1, left));
        assert_eq!(p.pick(CpuId(0), SimTime::ZERO).unwrap().task.0, 0);
        assert_eq!(p.ready_len(), 0);
    }
}
