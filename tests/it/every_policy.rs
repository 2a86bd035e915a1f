//! The suite every policy passes, run over `policy::POLICIES`: no task lost,
//! CPU time equals demand, work conservation where the policy claims it,
//! determinism, and common random numbers across policies.

use std::collections::BTreeMap;

use corosim::engine;
use corosim::metrics::{Recorder, TaskRecord};
use corosim::policy::{self, POLICIES};
use corosim::rng::{self, Purpose};
use corosim::task::{ClassId, Cx, Request, Workload};
use corosim::time::{SimDuration, SimTime};

use crate::support::{csv_bytes, every_policy_tables, run, scenario};

/// A workload touching every step kind and arrival process.
fn mixed(cpus: u32) -> String {
    format!(
        r#"
name = "mixed"
seed = 11
horizon = "1500ms"
warmup = "100ms"
replications = 2
[machine]
cpus = {cpus}
context_switch = "20us"

[[device]]
name = "disk"
capacity = 2

{policies}

[[task]]
name = "web"
arrival = {{ process = "poisson", rate = 300.0 }}
program = [
  {{ compute = {{ exp = "1ms" }} }},
  {{ io = {{ uniform = ["1ms", "3ms"] }}, device = "disk" }},
  {{ compute = {{ erlang = {{ k = 2, mean = "500us" }} }} }},
]

[[task]]
name = "batch"
arrival = {{ process = "poisson", rate = 20.0 }}
program = [ {{ compute = {{ hyperexp = {{ p = [0.8, 0.2], means = ["2ms", "20ms"] }} }} }}, "yield", {{ compute = "1ms" }} ]

[[task]]
name = "tick"
arrival = {{ process = "periodic", period = "50ms", offset = "5ms" }}
program = [ {{ compute = {{ normal = {{ mean = "2ms", sd = "1ms" }} }} }} ]

[[task]]
name = "fanout"
arrival = {{ process = "poisson", rate = 10.0 }}
program = [ {{ spawn = "child", count = 3 }}, "join", {{ compute = "500us" }} ]

[[task]]
name = "child"
program = [ {{ compute = {{ lognormal = {{ mean = "1ms", sd = "2ms" }} }} }}, {{ sleep = "1ms" }} ]

[[task]]
name = "locker"
arrival = {{ process = "poisson", rate = 30.0 }}
program = [ {{ lock = "m" }}, {{ compute = {{ exp = "300us" }} }}, {{ sleep = "200us" }}, {{ unlock = "m" }}, {{ call = "tail" }} ]

[[task]]
name = "tail"
program = [ {{ repeat = 2, body = [ {{ compute = {{ pareto = {{ scale = "100us", shape = 2.5, max = "5ms" }} }} }} ] }} ]

[[task]]
name = "blocker"
arrival = {{ process = "at", times = ["300ms", "300ms", "900ms"] }}
program = [ {{ block = "5ms" }}, {{ compute = "1ms" }} ]

[[task]]
name = "client"
arrival = {{ process = "closed", clients = 3, think = {{ exp = "20ms" }} }}
program = [ {{ compute = {{ empirical = {{ values = ["1ms", "3ms"], weights = [3.0, 1.0] }} }} }} ]
"#,
        policies = every_policy_tables()
    )
}

/// Classes whose tasks are identified by arrival index (open arrivals), so a
/// task's demand can be replayed from its stream.
const OPEN: [&str; 5] = ["web", "batch", "tick", "fanout", "locker"];

/// The CPU demand of task `index` of an open class, replayed from its own
/// stream without the engine.
fn replayed_demand(
    s: &corosim::scenario::Scenario,
    seed: u64,
    class: ClassId,
    index: u64,
) -> SimDuration {
    let programs = s.compile();
    let mut rng = rng::stream(seed, class.0, Purpose::Steps);
    let mut position = rng::task_region_start(index);
    let mut task = programs.start(class);
    let mut total = SimDuration::ZERO;
    loop {
        let mut cx = Cx::new(&mut rng, &mut position, SimTime::ZERO);
        match programs.resume(&mut task, &mut cx) {
            Request::Compute(d) => total += d,
            Request::Done => return total,
            _ => {}
        }
    }
}

#[test]
fn no_task_lost_and_cpu_time_equals_demand() {
    for cpus in [1, 2] {
        let s = scenario(&mixed(cpus));
        let r = run(&s);
        assert!(r.has_tasks);
        for cell in &r.cells {
            let label = &s.policies[cell.key.policy].label;
            let tasks = cell.tasks.as_ref().unwrap();
            let mut seen = BTreeMap::new();
            for t in tasks {
                assert!(
                    seen.insert((t.class, t.index), ()).is_none(),
                    "{label}: task reported twice"
                );
                assert!(
                    t.finish.is_some(),
                    "{label}: {:?} never finished",
                    (t.class, t.index)
                );
                let name = &s.base.classes[t.class.0 as usize].name;
                if OPEN.contains(&name.as_str()) {
                    assert_eq!(
                        t.cpu,
                        replayed_demand(&s, cell.seed, t.class, t.index),
                        "{label}: {name}#{}",
                        t.index
                    );
                }
                let wait = t.wait().expect("finished");
                assert_eq!(wait + t.cpu + t.suspended, t.turnaround().unwrap());
            }
            // Indices are dense per class: nothing skipped.
            for (c, _) in s.base.classes.iter().enumerate() {
                let n = tasks.iter().filter(|t| t.class.0 as usize == c).count() as u64;
                assert!(
                    tasks
                        .iter()
                        .filter(|t| t.class.0 as usize == c)
                        .all(|t| t.index < n)
                );
            }
            let all = cell.summaries.last().unwrap();
            assert_eq!(all.unfinished, 0, "{label}");
            assert_eq!(all.arrived, all.completed, "{label}");
        }
    }
}

#[test]
fn identical_workload_under_every_policy() {
    let s = scenario(&mixed(2));
    let r = run(&s);
    let fingerprint = |cell: &corosim::batch::Cell| {
        let mut open = BTreeMap::new();
        let mut spawned: Vec<u64> = Vec::new();
        for t in cell.tasks.as_ref().unwrap() {
            let name = s.base.classes[t.class.0 as usize].name.as_str();
            if OPEN.contains(&name) || name == "blocker" {
                open.insert((t.class, t.index), (t.arrival, t.cpu));
            } else if name == "child" {
                spawned.push(t.cpu.as_nanos());
            }
        }
        spawned.sort_unstable();
        (open, spawned)
    };
    for rep in 0..s.replications {
        let cells: Vec<_> = r
            .cells
            .iter()
            .filter(|c| c.key.replication == rep)
            .collect();
        let reference = fingerprint(cells[0]);
        assert!(reference.0.len() > 300);
        for c in &cells[1..] {
            assert!(
                fingerprint(c) == reference,
                "{} saw another workload",
                s.policies[c.key.policy].label
            );
        }
    }
    // Different replications differ.
    assert!(fingerprint(&r.cells[0]) != fingerprint(&r.cells[1]));
}

#[test]
fn byte_identical_outputs_when_run_again() {
    let s = scenario(&mixed(2));
    let first = csv_bytes(&s, &run(&s));
    let second = csv_bytes(&s, &run(&s));
    assert!(first == second);
    let options = corosim::batch::BatchOptions {
        jobs: Some(2),
        task_rows: corosim::batch::TaskRows::Always,
        shard: None,
        trace: false,
    };
    let parallel =
        corosim::batch::run(&corosim::scenario::Study::single(s.clone()), &options).unwrap();
    assert!(csv_bytes(&s, &parallel) == first);
}

/// Records, at the end of every instant, whether a task waited while a CPU
/// was idle.
#[derive(Default)]
struct IdleWhileReady {
    violations: Vec<SimTime>,
    instants: u64,
}

impl Recorder for IdleWhileReady {
    fn task_finished(&mut self, _: &TaskRecord) {}
    fn instant(&mut self, now: SimTime, ready: usize, idle: u32) {
        self.instants += 1;
        if ready > 0 && idle > 0 {
            self.violations.push(now);
        }
    }
}

#[test]
fn work_conserving_policies_never_idle_a_cpu_while_a_task_is_ready() {
    for cpus in [1, 3] {
        let s = scenario(&mixed(cpus));
        let programs = s.compile();
        for p in &s.policies {
            let info = policy::info(p.config.kind()).unwrap();
            let config = s.sim_config(0);
            let mut check = IdleWhileReady::default();
            engine::run(
                &config,
                &programs,
                p.build(config.cpus, config.seed).unwrap(),
                &mut check,
            )
            .unwrap();
            assert!(check.instants > 1000);
            if info.work_conserving {
                assert!(
                    check.violations.is_empty(),
                    "{} on {cpus} CPUs idled at {:?}",
                    p.label,
                    &check.violations[..3.min(check.violations.len())]
                );
            }
        }
    }
    assert!(POLICIES.len() >= 3);
}
