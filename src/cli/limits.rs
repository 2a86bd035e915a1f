//! `corosim run`'s limit flags and what it prints of the limits reached and
//! the deadlocks: kept apart from `cli.rs`, which only declares the flags and
//! calls these.

use super::console;
use corosim::batch::{BatchResult, Severity};
use corosim::scenario::Study;

/// `corosim run`'s limit flags: each overrides the scenario's `[limits]`, as
/// `--set limits.KEY=VALUE` would (and is recorded with the `--set`s).
#[derive(clap::Args, Debug)]
pub struct LimitArgs {
    /// Stop a run after N events (default 10^10; scenario: [limits] max_events).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=i64::MAX as u64))]
    max_events: Option<u64>,
    /// Stop a run when N tasks are alive at once (default 5,000,000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=i64::MAX as u64))]
    max_live_tasks: Option<u64>,
    /// Stop a run when it has created N tasks (default: no limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=i64::MAX as u64))]
    max_tasks: Option<u64>,
    /// Stop a run at this virtual time, like "60s" (default: no limit).
    #[arg(long, value_name = "DURATION", value_parser = positive_duration)]
    max_time: Option<String>,
    /// Stop a run whose estimated memory passes SIZE, like "8GiB" (default 4GiB per run).
    #[arg(long, value_name = "SIZE", value_parser = positive_size)]
    max_memory: Option<String>,
}

impl LimitArgs {
    /// The flags given, as `--set` overrides.
    pub fn sets(&self) -> Vec<String> {
        let counts = [
            ("max_events", self.max_events),
            ("max_live_tasks", self.max_live_tasks),
            ("max_tasks", self.max_tasks),
        ];
        let texts = [
            ("max_time", &self.max_time),
            ("max_memory", &self.max_memory),
        ];
        counts
            .into_iter()
            .filter_map(|(key, n)| Some(format!("limits.{key}={}", n?)))
            .chain(
                texts
                    .into_iter()
                    .filter_map(|(key, v)| Some(format!("limits.{key}=\"{}\"", v.as_ref()?))),
            )
            .collect()
    }
}

fn positive_duration(text: &str) -> Result<String, String> {
    match text.parse::<corosim::time::SimDuration>() {
        Ok(d) if d.is_zero() => Err("must be greater than zero".into()),
        Ok(d) => Ok(d.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn positive_size(text: &str) -> Result<String, String> {
    match text.parse::<corosim::model::Bytes>() {
        Ok(b) if b.0 == 0 => Err("must be greater than zero".into()),
        Ok(b) => Ok(b.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Prints the limits reached and the deadlocks of a run to stderr (an
/// expected deadlock only as a note, and not when quiet). Returns whether
/// any fails the run.
pub fn report_diagnostics(study: &Study, result: &BatchResult, quiet: bool) -> bool {
    let diagnostics = result.diagnostics(study);
    let of = |severity| {
        diagnostics
            .iter()
            .filter(move |d: &&corosim::batch::Diagnostic| d.severity == severity)
    };
    let errors: Vec<_> = of(Severity::Error).collect();
    let expected: Vec<_> = of(Severity::Expected).collect();
    // A sweep of overloaded points can stop dozens of runs: the first few
    // say what happened, run.json lists them all.
    const SHOWN: usize = 5;
    let file = study.base.file.display();
    for d in errors.iter().take(SHOWN) {
        console::eprint_line(format_args!("error: {file}: {d}\n  hint: {}", d.hint));
    }
    if errors.len() > SHOWN {
        console::eprint_line(format_args!(
            "error: {file}: {} more runs stopped or deadlocked; run.json lists every one",
            errors.len() - SHOWN
        ));
    }
    if !quiet {
        for d in expected.iter().take(SHOWN) {
            console::eprint_line(format_args!("note: {file}: {d} (expected by the scenario)"));
        }
        let slow: u64 = result.cells.iter().map(|c| c.stats.slow_callbacks).sum();
        if slow > 0 {
            let first = of(Severity::Warning).next();
            console::eprint_line(format_args!(
                "warning: {file}: {slow} slow callback(s), steps that held their event loop for \
                 slow_callback_duration or longer; the first: {}; run.json lists them",
                first.map_or_else(String::new, |d| format!("{d}"))
            ));
        }
    }
    !errors.is_empty()
}
