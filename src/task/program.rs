//! The scenario language's programs compiled into explicit state machines: a
//! flat list of instructions, a program counter and a stack of loop counters.
//! `call` is inlined at compile time (recursion is refused by validation), and
//! `repeat` becomes a pair of jump instructions.

use crate::dist::Dist;
use crate::task::{ClassId, Cx, DeviceId, LockId, Request, Workload};

/// One step of a program as written, before compilation.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// `{ compute = DIST }`
    Compute(Dist),
    /// `{ sleep = DIST }`
    Sleep(Dist),
    /// `{ io = DIST, device = NAME }`
    Io {
        /// Duration of the I/O.
        duration: Dist,
        /// The device it queues on, if any.
        device: Option<DeviceId>,
    },
    /// `{ block = DIST }`
    Block(Dist),
    /// `"yield"`
    Yield,
    /// `{ spawn = CLASS, count = N }`
    Spawn {
        /// Class of the new tasks.
        class: ClassId,
        /// How many.
        count: u32,
    },
    /// `"join"`
    Join,
    /// `{ call = CLASS }`: that class's program, inline.
    Call(ClassId),
    /// `{ lock = NAME }`
    Lock(LockId),
    /// `{ unlock = NAME }`
    Unlock(LockId),
    /// `{ repeat = N, body = [...] }`
    Repeat {
        /// How many times.
        times: u32,
        /// The steps repeated.
        body: Vec<Step>,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Instr {
    Compute(Dist),
    Sleep(Dist),
    Io {
        duration: Dist,
        device: Option<DeviceId>,
    },
    Block(Dist),
    Yield,
    Spawn {
        class: ClassId,
        count: u32,
    },
    Join,
    Lock(LockId),
    Unlock(LockId),
    /// Enter a loop of `times` iterations; `exit` is the index after its `LoopEnd`.
    LoopStart {
        times: u32,
        exit: u32,
    },
    /// Back to `body` (the index after the `LoopStart`) while iterations remain.
    LoopEnd {
        body: u32,
    },
}

/// Every class's program, compiled.
#[derive(Clone, Debug, Default)]
pub struct Programs {
    compiled: Vec<Vec<Instr>>,
}

/// The state of one task running a compiled program.
#[derive(Clone, Debug)]
pub struct ProgramTask {
    class: u32,
    pc: u32,
    /// Iterations left in each enclosing loop, innermost last.
    loops: Vec<u32>,
}

impl Programs {
    /// Compiles the programs of every class (indexed by `ClassId`). `call` steps
    /// must not recurse; the scenario validation guarantees it.
    pub fn compile(sources: &[Vec<Step>]) -> Programs {
        let compiled = (0..sources.len())
            .map(|class| {
                let mut out = Vec::new();
                emit(&sources[class], sources, &mut out, 0);
                out
            })
            .collect();
        Programs { compiled }
    }

    /// The mean CPU demand of one task of `class` in nanoseconds, counting called
    /// programs inline and, where `with_spawned`, the tasks it spawns.
    pub fn mean_cpu_nanos(&self, class: ClassId, with_spawned: bool) -> f64 {
        let program = &self.compiled[class.0 as usize];
        let mut total = 0.0;
        let mut multiplier = vec![1.0];
        for instr in program {
            let m = *multiplier.last().expect("loop stack is never empty");
            match instr {
                Instr::Compute(d) => total += m * d.mean_nanos(),
                Instr::Spawn { class, count } if with_spawned => {
                    total += m * f64::from(*count) * self.mean_cpu_nanos(*class, true)
                }
                Instr::LoopStart { times, .. } => multiplier.push(m * f64::from(*times)),
                Instr::LoopEnd { .. } => {
                    multiplier.pop();
                }
                _ => {}
            }
        }
        total
    }
}

fn emit(steps: &[Step], all: &[Vec<Step>], out: &mut Vec<Instr>, depth: usize) {
    // Validation refuses recursion through `call`; the depth guard keeps a
    // library user who skips validation from overflowing the stack.
    assert!(
        depth < 256,
        "call nesting too deep: recursion through `call`?"
    );
    for step in steps {
        match step {
            Step::Compute(d) => out.push(Instr::Compute(d.clone())),
            Step::Sleep(d) => out.push(Instr::Sleep(d.clone())),
            Step::Io { duration, device } => out.push(Instr::Io {
                duration: duration.clone(),
                device: *device,
            }),
            Step::Block(d) => out.push(Instr::Block(d.clone())),
            Step::Yield => out.push(Instr::Yield),
            Step::Spawn { class, count } => out.push(Instr::Spawn {
                class: *class,
                count: *count,
            }),
            Step::Join => out.push(Instr::Join),
            Step::Lock(l) => out.push(Instr::Lock(*l)),
            Step::Unlock(l) => out.push(Instr::Unlock(*l)),
            Step::Call(class) => emit(&all[class.0 as usize], all, out, depth + 1),
            Step::Repeat { times, body } => {
                let start = out.len();
                out.push(Instr::LoopStart {
                    times: *times,
                    exit: 0,
                });
                emit(body, all, out, depth + 1);
                out.push(Instr::LoopEnd {
                    body: start as u32 + 1,
                });
                let exit = out.len() as u32;
                out[start] = Instr::LoopStart {
                    times: *times,
                    exit,
                };
            }
        }
    }
}

impl Workload for Programs {
    type Task = ProgramTask;

    fn start(&self, class: ClassId) -> ProgramTask {
        ProgramTask {
            class: class.0,
            pc: 0,
            loops: Vec::new(),
        }
    }

    fn resume(&self, task: &mut ProgramTask, cx: &mut Cx<'_>) -> Request {
        let program = &self.compiled[task.class as usize];
        loop {
            let Some(instr) = program.get(task.pc as usize) else {
                return Request::Done;
            };
            task.pc += 1;
            match instr {
                Instr::Compute(d) => return Request::Compute(cx.sample(d)),
                Instr::Sleep(d) => return Request::Sleep(cx.sample(d)),
                Instr::Io { duration, device } => {
                    return Request::Io {
                        device: *device,
                        duration: cx.sample(duration),
                    };
                }
                Instr::Block(d) => return Request::Block(cx.sample(d)),
                Instr::Yield => return Request::Yield,
                Instr::Spawn { class, count } => {
                    return Request::Spawn {
                        class: *class,
                        count: *count,
                    };
                }
                Instr::Join => return Request::Join,
                Instr::Lock(l) => return Request::Lock(*l),
                Instr::Unlock(l) => return Request::Unlock(*l),
                Instr::LoopStart { times, exit } => {
                    if *times == 0 {
                        task.pc = *exit;
                    } else {
                        task.loops.push(*times);
                    }
                }
                Instr::LoopEnd { body } => {
                    let left = task.loops.last_mut().expect("LoopEnd without LoopStart");
                    *left -= 1;
                    if *left > 0 {
                        task.pc = *body;
                    } else {
                        task.loops.pop();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};
    use crate::time::{SimDuration, SimTime};

    fn ms(n: u64) -> Dist {
        Dist::Const(SimDuration::from_millis(n))
    }

    fn run_all(programs: &Programs, class: u32) -> Vec<Request> {
        let mut rng = stream(0, 0, Purpose::Steps);
        let mut pos = 0u128;
        let mut task = programs.start(ClassId(class));
        let mut out = Vec::new();
        loop {
            let mut cx = Cx::new(&mut rng, &mut pos, SimTime::ZERO);
            let r = programs.resume(&mut task, &mut cx);
            out.push(r);
            if r == Request::Done {
                return out;
            }
        }
    }

    #[test]
    fn repeat_and_call_unroll_in_program_order() {
        let helper = vec![Step::Sleep(ms(5))];
        let main = vec![
            Step::Repeat {
                times: 2,
                body: vec![
                    Step::Compute(ms(1)),
                    Step::Repeat {
                        times: 2,
                        body: vec![Step::Yield],
                    },
                    Step::Call(ClassId(1)),
                ],
            },
            Step::Repeat {
                times: 0,
                body: vec![Step::Join],
            },
            Step::Compute(ms(2)),
        ];
        let programs = Programs::compile(&[main, helper]);
        let c = |n| Request::Compute(SimDuration::from_millis(n));
        let s = |n| Request::Sleep(SimDuration::from_millis(n));
        assert_eq!(
            run_all(&programs, 0),
            vec![
                c(1),
                Request::Yield,
                Request::Yield,
                s(5),
                c(1),
                Request::Yield,
                Request::Yield,
                s(5),
                c(2),
                Request::Done
            ]
        );
    }

    #[test]
    fn mean_cpu_counts_loops_calls_and_spawns() {
        let child = vec![Step::Compute(ms(3))];
        let main = vec![
            Step::Repeat {
                times: 4,
                body: vec![Step::Compute(ms(1))],
            },
            Step::Spawn {
                class: ClassId(1),
                count: 2,
            },
            Step::Call(ClassId(1)),
        ];
        let programs = Programs::compile(&[main, child]);
        assert_eq!(programs.mean_cpu_nanos(ClassId(0), false), 7e6);
        assert_eq!(programs.mean_cpu_nanos(ClassId(0), true), 13e6);
    }
}
