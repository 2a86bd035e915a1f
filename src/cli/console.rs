//! Printing to stdout and stderr without ever panicking: `println!` panics
//! when the reader of a pipe has gone (`corosim policies | head -1`), and
//! `eprintln!` when stderr has.

use std::io::{self, Write};

use anyhow::{Context, Result};

/// The command's stdout. Its reader may close the pipe early; that is not
/// a failure: as with ripgrep, corosim prints nothing more and exits as it
/// would have (a run still writes its folder), quietly.
#[derive(Debug, Default)]
pub struct Stdout {
    reader_gone: bool,
}

impl Stdout {
    /// Prints what `write` writes, unless the reader has already gone.
    /// Any failure other than a closed pipe (`> /dev/full`) is an error.
    pub fn print(&mut self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
        if self.reader_gone {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        match write(&mut out).and_then(|()| out.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.reader_gone = true;
                Ok(())
            }
            result => result.context("writing to stdout"),
        }
    }

    /// Prints one line.
    pub fn line(&mut self, text: impl std::fmt::Display) -> Result<()> {
        self.print(|w| writeln!(w, "{text}"))
    }
}

/// Prints one line to stderr. A stderr that cannot be written to leaves
/// nowhere to say so: the line is dropped rather than the process panicking.
pub fn eprint_line(text: impl std::fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}
