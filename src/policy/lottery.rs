//! `lottery`: lottery scheduling (Waldspurger and Weihl, 1994), randomised
//! proportional share. At every dispatch a ticket is drawn among the ready
//! tasks' class `tickets`; its holder runs for one `quantum`. Shares match the
//! tickets in expectation. The draws come from the policy's own ChaCha stream
//! (keyed by the replication's seed and purpose `Policy`), never from the
//! workload's, so the workload stays identical to every other policy's.
//! Default quantum 10ms, as `stride`.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Carried, CpuId, Dispatch, ParamInfo, Policy, PolicyInfo, Ready, ReadyTask, Stolen};
use crate::rng::{self, Purpose};
use crate::time::{SimDuration, SimTime};

/// `[[policy]] kind = "lottery"`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[derive(schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The slice (default 10ms, as `stride`).
    pub quantum: SimDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            quantum: super::stride::DEFAULT_QUANTUM,
        }
    }
}

impl super::PolicyKind for Config {
    const INFO: PolicyInfo = PolicyInfo {
        kind: "lottery",
        preemptive: true,
        work_conserving: true,
        per_cpu_by_nature: false,
        fluid: false,
        models: "lottery scheduling: each slice goes to a random ticket (class tickets)",
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

    fn build(&self, _cpus: u32, seed: u64) -> super::Scheduler {
        super::Scheduler::Queue(Box::new(Lottery::new(self.quantum, seed)))
    }
}

/// The stream class number of policy draws (no task class is this large).
const POLICY_STREAM: u32 = u32::MAX;

/// The `lottery` policy.
#[derive(Debug)]
pub struct Lottery {
    quantum: SimDuration,
    queue: VecDeque<ReadyTask>,
    rng: ChaCha8Rng,
}

impl Lottery {
    /// Lottery scheduling with slices of `quantum`, drawing from the stream of
    /// replication seed `seed`.
    pub fn new(quantum: SimDuration, seed: u64) -> Self {
        Lottery {
            quantum,
            queue: VecDeque::new(),
            rng: rng::stream(seed, POLICY_STREAM, Purpose::Policy),
        }
    }
}

impl Policy for Lottery {
    fn preemptive(&self) -> bool {
        true
    }

    fn enqueue(&mut self, task: ReadyTask, _why: Ready) {
        self.queue.push_back(task);
    }

    fn pick(&mut self, _cpu: CpuId, _now: SimTime) -> Option<Dispatch> {
        let total: u64 = self.queue.iter().map(|t| u64::from(t.tickets.max(1))).sum();
        if total == 0 {
            return None;
        }
        // Uniform in [0, total) without modulo bias: Lemire's widening multiply.
        let mut winner = ((u128::from(self.rng.next_u64()) * u128::from(total)) >> 64) as u64;
        let index = self
            .queue
            .iter()
            .position(|t| {
                let tickets = u64::from(t.tickets.max(1));
                if winner < tickets {
                    true
                } else {
                    winner -= tickets;
                    false
                }
            })
            .expect("the winning ticket is held by someone");
        let task = self.queue.remove(index).expect("index is in range");
        Some(Dispatch {
            task: task.id,
            slice: Some(self.quantum),
        })
    }

    fn ready_len(&self) -> usize {
        self.queue.len()
    }

    fn steal(&mut self) -> Option<Stolen> {
        self.queue.pop_back().map(|task| Stolen {
            task,
            state: Carried::Nothing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::stride::DEFAULT_QUANTUM;
    use crate::policy::testing::ready;

    #[test]
    fn wins_in_proportion_to_tickets_and_is_reproducible() {
        let draw = |seed| {
            let mut p = Lottery::new(DEFAULT_QUANTUM, seed);
            let mut wins = [0u32; 2];
            for seq in 0..20_000u64 {
                let mut a = ready(0, 2 * seq, 1);
                a.tickets = 300;
                let mut b = ready(1, 2 * seq + 1, 1);
                b.tickets = 100;
                p.enqueue(a, Ready::Arrived);
                p.enqueue(b, Ready::Arrived);
                let won = p.pick(CpuId(0), SimTime::ZERO).unwrap().task;
                wins[won.index()] += 1;
                let other = p.pick(CpuId(0), SimTime::ZERO).unwrap().task;
                assert_ne!(won, other);
            }
            wins
        };
        let wins = draw(5);
        // Binomial(20000, 0.75): sd = 61; 5 sd either side of 15000.
        assert!((wins[0] as i64 - 15_000).abs() < 310, "{wins:?}");
        assert_eq!(draw(5), wins);
        assert_ne!(draw(6), wins);
    }
}
