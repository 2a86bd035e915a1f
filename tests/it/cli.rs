//! The `corosim` command: exit codes, error messages that name file, line and
//! column, nothing written on bad input, and the files a good run writes.

use std::fs;
use std::path::Path;

use crate::support::{
    assert_exit, corosim, data_names_in, folder, is_drawing, names_in, read, run_files, stderr,
    stdout,
};

/// A tiny scenario: fast in debug builds, two classes, three policies, two
/// replications.
const GOOD: &str = r#"name = "tiny"
seed = 3
horizon = "300ms"
replications = 2

[[policy]]
kind = "fifo"

[[policy]]
kind = "round-robin"
quantum = "1ms"

[[policy]]
kind = "ps"

[[task]]
name = "web"
arrival = { process = "poisson", rate = 200.0 }
program = [
  { compute = { exp = "1ms" } },
  { io = { uniform = ["1ms", "3ms"] } },
  { compute = "200us" },
]

[[task]]
name = "batch"
arrival = { process = "at", times = ["50ms"] }
program = [ { compute = "20ms" } ]
"#;

/// SPEC section 6's columns, in its order, then the siblings corosim adds at
/// the end, in SPEC's order (`migrations`, `slow_callbacks`).
const SUMMARY_HEADER: &str = "point,sweep_value,policy,replication,seed,class,arrived,completed,unfinished,throughput_per_s,latency_mean_s,latency_p50_s,latency_p90_s,latency_p99_s,latency_p999_s,latency_max_s,response_mean_s,response_p99_s,wait_mean_s,slowdown_mean,cpu_utilization,context_switches,preemptions,fairness_jain,deadline_misses,events,migrations,slow_callbacks";
const TASKS_HEADER: &str = "point,policy,replication,task,class,arrival_ns,start_ns,finish_ns,response_ns,turnaround_ns,wait_ns,cpu_ns,preemptions,switches,migrations";

fn first_line(path: impl AsRef<Path>) -> String {
    String::from_utf8(read(path))
        .unwrap()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

// ---- bad input: exit 2, located message, nothing written ------------------------

#[test]
fn run_of_a_bad_scenario_exits_2_names_the_place_and_writes_nothing() {
    let bad = GOOD.replace("rate = 200.0", "rate = \"fast\"");
    let dir = folder(&[("bad.toml", &bad)]);
    let o = corosim(dir.path(), &["run", "bad.toml", "--out", "out"]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("bad.toml:18:41"), "{err}");
    assert!(
        err.contains("invalid type: string \"fast\", expected f64"),
        "{err}"
    );
    assert!(
        !dir.path().join("out").exists(),
        "the output folder was created"
    );
    assert!(
        !dir.path().join("output").exists(),
        "the default output folder was created"
    );
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
}

#[test]
fn run_of_a_bad_scenario_leaves_an_existing_output_folder_empty() {
    let bad = GOOD.replace("kind = \"ps\"", "kind = \"ps\"\nquantum = \"5ms\"");
    let dir = folder(&[("bad.toml", &bad)]);
    fs::create_dir(dir.path().join("out")).unwrap();
    let o = corosim(dir.path(), &["run", "bad.toml", "--out", "out"]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("bad.toml:15:11"), "{err}");
    assert!(err.contains("`quantum` is not a parameter of ps"), "{err}");
    assert_eq!(names_in(&dir.path().join("out")), Vec::<String>::new());
}

#[test]
fn one_bad_scenario_among_several_writes_nothing_for_any() {
    let bad = GOOD
        .replace("name = \"tiny\"", "name = \"other\"")
        .replace("horizon = \"300ms\"", "horizon = \"0s\"");
    let dir = folder(&[("good.toml", GOOD), ("bad.toml", &bad)]);
    let o = corosim(
        dir.path(),
        &["run", "good.toml", "bad.toml", "--out", "out"],
    );
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("bad.toml:3:11") && err.contains("horizon must be greater than zero"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn check_of_a_bad_scenario_exits_2() {
    let bad = GOOD.replace("{ compute = \"200us\" },", "\"wait\",");
    let dir = folder(&[("bad.toml", &bad)]);
    let o = corosim(dir.path(), &["check", "bad.toml"]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("bad.toml:22:3") && err.contains("unknown step \"wait\""),
        "{err}"
    );
}

#[test]
fn missing_scenario_file_exits_2() {
    let dir = folder(&[]);
    let o = corosim(dir.path(), &["run", "nope.toml", "--out", "out"]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("nope.toml") && err.contains("cannot read the scenario"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn unknown_flag_exits_2() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(
        dir.path(),
        &["run", "good.toml", "--frobnicate", "--out", "out"],
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--frobnicate"), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());
    let o = corosim(dir.path(), &["frobnicate"]);
    assert_exit(&o, 2);
}

#[test]
fn zero_jobs_exits_2() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(
        dir.path(),
        &["run", "good.toml", "--jobs", "0", "--out", "out"],
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("--jobs must be at least 1"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn set_with_a_missing_path_exits_2_naming_the_missing_element() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(
        dir.path(),
        &[
            "run",
            "good.toml",
            "--set",
            "task.ghost.arrival.rate=5",
            "--out",
            "out",
        ],
    );
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("good.toml"), "{err}");
    assert!(err.contains("--set task.ghost.arrival.rate=5"), "{err}");
    assert!(
        err.contains("no [[task]] named `ghost`") && err.contains("web, batch"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());

    let o = corosim(
        dir.path(),
        &["check", "good.toml", "--set", "policy.edf.quantum=1ms"],
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("no [[policy]] named `edf`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn set_with_a_bad_value_exits_2() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(dir.path(), &["check", "good.toml", "--set", "horizon=5"]);
    assert_exit(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("good.toml (as changed by --set horizon=5):3:11")
            && err.contains("a duration needs a unit"),
        "{err}"
    );
    let o = corosim(dir.path(), &["check", "good.toml", "--set", "horizon"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("expected PATH=VALUE"), "{}", stderr(&o));
}

// ---- check and policies ----------------------------------------------------------

#[test]
fn check_prints_the_resolved_scenario_and_offered_load() {
    let text = GOOD.replace("replications = 2\n", "");
    let dir = folder(&[("good.toml", &text)]);
    let o = corosim(dir.path(), &["check", "good.toml"]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    // web: 200/s x (1ms + 0.2ms) = 0.24; batch: 1 arrival in 300ms x 20ms = 0.0667.
    assert!(out.contains("# offered load: 0.3067"), "{out}");
    for line in [
        "replications = 1",
        "seed = 3",
        "warmup = \"0s\"",
        "cpus = 1",
        "context_switch = \"0s\"",
        "label = \"round-robin(quantum=1ms)\"",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "resolved scenario lacks {line:?}:\n{out}"
        );
    }
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn check_applies_seed_and_set() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(
        dir.path(),
        &[
            "check",
            "good.toml",
            "--seed",
            "11",
            "--set",
            "machine.cpus=4",
        ],
    );
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.lines().any(|l| l == "seed = 11") && out.lines().any(|l| l == "cpus = 4"),
        "{out}"
    );
}

#[test]
fn check_warns_when_offered_load_reaches_one() {
    let text = GOOD.replace("rate = 200.0", "rate = 2000.0");
    let dir = folder(&[("hot.toml", &text)]);
    let o = corosim(dir.path(), &["check", "hot.toml"]);
    assert_exit(&o, 0);
    let err = stderr(&o);
    assert!(
        err.contains("warning")
            && err.contains("hot.toml")
            && err.contains("offered load is 2.467 >= 1"),
        "{err}"
    );
    assert!(
        stdout(&o).contains("# offered load: 2.4667"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn policies_lists_every_policy_with_its_parameters() {
    let o = corosim(Path::new("."), &["policies"]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    // A policy's line, then its parameters (`name: meaning`, then its
    // default one level deeper), until the next policy.
    let params_of = |kind: &str| -> Vec<String> {
        let start = lines
            .iter()
            .position(|l| l.split_whitespace().next() == Some(kind))
            .unwrap_or_else(|| panic!("`{kind}` is not listed:\n{out}"));
        lines[start + 1..]
            .iter()
            .take_while(|l| l.starts_with(' '))
            .filter(|l| !l.starts_with("        "))
            .map(|l| l.trim().split(':').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(params_of("fifo"), ["preempt_after"], "{out}");
    assert_eq!(params_of("round-robin"), ["quantum"], "{out}");
    assert_eq!(
        params_of("mlfq"),
        ["levels", "quanta", "allotment", "boost"],
        "{out}"
    );
    assert!(params_of("ps").is_empty(), "{out}");
    for kind in [
        "lifo",
        "priority",
        "sjf",
        "work-stealing",
        "priority-rr",
        "srtf",
        "cfs",
        "stride",
        "lottery",
        "edf",
    ] {
        params_of(kind);
    }
    let fifo = lines.iter().find(|l| l.starts_with("fifo")).unwrap();
    assert!(fifo.contains("cooperative"), "{fifo}");
    let rr = lines.iter().find(|l| l.starts_with("round-robin")).unwrap();
    assert!(rr.contains("preemptive"), "{rr}");
    let rr_quantum = lines
        .iter()
        .position(|l| l.trim_start().starts_with("quantum:"))
        .unwrap();
    assert!(lines[rr_quantum + 1].contains("default required"), "{out}");
}

// ---- a good run ------------------------------------------------------------------

#[test]
fn run_writes_exactly_summary_tasks_and_run_json() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(dir.path(), &["run", "good.toml", "--out", "out", "--quiet"]);
    assert_exit(&o, 0);
    let out = dir.path().join("out");
    assert_eq!(
        data_names_in(&out),
        run_files(true),
        "no .partial or other file is left"
    );
    // fifo and round robin have CPU timelines; ps, a fluid model, has none.
    let drawings: Vec<String> = names_in(&out)
        .into_iter()
        .filter(|n| is_drawing(n))
        .collect();
    let mut expected: Vec<String> = [
        "gantt_0",
        "gantt_1",
        "latency_cdf",
        "ready_queue",
        "throughput",
    ]
    .iter()
    .flat_map(|c| [format!("{c}.png"), format!("{c}.svg")])
    .chain(["report.html".to_string()])
    .collect();
    expected.sort();
    assert_eq!(drawings, expected);
    assert_eq!(first_line(out.join("summary.csv")), SUMMARY_HEADER);
    assert_eq!(first_line(out.join("tasks.csv")), TASKS_HEADER);

    // 3 policies x 2 replications x (2 classes + `*`).
    let summary = String::from_utf8(read(out.join("summary.csv"))).unwrap();
    assert_eq!(summary.lines().count(), 1 + 3 * 2 * 3, "{summary}");
    let classes: Vec<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(5).unwrap())
        .collect();
    assert_eq!(&classes[..3], ["web", "batch", "*"], "{summary}");
    // Every row has every column.
    for line in summary.lines() {
        assert_eq!(
            line.split(',').count(),
            SUMMARY_HEADER.split(',').count(),
            "{line}"
        );
    }
    let tasks = String::from_utf8(read(out.join("tasks.csv"))).unwrap();
    assert!(
        tasks
            .lines()
            .any(|l| l.contains(",batch#0,batch,50000000,")),
        "{tasks}"
    );
}

#[test]
fn run_without_out_writes_to_output_and_the_scenario_name() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(dir.path(), &["run", "good.toml"]);
    assert_exit(&o, 0);
    assert_eq!(
        data_names_in(&dir.path().join("output/tiny")),
        run_files(true)
    );
}

#[test]
fn several_scenarios_go_to_their_own_folders() {
    let other = GOOD.replace("name = \"tiny\"", "name = \"other\"");
    let dir = folder(&[("good.toml", GOOD), ("other.toml", &other)]);
    let o = corosim(
        dir.path(),
        &["run", "good.toml", "other.toml", "--out", "out", "--quiet"],
    );
    assert_exit(&o, 0);
    assert_eq!(names_in(&dir.path().join("out")), ["other", "tiny"]);
    assert_eq!(
        data_names_in(&dir.path().join("out/other")),
        run_files(true)
    );
}

#[test]
fn no_tasks_csv_writes_no_tasks_csv_and_removes_a_stale_one() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(
        dir.path(),
        &[
            "run",
            "good.toml",
            "--out",
            "out",
            "--no-tasks-csv",
            "--quiet",
        ],
    );
    assert_exit(&o, 0);
    assert_eq!(data_names_in(&dir.path().join("out")), run_files(false));

    // A tasks.csv left by an earlier run would not describe this one.
    let o = corosim(
        dir.path(),
        &["run", "good.toml", "--out", "again", "--quiet"],
    );
    assert_exit(&o, 0);
    assert!(dir.path().join("again/tasks.csv").exists());
    let o = corosim(
        dir.path(),
        &[
            "run",
            "good.toml",
            "--out",
            "again",
            "--no-tasks-csv",
            "--quiet",
        ],
    );
    assert_exit(&o, 0);
    assert_eq!(data_names_in(&dir.path().join("again")), run_files(false));
}

#[test]
fn tasks_csv_and_no_tasks_csv_conflict() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(
        dir.path(),
        &[
            "run",
            "good.toml",
            "--out",
            "out",
            "--tasks-csv",
            "--no-tasks-csv",
        ],
    );
    assert_exit(&o, 2);
    assert!(!dir.path().join("out").exists());
}

/// The `seed` column of every replication-0 row of `summary.csv`.
fn replication_zero_seeds(summary: &[u8]) -> Vec<String> {
    String::from_utf8(summary.to_vec())
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|cols| cols[3] == "0")
        .map(|cols| cols[4].to_string())
        .collect()
}

#[test]
fn seed_flag_changes_the_seed_column() {
    let dir = folder(&[("good.toml", GOOD)]);
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "good.toml", "--out", "base", "--quiet"],
        ),
        0,
    );
    assert_exit(
        &corosim(
            dir.path(),
            &[
                "run",
                "good.toml",
                "--out",
                "seven",
                "--seed",
                "7",
                "--quiet",
            ],
        ),
        0,
    );
    let base = read(dir.path().join("base/summary.csv"));
    let seven = read(dir.path().join("seven/summary.csv"));
    let (base_seeds, seven_seeds) = (
        replication_zero_seeds(&base),
        replication_zero_seeds(&seven),
    );
    assert_eq!(base_seeds.len(), 3 * 3);
    assert!(base_seeds.iter().all(|s| s == "3"), "{base_seeds:?}");
    assert!(seven_seeds.iter().all(|s| s == "7"), "{seven_seeds:?}");
    assert_ne!(
        read(dir.path().join("base/tasks.csv")),
        read(dir.path().join("seven/tasks.csv"))
    );
}

#[test]
fn running_twice_gives_identical_files() {
    let dir = folder(&[("good.toml", GOOD)]);
    assert_exit(
        &corosim(dir.path(), &["run", "good.toml", "--out", "a", "--quiet"]),
        0,
    );
    assert_exit(
        &corosim(dir.path(), &["run", "good.toml", "--out", "b", "--quiet"]),
        0,
    );
    for file in ["summary.csv", "tasks.csv"] {
        let (a, b) = (
            read(dir.path().join("a").join(file)),
            read(dir.path().join("b").join(file)),
        );
        assert!(
            a.len() > SUMMARY_HEADER.len().min(TASKS_HEADER.len()),
            "{file} has no rows"
        );
        assert!(a == b, "{file} differs between two runs");
    }
}

#[test]
fn jobs_do_not_change_the_files() {
    let dir = folder(&[("good.toml", GOOD)]);
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "good.toml", "--out", "one", "--jobs", "1", "--quiet"],
        ),
        0,
    );
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "good.toml", "--out", "two", "--jobs", "2", "--quiet"],
        ),
        0,
    );
    for file in ["summary.csv", "tasks.csv"] {
        let (one, two) = (
            read(dir.path().join("one").join(file)),
            read(dir.path().join("two").join(file)),
        );
        assert!(one == two, "{file} differs between --jobs 1 and --jobs 2");
    }
}

#[test]
fn run_json_describes_the_run() {
    let dir = folder(&[("good.toml", GOOD)]);
    let o = corosim(
        dir.path(),
        &["run", "good.toml", "--out", "out", "--seed", "7", "--quiet"],
    );
    assert_exit(&o, 0);
    let json: serde_json::Value = serde_json::from_slice(&read(dir.path().join("out/run.json")))
        .expect("run.json is valid JSON");
    for key in [
        "corosim_version",
        "seed",
        "command_line",
        "wall_time_s",
        "events_per_second",
        "resolved_scenario",
    ] {
        assert!(json.get(key).is_some(), "run.json lacks `{key}`: {json:#}");
    }
    assert_eq!(json["corosim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["seed"], 7);
    let command_line: Vec<&str> = json["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        command_line[1..],
        ["run", "good.toml", "--out", "out", "--seed", "7", "--quiet"]
    );
    assert!(json["wall_time_s"].as_f64().unwrap() >= 0.0);
    assert!(json["events_per_second"].as_f64().unwrap() >= 0.0);
    let resolved = json["resolved_scenario"].as_str().unwrap();
    assert!(resolved.lines().any(|l| l == "seed = 7"), "{resolved}");
    assert!(
        resolved.lines().any(|l| l == "replications = 2"),
        "{resolved}"
    );
    assert!(
        resolved.contains("label = \"round-robin(quantum=1ms)\""),
        "{resolved}"
    );
}

#[test]

fn set_of_a_new_key_keeps_error_locations() {
    // `warmup` is not in the file: `--set warmup=10ms` must not move the error
    // on line 18 of bad.toml.
    let bad = GOOD.replace("rate = 200.0", "rate = \"fast\"");
    let dir = folder(&[("bad.toml", &bad)]);
    let o = corosim(dir.path(), &["check", "bad.toml", "--set", "warmup=10ms"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("bad.toml:18:41"), "{}", stderr(&o));
}

// ---- charts, report, trace -------------------------------------------------------

#[test]
fn plot_redraws_exactly_what_run_drew() {
    let dir = folder(&[("good.toml", GOOD)]);
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "good.toml", "--out", "drawn", "--quiet"],
        ),
        0,
    );
    let o = corosim(
        dir.path(),
        &["run", "good.toml", "--out", "bare", "--quiet", "--no-plots"],
    );
    assert_exit(&o, 0);
    let bare = dir.path().join("bare");
    assert!(
        names_in(&bare).iter().all(|n| !is_drawing(n)),
        "{:?}",
        names_in(&bare)
    );
    let o = corosim(dir.path(), &["plot", "bare"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("report.html"), "{}", stdout(&o));
    let drawn = dir.path().join("drawn");
    for name in names_in(&drawn).into_iter().filter(|n| is_drawing(n)) {
        assert_eq!(read(drawn.join(&name)), read(bare.join(&name)), "{name}");
    }
    // Not a run folder: exit 2, nothing drawn.
    fs::create_dir(dir.path().join("empty")).unwrap();
    let o = corosim(dir.path(), &["plot", "empty"]);
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("no complete run"), "{}", stderr(&o));
    assert!(names_in(&dir.path().join("empty")).is_empty());
}

#[test]
fn gantt_prints_who_ran_when_and_trace_writes_trace_json() {
    let text = r#"
name = "rr3"
horizon = "1s"
[[policy]]
kind = "round-robin"
quantum = "1ms"
[[task]]
name = "job"
arrival = { process = "at", times = ["0s", "0s", "0s"] }
program = [ { compute = "5ms" } ]
"#;
    let dir = folder(&[("rr3.toml", text)]);
    let o = corosim(
        dir.path(),
        &[
            "run",
            "rr3.toml",
            "--out",
            "out",
            "--gantt",
            "--trace",
            "--no-plots",
        ],
    );
    assert_exit(&o, 0);
    let out = stdout(&o);
    // OSTEP's picture: three jobs of 5ms, a 1ms slice each in turn.
    assert!(out.contains("ABCABCABCABCABC"), "{out}");
    let trace: serde_json::Value =
        serde_json::from_slice(&read(dir.path().join("out/trace.json"))).unwrap();
    let slices = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "X")
        .count();
    assert_eq!(slices, 15);
}

/// The scenarios shipped in `scenarios/` stay valid as the format evolves.
#[test]
fn every_bundled_scenario_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let study = corosim::scenario::Study::load(&path, &[], None)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for point in &study.points {
                assert!(
                    point.scenario.warnings().is_empty(),
                    "{}: {:?}",
                    path.display(),
                    point.scenario.warnings()
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 7,
        "only {checked} scenarios found in {}",
        dir.display()
    );
}
