//! Shell completions and the exit status in `--help`.

use std::path::Path;

use super::support::{assert_exit, corosim, stdout};

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = corosim(Path::new("."), &["completions", shell]);
        assert_exit(&o, 0);
        let script = stdout(&o);
        for word in ["corosim", "run", "check", "policies", "set", "max-events"] {
            assert!(script.contains(word), "{shell}: no `{word}` in\n{script}");
        }
    }
}

/// The bash script is valid bash (`bash -n` parses without running it).
#[test]
fn the_bash_completion_script_parses() {
    let o = corosim(Path::new("."), &["completions", "bash"]);
    assert_exit(&o, 0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corosim.bash");
    std::fs::write(&file, &o.stdout).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .expect("bash runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn an_unknown_shell_exits_2() {
    assert_exit(&corosim(Path::new("."), &["completions", "tcsh"]), 2);
}

#[test]
fn help_lists_the_exit_status() {
    let o = corosim(Path::new("."), &["--help"]);
    assert_exit(&o, 0);
    let help = stdout(&o);
    for line in [
        "Exit status:",
        "0  success",
        "1  a failure while running",
        "2  an invalid scenario",
    ] {
        assert!(help.contains(line), "no {line:?} in\n{help}");
    }
}
