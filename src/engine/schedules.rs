//! Hand-computed schedules of every policy through the engine: each test
//! carries its Gantt chart (times in ms unless marked), then asserts exact
//! finish times and, where they matter, waits, preemptions, switches,
//! migrations and the CPU each slice ran on.

use super::world::*;
use super::*;
use crate::model::{Arrival, ClassSpec};
use crate::policy::{PolicyConfig, Queues};
use crate::task::LockId;
use crate::task::program::Step;
use crate::time::SimDuration;

fn waits(records: &[TaskRecord]) -> Vec<u64> {
    records
        .iter()
        .map(|r| r.wait().expect("finished").as_nanos() / MS)
        .collect()
}

fn preemptions(records: &[TaskRecord]) -> Vec<u32> {
    records.iter().map(|r| r.preemptions).collect()
}

fn switches(records: &[TaskRecord]) -> Vec<u32> {
    records.iter().map(|r| r.switches).collect()
}

fn migrations(records: &[TaskRecord]) -> Vec<u32> {
    records.iter().map(|r| r.migrations).collect()
}

fn work_stealing(budget: u32, lifo_slot: bool) -> PolicyConfig {
    PolicyConfig::WorkStealing(crate::policy::work_stealing::Config {
        budget,
        lifo_slot,
        global_interval: 61,
    })
}

fn mlfq(quanta: &[u64], allotment: &[u32], boost: Option<u64>) -> PolicyConfig {
    PolicyConfig::Mlfq(crate::policy::mlfq::Config {
        levels: None,
        quanta: quanta.iter().map(|&q| d(q)).collect(),
        allotment: allotment.to_vec(),
        boost: boost.map(d),
    })
}

fn cfs() -> PolicyConfig {
    PolicyConfig::Cfs(crate::policy::cfs::Config {
        sched_latency: d(6),
        min_granularity: SimDuration::from_micros(750),
        wakeup_granularity: d(1),
    })
}

// ---- lifo ----

/// A (10) at 0; B, C, D (2 each) arrive at 1, 2, 3 while A runs. When A awaits
/// (finishes), the newest ready task goes first.
/// ```text
/// 0          10  12  14  16
/// |A.........|D..|C..|B..|
///   ^B ^C ^D
/// ```
#[test]
fn lifo_runs_the_newest_first() {
    let w = World::new()
        .class(at("a", &[0]), vec![Step::Compute(ms(10))])
        .class(at("b", &[1]), vec![Step::Compute(ms(2))])
        .class(at("c", &[2]), vec![Step::Compute(ms(2))])
        .class(at("d", &[3]), vec![Step::Compute(ms(2))]);
    let r = w.run(PolicyConfig::Lifo(crate::policy::lifo::Config {}));
    assert_eq!(finishes(&r), vec![10, 16, 14, 12]);
    assert_eq!(waits(&r), vec![0, 13, 10, 7]);
}

/// A yield puts the task back on top of the stack: X resumes at once, ahead
/// of Y, which has been ready since 1.
/// ```text
/// 0    2    4 5
/// |X...|X...|Y|      X: compute 2, yield, compute 2; Y (1) arrives at 1
///        ^ X yields at 2 and is popped again
/// ```
#[test]
fn lifo_yield_resumes_at_once() {
    let w = World::new()
        .class(
            at("x", &[0]),
            vec![Step::Compute(ms(2)), Step::Yield, Step::Compute(ms(2))],
        )
        .class(at("y", &[1]), vec![Step::Compute(ms(1))]);
    let r = w.run(PolicyConfig::Lifo(crate::policy::lifo::Config {}));
    assert_eq!(finishes(&r), vec![4, 5]);
    assert_eq!(switches(&r), vec![1, 1]);
}

// ---- priority ----

/// Non-preemptive priorities (lower is more urgent): A (prio 3, 10) runs to
/// its end although B and D (prio 1) and C (prio 2) arrive meanwhile; then B
/// and D in ready order, then C.
/// ```text
/// 0          10   14 16  19
/// |A.........|B...|D.|C..|
///    ^C(1) ^B(2) ^D(3)
/// ```
#[test]
fn priority_is_not_preemptive_and_ties_go_by_ready_order() {
    let prio = |spec: ClassSpec, p: i32| with(spec, |s| s.priority = p);
    let w = World::new()
        .class(prio(at("a", &[0]), 3), vec![Step::Compute(ms(10))])
        .class(prio(at("b", &[2]), 1), vec![Step::Compute(ms(4))])
        .class(prio(at("c", &[1]), 2), vec![Step::Compute(ms(3))])
        .class(prio(at("d", &[3]), 1), vec![Step::Compute(ms(2))]);
    let r = w.run(PolicyConfig::Priority(crate::policy::priority::Config {}));
    assert_eq!(finishes(&r), vec![10, 14, 19, 16]);
    assert_eq!(waits(&r), vec![0, 8, 15, 11]);
    assert_eq!(preemptions(&r), vec![0; 4]);
}

// ---- sjf ----

/// Silberschatz's SJF example: P1 = 6, P2 = 8, P3 = 7, P4 = 3, all at 0.
/// ```text
/// 0   3      9       16       24
/// |P4.|P1....|P3.....|P2......|
/// ```
/// Waits 3, 16, 9, 0 (mean 7).
#[test]
fn sjf_textbook() {
    let w = World::new()
        .class(at_zero("p1", 1), vec![Step::Compute(ms(6))])
        .class(at_zero("p2", 1), vec![Step::Compute(ms(8))])
        .class(at_zero("p3", 1), vec![Step::Compute(ms(7))])
        .class(at_zero("p4", 1), vec![Step::Compute(ms(3))]);
    let r = w.run(PolicyConfig::Sjf(crate::policy::sjf::Config {}));
    assert_eq!(finishes(&r), vec![9, 24, 16, 3]);
    assert_eq!(waits(&r), vec![3, 16, 9, 0]);
}

/// Silberschatz's SRTF workload (P1 = 8 at 0, P2 = 4 at 1, P3 = 9 at 2, P4 = 5
/// at 3) under non-preemptive SJF: P1 keeps the CPU; then shortest first.
/// ```text
/// 0        8    12    17        26
/// |P1......|P2..|P4...|P3.......|
/// ```
#[test]
fn sjf_does_not_preempt() {
    let r = silberschatz_srtf().run(PolicyConfig::Sjf(crate::policy::sjf::Config {}));
    assert_eq!(finishes(&r), vec![8, 12, 26, 17]);
    assert_eq!(waits(&r), vec![0, 7, 15, 9]);
    assert_eq!(preemptions(&r), vec![0; 4]);
}

// ---- srtf ----

fn silberschatz_srtf() -> World {
    World::new()
        .class(at("p1", &[0]), vec![Step::Compute(ms(8))])
        .class(at("p2", &[1]), vec![Step::Compute(ms(4))])
        .class(at("p3", &[2]), vec![Step::Compute(ms(9))])
        .class(at("p4", &[3]), vec![Step::Compute(ms(5))])
}

/// Silberschatz's SRTF example: P2 (4) arriving at 1 displaces P1 (7 left);
/// P3 (9) and P4 (5) do not displace P2 (3 and 2 left).
/// ```text
/// 0 1    5     10      17        26
/// |P1|P2..|P4...|P1.....|P3.......|
/// ```
/// Waits 9, 0, 15, 2 (mean 6.5).
#[test]
fn srtf_textbook() {
    let r = silberschatz_srtf().run(PolicyConfig::Srtf(crate::policy::srtf::Config {}));
    assert_eq!(finishes(&r), vec![17, 5, 26, 10]);
    assert_eq!(waits(&r), vec![9, 0, 15, 2]);
    assert_eq!(preemptions(&r), vec![1, 0, 0, 0]);
    assert_eq!(switches(&r), vec![2, 1, 1, 1]);
}

/// Equal remaining times do not preempt: B (4) arrives at 1 when A has 4 left.
/// ```text
/// 0        5      9
/// |A.......|B.....|
/// ```
#[test]
fn srtf_equal_remaining_time_does_not_preempt() {
    let w = World::new()
        .class(at("a", &[0]), vec![Step::Compute(ms(5))])
        .class(at("b", &[1]), vec![Step::Compute(ms(4))]);
    let r = w.run(PolicyConfig::Srtf(crate::policy::srtf::Config {}));
    assert_eq!(finishes(&r), vec![5, 9]);
    assert_eq!(preemptions(&r), vec![0, 0]);
}

// ---- priority-rr ----

/// Quantum 4. A (10) and B (6) at priority 1 from 0; H (3) at priority 0
/// arrives at 5, one ms into B's quantum, and displaces B, which returns to
/// the head of its level with the 3ms left of its quantum (SPEC 5).
/// ```text
/// 0    4 5   8   11   15 17 19
/// |A...|B|H..|B..|A...|B.|A.|
///        ^H arrives; queue of level 1: [B (3 left), A]
/// ```
/// Had B gone to the back with a fresh quantum, A would run at 8.
#[test]
fn priority_rr_preempted_task_keeps_its_place_and_quantum() {
    let prio = |spec: ClassSpec, p: i32| with(spec, |s| s.priority = p);
    let w = World::new()
        .class(prio(at("a", &[0]), 1), vec![Step::Compute(ms(10))])
        .class(prio(at("b", &[0]), 1), vec![Step::Compute(ms(6))])
        .class(prio(at("h", &[5]), 0), vec![Step::Compute(ms(3))]);
    let r = w.run(PolicyConfig::PriorityRr(
        crate::policy::priority_rr::Config { quantum: d(4) },
    ));
    assert_eq!(finishes(&r), vec![19, 17, 8]);
    assert_eq!(waits(&r), vec![9, 11, 0]);
    // A: quantum ends at 4 and 15 with B ready. B: displaced at 5, quantum
    // ends at 11 with A ready.
    assert_eq!(preemptions(&r), vec![2, 2, 0]);
    assert_eq!(switches(&r), vec![3, 3, 1]);
}

// ---- edf ----

/// A (6, deadline 20) and D (1, no deadline) at 0; B (3) at 2 with deadline 8
/// displaces A; C (5) at 4 with deadline 9 does not displace B (8 < 9), runs
/// next, and misses its deadline; D, with none, comes last.
/// ```text
/// 0  2    5       10      14 15
/// |A.|B...|C......|A......|D|
///           C due at 9, done at 10: missed
/// ```
#[test]
fn edf_earliest_deadline_preempts_and_a_miss_is_counted() {
    let due = |spec: ClassSpec, ms: u64| with(spec, |s| s.deadline = Some(d(ms)));
    let w = World::new()
        .class(due(at("a", &[0]), 20), vec![Step::Compute(ms(6))])
        .class(due(at("b", &[2]), 6), vec![Step::Compute(ms(3))])
        .class(due(at("c", &[4]), 5), vec![Step::Compute(ms(5))])
        .class(at("d", &[0]), vec![Step::Compute(ms(1))]);
    let r = w.run(PolicyConfig::Edf(crate::policy::edf::Config {}));
    assert_eq!(finishes(&r), vec![14, 5, 10, 15]);
    assert_eq!(
        r.iter()
            .map(|t| t.deadline.map(|x| x.as_nanos() / MS))
            .collect::<Vec<_>>(),
        vec![Some(20), Some(8), Some(9), None]
    );
    assert_eq!(
        r.iter()
            .map(TaskRecord::missed_deadline)
            .collect::<Vec<_>>(),
        vec![false, false, true, false]
    );
    assert_eq!(preemptions(&r), vec![1, 0, 0, 0]);
    assert_eq!(waits(&r), vec![8, 0, 1, 14]);
}

// ---- mlfq ----

/// Rule 4: a long job alone uses its allotment (one quantum) at each level
/// and moves down; with quanta 2, 4, 8 its slices show the level it is at.
/// ```text
/// 0  2    6        14       22       30
/// |Q0|Q1..|Q2......|Q2......|Q2......|
/// ```
#[test]
fn mlfq_a_long_job_descends_the_levels() {
    let w = World::new().class(at_zero("long", 1), vec![Step::Compute(ms(30))]);
    let t = w.trace(mlfq(&[2, 4, 8], &[1, 1, 1], None), Queues::Global);
    assert_eq!(finishes(&t.tasks), vec![30]);
    assert_eq!(
        t.slices_of(0, 0),
        vec![(0, 2), (2, 6), (6, 14), (14, 22), (22, 30)]
    );
    // Slice ends that find no one else ready are not preemptions.
    assert_eq!(preemptions(&t.tasks), vec![0]);
    assert_eq!(switches(&t.tasks), vec![1]);
}

/// OSTEP fig. 8.3 (3 levels, quantum 10, allotment 1): A (200) runs alone and
/// sinks to the bottom by 20; B (20) arrives at 100, enters the top level and
/// displaces A at once; B uses a quantum at Q0 and one at Q1 and is done.
/// ```text
/// 0    10   20             100  110  120           220
/// |A:Q0|A:Q1|A:Q2 .........|B:Q0|B:Q1|A:Q2 ........|
/// ```
/// With B arriving at 105, mid-quantum, A returns to the head of Q2 with the
/// 5ms left of its quantum:
/// ```text
/// 0         100  105  115  125 130        220
/// |A ........|A..|B:Q0|B:Q1|A..|A:Q2 .....|
/// ```
#[test]
fn mlfq_a_short_job_arrives_and_preempts() {
    for (arrival, b_done, resumed) in [(100, 120, (120, 130)), (105, 125, (125, 130))] {
        let w = World::new()
            .class(at_zero("a", 1), vec![Step::Compute(ms(200))])
            .class(at("b", &[arrival]), vec![Step::Compute(ms(20))]);
        let t = w.trace(mlfq(&[10, 10, 10], &[1, 1, 1], None), Queues::Global);
        assert_eq!(finishes(&t.tasks), vec![220, b_done], "B at {arrival}");
        assert_eq!(
            t.slices_of(1, 0),
            vec![(arrival, arrival + 10), (arrival + 10, b_done)]
        );
        assert!(t.slices_of(0, 0).contains(&resumed), "B at {arrival}");
        assert_eq!(preemptions(&t.tasks), vec![1, 0], "B at {arrival}");
        assert_eq!(waits(&t.tasks), vec![20, 0], "B at {arrival}");
    }
}

/// Rule 4, the allotment counts all time used at a level, across I/O (two
/// levels, quantum 10, allotment 1). G: compute 6, io 1, compute 6; H: 20.
/// G keeps the 4ms left of its Q0 quantum over its I/O; at 16 it gets only
/// those 4ms, then moves down behind H.
/// ```text
/// 0      6          16   20        30 32
/// |G:Q0..|H:Q0......|G:Q0|H:Q1.....|G|
///          G back at 7 (4 left of its quantum)
/// ```
/// (Were the allotment reset by the I/O, as OSTEP's gameable Rule 4b, G would
/// run 16-22 at Q0 and finish first, at 22.)
#[test]
fn mlfq_allotment_is_kept_across_io() {
    let w = World::new()
        .class(
            at_zero("g", 1),
            vec![
                Step::Compute(ms(6)),
                Step::Io {
                    duration: ms(1),
                    device: None,
                },
                Step::Compute(ms(6)),
            ],
        )
        .class(at_zero("h", 1), vec![Step::Compute(ms(20))]);
    let t = w.trace(mlfq(&[10, 10], &[1, 1], None), Queues::Global);
    assert_eq!(finishes(&t.tasks), vec![32, 30]);
    assert_eq!(t.slices_of(0, 0), vec![(0, 6), (16, 20), (30, 32)]);
    assert_eq!(t.slices_of(1, 0), vec![(6, 16), (20, 30)]);
    assert_eq!(preemptions(&t.tasks), vec![1, 1]);
    assert_eq!(waits(&t.tasks), vec![19, 10]);
}

/// Rule 5, the boost (two levels, quantum 10, allotment 1). A long job A (20)
/// at 0; short jobs S1..S29 (5 each) arrive every 5ms from 5 to 145 and keep
/// Q0 busy. A uses its Q0 quantum (0-10) and then, without a boost, starves
/// at Q1 until the stream dries up:
/// ```text
/// 0    10  15  20      150 155       165
/// |A:Q0|S1.|S2.| ..S.. |S29|A:Q1.....|
/// ```
/// With a boost every 50ms, A is back at the top at 50, behind S9 (queued
/// since 45) and ahead of S10 (arriving at 50), and finishes at 65; the
/// stream is 10ms later from S10 on.
/// ```text
/// 0    10      50  55        65   70      165
/// |A:Q0|S1..S8 |S9.|A:Q0.....|S10.|S11..S29|
/// ```
#[test]
fn mlfq_boost_returns_everyone_to_the_top() {
    let mut w = boost_world();
    // Guard: the boost timer keeps a run going after its last task (see
    // `mlfq_boost_run_ends_with_its_work`); stop it long after the work.
    w.config.limits.max_time = Some(SimTime(1_000 * MS));
    let r = w.run(mlfq(&[10, 10], &[1, 1], None));
    let mut expected: Vec<u64> = vec![165];
    expected.extend((1..=29).map(|k| 5 * k + 10));
    assert_eq!(finishes(&r), expected);

    let t = w.trace(mlfq(&[10, 10], &[1, 1], Some(50)), Queues::Global);
    let mut expected: Vec<u64> = vec![65];
    expected.extend((1..=29).map(|k| if k < 10 { 5 * k + 10 } else { 5 * k + 20 }));
    assert_eq!(finishes(&t.tasks), expected);
    assert_eq!(t.slices_of(0, 0), vec![(0, 10), (55, 65)]);
}

/// The workload of `mlfq_boost_returns_everyone_to_the_top`.
fn boost_world() -> World {
    let stream: Vec<u64> = (1..=29).map(|k| 5 * k).collect();
    World::new()
        .class(at_zero("a", 1), vec![Step::Compute(ms(20))])
        .class(at("s", &stream), vec![Step::Compute(ms(5))])
}

/// A run drains and ends once its tasks are done, boost or not (SPEC 2:
/// "arrivals stop here; the system then drains"). The last task finishes at
/// 165; the run may at most process the boost at 200 that was already due.
/// (`max_time` guards the test from running forever.)
#[test]
fn mlfq_boost_run_ends_with_its_work() {
    let mut w = boost_world();
    w.config.limits.max_time = Some(SimTime(100_000 * MS));
    let (t, stats) = w.trace_stats(mlfq(&[10, 10], &[1, 1], Some(50)), Queues::Global);
    assert_eq!(finishes(&t.tasks)[0], 65);
    assert!(stats.limit.is_none());
    assert!(stats.end <= SimTime(200 * MS), "run ended at {}", stats.end);
}

// ---- cfs ----

/// Two CPU-bound tasks of weights 2 and 1 (nice -3 against 0 is about the
/// same ratio) share one CPU: each period of sched_latency = 6ms is split
/// 4:2 by weight. Virtual runtimes advance by CPU time / weight, so both
/// reach 2, 4, 6 together and the lower ready order goes first at each tie.
/// ```text
/// 0    4  6    10 12   16 18
/// |A...|B.|A...|B.|A...|B.|
/// ```
#[test]
fn cfs_slices_of_the_latency_split_by_weight() {
    let w = World::new()
        .class(
            with(at_zero("a", 1), |s| s.weight = 2.0),
            vec![Step::Compute(ms(12))],
        )
        .class(at_zero("b", 1), vec![Step::Compute(ms(6))]);
    let t = w.trace(cfs(), Queues::Global);
    assert_eq!(finishes(&t.tasks), vec![16, 18]);
    assert_eq!(t.slices_of(0, 0), vec![(0, 4), (6, 10), (12, 16)]);
    assert_eq!(t.slices_of(1, 0), vec![(4, 6), (10, 12), (16, 18)]);
    assert_eq!(preemptions(&t.tasks), vec![2, 2]);
    assert_eq!(waits(&t.tasks), vec![4, 12]);
}

/// A waking task preempts the running one only if its virtual runtime trails
/// by more than wakeup_granularity (1ms). A (20) and W (compute c, sleep s,
/// compute 1) at 0, weights 1: slices of 3ms while both are runnable.
///
/// c = 1, s = 5: W wakes at 9 with vruntime 1 against A's 3 + 5 = 8: preempts.
/// ```text
/// 0    3 4         9 10         22
/// |A...|W|A........|W|A.........|
/// ```
/// c = 3, s = 1: W wakes at 7 with vruntime 3 against A's 3 + 1 = 4: a lead of
/// exactly 1ms is not enough; W waits for A's slice to end at 12.
/// ```text
/// 0    3    6          12 13       24
/// |A...|W...|A.........|W|A........|
/// ```
#[test]
fn cfs_a_waking_task_preempts_beyond_the_wakeup_granularity() {
    for (first, sleep, a_done, w_done, a_preempted) in [(1, 5, 22, 10, 2), (3, 1, 24, 13, 2)] {
        let w = World::new()
            .class(at_zero("a", 1), vec![Step::Compute(ms(20))])
            .class(
                at_zero("w", 1),
                vec![
                    Step::Compute(ms(first)),
                    Step::Sleep(ms(sleep)),
                    Step::Compute(ms(1)),
                ],
            );
        let r = w.run(cfs());
        assert_eq!(finishes(&r), vec![a_done, w_done], "W sleeps {sleep}");
        assert_eq!(r[0].preemptions, a_preempted, "W sleeps {sleep}");
        assert_eq!(r[1].preemptions, 0);
    }
}

// ---- stride ----

/// Stride scheduling, tickets 3:1 (300 and 100), quantum 3ms (so passes are
/// exact: A's stride 3ms/300 = 10000, B's 30000). Passes tie at 30000, 60000,
/// 90000, and the tie goes to B, which has been ready longer.
/// ```text
/// 0 3 6   12 15      24 27      36 39
/// |A|B|A A|B |A A A  |B |A A A  |B |
/// ```
#[test]
fn stride_three_to_one() {
    let w = World::new()
        .class(
            with(at_zero("a", 1), |s| s.tickets = 300),
            vec![Step::Compute(ms(27))],
        )
        .class(
            with(at_zero("b", 1), |s| s.tickets = 100),
            vec![Step::Compute(ms(12))],
        );
    let t = w.trace(
        PolicyConfig::Stride(crate::policy::stride::Config { quantum: d(3) }),
        Queues::Global,
    );
    assert_eq!(finishes(&t.tasks), vec![36, 39]);
    let mut slices = t.compute_ms();
    slices.sort_by_key(|s| s.3);
    let pattern: String = slices
        .iter()
        .map(|&(_, class, _, s, e)| {
            assert_eq!(e - s, 3, "one quantum per slice");
            if class == 0 { 'A' } else { 'B' }
        })
        .collect();
    assert_eq!(pattern, "ABAABAAABAAAB");
}

// ---- lottery ----

/// A single ready task always wins the draw; it runs in quantum-sized slices
/// whose ends find no one else ready (not preemptions).
/// ```text
/// 0     10     20   25
/// |A....|A.....|A...|
/// ```
#[test]
fn lottery_single_task_wins_every_draw() {
    let w = World::new().class(at_zero("a", 1), vec![Step::Compute(ms(25))]);
    let t = w.trace(
        PolicyConfig::Lottery(crate::policy::lottery::Config { quantum: d(10) }),
        Queues::Global,
    );
    assert_eq!(finishes(&t.tasks), vec![25]);
    assert_eq!(t.slices_of(0, 0), vec![(0, 10), (10, 20), (20, 25)]);
    assert_eq!(preemptions(&t.tasks), vec![0]);
}

/// Two tasks of 30ms, quantum 10: the order of the six slices is drawn, but
/// the same seed draws it again; every slice is a whole quantum; the CPU is
/// never idle, so the last finish is at 60; and some seed draws another order.
#[test]
fn lottery_is_reproducible_per_seed() {
    let mut w = World::new()
        .class(
            with(at_zero("a", 1), |s| s.tickets = 300),
            vec![Step::Compute(ms(30))],
        )
        .class(at_zero("b", 1), vec![Step::Compute(ms(30))]);
    let order = |w: &World| {
        let t = w.trace(
            PolicyConfig::Lottery(crate::policy::lottery::Config { quantum: d(10) }),
            Queues::Global,
        );
        let mut slices = t.compute_ms();
        slices.sort_by_key(|s| s.3);
        for &(_, _, _, s, e) in &slices {
            assert_eq!(e - s, 10);
        }
        assert_eq!(finishes(&t.tasks).into_iter().max(), Some(60));
        let order: String = slices
            .iter()
            .map(|s| if s.1 == 0 { 'A' } else { 'B' })
            .collect();
        (order, t.tasks)
    };
    w.config.seed = 7;
    let (first, records) = order(&w);
    assert_eq!(order(&w), (first.clone(), records));
    assert_eq!(first.matches('A').count(), 3);
    let others: Vec<String> = (0..8)
        .map(|seed| {
            w.config.seed = seed;
            order(&w).0
        })
        .collect();
    assert!(others.iter().any(|o| *o != first), "{first} {others:?}");
}

// ---- work-stealing (tokio) ----

/// One worker. P (from outside: the injection queue) spawns C0, C1, C2 in one
/// step, then computes 1; Q arrives with P. Each spawn takes the LIFO slot and
/// pushes the previous occupant to the local queue, so the newest child runs
/// first, then the older ones in order; the local queue goes before the
/// injection queue, so Q is last.
/// ```text
/// 0 1   3   5   7   9
/// |P|C2.|C0.|C1.|Q..|
/// ```
/// Without the LIFO slot the children run in spawn order.
/// ```text
/// 0 1   3   5   7   9
/// |P|C0.|C1.|C2.|Q..|
/// ```
#[test]
fn work_stealing_lifo_slot_runs_the_newest_spawn_first() {
    let w = World::new()
        .class(
            at_zero("p", 1),
            vec![
                Step::Spawn {
                    class: ClassId(2),
                    count: 3,
                },
                Step::Compute(ms(1)),
            ],
        )
        .class(at_zero("q", 1), vec![Step::Compute(ms(2))])
        .class(spawned("child"), vec![Step::Compute(ms(2))]);
    let r = w.run(work_stealing(128, true));
    assert_eq!(finishes(&r), vec![1, 9, 5, 7, 3]);
    let r = w.run(work_stealing(128, false));
    assert_eq!(finishes(&r), vec![1, 9, 3, 5, 7]);
}

/// The coop budget, N = 2, one worker. H repeats 6 times {compute 1, lock m,
/// unlock m}: every lock is free, so it completes at once and spends one unit;
/// the third such await in a dispatch yields instead (and is carried out
/// first when H runs again). O sleeps 1 at 0 (it goes first, to reach its
/// sleep), wakes into the worker's local queue at 1, and computes 1.
/// ```text
/// 0         3   4      6      7
/// |H1 H2 H3 |O..|H4 H5 |H6....|
///   locks 1,2 ^yield at lock 3; next dispatch: locks 3,4, yield at 5; locks 5,6
/// ```
/// Budget off: H never awaits anything that does not complete at once.
/// ```text
/// 0                  6 7
/// |H1 H2 H3 H4 H5 H6 |O|
/// ```
#[test]
fn work_stealing_coop_budget_forces_a_yield() {
    let m = LockId(0);
    let w = World::new()
        .class(
            at_zero("o", 1),
            vec![Step::Sleep(ms(1)), Step::Compute(ms(1))],
        )
        .class(
            at_zero("h", 1),
            vec![Step::Repeat {
                times: 6,
                body: vec![Step::Compute(ms(1)), Step::Lock(m), Step::Unlock(m)],
            }],
        )
        .locks(1);
    let t = w.trace(work_stealing(2, true), Queues::Global);
    assert_eq!(finishes(&t.tasks), vec![4, 7]);
    assert_eq!(waits(&t.tasks), vec![2, 1]);
    // H's slices: three computes, then two, then one (each compute is a slice).
    assert_eq!(
        t.slices_of(1, 0),
        vec![(0, 1), (1, 2), (2, 3), (4, 5), (5, 6), (6, 7)]
    );
    // A yield is not a preemption; H resuming at 6 after itself is no switch.
    assert_eq!(preemptions(&t.tasks), vec![0, 0]);
    assert_eq!(switches(&t.tasks), vec![2, 2]);

    let r = w.run(work_stealing(0, true));
    assert_eq!(finishes(&r), vec![7, 6]);
}

/// Two workers. P spawns C0..C3 (2 each) and joins, then computes 1. On
/// worker 0 the LIFO slot holds C3 and the local queue C0, C1, C2; worker 1,
/// idle, steals half of that queue (rounded up: C0, C1) and runs C0. The last
/// child to finish (C1, on worker 1) wakes P into worker 1's LIFO slot: P
/// migrates.
/// ```text
/// cpu0 |P|C3..|C2..|
/// cpu1 |  C0..|C1..|P|
///      0      2    4 5
/// ```
#[test]
fn work_stealing_idle_worker_steals_half() {
    let w = World::new()
        .class(
            at_zero("p", 1),
            vec![
                Step::Spawn {
                    class: ClassId(1),
                    count: 4,
                },
                Step::Join,
                Step::Compute(ms(1)),
            ],
        )
        .class(spawned("child"), vec![Step::Compute(ms(2))])
        .cpus(2);
    let t = w.trace(work_stealing(128, true), Queues::Global);
    assert_eq!(finishes(&t.tasks), vec![5, 2, 4, 4, 2]);
    let mut cpus: Vec<(u64, u32)> = t
        .compute_ms()
        .iter()
        .filter(|s| s.1 == 1)
        .map(|s| (s.2, s.0))
        .collect();
    cpus.sort_unstable();
    assert_eq!(cpus, vec![(0, 1), (1, 1), (2, 0), (3, 0)]);
    assert_eq!(t.slices_of(0, 0), vec![(4, 5)]);
    assert_eq!(migrations(&t.tasks), vec![1, 0, 0, 0, 0]);
}

// ---- per-CPU queues ----

/// `fifo` with a queue per CPU, 2 CPUs. A (10), B, C, D (2 each) at 0 join the
/// least loaded queue in turn (ties to CPU 0): CPU 0 gets A, C; CPU 1 gets B,
/// D. CPU 1 runs dry at 4 and steals C.
/// ```text
/// cpu0 |A.........|
/// cpu1 |B.|D.|C.|
///      0  2  4  6  10
/// ```
#[test]
fn per_cpu_fifo_spreads_new_tasks_and_an_idle_cpu_steals() {
    let w = World::new()
        .class(at_zero("a", 1), vec![Step::Compute(ms(10))])
        .class(at_zero("short", 3), vec![Step::Compute(ms(2))])
        .cpus(2);
    let fifo = PolicyConfig::Fifo(crate::policy::fifo::Config {
        preempt_after: None,
    });
    let t = w.trace(fifo.clone(), Queues::PerCpu);
    assert_eq!(finishes(&t.tasks), vec![10, 2, 6, 4]);
    assert_eq!(
        t.compute_ms(),
        vec![
            (1, 1, 0, 0, 2),
            (1, 1, 2, 2, 4),
            (1, 1, 1, 4, 6),
            (0, 0, 0, 0, 10)
        ]
    );
    // C had never run: taking it is no migration.
    assert_eq!(migrations(&t.tasks), vec![0; 4]);
    // One global queue: C runs second on CPU 1.
    assert_eq!(finishes(&w.run(fifo)), vec![10, 2, 4, 6]);
}

/// `round-robin` (quantum 2) with a queue per CPU, 2 CPUs. A, B, C (6 each) at
/// 0: A and C on CPU 0, B on CPU 1. A task whose quantum ends goes back to the
/// queue of its CPU. B finishes at 6 and CPU 1, idle, steals A, which had run
/// on CPU 0: a migration.
/// ```text
/// cpu0 |A.|C.|A.|C.|C.|
/// cpu1 |B.|B.|B.|A.|
///      0  2  4  6  8  10
/// ```
#[test]
fn per_cpu_round_robin_migrates_a_stolen_task() {
    let w = World::new()
        .class(at_zero("job", 3), vec![Step::Compute(ms(6))])
        .cpus(2);
    let t = w.trace(
        PolicyConfig::RoundRobin(crate::policy::round_robin::Config { quantum: d(2) }),
        Queues::PerCpu,
    );
    assert_eq!(finishes(&t.tasks), vec![8, 6, 10]);
    assert_eq!(migrations(&t.tasks), vec![1, 0, 0]);
    let cpu_of = |index: u64| -> Vec<u32> {
        let mut v: Vec<(u64, u32)> = t
            .compute_ms()
            .iter()
            .filter(|s| s.2 == index)
            .map(|s| (s.3, s.0))
            .collect();
        v.sort_unstable();
        v.into_iter().map(|(_, cpu)| cpu).collect()
    };
    assert_eq!(cpu_of(0), vec![0, 0, 1]);
    assert_eq!(cpu_of(1), vec![1, 1, 1]);
    assert_eq!(cpu_of(2), vec![0, 0, 0]);
    // A loses CPU 0 at 2 and 6 with C ready; C at 4 with A ready.
    assert_eq!(preemptions(&t.tasks), vec![2, 0, 1]);
}

// ---- behaviour (the issue's two cases) ----

/// Work stealing spreads one worker's spawns: a parent spawns 64 children of
/// 1ms on worker 0 of 4; the other workers steal them. The makespan is close
/// to 64 / 4 = 16ms and every worker does a share.
#[test]
fn work_stealing_spreads_64_spawned_children_over_4_workers() {
    let w = World::new()
        .class(
            at_zero("parent", 1),
            vec![
                Step::Spawn {
                    class: ClassId(1),
                    count: 64,
                },
                Step::Join,
            ],
        )
        .class(spawned("child"), vec![Step::Compute(ms(1))])
        .cpus(4);
    let t = w.trace(work_stealing(128, true), Queues::Global);
    assert_eq!(t.tasks.len(), 65);
    let makespan = finishes(&t.tasks).into_iter().max().unwrap();
    assert!((16..=17).contains(&makespan), "makespan {makespan}ms");
    // The parent's trailing join ends it when its last child finishes.
    assert_eq!(finishes(&t.tasks)[0], makespan);
    let per_cpu = t.cpu_time_of_class(4, 1);
    assert_eq!(per_cpu.iter().sum::<u64>(), 64 * MS);
    assert!(
        per_cpu.iter().all(|&ns| ns >= 12 * MS),
        "CPU time per worker: {per_cpu:?}"
    );
}

/// The always-ready hog: 20,000 x {compute 10us, lock m, unlock m} (200ms),
/// whose uncontended locks complete at once; one worker.
fn hog(times: u32) -> Vec<Step> {
    let m = LockId(0);
    vec![Step::Repeat {
        times,
        body: vec![Step::Compute(us(10)), Step::Lock(m), Step::Unlock(m)],
    }]
}

/// The coop budget bounds the latency the hog inflicts on a latency-sensitive
/// task woken inside the runtime. One worker; a ticker (8 x {sleep 1.3ms,
/// compute 50us}) goes first, to reach its first sleep at 0; the hog (30,000
/// iterations, 300ms) then runs in polls of 129 computes (the first: it
/// computes before its first await) and 128 (1.28ms) after. A tick's wake-up
/// goes to the worker's local queue, so it runs when the hog's current poll
/// yields: it waits less than one poll, 129 x 10us. Times in ms:
/// ```text
/// hog    |0 ... 1.29|1.29 ... 2.57|      |2.62 ... 3.90|3.90 ... 5.18|      |
/// ticker            ^wakes 1.30    |2.57-2.62|      ^wakes 3.92    |5.18-5.23|
///                   waits 1.27                      waits 1.26
/// ```
/// and so on: each tick waits 1.26 (2 polls + its 50us, less its 1.3 sleep).
/// Without a budget the hog never yields: the first tick waits until 300.
#[test]
fn coop_budget_bounds_the_latency_of_a_woken_task() {
    let w = World::new()
        .class(
            at_zero("ticker", 1),
            vec![Step::Repeat {
                times: 8,
                body: vec![Step::Sleep(us(1_300)), Step::Compute(us(50))],
            }],
        )
        .class(at_zero("hog", 1), hog(30_000))
        .locks(1);
    // Each tick's delay: the start of its compute less its wake-up (the end of
    // the previous compute, or 0, plus 1.3ms).
    let tick_delays = |t: &Trace| -> Vec<u64> {
        let mut slices: Vec<(u64, u64)> = t
            .segments
            .iter()
            .filter(|s| s.class.0 == 0 && s.kind == SegmentKind::Compute)
            .map(|s| (s.start.as_nanos(), s.end.as_nanos()))
            .collect();
        slices.sort_unstable();
        let mut woke = 1_300 * US;
        slices
            .iter()
            .map(|&(start, end)| {
                let delay = start - woke;
                woke = end + 1_300 * US;
                delay
            })
            .collect()
    };
    let t = w.trace(work_stealing(128, true), Queues::Global);
    let delays = tick_delays(&t);
    let mut expected = vec![1_260 * US; 8];
    expected[0] = 1_270 * US;
    assert_eq!(delays, expected);
    assert!(delays.iter().all(|&d| d < 129 * 10 * US));
    // What the ticker waited is the sum of its ticks' delays.
    assert_eq!(
        t.tasks[0].wait().unwrap().as_nanos(),
        delays.iter().sum::<u64>()
    );
    // The hog's 300ms of work end 8 x 50us late.
    assert_eq!(t.tasks[1].finish, Some(SimTime(300 * MS + 400 * US)));

    let t = w.trace(work_stealing(0, true), Queues::Global);
    let mut expected = vec![0; 8];
    expected[0] = 300 * MS - 1_300 * US;
    assert_eq!(tick_delays(&t), expected);
}

/// The same hog against periodic arrivals from outside the runtime (ticks at
/// 10, 110, 210; compute 50us each). They enter the injection queue, which a
/// worker with local work checks first only every `global_interval` (61)
/// polls. With the budget the hog polls for 1.29ms, then 1.28ms each, so
/// polls 61, 122, 183 start at 76.81, 153.66, 230.51: the ticks wait up to 61
/// polls (at most 61 x 1.29 = 78.7ms), bounded but long. With
/// `global_interval` 1 a tick waits only for the current poll (< 129 x 10us):
/// the polls in progress end at 10.25, 110.14, 210.03. Without a budget, the
/// hog holds the worker 0-300 and the ticks then run in order.
#[test]
fn coop_budget_bounds_the_latency_of_periodic_arrivals() {
    let mut w = World::new()
        .class(at_zero("hog", 1), hog(30_000))
        .class(
            ClassSpec::new(
                "tick",
                Some(Arrival::Periodic {
                    period: d(100),
                    offset: d(10),
                }),
            ),
            vec![Step::Compute(us(50))],
        )
        .locks(1);
    w.config.horizon = SimTime(300 * MS);
    let ticks = |policy: PolicyConfig| -> Vec<u64> {
        let r = w.run(policy);
        assert_eq!(r.len(), 4);
        r[1..]
            .iter()
            .map(|t| t.turnaround().unwrap().as_nanos() / US)
            .collect()
    };
    // Turnarounds in us.
    let tokio = ticks(work_stealing(128, true));
    assert_eq!(tokio, vec![66_860, 43_710, 20_560]);
    assert!(tokio.iter().all(|&t| t <= 61 * 129 * 10 + 50));

    let eager = ticks(PolicyConfig::WorkStealing(
        crate::policy::work_stealing::Config {
            budget: 128,
            lifo_slot: true,
            global_interval: 1,
        },
    ));
    assert_eq!(eager, vec![300, 190, 80]);
    assert!(eager.iter().all(|&t| t <= 129 * 10 + 50));

    let none = ticks(work_stealing(0, true));
    assert_eq!(none, vec![290_050, 190_100, 90_150]);
}
