//! `fifo`: the asyncio event loop. Tasks run in the order they became ready,
//! each until it awaits (cooperative), unless `preempt_after` is set, which
//! sends a task that computes longer to the back of the queue, as Go's runtime
//! does with asynchronous preemption (Go preempts after 10ms; `preempt_after =
//! true` means that value).
//!
//! The queue itself, [`SliceQueue`], is shared with `round-robin`: both are FIFO
//! with an optional slice; they differ in whether `block` holds the worker.

use std::collections::VecDeque;

use serde::{Deserialize, Deserializer, Serialize};

use super::{
    Carried, CpuId, Dispatch, ParamError, ParamInfo, Policy, PolicyInfo, PolicyKind, Ready,
    ReadyTask, Scheduler, Stolen,
};
use crate::time::{SimDuration, SimTime};

/// Go's runtime preempts a goroutine that has run for 10ms
/// (`forcePreemptNS` in runtime/proc.go).
pub const GO_PREEMPT_AFTER: SimDuration = SimDuration::from_millis(10);

/// `[[policy]] kind = "fifo"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Forced preemption of a task that computes longer than this (none by
    /// default; `true` in TOML is Go's 10ms, `false` none).
    #[serde(
        deserialize_with = "preempt_after",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "preempt_after_schema")]
    pub preempt_after: Option<SimDuration>,
}

/// What `preempt_after` reads: a duration or a boolean.
fn preempt_after_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let duration = g.subschema_for::<SimDuration>();
    schemars::json_schema!({ "anyOf": [duration, { "type": "boolean" }] })
}

/// `preempt_after = "5ms"`, or `true` for Go's 10ms, or `false` for never.
fn preempt_after<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SimDuration>, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = Option<SimDuration>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a duration like \"10ms\", or true for Go's 10ms")
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(v.then_some(GO_PREEMPT_AFTER))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.parse().map(Some).map_err(E::custom)
        }
    }
    d.deserialize_any(V)
}

impl PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "fifo",
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        preemptive: false,
        models: "asyncio event loop: runs each task until it awaits, in ready order",
        params: &[ParamInfo {
            name: "preempt_after",
            required: false,
            example: "\"10ms\"",
            meaning: "forced preemption of a task that computes longer than this",
            default_note: "true = 10ms, Go's asynchronous preemption",
        }],
    };

    fn check(&self) -> Result<(), ParamError> {
        match self.preempt_after {
            Some(d) => ParamError::positive("preempt_after", d),
            None => Ok(()),
        }
    }

    fn build(&self, _cpus: u32, _seed: u64) -> Scheduler {
        Scheduler::Queue(Box::new(policy(self.preempt_after)))
    }
}

/// A FIFO ready queue with an optional slice: back on arrival, wake-up, yield
/// and quantum expiry; front, with the rest of its slice, when preempted.
#[derive(Debug, Default)]
pub struct SliceQueue {
    queue: VecDeque<(ReadyTask, Option<SimDuration>)>,
    slice: Option<SimDuration>,
}

impl SliceQueue {
    /// A queue whose dispatches run for `slice` (or until they suspend).
    pub fn new(slice: Option<SimDuration>) -> Self {
        SliceQueue {
            queue: VecDeque::new(),
            slice,
        }
    }

    /// Queues `task` as `why` says.
    pub fn enqueue(&mut self, task: ReadyTask, why: Ready) {
        match why {
            Ready::Preempted { slice_left } => self.queue.push_front((task, slice_left)),
            _ => self.queue.push_back((task, None)),
        }
    }

    /// The head of the queue, with its slice (or the rest of it).
    pub fn pick(&mut self) -> Option<Dispatch> {
        let (task, left) = self.queue.pop_front()?;
        Some(Dispatch {
            task: task.id,
            slice: left.or(self.slice),
        })
    }

    /// The task at the back, for another CPU's queue.
    pub fn steal(&mut self) -> Option<Stolen> {
        self.queue.pop_back().map(|(task, _)| Stolen {
            task,
            state: Carried::Nothing,
        })
    }

    /// Queued tasks.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

/// A FIFO ready queue as a policy: `fifo` (cooperative, with an optional
/// forced preemption) and `round-robin` (preemptive, with a quantum) are this
/// with different slices and a different answer to whether `block` is I/O.
#[derive(Debug)]
pub struct SlicedFifo {
    queue: SliceQueue,
    preemptive: bool,
}

impl SlicedFifo {
    /// A FIFO queue whose dispatches run for `slice`; `preemptive` decides
    /// what `block` means (I/O when preemptive, a held worker otherwise).
    pub fn new(slice: Option<SimDuration>, preemptive: bool) -> Self {
        SlicedFifo {
            queue: SliceQueue::new(slice),
            preemptive,
        }
    }
}

impl Policy for SlicedFifo {
    fn preemptive(&self) -> bool {
        self.preemptive
    }
    fn enqueue(&mut self, task: ReadyTask, why: Ready) {
        self.queue.enqueue(task, why);
    }
    fn pick(&mut self, _cpu: CpuId, _now: SimTime) -> Option<Dispatch> {
        self.queue.pick()
    }
    fn ready_len(&self) -> usize {
        self.queue.len()
    }
    fn steal(&mut self) -> Option<Stolen> {
        self.queue.steal()
    }
}

/// The `fifo` policy, with forced preemption after `preempt_after` if set.
pub fn policy(preempt_after: Option<SimDuration>) -> SlicedFifo {
    SlicedFifo::new(preempt_after, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::ready;

    #[test]
    fn serves_in_ready_order_without_slices() {
        let mut p = policy(None);
        for (id, seq) in [(3, 0), (1, 1), (2, 2)] {
            p.enqueue(ready(id, seq, 5), Ready::Arrived);
        }
        p.enqueue(ready(0, 3, 5), Ready::Yielded);
        let order: Vec<u32> = std::iter::from_fn(|| p.pick(CpuId(0), SimTime::ZERO))
            .map(|d| {
                assert_eq!(d.slice, None);
                d.task.0
            })
            .collect();
        assert_eq!(order, vec![3, 1, 2, 0]);
    }

    #[test]
    fn preempt_after_gives_every_dispatch_a_slice() {
        let mut p = policy(Some(GO_PREEMPT_AFTER));
        p.enqueue(ready(0, 0, 50), Ready::Arrived);
        assert_eq!(
            p.pick(CpuId(0), SimTime::ZERO).unwrap().slice,
            Some(GO_PREEMPT_AFTER)
        );
        assert!(!p.preemptive());
    }
}
