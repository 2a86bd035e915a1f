//! The catalogue of bad inputs under `tests/bad/`: each `NAME.toml` is a
//! scenario that must be refused, each `NAME.args` a command line (one
//! argument per line, `{out}` standing for the output folder). Every case
//! must exit 2, write nothing, and print exactly its golden message
//! `NAME.err` (file:line:column, what was expected, a "did you mean" where a
//! close name exists). `COROSIM_BLESS=1 cargo test bad_inputs` rewrites the
//! messages, on purpose; read the diff before committing it.

use std::fs;
use std::path::{Path, PathBuf};

use super::support::{corosim, stderr};

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad")
}

/// Every case: its name and the arguments after `corosim`.
fn cases() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(bad_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        match path.extension().and_then(|e| e.to_str()) {
            Some("toml") if name != "good" => out.push((
                name.clone(),
                vec![
                    "run".into(),
                    format!("{name}.toml"),
                    "--out".into(),
                    "{out}".into(),
                ],
            )),
            Some("args") => {
                let args = fs::read_to_string(&path).unwrap();
                out.push((name, args.lines().map(String::from).collect()));
            }
            _ => {}
        }
    }
    out.sort();
    out
}

#[test]
fn every_bad_input_exits_2_writes_nothing_and_says_where() {
    let cases = cases();
    assert!(cases.len() >= 50, "only {} bad inputs", cases.len());
    let bless = std::env::var_os("COROSIM_BLESS").is_some_and(|v| v == "1");
    let mut wrong = Vec::new();
    for (name, args) in &cases {
        // Each case runs in a fresh copy of the folder, so it can only write
        // where the test looks.
        let dir = tempfile::tempdir().unwrap();
        for entry in fs::read_dir(bad_dir()).unwrap() {
            let path = entry.unwrap().path();
            fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
        let before = fs::read_dir(dir.path()).unwrap().count();
        let args: Vec<String> = args.iter().map(|a| a.replace("{out}", "out")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = corosim(dir.path(), &args);
        let message = stderr(&o);
        if o.status.code() != Some(2) {
            wrong.push(format!(
                "{name}: exit {:?}, not 2:\n{message}",
                o.status.code()
            ));
        }
        if dir.path().join("out").exists() || fs::read_dir(dir.path()).unwrap().count() != before {
            wrong.push(format!("{name}: wrote something"));
        }
        if message.contains("panicked") {
            wrong.push(format!("{name}: panicked:\n{message}"));
        }
        let golden = bad_dir().join(format!("{name}.err"));
        if bless {
            fs::write(&golden, &message).unwrap();
        } else {
            match fs::read_to_string(&golden) {
                Ok(expected) if expected == message => {}
                Ok(expected) => wrong.push(format!(
                    "{name}: the message changed (COROSIM_BLESS=1 rewrites it)\n--- expected\n{expected}--- got\n{message}"
                )),
                Err(_) => wrong.push(format!("{name}: no {name}.err (COROSIM_BLESS=1 writes it)")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// A scenario file case names its own file with a line and column, unless
/// its fault has no single place (a missing table, a file that cannot be read).
#[test]
fn scenario_cases_name_a_line_and_column() {
    let whole_file = [
        "missing-horizon",
        "no-policy",
        "no-task",
        "no-class-arrives",
    ];
    for (name, _) in cases() {
        let Ok(message) = fs::read_to_string(bad_dir().join(format!("{name}.err"))) else {
            continue;
        };
        if !bad_dir().join(format!("{name}.toml")).exists() || whole_file.contains(&name.as_str()) {
            continue;
        }
        // `FILE.toml:LINE:COLUMN` (or a trace's `.csv`); a general error's
        // "error: FILE.toml: ..." names the file but no place, and must not pass.
        let located = message.lines().any(|l| {
            [".toml:", ".csv:"]
                .iter()
                .any(|ext| l.split(ext).skip(1).any(has_line_and_column))
        });
        assert!(located, "{name}: no file:line:column in\n{message}");
    }
}

/// Whether `rest` starts with `LINE:COLUMN`, both numbers.
fn has_line_and_column(rest: &str) -> bool {
    let mut parts = rest.splitn(2, ':');
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
    let line = parts.next().unwrap_or("");
    let column = parts.next().unwrap_or("");
    digits(line) == line.len() && !line.is_empty() && digits(column) > 0
}
