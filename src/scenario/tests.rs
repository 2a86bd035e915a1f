//! Bad scenarios: every error names the line and column of the offending key
//! or value and says what was expected. Good ones: defaults are filled in.

use super::*;
use crate::time::SimTime;

/// Lines 1-5 of most scenarios below: a horizon, one fifo policy and the start
/// of a class `a`. A test appends the class's `arrival` (line 6) and
/// `program` (line 7 on).
const HEAD: &str = r#"horizon = "1s"
[[policy]]
kind = "fifo"
[[task]]
name = "a"
"#;

/// A valid arrival for line 6.
const ARRIVAL: &str = "arrival = { process = \"poisson\", rate = 10.0 }\n";

/// A valid class, to put after the part of a scenario a test is about.
const TASK: &str = r#"
[[task]]
name = "a"
arrival = { process = "poisson", rate = 10.0 }
program = [ { compute = "1ms" } ]
"#;

/// The error `text` gives, panicking if it is accepted.
#[track_caller]
fn error_of(text: &str) -> ScenarioError {
    match Scenario::from_str(text, "bad.toml") {
        Ok(_) => panic!("accepted a bad scenario:\n{text}"),
        Err(e) => e,
    }
}

/// Asserts that `text` is refused at 1-based `(line, column)` (`None`: the
/// file as a whole) with a message containing every one of `fragments`.
#[track_caller]
fn assert_refused(text: &str, at: Option<(usize, usize)>, fragments: &[&str]) {
    let e = error_of(text);
    assert_eq!(e.file, "bad.toml");
    assert_eq!(
        e.location, at,
        "wrong location for {:?}; rendered:\n{e}",
        e.message
    );
    for f in fragments {
        assert!(
            e.message.contains(f),
            "message {:?} does not contain {f:?}",
            e.message
        );
    }
    let shown = e.to_string();
    match at {
        Some((line, col)) => {
            let loc = format!("bad.toml:{line}:{col}");
            assert!(
                shown.contains(&loc),
                "rendered error does not name {loc}:\n{shown}"
            );
        }
        None => assert!(
            shown.contains("bad.toml"),
            "rendered error does not name the file:\n{shown}"
        ),
    }
}

/// A scenario whose class `a` has `program` (starting on line 7).
fn with_program(program: &str) -> String {
    format!("{HEAD}{ARRIVAL}{program}")
}

/// A scenario whose class `a` has `arrival` (line 6) and a valid program.
fn with_arrival(arrival: &str) -> String {
    format!("{HEAD}{arrival}\nprogram = [ {{ compute = \"1ms\" }} ]\n")
}

#[track_caller]
fn valid(text: &str) -> Scenario {
    Scenario::from_str(text, "good.toml")
        .unwrap_or_else(|e| panic!("refused a valid scenario:\n{e}"))
}

// ---- unknown keys -------------------------------------------------------

#[test]
fn unknown_top_level_key() {
    let text = format!("horizon = \"1s\"\ncolour = \"red\"\n{TASK}");
    assert_refused(
        &text,
        Some((2, 1)),
        &["unknown field `colour`", "expected one of", "`horizon`"],
    );
}

#[test]
fn unknown_key_in_machine() {
    let text = format!("horizon = \"1s\"\n[machine]\ncpus = 2\nspeed = \"3GHz\"\n{TASK}");
    assert_refused(
        &text,
        Some((4, 1)),
        &["unknown field `speed`", "`cpus`", "`context_switch`"],
    );
}

#[test]
fn unknown_key_in_policy() {
    let text = format!("horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\nquantom = \"1ms\"\n{TASK}");
    assert_refused(
        &text,
        Some((4, 1)),
        &["unknown field `quantom`", "`kind`", "`quantum`"],
    );
}

#[test]
fn unknown_key_in_task() {
    let text = format!("{HEAD}{ARRIVAL}colour = 3\nprogram = [ \"yield\" ]\n");
    assert_refused(
        &text,
        Some((7, 1)),
        &["unknown field `colour`", "`arrival`", "`program`"],
    );
}

#[test]
fn unknown_key_in_arrival() {
    //                   col 46: ---------------------------------------v
    let text = with_arrival("arrival = { process = \"poisson\", rate = 1.0, burst = 3 }");
    assert_refused(
        &text,
        Some((6, 46)),
        &["unknown field `burst`", "`process`", "`rate`", "`count`"],
    );
}

#[test]
fn unknown_key_in_step() {
    // Reported at the step (line 8, column 3), naming the key.
    let text = with_program("program = [\n  { compute = \"1ms\", colour = 3 },\n]\n");
    assert_refused(
        &text,
        Some((8, 3)),
        &["unknown step key `colour`", "compute, sleep, io"],
    );
}

#[test]
fn unknown_key_in_device() {
    let text = format!("horizon = \"1s\"\n[[device]]\nname = \"disk\"\nspeed = 1\n{TASK}");
    assert_refused(
        &text,
        Some((4, 1)),
        &["unknown field `speed`", "`capacity`"],
    );
}

// ---- wrong types and bad durations --------------------------------------

#[test]
fn cpus_as_a_string() {
    let text = format!("horizon = \"1s\"\n[machine]\ncpus = \"four\"\n{TASK}");
    assert_refused(
        &text,
        Some((3, 8)),
        &["invalid type: string \"four\"", "expected u32"],
    );
}

#[test]
fn rate_as_a_string() {
    let text = with_arrival("arrival = { process = \"poisson\", rate = \"fast\" }");
    assert_refused(
        &text,
        Some((6, 41)),
        &["invalid type: string \"fast\"", "expected f64"],
    );
}

#[test]
fn duration_without_unit() {
    assert_refused(
        &format!("horizon = \"5\"\n{TASK}"),
        Some((1, 11)),
        &["with a unit", "\"1.5ms\"", "found \"5\""],
    );
}

#[test]
fn duration_as_a_bare_number() {
    assert_refused(
        &format!("horizon = 5\n{TASK}"),
        Some((1, 11)),
        &["a duration needs a unit", "\"5ms\""],
    );
}

#[test]
fn duration_without_unit_in_a_step() {
    let text = with_program("program = [\n  { sleep = \"5\" },\n]\n");
    assert_refused(
        &text,
        Some((8, 13)),
        &["with a unit (ns, us, ms or s)", "found \"5\""],
    );
}

#[test]
fn negative_duration() {
    let text = format!("horizon = \"1s\"\nwarmup = \"-1ms\"\n{TASK}");
    assert_refused(&text, Some((2, 10)), &["cannot be negative", "\"-1ms\""]);
}

#[test]
fn unknown_duration_unit() {
    assert_refused(
        &format!("horizon = \"2h\"\n{TASK}"),
        Some((1, 11)),
        &["ns, us, ms or s", "found \"2h\""],
    );
}

#[test]
fn duplicate_key_is_located() {
    let text = format!("horizon = \"1s\"\nseed = 1\nseed = 2\n{TASK}");
    assert_refused(&text, Some((3, 1)), &["duplicate key"]);
}

// ---- top level and machine ----------------------------------------------

#[test]
fn zero_horizon() {
    assert_refused(
        &format!("horizon = \"0s\"\n{TASK}"),
        Some((1, 11)),
        &["horizon must be greater than zero"],
    );
}

#[test]
fn missing_horizon() {
    let e = error_of(TASK);
    assert!(e.message.contains("missing field `horizon`"), "{e}");
}

#[test]
fn warmup_equal_to_horizon() {
    let text = format!("horizon = \"1s\"\nwarmup = \"1s\"\n{TASK}");
    assert_refused(
        &text,
        Some((2, 10)),
        &["warmup (1s) must be shorter than the horizon (1s)"],
    );
}

#[test]
fn warmup_longer_than_horizon() {
    let text = format!("warmup = \"2s\"\nhorizon = \"1500ms\"\n{TASK}");
    assert_refused(
        &text,
        Some((1, 10)),
        &["warmup (2s) must be shorter than the horizon (1.5s)"],
    );
}

#[test]
fn zero_cpus() {
    let text = format!("horizon = \"1s\"\n\n[machine]\ncpus = 0\n{TASK}");
    assert_refused(&text, Some((4, 8)), &["machine.cpus must be at least 1"]);
}

#[test]
fn negative_cpus() {
    let text = format!("horizon = \"1s\"\n[machine]\ncpus = -2\n{TASK}");
    assert_refused(&text, Some((3, 8)), &["-2", "expected u32"]);
}

#[test]
fn zero_replications() {
    let text = format!("horizon = \"1s\"\nreplications = 0\n{TASK}");
    assert_refused(&text, Some((2, 16)), &["replications must be at least 1"]);
}

#[test]
fn zero_max_time() {
    let text = format!("horizon = \"1s\"\nmax_time = \"0s\"\n{TASK}");
    assert_refused(
        &text,
        Some((2, 12)),
        &["max_time must be greater than zero"],
    );
}

#[test]
fn name_that_is_not_a_folder_name() {
    let text = format!("name = \"a/b\"\nhorizon = \"1s\"\n{TASK}");
    assert_refused(&text, Some((1, 8)), &["folder name", "without slashes"]);
}

/// A single `Scenario` refuses a sweep and points to `Study`, which expands it.
#[test]
fn sweep_makes_a_study_not_a_scenario() {
    let text = format!(
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n\n[sweep]\nload = [0.3, 0.5]\n{TASK}"
    );
    assert_refused(&text, Some((5, 1)), &["it is a Study"]);
    let study = Study::from_str(&text, "bad.toml").unwrap();
    assert_eq!(study.points.len(), 2);
}

// ---- policies ------------------------------------------------------------

/// A scenario with `policies` (starting on line 2) and a valid class.
fn with_policies(policies: &str) -> String {
    format!("horizon = \"1s\"\n{policies}{TASK}")
}

#[test]
fn no_policy() {
    let text = format!("horizon = \"1s\"\n{TASK}");
    assert_refused(
        &text,
        None,
        &[
            "at least one [[policy]]",
            "kind = \"fifo\"",
            "corosim policies",
        ],
    );
}

#[test]
fn unknown_policy_kind() {
    let text = with_policies("[[policy]]\nkind = \"sjf-ish\"\n");
    assert_refused(
        &text,
        Some((3, 8)),
        &[
            "unknown policy `sjf-ish`",
            "expected one of: fifo, asyncio, lifo, priority, sjf, work-stealing, round-robin",
        ],
    );
}

#[test]
fn parameter_the_kind_does_not_take() {
    let text = with_policies("[[policy]]\nkind = \"fifo\"\nquantum = \"10ms\"\n");
    assert_refused(
        &text,
        Some((4, 11)),
        &[
            "`quantum` is not a parameter of fifo",
            "it takes: preempt_after",
        ],
    );
}

#[test]
fn parameter_of_a_kind_without_parameters() {
    let text = with_policies("[[policy]]\nkind = \"ps\"\nquantum = \"10ms\"\n");
    assert_refused(
        &text,
        Some((4, 11)),
        &["`quantum` is not a parameter of ps", "no parameters"],
    );
}

#[test]
fn round_robin_without_quantum() {
    // Reported at the [[policy]] table that lacks it.
    let text = with_policies("[[policy]]\nkind = \"fifo\"\n\n[[policy]]\nkind = \"round-robin\"\n");
    assert_refused(
        &text,
        Some((5, 1)),
        &["round-robin needs a quantum", "quantum = \"10ms\""],
    );
}

#[test]
fn zero_quantum() {
    let text = with_policies("[[policy]]\nkind = \"round-robin\"\nquantum = \"0s\"\n");
    assert_refused(&text, Some((4, 11)), &["quantum must be greater than zero"]);
}

#[test]
fn zero_preempt_after() {
    let text = with_policies("[[policy]]\nkind = \"fifo\"\npreempt_after = \"0s\"\n");
    assert_refused(
        &text,
        Some((4, 17)),
        &["preempt_after must be greater than zero"],
    );
}

#[test]
fn preempt_after_of_the_wrong_type() {
    let text = with_policies("[[policy]]\nkind = \"fifo\"\npreempt_after = 10\n");
    assert_refused(&text, Some((4, 17)), &["a duration like \"10ms\", or true"]);
}

#[test]
fn duplicate_explicit_labels() {
    let text = with_policies(
        "[[policy]]\nkind = \"fifo\"\nlabel = \"x\"\n[[policy]]\nkind = \"ps\"\nlabel = \"x\"\n",
    );
    assert_refused(
        &text,
        Some((7, 9)),
        &["a second policy labelled `x`", "different `label`"],
    );
}

#[test]
fn duplicate_default_labels() {
    // Two identical round-robins both default to `round-robin(quantum=10ms)`:
    // reported at the second one's kind.
    let rr = "[[policy]]\nkind = \"round-robin\"\nquantum = \"10ms\"\n";
    let text = with_policies(&format!("{rr}{rr}"));
    assert_refused(
        &text,
        Some((6, 8)),
        &["a second policy labelled `round-robin(quantum=10ms)`"],
    );
}

#[test]
fn explicit_label_clashing_with_a_default_one() {
    let text =
        with_policies("[[policy]]\nkind = \"fifo\"\n[[policy]]\nkind = \"ps\"\nlabel = \"fifo\"\n");
    assert_refused(&text, Some((6, 9)), &["a second policy labelled `fifo`"]);
}

#[test]
fn empty_label() {
    let text = with_policies("[[policy]]\nkind = \"fifo\"\nlabel = \"  \"\n");
    assert_refused(&text, Some((4, 9)), &["a label cannot be empty"]);
}

// ---- classes and arrivals ------------------------------------------------

#[test]
fn no_task_class() {
    assert_refused(
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n",
        None,
        &["at least one [[task]]"],
    );
}

#[test]
fn no_task_with_an_arrival() {
    let text = format!("{HEAD}program = [ \"yield\" ]\n");
    assert_refused(
        &text,
        None,
        &[
            "no [[task]] class has an `arrival`",
            "nothing would ever run",
        ],
    );
}

#[test]
fn duplicate_class_names() {
    let text = format!(
        "{HEAD}{ARRIVAL}program = [ \"yield\" ]\n[[task]]\nname = \"a\"\nprogram = [ \"yield\" ]\n"
    );
    assert_refused(&text, Some((9, 8)), &["a second [[task]] named `a`"]);
}

#[test]
fn class_name_with_a_hash() {
    let text = format!(
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a#1\"\n{ARRIVAL}program = [ \"yield\" ]\n"
    );
    assert_refused(&text, Some((5, 8)), &["without `#`"]);
}

#[test]
fn unknown_arrival_process() {
    let text = with_arrival("arrival = { process = \"bursty\", rate = 1.0 }");
    assert_refused(
        &text,
        Some((6, 23)),
        &[
            "unknown arrival process `bursty`",
            "expected one of: poisson, periodic, at, closed, trace",
        ],
    );
}

#[test]
fn field_the_process_does_not_take() {
    let text = with_arrival("arrival = { process = \"periodic\", period = \"10ms\", rate = 5.0 }");
    assert_refused(
        &text,
        Some((6, 59)),
        &[
            "`rate` is not a field of a periodic arrival",
            "it takes: period, offset, count",
        ],
    );
}

#[test]
fn poisson_without_rate() {
    // Reported at the arrival table.
    let text = with_arrival("arrival = { process = \"poisson\", count = 3 }");
    assert_refused(
        &text,
        Some((6, 11)),
        &["a poisson arrival needs `rate`", "rate = 100.0"],
    );
}

#[test]
fn periodic_without_period() {
    let text = with_arrival("arrival = { process = \"periodic\", offset = \"1ms\" }");
    assert_refused(&text, Some((6, 11)), &["a periodic arrival needs `period`"]);
}

#[test]
fn zero_rate() {
    let text = with_arrival("arrival = { process = \"poisson\", rate = 0.0 }");
    assert_refused(&text, Some((6, 41)), &["rate must be", "greater than zero"]);
}

#[test]
fn negative_rate() {
    let text = with_arrival("arrival = { process = \"poisson\", rate = -5 }");
    assert_refused(&text, Some((6, 41)), &["rate must be", "greater than zero"]);
}

#[test]
fn zero_period() {
    let text = with_arrival("arrival = { process = \"periodic\", period = \"0s\" }");
    assert_refused(&text, Some((6, 44)), &["period must be greater than zero"]);
}

#[test]
fn closed_without_clients_and_zero_clients() {
    let text = with_arrival("arrival = { process = \"closed\", think = \"1ms\" }");
    assert_refused(&text, Some((6, 11)), &["a closed arrival needs `clients`"]);
    let text = with_arrival("arrival = { process = \"closed\", clients = 0, think = \"1ms\" }");
    assert_refused(&text, Some((6, 43)), &["clients must be at least 1"]);
}

#[test]
fn invalid_think_time() {
    let text =
        with_arrival("arrival = { process = \"closed\", clients = 2, think = { exp = \"0s\" } }");
    assert_refused(
        &text,
        Some((6, 54)),
        &["exp mean must be greater than zero"],
    );
}

#[test]
fn missing_trace_file() {
    let text = with_arrival("arrival = { process = \"trace\", file = \"no-such-arrivals.csv\" }");
    assert_refused(
        &text,
        Some((6, 39)),
        &["cannot read the trace", "no-such-arrivals.csv"],
    );
}

#[test]
fn weight_and_nice_together() {
    let text = format!("{HEAD}{ARRIVAL}weight = 2.0\nnice = 1\nprogram = [ \"yield\" ]\n");
    assert_refused(&text, Some((7, 10)), &["`weight` or `nice`, not both"]);
}

#[test]
fn nice_out_of_range() {
    let text = format!("{HEAD}{ARRIVAL}nice = 20\nprogram = [ \"yield\" ]\n");
    assert_refused(&text, Some((7, 8)), &["nice must be between -20 and 19"]);
}

#[test]
fn zero_weight_tickets_and_deadline() {
    let text = format!("{HEAD}{ARRIVAL}weight = 0.0\nprogram = [ \"yield\" ]\n");
    assert_refused(
        &text,
        Some((7, 10)),
        &["weight must be a number greater than zero"],
    );
    let text = format!("{HEAD}{ARRIVAL}tickets = 0\nprogram = [ \"yield\" ]\n");
    assert_refused(&text, Some((7, 11)), &["tickets must be at least 1"]);
    let text = format!("{HEAD}{ARRIVAL}deadline = \"0s\"\nprogram = [ \"yield\" ]\n");
    assert_refused(
        &text,
        Some((7, 12)),
        &["deadline must be greater than zero"],
    );
}

// ---- devices -------------------------------------------------------------

#[test]
fn io_on_an_undeclared_device() {
    let text = with_program(
        "program = [\n  { compute = \"1ms\" },\n  { io = \"2ms\", device = \"disk\" },\n]\n",
    );
    assert_refused(
        &text,
        Some((9, 3)),
        &["no [[device]] named `disk`", "declare it", "devices: none"],
    );
}

#[test]
fn io_on_an_undeclared_device_lists_the_declared_ones() {
    let text = with_program(
        "program = [ { io = \"2ms\", device = \"disk\" } ]\n[[device]]\nname = \"net\"\n",
    );
    assert_refused(
        &text,
        Some((7, 13)),
        &["no [[device]] named `disk`", "devices: net"],
    );
}

#[test]
fn device_with_zero_capacity_and_duplicate_devices() {
    let text = format!("horizon = \"1s\"\n[[device]]\nname = \"disk\"\ncapacity = 0\n{TASK}");
    assert_refused(
        &text,
        Some((4, 12)),
        &["capacity must be at least 1", "unlimited"],
    );
    let text = format!(
        "horizon = \"1s\"\n[[device]]\nname = \"disk\"\n[[device]]\nname = \"disk\"\n{TASK}"
    );
    assert_refused(&text, Some((5, 8)), &["a second device named `disk`"]);
}

// ---- steps -----------------------------------------------------------------

#[test]
fn empty_program() {
    let text = with_program("program = []\n");
    assert_refused(&text, Some((7, 11)), &["a program needs at least one step"]);
}

#[test]
fn step_with_two_kinds() {
    let text = with_program("program = [\n  { compute = \"1ms\", sleep = \"1ms\" },\n]\n");
    assert_refused(
        &text,
        Some((8, 3)),
        &[
            "a step does one thing",
            "`compute` and `sleep`",
            "two steps",
        ],
    );
}

#[test]
fn unknown_string_step() {
    let text = with_program("program = [\n  \"yield\",\n  \"wait\",\n]\n");
    assert_refused(
        &text,
        Some((9, 3)),
        &["unknown step \"wait\"", "\"yield\" and \"join\""],
    );
}

#[test]
fn empty_step_table() {
    let text = with_program("program = [ {} ]\n");
    assert_refused(
        &text,
        Some((7, 13)),
        &["a step needs one of compute, sleep"],
    );
}

#[test]
fn key_of_another_step_kind() {
    let text = with_program("program = [ { compute = \"1ms\", count = 2 } ]\n");
    assert_refused(
        &text,
        Some((7, 13)),
        &["`count` belongs to spawn steps, not to `compute`"],
    );
}

#[test]
fn repeat_without_body_and_with_an_empty_body() {
    let text = with_program("program = [ { repeat = 3 } ]\n");
    assert_refused(&text, Some((7, 13)), &["a repeat step needs a body"]);
    let text = with_program("program = [ { repeat = 3, body = [] } ]\n");
    assert_refused(
        &text,
        Some((7, 13)),
        &["a repeat body needs at least one step"],
    );
}

#[test]
fn unknown_class_in_spawn() {
    let text = with_program(
        "program = [\n  { compute = \"1ms\" },\n  { spawn = \"ghost\", count = 2 },\n  \"join\",\n]\n",
    );
    assert_refused(
        &text,
        Some((9, 3)),
        &["no [[task]] class named `ghost`", "classes: a"],
    );
}

#[test]
fn unknown_class_in_call() {
    let text = with_program(
        "program = [ { call = \"ghost\" } ]\n[[task]]\nname = \"b\"\nprogram = [ \"yield\" ]\n",
    );
    assert_refused(
        &text,
        Some((7, 13)),
        &["no [[task]] class named `ghost`", "classes: a, b"],
    );
}

#[test]
fn zero_spawn_count() {
    let text = with_program(
        "program = [ { spawn = \"b\", count = 0 } ]\n[[task]]\nname = \"b\"\nprogram = [ \"yield\" ]\n",
    );
    assert_refused(&text, Some((7, 13)), &["spawn count must be at least 1"]);
}

#[test]
fn recursion_through_call() {
    // a calls b calls a: reported at the call that closes the cycle.
    let text = with_program(
        "program = [ { call = \"b\" } ]\n[[task]]\nname = \"b\"\nprogram = [\n  { compute = \"1ms\" },\n  { call = \"a\" },\n]\n",
    );
    assert_refused(
        &text,
        Some((12, 3)),
        &["recursion through `call`", "a -> b -> a"],
    );
}

#[test]
fn a_class_calling_itself() {
    let text = with_program("program = [ { compute = \"1ms\" }, { call = \"a\" } ]\n");
    assert_refused(
        &text,
        Some((7, 34)),
        &["recursion through `call`", "a -> a"],
    );
}

#[test]
fn spawn_cycle() {
    let text = with_program(
        "program = [ { spawn = \"b\" }, \"join\" ]\n[[task]]\nname = \"b\"\nprogram = [ { repeat = 2, body = [ { spawn = \"a\" } ] } ]\n",
    );
    assert_refused(
        &text,
        Some((10, 36)),
        &[
            "a cycle of `spawn`/`call` would create tasks forever",
            "a -> b -> a",
        ],
    );
}

// ---- locks -----------------------------------------------------------------

#[test]
fn lock_never_unlocked() {
    let text = with_program("program = [\n  { lock = \"m\" },\n  { compute = \"1ms\" },\n]\n");
    assert_refused(
        &text,
        Some((8, 3)),
        &["lock `m` is never unlocked in class `a`"],
    );
}

#[test]
fn unlock_without_lock() {
    let text = with_program("program = [\n  { compute = \"1ms\" },\n  { unlock = \"m\" },\n]\n");
    assert_refused(
        &text,
        Some((9, 3)),
        &["unlock `m` without a matching lock before it"],
    );
}

#[test]
fn unlock_of_another_lock() {
    let text = with_program(
        "program = [\n  { lock = \"m\" },\n  { unlock = \"n\" },\n  { unlock = \"m\" },\n]\n",
    );
    assert_refused(&text, Some((9, 3)), &["unlock `n` without a matching lock"]);
}

#[test]
fn relocking_a_held_lock() {
    let text = with_program(
        "program = [\n  { lock = \"m\" },\n  { lock = \"m\" },\n  { unlock = \"m\" },\n]\n",
    );
    assert_refused(
        &text,
        Some((9, 3)),
        &["lock `m` is already held", "not reentrant"],
    );
}

#[test]
fn relocking_through_a_call_is_reported_at_the_call() {
    let text = with_program(
        "program = [\n  { lock = \"m\" },\n  { call = \"b\" },\n  { unlock = \"m\" },\n]\n[[task]]\nname = \"b\"\nprogram = [ { lock = \"m\" }, { unlock = \"m\" } ]\n",
    );
    assert_refused(&text, Some((9, 3)), &["lock `m` is already held"]);
}

#[test]
fn repeat_body_that_keeps_a_lock() {
    let text = with_program(
        "program = [\n  { repeat = 3, body = [ { lock = \"m\" }, { compute = \"1ms\" } ] },\n  { unlock = \"m\" },\n]\n",
    );
    assert_refused(
        &text,
        Some((8, 3)),
        &["a repeat body must unlock every lock it takes"],
    );
}

#[test]
fn balanced_locks_are_accepted() {
    let s = valid(&with_program(
        "program = [\n  { lock = \"m\" },\n  { repeat = 2, body = [ { lock = \"n\" }, { unlock = \"n\" } ] },\n  { unlock = \"m\" },\n]\n",
    ));
    assert_eq!(s.locks, vec!["m".to_string(), "n".to_string()]);
    assert_eq!(s.base.locks, 2);
}

// ---- distributions -----------------------------------------------------------

#[test]
fn exp_with_zero_mean() {
    let text = with_program("program = [\n  { compute = { exp = \"0s\" } },\n]\n");
    assert_refused(&text, Some((8, 3)), &["exp mean must be greater than zero"]);
}

#[test]
fn hyperexp_probabilities_not_summing_to_one() {
    let text = with_program(
        "program = [\n  { io = { hyperexp = { p = [0.5, 0.4], means = [\"1ms\", \"2ms\"] } } },\n]\n",
    );
    assert_refused(
        &text,
        Some((8, 3)),
        &["hyperexp probabilities must sum to 1", "0.9"],
    );
}

#[test]
fn uniform_with_low_above_high() {
    // Inside a repeat body: reported at the inner step.
    let text = with_program(
        "program = [\n  { repeat = 2, body = [ { sleep = { uniform = [\"5ms\", \"1ms\"] } } ] },\n]\n",
    );
    assert_refused(
        &text,
        Some((8, 26)),
        &["uniform needs [low, high] with low <= high", "[5ms, 1ms]"],
    );
}

#[test]
fn unknown_distribution_family() {
    let text = with_program("program = [ { compute = { gamma = \"1ms\" } } ]\n");
    let e = error_of(&text);
    assert_eq!(e.location.map(|(line, _)| line), Some(7), "{e}");
    assert!(
        e.message.contains("gamma") && e.message.contains("exp"),
        "{}",
        e.message
    );
}

#[test]
fn distribution_with_two_families() {
    let text = with_program(
        "program = [ { compute = { exp = \"1ms\", uniform = [\"1ms\", \"2ms\"] } } ]\n",
    );
    let e = error_of(&text);
    assert_eq!(e.location.map(|(line, _)| line), Some(7), "{e}");
    assert!(
        e.message.contains("exactly one key") && e.message.contains("`uniform`"),
        "{}",
        e.message
    );
}

// ---- what a valid scenario resolves to ----------------------------------------

#[test]
fn defaults_are_filled_in() {
    let s = valid(
        r#"horizon = "2s"

[[policy]]
kind = "round-robin"
quantum = "10ms"

[[policy]]
kind = "fifo"

[[policy]]
kind = "ps"

[[task]]
name = "web"
arrival = { process = "poisson", rate = 100.0 }
program = [ { compute = "1ms" } ]
"#,
    );
    assert_eq!(s.name, "good", "the name defaults to the file's stem");
    assert_eq!(s.seed, 0);
    assert_eq!(s.replications, 1);
    assert_eq!(s.base.cpus, 1);
    assert_eq!(s.base.context_switch, SimDuration::ZERO);
    assert_eq!(s.base.warmup, SimTime::ZERO);
    assert_eq!(s.base.horizon, SimTime(2_000_000_000));
    assert_eq!(s.base.limits.max_time, None);
    let labels: Vec<&str> = s.policies.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(labels, ["round-robin(quantum=10ms)", "fifo", "ps"]);
    assert_eq!(
        s.policies[0].config,
        PolicyConfig::RoundRobin(crate::policy::round_robin::Config {
            quantum: SimDuration::from_millis(10)
        })
    );
    assert_eq!(
        s.policies[1].config,
        PolicyConfig::Fifo(crate::policy::fifo::Config {
            preempt_after: None
        })
    );
    let class = &s.base.classes[0];
    assert_eq!(class.arrival, Some(Arrival::Poisson { rate: 100.0 }));
    assert_eq!(
        (class.priority, class.weight, class.tickets, class.deadline),
        (0, 1.0, 100, None)
    );

    let resolved = s.resolved_toml();
    for line in [
        "name = \"good\"",
        "seed = 0",
        "warmup = \"0s\"",
        "replications = 1",
        "cpus = 1",
        "context_switch = \"0s\"",
        "label = \"round-robin(quantum=10ms)\"",
        "label = \"fifo\"",
        "label = \"ps\"",
    ] {
        assert!(
            resolved.lines().any(|l| l == line),
            "resolved scenario lacks {line:?}:\n{resolved}"
        );
    }
}

#[test]
fn explicit_values_are_kept() {
    let s = valid(
        r#"name = "mine"
seed = 42
horizon = "10s"
warmup = "1s"
replications = 5
max_time = "20s"

[machine]
cpus = 4
context_switch = "5us"

[[policy]]
kind = "fifo"
label = "asyncio"
preempt_after = true

[[task]]
name = "web"
arrival = { process = "at", times = ["2s", "1s", "1s"] }
program = [ { compute = "1ms" } ]
"#,
    );
    assert_eq!((s.name.as_str(), s.seed, s.replications), ("mine", 42, 5));
    assert_eq!(
        (s.base.cpus, s.base.context_switch),
        (4, SimDuration::from_micros(5))
    );
    assert_eq!(
        (s.base.warmup, s.base.limits.max_time),
        (SimTime(1_000_000_000), Some(SimTime(20_000_000_000)))
    );
    assert_eq!(s.policies[0].label, "asyncio");
    assert_eq!(
        s.policies[0].config,
        PolicyConfig::Fifo(crate::policy::fifo::Config {
            preempt_after: Some(SimDuration::from_millis(10))
        })
    );
    // `at` times are sorted, repeats kept.
    let secs = |n| SimDuration::from_secs(n);
    assert_eq!(
        s.base.classes[0].arrival,
        Some(Arrival::At {
            times: vec![secs(1), secs(1), secs(2)]
        })
    );
}

#[test]
fn fifo_preempt_after_gets_a_default_label_with_it() {
    let s = valid(&with_policies(
        "[[policy]]\nkind = \"fifo\"\npreempt_after = \"5ms\"\n",
    ));
    assert_eq!(s.policies[0].label, "fifo(preempt_after=5ms)");
}

#[test]
fn periodic_class_has_its_period_as_deadline() {
    let s = valid(&format!(
        "{HEAD}arrival = {{ process = \"periodic\", period = \"20ms\", offset = \"5ms\" }}\nprogram = [ \"yield\" ]\n\
         [[task]]\nname = \"b\"\narrival = {{ process = \"periodic\", period = \"20ms\" }}\ndeadline = \"7ms\"\nprogram = [ \"yield\" ]\n"
    ));
    let a = &s.base.classes[0];
    assert_eq!(
        a.arrival,
        Some(Arrival::Periodic {
            period: SimDuration::from_millis(20),
            offset: SimDuration::from_millis(5)
        })
    );
    assert_eq!(a.deadline, Some(SimDuration::from_millis(20)));
    // An explicit deadline wins.
    assert_eq!(
        s.base.classes[1].deadline,
        Some(SimDuration::from_millis(7))
    );
}

#[test]
fn nice_maps_to_the_linux_weight() {
    let s = valid(&format!(
        "{HEAD}{ARRIVAL}nice = 5\nprogram = [ \"yield\" ]\n\
         [[task]]\nname = \"b\"\nnice = -20\nprogram = [ \"yield\" ]\n\
         [[task]]\nname = \"c\"\nweight = 2.5\nprogram = [ \"yield\" ]\n"
    ));
    assert_eq!(s.base.classes[0].weight, 335.0 / 1024.0);
    assert_eq!(s.base.classes[1].weight, 88761.0 / 1024.0);
    assert_eq!(s.base.classes[2].weight, 2.5);
    assert_eq!(nice_weight(0), 1.0);
    assert_eq!(nice_weight(19), 15.0 / 1024.0);
}

#[test]
fn resolved_scenario_reads_back_the_same() {
    let s = valid(
        r#"horizon = "1s"
[[device]]
name = "disk"
capacity = 2
[[policy]]
kind = "round-robin"
quantum = "2ms"
[[task]]
name = "web"
arrival = { process = "poisson", rate = 50.0, count = 10 }
priority = 2
program = [
  { compute = { exp = "1ms" } },
  { io = { uniform = ["1ms", "2ms"] }, device = "disk" },
  { lock = "m" },
  { repeat = 2, body = [ "yield", { call = "helper" } ] },
  { unlock = "m" },
  { spawn = "helper", count = 3 },
  "join",
]
[[task]]
name = "helper"
program = [ { sleep = { hyperexp = { p = [0.25, 0.75], means = ["1ms", "3ms"] } } } ]
"#,
    );
    let again = Scenario::from_str(&s.resolved_toml(), "good.toml").unwrap_or_else(|e| {
        panic!(
            "the resolved scenario does not read back:\n{e}\n{}",
            s.resolved_toml()
        )
    });
    assert_eq!(again.base, s.base);
    assert_eq!(again.programs, s.programs);
    assert_eq!(again.policies, s.policies);
    assert_eq!(again.resolved_toml(), s.resolved_toml());
}

#[test]
fn offered_load_and_its_warning() {
    // 100/s x (1ms + spawned 2 x 2ms) on 2 CPUs = 0.25.
    let text = "horizon = \"1s\"\n[machine]\ncpus = 2\n[[policy]]\nkind = \"ps\"\n\
                [[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 100.0 }\n\
                program = [ { compute = \"1ms\" }, { spawn = \"b\", count = 2 }, \"join\" ]\n\
                [[task]]\nname = \"b\"\nprogram = [ { compute = \"2ms\" } ]\n";
    let s = valid(text);
    assert!(
        (s.offered_load() - 0.25).abs() < 1e-12,
        "{}",
        s.offered_load()
    );
    assert!(s.warnings().is_empty());
    let s = valid(&text.replace("rate = 100.0", "rate = 400.0"));
    assert!(
        (s.offered_load() - 1.0).abs() < 1e-12,
        "{}",
        s.offered_load()
    );
    assert!(
        s.warnings()
            .iter()
            .any(|w| w.contains("offered load is 1.000 >= 1")),
        "{:?}",
        s.warnings()
    );
}

// ---- `--set` overrides through `Scenario::load` --------------------------------

const LOADED: &str = r#"horizon = "1s"

[machine]
cpus = 1

[[policy]]
kind = "round-robin"
label = "rr"
quantum = "10ms"

[[task]]
name = "web"
arrival = { process = "poisson", rate = 900.0 }
program = [ { compute = "1ms" } ]
"#;

/// Writes `text` to `dir/s.toml` and loads it with `sets` applied.
fn load(dir: &tempfile::TempDir, text: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    Scenario::load(&path, &overrides)
}

#[test]
fn overrides_change_values() {
    let dir = tempfile::tempdir().unwrap();
    let s = load(&dir, LOADED, &[]).unwrap();
    assert_eq!((s.name.as_str(), s.seed, s.base.cpus), ("s", 0, 1));

    let s = load(
        &dir,
        LOADED,
        &[
            "machine.cpus=4",
            "task.web.arrival.rate=800",
            "policy.rr.quantum=1ms",
            "seed=7",
            "replications=3",
        ],
    )
    .unwrap();
    assert_eq!((s.seed, s.replications, s.base.cpus), (7, 3, 4));
    assert_eq!(
        s.base.classes[0].arrival,
        Some(Arrival::Poisson { rate: 800.0 })
    );
    assert_eq!(
        s.policies[0].config,
        PolicyConfig::RoundRobin(crate::policy::round_robin::Config {
            quantum: SimDuration::from_millis(1)
        })
    );
    // Selected by kind and by index too.
    let s = load(&dir, LOADED, &["policy.round-robin.quantum=\"3ms\""]).unwrap();
    assert_eq!(
        s.policies[0].config,
        PolicyConfig::RoundRobin(crate::policy::round_robin::Config {
            quantum: SimDuration::from_millis(3)
        })
    );
    let s = load(
        &dir,
        LOADED,
        &["policy.0.label=fast", "machine.context_switch=5us"],
    )
    .unwrap();
    assert_eq!(s.policies[0].label, "fast");
    assert_eq!(s.base.context_switch, SimDuration::from_micros(5));
}

#[test]
fn overrides_are_validated_like_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(&dir, LOADED, &["machine.cpus=four"]).unwrap_err();
    assert!(
        e.message.contains("invalid type: string \"four\"") && e.message.contains("expected u32"),
        "{e}"
    );
    let e = load(&dir, LOADED, &["machine.cpus=0"]).unwrap_err();
    assert!(e.message.contains("machine.cpus must be at least 1"), "{e}");
    assert_eq!(
        e.location,
        Some((4, 8)),
        "a value replaced in place keeps its position: {e}"
    );
    let e = load(&dir, LOADED, &["horizon=5"]).unwrap_err();
    assert!(e.message.contains("a duration needs a unit"), "{e}");
    assert_eq!(e.location, Some((1, 11)), "{e}");
}

#[test]
fn override_of_a_missing_element_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(&dir, LOADED, &["task.ghost.arrival.rate=5"]).unwrap_err();
    assert_eq!(e.location, None);
    assert!(e.file.ends_with("s.toml"), "{}", e.file);
    assert!(
        e.message.contains("--set task.ghost.arrival.rate=5")
            && e.message.contains("no [[task]] named `ghost`")
            && e.message.contains("there are: web"),
        "{e}"
    );
    let e = load(&dir, LOADED, &["policy.sjf.quantum=1ms"]).unwrap_err();
    assert!(
        e.message.contains("no [[policy]] named `sjf`") && e.message.contains("rr"),
        "{e}"
    );
    let e = load(&dir, LOADED, &["machine=4"]).unwrap_err();
    assert!(e.message.contains("`machine` is a table"), "{e}");
}

#[test]
fn malformed_overrides_are_refused() {
    assert!(
        "machine.cpus"
            .parse::<Override>()
            .unwrap_err()
            .contains("expected PATH=VALUE")
    );
    assert!(
        "machine..cpus=1"
            .parse::<Override>()
            .unwrap_err()
            .contains("empty part")
    );
}

#[test]
fn missing_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = Scenario::load(&dir.path().join("nope.toml"), &[]).unwrap_err();
    assert_eq!(e.location, None);
    assert!(e.message.contains("cannot read the scenario"), "{e}");
    assert!(e.to_string().contains("nope.toml"), "{e}");
}

// ---- bugs found while writing these tests --------------------------------------

#[test]

fn override_adding_a_key_keeps_error_lines() {
    let dir = tempfile::tempdir().unwrap();
    // Line 13 of the file has the bad rate; `seed` is not in the file, so
    // `--set seed=7` inserts a line before it.
    let text = LOADED.replace("rate = 900.0", "rate = 0.0");
    let e = load(&dir, &text, &[]).unwrap_err();
    assert_eq!(e.location, Some((13, 41)), "{e}");
    let e = load(&dir, &text, &["seed=7"]).unwrap_err();
    assert_eq!(e.location, Some((13, 41)), "{e}");
}

#[test]

fn invalid_inserted_override_names_the_override() {
    let dir = tempfile::tempdir().unwrap();
    // `quantum` is not in the fifo table of the file: the error should say it
    // came from --set, not point at line 5 of s.toml.
    let text = LOADED.replace(
        "kind = \"round-robin\"\nlabel = \"rr\"\nquantum = \"10ms\"",
        "kind = \"fifo\"",
    );
    let e = load(&dir, &text, &["policy.fifo.quantum=1ms"]).unwrap_err();
    assert!(
        e.message.contains("--set policy.fifo.quantum=1ms") || e.location.is_none(),
        "{e}"
    );
}

#[test]

fn override_of_a_step_by_index_counts_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let text = LOADED.replace(
        "program = [ { compute = \"1ms\" } ]",
        "program = [ \"yield\", { compute = \"1ms\" } ]",
    );
    let s = load(&dir, &text, &["task.web.program.1.compute=2ms"]).unwrap();
    assert_eq!(
        s.programs[0][1],
        Step::Compute(crate::dist::Dist::Const(SimDuration::from_millis(2)))
    );
}

#[test]

fn closed_arrivals_without_any_time_are_refused() {
    let text = with_program("program = [ { compute = \"0s\" } ]\n").replace(
        ARRIVAL,
        "arrival = { process = \"closed\", clients = 2, think = \"0s\" }\n",
    );
    let e = error_of(&text);
    assert_eq!(e.location.map(|(line, _)| line), Some(6), "{e}");
}

#[test]

fn spawn_cycle_closed_by_a_call_says_spawn() {
    // a spawns b, b calls a: every program is finite, but tasks are created forever.
    let text = with_program(
        "program = [ { spawn = \"b\" } ]\n[[task]]\nname = \"b\"\nprogram = [ { call = \"a\" } ]\n",
    );
    assert_refused(
        &text,
        Some((10, 13)),
        &[
            "a cycle of `spawn`/`call` would create tasks forever",
            "a -> b -> a",
        ],
    );
}

/// Every listed policy kind reads from a table with its required examples and
/// builds (ps as the fluid model).
#[test]
fn every_listed_kind_builds() {
    for info in crate::policy::POLICIES {
        let config = Scenario::from_str(
            &format!(
                "horizon = \"1s\"\n[[policy]]\nkind = \"{}\"\n{}[[task]]\nname = \"t\"\narrival = {{ process = \"at\", times = [\"0s\"] }}\nprogram = [ {{ compute = \"1ms\" }} ]\n",
                info.kind,
                info.params
                    .iter()
                    .filter(|p| p.required)
                    .map(|p| format!("{} = {}\n", p.name, p.example))
                    .collect::<String>()
            ),
            "t.toml",
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .policies[0]
            .config
            .clone();
        assert_eq!(config.kind(), info.kind);
        assert_eq!(config.preemptive(), info.preemptive);
        let fluid = matches!(
            config.build(2, 0, crate::policy::Queues::Global),
            Ok(crate::policy::Scheduler::Fluid)
        );
        assert_eq!(fluid, info.kind == "ps");
        assert_eq!(fluid, info.fluid);
        // The built policy says what its entry says, with either queueing.
        for queues in [crate::policy::Queues::Global, crate::policy::Queues::PerCpu] {
            if let Ok(crate::policy::Scheduler::Queue(p)) = config.build(2, 0, queues) {
                assert_eq!(p.preemptive(), info.preemptive, "{}", info.kind);
            }
        }
    }
}
