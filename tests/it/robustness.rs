//! Issue 9's defects of the command and its run folder, each a regression
//! test named after it: a closed stdout, non-UTF-8 arguments, user files in
//! the run folder, foreign and unwritable folders.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::{assert_exit, folder, stderr};

/// A tiny scenario: two policies (so two Gantt charts), fast in debug builds.
const TINY: &str = r#"name = "tiny"
seed = 3
horizon = "200ms"
replications = 2

[[policy]]
kind = "fifo"

[[policy]]
kind = "round-robin"
quantum = "1ms"

[[task]]
name = "web"
arrival = { process = "poisson", rate = 200.0 }
program = [ { compute = { exp = "1ms" } }, { io = "1ms" } ]
"#;

fn corosim_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_corosim"))
}

// ---- broken pipe -----------------------------------------------------------------

/// The writing end of a pipe whose reader has already gone: every write to
/// it fails with a broken pipe, as `corosim policies | head -1` does once
/// `head` has exited. Made by giving a pipe's reading end to a process that
/// exits at once, so no write can land before the reader closes.
fn pipe_without_reader() -> Stdio {
    let mut reader = corosim_bin()
        .arg("--version")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("corosim --version starts");
    let writer = reader.stdin.take().expect("its stdin is a pipe");
    reader.wait().expect("corosim --version exits");
    Stdio::from(writer)
}

/// Runs `corosim args...` in `dir` with its stdout's reader gone.
fn corosim_into_closed_pipe(dir: &Path, args: &[&str]) -> Output {
    corosim_bin()
        .current_dir(dir)
        .args(args)
        .stdout(pipe_without_reader())
        .stderr(Stdio::piped())
        .output()
        .expect("corosim runs")
}

#[test]
fn broken_pipe_exits_0_quietly_for_every_command_that_prints() {
    let dir = folder(&[("tiny.toml", TINY)]);
    let commands: &[&[&str]] = &[
        &["policies"],
        &["check", "tiny.toml"],
        &["run", "tiny.toml", "--out", "run"],
        &["run", "tiny.toml", "--out", "gantt", "--gantt", "--quiet"],
        &["run", "tiny.toml", "--out", "s1", "--shard", "1/2"],
        &["run", "tiny.toml", "--out", "s2", "--shard", "2/2"],
        &["plot", "run"],
        &["merge", "s1", "s2", "--out", "merged"],
        &["--help"],
        &["run", "--help"],
        &["--version"],
    ];
    for args in commands {
        let o = corosim_into_closed_pipe(dir.path(), args);
        assert!(
            o.status.code() == Some(0) && o.stderr.is_empty(),
            "corosim {}: {:?}, stderr:\n{}",
            args.join(" "),
            o.status,
            stderr(&o)
        );
    }
    // What stdout would have shown is lost; the run's folder is not.
    for out in ["run", "gantt", "merged"] {
        assert!(dir.path().join(out).join("run.json").exists(), "{out}");
        assert!(dir.path().join(out).join("report.html").exists(), "{out}");
    }
    // A failure is still one: merging one shard of two misses runs.
    let o = corosim_into_closed_pipe(dir.path(), &["merge", "s1", "--out", "half"]);
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("in none of the shard folders"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not a Linux system
    };
    let o = corosim_bin()
        .arg("policies")
        .stdout(full)
        .output()
        .expect("corosim runs");
    assert_exit(&o, 1);
    assert!(
        stderr(&o).starts_with("error: writing to stdout: "),
        "{}",
        stderr(&o)
    );
}

// ---- arguments that are not UTF-8 --------------------------------------------------

#[cfg(unix)]
#[test]
fn non_utf8_arguments_are_recorded_lossily_and_resume_exactly() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let dir = folder(&[]);
    // "s\xff.toml": a Latin-1 file name, not UTF-8.
    let scenario = OsStr::from_bytes(b"s\xff.toml");
    std::fs::write(dir.path().join(scenario), TINY).unwrap();
    let run = |out: &OsStr| {
        corosim_bin()
            .current_dir(dir.path())
            .arg("run")
            .arg(scenario)
            .arg("--out")
            .arg(out)
            .arg("--quiet")
            .output()
            .expect("corosim runs")
    };
    let out = OsStr::from_bytes(b"out\xfe");
    assert_exit(&run(out), 0);
    let run_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(out).join("run.json")).unwrap())
            .unwrap();
    let recorded: Vec<&str> = run_json["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        recorded[1..],
        ["run", "s\u{fffd}.toml", "--out", "out\u{fffd}", "--quiet"]
    );
    // The plan keeps the name exactly, so the same command finds its runs.
    assert_exit(&run(out), 0);
    let run_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(out).join("run.json")).unwrap())
            .unwrap();
    assert_eq!(run_json["cells_resumed"], run_json["cells"]);

    // A `--set` value that is not UTF-8 cannot be TOML: bad arguments.
    let o = corosim_bin()
        .current_dir(dir.path())
        .arg("run")
        .arg(scenario)
        .args(["--out", "bad", "--set"])
        .arg(OsStr::from_bytes(b"name=\xff"))
        .output()
        .expect("corosim runs");
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("invalid UTF-8"), "{}", stderr(&o));
    assert!(!dir.path().join("bad").exists());
}
