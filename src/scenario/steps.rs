//! Validating and compiling programs: every step kind, `call` and `spawn`
//! cycles, and the lock discipline (every lock released, never reentered).

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::schema::{RawScenario, RawStep, RawTask};
use super::suggest::did_you_mean;
use super::{ScenarioError, Validator};
use crate::model::DeviceSpec;
use crate::task::program::Step;
use crate::task::{ClassId, DeviceId, LockId};

impl Validator<'_> {
    pub(super) fn steps(
        &self,
        steps: &[Spanned<RawStep>],
        classes: &[String],
        devices: &[DeviceSpec],
        locks: &mut Vec<String>,
    ) -> Result<Vec<Step>, ScenarioError> {
        let class_id = |name: &str, span: Range<usize>| {
            classes
                .iter()
                .position(|c| c == name)
                .map(|i| ClassId(i as u32))
                .ok_or_else(|| {
                    self.err(
                        span,
                        format!(
                            "no [[task]] class named `{name}` (classes: {}){}",
                            classes.join(", "),
                            did_you_mean(name, classes.iter().map(String::as_str))
                        ),
                    )
                })
        };
        fn lock_id(locks: &mut Vec<String>, name: &str) -> LockId {
            let i = locks.iter().position(|l| l == name).unwrap_or_else(|| {
                locks.push(name.to_string());
                locks.len() - 1
            });
            LockId(i as u32)
        }
        let dist = |d: &crate::dist::Dist, span: Range<usize>| {
            d.validate()
                .map(|()| d.clone())
                .map_err(|e| self.err(span, e))
        };
        let mut out = Vec::new();
        for s in steps {
            let span = s.span();
            let step = match s.get_ref() {
                RawStep::Compute(d) => Step::Compute(dist(d, span)?),
                RawStep::Sleep(d) => Step::Sleep(dist(d, span)?),
                RawStep::Block(d) => Step::Block(dist(d, span)?),
                RawStep::Io { duration, device } => {
                    let device = match device {
                        None => None,
                        Some(name) => Some(DeviceId(devices.iter().position(|d| &d.name == name).ok_or_else(|| {
                            let known: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
                            self.err(span.clone(), format!(
                                "no [[device]] named `{name}` (declare it: [[device]] name = \"{name}\"; devices: {}){}",
                                if known.is_empty() { "none".to_string() } else { known.join(", ") },
                                did_you_mean(name, known.iter().copied())
                            ))
                        })? as u32)),
                    };
                    Step::Io {
                        duration: dist(duration, span)?,
                        device,
                    }
                }
                RawStep::Yield => Step::Yield,
                RawStep::Join => Step::Join,
                RawStep::Spawn { class, count } => {
                    if *count == 0 {
                        return Err(self.err(span, "spawn count must be at least 1"));
                    }
                    Step::Spawn {
                        class: class_id(class, span)?,
                        count: *count,
                    }
                }
                RawStep::Call(class) => Step::Call(class_id(class, span)?),
                RawStep::Lock(name) => Step::Lock(lock_id(locks, name)),
                RawStep::Unlock(name) => Step::Unlock(lock_id(locks, name)),
                RawStep::Repeat { times, body } => {
                    if body.is_empty() {
                        return Err(self.err(span, "a repeat body needs at least one step"));
                    }
                    Step::Repeat {
                        times: *times,
                        body: self.steps(body, classes, devices, locks)?,
                    }
                }
            };
            out.push(step);
        }
        Ok(out)
    }

    /// Refuses recursion through `call` (a program would be infinite) and
    /// cycles of `spawn` (every task would spawn another, forever).
    pub(super) fn check_call_and_spawn_cycles(
        &self,
        raw: &RawScenario,
        names: &[String],
    ) -> Result<(), ScenarioError> {
        // Edges class -> (class, span of the step, is_call), in file order.
        let mut edges: Vec<Vec<(usize, Range<usize>, bool)>> = vec![Vec::new(); names.len()];
        fn collect(
            steps: &[Spanned<RawStep>],
            names: &[String],
            out: &mut Vec<(usize, Range<usize>, bool)>,
        ) {
            for s in steps {
                match s.get_ref() {
                    RawStep::Call(c) | RawStep::Spawn { class: c, .. } => {
                        if let Some(i) = names.iter().position(|n| n == c) {
                            out.push((i, s.span(), matches!(s.get_ref(), RawStep::Call(_))));
                        }
                    }
                    RawStep::Repeat { body, .. } => collect(body, names, out),
                    _ => {}
                }
            }
        }
        for (i, t) in raw.task.iter().enumerate() {
            collect(t.get_ref().program.get_ref(), names, &mut edges[i]);
        }
        // Depth-first search for a cycle; report the step that closes it.
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        /// A cycle found: the step closing it, whether every edge of it is a
        /// `call`, and the classes along it.
        type Cycle = (Range<usize>, bool, Vec<usize>);
        fn visit(
            v: usize,
            edges: &[Vec<(usize, Range<usize>, bool)>],
            marks: &mut [Mark],
            path: &mut Vec<(usize, bool)>,
        ) -> Option<Cycle> {
            marks[v] = Mark::Open;
            for (w, span, is_call) in &edges[v] {
                path.push((v, *is_call));
                match marks[*w] {
                    Mark::Open => {
                        let start = path.iter().position(|(x, _)| x == w).unwrap_or(0);
                        let all_calls = path[start..].iter().all(|(_, call)| *call);
                        let mut cycle: Vec<usize> = path[start..].iter().map(|(x, _)| *x).collect();
                        cycle.push(*w);
                        return Some((span.clone(), all_calls, cycle));
                    }
                    Mark::New => {
                        if let Some(found) = visit(*w, edges, marks, path) {
                            return Some(found);
                        }
                    }
                    Mark::Done => {}
                }
                path.pop();
            }
            marks[v] = Mark::Done;
            None
        }
        let mut marks = vec![Mark::New; names.len()];
        for v in 0..names.len() {
            if marks[v] == Mark::New
                && let Some((span, all_calls, cycle)) =
                    visit(v, &edges, &mut marks, &mut Vec::new())
            {
                let chain: Vec<&str> = cycle.iter().map(|&i| names[i].as_str()).collect();
                let what = if all_calls {
                    "recursion through `call` would make an infinite program"
                } else {
                    "a cycle of `spawn`/`call` would create tasks forever"
                };
                return Err(self.err(span, format!("{what}: {}", chain.join(" -> "))));
            }
        }
        Ok(())
    }

    /// Every `lock` is released by an `unlock` later in the same program, a
    /// task never takes a lock it holds (the mutex is not reentrant) nor
    /// releases one it does not hold, and a repeat body leaves the held set as
    /// it found it.
    pub(super) fn check_locks(
        &self,
        task: &RawTask,
        raw: &RawScenario,
    ) -> Result<(), ScenarioError> {
        let mut held: BTreeMap<String, Range<usize>> = BTreeMap::new();
        self.walk_locks(task.program.get_ref(), raw, &mut held, None)?;
        if let Some((name, span)) = held.into_iter().next() {
            return Err(self.err(
                span,
                format!(
                    "lock `{name}` is never unlocked in class `{}`",
                    task.name.get_ref()
                ),
            ));
        }
        Ok(())
    }

    fn walk_locks(
        &self,
        steps: &[Spanned<RawStep>],
        raw: &RawScenario,
        held: &mut BTreeMap<String, Range<usize>>,
        call_site: Option<&Range<usize>>,
    ) -> Result<(), ScenarioError> {
        for s in steps {
            // Problems inside a called program are reported at the call.
            let span = call_site.cloned().unwrap_or_else(|| s.span());
            match s.get_ref() {
                RawStep::Lock(name) => {
                    let already_held = held.insert(name.clone(), span.clone()).is_some();
                    if already_held {
                        return Err(self.err(
                            span,
                            format!(
                                "lock `{name}` is already held here; a FIFO mutex is not reentrant"
                            ),
                        ));
                    }
                }
                RawStep::Unlock(name) => {
                    let was_held = held.remove(name).is_some();
                    if !was_held {
                        return Err(self.err(
                            span,
                            format!("unlock `{name}` without a matching lock before it"),
                        ));
                    }
                }
                RawStep::Call(class) => {
                    if let Some(t) = raw
                        .task
                        .iter()
                        .find(|t| t.get_ref().name.get_ref() == class)
                    {
                        self.walk_locks(t.get_ref().program.get_ref(), raw, held, Some(&span))?;
                    }
                }
                RawStep::Repeat { body, .. } => {
                    let before: Vec<String> = held.keys().cloned().collect();
                    self.walk_locks(body, raw, held, call_site)?;
                    let after: Vec<String> = held.keys().cloned().collect();
                    if before != after {
                        return Err(self.err(span, "a repeat body must unlock every lock it takes (and take back any it unlocks)"));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
