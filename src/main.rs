//! The `corosim` command: parses arguments and hands them to `cli`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
