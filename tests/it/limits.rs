//! Runaway scenarios stop themselves: a run that reaches a limit stops
//! cleanly with exit 1 and a message naming the limit, the instant, the
//! counts and how to raise it; what it measured is written and marked
//! incomplete (run.json, the headline, the report). The defaults stop the
//! runaways of issue 9 in seconds, while every bundled scenario stays far
//! inside them.

use std::path::Path;
use std::time::Instant;

use corosim::batch::{self, BatchOptions, TaskRows};
use corosim::model::Limits;
use corosim::scenario::{Override, Study};

use super::support::{assert_exit, corosim, folder, read, stderr, stdout};

/// Poisson arrivals at twice the capacity of one CPU for 100,000 s: the
/// queue grows by a thousand tasks a second (issue 9).
const OVERLOAD: &str = r#"name = "overload"
seed = 1
horizon = "100000s"

[[policy]]
kind = "fifo"

[[task]]
name = "job"
arrival = { process = "poisson", rate = 2000.0 }
program = [ { compute = { exp = "1ms" } } ]
"#;

/// A task spawning 20,000 tasks that each spawn 20,000 (issue 9): 4 x 10^8
/// tasks, all at the first instant.
const FAN_OUT: &str = r#"name = "fan-out"
horizon = "1s"

[[policy]]
kind = "fifo"

[[task]]
name = "root"
arrival = { process = "at", times = ["0s"] }
program = [ { spawn = "mid", count = 20000 }, "join" ]

[[task]]
name = "mid"
program = [ { spawn = "leaf", count = 20000 }, "join" ]

[[task]]
name = "leaf"
program = [ { compute = "1ms" } ]
"#;

/// `corosim run scenario.toml --out out --no-plots` with `extra` in a
/// folder holding `text` as `scenario.toml`; the folder, the output, and the
/// wall time.
fn run(text: &str, extra: &[&str]) -> (tempfile::TempDir, std::process::Output, f64) {
    let dir = folder(&[("scenario.toml", text)]);
    let mut args = vec!["run", "scenario.toml", "--out", "out", "--no-plots"];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let out = corosim(dir.path(), &args);
    (dir, out, started.elapsed().as_secs_f64())
}

fn run_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(dir.join("out/run.json"))).expect("run.json is JSON")
}

/// The `*` row of `summary.csv` as (arrived, completed, unfinished).
fn all_classes(dir: &Path) -> (u64, u64, u64) {
    let text = String::from_utf8(read(dir.join("out/summary.csv"))).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let row = text
        .lines()
        .find(|l| l.split(',').nth(5) == Some("*"))
        .expect("a row for all classes");
    let cells: Vec<&str> = row.split(',').collect();
    let column = |name: &str| -> u64 {
        let i = header.iter().position(|h| *h == name).unwrap();
        cells[i].parse().unwrap()
    };
    (column("arrived"), column("completed"), column("unfinished"))
}

/// What every stopped run says: exit 1, the limit and the flag on stderr,
/// run.json incomplete with one `limit-reached` diagnostic for the run, the
/// headline marked incomplete.
#[track_caller]
fn assert_stopped_by(out: &std::process::Output, dir: &Path, limit: &str) {
    assert_exit(out, 1);
    let err = stderr(out);
    let flag = format!("--{}", limit.replace('_', "-"));
    for part in [
        "point 0, policy `fifo`, replication 0: reached ",
        limit,
        "events processed",
        "live tasks",
        "tasks created",
        "the results until then are written, marked incomplete",
        &format!("[limits] {limit} = "),
        &flag,
    ] {
        assert!(err.contains(part), "stderr lacks {part:?}:\n{err}");
    }
    let json = run_json(dir);
    assert_eq!(json["complete"], false, "{json:#}");
    let d = &json["diagnostics"][0];
    assert_eq!(d["kind"], "limit-reached", "{json:#}");
    assert_eq!(d["limit"], limit);
    assert_eq!(
        (d["policy"].as_str(), d["replication"].as_u64()),
        (Some("fifo"), Some(0))
    );
    assert!(d["message"].as_str().unwrap().contains(limit));
    let headline = stdout(out);
    assert!(
        headline.contains(&format!(
            "INCOMPLETE: 1 of 1 runs stopped at a limit ({limit})"
        )),
        "{headline}"
    );
}

// ---------------------------------------------------------------------------
// The defaults stop the runaways of issue 9, in seconds in a release build.

/// Runaway (a): the default `max_live_tasks` (5,000,000) stops the overload
/// after about 5,000 s of virtual time, in seconds of wall time, well before
/// memory runs out; the hint blames the offered load.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "4 s in release, 90 s in debug: cargo test --release runs it"
)]
fn the_default_limits_stop_an_overloaded_system() {
    let (dir, out, wall) = run(OVERLOAD, &["--jobs", "1"]);
    eprintln!("overload stopped in {wall:.1}s:\n{}", stderr(&out));
    assert_stopped_by(&out, dir.path(), "max_live_tasks");
    let err = stderr(&out);
    assert!(err.contains("max_live_tasks = 5000000 at "), "{err}");
    assert!(err.contains("5000000 live tasks"), "{err}");
    assert!(
        err.contains("the offered load is 2.000 >= 1, so the queue grows without bound"),
        "{err}"
    );
    assert!(err.contains("--max-live-tasks 10000000"), "{err}");
    // What was measured is written: every task counted, the live ones as
    // unfinished.
    let (arrived, completed, unfinished) = all_classes(dir.path());
    assert_eq!(unfinished, 5_000_000);
    assert_eq!(arrived, completed + unfinished);
    assert!(wall < 30.0, "{wall}s");
}

/// Runaway (b): the fan-out of fan-outs stops at the default
/// `max_live_tasks` at its first instant.
#[test]
fn the_default_limits_stop_a_fan_out_of_fan_outs() {
    let (dir, out, wall) = run(FAN_OUT, &["--jobs", "1"]);
    eprintln!("fan-out stopped in {wall:.1}s:\n{}", stderr(&out));
    assert_stopped_by(&out, dir.path(), "max_live_tasks");
    let err = stderr(&out);
    assert!(err.contains("max_live_tasks = 5000000 at 0s"), "{err}");
    // No deadlock: the parents wait for children that can run.
    assert!(!err.contains("deadlock"), "{err}");
    assert_eq!(all_classes(dir.path()).2, 5_000_000);
    assert!(wall < 30.0, "{wall}s");
}

// ---------------------------------------------------------------------------
// Each limit, small, from the scenario, a flag or --set.

#[test]
fn max_live_tasks_stops_an_overload_early_with_its_message() {
    let (dir, out, _) = run(OVERLOAD, &["--max-live-tasks", "1000"]);
    assert_stopped_by(&out, dir.path(), "max_live_tasks");
    let err = stderr(&out);
    assert!(err.contains("max_live_tasks = 1000 at "), "{err}");
    assert!(err.contains(", 1000 live tasks, "), "{err}");
    assert!(
        err.contains("[limits] max_live_tasks = 2000 in the scenario, or --max-live-tasks 2000"),
        "{err}"
    );
    assert_eq!(all_classes(dir.path()).2, 1000);
    // The resolved scenario in run.json says which limits ran.
    let resolved = run_json(dir.path())["resolved_scenario"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        resolved.contains("[limits]\nmax_events = 10000000000\nmax_live_tasks = 1000\n"),
        "{resolved}"
    );
}

#[test]
fn max_live_tasks_stops_a_fan_out_inside_one_instant() {
    let (dir, out, _) = run(FAN_OUT, &["--set", "limits.max_live_tasks=500"]);
    assert_stopped_by(&out, dir.path(), "max_live_tasks");
    assert!(
        stderr(&out).contains("max_live_tasks = 500 at 0s"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn max_events_from_the_scenario_stops_the_run_after_that_many_events() {
    let text = OVERLOAD.replace("[[policy]]", "[limits]\nmax_events = 5000\n\n[[policy]]");
    let (dir, out, _) = run(&text, &[]);
    assert_stopped_by(&out, dir.path(), "max_events");
    let err = stderr(&out);
    assert!(err.contains("max_events = 5000 at "), "{err}");
    assert!(err.contains("with 5000 events processed"), "{err}");
    let summary = String::from_utf8(read(dir.path().join("out/summary.csv"))).unwrap();
    let mut lines = summary.lines().map(|l| l.split(',').collect::<Vec<_>>());
    let header = lines.next().unwrap();
    let events = header.iter().position(|&c| c == "events").unwrap();
    assert_eq!(lines.next().unwrap()[events], "5000", "{summary}");
}

#[test]
fn max_tasks_counts_every_task_created() {
    let (dir, out, _) = run(FAN_OUT, &["--max-tasks", "300"]);
    assert_stopped_by(&out, dir.path(), "max_tasks");
    let err = stderr(&out);
    assert!(err.contains("max_tasks = 300 at 0s"), "{err}");
    assert!(err.contains("300 tasks created"), "{err}");
}

/// `max_time` stays where it was first written, at the top level, and has
/// its place in `[limits]`; a run it cuts short with tasks left has reached
/// it. Given in both places, it is an error at the top-level one.
#[test]
fn max_time_stops_the_clock_from_the_top_level_or_limits() {
    let top = OVERLOAD.replace("horizon =", "max_time = \"2s\"\nhorizon =");
    let (dir, out, _) = run(&top, &[]);
    assert_stopped_by(&out, dir.path(), "max_time");
    assert!(
        stderr(&out).contains("max_time = \"2s\" at 2s"),
        "{}",
        stderr(&out)
    );
    let in_limits = OVERLOAD.replace("[[policy]]", "[limits]\nmax_time = \"2s\"\n\n[[policy]]");
    let (dir2, out2, _) = run(&in_limits, &[]);
    assert_stopped_by(&out2, dir2.path(), "max_time");
    assert_eq!(
        read(dir.path().join("out/summary.csv")),
        read(dir2.path().join("out/summary.csv"))
    );
    let (dir3, out3, _) = run(OVERLOAD, &["--max-time", "2s"]);
    assert_stopped_by(&out3, dir3.path(), "max_time");
    let both = top.replace("[[policy]]", "[limits]\nmax_time = \"3s\"\n\n[[policy]]");
    let (dir4, out4, _) = run(&both, &[]);
    assert_exit(&out4, 2);
    assert!(
        stderr(&out4).contains("max_time is given twice, here and in [limits]")
            && stderr(&out4).contains("scenario.toml:3:12"),
        "{}",
        stderr(&out4)
    );
    assert!(!dir4.path().join("out").exists());
}

/// A `max_time` past the end of the work is not reached.
#[test]
fn max_time_after_the_last_task_is_not_reached() {
    let text = r#"horizon = "1s"
max_time = "10s"
[[policy]]
kind = "fifo"
[[task]]
name = "job"
arrival = { process = "at", times = ["0s"] }
program = [ { compute = "1ms" } ]
"#;
    let (dir, out, _) = run(text, &["--quiet"]);
    assert_exit(&out, 0);
    assert_eq!(run_json(dir.path())["complete"], true);
    assert_eq!(run_json(dir.path())["diagnostics"], serde_json::json!([]));
}

/// Four billion closed clients all submit at 0: the run stops at the live
/// task limit at its first instant, without making four billion events.
#[test]
fn four_billion_closed_clients_stop_at_the_first_instant() {
    let text = r#"horizon = "1s"
[[policy]]
kind = "fifo"
[[task]]
name = "client"
arrival = { process = "closed", clients = 4000000000, think = "1ms" }
program = [ { compute = "1ms" } ]
"#;
    let (dir, out, wall) = run(text, &["--max-live-tasks", "1000"]);
    assert_stopped_by(&out, dir.path(), "max_live_tasks");
    let err = stderr(&out);
    assert!(
        err.contains(
            "max_live_tasks = 1000 at 0s, with 1001 events processed (0 pending), 1000 live tasks"
        ),
        "{err}"
    );
    assert!(wall < 30.0, "{wall}s");
}

/// A drain far past the horizon (a 100 s task after a 1 us horizon) used to
/// make ten billion time-series windows; the series now ends in one last
/// window, and the run is quick and complete.
#[test]
fn a_drain_far_past_the_horizon_keeps_the_time_series_small() {
    let text = r#"horizon = "1us"
[[policy]]
kind = "fifo"
[[task]]
name = "long"
arrival = { process = "at", times = ["0s"] }
program = [ { compute = "100s" } ]
"#;
    let (dir, out, wall) = run(text, &["--quiet"]);
    assert_exit(&out, 0);
    let series = String::from_utf8(read(dir.path().join("out/timeseries.csv"))).unwrap();
    assert_eq!(series.lines().count(), 1 + 10_000);
    assert!(
        series
            .lines()
            .last()
            .unwrap()
            .starts_with("0,,fifo,0,0.00009999,100,1,"),
        "{series}"
    );
    assert!(wall < 30.0, "{wall}s");
}

/// The memory estimate counts the task records kept for tasks.csv.
#[test]
fn max_memory_counts_kept_task_records() {
    let text = OVERLOAD.replace("rate = 2000.0", "rate = 500.0");
    let (dir, out, _) = run(&text, &["--max-memory", "1MiB", "--tasks-csv"]);
    assert_stopped_by(&out, dir.path(), "max_memory");
    let err = stderr(&out);
    assert!(err.contains("max_memory = \"1MiB\" at "), "{err}");
    assert!(err.contains("--max-memory 2MiB"), "{err}");
}

/// A run stopped by a limit is as deterministic as any: the same bytes
/// whatever `--jobs` is.
#[test]
fn a_stopped_run_writes_the_same_files_at_any_jobs() {
    let text = OVERLOAD.replace("seed = 1", "seed = 1\nreplications = 3");
    let (a, out_a, _) = run(&text, &["--max-live-tasks", "700", "--jobs", "1"]);
    let (b, out_b, _) = run(&text, &["--max-live-tasks", "700", "--jobs", "2"]);
    assert_exit(&out_a, 1);
    assert_exit(&out_b, 1);
    for file in [
        "summary.csv",
        "timeseries.csv",
        "latency_cdf.csv",
        "aggregate.csv",
    ] {
        assert_eq!(
            read(a.path().join("out").join(file)),
            read(b.path().join("out").join(file)),
            "{file}"
        );
    }
    let json = run_json(a.path());
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 3, "{json:#}");
    assert!(
        stdout(&out_a).contains("INCOMPLETE: 3 of 3 runs"),
        "{}",
        stdout(&out_a)
    );
}

/// The report of a stopped run says so first.
#[test]
fn the_report_of_a_stopped_run_says_it_is_incomplete() {
    let dir = folder(&[("scenario.toml", OVERLOAD)]);
    let out = corosim(
        dir.path(),
        &[
            "run",
            "scenario.toml",
            "--out",
            "out",
            "--quiet",
            "--max-live-tasks",
            "100",
        ],
    );
    assert_exit(&out, 1);
    let page = String::from_utf8(read(dir.path().join("out/report.html"))).unwrap();
    assert!(
        page.contains("<strong>Incomplete:</strong> a limit stopped 1 run;"),
        "no notice"
    );
    assert!(
        page.contains("reached max_live_tasks = 100 at "),
        "no diagnostic"
    );
    assert!(page.find("id=\"diagnostics\"") < page.find("id=\"metrics\""));
}

// ---------------------------------------------------------------------------
// Validation: every limit value is checked where it is written.

#[test]
fn bad_limit_values_are_refused_where_they_stand() {
    let cases = [
        (
            "max_events = 0",
            "max_events must be at least 1, or \"none\" for no limit; found 0",
            (8, 14),
        ),
        (
            "max_live_tasks = -3",
            "max_live_tasks must be at least 1, or \"none\" for no limit; found -3",
            (8, 18),
        ),
        (
            "max_tasks = 99999999999999999999",
            "is out of range: a limit is at most 9223372036854775807",
            (8, 13),
        ),
        (
            "max_events = \"many\"",
            "expected a whole number like 1000000, or \"none\" for no limit, found \"many\"",
            (8, 14),
        ),
        ("max_events = 2.5", "expected a whole number", (8, 14)),
        (
            "max_time = \"0s\"",
            "max_time must be greater than zero",
            (8, 12),
        ),
        (
            "max_time = 5",
            "a duration needs a unit: write \"5s\", not 5",
            (8, 12),
        ),
        (
            "max_time = \"99999999999999999999s\"",
            "is too long for the nanosecond clock",
            (8, 12),
        ),
        (
            "max_memory = \"0MiB\"",
            "max_memory must be greater than zero",
            (8, 14),
        ),
        (
            "max_memory = \"4 gigs\"",
            "expected a size like \"4GiB\"",
            (8, 14),
        ),
        (
            "max_memory = \"99999999999TiB\"",
            "is more bytes than corosim counts",
            (8, 14),
        ),
        ("max_memory = -1", "a size cannot be negative", (8, 14)),
        (
            "deadlock = \"sometimes\"",
            "unknown variant `sometimes`, expected `error` or `expected`",
            (8, 12),
        ),
        (
            "max_live = 3",
            "unknown field `max_live`, expected one of `max_events`, `max_live_tasks`",
            (8, 1),
        ),
    ];
    for (line, message, (row, column)) in cases {
        let text = format!(
            "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = {{ process = \"at\", times = [\"0s\"] }}\nprogram = [ {{ compute = \"1ms\" }} ]\n[limits]\n{line}\n"
        );
        let err = Study::from_str(&text, "s.toml").expect_err(line);
        assert!(err.message.contains(message), "{line}: {}", err.message);
        assert_eq!(err.location, Some((row + 1, column)), "{line}: {err}");
    }
}

#[test]
fn bad_limit_flags_exit_2_and_write_nothing() {
    for args in [
        ["--max-events", "0"],
        ["--max-live-tasks=-1", "--quiet"],
        ["--max-time", "0s"],
        ["--max-time", "soon"],
        ["--max-memory", "0B"],
        ["--max-memory", "lots"],
    ] {
        let (dir, out, _) = run(OVERLOAD, &args);
        assert_exit(&out, 2);
        let flag = args[0].split('=').next().unwrap();
        assert!(
            stderr(&out).contains(&format!("for '{flag} <")),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!dir.path().join("out").exists(), "{args:?}");
    }
}

/// `"none"` lifts a limit, from the file or `--set`.
#[test]
fn none_lifts_a_limit() {
    let text = OVERLOAD.replace(
        "[[policy]]",
        "[limits]\nmax_live_tasks = \"none\"\nmax_memory = \"none\"\n\n[[policy]]",
    );
    let study = Study::from_str(&text, "s.toml").unwrap();
    let limits = study.base.base.limits;
    assert_eq!((limits.max_live_tasks, limits.max_memory), (None, None));
    assert_eq!(limits.max_events, Limits::DEFAULT.max_events);
    let sets: Vec<Override> = vec!["limits.max_events=none".parse().unwrap()];
    let dir = folder(&[("s.toml", OVERLOAD)]);
    let study = Study::load(&dir.path().join("s.toml"), &sets, None).unwrap();
    assert_eq!(study.base.base.limits.max_events, None);
}

// ---------------------------------------------------------------------------
// Every bundled and golden scenario stays far inside the defaults.

/// Each bundled scenario (scenarios/*.toml) and golden scenario runs to its
/// end with every count limit a hundredth of its default and the memory
/// budget a tenth (its tasks.csv records kept, as a default run keeps them).
/// In release mode only: the bundled scenarios take half a minute in debug.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "3 s in release, 35 s in debug: cargo test --release runs it"
)]
fn bundled_and_golden_scenarios_run_far_inside_the_default_limits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    for golden in ["every-policy", "sweep"] {
        files.push(root.join("tests/golden").join(golden).join("scenario.toml"));
    }
    files.sort();
    let d = Limits::DEFAULT;
    let sets: Vec<Override> = [
        format!("limits.max_events={}", d.max_events.unwrap() / 100),
        format!("limits.max_live_tasks={}", d.max_live_tasks.unwrap() / 100),
        format!("limits.max_memory={}", d.max_memory.unwrap().0 / 10),
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let options = BatchOptions {
        jobs: None,
        task_rows: TaskRows::Auto,
        shard: None,
        trace: false,
    };
    for file in &files {
        let study = Study::load(file, &sets, None).unwrap_or_else(|e| panic!("{e}"));
        let result = batch::run(&study, &options).unwrap_or_else(|e| panic!("{e}"));
        let diagnostics = result.diagnostics(&study);
        assert!(
            result.complete() && diagnostics.is_empty(),
            "{}: {diagnostics:#?}",
            file.display()
        );
    }
}
