//! Validation of the policies against references no one on the team wrote:
//! textbook schedules (Silberschatz, Galvin and Gagne, Operating System
//! Concepts, chapter 5 "CPU Scheduling"), real-time scheduling theory
//! (response-time analysis, Liu and Layland's EDF result), queueing formulas
//! (Cobham's M/G/1 priority queue, Erlang C) and the proportional-share
//! papers (stride, lottery) and Linux's CFS weight table.
//!
//! Deterministic cases check exact nanoseconds against a hand-worked Gantt
//! chart; statistical cases check that the theoretical value lies in the 99%
//! confidence interval of independent replications with fixed seeds, and run
//! in release mode only.

use corosim::batch::{self, BatchOptions, BatchResult, TaskRows};
use corosim::metrics::TaskRecord;
use corosim::scenario::{Scenario, Study, nice_weight};
use corosim::task::ClassId;
use corosim::time::{SimDuration, SimTime};

use crate::support::{mean_ci99, run, scenario};

const MS: u64 = 1_000_000;

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

fn at_ms(n: u64) -> SimTime {
    SimTime(n * MS)
}

/// Runs every policy x replication without task records, on `jobs` threads
/// (`None`: all cores).
fn run_without_records(s: &Scenario, jobs: Option<usize>) -> BatchResult {
    let options = BatchOptions {
        jobs,
        task_rows: TaskRows::Never,
        ..BatchOptions::default()
    };
    batch::run(&Study::single(s.clone()), &options).expect("run succeeds")
}

/// The task records of policy `policy`, replication 0.
fn records_of(r: &BatchResult, policy: usize) -> Vec<TaskRecord> {
    r.cells
        .iter()
        .find(|c| c.key.policy == policy && c.key.replication == 0)
        .expect("the cell exists")
        .tasks
        .clone()
        .expect("task records are kept")
}

/// The one task of each class, in class order (one-shot textbook job lists).
fn one_per_class(records: &[TaskRecord], classes: usize) -> Vec<TaskRecord> {
    assert_eq!(records.len(), classes, "one task per class");
    (0..classes)
        .map(|c| {
            *records
                .iter()
                .find(|r| r.class == ClassId(c as u32))
                .expect("every class has its task")
        })
        .collect()
}

/// A textbook job list: one class per process, arriving once at its time,
/// with one CPU burst; `extra` adds class attributes (`priority = 3`).
fn job_list(policy: &str, jobs: &[(&str, u64, u64, &str)]) -> String {
    let mut text = format!("name = \"textbook\"\nhorizon = \"1s\"\n[[policy]]\n{policy}\n");
    for (name, arrival, burst, extra) in jobs {
        text.push_str(&format!(
            "[[task]]\nname = \"{name}\"\narrival = {{ process = \"at\", times = [\"{arrival}ms\"] }}\nprogram = [ {{ compute = \"{burst}ms\" }} ]\n{extra}\n"
        ));
    }
    text
}

/// Runs a one-shot job list under one policy; the records in class order.
fn run_job_list(policy: &str, jobs: &[(&str, u64, u64, &str)]) -> Vec<TaskRecord> {
    let s = scenario(&job_list(policy, jobs));
    let r = run(&s);
    one_per_class(&records_of(&r, 0), jobs.len())
}

/// Checks each job's wait and finish (ms) and returns the mean wait (ms).
fn check_waits_and_finishes(
    records: &[TaskRecord],
    names: &[&str],
    waits: &[u64],
    finishes: &[u64],
) -> f64 {
    for (i, rec) in records.iter().enumerate() {
        assert_eq!(rec.wait(), Some(ms(waits[i])), "wait of {}", names[i]);
        assert_eq!(
            rec.finish,
            Some(at_ms(finishes[i])),
            "finish of {}",
            names[i]
        );
    }
    let total: u64 = records.iter().map(|r| r.wait().unwrap().as_nanos()).sum();
    total as f64 / records.len() as f64 / MS as f64
}

// ---------------------------------------------------------------------------
// 1-3. Silberschatz, Galvin and Gagne, Operating System Concepts (10th ed.),
// section 5.3 "Scheduling Algorithms".

/// Section 5.3.2, shortest-job-first: P1 = 6, P2 = 8, P3 = 7, P4 = 3 (ms), all
/// at time 0. The book's Gantt chart:
/// ```text
/// 0    3         9           16             24
/// | P4 |   P1    |    P3     |      P2      |
/// ```
/// Waits P1 3, P2 16, P3 9, P4 0: mean 7ms (FCFS in P1..P4 order: 10.25ms).
#[test]
fn sjf_silberschatz_job_list() {
    let names = ["P1", "P2", "P3", "P4"];
    let recs = run_job_list(
        "kind = \"sjf\"",
        &[
            ("P1", 0, 6, ""),
            ("P2", 0, 8, ""),
            ("P3", 0, 7, ""),
            ("P4", 0, 3, ""),
        ],
    );
    let mean = check_waits_and_finishes(&recs, &names, &[3, 16, 9, 0], &[9, 24, 16, 3]);
    assert_eq!(mean, 7.0);
    // Start times give the order P4, P1, P3, P2.
    let starts: Vec<u64> = recs.iter().map(|r| r.start.unwrap().0 / MS).collect();
    assert_eq!(starts, vec![3, 16, 9, 0]);
}

/// Section 5.3.2, preemptive SJF (shortest-remaining-time-first): arrivals 0,
/// 1, 2, 3 with bursts 8, 4, 9, 5 (ms). The book's Gantt chart:
/// ```text
/// 0  1       5         10             17                 26
/// |P1|  P2   |   P4    |      P1      |        P3        |
/// ```
/// P2 (4 left) preempts P1 (7 left) at 1; P3 (9) and P4 (5) do not preempt P2.
/// Waits P1 10 - 1 = 9, P2 0, P3 17 - 2 = 15, P4 5 - 3 = 2: mean 26/4 = 6.5ms.
#[test]
fn srtf_silberschatz_preemptive_sjf() {
    let names = ["P1", "P2", "P3", "P4"];
    let recs = run_job_list(
        "kind = \"srtf\"",
        &[
            ("P1", 0, 8, ""),
            ("P2", 1, 4, ""),
            ("P3", 2, 9, ""),
            ("P4", 3, 5, ""),
        ],
    );
    let mean = check_waits_and_finishes(&recs, &names, &[9, 0, 15, 2], &[17, 5, 26, 10]);
    assert_eq!(mean, 6.5);
    assert_eq!(recs[0].preemptions, 1, "P1 is preempted once, by P2");
    assert!(recs[1..].iter().all(|r| r.preemptions == 0));
}

/// Section 5.3.4, priority scheduling (non-preemptive, lower number = higher
/// priority): P1 burst 10 priority 3, P2 1/1, P3 2/4, P4 1/5, P5 5/2, all at 0.
/// The book's Gantt chart:
/// ```text
/// 0  1      6          16   18 19
/// |P2|  P5  |    P1    | P3 |P4|
/// ```
/// Waits P1 6, P2 0, P3 16, P4 18, P5 1: mean 41/5 = 8.2ms.
#[test]
fn priority_silberschatz_example() {
    let names = ["P1", "P2", "P3", "P4", "P5"];
    let recs = run_job_list(
        "kind = \"priority\"",
        &[
            ("P1", 0, 10, "priority = 3"),
            ("P2", 0, 1, "priority = 1"),
            ("P3", 0, 2, "priority = 4"),
            ("P4", 0, 1, "priority = 5"),
            ("P5", 0, 5, "priority = 2"),
        ],
    );
    let mean = check_waits_and_finishes(&recs, &names, &[6, 0, 16, 18, 1], &[16, 1, 18, 19, 6]);
    assert!((mean - 8.2).abs() < 1e-12, "mean wait {mean}");
}

// ---------------------------------------------------------------------------
// 4. Rate-monotonic scheduling under `priority-rr`: exact response-time
// analysis.

/// Worst-case response time of task `i` of a fixed-priority set (index order =
/// priority order, most urgent first), in ns: the least fixed point of
/// R = C_i + sum_{j < i} ceil(R / T_j) C_j (Joseph and Pandya, "Finding
/// response times in a real-time system", The Computer Journal, 1986; Audsley,
/// Burns, Richardson, Tindell and Wellings, "Applying new scheduling theory to
/// static priority pre-emptive scheduling", Software Engineering Journal,
/// 1993), iterated from R = C_i. `None` if it exceeds the period.
fn response_time(set: &[(u64, u64)], i: usize) -> Option<u64> {
    let (c, t) = set[i];
    let mut r = c;
    loop {
        let next = c + set[..i]
            .iter()
            .map(|&(cj, tj)| r.div_ceil(tj) * cj)
            .sum::<u64>();
        if next == r {
            return Some(r);
        }
        if next > t {
            return None;
        }
        r = next;
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn hyperperiod(set: &[(u64, u64)]) -> u64 {
    set.iter().fold(1, |l, &(_, t)| l / gcd(l, t) * t)
}

/// A periodic task set (C, T in ms), all released at 0, under the given
/// policy tables; class `priority` by rate (shorter period, lower number), and
/// `horizon` in ms.
fn periodic_set(policies: &str, set: &[(u64, u64)], horizon_ms: u64) -> String {
    let mut text = format!("name = \"periodic\"\nhorizon = \"{horizon_ms}ms\"\n{policies}\n");
    for (i, &(c, t)) in set.iter().enumerate() {
        let rank = set.iter().filter(|&&(_, tj)| tj < t).count();
        text.push_str(&format!(
            "[[task]]\nname = \"tau{i}\"\narrival = {{ process = \"periodic\", period = \"{t}ms\" }}\npriority = {rank}\nprogram = [ {{ compute = \"{c}ms\" }} ]\n\n"
        ));
    }
    text
}

/// Rate-monotonic priorities (and priority-rr with a quantum longer than any
/// C, so no time slicing within a level).
const RATE_MONOTONIC: &str = "[[policy]]\nkind = \"priority-rr\"\nquantum = \"1s\"\n";

/// Under rate-monotonic `priority-rr`, each class's worst response time over
/// two hyperperiods equals its exact response-time analysis value, to the
/// nanosecond. Released together at 0, the first jobs see the critical instant
/// (Liu and Layland 1973, theorem 1), so the bound is attained.
///
/// Sets (C, T) in ms, periods distinct and listed by rate:
/// - {(1,4),(2,6),(3,12)}, U = 0.833: R = 1, 3, 10. Gantt of the first 12ms
///   (t1 at 0,4,8; t2 at 0,6):
///   ```text
///   0  1    3  4  5  6    8  9  10      12
///   |t1| t2 |t3|t1|t3| t2 |t1|t3| idle |     t3 finishes at 10
///   ```
/// - {(1,3),(1,5),(2,10)}, U = 0.733: R = 1, 2, 5.
/// - Liu and Layland's worst case for n = 3 (T_{i+1} = 2^{1/3} T_i, C_i =
///   T_{i+1} - T_i, C_3 = 2 T_1 - T_3), in integers: {(26,100),(33,126),
///   (41,159)}, U = 0.779766, at the bound 3 (2^{1/3} - 1) = 0.779763 (just
///   above it, yet schedulable: the bound is sufficient, not necessary):
///   R = 26, 59, 100; t3 completes at the very instant t1's second job arrives.
/// - {(3,7),(3,12),(5,20)}, U = 0.929: R = 3, 6, 20 = T_3, a job that finishes
///   exactly at its deadline (not a miss).
#[test]
fn rate_monotonic_response_times_match_exact_analysis() {
    let sets: [&[(u64, u64)]; 4] = [
        &[(1, 4), (2, 6), (3, 12)],
        &[(1, 3), (1, 5), (2, 10)],
        &[(26, 100), (33, 126), (41, 159)],
        &[(3, 7), (3, 12), (5, 20)],
    ];
    let by_hand: [&[u64]; 4] = [&[1, 3, 10], &[1, 2, 5], &[26, 59, 100], &[3, 6, 20]];
    for (set, hand) in sets.iter().zip(by_hand) {
        let horizon = 2 * hyperperiod(set);
        let s = scenario(&periodic_set(RATE_MONOTONIC, set, horizon));
        let r = run(&s);
        let recs = records_of(&r, 0);
        for i in 0..set.len() {
            let analysis = response_time(set, i).expect("schedulable set");
            assert_eq!(analysis, hand[i], "analysis of {set:?} task {i}");
            let worst = recs
                .iter()
                .filter(|t| t.class == ClassId(i as u32))
                .map(|t| t.turnaround().unwrap().as_nanos())
                .max()
                .unwrap();
            let jobs = recs.iter().filter(|t| t.class == ClassId(i as u32)).count();
            assert_eq!(jobs as u64, horizon / set[i].1, "jobs of {set:?} task {i}");
            // R_i from the fixed point, in ns: the simulated worst turnaround.
            assert_eq!(
                worst,
                analysis * MS,
                "{set:?}: task {i} (C, T) = {:?}",
                set[i]
            );
        }
        assert_eq!(r.cells[0].summaries.last().unwrap().deadline_misses, 0);
    }
}

/// With every class at one priority level, `priority-rr` is plain round robin.
/// Silberschatz section 5.3.3: P1 = 24, P2 = 3, P3 = 3 (ms) at 0, quantum 4ms:
/// ```text
/// 0    4   7   10   14   18   22   26   30
/// | P1 |P2 |P3 | P1 | P1 | P1 | P1 | P1 |
/// ```
/// Waits P1 10 - 4 = 6, P2 4, P3 7: mean 17/3 = 5.67ms. The records equal
/// `round-robin`'s on the same workload, field for field.
#[test]
fn priority_rr_at_one_level_is_round_robin() {
    let names = ["P1", "P2", "P3"];
    let text = job_list(
        "kind = \"priority-rr\"\nquantum = \"4ms\"\n[[policy]]\nkind = \"round-robin\"\nquantum = \"4ms\"",
        &[
            ("P1", 0, 24, "priority = 7"),
            ("P2", 0, 3, "priority = 7"),
            ("P3", 0, 3, "priority = 7"),
        ],
    );
    let s = scenario(&text);
    let r = run(&s);
    let prr = one_per_class(&records_of(&r, 0), 3);
    check_waits_and_finishes(&prr, &names, &[6, 4, 7], &[30, 7, 10]);
    // P1 loses the CPU at 4 (P2 waits), not at 14, 18, ... (no one else ready).
    assert_eq!(prr[0].preemptions, 1);
    assert_eq!(prr, one_per_class(&records_of(&r, 1), 3));
}

// ---------------------------------------------------------------------------
// 5. EDF: Liu and Layland, "Scheduling algorithms for multiprogramming in a
// hard-real-time environment", JACM 20(1), 1973, theorem 7: a periodic set
// with deadlines equal to periods is schedulable by EDF on one processor if
// and only if U <= 1.

/// Deadline misses of every policy of a periodic set, over `hyperperiods`.
fn misses(policies: &str, set: &[(u64, u64)], hyperperiods: u64) -> Vec<u64> {
    let s = scenario(&periodic_set(
        policies,
        set,
        hyperperiods * hyperperiod(set),
    ));
    let r = run_without_records(&s, Some(1));
    let m: Vec<u64> = r
        .cells
        .iter()
        .map(|c| c.summaries.last().unwrap().deadline_misses)
        .collect();
    let jobs = r.cells[0].summaries.last().unwrap().arrived;
    eprintln!("{set:?}: deadline misses per policy {m:?} of {jobs} jobs");
    m
}

const EDF_AND_RM: &str =
    "[[policy]]\nkind = \"edf\"\n[[policy]]\nkind = \"priority-rr\"\nquantum = \"1s\"\n";

/// - U = 1 exactly, {(1,4),(2,6),(5,12)}: EDF misses nothing (jobs finish at
///   their deadlines, which is not a miss).
/// - U = 2/5 + 4/7 = 0.971 > the two-task Liu-Layland bound 0.828,
///   {(2,5),(4,7)}: EDF misses nothing; rate-monotonic misses: t2's response
///   time is 4 + 2 ceil(R/5) = 8 > 7. Gantt of RM from 0:
///   ```text
///   0    2      5    7  8
///   | t1 |  t2  | t1 |t2|     t2's first job: 8 > deadline 7
///   ```
///   EDF: at 5, t1's second job (deadline 10) does not preempt t2 (deadline 7),
///   which finishes at 6.
/// - U = 1.071 > 1, {(2,5),(4,7),(1,10)}: EDF misses deadlines (demand
///   75ms in every 70ms hyperperiod).
#[test]
fn edf_meets_every_deadline_up_to_full_utilisation() {
    // U = 1.
    let full: &[(u64, u64)] = &[(1, 4), (2, 6), (5, 12)];
    assert_eq!(misses(EDF_AND_RM, full, 10)[0], 0, "edf at U = 1");
    // U = 0.971: EDF schedules it, rate-monotonic cannot.
    let rm_fails: &[(u64, u64)] = &[(2, 5), (4, 7)];
    assert_eq!(response_time(rm_fails, 1), None, "RTA: t2 is unschedulable");
    let m = misses(EDF_AND_RM, rm_fails, 10);
    assert_eq!(m[0], 0, "edf at U = 0.971");
    assert!(m[1] > 0, "rate-monotonic misses at U = 0.971: {m:?}");
    // U > 1.
    let over: &[(u64, u64)] = &[(2, 5), (4, 7), (1, 10)];
    let m = misses(EDF_AND_RM, over, 10);
    assert!(m[0] > 0, "edf at U = 1.071 must miss: {m:?}");
}

/// The first jobs of {(2,5),(4,7)} under both policies, to the nanosecond
/// (Gantt charts above): RM finishes t2's first job at 8, EDF at 6.
#[test]
fn edf_and_rate_monotonic_first_jobs_by_hand() {
    let set: &[(u64, u64)] = &[(2, 5), (4, 7)];
    let s = scenario(&periodic_set(EDF_AND_RM, set, 35));
    let r = run(&s);
    let first_t2 = |policy| {
        records_of(&r, policy)
            .into_iter()
            .find(|t| t.class == ClassId(1))
            .unwrap()
    };
    assert_eq!(first_t2(0).finish, Some(at_ms(6)), "edf");
    assert_eq!(first_t2(1).finish, Some(at_ms(8)), "rate-monotonic");
    assert!(first_t2(1).missed_deadline());
    assert!(!first_t2(0).missed_deadline());
}

// ---------------------------------------------------------------------------
// 6-7. Queueing formulas, release mode only.

/// Mean latency of summary row `row` (a class index, or the classes' count
/// for `*`) in each replication of policy 0.
fn replication_means(r: &BatchResult, row: usize) -> Vec<f64> {
    r.cells
        .iter()
        .filter(|c| c.key.policy == 0)
        .map(|c| c.summaries[row].latency_mean_s.unwrap())
        .collect()
}

/// Cobham's mean waiting times for non-preemptive priority classes (most
/// urgent first), given each class's (lambda per s, E[S] s, E[S^2] s^2):
/// W_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k)), W0 = sum lambda_i E[S_i^2] / 2,
/// sigma_k = rho_1 + ... + rho_k (A. Cobham, "Priority assignment in waiting
/// line problems", Operations Research 2(1), 1954; Kleinrock, Queueing
/// Systems vol. 2, eq. 3.31). Returns E[T_k] = W_k + E[S_k].
fn cobham(classes: &[(f64, f64, f64)]) -> Vec<f64> {
    let w0: f64 = classes.iter().map(|(l, _, s2)| l * s2).sum::<f64>() / 2.0;
    let mut sigma = 0.0;
    classes
        .iter()
        .map(|&(l, s, _)| {
            let before = sigma;
            sigma += l * s;
            w0 / ((1.0 - before) * (1.0 - sigma)) + s
        })
        .collect()
}

/// M/G/1 non-preemptive priority under `priority`, two classes at 300/s each,
/// total load 0.6, against Cobham's formula.
/// - Both exponential with mean 1ms: E[S^2] = 2ms^2, W0 = 0.6ms; E[T] = 1.857ms
///   (priority 0) and 3.143ms (priority 1).
/// - The urgent class exponential, the other hyper-exponential (p = 0.9, 0.1;
///   means 0.5ms, 5.5ms: mean 1ms, E[S^2] = 6.5ms^2): W0 = 1.275ms; E[T] =
///   2.821ms and 5.554ms. The urgent class's wait grows with the other class's
///   residual service, as the formula says.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "long statistical run: use cargo test --release"
)]
fn cobham_two_class_priority() {
    let exp = "{ exp = \"1ms\" }";
    let hyper = "{ hyperexp = { p = [0.9, 0.1], means = [\"500us\", \"5.5ms\"] } }";
    for (lo_service, lo_s2) in [(exp, 2e-6), (hyper, 6.5e-6)] {
        let text = format!(
            r#"
name = "cobham"
seed = 1954
horizon = "100s"
warmup = "5s"
replications = 30
[[policy]]
kind = "priority"
[[task]]
name = "hi"
priority = 0
arrival = {{ process = "poisson", rate = 300.0 }}
program = [ {{ compute = {exp} }} ]
[[task]]
name = "lo"
priority = 1
arrival = {{ process = "poisson", rate = 300.0 }}
program = [ {{ compute = {lo_service} }} ]
"#
        );
        let theory = cobham(&[(300.0, 1e-3, 2e-6), (300.0, 1e-3, lo_s2)]);
        let r = run_without_records(&scenario(&text), None);
        for (class, expected) in theory.iter().enumerate() {
            let (mean, half) = mean_ci99(&replication_means(&r, class));
            eprintln!(
                "Cobham, lo E[S^2] = {lo_s2:e}: class {class}: {:.4} +- {:.4} ms, theory {:.4} ms",
                mean * 1e3,
                half * 1e3,
                expected * 1e3
            );
            assert!(
                (mean - expected).abs() <= half,
                "class {class}: {mean} +- {half}, theory {expected}"
            );
            assert!(half < 0.05 * expected, "interval too wide: {half}");
        }
    }
}

/// Erlang's C formula: the probability that an arrival waits in M/M/c with
/// offered load a = lambda / mu (Kleinrock, Queueing Systems vol. 1, eq. 3.40):
/// C(c, a) = (a^c / c!) (c / (c - a)) / (sum_{k<c} a^k / k! + (a^c / c!) (c / (c - a))).
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * f64::from(c) / (f64::from(c) - a);
    top / (sum + top)
}

/// M/M/c under `fifo` with one global queue:
/// E[T] = C(c, a) / (c mu - lambda) + 1 / mu.
/// Service exponential with mean 1ms, per-server load 0.7, c = 2
/// (C = 0.5765, E[T] = 1.961ms) and c = 4 (C = 0.4287, E[T] = 1.357ms).
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "long statistical run: use cargo test --release"
)]
fn mmc_fifo_erlang_c() {
    let mu = 1000.0;
    for c in [2u32, 4] {
        let lambda = 0.7 * f64::from(c) * mu;
        let expected = erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda) + 1.0 / mu;
        let text = format!(
            r#"
name = "mmc"
seed = 1917
horizon = "60s"
warmup = "2s"
replications = 30
[machine]
cpus = {c}
[[policy]]
kind = "fifo"
[[task]]
name = "job"
arrival = {{ process = "poisson", rate = {lambda:.1} }}
program = [ {{ compute = {{ exp = "1ms" }} }} ]
"#
        );
        let r = run_without_records(&scenario(&text), None);
        let (mean, half) = mean_ci99(&replication_means(&r, 1));
        eprintln!(
            "M/M/{c}: C = {:.4}; {:.4} +- {:.4} ms, theory {:.4} ms",
            erlang_c(c, lambda / mu),
            mean * 1e3,
            half * 1e3,
            expected * 1e3
        );
        assert!(
            (mean - expected).abs() <= half,
            "c = {c}: {mean} +- {half}, theory {expected}"
        );
        assert!(half < 0.05 * expected, "interval too wide: {half}");
    }
}

#[test]
fn erlang_c_formula_by_hand() {
    // c = 1: C(1, rho) = rho (M/M/1).
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    // c = 2, a = 1.4: (0.98 * 2 / 0.6) / (1 + 1.4 + 0.98 * 2 / 0.6) = 0.576471.
    assert!((erlang_c(2, 1.4) - 0.576_470_588).abs() < 1e-8);
}

// ---------------------------------------------------------------------------
// 8-10. Proportional share: three always-ready CPU-bound classes, one task
// each, cut by `max_time`; the CPU time each got so far is its share.

/// Three classes (attributes `attrs`), one task each at 0 computing far longer
/// than the run, stopped at `max_time` = 60s.
fn share_scenario(policy: &str, seed: u64, attrs: &[&str]) -> String {
    let mut text = format!(
        "name = \"shares\"\nseed = {seed}\nhorizon = \"1s\"\nmax_time = \"60s\"\n[[policy]]\n{policy}\n"
    );
    for (i, a) in attrs.iter().enumerate() {
        text.push_str(&format!(
            "[[task]]\nname = \"c{i}\"\narrival = {{ process = \"at\", times = [\"0s\"] }}\nprogram = [ {{ compute = \"1000s\" }} ]\n{a}\n"
        ));
    }
    text
}

const MAX_TIME_NS: u64 = 60_000_000_000;

/// CPU time (ns) of each class's unfinished task at `max_time`.
fn cpu_at_max_time(text: &str, classes: usize) -> Vec<u64> {
    let s = scenario(text);
    let r = run(&s);
    let all = r.cells[0].summaries.last().unwrap();
    assert_eq!(all.unfinished, classes as u64, "every task is cut short");
    assert_eq!(all.completed, 0);
    one_per_class(&records_of(&r, 0), classes)
        .iter()
        .map(|t| {
            assert_eq!(t.finish, None);
            t.cpu.as_nanos()
        })
        .collect()
}

/// Each class's share of the CPU time against the expected shares
/// (proportional to `weights`): the largest relative error.
fn worst_relative_share_error(cpu: &[u64], weights: &[f64]) -> f64 {
    let total_cpu: u64 = cpu.iter().sum();
    let total_w: f64 = weights.iter().sum();
    cpu.iter()
        .zip(weights)
        .map(|(&c, w)| {
            let share = c as f64 / total_cpu as f64;
            let expected = w / total_w;
            (share - expected).abs() / expected
        })
        .fold(0.0, f64::max)
}

/// Stride scheduling (C. A. Waldspurger and W. E. Weihl, "Stride scheduling:
/// deterministic proportional-share resource management", MIT/LCS/TM-528,
/// 1995): tickets 100 : 200 : 300 give CPU shares 1/6 : 2/6 : 3/6, within 1%
/// (the scheme's error is at most one quantum, 10ms of 10s here). The CPU
/// time adds up to the whole run: one CPU, always busy, no switch cost.
#[test]
fn stride_shares_follow_tickets() {
    let tickets = [100.0, 200.0, 300.0];
    let cpu = cpu_at_max_time(
        &share_scenario(
            "kind = \"stride\"",
            0,
            &["tickets = 100", "tickets = 200", "tickets = 300"],
        ),
        3,
    );
    eprintln!("stride CPU at 60s (ns): {cpu:?}");
    assert_eq!(cpu.iter().sum::<u64>(), MAX_TIME_NS);
    let err = worst_relative_share_error(&cpu, &tickets);
    assert!(err < 0.01, "stride shares {cpu:?}: relative error {err}");
}

/// Linux CFS: CPU shares proportional to `sched_prio_to_weight`
/// (kernel/sched/core.c): nice 0, 5, -5 weigh 1024, 335, 3121, so the shares
/// are 1024/4480, 335/4480, 3121/4480; each within 1%.
#[test]
fn cfs_shares_follow_nice_weights() {
    let nices = [0, 5, -5];
    let weights: Vec<f64> = nices.iter().map(|&n| nice_weight(n)).collect();
    assert_eq!(
        weights.iter().map(|w| w * 1024.0).collect::<Vec<_>>(),
        vec![1024.0, 335.0, 3121.0]
    );
    let attrs: Vec<String> = nices.iter().map(|n| format!("nice = {n}")).collect();
    let attrs: Vec<&str> = attrs.iter().map(String::as_str).collect();
    let cpu = cpu_at_max_time(&share_scenario("kind = \"cfs\"", 0, &attrs), 3);
    eprintln!("cfs CPU at 60s (ns): {cpu:?}");
    let err = worst_relative_share_error(&cpu, &weights);
    assert!(err < 0.01, "cfs shares {cpu:?}: relative error {err}");
}

/// Lottery scheduling (C. A. Waldspurger and W. E. Weihl, "Lottery scheduling:
/// flexible proportional-share resource management", OSDI 1994): each 10ms
/// quantum goes to a ticket drawn uniformly, so over N = 6000 quanta the
/// quanta won by a class with ticket share p are Binomial(N, p), mean Np and
/// variance Np(1 - p), as the paper's analysis says. Each class's count lies within 5
/// standard deviations of Np. The draws depend on the seed only: the same
/// seed gives identical records, another seed different ones.
#[test]
fn lottery_shares_follow_tickets_within_binomial_noise() {
    let tickets = [100.0, 200.0, 300.0];
    let attrs = ["tickets = 100", "tickets = 200", "tickets = 300"];
    let quantum = 10 * MS;
    let quanta = MAX_TIME_NS / quantum;
    let text = |seed| share_scenario("kind = \"lottery\"", seed, &attrs);
    let cpu = cpu_at_max_time(&text(3), 3);
    eprintln!("lottery CPU at 60s (ns): {cpu:?}");
    assert_eq!(cpu.iter().sum::<u64>(), MAX_TIME_NS);
    let total: f64 = tickets.iter().sum();
    for (i, (&c, t)) in cpu.iter().zip(tickets).enumerate() {
        assert_eq!(c % quantum, 0, "whole quanta");
        let won = (c / quantum) as f64;
        let p = t / total;
        let n = quanta as f64;
        let sd = (n * p * (1.0 - p)).sqrt();
        eprintln!(
            "lottery class {i}: {won} quanta, expected {:.0} +- {sd:.1} (sd)",
            n * p
        );
        assert!(
            (won - n * p).abs() <= 5.0 * sd,
            "class {i}: {won} quanta, expected {} (sd {sd})",
            n * p
        );
    }
    // Same seed: the same draws; other seeds: other draws.
    let records = |seed| records_of(&run(&scenario(&text(seed))), 0);
    assert_eq!(records(3), records(3));
    assert_ne!(cpu_at_max_time(&text(4), 3), cpu);
    assert_ne!(cpu_at_max_time(&text(5), 3), cpu_at_max_time(&text(4), 3));
}

/// The shares above read the CPU time of tasks cut short by `max_time`: a task
/// still running when the run stops has computed up to `max_time` itself
/// (README: "stop the run there"). One task computing 1000s alone under
/// `fifo`, stopped at 60s: 60s of CPU, one CPU busy the whole time. Likewise
/// under `cfs`, whose slices do not divide 60s, the three tasks' CPU times add
/// up to 60s.
#[test]
fn max_time_counts_cpu_time_up_to_max_time() {
    let cpu = cpu_at_max_time(&share_scenario("kind = \"fifo\"", 0, &[""]), 1);
    assert_eq!(cpu, vec![MAX_TIME_NS], "fifo");
    let cfs = cpu_at_max_time(
        &share_scenario("kind = \"cfs\"", 0, &["nice = 0", "nice = 5", "nice = -5"]),
        3,
    );
    assert_eq!(cfs.iter().sum::<u64>(), MAX_TIME_NS, "cfs: {cfs:?}");
}
