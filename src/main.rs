//! The `corosim` command: parses arguments and hands them to `cli`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Bad input is always an error with a location and exit 2; a panic is a
    // bug in corosim, so say so and what to send, instead of a bare backtrace.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        eprintln!(
            "corosim: internal error, a bug in corosim (not in your scenario). Please report it \
             with the scenario and the command line; details follow (RUST_BACKTRACE=1 adds a backtrace)."
        );
        default_hook(info);
    }));
    cli::main()
}
