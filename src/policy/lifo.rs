//! `lifo`: last come, first served, cooperative. The newest ready task runs
//! next, until it awaits; a yield puts the task back on top, so it resumes at
//! once unless something became ready meanwhile. Models a stack-like ready
//! list; unfair on purpose, a foil for `fifo`.

use super::{Carried, CpuId, Dispatch, Policy, PolicyInfo, Ready, ReadyTask, Stolen};
use crate::time::SimTime;

/// `[[policy]] kind = "lifo"`: no parameters.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "lifo",
        preemptive: false,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "last come, first served: the newest ready task runs next, until it awaits",
        params: &[],
    };

    fn build(&self, _cpus: u32, _seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(Lifo::default()))
    }
}

/// The `lifo` policy.
#[derive(Debug, Default)]
pub struct Lifo {
    stack: Vec<ReadyTask>,
}

impl Policy for Lifo {
    fn preemptive(&self) -> bool {
        false
    }
    fn enqueue(&mut self, task: ReadyTask, _why: Ready) {
        self.stack.push(task);
    }
    fn pick(&mut self, _cpu: CpuId, _now: SimTime) -> Option<Dispatch> {
        self.stack.pop().map(|t| Dispatch {
            task: t.id,
            slice: None,
        })
    }
    fn ready_len(&self) -> usize {
        self.stack.len()
    }
    fn steal(&mut self) -> Option<Stolen> {
        // The bottom of the stack: the task this CPU would run last.
        (!self.stack.is_empty()).then(|| Stolen {
            task: self.stack.remove(0),
            state: Carried::Nothing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::TaskId;
    use crate::policy::testing::ready;
    use crate::policy::Via;

    fn id(d: Option<Dispatch>) -> Option<TaskId> {
        d.map(|d| d.task)
    }

    #[test]
    fn newest_first() {
        let mut p = Lifo::default();
        for (i, seq) in [(0, 0), (1, 1), (2, 2)] {
            p.enqueue(ready(i, seq, 1), Ready::Arrived);
        }
        assert_eq!(id(p.pick(CpuId(0), SimTime::ZERO)), Some(TaskId(2)));
        p.enqueue(ready(3, 3, 1), Ready::Woke(Via::Io));
        assert_eq!(id(p.pick(CpuId(0), SimTime::ZERO)), Some(TaskId(3)));
        assert_eq!(p.steal().unwrap().task.id, TaskId(0));
        assert_eq!(id(p.pick(CpuId(0), SimTime::ZERO)), Some(TaskId(1)));
        assert_eq!(p.ready_len(), 0);
    }
}
