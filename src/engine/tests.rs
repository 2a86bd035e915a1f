//! Hand-computed schedules: each test carries its Gantt chart (times in ms).

use super::world::*;
use super::*;
use crate::model::{Arrival, ClassSpec, DeviceSpec, Limit};
use crate::policy::{PolicyConfig, Queues};
use crate::task::program::{Programs, Step};
use crate::task::{DeviceId, LockId};
use crate::time::SimDuration;

fn fifo() -> PolicyConfig {
    PolicyConfig::Fifo(crate::policy::fifo::Config {
        preempt_after: None,
    })
}

fn rr(q: u64) -> PolicyConfig {
    PolicyConfig::RoundRobin(crate::policy::round_robin::Config {
        quantum: SimDuration::from_millis(q),
    })
}

/// OSTEP ch. 7's convoy: A (100) then B and C (10 each), all at 0, FIFO.
/// ```text
/// 0          100  110  120
/// |A.........|B...|C...|
/// ```
#[test]
fn fifo_convoy() {
    let w = World::new()
        .class(at_zero("a", 1), vec![Step::Compute(ms(100))])
        .class(at_zero("b", 1), vec![Step::Compute(ms(10))])
        .class(at_zero("c", 1), vec![Step::Compute(ms(10))]);
    let r = w.run(fifo());
    assert_eq!(finishes(&r), vec![100, 110, 120]);
    assert_eq!(
        r.iter()
            .map(|r| r.wait().unwrap().as_nanos() / MS)
            .collect::<Vec<_>>(),
        vec![0, 100, 110]
    );
}

/// Silberschatz's round-robin example: P1 = 24, P2 = 3, P3 = 3, quantum 4.
/// ```text
/// 0    4   7   10                    30
/// |P1..|P2.|P3.|P1...................|
/// ```
/// Waits 6, 4, 7 (mean 17/3). P1 loses the CPU once (at 4); its later quantum
/// ends find no one else ready, so they are not preemptions.
#[test]
fn round_robin_textbook() {
    let w = World::new()
        .class(at_zero("p1", 1), vec![Step::Compute(ms(24))])
        .class(at_zero("p2", 1), vec![Step::Compute(ms(3))])
        .class(at_zero("p3", 1), vec![Step::Compute(ms(3))]);
    let r = w.run(rr(4));
    assert_eq!(finishes(&r), vec![30, 7, 10]);
    assert_eq!(
        r.iter()
            .map(|r| r.wait().unwrap().as_nanos() / MS)
            .collect::<Vec<_>>(),
        vec![6, 4, 7]
    );
    assert_eq!(
        r.iter().map(|r| r.preemptions).collect::<Vec<_>>(),
        vec![1, 0, 0]
    );
    assert_eq!(
        r.iter().map(|r| r.switches).collect::<Vec<_>>(),
        vec![2, 1, 1]
    );
    assert_eq!(
        r.iter()
            .map(|r| r.response().unwrap().as_nanos() / MS)
            .collect::<Vec<_>>(),
        vec![0, 4, 7]
    );
}

/// OSTEP ch. 7: A, B, C of 5 each at 0, time slice 1.
/// ```text
/// 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
/// |A|B|C|A|B|C|A|B|C|A|B |C |A |B |C |
/// ```
#[test]
fn round_robin_ostep() {
    let w = World::new().class(at_zero("job", 3), vec![Step::Compute(ms(5))]);
    let r = w.run(rr(1));
    assert_eq!(finishes(&r), vec![13, 14, 15]);
    assert_eq!(
        r.iter().map(|r| r.preemptions).collect::<Vec<_>>(),
        vec![4, 4, 4]
    );
}

/// A task whose burst ends exactly with its quantum has not been preempted.
/// ```text
/// 0    4    8
/// |A...|B...|     A: compute 4 then sleep; B: compute 4
/// ```
#[test]
fn burst_ending_with_the_quantum_is_not_a_preemption() {
    let w = World::new()
        .class(
            at_zero("a", 1),
            vec![Step::Compute(ms(4)), Step::Sleep(ms(1))],
        )
        .class(at_zero("b", 1), vec![Step::Compute(ms(4))]);
    let r = w.run(rr(4));
    assert_eq!(finishes(&r), vec![5, 8]);
    assert_eq!(r[0].preemptions + r[1].preemptions, 0);
}

/// Go-style forced preemption: two 25ms tasks with `preempt_after` 10ms.
/// ```text
/// 0    10   20   30   40 45 50
/// |A...|B...|A...|B...|A.|B.|
/// ```
#[test]
fn fifo_preempt_after() {
    let w = World::new().class(at_zero("job", 2), vec![Step::Compute(ms(25))]);
    let r = w.run(PolicyConfig::Fifo(crate::policy::fifo::Config {
        preempt_after: Some(SimDuration::from_millis(10)),
    }));
    assert_eq!(finishes(&r), vec![45, 50]);
}

/// A switch costs 1ms and counts as waiting.
/// ```text
/// 0 1         11 12        22
/// |s|A........|s|B.........|
/// ```
#[test]
fn context_switches_are_charged_and_waited() {
    let mut w = World::new().class(at_zero("job", 2), vec![Step::Compute(ms(10))]);
    w.config.context_switch = SimDuration::from_millis(1);
    let r = w.run(fifo());
    assert_eq!(finishes(&r), vec![11, 22]);
    assert_eq!(
        r.iter()
            .map(|r| r.wait().unwrap().as_nanos() / MS)
            .collect::<Vec<_>>(),
        vec![1, 12]
    );
    assert_eq!(
        r.iter().map(|r| r.cpu.as_nanos() / MS).collect::<Vec<_>>(),
        vec![10, 10]
    );
}

/// Under `ps`, 4ms and 2ms at 0 share one CPU: the short one ends at 4, the long at 6.
#[test]
fn processor_sharing_through_the_engine() {
    let w = World::new()
        .class(at_zero("long", 1), vec![Step::Compute(ms(4))])
        .class(at_zero("short", 1), vec![Step::Compute(ms(2))]);
    let r = w.run(PolicyConfig::Ps(
        crate::policy::processor_sharing::Config {},
    ));
    assert_eq!(finishes(&r), vec![6, 4]);
    assert_eq!(r[0].wait().unwrap().as_nanos() / MS, 2);
}

/// The asyncio lesson: 20 coroutines (compute 1, sleep 10, compute 1) and one
/// that calls a blocking `time.sleep(0.2)` at 0, on one event loop. The blocked
/// loop delays every short task past 200ms; with `sleep` in its place, none.
#[test]
fn a_blocking_call_stalls_the_whole_event_loop() {
    let short = vec![
        Step::Compute(ms(1)),
        Step::Sleep(ms(10)),
        Step::Compute(ms(1)),
    ];
    for blocker_first in [true, false] {
        for blocking in [true, false] {
            let pause = if blocking {
                Step::Block(ms(200))
            } else {
                Step::Sleep(ms(200))
            };
            let w = if blocker_first {
                World::new()
                    .class(at_zero("blocker", 1), vec![pause])
                    .class(at_zero("short", 20), short.clone())
            } else {
                World::new()
                    .class(at_zero("short", 20), short.clone())
                    .class(at_zero("blocker", 1), vec![pause])
            };
            let r = w.run(fifo());
            let shorts: Vec<&TaskRecord> = r
                .iter()
                .filter(|t| w.config.classes[t.class.0 as usize].name == "short")
                .collect();
            assert_eq!(shorts.len(), 20);
            for t in shorts {
                let turnaround = t.turnaround().unwrap().as_nanos();
                if blocking {
                    assert!(
                        turnaround >= 200 * MS,
                        "blocking, first={blocker_first}: {turnaround}"
                    );
                } else {
                    assert!(
                        turnaround < 50 * MS,
                        "sleeping, first={blocker_first}: {turnaround}"
                    );
                }
            }
            // The blocked loop is not computing: no CPU time for the blocker.
            let blocker = r
                .iter()
                .find(|t| w.config.classes[t.class.0 as usize].name == "blocker")
                .unwrap();
            assert_eq!(blocker.cpu, SimDuration::ZERO);
            if blocker_first {
                // Holding the loop is not waiting for it.
                assert_eq!(blocker.wait(), Some(SimDuration::ZERO));
            }
        }
    }
}

/// Under a preemptive policy `block` is I/O: the other task runs meanwhile.
/// ```text
/// 0         10
/// |B........|      A blocks 0-50 off the CPU, finishes at 50
/// ```
#[test]
fn block_is_io_under_a_preemptive_policy() {
    let w = World::new()
        .class(at_zero("a", 1), vec![Step::Block(ms(50))])
        .class(at_zero("b", 1), vec![Step::Compute(ms(10))]);
    assert_eq!(finishes(&w.run(rr(5))), vec![50, 10]);
    assert_eq!(finishes(&w.run(fifo())), vec![50, 60]);
}

/// On two workers, a cooperative block holds only its own.
#[test]
fn block_holds_one_worker_of_two() {
    let w = World::new()
        .class(at_zero("a", 1), vec![Step::Block(ms(50))])
        .class(at_zero("b", 2), vec![Step::Compute(ms(10))])
        .cpus(2);
    assert_eq!(finishes(&w.run(fifo())), vec![50, 10, 20]);
}

/// A disk of capacity 1 serves I/Os one at a time, in order.
#[test]
fn device_capacity_queues_io() {
    let mut w = World::new().class(
        at_zero("job", 3),
        vec![Step::Io {
            duration: ms(10),
            device: Some(DeviceId(0)),
        }],
    );
    w.config.devices.push(DeviceSpec {
        name: "disk".into(),
        capacity: Some(1),
    });
    assert_eq!(finishes(&w.run(fifo())), vec![10, 20, 30]);
    w.config.devices[0].capacity = Some(2);
    assert_eq!(finishes(&w.run(fifo())), vec![10, 10, 20]);
    w.config.devices[0].capacity = None;
    assert_eq!(finishes(&w.run(fifo())), vec![10, 10, 10]);
}

/// A FIFO mutex held across a sleep.
/// ```text
/// 0    5    10   15   20
/// |A...|B(lock: waits)     A: lock, compute 5, sleep 5, unlock
/// A sleeps 5-10 holding m; at 10 it unlocks, m passes to B.
///           |B...|         B sleeps 15-20, unlocks, done at 20
/// ```
#[test]
fn mutex_hands_off_in_order() {
    let mut w = World::new().class(
        at_zero("job", 2),
        vec![
            Step::Lock(LockId(0)),
            Step::Compute(ms(5)),
            Step::Sleep(ms(5)),
            Step::Unlock(LockId(0)),
        ],
    );
    w.config.locks = 1;
    let r = w.run(fifo());
    assert_eq!(finishes(&r), vec![10, 20]);
    // B waited for the lock 5-10 (suspended) and never queued for the CPU.
    assert_eq!(r[1].suspended.as_nanos() / MS, 10);
}

/// Spawn three children of 2ms and join them, then compute 1ms.
/// ```text
/// 0  2  4  6 7
/// |c0|c1|c2|P|
/// ```
#[test]
fn spawn_and_join() {
    let w = World::new()
        .class(
            at_zero("parent", 1),
            vec![
                Step::Spawn {
                    class: ClassId(1),
                    count: 3,
                },
                Step::Join,
                Step::Compute(ms(1)),
            ],
        )
        .class(ClassSpec::new("child", None), vec![Step::Compute(ms(2))]);
    let r = w.run(fifo());
    assert_eq!(finishes(&r), vec![7, 2, 4, 6]);
    assert_eq!(r[0].suspended.as_nanos() / MS, 6);
    assert_eq!(
        r.iter().map(|r| r.index).collect::<Vec<_>>(),
        vec![0, 0, 1, 2]
    );
}

/// `yield` sends a task behind the others that are ready.
/// ```text
/// 0 1 2 3 4
/// |A|B|A|B|
/// ```
#[test]
fn yield_goes_to_the_back() {
    let w = World::new().class(
        at_zero("job", 2),
        vec![Step::Compute(ms(1)), Step::Yield, Step::Compute(ms(1))],
    );
    assert_eq!(finishes(&w.run(fifo())), vec![3, 4]);
}

/// Arrivals at one instant enter in the order of the classes in the file.
#[test]
fn same_instant_arrivals_in_class_order() {
    let w = World::new()
        .class(
            ClassSpec::new(
                "first",
                Some(Arrival::At {
                    times: vec![SimDuration::from_millis(5)],
                }),
            ),
            vec![Step::Compute(ms(1))],
        )
        .class(at_zero("warm", 1), vec![Step::Compute(ms(5))])
        .class(
            ClassSpec::new(
                "second",
                Some(Arrival::At {
                    times: vec![SimDuration::from_millis(5)],
                }),
            ),
            vec![Step::Compute(ms(1))],
        );
    assert_eq!(finishes(&w.run(fifo())), vec![6, 5, 7]);
}

/// A trailing sleep ends the task when the sleep ends.
#[test]
fn completion_is_the_end_of_the_last_step() {
    let w = World::new().class(
        at_zero("job", 1),
        vec![Step::Compute(ms(1)), Step::Sleep(ms(9))],
    );
    let r = w.run(fifo());
    assert_eq!(finishes(&r), vec![10]);
    assert_eq!(r[0].wait(), Some(SimDuration::ZERO));
}

/// `max_time` stops the run, which has reached it; tasks in flight are
/// reported unfinished.
#[test]
fn max_time_reports_unfinished_tasks() {
    let mut w = World::new().class(at_zero("job", 2), vec![Step::Compute(ms(10))]);
    w.config.limits.max_time = Some(SimTime(15 * MS));
    let (trace, stats) = w.trace_stats(fifo(), Queues::Global);
    let r = trace.tasks;
    let reached = stats.limit.expect("stopped with a task left");
    assert_eq!(
        (reached.limit, reached.at),
        (Limit::MaxTime, SimTime(15 * MS))
    );
    assert_eq!(r[0].finish, Some(SimTime(10 * MS)));
    assert_eq!(r[1].finish, None);
    assert!(r[1].missed_deadline() == r[1].deadline.is_some());
}

/// Closed clients: each submits when its previous task finishes plus think time.
/// Two clients, 10ms tasks, think 5ms, horizon 40ms, one CPU:
/// ```text
/// 0    10   20   30   40   50
/// |c0..|c1..|c0..|c1..|c0..|   c0 resubmits at 15, c1 at 25, c0 at 35 (< 40)
/// ```
#[test]
fn closed_clients_resubmit_after_thinking() {
    let mut w = World::new().class(
        ClassSpec::new(
            "req",
            Some(Arrival::Closed {
                clients: 2,
                think: ms(5),
            }),
        ),
        vec![Step::Compute(ms(10))],
    );
    w.config.horizon = SimTime(40 * MS);
    let r = w.run(fifo());
    let arrivals: Vec<u64> = r.iter().map(|t| t.arrival.as_nanos() / MS).collect();
    assert_eq!(arrivals, vec![0, 0, 15, 25, 35]);
    assert_eq!(finishes(&r), vec![10, 20, 30, 40, 50]);
}

/// Unlocking a lock the task does not hold is an error, not a panic.
#[test]
fn hand_written_misuse_is_an_error() {
    let mut w = World::new().class(at_zero("job", 1), vec![Step::Unlock(LockId(0))]);
    w.config.locks = 1;
    let programs = Programs::compile(&w.programs);
    let err = run(
        &w.config,
        &programs,
        fifo().build(1, 0, Queues::Global).expect("fifo builds"),
        &mut Trace::default(),
    )
    .unwrap_err();
    assert!(matches!(err, SimError::UnlockNotHeld { .. }), "{err}");
    let w = World::new().class(at_zero("job", 1), vec![Step::Lock(LockId(3))]);
    let programs = Programs::compile(&w.programs);
    assert!(
        run(
            &w.config,
            &programs,
            fifo().build(1, 0, Queues::Global).expect("fifo builds"),
            &mut Trace::default()
        )
        .is_err()
    );
}

/// A count limit stops the run exactly where it would be passed, across the
/// thresholds at which the full check runs (every 4,096 tasks): 5,000 tasks
/// may live, the 5,001st stops the run with 5,000 alive.
#[test]
fn max_live_tasks_stops_exactly_at_the_limit() {
    let mut w = World::new().class(at_zero("job", 6_000), vec![Step::Compute(ms(1))]);
    w.config.limits.max_live_tasks = Some(5_000);
    let (trace, stats) = w.trace_stats(fifo(), Queues::Global);
    let reached = stats.limit.expect("the limit is reached");
    assert_eq!(reached.limit, Limit::MaxLiveTasks);
    assert_eq!((reached.live_tasks, reached.tasks), (5_000, 5_000));
    assert_eq!(reached.at, SimTime::ZERO);
    // Every task created is reported, unfinished.
    assert_eq!(trace.tasks.len(), 5_000);
    assert!(trace.tasks.iter().all(|t| t.finish.is_none()));
    // Exactly at the limit, the run goes to its end.
    let mut w = World::new().class(at_zero("job", 5_000), vec![Step::Compute(ms(1))]);
    w.config.limits.max_live_tasks = Some(5_000);
    assert_eq!(w.trace_stats(fifo(), Queues::Global).1.limit, None);
}

/// `max_tasks` counts spawned tasks too, and stops inside the spawning step.
#[test]
fn max_tasks_counts_spawned_tasks() {
    let mut w = World::new()
        .class(
            at_zero("parent", 1),
            vec![
                Step::Spawn {
                    class: ClassId(1),
                    count: 10,
                },
                Step::Join,
            ],
        )
        .class(spawned("child"), vec![Step::Compute(ms(1))]);
    w.config.limits.max_tasks = Some(11);
    assert_eq!(w.trace_stats(fifo(), Queues::Global).1.limit, None);
    w.config.limits.max_tasks = Some(6);
    let (trace, stats) = w.trace_stats(fifo(), Queues::Global);
    let reached = stats.limit.expect("the limit is reached");
    assert_eq!((reached.limit, reached.tasks), (Limit::MaxTasks, 6));
    assert_eq!(trace.tasks.len(), 6);
    // A parent waiting for children that can still run is no deadlock.
    assert_eq!(stats.deadlock, None);
}

/// `max_events` lets exactly that many events run, across the thresholds
/// of the full check (every 65,536 events).
#[test]
fn max_events_runs_exactly_that_many() {
    let times: Vec<u64> = (0..100_000).collect();
    let mut w = World::new().class(at("job", &times), vec![Step::Compute(us(10))]);
    w.config.horizon = SimTime(200_000 * MS);
    let all = w.trace_stats(fifo(), Queues::Global).1.events;
    assert_eq!(all, 200_000);
    w.config.limits.max_events = Some(all);
    assert_eq!(w.trace_stats(fifo(), Queues::Global).1.limit, None);
    w.config.limits.max_events = Some(70_000);
    let stats = w.trace_stats(fifo(), Queues::Global).1;
    assert_eq!(stats.events, 70_000);
    let reached = stats.limit.expect("the limit is reached");
    assert_eq!((reached.limit, reached.events), (Limit::MaxEvents, 70_000));
}

/// The memory estimate grows with live tasks; the memory limit stops a
/// burst (checked every 4,096 tasks).
#[test]
fn max_memory_stops_a_burst() {
    let mut w = World::new().class(at_zero("job", 100_000), vec![Step::Compute(ms(1))]);
    w.config.limits.max_memory = Some(crate::model::Bytes(1 << 20));
    let reached = w
        .trace_stats(fifo(), Queues::Global)
        .1
        .limit
        .expect("stopped");
    assert_eq!(reached.limit, Limit::MaxMemory);
    assert!(reached.memory.0 > 1 << 20, "{reached:?}");
    assert!(reached.live_tasks < 100_000, "{reached:?}");
}

/// A cycle of lock waits is found, from the task that arrived first, at the
/// instant it closed; tasks waiting behind it are counted.
#[test]
fn a_lock_cycle_is_a_deadlock() {
    let (a, b) = (LockId(0), LockId(1));
    let w = World::new()
        .cpus(2)
        .locks(2)
        .class(
            at_zero("x", 1),
            vec![
                Step::Lock(a),
                Step::Compute(ms(2)),
                Step::Lock(b),
                Step::Unlock(b),
                Step::Unlock(a),
            ],
        )
        .class(
            at("y", &[1]),
            vec![
                Step::Lock(b),
                Step::Compute(ms(3)),
                Step::Lock(a),
                Step::Unlock(a),
                Step::Unlock(b),
            ],
        )
        .class(at("z", &[5]), vec![Step::Lock(b), Step::Unlock(b)]);
    let (trace, stats) = w.trace_stats(fifo(), Queues::Global);
    assert_eq!(stats.limit, None);
    let deadlock = stats.deadlock.expect("a deadlock");
    // x waits for b from 2ms, y for a from 4ms: the cycle closes at 4ms.
    assert_eq!(deadlock.at, SimTime(4 * MS));
    assert_eq!(deadlock.tasks(), vec!["x#0", "y#0"]);
    assert_eq!(deadlock.cycle[0].holds, vec![0]);
    assert_eq!(deadlock.cycle[0].waits, WaitsFor::Lock(1));
    assert_eq!(deadlock.waiting, 3);
    assert_eq!(
        deadlock.describe(&["A".into(), "B".into()]),
        "x#0 holds A, waits for B held by y#0, which waits for A held by x#0; 1 more tasks wait behind them"
    );
    assert!(trace.tasks.iter().all(|t| t.finish.is_none()));
}

/// A parent holding a lock while joining children that want it: a cycle
/// through the join, found under processor sharing as under a queue.
#[test]
fn a_join_on_children_that_want_the_parents_lock_is_a_deadlock() {
    let l = LockId(0);
    let w = World::new()
        .locks(1)
        .class(
            at_zero("parent", 1),
            vec![
                Step::Lock(l),
                Step::Spawn {
                    class: ClassId(1),
                    count: 2,
                },
                Step::Join,
                Step::Unlock(l),
            ],
        )
        .class(spawned("child"), vec![Step::Lock(l), Step::Unlock(l)]);
    let ps = PolicyConfig::Ps(crate::policy::processor_sharing::Config {});
    for policy in [fifo(), ps] {
        let (_, stats) = w.trace_stats(policy, Queues::Global);
        let deadlock = stats.deadlock.expect("a deadlock");
        assert_eq!(deadlock.tasks(), vec!["parent#0", "child#0"]);
        assert_eq!(deadlock.cycle[0].waits, WaitsFor::Join { children: 2 });
        assert_eq!(deadlock.waiting, 3);
    }
}
