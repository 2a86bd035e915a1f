//! `trace.json` (Chrome trace-event JSON) and the text Gantt chart, from
//! real runs: the trace parses, names every process and thread, never
//! overlaps two slices on one CPU, and agrees with the task records.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use corosim::batch::{self, BatchOptions, BatchResult, Cell, TaskRows};
use corosim::metrics::SegmentKind;
use corosim::report::{gantt_text, trace};
use corosim::scenario::Study;

/// Two CPUs with context switches; open arrivals that compute, sleep (and so
/// wake up) and compute again; a cooperative block; four policies, `ps`
/// among them.
const MIXED: &str = r#"name = "mixed"
seed = 3
horizon = "150ms"

[machine]
cpus = 2
context_switch = "50us"

[[policy]]
kind = "fifo"

[[policy]]
kind = "round-robin"
quantum = "700us"

[[policy]]
kind = "srtf"

[[policy]]
kind = "ps"

[[task]]
name = "web"
arrival = { process = "poisson", rate = 300.0 }
program = [ { compute = { exp = "1ms" } }, { sleep = "2ms" }, { compute = { exp = "500us" } } ]

[[task]]
name = "blocker"
arrival = { process = "at", times = ["10ms", "10ms", "40ms"] }
program = [ { block = "3ms" }, { compute = "1ms" } ]
"#;

fn run_traced(text: &str) -> (Study, BatchResult) {
    let study = Study::from_str(text, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let options = BatchOptions {
        jobs: Some(1),
        task_rows: TaskRows::Always,
        shard: None,
        trace: true,
    };
    let result = batch::run(&study, &options).expect("run succeeds");
    (study, result)
}

/// The trace as JSON, checked to be an object with a `traceEvents` array.
fn trace_events(study: &Study, cells: &[Cell]) -> Vec<Value> {
    let mut bytes = Vec::new();
    trace::write_trace(&mut bytes, study, cells).unwrap();
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert!(!text.contains("displayTimeUnit"));
    // Times are written as exact decimals: digits, at most three decimals.
    for key in ["\"ts\":", "\"dur\":"] {
        for (at, _) in text.match_indices(key) {
            let rest = &text[at + key.len()..];
            let number = &rest[..rest.find([',', '}']).expect("a number ends")];
            let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
            assert!(
                !whole.is_empty()
                    && whole.bytes().all(|b| b.is_ascii_digit())
                    && frac.len() <= 3
                    && frac.bytes().all(|b| b.is_ascii_digit()),
                "{key} {number}"
            );
        }
    }
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    json.as_object().expect("an object")["traceEvents"]
        .as_array()
        .expect("traceEvents is an array")
        .clone()
}

/// Microseconds as written (exact decimals with at most three places) back
/// to integer nanoseconds.
fn ns(v: &Value) -> u64 {
    let us = v.as_f64().expect("a number");
    let ns = (us * 1000.0).round();
    assert!(
        (ns - us * 1000.0).abs() < 1e-3,
        "{v} is not a whole number of nanoseconds"
    );
    ns as u64
}

fn ph(e: &Value) -> &str {
    e["ph"].as_str().expect("every event has ph")
}

fn id(e: &Value, key: &str) -> u64 {
    e[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no integer {key} in {e}"))
}

/// The captured cells, in the order the trace gives them pids (from 1).
fn captured(r: &BatchResult) -> Vec<&Cell> {
    r.cells.iter().filter(|c| c.timeline.is_some()).collect()
}

#[test]
fn the_trace_is_well_formed_and_agrees_with_the_task_records() {
    let (study, r) = run_traced(MIXED);
    let events = trace_events(&study, &r.cells);
    let cells = captured(&r);
    assert_eq!(cells.len(), 4, "trace: true captures every policy");
    let scenario = &study.points[0].scenario;

    // Names: every pid and every (pid, tid) used is named.
    let mut process_names: HashMap<u64, String> = HashMap::new();
    let mut thread_names: HashMap<(u64, u64), String> = HashMap::new();
    for e in events.iter().filter(|e| ph(e) == "M") {
        let name = e["args"]["name"].as_str().expect("a name").to_string();
        match e["name"].as_str() {
            Some("process_name") => {
                process_names.insert(id(e, "pid"), name);
            }
            Some("thread_name") => {
                thread_names.insert((id(e, "pid"), id(e, "tid")), name);
            }
            other => panic!("unexpected metadata {other:?}"),
        }
    }
    for e in events.iter().filter(|e| ph(e) != "M") {
        let (pid, tid) = (id(e, "pid"), id(e, "tid"));
        assert!(process_names.contains_key(&pid), "pid {pid} unnamed");
        if ph(e) != "C" {
            assert!(
                thread_names.contains_key(&(pid, tid)),
                "tid {tid} of pid {pid} unnamed: {e}"
            );
        }
    }
    for (n, cell) in cells.iter().enumerate() {
        let label = &scenario.policies[cell.key.policy].label;
        assert_eq!(
            &process_names[&(n as u64 + 1)],
            label,
            "no sweep: just the label"
        );
    }
    // Thread ids are unique over the file.
    let tids: HashSet<u64> = thread_names.keys().map(|k| k.1).collect();
    assert_eq!(tids.len(), thread_names.len());

    // Slices: the fields, and never an overlap on one track.
    let mut tracks: BTreeMap<(u64, u64), Vec<(u64, u64)>> = BTreeMap::new();
    for e in events.iter().filter(|e| ph(e) == "X") {
        for key in ["ph", "ts", "dur", "pid", "tid", "name", "cat"] {
            assert!(e.get(key).is_some(), "{key} missing in {e}");
        }
        let (ts, dur) = (ns(&e["ts"]), ns(&e["dur"]));
        tracks
            .entry((id(e, "pid"), id(e, "tid")))
            .or_default()
            .push((ts, ts + dur));
    }
    for (track, slices) in &mut tracks {
        slices.sort_unstable();
        for w in slices.windows(2) {
            assert!(
                w[0].1 <= w[1].0,
                "{track:?}: {:?} overlaps {:?}",
                w[0],
                w[1]
            );
        }
    }

    for (n, cell) in cells.iter().enumerate() {
        let pid = n as u64 + 1;
        let label = &scenario.policies[cell.key.policy].label;
        let timeline = cell.timeline.as_ref().unwrap();
        let records = cell.tasks.as_ref().expect("task records");
        let of_pid: Vec<&Value> = events
            .iter()
            .filter(|e| ph(e) != "M" && id(e, "pid") == pid)
            .collect();

        // Slices are exactly the segments, in integer nanoseconds.
        let cpu_of_tid: HashMap<u64, u64> = thread_names
            .iter()
            .filter(|((p, _), _)| *p == pid)
            .filter_map(|((_, t), name)| Some((*t, name.strip_prefix("CPU ")?.parse().ok()?)))
            .collect();
        let mut written: Vec<(u64, u64, u64, String)> = of_pid
            .iter()
            .filter(|e| ph(e) == "X" && e["cat"] != "wake")
            .map(|e| {
                let (ts, dur) = (ns(&e["ts"]), ns(&e["dur"]));
                let cpu = cpu_of_tid[&id(e, "tid")];
                (cpu, ts, ts + dur, e["cat"].as_str().unwrap().to_string())
            })
            .collect();
        let mut expected: Vec<(u64, u64, u64, String)> = timeline
            .segments
            .iter()
            .map(|s| {
                let kind = match s.kind {
                    SegmentKind::Compute => "compute",
                    SegmentKind::Switch => "switch",
                    SegmentKind::Blocked => "blocked",
                };
                (
                    u64::from(s.cpu.0),
                    s.start.as_nanos(),
                    s.end.as_nanos(),
                    kind.to_string(),
                )
            })
            .collect();
        written.sort();
        expected.sort();
        assert_eq!(written, expected, "{label}");

        // The ready-queue counter.
        let counters = of_pid.iter().filter(|e| ph(e) == "C").count();
        assert!(counters > 0, "{label}: no ready-queue counter");
        assert_eq!(counters, timeline.ready.len(), "{label}");

        if label == "ps" {
            assert!(timeline.segments.is_empty());
            assert_eq!(
                of_pid
                    .iter()
                    .filter(|e| ph(e) == "X" && e["cat"] != "wake")
                    .count(),
                0
            );
            continue;
        }
        assert!(!timeline.truncated);

        // Each task's compute slices add up to its CPU time.
        let mut cpu_ns: HashMap<String, u64> = HashMap::new();
        for e in of_pid
            .iter()
            .filter(|e| ph(e) == "X" && e["cat"] == "compute")
        {
            let task = e["args"]["task"].as_str().expect("args.task").to_string();
            assert_eq!(e["name"].as_str(), Some(task.as_str()));
            *cpu_ns.entry(task).or_default() += ns(&e["dur"]);
        }
        for rec in records {
            let class = &scenario.base.classes[rec.class.0 as usize].name;
            let task = format!("{class}#{}", rec.index);
            assert_eq!(
                cpu_ns.remove(&task).unwrap_or(0),
                rec.cpu.as_nanos(),
                "{label}: {task}"
            );
        }
        assert!(
            cpu_ns.is_empty(),
            "{label}: slices of unknown tasks {cpu_ns:?}"
        );

        // One instant per preemption, on a CPU's track.
        let instants: Vec<&&Value> = of_pid.iter().filter(|e| ph(e) == "i").collect();
        let preemptions: u64 = records.iter().map(|r| u64::from(r.preemptions)).sum();
        assert_eq!(instants.len() as u64, preemptions, "{label}");
        for e in &instants {
            assert_eq!(e["s"], "t");
            assert!(cpu_of_tid.contains_key(&id(e, "tid")));
        }
        if label.starts_with("round-robin") {
            assert!(preemptions > 0, "the quantum preempts");
        }

        // Context switches show, and a cooperative policy's blocked workers
        // (under a preemptive one a `block` frees the CPU, as an I/O).
        assert!(of_pid.iter().any(|e| e["cat"] == "switch"), "{label}");
        assert_eq!(
            of_pid.iter().any(|e| e["cat"] == "blocked"),
            label == "fifo",
            "{label}"
        );
        assert!(
            of_pid.iter().any(|e| e["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("switch → "))),
            "{label}"
        );

        // Flows: each leaves a wake-up and ends on a later compute slice of
        // the same task.
        let mut outs: HashMap<u64, &Value> = HashMap::new();
        let mut ins: HashMap<u64, &Value> = HashMap::new();
        for e in of_pid.iter().filter(|e| e.get("bind_id").is_some()) {
            let flow = id(e, "bind_id");
            if e["flow_out"] == true {
                assert_eq!(e["cat"], "wake");
                assert!(outs.insert(flow, e).is_none());
            } else {
                assert_eq!(e["flow_in"], true);
                assert_eq!(e["cat"], "compute");
                assert!(ins.insert(flow, e).is_none());
            }
        }
        assert!(!outs.is_empty(), "{label}: sleeps wake tasks up");
        assert_eq!(
            outs.keys().collect::<HashSet<_>>(),
            ins.keys().collect::<HashSet<_>>(),
            "{label}"
        );
        for (flow, from) in &outs {
            let to = ins[flow];
            assert!(ns(&from["ts"]) <= ns(&to["ts"]));
            assert_eq!(from["args"]["task"], to["args"]["task"]);
        }
    }
}

#[test]
fn a_sweep_names_its_points_and_flow_ids_are_unique() {
    let text = format!("{MIXED}\n[sweep]\n\"machine.cpus\" = [1, 2]\n");
    let (study, r) = run_traced(&text);
    let events = trace_events(&study, &r.cells);
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 8);
    assert_eq!(names[1], "point 0 (1) · round-robin(quantum=700us)");
    assert_eq!(names[7], "point 1 (2) · ps");
    // One CPU track at point 0, two at point 1.
    let cpu_tracks = |pid: u64| {
        events
            .iter()
            .filter(|e| e["name"] == "thread_name" && id(e, "pid") == pid)
            .filter(|e| e["args"]["name"].as_str().unwrap().starts_with("CPU "))
            .count()
    };
    assert_eq!(cpu_tracks(1), 1);
    assert_eq!(cpu_tracks(5), 2);
    let mut seen = HashSet::new();
    for e in events.iter().filter(|e| e["flow_out"] == true) {
        assert!(seen.insert(id(e, "bind_id")), "flow ids repeat");
    }
}

#[test]
fn without_trace_only_the_first_moments_of_point_zero_are_written() {
    let long = MIXED.replace("horizon = \"150ms\"", "horizon = \"1s\"");
    let text = format!("{long}\n[sweep]\n\"machine.cpus\" = [1, 2]\n");
    let study = Study::from_str(&text, "test.toml").unwrap();
    let r = batch::run(
        &study,
        &BatchOptions {
            jobs: Some(1),
            ..BatchOptions::default()
        },
    )
    .unwrap();
    let events = trace_events(&study, &r.cells);
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("point 0 (1) · ")),
        "{names:?}"
    );
    // A truncated capture says so.
    assert!(
        names.iter().any(|n| n.ends_with(" · first 400 segments")),
        "{names:?}"
    );
}

#[test]
fn an_empty_batch_is_still_a_valid_trace() {
    let (study, _) = run_traced(MIXED);
    assert!(trace_events(&study, &[]).is_empty());
}

/// Two CPUs, four jobs of 5ms at 0, FIFO: A and B first, then C and D.
#[test]
fn a_text_gantt_on_two_cpus() {
    let (study, r) = run_traced(
        r#"horizon = "1s"
[machine]
cpus = 2
[[policy]]
kind = "fifo"
[[policy]]
kind = "ps"
[[task]]
name = "job"
arrival = { process = "at", times = ["0s", "0s", "0s", "0s"] }
program = [ { compute = "5ms" } ]
"#,
    );
    let chart = gantt_text::render(&study, &r.cells[0], 72).expect("a chart");
    let rows: Vec<&str> = chart.lines().filter(|l| l.starts_with("CPU ")).collect();
    assert_eq!(
        rows,
        ["CPU 0  AAAAACCCCC", "CPU 1  BBBBBDDDDD"],
        "\n{chart}"
    );
    assert!(chart.contains("one column = 1 ms"), "\n{chart}");
    assert!(
        chart.contains("A job#0   B job#1   C job#2   D job#3"),
        "\n{chart}"
    );
    assert!(chart.contains("0    5    10 ms"), "\n{chart}");
    // The segment list: four runs, two per CPU.
    assert!(chart.contains("start  end  cpu  task"), "\n{chart}");
    assert!(chart.contains("    5   10    1  D job#3"), "\n{chart}");
    // Under `ps` no task holds a CPU: nothing to draw.
    assert!(gantt_text::render(&study, &r.cells[1], 72).is_none());
}

/// Round robin with a context switch: the switches show as `~`.
#[test]
fn a_text_gantt_shows_switches_and_preemptions() {
    let (study, r) = run_traced(
        r#"horizon = "1s"
[machine]
context_switch = "1ms"
[[policy]]
kind = "round-robin"
quantum = "2ms"
[[task]]
name = "job"
arrival = { process = "at", times = ["0s", "0s"] }
program = [ { compute = "4ms" } ]
"#,
    );
    let chart = gantt_text::render(&study, &r.cells[0], 80).expect("a chart");
    // A switch before each slice: ~AA~BB~AA~BB.
    let row = chart.lines().find(|l| l.starts_with("CPU 0")).unwrap();
    assert_eq!(row, "CPU 0  ~AA~BB~AA~BB", "\n{chart}");
    let marks = chart
        .lines()
        .skip_while(|l| !l.starts_with("CPU 0"))
        .nth(1)
        .unwrap();
    assert_eq!(marks, "         !  !", "\n{chart}");
    assert!(chart.contains("~ context switch"), "\n{chart}");
    assert!(chart.contains("~ switch to job#1"), "\n{chart}");
}

// ---- `corosim run --trace=gz`, --trace-window, --trace-max-slices -------------

mod cli {
    use std::collections::BTreeMap;
    use std::io::Read;

    use serde_json::Value;

    use super::{MIXED, ph};
    use crate::support::{assert_exit, corosim, folder, read, stderr};

    /// Runs MIXED with `args` into `out` (in `dir`) and returns its exit.
    fn run(dir: &std::path::Path, out: &str, args: &[&str]) -> std::process::Output {
        let mut line = vec!["run", "mixed.toml", "--out", out, "--no-plots"];
        line.extend_from_slice(args);
        corosim(dir, &line)
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut text)
            .expect("valid gzip");
        text
    }

    fn json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("valid JSON")
    }

    fn run_json_files(dir: &std::path::Path) -> Vec<String> {
        let v = json(&read(dir.join("run.json")));
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn trace_gz_is_the_plain_trace_gzipped_with_reproducible_bytes() {
        let dir = folder(&[("mixed.toml", MIXED)]);
        assert_exit(&run(dir.path(), "plain", &["--trace", "-q"]), 0);
        assert_exit(
            &run(dir.path(), "gz1", &["--trace=gz", "--jobs", "1", "-q"]),
            0,
        );
        assert_exit(
            &run(dir.path(), "gz2", &["--trace=json.gz", "--jobs", "2", "-q"]),
            0,
        );
        let plain = read(dir.path().join("plain/trace.json"));
        let gz = read(dir.path().join("gz1/trace.json.gz"));
        assert_eq!(gunzip(&gz), plain, "the same JSON, byte for byte");
        assert_eq!(gz, read(dir.path().join("gz2/trace.json.gz")), "same bytes");
        assert!(
            gz.len() * 5 < plain.len(),
            "{} vs {}",
            gz.len(),
            plain.len()
        );
        // The header: deflate, no flags (no file name, no comment), no
        // time stamp, OS "unknown".
        assert_eq!(gz[..4], [0x1f, 0x8b, 8, 0]);
        assert_eq!(gz[4..8], [0, 0, 0, 0], "mtime");
        assert_eq!(gz[9], 255, "OS");
        assert!(!dir.path().join("gz1/trace.json").exists());
        let files = run_json_files(&dir.path().join("gz1"));
        assert!(files.contains(&"trace.json.gz".to_string()), "{files:?}");
        assert!(!files.contains(&"trace.json".to_string()), "{files:?}");

        // Shards of a gzipped trace merge into the same file.
        for (shard, out) in [("1/2", "s1"), ("2/2", "s2")] {
            assert_exit(
                &run(dir.path(), out, &["--trace=gz", "--shard", shard, "-q"]),
                0,
            );
        }
        assert_exit(
            &corosim(dir.path(), &["merge", "s1", "s2", "--out", "m", "-q"]),
            0,
        );
        assert_eq!(read(dir.path().join("m/trace.json.gz")), gz);

        // A later run without the gzip removes the .gz it no longer writes.
        assert_exit(&run(dir.path(), "gz1", &["--trace", "-q"]), 0);
        assert!(!dir.path().join("gz1/trace.json.gz").exists());
        assert_eq!(read(dir.path().join("gz1/trace.json")), plain);
    }

    /// Each pid's CPU slices (`X` events but the wake-ups).
    fn slices_by_pid(trace: &Value) -> BTreeMap<u64, Vec<(f64, f64)>> {
        let mut by: BTreeMap<u64, Vec<(f64, f64)>> = BTreeMap::new();
        for e in trace["traceEvents"].as_array().unwrap() {
            if ph(e) == "X" && e["cat"] != "wake" {
                let (ts, dur) = (e["ts"].as_f64().unwrap(), e["dur"].as_f64().unwrap());
                by.entry(e["pid"].as_u64().unwrap())
                    .or_default()
                    .push((ts, ts + dur));
            }
        }
        by
    }

    fn process_names(trace: &Value) -> Vec<String> {
        trace["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["name"] == "process_name")
            .map(|e| e["args"]["name"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn trace_max_slices_caps_every_run_and_says_so() {
        let dir = folder(&[("mixed.toml", MIXED)]);
        assert_exit(&run(dir.path(), "plain", &["--trace", "-q"]), 0);
        let plain = json(&read(dir.path().join("plain/trace.json")));
        let full = slices_by_pid(&plain);
        assert!(full.values().any(|s| s.len() > 40), "{full:?}");

        let o = run(
            dir.path(),
            "capped",
            &["--trace=gz", "--trace-max-slices", "40"],
        );
        assert_exit(&o, 0);
        let capped = json(&gunzip(&read(dir.path().join("capped/trace.json.gz"))));
        let kept = slices_by_pid(&capped);
        for (pid, slices) in &full {
            let mine = kept.get(pid).map_or(0, Vec::len);
            assert!(mine <= 40, "pid {pid}: {mine} slices");
            if slices.len() > 40 {
                assert!(mine > 0, "pid {pid} kept nothing");
                // The first slices by start, exactly as the full trace has them.
                let mut starts: Vec<(f64, f64)> = slices.clone();
                starts.sort_by(|a, b| a.partial_cmp(b).unwrap());
                let mut got = kept[pid].clone();
                got.sort_by(|a, b| a.partial_cmp(b).unwrap());
                assert_eq!(got, starts[..mine], "pid {pid}");
            }
        }
        let names = process_names(&capped);
        assert!(
            names
                .iter()
                .any(|n| n.contains(" · first ") && n.ends_with(" slices")),
            "{names:?}"
        );
        let other = &capped["otherData"];
        assert_eq!(other["trace_max_slices"], 40);
        assert_eq!(other["truncated"], true);
        assert_eq!(other["runs"], 4);
        assert!(other["runs_cut"].as_u64().unwrap() >= 1, "{other}");
        let err = stderr(&o);
        assert!(
            err.contains("note: trace.json.gz is truncated")
                && err.contains("--trace-max-slices 40"),
            "{err}"
        );
        // --quiet silences the note; the file is the same.
        let o = run(
            dir.path(),
            "quiet",
            &["--trace=gz", "--trace-max-slices", "40", "-q"],
        );
        assert_exit(&o, 0);
        assert!(stderr(&o).is_empty(), "{}", stderr(&o));
        assert_eq!(
            read(dir.path().join("quiet/trace.json.gz")),
            read(dir.path().join("capped/trace.json.gz"))
        );
        // A cap that cuts nothing: the slices of the plain trace, no note.
        let o = run(
            dir.path(),
            "roomy",
            &["--trace", "--trace-max-slices", "1000000"],
        );
        assert_exit(&o, 0);
        assert!(!stderr(&o).contains("truncated"), "{}", stderr(&o));
        let roomy = json(&read(dir.path().join("roomy/trace.json")));
        assert_eq!(roomy["traceEvents"], plain["traceEvents"]);
        assert_eq!(roomy["otherData"]["truncated"], false);
        assert!(plain.get("otherData").is_none());
    }

    #[test]
    fn trace_window_keeps_only_what_happens_in_it() {
        let dir = folder(&[("mixed.toml", MIXED)]);
        let o = run(
            dir.path(),
            "w",
            &["--trace", "--trace-window", "20ms..60ms", "-q"],
        );
        assert_exit(&o, 0);
        let trace = json(&read(dir.path().join("w/trace.json")));
        let events = trace["traceEvents"].as_array().unwrap();
        let mut seen = 0;
        for e in events.iter().filter(|e| ph(e) != "M") {
            let ts = e["ts"].as_f64().unwrap();
            let end = ts + e.get("dur").and_then(Value::as_f64).unwrap_or(0.0);
            assert!((20_000.0..=60_000.0).contains(&ts), "{e}");
            assert!(end <= 60_000.0, "{e}");
            seen += 1;
        }
        assert!(seen > 100, "{seen} events");
        // Each counter starts at the window's start.
        let counters: Vec<f64> = events
            .iter()
            .filter(|e| ph(e) == "C")
            .map(|e| e["ts"].as_f64().unwrap())
            .collect();
        assert!(counters.contains(&20_000.0), "{counters:?}");
        assert_eq!(trace["otherData"]["trace_window"], "20ms..60ms");
        assert!(
            process_names(&trace)
                .iter()
                .all(|n| n.contains(" · window 20ms..60ms")),
            "{:?}",
            process_names(&trace)
        );
    }

    #[test]
    fn bad_trace_options_exit_2_and_write_nothing() {
        let dir = folder(&[("mixed.toml", MIXED)]);
        for (args, says) in [
            (&["--trace-window", "1s..2s"][..], "--trace"),
            (&["--trace-max-slices", "5"][..], "--trace"),
            (
                &["--trace", "--trace-window", "2s..1s"][..],
                "ends before it starts",
            ),
            (&["--trace", "--trace-window", "1s"][..], "FROM..TO"),
            (&["--trace", "--trace-window", "1x..2s"][..], "1x"),
            (&["--trace", "--trace-max-slices", "0"][..], "0"),
            (&["--trace", "--trace-max-slices", "-3"][..], "-3"),
            (&["--trace=zip"][..], "zip"),
        ] {
            let o = run(dir.path(), "out", args);
            assert_exit(&o, 2);
            assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
            assert!(!dir.path().join("out").exists(), "{args:?}");
        }
    }
}
