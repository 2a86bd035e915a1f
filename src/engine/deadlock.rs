//! Deadlocks: tasks that wait on each other forever. A task waiting for a
//! lock waits for its holder; a task joining waits for each of its live
//! children. A cycle of such waits never resolves, whatever else happens, so
//! it is looked for whenever a run ends with tasks alive: when no event is
//! left (then every live task waits, and a cycle must exist) and when a limit
//! stops the run (a deadlock often shows as a queue growing behind a lock).

use std::fmt;

use super::{Engine, Recorder};
use crate::policy::TaskId;
use crate::task::Workload;
use crate::time::SimTime;

/// What a task in a deadlock waits for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaitsFor {
    /// A lock (its index), held by the next task of the cycle.
    Lock(u32),
    /// Its live children to finish, the next task of the cycle among them.
    Join {
        /// How many are alive.
        children: u32,
    },
}

/// One task of a deadlock's cycle.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Waiter {
    /// `class#n`.
    pub task: String,
    /// The locks it holds (indices), in index order.
    pub holds: Vec<u32>,
    /// What it waits for.
    pub waits: WaitsFor,
}

/// Tasks waiting on each other in a cycle: each waits for the next, the last
/// for the first.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Deadlock {
    /// When the cycle closed: the latest instant one of its tasks began waiting.
    pub at: SimTime,
    /// The cycle, from the task that arrived first.
    pub cycle: Vec<Waiter>,
    /// Tasks waiting on a lock or a join when the run ended, the cycle's
    /// included (the others wait behind it).
    pub waiting: u64,
}

impl Deadlock {
    /// The cycle in words, locks named by `locks` (index to name):
    /// `a#0 holds A, waits for B held by b#0, which waits for A held by a#0`.
    pub fn describe(&self, locks: &[String]) -> String {
        let lock = |l: u32| {
            locks
                .get(l as usize)
                .cloned()
                .unwrap_or_else(|| format!("lock {l}"))
        };
        let mut out = String::new();
        for (i, w) in self.cycle.iter().enumerate() {
            let next = &self.cycle[(i + 1) % self.cycle.len()].task;
            if i == 0 {
                out.push_str(&w.task);
                if !w.holds.is_empty() {
                    let held: Vec<String> = w.holds.iter().map(|&l| lock(l)).collect();
                    out.push_str(&format!(" holds {},", held.join(" and ")));
                }
                out.push_str(" waits for ");
            } else {
                out.push_str(", which waits for ");
            }
            match w.waits {
                WaitsFor::Lock(l) => out.push_str(&format!("{} held by {next}", lock(l))),
                WaitsFor::Join { children: 1 } => {
                    out.push_str(&format!("its child {next} to finish"))
                }
                WaitsFor::Join { children } => out.push_str(&format!(
                    "its {children} children to finish, among them {next}"
                )),
            }
        }
        let behind = self.waiting.saturating_sub(self.cycle.len() as u64);
        if behind > 0 {
            out.push_str(&format!("; {behind} more tasks wait behind them"));
        }
        out
    }

    /// The tasks of the cycle, in its order.
    pub fn tasks(&self) -> Vec<String> {
        self.cycle.iter().map(|w| w.task.clone()).collect()
    }
}

impl fmt::Display for Deadlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deadlock at {}: {}", self.at, self.describe(&[]))
    }
}

/// Where the depth-first search stands with a task.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    New,
    /// On the current path.
    OnPath,
    /// Explored: on no cycle.
    Done,
}

/// No task, in the index vectors of the wait-for graph.
const NONE: u32 = u32::MAX;

/// Who each waiting task waits for, indexed by slot: a lock's holder, or its
/// children (a list threaded through `next_sibling`). Flat vectors, since a
/// run stopped by a limit may hold ten million live tasks.
struct WaitGraph {
    /// The lock each task waits for, or `NONE`.
    lock_of: Vec<u32>,
    /// The first live child of each joining task, or `NONE`.
    first_child: Vec<u32>,
    /// The next child of the same joining parent, or `NONE`.
    next_sibling: Vec<u32>,
    /// Live children of each joining task.
    children: Vec<u32>,
}

/// The successors of a task on the search path not yet tried.
enum Untried {
    /// A lock's holder.
    Holder(Option<TaskId>),
    /// Children, from this slot on along `next_sibling`.
    Children(u32),
}

impl WaitGraph {
    fn waits(&self, id: TaskId) -> bool {
        self.lock_of[id.index()] != NONE || self.first_child[id.index()] != NONE
    }

    fn next(&self, untried: &mut Untried) -> Option<TaskId> {
        match untried {
            Untried::Holder(holder) => holder.take(),
            Untried::Children(NONE) => None,
            Untried::Children(child) => {
                let id = TaskId(*child);
                *child = self.next_sibling[id.index()];
                Some(id)
            }
        }
    }
}

impl<W: Workload, R: Recorder> Engine<'_, W, R> {
    /// A cycle of tasks waiting on each other, if there is one. Linear in the
    /// task slab; run once, when the run ends with tasks alive.
    pub(super) fn find_deadlock(&self) -> Option<Deadlock> {
        let n = self.slots.len();
        let mut graph = WaitGraph {
            lock_of: vec![NONE; n],
            first_child: vec![NONE; n],
            next_sibling: vec![NONE; n],
            children: vec![0; n],
        };
        for lock in 0..self.config.locks {
            for waiter in self.locks.waiters(lock) {
                graph.lock_of[waiter.index()] = lock;
            }
        }
        // Backwards, so that each parent's list starts with its first child.
        for (i, slot) in self.slots.iter().enumerate().rev() {
            let Some((parent, serial)) = slot.as_ref().and_then(|s| s.parent) else {
                continue;
            };
            let p = parent.index();
            if self.slots[p]
                .as_ref()
                .is_some_and(|s| s.serial == serial && s.joining)
            {
                graph.next_sibling[i] = graph.first_child[p];
                graph.first_child[p] = i as u32;
                graph.children[p] += 1;
            }
        }
        let mut starts: Vec<TaskId> = (0..n as u32)
            .map(TaskId)
            .filter(|&id| graph.waits(id))
            .collect();
        let waiting = starts.len();
        starts.sort_by_key(|&id| {
            let s = self.slot(id);
            (s.arrival, s.class, s.index)
        });
        let mut seen = vec![Seen::New; n];
        for &start in &starts {
            if seen[start.index()] != Seen::New {
                continue;
            }
            if let Some(cycle) = self.cycle_from(start, &graph, &mut seen) {
                return Some(self.deadlock(cycle, &graph, waiting));
            }
        }
        None
    }

    fn untried(&self, graph: &WaitGraph, id: TaskId) -> Untried {
        match graph.lock_of[id.index()] {
            NONE => Untried::Children(graph.first_child[id.index()]),
            lock => Untried::Holder(self.locks.holder(lock)),
        }
    }

    /// Depth-first from `start` (iteratively: a chain of waits can be as
    /// long as the live tasks): the first cycle met, in wait order.
    fn cycle_from(
        &self,
        start: TaskId,
        graph: &WaitGraph,
        seen: &mut [Seen],
    ) -> Option<Vec<TaskId>> {
        let mut path: Vec<(TaskId, Untried)> = vec![(start, self.untried(graph, start))];
        seen[start.index()] = Seen::OnPath;
        while let Some((_, untried)) = path.last_mut() {
            let Some(succ) = graph.next(untried) else {
                let (done, _) = path.pop().expect("the path is not empty");
                seen[done.index()] = Seen::Done;
                continue;
            };
            match seen[succ.index()] {
                Seen::Done => {}
                Seen::OnPath => {
                    let from = path
                        .iter()
                        .position(|(id, _)| *id == succ)
                        .expect("a task on the path is in it");
                    return Some(path[from..].iter().map(|(id, _)| *id).collect());
                }
                Seen::New => {
                    seen[succ.index()] = Seen::OnPath;
                    path.push((succ, self.untried(graph, succ)));
                }
            }
        }
        None
    }

    /// The report of `cycle`, rotated to start at the task that arrived first.
    fn deadlock(&self, mut cycle: Vec<TaskId>, graph: &WaitGraph, waiting: usize) -> Deadlock {
        let first = (0..cycle.len())
            .min_by_key(|&i| {
                let s = self.slot(cycle[i]);
                (s.arrival, s.class, s.index)
            })
            .expect("a cycle has a task");
        cycle.rotate_left(first);
        let at = cycle
            .iter()
            .map(|&id| self.slot(id).suspended_since)
            .max()
            .expect("a cycle has a task");
        let cycle = cycle
            .iter()
            .map(|&id| Waiter {
                task: self.name(id),
                holds: (0..self.config.locks)
                    .filter(|&l| self.locks.holds(l, id))
                    .collect(),
                waits: match graph.lock_of[id.index()] {
                    NONE => WaitsFor::Join {
                        children: graph.children[id.index()],
                    },
                    lock => WaitsFor::Lock(lock),
                },
            })
            .collect();
        Deadlock {
            at,
            cycle,
            waiting: waiting as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiter(task: &str, holds: &[u32], waits: WaitsFor) -> Waiter {
        Waiter {
            task: task.into(),
            holds: holds.to_vec(),
            waits,
        }
    }

    #[test]
    fn a_cycle_reads_as_who_holds_what_and_waits_for_what() {
        let locks = ["A".to_string(), "B".to_string()];
        let two = Deadlock {
            at: SimTime(1_000_000),
            cycle: vec![
                waiter("a#0", &[0], WaitsFor::Lock(1)),
                waiter("b#0", &[1], WaitsFor::Lock(0)),
            ],
            waiting: 2,
        };
        assert_eq!(
            two.describe(&locks),
            "a#0 holds A, waits for B held by b#0, which waits for A held by a#0"
        );
        let join = Deadlock {
            at: SimTime(0),
            cycle: vec![
                waiter("parent#0", &[0], WaitsFor::Join { children: 3 }),
                waiter("child#1", &[], WaitsFor::Lock(0)),
            ],
            waiting: 6,
        };
        assert_eq!(
            join.describe(&locks),
            "parent#0 holds A, waits for its 3 children to finish, among them child#1, \
             which waits for A held by parent#0; 4 more tasks wait behind them"
        );
    }
}
