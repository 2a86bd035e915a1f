//! Deadlocks are diagnosed: when tasks wait on each other forever (locks
//! taken in opposite orders, a parent joining children that wait for a lock
//! it holds), the run says which task holds what and waits for what, when,
//! under which policy and replication, on stderr, in run.json and in the
//! report, and exits 1 unless the scenario declares the deadlock expected.

use std::path::Path;

use super::support::{assert_exit, corosim, folder, read, stderr, stdout};

/// Issue 9's regression: two tasks taking locks A, B and B, A on two CPUs.
/// Each takes its first lock at 0, computes 1ms, and waits for the other's.
fn opposite_orders(policy: &str, extra: &str) -> String {
    format!(
        r#"name = "opposite-orders"
horizon = "1s"
{extra}
[machine]
cpus = 2

[[policy]]
{policy}

[[task]]
name = "a"
arrival = {{ process = "at", times = ["0s"] }}
program = [ {{ lock = "A" }}, {{ compute = "1ms" }}, {{ lock = "B" }}, {{ unlock = "B" }}, {{ unlock = "A" }} ]

[[task]]
name = "b"
arrival = {{ process = "at", times = ["0s"] }}
program = [ {{ lock = "B" }}, {{ compute = "1ms" }}, {{ lock = "A" }}, {{ unlock = "A" }}, {{ unlock = "B" }} ]
"#
    )
}

const CYCLE: &str = "a#0 holds A, waits for B held by b#0, which waits for A held by a#0";

fn run(text: &str, extra: &[&str]) -> (tempfile::TempDir, std::process::Output) {
    let dir = folder(&[("scenario.toml", text)]);
    let mut args = vec!["run", "scenario.toml", "--out", "out"];
    args.extend_from_slice(extra);
    let out = corosim(dir.path(), &args);
    (dir, out)
}

fn run_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(dir.join("out/run.json"))).expect("run.json is JSON")
}

#[test]
fn locks_taken_in_opposite_orders_are_a_deadlock() {
    let (dir, out) = run(&opposite_orders("kind = \"fifo\"", ""), &["--no-plots"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "error: scenario.toml: point 0, policy `fifo`, replication 0: deadlock at 1ms: {CYCLE}\n"
        )),
        "{err}"
    );
    assert!(
        err.contains("hint: take locks in the same order in every class"),
        "{err}"
    );
    assert!(
        stdout(&out).contains("DEADLOCK: in 1 of 1 runs tasks wait on each other forever"),
        "{}",
        stdout(&out)
    );
    let json = run_json(dir.path());
    // The run went to its end: complete, but with a deadlock.
    assert_eq!(json["complete"], true);
    let d = &json["diagnostics"][0];
    assert_eq!(d["kind"], "deadlock", "{json:#}");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        (d["instant"].as_str(), d["instant_ns"].as_u64()),
        (Some("1ms"), Some(1_000_000))
    );
    assert_eq!(
        (d["policy"].as_str(), d["replication"].as_u64()),
        (Some("fifo"), Some(0))
    );
    assert_eq!(d["tasks"], serde_json::json!(["a#0", "b#0"]));
    assert_eq!(d["message"], format!("deadlock at 1ms: {CYCLE}"));
    // Both tasks count as unfinished.
    let summary = String::from_utf8(read(dir.path().join("out/summary.csv"))).unwrap();
    let all = summary.lines().find(|l| l.contains(",*,")).unwrap();
    assert!(all.contains(",2,0,2,"), "{all}");
}

/// The same cycle under every kind of executor: a preemptive policy, per-CPU
/// queues, processor sharing.
#[test]
fn the_deadlock_is_found_under_any_policy() {
    for policy in [
        "kind = \"round-robin\"\nquantum = \"100us\"",
        "kind = \"fifo\"\nqueues = \"per-cpu\"",
        "kind = \"work-stealing\"",
        "kind = \"ps\"",
    ] {
        let (_dir, out) = run(&opposite_orders(policy, ""), &["--no-plots", "--quiet"]);
        assert_exit(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("deadlock at 1ms: {CYCLE}")),
            "{policy}: {err}"
        );
    }
}

/// A parent holding a lock joins children that each want it: a cycle
/// through the join. Tasks blocked behind the cycle are counted.
#[test]
fn a_join_on_children_waiting_for_the_parents_lock_is_a_deadlock() {
    let text = r#"horizon = "1s"
[[policy]]
kind = "fifo"

[[task]]
name = "parent"
arrival = { process = "at", times = ["0s"] }
program = [ { lock = "L" }, { spawn = "child", count = 3 }, "join", { unlock = "L" } ]

[[task]]
name = "child"
program = [ { compute = "1ms" }, { lock = "L" }, { unlock = "L" } ]
"#;
    let (dir, out) = run(text, &["--no-plots", "--quiet"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "deadlock at 1ms: parent#0 holds L, waits for its 3 children to finish, among them child#0, \
             which waits for L held by parent#0; 2 more tasks wait behind them"
        ),
        "{err}"
    );
    assert!(
        err.contains("hint: unlock before joining children"),
        "{err}"
    );
    assert_eq!(
        run_json(dir.path())["diagnostics"][0]["tasks"],
        serde_json::json!(["parent#0", "child#0"])
    );
}

/// A deadlock the scenario declares expected is reported (a note, run.json,
/// the report) but the run succeeds.
#[test]
fn an_expected_deadlock_is_reported_and_the_run_succeeds() {
    let text = opposite_orders("kind = \"fifo\"", "[limits]\ndeadlock = \"expected\"\n");
    let (dir, out) = run(&text, &[]);
    assert_exit(&out, 0);
    let err = stderr(&out);
    assert!(err.contains(&format!("note: scenario.toml: point 0, policy `fifo`, replication 0: deadlock at 1ms: {CYCLE} (expected by the scenario)")), "{err}");
    assert!(
        stdout(&out).contains("(expected by the scenario)"),
        "{}",
        stdout(&out)
    );
    let json = run_json(dir.path());
    assert_eq!(json["diagnostics"][0]["severity"], "expected");
    let page = String::from_utf8(read(dir.path().join("out/report.html"))).unwrap();
    assert!(
        page.contains("<strong>deadlock (expected)</strong>"),
        "report lacks it"
    );
    assert!(page.contains(CYCLE), "report lacks the cycle");
    // And --set can make it an error again.
    let (_dir, out) = run(&text, &["--no-plots", "--set", "limits.deadlock=error"]);
    assert_exit(&out, 1);
    // Quiet hides the note, not the diagnostic in run.json.
    let (dir, out) = run(&text, &["--no-plots", "--quiet"]);
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    assert_eq!(run_json(dir.path())["diagnostics"][0]["kind"], "deadlock");
}

/// Tasks arriving later queue behind the deadlocked lock; when the arrivals
/// stop, the run ends with the cycle and everyone behind it.
#[test]
fn tasks_queued_behind_a_deadlock_are_counted() {
    let text = opposite_orders("kind = \"fifo\"", "").replace(
        "[[task]]\nname = \"a\"",
        "[[task]]\nname = \"late\"\narrival = { process = \"periodic\", period = \"10ms\", offset = \"5ms\" }\nprogram = [ { lock = \"A\" }, { unlock = \"A\" } ]\n\n[[task]]\nname = \"a\"",
    );
    let (_dir, out) = run(&text, &["--no-plots", "--quiet"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "deadlock at 1ms: {CYCLE}; 100 more tasks wait behind them"
        )),
        "{err}"
    );
}

/// Locks taken in the same order never deadlock: no diagnostic.
#[test]
fn locks_taken_in_the_same_order_are_no_deadlock() {
    let text = opposite_orders("kind = \"fifo\"", "").replace(
        "{ lock = \"B\" }, { compute = \"1ms\" }, { lock = \"A\" }, { unlock = \"A\" }, { unlock = \"B\" }",
        "{ lock = \"A\" }, { compute = \"1ms\" }, { lock = \"B\" }, { unlock = \"B\" }, { unlock = \"A\" }",
    );
    let (dir, out) = run(&text, &["--no-plots", "--quiet"]);
    assert_exit(&out, 0);
    assert_eq!(stderr(&out), "");
    assert_eq!(run_json(dir.path())["diagnostics"], serde_json::json!([]));
}
