//! Command-line conventions of issue 10: `-` reads a scenario from standard
//! input, and `--quiet` is one global flag that every command accepts.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::{assert_exit, corosim, folder, read, stderr, stdout};

/// A small scenario: two policies, two replications, a few hundred tasks.
const GOOD: &str = r#"name = "piped"
seed = 5
horizon = "200ms"
replications = 2

[[policy]]
kind = "fifo"

[[policy]]
kind = "round-robin"
quantum = "1ms"

[[task]]
name = "web"
arrival = { process = "poisson", rate = 300.0 }
program = [ { compute = { exp = "1ms" } }, { io = "2ms" } ]
"#;

/// Runs `corosim args...` in `dir` with `input` on its standard input.
fn corosim_with_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corosim"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("corosim starts");
    let mut stdin = child.stdin.take().expect("a piped stdin");
    // corosim may exit before reading it all (a bad argument): a closed
    // pipe is then no failure of the test.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().expect("corosim runs")
}

// ---- `-`: the scenario on standard input ----------------------------------------

#[test]
fn run_reads_the_scenario_from_stdin_and_writes_what_the_file_gives() {
    let dir = folder(&[("piped.toml", GOOD)]);
    let o = corosim_with_stdin(
        dir.path(),
        &["run", "-", "--out", "from-stdin", "--no-plots"],
        GOOD.as_bytes(),
    );
    assert_exit(&o, 0);
    assert!(
        stdout(&o).starts_with("piped: 4 runs"),
        "the scenario's name is kept:\n{}",
        stdout(&o)
    );
    let o = corosim(
        dir.path(),
        &["run", "piped.toml", "--out", "from-file", "--no-plots"],
    );
    assert_exit(&o, 0);
    for file in [
        "summary.csv",
        "aggregate.csv",
        "tasks.csv",
        "timeseries.csv",
    ] {
        assert_eq!(
            read(dir.path().join("from-stdin").join(file)),
            read(dir.path().join("from-file").join(file)),
            "{file}"
        );
    }
    let run_json = String::from_utf8(read(dir.path().join("from-stdin/run.json"))).unwrap();
    assert!(run_json.contains("<stdin>"), "{run_json}");
}

#[test]
fn a_scenario_from_stdin_without_a_name_is_called_scenario() {
    let text = GOOD.replace("name = \"piped\"\n", "");
    let dir = folder(&[]);
    let o = corosim_with_stdin(
        dir.path(),
        &["run", "-", "--no-plots", "--quiet"],
        text.as_bytes(),
    );
    assert_exit(&o, 0);
    assert!(dir.path().join("output/scenario/summary.csv").is_file());
    assert!(dir.path().join("output/scenario/run.json").is_file());

    let o = corosim_with_stdin(dir.path(), &["check", "-"], text.as_bytes());
    assert_exit(&o, 0);
    assert!(
        stdout(&o).starts_with("# scenario (<stdin>): valid"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn an_error_on_stdin_names_stdin_with_line_and_column_and_writes_nothing() {
    let bad = GOOD.replace("rate = 300.0", "rate = \"fast\"");
    let dir = folder(&[]);
    for command in ["run", "check"] {
        let o = corosim_with_stdin(dir.path(), &[command, "-"], bad.as_bytes());
        assert_exit(&o, 2);
        let err = stderr(&o);
        assert!(err.contains("<stdin>:15:41"), "{command}: {err}");
        assert!(err.contains("expected f64"), "{command}: {err}");
    }
    // A --set that breaks it says so, still naming <stdin>.
    let o = corosim_with_stdin(
        dir.path(),
        &["check", "-", "--set", "horizon=5"],
        GOOD.as_bytes(),
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("<stdin> (as changed by --set horizon=5):3:11"),
        "{}",
        stderr(&o)
    );
    // Empty input is a scenario without a horizon.
    let o = corosim_with_stdin(dir.path(), &["check", "-"], b"");
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("<stdin>"), "{}", stderr(&o));
    assert!(stderr(&o).contains("horizon"), "{}", stderr(&o));
    // Bytes that are not text.
    let o = corosim_with_stdin(dir.path(), &["check", "-"], b"name = \"\xff\xfe\"\n");
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("<stdin>: cannot read the scenario"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("output").exists(), "nothing written");
}

#[test]
fn stdin_given_twice_exits_2_before_reading_it() {
    let dir = folder(&[("piped.toml", GOOD)]);
    for args in [
        &["run", "-", "-"][..],
        &["check", "-", "piped.toml", "-"][..],
    ] {
        let o = corosim_with_stdin(dir.path(), args, GOOD.as_bytes());
        assert_exit(&o, 2);
        let err = stderr(&o);
        assert!(
            err.contains("`-` (standard input) is given more than once"),
            "{args:?}: {err}"
        );
    }
    assert!(!dir.path().join("output").exists(), "nothing written");
}

#[test]
fn stdin_and_files_mix_and_a_file_named_dash_is_reachable_as_dot_slash() {
    let other = GOOD.replace("name = \"piped\"", "name = \"dashed\"");
    let dir = folder(&[("-", &other)]);
    let o = corosim_with_stdin(dir.path(), &["check", "-", "./-"], GOOD.as_bytes());
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("# piped (<stdin>): valid"), "{out}");
    assert!(out.contains("# dashed (./-): valid"), "{out}");
}

#[test]
fn shards_of_a_scenario_from_stdin_merge() {
    let dir = folder(&[("piped.toml", GOOD)]);
    for (shard, out) in [("1/2", "s1"), ("2/2", "s2")] {
        let o = corosim_with_stdin(
            dir.path(),
            &["run", "-", "--shard", shard, "--out", out, "--quiet"],
            GOOD.as_bytes(),
        );
        assert_exit(&o, 0);
    }
    let o = corosim(
        dir.path(),
        &["merge", "s1", "s2", "--out", "merged", "--quiet"],
    );
    assert_exit(&o, 0);
    let o = corosim(
        dir.path(),
        &[
            "run",
            "piped.toml",
            "--out",
            "whole",
            "--quiet",
            "--no-plots",
        ],
    );
    assert_exit(&o, 0);
    assert_eq!(
        read(dir.path().join("merged/summary.csv")),
        read(dir.path().join("whole/summary.csv"))
    );
}

// ---- --quiet, global ------------------------------------------------------------

#[test]
fn quiet_is_accepted_by_every_command_before_or_after_it() {
    let dir = folder(&[("piped.toml", GOOD)]);
    let o = corosim(
        dir.path(),
        &["run", "piped.toml", "--out", "run", "--no-plots"],
    );
    assert_exit(&o, 0);
    assert!(!stdout(&o).is_empty(), "a run prints its headline");
    let o = corosim(dir.path(), &["check", "piped.toml"]);
    assert!(!stdout(&o).is_empty(), "check prints the scenario");
    let o = corosim(dir.path(), &["plot", "run"]);
    assert!(!stdout(&o).is_empty(), "plot says what it drew");

    // What a command exists to print is printed anyway.
    for (args, prints) in [
        (
            &["run", "piped.toml", "--out", "q1", "--no-plots"][..],
            false,
        ),
        (&["check", "piped.toml"][..], false),
        (&["plot", "run"][..], false),
        (&["policies"][..], true),
        (&["completions", "bash"][..], true),
    ] {
        for before in [true, false] {
            let mut line: Vec<&str> = args.to_vec();
            if before {
                line.insert(0, "--quiet");
            } else {
                line.push("-q");
            }
            let o = corosim(dir.path(), &line);
            assert_exit(&o, 0);
            assert_eq!(!stdout(&o).is_empty(), prints, "{line:?}:\n{}", stdout(&o));
            assert!(stderr(&o).is_empty(), "{line:?}: {}", stderr(&o));
        }
    }
    // merge, from shards.
    for (shard, out) in [("1/2", "m1"), ("2/2", "m2")] {
        let o = corosim(
            dir.path(),
            &["run", "piped.toml", "--shard", shard, "--out", out, "-q"],
        );
        assert_exit(&o, 0);
        assert!(stdout(&o).is_empty() && stderr(&o).is_empty());
    }
    let o = corosim(dir.path(), &["--quiet", "merge", "m1", "m2", "--out", "m"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).is_empty() && stderr(&o).is_empty());
}

#[test]
fn quiet_silences_warnings_but_never_errors() {
    let hot = GOOD.replace("rate = 300.0", "rate = 3000.0");
    let bad = GOOD.replace("rate = 300.0", "rate = -1.0");
    let dir = folder(&[("hot.toml", &hot), ("bad.toml", &bad)]);
    let o = corosim(dir.path(), &["check", "hot.toml"]);
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
    let o = corosim(dir.path(), &["check", "hot.toml", "--quiet"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).is_empty() && stderr(&o).is_empty());
    for command in ["check", "run"] {
        let o = corosim(dir.path(), &["--quiet", command, "bad.toml"]);
        assert_exit(&o, 2);
        assert!(stderr(&o).contains("bad.toml:"), "{}", stderr(&o));
    }
}

#[test]
fn help_documents_quiet_for_every_command() {
    let o = corosim(Path::new("."), &["--help"]);
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("--quiet"), "{}", stdout(&o));
    for command in ["run", "check", "plot", "merge", "policies", "completions"] {
        let o = corosim(Path::new("."), &[command, "--help"]);
        assert_exit(&o, 0);
        let help = stdout(&o);
        assert!(
            help.contains("-q, --quiet") && help.contains("no progress bar"),
            "{command}:\n{help}"
        );
    }
    let o = corosim(Path::new("."), &["run", "--help"]);
    assert!(stdout(&o).contains("standard input"), "{}", stdout(&o));
}
