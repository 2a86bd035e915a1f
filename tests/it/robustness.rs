//! Issue 9's defects of the command and its run folder, each a regression
//! test named after it: a closed stdout, non-UTF-8 arguments, user files in
//! the run folder, foreign and unwritable folders.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use corosim::report::files::RunFile;

use crate::support::{assert_exit, corosim, folder, names_in, read, stderr};

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

// ---- the run folder: only corosim's files are removed ------------------------------

/// `TINY` with one policy: a run draws one Gantt chart fewer.
fn tiny_one_policy() -> String {
    TINY.replace(
        "[[policy]]\nkind = \"round-robin\"\nquantum = \"1ms\"\n",
        "",
    )
}

fn run_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(dir.join("run.json"))).expect("run.json is JSON")
}

/// The files `run.json` lists, sorted.
fn listed(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = run_json(dir)["files"]
        .as_array()
        .expect("run.json lists its files")
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    files.sort();
    files
}

/// The user's own files, which no run may touch.
const USERS: [(&str, &str); 4] = [
    ("holiday.png", "a photo"),
    ("logo.svg", "<svg/>"),
    ("gantt_7.png", "the user's picture, named like a chart"),
    ("notes.txt", "my notes"),
];

fn add_users_files(dir: &Path) {
    for (name, text) in USERS {
        fs::write(dir.join(name), text).unwrap();
    }
}

#[track_caller]
fn assert_users_files_intact(dir: &Path) {
    for (name, text) in USERS {
        assert_eq!(
            fs::read_to_string(dir.join(name)).ok().as_deref(),
            Some(text),
            "{name} was touched"
        );
    }
}

#[test]
fn data_loss_a_run_removes_only_the_files_corosim_wrote() {
    let one = tiny_one_policy();
    let dir = folder(&[("tiny.toml", TINY), ("one.toml", &one)]);
    let out = dir.path().join("out");
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "tiny.toml", "--out", "out", "--trace", "--quiet"],
        ),
        0,
    );
    add_users_files(&out);
    fs::create_dir(out.join("photos")).unwrap();
    // Fewer policies, no --trace: the second Gantt chart and trace.json are
    // the earlier run's and go; the user's files stay.
    assert_exit(
        &corosim(dir.path(), &["run", "one.toml", "--out", "out", "--quiet"]),
        0,
    );
    assert_users_files_intact(&out);
    assert!(out.join("photos").is_dir());
    let names = names_in(&out);
    for stale in ["trace.json", "gantt_1.svg", "gantt_1.png"] {
        assert!(
            !names.iter().any(|n| n == stale),
            "{stale} is left: {names:?}"
        );
    }
    // What is there is the user's, cells/, or listed in run.json.
    let mut ours: Vec<String> = names
        .into_iter()
        .filter(|n| !USERS.iter().any(|(u, _)| u == n) && n != "photos" && n != "cells")
        .collect();
    ours.sort();
    assert_eq!(ours, listed(&out));
}

#[test]
fn stale_trace_json_is_removed_by_a_run_without_trace() {
    let dir = folder(&[("tiny.toml", TINY)]);
    let out = dir.path().join("out");
    let args = ["run", "tiny.toml", "--out", "out", "--quiet", "--no-plots"];
    assert_exit(&corosim(dir.path(), &[&args[..], &["--trace"]].concat()), 0);
    assert!(out.join("trace.json").exists());
    assert!(listed(&out).contains(&"trace.json".to_string()));
    assert_exit(&corosim(dir.path(), &args), 0);
    assert!(!out.join("trace.json").exists(), "{:?}", names_in(&out));
    assert!(!listed(&out).contains(&"trace.json".to_string()));
}

#[test]
fn run_json_lists_every_file_the_run_wrote_and_plot_the_charts_it_drew() {
    let dir = folder(&[("tiny.toml", TINY)]);
    let out = dir.path().join("out");
    let files_there = || -> Vec<String> {
        names_in(&out)
            .into_iter()
            .filter(|n| n != "cells" && !USERS.iter().any(|(u, _)| u == n))
            .collect()
    };
    assert_exit(
        &corosim(dir.path(), &["run", "tiny.toml", "--out", "out", "--quiet"]),
        0,
    );
    assert_eq!(listed(&out), files_there());
    assert!(listed(&out).contains(&"gantt_1.png".to_string()));
    // Every name a run lists is one the next run may remove.
    for name in listed(&out) {
        assert!(RunFile::from_name(&name).is_some(), "{name}");
    }
    let drawn = run_json(&out);

    // Without charts, then drawn by `plot`: listed as a run lists them,
    // the user's pictures untouched.
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "tiny.toml", "--out", "out", "--quiet", "--no-plots"],
        ),
        0,
    );
    assert_eq!(listed(&out), files_there());
    assert!(!listed(&out).iter().any(|n| n.ends_with(".svg")));
    add_users_files(&out);
    assert_exit(&corosim(dir.path(), &["plot", "out"]), 0);
    assert_users_files_intact(&out);
    assert_eq!(listed(&out), files_there());
    assert_eq!(run_json(&out)["files"], drawn["files"]);
    // Plot again: the same files, the user's still there.
    assert_exit(&corosim(dir.path(), &["plot", "out"]), 0);
    assert_users_files_intact(&out);
    assert_eq!(listed(&out), files_there());
}

#[test]
fn a_run_json_without_a_list_falls_back_to_known_names_never_a_glob() {
    let dir = folder(&[("tiny.toml", TINY)]);
    let out = dir.path().join("out");
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "tiny.toml", "--out", "out", "--quiet", "--trace"],
        ),
        0,
    );
    // As a version before the list wrote it.
    let mut old = run_json(&out);
    old.as_object_mut().unwrap().remove("files");
    fs::write(
        out.join("run.json"),
        serde_json::to_string_pretty(&old).unwrap(),
    )
    .unwrap();
    add_users_files(&out);
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "tiny.toml", "--out", "out", "--quiet", "--no-plots"],
        ),
        0,
    );
    assert_users_files_intact(&out);
    // The table's names went (trace.json, report.html); the old charts,
    // unlisted, are not known to be corosim's and stay.
    assert!(!out.join("trace.json").exists());
    assert!(!out.join("report.html").exists());
    assert!(out.join("gantt_0.svg").exists());
    assert!(listed(&out).contains(&"summary.csv".to_string()));
}

#[test]
fn a_listed_name_that_corosim_could_not_have_written_is_left_alone() {
    let dir = folder(&[
        ("tiny.toml", TINY),
        ("outside.png", "not in the run folder"),
    ]);
    let out = dir.path().join("out");
    assert_exit(
        &corosim(dir.path(), &["run", "tiny.toml", "--out", "out", "--quiet"]),
        0,
    );
    fs::create_dir(out.join("sub")).unwrap();
    for name in ["sub/gantt_0.svg", ".hidden.svg", "notes.txt", "Photo.PNG"] {
        fs::write(out.join(name), "mine").unwrap();
    }
    // A hand-edited list naming files elsewhere or of other kinds.
    let mut edited = run_json(&out);
    edited["files"] = serde_json::json!([
        "../outside.png",
        "sub/gantt_0.svg",
        ".hidden.svg",
        "notes.txt",
        "Photo.PNG",
        "sub",
        "/etc/hostname"
    ]);
    fs::write(out.join("run.json"), edited.to_string()).unwrap();
    assert_exit(
        &corosim(dir.path(), &["run", "tiny.toml", "--out", "out", "--quiet"]),
        0,
    );
    assert!(dir.path().join("outside.png").exists());
    for name in ["sub/gantt_0.svg", ".hidden.svg", "notes.txt", "Photo.PNG"] {
        assert!(out.join(name).exists(), "{name} was removed");
    }
}

// ---- foreign and unwritable folders ------------------------------------------------

/// The names in `dir` and in its subfolders, as `sub/name`, sorted: to see
/// that a refused run wrote nothing anywhere.
fn tree(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for name in names_in(dir) {
        let path = dir.join(&name);
        if path.is_dir() {
            names.extend(tree(&path).into_iter().map(|n| format!("{name}/{n}")));
        }
        names.push(name);
    }
    names.sort();
    names
}

#[test]
fn foreign_folder_is_refused_with_exit_2_unless_force() {
    let dir = folder(&[("tiny.toml", TINY)]);
    add_users_files(dir.path());
    let before = tree(dir.path());
    // The issue's case: `--out .` in a folder of the user's.
    let o = corosim(dir.path(), &["run", "tiny.toml", "--out", "."]);
    assert_exit(&o, 2);
    let message = stderr(&o);
    assert!(
        message.contains("the run folder . holds files that no corosim run wrote (`gantt_7.png`, `holiday.png`, `logo.svg` and 2 more)"),
        "{message}"
    );
    assert!(message.contains("--force"), "{message}");
    assert_eq!(tree(dir.path()), before, "a refused run wrote something");

    // With --force it writes, and removes nothing of the user's, then or
    // in the runs that follow (the folder is now a run's).
    for args in [
        &["run", "tiny.toml", "--out", ".", "--force", "--quiet"][..],
        &["run", "tiny.toml", "--out", ".", "--quiet", "--trace"],
        &["run", "tiny.toml", "--out", ".", "--quiet", "--no-plots"],
        &["plot", "."],
    ] {
        assert_exit(&corosim(dir.path(), args), 0);
        assert_users_files_intact(dir.path());
        assert!(dir.path().join("tiny.toml").exists());
    }
    assert!(!dir.path().join("trace.json").exists());
}

#[test]
fn force_replaces_only_files_named_like_outputs_and_removes_nothing() {
    let dir = folder(&[("tiny.toml", TINY)]);
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    add_users_files(&out);
    // Named like corosim's, in a folder no run made: not removed, though
    // this run writes no trace.
    fs::write(out.join("trace.json"), "the user's trace").unwrap();
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "tiny.toml", "--out", "out", "--force", "--quiet"],
        ),
        0,
    );
    assert_users_files_intact(&out);
    assert_eq!(
        fs::read_to_string(out.join("trace.json")).unwrap(),
        "the user's trace"
    );
    assert!(!listed(&out).contains(&"trace.json".to_string()));
    // The next run removes what the forced one wrote, and only that.
    assert_exit(
        &corosim(dir.path(), &["run", "tiny.toml", "--out", "out", "--quiet"]),
        0,
    );
    assert_users_files_intact(&out);
    assert_eq!(
        fs::read_to_string(out.join("trace.json")).unwrap(),
        "the user's trace"
    );
}

#[test]
fn a_foreign_folder_among_several_scenarios_writes_nothing_for_any() {
    let other = TINY.replace("name = \"tiny\"", "name = \"other\"");
    let dir = folder(&[("tiny.toml", TINY), ("other.toml", &other)]);
    fs::create_dir_all(dir.path().join("out/other")).unwrap();
    fs::write(dir.path().join("out/other/mine.txt"), "mine").unwrap();
    let before = tree(dir.path());
    let o = corosim(
        dir.path(),
        &["run", "tiny.toml", "other.toml", "--out", "out", "--quiet"],
    );
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("out/other holds files"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn a_cells_folder_that_is_not_corosims_is_refused_even_with_force() {
    let dir = folder(&[("tiny.toml", TINY)]);
    fs::create_dir_all(dir.path().join("out/cells")).unwrap();
    fs::write(dir.path().join("out/cells/biology.txt"), "my cells").unwrap();
    let before = tree(dir.path());
    for force in [false, true] {
        let mut args = vec!["run", "tiny.toml", "--out", "out", "--fresh"];
        if force {
            args.push("--force");
        }
        let o = corosim(dir.path(), &args);
        assert_exit(&o, 2);
        assert!(
            stderr(&o).contains("out/cells is not a corosim cells folder"),
            "{}",
            stderr(&o)
        );
        assert_eq!(tree(dir.path()), before);
    }
}

#[test]
fn interrupted_and_sharded_folders_are_corosims() {
    let dir = folder(&[("tiny.toml", TINY)]);
    for i in ["1", "2"] {
        let shard = format!("{i}/2");
        let out = format!("s{i}");
        assert_exit(
            &corosim(
                dir.path(),
                &[
                    "run",
                    "tiny.toml",
                    "--out",
                    &out,
                    "--shard",
                    &shard,
                    "--quiet",
                ],
            ),
            0,
        );
    }
    // A shard folder holds only cells/: a run there finishes it, unforced.
    assert_exit(
        &corosim(dir.path(), &["run", "tiny.toml", "--out", "s1", "--quiet"]),
        0,
    );
    // merge follows the same rules as run.
    fs::create_dir(dir.path().join("merged")).unwrap();
    fs::write(dir.path().join("merged/mine.txt"), "mine").unwrap();
    let o = corosim(
        dir.path(),
        &["merge", "s1", "s2", "--out", "merged", "--quiet"],
    );
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(names_in(&dir.path().join("merged")), ["mine.txt"]);
    let o = corosim(
        dir.path(),
        &["merge", "s1", "s2", "--out", "merged", "--quiet", "--force"],
    );
    assert_exit(&o, 0);
    assert!(dir.path().join("merged/mine.txt").exists());
    assert!(dir.path().join("merged/run.json").exists());
}

#[test]
fn unwritable_folder_a_path_under_a_file_exits_2_naming_it() {
    let dir = folder(&[("tiny.toml", TINY), ("file.txt", "a file")]);
    let before = tree(dir.path());
    for (out, message) in [
        (
            "file.txt",
            "error: the run folder file.txt is a file, not a folder",
        ),
        (
            "file.txt/sub",
            "error: the run folder file.txt/sub cannot be created: file.txt is a file, not a folder",
        ),
        (
            "file.txt/a/b",
            "error: the run folder file.txt/a/b cannot be created: file.txt is a file, not a folder",
        ),
    ] {
        let o = corosim(dir.path(), &["run", "tiny.toml", "--out", out]);
        assert_exit(&o, 2);
        assert_eq!(stderr(&o).trim_end(), message);
        assert_eq!(tree(dir.path()), before);
    }
    // With several scenarios the folder is DIR/<name>: the same rule.
    let o = corosim(
        dir.path(),
        &["run", "tiny.toml", "tiny.toml", "--out", "file.txt"],
    );
    assert_exit(&o, 2);
    // `plot` of a file, or of a run.json that corosim did not write.
    let o = corosim(dir.path(), &["plot", "file.txt"]);
    assert_exit(&o, 2);
    fs::create_dir(dir.path().join("mine")).unwrap();
    fs::write(dir.path().join("mine/run.json"), "{\"my\": \"run\"}").unwrap();
    let o = corosim(dir.path(), &["plot", "mine"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("not a run.json that corosim wrote"),
        "{}",
        stderr(&o)
    );
    assert_eq!(names_in(&dir.path().join("mine")), ["run.json"]);
}

/// A folder that the path allows but the system refuses to create is a
/// failure while running, exit 1. Tests run as root, for whom permissions
/// refuse nothing; /proc refuses new folders to anyone.
#[cfg(target_os = "linux")]
#[test]
fn unwritable_folder_the_system_refuses_exits_1_naming_it() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let dir = folder(&[("tiny.toml", TINY)]);
    let o = corosim(
        dir.path(),
        &["run", "tiny.toml", "--out", "/proc/corosim-out"],
    );
    assert_exit(&o, 1);
    assert!(
        stderr(&o).starts_with("error: cannot create the run folder /proc/corosim-out: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn run_help_states_the_folder_rules_and_force() {
    let o = corosim_bin().args(["run", "--help"]).output().unwrap();
    assert_exit(&o, 0);
    let help = String::from_utf8(o.stdout).unwrap();
    for words in [
        "--force",
        "The output folder:",
        "Any other folder is refused (exit 2",
        "removes only files it wrote itself",
    ] {
        assert!(help.contains(words), "{words:?} is not in:\n{help}");
    }
}
