//! Fuzzing on stable Rust, with proptest and fixed seeds (so a failure
//! reproduces): random scenario texts must never make the reader panic, and
//! random valid scenarios (every step, policy and arrival kind) must run and
//! keep the model's invariants. CI runs a bounded count; a longer run:
//!
//! ```sh
//! COROSIM_FUZZ_TEXTS=1000000 COROSIM_FUZZ_SCENARIOS=10000 \
//!     cargo test --release --locked --test it fuzz -- --nocapture
//! ```

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use corosim::model::Arrival;
use corosim::policy::POLICIES;
use corosim::scenario::{Scenario, Study};

use super::support::{csv_bytes, run};

/// The count of cases to run: `var` from the environment, else `default`.
fn count(var: &str, default: u32) -> u32 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A runner with a fixed seed: the same cases on every run and machine.
fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
}

// ---- random valid scenarios ----------------------------------------------------------

fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..3000).prop_map(|us| format!("\"{us}us\"")),
        (1u32..2000).prop_map(|us| format!("{{ exp = \"{us}us\" }}")),
        (0u32..1000, 1u32..1000)
            .prop_map(|(a, b)| format!("{{ uniform = [\"{a}us\", \"{}us\"] }}", a + b)),
        (1u32..1000, 1u32..500)
            .prop_map(|(m, s)| format!("{{ normal = {{ mean = \"{m}us\", sd = \"{s}us\" }} }}")),
        (1u32..1000, 1u32..500)
            .prop_map(|(m, s)| format!("{{ lognormal = {{ mean = \"{m}us\", sd = \"{s}us\" }} }}")),
        (1u32..4, 1u32..1000)
            .prop_map(|(k, m)| format!("{{ erlang = {{ k = {k}, mean = \"{m}us\" }} }}")),
        (1u32..500, 1u32..3000).prop_map(|(a, b)| format!(
            "{{ hyperexp = {{ p = [0.75, 0.25], means = [\"{a}us\", \"{b}us\"] }} }}"
        )),
        (1u32..300).prop_map(|s| format!(
            "{{ pareto = {{ scale = \"{s}us\", shape = 2.5, max = \"3ms\" }} }}"
        )),
        (1u32..900).prop_map(|v| format!(
            "{{ empirical = {{ values = [\"{v}us\", \"1ms\"], weights = [3, 1] }} }}"
        )),
    ]
}

/// One step of a top-level program; `leaf` classes exist to be spawned and
/// called (they never spawn, so no cycle), locks are never nested (so no
/// deadlock), and every `lock` is released in the same list.
fn step() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => duration().prop_map(|d| format!("{{ compute = {d} }}")),
        1 => duration().prop_map(|d| format!("{{ sleep = {d} }}")),
        1 => duration().prop_map(|d| format!("{{ io = {d} }}")),
        1 => duration().prop_map(|d| format!("{{ io = {d}, device = \"db\" }}")),
        1 => duration().prop_map(|d| format!("{{ block = {d} }}")),
        1 => Just("\"yield\"".to_string()),
        1 => (1u32..4).prop_map(|n| format!("{{ spawn = \"leaf\", count = {n} }}, \"join\"")),
        1 => Just("{ call = \"leaf\" }".to_string()),
        1 => (0usize..2, duration()).prop_map(|(l, d)| format!(
            "{{ lock = \"m{l}\" }}, {{ compute = {d} }}, {{ unlock = \"m{l}\" }}"
        )),
        1 => (1u32..3, duration()).prop_map(|(n, d)| format!(
            "{{ repeat = {n}, body = [ {{ compute = {d} }}, \"yield\" ] }}"
        )),
    ]
}

fn arrival() -> impl Strategy<Value = String> {
    prop_oneof![
        (50u32..400).prop_map(|r| format!("{{ process = \"poisson\", rate = {r}.0 }}")),
        (2u32..30, 0u32..5).prop_map(|(p, o)| format!(
            "{{ process = \"periodic\", period = \"{p}ms\", offset = \"{o}ms\" }}"
        )),
        proptest::collection::vec(0u32..100, 1..6).prop_map(|ts| format!(
            "{{ process = \"at\", times = [{}] }}",
            ts.iter()
                .map(|t| format!("\"{t}ms\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (1u32..4, 1u32..10).prop_map(|(c, n)| format!(
            "{{ process = \"closed\", clients = {c}, think = {{ exp = \"2ms\" }}, count = {n} }}"
        )),
    ]
}

/// A `[[policy]]` table for a random built-in policy, with its required
/// parameters at their examples and sometimes per-CPU queues.
fn policy() -> impl Strategy<Value = String> {
    (0..POLICIES.len(), any::<bool>()).prop_map(|(i, per_cpu)| {
        let p = &POLICIES[i];
        let mut t = format!("[[policy]]\nkind = \"{}\"\n", p.kind);
        for param in p.params.iter().filter(|q| q.required) {
            t.push_str(&format!("{} = {}\n", param.name, param.example));
        }
        if per_cpu && p.takes_queues() {
            t.push_str("queues = \"per-cpu\"\n");
        }
        t
    })
}

/// A random valid scenario: 1-3 CPUs, 1-3 policies, 1-3 classes over every
/// step and arrival kind, plus the `leaf` class they spawn and call.
fn scenario() -> impl Strategy<Value = String> {
    (
        1u32..4,
        0u32..50,
        proptest::collection::vec(policy(), 1..4),
        proptest::collection::vec(
            (arrival(), proptest::collection::vec(step(), 1..5), -3i32..4),
            1..4,
        ),
        duration(),
    )
        .prop_map(|(cpus, switch_us, policies, classes, leaf)| {
            let mut text = format!(
                "horizon = \"60ms\"\nseed = 5\n[machine]\ncpus = {cpus}\ncontext_switch = \"{switch_us}us\"\n[[device]]\nname = \"db\"\ncapacity = 2\n"
            );
            // Labels must be unique: number repeated kinds.
            for (i, p) in policies.iter().enumerate() {
                text.push_str(p);
                text.push_str(&format!("label = \"p{i}\"\n"));
            }
            for (i, (arrival, steps, nice)) in classes.iter().enumerate() {
                text.push_str(&format!(
                    "[[task]]\nname = \"c{i}\"\narrival = {arrival}\nnice = {nice}\npriority = {}\ntickets = {}\ndeadline = \"20ms\"\nprogram = [ {} ]\n",
                    i % 2,
                    50 * (i + 1),
                    steps.join(", ")
                ));
            }
            text.push_str(&format!(
                "[[task]]\nname = \"leaf\"\nprogram = [ {{ compute = {leaf} }} ]\n"
            ));
            text
        })
}

/// Runs `text` and checks the invariants every run keeps.
fn check_run(text: &str) -> Result<(), TestCaseError> {
    let s = Scenario::from_str(text, "fuzz.toml").map_err(|e| {
        TestCaseError::fail(format!("a generated scenario is refused: {e}\n{text}"))
    })?;
    let r = run(&s);
    // Per policy: every task once, in time order; CPU time per task the same
    // under every policy (common random numbers: each task's demand is its
    // own, whoever runs it).
    let mut cpu_of: Vec<BTreeMap<(u32, u64), u64>> = Vec::new();
    for cell in &r.cells {
        let tasks = cell.tasks.as_ref().expect("task records kept");
        let mut cpu = BTreeMap::new();
        for t in tasks {
            if let Some(start) = t.start {
                prop_assert!(t.arrival <= start, "started before arriving: {t:?}");
            }
            if let Some(finish) = t.finish {
                prop_assert!(
                    t.start.is_some_and(|s| s <= finish) || t.cpu.is_zero(),
                    "{t:?}"
                );
                prop_assert!(t.arrival <= finish, "finished before arriving: {t:?}");
                let again = cpu.insert((t.class.0, t.index), t.cpu.as_nanos());
                prop_assert!(again.is_none(), "a task finished twice: {t:?}");
            }
        }
        for (c, summary) in cell.summaries.iter().enumerate() {
            prop_assert_eq!(
                summary.arrived,
                summary.completed + summary.unfinished,
                "a task lost in summary row {}",
                c
            );
        }
        cpu_of.push(cpu);
    }
    // Only open arrivals keep their (class, index) under every policy: a
    // spawned or closed-loop task's index follows the order things happened.
    let open = |class: u32| {
        matches!(
            s.base.classes[class as usize].arrival,
            Some(Arrival::Poisson { .. } | Arrival::Periodic { .. } | Arrival::At { .. })
        )
    };
    for other in &cpu_of[1..] {
        for (task, cpu) in other.iter().filter(|(t, _)| open(t.0)) {
            if let Some(first) = cpu_of[0].get(task) {
                prop_assert_eq!(first, cpu, "task {:?} got different CPU time", task);
            }
        }
    }
    // Determinism: the same bytes again.
    let again = run(&s);
    prop_assert!(
        csv_bytes(&s, &r) == csv_bytes(&s, &again),
        "two runs differ"
    );
    Ok(())
}

#[test]
fn random_valid_scenarios_run_and_keep_the_invariants() {
    let cases = count("COROSIM_FUZZ_SCENARIOS", 400);
    runner(cases)
        .run(&scenario(), |text| check_run(&text))
        .unwrap();
    eprintln!("fuzz: {cases} random valid scenarios ran and kept the invariants");
}

// ---- random texts -----------------------------------------------------------------

/// Valid scenario texts to mutate: the bundled scenarios and the goldens.
fn seeds() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        "scenarios",
        "tests/golden/every-policy",
        "tests/golden/sweep",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                out.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    out.sort();
    out
}

/// A mutation of a text: a byte range replaced by TOML-ish fragments, lines
/// swapped or dropped.
#[derive(Clone, Debug)]
enum Mutation {
    Replace { at: usize, len: usize, with: String },
    SwapLines(usize, usize),
    DropLine(usize),
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\"".into()),
        Just("[".into()),
        Just("]]".into()),
        Just("{".into()),
        Just(" = ".into()),
        Just("0".into()),
        Just("-1".into()),
        Just("1e400".into()),
        Just("\"18446744073709551616ns\"".into()),
        Just("\"0s\"".into()),
        Just("\n[[task]]\n".into()),
        Just("\n[[policy]]\nkind = \"mlfq\"\nquanta = []\n".into()),
        Just("{ spawn = \"job\" }".into()),
        Just("{ repeat = 4294967295, body = [] }".into()),
        "[a-z_.\"=\\[\\]{}, 0-9-]{0,12}",
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0usize..20, fragment())
            .prop_map(|(at, len, with)| Mutation::Replace { at, len, with }),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => any::<usize>().prop_map(Mutation::DropLine),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for m in mutations {
        match m {
            Mutation::Replace { at, len, with } => {
                let mut at = at % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + len).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(at..end, with);
            }
            Mutation::SwapLines(a, b) => {
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let n = lines.len();
                    lines.swap(a % n, b % n);
                }
                text = lines.join("\n");
            }
            Mutation::DropLine(a) => {
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let n = lines.len();
                    lines.remove(a % n);
                }
                text = lines.join("\n");
            }
        }
    }
    text
}

#[test]
fn random_scenario_texts_never_panic_the_reader() {
    let seeds = seeds();
    let cases = count("COROSIM_FUZZ_TEXTS", 20000);
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation(), 1..4));
    let accepted = std::cell::Cell::new(0u32);
    runner(cases)
        .run(&strategy, |(seed, mutations)| {
            let text = mutate(&seeds[seed], &mutations);
            // Reading must answer Ok or a located error, never panic (a panic
            // fails the case with its message).
            if let Ok(study) = Study::from_str(&text, "fuzz.toml") {
                accepted.set(accepted.get() + 1);
                prop_assert!(!study.points.is_empty());
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "fuzz: {cases} mutated scenario texts read without a panic ({} valid)",
        accepted.get()
    );
}
